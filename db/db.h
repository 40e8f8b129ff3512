/* The database: every table of the farm's state, behind functions that speak its terms. */
#ifndef KM_DB_H
#define KM_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* ---- connection ------------------------------------------------------- */

/*
 * Opens (creating if needed) the database at path in WAL mode and migrates
 * the schema to the newest version. One connection per thread.
 */
int db_open(const char *path, struct db **out);
/*
 * Opens a connection to a database db_open() already migrated, without
 * touching the schema (so without the write lock): what request and
 * background threads use. KM_EIO when the file cannot be opened.
 */
int db_connect(const char *path, struct db **out);
void db_close(struct db *db);
int db_schema_version(struct db *db, long *version);

/* Write transactions: BEGIN IMMEDIATE ... COMMIT; rollback is a no-op outside one. */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
long db_last_id(struct db *db);
int db_changes(struct db *db);

/* ---- trees, runs, requests, configs (db_runs.c) ------------------------ */

/* Finds the tree by name, creating it with url when absent. */
int db_tree_ensure(struct db *db, const char *name, const char *url, long *tree_id);
/* Looks a tree up by name or, when name is NULL, by URL. KM_ENOTFOUND if none. */
int db_tree_find(struct db *db, const char *name, const char *url, long *tree_id);
int db_tree_set_secret(struct db *db, long tree_id, const char *secret);
int db_tree_set_poll(struct db *db, long tree_id, const char *branches);

struct db_tree {
	long id;
	char *name;
	char *url;
	char *secret;        /* NULL when webhooks are not configured */
	char *poll_branches; /* NULL when not polled */
};
int db_tree_get(struct db *db, long tree_id, struct db_tree *out);
void db_tree_release(struct db_tree *t);

struct db_run_new {
	long tree_id;
	const char *ref;
	const char *commit_id; /* NULL: the configure job resolves ref */
	const char *base_commit;
	const char *subject, *author_name, *author_email, *pusher_email;
	const char *matrix_name;
	const char *matrix_bundle; /* JSON text */
	const char *trigger;       /* api, webhook, hook, poll */
};
int db_run_create(struct db *db, const struct db_run_new *r, long *run_id);

/* Replaces a run's stored matrix bundle (an `axes = auto` matrix once its axes are chosen) and pins its commit. */
int db_run_set_bundle(struct db *db, long run_id, const char *bundle, const char *commit_id);

struct db_run {
	long id, tree_id;
	char *tree_name, *tree_url;
	char *ref, *commit_id, *base_commit;
	char *matrix_name;
	char *matrix_bundle;
	char *state;
	char *author_email, *pusher_email, *subject;
	long superseded_by;
	int64_t created_at, finished_at;
};
int db_run_get(struct db *db, long run_id, struct db_run *out);
void db_run_release(struct db_run *r);

int db_run_set_state(struct db *db, long run_id, const char *state, const char *message);
/* Fills in what the configure job learned from the tree. */
int db_run_set_commit(struct db *db, long run_id, const char *commit_id, const char *subject,
		      const char *author_name, const char *author_email);

/*
 * Marks every unfinished run of tree+ref other than new_run_id as superseded
 * by it and cancels their queued jobs (running ones may finish). *nruns gets
 * how many runs were superseded.
 */
int db_runs_supersede(struct db *db, long tree_id, const char *ref, long new_run_id, int *nruns);

/*
 * Whether a push of after to tree+ref is older than what the farm already
 * saw of the ref: a recorded push moved the ref away from after (after is
 * an ancestor of a newer push), a run of after is followed by a newer run
 * of another commit. Such a push is recorded but supersedes nothing.
 */
int db_push_is_replay(struct db *db, long tree_id, const char *ref, const char *after, bool *replay);

/* Cancels a run's queued jobs (running ones may finish) and marks it cancelled. */
int db_run_cancel(struct db *db, long run_id, const char *message);

int db_request_add(struct db *db, long run_id, int idx, const char *point);
int db_request_count(struct db *db, long run_id, long *n);
/* Calls fn for each request of a run in index order. */
int db_requests_each(struct db *db, long run_id, void (*fn)(void *ctx, long id, int idx, const char *point),
		     void *ctx);
/* The requested point of a run's request idx, copied into point (size bytes). */
int db_request_point(struct db *db, long run_id, int idx, char *point, size_t size);
int db_request_map(struct db *db, long run_id, int idx, long config_id, bool clamped, const char *clamp_diff);

/* Adds the config unless the run already has one with this hash; *config_id either way, *created tells which. */
int db_config_ensure(struct db *db, long run_id, const char *hash, const char *point, const char *effective,
		     const char *config_text, long *config_id, bool *created);

struct db_config {
	long id, run_id;
	char *hash, *point, *effective, *config_text;
};
int db_config_get(struct db *db, long config_id, struct db_config *out);
void db_config_release(struct db_config *c);

/* ---- workers (db_jobs.c) ------------------------------------------------ */

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

