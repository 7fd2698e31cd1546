/* Nearest class mean over float64 and int8 embeddings (ea_learn.h). */
#include "ea_internal.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------ nearest class mean (float) */

int ea_ncm_init(ea_ncm *n, uint32_t dim, uint32_t n_classes, uint32_t max_classes, double *sums, double *counts) {
    if (n == NULL || dim == 0 || n_classes == 0 || n_classes > max_classes || sums == NULL || counts == NULL) {
        return EA_ERR_ARG;
    }
    n->dim = dim;
    n->n_classes = n_classes;
    n->max_classes = max_classes;
    n->sums = sums;
    n->counts = counts;
    memset(sums, 0, (size_t)max_classes * dim * sizeof *sums);
    memset(counts, 0, max_classes * sizeof *counts);
    return EA_OK;
}

/* NearestClassMean.update: sums[k] += w * x; counts[k] += w */
int ea_ncm_update(ea_ncm *n, const double *x, uint32_t label, double weight) {
    uint32_t j;
    double *s;
    if (n == NULL || x == NULL || label >= n->n_classes || !ea_i_weight_ok(weight) || !ea_i_finite_all(x, n->dim)) {
        return EA_ERR_ARG;
    }
    s = n->sums + (size_t)label * n->dim;
    for (j = 0; j < n->dim; j++) s[j] += weight * x[j];
    n->counts[label] += weight;
    return EA_OK;
}

int ea_ncm_add_class(ea_ncm *n) {
    if (n == NULL) return EA_ERR_ARG;
    if (n->n_classes >= n->max_classes) return EA_ERR_NO_SPACE;
    memset(n->sums + (size_t)n->n_classes * n->dim, 0, n->dim * sizeof *n->sums);
    n->counts[n->n_classes] = 0.0;
    return (int)n->n_classes++;
}

/* NearestClassMean.distances + argmin */
int ea_ncm_predict(const ea_ncm *n, const double *x, double *distance) {
    uint32_t k, j;
    int best = EA_ERR_NOT_FOUND;
    double best_d = 0.0;
    if (n == NULL || x == NULL) return EA_ERR_ARG;
    for (k = 0; k < n->n_classes; k++) {
        const double *s = n->sums + (size_t)k * n->dim;
        double c = n->counts[k], d = 0.0;
        if (!(c > 0.0)) continue;
        for (j = 0; j < n->dim; j++) {
            double diff = s[j] / c - x[j];
            d += diff * diff;
        }
        if (best < 0 || d < best_d) { best = (int)k; best_d = d; }
    }
    if (distance != NULL) *distance = best_d;
    return best;
}

int ea_ncm_save(const ea_ncm *n, ea_writer *w, const char *prefix) {
    uint32_t d[2];
    if (n == NULL) return EA_ERR_ARG;
    d[0] = n->n_classes;
    d[1] = n->dim;
    ea_writer_array_p(w, prefix, "counts", EA_F64, 1, d, n->counts);
    return ea_writer_array_p(w, prefix, "sums", EA_F64, 2, d, n->sums);
}

int ea_ncm_load(ea_ncm *n, const ea_blob *b, const char *prefix) {
    uint32_t k = 0;
    int err;
    if (n == NULL || b == NULL) return EA_ERR_ARG;
    err = ea_i_rows(b, prefix, "counts", EA_F64, 1, n->max_classes, &k);
    if (!err) err = ea_i_nonnegative(b, prefix, "counts", k);
    if (!err) err = ea_i_fetch(b, prefix, "sums", EA_F64, (uint64_t)k * n->dim, NULL);
    if (err) return err;
    ea_i_fetch(b, prefix, "sums", EA_F64, (uint64_t)k * n->dim, n->sums);
    ea_i_fetch(b, prefix, "counts", EA_F64, k, n->counts);
    n->n_classes = k;
    return EA_OK;
}

/* ------------------------------------------------------------ nearest class mean (int8) */

int ea_q8ncm_init(ea_q8ncm *q, const ea_q8ncm_config *cfg, uint32_t dim, uint32_t max_classes, int8_t *protos,
                  int32_t *sums, int32_t *counts) {
    if (q == NULL || dim == 0 || dim > EA_Q8_MAX_DIM || max_classes == 0 || protos == NULL || sums == NULL ||
        counts == NULL) {
        return EA_ERR_ARG;
    }
    q->metric = cfg ? cfg->metric : EA_METRIC_L2;
    if (q->metric != EA_METRIC_L2 && q->metric != EA_METRIC_COSINE) return EA_ERR_ARG;
    q->dim = dim;
    q->n_classes = 0;
    q->max_classes = max_classes;
    q->protos = protos;
    q->sums = sums;
    q->counts = counts;
    return EA_OK;
}

