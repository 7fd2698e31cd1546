/* Unit tests of the C library that run on every target (host with sanitizers, Cortex-M3
 * under QEMU with semihosting, aarch64 under qemu-aarch64): known answers computed by the
 * Python side, so a target whose arithmetic differs (soft-float, 32-bit, big carries in
 * the 128-bit PCG64 step) fails here. Exit status: the number of failed checks. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "edgeadapt/ea_learn.h"

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)

/* numpy: g = Generator(PCG64(42)); edgeadapt.bandit.base.rng_state(g), then
 * g.bit_generator.random_raw() three times and g.random().hex() == '0x1.650d6c1c2c011p-1' */
static void test_pcg64(void) {
    ea_pcg64 g = {{0xcea44f6798798f2aull, 0xacbc7c9d68860ac8ull, 0xfa505436c9a8416eull, 0x66caf2e28d25abffull, 0, 0}};
    CHECK(ea_pcg64_next(&g) == 0xc621fbcd16d92688ull);
    CHECK(ea_pcg64_next(&g) == 0x705a5661a791ffc1ull);
    CHECK(ea_pcg64_next(&g) == 0xdbcd12c26eda1624ull);
    CHECK(ea_pcg64_random(&g) == 0x1.650d6c1c2c011p-1);
}

/* edgeadapt.learn.Moments docstring: [[1, 10], [3, 30]] gives mean [2, 20], variance [1, 100] */
static void test_moments(void) {
    double mean[2], m2[2], a[2] = {1.0, 10.0}, b[2] = {3.0, 30.0};
    ea_moments m;
    CHECK(ea_moments_init(&m, NULL, 2, mean, m2) == EA_OK);
    CHECK(ea_moments_update(&m, a, 1.0) == EA_OK && ea_moments_update(&m, b, 1.0) == EA_OK);
    CHECK(m.count == 2.0 && mean[0] == 2.0 && mean[1] == 20.0 && m2[0] / 2.0 == 1.0 && m2[1] / 2.0 == 100.0);
    CHECK(ea_moments_update(&m, a, -1.0) == EA_ERR_ARG);
}

static void test_q8_and_bandit(void) {
    int8_t protos[3 * 4], x0[4] = {100, 0, 0, 0}, x1[4] = {0, -100, 0, 0}, probe[4] = {10, -90, 0, 3};
    int32_t sums[3 * 4], counts[3];
    double c[3], s[3];
    uint8_t active[3];
    uint64_t rng[6] = {0, 0, 0, 0, 0, 0};
    int64_t score;
    ea_q8ncm q;
    ea_q8ncm_config cos;
    ea_bandit b;
    cos.metric = EA_METRIC_COSINE;
    CHECK(ea_q8ncm_init(&q, NULL, 4, 2, protos, sums, counts) == EA_OK);
    CHECK(ea_q8ncm_predict(&q, probe, &score) == EA_ERR_NOT_FOUND);
    CHECK(ea_q8ncm_enroll(&q, x0) == 0 && ea_q8ncm_enroll(&q, x1) == 1 && ea_q8ncm_enroll(&q, x1) == EA_ERR_NO_SPACE);
    CHECK(ea_q8ncm_predict(&q, probe, &score) == 1 && score == 100 + 100 + 9);
    CHECK(ea_q8ncm_update(&q, probe, 1) == EA_OK && protos[4 + 0] == 5 && protos[4 + 1] == -95 && protos[4 + 3] == 2);
    q.metric = cos.metric;
    CHECK(ea_q8ncm_predict(&q, x0, &score) == 0 && score == 10000);
    CHECK(ea_ucb1_init(&b, NULL, 3, 3, c, s, active, rng) == EA_OK);
    CHECK(ea_ucb1_select(&b, NULL) == 0 && ea_bandit_update(&b, 0, 1.0) == EA_OK);
    CHECK(ea_ucb1_select(&b, NULL) == 1 && ea_bandit_update(&b, 1, 0.0) == EA_OK);
    CHECK(ea_ucb1_select(&b, NULL) == 2 && ea_bandit_update(&b, 2, 0.5) == EA_OK);
    CHECK(ea_ucb1_select(&b, NULL) == 0);
}

