/* Computes, per error signature, which combination of axis values breaks the build. */
#include "conditions.h"

#include <stdlib.h>

#include "condition.h"
#include "db.h"
#include "err.h"
#include "matrix.h"
#include "xalloc.h"

/* The axes of a run's matrix, as a NULL-terminated array of borrowed strings kept alive by *m. */
static const char **run_axes(struct db *db, long run_id, struct matrix **m)
{
	struct db_run run;
	json_t *bundle = NULL;
	const char **axes = NULL;

	*m = NULL;
	if (db_run_get(db, run_id, &run) != 0)
		return NULL;
	bundle = json_loads(run.matrix_bundle, 0, NULL);
	if (bundle && matrix_bundle_parse(bundle, m) == 0) {
		axes = xcalloc((*m)->naxes + 1, sizeof(*axes));
		for (size_t i = 0; i < (*m)->naxes; i++)
			axes[i] = (*m)->axes[i].symbol;
	}
	json_decref(bundle);
	db_run_release(&run);
	return axes;
}

static bool has_id(const json_t *ids, json_int_t id)
{
	size_t i;
	json_t *v;

	json_array_foreach(ids, i, v) {
		if (json_integer_value(v) == id)
			return true;
	}
	return false;
}

static json_t *condition_for(const char **axes, size_t naxes, const json_t *configs, const json_t *ids)
{
	struct condition_config *cc = xcalloc(json_array_size(configs) + 1, sizeof(*cc));
	struct condition_result *r = NULL;
	size_t n = 0, i;
	json_t *c, *out = NULL;

	json_array_foreach(configs, i, c) {
		const char *status = json_string_value(json_object_get(json_object_get(c, "build"), "status"));
		bool fails = has_id(ids, json_integer_value(json_object_get(c, "id")));

		if (!condition_build_counts(status, fails))
			continue;
		cc[n].point = json_string_value(json_object_get(c, "point"));
		cc[n].failing = fails;
		n++;
	}
	if (n && condition_find(axes, naxes, cc, n, &r) == 0) {
		out = condition_json(r);
		condition_free(r);
	}
	free(cc);
	return out;
}

int conditions_add(struct db *db, long run_id, json_t *signatures)
{
	struct matrix *m = NULL;
	const char **axes = run_axes(db, run_id, &m);
	json_t *matrix = NULL, *s;
	size_t i;
	int rc;

	if (!axes)
		return 0;
	rc = db_run_matrix_json(db, run_id, &matrix);
	if (!rc) {
		json_array_foreach(signatures, i, s) {
			json_t *cond = condition_for(axes, m->naxes, json_object_get(matrix, "configs"),
						     json_object_get(s, "config_ids"));

			if (cond)
				json_object_set_new(s, "condition", cond);
		}
	}
	json_decref(matrix);
	free(axes);
	matrix_free(m);
	return rc;
}

json_t *conditions_of(struct db *db, long run_id, long signature_id)
{
	json_t *sigs = NULL, *found = NULL, *s;
	size_t i;

	if (db_run_signatures_json(db, run_id, &sigs) != 0)
		return NULL;
	json_array_foreach(json_object_get(sigs, "signatures"), i, s) {
		if (json_integer_value(json_object_get(s, "id")) == signature_id) {
			json_t *one = json_array();

			json_array_append(one, s);
			if (conditions_add(db, run_id, one) == 0)
				found = json_incref(json_object_get(s, "condition"));
			json_decref(one);
		}
	}
	json_decref(sigs);
	return found;
}
