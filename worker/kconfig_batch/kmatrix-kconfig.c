/*
 * Resolves many .config files with one parse of a kernel tree's Kconfig: for
 * each "IN<TAB>OUT" line of $KMATRIX_KCONFIG_BATCH it does what
 * `conf --olddefconfig` does with IN as its .config and writes the result to
 * OUT. The worker compiles this file at job time against the checked-out
 * tree's own scripts/kconfig objects (never a copy of them) and make runs it
 * in place of `conf`, with Kbuild's environment, so the result is the tree's.
 *
 * Each request is resolved in a child forked after the parse: the child starts
 * from exactly the state conf has after conf_parse(), so no value chosen for
 * one request can leak into the next (Kconfig keeps selected values around).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lkc.h"

#define LINE_MAX_LEN 8192

static int resolve_one(const char *in, const char *out)
{
	if (conf_read(in)) {
		fprintf(stderr, "kmatrix-kconfig: cannot read %s\n", in);
		return 3;
	}
	if (conf_write(out)) {
		fprintf(stderr, "kmatrix-kconfig: cannot write %s\n", out);
		return 4;
	}
	return 0;
}

/* Waits for one child; returns 0 when it resolved its request. */
static int reap(void)
{
	int status;
	pid_t pid;

	do
		pid = wait(&status);
	while (pid < 0 && errno == EINTR);
	if (pid < 0)
		return 1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *batch = getenv("KMATRIX_KCONFIG_BATCH");
	const char *jobs_env = getenv("KMATRIX_KCONFIG_JOBS");
	long jobs = jobs_env ? strtol(jobs_env, NULL, 10) : 1;
	char line[LINE_MAX_LEN];
	long running = 0, done = 0, failed = 0;
	FILE *list;

	if (!batch || argc < 2) {
		fprintf(stderr, "kmatrix-kconfig: run by the kmatrix worker only (KMATRIX_KCONFIG_BATCH unset)\n");
		return 2;
	}
	if (jobs < 1 || jobs > 64)
		jobs = 1;
	list = fopen(batch, "r");
	if (!list) {
		fprintf(stderr, "kmatrix-kconfig: %s: %s\n", batch, strerror(errno));
		return 2;
	}
	conf_set_message_callback(NULL);
	/* make passes conf's own command line: the Kconfig file is its last argument. */
	conf_parse(argv[argc - 1]);
	if (sym_dep_errors()) {
		fclose(list);
		return 1;
	}
	fflush(NULL);
	while (fgets(line, sizeof(line), list)) {
		char *tab = strchr(line, '\t');
		pid_t pid;

		line[strcspn(line, "\n")] = '\0';
		if (!tab) {
			fprintf(stderr, "kmatrix-kconfig: %s: a line without IN<TAB>OUT\n", batch);
			failed++;
			break;
		}
		*tab = '\0';
		if (running == jobs) {
			failed += reap();
			running--;
		}
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "kmatrix-kconfig: fork: %s\n", strerror(errno));
			failed++;
			break;
		}
		if (pid == 0) {
			int rc = resolve_one(line, tab + 1);

			fflush(NULL);
			_exit(rc);
		}
		running++;
		done++;
	}
	while (running-- > 0)
		failed += reap();
	fclose(list);
	fprintf(stderr, "kmatrix-kconfig: %ld configurations resolved with one Kconfig parse, %ld failed\n",
		done - failed, failed);
	return failed ? 1 : 0;
}
