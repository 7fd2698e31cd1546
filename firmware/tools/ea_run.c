/* ea_run: drive one C learner from a script on stdin (host tool of the parity tests).
 *
 *   ea_run KIND ARGS... < script
 *   moments DIM FORGETTING | cov DIM FORGETTING | ridge DIM FORGETTING FIT_INTERCEPT
 *   ncm DIM N_CLASSES MAX_CLASSES | q8 DIM MAX_CLASSES METRIC(0 l2, 1 cosine)
 *   ucb1 N_ARMS MAX_ARMS ALPHA | egreedy N_ARMS MAX_ARMS EPSILON
 *   bts N_ARMS MAX_ARMS N_REPLICATES PRIOR_REWARD PRIOR_WEIGHT
 *   dguard THRESHOLD MIN_MARGIN DEBOUNCE REFRACTORY | aguard ON OFF|none MIN_DURATION REFRACTORY
 *
 * Script lines: `load FILE` / `save FILE` (a state blob), `merge FILE` (moments, cov),
 * `u ...` (update: moments/cov `u W X..`, ridge `u W Y X..`, ncm `u LABEL W X..`,
 * q8 `u LABEL X..`, bandits `u ARM REWARD`), `p X..` (predict: prints the class and its
 * distance or score), `e X..` (q8: enroll, prints the index), `add` (class/arm, prints
 * the index), `retire ARM`, `s [ARM..]` (bandits: select, among the listed arms if any,
 * prints the arm), `g ...` (guards: detection `g TIME SCORE RUNNER_UP [LABEL]` prints 0 or
 * 1, alert `g SCORE` prints the event and the active flag), `clear`, `reset`. Numbers are parsed with
 * strtod, so hex floats ("0x1.8p+1") pass doubles exactly. Exit 2 with `error CODE` on
 * the first error. Stores: `ea_run store-format FILE BLOB` and `ea_run store-commit FILE
 * BLOB` write through a stdio storage device; `ea_run reencode IN OUT` copies a blob
 * entry by entry through the writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeadapt/ea_learn.h"

#define MAX_DIM 256
#define MAX_K 64
#define MAX_BYTES (1u << 20)
#define MAX_LINE 16384

static union { uint64_t align; uint8_t b[MAX_BYTES]; } in_buf, out_buf, other_buf;
static double f_a[MAX_K * MAX_DIM], f_b[MAX_K * MAX_DIM], f_c[MAX_K * MAX_DIM], f_d[MAX_K * MAX_DIM];
static int32_t i_a[MAX_K * MAX_DIM], i_b[MAX_K];
static int8_t q_a[MAX_K * MAX_DIM];
static uint8_t active[MAX_K];
static char line[MAX_LINE];

static int die(int err) {
    printf("error %d %s\n", err, ea_strerror(err));
    exit(2);
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    size_t n;
    if (f == NULL) die(EA_ERR_IO);
    n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void write_file(const char *path, const void *buf, size_t n) {
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(buf, 1, n, f) != n) die(EA_ERR_IO);
    fclose(f);
}

static void open_blob(const char *path, ea_blob *b, uint8_t *buf) {
    int err = ea_blob_open(b, buf, read_file(path, buf, MAX_BYTES));
    if (err) die(err);
}

/* ------------------------------------------------------------ stdio storage (a file) */
static int file_read(void *ctx, uint64_t off, void *buf, size_t n) {
    FILE *f = (FILE *)ctx;
    if (fseek(f, (long)off, SEEK_SET)) return EA_ERR_IO;
    return (int)fread(buf, 1, n, f);
}
static int file_program(void *ctx, uint64_t off, const void *data, size_t n) {
    FILE *f = (FILE *)ctx;
    if (fseek(f, (long)off, SEEK_SET) || fwrite(data, 1, n, f) != n) return EA_ERR_IO;
    return EA_OK;
}
static int file_sync(void *ctx) { return fflush((FILE *)ctx) ? EA_ERR_IO : EA_OK; }

static int store_tool(const char *cmd, const char *path, const char *blob_path) {
    ea_storage st;
    ea_store store;
    size_t got, n = read_file(blob_path, other_buf.b, MAX_BYTES);
    int err;
    FILE *f = fopen(path, strcmp(cmd, "store-format") == 0 ? "w+b" : "r+b");
    if (f == NULL) die(EA_ERR_IO);
    memset(&st, 0, sizeof st);
    st.ctx = f;
    st.read = file_read;
    st.program = file_program;
    st.sync = file_sync;
    if (strcmp(cmd, "store-format") == 0) {
        err = ea_store_format(&st, NULL, other_buf.b, n);
    } else {
        err = ea_store_load(&store, &st, in_buf.b, MAX_BYTES, &got);
        if (!err) err = ea_store_commit(&store, &st, other_buf.b, n);
        if (!err) printf("%llu %d\n", (unsigned long long)store.sequence, store.active_slot);
    }
    fclose(f);
    if (err) die(err);
    return 0;
}

