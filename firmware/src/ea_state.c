/* edgeadapt state blobs and stores, read in place. See docs/state-format.md. */
#include "edgeadapt/ea_state.h"

#include <string.h>

/* Layout constants of format 1.0 (docs/state-format.md, sections 1 and 2). */
enum {
    BLOB_HEADER_SIZE = 24,
    BLOB_CRC_SIZE = 4,
    ENTRY_HEADER_SIZE = 16,
    ALIGNMENT = 8,
    STORE_HEADER_SIZE = 64,
    STORE_HEADER_CRC_AT = 60,
    RECORD_SIZE = 32,
    RECORD_CRC_AT = 28,
    SLOT_COUNT = 2
};

static const char *const messages[] = {
    [0] = "ok",
    [-EA_ERR_ARG] = "invalid argument",
    [-EA_ERR_MAGIC] = "not an edgeadapt blob or store (wrong magic)",
    [-EA_ERR_TRUNCATED] = "truncated: shorter than its header declares",
    [-EA_ERR_CRC] = "CRC mismatch: the bytes are corrupt",
    [-EA_ERR_VERSION] = "written by an unknown format version: upgrade edgeadapt",
    [-EA_ERR_FORMAT] = "inconsistent fields: the bytes are corrupt",
    [-EA_ERR_NOT_FOUND] = "no entry of that name",
    [-EA_ERR_TYPE] = "entry has another dtype or size than expected",
    [-EA_ERR_NO_VALID_SLOT] = "no slot holds a good state: reset to the factory state",
};

const char *ea_strerror(int err) {
    size_t index = (size_t)(err <= 0 ? -err : 0);
    if (err > 0 || index >= sizeof messages / sizeof messages[0] || messages[index] == NULL) {
        return "unknown error";
    }
    return messages[index];
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }
static uint64_t align8(uint64_t n) { return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT; }

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

size_t ea_dtype_size(uint8_t dtype) {
    switch (dtype) {
        case EA_I8: case EA_U8: case EA_BOOL: case EA_BYTES: case EA_UTF8: return 1;
        case EA_I16: case EA_U16: return 2;
        case EA_F32: case EA_I32: case EA_U32: return 4;
        case EA_F64: case EA_I64: case EA_U64: return 8;
        default: return 0;
    }
}

const char *ea_dtype_name(uint8_t dtype) {
    static const char *const names[] = {
        [EA_F32] = "float32", [EA_F64] = "float64", [EA_I8] = "int8", [EA_I32] = "int32",
        [EA_I64] = "int64", [EA_U8] = "uint8", [EA_U32] = "uint32", [EA_U64] = "uint64",
        [EA_BOOL] = "bool", [EA_I16] = "int16", [EA_U16] = "uint16", [EA_BYTES] = "bytes",
        [EA_UTF8] = "utf8",
    };
    return dtype < sizeof names / sizeof names[0] ? names[dtype] : NULL;
}

/* Parse the entry at pos (relative to the blob), checking it against the payload end. */
static int parse_entry(const ea_blob *blob, size_t pos, size_t end, ea_entry *e, uint32_t *entry_size) {
    const uint8_t *p = blob->data + pos;
    uint64_t data_at, expect;
    unsigned i;
    if (end - pos < ENTRY_HEADER_SIZE) return EA_ERR_FORMAT;
    *entry_size = rd32(p);
    e->name_size = rd16(p + 4);
    e->dtype = p[6];
    e->ndim = p[7];
    e->data_size = rd64(p + 8);
    if (e->ndim > EA_MAX_NDIM || *entry_size % ALIGNMENT || *entry_size > end - pos || e->name_size == 0 ||
        e->name_size > EA_MAX_NAME_BYTES) {
        return EA_ERR_FORMAT;
    }
    if (ea_dtype_size(e->dtype) == 0) return EA_ERR_VERSION;
    data_at = align8(ENTRY_HEADER_SIZE + 4u * e->ndim + e->name_size);
    if (data_at > *entry_size || e->data_size > *entry_size - data_at) return EA_ERR_FORMAT;
    e->count = 1;
    for (i = 0; i < EA_MAX_NDIM; i++) {
        e->dims[i] = i < e->ndim ? rd32(p + ENTRY_HEADER_SIZE + 4u * i) : 0;
        if (i < e->ndim) e->count *= e->dims[i];
    }
    if (e->dtype == EA_BYTES || e->dtype == EA_UTF8) {
        if (e->ndim != 0) return EA_ERR_FORMAT;
        e->count = e->data_size;
    } else {
        expect = e->count * ea_dtype_size(e->dtype);
        if (expect != e->data_size) return EA_ERR_FORMAT;
    }
    e->name = (const char *)(p + ENTRY_HEADER_SIZE + 4u * e->ndim);
    e->data = p + data_at;
    return EA_OK;
}

