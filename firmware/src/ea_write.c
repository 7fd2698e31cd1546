/* Writing edgeadapt blobs and committing them to a store (docs/state-format.md 1, 2.1).
 *
 * The writer emits exactly the bytes of Python's encode_blob (same canonical order, zero
 * padding, header, CRC); tests/firmware/test_c_write.py holds it to that. The commit is the
 * Python SlotStore's: the newest good slot is never touched; the other slot gets its
 * payload, a sync, its commit record, a sync. On storage with an erase operation (NOR
 * flash) the target slot's erase blocks are erased first, so slots and the factory blob
 * sit in distinct erase blocks (ea_store_layout aligns them). */
#include "edgeadapt/ea_write.h"

#include <string.h>

#define EA_CHECK(name, cond) typedef char ea_wcheck_##name[(cond) ? 1 : -1]
EA_CHECK(program_divides_record, EA_RECORD_SIZE % EA_MAX_PROGRAM_SIZE == 0);
EA_CHECK(program_pow2, (EA_MAX_PROGRAM_SIZE & (EA_MAX_PROGRAM_SIZE - 1)) == 0);
EA_CHECK(header_fits_program, EA_STORE_HEADER_SIZE % EA_MAX_PROGRAM_SIZE == 0);

/* Keeps a helper out of its caller, so its locals are not on the stack of the caller's
 * other calls (the deepest path is what counts on a small MCU stack). */
#if defined(__GNUC__) || defined(__clang__)
#define EA_NOINLINE __attribute__((noinline))
#else
#define EA_NOINLINE
#endif

/* Byte a device's erased cells read as (NOR flash); a device without erase reads 0. */
#define EA_ERASED 0xFFu

