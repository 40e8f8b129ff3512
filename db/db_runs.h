/* Trees, runs, their requests and distinct configs, and what pushes make of runs (db_runs.c). */
#ifndef KM_DB_RUNS_H
#define KM_DB_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

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
	char *author_name, *author_email; /* the commit's author; the push's when the commit gave none */
	char *pusher_email, *subject;
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

#endif
