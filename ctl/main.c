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
		if (strcmp(state, "done") == 0 || strcmp(state, "error") == 0 || strcmp(state, "superseded") == 0 ||
		    strcmp(state, "cancelled") == 0) {
			if (tty)
				printf("\n");
			if (strcmp(state, "error") == 0)
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

int main(int argc, char **argv)
{
	struct ctl c = { .server = getenv("KMATRIX_URL") ? getenv("KMATRIX_URL") : "http://127.0.0.1:8080" };
	json_t *out = NULL, *body = NULL;
	int i = 1, rc = 0;
	long status;
	const char *cmd;

	if (getenv("KMATRIX_ADMIN_TOKEN"))
		c.token = xstrdup(getenv("KMATRIX_ADMIN_TOKEN"));
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strncmp(argv[i], "--server=", 9) == 0) {
			c.server = argv[i] + 9;
		} else if (strncmp(argv[i], "--token=", 8) == 0) {
			free(c.token);
			c.token = xstrdup(argv[i] + 8);
		} else if (strncmp(argv[i], "--token-file=", 13) == 0) {
			FILE *f = fopen(argv[i] + 13, "r");
			char line[256] = "";

			if (!f || !fgets(line, sizeof(line), f)) {
				fprintf(stderr, "kmatrixctl: cannot read %s\n", argv[i] + 13);
				return 2;
			}
			fclose(f);
			line[strcspn(line, "\r\n")] = '\0';
			free(c.token);
			c.token = xstrdup(line);
		} else if (strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		} else {
			fprintf(stderr, "kmatrixctl: unknown option %s (see --help)\n", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		usage();
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	cmd = argv[i++];
	if (strcmp(cmd, "worker-add") == 0 && i < argc) {
		body = json_pack("{s:s}", "name", argv[i]);
		status = ctl_request(&c, "POST", "/api/v1/workers", body, &out);
		if (status == 201)
			printf("%s\n", json_string_value(json_object_get(out, "token")));
		else
			rc = 1;
	} else if (strcmp(cmd, "worker-revoke") == 0 && i < argc) {
		char path[160];

		snprintf(path, sizeof(path), "/api/v1/workers/%s/revoke", argv[i]);
		body = json_object();
		status = ctl_request(&c, "POST", path, body, &out);
		if (status == 200)
			printf("worker %s revoked; %lld running job(s) back in the queue\n", argv[i],
			       (long long)json_integer_value(json_object_get(out, "requeued_jobs")));
		else
			rc = 1;
	} else if (strcmp(cmd, "suggest") == 0) {
		rc = ctl_suggest(&c, argc - i, argv + i);
	} else if (strcmp(cmd, "submit") == 0) {
		const char *tree = opt(argc - i, argv + i, "--tree");
		const char *matrix = opt(argc - i, argv + i, "--matrix");

		if (!tree || !matrix) {
			fprintf(stderr, "kmatrixctl: submit needs --tree=URL and --matrix=NAME\n");
			rc = 2;
			goto done;
		}
		body = json_pack("{s:s,s:s}", "tree", tree, "matrix", matrix);
		if (opt(argc - i, argv + i, "--ref"))
			json_object_set_new(body, "ref", json_string(opt(argc - i, argv + i, "--ref")));
		if (opt(argc - i, argv + i, "--commit"))
			json_object_set_new(body, "commit", json_string(opt(argc - i, argv + i, "--commit")));
		if (opt(argc - i, argv + i, "--tree-name"))
			json_object_set_new(body, "tree_name", json_string(opt(argc - i, argv + i, "--tree-name")));
		status = ctl_request(&c, "POST", "/api/v1/runs", body, &out);
		if (status == 201)
			printf("%lld\n", (long long)json_integer_value(json_object_get(out, "id")));
		else
			rc = 1;
	} else if (strcmp(cmd, "runs") == 0) {
		char path[512] = "/api/v1/runs?limit=50";
		size_t i2;
		json_t *run;

		if (opt(argc - i, argv + i, "--tree"))
			snprintf(path + strlen(path), sizeof(path) - strlen(path), "&tree=%s",
				 opt(argc - i, argv + i, "--tree"));
		if (opt(argc - i, argv + i, "--ref"))
			snprintf(path + strlen(path), sizeof(path) - strlen(path), "&ref=%s",
				 opt(argc - i, argv + i, "--ref"));
		status = ctl_request(&c, "GET", path, NULL, &out);
		if (status != 200) {
			rc = 1;
			goto done;
		}
		json_array_foreach(json_object_get(out, "runs"), i2, run)
			ctl_print_run_line(run);
	} else if (strcmp(cmd, "status") == 0 && i < argc) {
		rc = ctl_report_run(&c, argv[i]) == 200 ? 0 : 1;
	} else if (strcmp(cmd, "watch") == 0 && i < argc) {
		const char *iv = opt(argc - i, argv + i, "--interval");
		long interval = iv ? strtol(iv, NULL, 10) : 2;

		rc = watch(&c, argv[i], interval > 0 ? interval : 2);
	} else if (strcmp(cmd, "kcidb") == 0) {
		rc = ctl_kcidb(&c, argc - i, argv + i);
	} else if (strcmp(cmd, "cancel") == 0 && i < argc) {
		char path[64];

		snprintf(path, sizeof(path), "/api/v1/runs/%s/cancel", argv[i]);
		body = json_object();
		status = ctl_request(&c, "POST", path, body, &out);
		rc = status == 200 ? 0 : 1;
	} else {
		usage();
		rc = 2;
	}
done:
	json_decref(out);
	json_decref(body);
	free(c.token);
	curl_global_cleanup();
	return rc;
}
