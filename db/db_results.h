/* Build and boot results, error signatures and artifacts as jobs report them (db_results.c). */
#ifndef KM_DB_RESULTS_H
#define KM_DB_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct db;

struct db_build_result {
	long job_id, config_id, worker_id;
	const char *status, *message;
	double wall_s, cpu_s;
	long ccache_hits, ccache_misses, ccache_remote_hits, warnings, log_lines;
	const char *make_cmd;
	long unchanged_since; /* the earlier build whose outputs make left as they were (0: none) */
};
int db_build_record(struct db *db, const struct db_build_result *b);

/*
 * Whether build job earlier is a passing build of worker_id of the config
 * with this hash, in a run with this matrix bundle (the same boots): then a
 * build of the same config whose make changed no boot input since it has
 * its boots. 0 when it is, KM_ENOTFOUND (with the reason) when not.
 */
int db_build_same_outputs(struct db *db, long earlier, long worker_id, const char *hash, const char *bundle);

/* A boot of an earlier run that counts for a build that did not change since that boot's build. */
struct db_reused_boot {
	long job_id;        /* the earlier boot job of the variant */
	long booted_job;    /* the job that booted (job_id, or the job it shared its boot with) */
	long run_id;
	char *status, *message, *details;
	long warnings;
	json_t *ownership;  /* [{range, role, owner, evidence}] */
};
/* The boot of variant for build job earlier's config in its run, when it ended PASS or FAIL; KM_ENOTFOUND else. */
int db_boot_of_build(struct db *db, long earlier, const char *variant, struct db_reused_boot *out);
void db_reused_boot_release(struct db_reused_boot *b);

/* The build job id of a config's recorded build and its status; KM_ENOTFOUND if none. */
int db_build_of_config(struct db *db, long config_id, long *job_id, char **status);

struct db_boot_result {
	long job_id, config_id;
	const char *variant, *status, *message;
	double wall_s;
	long warnings;
	const char *details; /* JSON text */
};
int db_boot_record(struct db *db, const struct db_boot_result *b);
int db_ownership_add(struct db *db, long boot_job_id, const char *range, const char *role, const char *owner,
		     const char *evidence);
/* A boot's ownership as [{range, role, owner, evidence}], subject first: *owners is new (what was read, on error too). */
int db_ownership_json(struct db *db, long boot_job_id, json_t **owners);

/* Finds or creates an error signature. */
int db_signature_ensure(struct db *db, const char *signature, const char *type, const char *symbol, const char *file,
			const char *message, long *signature_id);
/* diagnosis: JSON text of a built-in-calls-module diagnosis, or NULL. */
int db_error_add(struct db *db, long job_id, long signature_id, long count, long line_no, const char *first_lines,
		 bool secondary, const char *diagnosis);

/*
 * Configs of a run whose build ended in ERROR without ever reporting (its
 * leases expired, its worker was revoked): no boot rows yet. *config_ids the caller's.
 */
int db_builds_missing_boots(struct db *db, long run_id, long **config_ids, size_t *n);

int db_artifact_put(struct db *db, long job_id, const char *name, const char *path, int64_t size, const char *sha256);
/* The stored path (relative to the data dir) and size of a job's artifact (a shared boot's are its booted job's). */
int db_artifact_get(struct db *db, long job_id, const char *name, char **path, int64_t *size);

#endif
