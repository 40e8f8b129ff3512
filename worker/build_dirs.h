/* One persistent build directory per config on a worker, built in at one fixed path, and their pruning. */
#ifndef KM_BUILD_DIRS_H
#define KM_BUILD_DIRS_H

#include <stddef.h>

struct worker_opts;

/*
 * The directory to build the config with this hash in, for a tree, arch and
 * matrix: always WORK/src/TREE/ARCH-MATRIX/build, two levels below the
 * tree's checkout (WORK/src/TREE/linux) whatever the names, so compiler
 * command lines stay the same and ccache hits across trees, matrices and
 * workers. Kbuild (objtool's build above all) records that absolute path, so
 * a config's outputs are only ever built there: each config's directory is
 * kept beside it under its hash (ARCH-MATRIX/HASH16) and renamed into place.
 *
 * A config built here before gets its own directory back: the next push
 * rebuilds only what the new commit changed for it, without the config
 * switch. For a new config the directory of the config built last stays in
 * place (a copy of it is kept under that config's hash), so Kbuild rebuilds
 * only what the config difference touches. *seeded_from is that config's
 * hash (the caller's string), or NULL when the directory is the config's own
 * or starts empty.
 */
int build_dir_open(const struct worker_opts *o, const char *tree_key, const char *arch, const char *matrix_key,
		   const char *hash, char **out, char **seeded_from);

/* After build job job_id ended with status in dir, at commit: its outputs are the ones there now. */
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
 * What a build directory's objects were made with, so that a later build of
 * the same config that reads none of the changed files may skip make:
 * build_dir_unmade() before make starts (a make cut short leaves no record),
 * build_dir_made() after it exited 0, with the toolchain and make command
 * (without the timestamp) as made_with and the captured log kept beside
 * them. build_dir_made_log() is that log's path when the directory's record
 * says made_with, else NULL.
 */
void build_dir_unmade(const char *dir);
int build_dir_made(const char *dir, const char *made_with, const char *log_path);
char *build_dir_made_log(const char *dir, const char *made_with);

/*
 * Removes every kept config directory of the worker but the keep most
 * recently built ones (the directories being built in stay). A config whose
 * directory is gone is built from another config's, so pruning costs time,
 * never a result.
 */
void build_dir_prune(const struct worker_opts *o, long keep);

/* Writes text to path unless the file holds it already (an unchanged .config keeps Kbuild from re-running syncconfig). */
int build_dir_write_if_changed(const char *path, const char *text);

#endif
