/* kmatrixctl: create worker tokens, submit runs and follow them from a terminal. */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "err.h"
#include "jobtypes.h"
#include "xalloc.h"

static void usage(void)
{
	printf("usage: kmatrixctl [--server=URL] [--token=T | --token-file=F] COMMAND ...\n\n"
	       "commands:\n"
	       "  worker-add NAME                 create a worker (or a revoked one again); prints its token\n"
	       "                                  (shown once)\n"
	       "  worker-revoke NAME              refuse the worker's token from now on; its running jobs go\n"
	       "                                  back in the queue\n"
	       "  suggest --tree=PATH --ref=REF|--commit=SHA [--base=REV] [--matrix=NAME]\n"
	       "  submit --tree=URL --matrix=NAME [--ref=REF] [--commit=SHA] [--tree-name=NAME]\n"
	       "                                  queue a run; prints its id\n"
	       "  runs [--tree=NAME] [--ref=REF]  list recent runs\n"
	       "  status RUN                      a run: every config's build status and boot owners, each\n"
	       "                                  error with its configs, failure condition and page\n"
	       "  watch RUN [--interval=S]        live progress until the run ends (exit 0 when all passed,\n"
	       "                                  1 when something failed, 3 when the run errored)\n"
	       "  cancel RUN                      cancel a run's queued jobs\n"
	       "  kcidb RUN [-o FILE] [--origin=NAME]\n"
	       "                                  the run as a KCIDB v5.3 document (stdout or FILE)\n"
	       "  kcidb RUN --submit=URL --token-file=F [--status-url=URL] [--timeout=S]\n"
	       "                                  POST it to a KCIDB submission service (Bearer token\n"
	       "                                  from F) and wait until it is stored or refused\n\n"
	       "The server defaults to $KMATRIX_URL or http://127.0.0.1:8080; the admin token to\n"
	       "$KMATRIX_ADMIN_TOKEN (needed by worker-add, worker-revoke, submit and cancel).\n");
}

static const char *opt(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=')
			return argv[i] + n + 1;
	}
	return NULL;
}

static void bar(char *out, size_t size, long done, long total)
{
	size_t width = size - 1, filled = total > 0 ? (size_t)((double)width * (double)done / (double)total) : 0;

	for (size_t i = 0; i < width; i++)
		out[i] = i < filled ? '#' : '.';
	out[width] = '\0';
}

/* done and total of a kind from the run's progress; total -1 while the run is not configured yet. */
static void progress_of(const json_t *run, const char *kind, long *done, long *total)
{
	const json_t *p = json_object_get(json_object_get(run, "progress"), kind);
	const json_t *t = json_object_get(p, "total");

	*done = (long)json_integer_value(json_object_get(p, "done"));
	*total = json_is_integer(t) ? (long)json_integer_value(t) : -1;
}

static void format_total(char *out, size_t size, long total)
{
	if (total < 0)
		snprintf(out, size, "?");
	else
		snprintf(out, size, "%ld", total);
}

/* "eta 14m05s" from the server's estimate, or nothing when it has none. */
static void format_eta(char *out, size_t size, const json_t *run)
{
	const json_t *progress = json_object_get(run, "progress");
	const json_t *eta = json_object_get(progress, "eta_s");
	long at = (long)json_integer_value(json_object_get(progress, "estimated_at"));
	long s = (long)json_integer_value(eta) - (at ? (long)time(NULL) - at : 0);

	if (s < 0)
		s = 0;
	if (!json_is_integer(eta))
		*out = '\0';
	else if (s >= 3600)
		snprintf(out, size, "  eta %ldh%02ldm", s / 3600, s / 60 % 60);
	else
		snprintf(out, size, "  eta %ldm%02lds", s / 60, s % 60);
}

