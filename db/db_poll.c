/* Polling state: the URL and the last seen commit of each ref of each polled tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "err.h"
#include "xalloc.h"

int db_poll_tree_get(struct db *db, long tree_id, char **url)
{
	int rc = db_get(db, "SELECT url FROM poll_trees WHERE tree_id = ?", "l", "t", tree_id, url);

	return rc < 0 ? rc : 0;
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
