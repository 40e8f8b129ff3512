/* What a build leaves on its worker for the boots that follow it (kernel image, vmlinux, modules), and their pruning. */
#include "boot_stage.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <jansson.h>

#include "fsutil.h"
#include "log.h"
#include "proc.h"
#include "strutil.h"
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

#define MODULES_MAX 8192 /* a kernel with more is not a slim matrix kernel; the rest are not listed */

json_t *boot_stage_modules(const char *out)
{
	char *path = xasprintf("%s/modules.order", out);
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	json_t *names = json_array();

	if (fs_read_file(path, 4u << 20, &text, &len) != 0) {
		free(path);
		return names;
	}
	for (line = strtok_r(text, "\n", &save); line && json_array_size(names) < MODULES_MAX;
	     line = strtok_r(NULL, "\n", &save)) {
		/* drivers/cxl/cxl_acpi.o (Linux 6.2 and later) or drivers/cxl/cxl_acpi.ko */
		const char *base = path_base_name(line);
		char *name = xstrdup(base);
		char *dot = strrchr(name, '.');

		if (dot)
			*dot = '\0';
		for (char *c = name; *c; c++)
			if (*c == '-')
				*c = '_';
		if (*name)
			json_array_append_new(names, json_string(name));
		free(name);
	}
	free(text);
	free(path);
	return names;
}
