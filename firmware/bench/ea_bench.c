/* Workloads for instruction counts: bench/bench_firmware.py runs them on the host under
 * callgrind and on an emulated Cortex-M3 (QEMU mps2-an385, one instruction per translation
 * block) and counts the instructions of bench_step only (the operation and everything it
 * calls), divided by the number of calls, after WARMUP calls that are not counted.
 *   ea_bench MODE   (host; on the M3 the mode is compiled in: -DEA_BENCH_MODE='"ncm-l2"')
 *   ncm-l2 | ncm-cos | ncm-float: nearest class mean over 32 classes x 96 dims
 *   q8-update: one int8 sample into its class (96 dims) | moments: Moments update, 16 dims
 *   ucb1 | egreedy | bts: select + update, 8 arms (bts: 16 replicates)
 *   dguard: DetectionGuard.process, one frame | aguard: AlertGuard.update, one step
 * The data are a fixed pseudo-random sequence (an LCG), the same for every build. */
#include <stdio.h>
#include <string.h>

#include "edgeadapt/ea_learn.h"

#ifndef EA_BENCH_CALLS
#define EA_BENCH_CALLS 1000
#endif
#define CALLS EA_BENCH_CALLS
#define DIM 96
#define CLASSES 32
#define MOMENTS_DIM 16
#define ARMS 8
#define WARMUP 64
#define LCG_MUL 1103515245u
#define LCG_ADD 12345u

enum { NCM_L2, NCM_COS, NCM_FLOAT, Q8_UPDATE, MOMENTS, UCB1, EGREEDY, BTS, DGUARD, AGUARD, N_MODES };
static const char *const modes[N_MODES] = {"ncm-l2", "ncm-cos", "ncm-float", "q8-update", "moments",
                                           "ucb1", "egreedy", "bts", "dguard", "aguard"};

typedef struct bench {
    ea_q8ncm q;
    ea_ncm n;
    ea_moments m;
    ea_bandit b;
    ea_bts t;
    ea_dguard g;
    ea_aguard a;
} bench;

static uint32_t lcg(uint32_t *s) { *s = *s * LCG_MUL + LCG_ADD; return *s >> 16; }

/* One operation of the mode; x, fx: this call's input; r: a reward or score in [0, 1). */
static long step(bench *w, int mode, const int8_t *x, const double *fx, double r, uint32_t i) {
    int64_t score;
    int arm;
    switch (mode) {
        case NCM_L2: case NCM_COS: return ea_q8ncm_predict(&w->q, x, &score);
        case NCM_FLOAT: return ea_ncm_predict(&w->n, fx, NULL);
        case Q8_UPDATE: return ea_q8ncm_update(&w->q, x, i % CLASSES);
        case MOMENTS: return ea_moments_update(&w->m, fx, 1.0);
        case UCB1: arm = ea_ucb1_select(&w->b, NULL); return ea_bandit_update(&w->b, (uint32_t)arm, r) + arm;
        case EGREEDY: arm = ea_egreedy_select(&w->b, NULL); return ea_bandit_update(&w->b, (uint32_t)arm, r) + arm;
        case BTS: arm = ea_bts_select(&w->t, NULL); return ea_bts_update(&w->t, (uint32_t)arm, r) + arm;
        case DGUARD: return ea_dguard_process(&w->g, 0.02 * i, (i & 4u) ? "yes" : "no", (i & 4u) ? 3u : 2u, r, r * 0.5);
        default: return ea_aguard_update(&w->a, r);
    }
}

/* The measured calls, and the warm-up calls before them (bandits past their untried arms,
 * classes past their first samples): the same operation, counted only in bench_step. */
__attribute__((noinline)) long bench_step(bench *w, int mode, const int8_t *x, const double *fx, double r, uint32_t i) {
    return step(w, mode, x, fx, r, i);
}
__attribute__((noinline)) long bench_warm(bench *w, int mode, const int8_t *x, const double *fx, double r, uint32_t i) {
    return step(w, mode, x, fx, r, i);
}

static int mode_of(const char *name) {
    int k;
    for (k = 0; k < N_MODES; k++) if (strcmp(name, modes[k]) == 0) return k;
    return -1;
}

#ifdef EA_BENCH_MODE
int main(void) {
    const char *name = EA_BENCH_MODE;
#else
int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "ncm-l2";
#endif
    static int8_t protos[CLASSES * DIM];
    static int32_t sums[CLASSES * DIM], counts[CLASSES];
    static double fsums[CLASSES * DIM], fcounts[CLASSES], fx[DIM], mean[MOMENTS_DIM], m2[MOMENTS_DIM];
    static double c[ARMS], s[ARMS], rs[ARMS * 16], rw[ARMS * 16];
    static bench w;
    static char label[8];
    uint8_t active[ARMS];
    uint64_t rng[6] = {0, 0, 0, 0, 0, 0};
    uint32_t seed = 1, i, j;
    long acc = 0;
    int mode = mode_of(name);
    ea_q8ncm_config cfg;
    int8_t x[DIM];
    if (mode < 0) { printf("unknown mode %s\n", name); return 1; }
    cfg.metric = mode == NCM_COS ? EA_METRIC_COSINE : EA_METRIC_L2;
    ea_q8ncm_init(&w.q, &cfg, DIM, CLASSES, protos, sums, counts);
    ea_ncm_init(&w.n, DIM, CLASSES, CLASSES, fsums, fcounts);
    ea_moments_init(&w.m, NULL, MOMENTS_DIM, mean, m2);
    rng[1] = 42; /* any PCG64 state: the same sequence on every build */
    rng[3] = 1;
    if (mode == EGREEDY) ea_egreedy_init(&w.b, NULL, ARMS, ARMS, c, s, active, rng);
    else ea_ucb1_init(&w.b, NULL, ARMS, ARMS, c, s, active, rng);
    ea_bts_init(&w.t, NULL, ARMS, ARMS, c, rs, rw, active, rng);
    ea_dguard_init(&w.g, NULL, label, sizeof label);
    ea_aguard_init(&w.a, NULL);
    for (i = 0; i < CLASSES; i++) {
        for (j = 0; j < DIM; j++) { x[j] = (int8_t)(lcg(&seed) % 255u - 127u); fx[j] = x[j]; }
        ea_q8ncm_enroll(&w.q, x);
        ea_ncm_update(&w.n, fx, i, 1.0);
    }
    for (i = 0; i < WARMUP + CALLS; i++) {
        double r = (double)(lcg(&seed) % 100u) / 100.0;
        for (j = 0; j < DIM; j++) { x[j] = (int8_t)(lcg(&seed) % 255u - 127u); fx[j] = x[j]; }
        acc += i < WARMUP ? bench_warm(&w, mode, x, fx, r, i) : bench_step(&w, mode, x, fx, r, i);
    }
    printf("%s %d %ld\n", name, CALLS, acc);
    return 0;
}
