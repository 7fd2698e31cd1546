/* Learners and bandit policies with the update rules of the Python classes, their state
 * under the same entry names, dtypes and shapes as the Python state_dict(), so a blob
 * written by one side loads into the other (tests/firmware/test_c_learn_parity.py).
 *
 * Every handle points at arrays the caller owns (sized as documented at each init); the
 * library keeps no memory. save() appends the component's entries to an ea_writer under a
 * prefix ("" or e.g. "ncm."), load() reads them from a blob; a composite state is written
 * by saving its children in the byte order of their prefixes.
 *
 * Float learners (moments, covariance, ridge, ncm, ucb1, egreedy) compute in double, as
 * numpy does, so their states agree with Python to rounding and their decisions exactly.
 * ea_q8ncm is the integer-only path for cores without an FPU (Cortex-M0+). */
#ifndef EA_LEARN_H
#define EA_LEARN_H

#include "ea_write.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest dimension of the int8 nearest-class-mean: the cosine comparison forms
 * dot^2 * norm in int64, which must not overflow: (d * 127 * 128)^2 * d * 128^2 < 2^63. */
#ifndef EA_Q8_MAX_DIM
#define EA_Q8_MAX_DIM 112u
#endif

/* ------------------------------------------------------------ running moments */
/* edgeadapt.learn.Moments: entries count (float64), m2 and mean (float64, (dim,)). */
typedef struct ea_moments_config {
    double forgetting; /* 0: none (exact merges); else a factor in (0, 1] */
} ea_moments_config;
typedef struct ea_moments {
    uint32_t dim;
    double forgetting;
    double count;
    double *mean; /* dim */
    double *m2;   /* dim */
} ea_moments;
int ea_moments_init(ea_moments *m, const ea_moments_config *cfg, uint32_t dim, double *mean, double *m2);
int ea_moments_update(ea_moments *m, const double *x, double weight);
int ea_moments_merge(ea_moments *m, const ea_moments *other); /* Chan et al. */
int ea_moments_save(const ea_moments *m, ea_writer *w, const char *prefix);
int ea_moments_load(ea_moments *m, const ea_blob *b, const char *prefix);

/* ------------------------------------------------------------ covariance */
/* edgeadapt.learn.Covariance: comoment (float64, (dim, dim)), count, mean (dim,). */
typedef struct ea_cov {
    uint32_t dim;
    double forgetting;
    double count;
    double *mean;     /* dim */
    double *comoment; /* dim * dim */
} ea_cov;
int ea_cov_init(ea_cov *c, const ea_moments_config *cfg, uint32_t dim, double *mean, double *comoment);
int ea_cov_update(ea_cov *c, const double *x, double weight);
int ea_cov_merge(ea_cov *c, const ea_cov *other);
int ea_cov_save(const ea_cov *c, ea_writer *w, const char *prefix);
int ea_cov_load(ea_cov *c, const ea_blob *b, const char *prefix);

/* ------------------------------------------------------------ ridge statistics */
/* edgeadapt.learn.Ridge: count, xtx (p, p), xty (p,), yty; p = dim (+ 1 with intercept). */
typedef struct ea_ridge_config {
    double forgetting;     /* 0: none */
    int fit_intercept;     /* 0: no intercept (the Python default); 1: append a constant 1 feature */
} ea_ridge_config;
typedef struct ea_ridge {
    uint32_t dim, p;
    double forgetting;
    double count, yty;
    double *xtx; /* p * p */
    double *xty; /* p */
} ea_ridge;
int ea_ridge_init(ea_ridge *r, const ea_ridge_config *cfg, uint32_t dim, double *xtx, double *xty);
int ea_ridge_update(ea_ridge *r, const double *x, double y, double weight);
int ea_ridge_save(const ea_ridge *r, ea_writer *w, const char *prefix);
int ea_ridge_load(ea_ridge *r, const ea_blob *b, const char *prefix);