/* ---- jobs and leases (db_jobs.c) ---------------------------------------- */

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
 * A run's progress: {"builds": {"done","total"}, "boots": {"done","total"}}
 * (totals once it is configured: every config built once, booted once per
 * variant), with "eta_s" (seconds to go as of "estimated_at", a Unix time)
 * and "eta_basis" when job times for its tree and matrix have been measured
 * and work remains. nvariants: the matrix's boot
 * variants (0 without a boot section).
 */
int db_run_progress_json(struct db *db, long run_id, long nvariants, json_t **out);

/* Queued jobs of the given kinds (NULL-terminated list, in order of preference after configure jobs), oldest run first, at most limit. Caller frees with db_jobs_free. */
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

struct db_job_info {
	long id, run_id, config_id, worker_id;
	char *kind, *state, *status, *variant;
};
int db_job_get(struct db *db, long job_id, struct db_job_info *out);
void db_job_info_release(struct db_job_info *j);

/* Counts of a run's jobs: [kind][state] with kinds configure/build/boot and states queued/running/done/cancelled. */
struct db_run_counts {
	int queued[3], running[3], done[3], cancelled[3];
	int status_fail[3], status_error[3];
};
int db_run_counts(struct db *db, long run_id, struct db_run_counts *out);

/* The normalized .config the worker last built for this tree and matrix, or NULL (caller frees). */
int db_worker_last_config(struct db *db, long worker_id, long tree_id, const char *matrix_name, char **config_text);
/* The config text of a job's config (build candidates), caller frees. */
int db_config_text(struct db *db, long config_id, char **text);

/* ---- results (db_results.c) --------------------------------------------- */

struct db_build_result {
	long job_id, config_id, worker_id;
	const char *status, *message;
	double wall_s, cpu_s;
	long ccache_hits, ccache_misses, warnings, log_lines;
	const char *make_cmd;
};
int db_build_record(struct db *db, const struct db_build_result *b);

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
/* The stored path (relative to the data dir) and size of a job's artifact. */
int db_artifact_get(struct db *db, long job_id, const char *name, char **path, int64_t *size);

/* ---- read views as JSON (db_read.c) ------------------------------------- */

/* Runs newest first, optionally of one tree (id 0: all) and ref (NULL: all). */
int db_runs_json(struct db *db, long tree_id, const char *ref, int limit, json_t **out);
int db_run_json(struct db *db, long run_id, json_t **out);
int db_run_matrix_json(struct db *db, long run_id, json_t **out);
int db_config_json(struct db *db, long config_id, json_t **out);
int db_signature_json(struct db *db, long signature_id, json_t **out);
int db_workers_json(struct db *db, json_t **out);
int db_trees_json(struct db *db, json_t **out);
int db_job_json(struct db *db, long job_id, json_t **out);

/*
 * Findings of matrix expectations (db_expect.c): the errors whose signature
 * type is expect or race, of one run (config_id 0) or one config (run_id 0):
 * [{config_id, signature_id, type, rule, message, kind (build|boot), variant,
 * job_id, explanation}]. *out is a new array.
 */
int db_findings_json(struct db *db, long run_id, long config_id, json_t **out);

/* ---- a run's facts as typed rows (db_facts.c) -------------------------- */

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

/* ==== triggers, the mail outbox and polling (db_notify.c) ================ */

/* Savepoints inside the caller's transaction, so a part of it can be undone alone. name: [a-z_]+. */
int db_savepoint(struct db *db, const char *name);
int db_savepoint_release(struct db *db, const char *name);
void db_savepoint_rollback(struct db *db, const char *name);

/* Points a tree at a new fetch URL (the trees file changed). */
int db_tree_set_url(struct db *db, long tree_id, const char *url);

/* What a push said about the run it made. */
struct db_run_trigger {
	const char *source, *delivery;
	const char *before_commit, *after_commit;
	bool created;
	const char *base_ref;
	const char *pusher_email, *author_email, *author_name;
};
int db_run_trigger_add(struct db *db, long run_id, const struct db_run_trigger *t);

/*
 * The newest run of tree, ref and matrix: its id, commit (NULL until the
 * configure job resolved it) and state, the caller's. KM_ENOTFOUND if none.
 */
int db_run_latest(struct db *db, long tree_id, const char *ref, const char *matrix_name, long *run_id,
		  char **commit_id, char **state);

/*
 * Like db_runs_supersede(), but spares the other runs of the same push: those
 * with the same commit and another matrix.
 */
int db_runs_supersede_push(struct db *db, long tree_id, const char *ref, long new_run_id, int *nruns);

/* Cancels the queued jobs of every unfinished run of tree+ref (running ones may finish). */
int db_runs_cancel_ref(struct db *db, long tree_id, const char *ref, const char *message, int *nruns);

/* A run as the notifier needs it; every string the caller's (db_notify_run_release()). */
struct db_notify_run {
	long id, tree_id;
	char *tree_name, *tree_url, *ref, *commit_id, *subject, *state;
	char *author_name, *author_email; /* from the commit; the payload's when the commit gave none */
	char *matrix_name, *matrix_bundle;
};
int db_notify_run_get(struct db *db, long run_id, struct db_notify_run *out);
void db_notify_run_release(struct db_notify_run *r);

