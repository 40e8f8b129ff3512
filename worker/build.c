/* The build job: one distinct config in the persistent build directory, with ccache, typed errors and artifacts. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "boot_stage.h"
#include "buildlog.h"
#include "checkout.h"
#include "err.h"
#include "fsutil.h"
#include "insight.h"
#include "kconfig.h"
#include "kmake.h"
#include "log.h"
#include "logcap.h"
#include "matrix.h"
#include "metadata.h"
#include "proc.h"
#include "worker.h"
#include "xalloc.h"

struct build_output {
	struct buildlog *scan;
	struct logcap *cap;
	struct job *job;
	bool infra;           /* output names a farm problem: disk full, missing tool, OOM kill */
	char infra_msg[256];
};

/* Lines that mean the machine failed, not the kernel. */
static const char *const infra_markers[] = {
	"No space left on device",
	"Cannot allocate memory",
	"virtual memory exhausted",
	"make: ccache: No such file or directory",
	"ccache: error:",
	"command not found",
	"Killed signal terminated program",
	"fatal error: killed signal",
	NULL,
};

static int on_build_output(void *ctx, const char *data, size_t len)
{
	struct build_output *o = ctx;

	buildlog_feed(o->scan, data, len);
	logcap_write(o->cap, data, len);
	if (!o->infra) {
		for (size_t i = 0; infra_markers[i]; i++) {
			const char *hit = memmem(data, len, infra_markers[i], strlen(infra_markers[i]));

			if (hit) {
				o->infra = true;
				snprintf(o->infra_msg, sizeof(o->infra_msg), "the build machine failed: %s",
					 infra_markers[i]);
				break;
			}
		}
	}
	return job_should_stop(o->job) ? 1 : 0;
}

/* ccache's counters that a build reports. */
struct ccache_stats {
	long hits;          /* direct + preprocessed, whichever storage served them */
	long misses;
	long remote_hits;   /* hits served by the remote storage (--ccache-remote) */
	long remote_errors; /* remote storage unreachable or refusing: ccache goes on without it, silently */
};

static void ccache_counts(struct ccache_stats *st)
{
	const char *argv[] = { "ccache", "--print-stats", NULL };
	char *out = NULL;

	memset(st, 0, sizeof(*st));
	if (proc_capture(argv, NULL, 30, 1024 * 1024, &out) != 0)
		return;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char *tab = strchr(line, '\t');
		long v;

		if (!tab)
			continue;
		*tab = '\0';
		v = strtol(tab + 1, NULL, 10);
		if (strcmp(line, "direct_cache_hit") == 0 || strcmp(line, "preprocessed_cache_hit") == 0)
			st->hits += v;
		else if (strcmp(line, "cache_miss") == 0)
			st->misses += v;
		else if (strcmp(line, "remote_storage_hit") == 0)
			st->remote_hits += v;
		else if (strcmp(line, "remote_storage_error") == 0 ||
			 strcmp(line, "remote_storage_timeout") == 0)
			st->remote_errors += v;
	}
	free(out);
}

static char *reproducer(const json_t *spec, const struct matrix *m, const char *commit, const char *config_text,
			const char *make_line)
{
	const json_t *tree = json_object_get(spec, "tree");
	const char *url = json_string_value(json_object_get(tree, "url"));
	const char *ref = json_string_value(json_object_get(spec, "ref"));
	const json_t *cfg = json_object_get(spec, "config");
	struct buf b = BUF_INIT(8 * 1024 * 1024);

	buf_printf(&b,
		   "#!/bin/sh\n"
		   "# Reproduces kmatrix build job %lld (run %lld, matrix %s, config %s).\n"
		   "# Run it in an empty directory; it needs git, make and the kernel build dependencies.\n"
		   "set -eu\n"
		   "[ -d linux ] || git init -q linux\n"
		   "cd linux\n"
		   "git fetch '%s' '%s'\n"
		   "git checkout -q --detach %s\n"
		   "mkdir -p ../build\n"
		   "cat > ../build/.config <<'KMATRIX_CONFIG'\n%s"
		   "KMATRIX_CONFIG\n"
		   "make O=../build ARCH=%s olddefconfig\n"
		   "make O=../build ARCH=%s -j\"$(nproc)\"",
		   (long long)json_integer_value(json_object_get(spec, "id")),
		   (long long)json_integer_value(json_object_get(spec, "run_id")), m->name,
		   json_string_value(json_object_get(cfg, "hash")), url, ref && strncmp(ref, "refs/", 5) == 0 ? ref : commit,
		   commit, config_text, m->arch, m->arch);
	for (size_t i = 0; i < m->ntargets; i++)
		buf_printf(&b, " %s", m->targets[i]);
	buf_printf(&b, "\n# The farm ran: %s\n", make_line);
	return buf_steal(&b);
}

