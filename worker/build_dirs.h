/* One persistent build directory per config on a worker, seeded from the one built last, and their pruning. */
#ifndef KM_BUILD_DIRS_H
#define KM_BUILD_DIRS_H

#include <stddef.h>

struct worker_opts;

/*
 * The build directory of the config with this hash, for a tree, arch and
 * matrix: WORK/src/TREE/ARCH-MATRIX/HASH16, two levels below the tree's
 * checkout (WORK/src/TREE/linux) whatever the names, so compiler command
 * lines stay the same and ccache hits across trees, matrices and workers.
 *
 * A config built here before keeps its directory: the next push rebuilds
 * only what the new commit changed for it, without the config switch. A new
 * config's directory starts as a copy of the directory built last under the
 * same ARCH-MATRIX (timestamps kept), so Kbuild rebuilds only what the
 * config difference touches, as one shared directory did. *seeded_from is
 * that directory's name (the caller's string), or NULL when the directory
 * existed or starts empty.
 */
int build_dir_open(const struct worker_opts *o, const char *tree_key, const char *arch, const char *matrix_key,
		   const char *hash, char **out, char **seeded_from);

/*
 * After build job job_id ended with status in dir, at commit: its outputs
 * are the ones there now, it is the one new configs of its ARCH-MATRIX are
 * seeded from, and the newest to keep.
 */
void build_dir_built(const char *dir, long job_id, const char *status, const char *commit);

/* The build whose outputs a build directory holds. */
struct build_dir_last {
	long job_id;
	char status[16]; /* PASS, FAIL or ERROR */
	char commit[41];
};
/* 0, or KM_ENOTFOUND for a directory not built yet (a new one, or a copy before its first build). */
int build_dir_last_build(const char *dir, struct build_dir_last *last);

/*
 * Removes every build directory of the worker but the keep most recently
 * built ones. A config whose directory is gone is built in a new copy, so
 * pruning costs time, never a result.
 */
void build_dir_prune(const struct worker_opts *o, long keep);

/* Writes text to path unless the file holds it already (an unchanged .config keeps Kbuild from re-running syncconfig). */
int build_dir_write_if_changed(const char *path, const char *text);

#endif
