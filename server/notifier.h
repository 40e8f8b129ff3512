/* Report mail for finished runs: composed into a persistent outbox when a run ends, sent by a thread. */
#ifndef KM_NOTIFIER_H
#define KM_NOTIFIER_H

#include <stdint.h>

#define NOTIFIER_RETRY_FIRST_S  10   /* after the first failed delivery; doubles per failure */
#define NOTIFIER_RETRY_MAX_S    1800 /* the longest wait between two tries */
#define NOTIFIER_RATE_WINDOW_S  3600 /* mail-rate counts the messages sent to an address in this window */
#define NOTIFIER_SMTP_TIMEOUT_S 30

struct db;
struct server;
struct mail_server;
struct mail_message;

/* Delivers one message (mail_send() by default): 0, KM_EINVAL (can never be delivered) or another error. */
typedef int (*notifier_send_fn)(void *ctx, const struct mail_server *srv, const struct mail_message *m);

struct notifier;

/*
 * A notifier for the server (not started): SMTP settings, From, mail-rate and
 * public-url come from s->cfg, the trees' extra recipients from s->triggers.
 * The caller owns it (notifier_free()) and stores it in s->notifier.
 */
struct notifier *notifier_new(struct server *s);

/* Replaces mail_send() (tests). */
void notifier_set_sender(struct notifier *n, notifier_send_fn fn, void *ctx);

/* Hooks into the scheduler (sched_on_run_done) and starts the sending thread. 0 or KM_EIO. */
int notifier_start(struct notifier *n);

/* Stops the thread (a delivery in progress finishes first) and frees n; NULL is fine. */
void notifier_free(struct notifier *n);

/*
 * The scheduler's hook, called inside the transaction that makes run_id
 * "done": records the run and composes its mails into the outbox under a
 * savepoint. When composing fails the run stays pending and the sending
 * thread tries again later; nothing is ever sent from here.
 */
void notifier_run_done(struct server *s, struct db *db, long run_id);

/*
 * Composes the mails of a finished run inside the caller's transaction: one
 * report per new error signature (compared with run_facts_base(); primary
 * signatures only; never twice for the same tree, commit and signature) and
 * one "fixed" notice per reported signature the run no longer has.
 * *queued gets how many messages were added to the outbox.
 */
int notifier_compose(struct notifier *n, struct db *db, long run_id, int *queued);

/*
 * A bisection of a run concluded (inside the caller's transaction). While
 * the run's report waits for its bisections nothing is sent here (the report
 * says what they found); once the report went out, the finding is queued as
 * a reply to it. No-op when mail is off.
 */
int notifier_bisection_done(struct server *s, struct db *db, long bisection_id);

/*
 * One round of the sending thread at time now: composes runs left pending,
 * then delivers due messages, each to the recipients the rate limit allows
 * (the others wait in the outbox), retrying failed deliveries with backoff.
 * *sent gets the number of deliveries made. Returns 0 or a database error.
 */
int notifier_pass(struct notifier *n, struct db *db, int64_t now, int *sent);

#endif
