/* Workers, jobs and their leases: the queue the scheduler draws from. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db_internal.h"
#include "err.h"
#include "xalloc.h"

/*
 * Puts the running jobs st selects (id, run_id) back in the queue, or ends
 * them as ERROR once they used all their attempts; finalizes st. Run ids
 * touched are passed to fn.
 */
static int requeue_selected(struct db *db, sqlite3_stmt *st, const char *message, int *requeued, int *errored,
			    void (*fn)(void *ctx, long run_id), void *ctx)
{
	long *ids = NULL, *runs = NULL;
	size_t n = 0, cap = 0;
	int rc;

	while ((rc = db_step(db, st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			ids = xrealloc(ids, cap * sizeof(*ids));
			runs = xrealloc(runs, cap * sizeof(*runs));
		}
		ids[n] = (long)sqlite3_column_int64(st, 0);
		runs[n++] = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		bool again = false;

		rc = db_job_retry_or_fail(db, ids[i], message, &again);
		if (rc)
			break;
		if (again)
			(*requeued)++;
		else
			(*errored)++;
		if (fn)
			fn(ctx, runs[i]);
	}
	free(ids);
	free(runs);
	return rc;
}

int db_worker_create(struct db *db, const char *name, const char *token_hash, long *worker_id)
{
	long existing, revoked;
	int rc = db_scalar_long(db, &existing, "SELECT id FROM workers WHERE name = ?", "t", name);

	if (rc == 0) {
		rc = db_scalar_long(db, &revoked, "SELECT revoked_at IS NOT NULL FROM workers WHERE id = ?", "l",
				    existing);
		if (rc)
			return rc;
		if (!revoked)
			return err_set(KM_EEXISTS, "a worker named '%s' already exists (revoke it to issue a new token)",
				       name);
		/* A revoked name comes back with a new token and keeps its history. */
		rc = db_exec(db, "UPDATE workers SET token_hash = ?, revoked_at = NULL WHERE id = ?", "tl", token_hash,
			     existing);
		if (!rc)
			*worker_id = existing;
		return rc;
	}
	if (rc != KM_ENOTFOUND)
		return rc;
	rc = db_exec(db, "INSERT INTO workers (name, token_hash, created_at) VALUES (?, ?, ?)", "tti", name, token_hash,
		     db_now());
	if (rc)
		return rc;
	*worker_id = db_last_id(db);
	return 0;
}

int db_worker_auth(struct db *db, const char *token_hash, long *worker_id, char **name)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st, "SELECT id, name, revoked_at IS NOT NULL FROM workers WHERE token_hash = ?", "t",
			 token_hash);

	*name = NULL;
	if (rc)
		return rc;
	rc = db_step(db, st);
	if (rc == 1 && sqlite3_column_int(st, 2)) {
		rc = err_set(KM_EAUTH, "worker '%s' was revoked: ask the farm's admin for a new token",
			     (const char *)sqlite3_column_text(st, 1));
	} else if (rc == 1) {
		*worker_id = (long)sqlite3_column_int64(st, 0);
		*name = db_col_strdup(st, 1);
		rc = 0;
	} else if (rc == 0) {
		rc = err_set(KM_EAUTH, "unknown worker token");
	}
	sqlite3_finalize(st);
	return rc;
}

int db_worker_revoke(struct db *db, const char *name, long *worker_id, int *requeued, int *errored,
		     void (*fn)(void *ctx, long run_id), void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc = db_scalar_long(db, worker_id, "SELECT id FROM workers WHERE name = ?", "t", name);

	*requeued = 0;
	*errored = 0;
	if (rc == KM_ENOTFOUND)
		return err_set(KM_ENOTFOUND, "no worker named '%s'", name);
	if (rc == 0)
		rc = db_exec(db, "UPDATE workers SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", "il", db_now(),
			     *worker_id);
	if (rc == 0)
		rc = db_prep(db, &st, "SELECT id, run_id FROM jobs WHERE worker_id = ? AND state = 'running' ORDER BY id",
			     "l", *worker_id);
	if (rc)
		return rc;
	/* Its leases die with its token: another worker takes the jobs now. */
	return requeue_selected(db, st, "the worker holding it was revoked", requeued, errored, fn, ctx);
}

