/* Learners and policies with the Python update rules (see ea_learn.h). Each update is
 * written in the order of operations of the Python code it mirrors (named at each
 * function), so a double-precision target rounds the same way numpy does. */
#include "edgeadapt/ea_learn.h"

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

/* The entry named prefix + name, found without assembling the name (no stack buffer). */
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

/* Copy the data of entry prefix + name (dtype, count elements) to dst; with dst NULL only
 * check that it is there. Loads check every entry first and copy after, so a state that
 * does not fit leaves the component as it was. */
static int fetch(const ea_blob *b, const char *prefix, const char *name, uint8_t dtype, uint64_t count, void *dst) {
    ea_entry e;
    int err = ea_blob_get_p(b, prefix, name, dtype, count, &e);
    if (!err && dst != NULL) memcpy(dst, e.data, (size_t)e.data_size);
    return err;
}

/* Are the count float64 values of entry prefix + name all >= 0? */
static int nonnegative(const ea_blob *b, const char *prefix, const char *name, uint64_t count) {
    ea_entry e;
    uint64_t i;
    int err = ea_blob_get_p(b, prefix, name, EA_F64, count, &e);
    for (i = 0; !err && i < count; i++) {
        double v;
        memcpy(&v, (const uint8_t *)e.data + i * sizeof v, sizeof v);
        if (!(v >= 0.0)) err = EA_ERR_FORMAT;
    }
    return err;
}

/* The first dimension of a 1-d entry prefix + name of dtype, in [min, max]. */
static int rows(const ea_blob *b, const char *prefix, const char *name, uint8_t dtype, uint32_t min, uint32_t max,
                uint32_t *k) {
    ea_entry e;
    int err = ea_blob_get_p(b, prefix, name, dtype, 0, &e);
    if (err != EA_OK && err != EA_ERR_TYPE) return err;
    if (e.dtype != dtype || e.ndim != 1 || e.dims[0] < min || e.dims[0] > max) return EA_ERR_TYPE;
    *k = e.dims[0];
    return EA_OK;
}

static int weight_ok(double w) { return w >= 0.0 && w - w == 0.0; }
static int finite_all(const double *x, uint32_t n) {
    uint32_t i;
    for (i = 0; i < n; i++) if (x[i] - x[i] != 0.0) return 0;
    return 1;
}

/* ------------------------------------------------------------ moments */

int ea_moments_init(ea_moments *m, const ea_moments_config *cfg, uint32_t dim, double *mean, double *m2) {
    if (m == NULL || dim == 0 || mean == NULL || m2 == NULL) return EA_ERR_ARG;
    m->forgetting = cfg ? cfg->forgetting : 0.0;
    if (m->forgetting < 0.0 || m->forgetting > 1.0) return EA_ERR_ARG;
    m->dim = dim;
    m->count = 0.0;
    m->mean = mean;
    m->m2 = m2;
    memset(mean, 0, dim * sizeof *mean);
    memset(m2, 0, dim * sizeof *m2);
    return EA_OK;
}

/* Moments._update_any (vector path) */
int ea_moments_update(ea_moments *m, const double *x, double weight) {
    double count, n;
    uint32_t i;
    if (m == NULL || x == NULL || !weight_ok(weight) || !finite_all(x, m->dim)) return EA_ERR_ARG;
    count = m->count;
    if (m->forgetting != 0.0) {
        count *= m->forgetting;
        for (i = 0; i < m->dim; i++) m->m2[i] *= m->forgetting;
    }
    n = count + weight;
    m->count = n;
    if (n > 0.0) {
        double r = weight / n, c = weight * count / n;
        for (i = 0; i < m->dim; i++) {
            double delta = x[i] - m->mean[i];
            m->mean[i] += delta * r;
            m->m2[i] += c * (delta * delta);
        }
    }
    return EA_OK;
}

/* Moments._merge */
int ea_moments_merge(ea_moments *m, const ea_moments *o) {
    double n, r, f;
    uint32_t i;
    if (m == NULL || o == NULL || o->dim != m->dim) return EA_ERR_ARG;
    n = m->count + o->count;
    if (o->count <= 0.0) { m->count = n; return EA_OK; }
    r = o->count / n;
    f = m->count * o->count / n;
    for (i = 0; i < m->dim; i++) {
        double delta = o->mean[i] - m->mean[i];
        m->mean[i] = m->mean[i] + delta * r;
        m->m2[i] = m->m2[i] + o->m2[i] + (delta * delta) * f;
    }
    m->count = n;
    return EA_OK;
}

