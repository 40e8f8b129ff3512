/* The sqlite connection: open, WAL, migrations, transactions and statement helpers. */
#include "db_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_migrations.h"
#include "err.h"
#include "log.h"
#include "xalloc.h"

/* How long a statement waits for another writer before it fails with KM_EBUSY. */
#define DB_BUSY_TIMEOUT_MS 15000

int64_t db_now(void)
{
	return (int64_t)time(NULL);
}

int db_fail(struct db *db, const char *what)
{
	int code = sqlite3_errcode(db->h);

	err_set(code == SQLITE_BUSY || code == SQLITE_LOCKED ? KM_EBUSY : KM_EIO, "%s: %s", what,
		sqlite3_errmsg(db->h));
	return code == SQLITE_BUSY || code == SQLITE_LOCKED ? KM_EBUSY : KM_EIO;
}

static int bind_args(struct db *db, sqlite3_stmt *st, const char *fmt, va_list *ap)
{
	int rc = SQLITE_OK;

	for (int i = 0; fmt && fmt[i]; i++) {
		int pos = i + 1;

		switch (fmt[i]) {
		case 'i':
			rc = sqlite3_bind_int64(st, pos, va_arg(*ap, int64_t));
			break;
		case 'l':
			rc = sqlite3_bind_int64(st, pos, (int64_t)va_arg(*ap, long));
			break;
		case 'I': {
			long v = va_arg(*ap, long);

			rc = v ? sqlite3_bind_int64(st, pos, (int64_t)v) : sqlite3_bind_null(st, pos);
			break;
		}
		case 'd':
			rc = sqlite3_bind_double(st, pos, va_arg(*ap, double));
			break;
		case 't': {
			const char *s = va_arg(*ap, const char *);

			rc = s ? sqlite3_bind_text(st, pos, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, pos);
			break;
		}
		default:
			return err_set(KM_EINVAL, "db: bad bind format '%c'", fmt[i]);
		}
		if (rc != SQLITE_OK)
			return db_fail(db, "bind");
	}
	return 0;
}

