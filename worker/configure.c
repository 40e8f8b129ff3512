/* The configure job: resolve every request of a run with the tree's own Kconfig and dedupe the results. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkout.h"
#include "clock.h"
#include "digest.h"
#include "err.h"
#include "fsutil.h"
#include "insight.h"
#include "kconfig.h"
#include "kmake.h"
#include "kresolve.h"
#include "log.h"
#include "matrix.h"
#include "proc.h"
#include "worker.h"
#include "xalloc.h"

#define CONFIG_LOG_MAX (4 * 1024 * 1024)


/* Appends make's output to the configure log, within its cap. */
static int log_output(void *ctx, const char *data, size_t len)
{
	struct buf *b = ctx;

	buf_append(b, data, len);
	return 0;
}

static int run_make(const struct kmake *k, const char *target, const char *const *env, struct buf *log,
		    double timeout)
{
	const char *targets[] = { target, NULL };
	char **argv = kmake_argv(k, targets);
	struct proc_opts o = { .argv = (const char *const *)argv, .env = env, .timeout_s = timeout,
			       .on_output = log_output, .ctx = log };
	struct proc_result r;
	int rc = proc_run(&o, &r);

	if (!rc && r.timed_out)
		rc = err_set(KM_ETIMEDOUT, "make %s timed out after %.0f s", target, timeout);
	else if (!rc && r.exit_code != 0)
		rc = err_set(KM_EINVAL, "make %s failed with status %d", target, r.exit_code);
	kmake_argv_free(argv);
	return rc;
}

/* The base config: a make target of the tree (tinyconfig, ...) or a file shipped with the matrix. */
static int base_config(struct job *j, const struct matrix *m, const json_t *bundle, const struct kmake *k,
		       struct buf *log, struct kconfig **out)
{
	char *path = xasprintf("%s/.config", k->out);
	int rc;

	*out = NULL;
	if (matrix_base_is_file(m)) {
		const char *text = matrix_bundle_file(bundle, m->base);

		rc = text ? kconfig_parse(text, strlen(text), out)
			  : err_set(KM_EINVAL, "base config '%s' is missing from the matrix bundle", m->base);
	} else {
		unlink(path);
		rc = run_make(k, m->base, NULL, log, (double)j->opts->configure_timeout_s);
		if (!rc)
			rc = kconfig_load(path, out);
	}
	free(path);
	return rc;
}

static int fragment_config(const struct matrix *m, const json_t *bundle, struct kconfig **out)
{
	struct kconfig *frag = kconfig_new();
	int rc = 0;

	for (size_t i = 0; i < m->nfragments; i++) {
		const char *text = matrix_bundle_file(bundle, m->fragments[i]);
		struct kconfig *c = NULL;

		if (!text) {
			rc = err_set(KM_EINVAL, "fragment '%s' is missing from the matrix bundle", m->fragments[i]);
			break;
		}
		rc = kconfig_parse(text, strlen(text), &c);
		if (rc) {
			rc = err_set(KM_EINVAL, "%s: %s", m->fragments[i], err_msg());
			break;
		}
		kconfig_merge(frag, c);
		kconfig_free(c);
	}
	if (rc) {
		kconfig_free(frag);
		frag = NULL;
	}
	*out = frag;
	return rc;
}

/* Fragment symbols whose final value is not what the fragment asked for. */
static json_t *fragment_changes(const struct kconfig *frag, const struct kconfig *eff)
{
	json_t *changed = json_array();

	for (size_t i = 0; i < kconfig_count(frag); i++) {
		const char *sym, *want, *got;

		kconfig_at(frag, i, &sym, &want);
		got = kconfig_get(eff, sym);
		if (!got)
			got = "n";
		if (strcmp(want, got) != 0 && json_array_size(changed) < 100)
			json_array_append_new(changed, json_pack("{s:s,s:s,s:s}", "symbol", sym, "requested", want,
								 "effective", got));
	}
	return changed;
}


/* What the configure job resolves: entry 0 is the matrix base alone (base.config), entry i+1 is request i. */
struct resolution {
	size_t n;
	char **texts;            /* base + fragment (+ the request's values), written afresh for every entry */
	char **ins, **outs;      /* the batch's files */
	struct kconfig **effs;   /* what Kconfig made of each entry */
	char (*hashes)[65];
	bool by_make;            /* every entry resolved with make olddefconfig ... */
	char *make_reason;       /* ... and why */
	size_t nverified;        /* the batch's entries re-checked with make */
	/* Where the job's seconds go, for its message: the figures a slow run is read by. */
	double base_s;           /* the base config (a make target of the tree, or a file) */
	double resolve_s;        /* the batch (or make for every entry) */
	double recheck_s;        /* the batch's re-checks with make, after the batch */
	double explain_s;        /* the clamp and expectation explanations */
};

