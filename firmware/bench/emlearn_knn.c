/* emlearn's kNN (eml_neighbors.h from the emlearn package on PyPI) on the workload of
 * ea_bench.c's ncm-l2: 32 stored items of 96 features (int16 holding int8 values), k = 1.
 * Built and run by bench/bench_firmware.py (the `bench` extra installs emlearn), on the host
 * and for the emulated Cortex-M3. */
#include <stdio.h>
#include <string.h>

#include <eml_neighbors.h>

#ifndef EA_BENCH_CALLS
#define EA_BENCH_CALLS 1000
#endif
#define CALLS EA_BENCH_CALLS
#define DIM 96
#define ITEMS 32
#define LCG_MUL 1103515245u
#define LCG_ADD 12345u

static uint32_t lcg(uint32_t *s) { *s = *s * LCG_MUL + LCG_ADD; return *s >> 16; }

__attribute__((noinline)) int bench_knn(EmlNeighborsModel *m, const int16_t *x, EmlNeighborsDistanceItem *d) {
    int16_t out = -1;
    eml_neighbors_predict(m, x, DIM, d, ITEMS, &out);
    return out;
}

int main(void) {
    static int16_t data[ITEMS * DIM], labels[ITEMS], queries[CALLS][DIM], x[DIM];
    static EmlNeighborsDistanceItem dist[ITEMS];
    EmlNeighborsModel m;
    uint32_t seed = 1, i, j;
    long acc = 0;
    memset(&m, 0, sizeof m);
    m.n_features = DIM;
    m.max_items = ITEMS;
    m.data = data;
    m.labels = labels;
    m.k_neighbors = 1;
    for (i = 0; i < ITEMS; i++) {
        for (j = 0; j < DIM; j++) x[j] = (int16_t)((int)(lcg(&seed) % 255u) - 127);
        eml_neighbors_add_item(&m, x, DIM, (int16_t)(i % 10));
    }
    for (i = 0; i < CALLS; i++) for (j = 0; j < DIM; j++) queries[i][j] = (int16_t)((int)(lcg(&seed) % 255u) - 127);
    for (i = 0; i < CALLS; i++) acc += bench_knn(&m, queries[i], dist);
    printf("emlearn-knn %d %ld\n", CALLS, acc);
    return 0;
}
