/* Trees, runs, their requests and their distinct configs, and what pushes make of runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "err.h"
#include "xalloc.h"

int db_tree_find(struct db *db, const char *name, const char *url, long *tree_id)
{
	int rc;

	if (name)
		rc = db_scalar_long(db, tree_id, "SELECT id FROM trees WHERE name = ?", "t", name);
	else
		rc = db_scalar_long(db, tree_id, "SELECT id FROM trees WHERE url = ? ORDER BY id LIMIT 1", "t", url);
	if (rc == KM_ENOTFOUND)
		return err_set(KM_ENOTFOUND, "no tree %s '%s'", name ? "named" : "with URL", name ? name : url);
	return rc;
}

int db_tree_ensure(struct db *db, const char *name, const char *url, long *tree_id)
{
	int rc = db_tree_find(db, name, NULL, tree_id);

	if (rc != KM_ENOTFOUND)
		return rc;
	rc = db_exec(db, "INSERT INTO trees (name, url, created_at) VALUES (?, ?, ?)", "tti", name, url, db_now());
	if (rc)
		return rc;
	*tree_id = db_last_id(db);
	return 0;
}

int db_tree_set_secret(struct db *db, long tree_id, const char *secret)
{
	return db_exec(db, "UPDATE trees SET secret = ? WHERE id = ?", "tl", secret, tree_id);
}

int db_tree_set_poll(struct db *db, long tree_id, const char *branches)
{
	return db_exec(db, "UPDATE trees SET poll_branches = ? WHERE id = ?", "tl", branches, tree_id);
}

int db_tree_get(struct db *db, long tree_id, struct db_tree *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_get(db, "SELECT id, name, url, secret, poll_branches FROM trees WHERE id = ?", "l", "ltttt", tree_id,
		    &out->id, &out->name, &out->url, &out->secret, &out->poll_branches);
	if (rc <= 0)
		return rc ? rc : err_set(KM_ENOTFOUND, "no tree %ld", tree_id);
	return 0;
}

void db_tree_release(struct db_tree *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->url);
	free(t->secret);
	free(t->poll_branches);
	memset(t, 0, sizeof(*t));
}

int db_run_create(struct db *db, const struct db_run_new *r, long *run_id)
{
	int rc = db_exec(db,
			 "INSERT INTO runs (tree_id, ref, commit_id, base_commit, subject, author_name, author_email,"
			 " pusher_email, matrix_name, matrix_bundle, trigger, state, created_at)"
			 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
			 "lttttttttttl", r->tree_id, r->ref, r->commit_id, r->base_commit, r->subject, r->author_name,
			 r->author_email, r->pusher_email, r->matrix_name, r->matrix_bundle, r->trigger,
			 (long)db_now());

	if (rc)
		return rc;
	*run_id = db_last_id(db);
	return 0;
}

int db_run_get(struct db *db, long run_id, struct db_run *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_get(db,
		    "SELECT r.id, r.tree_id, t.name, t.url, r.ref, r.commit_id, r.base_commit, r.matrix_name,"
		    " r.matrix_bundle, r.state,"
		    /* The commit's author, as the configure job read it; the push's only when the commit gave none. */
		    " CASE WHEN COALESCE(r.author_email, '') != '' THEN r.author_email ELSE g.author_email END,"
		    " r.pusher_email, r.subject, r.superseded_by, r.created_at, r.finished_at,"
		    " CASE WHEN COALESCE(r.author_email, '') != '' THEN r.author_name ELSE g.author_name END"
		    " FROM runs r JOIN trees t ON t.id = r.tree_id LEFT JOIN run_triggers g ON g.run_id = r.id"
		    " WHERE r.id = ?",
		    "l", "ll" "ttttttttttt" "lii" "t", run_id, &out->id, &out->tree_id, &out->tree_name, &out->tree_url,
		    &out->ref, &out->commit_id, &out->base_commit, &out->matrix_name, &out->matrix_bundle, &out->state,
		    &out->author_email, &out->pusher_email, &out->subject, &out->superseded_by, &out->created_at,
		    &out->finished_at, &out->author_name);
	if (rc <= 0)
		return rc ? rc : err_set(KM_ENOTFOUND, "no run %ld", run_id);
	return 0;
}

