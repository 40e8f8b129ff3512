/* The public, read-only API behind the dashboard. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "artifacts.h"
#include "bisect.h"
#include "db.h"
#include "matrix.h"
#include "digest.h"
#include "err.h"
#include "run_facts.h"
#include "server.h"
#include "view_cache.h"
#include "xalloc.h"

void api_health(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	long version = 0;
	bool stalled = false;
	json_t *loops = server_loops_json(s, (int64_t)time(NULL), &stalled);
	int rc = db_schema_version(db, &version);

	if (rc) {
		json_decref(loops);
		api_fail(resp, rc);
		return;
	}
	/* Still 200 when a loop is stalled: the API answers; "status" and "loops" say what is late. */
	http_resp_json(resp, 200, json_pack("{s:s,s:i,s:o}", "status", stalled ? "degraded" : "ok", "schema",
					    (json_int_t)version, "loops", loops));
}

static int query_long(const struct http_req *req, const char *name, long min, long max, long def, long *out)
{
	const char *v = http_query(req, name);
	char *end;
	long n;

	*out = def;
	if (!v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max)
		return err_set(KM_EINVAL, "query '%s' must be a whole number from %ld to %ld", name, min, max);
	*out = n;
	return 0;
}

void api_runs_list(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	const char *tree = http_query(req, "tree");
	const char *ref = http_query(req, "ref");
	long limit = 50, tree_id = 0;
	json_t *out = NULL;
	int rc = query_long(req, "limit", 1, 1000, 50, &limit);

	if (!rc && tree)
		rc = db_tree_find(db, tree, NULL, &tree_id);
	if (!rc)
		rc = db_runs_json(db, tree_id, ref, (int)limit, &out);
	for (size_t i = 0; !rc && i < json_array_size(json_object_get(out, "runs")); i++) {
		json_t *run = json_array_get(json_object_get(out, "runs"), i);
		long base = 0;

		rc = run_facts_base(db, (long)json_integer_value(json_object_get(run, "id")), &base);
		json_object_set_new(run, "base_run", base ? json_integer(base) : json_null());
	}
	if (rc) {
		json_decref(out);
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, out);
}

/* Adds what the run's facts say (axes, variants, base_run) to the run object inside a view. */
static int add_facts(struct db *db, long run_id, json_t *run)
{
	struct run_facts *f = NULL;
	int rc = run_facts_load_head(db, run_id, &f);
	json_t *progress = NULL;

	if (!rc)
		rc = run_facts_add_to_run_json(db, f, run);
	if (!rc)
		rc = db_run_progress_json(db, run_id, f->m->boot ? (long)f->m->boot->nvariants : 0, &progress);
	if (!rc)
		json_object_set_new(run, "progress", progress);
	run_facts_free(f);
	return rc;
}

/* Answers with a run view: one of the db_*_json functions, with the run's facts added to view[key] (or view itself). */
static void run_view(struct db *db, struct http_req *req, struct http_resp *resp,
		     int (*view)(struct db *, long, json_t **), const char *key)
{
	json_t *out = NULL;
	long id;
	int rc = api_param_id(req, 0, &id);

	if (!rc)
		rc = view(db, id, &out);
	if (!rc)
		rc = add_facts(db, id, key ? json_object_get(out, key) : out);
	if (rc) {
		json_decref(out);
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, out);
}

static void render_run(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	run_view(db, req, resp, db_run_json, NULL);
}

static void render_matrix(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	run_view(db, req, resp, db_run_matrix_json, "run");
}

static void render_signatures(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	struct run_facts *f = NULL;
	long id;
	int rc = api_param_id(req, 0, &id);

	if (!rc)
		rc = run_facts_load(db, id, &f);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, run_facts_signatures_json(f));
	run_facts_free(f);
}

static void render_compare(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	struct run_facts *now = NULL, *base = NULL;
	struct run_facts_cmp *cmp = NULL;
	long id, base_id = 0;
	int rc = api_param_id(req, 0, &id);

	if (!rc)
		rc = query_long(req, "base", 1, 0x7fffffffL, 0, &base_id);
	if (!rc)
		rc = run_facts_load(db, id, &now);
	if (!rc && base_id == 0)
		rc = run_facts_base(db, id, &base_id);
	if (!rc && base_id) {
		rc = run_facts_load(db, base_id, &base);
		if (rc == KM_ENOTFOUND)
			rc = err_set(KM_ENOTFOUND, "no base run %ld", base_id);
	}
	if (rc) {
		api_fail(resp, rc);
		goto done;
	}
	cmp = run_facts_compare(now, base);
	http_resp_json(resp, 200, run_facts_cmp_json(cmp));
done:
	run_facts_cmp_free(cmp);
	run_facts_free(base);
	run_facts_free(now);
}

/*
 * The cache key and entity tag of a run view: its path and base query, what
 * the run (and an explicit base) look like now, db_run_stamp(), which also
 * changes when the run's default base can, and the cache's epoch.
 */
