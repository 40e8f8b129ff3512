/* Bisections and their steps: the SQL behind server/bisect.c. */
#include "db_bisect.h"

#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "err.h"
#include "xalloc.h"

int db_bisection_add(struct db *db, const struct db_bisection_new *b, long *id)
{
	int64_t now = db_now();
	int rc;

	*id = 0;
	rc = db_exec(db,
		     "INSERT INTO bisections (run_id, base_run, signature_id, config_id, good_commit, bad_commit, state,"
		     " reason, created_at, finished_at, kind, variant, role, before_outcome, after_outcome)"
		     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		     "llIlttttiI" "ttttt", b->run_id, b->base_run, b->signature_id, b->config_id, b->good_commit,
		     b->bad_commit, b->state, b->reason, now, strcmp(b->state, "walking") == 0 ? 0L : (long)now,
		     b->kind ? b->kind : "build", b->variant, b->role, b->before, b->after);
	if (rc)
		return rc;
	*id = db_last_id(db);
	return 0;
}

int db_bisect_step_add(struct db *db, long bisection_id, long job_id, const char *op, long position,
		       const char *commit_id)
{
	return db_exec(db,
		       "INSERT INTO bisect_steps (job_id, bisection_id, op, position, commit_id) VALUES (?, ?, ?, ?, ?)",
		       "llt" "lt", job_id, bisection_id, op, position, commit_id);
}

static void step_release(struct db_bisect_step *s)
{
	free(s->op);
	free(s->commit_id);
	free(s->verdict);
	free(s->reason);
	free(s->job_state);
	free(s->job_status);
	free(s->job_message);
}

void db_bisection_release(struct db_bisection *b)
{
	if (!b)
		return;
	free(b->good_commit);
	free(b->bad_commit);
	free(b->state);
	free(b->reason);
	free(b->commits);
	free(b->signature);
	free(b->signature_message);
	free(b->kind);
	free(b->variant);
	free(b->role);
	free(b->before);
	free(b->after);
	for (size_t i = 0; i < b->nsteps; i++)
		step_release(&b->steps[i]);
	free(b->steps);
	memset(b, 0, sizeof(*b));
}

static int load_steps(struct db *db, struct db_bisection *b)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc = db_prep(db, &st,
			 "SELECT s.job_id, s.op, COALESCE(s.position, 0), s.commit_id, s.verdict, s.reason, j.state,"
			 " j.status, j.message, COALESCE(j.finished_at, 0)"
			 " FROM bisect_steps s JOIN jobs j ON j.id = s.job_id WHERE s.bisection_id = ? ORDER BY s.job_id",
			 "l", b->id);

	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		struct db_bisect_step *s;

		if (b->nsteps == cap) {
			cap = cap ? cap * 2 : 8;
			b->steps = xrealloc(b->steps, cap * sizeof(*b->steps));
		}
		s = &b->steps[b->nsteps++];
		db_cols(st, "ltltttttti", &s->job_id, &s->op, &s->position, &s->commit_id, &s->verdict, &s->reason,
			&s->job_state, &s->job_status, &s->job_message, &s->finished_at);
	}
	sqlite3_finalize(st);
	return rc;
}

int db_bisection_get(struct db *db, long id, struct db_bisection *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	/* signature_id NULL (a boot) reads as 0. */
	rc = db_get(db,
		    "SELECT b.id, b.run_id, b.base_run, b.signature_id, b.config_id, b.good_commit, b.bad_commit, b.state,"
		    " b.reason, b.commits, b.good_checked, COALESCE(b.first_bad, 0), COALESCE(b.range_first, 0),"
		    " b.created_at, COALESCE(b.finished_at, 0), s.signature, s.message, b.kind, b.variant, b.role,"
		    " b.before_outcome, b.after_outcome"
		    " FROM bisections b LEFT JOIN signatures s ON s.id = b.signature_id WHERE b.id = ?",
		    "l", "lllll" "ttttt" "nll" "ii" "ttttttt", id, &out->id, &out->run_id, &out->base_run,
		    &out->signature_id, &out->config_id, &out->good_commit, &out->bad_commit, &out->state, &out->reason,
		    &out->commits, &out->good_checked, &out->first_bad, &out->range_first, &out->created_at,
		    &out->finished_at, &out->signature, &out->signature_message, &out->kind, &out->variant, &out->role,
		    &out->before, &out->after);
	if (rc == 0)
		rc = err_set(KM_ENOTFOUND, "no bisection %ld", id);
	else if (rc == 1)
		rc = 0;
	if (!rc)
		rc = load_steps(db, out);
	if (rc)
		db_bisection_release(out);
	return rc;
}

