/* Workers, jobs and their leases (db_jobs.c). */
#ifndef KM_DB_JOBS_H
#define KM_DB_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobtypes.h"

struct db;

/* A new worker, or a revoked one of that name back with a new token; KM_EEXISTS if the name is in use. */
int db_worker_create(struct db *db, const char *name, const char *token_hash, long *worker_id);
/* Finds the worker owning a token hash; KM_EAUTH when none or revoked. *name is the caller's to free. */
int db_worker_auth(struct db *db, const char *token_hash, long *worker_id, char **name);
/*
 * Refuses the worker's token from now on (revoking twice keeps the first
 * time) and puts the jobs it holds a lease on back in the queue, as an
 * expired lease would (db_leases_expire). KM_ENOTFOUND for an unknown name.
 */
int db_worker_revoke(struct db *db, const char *name, long *worker_id, int *requeued, int *errored,
		     void (*fn)(void *ctx, long run_id), void *ctx);
int db_worker_seen(struct db *db, long worker_id, const char *hostname, const char *version, long cores);

/* Jobs and leases. */

struct db_job {
	long id, run_id, config_id; /* config_id 0 for configure jobs */
	long tree_id;
	char kind[12];
	char *variant;              /* boot jobs */
	char *matrix_name;
	int attempts, max_attempts;
	int64_t run_created_at;
	long built_by;              /* boot jobs: the worker that built the config, 0 if unknown */
};
void db_job_release(struct db_job *j);

int db_job_add(struct db *db, long run_id, const char *kind, long config_id, const char *variant, int max_attempts,
	       long *job_id);
/* Adds a job that is already finished (boots skipped because their build failed, ...). */
int db_job_add_done(struct db *db, long run_id, const char *kind, long config_id, const char *variant,
		    const char *status, const char *message, long *job_id);

/*
 * Boots shared between variants (migration 008): a boot job that waits for
 * the boot of job same_boot_as, which is the same experiment, and is never
 * claimed. When that boot is recorded its waiting jobs are recorded from it
 * (db_jobs_waiting_boot, db_job_finish_shared); when it ends without a boot
 * to share, db_jobs_stop_waiting lets them boot on their own.
 */
int db_job_add_waiting(struct db *db, long run_id, long config_id, const char *variant, int max_attempts,
		       long same_boot_as, long *job_id);
/* The queued jobs waiting for job's boot, and their variants: caller frees ids and each variant. */
int db_jobs_waiting_boot(struct db *db, long job_id, long **ids, char ***variants, size_t *n);
int db_job_finish_shared(struct db *db, long job_id, const char *status, const char *message);
/* A finished boot job recorded from job booted's boot (an earlier run's, for a build that changed nothing). */
int db_job_set_same_boot(struct db *db, long job_id, long booted);
int db_jobs_stop_waiting(struct db *db, long job_id);

/* Queued jobs of the given kinds (NULL-terminated list, in order of preference after configure jobs), oldest run first, at most limit; jobs waiting for a shared boot are not among them. Caller frees with db_jobs_free. */
int db_jobs_queued(struct db *db, const char *const *kinds, size_t limit, struct db_job **jobs, size_t *n);
void db_jobs_free(struct db_job *jobs, size_t n);

/* Takes a queued job for a worker: KM_ECONFLICT if it is no longer queued. */
int db_job_lease(struct db *db, long job_id, long worker_id, const char *lease_id, int64_t expires);

/*
 * Checks that lease_id is the live lease of the job, held by worker_id, at
 * time now (a lease is one attempt: each claim makes a new one).
 * 0: it is; KM_EEXISTS: this lease already delivered the job's result (a retry);
 * KM_ECONFLICT: the lease is foreign, another worker's, from an earlier
 * attempt or expired (message says which); KM_ENOTFOUND: no such job.
 */
int db_job_check_lease(struct db *db, long job_id, long worker_id, const char *lease_id, int64_t now);
int db_job_extend(struct db *db, long job_id, long worker_id, const char *lease_id, int64_t expires);
/* Ends a running job with a status, remembering the lease that delivered it. */
int db_job_finish(struct db *db, long job_id, const char *lease_id, const char *status, const char *message);
/* Remembers that lease delivered a result, so a repeat of it is recognised. */
int db_job_mark_delivered(struct db *db, long job_id, const char *lease_id);
/* Puts a running job back in the queue (a retryable ERROR), or ends it as ERROR when out of attempts. */
int db_job_retry_or_fail(struct db *db, long job_id, const char *message, bool *requeued);

/*
 * Expired leases: jobs go back to the queue, or end as ERROR (never FAIL)
 * once they used all their attempts. Run ids touched are passed to fn.
 */
int db_leases_expire(struct db *db, int64_t now, int *requeued, int *errored,
		     void (*fn)(void *ctx, long run_id), void *ctx);

/* One job row, its protocol words typed: a row spelling none of them is an error of the database, not a job. */
struct db_job_info {
	long id, run_id, config_id, worker_id;
	enum job_kind kind;
	enum job_state state;
	bool has_status;        /* false until the job finishes */
	enum job_status status; /* when has_status */
	char *variant;          /* boot jobs; NULL otherwise */
};
int db_job_get(struct db *db, long job_id, struct db_job_info *out);
void db_job_info_release(struct db_job_info *j);

/* Counts of a run's jobs: [kind][state] with kinds configure/build/boot and states queued/running/done/cancelled. */
/* A run's configure, build and boot jobs by state and status, each array indexed by enum job_kind (bisect steps are not counted). */
struct db_run_counts {
	int queued[JOB_KIND_COUNT], running[JOB_KIND_COUNT], done[JOB_KIND_COUNT], cancelled[JOB_KIND_COUNT];
	int status_fail[JOB_KIND_COUNT], status_error[JOB_KIND_COUNT];
};
int db_run_counts(struct db *db, long run_id, struct db_run_counts *out);

/* The normalized .config the worker last built for this tree and matrix, or NULL (caller frees). */
int db_worker_last_config(struct db *db, long worker_id, long tree_id, const char *matrix_name, char **config_text);
/* The config text of a job's config (build candidates), caller frees. */
int db_config_text(struct db *db, long config_id, char **text);

#endif