static void resolution_free(struct resolution *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->texts[i]);
		free(r->ins[i]);
		free(r->outs[i]);
		kconfig_free(r->effs[i]);
	}
	free(r->texts);
	free(r->ins);
	free(r->outs);
	free(r->effs);
	free(r->hashes);
	free(r->make_reason);
}

/*
 * Kconfig's answer for one entry through `make olddefconfig`, the tree's own
 * way and the reference: text written to config_path, which is the .config
 * make reads unless env names another (KCONFIG_CONFIG).
 */
static int make_resolve(const struct kmake *k, const char *config_path, const char *const *env, const char *text,
			double timeout_s, struct buf *log, struct kconfig **eff)
{
	int rc = fs_write_file(config_path, text, strlen(text));

	*eff = NULL;
	if (!rc)
		rc = run_make(k, "olddefconfig", env, log, timeout_s);
	if (!rc)
		rc = kconfig_load(config_path, eff);
	return rc;
}

static int make_resolve_all(struct job *j, const struct kmake *k, struct resolution *r, struct buf *log)
{
	char *config_path = xasprintf("%s/.config", k->out);
	int rc = 0;

	for (size_t i = 0; !rc && i < r->n; i++) {
		if (job_should_stop(j)) {
			rc = err_set(KM_EBUSY, "stopped");
			break;
		}
		kconfig_free(r->effs[i]);
		rc = make_resolve(k, config_path, NULL, r->texts[i], (double)j->opts->configure_timeout_s, log,
				  &r->effs[i]);
		if (!rc)
			kconfig_hash(r->effs[i], r->hashes[i]);
	}
	free(config_path);
	return rc;
}

/*
 * The sample re-resolved with make: always the first request, then up to
 * VERIFY_MAX - 1 more chosen at random among configurations not yet checked.
 */
#define VERIFY_MAX 4

static size_t verify_sample(const struct resolution *r, size_t *picks)
{
	size_t n = 0, tries = 0;

	if (r->n < 2)
		return 0;
	picks[n++] = 1;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	while (n < VERIFY_MAX && tries++ < 64) {
		size_t i = 1 + (size_t)rand() % (r->n - 1);
		bool seen = false;

		for (size_t p = 0; p < n; p++)
			seen |= strcmp(r->hashes[picks[p]], r->hashes[i]) == 0;
		if (!seen)
			picks[n++] = i;
	}
	return n;
}

/*
 * One re-check: `make olddefconfig` on a .config of its own (KCONFIG_CONFIG),
 * so that several run at once in the configure build directory, beside the
 * batch's own make. Its KCONFIG_AUTOCONFIG is an empty file of its own: conf
 * writes auto.conf and its include/config/ stamps only when that file is
 * missing, and they would be shared otherwise.
 */
struct recheck {
	const struct kmake *k;
	size_t entry;
	const char *text;
	char *dir;
	double timeout_s;
	struct buf log;
	struct kconfig *eff;
	pthread_t thread;
	bool started;
	int rc;
	char why[512];
};

static void *recheck_main(void *arg)
{
	struct recheck *c = arg;
	char *config = xasprintf("%s/.config", c->dir);
	char *autoconf = xasprintf("%s/auto.conf", c->dir);
	char *env_config = xasprintf("KCONFIG_CONFIG=%s", config);
	char *env_autoconf = xasprintf("KCONFIG_AUTOCONFIG=%s", autoconf);
	const char *env[] = { env_config, env_autoconf, NULL };

	c->rc = fs_mkdirs(c->dir);
	if (!c->rc)
		c->rc = fs_write_file(autoconf, "", 0);
	if (!c->rc)
		c->rc = make_resolve(c->k, config, env, c->text, c->timeout_s, &c->log, &c->eff);
	if (c->rc)
		snprintf(c->why, sizeof(c->why), "%s", err_msg());
	free(config);
	free(autoconf);
	free(env_config);
	free(env_autoconf);
	return NULL;
}

/* Starts the re-check of entry in a thread of its own; slot names its directory. */
static void recheck_start(struct recheck *c, const struct job *j, const struct kmake *k, const struct resolution *r,
			  size_t entry, size_t slot)
{
	*c = (struct recheck){ .k = k, .entry = entry, .text = r->texts[entry],
			       .dir = xasprintf("%s/recheck/%zu", k->out, slot),
			       .timeout_s = (double)j->opts->configure_timeout_s, .log = BUF_INIT(CONFIG_LOG_MAX / 8) };
	c->started = pthread_create(&c->thread, NULL, recheck_main, c) == 0;
	if (!c->started) {
		c->rc = KM_EIO;
		snprintf(c->why, sizeof(c->why), "cannot start a thread");
	}
}

