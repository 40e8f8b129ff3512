/* kmatrix-worker: claims jobs from the server and runs them until stopped. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
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
#include "jobtypes.h"
#include "log.h"
#include "worker.h"
#include "xalloc.h"

#define WORKER_VERSION "0.1.0"

static volatile sig_atomic_t stop_requested; /* a signal: finish the jobs in hand and stop */
static volatile sig_atomic_t slots_stop;     /* the boot slots stop after their claim (the worker is ending) */
static atomic_long busy_slots;
static atomic_llong last_active;             /* when a slot last finished a job */
static atomic_long done_jobs;

static void on_signal(int sig)
{
	stop_requested = 1;
}

static void usage(void)
{
	printf("usage: kmatrix-worker --server=URL (--token=T | --token-file=F) --work-dir=DIR [options]\n"
	       "  --kinds=LIST          job kinds to take (default configure,build,bisect,boot)\n"
	       "  --jobs=N              make -j (default: number of CPUs)\n"
	       "  --ccache-dir=DIR      compiler cache (default: ccache's own)\n"
	       "  --ccache-remote=URL   ccache remote storage shared by workers, e.g. redis://host:6379\n"
	       "  --build-timeout=S     kill a build after S seconds (default 3600)\n"
	       "  --configure-timeout=S per make call of the configure stage (default 600)\n"
	       "  --max-jobs=N          exit after N jobs\n"
	       "  --idle-exit=S         exit after S seconds without work\n"
	       "  --claim-wait=S        long-poll time per claim (default 20)\n"
	       "  --boot-slots=N        boot jobs run beside a build (default 1 with 2 or more CPUs, else 0)\n"
	       "  --boot-stages=N       keep the kernel, vmlinux and modules of the newest N builds for\n"
	       "                        their boots (default 16; older boots download them)\n"
	       "  --build-dirs=N        keep the build directories of the N configs built last, one each,\n"
	       "                        so the next push rebuilds only what it changed (default 128)\n"
	       "  --kconfig=batch|make  resolve a run's requests with one Kconfig parse (batch, the default,\n"
	       "                        checked against make on a sample) or one make olddefconfig each\n"
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

/* Parses the command line into opts; 0, or 2 after printing why (exit status). */
static int parse_args(int argc, char **argv, struct worker_opts *opts, char **token)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
	int rc = 0;

	memset(opts, 0, sizeof(*opts));
	opts->kinds = "configure,build,bisect,boot";
	opts->make_jobs = cpus;
	/* A boot needs one CPU (QEMU TCG, -smp 1): with two or more, one boots while make uses them all. */
	opts->boot_slots = cpus >= 2 ? 1 : 0;
	opts->boot_stages = 16;
	/* The full cxl-dax-hmem matrix has 81 configs; one directory of it is about 180 MB. */
	opts->build_dirs = 128;
	opts->kconfig_batch = true;
	opts->build_timeout_s = 3600;
	opts->configure_timeout_s = 600;
	opts->claim_wait_s = 20;
	opts->name = "worker";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = strchr(a, '=');

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage();
			exit(0);
		}
		if (!v || strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "kmatrix-worker: argument '%s': expected --option=value (see --help)\n", a);
			return 2;
		}
		v++;
