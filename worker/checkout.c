/* libgit2: clone or fetch a tree into a persistent directory and check out a commit. */
#include "checkout.h"

#include <errno.h>
#include <git2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "fsutil.h"
#include "log.h"
#include "xalloc.h"

static int git_fail(const char *what)
{
	const git_error *e = git_error_last();

	return err_set(KM_EIO, "%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
}

static bool is_repo(const char *dir)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/.git", dir);
	return stat(path, &st) == 0;
}

static int fetch(git_repository *repo, const char *url, const char *ref)
{
	git_remote *remote = NULL;
	git_fetch_options opts;
	char *extra = NULL;
	char *specs[3];
	git_strarray refspecs = { specs, 0 };
	int rc = 0;

	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	/* The tree's URL may have changed since the clone: follow it. */
	if (git_remote_lookup(&remote, repo, "origin") != 0) {
		if (git_remote_create(&remote, repo, "origin", url) != 0)
			return git_fail("add remote");
	} else if (strcmp(git_remote_url(remote), url) != 0) {
		git_remote_free(remote);
		remote = NULL;
		if (git_remote_set_url(repo, "origin", url) != 0 || git_remote_lookup(&remote, repo, "origin") != 0)
			return git_fail("update remote URL");
	}
	specs[refspecs.count++] = "+refs/heads/*:refs/remotes/origin/*";
	specs[refspecs.count++] = "+refs/tags/*:refs/tags/*";
	if (ref && strncmp(ref, "refs/", 5) == 0 && strncmp(ref, "refs/heads/", 11) != 0 &&
	    strncmp(ref, "refs/tags/", 10) != 0) {
		extra = xasprintf("+%s:refs/kmatrix/%s", ref, ref + 5);
		specs[refspecs.count++] = extra;
	}
	opts.prune = GIT_FETCH_PRUNE;
	if (git_remote_fetch(remote, &refspecs, &opts, "kmatrix fetch") != 0)
		rc = git_fail("fetch");
	git_remote_free(remote);
	free(extra);
	return rc;
}

/* The local name a fetched ref ends up under. */
static char *tracking_ref(const char *ref)
{
	if (strncmp(ref, "refs/heads/", 11) == 0)
		return xasprintf("refs/remotes/origin/%s", ref + 11);
	if (strncmp(ref, "refs/tags/", 10) == 0)
		return xstrdup(ref);
	if (strncmp(ref, "refs/", 5) == 0)
		return xasprintf("refs/kmatrix/%s", ref + 5);
	return xasprintf("refs/remotes/origin/%s", ref);
}

/* Whether repo has the commit whose id (or unique prefix) is hex. */
static bool has_commit(git_repository *repo, const char *hex)
{
	git_object *o = NULL;
	git_oid oid;
	bool yes = git_oid_fromstrn(&oid, hex, strlen(hex)) == 0 &&
		   git_object_lookup_prefix(&o, repo, &oid, strlen(hex), GIT_OBJECT_COMMIT) == 0;

	git_object_free(o);
	git_error_clear();
	return yes;
}

/*
 * Opens dir's repository, cloning url the first time (nothing checked out),
 * and fetches ref, unless the commit a job needs (need, may be NULL) is
 * already there: a commit id names the same tree whatever the ref says now.
 */
static int open_fetched(const char *url, const char *dir, const char *ref, const char *need, git_repository **repo)
{
	int rc;

	*repo = NULL;
	git_libgit2_init();
	if (!is_repo(dir)) {
		git_clone_options opts;

		git_clone_options_init(&opts, GIT_CLONE_OPTIONS_VERSION);
		/* Check out nothing yet: the commit is chosen by the caller. */
		opts.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;
		log_info("cloning %s into %s", url, dir);
		if (git_clone(repo, url, dir, &opts) != 0)
			return git_fail("clone");
	} else if (git_repository_open(repo, dir) != 0) {
		return git_fail("open working tree");
	} else if (need && has_commit(*repo, need)) {
		return 0;
	}
	rc = fetch(*repo, url, ref);
	if (rc) {
		git_repository_free(*repo);
		*repo = NULL;
	}
	return rc;
}

/*
 * The mark in .git of the commit the work tree was last wholly checked out
 * at: removed before a checkout starts and written once it has ended, so a
 * checkout cut short never passes for a finished one.
 */
static char *mark_path(git_repository *repo)
{
	return xasprintf("%skmatrix-checked-out", git_repository_path(repo));
}