int db_worker_seen(struct db *db, long worker_id, const char *hostname, const char *version, long cores)
{
	long recent = 0;

	/* A claim only says "still here": a write at most every few seconds, so claims do not queue on it. */
	if (!hostname && !version && cores <= 0 &&
	    db_scalar_long(db, &recent, "SELECT last_seen >= ? FROM workers WHERE id = ?", "il", db_now() - 5,
			   worker_id) == 0 &&
	    recent)
		return 0;
	return db_exec(db,
		       "UPDATE workers SET last_seen = ?, hostname = COALESCE(?, hostname),"
		       " version = COALESCE(?, version), cores = CASE WHEN ? > 0 THEN ? ELSE cores END WHERE id = ?",
		       "ittlll", db_now(), hostname, version, cores, cores, worker_id);
}

void db_job_release(struct db_job *j)
{
	if (!j)
		return;
	free(j->variant);
	free(j->matrix_name);
	j->variant = NULL;
	j->matrix_name = NULL;
}

void db_jobs_free(struct db_job *jobs, size_t n)
{
	for (size_t i = 0; jobs && i < n; i++)
		db_job_release(&jobs[i]);
	free(jobs);
}

/* A queued job; same_boot_as 0 (NULL): it is claimed, else it waits for that job's boot. */
static int add_queued(struct db *db, long run_id, const char *kind, long config_id, const char *variant,
		      int max_attempts, long same_boot_as, long *job_id)
{
	int rc = db_exec(db,
			 "INSERT INTO jobs (run_id, kind, config_id, variant, state, max_attempts, same_boot_as, created_at)"
			 " VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)",
			 "ltItlIi", run_id, kind, config_id, variant, (long)max_attempts, same_boot_as, db_now());

	if (rc)
		return rc;
	if (job_id)
		*job_id = db_last_id(db);
	return 0;
}

int db_job_add(struct db *db, long run_id, const char *kind, long config_id, const char *variant, int max_attempts,
	       long *job_id)
{
	return add_queued(db, run_id, kind, config_id, variant, max_attempts, 0, job_id);
}

int db_job_add_done(struct db *db, long run_id, const char *kind, long config_id, const char *variant,
		    const char *status, const char *message, long *job_id)
{
	int64_t now = db_now();
	int rc = db_exec(db,
			 "INSERT INTO jobs (run_id, kind, config_id, variant, state, status, message, created_at,"
			 " finished_at) VALUES (?, ?, ?, ?, 'done', ?, ?, ?, ?)",
			 "ltItttii", run_id, kind, config_id, variant, status, message, now, now);

	if (rc)
		return rc;
	if (job_id)
		*job_id = db_last_id(db);
	return 0;
}

int db_job_set_same_boot(struct db *db, long job_id, long booted)
{
	return db_exec(db, "UPDATE jobs SET same_boot_as = ? WHERE id = ? AND kind = 'boot' AND state = 'done'", "ll",
		       booted, job_id);
}

int db_job_add_waiting(struct db *db, long run_id, long config_id, const char *variant, int max_attempts,
		       long same_boot_as, long *job_id)
{
	return add_queued(db, run_id, job_kind_name(JOB_BOOT), config_id, variant, max_attempts, same_boot_as, job_id);
}

int db_jobs_waiting_boot(struct db *db, long job_id, long **ids, char ***variants, size_t *n)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*variants = NULL;
	*n = 0;
	rc = db_prep(db, &st, "SELECT id, variant FROM jobs WHERE same_boot_as = ? AND state = 'queued' ORDER BY id", "l",
		     job_id);
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
			*variants = xrealloc(*variants, cap * sizeof(**variants));
		}
		(*ids)[*n] = (long)sqlite3_column_int64(st, 0);
		(*variants)[(*n)++] = db_col_strdup(st, 1);
	}
	sqlite3_finalize(st);
	return rc;
}

