/* Writing edgeadapt state: blobs encoded into a caller buffer, and the two-slot commit of
 * a store over a small storage interface (raw NOR flash, a file, RAM).
 * See docs/state-format.md (1 and 2.1). Nothing is allocated, nothing is global. */
#ifndef EA_WRITE_H
#define EA_WRITE_H

#include "ea_state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest program unit of a storage device the commit supports (bytes, a power of two
 * dividing EA_RECORD_SIZE): the tail of a payload is padded through a buffer of this
 * size on the stack. */
#ifndef EA_MAX_PROGRAM_SIZE
#define EA_MAX_PROGRAM_SIZE 32u
#endif

/* ------------------------------------------------------------------ blob writer */

/* Encodes one blob into buf. Entries must be added in strictly increasing byte order of
 * their names (the format's canonical order): equal states give identical blobs, and the
 * bytes are those Python's encode_blob writes. Errors are sticky: check ea_writer_finish. */
typedef struct ea_writer {
    uint8_t *buf;
    size_t capacity;
    size_t pos;            /* bytes written so far */
    uint32_t count;        /* entries */
    int err;               /* first error, sticky */
    size_t last_name_at;   /* offset of the previous entry's name (0: none yet) */
    uint16_t last_name_size;
    void *last_data;       /* data of the entry added last, 8-byte aligned in buf */
} ea_writer;

int ea_writer_init(ea_writer *w, void *buf, size_t capacity);

/* A numeric entry: ndim dims (ndim 0: a scalar), data in C order and little-endian, or NULL
 * for zeros (then fill it through w->last_data). */
int ea_writer_array(ea_writer *w, const char *name, uint8_t dtype, uint8_t ndim, const uint32_t *dims,
                    const void *data);

/* The same, named prefix + name (prefix may be NULL): the entries of a component inside
 * a composite state ("ncm.sums"), without assembling the name on the stack. */
int ea_writer_array_p(ea_writer *w, const char *prefix, const char *name, uint8_t dtype, uint8_t ndim,
                      const uint32_t *dims, const void *data);

/* A bytes or utf8 entry of size bytes. */
int ea_writer_bytes(ea_writer *w, const char *name, uint8_t dtype, const void *data, uint32_t size);

/* The same, named prefix + name (prefix may be NULL). */
int ea_writer_bytes_p(ea_writer *w, const char *prefix, const char *name, uint8_t dtype, const void *data,
                      uint32_t size);

/* Copy an entry read from another blob (same name, dtype, dims, data). */
int ea_writer_copy(ea_writer *w, const ea_entry *e);

/* Write the header and the CRC; returns the blob's size in bytes (> 0) or an error. */
long ea_writer_finish(ea_writer *w);

/* ------------------------------------------------------------------ storage */

/* A storage device. Offsets are bytes from the start of the store.
 * program(off, n): off and n are multiples of program_size (0 means 1).
 * erase(off, n): off and n are multiples of erase_size; NULL (and erase_size 0) for
 *   storage that is overwritten in place (a file, RAM). After erase the bytes read as
 *   erased_value (0xFF on NOR flash).
 * size: bytes of the device; 0 for a file that grows.
 * read returns the bytes it read (fewer at the end of a file), the others 0; all return a
 * negative ea_err (EA_ERR_IO) on failure. Locking: see ea_state.h. */
typedef struct ea_storage {
    void *ctx;
    int (*read)(void *ctx, uint64_t offset, void *buf, size_t size);
    int (*program)(void *ctx, uint64_t offset, const void *data, size_t size);
    int (*erase)(void *ctx, uint64_t offset, size_t size);
    int (*sync)(void *ctx);
    uint32_t program_size;
    uint32_t erase_size;
    uint64_t size;
} ea_storage;

/* Options of ea_store_format; zero means the default. */
typedef struct ea_format_config {
    uint64_t slot_capacity; /* 0: the capacity Python chooses (twice record + blob, a power of two >= 4096) */
} ea_format_config;

/* Bytes a store takes on a device: header, factory blob, two slots. */
int ea_store_layout(const ea_storage *st, const ea_format_config *cfg, size_t factory_size, uint64_t *slots_offset,
                    uint64_t *slot_capacity, uint64_t *total);

/* Create a store on st: the header, the factory blob (kept apart, never written again) and
 * the factory state in slot 0 with sequence 1, as Python's create does. The header is
 * programmed last, so an interrupted format leaves no store (a reader says MAGIC or CRC). */
int ea_store_format(const ea_storage *st, const ea_format_config *cfg, const void *factory, size_t factory_size);

/* Read the store into buf (capacity bytes; it needs slots_offset + 2 * slot_capacity, or the
 * device size if smaller) and open it as ea_store_open does; *size gets the bytes read. */
int ea_store_load(ea_store *store, const ea_storage *st, void *buf, size_t capacity, size_t *size);

/* Commit blob (a valid blob) as the next state: erase the slot not holding the newest good
 * state, program the payload, sync, program the commit record, sync (docs/state-format.md
 * 2.1). The newest good slot is never touched, so a power cut at any point leaves the old
 * or the new state. store must come from ea_store_load or ea_store_open on the same
 * device; on success it describes the new state (store->current points at blob). */
int ea_store_commit(ea_store *store, const ea_storage *st, const void *blob, size_t size);

/* A RAM device over a caller buffer (also the model of a file: program overwrites). */
typedef struct ea_ram {
    uint8_t *data;
    size_t size;
} ea_ram;
void ea_ram_storage(ea_storage *st, ea_ram *ram, void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* EA_WRITE_H */
