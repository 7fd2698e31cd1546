/* edgeadapt state blobs and stores, read in place. See docs/state-format.md.
 *
 * A validating parser for hostile input: every offset and size read from the bytes is a
 * uint64_t, compared with the bytes actually present (also a uint64_t) before any
 * pointer is formed from it, and no sum or product is computed unless it cannot wrap
 * (the checks below are written as subtractions of known-smaller values). The work is
 * linear in the input: one pass over the entries, names checked in order. The checks run
 * in the order listed in docs/state-format.md (1.3 and 2.2), the order the Python reader
 * uses, so both give the same verdict; tests/state/test_differential.py holds them to it. */
#include "ea_internal.h"

#include <string.h>

/* Compile-time checks that the generated layout is self-consistent (C99: no _Static_assert). */
#define EA_CHECK(name, cond) typedef char ea_check_##name[(cond) ? 1 : -1]
EA_CHECK(blob_header, EA_BLOB_HEADER_SIZE == EA_BLOB_HEADER_PAYLOAD_SIZE_AT + EA_BLOB_HEADER_PAYLOAD_SIZE_SIZE);
EA_CHECK(store_crc_last, EA_STORE_HEADER_HEADER_CRC_AT + EA_STORE_HEADER_HEADER_CRC_SIZE == EA_STORE_HEADER_SIZE);
EA_CHECK(record_crc_last, EA_RECORD_RECORD_CRC_AT + EA_RECORD_RECORD_CRC_SIZE == EA_RECORD_SIZE);
EA_CHECK(dim_u32, EA_BLOB_DIM_SIZE == 4);
EA_CHECK(alignment_pow2, (EA_BLOB_ALIGNMENT & (EA_BLOB_ALIGNMENT - 1)) == 0);
EA_CHECK(magic_sizes, EA_BLOB_HEADER_MAGIC_SIZE == 4 && EA_STORE_HEADER_MAGIC_SIZE == 4 && EA_RECORD_MAGIC_SIZE == 4);

#define EA_MESSAGE(name, text) [-(name)] = text,
static const char *const messages[] = {EA_ERROR_TABLE(EA_MESSAGE)};

const char *ea_strerror(int err) {
    const int count = (int)(sizeof messages / sizeof messages[0]);
    if (err > 0 || err <= -count) return "unknown error"; /* before negating: -INT_MIN overflows */
    return messages[-err] != NULL ? messages[-err] : "unknown error";
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + sizeof(uint32_t)) << 32); }
/* Only called with n <= 2^32 + small, so it cannot wrap. */
static uint64_t align8(uint64_t n) { return (n + EA_BLOB_ALIGNMENT - 1) / EA_BLOB_ALIGNMENT * EA_BLOB_ALIGNMENT; }

