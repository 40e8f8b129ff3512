/* Reads a pushed tree with libgit2 (diff base..head, Kconfig files at head) and picks an auto matrix's axes. */
#include "automatrix.h"

#include <git2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autoaxes.h"
#include "clock.h"
#include "config.h"
#include "diffsyms.h"
#include "err.h"
#include "fsutil.h"
#include "ktree.h"
#include "log.h"
#include "matrix.h"
#include "server.h"
#include "xalloc.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
	git_libgit2_init();
}

static const char *git_msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown libgit2 error";
}

static int resolve(git_repository *repo, const char *spec, git_commit **out)
{
	git_object *o = NULL;
	int rc = 0;

	if (git_revparse_single(&o, repo, spec) != 0 || git_object_peel((git_object **)out, o, GIT_OBJECT_COMMIT) != 0)
		rc = err_set(KM_EINVAL, "axes = auto: '%.80s' is not a commit of the tree (%s)", spec, git_msg());
	git_object_free(o);
	return rc;
}

struct reader {
	git_repository *repo;
	git_tree *tree;
};

static char *read_blob(void *ctx, const char *path, size_t *len)
{
	struct reader *r = ctx;
	git_tree_entry *e = NULL;
	git_blob *b = NULL;
	char *text = NULL;

	if (git_tree_entry_bypath(&e, r->tree, path) == 0 && git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
	    git_blob_lookup(&b, r->repo, git_tree_entry_id(e)) == 0 &&
	    (size_t)git_blob_rawsize(b) <= DIFFSYMS_MAX_FILE) {
		*len = (size_t)git_blob_rawsize(b);
		text = xmalloc(*len + 1);
		memcpy(text, git_blob_rawcontent(b), *len);
		text[*len] = '\0';
	}
	git_blob_free(b);
	git_tree_entry_free(e);
	return text;
}

struct export {
	struct reader *r;
	const char *dir;
	int rc;
};

/* Writes every Kconfig* file of the tree under dir: what ktree_load() reads. */
static int export_cb(const char *root, const git_tree_entry *e, void *payload)
{
	struct export *x = payload;
	const char *name = git_tree_entry_name(e);
	char *rel, *path, *text;
	size_t len = 0;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || strncmp(name, "Kconfig", 7) != 0)
		return 0;
	rel = xasprintf("%s%s", root, name);
	text = read_blob(x->r, rel, &len);
	path = xasprintf("%s/%s", x->dir, rel);
	if (text) {
		char *slash = strrchr(path, '/');

		*slash = '\0';
		x->rc = fs_mkdirs(path);
		*slash = '/';
		if (!x->rc)
			x->rc = fs_write_file(path, text, len);
	}
	free(text);
	free(path);
	free(rel);
	return x->rc ? -1 : 0;
}

/* DATA_DIR/auto/HEAD: the head's Kconfig files, written once per commit. */
static int kconfig_dir(struct server *s, struct reader *r, const char *head, char **dir)
{
	char *done_marker;
	int rc = 0;

	*dir = xasprintf("%s/auto/%s", s->cfg->data_dir, head);
	done_marker = xasprintf("%s/.complete", *dir);
	if (access(done_marker, F_OK) != 0) {
		char *tmp = xasprintf("%s.tmp.%ld", *dir, (long)getpid());
		struct export x = { r, tmp, 0 };

		rc = fs_mkdirs(tmp);
		if (!rc && git_tree_walk(r->tree, GIT_TREEWALK_PRE, export_cb, &x) != 0)
			rc = x.rc ? x.rc : err_set(KM_EIO, "axes = auto: reading the tree at %s: %s", head, git_msg());
		if (!rc) {
			char *marker = xasprintf("%s/.complete", tmp);

			rc = fs_write_file(marker, "", 0);
			free(marker);
		}
		/* Another submit may have written it first: theirs is as good. */
		if (!rc && rename(tmp, *dir) != 0 && access(done_marker, F_OK) != 0)
			rc = err_set(KM_EIO, "axes = auto: cannot move %s into place", tmp);
		free(tmp);
	}
	free(done_marker);
	return rc;
}

static char *diff_text(git_repository *repo, git_tree *base, git_tree *head, int *rc)
{
	git_diff *diff = NULL;
	git_buf out = { 0 };
	git_diff_options opts;
	git_diff_find_options find;
	char *text = NULL;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	git_diff_find_options_init(&find, GIT_DIFF_FIND_OPTIONS_VERSION);

	opts.context_lines = 3;
	find.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_tree_to_tree(&diff, repo, base, head, &opts) != 0 || git_diff_find_similar(diff, &find) != 0 ||
	    git_diff_to_buf(&out, diff, GIT_DIFF_FORMAT_PATCH) != 0)
		*rc = err_set(KM_EIO, "axes = auto: diff: %s", git_msg());
	else
		text = xstrndup(out.ptr ? out.ptr : "", out.size);
	git_buf_dispose(&out);
	git_diff_free(diff);
	return text;
}