/*
 * Waits for a re-check and compares it with the batch's answer: rc, or the
 * first disagreement (or failure) when rc is 0. The entry is listed as
 * verified either way, and the re-check's make output goes to the log.
 */
static int recheck_finish(struct recheck *c, struct resolution *r, struct buf *log, int rc)
{
	char hash[65];

	if (c->started)
		pthread_join(c->thread, NULL);
	buf_append(log, c->log.data, c->log.len);
	if (!rc && c->rc) {
		rc = err_set(c->rc, "re-check of request %zu: %s", c->entry - 1, c->why);
	} else if (!rc) {
		kconfig_hash(c->eff, hash);
		if (strcmp(hash, r->hashes[c->entry]) != 0)
			rc = err_set(KM_EINVAL, "request %zu: make olddefconfig gives %.12s, the batch driver %.12s",
				     c->entry - 1, hash, r->hashes[c->entry]);
	}
	r->nverified++;
	kconfig_free(c->eff);
	buf_free(&c->log);
	free(c->dir);
	memset(c, 0, sizeof(*c));
	return rc;
}

/*
 * The batch way: one parse for every entry, checked against make on a sample.
 * 0, or why it cannot be trusted. The first request's re-check needs no
 * batch result, so it runs beside the batch (whose make and parse keep one
 * core busy for seconds); the others, chosen by the batch's hashes, follow.
 */
static int batch_resolve_all(struct job *j, const struct kmake *k, struct resolution *r, struct buf *log)
{
	char *driver = NULL;
	size_t picks[VERIFY_MAX], npicks;
	struct recheck checks[VERIFY_MAX];
	double t0 = clock_now_s();
	int rc;

	memset(checks, 0, sizeof(checks));
	if (r->n >= 2)
		recheck_start(&checks[0], j, k, r, 1, 0);
	rc = kresolve_build(k, k->out, log, &driver);
	if (!rc)
		rc = kresolve_run(k, driver, k->out, r->ins, r->outs, r->n, j->opts->make_jobs,
				  (double)j->opts->configure_timeout_s, log);
	for (size_t i = 0; !rc && i < r->n; i++) {
		rc = kconfig_load(r->outs[i], &r->effs[i]);
		if (!rc)
			kconfig_hash(r->effs[i], r->hashes[i]);
	}
	r->resolve_s = clock_now_s() - t0;
	t0 = clock_now_s();
	npicks = rc ? (r->n >= 2) : verify_sample(r, picks);
	/*
	 * picks[0] is entry 1, started with the batch. The others (at most
	 * VERIFY_MAX - 1) all at once: they take the same time each, and three
	 * on two cores end sooner than a wave of two and a wave of one.
	 */
	for (size_t p = 1; p < npicks; p++)
		recheck_start(&checks[p], j, k, r, picks[p], p);
	for (size_t p = 0; p < npicks; p++)
		rc = recheck_finish(&checks[p], r, log, rc);
	r->recheck_s = clock_now_s() - t0;
	free(driver);
	return rc;
}

/* Resolves every entry: the batch driver when this tree allows it and it agrees with make, else make for all. */
static int resolve_all(struct job *j, const struct kmake *k, struct resolution *r, struct buf *log)
{
	int rc;

	if (j->opts->kconfig_batch) {
		rc = batch_resolve_all(j, k, r, log);
		if (!rc)
			return 0;
		if (job_should_stop(j))
			return err_set(KM_EBUSY, "stopped");
		r->make_reason = xstrdup(err_msg());
		buf_printf(log, "kmatrix: the Kconfig batch driver is not used for this run: %s; "
				"every request is resolved with make olddefconfig\n", err_msg());
		log_warn("job=%ld Kconfig batch not used: %s", j->id, err_msg());
	} else {
		r->make_reason = xstrdup("the worker runs with --kconfig=make");
	}
	r->by_make = true;
	r->nverified = 0;
	{
		double t0 = clock_now_s();

		rc = make_resolve_all(j, k, r, log);
		r->resolve_s = clock_now_s() - t0;
		r->recheck_s = 0;
	}
	return rc;
}

