/* Guard rails on score streams, with the rules and state of the Python classes:
 * ea_dguard is edgeadapt.guard.DetectionGuard (threshold, margin to the runner-up,
 * debounce, refractory period), ea_aguard is edgeadapt.guard.alerts.AlertGuard (minimum
 * duration, hysteresis, refractory steps). Included by ea_learn.h. No floating-point
 * functions: comparisons and one subtraction per frame. */
#ifndef EA_GUARD_H
#define EA_GUARD_H

#include "ea_write.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ detection guard */
/* Entries: last_fire (float64; -inf: never), run (int64), run_label (utf8, "" for none). */
typedef struct ea_dguard_config {
    double threshold;          /* 0: 0.5, the Python default (-0.0: a threshold of zero) */
    double min_margin;         /* 0: none (the default) */
    uint32_t debounce_frames;  /* 0: 1 (the default) */
    double refractory_seconds; /* 0: 1.0, the Python default (-0.0: none) */
} ea_dguard_config;
typedef struct ea_dguard {
    double threshold, min_margin, refractory_seconds;
    uint32_t debounce_frames;
    double last_fire;
    int64_t run;
    char *label;         /* the current run's label (caller buffer of label_capacity bytes) */
    uint32_t label_capacity, label_size;
    int has_label;       /* Python's run_label is not None */
} ea_dguard;
int ea_dguard_init(ea_dguard *g, const ea_dguard_config *cfg, char *label_buf, uint32_t label_capacity);
/* Feed one frame: its time (seconds, non-decreasing), best label (label_size bytes of UTF-8,
 * or NULL when nothing is enrolled), its score and the runner-up's (-INFINITY: none).
 * Returns 1 when the frame fires a detection, 0 when not, EA_ERR_ARG on a time that is not
 * finite or a NaN score (nothing changes), EA_ERR_NO_SPACE for a label longer than the buffer. */
int ea_dguard_process(ea_dguard *g, double time, const char *label, uint32_t label_size, double score,
                      double runner_up);
void ea_dguard_reset(ea_dguard *g);
int ea_dguard_save(const ea_dguard *g, ea_writer *w, const char *prefix);
int ea_dguard_load(ea_dguard *g, const ea_blob *b, const char *prefix);

/* ------------------------------------------------------------ alert guard */
/* Entries: active (int8), alerts, cooldown (int64), event (int8: 0 none, 1 raised, 2 cleared), run (int64). */
enum { EA_ALERT_NONE = 0, EA_ALERT_RAISED = 1, EA_ALERT_CLEARED = 2 };
typedef struct ea_aguard_config {
    double on;             /* 0: 0.5, the Python default (-0.0: a level of zero) */
    double off;            /* with has_off: clear below this (off <= on); without: off = on */
    int has_off;
    uint32_t min_duration; /* steps at or above on before an alert; 0: 1 (the default) */
    uint32_t refractory;   /* steps after an alert clears without a new one; 0: none (the default) */
} ea_aguard_config;
typedef struct ea_aguard {
    double on, off;
    int64_t min_duration, refractory;
    int8_t active, event;
    int64_t run, cooldown, alerts;
} ea_aguard;
int ea_aguard_init(ea_aguard *g, const ea_aguard_config *cfg);
/* Feed one step's score: returns the event (EA_ALERT_*), EA_ERR_ARG for NaN or Inf (nothing changes). */
int ea_aguard_update(ea_aguard *g, double score);
void ea_aguard_clear(ea_aguard *g); /* end an active alert now, no refractory period */
void ea_aguard_reset(ea_aguard *g); /* forget alerts and counters */
int ea_aguard_save(const ea_aguard *g, ea_writer *w, const char *prefix);
int ea_aguard_load(ea_aguard *g, const ea_blob *b, const char *prefix);

#ifdef __cplusplus
}
#endif

#endif /* EA_GUARD_H */
