/* Boot variants that are the same experiment on one kernel: the rule of boot_share.h. */
#include "boot_share.h"

#include <stdbool.h>
#include <string.h>

#include "matrix.h"

/* Module names compare with '-' and '_' alike, as the kernel's module loader does. */
static bool same_module(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

static bool loadable(const char *name, const char *const *modules, size_t nmodules)
{
	for (size_t i = 0; i < nmodules; i++)
		if (same_module(name, modules[i]))
			return true;
	return false;
}

/* The next name of v's load list from index *k on that is a loadable module, or NULL. */
static const char *next_loaded(const struct matrix_variant *v, size_t *k, const char *const *modules,
			       size_t nmodules)
{
	for (; *k < v->nload; (*k)++)
		if (loadable(v->load[*k], modules, nmodules))
			return v->load[(*k)++];
	return NULL;
}

static bool same_boot(const struct matrix_variant *a, const struct matrix_variant *b, const char *const *modules,
		      size_t nmodules)
{
	size_t i = 0, k = 0;

	if (strcmp(a->modprobe ? a->modprobe : "", b->modprobe ? b->modprobe : "") != 0 || a->repeat != b->repeat ||
	    a->parallel != b->parallel)
		return false;
	for (;;) {
		const char *x = next_loaded(a, &i, modules, nmodules), *y = next_loaded(b, &k, modules, nmodules);

		if (!x || !y)
			return !x && !y;
		if (!same_module(x, y))
			return false;
	}
}

void boot_share_plan(const struct matrix_boot *boot, const char *const *modules, size_t nmodules, long *same)
{
	for (size_t i = 0; i < boot->nvariants; i++) {
		same[i] = -1;
		for (size_t p = 0; modules && p < i; p++) {
			if (same[p] < 0 && same_boot(&boot->variants[p], &boot->variants[i], modules, nmodules)) {
				same[i] = (long)p;
				break;
			}
		}
	}
}