/* A store in RAM: format, commit, reopen, and a blob that round-trips through the writer. */
static void test_ram_store(void) {
    static union { uint64_t a; uint8_t b[12288]; } dev, img;
    union { uint64_t a; uint8_t b[256]; } blob;
    ea_storage st;
    ea_ram ram;
    ea_store store;
    ea_writer w;
    ea_entry e;
    size_t got;
    long n;
    int64_t v = 7;
    ea_ram_storage(&st, &ram, dev.b, sizeof dev.b);
    ea_writer_init(&w, blob.b, sizeof blob.b);
    ea_writer_array(&w, "v", EA_I64, 0, NULL, &v);
    n = ea_writer_finish(&w);
    CHECK(n == 60); /* 24 header + 32 entry (16 + name padded to 8 + 8 data) + 4 CRC */
    CHECK(ea_store_format(&st, NULL, blob.b, (size_t)n) == EA_OK);
    CHECK(ea_store_load(&store, &st, img.b, sizeof img.b, &got) == EA_OK && store.sequence == 1);
    v = 8;
    ea_writer_init(&w, blob.b, sizeof blob.b);
    ea_writer_array(&w, "v", EA_I64, 0, NULL, &v);
    n = ea_writer_finish(&w);
    CHECK(ea_store_commit(&store, &st, blob.b, (size_t)n) == EA_OK && store.active_slot == 1);
    CHECK(ea_store_load(&store, &st, img.b, sizeof img.b, &got) == EA_OK && store.sequence == 2);
    CHECK(ea_blob_get(&store.current, "v", EA_I64, 1, &e) == EA_OK && *(const int64_t *)e.data == 8);
    CHECK(store.factory_err == EA_OK && ea_blob_get(&store.factory, "v", EA_I64, 1, &e) == EA_OK &&
          *(const int64_t *)e.data == 7);
    CHECK(ea_store_load(&store, &st, img.b, 100, &got) == EA_ERR_NO_SPACE);
}

/* A state that does not fit is refused and leaves the component as it was; prefixed
 * entries keep the canonical order across components. */
static void test_refused_load_changes_nothing(void) {
    union { uint64_t a; uint8_t b[512]; } blob;
    double mean[2] = {5.0, 6.0}, m2[2] = {1.0, 1.0}, bad_m2[2] = {1.0, -1.0}, zeros[2] = {0.0, 0.0}, one = 1.0;
    uint32_t two = 2;
    ea_moments m;
    ea_writer w;
    ea_blob b;
    long n;
    ea_moments_init(&m, NULL, 2, mean, m2);
    mean[0] = 5.0; m2[0] = 1.0; m.count = 3.0;
    ea_writer_init(&w, blob.b, sizeof blob.b);
    ea_writer_array_p(&w, "m.", "count", EA_F64, 0, NULL, &one);
    ea_writer_array_p(&w, "m.", "m2", EA_F64, 1, &two, bad_m2);
    ea_writer_array_p(&w, "m.", "mean", EA_F64, 1, &two, zeros);
    n = ea_writer_finish(&w);
    CHECK(n > 0 && ea_blob_open(&b, blob.b, (size_t)n) == EA_OK);
    CHECK(ea_moments_load(&m, &b, "m.") == EA_ERR_FORMAT);
    CHECK(m.count == 3.0 && mean[0] == 5.0 && m2[0] == 1.0);
    CHECK(ea_moments_load(&m, &b, "other.") == EA_ERR_NOT_FOUND);
    ea_writer_init(&w, blob.b, sizeof blob.b);
    CHECK(ea_writer_array_p(&w, "ncm.", "x", EA_F64, 0, NULL, &one) == EA_OK);
    CHECK(ea_writer_array_p(&w, "bandit.", "x", EA_F64, 0, NULL, &one) == EA_ERR_ARG);
    ea_writer_init(&w, blob.b, sizeof blob.b);
    CHECK(ea_writer_array_p(&w, "a", "b", EA_F64, 0, NULL, &one) == EA_OK);
    CHECK(ea_writer_array(&w, "ab", EA_F64, 0, NULL, &one) == EA_ERR_ARG); /* the same name */
    ea_writer_init(&w, blob.b, sizeof blob.b);
    CHECK(ea_writer_array(&w, "ab", EA_F64, 0, NULL, &one) == EA_OK);
    CHECK(ea_writer_array_p(&w, "ab", ".c", EA_F64, 0, NULL, &one) == EA_OK);
}

/* Enrollment grows the state until it no longer fits its slot: that commit is refused
 * with EA_ERR_NO_SPACE, nothing is written, and the store keeps the last state that fit. */
