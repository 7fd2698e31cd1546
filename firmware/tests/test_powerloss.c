/* Power-loss test of the two-slot commit over an emulated NOR flash (the model of littlefs's
 * emulated block device): erase blocks that read 0xFF once erased, a program unit, programs
 * that can only clear bits (programming a cell that is not erased is a test failure), and a
 * power cut injected at every erase and program of a commit and, for a program, after every
 * byte of it (an erase is cut before it, half way and one byte short). After each cut the
 * device "reboots": the store must open with the old or the new state, byte for byte, and a
 * further commit must succeed. Prints the number of cut points and losses; exit status 0
 * only with no loss. Also run with the unit tests below (blob writer edge cases). */
#include <stdio.h>
#include <string.h>

#include "edgeadapt/ea_write.h"

/* header + factory (one 4 KiB block) + two slots of at most 8 KiB */
#define FLASH_BYTES (24u * 1024u)
#define IMAGE_ALIGN uint64_t
#define MAX_OPS 64
/* bytes between the cut points inside an erase (a program is cut after every byte) */
#define ERASE_STEP 256u

typedef struct flash {
    uint8_t mem[FLASH_BYTES];
    uint32_t erase_size;
    long ops;        /* operations done since the counter was reset */
    long cut_op;     /* the operation interrupted (-1: none) */
    size_t cut_byte; /* bytes of that operation that land */
    int dead;        /* power is off: every operation fails */
    int misuse;      /* a program over cells that were not erased */
    size_t sizes[MAX_OPS]; /* bytes of each operation (0 for a sync) */
    int is_erase[MAX_OPS];
} flash;

/* Is the power cut at this operation? *land: the bytes of it that land. */
static int cut_here(flash *f, size_t size, size_t *land) {
    long op = f->ops++;
    *land = 0;
    if (op < MAX_OPS) { f->sizes[op] = size; f->is_erase[op] = 0; }
    if (f->dead) return 1;
    if (op != f->cut_op) { *land = size; return 0; }
    *land = f->cut_byte < size ? f->cut_byte : size;
    f->dead = 1;
    return 1;
}

static int fl_read(void *ctx, uint64_t off, void *buf, size_t n) {
    flash *f = (flash *)ctx;
    if (off >= FLASH_BYTES) return 0;
    if (n > FLASH_BYTES - off) n = (size_t)(FLASH_BYTES - off);
    memcpy(buf, f->mem + off, n);
    return (int)n;
}

static int fl_program(void *ctx, uint64_t off, const void *data, size_t n) {
    flash *f = (flash *)ctx;
    const uint8_t *d = (const uint8_t *)data;
    size_t land, i;
    int cut = cut_here(f, n, &land);
    if (off > FLASH_BYTES || n > FLASH_BYTES - off) return EA_ERR_IO;
    for (i = 0; i < land; i++) {
        if (f->mem[off + i] != 0xFF && f->mem[off + i] != d[i]) f->misuse = 1;
        f->mem[off + i] &= d[i];
    }
    return cut ? EA_ERR_IO : EA_OK;
}

static int fl_erase(void *ctx, uint64_t off, size_t n) {
    flash *f = (flash *)ctx;
    size_t land;
    int cut = cut_here(f, n, &land);
    if (f->ops - 1 < MAX_OPS) f->is_erase[f->ops - 1] = 1;
    if (off % f->erase_size || n % f->erase_size || off > FLASH_BYTES || n > FLASH_BYTES - off) return EA_ERR_IO;
    memset(f->mem + off, 0xFF, land);
    return cut ? EA_ERR_IO : EA_OK;
}

static int fl_sync(void *ctx) {
    flash *f = (flash *)ctx;
    size_t land;
    return cut_here(f, 0, &land) ? EA_ERR_IO : EA_OK;
}

static void device(ea_storage *st, flash *f, uint32_t program_size, uint32_t erase_size) {
    memset(st, 0, sizeof *st);
    st->ctx = f;
    st->read = fl_read;
    st->program = fl_program;
    st->erase = fl_erase;
    st->sync = fl_sync;
    st->program_size = program_size;
    st->erase_size = erase_size;
    st->size = FLASH_BYTES;
    f->erase_size = erase_size;
    f->cut_op = -1;
    f->dead = 0;
    f->ops = 0;
}