uint32_t ea_crc32(uint32_t crc, const void *data, size_t size) {
    const uint8_t *p = (const uint8_t *)data;
    crc = ~crc;
    while (size--) {
        int bit;
        crc ^= *p++;
        for (bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

/* bytes per item from the generated table: 0 for a byte string, -1 for an unknown code */
static int item_size(uint8_t dtype) {
    switch (dtype) {
#define EA_ITEM_CASE(name, code, text, item) case code: return item;
        EA_DTYPE_TABLE(EA_ITEM_CASE)
        default: return -1;
    }
}

size_t ea_dtype_size(uint8_t dtype) {
    int item = item_size(dtype);
    return item < 0 ? 0 : item == 0 ? 1 : (size_t)item;
}

const char *ea_dtype_name(uint8_t dtype) {
    switch (dtype) {
#define EA_NAME_CASE(name, code, text, item) case code: return text;
        EA_DTYPE_TABLE(EA_NAME_CASE)
        default: return NULL;
    }
}

int ea_utf8_valid(const uint8_t *s, uint64_t n) {
    uint64_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        uint64_t len;
        uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
        else return 0;
        if (n - i < len) return 0;
        if (s[i + 1] < lo || s[i + 1] > hi) return 0;
        if (len > 2 && (s[i + 2] & 0xC0) != 0x80) return 0;
        if (len > 3 && (s[i + 3] & 0xC0) != 0x80) return 0;
        i += len;
    }
    return 1;
}

/* Name rule shared with the encoder (docs/state-format.md 1.2): 1..EA_MAX_NAME_BYTES bytes,
 * no NUL, valid UTF-8. The length bounds were checked with the entry header. */
static int name_valid(const uint8_t *name, uint16_t size) {
    return memchr(name, 0, size) == NULL && ea_utf8_valid(name, size);
}

/* Strict byte order of names, as Python compares bytes: memcmp, then the shorter first. */
static int name_less(const uint8_t *a, uint16_t na, const uint8_t *b, uint16_t nb) {
    int c = memcmp(a, b, na < nb ? na : nb);
    return c < 0 || (c == 0 && na < nb);
}

/* Parse the entry at pos (relative to the blob); pos <= end <= blob->size - CRC. Fills the
 * lean view (no dims array: they are read from the bytes), so validation and the learners'
 * lookups keep little on the stack. */
static int parse_entry(const ea_blob *blob, size_t pos, size_t end, ea_i_ent *e, uint32_t *entry_size) {
    const uint8_t *p;
    uint32_t data_at, size, data_size, total;
    unsigned i;
    int item;
    if (end - pos < EA_ENTRY_SIZE) return EA_ERR_FORMAT;
    p = blob->data + pos; /* pos < end <= size: in the buffer */
    size = rd32(p + EA_ENTRY_ENTRY_SIZE_AT);
    e->name_size = rd16(p + EA_ENTRY_NAME_SIZE_AT);
    e->dtype = p[EA_ENTRY_DTYPE_AT];
    e->ndim = p[EA_ENTRY_NDIM_AT];
    /* data_size <= entry_size < 2^32: a high word is a damaged entry */
    e->data_size = rd32(p + EA_ENTRY_DATA_SIZE_AT);
    if (size % EA_BLOB_ALIGNMENT || size > end - pos || e->ndim > EA_MAX_NDIM || e->name_size == 0 ||
        e->name_size > EA_MAX_NAME_BYTES) {
        return EA_ERR_FORMAT;
    }
    item = item_size(e->dtype);
    if (item < 0) return EA_ERR_VERSION;
    /* all terms are small: 16 + 4*8 + 255 */
    data_at = (uint32_t)align8((uint64_t)EA_ENTRY_SIZE + (uint64_t)EA_BLOB_DIM_SIZE * e->ndim + e->name_size);
    if (data_at > size || e->data_size > size - data_at || rd32(p + EA_ENTRY_DATA_SIZE_AT + sizeof(uint32_t)) != 0) {
        return EA_ERR_FORMAT;
    }
    data_size = e->data_size;
    if (size - data_at - data_size >= EA_BLOB_ALIGNMENT || (size - data_at) % EA_BLOB_ALIGNMENT) {
        return EA_ERR_FORMAT; /* entry_size != data_at + align8(data_size) */
    }
    e->dim0 = e->ndim ? rd32(p + EA_ENTRY_SIZE) : 0;
    if (item == 0) {
        if (e->ndim != 0) return EA_ERR_FORMAT;
        total = data_size;
    } else {
        /* the product of the non-zero dims times the item size, each step kept at most
         * EA_MAX_ENTRY_BYTES (a division, not a product that could wrap); a zero dim
         * empties the array */
        uint32_t nonzero = (uint32_t)item;
        int empty = 0;
        for (i = 0; i < e->ndim; i++) {
            uint32_t d = rd32(p + EA_ENTRY_SIZE + (size_t)EA_BLOB_DIM_SIZE * i);
            if (d == 0) { empty = 1; continue; }
            if (d > EA_MAX_ENTRY_BYTES / nonzero) return EA_ERR_FORMAT;
            nonzero *= d;
        }
        total = empty ? 0 : nonzero;
        if (total != data_size) return EA_ERR_FORMAT;
        total /= (uint32_t)item;
    }
    e->count = total;
    e->name = p + EA_ENTRY_SIZE + (size_t)EA_BLOB_DIM_SIZE * e->ndim;
    e->data = p + data_at;
    *entry_size = size;
    return EA_OK;
}

/* Checks of an entry's data that need the whole entry: bool bytes, UTF-8 strings. */
static int check_data(const ea_i_ent *e) {
    const uint8_t *d = e->data;
    uint64_t i;
    if (e->dtype == EA_BOOL) {
        for (i = 0; i < e->data_size; i++) if (d[i] > 1) return EA_ERR_FORMAT;
    }
    if (e->dtype == EA_UTF8 && !ea_utf8_valid(d, e->data_size)) return EA_ERR_FORMAT;
    return EA_OK;
}

int ea_blob_open(ea_blob *blob, const void *data, size_t size) {
    const uint8_t *p = (const uint8_t *)data;
    uint64_t payload, header_size, avail = (uint64_t)size;
    size_t pos, end;
    const uint8_t *prev_name = NULL;
    uint16_t prev_size = 0;
    uint32_t i;
    if (blob == NULL || data == NULL) return EA_ERR_ARG;
    if (size < EA_BLOB_HEADER_MAGIC_SIZE || memcmp(p, EA_BLOB_MAGIC, EA_BLOB_HEADER_MAGIC_SIZE) != 0) return EA_ERR_MAGIC;
    if (size < EA_BLOB_HEADER_SIZE + EA_BLOB_CRC_SIZE) return EA_ERR_TRUNCATED;
    blob->data = p;
    blob->major = rd16(p + EA_BLOB_HEADER_FORMAT_MAJOR_AT);
    blob->minor = rd16(p + EA_BLOB_HEADER_FORMAT_MINOR_AT);
    blob->header_size = rd32(p + EA_BLOB_HEADER_HEADER_SIZE_AT);
    blob->entry_count = rd32(p + EA_BLOB_HEADER_ENTRY_COUNT_AT);
    payload = rd64(p + EA_BLOB_HEADER_PAYLOAD_SIZE_AT);
    header_size = blob->header_size;
    if (blob->major != EA_BLOB_FORMAT_MAJOR) return EA_ERR_VERSION;
    if (header_size < EA_BLOB_HEADER_SIZE || header_size % EA_BLOB_ALIGNMENT) return EA_ERR_FORMAT;
    /* expected = header_size + payload + CRC, compared without forming the sum */
    if (avail < header_size + EA_BLOB_CRC_SIZE || payload > avail - header_size - EA_BLOB_CRC_SIZE) {
        return EA_ERR_TRUNCATED;
    }
    if (avail - header_size - EA_BLOB_CRC_SIZE > payload) return EA_ERR_FORMAT; /* trailing bytes */
    blob->size = size;
    end = size - EA_BLOB_CRC_SIZE; /* = header_size + payload */
    if (ea_crc32(0, p, end) != rd32(p + end)) return EA_ERR_CRC;
    pos = (size_t)header_size;
    for (i = 0; i < blob->entry_count; i++) {
        ea_i_ent e;
        uint32_t entry_size;
        int err = parse_entry(blob, pos, end, &e, &entry_size);
        if (err) return err;
        if (!name_valid(e.name, e.name_size)) return EA_ERR_FORMAT;
        if (prev_name != NULL && !name_less(prev_name, prev_size, e.name, e.name_size)) {
            return EA_ERR_FORMAT; /* out of order, or a repeated name */
        }
        prev_name = e.name;
        prev_size = e.name_size;
        err = check_data(&e);
        if (err) return err;
        pos += entry_size;
    }
    return pos == end ? EA_OK : EA_ERR_FORMAT;
}

int ea_i_next(const ea_blob *blob, size_t *cursor, ea_i_ent *e) {
    size_t end, pos;
    uint32_t entry_size;
    int err;
    if (blob == NULL || cursor == NULL || e == NULL || blob->size < EA_BLOB_CRC_SIZE) return EA_ERR_ARG;
    end = blob->size - EA_BLOB_CRC_SIZE;
    pos = *cursor == 0 ? blob->header_size : *cursor;
    if (pos >= end) return EA_ERR_NOT_FOUND;
    err = parse_entry(blob, pos, end, e, &entry_size);
    if (err) return err;
    if (!name_valid(e->name, e->name_size)) return EA_ERR_FORMAT;
    *cursor = pos + entry_size;
    return EA_OK;
}

/* The learners' lookup (src/ea_internal.h): a scan of a blob ea_blob_open validated (names
 * included, so they are not checked again). */
int ea_i_get(const ea_blob *b, const char *prefix, const char *name, uint8_t dtype, size_t count, int mode,
             void *out) {
    ea_i_ent e;
    size_t pos, end, a, n;
    if (b == NULL || name == NULL || b->size < EA_BLOB_CRC_SIZE) return EA_ERR_ARG;
    if (prefix == NULL) prefix = "";
    a = strlen(prefix);
    n = strlen(name);
    end = b->size - EA_BLOB_CRC_SIZE;
    for (pos = b->header_size; pos < end;) {
        uint32_t entry_size, i;
        int err = parse_entry(b, pos, end, &e, &entry_size);
        if (err) return err;
        pos += entry_size;
        if (e.name_size != a + n || memcmp(e.name, prefix, a) != 0 || memcmp(e.name + a, name, n) != 0) continue;
        if (e.dtype != dtype) return EA_ERR_TYPE;
        if (mode == EA_I_ROWS) {
            if (e.ndim != 1) return EA_ERR_TYPE;
            *(uint32_t *)out = e.dim0;
            return EA_OK;
        }
        if (mode == EA_I_VIEW) {
            *(ea_i_ent *)out = e;
            return EA_OK;
        }
        if (e.count != count) return EA_ERR_TYPE;
        if (mode == EA_I_COPY) memcpy(out, e.data, e.data_size);
        for (i = 0; mode == EA_I_NONNEG && i < e.count; i++) {
            double v;
            memcpy(&v, e.data + (size_t)i * sizeof v, sizeof v);
            if (!(v >= 0.0)) return EA_ERR_FORMAT;
        }
        return EA_OK;
    }
    return EA_ERR_NOT_FOUND;
}

int ea_blob_next(const ea_blob *blob, size_t *cursor, ea_entry *entry) {
    ea_i_ent e;
    unsigned i;
    int err;
    if (entry == NULL) return EA_ERR_ARG;
    err = ea_i_next(blob, cursor, &e);
    if (err) return err;
    entry->name = (const char *)e.name;
    entry->name_size = e.name_size;
    entry->dtype = e.dtype;
    entry->ndim = e.ndim;
    for (i = 0; i < EA_MAX_NDIM; i++) { /* the dims sit just before the name */
        entry->dims[i] = i < e.ndim ? rd32(e.name - (size_t)EA_BLOB_DIM_SIZE * (e.ndim - i)) : 0;
    }
    entry->count = e.count;
    entry->data = e.data;
    entry->data_size = e.data_size;
    return EA_OK;
}

int ea_blob_find(const ea_blob *blob, const char *name, ea_entry *entry) {
    size_t cursor = 0, len;
    int err;
    if (name == NULL) return EA_ERR_ARG;
    len = strlen(name);
    while ((err = ea_blob_next(blob, &cursor, entry)) == EA_OK) {
        if (entry->name_size == len && memcmp(entry->name, name, len) == 0) return EA_OK;
    }
    return err;
}

int ea_blob_get(const ea_blob *blob, const char *name, uint8_t dtype, uint64_t count, ea_entry *entry) {
    int err = ea_blob_find(blob, name, entry);
    if (err) return err;
    return entry->dtype == dtype && entry->count == count ? EA_OK : EA_ERR_TYPE;
}

/* Keeps a helper's locals off the stack of its caller's other calls. */
#if defined(__GNUC__) || defined(__clang__)
#define EA_NOINLINE __attribute__((noinline))
#else
#define EA_NOINLINE
#endif

/* A slot's record: good when its checksums hold (the caller then opens the payload as a
 * blob, in its own frame). Returns EA_ERR_NOT_FOUND for an empty slot; *payload gets the
 * payload's start and *payload_size its size. offset may be anywhere (even past size). */
typedef struct slot_view {
    const uint8_t *payload;
    size_t payload_size;
    uint64_t sequence;
} slot_view;

EA_NOINLINE static int read_slot(const ea_store *store, const uint8_t *p, size_t bytes, unsigned index,
                                 slot_view *v) {
    const uint8_t *r;
    uint64_t payload_size, size = (uint64_t)bytes, capacity = store->slot_capacity;
    /* slots_offset <= size < 2^64 and index * capacity <= 2^32: the offset is compared, not
     * formed as a pointer, and cannot wrap for any 64-bit size a buffer can have */
    uint64_t offset = store->slots_offset + (uint64_t)index * capacity;
    uint64_t *sequence = &v->sequence;
    unsigned i, any = 0;
    if (offset > size || size - offset < EA_RECORD_SIZE) return EA_ERR_NOT_FOUND; /* empty */
    r = p + (size_t)offset;
    for (i = 0; i < EA_RECORD_SIZE; i++) any |= r[i];
    if (!any) return EA_ERR_NOT_FOUND; /* empty */
    if (memcmp(r + EA_RECORD_MAGIC_AT, EA_SLOT_MAGIC, EA_RECORD_MAGIC_SIZE) != 0 ||
        ea_crc32(0, r, EA_RECORD_RECORD_CRC_AT) != rd32(r + EA_RECORD_RECORD_CRC_AT) ||
        rd32(r + EA_RECORD_SLOT_INDEX_AT) != index) {
        return EA_ERR_CRC;
    }
    *sequence = rd64(r + EA_RECORD_SEQUENCE_AT);
    payload_size = rd64(r + EA_RECORD_PAYLOAD_SIZE_AT);
    if (*sequence == 0) return EA_ERR_FORMAT;
    if (payload_size > capacity - EA_RECORD_SIZE) return EA_ERR_FORMAT; /* capacity >= MIN > RECORD */
    if (size - offset - EA_RECORD_SIZE < payload_size) return EA_ERR_TRUNCATED;
    if (ea_crc32(0, r + EA_RECORD_SIZE, (size_t)payload_size) != rd32(r + EA_RECORD_PAYLOAD_CRC_AT)) return EA_ERR_CRC;
    v->payload = r + EA_RECORD_SIZE;
    v->payload_size = (size_t)payload_size;
    return EA_OK;
}

/* The store header's checks (docs/state-format.md 2.2, in the Python reader's order); fills
 * the store's slot geometry and the factory blob's place. Its own frame: the header's
 * 64-bit fields are not on the stack of the slots' validation. */
EA_NOINLINE static int store_header(ea_store *store, const uint8_t *p, size_t size, size_t *factory_at, size_t *factory_size) {
    uint64_t avail = (uint64_t)size, factory_offset, f_size, slots_offset, cap;
    if (size < EA_STORE_HEADER_MAGIC_SIZE || memcmp(p, EA_STORE_MAGIC, EA_STORE_HEADER_MAGIC_SIZE) != 0) return EA_ERR_MAGIC;
    if (size < EA_STORE_HEADER_SIZE) return EA_ERR_TRUNCATED;
    if (rd16(p + EA_STORE_HEADER_FORMAT_MAJOR_AT) != EA_STORE_FORMAT_MAJOR) return EA_ERR_VERSION;
    if (ea_crc32(0, p, EA_STORE_HEADER_HEADER_CRC_AT) != rd32(p + EA_STORE_HEADER_HEADER_CRC_AT)) return EA_ERR_CRC;
    factory_offset = rd64(p + EA_STORE_HEADER_FACTORY_OFFSET_AT);
    f_size = rd64(p + EA_STORE_HEADER_FACTORY_SIZE_AT);
    slots_offset = rd64(p + EA_STORE_HEADER_SLOTS_OFFSET_AT);
    cap = rd64(p + EA_STORE_HEADER_SLOT_CAPACITY_AT);
    if (rd32(p + EA_STORE_HEADER_HEADER_SIZE_AT) != EA_STORE_HEADER_SIZE || factory_offset < EA_STORE_HEADER_SIZE ||
        factory_offset % EA_BLOB_ALIGNMENT || slots_offset < factory_offset ||
        f_size > slots_offset - factory_offset || slots_offset % EA_SLOT_ALIGNMENT ||
        cap < EA_MIN_SLOT_CAPACITY || cap > EA_MAX_SLOT_CAPACITY || (cap & (cap - 1)) != 0) {
        return EA_ERR_FORMAT;
    }
    if (slots_offset > avail) return EA_ERR_TRUNCATED;
    store->slot_capacity = cap;
    store->slots_offset = slots_offset;
    /* factory_offset + factory_size <= slots_offset <= size: both fit a size_t */
    *factory_at = (size_t)factory_offset;
    *factory_size = (size_t)f_size;
    return EA_OK;
}

int ea_store_open(ea_store *store, const void *data, size_t size) {
    const uint8_t *p = (const uint8_t *)data;
    unsigned k;
    int err, found = 0;
    if (store == NULL || data == NULL) return EA_ERR_ARG;
    { /* a block of its own: its stack slots are shared with the slots' loop */
        size_t factory_at = 0, factory_size = 0;
        err = store_header(store, p, size, &factory_at, &factory_size);
        if (err) return err;
        store->factory_err = ea_blob_open(&store->factory, p + factory_at, factory_size);
    }
    if (store->factory_err) memset(&store->factory, 0, sizeof store->factory);
    store->damaged_slots = 0;
    store->active_slot = -1;
    store->sequence = 0;
    for (k = 0; k < EA_SLOT_COUNT; k++) {
        ea_blob blob;
        slot_view v;
        err = read_slot(store, p, size, k, &v);
        if (!err) err = ea_blob_open(&blob, v.payload, v.payload_size);
        if (err == EA_ERR_VERSION) return err;
        if (err == EA_ERR_NOT_FOUND) continue;
        if (err) {
            store->damaged_slots |= 1 << k;
            continue;
        }
        if (!found || v.sequence > store->sequence) { /* a tie keeps the lower slot, as Python does */
            found = 1;
            store->sequence = v.sequence;
            store->current = blob;
            store->active_slot = (int)k;
        }
    }
    if (!found) return EA_ERR_NO_VALID_SLOT;
    return EA_OK;
}
