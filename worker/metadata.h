/* metadata.json of a build job: TuxMake's group names, written before the build and completed after. */
#ifndef KM_METADATA_H
#define KM_METADATA_H

#include <jansson.h>

struct kmake;
struct matrix;

/* What is known before the build starts. */
struct metadata_start {
	const struct matrix *matrix;    /* targets, arch, base config, fragments */
	const struct kmake *make;       /* the build's make: its argv is the reproducer command line */
	const char *const *env;         /* NAME=VALUE passed to make, NULL-terminated (may be NULL) */
	const char *tree_url, *ref, *commit;
	long job_id, run_id;
};

/*
 * The groups known before the build: "build" (targets, target_arch,
 * toolchain, wrapper, environment, kconfig, kconfig_add, jobs,
 * reproducer_cmdline, status "running"), "compiler" (name, version,
 * version_full from `gcc --version`), "git" (git_describe, git_branch,
 * git_commit, git_url) and "hardware" (cores, ram and free_disk_space in MB
 * of the build directory). Returns a new object, the caller's.
 */
json_t *metadata_start(const struct metadata_start *s);

/* What the build gave. */
struct metadata_result {
	const char *status; /* PASS, FAIL, ERROR */
	double wall_s, cpu_s;
	long errors, warnings;
	long ccache_hits, ccache_misses;
	const char *out; /* the O= directory: vmlinux, modules.order, include/config/kernel.release */
};

/*
 * Completes md after the build: "results" (status, targets with status and
 * duration, errors, warnings, duration), "ccache" (cache_hits,
 * cache_misses), "source" (kernelrelease), "vmlinux" (text_size,
 * data_size, bss_size, file_size, from `size -A`) and "modules" (count,
 * total_size, sizes per module); the build group's status becomes
 * "finished". Groups whose inputs are missing (no vmlinux after a failed
 * link) are left out.
 */
void metadata_finish(json_t *md, const struct metadata_result *r);

/*
 * Writes md to path atomically (a temporary file, fsync, rename), so a
 * reader or a crash sees the old file or the new one, never a part.
 * Returns 0 or KM_EIO.
 */
int metadata_write(const json_t *md, const char *path);

#endif