/* A state blob: a counter and n doubles derived from it. */
static size_t make_blob(uint8_t *buf, size_t cap, int64_t version, uint32_t n) {
    double values[64];
    ea_writer w;
    uint32_t i;
    long size;
    for (i = 0; i < n; i++) values[i] = (double)version * 0.5 + (double)i;
    ea_writer_init(&w, buf, cap);
    ea_writer_array(&w, "values", EA_F64, 1, &n, values);
    ea_writer_array(&w, "version", EA_I64, 0, NULL, &version);
    size = ea_writer_finish(&w);
    return size > 0 ? (size_t)size : 0;
}

static union { IMAGE_ALIGN a; flash f; } base_u, work_u;
static union { IMAGE_ALIGN a; uint8_t b[FLASH_BYTES]; } image;
static union { IMAGE_ALIGN a; uint8_t b[4096]; } old_blob, new_blob, next_blob;

static int same_blob(const ea_blob *b, const uint8_t *data, size_t size) {
    return b->size == size && memcmp(b->data, data, size) == 0;
}

/* One configuration: format, commit old, then cut every operation of committing new. */
static int campaign(uint32_t program_size, uint32_t erase_size, uint64_t slot_capacity, long *cuts, long *losses) {
    ea_storage st;
    ea_store store;
    ea_format_config cfg;
    size_t got, old_size, new_size, next_size, fac_size;
    long total_ops, op;
    size_t sizes[MAX_OPS];
    int sizes_erase[MAX_OPS];
    int round;
    flash *base = &base_u.f, *work = &work_u.f;
    cfg.slot_capacity = slot_capacity;
    fac_size = make_blob(old_blob.b, sizeof old_blob.b, 0, 3);
    device(&st, base, program_size, erase_size);
    memset(base->mem, 0x5A, FLASH_BYTES); /* whatever was there before */
    if (ea_store_format(&st, &cfg, old_blob.b, fac_size)) return 1;
    for (round = 0; round < 2; round++) { /* the commit into slot 1, then into slot 0 */
        old_size = make_blob(old_blob.b, sizeof old_blob.b, 1 + 2 * round, 20);
        new_size = make_blob(new_blob.b, sizeof new_blob.b, 2 + 2 * round, 24);
        next_size = make_blob(next_blob.b, sizeof next_blob.b, 99, 5);
        device(&st, base, program_size, erase_size);
        if (ea_store_load(&store, &st, image.b, sizeof image.b, &got) || ea_store_commit(&store, &st, old_blob.b, old_size)) {
            return 1;
        }
        /* count the operations of the commit on a copy */
        *work = *base;
        device(&st, work, program_size, erase_size);
        if (ea_store_load(&store, &st, image.b, sizeof image.b, &got)) return 1;
        work->ops = 0;
        if (ea_store_commit(&store, &st, new_blob.b, new_size) || work->misuse) return 1;
        total_ops = work->ops;
        if (total_ops > MAX_OPS) return 1;
        memcpy(sizes, work->sizes, sizeof sizes);
        memcpy(sizes_erase, work->is_erase, sizeof sizes_erase);
        for (op = 0; op <= total_ops; op++) { /* op == total_ops: no cut, the commit completes */
            size_t byte, bytes = op < total_ops && op < MAX_OPS ? sizes[op] : 0, step;
            for (byte = 0; byte <= bytes; byte += step) {
                int err, is_new, is_old;
                /* every byte of a program; an erase at 0, every ERASE_STEP bytes and one short */
                step = 1;
                if (bytes > 0 && sizes_erase[op]) {
                    step = byte + ERASE_STEP < bytes ? ERASE_STEP : (bytes - byte > 1 ? bytes - byte - 1 : 1);
                }
                *work = *base;
                device(&st, work, program_size, erase_size);
                if (ea_store_load(&store, &st, image.b, sizeof image.b, &got)) return 1;
                work->ops = 0;
                work->cut_op = op < total_ops ? op : -1;
                work->cut_byte = byte;
                (void)ea_store_commit(&store, &st, new_blob.b, new_size);
                (*cuts)++;
                /* reboot */
                work->dead = 0;
                work->cut_op = -1;
                err = ea_store_load(&store, &st, image.b, sizeof image.b, &got);
                is_new = err == EA_OK && same_blob(&store.current, new_blob.b, new_size);
                is_old = err == EA_OK && same_blob(&store.current, old_blob.b, old_size);
                if (!(is_new || is_old) || (op == total_ops && !is_new) || work->misuse) {
                    (*losses)++;
                    printf("loss: round %d op %ld byte %lu err %d\n", round, op, (unsigned long)byte, err);
                    continue;
                }
                if (ea_store_commit(&store, &st, next_blob.b, next_size) || work->misuse ||
                    ea_store_load(&store, &st, image.b, sizeof image.b, &got) ||
                    !same_blob(&store.current, next_blob.b, next_size)) {
                    (*losses)++;
                    printf("no recovery: round %d op %ld byte %lu\n", round, op, (unsigned long)byte);
                }
            }
        }
        /* advance the base device: commit new for real */
        device(&st, base, program_size, erase_size);
        if (ea_store_load(&store, &st, image.b, sizeof image.b, &got) || ea_store_commit(&store, &st, new_blob.b, new_size)) {
            return 1;
        }
    }
    return 0;
}

