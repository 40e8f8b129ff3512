/* The worker protocol: heartbeat, claim, lease extension, artifact upload, result. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "artifacts.h"
#include "db.h"
#include "digest.h"
#include "err.h"
#include "fsutil.h"
#include "jobtypes.h"
#include "log.h"
#include "sched.h"
#include "server.h"
#include "xalloc.h"

bool api_artifact_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64 || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return strstr(name, "..") == NULL;
}

/* Records that the worker is alive, in a transaction of its own so it queues with the other writers. */
static int touch_worker(struct db *db, long worker_id, const char *hostname, const char *version, long cores)
{
	int rc = db_begin(db);

	if (rc)
		return rc;
	rc = db_worker_seen(db, worker_id, hostname, version, cores);
	if (rc) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

void api_worker_heartbeat(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *body = NULL;
	long worker_id = 0;
	int rc = api_auth_worker(s, db, req, &worker_id);

	if (!rc)
		rc = api_body_json(req, &body);
	if (!rc) {
		json_t *cores = json_object_get(body, "cores");

		rc = touch_worker(db, worker_id, json_string_value(json_object_get(body, "hostname")),
				  json_string_value(json_object_get(body, "version")),
				  json_is_integer(cores) ? (long)json_integer_value(cores) : 0);
	}
	json_decref(body);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:i,s:i,s:i}", "worker_id", (json_int_t)worker_id, "lease_s",
					    (json_int_t)s->cfg->lease_s, "time", (json_int_t)time(NULL)));
}

static int parse_kinds(const json_t *body, const char *kinds[5])
{
	const json_t *arr = json_object_get(body, "kinds");
	size_t i, n = 0;
	json_t *k;

	memset(kinds, 0, 5 * sizeof(kinds[0]));
	if (!arr) {
		kinds[0] = "configure";
		kinds[1] = "build";
		kinds[2] = "boot";
		return 0;
	}
	if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > 4)
		return err_set(KM_EINVAL, "'kinds' must be a non-empty array of configure, build, bisect, boot");
	json_array_foreach(arr, i, k) {
		const char *v = json_string_value(k);
		enum job_kind kind;

		if (!job_kind_parse(v, &kind))
			return err_set(KM_EINVAL, "'kinds'[%zu]: expected configure, build, bisect or boot", i);
		kinds[n++] = v;
	}
	return 0;
}

void api_job_claim(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *body = NULL, *job = NULL;
	const char *kinds[5];
	long worker_id = 0;
	double wait = 0;
	struct timespec start, now;
	int rc = api_auth_worker(s, db, req, &worker_id);

	if (!rc)
		rc = api_body_json(req, &body);
	if (!rc)
		rc = parse_kinds(body, kinds);
	if (!rc) {
		json_t *w = json_object_get(body, "wait");

		if (w && (!json_is_number(w) || json_number_value(w) < 0))
			rc = err_set(KM_EINVAL, "'wait' must be a number of seconds >= 0");
		else if (w)
			wait = json_number_value(w);
		if (wait > (double)s->cfg->long_poll_s)
			wait = (double)s->cfg->long_poll_s;
	}
	if (!rc)
		rc = touch_worker(db, worker_id, NULL, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* Long poll: try, then sleep until something is queued or the wait is over. */
	while (!rc) {
		double elapsed;

		rc = sched_claim(s, db, worker_id, kinds, &job);
		if (rc == KM_EBUSY) {
			rc = 0; /* the database was busy; try again within the wait */
		} else if (rc || job) {
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		if (elapsed >= wait || s->stopping)
			break;
		sched_wait(wait - elapsed < 5 ? wait - elapsed : 5);
	}
	json_decref(body);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	if (!job) {
		resp->status = 204;
		return;
	}
	http_resp_json(resp, 200, job);
}

void api_job_lease(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *body = NULL;
	long worker_id = 0, job_id = 0;
	int64_t expires = 0;
	const char *lease;
	int rc = api_auth_worker(s, db, req, &worker_id);

	if (!rc)
		rc = api_param_id(req, 0, &job_id);
	if (!rc)
		rc = api_body_json(req, &body);
	if (!rc) {
		lease = json_string_value(json_object_get(body, "lease"));
		rc = lease ? sched_extend(s, db, worker_id, job_id, lease, &expires)
			   : err_set(KM_EINVAL, "body needs the 'lease' to extend");
	}
	json_decref(body);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:i,s:i}", "expires_at", (json_int_t)expires, "ttl",
					    (json_int_t)s->cfg->lease_s));
}