static int reencode(const char *in, const char *out) {
    ea_blob b;
    ea_entry e;
    ea_writer w;
    size_t cursor = 0;
    long n;
    int err;
    open_blob(in, &b, in_buf.b);
    ea_writer_init(&w, out_buf.b, MAX_BYTES);
    while ((err = ea_blob_next(&b, &cursor, &e)) == EA_OK) ea_writer_copy(&w, &e);
    if (err != EA_ERR_NOT_FOUND) die(err);
    n = ea_writer_finish(&w);
    if (n < 0) die((int)n);
    write_file(out, out_buf.b, (size_t)n);
    return 0;
}

/* ------------------------------------------------------------ learners */
typedef struct run {
    const char *kind;
    ea_moments m, m2;
    ea_cov c, c2;
    ea_ridge r;
    ea_ncm n;
    ea_q8ncm q;
    ea_bandit b;
    ea_bts t;
    ea_dguard dg;
    ea_aguard ag;
} run;

static char label_buf[64];

static int is(const run *r, const char *k) { return strcmp(r->kind, k) == 0; }

static int save(run *r, ea_writer *w) {
    if (is(r, "moments")) return ea_moments_save(&r->m, w, NULL);
    if (is(r, "cov")) return ea_cov_save(&r->c, w, NULL);
    if (is(r, "ridge")) return ea_ridge_save(&r->r, w, NULL);
    if (is(r, "ncm")) return ea_ncm_save(&r->n, w, NULL);
    if (is(r, "q8")) return ea_q8ncm_save(&r->q, w, NULL);
    if (is(r, "bts")) return ea_bts_save(&r->t, w, NULL);
    if (is(r, "dguard")) return ea_dguard_save(&r->dg, w, NULL);
    if (is(r, "aguard")) return ea_aguard_save(&r->ag, w, NULL);
    return ea_bandit_save(&r->b, w, NULL);
}

static int load(run *r, const ea_blob *b) {
    if (is(r, "moments")) return ea_moments_load(&r->m, b, NULL);
    if (is(r, "cov")) return ea_cov_load(&r->c, b, NULL);
    if (is(r, "ridge")) return ea_ridge_load(&r->r, b, NULL);
    if (is(r, "ncm")) return ea_ncm_load(&r->n, b, NULL);
    if (is(r, "q8")) return ea_q8ncm_load(&r->q, b, NULL);
    if (is(r, "bts")) return ea_bts_load(&r->t, b, NULL);
    if (is(r, "dguard")) return ea_dguard_load(&r->dg, b, NULL);
    if (is(r, "aguard")) return ea_aguard_load(&r->ag, b, NULL);
    return ea_bandit_load(&r->b, b, NULL);
}

static int numbers(char *s, double *out, int max) {
    int n = 0;
    char *end;
    while (n < max) {
        double v = strtod(s, &end);
        if (end == s) break;
        out[n++] = v;
        s = end;
    }
    return n;
}