/* ------------------------------------------------------------ nearest class mean (float) */
/* edgeadapt.learn.NearestClassMean: counts (float64, (k,)), sums (float64, (k, dim)). */
typedef struct ea_ncm {
    uint32_t dim, n_classes, max_classes;
    double *sums;   /* max_classes * dim */
    double *counts; /* max_classes */
} ea_ncm;
int ea_ncm_init(ea_ncm *n, uint32_t dim, uint32_t n_classes, uint32_t max_classes, double *sums, double *counts);
int ea_ncm_update(ea_ncm *n, const double *x, uint32_t label, double weight);
int ea_ncm_add_class(ea_ncm *n); /* the new class index, or EA_ERR_NO_SPACE */
/* Nearest class mean by squared L2 (ties: lowest index); EA_ERR_NOT_FOUND before any sample. */
int ea_ncm_predict(const ea_ncm *n, const double *x, double *distance);
int ea_ncm_save(const ea_ncm *n, ea_writer *w, const char *prefix);
int ea_ncm_load(ea_ncm *n, const ea_blob *b, const char *prefix);

/* ------------------------------------------------------------ nearest class mean (int8) */
/* Integer-only path for int8 embeddings: per class an int32 sum and count, and the int8
 * prototype round(sum / count) (halves away from zero) searched by brute force.
 * Entries: counts (int32, (k,)), protos (int8, (k, dim)), sums (int32, (k, dim)). */
typedef enum ea_metric { EA_METRIC_L2 = 0, EA_METRIC_COSINE = 1 } ea_metric;
typedef struct ea_q8ncm_config {
    int metric; /* ea_metric; 0: squared L2 */
} ea_q8ncm_config;
typedef struct ea_q8ncm {
    uint32_t dim, n_classes, max_classes;
    int metric;
    int8_t *protos;  /* max_classes * dim */
    int32_t *sums;   /* max_classes * dim */
    int32_t *counts; /* max_classes */
} ea_q8ncm;
int ea_q8ncm_init(ea_q8ncm *q, const ea_q8ncm_config *cfg, uint32_t dim, uint32_t max_classes, int8_t *protos,
                  int32_t *sums, int32_t *counts);
/* Enroll x as the prototype of a new class; returns its index or EA_ERR_NO_SPACE. */
int ea_q8ncm_enroll(ea_q8ncm *q, const int8_t *x);
int ea_q8ncm_update(ea_q8ncm *q, const int8_t *x, uint32_t label);
/* The nearest class (ties: lowest index), EA_ERR_NOT_FOUND when empty. *score gets the
 * squared L2 distance, or for cosine the dot product with the chosen prototype. */
int ea_q8ncm_predict(const ea_q8ncm *q, const int8_t *x, int64_t *score);
int ea_q8ncm_save(const ea_q8ncm *q, ea_writer *w, const char *prefix);
int ea_q8ncm_load(ea_q8ncm *q, const ea_blob *b, const char *prefix);

/* ------------------------------------------------------------ PCG64 (numpy's) */
/* numpy's PCG64: 128-bit LCG, XSL-RR output; random() = (next64 >> 11) * 2^-53.
 * words: state hi, lo, increment hi, lo, has_uint32, uinteger (the blob's "rng"). */
typedef struct ea_pcg64 {
    uint64_t words[6];
} ea_pcg64;
uint64_t ea_pcg64_next(ea_pcg64 *g);
double ea_pcg64_random(ea_pcg64 *g);

/* ------------------------------------------------------------ bandits */
/* edgeadapt.bandit.UCB1 / EpsilonGreedy: active (bool, (k,)), counts and sums (float64,
 * (k,)), rng (uint64, (6,)), rng_pos (int64). Arrays of max_arms each. */
