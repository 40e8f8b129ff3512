/* The configure job: resolve every request of a run with the tree's own Kconfig and dedupe the results. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkout.h"
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

static int run_make(struct job *j, const struct kmake *k, const char *target, struct buf *log, double timeout)
{
	const char *targets[] = { target, NULL };
	char **argv = kmake_argv(k, targets);
	struct proc_opts o = { .argv = (const char *const *)argv, .timeout_s = timeout, .on_output = log_output,
			       .ctx = log };
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
		rc = run_make(j, k, m->base, log, (double)j->opts->configure_timeout_s);
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
	json_t *resolver;        /* {"method", "requests", "verified", "reason"?} for the result */
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
	json_decref(r->resolver);
}

/* Kconfig's answer for one entry through `make olddefconfig`, the tree's own way and the reference. */
static int make_resolve(struct job *j, const struct kmake *k, const char *text, struct buf *log,
			struct kconfig **eff)
{
	char *config_path = xasprintf("%s/.config", k->out);
	int rc = fs_write_file(config_path, text, strlen(text));

	*eff = NULL;
	if (!rc)
		rc = run_make(j, k, "olddefconfig", log, (double)j->opts->configure_timeout_s);
	if (!rc)
		rc = kconfig_load(config_path, eff);
	free(config_path);
	return rc;
}

static int make_resolve_all(struct job *j, const struct kmake *k, struct resolution *r, struct buf *log)
{
	for (size_t i = 0; i < r->n; i++) {
		int rc;

		if (job_should_stop(j))
			return err_set(KM_EBUSY, "stopped");
		kconfig_free(r->effs[i]);
		rc = make_resolve(j, k, r->texts[i], log, &r->effs[i]);
		if (rc)
			return rc;
		kconfig_hash(r->effs[i], r->hashes[i]);
	}
	return 0;
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

/* The batch way: one parse for every entry, checked against make on a sample. 0, or why it cannot be trusted. */
static int batch_resolve_all(struct job *j, const struct kmake *k, struct resolution *r, struct buf *log)
{
	char *driver = NULL;
	size_t picks[VERIFY_MAX], npicks;
	json_t *verified = json_array();
	int rc = kresolve_build(k, k->out, log, &driver);

	if (!rc)
		rc = kresolve_run(k, driver, k->out, r->ins, r->outs, r->n, j->opts->make_jobs,
				  (double)j->opts->configure_timeout_s, log);
	for (size_t i = 0; !rc && i < r->n; i++) {
		rc = kconfig_load(r->outs[i], &r->effs[i]);
		if (!rc)
			kconfig_hash(r->effs[i], r->hashes[i]);
	}
	npicks = rc ? 0 : verify_sample(r, picks);
	for (size_t p = 0; !rc && p < npicks; p++) {
		struct kconfig *ref = NULL;
		char hash[65];

		rc = make_resolve(j, k, r->texts[picks[p]], log, &ref);
		if (rc)
			break;
		kconfig_hash(ref, hash);
		kconfig_free(ref);
		if (strcmp(hash, r->hashes[picks[p]]) != 0)
			rc = err_set(KM_EINVAL, "request %zu: make olddefconfig gives %.12s, the batch driver %.12s",
				     picks[p] - 1, hash, r->hashes[picks[p]]);
		json_array_append_new(verified, json_integer((json_int_t)(picks[p] - 1)));
	}
	if (!rc) {
		json_object_set_new(r->resolver, "method", json_string("kconfig-batch"));
		json_object_set(r->resolver, "verified", verified);
	}
	json_decref(verified);
	free(driver);
	return rc;
}

/* Resolves every entry: the batch driver when this tree allows it and it agrees with make, else make for all. */
static int resolve_all(struct job *j, const struct kmake *k, struct resolution *r, struct buf *log)
{
	int rc;

	json_object_set_new(r->resolver, "requests", json_integer((json_int_t)(r->n - 1)));
	if (j->opts->kconfig_batch) {
		rc = batch_resolve_all(j, k, r, log);
		if (!rc)
			return 0;
		if (job_should_stop(j))
			return err_set(KM_EBUSY, "stopped");
		json_object_set_new(r->resolver, "reason", json_string(err_msg()));
		buf_printf(log, "kmatrix: the Kconfig batch driver is not used for this run: %s; "
				"every request is resolved with make olddefconfig\n", err_msg());
		log_warn("job=%ld Kconfig batch not used: %s", j->id, err_msg());
	} else {
		json_object_set_new(r->resolver, "reason", json_string("the worker runs with --kconfig=make"));
	}
	json_object_set_new(r->resolver, "method", json_string("make"));
	json_object_del(r->resolver, "verified");
	return make_resolve_all(j, k, r, log);
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
	r->resolver = json_object();
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
		    const json_t *requests, struct insight *insight, json_t *result)
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
	json_object_set_new(result, "configs", out_configs);
	json_object_set_new(result, "requests", out_requests);
}

