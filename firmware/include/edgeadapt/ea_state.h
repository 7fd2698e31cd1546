/* edgeadapt state blobs and stores, read in place (docs/state-format.md).
 *
 * The caller owns all memory: every function takes the bytes of a blob or of a whole
 * store file and returns views into them. Nothing is allocated, nothing is global.
 * Arrays are 8-byte aligned within a blob, so with an 8-byte aligned buffer an entry's
 * data can be cast to its element type directly (on a little-endian target).
 */
#ifndef EA_STATE_H
#define EA_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "ea_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Format versions this library reads (any minor of these majors). */
#define EA_BLOB_FORMAT_MAJOR 1
#define EA_STORE_FORMAT_MAJOR 1

/* One error enum: 0 is success, failures are negative. */
typedef enum ea_err {
    EA_OK = 0,
    EA_ERR_ARG = -1,           /* a NULL pointer or an index out of range */
    EA_ERR_MAGIC = -2,         /* not a blob / store: wrong magic */
    EA_ERR_TRUNCATED = -3,     /* shorter than its header declares */
    EA_ERR_CRC = -4,           /* checksum mismatch */
    EA_ERR_VERSION = -5,       /* unknown major version or dtype code */
    EA_ERR_FORMAT = -6,        /* inconsistent fields */
    EA_ERR_NOT_FOUND = -7,     /* no entry of that name */
    EA_ERR_TYPE = -8,          /* entry has another dtype or shape than asked */
    EA_ERR_NO_VALID_SLOT = -9  /* no slot of a store holds a good state */
} ea_err;

/* Human-readable message of an ea_err (never NULL). */
const char *ea_strerror(int err);

/* dtype codes of format 1.0 */
typedef enum ea_dtype {
    EA_F32 = 1, EA_F64 = 2, EA_I8 = 3, EA_I32 = 4, EA_I64 = 5, EA_U8 = 6,
    EA_U32 = 7, EA_U64 = 8, EA_BOOL = 9, EA_I16 = 10, EA_U16 = 11,
    EA_BYTES = 16, EA_UTF8 = 17
} ea_dtype;

/* Bytes per element of a numeric dtype, 1 for bytes/utf8, 0 for an unknown code. */
size_t ea_dtype_size(uint8_t dtype);
/* Name of a dtype as numpy spells it ("float32", ..., "bytes", "utf8"), or NULL. */
const char *ea_dtype_name(uint8_t dtype);

/* CRC-32 (IEEE 802.3), as zlib computes it; pass 0 as crc to start. */
uint32_t ea_crc32(uint32_t crc, const void *data, size_t size);

typedef struct ea_blob {
    const uint8_t *data;   /* first byte of the blob */
    size_t size;           /* bytes of the whole blob, CRC included */
    uint16_t major, minor;
    uint32_t header_size;
    uint32_t entry_count;
} ea_blob;

typedef struct ea_entry {
    const char *name;      /* NOT NUL-terminated: use name_size */
    uint16_t name_size;
    uint8_t dtype;
    uint8_t ndim;
    uint32_t dims[EA_MAX_NDIM];
    uint64_t count;        /* elements: product of dims (1 for a scalar), bytes for bytes/utf8 */
    const void *data;
    uint64_t data_size;
} ea_entry;

/* Validate a whole blob (magic, version, CRC, every entry) and fill *blob. */
int ea_blob_open(ea_blob *blob, const void *data, size_t size);

/* The entry at byte offset *cursor (start with 0); advances *cursor. Returns EA_OK,
 * or EA_ERR_NOT_FOUND after the last entry. */
int ea_blob_next(const ea_blob *blob, size_t *cursor, ea_entry *entry);

/* The entry named name (NUL-terminated). */
int ea_blob_find(const ea_blob *blob, const char *name, ea_entry *entry);

/* The entry named name, checked to be of dtype and to hold count elements. */
int ea_blob_get(const ea_blob *blob, const char *name, uint8_t dtype, uint64_t count, ea_entry *entry);

typedef struct ea_store {
    ea_blob factory;       /* the factory state */
    ea_blob current;       /* the newest good state */
    uint64_t sequence;     /* its sequence number */
    int active_slot;       /* 0 or 1 */
    int damaged_slots;     /* bit k set: slot k is damaged (not empty, not good) */
    uint64_t slot_capacity;
} ea_store;

/* Open a whole store file held in memory: the newest slot whose checksums hold. */
int ea_store_open(ea_store *store, const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* EA_STATE_H */