int db_bisections_find(struct db *db, long run_id, long signature_id, int only_active, long **ids, size_t *n)
{
	return db_ids(db, ids, n,
		      "SELECT id FROM bisections WHERE (? = 0 OR run_id = ?) AND (? = 0 OR signature_id = ?)"
		      " AND (? = 0 OR state IN ('walking', 'stepping')) ORDER BY id",
		      "lllll", run_id, run_id, signature_id, signature_id, (long)only_active);
}

int db_bisect_step_of_job(struct db *db, long job_id, long *bisection_id)
{
	int rc = db_scalar_long(db, bisection_id, "SELECT bisection_id FROM bisect_steps WHERE job_id = ?", "l", job_id);

	if (rc == KM_ENOTFOUND) {
		*bisection_id = 0;
		err_clear();
		return 0;
	}
	return rc;
}

int db_bisect_step_set(struct db *db, long job_id, const char *verdict, const char *reason)
{
	return db_exec(db, "UPDATE bisect_steps SET verdict = ?, reason = ? WHERE job_id = ?", "ttl", verdict, reason,
		       job_id);
}

int db_bisection_walked(struct db *db, long id, const char *commits, const char *good_commit, int good_checked)
{
	return db_exec(db,
		       "UPDATE bisections SET state = 'stepping', commits = ?, good_commit = ?, good_checked = ?"
		       " WHERE id = ? AND state = 'walking'",
		       "ttll", commits, good_commit, (long)good_checked, id);
}

int db_bisection_finish(struct db *db, long id, const char *state, long first_bad, long range_first,
			const char *reason)
{
	return db_exec(db,
		       "UPDATE bisections SET state = ?, first_bad = ?, range_first = ?, reason = ?, finished_at = ?"
		       " WHERE id = ? AND state IN ('walking', 'stepping')",
		       "tIIti" "l", state, first_bad, range_first, reason, db_now(), id);
}

int db_bisections_cancel_older(struct db *db, long tree_id, const char *ref, long run_id, int *n)
{
	char why[64];
	int rc;

	*n = 0;
	snprintf(why, sizeof(why), "superseded by run %ld", run_id);
	rc = db_exec(db,
		     "UPDATE jobs SET state = 'cancelled', status = 'MISS', message = ?, finished_at = ?"
		     " WHERE state = 'queued' AND kind = 'bisect' AND id IN (SELECT s.job_id FROM bisect_steps s"
		     " JOIN bisections b ON b.id = s.bisection_id JOIN runs r ON r.id = b.run_id"
		     " WHERE b.state IN ('walking', 'stepping') AND r.tree_id = ? AND r.ref = ? AND r.id < ?)",
		     "tilt" "l", why, db_now(), tree_id, ref, run_id);
	if (rc)
		return rc;
	rc = db_exec(db,
		     "UPDATE bisections SET state = 'cancelled', reason = ?, finished_at = ?"
		     " WHERE state IN ('walking', 'stepping') AND run_id IN"
		     " (SELECT id FROM runs WHERE tree_id = ? AND ref = ? AND id < ?)",
		     "tilt" "l", why, db_now(), tree_id, ref, run_id);
	if (!rc)
		*n = db_changes(db);
	return rc;
}

int db_notify_run_due_now(struct db *db, long run_id, int64_t now)
{
	return db_exec(db, "UPDATE notify_runs SET next_attempt = ?, updated_at = ? WHERE run_id = ? AND state = 'pending'",
		       "iil", now, now, run_id);
}

int db_notify_run_pending(struct db *db, long run_id, int *pending)
{
	long v = 0;
	int rc = db_scalar_long(db, &v, "SELECT COUNT(*) FROM notify_runs WHERE run_id = ? AND state = 'pending'", "l",
				run_id);

	*pending = rc == 0 && v > 0;
	return rc;
}