int ea_moments_save(const ea_moments *m, ea_writer *w, const char *prefix) {
    uint32_t d[1];
    if (m == NULL) return EA_ERR_ARG;
    d[0] = m->dim;
    ea_writer_array_p(w, prefix, "count", EA_F64, 0, NULL, &m->count);
    ea_writer_array_p(w, prefix, "m2", EA_F64, 1, d, m->m2);
    return ea_writer_array_p(w, prefix, "mean", EA_F64, 1, d, m->mean);
}

int ea_moments_load(ea_moments *m, const ea_blob *b, const char *prefix) {
    double count;
    int err;
    if (m == NULL || b == NULL) return EA_ERR_ARG;
    err = fetch(b, prefix, "count", EA_F64, 1, &count);
    if (!err && !(count >= 0.0)) err = EA_ERR_FORMAT;
    if (!err) err = fetch(b, prefix, "mean", EA_F64, m->dim, NULL);
    if (!err) err = nonnegative(b, prefix, "m2", m->dim);
    if (err) return err;
    fetch(b, prefix, "mean", EA_F64, m->dim, m->mean);
    fetch(b, prefix, "m2", EA_F64, m->dim, m->m2);
    m->count = count;
    return EA_OK;
}

/* ------------------------------------------------------------ covariance */

int ea_cov_init(ea_cov *c, const ea_moments_config *cfg, uint32_t dim, double *mean, double *comoment) {
    if (c == NULL || dim == 0 || mean == NULL || comoment == NULL) return EA_ERR_ARG;
    c->forgetting = cfg ? cfg->forgetting : 0.0;
    if (c->forgetting < 0.0 || c->forgetting > 1.0) return EA_ERR_ARG;
    c->dim = dim;
    c->count = 0.0;
    c->mean = mean;
    c->comoment = comoment;
    memset(mean, 0, dim * sizeof *mean);
    memset(comoment, 0, (size_t)dim * dim * sizeof *comoment);
    return EA_OK;
}

/* Covariance._update_any (general path: C += e e^T with e = delta * sqrt(w n_old / n)) */
int ea_cov_update(ea_cov *c, const double *x, double weight) {
    double count, n, coef, s;
    uint32_t i, j, d = c ? c->dim : 0;
    if (c == NULL || x == NULL || !weight_ok(weight) || !finite_all(x, d)) return EA_ERR_ARG;
    count = c->count;
    if (c->forgetting != 0.0) {
        count *= c->forgetting;
        for (i = 0; i < d * d; i++) c->comoment[i] *= c->forgetting;
    }
    n = count + weight;
    c->count = n;
    if (!(n > 0.0)) return EA_OK;
    coef = weight * count / n;
    s = sqrt(coef);
    for (i = 0; i < d; i++) {
        double di = x[i] - c->mean[i];
        if (coef != 0.0) {
            for (j = 0; j < d; j++) {
                double dj = x[j] - c->mean[j];
                c->comoment[i * d + j] += (di * s) * (dj * s);
            }
        }
    }
    for (i = 0; i < d; i++) c->mean[i] += (x[i] - c->mean[i]) * (weight / n);
    return EA_OK;
}

/* Covariance._merge */
int ea_cov_merge(ea_cov *c, const ea_cov *o) {
    double n, f, r;
    uint32_t i, j, d;
    if (c == NULL || o == NULL || o->dim != c->dim) return EA_ERR_ARG;
    d = c->dim;
    n = c->count + o->count;
    if (o->count <= 0.0) { c->count = n; return EA_OK; }
    f = sqrt(c->count * o->count / n);
    r = o->count / n;
    for (i = 0; i < d; i++) {
        double ei = (o->mean[i] - c->mean[i]) * f;
        for (j = 0; j < d; j++) {
            double ej = (o->mean[j] - c->mean[j]) * f;
            c->comoment[i * d + j] = c->comoment[i * d + j] + o->comoment[i * d + j] + ei * ej;
        }
    }
    for (i = 0; i < d; i++) c->mean[i] = c->mean[i] + (o->mean[i] - c->mean[i]) * r;
    c->count = n;
    return EA_OK;
}

int ea_cov_save(const ea_cov *c, ea_writer *w, const char *prefix) {
    uint32_t d[2];
    if (c == NULL) return EA_ERR_ARG;
    d[0] = d[1] = c->dim;
    ea_writer_array_p(w, prefix, "comoment", EA_F64, 2, d, c->comoment);
    ea_writer_array_p(w, prefix, "count", EA_F64, 0, NULL, &c->count);
    return ea_writer_array_p(w, prefix, "mean", EA_F64, 1, d, c->mean);
}

