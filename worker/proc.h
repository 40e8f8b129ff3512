/* Child processes: argv arrays, their own process group, a deadline, kill of the whole group. */
#ifndef KM_PROC_H
#define KM_PROC_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Called with each chunk the child writes to stdout or stderr (merged, in
 * arrival order). Return 0 to continue, non-zero to kill the child's group.
 */
typedef int (*proc_output_fn)(void *ctx, const char *data, size_t len);

struct proc_opts {
	const char *const *argv; /* argv[0] is looked up in PATH */
	const char *cwd;         /* NULL: inherit */
	const char *const *env;  /* extra "NAME=VALUE" entries added to the environment, NULL-terminated, or NULL */
	double timeout_s;        /* 0: no deadline */
	proc_output_fn on_output; /* NULL: output goes to output_fd */
	void *ctx;
	int output_fd;           /* used when on_output is NULL; -1 means /dev/null */
	const char *stdin_path;  /* NULL: /dev/null */
	/* Polled a few times a second; returning true kills the group (a silent child is stopped too). */
	bool (*should_stop)(void *ctx);
};

struct proc_result {
	int exit_code;   /* exit status when the child exited, else -1 */
	int term_signal; /* signal that ended it, else 0 */
	bool timed_out;  /* the deadline passed and the group was killed */
	bool cancelled;  /* on_output asked for the kill */
	double wall_s;
	double cpu_s;    /* user+system of the child and every descendant it waited for */
};

/*
 * Runs a child in a new process group and waits for it. Output is streamed to
 * on_output (or output_fd). At the deadline the group gets SIGTERM, then
 * SIGKILL two seconds later; after the child exits the group is killed too so
 * no stray descendant outlives it. Returns 0 when the child ran (whatever its
 * exit status: see *res), KM_EIO when it could not be started.
 */
int proc_run(const struct proc_opts *opts, struct proc_result *res);

/* Convenience: runs argv in cwd, output discarded; 0 only if it exited with status 0. */
int proc_run_simple(const char *const *argv, const char *cwd, double timeout_s);

/* Like proc_run_simple but collects up to max bytes of output into *out (caller frees). */
int proc_capture(const char *const *argv, const char *cwd, double timeout_s, size_t max, char **out);

#endif