typedef struct ea_bandit {
    uint32_t n_arms, max_arms;
    double param;    /* UCB1: alpha; epsilon-greedy: epsilon */
    double *counts, *sums;
    uint8_t *active;
    ea_pcg64 block;  /* generator state at the start of the uniform block (saved) */
    ea_pcg64 cur;    /* the generator after pos draws (derived) */
    int64_t pos;
} ea_bandit;
/* Uniforms are drawn in blocks of this many, as Python's buffered policies do. */
#define EA_UNIFORM_BLOCK 256
typedef struct ea_ucb1_config {
    double alpha; /* 0: 1.0, the textbook UCB1 */
} ea_ucb1_config;
typedef struct ea_egreedy_config {
    double epsilon; /* 0: the Python default 0.1; negative: never explore (epsilon 0) */
} ea_egreedy_config;
/* rng: the 6 words of a Python policy's generator (rng_state), e.g. from its factory state. */
int ea_ucb1_init(ea_bandit *b, const ea_ucb1_config *cfg, uint32_t n_arms, uint32_t max_arms, double *counts,
                 double *sums, uint8_t *active, const uint64_t rng[6]);
/* Selection: allowed is NULL (every active arm) or n_arms bytes, non-zero for an arm the
 * caller allows (Python's allowed= as a mask); EA_ERR_NOT_FOUND when no active arm is allowed. */
int ea_ucb1_select(const ea_bandit *b, const uint8_t *allowed); /* an arm, or EA_ERR_NOT_FOUND */
int ea_egreedy_init(ea_bandit *b, const ea_egreedy_config *cfg, uint32_t n_arms, uint32_t max_arms, double *counts,
                    double *sums, uint8_t *active, const uint64_t rng[6]);
int ea_egreedy_select(ea_bandit *b, const uint8_t *allowed); /* draws uniforms: changes the state */
int ea_bandit_update(ea_bandit *b, uint32_t arm, double reward);
int ea_bandit_add_arm(ea_bandit *b);
int ea_bandit_retire_arm(ea_bandit *b, uint32_t arm);
int ea_bandit_save(const ea_bandit *b, ea_writer *w, const char *prefix);
int ea_bandit_load(ea_bandit *b, const ea_blob *blob, const char *prefix);

/* ------------------------------------------------------------ bootstrap Thompson sampling */
/* edgeadapt.bandit.BootstrapThompson (double-or-nothing bootstrap, Eckles and Kaptein):
 * active (bool, (k,)), counts (float64, (k,)), rep_sums and rep_weights (float64, (k, j)),
 * rng, rng_pos. One uniform per update (its top j bits are the coins), one per select (the
 * replicate); no special functions. Arrays of max_arms (* n_replicates) each. */
#define EA_BTS_MAX_REPLICATES 32u /* Python's MAX_REPLICATES: the coins are one uniform's bits */
typedef struct ea_bts_config {
    uint32_t n_replicates; /* 0: 16, the Python default; at most EA_BTS_MAX_REPLICATES */
    double prior_reward;   /* 0: 1.0, the Python default (-0.0: a prior reward of zero) */
    double prior_weight;   /* 0: 1.0, the Python default; must be > 0 */
} ea_bts_config;
typedef struct ea_bts {
    ea_bandit b;            /* arms, active, counts, generator (b.sums and b.param unused) */
    uint32_t n_replicates;
    double prior_reward, prior_weight;
    double *rep_sums, *rep_weights; /* max_arms * n_replicates, arm-major */
} ea_bts;
int ea_bts_init(ea_bts *t, const ea_bts_config *cfg, uint32_t n_arms, uint32_t max_arms, double *counts,
                double *rep_sums, double *rep_weights, uint8_t *active, const uint64_t rng[6]);
/* Draws the replicate first, as Python does (so a refused select still moves the generator). */
int ea_bts_select(ea_bts *t, const uint8_t *allowed);
int ea_bts_update(ea_bts *t, uint32_t arm, double reward);
int ea_bts_add_arm(ea_bts *t);
int ea_bts_save(const ea_bts *t, ea_writer *w, const char *prefix);
int ea_bts_load(ea_bts *t, const ea_blob *blob, const char *prefix);

/* The entry named prefix + name, of dtype and count elements (EA_ERR_TYPE otherwise). */
int ea_blob_get_p(const ea_blob *b, const char *prefix, const char *name, uint8_t dtype, uint64_t count,
                  ea_entry *e);

#ifdef __cplusplus
}
#endif

#include "ea_guard.h"

#endif /* EA_LEARN_H */