/* The checks an upload passes on its headers and again before it is stored: a live lease of this worker. */
static int upload_allowed(struct db *db, const struct http_req *req, long worker_id, long *job_id)
{
	const char *lease = http_header(req, "X-Lease");
	const char *name = req->nparams > 1 ? req->params[1] : "";
	int rc = api_param_id(req, 0, job_id);

	if (!rc && !api_artifact_name_ok(name))
		rc = err_set(KM_EINVAL, "artifact name is not valid (expected [a-z0-9][a-z0-9._-]{0,63})");
	if (!rc && !lease)
		rc = err_set(KM_EINVAL, "uploads need the job's lease in the X-Lease header");
	if (!rc)
		rc = db_job_check_lease(db, *job_id, worker_id, lease, (int64_t)time(NULL));
	/* Uploads come before the result: once it is recorded the job's files are final. */
	if (rc == KM_EEXISTS)
		rc = err_set(KM_ECONFLICT, "job %ld: its result is recorded, uploads are closed", *job_id);
	return rc;
}

int api_artifact_admit(struct server *s, struct db *db, const struct http_req *req, long worker_id,
		       char **spool_dir)
{
	struct db_job_info job;
	long job_id = 0;
	char *rel = NULL;
	int rc = upload_allowed(db, req, worker_id, &job_id);

	memset(&job, 0, sizeof(job));
	*spool_dir = NULL;
	if (!rc)
		rc = db_job_get(db, job_id, &job);
	if (rc)
		goto done;
	rel = artifacts_job_dir(job.run_id, job_id);
	*spool_dir = artifacts_path(s->cfg->data_dir, rel);
	rc = fs_mkdirs(*spool_dir);
	if (rc) {
		free(*spool_dir);
		*spool_dir = NULL;
	}
done:
	db_job_info_release(&job);
	free(rel);
	return rc;
}

void api_artifact_put(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	struct db_job_info job;
	const char *name = req->params[1];
	long worker_id = 0, job_id = 0;
	bool in_tx = false;
	int rc = api_auth_worker(s, db, req, &worker_id);

	memset(&job, 0, sizeof(job));
	if (!rc && (!req->body_file || !req->body_sha256))
		rc = err_set(KM_EIO, "upload was not spooled");
	if (!rc)
		rc = db_begin(db);
	in_tx = rc == 0;
	/*
	 * Checked again inside the write transaction, which also serialises
	 * uploads of one name: the rename and the recorded digest go together.
	 */
	if (!rc)
		rc = upload_allowed(db, req, worker_id, &job_id);
	if (!rc)
		rc = db_job_get(db, job_id, &job);
	if (rc)
		goto done;
	rc = artifacts_store(db, s->cfg->data_dir, job.run_id, job_id, name, req->body_file, (int64_t)req->body_len,
			     req->body_sha256);
	req->body_file_taken = rc == 0;
	if (!rc) {
		in_tx = false;
		rc = db_commit(db);
	}
done:
	if (in_tx)
		db_rollback(db);
	if (rc)
		api_fail(resp, rc);
	else
		http_resp_json(resp, 201, json_pack("{s:s,s:I,s:s}", "name", name, "size", (json_int_t)req->body_len,
						    "sha256", req->body_sha256));
	db_job_info_release(&job);
}

void api_job_result(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *body = NULL, *reply = NULL;
	long worker_id = 0, job_id = 0;
	int rc = api_auth_worker(s, db, req, &worker_id);

	if (!rc)
		rc = api_param_id(req, 0, &job_id);
	if (!rc)
		rc = api_body_json(req, &body);
	if (!rc)
		rc = sched_result(s, db, worker_id, job_id, body, &reply);
	json_decref(body);
	if (rc) {
		log_warn("job=%ld worker=%ld result refused: %s", job_id, worker_id, err_msg());
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, reply);
}
