/* Spawning and supervising child processes; the only place that calls fork/exec. */
#define _GNU_SOURCE
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "err.h"
#include "xalloc.h"

extern char **environ;

static bool env_overridden(const char *entry, const char *const *extra)
{
	const char *eq = strchr(entry, '=');
	size_t klen = eq ? (size_t)(eq - entry) : strlen(entry);

	for (size_t i = 0; extra && extra[i]; i++) {
		if (strncmp(extra[i], entry, klen) == 0 && extra[i][klen] == '=')
			return true;
	}
	return false;
}

/* environ with the extra entries replacing same-named ones; built before fork. */
static char **build_env(const char *const *extra)
{
	size_t n = 0, m = 0, k = 0;
	char **envp;

	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	envp = xcalloc(n + m + 1, sizeof(*envp));
	for (size_t i = 0; i < n; i++) {
		if (!env_overridden(environ[i], extra))
			envp[k++] = environ[i];
	}
	for (size_t i = 0; i < m; i++)
		envp[k++] = (char *)extra[i];
	envp[k] = NULL;
	return envp;
}

static void child_exec(const struct proc_opts *o, int out_fd, char **envp)
{
	int in_fd;

	setpgid(0, 0);
	/* Children must not inherit the supervisor's ignored or blocked signals. */
	signal(SIGPIPE, SIG_DFL);
	in_fd = open(o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY);
	if (in_fd < 0)
		_exit(126);
	dup2(in_fd, 0);
	dup2(out_fd, 1);
	dup2(out_fd, 2);
	if (o->cwd && chdir(o->cwd) != 0) {
		dprintf(2, "proc: cannot enter %s: %s\n", o->cwd, strerror(errno));
		_exit(126);
	}
	environ = envp;
	execvp(o->argv[0], (char *const *)o->argv);
	dprintf(2, "proc: cannot run %s: %s\n", o->argv[0], strerror(errno));
	_exit(127);
}

static void kill_group(pid_t pgid, int sig)
{
	if (pgid > 0)
		kill(-pgid, sig);
}

/* Where the child's output goes: a pipe to on_output, the caller's fd, or /dev/null. */
static int open_output(const struct proc_opts *o, int pipefd[2], int *null_fd, int *out_fd)
{
	if (o->on_output) {
		if (pipe2(pipefd, O_CLOEXEC) != 0)
			return err_set(KM_EIO, "pipe: %s", strerror(errno));
		*out_fd = pipefd[1];
	} else if (o->output_fd >= 0) {
		*out_fd = o->output_fd;
	} else {
		*null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (*null_fd < 0)
			return err_set(KM_EIO, "/dev/null: %s", strerror(errno));
		*out_fd = *null_fd;
	}
	return 0;
}

/* A running child under supervision; pid turns negative once it is reaped. */
struct watch {
	const struct proc_opts *o;
	struct proc_result *res;
	pid_t pid;
	int out; /* the output pipe's read end, or -1 */
	bool pipe_open;
	double deadline, term_sent, reaped_at;
	int status;
	struct rusage ru;
};

/* Waits up to 200 ms for output and hands it to on_output (which may cancel the child). */
static void pass_output(struct watch *w)
{
	struct pollfd pfd = { .fd = w->out, .events = POLLIN };
	char chunk[65536];
	ssize_t n;

	if (!w->pipe_open) {
		usleep(50 * 1000);
		return;
	}
	if (poll(&pfd, 1, 200) <= 0)
		return;
	n = read(w->out, chunk, sizeof(chunk));
	if (n > 0) {
		if (!w->res->cancelled && w->o->on_output(w->o->ctx, chunk, (size_t)n) != 0) {
			w->res->cancelled = true;
			kill_group(w->pid, SIGKILL);
		}
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		w->pipe_open = false;
	}
}

/* Past the deadline: SIGTERM to the group, then SIGKILL two seconds later. */
static void enforce_deadline(struct watch *w)
{
	if (!w->deadline || clock_now_s() <= w->deadline || w->pid <= 0)
		return;
	if (!w->res->timed_out) {
		w->res->timed_out = true;
		kill_group(w->pid, SIGTERM);
		w->term_sent = clock_now_s();
	} else if (clock_now_s() - w->term_sent > 2.0) {
		kill_group(w->pid, SIGKILL);
	}
}

