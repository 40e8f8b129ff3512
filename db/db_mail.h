/* The mail outbox: messages, recipients, what was sent to whom, retries (db_mail.c). */
#ifndef KM_DB_MAIL_H
#define KM_DB_MAIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* A message for the outbox. Recipients are bare lower-case addresses and the To: forms. */
struct db_mail_new {
	const char *message_id, *kind; /* kind: report, fixed or bisect */
	long run_id, tree_id, signature_id; /* signature_id 0: none (a bisected boot change) */
	const char *ref, *commit_id, *in_reply_to;
	const char *subject, *body, *headers_json;
	const char *const *addresses;
	const char *const *mailboxes;
	size_t nrcpt;
	int64_t now;
};
/* Queues a message; KM_EEXISTS (nothing changed) when its message id is already in the outbox. */
int db_mail_enqueue(struct db *db, const struct db_mail_new *m, long *outbox_id);

/* Whether a report about this signature at this commit of the tree was ever queued. */
int db_mail_reported(struct db *db, long tree_id, const char *commit_id, long signature_id, bool *yes);

/*
 * The newest report about a signature on tree+ref: its outbox id, message
 * id (the caller's) and run. KM_ENOTFOUND if there was none.
 */
int db_mail_last_report(struct db *db, long tree_id, const char *ref, long signature_id, long *outbox_id,
			char **message_id, long *run_id);

/* Whether a "fixed" notice answering message_id was queued. */
int db_mail_fixed_queued(struct db *db, const char *message_id, bool *yes);

/* The To: forms of every recipient of an outbox message, in insertion order. Free with db_strings_free(). */
int db_mail_mailboxes(struct db *db, long outbox_id, char ***mailboxes, size_t *n);
void db_strings_free(char **v, size_t n);

/* A message due for sending, with the recipients still waiting for it. */
struct db_mail {
	long id, run_id;
	char *message_id, *subject, *body, *headers_json, *in_reply_to;
	int attempts;
	char **addresses, **mailboxes;
	size_t nrcpt;
};
/* Pending messages with next_attempt <= now, oldest first, at most limit. Free with db_mails_free(). */
int db_mail_due(struct db *db, int64_t now, size_t limit, struct db_mail **out, size_t *n);
void db_mails_free(struct db_mail *m, size_t n);

/* How many messages address was sent since `since`, and when the oldest of them went (0 if none). */
int db_mail_sent_since(struct db *db, const char *address, int64_t since, long *count, int64_t *oldest);

/*
 * Marks the listed recipients of a message as sent at now. When none is left
 * waiting the message is sent; otherwise it stays pending until next_attempt.
 */
int db_mail_mark_sent(struct db *db, long outbox_id, const char *const *addresses, size_t n, int64_t now,
		      int64_t next_attempt, bool *complete);

/* Puts a message off until next_attempt; failed counts a failed delivery; error may be NULL. */
int db_mail_defer(struct db *db, long outbox_id, int64_t next_attempt, bool failed, const char *error);

/* Gives up on a message that can never be delivered (no valid recipient), keeping it. */
int db_mail_fail(struct db *db, long outbox_id, const char *error);

/* The soonest next_attempt of a pending message, or 0 when none is pending. */
int db_mail_next_due(struct db *db, int64_t *when);

/* {"run","notify":{...}|null,"mails":[{..., "recipients":[...]}]}: what the notifier did for a run. */
int db_run_mail_json(struct db *db, long run_id, json_t **out);

#endif
