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

int ea_i_in_range(int err, const uint32_t *k, uint32_t min, uint32_t max) {
    return err ? err : *k < min || *k > max ? EA_ERR_TYPE : EA_OK;
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
