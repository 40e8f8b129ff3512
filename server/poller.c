/* Polls configured trees with libgit2 and turns ref changes into pushes: the server's only libgit2 user. */
#include "poller.h"

#include <errno.h>
#include <git2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "server.h"
#include "triggers.h"
#include "xalloc.h"
#include "validate.h"

static pthread_once_t git_once = PTHREAD_ONCE_INIT;

static void git_init(void)
{
	git_libgit2_init();
}

static const char *git_message(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown libgit2 error";
}

/* The refs a poll follows: branches and tags with a name git accepts. */
static bool ref_name_ok(const char *r)
{
	return (strncmp(r, "refs/heads/", 11) == 0 || strncmp(r, "refs/tags/", 10) == 0) && validate_ref(r);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct poller_ref *)a)->ref, ((const struct poller_ref *)b)->ref);
}

void poller_refs_free(struct poller_ref *refs, size_t n)
{
	for (size_t i = 0; refs && i < n; i++) {
		free(refs[i].ref);
		free(refs[i].commit);
	}
	free(refs);
}

/* The entry for ref, added when absent. */
static struct poller_ref *ref_slot(struct poller_ref **refs, size_t *n, const char *ref)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*refs)[i].ref, ref) == 0)
			return &(*refs)[i];
	}
	*refs = xrealloc(*refs, (*n + 1) * sizeof(**refs));
	(*refs)[*n].ref = xstrdup(ref);
	(*refs)[*n].commit = NULL;
	return &(*refs)[(*n)++];
}

int poller_ls_remote(const char *url, struct poller_ref **refs, size_t *n)
{
	git_remote *remote = NULL;
	git_remote_callbacks cb;
	const git_remote_head **heads = NULL;
	size_t nheads = 0;
	struct poller_ref *v = NULL;
	size_t count = 0;
	int rc = 0;

	*refs = NULL;
	*n = 0;
	if (!url || !*url || url[0] == '-')
		return err_set(KM_EINVAL, "poll: no usable URL");
	pthread_once(&git_once, git_init);
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	if (git_remote_create_detached(&remote, url) != 0) {
		rc = err_set(KM_EIO, "poll %s: %s", url, git_message());
		goto done;
	}
	if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL) != 0) {
		rc = err_set(KM_EIO, "poll %s: %s", url, git_message());
		goto done;
	}
	if (git_remote_ls(&heads, &nheads, remote) != 0) {
		rc = err_set(KM_EIO, "poll %s: %s", url, git_message());
		goto done;
	}
	for (size_t i = 0; i < nheads && i < POLLER_MAX_REFS; i++) {
		char name[300], hex[GIT_OID_HEXSZ + 1];
		size_t len = strlen(heads[i]->name);
		bool peeled = len > 3 && strcmp(heads[i]->name + len - 3, "^{}") == 0;
		struct poller_ref *slot;

		if (len >= sizeof(name))
			continue;
		memcpy(name, heads[i]->name, len + 1);
		if (peeled)
			name[len - 3] = '\0';
		if (!ref_name_ok(name))
			continue;
		git_oid_tostr(hex, sizeof(hex), &heads[i]->oid);
		slot = ref_slot(&v, &count, name);
		/* An annotated tag comes twice: the tag object, then "^{}" with its commit, which wins. */
		if (peeled || !slot->commit) {
			free(slot->commit);
			slot->commit = xstrdup(hex);
		}
	}
	if (count)
		qsort(v, count, sizeof(*v), by_name);
	*refs = v;
	*n = count;
	v = NULL;
done:
	poller_refs_free(v, count);
	if (remote) {
		git_remote_disconnect(remote);
		git_remote_free(remote);
	}
	return rc;
}

/* ---- one tree ------------------------------------------------------------------------------------ */

struct seen {
	char **refs, **commits;
	size_t n;
};

