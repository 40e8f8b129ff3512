/* What triggers and the notifier keep: push details, the mail outbox with its recipients, polling state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "err.h"
#include "xalloc.h"

static bool savepoint_name_ok(const char *name)
{
	if (!name || !*name || strlen(name) > 32)
		return false;
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return false;
	}
	return true;
}

static int savepoint_exec(struct db *db, const char *verb, const char *name)
{
	char sql[80];

	if (!savepoint_name_ok(name))
		return err_set(KM_EINVAL, "db: bad savepoint name");
	snprintf(sql, sizeof(sql), "%s %s", verb, name);
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, verb);
	return 0;
}

int db_savepoint(struct db *db, const char *name)
{
	return savepoint_exec(db, "SAVEPOINT", name);
}

int db_savepoint_release(struct db *db, const char *name)
{
	return savepoint_exec(db, "RELEASE SAVEPOINT", name);
}

void db_savepoint_rollback(struct db *db, const char *name)
{
	/* ROLLBACK TO keeps the savepoint open; RELEASE closes it. */
	if (savepoint_exec(db, "ROLLBACK TO SAVEPOINT", name) == 0)
		savepoint_exec(db, "RELEASE SAVEPOINT", name);
}

int db_tree_set_url(struct db *db, long tree_id, const char *url)
{
	return db_exec(db, "UPDATE trees SET url = ? WHERE id = ?", "tl", url, tree_id);
}

/* ---- runs and pushes -------------------------------------------------------------------------- */

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
	sqlite3_stmt *st = NULL;
	int rc = db_prep(
		db, &st,
		"SELECT id, commit_id, state FROM runs WHERE tree_id = ? AND ref = ? AND matrix_name = ?"
		" ORDER BY id DESC LIMIT 1",
		"ltt", tree_id, ref, matrix_name);

	*run_id = 0;
	*commit_id = *state = NULL;
	if (rc)
		return rc;
	rc = db_step(db, st);
	if (rc == 1) {
		*run_id = (long)sqlite3_column_int64(st, 0);
		*commit_id = db_col_strdup(st, 1);
		*state = db_col_strdup(st, 2);
		rc = 0;
	} else if (rc == 0) {
		rc = err_set(KM_ENOTFOUND, "no run of %s with matrix %s", ref, matrix_name);
	}
	sqlite3_finalize(st);
	return rc;
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

int db_notify_run_get(struct db *db, long run_id, struct db_notify_run *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	/* The commit's author, as the configure job read it; the payload's only when the commit gave none. */
	rc = db_row(
		db, &st, "run", run_id,
		"SELECT r.id, r.tree_id, t.name, t.url, r.ref, r.commit_id, r.subject, r.state,"
		" CASE WHEN COALESCE(r.author_email, '') != '' THEN r.author_name ELSE g.author_name END,"
		" CASE WHEN COALESCE(r.author_email, '') != '' THEN r.author_email ELSE g.author_email END,"
		" r.matrix_name, r.matrix_bundle"
		" FROM runs r JOIN trees t ON t.id = r.tree_id LEFT JOIN run_triggers g ON g.run_id = r.id"
		" WHERE r.id = ?",
		"l", run_id);
	if (rc)
		return rc;
	out->id = (long)sqlite3_column_int64(st, 0);
	out->tree_id = (long)sqlite3_column_int64(st, 1);
	out->tree_name = db_col_strdup(st, 2);
	out->tree_url = db_col_strdup(st, 3);
	out->ref = db_col_strdup(st, 4);
	out->commit_id = db_col_strdup(st, 5);
	out->subject = db_col_strdup(st, 6);
	out->state = db_col_strdup(st, 7);
	out->author_name = db_col_strdup(st, 8);
	out->author_email = db_col_strdup(st, 9);
	out->matrix_name = db_col_strdup(st, 10);
	out->matrix_bundle = db_col_strdup(st, 11);
	sqlite3_finalize(st);
	return 0;
}

