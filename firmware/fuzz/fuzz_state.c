/* libFuzzer harness of the C reader: any bytes, as a blob and as a store.
 *
 * Build and run (see docs/reliability.md for the campaign):
 *   make -C firmware fuzz BUILD=/tmp/ea-fuzz
 *   /tmp/ea-fuzz/fuzz_state -max_len=65536 CORPUS_DIR tests/fuzz/seeds
 * Every entry of an accepted blob is walked and every data byte read, so that a view
 * pointing outside the input is an AddressSanitizer report, not a silent pass. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeadapt/ea_state.h"

static volatile uint64_t sink;

static void walk(const ea_blob *blob) {
    size_t cursor = 0;
    ea_entry e;
    uint64_t sum = 0, i, entries = 0;
    while (ea_blob_next(blob, &cursor, &e) == EA_OK) {
        const uint8_t *d = (const uint8_t *)e.data;
        for (i = 0; i < e.name_size; i++) sum += (uint8_t)e.name[i];
        for (i = 0; i < e.data_size; i++) sum += d[i];
        if (e.dtype != EA_BYTES && e.dtype != EA_UTF8 && e.count * ea_dtype_size(e.dtype) != e.data_size) __builtin_trap();
        entries++;
    }
    if (entries != blob->entry_count) __builtin_trap(); /* open accepted it: next must walk it all */
    sink += sum;
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32; }
static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }

/* Mutations break CRCs, and a fuzzer cannot fix a CRC: recompute the blob's CRC where its
 * header says it is, so that the checks after the CRC are reached too. */
static void fix_blob(uint8_t *p, uint64_t size) {
    uint64_t header, payload;
    if (size < EA_BLOB_HEADER_SIZE + EA_BLOB_CRC_SIZE || memcmp(p, EA_BLOB_MAGIC, 4) != 0) return;
    header = get32(p + EA_BLOB_HEADER_HEADER_SIZE_AT);
    payload = get64(p + EA_BLOB_HEADER_PAYLOAD_SIZE_AT);
    if (header > size || payload > size - header || size - header - payload < EA_BLOB_CRC_SIZE) return;
    put32(p + header + payload, ea_crc32(0, p, (size_t)(header + payload)));
}

static void fix_store(uint8_t *p, uint64_t size) {
    uint64_t f_off, f_size, s_off, cap, k;
    if (size < EA_STORE_HEADER_SIZE || memcmp(p, EA_STORE_MAGIC, 4) != 0) return;
    put32(p + EA_STORE_HEADER_HEADER_CRC_AT, ea_crc32(0, p, EA_STORE_HEADER_HEADER_CRC_AT));
    f_off = get64(p + EA_STORE_HEADER_FACTORY_OFFSET_AT);
    f_size = get64(p + EA_STORE_HEADER_FACTORY_SIZE_AT);
    s_off = get64(p + EA_STORE_HEADER_SLOTS_OFFSET_AT);
    cap = get64(p + EA_STORE_HEADER_SLOT_CAPACITY_AT);
    if (f_off <= size && f_size <= size - f_off) fix_blob(p + f_off, f_size);
    for (k = 0; k < EA_SLOT_COUNT; k++) {
        uint64_t off, psize;
        uint8_t *r;
        if (cap > size || s_off > size - k * cap) break;
        off = s_off + k * cap;
        if (off > size || size - off < EA_RECORD_SIZE) break;
        r = p + off;
        psize = get64(r + EA_RECORD_PAYLOAD_SIZE_AT);
        if (psize <= size - off - EA_RECORD_SIZE) {
            fix_blob(r + EA_RECORD_SIZE, psize);
            put32(r + EA_RECORD_PAYLOAD_CRC_AT, ea_crc32(0, r + EA_RECORD_SIZE, (size_t)psize));
        }
        put32(r + EA_RECORD_RECORD_CRC_AT, ea_crc32(0, r, EA_RECORD_RECORD_CRC_AT));
    }
}

static void check(const uint8_t *data, size_t size) {
    ea_blob blob;
    ea_store store;
    if (ea_blob_open(&blob, data, size) == EA_OK) walk(&blob);
    if (ea_store_open(&store, data, size) == EA_OK) {
        walk(&store.current);
        if (store.factory_err == EA_OK) walk(&store.factory);
        if (store.active_slot < 0 || store.active_slot >= (int)EA_SLOT_COUNT) __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *copy;
    check(data, size); /* as given: every CRC must be checked before use */
    copy = (uint8_t *)malloc(size ? size : 1); /* exact size: ASan sees any overread */
    if (copy == NULL) return 0;
    memcpy(copy, data, size);
    if (size >= 4 && memcmp(copy, EA_STORE_MAGIC, 4) == 0) fix_store(copy, size); else fix_blob(copy, size);
    check(copy, size);
    free(copy);
    return 0;
}
