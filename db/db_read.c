/* Read-only views of the farm's state as JSON, shaped for the API and the dashboard. */
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "db_results.h"
#include "err.h"

#define RUN_COLUMNS                                                                                              \
	"r.id, r.ref, r.commit_id, r.base_commit, r.subject, r.author_name, r.author_email, r.pusher_email,"     \
	" r.matrix_name, r.trigger, r.state, r.message, r.superseded_by, r.created_at, r.started_at,"           \
	" r.finished_at, t.id AS tree_id, t.name AS tree_name, t.url AS tree_url"

static int add_status_counts(struct db *db, json_t *obj, const char *key, const char *sql, long run_id)
{
	sqlite3_stmt *st = NULL;
	json_t *counts = json_object();
	int rc = db_prep(db, &st, sql, "l", run_id);

	if (rc) {
		json_decref(counts);
		return rc;
	}
	while ((rc = db_step(db, st)) == 1)
		json_object_set_new(counts, (const char *)sqlite3_column_text(st, 0),
				    json_integer(sqlite3_column_int64(st, 1)));
	sqlite3_finalize(st);
	json_object_set_new(obj, key, counts);
	return rc;
}

/* Adds request/config/job counts to a run object. */
static int add_run_counts(struct db *db, json_t *run, long run_id)
{
	long requests = 0, clamped = 0, configs = 0;
	json_t *counts = json_object();
	int rc;

	rc = db_scalar_long(db, &requests, "SELECT COUNT(*) FROM requests WHERE run_id = ?", "l", run_id);
	if (!rc)
		rc = db_scalar_long(db, &clamped, "SELECT COUNT(*) FROM requests WHERE run_id = ? AND clamped", "l",
				    run_id);
	if (!rc)
		rc = db_scalar_long(db, &configs, "SELECT COUNT(*) FROM configs WHERE run_id = ?", "l", run_id);
	json_object_set_new(counts, "requests", json_integer(requests));
	json_object_set_new(counts, "clamped", json_integer(clamped));
	json_object_set_new(counts, "configs", json_integer(configs));
	/* Per kind: finished jobs by status, unfinished ones by state. */
	if (!rc)
		rc = add_status_counts(db, counts, "build",
				       "SELECT CASE WHEN state = 'done' THEN status ELSE state END, COUNT(*)"
				       " FROM jobs WHERE run_id = ? AND kind = 'build' GROUP BY 1",
				       run_id);
	if (!rc)
		rc = add_status_counts(db, counts, "boot",
				       "SELECT CASE WHEN state = 'done' THEN status ELSE state END, COUNT(*)"
				       " FROM jobs WHERE run_id = ? AND kind = 'boot' GROUP BY 1",
				       run_id);
	if (!rc)
		rc = add_status_counts(db, counts, "configure",
				       "SELECT CASE WHEN state = 'done' THEN status ELSE state END, COUNT(*)"
				       " FROM jobs WHERE run_id = ? AND kind = 'configure' GROUP BY 1",
				       run_id);
	json_object_set_new(run, "counts", counts);
	return rc;
}

/* Moves tree_* columns of a run row into a nested "tree" object. */
static void nest_tree(json_t *run)
{
	json_t *tree = json_object();

	json_object_set(tree, "id", json_object_get(run, "tree_id"));
	json_object_set(tree, "name", json_object_get(run, "tree_name"));
	json_object_set(tree, "url", json_object_get(run, "tree_url"));
	json_object_del(run, "tree_id");
	json_object_del(run, "tree_name");
	json_object_del(run, "tree_url");
	json_object_set_new(run, "tree", tree);
}

int db_runs_json(struct db *db, long tree_id, const char *ref, int limit, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *runs = json_array();
	int rc;

	*out = NULL;
	rc = db_prep(db, &st,
		     "SELECT " RUN_COLUMNS " FROM runs r JOIN trees t ON t.id = r.tree_id"
		     " WHERE (? = 0 OR r.tree_id = ?) AND (? IS NULL OR r.ref = ?) ORDER BY r.id DESC LIMIT ?",
		     "llttl", tree_id, tree_id, ref, ref, (long)limit);
	if (rc)
		goto done;
	while ((rc = db_step(db, st)) == 1) {
		json_t *run = db_row_json(st);

		nest_tree(run);
		json_array_append_new(runs, run);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; rc == 0 && i < json_array_size(runs); i++) {
		json_t *run = json_array_get(runs, i);

		rc = add_run_counts(db, run, (long)json_integer_value(json_object_get(run, "id")));
	}
done:
	if (rc) {
		json_decref(runs);
		return rc;
	}
	*out = json_pack("{s:o}", "runs", runs);
	return 0;
}

