/* What the notifier reads of a finished run, and its queue of finished runs still to report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "err.h"
#include "xalloc.h"

int db_notify_signature_configs(struct db *db, long run_id, long signature_id, long **ids, size_t *n,
				char **first_lines)
{
	sqlite3_stmt *st = NULL;
	long *v = NULL;
	size_t count = 0;
	int rc = db_prep(
		db, &st,
		"SELECT j.config_id, e.first_lines FROM errors e JOIN jobs j ON j.id = e.job_id"
		" WHERE j.run_id = ? AND j.kind = 'build' AND e.signature_id = ? ORDER BY j.config_id, j.id",
		"ll", run_id, signature_id);

	*ids = NULL;
	*n = 0;
	*first_lines = NULL;
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		long cid = (long)sqlite3_column_int64(st, 0);

		if (count && v[count - 1] == cid)
			continue;
		if (!*first_lines)
			*first_lines = db_col_strdup(st, 1);
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = cid;
	}
	sqlite3_finalize(st);
	if (rc) {
		free(v);
		free(*first_lines);
		*first_lines = NULL;
		return rc;
	}
	*ids = v;
	*n = count;
	return 0;
}

int db_notify_signature_diagnosis(struct db *db, long run_id, long signature_id, char **json)
{
	int rc = db_get(db,
			"SELECT e.diagnosis FROM errors e JOIN jobs j ON j.id = e.job_id WHERE j.run_id = ?"
			" AND e.signature_id = ? AND e.diagnosis IS NOT NULL ORDER BY j.config_id LIMIT 1",
			"ll", "t", run_id, signature_id, json);

	return rc < 0 ? rc : 0;
}

int db_notify_signature_get(struct db *db, long signature_id, char **type, char **message, char **signature)
{
	sqlite3_stmt *st = NULL;
	int rc = db_row(db, &st, "signature", signature_id,
			"SELECT type, message, signature FROM signatures WHERE id = ?", "l",
			signature_id);

	*type = *message = *signature = NULL;
	if (rc)
		return rc;
	*type = db_col_strdup(st, 0);
	*message = db_col_strdup(st, 1);
	*signature = db_col_strdup(st, 2);
	sqlite3_finalize(st);
	return 0;
}

/* ---- finished runs for the notifier --------------------------------------------------------------- */

int db_notify_run_add(struct db *db, long run_id, int64_t now)
{
	return db_exec(db,
		       "INSERT OR IGNORE INTO notify_runs (run_id, state, attempts, next_attempt, updated_at)"
		       " VALUES (?, 'pending', 0, ?, ?)",
		       "lii", run_id, now, now);
}

int db_notify_run_done(struct db *db, long run_id, int mails, int64_t now)
{
	return db_exec(db,
		       "UPDATE notify_runs SET state = 'done', mails = ?, last_error = NULL, updated_at = ? "
		       "WHERE run_id = ?",
		       "lil", (long)mails, now, run_id);
}

int db_notify_run_retry(struct db *db, long run_id, int64_t next_attempt, const char *error, int64_t now)
{
	return db_exec(db,
		       "UPDATE notify_runs SET attempts = attempts + 1, next_attempt = ?, last_error = ?, "
		       "updated_at = ?"
		       " WHERE run_id = ? AND state = 'pending'",
		       "itil", next_attempt, error, now, run_id);
}

int db_notify_runs_due(struct db *db, int64_t now, size_t limit, long **ids, size_t *n)
{
	return db_ids(db, ids, n,
		      "SELECT run_id FROM notify_runs WHERE state = 'pending' AND next_attempt <= ? ORDER BY run_id"
		      " LIMIT ?",
		      "il", now, (long)limit);
}