int db_job_finish_shared(struct db *db, long job_id, const char *status, const char *message)
{
	int64_t now = db_now();

	return db_exec(db,
		       "UPDATE jobs SET state = 'done', status = ?, message = ?, started_at = ?, finished_at = ?"
		       " WHERE id = ? AND state = 'queued'",
		       "ttiil", status, message, now, now, job_id);
}

int db_jobs_stop_waiting(struct db *db, long job_id)
{
	return db_exec(db, "UPDATE jobs SET same_boot_as = NULL WHERE same_boot_as = ? AND state = 'queued'", "l", job_id);
}

int db_jobs_queued(struct db *db, const char *const *kinds, size_t limit, struct db_job **jobs, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct db_job *out = NULL;
	size_t count = 0, cap = 0;
	int rc;
	const char *k[4] = { NULL, NULL, NULL, NULL };

	*jobs = NULL;
	*n = 0;
	for (size_t i = 0; kinds && kinds[i] && i < 4; i++)
		k[i] = kinds[i];
	/*
	 * Configure first (it unlocks everything else), then the other kinds in
	 * the order the worker listed them: a worker that boots beside its builds
	 * asks for builds first, one that does one job at a time for boots first.
	 */
	rc = db_prep(db, &st,
		     "SELECT j.id, j.run_id, COALESCE(j.config_id, 0), j.kind, j.variant, j.attempts, j.max_attempts,"
		     " r.tree_id, r.matrix_name, r.created_at,"
		     " COALESCE((SELECT b.worker_id FROM builds b WHERE b.config_id = j.config_id), 0)"
		     " FROM jobs j JOIN runs r ON r.id = j.run_id"
		     " WHERE j.state = 'queued' AND j.same_boot_as IS NULL AND j.kind IN (?, ?, ?, ?)"
		     " ORDER BY CASE j.kind WHEN 'configure' THEN 0 WHEN ? THEN 1 WHEN ? THEN 2 WHEN ? THEN 3 ELSE 4 END,"
		     " j.run_id, j.id LIMIT ?",
		     "ttttttt" "l", k[0], k[1], k[2], k[3], k[0], k[1], k[2], (long)limit);
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		struct db_job *j;

		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			out = xrealloc(out, cap * sizeof(*out));
		}
		j = &out[count++];
		memset(j, 0, sizeof(*j));
		j->id = (long)sqlite3_column_int64(st, 0);
		j->run_id = (long)sqlite3_column_int64(st, 1);
		j->config_id = (long)sqlite3_column_int64(st, 2);
		snprintf(j->kind, sizeof(j->kind), "%s", (const char *)sqlite3_column_text(st, 3));
		j->variant = db_col_strdup(st, 4);
		j->attempts = sqlite3_column_int(st, 5);
		j->max_attempts = sqlite3_column_int(st, 6);
		j->tree_id = (long)sqlite3_column_int64(st, 7);
		j->matrix_name = db_col_strdup(st, 8);
		j->run_created_at = sqlite3_column_int64(st, 9);
		j->built_by = (long)sqlite3_column_int64(st, 10);
	}
	sqlite3_finalize(st);
	if (rc) {
		db_jobs_free(out, count);
		return rc;
	}
	*jobs = out;
	*n = count;
	return 0;
}

int db_job_lease(struct db *db, long job_id, long worker_id, const char *lease_id, int64_t expires)
{
	int rc = db_exec(db,
			 "UPDATE jobs SET state = 'running', worker_id = ?, lease_id = ?, lease_expires = ?,"
			 " attempts = attempts + 1, started_at = ? WHERE id = ? AND state = 'queued'",
			 "ltiil", worker_id, lease_id, expires, db_now(), job_id);

	if (rc)
		return rc;
	if (db_changes(db) == 0)
		return err_set(KM_ECONFLICT, "job %ld is no longer queued", job_id);
	return 0;
}