/* Artifacts of a job as {"name": size}. */
static json_t *job_artifacts(struct db *db, long job_id)
{
	sqlite3_stmt *st = NULL;
	json_t *arts = json_object();

	if (db_prep(db, &st, "SELECT name, size FROM artifacts WHERE job_id = " DB_BOOTED_JOB " ORDER BY name", "ll", job_id,
		    job_id))
		return arts;
	while (db_step(db, st) == 1)
		json_object_set_new(arts, (const char *)sqlite3_column_text(st, 0), db_col_json(st, 1));
	sqlite3_finalize(st);
	return arts;
}

int db_run_json(struct db *db, long run_id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *run = NULL;
	int rc;

	*out = NULL;
	rc = db_row(db, &st, "run", run_id,
		    "SELECT " RUN_COLUMNS " FROM runs r JOIN trees t ON t.id = r.tree_id WHERE r.id = ?", "l", run_id);
	if (rc)
		return rc;
	run = db_row_json(st);
	nest_tree(run);
	sqlite3_finalize(st);
	if (!rc)
		rc = add_run_counts(db, run, run_id);
	if (!rc) {
		/*
		 * The newest configure job, for its log, the resolved matrix base
		 * (base.config) and its message (how Kconfig was run: one parse for
		 * the whole run, or make per request and why).
		 */
		sqlite3_stmt *cj = NULL;

		json_object_set_new(run, "configure_job", json_null());
		if (db_prep(db, &cj, "SELECT id, message FROM jobs WHERE run_id = ? AND kind = 'configure'"
				     " ORDER BY id DESC LIMIT 1", "l", run_id) == 0 && db_step(db, cj) == 1) {
			long job = (long)sqlite3_column_int64(cj, 0);

			json_object_set_new(run, "configure_job",
					    json_pack("{s:I,s:o,s:o}", "id", (json_int_t)job, "artifacts",
						      job_artifacts(db, job), "message", db_col_json(cj, 1)));
		}
		sqlite3_finalize(cj);
	}
	if (rc) {
		json_decref(run);
		return rc;
	}
	*out = run;
	return 0;
}

static json_t *find_config(json_t *configs, long id)
{
	size_t i;
	json_t *c;

	json_array_foreach(configs, i, c) {
		if (json_integer_value(json_object_get(c, "id")) == id)
			return c;
	}
	return NULL;
}

/* The matrix view's configs: each with its build's state and first error, and an empty boots list. */
static int matrix_configs_json(struct db *db, long run_id, json_t *configs)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st,
			 "SELECT c.id, c.hash, c.point, c.effective, bj.id, CASE WHEN bj.state = 'done' THEN bj.status"
			 " ELSE bj.state END, b.wall_s,"
			 " (SELECT COUNT(*) FROM errors e WHERE e.job_id = bj.id AND NOT e.secondary),"
			 " (SELECT s.message FROM errors e JOIN signatures s ON s.id = e.signature_id"
			 "  WHERE e.job_id = bj.id ORDER BY e.secondary, e.line_no LIMIT 1)"
			 " FROM configs c LEFT JOIN jobs bj ON bj.config_id = c.id AND bj.kind = 'build'"
			 " LEFT JOIN builds b ON b.job_id = bj.id WHERE c.run_id = ? ORDER BY c.id",
			 "l", run_id);

	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		json_t *c = json_object();

		json_object_set_new(c, "id", db_col_json(st, 0));
		json_object_set_new(c, "hash", db_col_json(st, 1));
		json_object_set_new(c, "point", db_col_json(st, 2));
		json_object_set_new(c, "effective", db_col_parsed(st, 3));
		json_object_set_new(c, "build", json_pack("{s:o,s:o,s:o,s:o,s:o}", "job_id", db_col_json(st, 4),
							  "status", db_col_json(st, 5), "wall_s", db_col_json(st, 6),
							  "errors", db_col_json(st, 7), "first_error",
							  db_col_json(st, 8)));
		json_object_set_new(c, "boots", json_array());
		json_array_append_new(configs, c);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Each boot job of the run, in its config's boots list. */
