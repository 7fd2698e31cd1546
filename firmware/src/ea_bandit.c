/* numpy's PCG64 and the bandit policies with the Python rules (ea_learn.h). */
#include "ea_internal.h"

#include <math.h>
#include <string.h>

/* Python's EpsilonGreedy default exploration probability. */
#define EA_EGREEDY_DEFAULT_EPSILON 0.1
#define EA_UCB1_DEFAULT_ALPHA 1.0
/* numpy's PCG64 multiplier (PCG_DEFAULT_MULTIPLIER_128), high and low words. */
#define EA_PCG_MULT_HI 0x2360ED051FC65DA4ull
#define EA_PCG_MULT_LO 0x4385DF649FCCF645ull
/* random(): the top 53 bits of next64 times 2^-53 */
#define EA_PCG_SHIFT 11
#define EA_TWO_POW_M53 (1.0 / 9007199254740992.0)
#define EA_RNG_WORDS 6u

/* ------------------------------------------------------------ PCG64 */

/* 64 x 64 -> 128 multiply from 32-bit halves (C99 has no 128-bit integer) */
static void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo) {
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    *lo = (mid << 32) | (uint32_t)p00;
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

uint64_t ea_pcg64_next(ea_pcg64 *g) {
    uint64_t hi, lo, sh = g->words[0], sl = g->words[1], x;
    unsigned rot;
    /* state = state * MULT + inc (mod 2^128) */
    mul64(sl, EA_PCG_MULT_LO, &hi, &lo);
    hi += sh * EA_PCG_MULT_LO + sl * EA_PCG_MULT_HI;
    sl = lo + g->words[3];
    sh = hi + g->words[2] + (sl < lo ? 1u : 0u);
    g->words[0] = sh;
    g->words[1] = sl;
    /* XSL-RR output */
    x = sh ^ sl;
    rot = (unsigned)(sh >> 58);
    return (x >> rot) | (x << ((64u - rot) & 63u));
}

double ea_pcg64_random(ea_pcg64 *g) { return (double)(ea_pcg64_next(g) >> EA_PCG_SHIFT) * EA_TWO_POW_M53; }

/* ------------------------------------------------------------ bandits */

static int bandit_init(ea_bandit *b, double param, uint32_t n_arms, uint32_t max_arms, double *counts, double *sums,
                       uint8_t *active, const uint64_t rng[6]) {
    uint32_t i;
    if (b == NULL || n_arms == 0 || n_arms > max_arms || counts == NULL || active == NULL || rng == NULL) {
        return EA_ERR_ARG;
    }
    b->n_arms = n_arms;
    b->max_arms = max_arms;
    b->param = param;
    b->counts = counts;
    b->sums = sums;
    b->active = active;
    for (i = 0; i < EA_RNG_WORDS; i++) b->block.words[i] = rng[i];
    b->cur = b->block;
    b->pos = 0;
    for (i = 0; i < max_arms; i++) {
        counts[i] = 0.0;
        if (sums != NULL) sums[i] = 0.0;
        active[i] = i < n_arms;
    }
    return EA_OK;
}

int ea_ucb1_init(ea_bandit *b, const ea_ucb1_config *cfg, uint32_t n_arms, uint32_t max_arms, double *counts,
                 double *sums, uint8_t *active, const uint64_t rng[6]) {
    double alpha = cfg && cfg->alpha != 0.0 ? cfg->alpha : EA_UCB1_DEFAULT_ALPHA;
    if (!(alpha >= 0.0) || sums == NULL) return EA_ERR_ARG;
    return bandit_init(b, alpha, n_arms, max_arms, counts, sums, active, rng);
}

int ea_egreedy_init(ea_bandit *b, const ea_egreedy_config *cfg, uint32_t n_arms, uint32_t max_arms, double *counts,
                    double *sums, uint8_t *active, const uint64_t rng[6]) {
    double eps = cfg && cfg->epsilon != 0.0 ? cfg->epsilon : EA_EGREEDY_DEFAULT_EPSILON;
    if (eps < 0.0) eps = 0.0;
    if (eps > 1.0 || sums == NULL) return EA_ERR_ARG;
    return bandit_init(b, eps, n_arms, max_arms, counts, sums, active, rng);
}

/* May arm a be chosen: active, and in the allowed mask if there is one (Policy._mask) */
static int choosable(const ea_bandit *b, const uint8_t *allowed, uint32_t a) {
    return b->active[a] && (allowed == NULL || allowed[a]);
}

/* UCB1.select: untried choosable arms first (lowest index), then the largest
 * mean + alpha sqrt(2 ln max(N, 1)) / sqrt(max(n, 1)), ties to the lowest index. (Without
 * an allowed set Python takes ln N: N >= 1 there, as every active arm has been tried.) */
int ea_ucb1_select(const ea_bandit *b, const uint8_t *allowed) {
    uint32_t a;
    double total = 0.0, bonus, best_s = 0.0;
    int best = EA_ERR_NOT_FOUND;
    if (b == NULL) return EA_ERR_ARG;
    for (a = 0; a < b->n_arms; a++) {
        if (choosable(b, allowed, a) && b->counts[a] <= 0.0) return (int)a;
        total += b->counts[a];
    }
    bonus = b->param * sqrt(2.0 * log(total > 1.0 ? total : 1.0));
    for (a = 0; a < b->n_arms; a++) {
        double mean, s;
        if (!choosable(b, allowed, a)) continue;
        mean = b->sums[a] / b->counts[a];
        s = mean + bonus * (1.0 / sqrt(b->counts[a] > 1.0 ? b->counts[a] : 1.0));
        if (best < 0 || s > best_s) { best = (int)a; best_s = s; }
    }
    return best;
}

/* Policy._uniform: the buffered stream, refilled one block at a time */
static double uniform(ea_bandit *b) {
    if (b->pos == EA_UNIFORM_BLOCK) { b->block = b->cur; b->pos = 0; }
    b->pos++;
    return ea_pcg64_random(&b->cur);
}

/* EpsilonGreedy.select: no draw when no arm can be chosen; with probability epsilon a
 * uniform choosable arm, else the best mean (untried arms score +inf) */
int ea_egreedy_select(ea_bandit *b, const uint8_t *allowed) {
    uint32_t a, n_ok = 0;
    int best = EA_ERR_NOT_FOUND;
    double best_s = 0.0;
    if (b == NULL) return EA_ERR_ARG;
    for (a = 0; a < b->n_arms; a++) n_ok += choosable(b, allowed, a) ? 1u : 0u;
    if (n_ok == 0) return EA_ERR_NOT_FOUND;
    if (uniform(b) < b->param) {
        uint32_t pick = (uint32_t)(uniform(b) * (double)n_ok);
        for (a = 0; a < b->n_arms; a++) {
            if (choosable(b, allowed, a) && pick-- == 0) return (int)a;
        }
    }
    for (a = 0; a < b->n_arms; a++) {
        double s;
        if (!choosable(b, allowed, a)) continue;
        s = b->counts[a] > 0.0 ? b->sums[a] / b->counts[a] : HUGE_VAL;
        if (best < 0 || s > best_s) { best = (int)a; best_s = s; }
    }
    return best;
}

int ea_bandit_update(ea_bandit *b, uint32_t arm, double reward) {
    if (b == NULL || arm >= b->n_arms || reward - reward != 0.0) return EA_ERR_ARG;
    b->counts[arm] += 1.0;
    b->sums[arm] += reward;
    return EA_OK;
}

int ea_bandit_add_arm(ea_bandit *b) {
    if (b == NULL) return EA_ERR_ARG;
    if (b->n_arms >= b->max_arms) return EA_ERR_NO_SPACE;
    b->counts[b->n_arms] = 0.0;
    b->sums[b->n_arms] = 0.0;
    b->active[b->n_arms] = 1;
    return (int)b->n_arms++;
}

int ea_bandit_retire_arm(ea_bandit *b, uint32_t arm) {
    if (b == NULL || arm >= b->n_arms) return EA_ERR_ARG;
    b->active[arm] = 0;
    return EA_OK;
}

/* The generator after p draws of the block that starts at b->block */
static void seek(ea_bandit *b, int64_t p) {
    b->cur = b->block;
    for (b->pos = 0; b->pos < p; b->pos++) (void)ea_pcg64_next(&b->cur);
}

int ea_bandit_save(const ea_bandit *b, ea_writer *w, const char *prefix) {
    uint32_t d[1];
    uint32_t words = EA_RNG_WORDS;
    if (b == NULL) return EA_ERR_ARG;
    d[0] = b->n_arms;
    ea_writer_array_p(w, prefix, "active", EA_BOOL, 1, d, b->active);
    ea_writer_array_p(w, prefix, "counts", EA_F64, 1, d, b->counts);
    ea_writer_array_p(w, prefix, "rng", EA_U64, 1, &words, b->block.words);
    ea_writer_array_p(w, prefix, "rng_pos", EA_I64, 0, NULL, &b->pos);
    return ea_writer_array_p(w, prefix, "sums", EA_F64, 1, d, b->sums);
}

int ea_bandit_load(ea_bandit *b, const ea_blob *blob, const char *prefix) {
    uint32_t k = 0;
    int64_t p = 0;
    int err;
    if (b == NULL || blob == NULL) return EA_ERR_ARG;
    err = ea_i_rows(blob, prefix, "active", EA_BOOL, 1, b->max_arms, &k);
    if (!err) err = ea_i_fetch(blob, prefix, "rng_pos", EA_I64, 1, &p);
    if (!err && (p < 0 || p > EA_UNIFORM_BLOCK)) err = EA_ERR_FORMAT;
    if (!err) err = ea_i_fetch(blob, prefix, "rng", EA_U64, EA_RNG_WORDS, NULL);
    if (!err) err = ea_i_nonnegative(blob, prefix, "counts", k);
    if (!err) err = ea_i_fetch(blob, prefix, "sums", EA_F64, k, NULL);
    if (err) return err;
    ea_i_fetch(blob, prefix, "active", EA_BOOL, k, b->active);
    ea_i_fetch(blob, prefix, "rng", EA_U64, EA_RNG_WORDS, b->block.words);
    ea_i_fetch(blob, prefix, "counts", EA_F64, k, b->counts);
    ea_i_fetch(blob, prefix, "sums", EA_F64, k, b->sums);
    b->n_arms = k;
    seek(b, p);
    return EA_OK;
}

/* ------------------------------------------------------------ bootstrap Thompson */

#define EA_BTS_DEFAULT_REPLICATES 16u
#define EA_BTS_DEFAULT_PRIOR 1.0 /* prior_reward and prior_weight */

int ea_bts_init(ea_bts *t, const ea_bts_config *cfg, uint32_t n_arms, uint32_t max_arms, double *counts,
                double *rep_sums, double *rep_weights, uint8_t *active, const uint64_t rng[6]) {
    uint32_t j = cfg && cfg->n_replicates ? cfg->n_replicates : EA_BTS_DEFAULT_REPLICATES;
    double reward = ea_i_or_default(cfg ? cfg->prior_reward : 0.0, EA_BTS_DEFAULT_PRIOR);
    double weight = ea_i_or_default(cfg ? cfg->prior_weight : 0.0, EA_BTS_DEFAULT_PRIOR);
    size_t n;
    int err;
    if (t == NULL || rep_sums == NULL || rep_weights == NULL || j > EA_BTS_MAX_REPLICATES || reward - reward != 0.0 ||
        !(weight > 0.0) || weight - weight != 0.0) {
        return EA_ERR_ARG;
    }
    err = bandit_init(&t->b, 0.0, n_arms, max_arms, counts, NULL, active, rng);
    if (err) return err;
    t->n_replicates = j;
    t->prior_reward = reward;
    t->prior_weight = weight;
    t->rep_sums = rep_sums;
    t->rep_weights = rep_weights;
    n = (size_t)max_arms * j;
    memset(rep_sums, 0, n * sizeof *rep_sums);
    memset(rep_weights, 0, n * sizeof *rep_weights);
    return EA_OK;
}

/* The replicate mean of BootstrapThompson._refresh / update: (sum + r w) / (weight + w) */
static double rep_mean(const ea_bts *t, size_t at) {
    return (t->rep_sums[at] + t->prior_reward * t->prior_weight) / (t->rep_weights[at] + t->prior_weight);
}

/* BootstrapThompson.select: j = int(u * n_replicates), then the choosable arm whose
 * replicate-j mean is largest (lowest index on ties) */
int ea_bts_select(ea_bts *t, const uint8_t *allowed) {
    uint32_t a, j;
    int best = EA_ERR_NOT_FOUND;
    double best_s = 0.0;
    if (t == NULL) return EA_ERR_ARG;
    j = (uint32_t)(uniform(&t->b) * (double)t->n_replicates);
    for (a = 0; a < t->b.n_arms; a++) {
        double s;
        if (!choosable(&t->b, allowed, a)) continue;
        s = rep_mean(t, (size_t)a * t->n_replicates + j);
        if (best < 0 || s > best_s) { best = (int)a; best_s = s; }
    }
    return best;
}

/* BootstrapThompson.update: bits = int(u * 2^j); replicate i takes the reward with weight
 * 2 * bit i (double or nothing) */
int ea_bts_update(ea_bts *t, uint32_t arm, double reward) {
    uint64_t bits;
    uint32_t i;
    double *s, *w;
    if (t == NULL || arm >= t->b.n_arms || reward - reward != 0.0) return EA_ERR_ARG;
    bits = (uint64_t)(uniform(&t->b) * (double)(1ull << t->n_replicates));
    s = t->rep_sums + (size_t)arm * t->n_replicates;
    w = t->rep_weights + (size_t)arm * t->n_replicates;
    for (i = 0; i < t->n_replicates; i++) {
        double wi = (bits >> i) & 1u ? 2.0 : 0.0;
        s[i] += wi * reward;
        w[i] += wi;
    }
    t->b.counts[arm] += 1.0;
    return EA_OK;
}

int ea_bts_add_arm(ea_bts *t) {
    size_t at;
    if (t == NULL) return EA_ERR_ARG;
    if (t->b.n_arms >= t->b.max_arms) return EA_ERR_NO_SPACE;
    at = (size_t)t->b.n_arms * t->n_replicates;
    memset(t->rep_sums + at, 0, t->n_replicates * sizeof *t->rep_sums);
    memset(t->rep_weights + at, 0, t->n_replicates * sizeof *t->rep_weights);
    t->b.counts[t->b.n_arms] = 0.0;
    t->b.active[t->b.n_arms] = 1;
    return (int)t->b.n_arms++;
}

int ea_bts_save(const ea_bts *t, ea_writer *w, const char *prefix) {
    uint32_t d[2], words = EA_RNG_WORDS;
    if (t == NULL) return EA_ERR_ARG;
    d[0] = t->b.n_arms;
    d[1] = t->n_replicates;
    ea_writer_array_p(w, prefix, "active", EA_BOOL, 1, d, t->b.active);
    ea_writer_array_p(w, prefix, "counts", EA_F64, 1, d, t->b.counts);
    ea_writer_array_p(w, prefix, "rep_sums", EA_F64, 2, d, t->rep_sums);
    ea_writer_array_p(w, prefix, "rep_weights", EA_F64, 2, d, t->rep_weights);
    ea_writer_array_p(w, prefix, "rng", EA_U64, 1, &words, t->b.block.words);
    return ea_writer_array_p(w, prefix, "rng_pos", EA_I64, 0, NULL, &t->b.pos);
}

int ea_bts_load(ea_bts *t, const ea_blob *blob, const char *prefix) {
    uint32_t k = 0;
    uint64_t kj;
    int64_t p = 0;
    int err;
    if (t == NULL || blob == NULL) return EA_ERR_ARG;
    err = ea_i_rows(blob, prefix, "active", EA_BOOL, 1, t->b.max_arms, &k);
    kj = (uint64_t)k * t->n_replicates;
    if (!err) err = ea_i_fetch(blob, prefix, "rng_pos", EA_I64, 1, &p);
    if (!err && (p < 0 || p > EA_UNIFORM_BLOCK)) err = EA_ERR_FORMAT;
    if (!err) err = ea_i_fetch(blob, prefix, "rng", EA_U64, EA_RNG_WORDS, NULL);
    if (!err) err = ea_i_nonnegative(blob, prefix, "counts", k);
    if (!err) err = ea_i_fetch(blob, prefix, "rep_sums", EA_F64, kj, NULL);
    if (!err) err = ea_i_nonnegative(blob, prefix, "rep_weights", kj);
    if (err) return err;
    ea_i_fetch(blob, prefix, "active", EA_BOOL, k, t->b.active);
    ea_i_fetch(blob, prefix, "rng", EA_U64, EA_RNG_WORDS, t->b.block.words);
    ea_i_fetch(blob, prefix, "counts", EA_F64, k, t->b.counts);
    ea_i_fetch(blob, prefix, "rep_sums", EA_F64, kj, t->rep_sums);
    ea_i_fetch(blob, prefix, "rep_weights", EA_F64, kj, t->rep_weights);
    t->b.n_arms = k;
    seek(&t->b, p);
    return EA_OK;
}
