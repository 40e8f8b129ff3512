/* Polling trees with libgit2 (like git ls-remote): the fallback for trees that cannot push to the farm. */
#ifndef KM_POLLER_H
#define KM_POLLER_H

#include <stddef.h>

#define POLLER_MAX_REFS 100000 /* refs of one remote looked at */

struct db;
struct server;
struct triggers_tree;

/* A branch or tag of a remote and the commit it points to (annotated tags peeled). */
struct poller_ref {
	char *ref;
	char *commit;
};

/*
 * Lists the branches (refs/heads/...) and tags (refs/tags/...) of the
 * repository at url, annotated tags peeled to their commits, sorted by name.
 * *refs is the caller's (poller_refs_free()). KM_EIO with libgit2's
 * explanation when the remote cannot be read.
 */
int poller_ls_remote(const char *url, struct poller_ref **refs, size_t *n);
void poller_refs_free(struct poller_ref *refs, size_t n);

/*
 * Polls one tree: compares the remote's refs with what the previous poll saw
 * and hands every new, moved or deleted branch or tag to triggers_push(), as
 * a push would. The first poll of a tree (or of its new URL) only records
 * what is there. *pushes gets the number of refs acted on.
 */
int poller_poll_tree(struct server *s, struct db *db, const struct triggers_tree *tree, int *pushes);

struct poller;

/*
 * Starts a thread that polls every tree with "poll = yes" at start-up and
 * then every s->cfg->poll_s seconds. *out is NULL (and nothing runs) when
 * polling is off or no tree asks for it.
 */
int poller_start(struct server *s, struct poller **out);

/* Stops the thread (a poll in progress finishes first) and frees p; NULL is fine. */
void poller_stop(struct poller *p);

#endif