void db_notify_run_release(struct db_notify_run *r)
{
	if (!r)
		return;
	free(r->tree_name);
	free(r->tree_url);
	free(r->ref);
	free(r->commit_id);
	free(r->subject);
	free(r->state);
	free(r->author_name);
	free(r->author_email);
	free(r->matrix_name);
	free(r->matrix_bundle);
	memset(r, 0, sizeof(*r));
}

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
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st,
			 "SELECT e.diagnosis FROM errors e JOIN jobs j ON j.id = e.job_id WHERE j.run_id = ?"
			 " AND e.signature_id = ? AND e.diagnosis IS NOT NULL ORDER BY j.config_id LIMIT 1",
			 "ll", run_id, signature_id);

	*json = NULL;
	if (rc)
		return rc;
	rc = db_step(db, st);
	if (rc == 1) {
		*json = db_col_strdup(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
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

/* ---- the outbox -------------------------------------------------------------------------------- */

int db_mail_enqueue(struct db *db, const struct db_mail_new *m, long *outbox_id)
{
	long existing = 0;
	int rc = db_scalar_long(db, &existing, "SELECT id FROM mail_outbox WHERE message_id = ?", "t",
				m->message_id);

	*outbox_id = 0;
	if (rc == 0) {
		*outbox_id = existing;
		return err_set(KM_EEXISTS, "message %s is already in the outbox", m->message_id);
	}
	if (rc != KM_ENOTFOUND)
		return rc;
	rc = db_exec(
		db,
		"INSERT INTO mail_outbox (message_id, kind, run_id, tree_id, ref, commit_id, signature_id,"
		" in_reply_to, subject, body, headers, state, attempts, next_attempt, created_at)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
		"ttllttIttttii", m->message_id, m->kind, m->run_id, m->tree_id, m->ref, m->commit_id,
		m->signature_id, m->in_reply_to, m->subject, m->body,
		m->headers_json ? m->headers_json : "[]", m->now, m->now);
	if (rc)
		return rc;
	*outbox_id = db_last_id(db);
	for (size_t i = 0; !rc && i < m->nrcpt; i++)
		rc = db_exec(db,
			     "INSERT OR IGNORE INTO mail_recipients (outbox_id, address, mailbox, state)"
			     " VALUES (?, ?, ?, 'pending')",
			     "ltt", *outbox_id, m->addresses[i], m->mailboxes[i]);
	return rc;
}

int db_mail_reported(struct db *db, long tree_id, const char *commit_id, long signature_id, bool *yes)
{
	long n = 0;
	int rc = db_scalar_long(
		db, &n,
		"SELECT COUNT(*) FROM mail_outbox WHERE kind = 'report' AND tree_id = ? AND commit_id = ?"
		" AND signature_id = ?",
		"ltl", tree_id, commit_id, signature_id);

	*yes = rc == 0 && n > 0;
	return rc;
}

int db_mail_last_report(struct db *db, long tree_id, const char *ref, long signature_id, long *outbox_id,
			char **message_id, long *run_id)
{
	sqlite3_stmt *st = NULL;
	int rc =
		db_prep(db, &st,
			"SELECT id, message_id, run_id FROM mail_outbox WHERE kind = 'report' AND tree_id = ?"
			" AND ref = ? AND signature_id = ? ORDER BY id DESC LIMIT 1",
			"ltl", tree_id, ref, signature_id);

	*outbox_id = *run_id = 0;
	*message_id = NULL;
	if (rc)
		return rc;
	rc = db_step(db, st);
	if (rc == 1) {
		*outbox_id = (long)sqlite3_column_int64(st, 0);
		*message_id = db_col_strdup(st, 1);
		*run_id = (long)sqlite3_column_int64(st, 2);
		rc = 0;
	} else if (rc == 0) {
		rc = err_set(KM_ENOTFOUND, "no report of signature %ld on %s", signature_id, ref);
	}
	sqlite3_finalize(st);
	return rc;
}

int db_mail_fixed_queued(struct db *db, const char *message_id, bool *yes)
{
	long n = 0;
	int rc = db_scalar_long(db, &n,
				"SELECT COUNT(*) FROM mail_outbox WHERE kind = 'fixed' AND in_reply_to = ?",
				"t", message_id);

	*yes = rc == 0 && n > 0;
	return rc;
}

void db_strings_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int db_mail_mailboxes(struct db *db, long outbox_id, char ***mailboxes, size_t *n)
{
	sqlite3_stmt *st = NULL;
	char **v = NULL;
	size_t count = 0;
	int rc = db_prep(db, &st, "SELECT mailbox FROM mail_recipients WHERE outbox_id = ? ORDER BY rowid",
			 "l", outbox_id);

	*mailboxes = NULL;
	*n = 0;
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = db_col_strdup(st, 0);
	}
	sqlite3_finalize(st);
	if (rc) {
		db_strings_free(v, count);
		return rc;
	}
	*mailboxes = v;
	*n = count;
	return 0;
}

void db_mails_free(struct db_mail *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++) {
		free(m[i].message_id);
		free(m[i].subject);
		free(m[i].body);
		free(m[i].headers_json);
		free(m[i].in_reply_to);
		db_strings_free(m[i].addresses, m[i].nrcpt);
		db_strings_free(m[i].mailboxes, m[i].nrcpt);
	}
	free(m);
}