int ea_blob_open(ea_blob *blob, const void *data, size_t size) {
    const uint8_t *p = (const uint8_t *)data;
    uint64_t payload, expected;
    uint32_t i;
    size_t pos, end;
    if (blob == NULL || data == NULL) return EA_ERR_ARG;
    if (size < 4 || memcmp(p, "EAST", 4) != 0) return EA_ERR_MAGIC;
    if (size < BLOB_HEADER_SIZE + BLOB_CRC_SIZE) return EA_ERR_TRUNCATED;
    blob->data = p;
    blob->major = rd16(p + 4);
    blob->minor = rd16(p + 6);
    blob->header_size = rd32(p + 8);
    blob->entry_count = rd32(p + 12);
    payload = rd64(p + 16);
    if (blob->major != EA_BLOB_FORMAT_MAJOR) return EA_ERR_VERSION;
    if (blob->header_size < BLOB_HEADER_SIZE || blob->header_size % ALIGNMENT) return EA_ERR_FORMAT;
    if (payload > (uint64_t)size) return EA_ERR_TRUNCATED;
    expected = blob->header_size + payload + BLOB_CRC_SIZE;
    if ((uint64_t)size < expected) return EA_ERR_TRUNCATED;
    if ((uint64_t)size > expected) return EA_ERR_FORMAT;
    blob->size = (size_t)expected;
    if (ea_crc32(0, p, blob->size - BLOB_CRC_SIZE) != rd32(p + blob->size - BLOB_CRC_SIZE)) return EA_ERR_CRC;
    pos = blob->header_size;
    end = blob->header_size + (size_t)payload;
    for (i = 0; i < blob->entry_count; i++) {
        ea_entry e;
        uint32_t entry_size;
        int err = parse_entry(blob, pos, end, &e, &entry_size);
        if (err) return err;
        pos += entry_size;
    }
    return pos == end ? EA_OK : EA_ERR_FORMAT;
}

int ea_blob_next(const ea_blob *blob, size_t *cursor, ea_entry *entry) {
    size_t end, pos;
    uint32_t entry_size;
    int err;
    if (blob == NULL || cursor == NULL || entry == NULL) return EA_ERR_ARG;
    end = blob->size - BLOB_CRC_SIZE;
    pos = *cursor == 0 ? blob->header_size : *cursor;
    if (pos >= end) return EA_ERR_NOT_FOUND;
    err = parse_entry(blob, pos, end, entry, &entry_size);
    if (err) return err;
    *cursor = pos + entry_size;
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

/* A slot is good when its record and payload checksums hold and the payload is a blob. */
static int read_slot(const uint8_t *p, size_t size, uint64_t offset, uint64_t capacity, unsigned index,
                     ea_blob *blob, uint64_t *sequence) {
    const uint8_t *r;
    uint64_t payload_size;
    if (offset > size || size - offset < RECORD_SIZE) return EA_ERR_NOT_FOUND; /* empty */
    r = p + offset;
    {
        unsigned i, any = 0;
        for (i = 0; i < RECORD_SIZE; i++) any |= r[i];
        if (!any) return EA_ERR_NOT_FOUND; /* empty */
    }
    if (memcmp(r, "EASL", 4) != 0 || rd32(r + 4) != index || ea_crc32(0, r, RECORD_CRC_AT) != rd32(r + RECORD_CRC_AT)) {
        return EA_ERR_CRC;
    }
    *sequence = rd64(r + 8);
    payload_size = rd64(r + 16);
    if (payload_size > capacity - RECORD_SIZE) return EA_ERR_FORMAT;
    if (size - offset - RECORD_SIZE < payload_size) return EA_ERR_TRUNCATED;
    if (ea_crc32(0, r + RECORD_SIZE, (size_t)payload_size) != rd32(r + 24)) return EA_ERR_CRC;
    return ea_blob_open(blob, r + RECORD_SIZE, (size_t)payload_size);
}

int ea_store_open(ea_store *store, const void *data, size_t size) {
    const uint8_t *p = (const uint8_t *)data;
    uint64_t factory_offset, factory_size, slots_offset, best = 0;
    unsigned k;
    int err, found = 0;
    if (store == NULL || data == NULL) return EA_ERR_ARG;
    if (size < 4 || memcmp(p, "EASF", 4) != 0) return EA_ERR_MAGIC;
    if (size < STORE_HEADER_SIZE) return EA_ERR_TRUNCATED;
    if (rd16(p + 4) != EA_STORE_FORMAT_MAJOR) return EA_ERR_VERSION;
    if (ea_crc32(0, p, STORE_HEADER_CRC_AT) != rd32(p + STORE_HEADER_CRC_AT)) return EA_ERR_CRC;
    factory_offset = rd64(p + 16);
    factory_size = rd64(p + 24);
    slots_offset = rd64(p + 32);
    store->slot_capacity = rd64(p + 40);
    if (rd32(p + 8) != STORE_HEADER_SIZE || factory_offset < STORE_HEADER_SIZE || factory_size > size ||
        slots_offset < factory_offset + factory_size || store->slot_capacity < RECORD_SIZE) {
        return EA_ERR_FORMAT;
    }
    if (slots_offset > size) return EA_ERR_TRUNCATED;
    err = ea_blob_open(&store->factory, p + factory_offset, (size_t)factory_size);
    if (err) return err;
    store->damaged_slots = 0;
    store->active_slot = -1;
    for (k = 0; k < SLOT_COUNT; k++) {
        ea_blob blob;
        uint64_t seq = 0;
        err = read_slot(p, size, slots_offset + k * store->slot_capacity, store->slot_capacity, k, &blob, &seq);
        if (err == EA_ERR_VERSION) return err;
        if (err == EA_ERR_NOT_FOUND) continue;
        if (err) {
            store->damaged_slots |= 1 << k;
            continue;
        }
        if (!found || seq > best) {
            found = 1;
            best = seq;
            store->current = blob;
            store->active_slot = (int)k;
        }
    }
    if (!found) return EA_ERR_NO_VALID_SLOT;
    store->sequence = best;
    return EA_OK;
}
