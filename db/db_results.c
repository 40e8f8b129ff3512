/* Results of build and boot jobs, error signatures and stored artifacts. */
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xalloc.h"
#include "err.h"

int db_build_record(struct db *db, const struct db_build_result *b)
{
	return db_exec(db,
		       "INSERT OR REPLACE INTO builds (job_id, config_id, worker_id, status, message, wall_s, cpu_s,"
		       " ccache_hits, ccache_misses, ccache_remote_hits, warnings, log_lines, make_cmd, unchanged_since,"
		       " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       "llIttddllllltIi", b->job_id, b->config_id, b->worker_id, b->status, b->message, b->wall_s,
		       b->cpu_s, b->ccache_hits, b->ccache_misses, b->ccache_remote_hits, b->warnings, b->log_lines,
		       b->make_cmd, b->unchanged_since, db_now());
}

int db_build_same_outputs(struct db *db, long earlier, long worker_id, const char *hash, const char *bundle)
{
	long one = 0;
	int rc = db_scalar_long(db, &one,
				"SELECT 1 FROM jobs j JOIN builds b ON b.job_id = j.id JOIN configs c ON c.id = j.config_id"
				" JOIN runs r ON r.id = j.run_id WHERE j.id = ? AND j.kind = 'build' AND b.status = 'PASS'"
				" AND b.worker_id = ? AND c.hash = ? AND r.matrix_bundle = ?",
				"lltt", earlier, worker_id, hash, bundle);

	if (rc == KM_ENOTFOUND)
		return err_set(KM_ENOTFOUND,
			       "job %ld is not a passing build of this worker, config and matrix", earlier);
	return rc;
}

int db_boot_of_build(struct db *db, long earlier, const char *variant, struct db_reused_boot *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_get(db,
		    "SELECT o.job_id, COALESCE(bj.same_boot_as, bj.id), bj.run_id, o.status, o.message, o.details,"
		    " o.warnings FROM jobs jb JOIN jobs bj ON bj.run_id = jb.run_id AND bj.config_id = jb.config_id"
		    " JOIN boots o ON o.job_id = bj.id WHERE jb.id = ? AND bj.kind = 'boot' AND bj.variant = ?"
		    " AND bj.state = 'done' AND o.status IN ('PASS', 'FAIL') ORDER BY bj.id DESC LIMIT 1",
		    "lt", "llltttl", earlier, variant, &out->job_id, &out->booted_job, &out->run_id, &out->status,
		    &out->message, &out->details, &out->warnings);
	if (rc == 0)
		return err_set(KM_ENOTFOUND, "build job %ld has no finished boot of variant %s", earlier, variant);
	if (rc < 0)
		return rc;
	rc = db_ownership_json(db, out->job_id, &out->ownership);
	if (rc)
		db_reused_boot_release(out);
	return rc;
}

void db_reused_boot_release(struct db_reused_boot *b)
{
	free(b->status);
	free(b->message);
	free(b->details);
	json_decref(b->ownership);
	memset(b, 0, sizeof(*b));
}

int db_build_of_config(struct db *db, long config_id, long *job_id, char **status)
{
	int rc = db_get(db, "SELECT job_id, status FROM builds WHERE config_id = ? ORDER BY job_id DESC LIMIT 1", "l",
			"lt", config_id, job_id, status);

	if (rc <= 0)
		return rc ? rc : err_set(KM_ENOTFOUND, "config %ld has no build", config_id);
	return 0;
}

int db_boot_record(struct db *db, const struct db_boot_result *b)
{
	return db_exec(db,
		       "INSERT OR REPLACE INTO boots (job_id, config_id, variant, status, message, wall_s, warnings,"
		       " details, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       "lltttdlti", b->job_id, b->config_id, b->variant, b->status, b->message, b->wall_s,
		       b->warnings, b->details, db_now());
}

int db_ownership_add(struct db *db, long boot_job_id, const char *range, const char *role, const char *owner,
		     const char *evidence)
{
	return db_exec(db,
		       "INSERT OR REPLACE INTO ownership (boot_job_id, range_text, role, owner, evidence)"
		       " VALUES (?, ?, ?, ?, ?)",
		       "ltttt", boot_job_id, range, role, owner, evidence);
}

int db_ownership_json(struct db *db, long boot_job_id, json_t **owners)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st,
			 "SELECT range_text AS range, role, owner, evidence FROM ownership WHERE boot_job_id = ?"
			 " ORDER BY role DESC, range_text",
			 "l", boot_job_id);

	*owners = json_array();
	while (!rc && (rc = db_step(db, st)) == 1) {
		json_array_append_new(*owners, db_row_json(st));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int db_signature_ensure(struct db *db, const char *signature, const char *type, const char *symbol, const char *file,
			const char *message, long *signature_id)
{
	int rc = db_scalar_long(db, signature_id, "SELECT id FROM signatures WHERE signature = ?", "t", signature);

	if (rc != KM_ENOTFOUND)
		return rc;
	rc = db_exec(db,
		     "INSERT INTO signatures (signature, type, symbol, file, message, first_seen)"
		     " VALUES (?, ?, ?, ?, ?, ?)",
		     "tttttI", signature, type, symbol, file, message, (long)db_now());
	if (rc)
		return rc;
	*signature_id = db_last_id(db);
	return 0;
}

int db_error_add(struct db *db, long job_id, long signature_id, long count, long line_no, const char *first_lines,
		 bool secondary, const char *diagnosis)
{
	return db_exec(db,
		       "INSERT INTO errors (job_id, signature_id, count, line_no, first_lines, secondary, diagnosis)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, signature_id) DO UPDATE SET count = excluded.count",
		       "lllltlt", job_id, signature_id, count, line_no, first_lines, (long)secondary, diagnosis);
}

int db_artifact_put(struct db *db, long job_id, const char *name, const char *path, int64_t size, const char *sha256)
{
	return db_exec(db,
		       "INSERT INTO artifacts (job_id, name, path, size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)"
		       " ON CONFLICT (job_id, name) DO UPDATE SET path = excluded.path, size = excluded.size,"
		       " sha256 = excluded.sha256",
		       "lttiti", job_id, name, path, size, sha256, db_now());
}

int db_artifact_get(struct db *db, long job_id, const char *name, char **path, int64_t *size)
{
	int rc = db_get(db, "SELECT path, size FROM artifacts WHERE job_id = " DB_BOOTED_JOB " AND name = ?", "llt",
			"ti", job_id, job_id, name, path, size);

	if (rc <= 0)
		return rc ? rc : err_set(KM_ENOTFOUND, "job %ld has no artifact '%s'", job_id, name);
	return 0;
}

int db_builds_missing_boots(struct db *db, long run_id, long **config_ids, size_t *n)
{
	return db_ids(db, config_ids, n,
		      "SELECT j.config_id FROM jobs j WHERE j.run_id = ? AND j.kind = 'build' AND j.state = 'done'"
		      " AND j.status = 'ERROR' AND j.config_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM jobs b"
		      " WHERE b.run_id = j.run_id AND b.kind = 'boot' AND b.config_id = j.config_id) ORDER BY j.id",
		      "l", run_id);
}