static int load_pending_recipients(struct db *db, struct db_mail *m)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(
		db, &st,
		"SELECT address, mailbox FROM mail_recipients WHERE outbox_id = ? AND state = 'pending'"
		" ORDER BY rowid",
		"l", m->id);

	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		m->addresses = xrealloc(m->addresses, (m->nrcpt + 1) * sizeof(char *));
		m->mailboxes = xrealloc(m->mailboxes, (m->nrcpt + 1) * sizeof(char *));
		m->addresses[m->nrcpt] = db_col_strdup(st, 0);
		m->mailboxes[m->nrcpt] = db_col_strdup(st, 1);
		m->nrcpt++;
	}
	sqlite3_finalize(st);
	return rc;
}

int db_mail_due(struct db *db, int64_t now, size_t limit, struct db_mail **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct db_mail *v = NULL;
	size_t count = 0;
	int rc = db_prep(db, &st,
			 "SELECT id, run_id, message_id, subject, body, headers, in_reply_to, attempts FROM "
			 "mail_outbox"
			 " WHERE state = 'pending' AND next_attempt <= ? ORDER BY id LIMIT ?",
			 "il", now, (long)limit);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		struct db_mail *m;

		v = xrealloc(v, (count + 1) * sizeof(*v));
		m = &v[count++];
		memset(m, 0, sizeof(*m));
		m->id = (long)sqlite3_column_int64(st, 0);
		m->run_id = (long)sqlite3_column_int64(st, 1);
		m->message_id = db_col_strdup(st, 2);
		m->subject = db_col_strdup(st, 3);
		m->body = db_col_strdup(st, 4);
		m->headers_json = db_col_strdup(st, 5);
		m->in_reply_to = db_col_strdup(st, 6);
		m->attempts = sqlite3_column_int(st, 7);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; !rc && i < count; i++)
		rc = load_pending_recipients(db, &v[i]);
	if (rc) {
		db_mails_free(v, count);
		return rc;
	}
	*out = v;
	*n = count;
	return 0;
}

