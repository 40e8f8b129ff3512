/* Turns pushes of configured trees into runs, cancellations or a reasoned no; keeps the database's trees level with the file. */
#include "triggers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "err.h"
#include "jobtypes.h"
#include "log.h"
#include "matrix.h"
#include "sched.h"
#include "server.h"
#include "xalloc.h"

/* ---- acting on pushes ------------------------------------------------------------------------------- */

static bool is_zero(const char *id)
{
	return !id || !*id || strspn(id, "0") == strlen(id);
}

static int tree_id_of(struct db *db, const struct triggers_tree *tree, long *tree_id)
{
	int rc = db_tree_find(db, tree->name, NULL, tree_id);

	if (rc != KM_ENOTFOUND)
		return rc;
	/* Not synced yet (a test, or a race with start-up): create it as the file says. */
	rc = db_begin(db);
	if (rc)
		return rc;
	rc = db_tree_ensure(db, tree->name, tree->urls[0], tree_id);
	if (rc) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

static int cancel_ref(struct db *db, const struct triggers_tree *tree, const struct triggers_push *p,
		      json_t **reply)
{
	long tree_id = 0;
	int n = 0;
	int rc = tree_id_of(db, tree, &tree_id);

	if (!rc)
		rc = db_begin(db);
	if (rc)
		return rc;
	rc = db_runs_cancel_ref(db, tree_id, p->ref, "the ref was deleted", &n);
	if (rc) {
		db_rollback(db);
		return rc;
	}
	rc = db_commit(db);
	if (rc)
		return rc;
	log_info("tree=%s ref=%s deleted source=%s cancelled_runs=%d", tree->name, p->ref, p->source, n);
	*reply = json_pack("{s:s,s:s,s:s,s:i}", "status", "cancelled", "tree", tree->name, "ref", p->ref,
			   "runs", n);
	return 0;
}

/* Whether the newest run of ref and matrix already covers this push; *run gets it. */
static int already_run(struct db *db, long tree_id, const struct triggers_push *p, const char *matrix,
		       long *run)
{
	char *commit = NULL, *state = NULL;
	bool live, covered = false;
	int rc = db_run_latest(db, tree_id, p->ref, matrix, run, &commit, &state);

	if (rc == KM_ENOTFOUND) {
		*run = 0;
		return 0;
	}
	if (rc)
		return rc;
	live = !run_state_is(state, RUN_CANCELLED) && !run_state_is(state, RUN_SUPERSEDED) &&
	       !run_state_is(state, RUN_ERROR);
	if (live && commit && strcasecmp(commit, p->after) == 0)
		covered = true;
	/* A tag's commit is only known once the configure job peeled it. */
	if (live && p->is_tag && !commit)
		covered = true;
	free(commit);
	free(state);
	if (!covered)
		*run = 0;
	return 0;
}

/* A push's answer so far: the runs it queued and the matrices it skipped, [{id, matrix, replay}] and [{matrix, run, reason}]. */
struct push_answer {
	json_t *runs, *skipped;
};

/* Records the run of one matrix for push p (inside the push's transaction), or notes why it is not run again. */
static int submit_matrix(struct server *s, struct db *db, const struct triggers_tree *tree, long tree_id,
			 const struct triggers_push *p, const char *matrix, const char *base_ref, struct push_answer *a)
{
	struct sched_submit in = {
		.tree_name = tree->name,
		.tree_url = tree->urls[0],
		.ref = p->ref,
		/* A tag's id may be an annotated tag object: the configure job peels it. */
		.commit = p->is_tag ? NULL : p->after,
		.base_commit = p->created || is_zero(p->before) ? NULL : p->before,
		.matrix_name = matrix,
		.pusher_email = p->pusher_email,
		.trigger = p->trigger,
	};
	struct db_run_trigger trig = {
		.source = p->source,
		.delivery = p->delivery,
		.before_commit = is_zero(p->before) ? NULL : p->before,
		.after_commit = p->after,
		.created = p->created,
		.base_ref = base_ref,
		.pusher_email = p->pusher_email,
		.author_email = p->author_email,
		.author_name = p->author_name,
	};
	long run_id = 0, existing = 0;
	bool replay = false;
	int rc = already_run(db, tree_id, p, matrix, &existing);

	if (!rc && !existing && !p->is_tag)
		rc = db_push_is_replay(db, tree_id, p->ref, p->after, &replay);
	if (rc)
		return rc;
	in.keep_newer = replay;
	if (existing) {
		json_array_append_new(a->skipped, json_pack("{s:s,s:I,s:s}", "matrix", matrix, "run", (json_int_t)existing,
							    "reason", "the newest run of this ref already has this commit"));
		return 0;
	}
	rc = sched_submit_in(s, db, &in, &run_id);
	if (rc) {
		char *why = xstrdup(err_msg());

		rc = err_set(rc, "matrix '%s': %s (the push was not recorded)", matrix, why);
		free(why);
		return rc;
	}
	rc = db_run_trigger_add(db, run_id, &trig);
	if (rc)
		return rc;
	if (replay)
		log_warn("tree=%s ref=%s commit=%.12s run=%ld: an older push (replayed or the ref moved back): "
			 "recorded, supersedes nothing", tree->name, p->ref, p->after, run_id);
	json_array_append_new(a->runs, json_pack("{s:I,s:s,s:b}", "id", (json_int_t)run_id, "matrix", matrix, "replay",
						 replay));
	return 0;
}

/* Every matrix's run of push p in one transaction: all are recorded, or none is. */
static int submit_push(struct server *s, struct db *db, const struct triggers_tree *tree,
		       const struct triggers_push *p, char *const *matrices, size_t nmatrices, struct push_answer *a)
{
	char *base_ref = NULL;
	long tree_id = 0;
	int rc = tree_id_of(db, tree, &tree_id);

	if (rc)
		return rc;
	if (p->base_ref)
		base_ref = xstrdup(p->base_ref);
	else if (p->created && tree->base)
		base_ref = xasprintf("refs/heads/%s", tree->base);
	rc = db_begin(db);
	if (rc) {
		free(base_ref);
		return rc;
	}
	for (size_t i = 0; !rc && i < nmatrices; i++)
		rc = submit_matrix(s, db, tree, tree_id, p, matrices[i], base_ref, a);
	free(base_ref);
	if (rc) {
		db_rollback(db);
		log_warn("tree=%s ref=%s commit=%.12s source=%s not recorded: %s", tree->name, p->ref, p->after,
			 p->source, err_msg());
		return rc;
	}
	return db_commit(db);
}

int triggers_push(struct server *s, struct db *db, const struct triggers_tree *tree,
		  const struct triggers_push *p, enum triggers_outcome *outcome, json_t **reply)
{
	char *const *matrices = NULL;
	size_t nmatrices = 0;
	struct push_answer a;
	int rc;

	*reply = NULL;
	*outcome = TRIGGERS_IGNORED;
	if (strncmp(p->ref, "refs/heads/", 11) != 0 && strncmp(p->ref, "refs/tags/", 10) != 0) {
		*reply = json_pack("{s:s,s:s}", "status", "ignored", "reason",
				   "only branches and tags are built");
		return 0;
	}
	if (p->deleted) {
		rc = cancel_ref(db, tree, p, reply);
		if (!rc)
			*outcome = TRIGGERS_CANCELLED;
		return rc;
	}
	if (triggers_matrices_for(tree, p->ref, &matrices, &nmatrices) != 0) {
		log_info("tree=%s ref=%s source=%s ignored: %s", tree->name, p->ref, p->source, err_msg());
		*reply = json_pack("{s:s,s:s}", "status", "ignored", "reason", err_msg());
		return 0;
	}
	a.runs = json_array();
	a.skipped = json_array();
	rc = submit_push(s, db, tree, p, matrices, nmatrices, &a);
	if (rc) {
		json_decref(a.runs);
		json_decref(a.skipped);
		return rc;
	}
	if (json_array_size(a.runs) == 0) {
		*reply = json_pack("{s:s,s:s,s:o}", "status", "ignored", "reason",
				   "already queued or built: the newest run of this ref has this commit",
				   "skipped", a.skipped);
		json_decref(a.runs);
		log_info("tree=%s ref=%s commit=%.12s source=%s ignored: already run", tree->name, p->ref,
			 p->after, p->source);
		return 0;
	}
	sched_notify();
	*outcome = TRIGGERS_QUEUED;
	*reply = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "status", "queued", "tree", tree->name, "ref", p->ref,
			   "commit", p->after, "runs", a.runs, "skipped", a.skipped);
	return 0;
}

int triggers_sync(struct db *db, const struct triggers *t)
{
	int rc;

	if (!t || t->ntrees == 0)
		return 0;
	rc = db_begin(db);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < t->ntrees; i++) {
		const struct triggers_tree *tree = &t->trees[i];
		struct db_tree row;
		long id = 0;

		rc = db_tree_ensure(db, tree->name, tree->urls[0], &id);
		if (!rc)
			rc = db_tree_get(db, id, &row);
		if (rc)
			break;
		if (strcmp(row.url, tree->urls[0]) != 0) {
			log_info("tree=%s url changed from %s to %s (trees file)", tree->name, row.url,
				 tree->urls[0]);
			rc = db_tree_set_url(db, id, tree->urls[0]);
		}
		db_tree_release(&row);
	}
	if (rc) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}
