/* Minimal start-up for QEMU's mps2-an385 (Cortex-M3) running a test's main() with newlib's
 * semihosting (rdimon) stdio, reporting main's return value as QEMU's exit status through
 * the semihosting call SYS_EXIT_EXTENDED. Test harness only: not part of the library. */
#include <stdint.h>
#include <stdio.h>

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top;
extern int main(void);
extern void initialise_monitor_handles(void);
void reset_handler(void);
static void fault_handler(void);

/* semihosting operation numbers (ARM "Semihosting for AArch32 and AArch64") */
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

static void semihost_exit(int status) {
    uint32_t block[2];
    block[0] = ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)status;
    __asm__ volatile("mov r0, %0\n mov r1, %1\n bkpt 0xAB" : : "r"(SYS_EXIT_EXTENDED), "r"(block) : "r0", "r1", "memory");
    for (;;) {
    }
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(&__stack_top), reset_handler, fault_handler, fault_handler, fault_handler, fault_handler,
    fault_handler,
};

static void fault_handler(void) { semihost_exit(99); }

void reset_handler(void) {
    uint32_t *src = &__data_load, *dst = &__data_start;
    while (dst < &__data_end) *dst++ = *src++;
    for (dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
    initialise_monitor_handles();
    {
        int status = main();
        fflush(stdout);
        semihost_exit(status);
    }
}