/* Whether the work tree is wholly at commit c already: HEAD names it and the mark says the checkout ended. */
static bool checked_out_at(git_repository *repo, const git_commit *c)
{
	char *path = mark_path(repo), *mark = NULL, hex[GIT_OID_HEXSZ + 1];
	git_oid head;
	size_t len = 0;
	bool yes;

	git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
	yes = git_repository_head_detached(repo) == 1 && git_reference_name_to_id(&head, repo, "HEAD") == 0 &&
	      git_oid_equal(&head, git_commit_id(c)) && fs_read_file(path, 64, &mark, &len) == 0 && len == strlen(hex) &&
	      memcmp(mark, hex, len) == 0;
	git_error_clear();
	err_clear();
	free(mark);
	free(path);
	return yes;
}

/* Checks c out (only the files that differ are rewritten, so the others keep their timestamps) and detaches HEAD at it. */
static int checkout_commit(git_repository *repo, const git_commit *c)
{
	char *path = mark_path(repo), hex[GIT_OID_HEXSZ + 1];
	git_checkout_options co;
	int rc = 0;

	git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_FORCE;
	if (unlink(path) != 0 && errno != ENOENT)
		rc = err_set(KM_EIO, "%s: %s", path, strerror(errno));
	else if (git_checkout_tree(repo, (const git_object *)c, &co) != 0)
		rc = git_fail("checkout");
	else if (git_repository_set_head_detached(repo, git_commit_id(c)) != 0)
		rc = git_fail("set HEAD");
	else
		rc = fs_write_file(path, hex, strlen(hex));
	free(path);
	return rc;
}

int checkout_tree(const char *url, const char *dir, const char *ref, const char *commit, struct checkout_info *out)
{
	git_repository *repo = NULL;
	git_object *target = NULL;
	git_commit *c = NULL;
	git_oid oid;
	const git_signature *author;
	const char *summary;
	char *local_ref = NULL;
	double t0 = clock_now_s();
	int rc = 0;

	memset(out, 0, sizeof(*out));
	rc = open_fetched(url, dir, ref, commit, &repo);
	if (rc)
		goto done;

	if (commit) {
		if (git_oid_fromstrn(&oid, commit, strlen(commit)) != 0 ||
		    git_object_lookup_prefix(&target, repo, &oid, strlen(commit), GIT_OBJECT_COMMIT) != 0) {
			rc = err_set(KM_ENOTFOUND, "commit %s is not in %s", commit, url);
			goto done;
		}
	} else {
		local_ref = tracking_ref(ref);
		if (git_revparse_single(&target, repo, local_ref) != 0) {
			rc = err_set(KM_ENOTFOUND, "ref %s is not in %s", ref, url);
			goto done;
		}
	}
	if (git_commit_lookup(&c, repo, git_object_id(target)) != 0) {
		git_object *peeled = NULL;

		if (git_object_peel(&peeled, target, GIT_OBJECT_COMMIT) != 0 ||
		    git_commit_lookup(&c, repo, git_object_id(peeled)) != 0) {
			git_object_free(peeled);
			rc = git_fail("not a commit");
			goto done;
		}
		git_object_free(peeled);
	}
	/* The tree is only ever written here, so a finished checkout of the same commit need not be verified file by file. */
	if (!checked_out_at(repo, c)) {
		rc = checkout_commit(repo, c);
		if (rc)
			goto done;
	}
	git_oid_tostr(out->commit, sizeof(out->commit), git_commit_id(c));
	summary = git_commit_summary(c);
	author = git_commit_author(c);
	out->subject = xstrdup(summary ? summary : "");
	out->author_name = xstrdup(author && author->name ? author->name : "");
	out->author_email = xstrdup(author && author->email ? author->email : "");
	out->time = (int64_t)git_commit_time(c);
	log_info("checked out %.12s in %s in %.1fs", out->commit, dir, clock_now_s() - t0);
done:
	git_commit_free(c);
	git_object_free(target);
	git_repository_free(repo);
	free(local_ref);
	return rc;
}

void checkout_info_release(struct checkout_info *info)
{
	if (!info)
		return;
	free(info->subject);
	free(info->author_name);
	free(info->author_email);
	memset(info, 0, sizeof(*info));
}

static int lookup_commit(git_repository *repo, const char *hex, git_oid *oid)
{
	git_object *o = NULL;

	if (!hex || git_oid_fromstrn(oid, hex, strlen(hex)) != 0 ||
	    git_object_lookup_prefix(&o, repo, oid, strlen(hex), GIT_OBJECT_COMMIT) != 0)
		return err_set(KM_ENOTFOUND, "commit %.64s is not in the tree", hex ? hex : "(none)");
	git_oid_cpy(oid, git_object_id(o));
	git_object_free(o);
	return 0;
}

static int commit_tree(git_repository *repo, const char *hex, git_tree **tree)
{
	git_oid oid;
	git_commit *c = NULL;
	int rc = lookup_commit(repo, hex, &oid);

	if (!rc && (git_commit_lookup(&c, repo, &oid) != 0 || git_commit_tree(tree, c) != 0))
		rc = git_fail("commit tree");
	git_commit_free(c);
	return rc;
}