/* The entries' texts and batch files: base + fragment, then each request's values on top, afresh each time. */
static int resolution_init(struct resolution *r, const struct matrix *m, const struct kconfig *base,
			   const json_t *requests, const char *dir)
{
	size_t n = json_array_size(requests) + 1, i;
	json_t *req;
	int rc = fs_mkdirs(dir);

	memset(r, 0, sizeof(*r));
	r->n = n;
	r->texts = xcalloc(n, sizeof(*r->texts));
	r->ins = xcalloc(n, sizeof(*r->ins));
	r->outs = xcalloc(n, sizeof(*r->outs));
	r->effs = xcalloc(n, sizeof(*r->effs));
	r->hashes = xcalloc(n, sizeof(*r->hashes));
	r->texts[0] = kconfig_write(base);
	json_array_foreach(requests, i, req) {
		const char *point = json_string_value(json_object_get(req, "point"));
		struct kconfig *want;

		if (!point || strlen(point) != m->naxes || !json_is_integer(json_object_get(req, "idx")))
			return err_set(KM_EINVAL, "request %zu is malformed", i);
		/* Afresh from base + fragment + values every time: olddefconfig keeps stale selects otherwise. */
		want = kconfig_dup(base);
		for (size_t a = 0; a < m->naxes; a++) {
			char v[2] = { point[a], '\0' };

			kconfig_set(want, m->axes[a].symbol, v);
		}
		r->texts[i + 1] = kconfig_write(want);
		kconfig_free(want);
	}
	for (i = 0; !rc && i < n; i++) {
		r->ins[i] = xasprintf("%s/%zu.in", dir, i);
		r->outs[i] = xasprintf("%s/%zu.config", dir, i);
		rc = fs_write_file(r->ins[i], r->texts[i], strlen(r->texts[i]));
	}
	return rc;
}

/* base.config: the matrix base as Kconfig resolves it without axis values, what the dashboard compares with. */
static void upload_base(struct job *j, const struct kconfig *eff)
{
	char *norm = kconfig_normalize(eff);
	char *path = xasprintf("%s/base.config", j->dir);

	if (fs_write_file(path, norm, strlen(norm)) == 0)
		job_upload(j, "base.config", path);
	free(path);
	free(norm);
}

struct distinct {
	char hash[65];
	char *point;
	char *text;
	json_t *expect; /* insight_explain_expects() */
};

/* The result's configs (one per distinct hash) and requests (the hash each resolved to, and why it was clamped). */
static void collect(const struct resolution *r, const struct matrix *m, const struct kconfig *frag,
		    const json_t *requests, struct insight *insight, struct job_result *result)
{
	struct distinct *configs = xcalloc(r->n, sizeof(*configs));
	json_t *out_configs = json_array(), *out_requests = json_array(), *req;
	size_t nconfigs = 0, i;

	json_array_foreach(requests, i, req) {
		const char *point = json_string_value(json_object_get(req, "point"));
		const struct kconfig *eff = r->effs[i + 1];
		const char *hash = r->hashes[i + 1];
		char *eff_point = matrix_effective_point(m, eff);
		json_t *out;
		size_t c;

		for (c = 0; c < nconfigs && strcmp(configs[c].hash, hash) != 0; c++)
			;
		if (c == nconfigs) {
			snprintf(configs[c].hash, sizeof(configs[c].hash), "%s", hash);
			configs[c].point = xstrdup(eff_point);
			configs[c].text = kconfig_normalize(eff);
			configs[c].expect = insight_explain_expects(insight, m, eff);
			nconfigs++;
		}
		out = json_pack("{s:O,s:s,s:o}", "idx", json_object_get(req, "idx"), "hash", hash, "changed",
				fragment_changes(frag, eff));
		/* Why Kconfig did not give what was asked, in its own terms. */
		if (strcmp(point, eff_point) != 0)
			json_object_set_new(out, "explain", insight_explain_clamps(insight, m, point, eff));
		json_array_append_new(out_requests, out);
		free(eff_point);
	}
	for (size_t c = 0; c < nconfigs; c++) {
		json_array_append_new(out_configs, json_pack("{s:s,s:s,s:s,s:o}", "hash", configs[c].hash, "point",
							     configs[c].point, "text", configs[c].text, "expect",
							     configs[c].expect));
		free(configs[c].point);
		free(configs[c].text);
	}
	free(configs);
	result->configs = out_configs;
	result->requests = out_requests;
}

