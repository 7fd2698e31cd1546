/* Helpers the learner objects share (not part of the public API). Each learner family is
 * its own object (ea_stats.c, ea_ncm.c, ea_bandit.c, ea_guard.c), so a firmware links only
 * the ones it calls even without --gc-sections. */
#ifndef EA_INTERNAL_H
#define EA_INTERNAL_H

#include "edgeadapt/ea_learn.h"

/* A lean view of an entry (no dims array; dim0 is the first dimension, 0 for a scalar):
 * what validation and the learners' lookups need, in half an ea_entry's stack. */
typedef struct ea_i_ent {
    const uint8_t *name, *data;
    uint32_t data_size, count; /* an entry is at most EA_MAX_ENTRY_BYTES < 2^32 */
    uint32_t dim0;
    uint16_t name_size;
    uint8_t dtype, ndim;
} ea_i_ent;
/* ea_blob_next into the lean view */
int ea_i_next(const ea_blob *blob, size_t *cursor, ea_i_ent *e);
/* What ea_i_get does with the entry it finds (one lookup frame for every use, so a load's
 * deepest path is the loader, the lookup and the entry parser). */
enum {
    EA_I_CHECK = 0,  /* dtype and count must match */
    EA_I_COPY = 1,   /* ... and the data is copied to out */
    EA_I_NONNEG = 2, /* ... and every float64 value is >= 0 (EA_ERR_FORMAT otherwise) */
    EA_I_ROWS = 3,   /* dtype must match and ndim be 1 (count ignored): *(uint32_t *)out = the rows */
    EA_I_VIEW = 4    /* dtype must match (count ignored): *(ea_i_ent *)out = the entry */
};
/* The entry named prefix + name (the name compared in two pieces, none assembled on the
 * stack): EA_OK, EA_ERR_TYPE (another dtype, count or shape), EA_ERR_NOT_FOUND, or a
 * parse error. */
int ea_i_get(const ea_blob *b, const char *prefix, const char *name, uint8_t dtype, size_t count, int mode,
             void *out);
/* counts are of arrays the caller holds in memory, so they fit a size_t */
#define ea_i_fetch(b, prefix, name, dtype, count, dst) \
    ea_i_get(b, prefix, name, dtype, (size_t)(count), (dst) != NULL ? EA_I_COPY : EA_I_CHECK, dst)
#define ea_i_nonnegative(b, prefix, name, count) ea_i_get(b, prefix, name, EA_F64, (size_t)(count), EA_I_NONNEG, NULL)
/* The first dimension *k of a 1-d entry prefix + name of dtype, in [min, max] (EA_ERR_TYPE
 * otherwise); the range is checked after the lookup returns, not inside it. */
#define ea_i_rows(b, prefix, name, dtype, min, max, k) \
    ea_i_in_range(ea_i_get(b, prefix, name, dtype, 0, EA_I_ROWS, k), k, min, max)
int ea_i_in_range(int err, const uint32_t *k, uint32_t min, uint32_t max); /* k read after the lookup */
int ea_i_weight_ok(double w);                      /* finite and >= 0 */
int ea_i_finite_all(const double *x, uint32_t n);  /* no NaN or Inf */
/* v, or def when v is +0.0 (zero means the default; -0.0 asks for a real zero) */
double ea_i_or_default(double v, double def);

#endif /* EA_INTERNAL_H */
