/* Detection and alert guards with the rules of edgeadapt/guard/ (ea_guard.h). Each step
 * mirrors the Python method named at it; the state is the Python state_dict(). */
#include "ea_internal.h"

#include <math.h>
#include <string.h>

#define EA_DGUARD_DEFAULT_THRESHOLD 0.5
#define EA_DGUARD_DEFAULT_REFRACTORY 1.0 /* seconds: one utterance, one detection */
#define EA_AGUARD_DEFAULT_ON 0.5

/* ------------------------------------------------------------ detection guard */

int ea_dguard_init(ea_dguard *g, const ea_dguard_config *cfg, char *label_buf, uint32_t label_capacity) {
    if (g == NULL || (label_buf == NULL && label_capacity != 0)) return EA_ERR_ARG;
    g->threshold = ea_i_or_default(cfg ? cfg->threshold : 0.0, EA_DGUARD_DEFAULT_THRESHOLD);
    g->min_margin = cfg ? cfg->min_margin : 0.0;
    g->debounce_frames = cfg && cfg->debounce_frames ? cfg->debounce_frames : 1u;
    g->refractory_seconds = ea_i_or_default(cfg ? cfg->refractory_seconds : 0.0, EA_DGUARD_DEFAULT_REFRACTORY);
    if (g->threshold != g->threshold || g->min_margin != g->min_margin || g->refractory_seconds != g->refractory_seconds) {
        return EA_ERR_ARG;
    }
    g->label = label_buf;
    g->label_capacity = label_capacity;
    ea_dguard_reset(g);
    return EA_OK;
}

/* DetectionGuard.reset */
void ea_dguard_reset(ea_dguard *g) {
    g->has_label = 0;
    g->label_size = 0;
    g->run = 0;
    g->last_fire = -HUGE_VAL;
}

/* DetectionGuard.process: counts() is score >= threshold and score - runner_up >= margin */
int ea_dguard_process(ea_dguard *g, double time, const char *label, uint32_t label_size, double score,
                      double runner_up) {
    int same;
    if (g == NULL || time - time != 0.0 || score != score || runner_up != runner_up) return EA_ERR_ARG;
    if (label != NULL && !ea_utf8_valid((const uint8_t *)label, label_size)) return EA_ERR_ARG;
    if (label == NULL || !(score >= g->threshold && score - runner_up >= g->min_margin)) {
        g->has_label = 0;
        g->label_size = 0;
        g->run = 0;
        return 0;
    }
    same = g->has_label && g->label_size == label_size && memcmp(g->label, label, label_size) == 0;
    if (!same) {
        if (label_size > g->label_capacity) return EA_ERR_NO_SPACE;
        if (label_size) memcpy(g->label, label, label_size);
        g->label_size = label_size;
        g->has_label = 1;
    }
    g->run = same ? g->run + 1 : 1;
    if (g->run < (int64_t)g->debounce_frames || time - g->last_fire < g->refractory_seconds) return 0;
    g->last_fire = time;
    g->has_label = 0;
    g->label_size = 0;
    g->run = 0;
    return 1;
}

int ea_dguard_save(const ea_dguard *g, ea_writer *w, const char *prefix) {
    if (g == NULL) return EA_ERR_ARG;
    ea_writer_array_p(w, prefix, "last_fire", EA_F64, 0, NULL, &g->last_fire);
    ea_writer_array_p(w, prefix, "run", EA_I64, 0, NULL, &g->run);
    return ea_writer_bytes_p(w, prefix, "run_label", EA_UTF8, g->label_size ? g->label : "", g->label_size);
}

/* DetectionGuard.load_state_dict: last_fire not NaN nor +inf, run >= 0, a UTF-8 label */
int ea_dguard_load(ea_dguard *g, const ea_blob *b, const char *prefix) {
    double last;
    int64_t run;
    ea_i_ent e;
    int err;
    if (g == NULL || b == NULL) return EA_ERR_ARG;
    err = ea_i_fetch(b, prefix, "last_fire", EA_F64, 1, &last);
    if (!err) err = ea_i_fetch(b, prefix, "run", EA_I64, 1, &run);
    if (!err && (last != last || last == HUGE_VAL || run < 0)) err = EA_ERR_FORMAT;
    if (!err) err = ea_i_get(b, prefix, "run_label", EA_UTF8, 0, EA_I_VIEW, &e); /* any length */
    if (!err && e.data_size > g->label_capacity) err = EA_ERR_NO_SPACE;
    if (err) return err;
    g->last_fire = last;
    g->run = run;
    g->label_size = (uint32_t)e.data_size;
    if (g->label_size) memcpy(g->label, e.data, g->label_size);
    g->has_label = g->label_size != 0; /* Python loads "" as None */
    return EA_OK;
}