int main(int argc, char **argv) {
    run r;
    int err = EA_OK;
    double v[MAX_DIM + 3];
    if (argc == 4 && strncmp(argv[1], "store-", 6) == 0) return store_tool(argv[1], argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "reencode") == 0) return reencode(argv[2], argv[3]);
    if (argc < 4) { fprintf(stderr, "usage: see the comment of tools/ea_run.c\n"); return 1; }
    memset(&r, 0, sizeof r);
    r.kind = argv[1];
    {
        uint32_t a1 = (uint32_t)strtoul(argv[2], NULL, 10);
        uint32_t a2 = (uint32_t)strtoul(argv[3], NULL, 10);
        double a3 = argc > 4 ? strtod(argv[4], NULL) : 0.0;
        uint64_t zero[6] = {0, 0, 0, 0, 0, 0};
        if (is(&r, "moments")) {
            ea_moments_config cfg; cfg.forgetting = strtod(argv[3], NULL);
            err = ea_moments_init(&r.m, &cfg, a1, f_a, f_b);
            if (!err) err = ea_moments_init(&r.m2, &cfg, a1, f_c, f_d);
        } else if (is(&r, "cov")) {
            ea_moments_config cfg; cfg.forgetting = strtod(argv[3], NULL);
            err = ea_cov_init(&r.c, &cfg, a1, f_a, f_b);
            if (!err) err = ea_cov_init(&r.c2, &cfg, a1, f_c, f_d);
        } else if (is(&r, "ridge")) {
            ea_ridge_config cfg; cfg.forgetting = strtod(argv[3], NULL); cfg.fit_intercept = (int)a3;
            err = ea_ridge_init(&r.r, &cfg, a1, f_a, f_b);
        } else if (is(&r, "ncm")) {
            err = ea_ncm_init(&r.n, a1, a2, (uint32_t)a3, f_a, f_b);
        } else if (is(&r, "q8")) {
            ea_q8ncm_config cfg; cfg.metric = (int)a3;
            err = ea_q8ncm_init(&r.q, &cfg, a1, a2, q_a, i_a, i_b);
        } else if (is(&r, "ucb1")) {
            ea_ucb1_config cfg; cfg.alpha = a3;
            err = ea_ucb1_init(&r.b, &cfg, a1, a2, f_a, f_b, active, zero);
        } else if (is(&r, "egreedy")) {
            ea_egreedy_config cfg; cfg.epsilon = a3;
            err = ea_egreedy_init(&r.b, &cfg, a1, a2, f_a, f_b, active, zero);
        } else if (is(&r, "bts") && argc == 7) {
            ea_bts_config cfg;
            cfg.n_replicates = (uint32_t)a3;
            cfg.prior_reward = strtod(argv[5], NULL);
            cfg.prior_weight = strtod(argv[6], NULL);
            err = ea_bts_init(&r.t, &cfg, a1, a2, f_a, f_b, f_c, active, zero);
        } else if (is(&r, "dguard") && argc == 6) {
            ea_dguard_config cfg;
            cfg.threshold = strtod(argv[2], NULL);
            cfg.min_margin = strtod(argv[3], NULL);
            cfg.debounce_frames = (uint32_t)strtoul(argv[4], NULL, 10);
            cfg.refractory_seconds = strtod(argv[5], NULL);
            err = ea_dguard_init(&r.dg, &cfg, label_buf, sizeof label_buf);
        } else if (is(&r, "aguard") && argc == 6) {
            ea_aguard_config cfg;
            cfg.on = strtod(argv[2], NULL);
            cfg.has_off = strcmp(argv[3], "none") != 0;
            cfg.off = cfg.has_off ? strtod(argv[3], NULL) : 0.0;
            cfg.min_duration = (uint32_t)strtoul(argv[4], NULL, 10);
            cfg.refractory = (uint32_t)strtoul(argv[5], NULL, 10);
            err = ea_aguard_init(&r.ag, &cfg);
        } else {
            err = EA_ERR_ARG;
        }
        if (err) die(err);
    }
    while (fgets(line, sizeof line, stdin) != NULL) {
        char *arg = line + 1 + strcspn(line, " \n");
        char cmd[16];
        size_t len = strcspn(line, " \n");
        int n;
        if (len == 0) continue;
        if (len >= sizeof cmd) die(EA_ERR_ARG);
        memcpy(cmd, line, len);
        cmd[len] = '\0';
        arg[strcspn(arg, "\n")] = '\0';
        if (strcmp(cmd, "load") == 0 || strcmp(cmd, "merge") == 0) {
            ea_blob b;
            open_blob(arg, &b, in_buf.b);
            if (cmd[0] == 'l') err = load(&r, &b);
            else if (is(&r, "moments")) { err = ea_moments_load(&r.m2, &b, NULL); if (!err) err = ea_moments_merge(&r.m, &r.m2); }
            else if (is(&r, "cov")) { err = ea_cov_load(&r.c2, &b, NULL); if (!err) err = ea_cov_merge(&r.c, &r.c2); }
            else err = EA_ERR_ARG;
        } else if (strcmp(cmd, "save") == 0) {
            ea_writer w;
            long size;
            ea_writer_init(&w, out_buf.b, MAX_BYTES);
            save(&r, &w);
            size = ea_writer_finish(&w);
            if (size < 0) die((int)size);
            write_file(arg, out_buf.b, (size_t)size);
        } else if (strcmp(cmd, "u") == 0) {
            n = numbers(arg, v, MAX_DIM + 3);
            if (is(&r, "moments")) err = n >= 1 ? ea_moments_update(&r.m, v + 1, v[0]) : EA_ERR_ARG;
            else if (is(&r, "cov")) err = n >= 1 ? ea_cov_update(&r.c, v + 1, v[0]) : EA_ERR_ARG;
            else if (is(&r, "ridge")) err = n >= 2 ? ea_ridge_update(&r.r, v + 2, v[1], v[0]) : EA_ERR_ARG;
            else if (is(&r, "ncm")) err = n >= 2 ? ea_ncm_update(&r.n, v + 2, (uint32_t)v[0], v[1]) : EA_ERR_ARG;
            else if (is(&r, "q8")) {
                int8_t x[MAX_DIM];
                int i;
                for (i = 1; i < n; i++) x[i - 1] = (int8_t)v[i];
                err = n >= 1 ? ea_q8ncm_update(&r.q, x, (uint32_t)v[0]) : EA_ERR_ARG;
            } else if (is(&r, "bts")) err = n == 2 ? ea_bts_update(&r.t, (uint32_t)v[0], v[1]) : EA_ERR_ARG;
            else err = n == 2 ? ea_bandit_update(&r.b, (uint32_t)v[0], v[1]) : EA_ERR_ARG;
        } else if (strcmp(cmd, "p") == 0 || strcmp(cmd, "e") == 0) {
            n = numbers(arg, v, MAX_DIM + 3);
            if (is(&r, "ncm")) {
                double d = 0.0;
                err = ea_ncm_predict(&r.n, v, &d);
                if (err >= 0) printf("%d %a\n", err, d);
            } else {
                int8_t x[MAX_DIM];
                int64_t score = 0;
                int i;
                for (i = 0; i < n; i++) x[i] = (int8_t)v[i];
                err = cmd[0] == 'e' ? ea_q8ncm_enroll(&r.q, x) : ea_q8ncm_predict(&r.q, x, &score);
                if (err >= 0) printf("%d %lld\n", err, (long long)score);
            }
        } else if (strcmp(cmd, "s") == 0) {
            uint8_t allowed[MAX_K];
            int i;
            n = numbers(arg, v, MAX_K);
            memset(allowed, 0, sizeof allowed);
            for (i = 0; i < n; i++) if (v[i] >= 0 && v[i] < MAX_K) allowed[(int)v[i]] = 1;
            err = is(&r, "ucb1")  ? ea_ucb1_select(&r.b, n ? allowed : NULL)
                  : is(&r, "bts") ? ea_bts_select(&r.t, n ? allowed : NULL)
                                  : ea_egreedy_select(&r.b, n ? allowed : NULL);
            if (err >= 0) printf("%d\n", err);
            else if (err == EA_ERR_NOT_FOUND) { printf("none\n"); err = EA_OK; }
        } else if (strcmp(cmd, "g") == 0) {
            n = numbers(arg, v, 3);
            if (is(&r, "dguard") && n == 3) {
                char *label = arg, *end;
                int k;
                for (k = 0; k < 3; k++) { (void)strtod(label, &end); label = end; }
                label += strspn(label, " ");
                err = ea_dguard_process(&r.dg, v[0], *label ? label : NULL, (uint32_t)strlen(label), v[1], v[2]);
                if (err >= 0) printf("%d\n", err);
            } else if (is(&r, "aguard") && n == 1) {
                err = ea_aguard_update(&r.ag, v[0]);
                if (err >= 0) printf("%d %d\n", err, r.ag.active);
            } else err = EA_ERR_ARG;
        } else if (strcmp(cmd, "clear") == 0 && is(&r, "aguard")) {
            ea_aguard_clear(&r.ag);
        } else if (strcmp(cmd, "reset") == 0 && (is(&r, "aguard") || is(&r, "dguard"))) {
            if (is(&r, "aguard")) ea_aguard_reset(&r.ag); else ea_dguard_reset(&r.dg);
        } else if (strcmp(cmd, "add") == 0) {
            err = is(&r, "ncm") ? ea_ncm_add_class(&r.n) : is(&r, "bts") ? ea_bts_add_arm(&r.t) : ea_bandit_add_arm(&r.b);
            if (err >= 0) printf("%d\n", err);
        } else if (strcmp(cmd, "retire") == 0) {
            err = ea_bandit_retire_arm(is(&r, "bts") ? &r.t.b : &r.b, (uint32_t)strtoul(arg, NULL, 10));
        } else {
            err = EA_ERR_ARG;
        }
        if (err < 0) die(err);
    }
    return 0;
}
