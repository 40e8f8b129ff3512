/* The sending thread of the notifier: composes runs left pending, delivers the outbox with retries and a rate limit. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bisect.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "mail.h"
#include "notifier.h"
#include "notifier_internal.h"
#include "sched.h"
#include "server.h"
#include "xalloc.h"

#define BATCH       20 /* messages per round */
#define IDLE_WAIT_S 2  /* longest sleep: other threads' transactions commit new mail */

static int with_tx(struct db *db, int rc_of_body)
{
	if (rc_of_body) {
		db_rollback(db);
		return rc_of_body;
	}
	return db_commit(db);
}

static int compose_pending(struct notifier *n, struct db *db, int64_t now)
{
	long *ids = NULL;
	size_t count = 0;
	int rc = db_notify_runs_due(db, now, BATCH, &ids, &count);

	for (size_t i = 0; !rc && i < count; i++) {
		int queued = 0, crc;

		rc = db_begin(db);
		if (rc)
			break;
		crc = notifier_compose(n, db, ids[i], &queued);
		if (!crc) {
			rc = with_tx(db, db_notify_run_done(db, ids[i], queued, now));
			continue;
		}
		{
			char *why = xstrdup(err_msg());

			db_rollback(db);
			log_warn("run=%ld composing mail failed again (will retry): %s", ids[i], why);
			rc = db_begin(db);
			if (!rc)
				rc = with_tx(db, db_notify_run_retry(db, ids[i], now + notifier_backoff(2), why, now));
			free(why);
		}
	}
	free(ids);
	return rc;
}

static void server_settings(const struct server_config *cfg, struct mail_server *srv)
{
	memset(srv, 0, sizeof(*srv));
	srv->url = cfg->smtp_url;
	srv->starttls = cfg->smtp_starttls;
	srv->user = cfg->smtp_user && *cfg->smtp_user ? cfg->smtp_user : NULL;
	srv->password = cfg->smtp_password;
	srv->from = cfg->mail_from;
	srv->timeout_s = NOTIFIER_SMTP_TIMEOUT_S;
}

/* Copies the outbox row into a message for the recipients in `to`. */
static void message_of(const struct db_mail *m, char **to, size_t nto, struct mail_message *msg)
{
	json_t *h = json_loads(m->headers_json ? m->headers_json : "[]", 0, NULL);
	size_t i;
	json_t *v;

	memset(msg, 0, sizeof(*msg));
	msg->message_id = xstrdup(m->message_id);
	msg->subject = xstrdup(m->subject);
	msg->body = xstrdup(m->body);
	msg->in_reply_to = m->in_reply_to ? xstrdup(m->in_reply_to) : NULL;
	msg->to = xcalloc(nto ? nto : 1, sizeof(char *));
	for (i = 0; i < nto; i++)
		msg->to[i] = xstrdup(to[i]);
	msg->nto = nto;
	json_array_foreach(h, i, v) {
		if (!json_is_string(v))
			continue;
		msg->headers = xrealloc(msg->headers, (msg->nheaders + 1) * sizeof(char *));
		msg->headers[msg->nheaders++] = xstrdup(json_string_value(v));
	}
	json_decref(h);
}

