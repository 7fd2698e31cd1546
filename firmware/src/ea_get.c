/* Reading a component's entries from a blob (ea_blob_get_p) and the checks the learners
 * share (src/ea_internal.h). The learners look entries up through the lean view
 * (ea_i_get), so a load keeps less than a full ea_entry on the stack. */
#include "ea_internal.h"

#include <string.h>

/* The entry named prefix + name, as a full ea_entry (dims included). */
int ea_blob_get_p(const ea_blob *b, const char *prefix, const char *name, uint8_t dtype, uint64_t count,
                  ea_entry *e) {
    size_t cursor = 0, a, n;
    int err;
    if (b == NULL || name == NULL || e == NULL) return EA_ERR_ARG;
    if (prefix == NULL) prefix = "";
    a = strlen(prefix);
    n = strlen(name);
    while ((err = ea_blob_next(b, &cursor, e)) == EA_OK) {
        if (e->name_size == a + n && memcmp(e->name, prefix, a) == 0 && memcmp(e->name + a, name, n) == 0) {
            return e->dtype == dtype && e->count == count ? EA_OK : EA_ERR_TYPE;
        }
    }
    return err;
}

/* See src/ea_internal.h. */
int ea_i_fetch(const ea_blob *b, const char *prefix, const char *name, uint8_t dtype, uint64_t count, void *dst) {
    ea_i_ent e;
    int err = ea_i_get(b, prefix, name, dtype, count, &e);
    if (!err && dst != NULL) memcpy(dst, e.data, (size_t)e.data_size);
    return err;
}

int ea_i_nonnegative(const ea_blob *b, const char *prefix, const char *name, uint64_t count) {
    ea_i_ent e;
    size_t i;
    int err = ea_i_get(b, prefix, name, EA_F64, count, &e);
    for (i = 0; !err && i < (size_t)count; i++) { /* count fits: the entry is in memory */
        double v;
        memcpy(&v, e.data + i * sizeof v, sizeof v);
        if (!(v >= 0.0)) err = EA_ERR_FORMAT;
    }
    return err;
}

int ea_i_rows(const ea_blob *b, const char *prefix, const char *name, uint8_t dtype, uint32_t min, uint32_t max,
              uint32_t *k) {
    ea_i_ent e;
    int err = ea_i_get(b, prefix, name, dtype, 0, &e);
    if (err != EA_OK && err != EA_ERR_TYPE) return err;
    if (e.dtype != dtype || e.ndim != 1 || e.dim0 < min || e.dim0 > max) return EA_ERR_TYPE;
    *k = e.dim0;
    return EA_OK;
}

int ea_i_weight_ok(double w) { return w >= 0.0 && w - w == 0.0; }

int ea_i_finite_all(const double *x, uint32_t n) {
    uint32_t i;
    for (i = 0; i < n; i++) if (x[i] - x[i] != 0.0) return 0;
    return 1;
}

double ea_i_or_default(double v, double def) {
    static const double zero = 0.0;
    if (v != 0.0) return v;
    /* -0.0 and +0.0 compare equal: tell them apart by their bytes (no signbit() needed) */
    return memcmp(&v, &zero, sizeof v) == 0 ? def : 0.0;
}
