/* What the db/ files share: the connection type and statement helpers. Never included outside db/. */
#ifndef KM_DB_INTERNAL_H
#define KM_DB_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "db.h"

/*
 * The job whose artifacts job ? has, binding the job id twice: its own, or for
 * a boot shared with an earlier variant (jobs.same_boot_as) the booted job's.
 */
#define DB_BOOTED_JOB "COALESCE((SELECT same_boot_as FROM jobs WHERE id = ?), ?)"

/* Statements db_exec() and db_scalar_long() keep prepared, by their SQL's address (and text). */
#define DB_STMT_CACHE 48

struct db {
	sqlite3 *h;
	char *path;
	bool writing; /* holds the process's write lock: between db_begin() and db_commit()/db_rollback() */
	struct {
		const char *sql;
		sqlite3_stmt *st;
		bool busy; /* handed out: an inner call of the same SQL prepares its own */
	} stmts[DB_STMT_CACHE];
	size_t next_stmt; /* the slot replaced next */
};

/*
 * Prepares sql and binds the arguments described by fmt, one char each:
 *   i  int64_t         l  long          d  double
 *   t  const char * (NULL binds NULL)    I  long, 0 binds NULL
 * Returns 0 or KM_EIO with the SQL error in err_msg().
 */
int db_prep(struct db *db, sqlite3_stmt **st, const char *sql, const char *fmt, ...);

/* Prepares, binds, steps to completion and finalizes. */
int db_exec(struct db *db, const char *sql, const char *fmt, ...);

/* Steps once: 1 for a row, 0 when done, KM_EIO (or KM_EBUSY) on error. */
int db_step(struct db *db, sqlite3_stmt *st);

/*
 * Prepares sql with fmt's arguments and steps to its first row: 1 with *st on
 * it (the caller reads the row, then finalizes *st), 0 when there is none, or
 * a db error; *st is NULL but for 1.
 */
int db_first(struct db *db, sqlite3_stmt **st, const char *sql, const char *fmt, ...);

/*
 * Prepares sql with fmt's arguments and steps to its row: 0 with *st on it
 * (the caller reads the row, then finalizes *st); KM_ENOTFOUND "no WHAT ID"
 * when there is none, or a db error, with *st finalized and NULL.
 */
int db_row(struct db *db, sqlite3_stmt **st, const char *what, long id, const char *sql, const char *fmt, ...);

/* Runs a query expected to return one integer; KM_ENOTFOUND when no row. */
int db_scalar_long(struct db *db, long *out, const char *sql, const char *fmt, ...);

/*
 * Runs sql bound by in's arguments and reads its first row into the pointers
 * that follow them, one per letter of out: i int64_t, l long, n int, d double,
 * t char * (a copy the caller frees; NULL stays NULL). Every output is zeroed
 * first. 1 for a row, 0 for none, or a db error.
 * e.g. db_get(db, "SELECT id, name FROM t WHERE k = ?", "t", "lt", key, &id, &name)
 */
int db_get(struct db *db, const char *sql, const char *in, const char *out, ...);

/* The first column of every row of sql, as ids (*ids NULL and *n 0 on an error); the caller frees *ids. */
int db_ids(struct db *db, long **ids, size_t *n, const char *sql, const char *fmt, ...);

/* Reads the current row's columns, from the first, into pointers as db_get()'s out does. */
int db_cols(sqlite3_stmt *st, const char *fmt, ...);

/* A copy of a text column (NULL stays NULL); the caller frees. */
char *db_col_strdup(sqlite3_stmt *st, int col);

/* A JSON value for a column: integer, real, text or null (new reference). */
json_t *db_col_json(sqlite3_stmt *st, int col);

/* A JSON object of every column of the current row, keyed by column name. */
json_t *db_row_json(sqlite3_stmt *st);

/* Parses a column that holds JSON text; null when NULL or unparsable. */
json_t *db_col_parsed(sqlite3_stmt *st, int col);

/* Sets err_msg() from the connection and returns KM_EIO (KM_EBUSY when locked). */
int db_fail(struct db *db, const char *what);

int64_t db_now(void);

#endif
