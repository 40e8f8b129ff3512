/* Table-driven dispatch of every URL the server answers. */
#include "routes.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "err.h"
#include "log.h"
#include "server.h"

enum body_kind { BODY_NONE, BODY_JSON, BODY_UPLOAD, BODY_WEBHOOK };

/* Who may call a route: checked on the headers, before the body is read (handlers check again). */
enum auth_kind { AUTH_NONE, AUTH_ADMIN, AUTH_WORKER, AUTH_SIGNED };

struct route {
	const char *method;
	const char *pattern; /* segments; "{}" captures one */
	api_handler_fn handler;
	enum body_kind body;
	enum auth_kind auth;
};

static const struct route routes[] = {
	{ "GET", "/api/v1/health", api_health, BODY_NONE, AUTH_NONE },
	{ "GET", "/api/v1/runs", api_runs_list, BODY_NONE, AUTH_NONE },
	{ "POST", "/api/v1/runs", api_runs_submit, BODY_JSON, AUTH_ADMIN },
	{ "GET", "/api/v1/runs/{}", api_run_get, BODY_NONE, AUTH_NONE },
	{ "GET", "/api/v1/suggest", api_suggest, BODY_NONE, AUTH_ADMIN },
	{ "GET", "/api/v1/runs/{}/matrix", api_run_matrix, BODY_NONE, AUTH_NONE },
	{ "GET", "/api/v1/runs/{}/signatures", api_run_signatures, BODY_NONE, AUTH_NONE },
	{ "GET", "/api/v1/runs/{}/compare", api_run_compare, BODY_NONE, AUTH_NONE },
	{ "GET", "/api/v1/runs/{}/kcidb", api_run_kcidb, BODY_NONE, AUTH_NONE },
	{ "POST", "/api/v1/runs/{}/cancel", api_run_cancel, BODY_JSON, AUTH_ADMIN },
	{ "GET", "/api/v1/configs/{}", api_config_get, BODY_NONE, AUTH_NONE },
	{ "GET", "/api/v1/configs/{}/config", api_config_text, BODY_NONE, AUTH_NONE },
	{ "GET", "/api/v1/signatures/{}", api_signature_get, BODY_NONE, AUTH_NONE },
	{ "GET", "/api/v1/trees", api_trees_list, BODY_NONE, AUTH_NONE },
	{ "GET", "/api/v1/workers", api_workers_list, BODY_NONE, AUTH_NONE },
	{ "POST", "/api/v1/workers", api_workers_create, BODY_JSON, AUTH_ADMIN },
	{ "POST", "/api/v1/workers/{}/revoke", api_worker_revoke, BODY_JSON, AUTH_ADMIN },
	{ "GET", "/api/v1/jobs/{}", api_job_get, BODY_NONE, AUTH_NONE },
	{ "GET", "/api/v1/jobs/{}/artifacts/{}", api_artifact_get, BODY_NONE, AUTH_NONE },
	{ "POST", "/api/v1/worker/heartbeat", api_worker_heartbeat, BODY_JSON, AUTH_WORKER },
	{ "POST", "/api/v1/jobs/claim", api_job_claim, BODY_JSON, AUTH_WORKER },
	{ "POST", "/api/v1/jobs/{}/lease", api_job_lease, BODY_JSON, AUTH_WORKER },
	{ "PUT", "/api/v1/jobs/{}/artifacts/{}", api_artifact_put, BODY_UPLOAD, AUTH_WORKER },
	{ "POST", "/api/v1/jobs/{}/result", api_job_result, BODY_JSON, AUTH_WORKER },
	{ "POST", "/api/v1/webhook", api_webhook, BODY_WEBHOOK, AUTH_SIGNED },
	{ "GET", "/api/v1/runs/{}/mail", api_run_mail, BODY_NONE, AUTH_NONE },
	{ "GET", "/api/v1/runs/{}/bisections", api_run_bisections, BODY_NONE, AUTH_NONE },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Matches path against pattern, capturing "{}" segments as (offset, length) pairs. */
static bool match(const char *pattern, const char *path, size_t caps[][2], size_t *ncaps)
{
	const char *p = pattern, *u = path;

	*ncaps = 0;
	while (*p && *u) {
		if (p[0] == '{' && p[1] == '}') {
			const char *end = strchr(u, '/');
			size_t len = end ? (size_t)(end - u) : strlen(u);

			if (len == 0 || *ncaps >= HTTP_MAX_PARAMS)
				return false;
			caps[*ncaps][0] = (size_t)(u - path);
			caps[*ncaps][1] = len;
			(*ncaps)++;
			u += len;
			p += 2;
			continue;
		}
		if (*p != *u)
			return false;
		p++;
		u++;
	}
	return *p == '\0' && *u == '\0';
}

static const struct route *lookup(const char *method, const char *path, size_t caps[][2], size_t *ncaps,
				  bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < NROUTES; i++) {
		if (!match(routes[i].pattern, path, caps, ncaps))
			continue;
		*path_known = true;
		if (strcmp(routes[i].method, method) == 0)
			return &routes[i];
	}
	return NULL;
}

