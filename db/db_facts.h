/* A run's facts as typed rows: configs with builds and boots, signatures, base candidates (db_facts.c). */
#ifndef KM_DB_FACTS_H
#define KM_DB_FACTS_H

#include <stdbool.h>
#include <stddef.h>

struct db;

/* A config of a run with its newest build job (0 if none): build is its status, "" while unfinished. */
struct db_run_config {
	long id, build_job;
	char *hash, *point;
	char build[8];
};
/* The configs of a run in id order; free with db_run_configs_free(). */
int db_run_configs(struct db *db, long run_id, struct db_run_config **out, size_t *n);
void db_run_configs_free(struct db_run_config *v, size_t n);
/* Calls fn for each finished boot job of a run, with its config and status. */
int db_run_boots_each(struct db *db, long run_id, void (*fn)(void *ctx, long config_id, const char *status),
		      void *ctx);
/* One finished boot of a run with one of its ranges' owners (role and owner NULL: it reported none). */
struct db_run_boot_owner {
	long config_id, job_id;
	const char *variant, *status, *role, *owner;
};
/* Calls fn once per (finished boot job, range) of a run, in job order, then role order. */
int db_run_boot_owners_each(struct db *db, long run_id, void (*fn)(void *ctx, const struct db_run_boot_owner *b),
			    void *ctx);
/* Calls fn for each request of a run that resolved to a config, with its requested point. */
int db_run_request_points_each(struct db *db, long run_id, void (*fn)(void *ctx, long config_id, const char *point),
			       void *ctx);

/* An error signature seen in a run, with the configs whose build hit it (ascending ids). */
struct db_run_signature {
	long id;
	char *signature, *type, *symbol, *file, *message;
	bool secondary; /* every occurrence follows from another error */
	long *config_ids;
	size_t nconfigs;
};
/* Primary signatures first, then by the number of configs (most first); free with db_run_signatures_free(). */
int db_run_signatures(struct db *db, long run_id, struct db_run_signature **out, size_t *n);
void db_run_signatures_free(struct db_run_signature *v, size_t n);

/*
 * The candidates for a run's comparison base, each the newest run of the same
 * tree and matrix that is done and finished no later than the run itself:
 * PREVIOUS an earlier run of its ref, COMMIT a run of its base commit, BRANCH
 * (a new ref) a run of the branch it was made from. KM_ENOTFOUND when none.
 * The order they are tried in is run_facts_base()'s.
 */
enum db_base_kind { DB_BASE_PREVIOUS, DB_BASE_COMMIT, DB_BASE_BRANCH };
int db_run_base_find(struct db *db, long run_id, enum db_base_kind kind, long *base_id);

/*
 * A number that changes whenever anything a run's views show changes:
 * runs.version (counted by the triggers of migration 005) and, in the high
 * bits, how many runs of its tree and matrix are done (all its comparison
 * base depends on). KM_ENOTFOUND for an unknown run.
 */
int db_run_stamp(struct db *db, long run_id, long *stamp);

#endif
