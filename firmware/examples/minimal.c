/* A minimal firmware loop: open the state from flash, classify an int8 embedding, enroll a
 * new prototype when nothing is close, let a UCB1 bandit pick an action and learn from its
 * reward, and commit the new state power-loss safe. The flash driver (flash_read,
 * flash_program, flash_erase) and the sensors are the port's; everything else is here.
 * bench/bench_firmware.py links this file for a Cortex-M3 to measure the library's code
 * size in a real program. */
#include "edgeadapt/ea_learn.h"

#define DIM 96
#define MAX_CLASSES 8
#define ARMS 4
#define STORE_BYTES (3u * 8192u) /* header + factory block, two slots of 8 KiB */
/* squared L2 distance above which an embedding starts a new class */
#define NEW_CLASS_DISTANCE 200000

/* the port: a NOR flash with 4 KiB erase blocks, 8-byte program unit */
int flash_read(void *ctx, uint64_t offset, void *buf, size_t size);
int flash_program(void *ctx, uint64_t offset, const void *data, size_t size);
int flash_erase(void *ctx, uint64_t offset, size_t size);
int flash_sync(void *ctx);
void read_embedding(int8_t *x);
double perform(int action);

typedef struct app { /* all the memory the library uses, owned here */
    union { uint64_t align; uint8_t bytes[STORE_BYTES]; } image;
    union { uint64_t align; uint8_t bytes[8192]; } blob;
    int8_t protos[MAX_CLASSES * DIM];
    int32_t sums[MAX_CLASSES * DIM], counts[MAX_CLASSES];
    double arm_counts[ARMS], arm_sums[ARMS];
    uint8_t active[ARMS];
} app;

int app_step(app *a) {
    ea_storage flash = {0, flash_read, flash_program, flash_erase, flash_sync, 8, 4096, STORE_BYTES};
    ea_store store;
    ea_q8ncm ncm;
    ea_bandit bandit;
    ea_writer w;
    int8_t x[DIM];
    int64_t distance = 0;
    size_t got;
    long size;
    uint64_t no_rng[6] = {0, 0, 0, 0, 0, 0};
    int err, label, action;
    /* 1. open: the newest good slot (the factory state was written with ea_store_format) */
    err = ea_store_load(&store, &flash, a->image.bytes, sizeof a->image.bytes, &got);
    if (err) return err;
    ea_q8ncm_init(&ncm, NULL, DIM, MAX_CLASSES, a->protos, a->sums, a->counts);
    ea_ucb1_init(&bandit, NULL, ARMS, ARMS, a->arm_counts, a->arm_sums, a->active, no_rng);
    if ((err = ea_q8ncm_load(&ncm, &store.current, "ncm.")) != EA_OK) return err;
    if ((err = ea_bandit_load(&bandit, &store.current, "bandit.")) != EA_OK) return err;
    /* 2. classify; 3. enroll a new prototype when nothing is close */
    read_embedding(x);
    label = ea_q8ncm_predict(&ncm, x, &distance);
    if (label < 0 || distance > NEW_CLASS_DISTANCE) label = ea_q8ncm_enroll(&ncm, x);
    else ea_q8ncm_update(&ncm, x, (uint32_t)label);
    /* 4. the bandit picks an action and learns from its reward */
    action = ea_ucb1_select(&bandit, NULL);
    if (action < 0) return action;
    ea_bandit_update(&bandit, (uint32_t)action, perform(action));
    /* 5. commit: entries in name order ("bandit." < "ncm."), then the two-slot write */
    ea_writer_init(&w, a->blob.bytes, sizeof a->blob.bytes);
    ea_bandit_save(&bandit, &w, "bandit.");
    ea_q8ncm_save(&ncm, &w, "ncm.");
    size = ea_writer_finish(&w);
    if (size < 0) return (int)size;
    return ea_store_commit(&store, &flash, a->blob.bytes, (size_t)size);
}