static void seen_add(void *ctx, const char *ref, const char *commit)
{
	struct seen *s = ctx;

	s->refs = xrealloc(s->refs, (s->n + 1) * sizeof(char *));
	s->commits = xrealloc(s->commits, (s->n + 1) * sizeof(char *));
	s->refs[s->n] = xstrdup(ref);
	s->commits[s->n] = xstrdup(commit);
	s->n++;
}

static void seen_free(struct seen *s)
{
	db_strings_free(s->refs, s->n);
	db_strings_free(s->commits, s->n);
}

static const char *seen_commit(const struct seen *s, const char *ref)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->refs[i], ref) == 0)
			return s->commits[i];
	}
	return NULL;
}

static bool remote_has(const struct poller_ref *refs, size_t n, const char *ref)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(refs[i].ref, ref) == 0)
			return true;
	}
	return false;
}

static int record(struct db *db, long tree_id, const char *ref, const char *commit)
{
	int rc = db_begin(db);

	if (rc)
		return rc;
	if (commit)
		rc = db_poll_ref_set(db, tree_id, ref, commit, (int64_t)time(NULL));
	else
		rc = db_poll_ref_delete(db, tree_id, ref);
	if (rc) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

static int record_tree(struct db *db, long tree_id, const char *url, const char *error)
{
	int rc = db_begin(db);

	if (rc)
		return rc;
	rc = db_poll_tree_set(db, tree_id, url, (int64_t)time(NULL), error);
	if (rc) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

/* Remembers every ref as it is, without acting on any: the first look at a tree. */
static int baseline(struct db *db, long tree_id, const char *url, const struct poller_ref *refs, size_t n)
{
	int rc = db_begin(db);

	if (rc)
		return rc;
	rc = db_poll_refs_clear(db, tree_id);
	for (size_t i = 0; !rc && i < n; i++)
		rc = db_poll_ref_set(db, tree_id, refs[i].ref, refs[i].commit, (int64_t)time(NULL));
	if (!rc)
		rc = db_poll_tree_set(db, tree_id, url, (int64_t)time(NULL), NULL);
	if (rc) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

static void act(struct server *s, struct db *db, const struct triggers_tree *tree,
		const struct triggers_push *p)
{
	enum triggers_outcome outcome;
	json_t *reply = NULL;

	if (triggers_push(s, db, tree, p, &outcome, &reply) != 0) {
		log_warn("poll tree=%s ref=%s: %s", tree->name, p->ref, err_msg());
		return;
	}
	if (outcome == TRIGGERS_QUEUED)
		log_info("poll tree=%s ref=%s commit=%.12s: %zu run(s) queued", tree->name, p->ref, p->after,
			 json_array_size(json_object_get(reply, "runs")));
	json_decref(reply);
}

int poller_poll_tree(struct server *s, struct db *db, const struct triggers_tree *tree, int *pushes)
{
	static const char zero[] = "0000000000000000000000000000000000000000";
	struct poller_ref *refs = NULL;
	struct seen seen = { 0 };
	char *last_url = NULL;
	const char *url = tree->urls[0];
	long tree_id = 0;
	size_t n = 0;
	int rc;

	*pushes = 0;
	rc = db_tree_find(db, tree->name, NULL, &tree_id);
	if (rc == KM_ENOTFOUND) {
		rc = db_begin(db);
		if (!rc)
			rc = db_tree_ensure(db, tree->name, url, &tree_id);
		if (!rc)
			rc = db_commit(db);
		else
			db_rollback(db);
	}
	if (rc)
		return rc;
	rc = poller_ls_remote(url, &refs, &n);
	if (rc) {
		char *why = xstrdup(err_msg());

		record_tree(db, tree_id, url, why);
		rc = err_set(KM_EIO, "%s", why);
		free(why);
		return rc;
	}
	rc = db_poll_tree_get(db, tree_id, &last_url);
	if (rc)
		goto done;
	if (!last_url || strcmp(last_url, url) != 0) {
		rc = baseline(db, tree_id, url, refs, n);
		if (!rc)
			log_info("poll tree=%s url=%s: first look, %zu branches and tags recorded; changes "
				 "from now on "
				 "start runs",
				 tree->name, url, n);
		goto done;
	}
	rc = db_poll_refs_each(db, tree_id, seen_add, &seen);
	if (rc)
		goto done;
	for (size_t i = 0; !rc && i < n && !s->stopping; i++) {
		const char *before = seen_commit(&seen, refs[i].ref);
		struct triggers_push p = {
			.source = "poll",
			.trigger = "poll",
			.ref = refs[i].ref,
			.before = before,
			.after = refs[i].commit,
			.created = before == NULL,
			.is_tag = strncmp(refs[i].ref, "refs/tags/", 10) == 0,
		};

		if (before && strcmp(before, refs[i].commit) == 0)
			continue;
		act(s, db, tree, &p);
		(*pushes)++;
		rc = record(db, tree_id, refs[i].ref, refs[i].commit);
	}
	for (size_t i = 0; !rc && i < seen.n && !s->stopping; i++) {
		struct triggers_push p = {
			.source = "poll",
			.trigger = "poll",
			.ref = seen.refs[i],
			.before = seen.commits[i],
			.after = zero,
			.deleted = true,
			.is_tag = strncmp(seen.refs[i], "refs/tags/", 10) == 0,
		};

		if (remote_has(refs, n, seen.refs[i]))
			continue;
		act(s, db, tree, &p);
		(*pushes)++;
		rc = record(db, tree_id, seen.refs[i], NULL);
	}
	if (!rc)
		rc = record_tree(db, tree_id, url, NULL);
done:
	free(last_url);
	seen_free(&seen);
	poller_refs_free(refs, n);
	return rc;
}

/* ---- the thread ------------------------------------------------------------------------------------ */

struct poller {
	struct server *s;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

static bool wait_or_stop(struct poller *p, long seconds)
{
	struct timespec deadline;
	bool stop;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += seconds;
	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		if (pthread_cond_timedwait(&p->cond, &p->lock, &deadline) != 0)
			break;
	}
	stop = p->stop;
	pthread_mutex_unlock(&p->lock);
	return stop;
}

static void *thread_main(void *arg)
{
	struct poller *p = arg;

	do {
		/* Taken afresh each round: a reload may have added or removed polled trees. */
		const struct triggers *t = server_triggers(p->s);
		struct db *db = server_db(p->s);

		for (size_t i = 0; db && t && i < t->ntrees; i++) {
			int pushes = 0;

			if (!t->trees[i].poll)
				continue;
			if (poller_poll_tree(p->s, db, &t->trees[i], &pushes) != 0)
				log_warn("poll tree=%s: %s", t->trees[i].name, err_msg());
			else if (pushes)
				log_info("poll tree=%s: %d ref(s) changed", t->trees[i].name, pushes);
		}
	} while (!wait_or_stop(p, p->s->cfg->poll_s));
	return NULL;
}

int poller_start(struct server *s, struct poller **out)
{
	struct poller *p;
	const struct triggers *t;
	size_t polled = 0;

	*out = NULL;
	t = server_triggers(s);
	for (size_t i = 0; t && i < t->ntrees; i++)
		polled += t->trees[i].poll;
	/* With a trees file the thread runs even when no tree polls yet: a reload may add one. */
	if (!t)
		return 0;
	if (s->cfg->poll_s <= 0) {
		if (polled)
			log_warn("%zu tree(s) ask for polling, but --poll=0 turns it off", polled);
		return 0;
	}
	p = xcalloc(1, sizeof(*p));
	p->s = s;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->thread, NULL, thread_main, p) != 0) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->cond);
		free(p);
		return err_set(KM_EIO, "cannot start the poll thread: %s", strerror(errno));
	}
	log_info("polling %zu tree(s) every %lds", polled, s->cfg->poll_s);
	*out = p;
	return 0;
}

void poller_stop(struct poller *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}
