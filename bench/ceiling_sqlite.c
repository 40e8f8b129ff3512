/*
 * The database ceiling for bench/protocol.sh: the transactions of one
 * claim->result cycle of a failing build, on a copy of the server's database,
 * as a bare sqlite loop in WAL mode with the server's pragmas and nothing else.
 *   ceiling_sqlite SERVER_DB COPY   (prints cycles and seconds)
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static sqlite3 *h;

static void die(const char *what)
{
	fprintf(stderr, "ceiling_sqlite: %s: %s\n", what, sqlite3_errmsg(h));
	exit(1);
}

static sqlite3_stmt *prep(const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		die(sql);
	return st;
}

static void exec(const char *sql)
{
	if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql);
}

/* Binds the longs given (count of them) and steps the statement to its end. */
static void run(sqlite3_stmt *st, int n, const long *v)
{
	for (int i = 0; i < n; i++)
		sqlite3_bind_int64(st, i + 1, v[i]);
	while (sqlite3_step(st) == SQLITE_ROW)
		;
	sqlite3_reset(st);
}

int main(int argc, char **argv)
{
	sqlite3_stmt *queued, *lease, *check, *build, *sig, *sig_id, *error, *finish, *skip, *left;
	struct timespec t0, t1;
	long cycles = 0;
	char sql[1200];

	if (argc != 3)
		return 2;
	if (sqlite3_open(argv[1], &h) != SQLITE_OK)
		die("open");
	snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", argv[2]);
	exec(sql);
	sqlite3_close(h);
	if (sqlite3_open(argv[2], &h) != SQLITE_OK)
		die("open copy");
	exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
	queued = prep("SELECT j.id, j.run_id, j.config_id FROM jobs j WHERE j.state = 'queued' AND j.kind = 'build'"
		      " ORDER BY j.run_id, j.id LIMIT 500");
	lease = prep("UPDATE jobs SET state = 'running', worker_id = 1, lease_id = 'lease', lease_expires = ?2,"
		     " attempts = attempts + 1, started_at = ?2 WHERE id = ?1 AND state = 'queued'");
	check = prep("SELECT state, lease_id, lease_expires, result_lease FROM jobs WHERE id = ?");
	build = prep("INSERT OR REPLACE INTO builds (job_id, config_id, worker_id, status, message, wall_s, finished_at)"
		     " VALUES (?1, ?2, 1, 'FAIL', NULL, 1.0, ?3)");
	sig = prep("INSERT OR IGNORE INTO signatures (signature, type, message, first_seen)"
		   " VALUES ('ld-undefined:x:hmem.c', 'ld-undefined', 'x', ?1)");
	sig_id = prep("SELECT id FROM signatures WHERE signature = 'ld-undefined:x:hmem.c'");
	error = prep("INSERT OR REPLACE INTO errors (job_id, signature_id, count) VALUES (?1, ?2, 1)");
	finish = prep("UPDATE jobs SET state = 'done', status = 'FAIL', result_lease = 'lease', finished_at = ?2"
		      " WHERE id = ?1");
	skip = prep("INSERT INTO jobs (run_id, kind, config_id, variant, state, status, created_at, finished_at)"
		    " VALUES (?1, 'boot', ?2, 'cxl-first', 'done', 'SKIP', ?3, ?3)");
	left = prep("SELECT COUNT(*) FROM jobs WHERE run_id = ? AND state IN ('queued', 'running')");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long job, run_id, config, now = (long)time(NULL), sid;

		exec("BEGIN IMMEDIATE");
		if (sqlite3_step(queued) != SQLITE_ROW) {
			sqlite3_reset(queued);
			exec("COMMIT");
			break;
		}
		job = (long)sqlite3_column_int64(queued, 0);
		run_id = (long)sqlite3_column_int64(queued, 1);
		config = (long)sqlite3_column_int64(queued, 2);
		while (sqlite3_step(queued) == SQLITE_ROW) /* the scheduler reads every candidate */
			;
		sqlite3_reset(queued);
		run(lease, 2, (long[]){ job, now + 600 });
		exec("COMMIT");

		exec("BEGIN IMMEDIATE");
		run(check, 1, (long[]){ job });
		run(build, 3, (long[]){ job, config, now });
		run(sig, 1, (long[]){ now });
		if (sqlite3_step(sig_id) != SQLITE_ROW)
			die("signature");
		sid = (long)sqlite3_column_int64(sig_id, 0);
		sqlite3_reset(sig_id);
		run(error, 2, (long[]){ job, sid });
		run(finish, 2, (long[]){ job, now });
		run(skip, 3, (long[]){ run_id, config, now });
		run(left, 1, (long[]){ run_id });
		exec("COMMIT");
		cycles++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld %.3f\n", cycles, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	sqlite3_close(h);
	return 0;
}