static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }
static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }
static uint64_t round_up(uint64_t n, uint64_t unit) { return (n + unit - 1) / unit * unit; }
static int pow2(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

/* ------------------------------------------------------------------ blob writer */

int ea_writer_init(ea_writer *w, void *buf, size_t capacity) {
    if (w == NULL || buf == NULL) return EA_ERR_ARG;
    memset(w, 0, sizeof *w);
    w->buf = (uint8_t *)buf;
    w->capacity = capacity;
    w->pos = EA_BLOB_HEADER_SIZE;
    if (capacity < EA_BLOB_HEADER_SIZE + EA_BLOB_CRC_SIZE) w->err = EA_ERR_NO_SPACE;
    return w->err;
}

static int fail(ea_writer *w, int err) {
    if (w->err == EA_OK) w->err = err;
    return w->err;
}

/* Is the previous entry's name (in buf) before prefix + name, in byte order? */
static int after_last(const ea_writer *w, const char *prefix, size_t a, const char *name, size_t b) {
    const uint8_t *last = w->buf + w->last_name_at;
    size_t m = w->last_name_size, n;
    int c;
    n = m < a ? m : a;
    c = memcmp(last, prefix, n);
    if (c != 0) return c < 0;
    if (m <= a) return m < a + b; /* the last name is a prefix of the new one (or equal when b == 0) */
    n = m - a < b ? m - a : b;
    c = memcmp(last + a, name, n);
    return c < 0 || (c == 0 && m - a < b);
}

/* An entry named prefix (a bytes) + name (b bytes), neither NUL-terminated necessarily. */
static int put(ea_writer *w, const char *prefix, size_t a, const char *name, size_t b, uint8_t dtype, uint8_t ndim,
               const uint32_t *dims, const void *data, uint64_t data_size) {
    size_t len = a + b, i;
    uint64_t head, entry_size;
    uint8_t *p;
    if (w->err) return w->err;
    /* valid UTF-8 pieces make a valid whole */
    if (len == 0 || len > EA_MAX_NAME_BYTES || memchr(prefix, 0, a) != NULL || memchr(name, 0, b) != NULL ||
        !ea_utf8_valid((const uint8_t *)prefix, a) || !ea_utf8_valid((const uint8_t *)name, b)) {
        return fail(w, EA_ERR_ARG);
    }
    if (w->last_name_at != 0 && !after_last(w, prefix, a, name, b)) return fail(w, EA_ERR_ARG);
    if (data_size > EA_MAX_ENTRY_BYTES) return fail(w, EA_ERR_NO_SPACE);
    head = round_up((uint64_t)EA_ENTRY_SIZE + (uint64_t)EA_BLOB_DIM_SIZE * ndim + len, EA_BLOB_ALIGNMENT);
    entry_size = head + round_up(data_size, EA_BLOB_ALIGNMENT);
    if (entry_size > EA_MAX_ENTRY_BYTES || entry_size > (uint64_t)(w->capacity - w->pos) ||
        (uint64_t)(w->capacity - w->pos) - entry_size < EA_BLOB_CRC_SIZE) {
        return fail(w, EA_ERR_NO_SPACE);
    }
    p = w->buf + w->pos;
    memset(p, 0, (size_t)entry_size);
    wr32(p + EA_ENTRY_ENTRY_SIZE_AT, (uint32_t)entry_size);
    wr16(p + EA_ENTRY_NAME_SIZE_AT, (uint16_t)len);
    p[EA_ENTRY_DTYPE_AT] = dtype;
    p[EA_ENTRY_NDIM_AT] = ndim;
    wr64(p + EA_ENTRY_DATA_SIZE_AT, data_size);
    for (i = 0; i < ndim; i++) wr32(p + EA_ENTRY_SIZE + EA_BLOB_DIM_SIZE * i, dims[i]);
    memcpy(p + EA_ENTRY_SIZE + EA_BLOB_DIM_SIZE * (size_t)ndim, prefix, a);
    memcpy(p + EA_ENTRY_SIZE + EA_BLOB_DIM_SIZE * (size_t)ndim + a, name, b);
    if (data != NULL && data_size != 0) memcpy(p + (size_t)head, data, (size_t)data_size);
    w->last_name_at = w->pos + EA_ENTRY_SIZE + EA_BLOB_DIM_SIZE * (size_t)ndim;
    w->last_name_size = (uint16_t)len;
    w->last_data = p + (size_t)head;
    w->pos += (size_t)entry_size;
    w->count++;
    return EA_OK;
}

static int array(ea_writer *w, const char *prefix, size_t a, const char *name, size_t b, uint8_t dtype,
                 uint8_t ndim, const uint32_t *dims, const void *data) {
    uint64_t bytes;
    size_t item = ea_dtype_size(dtype), i;
    if (w->err) return w->err;
    if (item == 0 || dtype == EA_BYTES || dtype == EA_UTF8 || ndim > EA_MAX_NDIM || (ndim && dims == NULL)) {
        return fail(w, EA_ERR_ARG);
    }
    bytes = item;
    for (i = 0; i < ndim; i++) {
        bytes *= dims[i];
        if (bytes > EA_MAX_ENTRY_BYTES) return fail(w, EA_ERR_NO_SPACE);
    }
    if (dtype == EA_BOOL && data != NULL) {
        const uint8_t *d = (const uint8_t *)data;
        for (i = 0; i < bytes; i++) if (d[i] > 1) return fail(w, EA_ERR_ARG);
    }
    return put(w, prefix, a, name, b, dtype, ndim, dims, data, bytes);
}

int ea_writer_array(ea_writer *w, const char *name, uint8_t dtype, uint8_t ndim, const uint32_t *dims,
                    const void *data) {
    return ea_writer_array_p(w, NULL, name, dtype, ndim, dims, data);
}

int ea_writer_array_p(ea_writer *w, const char *prefix, const char *name, uint8_t dtype, uint8_t ndim,
                      const uint32_t *dims, const void *data) {
    if (w == NULL) return EA_ERR_ARG;
    if (name == NULL) return fail(w, EA_ERR_ARG);
    if (prefix == NULL) prefix = "";
    return array(w, prefix, strlen(prefix), name, strlen(name), dtype, ndim, dims, data);
}

static int bytes_entry(ea_writer *w, const char *prefix, size_t a, const char *name, size_t b, uint8_t dtype,
                       const void *data, uint64_t size) {
    if (w->err) return w->err;
    if ((dtype != EA_BYTES && dtype != EA_UTF8) || (data == NULL && size != 0)) return fail(w, EA_ERR_ARG);
    if (dtype == EA_UTF8 && !ea_utf8_valid((const uint8_t *)data, size)) return fail(w, EA_ERR_ARG);
    return put(w, prefix, a, name, b, dtype, 0, NULL, data, size);
}

int ea_writer_bytes(ea_writer *w, const char *name, uint8_t dtype, const void *data, uint32_t size) {
    return ea_writer_bytes_p(w, NULL, name, dtype, data, size);
}

int ea_writer_bytes_p(ea_writer *w, const char *prefix, const char *name, uint8_t dtype, const void *data,
                      uint32_t size) {
    if (w == NULL) return EA_ERR_ARG;
    if (name == NULL) return fail(w, EA_ERR_ARG);
    if (prefix == NULL) prefix = "";
    return bytes_entry(w, prefix, strlen(prefix), name, strlen(name), dtype, data, size);
}

int ea_writer_copy(ea_writer *w, const ea_entry *e) {
    if (w == NULL) return EA_ERR_ARG;
    if (e == NULL || e->name == NULL) return fail(w, EA_ERR_ARG);
    if (e->dtype == EA_BYTES || e->dtype == EA_UTF8) {
        return bytes_entry(w, "", 0, e->name, e->name_size, e->dtype, e->data, e->data_size);
    }
    return array(w, "", 0, e->name, e->name_size, e->dtype, e->ndim, e->dims, e->data);
}

long ea_writer_finish(ea_writer *w) {
    uint8_t *p;
    if (w == NULL) return EA_ERR_ARG;
    if (w->err) return w->err;
    p = w->buf;
    memcpy(p, EA_BLOB_MAGIC, EA_BLOB_HEADER_MAGIC_SIZE);
    wr16(p + EA_BLOB_HEADER_FORMAT_MAJOR_AT, EA_BLOB_FORMAT_MAJOR);
    wr16(p + EA_BLOB_HEADER_FORMAT_MINOR_AT, EA_BLOB_FORMAT_MINOR);
    wr32(p + EA_BLOB_HEADER_HEADER_SIZE_AT, EA_BLOB_HEADER_SIZE);
    wr32(p + EA_BLOB_HEADER_ENTRY_COUNT_AT, w->count);
    wr64(p + EA_BLOB_HEADER_PAYLOAD_SIZE_AT, (uint64_t)(w->pos - EA_BLOB_HEADER_SIZE));
    wr32(p + w->pos, ea_crc32(0, p, w->pos));
    return (long)(w->pos + EA_BLOB_CRC_SIZE);
}

/* ------------------------------------------------------------------ storage helpers */

static uint32_t unit_of(const ea_storage *st) { return st->program_size ? st->program_size : 1u; }

static int check_storage(const ea_storage *st) {
    uint32_t unit;
    if (st == NULL || st->read == NULL || st->program == NULL || st->sync == NULL) return EA_ERR_ARG;
    unit = unit_of(st);
    if (!pow2(unit) || unit > EA_MAX_PROGRAM_SIZE) return EA_ERR_ARG;
    if ((st->erase == NULL) != (st->erase_size == 0)) return EA_ERR_ARG;
    if (st->erase_size && (!pow2(st->erase_size) || st->erase_size < unit)) return EA_ERR_ARG;
    return EA_OK;
}

/* Program size bytes at offset (a multiple of the program unit); a partial last unit is
 * padded with the erased value, or 0 on storage without erase, in scratch (at least
 * EA_MAX_PROGRAM_SIZE bytes the caller has free: no buffer on this frame). */
static int program(const ea_storage *st, uint64_t offset, const void *data, size_t size, uint8_t *scratch) {
    uint32_t unit = unit_of(st);
    size_t full = size - size % unit;
    int err;
    if (full) {
        err = st->program(st->ctx, offset, data, full);
        if (err) return err < 0 ? err : EA_ERR_IO;
    }
    if (full < size) {
        memset(scratch, st->erase ? EA_ERASED : 0, unit);
        memcpy(scratch, (const uint8_t *)data + full, size - full);
        err = st->program(st->ctx, offset + full, scratch, unit);
        if (err) return err < 0 ? err : EA_ERR_IO;
    }
    return EA_OK;
}

/* Program zeros over [offset, offset + size); offset and size multiples of the unit, so
 * each piece of scratch goes to the device as it is. */
static int program_zeros(const ea_storage *st, uint64_t offset, uint64_t size, uint8_t *scratch) {
    memset(scratch, 0, EA_MAX_PROGRAM_SIZE);
    while (size) {
        size_t n = size < EA_MAX_PROGRAM_SIZE ? (size_t)size : EA_MAX_PROGRAM_SIZE;
        int err = st->program(st->ctx, offset, scratch, n);
        if (err) return err < 0 ? err : EA_ERR_IO;
        offset += n;
        size -= n;
    }
    return EA_OK;
}

static int erase(const ea_storage *st, uint64_t offset, uint64_t size) {
    while (size) { /* block by block: a power cut interrupts one block at a time */
        int err = st->erase(st->ctx, offset, st->erase_size);
        if (err) return err < 0 ? err : EA_ERR_IO;
        offset += st->erase_size;
        size -= st->erase_size;
    }
    return EA_OK;
}

static int sync(const ea_storage *st) {
    int err = st->sync(st->ctx);
    return err ? (err < 0 ? err : EA_ERR_IO) : EA_OK;
}

static void record(uint8_t *r, unsigned index, uint64_t sequence, const void *payload, size_t size) {
    memcpy(r + EA_RECORD_MAGIC_AT, EA_SLOT_MAGIC, EA_RECORD_MAGIC_SIZE);
    wr32(r + EA_RECORD_SLOT_INDEX_AT, (uint32_t)index);
    wr64(r + EA_RECORD_SEQUENCE_AT, sequence);
    wr64(r + EA_RECORD_PAYLOAD_SIZE_AT, (uint64_t)size);
    wr32(r + EA_RECORD_PAYLOAD_CRC_AT, ea_crc32(0, payload, size));
    wr32(r + EA_RECORD_RECORD_CRC_AT, ea_crc32(0, r, EA_RECORD_RECORD_CRC_AT));
}

/* ------------------------------------------------------------------ store */

int ea_store_layout(const ea_storage *st, const ea_format_config *cfg, size_t factory_size, uint64_t *slots_offset,
                    uint64_t *slot_capacity, uint64_t *total) {
    uint64_t cap, align, s_off;
    int err = check_storage(st);
    if (err) return err;
    if (slots_offset == NULL || slot_capacity == NULL || total == NULL) return EA_ERR_ARG;
    if (cfg != NULL && cfg->slot_capacity) {
        cap = cfg->slot_capacity;
        if (!pow2(cap) || cap < EA_MIN_SLOT_CAPACITY || cap > EA_MAX_SLOT_CAPACITY) return EA_ERR_ARG;
    } else { /* Python's choice: at least EA_SLOT_GROWTH times record + blob */
        uint64_t need = (uint64_t)EA_SLOT_GROWTH * ((uint64_t)EA_RECORD_SIZE + factory_size);
        cap = EA_MIN_SLOT_CAPACITY;
        while (cap < need && cap < EA_MAX_SLOT_CAPACITY) cap *= 2;
    }
    if ((uint64_t)factory_size > cap - EA_RECORD_SIZE) return EA_ERR_NO_SPACE;
    align = st->erase_size > EA_SLOT_ALIGNMENT ? st->erase_size : EA_SLOT_ALIGNMENT;
    if (cap % align) return EA_ERR_ARG; /* an erase block larger than a slot */
    s_off = round_up((uint64_t)EA_STORE_HEADER_SIZE + factory_size, align);
    *slots_offset = s_off;
    *slot_capacity = cap;
    *total = s_off + EA_SLOT_COUNT * cap;
    if (st->size != 0 && *total > st->size) return EA_ERR_NO_SPACE;
    return EA_OK;
}

/* The writes of ea_store_format once its arguments are checked: the buffer for the header
 * and the record lives here, apart from the validation's stack. */
EA_NOINLINE static int format_body(const ea_storage *st, const void *factory, size_t factory_size, uint64_t s_off, uint64_t cap,
                       uint64_t total) {
    uint8_t buf[EA_STORE_HEADER_SIZE]; /* the slot record, then the store header */
    uint64_t end = round_up((uint64_t)EA_STORE_HEADER_SIZE + factory_size, unit_of(st));
    /* first make any previous store unreadable: erase everything, or zero the header */
    int err = st->erase ? erase(st, 0, total) : program_zeros(st, 0, EA_STORE_HEADER_SIZE, buf);
    if (!err) err = sync(st);
    if (!err) err = program(st, EA_STORE_HEADER_SIZE, factory, factory_size, buf);
    if (!err && !st->erase && end < s_off) err = program_zeros(st, end, s_off - end, buf); /* as Python pads */
    if (!err) err = program(st, s_off + EA_RECORD_SIZE, factory, factory_size, buf);
    if (!err) err = sync(st);
    record(buf, 0, 1, factory, factory_size);
    if (!err) err = program(st, s_off, buf, EA_RECORD_SIZE, NULL); /* whole units: no tail */
    if (!err && !st->erase && st->size != 0) err = program_zeros(st, s_off + cap, EA_RECORD_SIZE, buf); /* slot 1 empty */
    if (!err) err = sync(st);
    if (err) return err;
    memset(buf, 0, sizeof buf);
    memcpy(buf, EA_STORE_MAGIC, EA_STORE_HEADER_MAGIC_SIZE);
    wr16(buf + EA_STORE_HEADER_FORMAT_MAJOR_AT, EA_STORE_FORMAT_MAJOR);
    wr16(buf + EA_STORE_HEADER_FORMAT_MINOR_AT, EA_STORE_FORMAT_MINOR);
    wr32(buf + EA_STORE_HEADER_HEADER_SIZE_AT, EA_STORE_HEADER_SIZE);
    wr64(buf + EA_STORE_HEADER_FACTORY_OFFSET_AT, EA_STORE_HEADER_SIZE);
    wr64(buf + EA_STORE_HEADER_FACTORY_SIZE_AT, (uint64_t)factory_size);
    wr64(buf + EA_STORE_HEADER_SLOTS_OFFSET_AT, s_off);
    wr64(buf + EA_STORE_HEADER_SLOT_CAPACITY_AT, cap);
    wr32(buf + EA_STORE_HEADER_HEADER_CRC_AT, ea_crc32(0, buf, EA_STORE_HEADER_HEADER_CRC_AT));
    err = program(st, 0, buf, sizeof buf, NULL);
    return err ? err : sync(st);
}

/* Is data a valid blob? (its own frame: the ea_blob is not kept on the writes' stack) */
EA_NOINLINE static int valid_blob(const void *data, size_t size) {
    ea_blob blob;
    return ea_blob_open(&blob, data, size);
}

int ea_store_format(const ea_storage *st, const ea_format_config *cfg, const void *factory, size_t factory_size) {
    uint64_t s_off, cap, total;
    int err = ea_store_layout(st, cfg, factory_size, &s_off, &cap, &total);
    if (err) return err;
    if (factory == NULL) return EA_ERR_ARG;
    err = valid_blob(factory, factory_size);
    return err ? err : format_body(st, factory, factory_size, s_off, cap, total);
}

/* Read the store image into buf: the header, then as much as it declares (bounded by the
 * device and the buffer). Returns the bytes to open, or an error. */
EA_NOINLINE static long read_image(const ea_storage *st, uint8_t *p, size_t capacity) {
    uint64_t need;
    int got;
    if (capacity < EA_STORE_HEADER_SIZE) return EA_ERR_NO_SPACE;
    got = st->read(st->ctx, 0, p, EA_STORE_HEADER_SIZE);
    if (got < (int)EA_STORE_HEADER_SIZE) return got; /* an error, or MAGIC / TRUNCATED when opened */
    need = rd64(p + EA_STORE_HEADER_SLOTS_OFFSET_AT);
    /* a header whose fields are wrong is refused by ea_store_open before they are used */
    if (ea_crc32(0, p, EA_STORE_HEADER_HEADER_CRC_AT) != rd32(p + EA_STORE_HEADER_HEADER_CRC_AT) ||
        need > EA_MAX_SLOT_CAPACITY || rd64(p + EA_STORE_HEADER_SLOT_CAPACITY_AT) > EA_MAX_SLOT_CAPACITY) {
        return EA_STORE_HEADER_SIZE;
    }
    need += EA_SLOT_COUNT * rd64(p + EA_STORE_HEADER_SLOT_CAPACITY_AT);
    if (st->size != 0 && need > st->size) need = st->size;
    if (need > capacity) return EA_ERR_NO_SPACE;
    return st->read(st->ctx, 0, p, (size_t)need);
}

int ea_store_load(ea_store *store, const ea_storage *st, void *buf, size_t capacity, size_t *size) {
    long got;
    int err = check_storage(st);
    if (err) return err;
    if (store == NULL || buf == NULL || size == NULL) return EA_ERR_ARG;
    got = read_image(st, (uint8_t *)buf, capacity);
    if (got < 0) return (int)got;
    *size = (size_t)got;
    return ea_store_open(store, buf, (size_t)got);
}

/* The writes of a commit (erase, payload, sync, record, sync) into slot target. */
EA_NOINLINE static int commit_body(const ea_storage *st, uint64_t offset, uint64_t capacity, unsigned target, uint64_t sequence,
                       const void *blob, size_t size) {
    uint8_t rec[EA_RECORD_SIZE];
    int err = st->erase ? erase(st, offset, capacity) : EA_OK;
    if (!err) err = program(st, offset + EA_RECORD_SIZE, blob, size, rec); /* rec is free until the record */
    if (!err) err = sync(st);
    record(rec, target, sequence, blob, size);
    if (!err) err = program(st, offset, rec, sizeof rec, NULL);
    return err ? err : sync(st);
}

/* The ea_blob of a blob valid_blob accepted, from its header (what ea_blob_open fills). */
static void blob_view(ea_blob *b, const void *data, size_t size) {
    const uint8_t *p = (const uint8_t *)data;
    b->data = p;
    b->size = size;
    b->major = (uint16_t)(p[EA_BLOB_HEADER_FORMAT_MAJOR_AT] | (p[EA_BLOB_HEADER_FORMAT_MAJOR_AT + 1] << 8));
    b->minor = (uint16_t)(p[EA_BLOB_HEADER_FORMAT_MINOR_AT] | (p[EA_BLOB_HEADER_FORMAT_MINOR_AT + 1] << 8));
    b->header_size = rd32(p + EA_BLOB_HEADER_HEADER_SIZE_AT);
    b->entry_count = rd32(p + EA_BLOB_HEADER_ENTRY_COUNT_AT);
}

/* ea_store_commit once the blob is known to be valid */
EA_NOINLINE static int commit_checked(ea_store *store, const ea_storage *st, const void *blob, size_t size) {
    unsigned target;
    uint64_t offset;
    int err;
    /* a state larger than its slot, or the last sequence number: Python rebuilds the file;
     * on flash that is a new format (the caller decides) */
    if ((uint64_t)size > store->slot_capacity - EA_RECORD_SIZE || store->sequence == EA_MAX_SEQUENCE) {
        return EA_ERR_NO_SPACE;
    }
    if (st->erase_size && (store->slots_offset % st->erase_size || store->slot_capacity % st->erase_size)) {
        return EA_ERR_ARG; /* slots share erase blocks: written for storage without erase */
    }
    target = store->active_slot == 0 ? 1u : 0u;
    offset = store->slots_offset + (uint64_t)target * store->slot_capacity;
    if (st->size != 0 && (offset > st->size || st->size - offset < store->slot_capacity)) return EA_ERR_NO_SPACE;
    err = commit_body(st, offset, store->slot_capacity, target, store->sequence + 1, blob, size);
    if (err) return err;
    blob_view(&store->current, blob, size);
    store->sequence++;
    store->active_slot = (int)target;
    store->damaged_slots &= ~(1 << target);
    return EA_OK;
}

int ea_store_commit(ea_store *store, const ea_storage *st, const void *blob, size_t size) {
    int err = check_storage(st);
    if (err) return err;
    if (store == NULL || blob == NULL || store->active_slot < 0 || store->active_slot >= (int)EA_SLOT_COUNT) {
        return EA_ERR_ARG;
    }
    err = valid_blob(blob, size);
    return err ? err : commit_checked(store, st, blob, size);
}

/* ------------------------------------------------------------------ RAM device */

static int ram_read(void *ctx, uint64_t offset, void *buf, size_t size) {
    ea_ram *r = (ea_ram *)ctx;
    if (offset >= r->size) return 0;
    if (size > r->size - offset) size = (size_t)(r->size - offset);
    memcpy(buf, r->data + (size_t)offset, size);
    return (int)size;
}

static int ram_program(void *ctx, uint64_t offset, const void *data, size_t size) {
    ea_ram *r = (ea_ram *)ctx;
    if (offset > r->size || size > r->size - offset) return EA_ERR_NO_SPACE;
    memcpy(r->data + (size_t)offset, data, size);
    return EA_OK;
}

static int ram_sync(void *ctx) { (void)ctx; return EA_OK; }

void ea_ram_storage(ea_storage *st, ea_ram *ram, void *data, size_t size) {
    ram->data = (uint8_t *)data;
    ram->size = size;
    memset(st, 0, sizeof *st);
    st->ctx = ram;
    st->read = ram_read;
    st->program = ram_program;
    st->sync = ram_sync;
    st->size = size;
}
