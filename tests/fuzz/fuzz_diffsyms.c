/* Fuzz target: a pushed diff is outside input; extracting its symbols must never crash, leak or hang. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "diffsyms.h"
#include "xalloc.h"

/* The tree at head, for every path: a Makefile, a header and a Kconfig entry that the diff may touch. */
static char *read_any(void *ctx, const char *path, size_t *len)
{
	static const char makefile[] = "obj-$(CONFIG_A) += a.o\nb-$(CONFIG_B) += x.o y.o\nobj-y += sub/ \\\n  x.o\n";
	static const char header[] = "#ifdef CONFIG_G\nint x(int);\n#elif IS_ENABLED(CONFIG_H)\nint y(void);\n#endif\n";
	static const char kconfig[] = "config A\n\ttristate \"a\"\n\tdepends on B\n";
	const char *text = strstr(path, "Makefile") || strstr(path, "Kbuild") ? makefile
			   : strstr(path, "Kconfig")                         ? kconfig
									     : header;

	(void)ctx;
	*len = strlen(text);
	return xstrdup(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diffsyms_tree tree = { read_any, NULL, clock_now_s() + 5 };
	struct diffsyms *d = NULL;

	if (diffsyms_extract((const char *)data, size, &tree, &d) != 0)
		abort();
	for (size_t i = 0; i < d->nsyms; i++)
		if (!d->syms[i].name[0] || d->syms[i].nreasons == 0 || d->syms[i].nreasons > DIFFSYMS_MAX_REASONS)
			abort();
	diffsyms_free(d);
	return 0;
}
