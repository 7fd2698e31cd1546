/* Compile-time limits of the edgeadapt C library. Override any of them with -D or in a
 * header named by EA_USER_CONFIG (e.g. -DEA_USER_CONFIG='"my_ea_config.h"'). */
#ifndef EA_CONFIG_H
#define EA_CONFIG_H

#ifdef EA_USER_CONFIG
#include EA_USER_CONFIG
#endif

/* Most dimensions of one array: fixed by state format 1.x. */
#ifndef EA_MAX_NDIM
#define EA_MAX_NDIM 8
#endif

/* Longest entry name in bytes: fixed by state format 1.x. */
#ifndef EA_MAX_NAME_BYTES
#define EA_MAX_NAME_BYTES 255
#endif

#endif /* EA_CONFIG_H */
