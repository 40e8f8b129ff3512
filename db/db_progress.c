/* A run's progress against totals known once it is configured, and the time still to go from measured job times. */
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "db.h"
#include "db_internal.h"
#include "err.h"
#include "xalloc.h"

/* Wall times (seconds) of the finished jobs the query yields, sorted. */
static int walls(struct db *db, const char *sql, long run_id, double **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_prep(db, &st, sql, "l", run_id);
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = sqlite3_column_double(st, 0);
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

static double median(const double *v, size_t n)
{
	return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct kind_times {
	double median_s;  /* a typical job of the kind: the median, so one cold build does not count 80 times */
	double total_s;   /* all this run's finished jobs of the kind took */
	size_t measured;
	const char *from; /* "this run", "earlier runs" or NULL (nothing measured yet) */
};

/* The typical wall time of a kind of job: this run's, else earlier runs' of the same tree and matrix. */
static int kind_times(struct db *db, long run_id, const char *table, struct kind_times *t)
{
	char *here = xasprintf("SELECT x.wall_s FROM %s x JOIN jobs j ON j.id = x.job_id"
			       " WHERE j.run_id = ? AND x.wall_s > 0 ORDER BY x.wall_s", table);
	char *before = xasprintf("SELECT x.wall_s FROM %s x JOIN jobs j ON j.id = x.job_id"
				 " JOIN runs r ON r.id = j.run_id JOIN runs me ON me.id = ?"
				 " WHERE r.tree_id = me.tree_id AND r.matrix_name = me.matrix_name AND r.id < me.id"
				 " AND x.wall_s > 0 ORDER BY x.wall_s", table);
	double *v = NULL;
	size_t n = 0;
	int rc = walls(db, here, run_id, &v, &n);

	t->from = NULL;
	t->total_s = 0;
	for (size_t i = 0; i < n; i++)
		t->total_s += v[i];
	t->measured = n;
	if (!rc && n)
		t->from = "this run";
	if (!rc && !n) {
		free(v);
		rc = walls(db, before, run_id, &v, &n);
		if (!rc && n)
			t->from = "earlier runs";
	}
	t->median_s = median(v, n);
	free(v);
	free(here);
	free(before);
	return rc;
}

static json_t *part(long done, long total, bool known)
{
	return known ? json_pack("{s:I,s:I}", "done", (json_int_t)done, "total", (json_int_t)total)
		     : json_pack("{s:I}", "done", (json_int_t)done);
}

int db_run_progress_json(struct db *db, long run_id, long nvariants, json_t **out)
{
	long configs = 0, built = 0, booted = 0, configured = 0, started = 0, unfinished = 0;
	struct kind_times bt, ot;
	json_t *p;
	int rc;

	*out = NULL;
	rc = db_scalar_long(db, &configured,
			    "SELECT COUNT(*) FROM jobs WHERE run_id = ? AND kind = 'configure' AND state = 'done'"
			    " AND status = 'PASS'", "l", run_id);
	if (!rc)
		rc = db_scalar_long(db, &configs, "SELECT COUNT(*) FROM configs WHERE run_id = ?", "l", run_id);
	if (!rc)
		rc = db_scalar_long(db, &built,
				    "SELECT COUNT(*) FROM jobs WHERE run_id = ? AND kind = 'build' AND state IN ('done', 'cancelled')",
				    "l", run_id);
	if (!rc)
		rc = db_scalar_long(db, &booted,
				    "SELECT COUNT(*) FROM jobs WHERE run_id = ? AND kind = 'boot' AND state IN ('done', 'cancelled')",
				    "l", run_id);
	if (!rc)
		rc = db_scalar_long(db, &unfinished,
				    "SELECT COUNT(*) FROM jobs WHERE run_id = ? AND state IN ('queued', 'running')", "l",
				    run_id);
	if (!rc)
		rc = db_scalar_long(db, &started,
				    "SELECT COALESCE(MIN(started_at), 0) FROM jobs WHERE run_id = ? AND kind != 'configure'",
				    "l", run_id);
	if (!rc)
		rc = kind_times(db, run_id, "builds", &bt);
	if (!rc)
		rc = kind_times(db, run_id, "boots", &ot);
	if (rc)
		return rc;
	/* Once configured, every distinct config is built once and booted once per variant (or skipped). */
	p = json_pack("{s:o,s:o}", "builds", part(built, configs, configured > 0), "boots",
		      part(booted, configs * nvariants, configured > 0));
	if (configured && unfinished) {
		long rem_builds = configs - built > 0 ? configs - built : 0;
		long rem_boots = configs * nvariants - booted > 0 ? configs * nvariants - booted : 0;
		double elapsed = started ? (double)(time(NULL) - started) : 0;
		double work = bt.total_s + ot.total_s, rate = 1;

		/* Jobs overlap (boot slots, several workers): the rate of work this run has done so far. */
		if (elapsed >= 30 && work > 0)
			rate = work / elapsed;
		if (rate < 0.25)
			rate = 0.25;
		if (bt.from && (ot.from || nvariants == 0)) {
			double eta = ((double)rem_builds * bt.median_s + (double)rem_boots * ot.median_s) / rate;

			json_object_set_new(p, "eta_s", json_integer((json_int_t)(eta + 0.5)));
			/* Views are rendered once per change of the run: a reader counts down from here. */
			json_object_set_new(p, "estimated_at", json_integer((json_int_t)time(NULL)));
			json_object_set_new(p, "eta_basis",
					    json_pack("{s:f,s:f,s:s,s:f}", "build_s", bt.median_s, "boot_s", ot.median_s,
						      "from", bt.from, "parallelism", rate));
		}
	}
	*out = p;
	return 0;
}