#define IS(name) (strncmp(a, name "=", sizeof(name)) == 0)
		if (IS("--server"))
			opts->server_url = v;
		else if (IS("--token"))
			*token = xstrdup(v);
		else if (IS("--token-file")) {
			*token = read_token_file(v);
			if (!*token) {
				fprintf(stderr, "kmatrix-worker: cannot read a token from %s\n", v);
				return 2;
			}
		} else if (IS("--work-dir"))
			opts->work_dir = v;
		else if (IS("--ccache-dir"))
			opts->ccache_dir = v;
		else if (IS("--ccache-remote")) {
			opts->ccache_remote = v;
			if (strlen(v) > 4096)
				rc = err_set(KM_EINVAL, "--ccache-remote: longer than 4096 characters");
		} else if (IS("--kinds"))
			opts->kinds = v;
		else if (IS("--name"))
			opts->name = v;
		else if (IS("--jobs"))
			rc = parse_long(a, v, 1, 1024, &opts->make_jobs);
		else if (IS("--boot-slots"))
			rc = parse_long(a, v, 0, 64, &opts->boot_slots);
		else if (IS("--boot-stages"))
			rc = parse_long(a, v, 1, 100000, &opts->boot_stages);
		else if (IS("--build-dirs"))
			rc = parse_long(a, v, 1, 100000, &opts->build_dirs);
		else if (IS("--kconfig")) {
			if (strcmp(v, "batch") != 0 && strcmp(v, "make") != 0)
				rc = err_set(KM_EINVAL, "--kconfig: expected batch or make");
			opts->kconfig_batch = strcmp(v, "batch") == 0;
		} else if (IS("--build-timeout"))
			rc = parse_long(a, v, 1, 86400 * 2, &opts->build_timeout_s);
		else if (IS("--configure-timeout"))
			rc = parse_long(a, v, 1, 86400, &opts->configure_timeout_s);
		else if (IS("--max-jobs"))
			rc = parse_long(a, v, 0, LONG_MAX, &opts->max_jobs);
		else if (IS("--idle-exit"))
			rc = parse_long(a, v, 0, LONG_MAX, &opts->idle_exit_s);
		else if (IS("--claim-wait"))
			rc = parse_long(a, v, 0, 120, &opts->claim_wait_s);
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
	return 0;
}

/* One claim loop: the main slot takes every kind it is given, a boot slot only boots. */
struct slot {
	const struct worker_opts *opts;
	struct client *client;
	const char *kinds[5];
	bool main;
	const char *hostname;
	pthread_t thread;
};

static bool worker_idle_long_enough(const struct worker_opts *opts)
{
	return opts->idle_exit_s && atomic_load(&busy_slots) == 0 &&
	       (long long)time(NULL) - atomic_load(&last_active) >= opts->idle_exit_s;
}

static void slot_loop(struct slot *s)
{
	const struct worker_opts *opts = s->opts;
	int backoff = 1;

	while (!stop_requested && !slots_stop) {
		json_t *job = NULL;
		long n;
		int rc = client_claim(s->client, s->kinds, (int)opts->claim_wait_s, &job);

		if (rc) {
			if (stop_requested || slots_stop)
				break;
			log_warn("claim failed: %s", err_msg());
			for (int i = 0; i < backoff * 5 && !stop_requested && !slots_stop; i++)
				usleep(200 * 1000);
			if (backoff < 6)
				backoff++;
			continue;
		}
		backoff = 1;
		if (!job) {
			if (s->main && worker_idle_long_enough(opts)) {
				log_info("idle for %ld s: exiting", opts->idle_exit_s);
				break;
			}
			continue;
		}
		atomic_fetch_add(&busy_slots, 1);
		job_run(s->client, opts, job, &stop_requested);
		atomic_store(&last_active, (long long)time(NULL));
		atomic_fetch_sub(&busy_slots, 1);
		json_decref(job);
		n = atomic_fetch_add(&done_jobs, 1) + 1;
		if (opts->max_jobs && n >= opts->max_jobs)
			break;
		if (s->main)
			client_heartbeat(s->client, s->hostname, WORKER_VERSION, opts->make_jobs);
	}
}

static void *boot_slot_main(void *arg)
{
	slot_loop(arg);
	return NULL;
}

