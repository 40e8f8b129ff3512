/* Per-config build directories: one fixed place to build in, the others kept beside it, and which ones stay. */
#define _GNU_SOURCE
#include "build_dirs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "log.h"
#include "proc.h"
#include "worker.h"
#include "xalloc.h"

#define HASH_CHARS 16            /* of the config's sha256: unique among the configs one worker keeps */
#define WORK_DIR "build"         /* in ARCH-MATRIX: the one directory builds run in */
#define BUILT_STAMP ".km-built"  /* in a config's directory: job, status, commit; its mtime the build's end */
#define CONFIG_FILE ".km-config" /* in a config's directory: the hash (16 digits) of the config it holds */
#define MADE_WITH ".km-made"     /* in a config's directory: the toolchain and make command its objects were made with */
#define MADE_LOG ".km-made.log"  /* in a config's directory: the log of the make that made them */
#define COPY_TIMEOUT_S 900

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *config_dir_name(const char *hash)
{
	char name[HASH_CHARS + 1];
	size_t n = 0;

	for (const char *p = hash ? hash : ""; *p && n < HASH_CHARS; p++) {
		if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))
			name[n++] = *p;
	}
	name[n] = '\0';
	return n == HASH_CHARS ? xstrdup(name) : NULL;
}

static bool is_config_dir_name(const char *name)
{
	size_t n = strspn(name, "0123456789abcdef");

	return n == HASH_CHARS && name[n] == '\0';
}

static char *file_in(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

/* The config the directory holds (its hash's 16 digits), or NULL. */
static char *held_config(const char *dir)
{
	char *path = file_in(dir, CONFIG_FILE), *text = NULL;
	size_t len;

	if (fs_read_file(path, 64, &text, &len) == 0) {
		text[strcspn(text, "\n")] = '\0';
		if (!is_config_dir_name(text)) {
			free(text);
			text = NULL;
		}
	} else {
		text = NULL;
	}
	err_clear();
	free(path);
	return text;
}

static int hold_config(const char *dir, const char *name)
{
	char *path = file_in(dir, CONFIG_FILE);
	int rc = fs_write_file(path, name, strlen(name));

	free(path);
	return rc;
}

static int remove_tree(const char *path)
{
	const char *rm[] = { "rm", "-rf", "--one-file-system", path, NULL };

	return proc_run_simple(rm, NULL, COPY_TIMEOUT_S) == 0 ? 0 : err_set(KM_EIO, "could not remove %s", path);
}

static int move_dir(const char *from, const char *to)
{
	if (is_dir(to) && remove_tree(to) != 0)
		return KM_EIO;
	if (rename(from, to) != 0)
		return err_set(KM_EIO, "could not rename %s to %s: %s", from, to, strerror(errno));
	return 0;
}

/* cp -a to a temporary name, then renamed: a copy cut short is never taken for a config's directory. */
static int keep_copy(const char *from, const char *to)
{
	char *tmp = xasprintf("%s.copying", to);
	const char *cp[] = { "cp", "-a", "--reflink=auto", from, tmp, NULL };
	int rc = 0;

	remove_tree(tmp);
	if (proc_run_simple(cp, NULL, COPY_TIMEOUT_S) != 0)
		rc = err_set(KM_EIO, "could not copy build directory %s to %s", from, to);
	if (!rc)
		rc = move_dir(tmp, to);
	if (rc)
		remove_tree(tmp);
	free(tmp);
	return rc;
}

/*
 * The working directory starts the config name: its own kept directory when
 * there is one (the one in place kept under its own hash), else the one in
 * place goes on from where it is (a copy of it kept under its hash when it
 * was built), not yet a build of name.
 */
static int switch_to(const char *parent, const char *work, const char *name, char **seeded_from)
{
	char *own = file_in(parent, name), *cur = held_config(work), *stamp = file_in(work, BUILT_STAMP);
	char *cur_dir = cur ? file_in(parent, cur) : NULL;
	bool built = access(stamp, F_OK) == 0;
	int rc = 0;

	if (is_dir(own)) {
		/* An unbuilt or unnamed directory in place is worth nothing to anyone. */
		rc = cur && built ? move_dir(work, cur_dir) : remove_tree(work);
		if (!rc)
			rc = move_dir(own, work);
	} else {
		if (cur && built && keep_copy(work, cur_dir) != 0) {
			/* Not kept: that config builds from another one's directory next time, slower, not wrong. */
			log_warn("%s", err_msg());
			err_clear();
		}
		if (unlink(stamp) != 0 && errno != ENOENT)
			rc = err_set(KM_EIO, "could not remove %s: %s", stamp, strerror(errno));
		if (!rc)
			rc = hold_config(work, name);
		if (!rc && cur && built)
			*seeded_from = xstrdup(cur);
	}
	free(own);
	free(cur);
	free(cur_dir);
	free(stamp);
	return rc;
}

int build_dir_open(const struct worker_opts *o, const char *tree_key, const char *arch, const char *matrix_key,
		   const char *hash, char **out, char **seeded_from)
{
	char *name = config_dir_name(hash), *parent, *work, *cur;
	int rc = 0;

	*out = NULL;
	*seeded_from = NULL;
	if (!name)
		return err_set(KM_EINVAL, "build job without a config hash of %d or more hex digits", HASH_CHARS);
	parent = xasprintf("%s/src/%s/%s-%s", o->work_dir, tree_key, arch, matrix_key);
	work = file_in(parent, WORK_DIR);
	rc = fs_mkdirs(work);
	cur = rc ? NULL : held_config(work);
	if (!rc && (!cur || strcmp(cur, name) != 0))
		rc = switch_to(parent, work, name, seeded_from);
	if (!rc)
		*out = work;
	else
		free(work);
	free(cur);
	free(parent);
	free(name);
	return rc;
}

void build_dir_built(const char *dir, long job_id, const char *status, const char *commit)
{
	char *stamp = file_in(dir, BUILT_STAMP);
	char *line = xasprintf("%ld %s %s\n", job_id, status ? status : "ERROR", commit && *commit ? commit : "-");

	if (fs_write_file(stamp, line, strlen(line)) != 0)
		log_warn("%s", err_msg());
	err_clear();
	free(line);
	free(stamp);
}

int build_dir_last_build(const char *dir, struct build_dir_last *last)
{
	char *stamp = xasprintf("%s/" BUILT_STAMP, dir), *text = NULL;
	size_t len;
	int rc = fs_read_file(stamp, 256, &text, &len);

	memset(last, 0, sizeof(*last));
	if (!rc && (sscanf(text, "%ld %15s %40s", &last->job_id, last->status, last->commit) != 3 ||
		    last->job_id <= 0))
		rc = err_set(KM_ENOTFOUND, "%s does not name a build", stamp);
	free(text);
	free(stamp);
	return rc;
}

void build_dir_unmade(const char *dir)
{
	char *path = file_in(dir, MADE_WITH);

	if (unlink(path) != 0 && errno != ENOENT)
		log_warn("could not remove %s: %s", path, strerror(errno));
	free(path);
}

int build_dir_made(const char *dir, const char *made_with, const char *log_path)
{
	char *with = file_in(dir, MADE_WITH), *log = file_in(dir, MADE_LOG), *tmp = xasprintf("%s.new", log);
	const char *cp[] = { "cp", log_path, tmp, NULL };
	int rc = proc_run_simple(cp, NULL, COPY_TIMEOUT_S) == 0 ? 0 : err_set(KM_EIO, "could not keep %s", log_path);

	/* The log first, the record last: a record always has its log. */
	if (!rc && rename(tmp, log) != 0)
		rc = err_set(KM_EIO, "could not rename %s: %s", tmp, strerror(errno));
	if (!rc)
		rc = fs_write_file(with, made_with, strlen(made_with));
	free(with);
	free(log);
	free(tmp);
	return rc;
}

/* Whether the file at path holds exactly text (a missing or unreadable file does not). */
static bool file_holds(const char *path, const char *text)
{
	char *old = NULL;
	size_t len = 0, n = strlen(text);
	bool same = fs_read_file(path, n + 1, &old, &len) == 0 && len == n && memcmp(old, text, n) == 0;

	err_clear();
	free(old);
	return same;
}

char *build_dir_made_log(const char *dir, const char *made_with)
{
	char *with = file_in(dir, MADE_WITH), *log = file_in(dir, MADE_LOG);
	bool same = file_holds(with, made_with);

	free(with);
	if (same && access(log, R_OK) == 0)
		return log;
	free(log);
	return NULL;
}

struct kept_dir {
	char *path;
	double built;
};

static int by_built_desc(const void *a, const void *b)
{
	const struct kept_dir *x = a, *y = b;

	return (x->built < y->built) - (x->built > y->built);
}

/* Appends the full path of every directory in dir to names. */
static void list_subdirs(const char *dir, char ***names, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *path;

		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (!is_dir(path)) {
			free(path);
			continue;
		}
		if (*n == *cap)
			*names = xrealloc(*names, (*cap = *cap ? 2 * *cap : 16) * sizeof(**names));
		(*names)[(*n)++] = path;
	}
	if (d)
		closedir(d);
}

