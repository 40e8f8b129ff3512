/* libgit2: clone or fetch a tree into a persistent directory and check out a commit. */
#include "checkout.h"

#include <git2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "err.h"
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

int checkout_tree(const char *url, const char *dir, const char *ref, const char *commit, struct checkout_info *out)
{
	git_repository *repo = NULL;
	git_object *target = NULL;
	git_commit *c = NULL;
	git_oid oid;
	git_checkout_options co;
	const git_signature *author;
	const char *summary;
	char *local_ref = NULL;
	struct timespec t0, t1;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(out, 0, sizeof(*out));
	git_libgit2_init();
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	if (!is_repo(dir)) {
		git_clone_options opts;

		git_clone_options_init(&opts, GIT_CLONE_OPTIONS_VERSION);
		/* Check out nothing yet: the commit is chosen below. */
		opts.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;
		log_info("cloning %s into %s", url, dir);
		if (git_clone(&repo, url, dir, &opts) != 0) {
			rc = git_fail("clone");
			goto done;
		}
	} else {
		if (git_repository_open(&repo, dir) != 0) {
			rc = git_fail("open working tree");
			goto done;
		}
	}
	rc = fetch(repo, url, ref);
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
	/* FORCE rewrites only files that differ, so unchanged files keep their timestamps. */
	co.checkout_strategy = GIT_CHECKOUT_FORCE;
	if (git_checkout_tree(repo, (git_object *)c, &co) != 0) {
		rc = git_fail("checkout");
		goto done;
	}
	if (git_repository_set_head_detached(repo, git_commit_id(c)) != 0) {
		rc = git_fail("set HEAD");
		goto done;
	}
	git_oid_tostr(out->commit, sizeof(out->commit), git_commit_id(c));
	summary = git_commit_summary(c);
	author = git_commit_author(c);
	out->subject = xstrdup(summary ? summary : "");
	out->author_name = xstrdup(author && author->name ? author->name : "");
	out->author_email = xstrdup(author && author->email ? author->email : "");
	out->time = (int64_t)git_commit_time(c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("checked out %.12s in %s in %.1fs", out->commit, dir,
		 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
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
