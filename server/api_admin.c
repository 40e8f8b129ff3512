/* Mutating calls, all behind the admin token: submit and cancel runs, create workers. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db.h"
#include "digest.h"
#include "err.h"
#include "log.h"
#include "sched.h"
#include "server.h"

static const char *opt_string(const json_t *o, const char *key, size_t max, int *rc)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v) || strlen(json_string_value(v)) > max) {
		*rc = err_set(KM_EINVAL, "'%s' must be a string of at most %zu characters", key, max);
		return NULL;
	}
	return json_string_value(v);
}

void api_runs_submit(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *body = NULL, *out = NULL;
	struct sched_submit in;
	long run_id = 0;
	int rc = api_auth_admin(s, req);

	memset(&in, 0, sizeof(in));
	if (!rc)
		rc = api_body_json(req, &body);
	if (!rc) {
		in.tree_url = opt_string(body, "tree", 1024, &rc);
		in.tree_name = opt_string(body, "tree_name", 64, &rc);
		in.ref = opt_string(body, "ref", 255, &rc);
		in.commit = opt_string(body, "commit", 64, &rc);
		in.base_commit = opt_string(body, "base_commit", 64, &rc);
		in.matrix_name = opt_string(body, "matrix", 64, &rc);
		in.author_email = opt_string(body, "author_email", 256, &rc);
		in.pusher_email = opt_string(body, "pusher_email", 256, &rc);
		in.trigger = "api";
	}
	if (!rc && !in.tree_url)
		rc = err_set(KM_EINVAL, "body needs 'tree' (a git URL or a local path)");
	if (!rc && !in.matrix_name)
		rc = err_set(KM_EINVAL, "body needs 'matrix' (the name of a matrix in the matrices directory)");
	if (!rc)
		rc = sched_submit(s, db, &in, &run_id);
	if (!rc)
		rc = db_run_json(db, run_id, &out);
	json_decref(body);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 201, out);
}

void api_run_cancel(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	long id = 0;
	int rc = api_auth_admin(s, req);

	if (!rc)
		rc = api_param_id(req, 0, &id);
	if (!rc)
		rc = sched_cancel(s, db, id);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:i,s:s}", "run", (json_int_t)id, "state", "cancelled"));
}

static bool worker_name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_' || c == '.'))
			return false;
	}
	return true;
}

void api_workers_create(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *body = NULL;
	const char *name = NULL;
	char token[65], hash[DIGEST_HEX_LEN + 1];
	long id = 0;
	int rc = api_auth_admin(s, req);

	if (!rc)
		rc = api_body_json(req, &body);
	if (!rc) {
		name = json_string_value(json_object_get(body, "name"));
		if (!name || !worker_name_ok(name))
			rc = err_set(KM_EINVAL, "'name' must be 1-64 characters of [A-Za-z0-9._-]");
	}
	if (!rc)
		rc = digest_random_hex(token, 32);
	if (!rc) {
		digest_sha256_hex(token, strlen(token), hash);
		rc = db_begin(db);
		if (!rc) {
			rc = db_worker_create(db, name, hash, &id);
			if (rc)
				db_rollback(db);
			else
				rc = db_commit(db);
		}
	}
	if (rc) {
		json_decref(body);
		api_fail(resp, rc);
		return;
	}
	log_info("worker=%ld name=%s created", id, name);
	/* The token is shown once; only its hash is stored. */
	http_resp_json(resp, 201, json_pack("{s:i,s:s,s:s}", "id", (json_int_t)id, "name", name, "token", token));
	json_decref(body);
}

void api_worker_revoke(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	const char *name = req->nparams ? req->params[0] : NULL;
	long id = 0;
	int requeued = 0;
	int rc = api_auth_admin(s, req);

	if (!rc && (!name || !worker_name_ok(name)))
		rc = err_set(KM_EINVAL, "a worker name is 1-64 characters of [A-Za-z0-9._-]");
	if (!rc)
		rc = sched_revoke_worker(s, db, name, &id, &requeued);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	log_info("worker=%ld name=%s revoked, jobs requeued=%d", id, name, requeued);
	http_resp_json(resp, 200, json_pack("{s:i,s:s,s:b,s:i}", "id", (json_int_t)id, "name", name, "revoked", 1,
					     "requeued_jobs", requeued));
}
