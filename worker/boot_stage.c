/* What a build leaves on its worker for the boots that follow it (kernel image, vmlinux, modules), and their pruning. */
#include "boot_stage.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "worker.h"
#include "xalloc.h"

char *boot_stage_dir(const struct worker_opts *o, long build_job)
{
	return xasprintf("%s/boots/job-%ld", o->work_dir, build_job);
}

int boot_stage_hold(const char *stage)
{
	int fd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0 && flock(fd, LOCK_SH) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void boot_stage_release(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the lock */
}

static int by_job_desc(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x < y) - (x > y);
}

void boot_stage_prune(const struct worker_opts *o, long keep)
{
	char *root = xasprintf("%s/boots", o->work_dir);
	DIR *d = opendir(root);
	long *jobs = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		long id;
		char tail;

		if (sscanf(e->d_name, "job-%ld%c", &id, &tail) != 1)
			continue;
		if (n == cap)
			jobs = xrealloc(jobs, (cap = cap ? 2 * cap : 32) * sizeof(*jobs));
		jobs[n++] = id;
	}
	if (d)
		closedir(d);
	qsort(jobs, n, sizeof(*jobs), by_job_desc);
	for (size_t i = keep > 0 ? (size_t)keep : 0; i < n; i++) {
		char *stage = boot_stage_dir(o, jobs[i]);
		int fd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		/* A boot holds it: leave it for the next prune. */
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
			const char *rm[] = { "rm", "-rf", "--one-file-system", stage, NULL };

			if (proc_run_simple(rm, NULL, 300) == 0)
				log_debug("boot stage %s pruned", stage);
		}
		if (fd >= 0)
			close(fd);
		free(stage);
	}
	free(jobs);
	free(root);
}