static int deliver(struct notifier *n, struct db *db, const struct db_mail *m, int64_t now, int *sent)
{
	const struct server_config *cfg = n->s->cfg;
	struct mail_server srv;
	struct mail_message msg;
	char **addrs = xcalloc(m->nrcpt + 1, sizeof(char *));
	char **boxes = xcalloc(m->nrcpt + 1, sizeof(char *));
	size_t nallowed = 0;
	int64_t wait_until = 0;
	int rc = 0, src;

	/* The rate limit holds a recipient back; the message waits for it in the outbox, never dropped. */
	for (size_t i = 0; i < m->nrcpt; i++) {
		long count = 0;
		int64_t oldest = 0;

		rc = db_mail_sent_since(db, m->addresses[i], now - NOTIFIER_RATE_WINDOW_S, &count, &oldest);
		if (rc)
			goto done;
		if (count < cfg->mail_rate_per_hour) {
			addrs[nallowed] = m->addresses[i];
			boxes[nallowed] = m->mailboxes[i];
			nallowed++;
		} else {
			int64_t free_at = oldest + NOTIFIER_RATE_WINDOW_S + 1;

			if (!wait_until || free_at < wait_until)
				wait_until = free_at;
		}
	}
	if (m->nrcpt == 0) {
		rc = db_begin(db);
		if (!rc)
			rc = with_tx(db, db_mail_fail(db, m->id, "no recipient left"));
		goto done;
	}
	if (nallowed == 0) {
		char why[160];

		snprintf(why, sizeof(why),
			 "rate limit: every recipient had %ld mails in the last hour; waiting",
			 cfg->mail_rate_per_hour);
		log_debug("mail=%ld held back by the rate limit until %lld", m->id, (long long)wait_until);
		rc = db_begin(db);
		if (!rc)
			rc = with_tx(db, db_mail_defer(db, m->id, wait_until, false, why));
		goto done;
	}

	server_settings(cfg, &srv);
	message_of(m, boxes, nallowed, &msg);
	src = n->send(n->send_ctx, &srv, &msg);
	mail_message_release(&msg);
	if (src == 0) {
		bool complete = false;

		rc = db_begin(db);
		if (!rc)
			rc = with_tx(db, db_mail_mark_sent(db, m->id, (const char *const *)addrs, nallowed,
							   now, wait_until, &complete));
		if (!rc) {
			(*sent)++;
			log_info("mail=%ld run=%ld message_id=%s sent to=%zu%s", m->id, m->run_id,
				 m->message_id, nallowed,
				 complete ? "" : " (others held back by the rate limit)");
		}
	} else if (src == KM_EINVAL) {
		char *why = xstrdup(err_msg());

		log_error("mail=%ld message_id=%s can never be delivered: %s", m->id, m->message_id, why);
		rc = db_begin(db);
		if (!rc)
			rc = with_tx(db, db_mail_fail(db, m->id, why));
		free(why);
	} else {
		char *why = xstrdup(err_msg());
		int64_t delay = notifier_backoff(m->attempts + 1);

		log_warn("mail=%ld message_id=%s attempt=%d failed, retry in %llds: %s", m->id, m->message_id,
			 m->attempts + 1, (long long)delay, why);
		rc = db_begin(db);
		if (!rc)
			rc = with_tx(db, db_mail_defer(db, m->id, now + delay, true, why));
		free(why);
	}
done:
	free(addrs);
	free(boxes);
	return rc;
}

static bool stopping(struct notifier *n)
{
	bool stop;

	pthread_mutex_lock(&n->lock);
	stop = n->stop;
	pthread_mutex_unlock(&n->lock);
	return stop;
}

int notifier_pass(struct notifier *n, struct db *db, int64_t now, int *sent)
{
	struct db_mail *mails = NULL;
	size_t count = 0;
	int rc;

	*sent = 0;
	rc = compose_pending(n, db, now);
	if (rc)
		return rc;
	rc = db_mail_due(db, now, BATCH, &mails, &count);
	for (size_t i = 0; !rc && i < count && !stopping(n); i++)
		rc = deliver(n, db, &mails[i], now, sent);
	db_mails_free(mails, count);
	return rc;
}

static void *thread_main(void *arg)
{
	struct notifier *n = arg;

	while (!stopping(n)) {
		struct db *db = server_db(n->s);
		struct timespec deadline;
		int sent = 0;

		if (!db || notifier_pass(n, db, (int64_t)time(NULL), &sent) != 0)
			server_loop_failed(n->s, SERVER_LOOP_NOTIFIER, err_msg());
		else
			server_loop_ok(n->s, SERVER_LOOP_NOTIFIER);
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += IDLE_WAIT_S;
		pthread_mutex_lock(&n->lock);
		/* A full batch may have left more due: go round again at once. */
		while (!n->stop && !n->kicked && sent < BATCH) {
			if (pthread_cond_timedwait(&n->cond, &n->lock, &deadline) != 0)
				break;
		}
		n->kicked = false;
		pthread_mutex_unlock(&n->lock);
	}
	return NULL;
}

int notifier_start(struct notifier *n)
{
	if (pthread_create(&n->thread, NULL, thread_main, n) != 0)
		return err_set(KM_EIO, "cannot start the mail thread: %s", strerror(errno));
	n->running = true;
	server_loop_expect(n->s, SERVER_LOOP_NOTIFIER, IDLE_WAIT_S);
	sched_on_run_done = notifier_run_done;
	bisect_on_done = notifier_bisection_done;
	log_info("mail: reports go through %s from %s (at most %ld per recipient per hour)",
		 n->s->cfg->smtp_url, n->s->cfg->mail_from, n->s->cfg->mail_rate_per_hour);
	return 0;
}

void notifier_free(struct notifier *n)
{
	if (!n)
		return;
	if (n->running) {
		pthread_mutex_lock(&n->lock);
		n->stop = true;
		pthread_cond_broadcast(&n->cond);
		pthread_mutex_unlock(&n->lock);
		pthread_join(n->thread, NULL);
		sched_on_run_done = NULL;
		bisect_on_done = NULL;
	}
	pthread_mutex_destroy(&n->lock);
	pthread_cond_destroy(&n->cond);
	free(n);
}
