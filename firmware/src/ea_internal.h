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
/* The entry named prefix + name: EA_OK, EA_ERR_TYPE (filled, another dtype or count), or
 * EA_ERR_NOT_FOUND */
int ea_i_get(const ea_blob *b, const char *prefix, const char *name, uint8_t dtype, uint64_t count, ea_i_ent *e);

/* Copy the data of entry prefix + name (dtype, count elements) to dst; with dst NULL only
 * check that it is there. Loads check every entry first and copy after, so a state that
 * does not fit leaves the component as it was. */
int ea_i_fetch(const ea_blob *b, const char *prefix, const char *name, uint8_t dtype, uint64_t count, void *dst);
/* Are the count float64 values of entry prefix + name all >= 0? */
int ea_i_nonnegative(const ea_blob *b, const char *prefix, const char *name, uint64_t count);
/* The first dimension of a 1-d entry prefix + name of dtype, in [min, max]. */
int ea_i_rows(const ea_blob *b, const char *prefix, const char *name, uint8_t dtype, uint32_t min, uint32_t max,
              uint32_t *k);
int ea_i_weight_ok(double w);                      /* finite and >= 0 */
int ea_i_finite_all(const double *x, uint32_t n);  /* no NaN or Inf */
/* v, or def when v is +0.0 (zero means the default; -0.0 asks for a real zero) */
double ea_i_or_default(double v, double def);

#endif /* EA_INTERNAL_H */