static int matrix_boots_json(struct db *db, long run_id, json_t *configs)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st,
			 "SELECT j.config_id, j.id, j.variant, CASE WHEN j.state = 'done' THEN j.status ELSE j.state END,"
			 " (SELECT o.owner FROM ownership o WHERE o.boot_job_id = j.id AND o.role = 'subject' LIMIT 1),"
			 " (SELECT o.owner FROM ownership o WHERE o.boot_job_id = j.id AND o.role = 'control' LIMIT 1),"
			 " j.same_boot_as"
			 " FROM jobs j WHERE j.run_id = ? AND j.kind = 'boot' ORDER BY j.config_id, j.id",
			 "l", run_id);

	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		json_t *c = find_config(configs, (long)sqlite3_column_int64(st, 0));

		if (!c)
			continue;
		json_array_append_new(json_object_get(c, "boots"),
				      json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "job_id", db_col_json(st, 1), "variant",
						db_col_json(st, 2), "status", db_col_json(st, 3), "owner",
						db_col_json(st, 4), "control_owner", db_col_json(st, 5), "same_boot_as",
						db_col_json(st, 6)));
	}
	sqlite3_finalize(st);
	return rc;
}

static int matrix_requests_json(struct db *db, long run_id, json_t *requests)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st,
			 "SELECT idx, point, config_id, clamped, clamp_diff FROM requests WHERE run_id = ? ORDER BY idx",
			 "l", run_id);

	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1)
		json_array_append_new(requests,
				      json_pack("{s:o,s:o,s:o,s:b,s:o}", "idx", db_col_json(st, 0), "point",
						db_col_json(st, 1), "config_id", db_col_json(st, 2), "clamped",
						sqlite3_column_int(st, 3), "clamp_diff", db_col_parsed(st, 4)));
	sqlite3_finalize(st);
	return rc;
}

/* Each config's findings of the matrix's expectations, for the grid. */
static int matrix_findings_json(struct db *db, long run_id, json_t *configs)
{
	json_t *findings = NULL;
	int rc = db_findings_json(db, run_id, 0, &findings);

	for (size_t i = 0; !rc && i < json_array_size(configs); i++)
		json_object_set_new(json_array_get(configs, i), "findings", json_array());
	for (size_t i = 0; !rc && i < json_array_size(findings); i++) {
		json_t *f = json_array_get(findings, i);
		json_t *c = find_config(configs, (long)json_integer_value(json_object_get(f, "config_id")));

		if (c)
			json_array_append(json_object_get(c, "findings"), f);
	}
	json_decref(findings);
	return rc;
}

int db_run_matrix_json(struct db *db, long run_id, json_t **out)
{
	json_t *configs = json_array(), *requests = json_array(), *run = NULL;
	int rc = db_run_json(db, run_id, &run);

	*out = NULL;
	if (!rc)
		rc = matrix_configs_json(db, run_id, configs);
	if (!rc)
		rc = matrix_boots_json(db, run_id, configs);
	if (!rc)
		rc = matrix_requests_json(db, run_id, requests);
	if (!rc)
		rc = matrix_findings_json(db, run_id, configs);
	if (rc) {
		json_decref(run);
		json_decref(configs);
		json_decref(requests);
		return rc;
	}
	*out = json_pack("{s:o,s:o,s:o}", "run", run, "configs", configs, "requests", requests);
	return 0;
}

static int one_row(struct db *db, const char *sql, long id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	rc = db_first(db, &st, sql, "l", id);
	if (rc == 1) {
		*out = db_row_json(st);
		sqlite3_finalize(st);
		rc = 0;
	} else if (rc == 0) {
		rc = KM_ENOTFOUND;
	}
	return rc;
}

/* The config's latest build job with its result and artifacts, or JSON null when it has none. */
static int config_build_json(struct db *db, long config_id, json_t **build)
{
	int rc = one_row(db,
			 "SELECT j.id AS job_id, j.state, CASE WHEN j.state = 'done' THEN j.status ELSE j.state END"
			 " AS status, COALESCE(b.message, j.message) AS message, b.wall_s, b.cpu_s, b.ccache_hits,"
			 " b.ccache_misses, b.ccache_remote_hits, b.warnings, b.log_lines, b.make_cmd, b.unchanged_since,"
			 " j.attempts, w.name AS worker"
			 " FROM jobs j LEFT JOIN builds b ON b.job_id = j.id LEFT JOIN workers w ON w.id = j.worker_id"
			 " WHERE j.config_id = ? AND j.kind = 'build' ORDER BY j.id DESC LIMIT 1",
			 config_id, build);

	if (rc == KM_ENOTFOUND) {
		*build = json_null();
		return 0;
	}
	if (!rc)
		json_object_set_new(*build, "artifacts",
				    job_artifacts(db, (long)json_integer_value(json_object_get(*build, "job_id"))));
	return rc;
}

