/*
 * The database ceiling for bench/protocol.sh: the transactions of one
 * claim->result cycle of a failing build, on a copy of the server's database,
 * as a bare sqlite loop in WAL mode with the server's pragmas (synchronous =
 * FULL: a commit is on disk when it returns) and nothing else.
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
	sqlite3_stmt *seen, *queued, *last, *sweep, *lease, *left;
	sqlite3_stmt *check, *runrow, *build, *sig, *sig_id, *error, *finish, *skip;
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
	exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
	seen = prep("SELECT last_seen >= ?1 FROM workers WHERE id = 1");
	queued = prep("SELECT j.id, j.run_id, COALESCE(j.config_id, 0), j.kind, j.variant, j.attempts, j.max_attempts,"
		      " r.tree_id, r.matrix_name, r.created_at,"
		      " COALESCE((SELECT b.worker_id FROM builds b WHERE b.config_id = j.config_id), 0)"
		      " FROM jobs j JOIN runs r ON r.id = j.run_id WHERE j.state = 'queued' AND j.kind IN ('build')"
		      " ORDER BY j.run_id, j.id LIMIT 500");
	last = prep("SELECT c.config_text FROM builds b JOIN configs c ON c.id = b.config_id"
		    " JOIN runs r ON r.id = c.run_id WHERE b.worker_id = 1 AND r.tree_id = 1 AND r.matrix_name = 'bench'"
		    " ORDER BY b.finished_at DESC, b.job_id DESC LIMIT 1");
	sweep = prep("SELECT id, run_id FROM jobs WHERE state = 'running' AND lease_expires IS NOT NULL"
		     " AND lease_expires < ?");
	lease = prep("UPDATE jobs SET state = 'running', worker_id = 1, lease_id = 'lease', lease_expires = ?2,"
		     " attempts = attempts + 1, started_at = ?2 WHERE id = ?1 AND state = 'queued'");
	check = prep("SELECT state, lease_id, lease_expires, result_lease FROM jobs WHERE id = ?");
	runrow = prep("SELECT * FROM runs WHERE id = ?"); /* the run and its matrix bundle */
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
	left = prep("SELECT kind, state, COALESCE(status, ''), COUNT(*) FROM jobs WHERE run_id = ?"
		    " AND kind IN ('configure', 'build', 'boot') GROUP BY kind, state, status");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long job, run_id, config, now = (long)time(NULL), sid;

		/* The claim: the worker's "still here" (a write at most every 5 s), the choice, the lease. */
		exec("BEGIN IMMEDIATE");
		run(seen, 1, (long[]){ now - 5 });
		exec("COMMIT");
		if (sqlite3_step(queued) != SQLITE_ROW) {
			sqlite3_reset(queued);
			break;
		}
		job = (long)sqlite3_column_int64(queued, 0);
		run_id = (long)sqlite3_column_int64(queued, 1);
		config = (long)sqlite3_column_int64(queued, 2);
		while (sqlite3_step(queued) == SQLITE_ROW) /* the scheduler reads every candidate */
			;
		sqlite3_reset(queued);
		run(last, 0, NULL);
		exec("BEGIN IMMEDIATE");
		run(sweep, 1, (long[]){ now });
		run(lease, 2, (long[]){ job, now + 600 });
		run(left, 1, (long[]){ run_id });
		exec("COMMIT");

		exec("BEGIN IMMEDIATE");
		run(check, 1, (long[]){ job });
		run(runrow, 1, (long[]){ run_id });
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
