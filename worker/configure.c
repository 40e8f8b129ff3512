/* The configure job: resolve every request of a run with the tree's own Kconfig and dedupe the results. */
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
#include "log.h"
#include "matrix.h"
#include "proc.h"
#include "worker.h"
#include "xalloc.h"

#define CONFIG_LOG_MAX (4 * 1024 * 1024)

struct resolved {
	char hash[65];
	char *point;
	char *text;
};

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

/*
 * The matrix base as Kconfig resolves it without any axis value (base +
 * fragment, olddefconfig), uploaded as base.config: what the dashboard
 * compares every config of the run with.
 */
static int resolve_base(struct job *j, const struct kmake *k, const struct kconfig *base, const char *config_path,
			struct buf *log)
{
	char *text = kconfig_write(base), *norm, *path;
	struct kconfig *eff = NULL;
	int rc = fs_write_file(config_path, text, strlen(text));

	free(text);
	if (!rc)
		rc = run_make(j, k, "olddefconfig", log, (double)j->opts->configure_timeout_s);
	if (!rc)
		rc = kconfig_load(config_path, &eff);
	if (rc)
		return rc;
	norm = kconfig_normalize(eff);
	path = xasprintf("%s/base.config", j->dir);
	if (fs_write_file(path, norm, strlen(norm)) == 0)
		job_upload(j, "base.config", path);
	free(path);
	free(norm);
	kconfig_free(eff);
	return 0;
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

int configure_run(struct job *j, json_t *result)
{
	const json_t *spec = j->spec;
	const json_t *bundle = json_object_get(spec, "matrix");
	const json_t *requests = json_object_get(spec, "requests");
	const json_t *tree = json_object_get(spec, "tree");
	const char *commit = json_string_value(json_object_get(spec, "commit"));
	const char *ref = json_string_value(json_object_get(spec, "ref"));
	struct matrix *m = NULL;
	struct kconfig *base = NULL, *frag = NULL;
	struct checkout_info info;
	struct resolved *configs = NULL;
	size_t nconfigs = 0;
	struct buf log = BUF_INIT(CONFIG_LOG_MAX);
	json_t *out_configs = json_array(), *out_requests = json_array();
	char *tree_key = NULL, *src = NULL, *cfgdir = NULL, *config_path = NULL, *log_path = NULL;
	struct kmake k;
	struct insight *insight = NULL;
	size_t i;
	json_t *req;
	struct timespec t0, t1;
	int rc;

	memset(&info, 0, sizeof(info));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = matrix_bundle_parse(bundle, &m);
	if (rc)
		goto done;
	if (!json_is_array(requests) || !json_is_object(tree)) {
		rc = err_set(KM_EINVAL, "configure job without requests or tree");
		goto done;
	}
	tree_key = job_safe_name(json_string_value(json_object_get(tree, "name")));
	src = xasprintf("%s/trees/%s", j->opts->work_dir, tree_key);
	cfgdir = xasprintf("%s/kconfig/%s-%s", j->opts->work_dir, tree_key, m->arch);
	config_path = xasprintf("%s/.config", cfgdir);
	rc = fs_mkdirs(cfgdir);
	if (!rc)
		rc = checkout_tree(json_string_value(json_object_get(tree, "url")), src, ref, commit, &info);
	if (rc)
		goto done;
	json_object_set_new(result, "commit", json_string(info.commit));
	json_object_set_new(result, "subject", json_string(info.subject));
	json_object_set_new(result, "author_name", json_string(info.author_name));
	json_object_set_new(result, "author_email", json_string(info.author_email));

	memset(&k, 0, sizeof(k));
	k.src = src;
	k.out = cfgdir;
	k.arch = m->arch;
	k.silent = true;
	rc = base_config(j, m, bundle, &k, &log, &base);
	if (rc == KM_EINVAL) {
		/* The tree's own Kconfig or Makefile refused: the kernel's fault. */
		json_object_set_new(result, "status", json_string("FAIL"));
		json_object_set_new(result, "message", json_string(err_msg()));
		rc = 0;
		goto upload;
	}
	if (!rc)
		rc = fragment_config(m, bundle, &frag);
	if (rc)
		goto done;
	kconfig_merge(base, frag);
	rc = resolve_base(j, &k, base, config_path, &log);
	if (rc == KM_EINVAL) {
		json_object_set_new(result, "status", json_string("FAIL"));
		json_object_set_new(result, "message", json_string(err_msg()));
		rc = 0;
		goto upload;
	}
	if (rc)
		goto done;
	insight = insight_new(src, m->arch);

	json_array_foreach(requests, i, req) {
		const char *point = json_string_value(json_object_get(req, "point"));
		json_t *idx = json_object_get(req, "idx");
		struct kconfig *want = NULL, *eff = NULL;
		char *text, *eff_point, hash[65];
		size_t c;

		if (job_should_stop(j)) {
			rc = err_set(KM_EBUSY, "stopped");
			goto done;
		}
		if (!point || strlen(point) != m->naxes || !json_is_integer(idx)) {
			rc = err_set(KM_EINVAL, "request %zu is malformed", i);
			goto done;
		}
		/* Afresh from base + fragment + values every time: olddefconfig keeps stale selects otherwise. */
		want = kconfig_dup(base);
		for (size_t a = 0; a < m->naxes; a++) {
			char v[2] = { point[a], '\0' };

			kconfig_set(want, m->axes[a].symbol, v);
		}
		text = kconfig_write(want);
		rc = fs_write_file(config_path, text, strlen(text));
		free(text);
		kconfig_free(want);
		if (!rc)
			rc = run_make(j, &k, "olddefconfig", &log, (double)j->opts->configure_timeout_s);
		if (rc == KM_EINVAL) {
			json_object_set_new(result, "status", json_string("FAIL"));
			json_object_set_new(result, "message", json_string(err_msg()));
			rc = 0;
			goto upload;
		}
		if (!rc)
			rc = kconfig_load(config_path, &eff);
		if (rc)
			goto done;
		kconfig_hash(eff, hash);
		eff_point = kconfig_effective_point(m, eff);
		for (c = 0; c < nconfigs; c++) {
			if (strcmp(configs[c].hash, hash) == 0)
				break;
		}
		if (c == nconfigs) {
			configs = xrealloc(configs, (nconfigs + 1) * sizeof(*configs));
			snprintf(configs[c].hash, sizeof(configs[c].hash), "%s", hash);
			configs[c].point = xstrdup(eff_point);
			configs[c].text = kconfig_normalize(eff);
			nconfigs++;
		}
		{
			json_t *r = json_pack("{s:O,s:s,s:o}", "idx", idx, "hash", hash, "changed",
					      fragment_changes(frag, eff));

			/* Why Kconfig did not give what was asked, in its own terms. */
			if (strcmp(point, eff_point) != 0)
				json_object_set_new(r, "explain", insight_explain_clamps(insight, m, point, eff));
			json_array_append_new(out_requests, r);
		}
		free(eff_point);
		kconfig_free(eff);
	}
	for (size_t c = 0; c < nconfigs; c++)
		json_array_append_new(out_configs, json_pack("{s:s,s:s,s:s}", "hash", configs[c].hash, "point",
							     configs[c].point, "text", configs[c].text));
	json_object_set_new(result, "status", json_string("PASS"));
	json_object_set(result, "configs", out_configs);
	json_object_set(result, "requests", out_requests);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("job=%ld configured requests=%zu distinct=%zu in %.1fs", j->id, json_array_size(requests), nconfigs,
		 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
upload:
	log_path = xasprintf("%s/configure.log", j->dir);
	if (fs_write_file(log_path, buf_cstr(&log), log.len) == 0)
		job_upload(j, "configure.log", log_path);
done:
	for (size_t c = 0; c < nconfigs; c++) {
		free(configs[c].point);
		free(configs[c].text);
	}
	free(configs);
	json_decref(out_configs);
	json_decref(out_requests);
	checkout_info_release(&info);
	insight_free(insight);
	matrix_free(m);
	kconfig_free(base);
	kconfig_free(frag);
	buf_free(&log);
	free(tree_key);
	free(src);
	free(cfgdir);
	free(config_path);
	free(log_path);
	return rc;
}