static void test_enroll_until_full(void) {
    enum { DIM = 96, MAXK = 64 };
    static union { uint64_t a; uint8_t b[3 * 4096]; } dev, img;
    static union { uint64_t a; uint8_t b[16384]; } blob;
    static int8_t protos[MAXK * DIM];
    static int32_t sums[MAXK * DIM], counts[MAXK];
    int8_t x[DIM];
    ea_storage st;
    ea_ram ram;
    ea_store store;
    ea_q8ncm q;
    ea_writer w;
    ea_format_config cfg;
    size_t got;
    long n;
    int k, err = EA_OK, committed = 0;
    cfg.slot_capacity = 4096;
    memset(x, 1, sizeof x);
    ea_ram_storage(&st, &ram, dev.b, sizeof dev.b);
    ea_q8ncm_init(&q, NULL, DIM, MAXK, protos, sums, counts);
    ea_writer_init(&w, blob.b, sizeof blob.b);
    ea_q8ncm_save(&q, &w, NULL);
    n = ea_writer_finish(&w);
    CHECK(n > 0 && ea_store_format(&st, &cfg, blob.b, (size_t)n) == EA_OK);
    CHECK(ea_store_load(&store, &st, img.b, sizeof img.b, &got) == EA_OK);
    for (k = 0; k < MAXK && err == EA_OK; k++) {
        x[0] = (int8_t)k;
        CHECK(ea_q8ncm_enroll(&q, x) == k);
        ea_writer_init(&w, blob.b, sizeof blob.b);
        ea_q8ncm_save(&q, &w, NULL);
        n = ea_writer_finish(&w);
        err = n > 0 ? ea_store_commit(&store, &st, blob.b, (size_t)n) : (int)n;
        if (err == EA_OK) committed = k + 1;
    }
    CHECK(err == EA_ERR_NO_SPACE && committed >= 4 && committed < MAXK);
    CHECK(ea_store_load(&store, &st, img.b, sizeof img.b, &got) == EA_OK);
    CHECK(ea_q8ncm_load(&q, &store.current, NULL) == EA_OK && q.n_classes == (uint32_t)committed);
}

/* edgeadapt.guard docstrings: DetectionGuard(threshold=0.6, min_margin=0.05,
 * refractory_seconds=1.0) on (0.0, 0.5), (0.1, 0.7), (0.2, 0.8), (1.5, 0.9) fires
 * [False, True, False, True]; AlertGuard(on=0.5, off=0.3, min_duration=2, refractory=2)
 * on [0.9, 0.1, 0.9, 0.9, 0.4, 0.2, 0.9, 0.9, 0.9] is active [0, 0, 0, 1, 1, 0, 0, 0, 1]. */
static void test_guards(void) {
    static const double t[4] = {0.0, 0.1, 0.2, 1.5}, sc[4] = {0.5, 0.7, 0.8, 0.9};
    static const int fired[4] = {0, 1, 0, 1};
    static const double scores[9] = {0.9, 0.1, 0.9, 0.9, 0.4, 0.2, 0.9, 0.9, 0.9};
    static const int8_t on[9] = {0, 0, 0, 1, 1, 0, 0, 0, 1};
    char label[8];
    ea_dguard g;
    ea_dguard_config dc;
    ea_aguard a;
    ea_aguard_config ac;
    int i;
    memset(&dc, 0, sizeof dc);
    dc.threshold = 0.6;
    dc.min_margin = 0.05;
    CHECK(ea_dguard_init(&g, &dc, label, sizeof label) == EA_OK && g.refractory_seconds == 1.0);
    for (i = 0; i < 4; i++) CHECK(ea_dguard_process(&g, t[i], "hey", 3, sc[i], 0.0) == fired[i]);
    CHECK(ea_dguard_process(&g, HUGE_VAL - HUGE_VAL, "hey", 3, 0.9, 0.0) == EA_ERR_ARG);
    CHECK(ea_dguard_process(&g, 9.0, "a long label", 12, 0.9, 0.0) == EA_ERR_NO_SPACE);
    memset(&ac, 0, sizeof ac);
    ac.on = 0.5;
    ac.off = 0.3;
    ac.has_off = 1;
    ac.min_duration = 2;
    ac.refractory = 2;
    CHECK(ea_aguard_init(&a, &ac) == EA_OK);
    for (i = 0; i < 9; i++) CHECK(ea_aguard_update(&a, scores[i]) >= 0 && a.active == on[i]);
    CHECK(a.alerts == 2);
    ac.off = 0.6;
    CHECK(ea_aguard_init(&a, &ac) == EA_ERR_ARG);
}

int main(void) {
    test_pcg64();
    test_refused_load_changes_nothing();
    test_moments();
    test_q8_and_bandit();
    test_ram_store();
    test_guards();
    test_enroll_until_full();
    printf("unit tests: %d failures\n", failures);
    return failures;
}
