/* Comparing a run with a base run: which configs newly fail, were fixed or stay; which errors are new or gone. */
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "err.h"
#include "xalloc.h"

struct cmp_config {
	long id;
	char *hash, *point;
	char status[8]; /* combined: FAIL if the build or any boot failed, else ERROR, else PASS; "" unfinished */
	char **req_points;
	size_t nreq;
};

static void combine(char *status, const char *s)
{
	static const char *const order[] = { "", "MISS", "SKIP", "PASS", "ERROR", "FAIL" };
	int a = 0, b = 0;

	for (int i = 0; i < 6; i++) {
		if (strcmp(status, order[i]) == 0)
			a = i;
		if (s && strcmp(s, order[i]) == 0)
			b = i;
	}
	/* SKIP/MISS boots never hide the build's status. */
	if (b > a && b >= 3)
		snprintf(status, 8, "%s", order[b]);
}

static int load_configs(struct db *db, long run_id, struct cmp_config **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct cmp_config *v = NULL;
	size_t count = 0;
	int rc = db_prep(db, &st,
			 "SELECT c.id, c.hash, c.point, (SELECT CASE WHEN j.state = 'done' THEN j.status END FROM jobs j"
			 " WHERE j.config_id = c.id AND j.kind = 'build' ORDER BY j.id DESC LIMIT 1)"
			 " FROM configs c WHERE c.run_id = ? ORDER BY c.id",
			 "l", run_id);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		struct cmp_config *c;
		const char *b = (const char *)sqlite3_column_text(st, 3);

		v = xrealloc(v, (count + 1) * sizeof(*v));
		c = &v[count++];
		memset(c, 0, sizeof(*c));
		c->id = (long)sqlite3_column_int64(st, 0);
		c->hash = db_col_strdup(st, 1);
		c->point = db_col_strdup(st, 2);
		combine(c->status, b);
	}
	sqlite3_finalize(st);
	if (rc)
		goto done;
	rc = db_prep(db, &st,
		     "SELECT j.config_id, j.status FROM jobs j WHERE j.run_id = ? AND j.kind = 'boot' AND j.state = 'done'",
		     "l", run_id);
	if (rc)
		goto done;
	while ((rc = db_step(db, st)) == 1) {
		long cid = (long)sqlite3_column_int64(st, 0);

		for (size_t i = 0; i < count; i++) {
			if (v[i].id == cid && strcmp(v[i].status, "PASS") == 0)
				combine(v[i].status, (const char *)sqlite3_column_text(st, 1));
		}
	}
	sqlite3_finalize(st);
	if (rc)
		goto done;
	rc = db_prep(db, &st, "SELECT config_id, point FROM requests WHERE run_id = ? AND config_id IS NOT NULL", "l",
		     run_id);
	if (rc)
		goto done;
	while ((rc = db_step(db, st)) == 1) {
		long cid = (long)sqlite3_column_int64(st, 0);

		for (size_t i = 0; i < count; i++) {
			if (v[i].id != cid)
				continue;
			v[i].req_points = xrealloc(v[i].req_points, (v[i].nreq + 1) * sizeof(char *));
			v[i].req_points[v[i].nreq++] = db_col_strdup(st, 1);
		}
	}
	sqlite3_finalize(st);
done:
	*out = v;
	*n = count;
	return rc;
}

static void free_configs(struct cmp_config *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].hash);
		free(v[i].point);
		for (size_t k = 0; k < v[i].nreq; k++)
			free(v[i].req_points[k]);
		free(v[i].req_points);
	}
	free(v);
}

/* The same config in the base: the same hash, else the config a shared request resolved to there. */
static struct cmp_config *match(struct cmp_config *c, struct cmp_config *base, size_t nbase)
{
	for (size_t i = 0; i < nbase; i++) {
		if (strcmp(base[i].hash, c->hash) == 0)
			return &base[i];
	}
	for (size_t r = 0; r < c->nreq; r++) {
		for (size_t i = 0; i < nbase; i++) {
			for (size_t k = 0; k < base[i].nreq; k++) {
				if (strcmp(base[i].req_points[k], c->req_points[r]) == 0)
					return &base[i];
			}
		}
	}
	return NULL;
}

static const char *change_of(const char *now, const char *before)
{
	bool fail_now = strcmp(now, "FAIL") == 0, fail_before = before && strcmp(before, "FAIL") == 0;

	if (!before)
		return fail_now ? "new-failure" : "new";
	if (fail_now && fail_before)
		return "still-failing";
	if (fail_now)
		return strcmp(before, "PASS") == 0 ? "new-failure" : "failing";
	if (fail_before && strcmp(now, "PASS") == 0)
		return "fixed";
	if (strcmp(now, "PASS") == 0 && strcmp(before, "PASS") == 0)
		return "still-passing";
	return "unknown"; /* unfinished or an infrastructure ERROR on one side */
}