/* The kinds the main slot takes, most wanted first: with boot slots beside it, builds come before boots. */
static int main_kinds(const struct worker_opts *opts, char *list, const char **kinds)
{
	size_t n = 0;
	bool boot = false;

	for (char *k = strtok(list, ","); k; k = strtok(NULL, ",")) {
		enum job_kind kind;

		if (!job_kind_parse(k, &kind) || (n == 3 && kind != JOB_BOOT)) {
			fprintf(stderr, "kmatrix-worker: --kinds: '%s' is not configure, build, bisect or boot\n", k);
			return 2;
		}
		if (kind == JOB_BOOT)
			boot = true;
		else
			kinds[n++] = k;
	}
	/*
	 * The server serves kinds in the order asked. Without boot slots boots
	 * come first (a run's results wait on them); with boot slots beside it
	 * the main slot builds first and boots only when no build is queued.
	 */
	if (boot && opts->boot_slots == 0) {
		memmove(kinds + 1, kinds, n * sizeof(*kinds));
		kinds[0] = "boot";
		n++;
	} else if (boot) {
		kinds[n++] = "boot";
	}
	kinds[n] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	struct worker_opts opts;
	struct slot main_slot, *boot_slots = NULL;
	char *kinds_copy = NULL, *token = NULL, hostname[256] = "unknown";
	struct sigaction sa;
	bool boots;
	int rc;

	rc = parse_args(argc, argv, &opts, &token);
	if (rc)
		return rc;
	if (!token && getenv("KMATRIX_WORKER_TOKEN"))
		token = xstrdup(getenv("KMATRIX_WORKER_TOKEN"));
	if (!opts.server_url || !token || !opts.work_dir) {
		fprintf(stderr, "kmatrix-worker: --server, a token and --work-dir are required (see --help)\n");
		free(token);
		return 2;
	}
	opts.token = token;
	memset(&main_slot, 0, sizeof(main_slot));
	kinds_copy = xstrdup(opts.kinds);
	if (main_kinds(&opts, kinds_copy, main_slot.kinds) != 0)
		return 2;
	boots = false;
	for (size_t i = 0; main_slot.kinds[i]; i++)
		boots |= job_kind_is(main_slot.kinds[i], JOB_BOOT);
	if (!boots)
		opts.boot_slots = 0;
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

	main_slot.opts = &opts;
	main_slot.main = true;
	main_slot.hostname = hostname;
	if (client_new(opts.server_url, token, &main_slot.client) != 0) {
		fprintf(stderr, "kmatrix-worker: %s\n", err_msg());
		return 2;
	}
	rc = client_heartbeat(main_slot.client, hostname, WORKER_VERSION, opts.make_jobs);
	if (rc == KM_EAUTH) {
		fprintf(stderr, "kmatrix-worker: the server refused the token: %s\n", err_msg());
		client_free(main_slot.client);
		return 2;
	}
	/* The remote storage URL may carry a password: the log only says whether there is one. */
	log_info("worker=%s server=%s work_dir=%s kinds=%s jobs=%ld boot_slots=%ld kconfig=%s ccache_remote=%s",
		 opts.name, opts.server_url, opts.work_dir, opts.kinds, opts.make_jobs, opts.boot_slots,
		 opts.kconfig_batch ? "batch" : "make", opts.ccache_remote && *opts.ccache_remote ? "on" : "off");
	atomic_store(&last_active, (long long)time(NULL));
	boot_slots = xcalloc((size_t)opts.boot_slots + 1, sizeof(*boot_slots));
	for (long i = 0; i < opts.boot_slots; i++) {
		struct slot *b = &boot_slots[i];

		b->opts = &opts;
		b->kinds[0] = "boot";
		b->hostname = hostname;
		/* curl's global set-up happened above: a client per thread from here on is safe. */
		client_new(opts.server_url, token, &b->client);
		pthread_create(&b->thread, NULL, boot_slot_main, b);
	}
	slot_loop(&main_slot);
	/*
	 * The boot slots finish their claim and the job in hand, then stop. A
	 * claim is never abandoned half-way: the server could lease a job to a
	 * connection nobody reads any more, and the job would wait for its lease.
	 */
	slots_stop = 1;
	for (long i = 0; i < opts.boot_slots; i++) {
		pthread_join(boot_slots[i].thread, NULL);
		client_free(boot_slots[i].client);
	}
	log_info("worker=%s stopping after %ld jobs", opts.name, atomic_load(&done_jobs));
	free(boot_slots);
	client_free(main_slot.client);
	free(kinds_copy);
	free(token);
	return 0;
}
