/* The worker's context and the job kinds it runs. */
#ifndef KM_WORKER_H
#define KM_WORKER_H

#include <jansson.h>
#include <stdbool.h>
#include <signal.h>

#include "buf.h"
#include "jobresult.h"
#include "jobspec.h"

struct client;

struct worker_opts {
	const char *server_url;
	const char *token;
	const char *work_dir;      /* trees/, kconfig/, builds/, boots/, jobs/ live here */
	const char *ccache_dir;    /* NULL: ccache's default */
	const char *ccache_remote; /* ccache remote_storage, e.g. redis://host:6379 (NULL: none) */
	const char *name;          /* for logs */
	const char *kinds;         /* comma-separated job kinds to take */
	long make_jobs;            /* make -j */
	long build_timeout_s;
	long configure_timeout_s;
	long max_jobs;             /* stop after this many jobs (0: never) */
	long idle_exit_s;          /* stop after this long without work (0: never) */
	long claim_wait_s;
	bool kconfig_batch;        /* resolve a run's requests with one Kconfig parse (--kconfig=batch, the default) */
	long boot_slots;           /* boot jobs run beside a build or configure job (--boot-slots) */
	long boot_stages;          /* builds whose boot inputs stay staged on this worker (--boot-stages) */
	long build_dirs;           /* configs whose build directories stay on this worker (--build-dirs) */
};

/* One job in progress: its payload, lease and scratch directory. */
struct job {
	struct client *client;
	const struct worker_opts *opts;
	struct job_spec spec;      /* the claim's payload, decoded; its pointers borrow from the payload */
	long id;                   /* spec.id, for the log lines */
	char *dir;                 /* work_dir/jobs/<id>, removed afterwards */
	volatile sig_atomic_t lease_lost;
	volatile sig_atomic_t *stop;
};

/* Runs a claimed job to its end: does the work, uploads artifacts and posts the result. */
int job_run(struct client *c, const struct worker_opts *opts, json_t *payload, volatile sig_atomic_t *stop);

/* Kind-specific work. Each fills *result (status, message, ...) and may upload artifacts. */
int configure_run(struct job *j, struct job_result *result);
int build_run(struct job *j, struct job_result *result);
int boot_job_run(struct job *j, struct job_result *result);
/*
 * The boot job's work for the kernel build job build_job left (staged on this
 * worker, else downloaded) in the matrix variant variant_name: fills *result
 * as a boot job's (status, message, details, ownership) and uploads the
 * console, the boot reproducer and the initramfs under job j.
 */
int boot_job_boot(struct job *j, long build_job, const char *variant_name, struct job_result *result);
/*
 * A bisect job: op "walk" lists the first-parent commits, op "step" builds one
 * commit like a build job and, with "boot", boots what it built.
 */
int bisect_job_run(struct job *j, struct job_result *result);

/*
 * Where a tree's checkout lives: WORK/src/TREE/linux. Its build directories
 * sit two levels below the tree's directory (build_dirs.h), so the way from a
 * build directory to its source is ../../linux whatever the tree, matrix or
 * worker is called: with CCACHE_BASEDIR every compiler command line is the
 * same and ccache hits across trees, matrices and workers with the same source.
 */
char *worker_tree_dir(const struct worker_opts *o, const char *tree_key);

/* A directory name from a tree name: [A-Za-z0-9._-] kept, everything else '_'. */
char *job_safe_name(const char *s);

/* True when the job should stop now (lease lost or the worker is shutting down). */
bool job_should_stop(const struct job *j);

/* Uploads a file as an artifact; logs (does not fail the job) when it cannot. */
void job_upload(struct job *j, const char *name, const char *path);

#endif