/* round(s / c) with halves away from zero, in integers (c > 0) */
static int8_t q8_mean(int32_t s, int32_t c) {
    int32_t m = s >= 0 ? (s + c / 2) / c : -((-s + c / 2) / c);
    return (int8_t)(m > INT8_MAX ? INT8_MAX : m < INT8_MIN ? INT8_MIN : m);
}

int ea_q8ncm_update(ea_q8ncm *q, const int8_t *x, uint32_t label) {
    uint32_t j;
    int32_t *s;
    int8_t *p;
    if (q == NULL || x == NULL || label >= q->n_classes || q->counts[label] == INT32_MAX) return EA_ERR_ARG;
    s = q->sums + (size_t)label * q->dim;
    p = q->protos + (size_t)label * q->dim;
    q->counts[label]++;
    for (j = 0; j < q->dim; j++) {
        s[j] += x[j]; /* |sum| <= 128 * count: bounded by the count check for count < 2^24 */
        p[j] = q8_mean(s[j], q->counts[label]);
    }
    return EA_OK;
}

int ea_q8ncm_enroll(ea_q8ncm *q, const int8_t *x) {
    uint32_t k;
    if (q == NULL || x == NULL) return EA_ERR_ARG;
    if (q->n_classes >= q->max_classes) return EA_ERR_NO_SPACE;
    k = q->n_classes++;
    q->counts[k] = 0;
    memset(q->sums + (size_t)k * q->dim, 0, q->dim * sizeof *q->sums);
    ea_q8ncm_update(q, x, k);
    return (int)k;
}

int ea_q8ncm_predict(const ea_q8ncm *q, const int8_t *x, int64_t *score) {
    uint32_t k, j;
    int best = EA_ERR_NOT_FOUND;
    int64_t best_a = 0, best_n = 1; /* cosine: best dot * |dot| and norm^2 of its prototype */
    if (q == NULL || x == NULL) return EA_ERR_ARG;
    for (k = 0; k < q->n_classes; k++) {
        const int8_t *p = q->protos + (size_t)k * q->dim;
        int32_t acc = 0, norm = 0;
        if (q->metric == EA_METRIC_L2) {
            for (j = 0; j < q->dim; j++) {
                int32_t d = (int32_t)x[j] - (int32_t)p[j];
                acc += d * d;
            }
            if (best < 0 || acc < best_a) { best = (int)k; best_a = acc; }
        } else {
            int64_t a;
            for (j = 0; j < q->dim; j++) {
                acc += (int32_t)x[j] * (int32_t)p[j];
                norm += (int32_t)p[j] * (int32_t)p[j];
            }
            if (norm == 0) continue;
            a = (int64_t)acc * (acc < 0 ? -acc : acc);
            /* a / norm > best_a / best_n, cross-multiplied: both norms > 0 */
            if (best < 0 || a * best_n > best_a * norm) {
                best = (int)k; best_a = a; best_n = norm;
                if (score != NULL) *score = acc;
            }
        }
    }
    if (score != NULL && q->metric == EA_METRIC_L2) *score = best_a;
    return best;
}

int ea_q8ncm_save(const ea_q8ncm *q, ea_writer *w, const char *prefix) {
    uint32_t d[2];
    if (q == NULL) return EA_ERR_ARG;
    d[0] = q->n_classes;
    d[1] = q->dim;
    ea_writer_array_p(w, prefix, "counts", EA_I32, 1, d, q->counts);
    ea_writer_array_p(w, prefix, "protos", EA_I8, 2, d, q->protos);
    return ea_writer_array_p(w, prefix, "sums", EA_I32, 2, d, q->sums);
}

int ea_q8ncm_load(ea_q8ncm *q, const ea_blob *b, const char *prefix) {
    uint32_t k = 0;
    uint64_t kd;
    int err;
    if (q == NULL || b == NULL) return EA_ERR_ARG;
    err = ea_i_rows(b, prefix, "counts", EA_I32, 0, q->max_classes, &k);
    kd = (uint64_t)k * q->dim;
    if (!err) err = ea_i_fetch(b, prefix, "protos", EA_I8, kd, NULL);
    if (!err) err = ea_i_fetch(b, prefix, "sums", EA_I32, kd, NULL);
    if (err) return err;
    ea_i_fetch(b, prefix, "counts", EA_I32, k, q->counts);
    ea_i_fetch(b, prefix, "protos", EA_I8, kd, q->protos);
    ea_i_fetch(b, prefix, "sums", EA_I32, kd, q->sums);
    q->n_classes = k;
    return EA_OK;
}

