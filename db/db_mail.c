/* The mail outbox: messages, their recipients, what was sent to whom, and retries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "err.h"
#include "xalloc.h"

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
	int rc = db_get(db,
			"SELECT id, message_id, run_id FROM mail_outbox WHERE kind = 'report' AND tree_id = ?"
			" AND ref = ? AND signature_id = ? ORDER BY id DESC LIMIT 1",
			"ltl", "ltl", tree_id, ref, signature_id, outbox_id, message_id, run_id);

	if (rc <= 0)
		return rc ? rc : err_set(KM_ENOTFOUND, "no report of signature %ld on %s", signature_id, ref);
	return 0;
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
		db_cols(st, "lltttttn", &m->id, &m->run_id, &m->message_id, &m->subject, &m->body, &m->headers_json,
			&m->in_reply_to, &m->attempts);
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
	int rc = db_get(db,
			"SELECT COUNT(*), COALESCE(MIN(sent_at), 0) FROM mail_recipients"
			" WHERE address = ? AND state = 'sent' AND sent_at > ?",
			"ti", "li", address, since, count, oldest);

	return rc < 0 ? rc : 0;
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
		rc = db_first(db, &st,
			      "SELECT state, attempts, next_attempt, last_error, mails FROM notify_runs WHERE "
			      "run_id = ?",
			      "l", run_id);
	if (rc == 1) {
		notify = db_row_json(st);
		sqlite3_finalize(st);
	}
	if (rc >= 0)
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
