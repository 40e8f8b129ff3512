/* What the notifier's composing side (notifier.c) and its sending thread (notifier_send.c) share. */
#ifndef KM_NOTIFIER_INTERNAL_H
#define KM_NOTIFIER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "notifier.h"

struct notifier {
	struct server *s;
	notifier_send_fn send;
	void *send_ctx;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, kicked;
};

/* Wakes the sending thread: new mail is in the outbox. */
void notifier_kick(struct notifier *n);

/* The wait before the next try after failures failed ones: doubling from NOTIFIER_RETRY_FIRST_S to NOTIFIER_RETRY_MAX_S. */
int64_t notifier_backoff(int failures);

#endif
