/* ea_dump: print a state blob or store file as JSON, using only the C library.
 * Host-side tool for the parity tests: `ea_dump blob FILE...` or `ea_dump store FILE...`,
 * one output line per file.
 * Output per entry: {"dtype": ..., "shape": [...], "flat": [...]} (bytes/utf8: "hex"; floats
 * also "bits", the raw little-endian words, and NaN/inf in "flat" as strings).
 * A file the library refuses prints `error CODE MESSAGE`; the exit status is then 2. */
#include <float.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "edgeadapt/ea_state.h"

#ifndef EA_DUMP_MAX_BYTES
#define EA_DUMP_MAX_BYTES (16u * 1024u * 1024u)
#endif

/* 8-byte aligned, caller-owned buffer: the library reads the file in place. */
static union {
    uint64_t align;
    uint8_t bytes[EA_DUMP_MAX_BYTES];
} buffer;

/* JSON has no NaN or infinity: those are written as the strings numpy parses back. */
static void print_float(double v, const char *format) {
    if (v != v) printf("\"nan\"");
    else if (v > DBL_MAX) printf("\"inf\"");
    else if (v < -DBL_MAX) printf("\"-inf\"");
    else printf(format, v);
}

static void print_value(const ea_entry *e, uint64_t i) {
    const uint8_t *d = (const uint8_t *)e->data;
    switch (e->dtype) {
        case EA_F32: { float v; memcpy(&v, d + 4 * i, 4); print_float((double)v, "%.9g"); break; }
        case EA_F64: { double v; memcpy(&v, d + 8 * i, 8); print_float(v, "%.17g"); break; }
        case EA_I8: printf("%d", (int)(int8_t)d[i]); break;
        case EA_U8: printf("%u", (unsigned)d[i]); break;
        case EA_BOOL: printf("%s", d[i] ? "true" : "false"); break;
        case EA_I16: { int16_t v; memcpy(&v, d + 2 * i, 2); printf("%d", (int)v); break; }
        case EA_U16: { uint16_t v; memcpy(&v, d + 2 * i, 2); printf("%u", (unsigned)v); break; }
        case EA_I32: { int32_t v; memcpy(&v, d + 4 * i, 4); printf("%" PRId32, v); break; }
        case EA_U32: { uint32_t v; memcpy(&v, d + 4 * i, 4); printf("%" PRIu32, v); break; }
        case EA_I64: { int64_t v; memcpy(&v, d + 8 * i, 8); printf("%" PRId64, v); break; }
        case EA_U64: { uint64_t v; memcpy(&v, d + 8 * i, 8); printf("%" PRIu64, v); break; }
        default: break;
    }
}

/* A JSON string: the name is valid UTF-8 (the library checked it); escape the rest. */
static void print_json_string(const char *s, size_t n) {
    size_t i;
    putchar('"');
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static int print_blob(const ea_blob *blob) {
    size_t cursor = 0;
    ea_entry e;
    int err, first = 1;
    printf("{");
    while ((err = ea_blob_next(blob, &cursor, &e)) == EA_OK) {
        uint64_t i;
        unsigned k;
        printf("%s", first ? "" : ", ");
        print_json_string(e.name, e.name_size);
        printf(": {\"dtype\": \"%s\", ", ea_dtype_name(e.dtype));
        first = 0;
        if (e.dtype == EA_BYTES || e.dtype == EA_UTF8) {
            printf("\"hex\": \"");
            for (i = 0; i < e.data_size; i++) printf("%02x", ((const uint8_t *)e.data)[i]);
            printf("\"}");
            continue;
        }
        printf("\"shape\": [");
        for (k = 0; k < e.ndim; k++) printf("%s%" PRIu32, k ? ", " : "", e.dims[k]);
        printf("], \"flat\": [");
        for (i = 0; i < e.count; i++) {
            if (i) printf(", ");
            print_value(&e, i);
        }
        printf("]");
        if (e.dtype == EA_F32 || e.dtype == EA_F64) { /* the exact bits too: NaN payloads, -0.0 */
            printf(", \"bits\": [");
            for (i = 0; i < e.count; i++) {
                const uint8_t *d = (const uint8_t *)e.data;
                if (e.dtype == EA_F32) { uint32_t b; memcpy(&b, d + 4 * i, 4); printf("%s%" PRIu32, i ? ", " : "", b); }
                else { uint64_t b; memcpy(&b, d + 8 * i, 8); printf("%s%" PRIu64, i ? ", " : "", b); }
            }
            printf("]");
        }
        printf("}");
    }
    printf("}");
    return err == EA_ERR_NOT_FOUND ? EA_OK : err;
}

/* Print one file as one line: JSON, or `error CODE MESSAGE`. Returns the ea_err. */
static int dump(const char *kind, const char *path) {
    FILE *f;
    size_t size;
    int err;
    f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return EA_ERR_ARG;
    }
    size = fread(buffer.bytes, 1, sizeof buffer.bytes, f);
    if (size == sizeof buffer.bytes && fgetc(f) != EOF) {
        fclose(f);
        fprintf(stderr, "%s: larger than the %u bytes ea_dump reads\n", path, (unsigned)sizeof buffer.bytes);
        return EA_ERR_ARG;
    }
    fclose(f);
    if (strcmp(kind, "blob") == 0) {
        ea_blob blob;
        err = ea_blob_open(&blob, buffer.bytes, size);
        if (!err) err = print_blob(&blob);
    } else {
        ea_store store;
        err = ea_store_open(&store, buffer.bytes, size);
        if (!err) {
            printf("{\"sequence\": %" PRIu64 ", \"active_slot\": %d, \"damaged_slots\": %d, \"state\": ", store.sequence,
                   store.active_slot, store.damaged_slots);
            err = print_blob(&store.current);
            printf(", \"factory_err\": %d, \"factory\": ", store.factory_err);
            if (!err && store.factory_err == EA_OK) err = print_blob(&store.factory);
            else if (!err) printf("null");
            printf("}");
        }
    }
    if (err) {
        printf("error %d %s\n", err, ea_strerror(err));
        return err;
    }
    printf("\n");
    return EA_OK;
}

int main(int argc, char **argv) {
    int i, worst = 0;
    if (argc < 3 || (strcmp(argv[1], "blob") != 0 && strcmp(argv[1], "store") != 0)) {
        fprintf(stderr, "usage: ea_dump blob|store FILE...\n");
        return 1;
    }
    for (i = 2; i < argc; i++) {
        int err = dump(argv[1], argv[i]);
        if (err == EA_ERR_ARG) return 1;
        if (err) worst = 2;
        fflush(stdout);
    }
    return worst;
}