/* Writer unit checks: order, names, capacity, sticky errors. */
static int writer_checks(void) {
    uint8_t buf[256];
    ea_writer w;
    int64_t v = 1;
    uint8_t bad_bool = 2;
    uint32_t one = 1;
    ea_writer_init(&w, buf, sizeof buf);
    if (ea_writer_array(&w, "b", EA_I64, 0, NULL, &v) != EA_OK) return 1;
    if (ea_writer_array(&w, "a", EA_I64, 0, NULL, &v) != EA_ERR_ARG) return 1; /* out of order */
    if (ea_writer_finish(&w) != EA_ERR_ARG) return 1;                          /* sticky */
    ea_writer_init(&w, buf, sizeof buf);
    if (ea_writer_array(&w, "flag", EA_BOOL, 1, &one, &bad_bool) != EA_ERR_ARG) return 1;
    ea_writer_init(&w, buf, 40);
    if (ea_writer_array(&w, "x", EA_I64, 1, &one, &v) != EA_ERR_NO_SPACE) return 1;
    ea_writer_init(&w, buf, sizeof buf);
    if (ea_writer_bytes(&w, "s", EA_UTF8, "\xC0\x80", 2) != EA_ERR_ARG) return 1; /* overlong */
    ea_writer_init(&w, buf, sizeof buf);
    ea_writer_array(&w, "a", EA_I64, 0, NULL, &v);
    ea_writer_array(&w, "ab", EA_I64, 0, NULL, &v); /* a prefix sorts first */
    {
        long n = ea_writer_finish(&w);
        ea_blob b;
        if (n <= 0 || ea_blob_open(&b, buf, (size_t)n) != EA_OK || b.entry_count != 2) return 1;
    }
    return 0;
}

int main(void) {
    static const struct { uint32_t program, erase; uint64_t cap; } configs[] = {
        {1, 4096, 4096}, {8, 4096, 4096}, {32, 4096, 8192}, {4, 512, 4096},
    };
    long cuts = 0, losses = 0;
    unsigned i;
    if (writer_checks()) { printf("writer checks failed\n"); return 1; }
    for (i = 0; i < sizeof configs / sizeof configs[0]; i++) {
        if (campaign(configs[i].program, configs[i].erase, configs[i].cap, &cuts, &losses)) {
            printf("setup failed in configuration %u\n", i);
            return 1;
        }
    }
    printf("power-loss: %ld cut points, %ld losses\n", cuts, losses);
    return losses ? 1 : 0;
}