int automatrix_resolve(struct server *s, const struct automatrix_in *in, const json_t *bundle, json_t **out,
		       char **head_out)
{
	git_repository *repo = NULL;
	git_commit *head = NULL, *base = NULL;
	git_tree *head_tree = NULL, *base_tree = NULL;
	struct matrix *m = NULL, *check = NULL;
	struct ktree *kt = NULL;
	struct diffsyms *d = NULL;
	struct autoaxes *a = NULL;
	char *diff = NULL, *dir = NULL, *text = NULL, *range = NULL, hex[GIT_OID_HEXSZ + 1], bhex[GIT_OID_HEXSZ + 1];
	const char *path = in->tree_url;
	double t0 = clock_now_s();
	int rc;

	*out = NULL;
	*head_out = NULL;
	pthread_once(&once, init);
	rc = matrix_bundle_parse(bundle, &m);
	if (rc)
		goto done;
	if (!strncmp(path, "file://", 7))
		path += 7;
	if (git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
		rc = err_set(KM_EINVAL,
			     "axes = auto needs a tree the server can read: '%.200s' is not a local git repository (%s)",
			     in->tree_url, git_msg());
		goto done;
	}
	rc = resolve(repo, in->commit ? in->commit : in->ref, &head);
	if (!rc && in->base && strspn(in->base, "0") != strlen(in->base))
		rc = resolve(repo, in->base, &base);
	else if (!rc && git_commit_parentcount(head) > 0 && git_commit_parent(&base, head, 0) != 0)
		rc = err_set(KM_EIO, "axes = auto: the parent of the head: %s", git_msg());
	if (rc)
		goto done;
	if (git_commit_tree(&head_tree, head) != 0 || (base && git_commit_tree(&base_tree, base) != 0)) {
		rc = err_set(KM_EIO, "axes = auto: reading commits: %s", git_msg());
		goto done;
	}
	git_oid_tostr(hex, sizeof(hex), git_commit_id(head));
	if (base)
		git_oid_tostr(bhex, sizeof(bhex), git_commit_id(base));
	else
		snprintf(bhex, sizeof(bhex), "(empty tree)");
	range = xasprintf("%.12s..%.12s", bhex, hex);
	diff = diff_text(repo, base_tree, head_tree, &rc);
	if (rc)
		goto done;
	{
		struct reader r = { repo, head_tree };
		struct diffsyms_tree dt = { read_blob, &r, t0 + AUTOMATRIX_TIME_LIMIT };
		struct ktree_opts ko = { .arch = m->arch };

		rc = kconfig_dir(s, &r, hex, &dir);
		if (!rc)
			rc = ktree_load(dir, &ko, &kt);
		if (rc) {
			rc = err_set(rc == KM_EIO ? KM_EIO : KM_EINVAL, "axes = auto: the Kconfig of %.12s: %s", hex,
				     err_msg());
			goto done;
		}
		rc = diffsyms_extract(diff, strlen(diff), &dt, &d);
	}
	if (!rc)
		rc = autoaxes_choose(d, kt, m, &a);
	if (rc)
		goto done;
	text = autoaxes_matrix_text(a, m, json_string_value(json_object_get(bundle, "text")), range, d);
	rc = matrix_parse(m->file, text, strlen(text), &check);
	if (rc) {
		rc = err_set(KM_EIO, "axes = auto: the chosen matrix does not parse: %s", err_msg());
		goto done;
	}
	*out = json_deep_copy(bundle);
	json_object_set_new(*out, "text", json_string(text));
	json_object_set_new(*out, "auto",
			    autoaxes_json(a, d, range, matrix_point_count(check), matrix_cover_rows(check)));
	*head_out = xstrdup(hex);
	log_info("auto matrix=%s range=%s symbols=%zu axes=%zu cover=%u requests=%zu seconds=%.2f%s%s", m->name, range,
		 d->nsyms, a->naxes, a->cover, matrix_point_count(check), clock_now_s() - t0, d->cut ? " cut=" : "",
		 d->cut ? d->cut : "");
done:
	matrix_free(m);
	matrix_free(check);
	ktree_free(kt);
	diffsyms_free(d);
	autoaxes_free(a);
	free(diff);
	free(dir);
	free(text);
	free(range);
	git_tree_free(head_tree);
	git_tree_free(base_tree);
	git_commit_free(head);
	git_commit_free(base);
	git_repository_free(repo);
	return rc;
}
