/* Reads the errors of a report's failing configs and marks those the base run did not have. */
#include "report_errors.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "run_facts.h"
#include "xalloc.h"

/* Whether the base run had this signature too (compare without a base: it did not). */
static bool in_base(const struct run_facts_cmp *compare, long signature_id)
{
	for (size_t i = 0; compare && compare->base && i < compare->nsigs; i++) {
		if (compare->sigs[i].sig && compare->sigs[i].sig->id == signature_id)
			return compare->sigs[i].change != RUN_FACTS_SIG_NEW;
	}
	return false;
}

int report_errors_load(struct db *db, const long *config_ids, size_t n, const struct run_facts_cmp *compare,
		       struct report_errors *out)
{
	json_t *seen = json_object();
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (size_t c = 0; c < n && c < REPORT_ERRORS_CONFIGS && !rc; c++) {
		json_t *cfg = NULL;
		size_t i;
		const json_t *e;

		rc = db_config_json(db, config_ids[c], &cfg);
		if (rc)
			break;
		json_array_foreach(json_object_get(cfg, "errors"), i, e) {
			long sig = (long)json_integer_value(json_object_get(e, "signature_id"));
			const char *file = json_string_value(json_object_get(e, "file"));
			const char *msg = json_string_value(json_object_get(e, "message"));
			char key[32];

			snprintf(key, sizeof(key), "%ld", sig);
			if (json_is_true(json_object_get(e, "secondary")) || !msg || json_object_get(seen, key))
				continue;
			json_object_set_new(seen, key, json_true());
			out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
			out->v[out->n].text = file && *file ? xasprintf("%s: %s", file, msg) : xstrdup(msg);
			out->v[out->n].is_new = !in_base(compare, sig);
			out->n++;
		}
		json_decref(cfg);
	}
	json_decref(seen);
	if (rc)
		report_errors_release(out);
	return rc;
}

void report_errors_release(struct report_errors *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free((char *)e->v[i].text);
	free(e->v);
	memset(e, 0, sizeof(*e));
}