void db_run_release(struct db_run *r)
{
	if (!r)
		return;
	free(r->tree_name);
	free(r->tree_url);
	free(r->ref);
	free(r->commit_id);
	free(r->base_commit);
	free(r->matrix_name);
	free(r->matrix_bundle);
	free(r->author_name);
	free(r->state);
	free(r->author_email);
	free(r->pusher_email);
	free(r->subject);
	memset(r, 0, sizeof(*r));
}

int db_run_set_state(struct db *db, long run_id, const char *state, const char *message)
{
	bool final = strcmp(state, "done") == 0 || strcmp(state, "error") == 0 || strcmp(state, "cancelled") == 0 ||
		     strcmp(state, "superseded") == 0;
	bool started = strcmp(state, "queued") != 0;

	return db_exec(db,
		       "UPDATE runs SET state = ?, message = COALESCE(?, message),"
		       " started_at = CASE WHEN ? AND started_at IS NULL THEN ? ELSE started_at END,"
		       " finished_at = CASE WHEN ? AND finished_at IS NULL THEN ? ELSE finished_at END"
		       " WHERE id = ?",
		       "ttlilil", state, message, (long)started, db_now(), (long)final, db_now(), run_id);
}

int db_run_set_commit(struct db *db, long run_id, const char *commit_id, const char *subject,
		      const char *author_name, const char *author_email)
{
	return db_exec(db,
		       "UPDATE runs SET commit_id = COALESCE(?, commit_id), subject = COALESCE(subject, ?),"
		       " author_name = COALESCE(author_name, ?), author_email = COALESCE(author_email, ?)"
		       " WHERE id = ?",
		       "ttttl", commit_id, subject, author_name, author_email, run_id);
}

int db_runs_supersede(struct db *db, long tree_id, const char *ref, long new_run_id, int *nruns)
{
	int rc;

	*nruns = 0;
	rc = db_exec(db,
		     "UPDATE jobs SET state = 'cancelled', status = 'MISS', message = 'superseded by run ' || ?,"
		     " finished_at = ? WHERE state = 'queued' AND run_id IN (SELECT id FROM runs WHERE tree_id = ?"
		     " AND ref = ? AND id != ? AND state IN ('queued', 'configuring', 'building', 'booting'))",
		     "liltl", new_run_id, db_now(), tree_id, ref, new_run_id);
	if (rc)
		return rc;
	rc = db_exec(db,
		     "UPDATE runs SET state = 'superseded', superseded_by = ?, finished_at = ?"
		     " WHERE tree_id = ? AND ref = ? AND id != ? AND state IN ('queued', 'configuring', 'building',"
		     " 'booting')",
		     "liltl", new_run_id, db_now(), tree_id, ref, new_run_id);
	if (rc)
		return rc;
	*nruns = db_changes(db);
	return 0;
}

int db_run_cancel(struct db *db, long run_id, const char *message)
{
	int rc = db_exec(db,
			 "UPDATE jobs SET state = 'cancelled', status = 'MISS', message = ?, finished_at = ?"
			 " WHERE state = 'queued' AND run_id = ?",
			 "til", message, db_now(), run_id);

	if (rc)
		return rc;
	return db_run_set_state(db, run_id, "cancelled", message);
}

int db_request_add(struct db *db, long run_id, int idx, const char *point)
{
	return db_exec(db, "INSERT INTO requests (run_id, idx, point) VALUES (?, ?, ?)", "llt", run_id, (long)idx,
		       point);
}

int db_request_count(struct db *db, long run_id, long *n)
{
	return db_scalar_long(db, n, "SELECT COUNT(*) FROM requests WHERE run_id = ?", "l", run_id);
}