/* After a passing build with a boot section: install modules and keep the boot inputs for the boot jobs. */
static int stage_boot_inputs(struct job *j, const struct kmake *k, const struct matrix *m, const char *stage)
{
	char *image = xasprintf("%s/%s", k->out, m->image);
	char *dest = xasprintf("%s/kernel.img", stage);
	char *modroot = xasprintf("%s/modroot", stage);
	char *install = xasprintf("INSTALL_MOD_PATH=%s", modroot);
	char *tarball = xasprintf("%s/modules.tar", stage);
	char *vmlinux = xasprintf("%s/vmlinux", k->out), *vmlinux_copy = xasprintf("%s/vmlinux", stage);
	const char *cp[] = { "cp", image, dest, NULL };
	/* Kept beside the image for a boot that fails: decode_stacktrace.sh needs it. */
	const char *cp_vmlinux[] = { "cp", vmlinux, vmlinux_copy, NULL };
	const char *rm[] = { "rm", "-rf", modroot, NULL };
	const char *tar[] = { "tar", "-C", modroot, "-cf", tarball, ".", NULL };
	const char *targets[] = { "modules_install", install, "INSTALL_MOD_STRIP=1", NULL };
	char **argv = NULL;
	bool modules = false;
	int rc;

	for (size_t i = 0; i < m->ntargets; i++)
		modules |= strcmp(m->targets[i], "modules") == 0;
	rc = fs_mkdirs(stage);
	if (!rc)
		rc = proc_run_simple(cp, NULL, 60);
	if (!rc && access(vmlinux, R_OK) == 0)
		rc = proc_run_simple(cp_vmlinux, NULL, 60);
	if (!rc)
		rc = proc_run_simple(rm, NULL, 60);
	if (!rc)
		rc = fs_mkdirs(modroot);
	if (!rc && modules) {
		struct kmake quiet = *k;

		quiet.silent = true;
		argv = kmake_argv(&quiet, targets);
		rc = proc_run_simple((const char *const *)argv, NULL, 600);
	}
	if (!rc)
		rc = proc_run_simple(tar, NULL, 300);
	if (!rc) {
		job_upload(j, "kernel.img", dest);
		job_upload(j, "modules.tar", tarball);
	}
	kmake_argv_free(argv);
	free(image);
	free(vmlinux);
	free(vmlinux_copy);
	free(dest);
	free(modroot);
	free(install);
	free(tarball);
	return rc;
}

static bool build_should_stop(void *ctx)
{
	return job_should_stop(((struct build_output *)ctx)->job);
}

static int run_logged(struct job *j, const struct kmake *k, const char *const *targets, const char *const *env,
		      struct build_output *o, struct proc_result *pr)
{
	char **argv = kmake_argv(k, targets);
	struct proc_opts po;
	int rc;

	memset(&po, 0, sizeof(po));
	po.argv = (const char *const *)argv;
	po.env = env;
	po.timeout_s = (double)j->opts->build_timeout_s;
	po.on_output = on_build_output;
	po.should_stop = build_should_stop;
	po.ctx = o;
	rc = proc_run(&po, pr);
	kmake_argv_free(argv);
	return rc;
}

/* Attaches a built-in-calls-module diagnosis to each undefined reference of a failed link. */
static void add_diagnoses(json_t *errors, const struct buildlog *scan, const char *src, const char *out,
			  const char *arch, const char *config_text)
{
	struct insight *in = NULL;
	struct kconfig *eff = NULL;

	if (kconfig_parse(config_text, strlen(config_text), &eff) != 0)
		return;
	for (size_t i = 0; i < buildlog_error_count(scan) && i < json_array_size(errors); i++) {
		const struct buildlog_error *e = buildlog_error_at(scan, i);
		json_t *d;

		if (e->secondary || strcmp(e->type, "ld-undefined") != 0)
			continue;
		if (!in)
			in = insight_new(src, arch);
		d = insight_diagnose(in, out, eff, e);
		if (d)
			json_object_set_new(json_array_get(errors, i), "diagnosis", d);
	}
	insight_free(in);
	kconfig_free(eff);
}

static void add_timestamp(char *out, size_t size, int64_t when)
{
	time_t t = (time_t)when;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%a %b %e %H:%M:%S UTC %Y", &tm);
}

