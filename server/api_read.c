/* The public, read-only API behind the dashboard. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "conditions.h"
#include "db.h"
#include "err.h"
#include "matrix.h"
#include "server.h"
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
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, out);
}

/* Adds the matrix's axes and variants (from the run's snapshot) to a run object. */
static void add_axes(struct db *db, long run_id, json_t *run)
{
	struct db_run r;
	json_t *bundle;
	struct matrix *m = NULL;

	if (db_run_get(db, run_id, &r) != 0)
		return;
	bundle = json_loads(r.matrix_bundle, 0, NULL);
	if (bundle && matrix_bundle_parse(bundle, &m) == 0) {
		json_t *axes = json_array(), *variants = json_array();

		for (size_t i = 0; i < m->naxes; i++)
			json_array_append_new(axes, json_pack("{s:s,s:s}", "symbol", m->axes[i].symbol, "values",
							      m->axes[i].values));
		for (size_t i = 0; m->boot && i < m->boot->nvariants; i++)
			json_array_append_new(variants, json_string(m->boot->variants[i].name));
		json_object_set_new(run, "axes", axes);
		json_object_set_new(run, "variants", variants);
		json_object_set_new(run, "base", json_string(m->base));
		json_object_set_new(run, "arch", json_string(m->arch));
		json_object_set_new(run, "boot", json_boolean(m->boot != NULL));
	}
	matrix_free(m);
	json_decref(bundle);
	db_run_release(&r);
}

void api_run_get(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *out = NULL;
	long id;
	int rc = api_param_id(req, 0, &id);

	if (!rc)
		rc = db_run_json(db, id, &out);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	add_axes(db, id, out);
	http_resp_json(resp, 200, out);
}

void api_run_matrix(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *out = NULL;
	long id;
	int rc = api_param_id(req, 0, &id);

	if (!rc)
		rc = db_run_matrix_json(db, id, &out);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	add_axes(db, id, json_object_get(out, "run"));
	http_resp_json(resp, 200, out);
}

void api_run_signatures(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *out = NULL;
	long id;
	int rc = api_param_id(req, 0, &id);

	if (!rc)
		rc = db_run_signatures_json(db, id, &out);
	if (!rc)
		rc = conditions_add(db, id, json_object_get(out, "signatures"));
	if (rc) {
		json_decref(out);
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, out);
}

void api_run_compare(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *out = NULL;
	long id, base = 0;
	int rc = api_param_id(req, 0, &id);

	if (!rc)
		rc = query_long(req, "base", 1, 0x7fffffffL, 0, &base);
	if (!rc)
		rc = db_run_compare_json(db, id, base, &out);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, out);
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
		json_t *cond = run ? conditions_of(db, run, id) : NULL;

		json_object_set_new(out, "condition", cond ? cond : json_null());
		json_object_set_new(out, "condition_run", run ? json_integer(run) : json_null());
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
	path = xasprintf("%s/%s", s->cfg->data_dir, rel);
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