static char delta_status(git_delta_t t)
{
	switch (t) {
	case GIT_DELTA_ADDED:
		return 'A';
	case GIT_DELTA_DELETED:
		return 'D';
	case GIT_DELTA_MODIFIED:
		return 'M';
	case GIT_DELTA_RENAMED:
	case GIT_DELTA_COPIED:
		return 'R';
	default:
		return 'T';
	}
}

int checkout_changed_files(const char *dir, const char *from, const char *to, size_t max,
			   struct checkout_change **out, size_t *n)
{
	git_repository *repo = NULL;
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (git_repository_open(&repo, dir) != 0)
		return git_fail("open");
	rc = commit_tree(repo, from, &a);
	if (!rc)
		rc = commit_tree(repo, to, &b);
	if (!rc && git_diff_tree_to_tree(&diff, repo, a, b, NULL) != 0)
		rc = git_fail("diff");
	if (!rc && git_diff_num_deltas(diff) > max)
		rc = err_set(KM_ETOOBIG, "%zu files differ between %.12s and %.12s (more than %zu)",
			     git_diff_num_deltas(diff), from, to, max);
	if (!rc) {
		*n = git_diff_num_deltas(diff);
		*out = xcalloc(*n + 1, sizeof(**out));
		for (size_t i = 0; i < *n; i++) {
			const git_diff_delta *d = git_diff_get_delta(diff, i);

			(*out)[i].path = xstrdup(d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path);
			(*out)[i].status = delta_status(d->status);
		}
	}
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	git_repository_free(repo);
	return rc;
}

void checkout_changes_free(struct checkout_change *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++)
		free(c[i].path);
	free(c);
}

int checkout_first_parents(const char *url, const char *dir, const char *ref, const char *good, const char *head,
			   size_t max, struct checkout_walk *out)
{
	git_repository *repo = NULL;
	git_revwalk *walk = NULL;
	git_oid good_oid, head_oid, base_oid, oid;
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = open_fetched(url, dir, ref, NULL, &repo);
	if (!rc)
		rc = lookup_commit(repo, head, &head_oid);
	if (!rc)
		rc = lookup_commit(repo, good, &good_oid);
	if (rc)
		goto done;
	/* A base that is not an ancestor (a force-push, a rebase): the merge-base is the good end. */
	if (git_merge_base(&base_oid, repo, &good_oid, &head_oid) != 0) {
		rc = err_set(KM_ENOTFOUND, "%.12s and %.12s have no common ancestor", good, head);
		goto done;
	}
	out->ancestor = git_oid_equal(&base_oid, &good_oid);
	git_oid_tostr(out->good, sizeof(out->good), &base_oid);
	if (git_revwalk_new(&walk, repo) != 0 || git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL) != 0 ||
	    git_revwalk_simplify_first_parent(walk) != 0 || git_revwalk_push(walk, &head_oid) != 0 ||
	    git_revwalk_hide(walk, &base_oid) != 0) {
		rc = git_fail("walk the history");
		goto done;
	}
	while (git_revwalk_next(&oid, walk) == 0) {
		git_commit *c = NULL;
		const git_signature *a;
		struct checkout_commit *cc;

		if (out->n == max) {
			rc = err_set(KM_ETOOBIG, "more than %zu first-parent commits between %.12s and %.12s", max, good,
				     head);
			goto done;
		}
		if (git_commit_lookup(&c, repo, &oid) != 0) {
			rc = git_fail("read a commit");
			goto done;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 32;
			out->commits = xrealloc(out->commits, cap * sizeof(*out->commits));
		}
		cc = &out->commits[out->n++];
		git_oid_tostr(cc->id, sizeof(cc->id), &oid);
		a = git_commit_author(c);
		cc->subject = xstrdup(git_commit_summary(c) ? git_commit_summary(c) : "");
		cc->author = a && a->name ? xasprintf("%s <%s>", a->name, a->email ? a->email : "") : xstrdup("");
		git_commit_free(c);
	}
	/* Newest first from the walk: the series reads oldest first. */
	for (size_t i = 0; i < out->n / 2; i++) {
		struct checkout_commit t = out->commits[i];

		out->commits[i] = out->commits[out->n - 1 - i];
		out->commits[out->n - 1 - i] = t;
	}
done:
	git_revwalk_free(walk);
	git_repository_free(repo);
	if (rc)
		checkout_walk_release(out);
	return rc;
}

void checkout_walk_release(struct checkout_walk *w)
{
	for (size_t i = 0; w && i < w->n; i++) {
		free(w->commits[i].subject);
		free(w->commits[i].author);
	}
	if (w) {
		free(w->commits);
		memset(w, 0, sizeof(*w));
	}
}