int build_run(struct job *j, json_t *result)
{
	const json_t *spec = j->spec;
	const json_t *tree = json_object_get(spec, "tree");
	const json_t *cfg = json_object_get(spec, "config");
	const char *config_text = json_string_value(json_object_get(cfg, "text"));
	const char *commit = json_string_value(json_object_get(spec, "commit"));
	struct matrix *m = NULL;
	struct checkout_info info;
	struct build_output o;
	struct kmake k;
	struct proc_result pr;
	char *tree_key = NULL, *matrix_key = NULL, *src = NULL, *out = NULL, *config_path = NULL;
	char *log_path = NULL, *repro_path = NULL, *repro = NULL, *make_line = NULL, *final_config = NULL;
	char *symvers = NULL, *stage = NULL, *cc = NULL, *md_path = NULL;
	json_t *md = NULL;
	const char **targets = NULL;
	char stamp[64];
	struct ccache_stats cc0, cc1;
	unsigned long long total = 0, stored = 0;
	const char *status;
	char message[512] = "";
	const struct buildlog_error *first_primary = NULL;
	size_t nprimary = 0;
	int rc;

	memset(&info, 0, sizeof(info));
	memset(&o, 0, sizeof(o));
	rc = matrix_bundle_parse(json_object_get(spec, "matrix"), &m);
	if (rc)
		goto done;
	if (!config_text || !commit) {
		rc = err_set(KM_EINVAL, "build job without a config or a commit");
		goto done;
	}
	tree_key = job_safe_name(json_string_value(json_object_get(tree, "name")));
	matrix_key = job_safe_name(m->name);
	src = worker_tree_dir(j->opts, tree_key);
	/* One persistent build directory per tree, arch and matrix: Kbuild rebuilds only what a config change touches. */
	out = worker_build_dir(j->opts, tree_key, m->arch, matrix_key);
	config_path = xasprintf("%s/.config", out);
	rc = fs_mkdirs(out);
	if (!rc)
		rc = checkout_tree(json_string_value(json_object_get(tree, "url")), src,
				   json_string_value(json_object_get(spec, "ref")), commit, &info);
	if (rc)
		goto done;

	memset(&k, 0, sizeof(k));
	k.src = src;
	k.out = out;
	k.arch = m->arch;
	cc = xstrdup("ccache gcc");
	k.cc = cc;
	k.jobs = j->opts->make_jobs;
	add_timestamp(stamp, sizeof(stamp), info.time);
	k.timestamp = stamp;
	targets = xcalloc(m->ntargets + 1, sizeof(*targets));
	for (size_t i = 0; i < m->ntargets; i++)
		targets[i] = m->targets[i];
	make_line = kmake_command(&k, targets);

	/* The reproducer exists before the build starts, whatever happens next. */
	repro = reproducer(spec, m, info.commit, config_text, make_line);
	repro_path = xasprintf("%s/reproducer.sh", j->dir);
	rc = fs_write_file(repro_path, repro, strlen(repro));
	if (!rc) {
		chmod(repro_path, 0755);
		job_upload(j, "reproducer.sh", repro_path);
		rc = fs_write_file(config_path, config_text, strlen(config_text));
	}
	if (rc)
		goto done;

	log_path = xasprintf("%s/build.log", j->dir);
	rc = logcap_open(log_path, 4u << 20, 4u << 20, 8u << 20, &o.cap);
	if (rc)
		goto done;
	o.scan = buildlog_new();
	o.job = j;
	ccache_counts(&cc0);
	{
		/* Paths under the work dir hash as relative ones: another worker directory can hit. */
		char *basedir_env = xasprintf("CCACHE_BASEDIR=%s", j->opts->work_dir);
		const char *env[] = { basedir_env, "CCACHE_NOHASHDIR=1", NULL };
		struct metadata_start ms = { m, &k, env, json_string_value(json_object_get(tree, "url")),
					     json_string_value(json_object_get(spec, "ref")), info.commit, j->id,
					     (long)json_integer_value(json_object_get(spec, "run_id")) };

		/* metadata.json's build group is on disk (and on the server) before make starts: it survives a kill. */
		md = metadata_start(&ms);
		md_path = xasprintf("%s/metadata.json", j->dir);
		if (metadata_write(md, md_path) == 0)
			job_upload(j, "metadata.json", md_path);

		/*
		 * No olddefconfig first: the build targets run syncconfig on the new
		 * .config anyway, which resolves it the same way, so a separate call
		 * would only parse the tree's Kconfig a second time.
		 */
		rc = run_logged(j, &k, targets, env, &o, &pr);
		free(basedir_env);
	}
	buildlog_finish(o.scan);
	logcap_close(o.cap, &total, &stored);
	o.cap = NULL;
	ccache_counts(&cc1);
	if (rc)
		goto done;

	for (size_t i = 0; i < buildlog_error_count(o.scan); i++) {
		if (buildlog_error_at(o.scan, i)->secondary)
			continue;
		if (!nprimary++)
			first_primary = buildlog_error_at(o.scan, i);
	}
	if (job_should_stop(j)) {
		rc = err_set(KM_EBUSY, "the build was stopped");
		goto done;
	} else if (pr.timed_out) {
		status = "ERROR";
		snprintf(message, sizeof(message), "build timed out after %ld s and was killed", j->opts->build_timeout_s);
		json_object_set_new(result, "retryable", json_true());
	} else if (pr.exit_code == 0) {
		status = "PASS";
	} else if (o.infra) {
		status = "ERROR";
		snprintf(message, sizeof(message), "%s", o.infra_msg);
		json_object_set_new(result, "retryable", json_true());
	} else if (pr.exit_code < 0 || pr.term_signal) {
		status = "ERROR";
		snprintf(message, sizeof(message), "make was killed by signal %d", pr.term_signal);
		json_object_set_new(result, "retryable", json_true());
	} else {
		status = "FAIL";
		if (nprimary)
			snprintf(message, sizeof(message), "%zu error%s: %s", nprimary, nprimary == 1 ? "" : "s",
				 first_primary->message);
		else
			snprintf(message, sizeof(message), "make exited with status %d", pr.exit_code);
	}

	final_config = xasprintf("%s/config", j->dir);
	{
		const char *cp[] = { "cp", config_path, final_config, NULL };

		if (proc_run_simple(cp, NULL, 30) == 0)
			job_upload(j, "config", final_config);
	}
	job_upload(j, "build.log", log_path);
	{
		struct metadata_result mr = { status, pr.wall_s, pr.cpu_s, (long)nprimary,
					      (long)buildlog_warning_count(o.scan), cc1.hits - cc0.hits,
					      cc1.misses - cc0.misses, out };

		metadata_finish(md, &mr);
		if (metadata_write(md, md_path) == 0)
			job_upload(j, "metadata.json", md_path);
	}
	symvers = xasprintf("%s/Module.symvers", out);
	if (strcmp(status, "PASS") == 0)
		job_upload(j, "module.symvers", symvers);
	/*
	 * A build's boots, or a boot bisection's step, need its boot inputs; a
	 * step of a signature's bisection only answers whether the build shows it.
	 */
	if (strcmp(status, "PASS") == 0 && m->boot &&
	    (strcmp(j->kind, "build") == 0 || json_object_get(json_object_get(spec, "bisect"), "boot"))) {
		stage = boot_stage_dir(j->opts, j->id);
		rc = stage_boot_inputs(j, &k, m, stage);
		boot_stage_prune(j->opts, j->opts->boot_stages);
		json_object_set_new(result, "modules", boot_stage_modules(out));
		if (rc) {
			status = "ERROR";
			snprintf(message, sizeof(message), "could not stage boot inputs: %s", err_msg());
			json_object_set_new(result, "retryable", json_true());
			rc = 0;
		}
	}

	json_object_set_new(result, "status", json_string(status));
	if (*message)
		json_object_set_new(result, "message", json_string(message));
	json_object_set_new(result, "wall_s", json_real(pr.wall_s));
	json_object_set_new(result, "cpu_s", json_real(pr.cpu_s));
	json_object_set_new(result, "ccache",
			    json_pack("{s:i,s:i,s:i}", "hits", (json_int_t)(cc1.hits - cc0.hits), "misses",
				      (json_int_t)(cc1.misses - cc0.misses), "remote_hits",
				      (json_int_t)(cc1.remote_hits - cc0.remote_hits)));
	log_info("job=%ld ccache hits=%ld misses=%ld remote_hits=%ld", j->id, cc1.hits - cc0.hits,
		 cc1.misses - cc0.misses, cc1.remote_hits - cc0.remote_hits);
	if (cc1.remote_errors > cc0.remote_errors)
		log_warn("job=%ld ccache remote storage failed %ld times: check --ccache-remote", j->id,
			 cc1.remote_errors - cc0.remote_errors);
	json_object_set_new(result, "warnings", json_integer((json_int_t)buildlog_warning_count(o.scan)));
	json_object_set_new(result, "log_lines", json_integer((json_int_t)buildlog_line_count(o.scan)));
	json_object_set_new(result, "make_cmd", json_string(make_line));
	json_object_set_new(result, "errors", buildlog_errors_json(o.scan));
	if (strcmp(status, "FAIL") == 0)
		add_diagnoses(json_object_get(result, "errors"), o.scan, src, out, m->arch, config_text);
done:
	if (o.cap)
		logcap_close(o.cap, &total, &stored);
	buildlog_free(o.scan);
	checkout_info_release(&info);
	matrix_free(m);
	free(targets);
	free(tree_key);
	free(matrix_key);
	free(src);
	free(out);
	free(config_path);
	free(log_path);
	free(repro_path);
	free(repro);
	free(make_line);
	free(final_config);
	free(symvers);
	free(stage);
	free(cc);
	free(md_path);
	json_decref(md);
	return rc;
}
