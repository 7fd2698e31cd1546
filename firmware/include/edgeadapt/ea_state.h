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

/* Format versions, layout constants, dtype codes and the one error enum (ea_err: 0 is
 * success, failures negative) are generated from spec/state/layout.toml. */
#include "ea_layout.h"

/* Human-readable message of an ea_err (never NULL). */
const char *ea_strerror(int err);

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
    ea_blob factory;       /* the factory state; valid only when factory_err == EA_OK */
    int factory_err;       /* EA_OK, or why the factory blob is unusable (the store still opens) */
    ea_blob current;       /* the newest good state */
    uint64_t sequence;     /* its sequence number */
    int active_slot;       /* 0 or 1 */
    int damaged_slots;     /* bit k set: slot k is damaged (not empty, not good) */
    uint64_t slot_capacity;
    uint64_t slots_offset; /* where slot 0 starts */
} ea_store;

/* Open a whole store file held in memory: the newest good slot (docs/state-format.md 2.2).
 * Validates in the same order as the Python reader, so both accept the same files and
 * choose the same slot. A damaged factory blob does not fail the open: factory_err says
 * why, and a factory reset is then impossible. */
int ea_store_open(ea_store *store, const void *data, size_t size);

/* Is [data, data + size) valid UTF-8 (no overlong forms, no surrogates, <= U+10FFFF)? */
int ea_utf8_valid(const uint8_t *data, uint64_t size);

/* Storage contract for locking (docs/state-format.md, "Concurrent access").
 * This library only reads buffers the caller owns. A port that also writes stores must
 * give its storage layer an advisory lock with the semantics of the Python FileStore:
 * one writer or any number of readers; a writer holds it from before it reads the
 * newest slot until after its commit record is synced (the whole read-modify-write); a
 * second writer waits with a bound or fails at once, reporting who holds it; the lock
 * must stay valid across the rebuild that renames a new store file over the old one
 * (lock something that is not renamed, e.g. a sidecar file or an RTOS mutex).
 * Single-task firmware with one writer satisfies this trivially. */

#ifdef __cplusplus
}
#endif

#endif /* EA_STATE_H */
