/* Workloads for instruction counts (bench/bench_firmware.py runs them under callgrind and
 * counts the instructions of the bench_* functions only, divided by CALLS).
 *   ea_bench ncm-l2 | ncm-cos | ncm-float | ucb1   (this library)
 * The data are a fixed pseudo-random sequence (an LCG), the same for every build. */
#include <stdio.h>
#include <string.h>

#include "edgeadapt/ea_learn.h"

#define CALLS 1000
#define DIM 96
#define CLASSES 32
#define ARMS 8
#define LCG_MUL 1103515245u
#define LCG_ADD 12345u

static uint32_t lcg(uint32_t *s) { *s = *s * LCG_MUL + LCG_ADD; return *s >> 16; }

__attribute__((noinline)) int bench_q8(const ea_q8ncm *q, const int8_t *x) {
    int64_t score;
    return ea_q8ncm_predict(q, x, &score);
}
__attribute__((noinline)) int bench_ncm(const ea_ncm *n, const double *x) { return ea_ncm_predict(n, x, NULL); }
__attribute__((noinline)) int bench_ucb1(ea_bandit *b, double reward) {
    int arm = ea_ucb1_select(b, NULL);
    ea_bandit_update(b, (uint32_t)arm, reward);
    return arm;
}

int main(int argc, char **argv) {
    static int8_t protos[CLASSES * DIM], queries[CALLS][DIM];
    static int32_t sums[CLASSES * DIM], counts[CLASSES];
    static double fsums[CLASSES * DIM], fcounts[CLASSES], fx[DIM];
    double c[ARMS], s[ARMS];
    uint8_t active[ARMS];
    uint64_t rng[6] = {0, 0, 0, 0, 0, 0};
    uint32_t seed = 1, i, j;
    long acc = 0;
    const char *mode = argc > 1 ? argv[1] : "ncm-l2";
    ea_q8ncm q;
    ea_q8ncm_config cfg;
    ea_ncm n;
    ea_bandit b;
    int8_t x[DIM];
    cfg.metric = strcmp(mode, "ncm-cos") == 0 ? EA_METRIC_COSINE : EA_METRIC_L2;
    ea_q8ncm_init(&q, &cfg, DIM, CLASSES, protos, sums, counts);
    ea_ncm_init(&n, DIM, CLASSES, CLASSES, fsums, fcounts);
    for (i = 0; i < CLASSES; i++) {
        for (j = 0; j < DIM; j++) { x[j] = (int8_t)(lcg(&seed) % 255u - 127u); fx[j] = x[j]; }
        ea_q8ncm_enroll(&q, x);
        ea_ncm_update(&n, fx, i, 1.0);
    }
    for (i = 0; i < CALLS; i++) for (j = 0; j < DIM; j++) queries[i][j] = (int8_t)(lcg(&seed) % 255u - 127u);
    if (strncmp(mode, "ncm-", 4) == 0 && strcmp(mode, "ncm-float") != 0) {
        for (i = 0; i < CALLS; i++) acc += bench_q8(&q, queries[i]);
    } else if (strcmp(mode, "ncm-float") == 0) {
        for (i = 0; i < CALLS; i++) {
            for (j = 0; j < DIM; j++) fx[j] = queries[i][j];
            acc += bench_ncm(&n, fx);
        }
    } else {
        ea_ucb1_init(&b, NULL, ARMS, ARMS, c, s, active, rng);
        for (i = 0; i < CALLS; i++) acc += bench_ucb1(&b, (double)(lcg(&seed) % 100u) / 100.0);
    }
    printf("%s %d %ld\n", mode, CALLS, acc);
    return 0;
}