/* Copies the captured path segments into params and points req->params at them. */
static int set_params(struct http_req *req, size_t caps[][2], size_t ncaps, char params[][128])
{
	for (size_t i = 0; i < ncaps; i++) {
		if (caps[i][1] >= 128)
			return err_set(KM_EINVAL, "path parameter too long");
		snprintf(params[i], 128, "%.*s", (int)caps[i][1], req->path + caps[i][0]);
		req->params[i] = params[i];
	}
	req->nparams = ncaps;
	return 0;
}

/* A webhook must carry one of the forges' signature or token headers; the body's HMAC is checked later. */
static int signed_ok(const struct http_req *req)
{
	static const char *const names[] = { "X-Hub-Signature-256", "X-Gitea-Signature", "X-Forgejo-Signature",
					     "X-Gitlab-Token", "X-Kmatrix-Signature" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (http_header(req, names[i]))
			return 0;
	}
	return err_set(KM_EAUTH, "webhook: missing X-Hub-Signature-256 header (or X-Gitea-Signature, "
				 "X-Gitlab-Token, X-Kmatrix-Signature): set a secret on the hook");
}

static int admit(void *ctx, struct http_req *req, struct http_intake *in)
{
	struct server *s = ctx;
	size_t caps[HTTP_MAX_PARAMS][2], ncaps = 0;
	char params[HTTP_MAX_PARAMS][128];
	bool known = false;
	const struct route *r = NULL;
	struct db *db = NULL;
	long worker_id = 0;
	int rc = 0;

	if (strncmp(req->path, "/api/", 5) == 0)
		r = lookup(req->method, req->path, caps, &ncaps, &known);
	if (!r) {
		/* The dashboard and unknown paths take no body: answered on the headers. */
		in->answer_now = true;
		return 0;
	}
	switch (r->body) {
	case BODY_JSON: in->limit = (size_t)s->cfg->max_body; break;
	case BODY_UPLOAD: in->limit = (size_t)s->cfg->max_upload; break;
	case BODY_WEBHOOK: in->limit = 1024 * 1024; break;
	default: in->limit = 0; break;
	}
	if (r->auth == AUTH_ADMIN)
		return api_auth_admin(s, req);
	if (r->auth == AUTH_SIGNED)
		return signed_ok(req);
	if (r->auth != AUTH_WORKER)
		return 0;
	db = server_db(s);
	if (!db)
		return err_set(KM_EBUSY, "database unavailable: %s", err_msg());
	rc = api_auth_worker(s, db, req, &worker_id);
	if (!rc && r->body == BODY_UPLOAD)
		rc = set_params(req, caps, ncaps, params);
	if (!rc && r->body == BODY_UPLOAD)
		rc = api_artifact_admit(s, db, req, worker_id, &in->spool_dir);
	req->nparams = 0;
	memset(req->params, 0, sizeof(req->params));
	return rc;
}

static void handle(void *ctx, struct http_req *req, struct http_resp *resp)
{
	struct server *s = ctx;
	size_t caps[HTTP_MAX_PARAMS][2], ncaps = 0;
	char params[HTTP_MAX_PARAMS][128];
	bool known = false;
	const struct route *r;
	struct db *db;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	err_clear();
	if (strncmp(req->path, "/api/", 5) != 0) {
		if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
			http_resp_error(resp, KM_EINVAL, "the dashboard is read-only");
			resp->status = 405;
			return;
		}
		api_static(s, NULL, req, resp);
		return;
	}
	r = lookup(req->method, req->path, caps, &ncaps, &known);
	if (!r) {
		if (known) {
			http_resp_error(resp, KM_EINVAL, "method not allowed on this path");
			resp->status = 405;
		} else {
			http_resp_error(resp, KM_ENOTFOUND, "no such API endpoint");
		}
		return;
	}
	if (set_params(req, caps, ncaps, params) != 0) {
		api_fail(resp, KM_EINVAL);
		return;
	}
	if (r->body == BODY_NONE && req->body_len) {
		http_resp_error(resp, KM_ETOOBIG, "this endpoint takes no body");
		return;
	}
	db = server_db(s);
	if (!db) {
		http_resp_error(resp, KM_EBUSY, "database unavailable: try again");
		return;
	}
	r->handler(s, db, req, resp);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("http method=%s path=%s status=%d ms=%.1f remote=%s", req->method, req->path, resp->status,
		  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, req->remote);
}

void routes_app(struct server *s, struct http_app *app)
{
	app->admit = admit;
	app->handle = handle;
	app->ctx = s;
}
