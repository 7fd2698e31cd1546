/* A RAM stand-in for the port functions of minimal.c, to link it for a size measurement
 * (bench/bench_firmware.py) and to run it on the host (tests/firmware/test_c_example.py). */
#include <stdio.h>
#include <string.h>

#include "edgeadapt/ea_learn.h"

#define STORE_BYTES (3u * 8192u)
static uint8_t nor[STORE_BYTES];
static unsigned step;

int flash_read(void *ctx, uint64_t off, void *buf, size_t n) {
    (void)ctx;
    if (off >= STORE_BYTES) return 0;
    if (n > STORE_BYTES - off) n = (size_t)(STORE_BYTES - off);
    memcpy(buf, nor + off, n);
    return (int)n;
}
int flash_program(void *ctx, uint64_t off, const void *data, size_t n) {
    size_t i;
    (void)ctx;
    if (off > STORE_BYTES || n > STORE_BYTES - off) return EA_ERR_IO;
    for (i = 0; i < n; i++) nor[off + i] &= ((const uint8_t *)data)[i];
    return EA_OK;
}
int flash_erase(void *ctx, uint64_t off, size_t n) {
    (void)ctx;
    if (off > STORE_BYTES || n > STORE_BYTES - off) return EA_ERR_IO;
    memset(nor + off, 0xFF, n);
    return EA_OK;
}
int flash_sync(void *ctx) { (void)ctx; return EA_OK; }
void read_embedding(int8_t *x) {
    unsigned j;
    for (j = 0; j < 96; j++) x[j] = (int8_t)(((j * 7u + (step % 3u) * 50u) % 200u) - 100u);
    step++;
}
double perform(int action) { return action == 2 ? 1.0 : 0.25; }

#ifdef EA_EXAMPLE_MAIN
/* port_stub FACTORY_BLOB STEPS IMAGE_OUT: format the RAM flash with a factory state, run
 * app_step STEPS times (a power-on each), write the flash image. */
#include <stdlib.h>

typedef struct app app;
int app_step(app *a);
static union { uint64_t align; uint8_t bytes[1u << 17]; } app_memory, factory;

int main(int argc, char **argv) {
    ea_storage st = {0, flash_read, flash_program, flash_erase, flash_sync, 8, 4096, STORE_BYTES};
    FILE *f;
    size_t n;
    long i, steps;
    int err;
    if (argc != 4 || (f = fopen(argv[1], "rb")) == NULL) return 1;
    n = fread(factory.bytes, 1, sizeof factory.bytes, f);
    fclose(f);
    memset(nor, 0x5A, sizeof nor);
    {
        ea_format_config cfg = {8192}; /* slots of two erase blocks: room for the enrolled classes */
        err = ea_store_format(&st, &cfg, factory.bytes, n);
    }
    steps = strtol(argv[2], NULL, 10);
    for (i = 0; !err && i < steps; i++) err = app_step((app *)(void *)app_memory.bytes);
    if (err) { printf("error %d %s\n", err, ea_strerror(err)); return 2; }
    if ((f = fopen(argv[3], "wb")) == NULL || fwrite(nor, 1, sizeof nor, f) != sizeof nor) return 1;
    fclose(f);
    return 0;
}
#endif