/* The errors build job build_job recorded, primary ones first, appended to errors. */
static int build_errors_json(struct db *db, long build_job, json_t *errors)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st,
			 "SELECT s.id AS signature_id, s.signature, s.type, s.symbol, s.file, s.message, e.count,"
			 " e.line_no, e.first_lines, e.secondary, e.diagnosis FROM errors e"
			 " JOIN signatures s ON s.id = e.signature_id WHERE e.job_id = ? ORDER BY e.secondary, e.line_no",
			 "l", build_job);

	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		json_t *e = db_row_json(st);

		json_object_set_new(e, "secondary", json_boolean(sqlite3_column_int(st, 9)));
		json_object_set_new(e, "diagnosis", db_col_parsed(st, 10));
		json_array_append_new(errors, e);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The config's boot jobs with their results, owners and artifacts, appended to boots. */
static int config_boots_json(struct db *db, long config_id, json_t *boots)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st,
			 "SELECT j.id AS job_id, j.variant, CASE WHEN j.state = 'done' THEN j.status ELSE j.state END"
			 " AS status, COALESCE(b.message, j.message) AS message, b.wall_s, b.warnings, b.details,"
			 " j.same_boot_as, p.variant AS same_boot_variant, p.run_id AS same_boot_run"
			 " FROM jobs j LEFT JOIN boots b ON b.job_id = j.id LEFT JOIN jobs p ON p.id = j.same_boot_as"
			 " WHERE j.config_id = ? AND j.kind = 'boot' ORDER BY j.id",
			 "l", config_id);

	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		json_t *boot = db_row_json(st);
		long job = (long)sqlite3_column_int64(st, 0);
		json_t *owners = NULL;

		json_object_set_new(boot, "details", db_col_parsed(st, 6));
		/* A view shows what it could read. */
		if (db_ownership_json(db, job, &owners) != 0)
			err_clear();
		json_object_set_new(boot, "ownership", owners);
		json_object_set_new(boot, "artifacts", job_artifacts(db, job));
		json_array_append_new(boots, boot);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The requests that resolved to the config, with their clamps, appended to reqs. */
static int config_requests_json(struct db *db, long config_id, json_t *reqs)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st,
			 "SELECT idx, point, clamped, clamp_diff FROM requests WHERE config_id = ? ORDER BY idx", "l",
			 config_id);

	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		json_t *r = db_row_json(st);

		json_object_set_new(r, "clamped", json_boolean(sqlite3_column_int(st, 2)));
		json_object_set_new(r, "clamp_diff", db_col_parsed(st, 3));
		json_array_append_new(reqs, r);
	}
	sqlite3_finalize(st);
	return rc;
}

int db_config_json(struct db *db, long config_id, json_t **out)
{
	json_t *cfg = NULL, *build = NULL, *errors = json_array(), *boots = json_array(), *reqs = json_array();
	json_t *findings = NULL, *run = NULL;
	int rc;

	*out = NULL;
	rc = one_row(db, "SELECT id, run_id, hash, point, effective, config_text FROM configs WHERE id = ?",
		     config_id, &cfg);
	if (rc == KM_ENOTFOUND)
		rc = err_set(KM_ENOTFOUND, "no config %ld", config_id);
	if (rc)
		goto fail;
	json_object_set_new(cfg, "effective", json_loads(json_string_value(json_object_get(cfg, "effective")),
							 JSON_DECODE_ANY, NULL));
	rc = db_run_json(db, (long)json_integer_value(json_object_get(cfg, "run_id")), &run);
	if (!rc)
		rc = config_build_json(db, config_id, &build);
	if (!rc)
		rc = build_errors_json(db, (long)json_integer_value(json_object_get(build, "job_id")), errors);
	if (!rc)
		rc = config_boots_json(db, config_id, boots);
	if (!rc)
		rc = config_requests_json(db, config_id, reqs);
	if (!rc)
		rc = db_findings_json(db, 0, config_id, &findings);
	if (rc)
		goto fail;
	*out = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "config", cfg, "run", run, "build", build, "errors",
			 errors, "boots", boots, "requests", reqs, "findings", findings);
	return 0;
fail:
	json_decref(cfg);
	json_decref(run);
	json_decref(build);
	json_decref(errors);
	json_decref(boots);
	json_decref(reqs);
	json_decref(findings);
	return rc;
}

