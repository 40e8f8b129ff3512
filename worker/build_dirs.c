/* Per-config build directories: where each config is built, how a new one starts, and which ones stay. */
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

#define HASH_CHARS 16           /* of the config's sha256: unique among the configs one worker keeps */
#define BUILT_STAMP ".km-built" /* in a config's directory: its mtime is the last build's end */
#define LAST_FILE ".km-last"    /* in ARCH-MATRIX: the name of the directory built last */
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

/* The directory built last under parent, or NULL. */
static char *last_built(const char *parent)
{
	char *file = xasprintf("%s/" LAST_FILE, parent), *name = NULL, *dir = NULL;
	size_t len;

	if (fs_read_file(file, 64, &name, &len) == 0) {
		name[strcspn(name, "\n")] = '\0';
		if (*name && !strchr(name, '/'))
			dir = xasprintf("%s/%s", parent, name);
		if (dir && !is_dir(dir)) {
			free(dir);
			dir = NULL;
		}
	}
	err_clear();
	free(name);
	free(file);
	return dir;
}

/* cp -a seed to a temporary name, then renames it: a copy cut short is never taken for a build directory. */
static int seed_copy(const char *seed, const char *dir)
{
	char *tmp = xasprintf("%s.seeding", dir);
	const char *rm[] = { "rm", "-rf", "--one-file-system", tmp, NULL };
	const char *cp[] = { "cp", "-a", "--reflink=auto", seed, tmp, NULL };
	int rc = 0;

	char *stamp = xasprintf("%s/" BUILT_STAMP, tmp);

	proc_run_simple(rm, NULL, COPY_TIMEOUT_S);
	/* The copy holds the seed's outputs, not a build of its own config: no stamp until it is built. */
	if (proc_run_simple(cp, NULL, COPY_TIMEOUT_S) != 0 || (unlink(stamp) != 0 && errno != ENOENT) ||
	    rename(tmp, dir) != 0) {
		rc = err_set(KM_EIO, "could not copy build directory %s to %s", seed, dir);
		proc_run_simple(rm, NULL, COPY_TIMEOUT_S);
	}
	free(stamp);
	free(tmp);
	return rc;
}

int build_dir_open(const struct worker_opts *o, const char *tree_key, const char *arch, const char *matrix_key,
		   const char *hash, char **out, char **seeded_from)
{
	char *name = config_dir_name(hash), *parent, *dir, *seed = NULL;
	int rc = 0;

	*out = NULL;
	*seeded_from = NULL;
	if (!name)
		return err_set(KM_EINVAL, "build job without a config hash of %d or more hex digits", HASH_CHARS);
	parent = xasprintf("%s/src/%s/%s-%s", o->work_dir, tree_key, arch, matrix_key);
	dir = xasprintf("%s/%s", parent, name);
	if (!is_dir(dir)) {
		rc = fs_mkdirs(parent);
		seed = rc ? NULL : last_built(parent);
		if (seed && seed_copy(seed, dir) != 0) {
			/* A build from an empty directory is slower, not wrong. */
			log_warn("%s; building from an empty directory", err_msg());
			err_clear();
			free(seed);
			seed = NULL;
		}
		if (!rc && !seed)
			rc = fs_mkdirs(dir);
	}
	if (!rc && seed)
		*seeded_from = xstrdup(strrchr(seed, '/') + 1);
	if (!rc)
		*out = dir;
	else
		free(dir);
	free(seed);
	free(parent);
	free(name);
	return rc;
}

void build_dir_built(const char *dir, long job_id, const char *status, const char *commit)
{
	char *stamp = xasprintf("%s/" BUILT_STAMP, dir), *parent = xstrdup(dir), *slash = strrchr(parent, '/');
	char *line = xasprintf("%ld %s %s\n", job_id, status ? status : "ERROR", commit && *commit ? commit : "-");

	if (fs_write_file(stamp, line, strlen(line)) != 0)
		log_warn("%s", err_msg());
	free(line);
	if (slash) {
		char *last;

		*slash = '\0';
		last = xasprintf("%s/" LAST_FILE, parent);
		if (fs_write_file(last, slash + 1, strlen(slash + 1)) != 0)
			log_warn("%s", err_msg());
		free(last);
	}
	err_clear();
	free(stamp);
	free(parent);
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

	/* WORK/src/TREE/ARCH-MATRIX/HASH, each with its stamp once built. */
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
		const char *rm[] = { "rm", "-rf", "--one-file-system", kept[i].path, NULL };

		if (proc_run_simple(rm, NULL, COPY_TIMEOUT_S) == 0)
			log_debug("build directory %s pruned", kept[i].path);
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
	char *old = NULL;
	size_t len = 0, n = strlen(text);
	bool same = fs_read_file(path, n + 1, &old, &len) == 0 && len == n && memcmp(old, text, n) == 0;

	err_clear();
	free(old);
	return same ? 0 : fs_write_file(path, text, n);
}