/* ------------------------------------------------------------ alert guard */

int ea_aguard_init(ea_aguard *g, const ea_aguard_config *cfg) {
    if (g == NULL) return EA_ERR_ARG;
    g->on = ea_i_or_default(cfg ? cfg->on : 0.0, EA_AGUARD_DEFAULT_ON);
    g->off = cfg && cfg->has_off ? cfg->off : g->on;
    g->min_duration = cfg && cfg->min_duration ? cfg->min_duration : 1;
    g->refractory = cfg ? cfg->refractory : 0;
    if (g->on - g->on != 0.0 || g->off - g->off != 0.0 || !(g->off <= g->on)) return EA_ERR_ARG; /* AlertGuard._levels */
    ea_aguard_reset(g);
    return EA_OK;
}

/* AlertGuard.update, one step of _simulate: while active, the first score below off clears
 * the alert and starts the refractory countdown; otherwise scores at or above on extend the
 * run, and a run of min_duration raises an alert once the countdown is over. */
int ea_aguard_update(ea_aguard *g, double score) {
    if (g == NULL || score - score != 0.0) return EA_ERR_ARG;
    g->event = EA_ALERT_NONE;
    if (g->active) {
        if (score < g->off) {
            g->active = 0;
            g->event = EA_ALERT_CLEARED;
            g->cooldown = g->refractory;
            g->run = 0;
        }
        return g->event;
    }
    g->run = score >= g->on ? g->run + 1 : 0;
    if (g->run >= g->min_duration && g->cooldown == 0) {
        g->active = 1;
        g->alerts++;
        g->event = EA_ALERT_RAISED;
    } else if (g->cooldown > 0) {
        g->cooldown--;
    }
    return g->event;
}

/* AlertGuard.clear */
void ea_aguard_clear(ea_aguard *g) {
    g->active = 0;
    g->run = 0;
    g->cooldown = 0;
    g->event = EA_ALERT_CLEARED;
}

/* AlertGuard.reset */
void ea_aguard_reset(ea_aguard *g) {
    g->active = 0;
    g->event = EA_ALERT_NONE;
    g->run = g->cooldown = g->alerts = 0;
}

int ea_aguard_save(const ea_aguard *g, ea_writer *w, const char *prefix) {
    if (g == NULL) return EA_ERR_ARG;
    ea_writer_array_p(w, prefix, "active", EA_I8, 0, NULL, &g->active);
    ea_writer_array_p(w, prefix, "alerts", EA_I64, 0, NULL, &g->alerts);
    ea_writer_array_p(w, prefix, "cooldown", EA_I64, 0, NULL, &g->cooldown);
    ea_writer_array_p(w, prefix, "event", EA_I8, 0, NULL, &g->event);
    return ea_writer_array_p(w, prefix, "run", EA_I64, 0, NULL, &g->run);
}

/* AlertGuard.load_state_dict: a 0/1 flag, a known event, no negative counter */
int ea_aguard_load(ea_aguard *g, const ea_blob *b, const char *prefix) {
    int8_t active, event;
    int64_t run, cooldown, alerts;
    int err;
    if (g == NULL || b == NULL) return EA_ERR_ARG;
    err = ea_i_fetch(b, prefix, "active", EA_I8, 1, &active);
    if (!err) err = ea_i_fetch(b, prefix, "alerts", EA_I64, 1, &alerts);
    if (!err) err = ea_i_fetch(b, prefix, "cooldown", EA_I64, 1, &cooldown);
    if (!err) err = ea_i_fetch(b, prefix, "event", EA_I8, 1, &event);
    if (!err) err = ea_i_fetch(b, prefix, "run", EA_I64, 1, &run);
    if (!err && (active < 0 || active > 1 || event < EA_ALERT_NONE || event > EA_ALERT_CLEARED || run < 0 ||
                 cooldown < 0 || alerts < 0)) {
        err = EA_ERR_FORMAT;
    }
    if (err) return err;
    g->active = active;
    g->event = event;
    g->run = run;
    g->cooldown = cooldown;
    g->alerts = alerts;
    return EA_OK;
}