/*
 * The configs of a run whose build hit a signature, in id order (*ids the
 * caller's), and the first lines of the error in the first of them (the
 * caller's, NULL when none were kept).
 */
int db_notify_signature_configs(struct db *db, long run_id, long signature_id, long **ids, size_t *n,
				char **first_lines);

/*
 * The diagnosis a worker attached to a signature in one of the run's builds
 * (errors.diagnosis: JSON text, the caller's), or NULL when there is none.
 */
int db_notify_signature_diagnosis(struct db *db, long run_id, long signature_id, char **json);

/* A signature's type, message and signature text, the caller's. */
int db_notify_signature_get(struct db *db, long signature_id, char **type, char **message, char **signature);

/* A message for the outbox. Recipients are bare lower-case addresses and the To: forms. */
struct db_mail_new {
	const char *message_id, *kind; /* kind: report, fixed or bisect */
	long run_id, tree_id, signature_id; /* signature_id 0: none (a bisected boot change) */
	const char *ref, *commit_id, *in_reply_to;
	const char *subject, *body, *headers_json;
	const char *const *addresses;
	const char *const *mailboxes;
	size_t nrcpt;
	int64_t now;
};
/* Queues a message; KM_EEXISTS (nothing changed) when its message id is already in the outbox. */
int db_mail_enqueue(struct db *db, const struct db_mail_new *m, long *outbox_id);

/* Whether a report about this signature at this commit of the tree was ever queued. */
int db_mail_reported(struct db *db, long tree_id, const char *commit_id, long signature_id, bool *yes);

/*
 * The newest report about a signature on tree+ref: its outbox id, message
 * id (the caller's) and run. KM_ENOTFOUND if there was none.
 */
int db_mail_last_report(struct db *db, long tree_id, const char *ref, long signature_id, long *outbox_id,
			char **message_id, long *run_id);

/* Whether a "fixed" notice answering message_id was queued. */
int db_mail_fixed_queued(struct db *db, const char *message_id, bool *yes);

/* The To: forms of every recipient of an outbox message, in insertion order. Free with db_strings_free(). */
int db_mail_mailboxes(struct db *db, long outbox_id, char ***mailboxes, size_t *n);
void db_strings_free(char **v, size_t n);

/* A message due for sending, with the recipients still waiting for it. */
struct db_mail {
	long id, run_id;
	char *message_id, *subject, *body, *headers_json, *in_reply_to;
	int attempts;
	char **addresses, **mailboxes;
	size_t nrcpt;
};
/* Pending messages with next_attempt <= now, oldest first, at most limit. Free with db_mails_free(). */
int db_mail_due(struct db *db, int64_t now, size_t limit, struct db_mail **out, size_t *n);
void db_mails_free(struct db_mail *m, size_t n);

/* How many messages address was sent since `since`, and when the oldest of them went (0 if none). */
int db_mail_sent_since(struct db *db, const char *address, int64_t since, long *count, int64_t *oldest);

/*
 * Marks the listed recipients of a message as sent at now. When none is left
 * waiting the message is sent; otherwise it stays pending until next_attempt.
 */
int db_mail_mark_sent(struct db *db, long outbox_id, const char *const *addresses, size_t n, int64_t now,
		      int64_t next_attempt, bool *complete);

/* Puts a message off until next_attempt; failed counts a failed delivery; error may be NULL. */
int db_mail_defer(struct db *db, long outbox_id, int64_t next_attempt, bool failed, const char *error);

/* Gives up on a message that can never be delivered (no valid recipient), keeping it. */
int db_mail_fail(struct db *db, long outbox_id, const char *error);

/* The soonest next_attempt of a pending message, or 0 when none is pending. */
int db_mail_next_due(struct db *db, int64_t *when);

/* {"run","notify":{...}|null,"mails":[{..., "recipients":[...]}]}: what the notifier did for a run. */
int db_run_mail_json(struct db *db, long run_id, json_t **out);

/* notify_runs: a finished run the notifier must look at. */
int db_notify_run_add(struct db *db, long run_id, int64_t now);
int db_notify_run_done(struct db *db, long run_id, int mails, int64_t now);
int db_notify_run_retry(struct db *db, long run_id, int64_t next_attempt, const char *error, int64_t now);
/* Pending runs due at now, oldest first, at most limit; *ids the caller's. */
int db_notify_runs_due(struct db *db, int64_t now, size_t limit, long **ids, size_t *n);

/* Polling state. *url is the caller's, NULL when the tree was never polled. */
int db_poll_tree_get(struct db *db, long tree_id, char **url);
int db_poll_tree_set(struct db *db, long tree_id, const char *url, int64_t now, const char *error);
/* Calls fn for each ref recorded for the tree. */
int db_poll_refs_each(struct db *db, long tree_id, void (*fn)(void *ctx, const char *ref, const char *commit_id),
		      void *ctx);
int db_poll_ref_set(struct db *db, long tree_id, const char *ref, const char *commit_id, int64_t now);
int db_poll_ref_delete(struct db *db, long tree_id, const char *ref);
/* Forgets every ref of a tree (its URL changed: the next poll starts afresh). */
int db_poll_refs_clear(struct db *db, long tree_id);

#endif