static int view_etag(struct db *db, const struct view_cache *views, const struct http_req *req, long id, long base,
		     char **key, char **etag)
{
	char hex[DIGEST_HEX_LEN + 1];
	long stamp = 0, base_stamp = 0;
	char *all;
	int rc = db_run_stamp(db, id, &stamp);

	*key = *etag = NULL;
	if (!rc && base)
		rc = db_run_stamp(db, base, &base_stamp);
	if (rc)
		return rc;
	*key = xasprintf("%s?base=%ld", req->path, base);
	all = xasprintf("%s|%ld|%ld|%ld", *key, stamp, base_stamp, view_cache_epoch(views));
	digest_sha256_hex(all, strlen(all), hex);
	*etag = xasprintf("\"%.32s\"", hex);
	free(all);
	return 0;
}

/*
 * A run view rendered once per change of its runs: a client that has this
 * version (If-None-Match) gets 304, others the stored body; every answer
 * carries the ETag. Errors go to render, which reports them.
 */
static void cached_view(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp,
			void (*render)(struct server *, struct db *, struct http_req *, struct http_resp *))
{
	char *key = NULL, *etag = NULL;
	const char *have = http_header(req, "If-None-Match");
	struct view_body *body;
	long id, base = 0;

	if (!s->views || api_param_id(req, 0, &id) || query_long(req, "base", 1, 0x7fffffffL, 0, &base) ||
	    view_etag(db, s->views, req, id, base, &key, &etag)) {
		render(s, db, req, resp);
		goto done;
	}
	if (have && strstr(have, etag)) {
		resp->status = 304;
	} else if ((body = view_cache_get(s->views, key, etag))) {
		http_resp_shared(resp, 200, "application/json", view_body_data(body), view_body_len(body),
				 view_body_release, body);
	} else {
		render(s, db, req, resp);
		if (resp->status != 200)
			goto done;
		view_cache_put(s->views, key, etag, resp->body, resp->body_len);
	}
	resp->extra_header = xasprintf("ETag: %s", etag);
done:
	free(key);
	free(etag);
}

void api_run_get(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	cached_view(s, db, req, resp, render_run);
}

void api_run_matrix(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	cached_view(s, db, req, resp, render_matrix);
}

void api_run_signatures(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	cached_view(s, db, req, resp, render_signatures);
}

void api_run_compare(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	cached_view(s, db, req, resp, render_compare);
}

void api_config_get(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *out = NULL;
	long id;
	int rc = api_param_id(req, 0, &id);

	if (!rc)
		rc = db_config_json(db, id, &out);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, out);
}

void api_config_text(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	char *text = NULL;
	long id;
	int rc = api_param_id(req, 0, &id);

	if (!rc)
		rc = db_config_text(db, id, &text);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_body(resp, 200, "text/plain; charset=utf-8", text, strlen(text));
	resp->disposition = "inline; filename=\"config\"";
}

void api_signature_get(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *out = NULL;
	long id;
	int rc = api_param_id(req, 0, &id);

	if (!rc)
		rc = db_signature_json(db, id, &out);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	/* The condition in the newest run where the error occurs. */
	{
		json_t *newest = json_array_get(json_object_get(out, "occurrences"), 0);
		long run = newest ? (long)json_integer_value(json_object_get(newest, "run_id")) : 0;
		struct run_facts *f = NULL;
		json_t *cond = NULL;

		if (run && run_facts_load(db, run, &f) == 0 && run_facts_signature(f, id))
			cond = run_facts_condition_json(f, run_facts_signature(f, id));
		run_facts_free(f);
		json_object_set_new(out, "condition", cond ? cond : json_null());
		json_object_set_new(out, "condition_run", run ? json_integer(run) : json_null());
	}
	{
		json_t *b = NULL;

		if (bisect_json(db, 0, id, &b) == 0)
			json_object_set(out, "bisections", json_object_get(b, "bisections"));
		json_decref(b);
	}
	http_resp_json(resp, 200, out);
}

void api_trees_list(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *out = NULL;
	int rc = db_trees_json(db, &out);

	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, out);
}

void api_workers_list(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *out = NULL;
	int rc = db_workers_json(db, &out);

	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, out);
}

void api_job_get(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *out = NULL;
	long id;
	int rc = api_param_id(req, 0, &id);

	if (!rc)
		rc = db_job_json(db, id, &out);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, out);
}

/* Logs and scripts are shown as text (never rendered as HTML); everything else is a download. */
static const char *artifact_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot && (strcmp(dot, ".log") == 0 || strcmp(dot, ".sh") == 0 || strcmp(dot, ".txt") == 0 ||
		    strcmp(dot, ".config") == 0))
		return "text/plain; charset=utf-8";
	if (strcmp(name, "config") == 0)
		return "text/plain; charset=utf-8";
	return "application/octet-stream";
}

void api_artifact_get(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	char *rel = NULL, *path = NULL;
	int64_t size = 0;
	struct stat st;
	long job;
	int fd, rc = api_param_id(req, 0, &job);

	if (!rc && !api_artifact_name_ok(req->params[1]))
		rc = err_set(KM_EINVAL, "artifact name '%.64s' is not valid", req->params[1]);
	if (!rc)
		rc = db_artifact_get(db, job, req->params[1], &rel, &size);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	path = artifacts_path(s->cfg->data_dir, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		err_set(KM_ENOTFOUND, "artifact file of job %ld is missing on disk", job);
		api_fail(resp, KM_ENOTFOUND);
		if (fd >= 0)
			close(fd);
	} else {
		resp->status = 200;
		resp->fd = fd;
		resp->fd_size = (uint64_t)st.st_size;
		resp->content_type = artifact_type(req->params[1]);
	}
	free(rel);
	free(path);
}
