/* Small string tests the farm's readers share. */
#ifndef KM_STRUTIL_H
#define KM_STRUTIL_H

#include <stdbool.h>

/* Whether s ends with suffix ("drivers/cxl/region.c" ends with ".c"). */
bool str_ends_with(const char *s, const char *suffix);

#endif