/* A refusal by the tree's own Kconfig or Makefile is the kernel's fault: FAIL with its message. */
static void kernel_refused(json_t *result)
{
	json_object_set_new(result, "status", json_string("FAIL"));
	json_object_set_new(result, "message", json_string(err_msg()));
}

int configure_run(struct job *j, json_t *result)
{
	const json_t *spec = j->spec;
	const json_t *bundle = json_object_get(spec, "matrix");
	const json_t *requests = json_object_get(spec, "requests");
	const json_t *tree = json_object_get(spec, "tree");
	struct matrix *m = NULL;
	struct kconfig *base = NULL, *frag = NULL;
	struct checkout_info info;
	struct resolution r;
	struct buf log = BUF_INIT(CONFIG_LOG_MAX);
	char *tree_key = NULL, *src = NULL, *cfgdir = NULL, *batchdir = NULL, *log_path = NULL;
	struct kmake k;
	struct insight *insight = NULL;
	struct timespec t0, t1;
	double secs;
	int rc;

	memset(&info, 0, sizeof(info));
	memset(&r, 0, sizeof(r));
	rc = matrix_bundle_parse(bundle, &m);
	if (rc)
		goto done;
	if (!json_is_array(requests) || !json_is_object(tree)) {
		rc = err_set(KM_EINVAL, "configure job without requests or tree");
		goto done;
	}
	tree_key = job_safe_name(json_string_value(json_object_get(tree, "name")));
	src = worker_tree_dir(j->opts, tree_key);
	cfgdir = xasprintf("%s/kconfig/%s-%s", j->opts->work_dir, tree_key, m->arch);
	batchdir = xasprintf("%s/batch", cfgdir);
	rc = fs_mkdirs(cfgdir);
	if (!rc)
		rc = checkout_tree(json_string_value(json_object_get(tree, "url")), src,
				   json_string_value(json_object_get(spec, "ref")),
				   json_string_value(json_object_get(spec, "commit")), &info);
	if (rc)
		goto done;
	json_object_set_new(result, "commit", json_string(info.commit));
	json_object_set_new(result, "subject", json_string(info.subject));
	json_object_set_new(result, "author_name", json_string(info.author_name));
	json_object_set_new(result, "author_email", json_string(info.author_email));

	/* The time to resolve, without the checkout (a first clone of a kernel tree is a minute of its own). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&k, 0, sizeof(k));
	k.src = src;
	k.out = cfgdir;
	k.arch = m->arch;
	k.silent = true;
	rc = base_config(j, m, bundle, &k, &log, &base);
	if (!rc)
		rc = fragment_config(m, bundle, &frag);
	if (!rc) {
		kconfig_merge(base, frag);
		rc = resolution_init(&r, m, base, requests, batchdir);
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
	insight = insight_new(src, m->arch);
	if (insight_check_expects(insight, m) != 0) {
		kernel_refused(result);
		goto upload;
	}
	collect(&r, m, frag, requests, insight, result);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	json_object_set_new(r.resolver, "seconds", json_real(secs));
	json_object_set_new(result, "status", json_string("PASS"));
	json_object_set(result, "resolver", r.resolver);
	{
		const char *method = json_string_value(json_object_get(r.resolver, "method"));
		const char *reason = json_string_value(json_object_get(r.resolver, "reason"));
		size_t nverified = json_array_size(json_object_get(r.resolver, "verified"));
		char *msg = strcmp(method, "make") != 0
				    ? xasprintf("%zu requests resolved with one Kconfig parse in %.1f s; %zu re-checked "
						"with make olddefconfig, same hashes",
						r.n - 1, secs, nverified)
				    : xasprintf("%zu requests resolved with make olddefconfig in %.1f s (%s)", r.n - 1, secs,
						reason ? reason : "");

		json_object_set_new(result, "message", json_string(msg));
		log_info("job=%ld configured requests=%zu distinct=%zu method=%s in %.1fs", j->id, r.n - 1,
			 json_array_size(json_object_get(result, "configs")), method, secs);
		free(msg);
	}
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