static int vprep(struct db *db, sqlite3_stmt **st, const char *sql, const char *fmt, va_list *ap)
{
	int rc;

	*st = NULL;
	if (sqlite3_prepare_v2(db->h, sql, -1, st, NULL) != SQLITE_OK)
		return db_fail(db, "prepare");
	rc = bind_args(db, *st, fmt, ap);
	if (rc) {
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return rc;
}

int db_prep(struct db *db, sqlite3_stmt **st, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vprep(db, st, sql, fmt, &ap);
	va_end(ap);
	return rc;
}

int db_step(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_fail(db, "step");
}

/*
 * db_exec() and db_scalar_long() run their statement to the end inside this
 * file, so they keep it prepared for the next call of the same SQL: parsing
 * and planning are most of a small statement's time. The SQL is known by its
 * address (the callers' string literals) and checked by its text.
 */
static int cached_prep(struct db *db, sqlite3_stmt **st, const char *sql, const char *fmt, va_list *ap)
{
	size_t slot = db->next_stmt;
	int rc;

	*st = NULL;
	for (size_t i = 0; i < DB_STMT_CACHE; i++) {
		if (db->stmts[i].sql == sql && !db->stmts[i].busy && strcmp(sqlite3_sql(db->stmts[i].st), sql) == 0) {
			rc = bind_args(db, db->stmts[i].st, fmt, ap);
			if (rc) {
				sqlite3_clear_bindings(db->stmts[i].st);
				return rc;
			}
			db->stmts[i].busy = true;
			*st = db->stmts[i].st;
			return 0;
		}
	}
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return db_fail(db, "prepare");
	rc = bind_args(db, *st, fmt, ap);
	if (rc) {
		sqlite3_finalize(*st);
		*st = NULL;
		return rc;
	}
	if (!db->stmts[slot].busy) {
		sqlite3_finalize(db->stmts[slot].st);
		db->stmts[slot].sql = sql;
		db->stmts[slot].st = *st;
		db->stmts[slot].busy = true;
		db->next_stmt = (slot + 1) % DB_STMT_CACHE;
	}
	return 0;
}

/* Gives back a statement of cached_prep(): reset for its next use, or finalized when it was not kept. */
static void cached_done(struct db *db, sqlite3_stmt *st)
{
	for (size_t i = 0; i < DB_STMT_CACHE; i++) {
		if (db->stmts[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			db->stmts[i].busy = false;
			return;
		}
	}
	sqlite3_finalize(st);
}

int db_exec(struct db *db, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cached_prep(db, &st, sql, fmt, &ap);
	va_end(ap);
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1)
		;
	cached_done(db, st);
	return rc;
}

static int vfirst(struct db *db, sqlite3_stmt **st, const char *sql, const char *fmt, va_list *ap)
{
	int rc = vprep(db, st, sql, fmt, ap);

	if (rc)
		return rc;
	rc = db_step(db, *st);
	if (rc != 1) {
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return rc;
}

int db_first(struct db *db, sqlite3_stmt **st, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfirst(db, st, sql, fmt, &ap);
	va_end(ap);
	return rc;
}

int db_row(struct db *db, sqlite3_stmt **st, const char *what, long id, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfirst(db, st, sql, fmt, &ap);
	va_end(ap);
	if (rc == 1)
		return 0;
	return rc == 0 ? err_set(KM_ENOTFOUND, "no %s %ld", what, id) : rc;
}

int db_scalar_long(struct db *db, long *out, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cached_prep(db, &st, sql, fmt, &ap);
	va_end(ap);
	if (rc)
		return rc;
	rc = db_step(db, st);
	if (rc == 1)
		*out = (long)sqlite3_column_int64(st, 0);
	cached_done(db, st);
	if (rc == 0)
		return err_set(KM_ENOTFOUND, "no such row");
	return rc < 0 ? rc : 0;
}

/* Steps *ap over the arguments fmt binds, to what follows them. */
static void skip_binds(const char *fmt, va_list *ap)
{
	for (int i = 0; fmt && fmt[i]; i++) {
		switch (fmt[i]) {
		case 'i': (void)va_arg(*ap, int64_t); break;
		case 'l':
		case 'I': (void)va_arg(*ap, long); break;
		case 'd': (void)va_arg(*ap, double); break;
		default: (void)va_arg(*ap, const char *); break;
		}
	}
}

/* Reads the row's columns into the pointers fmt names (st NULL: zeroes them). */
static int read_cols(sqlite3_stmt *st, const char *fmt, va_list *ap)
{
	for (int c = 0; fmt[c]; c++) {
		switch (fmt[c]) {
		case 'i': *va_arg(*ap, int64_t *) = st ? sqlite3_column_int64(st, c) : 0; break;
		case 'l': *va_arg(*ap, long *) = st ? (long)sqlite3_column_int64(st, c) : 0; break;
		case 'n': *va_arg(*ap, int *) = st ? sqlite3_column_int(st, c) : 0; break;
		case 'd': *va_arg(*ap, double *) = st ? sqlite3_column_double(st, c) : 0.0; break;
		case 't': *va_arg(*ap, char **) = st ? db_col_strdup(st, c) : NULL; break;
		default: return err_set(KM_EINVAL, "db: bad column format '%c'", fmt[c]);
		}
	}
	return 0;
}

int db_cols(sqlite3_stmt *st, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = read_cols(st, fmt, &ap);
	va_end(ap);
	return rc;
}

int db_get(struct db *db, const char *sql, const char *in, const char *out, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap, outs, zero;
	int rc;

	va_start(ap, out);
	va_copy(outs, ap);
	skip_binds(in, &outs);
	va_copy(zero, outs);
	/* Zeroing the outputs also checks out's letters, so the read of a row below cannot fail. */
	rc = read_cols(NULL, out, &zero);
	va_end(zero);
	if (!rc)
		rc = cached_prep(db, &st, sql, in, &ap);
	if (!rc) {
		rc = db_step(db, st);
		if (rc == 1)
			read_cols(st, out, &outs);
		cached_done(db, st);
	}
	va_end(outs);
	va_end(ap);
	return rc;
}

int db_ids(struct db *db, long **ids, size_t *n, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	va_list ap;
	int rc;

	*ids = NULL;
	*n = 0;
	va_start(ap, fmt);
	rc = vprep(db, &st, sql, fmt, &ap);
	va_end(ap);
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = (long)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

char *db_col_strdup(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? xstrdup((const char *)s) : NULL;
}

json_t *db_col_json(sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		return json_integer((json_int_t)sqlite3_column_int64(st, col));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, col));
	case SQLITE_TEXT:
		return json_stringn((const char *)sqlite3_column_text(st, col), (size_t)sqlite3_column_bytes(st, col));
	default:
		return json_null();
	}
}

json_t *db_row_json(sqlite3_stmt *st)
{
	json_t *o = json_object();
	int n = sqlite3_column_count(st);

	for (int i = 0; i < n; i++)
		json_object_set_new(o, sqlite3_column_name(st, i), db_col_json(st, i));
	return o;
}

json_t *db_col_parsed(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	json_t *v;

	if (!s)
		return json_null();
	v = json_loads(s, JSON_DECODE_ANY, NULL);
	return v ? v : json_null();
}

static int schema_version(struct db *db, long *version)
{
	return db_scalar_long(db, version, "PRAGMA user_version", NULL);
}