/* Supervises the child until it is reaped and its output has ended. */
static void watch_child(struct watch *w)
{
	for (;;) {
		pid_t got;

		pass_output(w);
		if (w->pid > 0 && !w->res->cancelled && w->o->should_stop && w->o->should_stop(w->o->ctx)) {
			w->res->cancelled = true;
			kill_group(w->pid, SIGKILL);
		}
		got = w->pid > 0 ? wait4(w->pid, &w->status, WNOHANG, &w->ru) : 0;
		if (got == w->pid && !w->pipe_open)
			break;
		if (got == w->pid) {
			/* The child is gone; descendants may still hold the pipe. */
			kill_group(w->pid, SIGKILL);
			w->pid = -w->pid;
			w->reaped_at = clock_now_s();
		}
		/* A descendant that left the group could hold the pipe forever. */
		if (w->pid < 0 && (!w->pipe_open || clock_now_s() - w->reaped_at > 5.0))
			break;
		enforce_deadline(w);
	}
	if (w->pid < 0)
		w->pid = -w->pid;
	else
		kill_group(w->pid, SIGKILL);
}

int proc_run(const struct proc_opts *o, struct proc_result *res)
{
	int pipefd[2] = { -1, -1 };
	int null_fd = -1, out_fd = -1;
	char **envp = NULL;
	struct watch w;
	double start;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&w, 0, sizeof(w));
	res->exit_code = -1;
	rc = open_output(o, pipefd, &null_fd, &out_fd);
	if (rc)
		return rc;
	envp = build_env(o->env);
	start = clock_now_s();
	w.o = o;
	w.res = res;
	w.deadline = o->timeout_s > 0 ? start + o->timeout_s : 0;
	w.pid = fork();
	if (w.pid < 0) {
		rc = err_set(KM_EIO, "fork: %s", strerror(errno));
		goto done;
	}
	if (w.pid == 0)
		child_exec(o, out_fd, envp);
	/* Set the group from both sides so killpg works before the child runs. */
	setpgid(w.pid, w.pid);
	if (pipefd[1] >= 0) {
		close(pipefd[1]);
		pipefd[1] = -1;
	}
	w.out = pipefd[0];
	w.pipe_open = pipefd[0] >= 0;
	watch_child(&w);

	res->wall_s = clock_now_s() - start;
	if (WIFEXITED(w.status))
		res->exit_code = WEXITSTATUS(w.status);
	else if (WIFSIGNALED(w.status))
		res->term_signal = WTERMSIG(w.status);
	/* wait4's usage covers the child and every descendant it waited for. */
	res->cpu_s = (double)w.ru.ru_utime.tv_sec + (double)w.ru.ru_utime.tv_usec / 1e6 +
		     (double)w.ru.ru_stime.tv_sec + (double)w.ru.ru_stime.tv_usec / 1e6;
done:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (null_fd >= 0)
		close(null_fd);
	free(envp);
	return rc;
}

int proc_run_simple(const char *const *argv, const char *cwd, double timeout_s)
{
	struct proc_opts o = { .argv = argv, .cwd = cwd, .timeout_s = timeout_s, .output_fd = -1 };
	struct proc_result r;
	int rc = proc_run(&o, &r);

	if (rc)
		return rc;
	if (r.timed_out)
		return err_set(KM_ETIMEDOUT, "%s timed out after %.0f s", argv[0], timeout_s);
	if (r.exit_code != 0)
		return err_set(KM_EIO, "%s exited with status %d", argv[0], r.exit_code);
	return 0;
}

static int collect(void *ctx, const char *data, size_t len)
{
	struct buf *b = ctx;

	if (buf_append(b, data, len) != 0)
		return 0; /* keep draining; the result is truncated */
	return 0;
}

int proc_capture(const char *const *argv, const char *cwd, double timeout_s, size_t max, char **out)
{
	struct buf b = BUF_INIT(max);
	struct proc_opts o = { .argv = argv, .cwd = cwd, .timeout_s = timeout_s, .on_output = collect, .ctx = &b };
	struct proc_result r;
	int rc = proc_run(&o, &r);

	*out = NULL;
	if (rc)
		goto done;
	if (r.timed_out) {
		rc = err_set(KM_ETIMEDOUT, "%s timed out after %.0f s", argv[0], timeout_s);
		goto done;
	}
	if (r.exit_code != 0) {
		rc = err_set(KM_EIO, "%s exited with status %d: %.200s", argv[0], r.exit_code, buf_cstr(&b));
		goto done;
	}
	*out = buf_steal(&b);
done:
	buf_free(&b);
	return rc;
}
