/* Bisections and their steps (migrations 006, 007): the rows behind server/bisect.c. */
#ifndef KM_DB_BISECT_H
#define KM_DB_BISECT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct db_bisection_new {
	long run_id, base_run, signature_id, config_id; /* signature_id 0: a boot */
	const char *good_commit, *bad_commit;
	const char *state;  /* walking, or skipped with reason */
	const char *reason;
	const char *kind;   /* "build" (NULL too) or "boot" */
	const char *variant, *role, *before, *after; /* boot: variant, range role (NULL: FAIL), outcomes */
};
/* Records a bisection; KM_EEXISTS when the run's signature (or boot change) already has one. */
int db_bisection_add(struct db *db, const struct db_bisection_new *b, long *id);

/* Records a job of a bisection (op walk or step; position and commit NULL/0 for the walk). */
int db_bisect_step_add(struct db *db, long bisection_id, long job_id, const char *op, long position,
		       const char *commit_id);

/* One job of a bisection, with its job's state, status and message. */
struct db_bisect_step {
	long job_id;
	char *op, *commit_id, *verdict, *reason; /* verdict NULL: not decided yet */
	long position;
	char *job_state, *job_status, *job_message;
	int64_t finished_at;
};

struct db_bisection {
	long id, run_id, base_run, signature_id, config_id;
	char *good_commit, *bad_commit, *state, *reason, *commits; /* commits: JSON text or NULL */
	char *signature, *signature_message; /* of signature_id; NULL for a boot */
	char *kind;                          /* "build" or "boot" */
	char *variant, *role, *before, *after; /* boot: variant, role (NULL: the boot fails), base's and run's outcome */
	int good_checked;
	long first_bad, range_first; /* 0: none */
	int64_t created_at, finished_at;
	struct db_bisect_step *steps; /* job order */
	size_t nsteps;
};
/* Loads a bisection with its steps; KM_ENOTFOUND. Release with db_bisection_release(). */
int db_bisection_get(struct db *db, long id, struct db_bisection *out);
void db_bisection_release(struct db_bisection *b);

/*
 * Ids of bisections, oldest first: of a run (signature_id 0), of one
 * signature of a run, or of a signature in any run (run_id 0). *ids is the
 * caller's. only_active: walking or stepping ones only.
 */
int db_bisections_find(struct db *db, long run_id, long signature_id, int only_active, long **ids, size_t *n);

/* The bisection a job belongs to (0 when none) and the step's op. */
int db_bisect_step_of_job(struct db *db, long job_id, long *bisection_id);

/* Sets a step's verdict (good, bad, skip) and what the build showed. */
int db_bisect_step_set(struct db *db, long job_id, const char *verdict, const char *reason);

/* After the walk: the commits (JSON text), the good end and whether it is already known good. */
int db_bisection_walked(struct db *db, long id, const char *commits, const char *good_commit, int good_checked);

/* Ends a bisection: found, range, skipped, cancelled or error, with the positions (0: none) and a reason. */
int db_bisection_finish(struct db *db, long id, const char *state, long first_bad, long range_first,
			const char *reason);

/*
 * Cancels the active bisections of the runs of tree+ref other than run_id
 * (a newer push): their queued steps end cancelled, the bisections say
 * "superseded by run N". *n gets how many.
 */
int db_bisections_cancel_older(struct db *db, long tree_id, const char *ref, long run_id, int *n);

/* Makes a run waiting in notify_runs due now (its bisections ended). */
int db_notify_run_due_now(struct db *db, long run_id, int64_t now);

/* Whether the run's notify_runs row is still pending (its report not composed yet). */
int db_notify_run_pending(struct db *db, long run_id, int *pending);

#endif