int ea_cov_load(ea_cov *c, const ea_blob *b, const char *prefix) {
    double count;
    uint64_t dd;
    int err;
    if (c == NULL || b == NULL) return EA_ERR_ARG;
    dd = (uint64_t)c->dim * c->dim;
    err = fetch(b, prefix, "count", EA_F64, 1, &count);
    if (!err && !(count >= 0.0)) err = EA_ERR_FORMAT;
    if (!err) err = fetch(b, prefix, "mean", EA_F64, c->dim, NULL);
    if (!err) err = fetch(b, prefix, "comoment", EA_F64, dd, NULL);
    if (err) return err;
    fetch(b, prefix, "mean", EA_F64, c->dim, c->mean);
    fetch(b, prefix, "comoment", EA_F64, dd, c->comoment);
    c->count = count;
    return EA_OK;
}

/* ------------------------------------------------------------ ridge */

int ea_ridge_init(ea_ridge *r, const ea_ridge_config *cfg, uint32_t dim, double *xtx, double *xty) {
    if (r == NULL || dim == 0 || xtx == NULL || xty == NULL) return EA_ERR_ARG;
    r->forgetting = cfg ? cfg->forgetting : 0.0;
    if (r->forgetting < 0.0 || r->forgetting > 1.0) return EA_ERR_ARG;
    r->dim = dim;
    r->p = dim + ((cfg && cfg->fit_intercept) ? 1u : 0u);
    r->count = r->yty = 0.0;
    r->xtx = xtx;
    r->xty = xty;
    memset(xtx, 0, (size_t)r->p * r->p * sizeof *xtx);
    memset(xty, 0, r->p * sizeof *xty);
    return EA_OK;
}

/* Ridge.update */
int ea_ridge_update(ea_ridge *r, const double *x, double y, double weight) {
    uint32_t i, j, p;
    double s, wy;
    if (r == NULL || x == NULL || !weight_ok(weight) || !finite_all(x, r->dim) || y - y != 0.0) return EA_ERR_ARG;
    p = r->p;
    if (r->forgetting != 0.0) {
        double f = r->forgetting;
        r->count *= f;
        for (i = 0; i < p * p; i++) r->xtx[i] *= f;
        for (i = 0; i < p; i++) r->xty[i] *= f;
        r->yty *= f;
    }
    s = weight == 1.0 ? 1.0 : sqrt(weight);
    wy = weight * y;
    for (i = 0; i < p; i++) {
        double zi = i < r->dim ? x[i] : 1.0;
        double ei = weight == 1.0 ? zi : zi * s;
        for (j = 0; j < p; j++) {
            double zj = j < r->dim ? x[j] : 1.0;
            r->xtx[i * p + j] += ei * (weight == 1.0 ? zj : zj * s);
        }
        r->xty[i] += wy * zi;
    }
    r->yty += wy * y;
    r->count += weight;
    return EA_OK;
}

int ea_ridge_save(const ea_ridge *r, ea_writer *w, const char *prefix) {
    uint32_t d[2];
    if (r == NULL) return EA_ERR_ARG;
    d[0] = d[1] = r->p;
    ea_writer_array_p(w, prefix, "count", EA_F64, 0, NULL, &r->count);
    ea_writer_array_p(w, prefix, "xtx", EA_F64, 2, d, r->xtx);
    ea_writer_array_p(w, prefix, "xty", EA_F64, 1, d, r->xty);
    return ea_writer_array_p(w, prefix, "yty", EA_F64, 0, NULL, &r->yty);
}

int ea_ridge_load(ea_ridge *r, const ea_blob *b, const char *prefix) {
    double count, yty;
    uint64_t pp;
    int err;
    if (r == NULL || b == NULL) return EA_ERR_ARG;
    pp = (uint64_t)r->p * r->p;
    err = fetch(b, prefix, "count", EA_F64, 1, &count);
    if (!err) err = fetch(b, prefix, "yty", EA_F64, 1, &yty);
    if (!err) err = fetch(b, prefix, "xtx", EA_F64, pp, NULL);
    if (!err) err = fetch(b, prefix, "xty", EA_F64, r->p, NULL);
    if (err) return err;
    fetch(b, prefix, "xtx", EA_F64, pp, r->xtx);
    fetch(b, prefix, "xty", EA_F64, r->p, r->xty);
    r->count = count;
    r->yty = yty;
    return EA_OK;
}

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
    if (n == NULL || x == NULL || label >= n->n_classes || !weight_ok(weight) || !finite_all(x, n->dim)) {
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
    err = rows(b, prefix, "counts", EA_F64, 1, n->max_classes, &k);
    if (!err) err = nonnegative(b, prefix, "counts", k);
    if (!err) err = fetch(b, prefix, "sums", EA_F64, (uint64_t)k * n->dim, NULL);
    if (err) return err;
    fetch(b, prefix, "sums", EA_F64, (uint64_t)k * n->dim, n->sums);
    fetch(b, prefix, "counts", EA_F64, k, n->counts);
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
    err = rows(b, prefix, "counts", EA_I32, 0, q->max_classes, &k);
    kd = (uint64_t)k * q->dim;
    if (!err) err = fetch(b, prefix, "protos", EA_I8, kd, NULL);
    if (!err) err = fetch(b, prefix, "sums", EA_I32, kd, NULL);
    if (err) return err;
    fetch(b, prefix, "counts", EA_I32, k, q->counts);
    fetch(b, prefix, "protos", EA_I8, kd, q->protos);
    fetch(b, prefix, "sums", EA_I32, kd, q->sums);
    q->n_classes = k;
    return EA_OK;
}

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
    if (b == NULL || n_arms == 0 || n_arms > max_arms || counts == NULL || sums == NULL || active == NULL ||
        rng == NULL) {
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
    for (i = 0; i < max_arms; i++) { counts[i] = 0.0; sums[i] = 0.0; active[i] = i < n_arms; }
    return EA_OK;
}