int db_requests_each(struct db *db, long run_id, void (*fn)(void *ctx, long id, int idx, const char *point),
		     void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st, "SELECT id, idx, point FROM requests WHERE run_id = ? ORDER BY idx", "l", run_id);

	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1)
		fn(ctx, (long)sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
		   (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	return rc;
}

int db_request_point(struct db *db, long run_id, int idx, char *point, size_t size)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_first(db, &st, "SELECT point FROM requests WHERE run_id = ? AND idx = ?", "ll", run_id, (long)idx);
	if (rc == 1) {
		snprintf(point, size, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		rc = 0;
	} else if (rc == 0) {
		rc = err_set(KM_ENOTFOUND, "run %ld has no request %d", run_id, idx);
	}
	return rc;
}

int db_request_map(struct db *db, long run_id, int idx, long config_id, bool clamped, const char *clamp_diff)
{
	int rc = db_exec(db, "UPDATE requests SET config_id = ?, clamped = ?, clamp_diff = ? WHERE run_id = ? AND idx = ?",
			 "lltll", config_id, (long)clamped, clamp_diff, run_id, (long)idx);

	if (rc == 0 && db_changes(db) == 0)
		return err_set(KM_ENOTFOUND, "run %ld has no request %d", run_id, idx);
	return rc;
}

int db_config_ensure(struct db *db, long run_id, const char *hash, const char *point, const char *effective,
		     const char *config_text, long *config_id, bool *created)
{
	int rc = db_scalar_long(db, config_id, "SELECT id FROM configs WHERE run_id = ? AND hash = ?", "lt", run_id,
				hash);

	*created = false;
	if (rc != KM_ENOTFOUND)
		return rc;
	rc = db_exec(db, "INSERT INTO configs (run_id, hash, point, effective, config_text) VALUES (?, ?, ?, ?, ?)",
		     "ltttt", run_id, hash, point, effective, config_text);
	if (rc)
		return rc;
	*config_id = db_last_id(db);
	*created = true;
	return 0;
}

int db_config_get(struct db *db, long config_id, struct db_config *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_get(db, "SELECT id, run_id, hash, point, effective, config_text FROM configs WHERE id = ?", "l",
		    "lltttt", config_id, &out->id, &out->run_id, &out->hash, &out->point, &out->effective,
		    &out->config_text);
	if (rc <= 0)
		return rc ? rc : err_set(KM_ENOTFOUND, "no config %ld", config_id);
	return 0;
}

void db_config_release(struct db_config *c)
{
	if (!c)
		return;
	free(c->hash);
	free(c->point);
	free(c->effective);
	free(c->config_text);
	memset(c, 0, sizeof(*c));
}

int db_config_text(struct db *db, long config_id, char **text)
{
	int rc = db_get(db, "SELECT config_text FROM configs WHERE id = ?", "l", "t", config_id, text);

	if (rc <= 0)
		return rc ? rc : err_set(KM_ENOTFOUND, "no config %ld", config_id);
	return 0;
}

int db_push_is_replay(struct db *db, long tree_id, const char *ref, const char *after, bool *replay)
{
	long v = 0;
	int rc = db_scalar_long(
		db, &v,
		"SELECT EXISTS (SELECT 1 FROM run_triggers t JOIN runs r ON r.id = t.run_id"
		"  WHERE r.tree_id = ?1 AND r.ref = ?2 AND t.before_commit = ?3)"
		" OR EXISTS (SELECT 1 FROM runs r WHERE r.tree_id = ?1 AND r.ref = ?2 AND r.commit_id = ?3"
		"  AND EXISTS (SELECT 1 FROM runs n WHERE n.tree_id = ?1 AND n.ref = ?2 AND n.id > r.id"
		"   AND (n.commit_id IS NULL OR n.commit_id <> ?3)))",
		"ltt", tree_id, ref, after);

	*replay = v != 0;
	return rc;
}

/* ---- pushes: what a push made, and the runs it supersedes or cancels ------------------------- */

int db_tree_set_url(struct db *db, long tree_id, const char *url)
{
	return db_exec(db, "UPDATE trees SET url = ? WHERE id = ?", "tl", url, tree_id);
}

int db_run_trigger_add(struct db *db, long run_id, const struct db_run_trigger *t)
{
	return db_exec(
		db,
		"INSERT OR REPLACE INTO run_triggers (run_id, source, delivery, before_commit, after_commit,"
		" created, base_ref, pusher_email, author_email, author_name, received_at)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		"lttttltttti", run_id, t->source, t->delivery, t->before_commit, t->after_commit,
		(long)t->created, t->base_ref, t->pusher_email, t->author_email, t->author_name, db_now());
}

int db_run_latest(struct db *db, long tree_id, const char *ref, const char *matrix_name, long *run_id,
		  char **commit_id, char **state)
{
	int rc = db_get(db,
			"SELECT id, commit_id, state FROM runs WHERE tree_id = ? AND ref = ? AND matrix_name = ?"
			" ORDER BY id DESC LIMIT 1",
			"ltt", "ltt", tree_id, ref, matrix_name, run_id, commit_id, state);

	if (rc <= 0)
		return rc ? rc : err_set(KM_ENOTFOUND, "no run of %s with matrix %s", ref, matrix_name);
	return 0;
}

#define UNFINISHED "('queued', 'configuring', 'building', 'booting')"

/* Older unfinished runs of the new run's tree and ref, except its siblings (same commit, another matrix). */
#define OLDER_RUNS                                                                                           \
	"SELECT o.id FROM runs o, runs n WHERE n.id = ?1 AND o.tree_id = n.tree_id AND o.ref = n.ref"        \
	" AND o.id != n.id AND o.state IN " UNFINISHED                                                       \
	" AND NOT (o.commit_id IS NOT NULL AND n.commit_id IS NOT NULL"                                      \
	" AND o.commit_id = n.commit_id AND o.matrix_name != n.matrix_name)"

int db_runs_supersede_push(struct db *db, long tree_id, const char *ref, long new_run_id, int *nruns)
{
	long check = 0;
	int rc;

	*nruns = 0;
	/* tree and ref must be the new run's: a caller's mix-up is an error, not a wrong update. */
	rc = db_scalar_long(db, &check, "SELECT COUNT(*) FROM runs WHERE id = ? AND tree_id = ? AND ref = ?",
			    "llt", new_run_id, tree_id, ref);
	if (rc)
		return rc;
	if (check != 1)
		return err_set(KM_EINVAL, "run %ld is not a run of tree %ld and %s", new_run_id, tree_id,
			       ref);
	rc = db_exec(
		db,
		"UPDATE jobs SET state = 'cancelled', status = 'MISS', message = 'superseded by run ' || ?1,"
		" finished_at = ?2 WHERE state = 'queued' AND run_id IN (" OLDER_RUNS ")",
		"li", new_run_id, db_now());
	if (rc)
		return rc;
	rc = db_exec(db,
		     "UPDATE runs SET state = 'superseded', superseded_by = ?1, finished_at = ?2"
		     " WHERE id IN (" OLDER_RUNS ")",
		     "li", new_run_id, db_now());
	if (rc)
		return rc;
	*nruns = db_changes(db);
	return 0;
}

int db_runs_cancel_ref(struct db *db, long tree_id, const char *ref, const char *message, int *nruns)
{
	int rc;

	*nruns = 0;
	rc = db_exec(
		db,
		"UPDATE jobs SET state = 'cancelled', status = 'MISS', message = ?, finished_at = ?"
		" WHERE state = 'queued' AND run_id IN (SELECT id FROM runs WHERE tree_id = ? AND ref = ?"
		" AND state IN " UNFINISHED ")",
		"tilt", message, db_now(), tree_id, ref);
	if (rc)
		return rc;
	rc = db_exec(db,
		     "UPDATE runs SET state = 'cancelled', message = ?, finished_at = ?"
		     " WHERE tree_id = ? AND ref = ? AND state IN " UNFINISHED,
		     "tilt", message, db_now(), tree_id, ref);
	if (rc)
		return rc;
	*nruns = db_changes(db);
	return 0;
}

/* The stored matrix of a run whose axes were chosen from its push (docs/auto-matrix.md). */
int db_run_set_bundle(struct db *db, long run_id, const char *bundle, const char *commit_id)
{
	return db_exec(db, "UPDATE runs SET matrix_bundle = ?, commit_id = COALESCE(?, commit_id) WHERE id = ?", "ttl",
		       bundle, commit_id, run_id);
}
