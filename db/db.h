/* The database: the connection and its transactions; every table behind functions that speak its terms. */
#ifndef KM_DB_H
#define KM_DB_H

struct db;

/* ---- connection ------------------------------------------------------- */

/*
 * Opens (creating if needed) the database at path in WAL mode and migrates
 * the schema to the newest version. One connection per thread.
 */
int db_open(const char *path, struct db **out);
/*
 * Opens a connection to a database db_open() already migrated, without
 * touching the schema (so without the write lock): what request and
 * background threads use. KM_EIO when the file cannot be opened.
 */
int db_connect(const char *path, struct db **out);
void db_close(struct db *db);
int db_schema_version(struct db *db, long *version);

/* Write transactions: BEGIN IMMEDIATE ... COMMIT; rollback is a no-op outside one. */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
long db_last_id(struct db *db);
int db_changes(struct db *db);

/* ---- transactions inside transactions ---------------------------------- */

/* Savepoints inside the caller's transaction, so a part of it can be undone alone. name: [a-z_]+. */
int db_savepoint(struct db *db, const char *name);
int db_savepoint_release(struct db *db, const char *name);
void db_savepoint_rollback(struct db *db, const char *name);

/*
 * The tables, one header per file that writes or reads them. Callers may
 * include db.h for all of them or the one header they need.
 */
#include "db_expect.h"
#include "db_facts.h"
#include "db_jobs.h"
#include "db_mail.h"
#include "db_notify.h"
#include "db_poll.h"
#include "db_progress.h"
#include "db_read.h"
#include "db_results.h"
#include "db_runs.h"

#endif
