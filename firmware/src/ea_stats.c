/* Running moments, covariance and ridge statistics with the Python update rules (ea_learn.h). */
#include "ea_internal.h"

#include <math.h>
#include <string.h>

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
    if (m == NULL || x == NULL || !ea_i_weight_ok(weight) || !ea_i_finite_all(x, m->dim)) return EA_ERR_ARG;
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
    err = ea_i_fetch(b, prefix, "count", EA_F64, 1, &count);
    if (!err && !(count >= 0.0)) err = EA_ERR_FORMAT;
    if (!err) err = ea_i_fetch(b, prefix, "mean", EA_F64, m->dim, NULL);
    if (!err) err = ea_i_nonnegative(b, prefix, "m2", m->dim);
    if (err) return err;
    ea_i_fetch(b, prefix, "mean", EA_F64, m->dim, m->mean);
    ea_i_fetch(b, prefix, "m2", EA_F64, m->dim, m->m2);
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
    if (c == NULL || x == NULL || !ea_i_weight_ok(weight) || !ea_i_finite_all(x, d)) return EA_ERR_ARG;
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
    err = ea_i_fetch(b, prefix, "count", EA_F64, 1, &count);
    if (!err && !(count >= 0.0)) err = EA_ERR_FORMAT;
    if (!err) err = ea_i_fetch(b, prefix, "mean", EA_F64, c->dim, NULL);
    if (!err) err = ea_i_fetch(b, prefix, "comoment", EA_F64, dd, NULL);
    if (err) return err;
    ea_i_fetch(b, prefix, "mean", EA_F64, c->dim, c->mean);
    ea_i_fetch(b, prefix, "comoment", EA_F64, dd, c->comoment);
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
    if (r == NULL || x == NULL || !ea_i_weight_ok(weight) || !ea_i_finite_all(x, r->dim) || y - y != 0.0) return EA_ERR_ARG;
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
    err = ea_i_fetch(b, prefix, "count", EA_F64, 1, &count);
    if (!err) err = ea_i_fetch(b, prefix, "yty", EA_F64, 1, &yty);
    if (!err) err = ea_i_fetch(b, prefix, "xtx", EA_F64, pp, NULL);
    if (!err) err = ea_i_fetch(b, prefix, "xty", EA_F64, r->p, NULL);
    if (err) return err;
    ea_i_fetch(b, prefix, "xtx", EA_F64, pp, r->xtx);
    ea_i_fetch(b, prefix, "xty", EA_F64, r->p, r->xty);
    r->count = count;
    r->yty = yty;
    return EA_OK;
}