int ea_ucb1_init(ea_bandit *b, const ea_ucb1_config *cfg, uint32_t n_arms, uint32_t max_arms, double *counts,
                 double *sums, uint8_t *active, const uint64_t rng[6]) {
    double alpha = cfg && cfg->alpha != 0.0 ? cfg->alpha : EA_UCB1_DEFAULT_ALPHA;
    if (!(alpha >= 0.0)) return EA_ERR_ARG;
    return bandit_init(b, alpha, n_arms, max_arms, counts, sums, active, rng);
}

int ea_egreedy_init(ea_bandit *b, const ea_egreedy_config *cfg, uint32_t n_arms, uint32_t max_arms, double *counts,
                    double *sums, uint8_t *active, const uint64_t rng[6]) {
    double eps = cfg && cfg->epsilon != 0.0 ? cfg->epsilon : EA_EGREEDY_DEFAULT_EPSILON;
    if (eps < 0.0) eps = 0.0;
    if (eps > 1.0) return EA_ERR_ARG;
    return bandit_init(b, eps, n_arms, max_arms, counts, sums, active, rng);
}

/* UCB1.select: untried active arms first (lowest index), then the largest
 * mean + alpha sqrt(2 ln N) / sqrt(max(n, 1)), ties to the lowest index. */
int ea_ucb1_select(const ea_bandit *b) {
    uint32_t a;
    double total = 0.0, bonus, best_s = 0.0;
    int best = EA_ERR_NOT_FOUND;
    if (b == NULL) return EA_ERR_ARG;
    for (a = 0; a < b->n_arms; a++) {
        if (b->active[a] && b->counts[a] <= 0.0) return (int)a;
        total += b->counts[a];
    }
    bonus = b->param * sqrt(2.0 * log(total));
    for (a = 0; a < b->n_arms; a++) {
        double mean, s;
        if (!b->active[a]) continue;
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

/* EpsilonGreedy.select (no allowed set) */
int ea_egreedy_select(ea_bandit *b) {
    uint32_t a, n_active = 0;
    int best = EA_ERR_NOT_FOUND;
    double best_s = 0.0;
    if (b == NULL) return EA_ERR_ARG;
    for (a = 0; a < b->n_arms; a++) n_active += b->active[a] ? 1u : 0u;
    if (n_active == 0) return EA_ERR_NOT_FOUND;
    if (uniform(b) < b->param) {
        uint32_t pick = (uint32_t)(uniform(b) * (double)n_active);
        for (a = 0; a < b->n_arms; a++) {
            if (b->active[a] && pick-- == 0) return (int)a;
        }
    }
    for (a = 0; a < b->n_arms; a++) {
        double s;
        if (!b->active[a]) continue;
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
    err = rows(blob, prefix, "active", EA_BOOL, 1, b->max_arms, &k);
    if (!err) err = fetch(blob, prefix, "rng_pos", EA_I64, 1, &p);
    if (!err && (p < 0 || p > EA_UNIFORM_BLOCK)) err = EA_ERR_FORMAT;
    if (!err) err = fetch(blob, prefix, "rng", EA_U64, EA_RNG_WORDS, NULL);
    if (!err) err = nonnegative(blob, prefix, "counts", k);
    if (!err) err = fetch(blob, prefix, "sums", EA_F64, k, NULL);
    if (err) return err;
    fetch(blob, prefix, "active", EA_BOOL, k, b->active);
    fetch(blob, prefix, "rng", EA_U64, EA_RNG_WORDS, b->block.words);
    fetch(blob, prefix, "counts", EA_F64, k, b->counts);
    fetch(blob, prefix, "sums", EA_F64, k, b->sums);
    b->n_arms = k;
    b->cur = b->block;
    for (b->pos = 0; b->pos < p; b->pos++) (void)ea_pcg64_next(&b->cur);
    return EA_OK;
}