int db_signature_json(struct db *db, long signature_id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *sig = NULL, *occ = json_array();
	int rc;

	*out = NULL;
	rc = one_row(db, "SELECT id, signature, type, symbol, file, message, first_seen FROM signatures WHERE id = ?",
		     signature_id, &sig);
	if (rc == KM_ENOTFOUND)
		rc = err_set(KM_ENOTFOUND, "no error signature %ld", signature_id);
	if (rc)
		goto done;
	rc = db_prep(db, &st,
		     "SELECT diagnosis FROM errors WHERE signature_id = ? AND diagnosis IS NOT NULL ORDER BY id DESC"
		     " LIMIT 1",
		     "l", signature_id);
	if (rc)
		goto done;
	json_object_set_new(sig, "diagnosis", db_step(db, st) == 1 ? db_col_parsed(st, 0) : json_null());
	sqlite3_finalize(st);
	st = NULL;
	rc = db_prep(db, &st,
		     "SELECT r.id AS run_id, t.name AS tree, r.ref, r.commit_id, r.created_at, j.config_id, c.point,"
		     " e.job_id, e.count, e.line_no, e.first_lines FROM errors e JOIN jobs j ON j.id = e.job_id"
		     " JOIN configs c ON c.id = j.config_id JOIN runs r ON r.id = j.run_id"
		     " JOIN trees t ON t.id = r.tree_id WHERE e.signature_id = ? ORDER BY r.id DESC, c.id LIMIT 2000",
		     "l", signature_id);
	if (rc)
		goto done;
	while ((rc = db_step(db, st)) == 1)
		json_array_append_new(occ, db_row_json(st));
	sqlite3_finalize(st);
	st = NULL;
	if (rc)
		goto done;
	if (json_array_size(occ)) {
		json_t *first = json_object_get(json_array_get(occ, json_array_size(occ) - 1), "created_at");
		json_t *last = json_object_get(json_array_get(occ, 0), "created_at");

		json_object_set(sig, "first_seen", first);
		json_object_set(sig, "last_seen", last);
	}
done:
	if (rc) {
		json_decref(sig);
		json_decref(occ);
		return rc;
	}
	*out = json_pack("{s:o,s:o}", "signature", sig, "occurrences", occ);
	return 0;
}

int db_workers_json(struct db *db, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *workers = json_array();
	int rc = db_prep(db, &st,
			 "SELECT w.id, w.name, w.hostname, w.version, w.cores, w.created_at, w.last_seen, w.revoked_at,"
			 " (SELECT json_group_array(j.id) FROM jobs j WHERE j.worker_id = w.id AND j.state = 'running')"
			 " AS running_jobs FROM workers w ORDER BY w.id",
			 NULL);

	*out = NULL;
	if (rc) {
		json_decref(workers);
		return rc;
	}
	while ((rc = db_step(db, st)) == 1) {
		json_t *w = db_row_json(st);

		json_object_set_new(w, "running_jobs", db_col_parsed(st, 8));
		json_array_append_new(workers, w);
	}
	sqlite3_finalize(st);
	if (rc) {
		json_decref(workers);
		return rc;
	}
	*out = json_pack("{s:o}", "workers", workers);
	return 0;
}

int db_trees_json(struct db *db, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *trees = json_array();
	int rc = db_prep(db, &st,
			 "SELECT t.id, t.name, t.url, t.poll_branches, t.secret IS NOT NULL AS webhook,"
			 " (SELECT json_group_array(DISTINCT r.ref) FROM runs r WHERE r.tree_id = t.id) AS refs"
			 " FROM trees t ORDER BY t.name",
			 NULL);

	*out = NULL;
	if (rc) {
		json_decref(trees);
		return rc;
	}
	while ((rc = db_step(db, st)) == 1) {
		json_t *t = db_row_json(st);

		json_object_set_new(t, "webhook", json_boolean(sqlite3_column_int(st, 4)));
		json_object_set_new(t, "refs", db_col_parsed(st, 5));
		json_array_append_new(trees, t);
	}
	sqlite3_finalize(st);
	if (rc) {
		json_decref(trees);
		return rc;
	}
	*out = json_pack("{s:o}", "trees", trees);
	return 0;
}

int db_job_json(struct db *db, long job_id, json_t **out)
{
	json_t *job = NULL;
	int rc = one_row(db,
			 "SELECT j.id, j.run_id, j.kind, j.config_id, j.variant, j.state, j.status, j.message,"
			 " j.attempts, j.max_attempts, j.created_at, j.started_at, j.finished_at, w.name AS worker"
			 " FROM jobs j LEFT JOIN workers w ON w.id = j.worker_id WHERE j.id = ?",
			 job_id, &job);

	*out = NULL;
	if (rc == KM_ENOTFOUND)
		return err_set(KM_ENOTFOUND, "no job %ld", job_id);
	if (rc)
		return rc;
	json_object_set_new(job, "artifacts", job_artifacts(db, job_id));
	*out = job;
	return 0;
}
