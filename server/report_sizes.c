/* The "Size changes" lines of a report: configs whose vmlinux grew against the same config in the base run. */
#include "report_sizes.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "artifacts.h"
#include "run_facts.h"
#include "xalloc.h"

#define MAX_METADATA (1024 * 1024)

/* vmlinux text + data + bss of a build job from its metadata.json; -1 when it does not say. */
static int64_t vmlinux_size(struct db *db, const char *data_dir, long build_job)
{
	char *text = artifacts_read(db, data_dir, build_job, "metadata.json", MAX_METADATA, NULL);
	json_t *md = text ? json_loads(text, 0, NULL) : NULL;
	const json_t *v = json_object_get(md, "vmlinux");
	static const char *const parts[] = { "text_size", "data_size", "bss_size" };
	int64_t total = 0;

	for (size_t i = 0; i < 3 && total >= 0; i++) {
		const json_t *n = json_object_get(v, parts[i]);

		total = json_is_integer(n) ? total + (int64_t)json_integer_value(n) : -1;
	}
	json_decref(md);
	free(text);
	return total;
}

static int by_growth_desc(const void *a, const void *b)
{
	const struct report_growth *x = a, *y = b;
	long long dx = x->after - x->before, dy = y->after - y->before;

	return (dx < dy) - (dx > dy);
}

int report_sizes_load(struct db *db, const char *data_dir, const struct run_facts_cmp *compare,
		      struct report_sizes *out)
{
	memset(out, 0, sizeof(*out));
	if (!compare || !compare->base)
		return 0;
	for (size_t i = 0; i < compare->nconfigs; i++) {
		const struct run_facts_cmp_config *c = &compare->configs[i];
		int64_t before, after;

		if (!c->base || !c->now->row.build_job || !c->base->row.build_job)
			continue;
		after = vmlinux_size(db, data_dir, c->now->row.build_job);
		before = after < 0 ? -1 : vmlinux_size(db, data_dir, c->base->row.build_job);
		if (before < 0 || after - before < REPORT_GROWTH_BYTES)
			continue;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = (struct report_growth){ c->now->row.point, c->now->row.id, (long long)before, (long long)after };
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), by_growth_desc);
	if (out->n > REPORT_MAX_GROWTH)
		out->n = REPORT_MAX_GROWTH;
	return 0;
}

void report_sizes_release(struct report_sizes *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
