/* The scheduler: runs become jobs, jobs are leased to workers, results move runs forward. */
#ifndef KM_SCHED_H
#define KM_SCHED_H

#include <stdbool.h>
#include <jansson.h>
#include <stdint.h>

#include "jobtypes.h"

struct db;
struct server;

struct sched_submit {
	const char *tree_name; /* NULL: found by URL, or named after the URL's last component */
	const char *tree_url;  /* git URL or local path */
	const char *ref;       /* refs/heads/x, a branch name, or NULL with commit */
	const char *commit;    /* NULL: the configure job resolves ref */
	const char *base_commit;
	const char *matrix_name;
	const char *subject, *author_name, *author_email, *pusher_email;
	const char *trigger;   /* api, webhook, hook, poll */
	bool keep_newer;       /* a replayed push: recorded, but it supersedes no run */
};

/*
 * Records a run with one request per matrix point and queues its configure
 * job, superseding unfinished runs of the same tree and ref, inside the
 * caller's transaction (a push that runs several matrices records all of
 * its runs or none). The caller commits, then calls sched_notify().
 */
int sched_submit_in(struct server *s, struct db *db, const struct sched_submit *in, long *run_id);

/* sched_submit_in() in a transaction of its own, and the queue woken. */
int sched_submit(struct server *s, struct db *db, const struct sched_submit *in, long *run_id);

/*
 * Leases the best queued job of the given kinds to a worker: configure jobs
 * first, then boots (preferring configs this worker built), then the build
 * whose config is nearest to the one this worker built last. *job is the
 * payload with its lease, or NULL when nothing is queued.
 */
int sched_claim(struct server *s, struct db *db, long worker_id, const char *const *kinds, json_t **job);

/* Extends a live lease of this worker; *expires gets the new deadline. KM_ECONFLICT for any other lease. */
int sched_extend(struct server *s, struct db *db, long worker_id, long job_id, const char *lease, int64_t *expires);

/*
 * Records a job's result (configure, build or boot) delivered under lease.
 * A repeat of a recorded result changes nothing and says so in *reply.
 */
int sched_result(struct server *s, struct db *db, long worker_id, long job_id, const json_t *result, json_t **reply);

/*
 * Checks a result of a job of kind as a whole before anything is recorded,
 * for a matrix of naxes axes and a run of nrequests requests: what
 * job_result_decode() checks, then the points' axes and every request
 * index exactly once. Cleans res's strings in place first (control
 * characters out, descriptive text cut on a character boundary).
 * 0 or KM_EINVAL/KM_ETOOBIG with the reason. No database: the fuzz target's entry.
 */
int sched_result_check(enum job_kind kind, size_t naxes, long nrequests, json_t *res);

/* Requeues (or ends as ERROR) the jobs whose leases expired and updates their runs. */
int sched_sweep(struct server *s, struct db *db);

/*
 * Gives the builds of a run that ended in ERROR without a result (expired
 * leases, a revoked worker) their boot rows, MISS, as a reported ERROR gets.
 * Inside the caller's transaction.
 */
int sched_boots_missed(struct server *s, struct db *db, long run_id);

/* Cancels a run's queued jobs and marks it cancelled. */
int sched_cancel(struct server *s, struct db *db, long run_id);

/* Revokes a worker's token and puts the jobs it was running back in the queue (*requeued of them). */
int sched_revoke_worker(struct server *s, struct db *db, const char *name, long *worker_id, int *requeued);

/* Recomputes a run's state from its jobs (inside the caller's transaction). */
int sched_advance(struct server *s, struct db *db, long run_id);

/* Wakes claims waiting in sched_wait(): new jobs were queued. */
void sched_notify(void);
/* Waits up to seconds for sched_notify(). */
void sched_wait(double seconds);

/* Called when a run reaches "done" (inside the caller's transaction); set by the notifier. */
extern void (*sched_on_run_done)(struct server *s, struct db *db, long run_id);

#endif
