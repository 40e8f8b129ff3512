/* Small string tests the farm's readers share. */
#include "strutil.h"

#include <string.h>

bool str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}