static int watch(struct ctl *c, const char *run, long interval)
{
	char path[64];
	bool tty = isatty(1);
	char line[512], last[512] = "";
	int rc = 0;

	snprintf(path, sizeof(path), "/api/v1/runs/%s", run);
	for (;;) {
		json_t *r = NULL;
		long status = ctl_request(c, "GET", path, NULL, &r);
		const json_t *counts;
		const char *state;
		char b1[31], b2[31], t1[24], t2[24], eta[32];
		long builds, built, boots, booted;

		if (status != 200) {
			json_decref(r);
			return 2;
		}
		counts = json_object_get(r, "counts");
		state = json_string_value(json_object_get(r, "state"));
		/* Totals known up front (configs x variants), so a bar is full only when the run is. */
		progress_of(r, "builds", &built, &builds);
		progress_of(r, "boots", &booted, &boots);
		bar(b1, sizeof(b1), built, builds);
		bar(b2, sizeof(b2), booted, boots);
		format_total(t1, sizeof(t1), builds);
		format_total(t2, sizeof(t2), boots);
		format_eta(eta, sizeof(eta), r);
		snprintf(line, sizeof(line),
			 "run %s %-11s configs %3lld (of %lld requests, %lld clamped)  build [%s] %ld/%s fail %ld err %ld"
			 "  boot [%s] %ld/%s fail %ld err %ld",
			 run, state, (long long)json_integer_value(json_object_get(counts, "configs")),
			 (long long)json_integer_value(json_object_get(counts, "requests")),
			 (long long)json_integer_value(json_object_get(counts, "clamped")), b1, built, t1,
			 ctl_count(counts, "build", "FAIL"), ctl_count(counts, "build", "ERROR"), b2, booted, t2,
			 ctl_count(counts, "boot", "FAIL"), ctl_count(counts, "boot", "ERROR"));
		/* A terminal gets one line redrawn in place; a log file gets a line per change only. */
		if (tty)
			printf("\r%s%s\033[K", line, eta);
		else if (strcmp(line, last) != 0)
			printf("%s%s\n", line, eta); /* the estimate alone changing is no news */
		memcpy(last, line, sizeof(last));
		fflush(stdout);
		enum run_state rs;

		if (run_state_parse(state, &rs) && run_state_final(rs)) {
			if (tty)
				printf("\n");
			if (run_state_is(state, RUN_ERROR))
				rc = 3;
			else if (ctl_count(counts, "build", "FAIL") || ctl_count(counts, "boot", "FAIL") ||
				 ctl_count(counts, "build", "ERROR") || ctl_count(counts, "boot", "ERROR"))
				rc = 1;
			json_decref(r);
			return rc;
		}
		json_decref(r);
		sleep((unsigned)interval);
	}
}

/* A POST with an empty object body to path; 0 when the answer is want, else 1. *out is the caller's. */
static int post_empty(struct ctl *c, const char *path, long want, json_t **out)
{
	json_t *body = json_object();
	long status = ctl_request(c, "POST", path, body, out);

	json_decref(body);
	return status == want ? 0 : 1;
}

static int cmd_worker_add(struct ctl *c, int argc, char **argv)
{
	json_t *body = json_pack("{s:s}", "name", argv[0]), *out = NULL;
	long status = ctl_request(c, "POST", "/api/v1/workers", body, &out);

	if (status == 201)
		printf("%s\n", json_string_value(json_object_get(out, "token")));
	json_decref(body);
	json_decref(out);
	return status == 201 ? 0 : 1;
}

static int cmd_worker_revoke(struct ctl *c, int argc, char **argv)
{
	char path[160];
	json_t *out = NULL;
	int rc;

	snprintf(path, sizeof(path), "/api/v1/workers/%s/revoke", argv[0]);
	rc = post_empty(c, path, 200, &out);
	if (rc == 0)
		printf("worker %s revoked; %lld running job(s) back in the queue\n", argv[0],
		       (long long)json_integer_value(json_object_get(out, "requeued_jobs")));
	json_decref(out);
	return rc;
}

static int cmd_submit(struct ctl *c, int argc, char **argv)
{
	static const char *const optional[][2] = { { "--ref", "ref" }, { "--commit", "commit" },
						   { "--tree-name", "tree_name" } };
	const char *tree = opt(argc, argv, "--tree");
	const char *matrix = opt(argc, argv, "--matrix");
	json_t *body, *out = NULL;
	long status;

	if (!tree || !matrix) {
		fprintf(stderr, "kmatrixctl: submit needs --tree=URL and --matrix=NAME\n");
		return 2;
	}
	body = json_pack("{s:s,s:s}", "tree", tree, "matrix", matrix);
	for (size_t k = 0; k < sizeof(optional) / sizeof(optional[0]); k++) {
		const char *v = opt(argc, argv, optional[k][0]);

		if (v)
			json_object_set_new(body, optional[k][1], json_string(v));
	}
	status = ctl_request(c, "POST", "/api/v1/runs", body, &out);
	if (status == 201)
		printf("%lld\n", (long long)json_integer_value(json_object_get(out, "id")));
	json_decref(body);
	json_decref(out);
	return status == 201 ? 0 : 1;
}