static int migrate(struct db *db)
{
	long version = 0;
	int rc;

	if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "begin migration");
	rc = schema_version(db, &version);
	for (int i = 0; rc == 0 && i < db_migration_count; i++) {
		const struct db_migration *m = &db_migrations[i];
		char pragma[64];

		if (m->version <= version)
			continue;
		if (sqlite3_exec(db->h, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
			rc = db_fail(db, m->name);
			break;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
		if (sqlite3_exec(db->h, pragma, NULL, NULL, NULL) != SQLITE_OK) {
			rc = db_fail(db, "set user_version");
			break;
		}
		log_info("db=%s migrated to version=%d (%s)", db->path, m->version, m->name);
	}
	if (rc) {
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "commit migration");
	return 0;
}

/* Opens the file and sets the connection up; no migration, so no write lock is needed. */
static int connect(const char *path, struct db **out)
{
	struct db *db = xcalloc(1, sizeof(*db));
	int rc;

	*out = NULL;
	db->path = xstrdup(path);
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = err_set(KM_EIO, "cannot open database %s: %s", path,
			     db->h ? sqlite3_errmsg(db->h) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db->h, DB_BUSY_TIMEOUT_MS);
	/*
	 * synchronous = FULL: in WAL mode NORMAL may lose the last commits on
	 * power loss, and a commit here is an acknowledged result or lease.
	 */
	if (sqlite3_exec(db->h, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
			 NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(db, "configure");
		goto fail;
	}
	*out = db;
	return 0;
fail:
	db_close(db);
	return rc;
}

int db_connect(const char *path, struct db **out)
{
	return connect(path, out);
}

int db_open(const char *path, struct db **out)
{
	struct db *db = NULL;
	long version = 0;
	int rc = connect(path, &db);

	*out = NULL;
	if (rc)
		return rc;
	/* A current schema needs no write lock: start-up then works while another process writes. */
	rc = schema_version(db, &version);
	if (!rc && (db_migration_count == 0 || version < db_migrations[db_migration_count - 1].version))
		rc = migrate(db);
	if (rc) {
		db_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	db_rollback(db);
	for (size_t i = 0; i < DB_STMT_CACHE; i++)
		sqlite3_finalize(db->stmts[i].st);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

int db_schema_version(struct db *db, long *version)
{
	return schema_version(db, version);
}

/*
 * The writers of this process wait for each other on a mutex, woken in turn,
 * rather than in sqlite's busy handler, which polls with growing sleeps and
 * under load lets some waiters starve past the timeout. Other processes
 * still meet busy_timeout.
 */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static int take_write_lock(struct db *db)
{
	struct timespec deadline;

	if (db->writing)
		return err_set(KM_EIO, "begin: a transaction is already open on this connection");
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += DB_BUSY_TIMEOUT_MS / 1000;
	if (pthread_mutex_timedlock(&write_lock, &deadline) != 0)
		return err_set(KM_EBUSY, "begin: the database is busy (other writers for %d s)",
			       DB_BUSY_TIMEOUT_MS / 1000);
	db->writing = true;
	return 0;
}

static void drop_write_lock(struct db *db)
{
	if (!db->writing)
		return;
	db->writing = false;
	pthread_mutex_unlock(&write_lock);
}

int db_begin(struct db *db)
{
	int rc = take_write_lock(db);

	if (rc)
		return rc;
	/* IMMEDIATE takes the write lock up front, so two writers never deadlock on upgrade. */
	if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(db, "begin");
		drop_write_lock(db);
		return rc;
	}
	return 0;
}

int db_commit(struct db *db)
{
	int rc = 0;

	if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(db, "commit");
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	}
	drop_write_lock(db);
	return rc;
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	drop_write_lock(db);
}

long db_last_id(struct db *db)
{
	return (long)sqlite3_last_insert_rowid(db->h);
}

int db_changes(struct db *db)
{
	return sqlite3_changes(db->h);
}

/* ---- savepoints ------------------------------------------------------------------------------- */

static bool savepoint_name_ok(const char *name)
{
	if (!name || !*name || strlen(name) > 32)
		return false;
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return false;
	}
	return true;
}

static int savepoint_exec(struct db *db, const char *verb, const char *name)
{
	char sql[80];

	if (!savepoint_name_ok(name))
		return err_set(KM_EINVAL, "db: bad savepoint name");
	snprintf(sql, sizeof(sql), "%s %s", verb, name);
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, verb);
	return 0;
}

int db_savepoint(struct db *db, const char *name)
{
	return savepoint_exec(db, "SAVEPOINT", name);
}

int db_savepoint_release(struct db *db, const char *name)
{
	return savepoint_exec(db, "RELEASE SAVEPOINT", name);
}

void db_savepoint_rollback(struct db *db, const char *name)
{
	/* ROLLBACK TO keeps the savepoint open; RELEASE closes it. */
	if (savepoint_exec(db, "ROLLBACK TO SAVEPOINT", name) == 0)
		savepoint_exec(db, "RELEASE SAVEPOINT", name);
}
