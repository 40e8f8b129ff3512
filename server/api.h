/* What the route handlers share: their signature, authentication and request helpers. */
#ifndef KM_API_H
#define KM_API_H

#include <jansson.h>
#include <stdbool.h>

#include "http.h"

struct server;
struct db;

/* Every handler fills resp; errors become JSON {"error", "code"} with the mapped status. */
typedef void (*api_handler_fn)(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);

/* A positive id written as digits with no sign, space or leading zero (at most 18); KM_EINVAL otherwise, no message. */
int api_parse_id(const char *s, long *id);
/* Path parameter i as a positive id (api_parse_id()); KM_EINVAL (with a message) otherwise. */
int api_param_id(const struct http_req *req, size_t i, long *id);

/* The body as a JSON object; KM_EINVAL naming the parse error's line and column. Caller owns *out. */
int api_body_json(const struct http_req *req, json_t **out);

/* Checks the admin bearer token: 0 or KM_EAUTH. */
int api_auth_admin(struct server *s, const struct http_req *req);

/* Checks a worker bearer token: 0 with the worker's id, or KM_EAUTH. */
int api_auth_worker(struct server *s, struct db *db, const struct http_req *req, long *worker_id);

/* Sets the error response from the code and err_msg(). */
void api_fail(struct http_resp *resp, int code);

/* Artifact names: [a-z0-9][a-z0-9._-]{0,63}, so they are safe as file names. */
bool api_artifact_name_ok(const char *name);

/* Handlers, one per route (see routes.c). */
void api_health(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_runs_list(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_runs_submit(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
/* GET /api/v1/suggest?tree=&ref=|commit=&base=&matrix=: {"matrix": the chosen matrix file, "auto", "commit"} (admin). */
void api_suggest(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_run_get(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_run_matrix(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_run_compare(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_run_signatures(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_run_cancel(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_config_get(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_config_text(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_signature_get(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_trees_list(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_workers_list(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_workers_create(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_worker_revoke(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_job_get(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_artifact_get(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_worker_heartbeat(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_job_claim(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_job_lease(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
/*
 * An upload's checks on its headers (valid name, the X-Lease a live lease of
 * this worker for the job): 0 with *spool_dir (the caller's) the job's
 * artifact directory, where the body is spooled; KM_ECONFLICT for a lease
 * that is not live, and so on.
 */
int api_artifact_admit(struct server *s, struct db *db, const struct http_req *req, long worker_id,
		       char **spool_dir);
void api_artifact_put(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_job_result(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_static(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_webhook(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_run_mail(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
/* GET /runs/{id}/bisections: the run's bisections with their steps (server/bisect.c). */
void api_run_bisections(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);
void api_run_kcidb(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp);

#endif