static int cmd_runs(struct ctl *c, int argc, char **argv)
{
	char path[512] = "/api/v1/runs?limit=50";
	const char *tree = opt(argc, argv, "--tree"), *ref = opt(argc, argv, "--ref");
	json_t *out = NULL, *run;
	size_t k;
	long status;

	if (tree)
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "&tree=%s", tree);
	if (ref)
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "&ref=%s", ref);
	status = ctl_request(c, "GET", path, NULL, &out);
	if (status == 200)
		json_array_foreach(json_object_get(out, "runs"), k, run)
			ctl_print_run_line(run);
	json_decref(out);
	return status == 200 ? 0 : 1;
}

static int cmd_status(struct ctl *c, int argc, char **argv)
{
	return ctl_report_run(c, argv[0]) == 200 ? 0 : 1;
}

static int cmd_watch(struct ctl *c, int argc, char **argv)
{
	const char *iv = opt(argc, argv, "--interval");
	long interval = iv ? strtol(iv, NULL, 10) : 2;

	return watch(c, argv[0], interval > 0 ? interval : 2);
}

static int cmd_cancel(struct ctl *c, int argc, char **argv)
{
	char path[64];
	json_t *out = NULL;
	int rc;

	snprintf(path, sizeof(path), "/api/v1/runs/%s/cancel", argv[0]);
	rc = post_empty(c, path, 200, &out);
	json_decref(out);
	return rc;
}

/* The commands; argv starts after the command's name, and one that needs an argument gets it as argv[0]. */
static const struct {
	const char *name;
	bool needs_arg;
	int (*run)(struct ctl *c, int argc, char **argv);
} commands[] = {
	{ "worker-add", true, cmd_worker_add },
	{ "worker-revoke", true, cmd_worker_revoke },
	{ "suggest", false, ctl_suggest },
	{ "submit", false, cmd_submit },
	{ "runs", false, cmd_runs },
	{ "status", true, cmd_status },
	{ "watch", true, cmd_watch },
	{ "kcidb", false, ctl_kcidb },
	{ "cancel", true, cmd_cancel },
};

/* The options before the command; *next is the command's index. 0, or the exit status to stop with. */
static int global_options(struct ctl *c, int argc, char **argv, int *next)
{
	int i = 1;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strncmp(argv[i], "--server=", 9) == 0) {
			c->server = argv[i] + 9;
		} else if (strncmp(argv[i], "--token=", 8) == 0) {
			free(c->token);
			c->token = xstrdup(argv[i] + 8);
		} else if (strncmp(argv[i], "--token-file=", 13) == 0) {
			FILE *f = fopen(argv[i] + 13, "r");
			char line[256] = "";

			if (!f || !fgets(line, sizeof(line), f)) {
				if (f)
					fclose(f);
				fprintf(stderr, "kmatrixctl: cannot read %s\n", argv[i] + 13);
				return 2;
			}
			fclose(f);
			line[strcspn(line, "\r\n")] = '\0';
			free(c->token);
			c->token = xstrdup(line);
		} else if (strcmp(argv[i], "--help") == 0) {
			usage();
			return -1;
		} else {
			fprintf(stderr, "kmatrixctl: unknown option %s (see --help)\n", argv[i]);
			return 2;
		}
	}
	*next = i;
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl c = { .server = getenv("KMATRIX_URL") ? getenv("KMATRIX_URL") : "http://127.0.0.1:8080" };
	int i = 0, rc;

	if (getenv("KMATRIX_ADMIN_TOKEN"))
		c.token = xstrdup(getenv("KMATRIX_ADMIN_TOKEN"));
	rc = global_options(&c, argc, argv, &i);
	if (rc == 0 && i >= argc) {
		usage();
		rc = 2;
	}
	if (rc) {
		free(c.token);
		return rc < 0 ? 0 : rc;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = -1;
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		if (strcmp(argv[i], commands[k].name) != 0 || (commands[k].needs_arg && i + 1 >= argc))
			continue;
		rc = commands[k].run(&c, argc - i - 1, argv + i + 1);
		break;
	}
	if (rc < 0) {
		usage();
		rc = 2;
	}
	free(c.token);
	curl_global_cleanup();
	return rc;
}