/* The job's message: how Kconfig was run, in how long and where the time went; also the last line of the log. */
static void report_resolution(const struct job *j, const struct resolution *r, double secs, struct buf *log,
			      struct job_result *result)
{
	const char *method = r->by_make ? "make" : "kconfig-batch";
	char *phases = xasprintf("base %.1f s, resolution %.1f s, re-checks %.1f s, explanations %.1f s", r->base_s,
				 r->resolve_s, r->recheck_s, r->explain_s);
	char *msg = !r->by_make
			    ? xasprintf("%zu requests resolved with one Kconfig parse in %.1f s (%s); %zu re-checked "
					"with make olddefconfig, same hashes",
					r->n - 1, secs, phases, r->nverified)
			    : xasprintf("%zu requests resolved with make olddefconfig in %.1f s (%s); %s", r->n - 1, secs,
					r->make_reason ? r->make_reason : "", phases);

	buf_printf(log, "kmatrix: %s\n", msg);
	log_info("job=%ld configured requests=%zu distinct=%zu method=%s in %.1fs", j->id, r->n - 1,
		 json_array_size(result->configs), method, secs);
	result->message = msg;
	free(phases);
}

/* A refusal by the tree's own Kconfig or Makefile is the kernel's fault: FAIL with its message. */
static void kernel_refused(struct job_result *result)
{
	result->status = STATUS_FAIL;
	result->message = xstrdup(err_msg());
}

int configure_run(struct job *j, struct job_result *result)
{
	const json_t *bundle = j->spec.matrix;
	const json_t *requests = j->spec.requests;
	struct matrix *m = NULL;
	struct kconfig *base = NULL, *frag = NULL;
	struct checkout_info info;
	struct resolution r;
	struct buf log = BUF_INIT(CONFIG_LOG_MAX);
	char *tree_key = NULL, *src = NULL, *cfgdir = NULL, *batchdir = NULL, *log_path = NULL;
	struct kmake k;
	struct insight *insight = NULL;
	double t0, base_s, secs;
	int rc;

	memset(&info, 0, sizeof(info));
	memset(&r, 0, sizeof(r));
	rc = matrix_bundle_parse(bundle, &m);
	if (rc)
		goto done;
	tree_key = job_safe_name(j->spec.tree_name);
	src = worker_tree_dir(j->opts, tree_key);
	cfgdir = xasprintf("%s/kconfig/%s-%s", j->opts->work_dir, tree_key, m->arch);
	batchdir = xasprintf("%s/batch", cfgdir);
	rc = fs_mkdirs(cfgdir);
	if (!rc)
		rc = checkout_tree(j->spec.tree_url, src, j->spec.ref, j->spec.commit, &info);
	if (rc)
		goto done;
	result->commit = xstrdup(info.commit);
	result->subject = info.subject ? xstrdup(info.subject) : NULL;
	result->author_name = info.author_name ? xstrdup(info.author_name) : NULL;
	result->author_email = info.author_email ? xstrdup(info.author_email) : NULL;

	/* The time to resolve, without the checkout (a first clone of a kernel tree is a minute of its own). */
	t0 = clock_now_s();
	memset(&k, 0, sizeof(k));
	k.src = src;
	k.out = cfgdir;
	k.arch = m->arch;
	k.silent = true;
	rc = base_config(j, m, bundle, &k, &log, &base);
	base_s = clock_now_s() - t0;
	if (!rc)
		rc = fragment_config(m, bundle, &frag);
	if (!rc) {
		kconfig_merge(base, frag);
		rc = resolution_init(&r, m, base, requests, batchdir);
		r.base_s = base_s;
	}
	if (!rc)
		rc = resolve_all(j, &k, &r, &log);
	if (rc == KM_EINVAL && !job_should_stop(j)) {
		kernel_refused(result);
		rc = 0;
		goto upload;
	}
	if (rc)
		goto done;
	upload_base(j, r.effs[0]);
	r.explain_s = clock_now_s();
	insight = insight_new(src, m->arch);
	if (insight_check_expects(insight, m) != 0) {
		kernel_refused(result);
		goto upload;
	}
	collect(&r, m, frag, requests, insight, result);
	r.explain_s = clock_now_s() - r.explain_s;
	secs = clock_now_s() - t0;
	result->status = STATUS_PASS;
	report_resolution(j, &r, secs, &log, result);
upload:
	log_path = xasprintf("%s/configure.log", j->dir);
	if (fs_write_file(log_path, buf_cstr(&log), log.len) == 0)
		job_upload(j, "configure.log", log_path);
done:
	resolution_free(&r);
	checkout_info_release(&info);
	insight_free(insight);
	matrix_free(m);
	kconfig_free(base);
	kconfig_free(frag);
	buf_free(&log);
	free(tree_key);
	free(src);
	free(cfgdir);
	free(batchdir);
	free(log_path);
	return rc;
}
