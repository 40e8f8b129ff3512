/* Polling state of polled trees (db_poll.c). */
#ifndef KM_DB_POLL_H
#define KM_DB_POLL_H

#include <stdint.h>

struct db;

/* Polling state. *url is the caller's, NULL when the tree was never polled. */
int db_poll_tree_get(struct db *db, long tree_id, char **url);
int db_poll_tree_set(struct db *db, long tree_id, const char *url, int64_t now, const char *error);
/* Calls fn for each ref recorded for the tree. */
int db_poll_refs_each(struct db *db, long tree_id, void (*fn)(void *ctx, const char *ref, const char *commit_id),
		      void *ctx);
int db_poll_ref_set(struct db *db, long tree_id, const char *ref, const char *commit_id, int64_t now);
int db_poll_ref_delete(struct db *db, long tree_id, const char *ref);
/* Forgets every ref of a tree (its URL changed: the next poll starts afresh). */
int db_poll_refs_clear(struct db *db, long tree_id);

#endif