int db_mail_sent_since(struct db *db, const char *address, int64_t since, long *count, int64_t *oldest)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st,
			 "SELECT COUNT(*), COALESCE(MIN(sent_at), 0) FROM mail_recipients"
			 " WHERE address = ? AND state = 'sent' AND sent_at > ?",
			 "ti", address, since);

	*count = 0;
	*oldest = 0;
	if (rc)
		return rc;
	rc = db_step(db, st);
	if (rc == 1) {
		*count = (long)sqlite3_column_int64(st, 0);
		*oldest = sqlite3_column_int64(st, 1);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int db_mail_mark_sent(struct db *db, long outbox_id, const char *const *addresses, size_t n, int64_t now,
		      int64_t next_attempt, bool *complete)
{
	long left = 0;
	int rc = 0;

	*complete = false;
	for (size_t i = 0; !rc && i < n; i++)
		rc = db_exec(db,
			     "UPDATE mail_recipients SET state = 'sent', sent_at = ? WHERE outbox_id = ? AND "
			     "address = ?",
			     "ilt", now, outbox_id, addresses[i]);
	if (!rc)
		rc = db_scalar_long(
			db, &left,
			"SELECT COUNT(*) FROM mail_recipients WHERE outbox_id = ? AND state = 'pending'", "l",
			outbox_id);
	if (rc)
		return rc;
	if (left == 0) {
		*complete = true;
		return db_exec(
			db,
			"UPDATE mail_outbox SET state = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
			"il", now, outbox_id);
	}
	return db_exec(db, "UPDATE mail_outbox SET next_attempt = ?, last_error = NULL WHERE id = ?", "il",
		       next_attempt, outbox_id);
}

int db_mail_defer(struct db *db, long outbox_id, int64_t next_attempt, bool failed, const char *error)
{
	return db_exec(db,
		       "UPDATE mail_outbox SET next_attempt = ?, attempts = attempts + ?,"
		       " last_error = COALESCE(?, last_error) WHERE id = ? AND state = 'pending'",
		       "iltl", next_attempt, (long)failed, error, outbox_id);
}

int db_mail_fail(struct db *db, long outbox_id, const char *error)
{
	return db_exec(db,
		       "UPDATE mail_outbox SET state = 'failed', attempts = attempts + 1, last_error = ? "
		       "WHERE id = ?",
		       "tl", error, outbox_id);
}

int db_mail_next_due(struct db *db, int64_t *when)
{
	long v = 0;
	int rc = db_scalar_long(
		db, &v, "SELECT COALESCE(MIN(next_attempt), 0) FROM mail_outbox WHERE state = 'pending'",
		NULL);

	*when = rc ? 0 : (int64_t)v;
	return rc;
}

static int recipients_json(struct db *db, long outbox_id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc = db_prep(
		db, &st,
		"SELECT address, state, sent_at FROM mail_recipients WHERE outbox_id = ? ORDER BY rowid", "l",
		outbox_id);

	*out = NULL;
	if (rc) {
		json_decref(arr);
		return rc;
	}
	while ((rc = db_step(db, st)) == 1)
		json_array_append_new(arr, db_row_json(st));
	sqlite3_finalize(st);
	if (rc) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int db_run_mail_json(struct db *db, long run_id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *notify = NULL, *mails = json_array();
	long exists = 0;
	size_t i;
	json_t *m;
	int rc;

	*out = NULL;
	rc = db_scalar_long(db, &exists, "SELECT id FROM runs WHERE id = ?", "l", run_id);
	if (rc == KM_ENOTFOUND)
		rc = err_set(KM_ENOTFOUND, "no run %ld", run_id);
	if (!rc)
		rc = db_prep(db, &st,
			     "SELECT state, attempts, next_attempt, last_error, mails FROM notify_runs WHERE "
			     "run_id = ?",
			     "l", run_id);
	if (!rc) {
		rc = db_step(db, st);
		if (rc == 1) {
			notify = db_row_json(st);
			rc = 0;
		}
		sqlite3_finalize(st);
	}
	if (!rc)
		rc = db_prep(db, &st,
			     "SELECT id, message_id, kind, signature_id, commit_id, subject, in_reply_to, "
			     "state, attempts,"
			     " next_attempt, last_error, created_at, sent_at FROM mail_outbox WHERE run_id = "
			     "? ORDER BY id",
			     "l", run_id);
	if (!rc) {
		while ((rc = db_step(db, st)) == 1)
			json_array_append_new(mails, db_row_json(st));
		sqlite3_finalize(st);
	}
	json_array_foreach(mails, i, m) {
		json_t *rcpts = NULL;

		if (rc)
			break;
		rc = recipients_json(db, (long)json_integer_value(json_object_get(m, "id")), &rcpts);
		if (!rc)
			json_object_set_new(m, "recipients", rcpts);
	}
	if (rc) {
		json_decref(notify);
		json_decref(mails);
		return rc;
	}
	*out = json_pack("{s:I,s:o,s:o}", "run", (json_int_t)run_id, "notify", notify ? notify : json_null(),
			 "mails", mails);
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
	sqlite3_stmt *st = NULL;
	long *v = NULL;
	size_t count = 0;
	int rc = db_prep(
		db, &st,
		"SELECT run_id FROM notify_runs WHERE state = 'pending' AND next_attempt <= ? ORDER BY run_id"
		" LIMIT ?",
		"il", now, (long)limit);

	*ids = NULL;
	*n = 0;
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = (long)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc) {
		free(v);
		return rc;
	}
	*ids = v;
	*n = count;
	return 0;
}

/* ---- polling ----------------------------------------------------------------------------------------- */

int db_poll_tree_get(struct db *db, long tree_id, char **url)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st, "SELECT url FROM poll_trees WHERE tree_id = ?", "l", tree_id);

	*url = NULL;
	if (rc)
		return rc;
	rc = db_step(db, st);
	if (rc == 1) {
		*url = db_col_strdup(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int db_poll_tree_set(struct db *db, long tree_id, const char *url, int64_t now, const char *error)
{
	return db_exec(db,
		       "INSERT INTO poll_trees (tree_id, url, last_poll, last_error) VALUES (?1, ?2, ?3, ?4)"
		       " ON CONFLICT (tree_id) DO UPDATE SET url = ?2, last_poll = ?3, last_error = ?4",
		       "ltit", tree_id, url, now, error);
}

int db_poll_refs_each(struct db *db, long tree_id,
		      void (*fn)(void *ctx, const char *ref, const char *commit_id), void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st, "SELECT ref, commit_id FROM poll_refs WHERE tree_id = ? ORDER BY ref", "l",
			 tree_id);

	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1)
		fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return rc;
}

int db_poll_ref_set(struct db *db, long tree_id, const char *ref, const char *commit_id, int64_t now)
{
	return db_exec(db,
		       "INSERT INTO poll_refs (tree_id, ref, commit_id, seen_at) VALUES (?1, ?2, ?3, ?4)"
		       " ON CONFLICT (tree_id, ref) DO UPDATE SET commit_id = ?3, seen_at = ?4",
		       "ltti", tree_id, ref, commit_id, now);
}

int db_poll_ref_delete(struct db *db, long tree_id, const char *ref)
{
	return db_exec(db, "DELETE FROM poll_refs WHERE tree_id = ? AND ref = ?", "lt", tree_id, ref);
}

int db_poll_refs_clear(struct db *db, long tree_id)
{
	return db_exec(db, "DELETE FROM poll_refs WHERE tree_id = ?", "l", tree_id);
}