void build_dir_prune(const struct worker_opts *o, long keep)
{
	char *src = xasprintf("%s/src", o->work_dir);
	char **trees = NULL, **groups = NULL, **dirs = NULL;
	size_t ntrees = 0, ngroups = 0, ndirs = 0, cap_t = 0, cap_g = 0, cap_d = 0, nkept = 0;
	struct kept_dir *kept = NULL;

	/* The kept WORK/src/TREE/ARCH-MATRIX/HASH16, each with its stamp once built; never ARCH-MATRIX/build. */
	list_subdirs(src, &trees, &ntrees, &cap_t);
	for (size_t i = 0; i < ntrees; i++)
		list_subdirs(trees[i], &groups, &ngroups, &cap_g);
	for (size_t i = 0; i < ngroups; i++)
		list_subdirs(groups[i], &dirs, &ndirs, &cap_d);
	kept = xcalloc(ndirs + 1, sizeof(*kept));
	for (size_t i = 0; i < ndirs; i++) {
		char *stamp = xasprintf("%s/" BUILT_STAMP, dirs[i]);
		struct stat st;

		/* Only config directories (named by a hash): never the tree's own subdirectories. */
		if (!is_config_dir_name(strrchr(dirs[i], '/') + 1)) {
			free(stamp);
			continue;
		}
		/* A copy whose first build never ended has no stamp: its own age counts. */
		if (stat(stamp, &st) == 0 || stat(dirs[i], &st) == 0) {
			kept[nkept].path = dirs[i];
			kept[nkept++].built = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
		}
		free(stamp);
	}
	qsort(kept, nkept, sizeof(*kept), by_built_desc);
	for (size_t i = keep > 0 ? (size_t)keep : 0; i < nkept; i++) {
		if (remove_tree(kept[i].path) == 0)
			log_debug("build directory %s pruned", kept[i].path);
		err_clear();
	}
	for (size_t i = 0; i < ntrees; i++)
		free(trees[i]);
	for (size_t i = 0; i < ngroups; i++)
		free(groups[i]);
	for (size_t i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(trees);
	free(groups);
	free(dirs);
	free(kept);
	free(src);
}

int build_dir_write_if_changed(const char *path, const char *text)
{
	return file_holds(path, text) ? 0 : fs_write_file(path, text, strlen(text));
}
