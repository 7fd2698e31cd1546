/* Compile-time options of the edgeadapt C library. Override any of them with -D or in a
 * header named by EA_USER_CONFIG (e.g. -DEA_USER_CONFIG='"my_ea_config.h"').
 *
 * The limits fixed by the state format (EA_MAX_NDIM, EA_MAX_NAME_BYTES, ...) are not
 * options: they come from spec/state/layout.toml through the generated ea_layout.h. */
#ifndef EA_CONFIG_H
#define EA_CONFIG_H

#ifdef EA_USER_CONFIG
#include EA_USER_CONFIG
#endif

#endif /* EA_CONFIG_H */
