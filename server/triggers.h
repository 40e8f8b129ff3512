/* Acting on a push of a configured tree (webhooks, the post-receive hook, polling): runs, cancellations or a reasoned no. */
#ifndef KM_TRIGGERS_H
#define KM_TRIGGERS_H

#include <jansson.h>
#include <stdbool.h>

#include "trees_format.h"


struct server;
struct db;

/* One pushed ref, whatever it came from. Strings may be NULL unless noted. */
struct triggers_push {
	const char *source;   /* github, gitlab, gitea, plain or poll (not NULL) */
	const char *trigger;  /* the run's trigger: webhook, hook or poll (not NULL) */
	const char *delivery; /* the forge's delivery id */
	const char *ref;      /* full ref name (not NULL) */
	const char *before;   /* all zeros or NULL for a new ref */
	const char *after;    /* all zeros for a deleted ref (not NULL) */
	bool created, deleted, is_tag;
	const char *base_ref; /* the branch a new branch was made from, when the forge says */
	const char *pusher_email, *author_email, *author_name;
};

enum triggers_outcome {
	TRIGGERS_QUEUED,    /* runs were submitted */
	TRIGGERS_IGNORED,   /* nothing to do: the reason is in the reply */
	TRIGGERS_CANCELLED, /* a deleted ref: its unfinished runs were cancelled */
};

/*
 * Acts on a push of a configured tree: a deleted ref cancels the queued jobs
 * of its unfinished runs; a branch or tag the tree runs matrices for gets
 * one run per matrix (with the push's details recorded for the notifier),
 * unless the newest run of that ref and matrix already has the commit; other
 * refs are ignored. *reply is a JSON object for the caller to send
 * ({"status":"queued","runs":[...]}, {"status":"ignored","reason":...},
 * {"status":"cancelled","runs":N}); the caller owns it. Returns 0 with
 * *outcome, or an error (a matrix that no longer loads: KM_EINVAL).
 */
int triggers_push(struct server *s, struct db *db, const struct triggers_tree *tree,
		  const struct triggers_push *p, enum triggers_outcome *outcome, json_t **reply);

/* Makes the database's trees match the file: creates missing ones, updates fetch URLs. */
int triggers_sync(struct db *db, const struct triggers *t);

#endif