int db_run_base(struct db *db, long run_id, long *base_id)
{
	int rc = db_scalar_long(db, base_id,
				"SELECT p.id FROM runs p JOIN runs r ON r.id = ? WHERE p.tree_id = r.tree_id"
				" AND p.ref = r.ref AND p.matrix_name = r.matrix_name AND p.id < r.id AND p.state = 'done'"
				" ORDER BY p.id DESC LIMIT 1",
				"l", run_id);

	if (rc != KM_ENOTFOUND)
		return rc;
	/* A new branch: the latest finished run of its base commit. */
	rc = db_scalar_long(db, base_id,
			    "SELECT p.id FROM runs p JOIN runs r ON r.id = ? WHERE p.tree_id = r.tree_id"
			    " AND r.base_commit IS NOT NULL AND p.commit_id = r.base_commit AND p.state = 'done'"
			    " AND p.matrix_name = r.matrix_name ORDER BY p.id DESC LIMIT 1",
			    "l", run_id);
	if (rc == KM_ENOTFOUND) {
		*base_id = 0;
		return 0;
	}
	return rc;
}

static int signature_set(struct db *db, long run_id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *set = json_object();
	int rc = db_prep(db, &st,
			 "SELECT s.id, s.type, s.message, COUNT(DISTINCT j.config_id), MIN(e.secondary), s.signature"
			 " FROM errors e JOIN jobs j ON j.id = e.job_id JOIN signatures s ON s.id = e.signature_id"
			 " WHERE j.run_id = ? GROUP BY s.id",
			 "l", run_id);

	*out = NULL;
	if (rc) {
		json_decref(set);
		return rc;
	}
	while ((rc = db_step(db, st)) == 1) {
		char key[32];

		snprintf(key, sizeof(key), "%lld", (long long)sqlite3_column_int64(st, 0));
		json_object_set_new(set, key,
				    json_pack("{s:I,s:o,s:o,s:I,s:b,s:o}", "id", (json_int_t)sqlite3_column_int64(st, 0),
					      "type", db_col_json(st, 1), "message", db_col_json(st, 2), "configs",
					      (json_int_t)sqlite3_column_int64(st, 3), "secondary",
					      sqlite3_column_int(st, 4), "signature", db_col_json(st, 5)));
	}
	sqlite3_finalize(st);
	if (rc) {
		json_decref(set);
		return rc;
	}
	*out = set;
	return 0;
}

int db_run_compare_json(struct db *db, long run_id, long base_id, json_t **out)
{
	struct cmp_config *now = NULL, *before = NULL;
	size_t nnow = 0, nbefore = 0;
	json_t *configs = json_array(), *sigs = json_array(), *sig_now = NULL, *sig_before = NULL;
	const char *key;
	json_t *v;
	long exists;
	int rc;

	*out = NULL;
	rc = db_scalar_long(db, &exists, "SELECT id FROM runs WHERE id = ?", "l", run_id);
	if (rc == KM_ENOTFOUND)
		rc = err_set(KM_ENOTFOUND, "no run %ld", run_id);
	if (!rc && base_id == 0)
		rc = db_run_base(db, run_id, &base_id);
	if (!rc && base_id) {
		rc = db_scalar_long(db, &exists, "SELECT id FROM runs WHERE id = ?", "l", base_id);
		if (rc == KM_ENOTFOUND)
			rc = err_set(KM_ENOTFOUND, "no base run %ld", base_id);
	}
	if (!rc)
		rc = load_configs(db, run_id, &now, &nnow);
	if (!rc && base_id)
		rc = load_configs(db, base_id, &before, &nbefore);
	if (!rc)
		rc = signature_set(db, run_id, &sig_now);
	if (!rc)
		rc = base_id ? signature_set(db, base_id, &sig_before) : ((sig_before = json_object()), 0);
	if (rc)
		goto done;
	for (size_t i = 0; i < nnow; i++) {
		struct cmp_config *b = base_id ? match(&now[i], before, nbefore) : NULL;

		json_array_append_new(configs,
				      json_pack("{s:s,s:I,s:o,s:s,s:o,s:s}", "point", now[i].point, "config_id",
						(json_int_t)now[i].id, "base_config_id",
						b ? json_integer(b->id) : json_null(), "status", now[i].status,
						"base_status", b ? json_string(b->status) : json_null(), "change",
						change_of(now[i].status, b ? b->status : NULL)));
	}
	json_object_foreach(sig_now, key, v) {
		json_t *s = json_deep_copy(v);

		json_object_set_new(s, "change", json_string(json_object_get(sig_before, key) ? "still" : "new"));
		json_array_append_new(sigs, s);
	}
	json_object_foreach(sig_before, key, v) {
		if (!json_object_get(sig_now, key)) {
			json_t *s = json_deep_copy(v);

			json_object_set_new(s, "change", json_string("gone"));
			json_array_append_new(sigs, s);
		}
	}
done:
	free_configs(now, nnow);
	free_configs(before, nbefore);
	json_decref(sig_now);
	json_decref(sig_before);
	if (rc) {
		json_decref(configs);
		json_decref(sigs);
		return rc;
	}
	*out = json_pack("{s:I,s:o,s:o,s:o}", "run", (json_int_t)run_id, "base",
			 base_id ? json_integer(base_id) : json_null(), "configs", configs, "signatures", sigs);
	return 0;
}
