/* Small string tests and the string hash the farm's readers share. */
#ifndef KM_STRUTIL_H
#define KM_STRUTIL_H

#include <stdbool.h>
#include <stdint.h>

/* Whether s ends with suffix ("drivers/cxl/region.c" ends with ".c"). */
bool str_ends_with(const char *s, const char *suffix);

/* Whether s starts with prefix ("savedcmd_x.o := gcc" with "savedcmd_"). */
bool str_starts_with(const char *s, const char *prefix);

/* The last component of a path: "region.c" of "drivers/cxl/core/region.c". */
const char *path_base_name(const char *path);

/* FNV-1a of s: the farm's in-memory hash tables index by it. */
uint64_t str_hash(const char *s);

#endif