int db_job_check_lease(struct db *db, long job_id, long worker_id, const char *lease_id, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st,
			 "SELECT state, lease_id, lease_expires, result_lease, COALESCE(worker_id, 0), attempts"
			 " FROM jobs WHERE id = ?",
			 "l", job_id);

	if (rc)
		return rc;
	rc = db_step(db, st);
	if (rc == 0) {
		rc = err_set(KM_ENOTFOUND, "no job %ld", job_id);
	} else if (rc == 1) {
		const char *state = (const char *)sqlite3_column_text(st, 0);
		const char *current = (const char *)sqlite3_column_text(st, 1);
		int64_t expires = sqlite3_column_int64(st, 2);
		const char *delivered = (const char *)sqlite3_column_text(st, 3);
		long holder = (long)sqlite3_column_int64(st, 4);
		int attempt = sqlite3_column_int(st, 5);

		/* Lease ids are the worker's input: they are never echoed in messages. */
		if (delivered && strcmp(delivered, lease_id) == 0)
			rc = err_set(KM_EEXISTS, "job %ld: this result was already recorded", job_id);
		else if (strcmp(state, "running") != 0 || !current || strcmp(current, lease_id) != 0)
			rc = err_set(KM_ECONFLICT, "job %ld: the lease is not the job's current lease (attempt %d, job is %s)", job_id,
				     attempt, state);
		else if (holder != worker_id)
			rc = err_set(KM_ECONFLICT, "job %ld: the lease belongs to another worker", job_id);
		else if (expires < now)
			rc = err_set(KM_ECONFLICT, "job %ld: lease expired %lld s ago", job_id, (long long)(now - expires));
		else
			rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int db_job_extend(struct db *db, long job_id, long worker_id, const char *lease_id, int64_t expires)
{
	int rc = db_job_check_lease(db, job_id, worker_id, lease_id, db_now());

	if (rc == KM_EEXISTS)
		return err_set(KM_ECONFLICT, "job %ld is finished", job_id);
	if (rc)
		return rc;
	return db_exec(db, "UPDATE jobs SET lease_expires = ? WHERE id = ? AND lease_id = ? AND worker_id = ?", "iltl",
		       expires, job_id, lease_id, worker_id);
}

int db_job_finish(struct db *db, long job_id, const char *lease_id, const char *status, const char *message)
{
	return db_exec(db,
		       "UPDATE jobs SET state = 'done', status = ?, message = ?, result_lease = ?, finished_at = ?"
		       " WHERE id = ?",
		       "tttil", status, message, lease_id, db_now(), job_id);
}

int db_job_mark_delivered(struct db *db, long job_id, const char *lease_id)
{
	return db_exec(db, "UPDATE jobs SET result_lease = ? WHERE id = ?", "tl", lease_id, job_id);
}

int db_job_retry_or_fail(struct db *db, long job_id, const char *message, bool *requeued)
{
	long attempts = 0, max_attempts = 0;
	int rc = db_scalar_long(db, &attempts, "SELECT attempts FROM jobs WHERE id = ?", "l", job_id);

	if (rc == 0)
		rc = db_scalar_long(db, &max_attempts, "SELECT max_attempts FROM jobs WHERE id = ?", "l", job_id);
	if (rc)
		return rc;
	*requeued = attempts < max_attempts;
	if (*requeued)
		return db_exec(db,
			       "UPDATE jobs SET state = 'queued', lease_id = NULL, lease_expires = NULL,"
			       " worker_id = NULL, message = ? WHERE id = ?",
			       "tl", message, job_id);
	rc = db_exec(db, "UPDATE jobs SET state = 'done', status = 'ERROR', message = ?, finished_at = ? WHERE id = ?",
		     "til", message, db_now(), job_id);
	/* Its boot never comes: the jobs waiting for it boot on their own. */
	return rc ? rc : db_jobs_stop_waiting(db, job_id);
}

int db_leases_expire(struct db *db, int64_t now, int *requeued, int *errored, void (*fn)(void *ctx, long run_id),
		     void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*requeued = 0;
	*errored = 0;
	rc = db_prep(db, &st,
		     "SELECT id, run_id FROM jobs WHERE state = 'running' AND lease_expires IS NOT NULL"
		     " AND lease_expires < ?",
		     "i", now);
	if (rc)
		return rc;
	return requeue_selected(db, st, "lease expired: the worker stopped reporting", requeued, errored, fn, ctx);
}

int db_job_get(struct db *db, long job_id, struct db_job_info *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_row(db, &st, "job", job_id,
		    "SELECT id, run_id, COALESCE(config_id, 0), COALESCE(worker_id, 0), kind, state, status, variant"
		    " FROM jobs WHERE id = ?",
		    "l", job_id);
	if (rc)
		return rc;
	out->id = (long)sqlite3_column_int64(st, 0);
	out->run_id = (long)sqlite3_column_int64(st, 1);
	out->config_id = (long)sqlite3_column_int64(st, 2);
	out->worker_id = (long)sqlite3_column_int64(st, 3);
	if (!job_kind_parse((const char *)sqlite3_column_text(st, 4), &out->kind) ||
	    !job_state_parse((const char *)sqlite3_column_text(st, 5), &out->state))
		rc = err_set(KM_EIO, "job %ld has a kind or state the farm does not know", job_id);
	out->has_status = sqlite3_column_type(st, 6) != SQLITE_NULL;
	if (!rc && out->has_status && !job_status_parse((const char *)sqlite3_column_text(st, 6), &out->status))
		rc = err_set(KM_EIO, "job %ld has a status the farm does not know", job_id);
	if (!rc)
		out->variant = db_col_strdup(st, 7);
	sqlite3_finalize(st);
	return rc;
}

void db_job_info_release(struct db_job_info *j)
{
	if (!j)
		return;
	free(j->variant);
	memset(j, 0, sizeof(*j));
}

int db_run_counts(struct db *db, long run_id, struct db_run_counts *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_prep(db, &st,
		     "SELECT kind, state, COALESCE(status, ''), COUNT(*) FROM jobs WHERE run_id = ?"
		     " AND kind IN ('configure', 'build', 'boot') GROUP BY kind, state, status",
		     "l", run_id);
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		enum job_kind k;
		enum job_state state = JOB_CANCELLED;
		enum job_status status = STATUS_PASS; /* no status yet counts as neither FAIL nor ERROR */
		int count = sqlite3_column_int(st, 3);

		if (!job_kind_parse((const char *)sqlite3_column_text(st, 0), &k))
			continue;
		job_state_parse((const char *)sqlite3_column_text(st, 1), &state);
		job_status_parse((const char *)sqlite3_column_text(st, 2), &status);
		if (state == JOB_QUEUED)
			out->queued[k] += count;
		else if (state == JOB_RUNNING)
			out->running[k] += count;
		else if (state == JOB_DONE)
			out->done[k] += count;
		else
			out->cancelled[k] += count;
		if (status == STATUS_FAIL)
			out->status_fail[k] += count;
		else if (status == STATUS_ERROR)
			out->status_error[k] += count;
	}
	sqlite3_finalize(st);
	return rc;
}

int db_worker_last_config(struct db *db, long worker_id, long tree_id, const char *matrix_name, char **config_text)
{
	int rc = db_get(db,
			"SELECT c.config_text FROM builds b JOIN configs c ON c.id = b.config_id"
			" JOIN runs r ON r.id = c.run_id"
			" WHERE b.worker_id = ? AND r.tree_id = ? AND r.matrix_name = ?"
			" ORDER BY b.finished_at DESC, b.job_id DESC LIMIT 1",
			"llt", "t", worker_id, tree_id, matrix_name, config_text);

	return rc < 0 ? rc : 0;
}
