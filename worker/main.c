/* kmatrix-worker: claims jobs from the server and runs them until stopped. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "err.h"
#include "fsutil.h"
#include "log.h"
#include "worker.h"
#include "xalloc.h"

#define WORKER_VERSION "0.1.0"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = 1;
}

static void usage(void)
{
	printf("usage: kmatrix-worker --server=URL (--token=T | --token-file=F) --work-dir=DIR [options]\n"
	       "  --kinds=LIST          job kinds to take (default configure,build,boot)\n"
	       "  --jobs=N              make -j (default: number of CPUs)\n"
	       "  --ccache-dir=DIR      compiler cache (default: ccache's own)\n"
	       "  --ccache-remote=URL   ccache remote storage shared by workers, e.g. redis://host:6379\n"
	       "  --build-timeout=S     kill a build after S seconds (default 3600)\n"
	       "  --configure-timeout=S per make call of the configure stage (default 600)\n"
	       "  --max-jobs=N          exit after N jobs\n"
	       "  --idle-exit=S         exit after S seconds without work\n"
	       "  --claim-wait=S        long-poll time per claim (default 20)\n"
	       "  --name=NAME           name in logs\n"
	       "  --log-level=L         debug, info, warn, error\n"
	       "The token may also come from the KMATRIX_WORKER_TOKEN environment variable.\n");
}

static int parse_long(const char *arg, const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max)
		return err_set(KM_EINVAL, "%s: expected a whole number from %ld to %ld", arg, min, max);
	*out = n;
	return 0;
}

static char *read_token_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (!f)
		return NULL;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return *line ? xstrdup(line) : NULL;
}

int main(int argc, char **argv)
{
	struct worker_opts opts;
	struct client *client = NULL;
	const char *kinds[4] = { NULL, NULL, NULL, NULL };
	char *kinds_copy = NULL, *token = NULL, hostname[256] = "unknown";
	struct sigaction sa;
	time_t idle_since;
	long done_jobs = 0;
	int rc = 0;

	memset(&opts, 0, sizeof(opts));
	opts.kinds = "configure,build,boot";
	opts.make_jobs = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
	opts.build_timeout_s = 3600;
	opts.configure_timeout_s = 600;
	opts.claim_wait_s = 20;
	opts.name = "worker";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = strchr(a, '=');

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage();
			return 0;
		}
		if (!v || strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "kmatrix-worker: argument '%s': expected --option=value (see --help)\n", a);
			return 2;
		}
		v++;
#define IS(name) (strncmp(a, name "=", sizeof(name)) == 0)
		if (IS("--server"))
			opts.server_url = v;
		else if (IS("--token"))
			token = xstrdup(v);
		else if (IS("--token-file")) {
			token = read_token_file(v);
			if (!token) {
				fprintf(stderr, "kmatrix-worker: cannot read a token from %s\n", v);
				return 2;
			}
		} else if (IS("--work-dir"))
			opts.work_dir = v;
		else if (IS("--ccache-dir"))
			opts.ccache_dir = v;
		else if (IS("--ccache-remote")) {
			opts.ccache_remote = v;
			if (strlen(v) > 4096)
				rc = err_set(KM_EINVAL, "--ccache-remote: longer than 4096 characters");
		} else if (IS("--kinds"))
			opts.kinds = v;
		else if (IS("--name"))
			opts.name = v;
		else if (IS("--jobs"))
			rc = parse_long(a, v, 1, 1024, &opts.make_jobs);
		else if (IS("--build-timeout"))
			rc = parse_long(a, v, 1, 86400 * 2, &opts.build_timeout_s);
		else if (IS("--configure-timeout"))
			rc = parse_long(a, v, 1, 86400, &opts.configure_timeout_s);
		else if (IS("--max-jobs"))
			rc = parse_long(a, v, 0, LONG_MAX, &opts.max_jobs);
		else if (IS("--idle-exit"))
			rc = parse_long(a, v, 0, LONG_MAX, &opts.idle_exit_s);
		else if (IS("--claim-wait"))
			rc = parse_long(a, v, 0, 120, &opts.claim_wait_s);
		else if (IS("--log-level")) {
			enum log_level level;

			rc = log_parse_level(v, &level);
			if (!rc)
				log_set_level(level);
		} else {
			fprintf(stderr, "kmatrix-worker: unknown option '%.*s' (see --help)\n", (int)(v - a - 1), a);
			return 2;
		}
#undef IS
		if (rc) {
			fprintf(stderr, "kmatrix-worker: %s\n", err_msg());
			return 2;
		}
	}
	if (!token && getenv("KMATRIX_WORKER_TOKEN"))
		token = xstrdup(getenv("KMATRIX_WORKER_TOKEN"));
	if (!opts.server_url || !token || !opts.work_dir) {
		fprintf(stderr, "kmatrix-worker: --server, a token and --work-dir are required (see --help)\n");
		free(token);
		return 2;
	}
	opts.token = token;
	kinds_copy = xstrdup(opts.kinds);
	{
		size_t n = 0;

		for (char *k = strtok(kinds_copy, ","); k; k = strtok(NULL, ",")) {
			if ((strcmp(k, "configure") != 0 && strcmp(k, "build") != 0 && strcmp(k, "boot") != 0) ||
			    n == 3) {
				fprintf(stderr, "kmatrix-worker: --kinds: '%s' is not configure, build or boot\n", k);
				return 2;
			}
			kinds[n++] = k;
		}
	}
	if (opts.ccache_dir)
		setenv("CCACHE_DIR", opts.ccache_dir, 1);
	/* ccache reads its remote storage from the environment of every compiler call. */
	if (opts.ccache_remote && *opts.ccache_remote)
		setenv("CCACHE_REMOTE_STORAGE", opts.ccache_remote, 1);
	if (fs_mkdirs(opts.work_dir) != 0) {
		fprintf(stderr, "kmatrix-worker: %s\n", err_msg());
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	gethostname(hostname, sizeof(hostname) - 1);

	if (client_new(opts.server_url, token, &client) != 0) {
		fprintf(stderr, "kmatrix-worker: %s\n", err_msg());
		return 2;
	}
	rc = client_heartbeat(client, hostname, WORKER_VERSION, opts.make_jobs);
	if (rc == KM_EAUTH) {
		fprintf(stderr, "kmatrix-worker: the server refused the token: %s\n", err_msg());
		client_free(client);
		return 2;
	}
	/* The remote storage URL may carry a password: the log only says whether there is one. */
	log_info("worker=%s server=%s work_dir=%s kinds=%s jobs=%ld ccache_remote=%s", opts.name,
		 opts.server_url, opts.work_dir, opts.kinds, opts.make_jobs,
		 opts.ccache_remote && *opts.ccache_remote ? "on" : "off");
	idle_since = time(NULL);
	while (!stop_requested) {
		json_t *job = NULL;
		int backoff = 1;

		rc = client_claim(client, kinds, (int)opts.claim_wait_s, &job);
		if (rc) {
			log_warn("claim failed: %s", err_msg());
			for (int i = 0; i < backoff * 5 && !stop_requested; i++)
				usleep(200 * 1000);
			if (backoff < 6)
				backoff++;
			continue;
		}
		if (!job) {
			if (opts.idle_exit_s && time(NULL) - idle_since >= opts.idle_exit_s) {
				log_info("idle for %ld s: exiting", opts.idle_exit_s);
				break;
			}
			continue;
		}
		job_run(client, &opts, job, &stop_requested);
		json_decref(job);
		idle_since = time(NULL);
		done_jobs++;
		if (opts.max_jobs && done_jobs >= opts.max_jobs)
			break;
		client_heartbeat(client, hostname, WORKER_VERSION, opts.make_jobs);
	}
	log_info("worker=%s stopping after %ld jobs", opts.name, done_jobs);
	client_free(client);
	free(kinds_copy);
	free(token);
	return 0;
}
