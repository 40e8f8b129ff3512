/* Small string tests and the string hash the farm's readers share. */
#ifndef KM_STRUTIL_H
#define KM_STRUTIL_H

#include <stdbool.h>
#include <stdint.h>

/* Whether s ends with suffix ("drivers/cxl/region.c" ends with ".c"). */
bool str_ends_with(const char *s, const char *suffix);

/* FNV-1a of s: the farm's in-memory hash tables index by it. */
uint64_t str_hash(const char *s);

#endif
