/* The build job: one distinct config in its own persistent build directory, with ccache, typed errors and artifacts. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "boot_stage.h"
#include "build_deps.h"
#include "build_dirs.h"
#include "buildlog.h"
#include "checkout.h"
#include "clock.h"
#include "err.h"
#include "fsutil.h"
#include "insight.h"
#include "jobtypes.h"
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

static char *reproducer(const struct job_spec *spec, const struct matrix *m, const char *commit,
			const char *config_text, const char *make_line)
{
	const char *url = spec->tree_url, *ref = spec->ref;
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
		   (long long)spec->id, (long long)spec->run_id, m->name, spec->config.hash, url,
		   ref && strncmp(ref, "refs/", 5) == 0 ? ref : commit,
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

/* One build job's state, from its payload to its result; build_run() goes through it in steps. */
struct build {
	struct job *job;
	const char *config_text, *commit;
	struct matrix *m;
	struct checkout_info info;
	struct build_output o;
	struct kmake k;
	struct proc_result pr;
	char *src, *out, *config_path, *log_path, *make_line, *cc, *md_path;
	char *seeded_from; /* the build directory this config's new one was copied from, or NULL */
	long unchanged_since; /* the passing build in this directory that read none of the files changed since */
	char made_at[41];     /* that build's commit */
	char *made_with;      /* the toolchain and make command, as build_dir_made() records them */
	char *made_log;       /* that build's kept log when make need not run again, else NULL */
	json_t *md;
	const char **targets;
	char stamp[64];
	struct ccache_stats cc0, cc1;
	const char *status;
	char message[512];
	size_t nprimary;
	const struct buildlog_error *first_primary;
};

static void build_release(struct build *b)
{
	unsigned long long total = 0, stored = 0;

	if (b->o.cap)
		logcap_close(b->o.cap, &total, &stored);
	buildlog_free(b->o.scan);
	checkout_info_release(&b->info);
	matrix_free(b->m);
	free(b->targets);
	free(b->src);
	free(b->out);
	free(b->seeded_from);
	free(b->config_path);
	free(b->log_path);
	free(b->make_line);
	free(b->cc);
	free(b->md_path);
	free(b->made_with);
	free(b->made_log);
	json_decref(b->md);
}

/* The first line `TOOL --version` prints, or NULL when the tool cannot say (see made_with()). */
static char *tool_version(const char *tool)
{
	const char *argv[] = { tool, "--version", NULL };
	char *out = NULL;

	if (proc_capture(argv, NULL, 30, 64 * 1024, &out) != 0 || !out || !*out) {
		err_clear();
		free(out);
		return NULL;
	}
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/*
 * What a build directory's objects are made with: the compiler and linker
 * (as the kernel's own CC_VERSION_TEXT tells them apart) and the make
 * command without its timestamp and -j. NULL when a version cannot be read:
 * then make always runs.
 */
static char *made_with(const struct build *b)
{
	struct kmake k = b->k;
	char *cc = tool_version("gcc"), *ld = tool_version("ld"), *cmd, *with = NULL;

	k.timestamp = NULL;
	k.jobs = 0;
	cmd = kmake_command(&k, b->targets);
	if (cc && ld)
		with = xasprintf("make: %s\ncc: %s\nld: %s\n", cmd, cc, ld);
	free(cmd);
	free(cc);
	free(ld);
	return with;
}

#define CHANGED_FILES_MAX 256 /* a bigger change is taken as touching every build */

/*
 * Whether the passing build the config's own directory holds read none of
 * the files that differ between its commit and this one: then this build
 * makes the same objects (only the kernel's version string is new), make
 * need not run when the toolchain and make command are the same, and the
 * server may take that build's boots for this one's. Only plain sources may
 * differ (build_deps_plain_source), added, modified or deleted, not renamed;
 * the same commit built again boots again.
 */
static void note_previous_build(struct build *b)
{
	struct build_dir_last last;
	struct checkout_change *changes = NULL;
	struct build_deps_change *paths = NULL;
	size_t n = 0;
	long read = -1;
	bool plain = true;

	if (build_dir_last_build(b->out, &last) != 0 || !job_status_is(last.status, STATUS_PASS)) {
		err_clear();
		return;
	}
	/* A run of the same commit again is a request to boot again (a flaky boot is checked that way). */
	if (strcmp(last.commit, b->info.commit) == 0)
		return;
	if (checkout_changed_files(b->src, last.commit, b->info.commit, CHANGED_FILES_MAX, &changes, &n) != 0) {
		log_info("job=%ld boots run again: %s", b->job->id, err_msg());
		err_clear();
		return;
	}
	paths = xcalloc(n + 1, sizeof(*paths));
	for (size_t i = 0; i < n; i++) {
		paths[i].path = changes[i].path;
		paths[i].added = changes[i].status == 'A';
		paths[i].removed = changes[i].status == 'D';
		plain &= strchr("AMD", changes[i].status) && build_deps_plain_source(paths[i].path);
	}
	if (plain && build_deps_find(b->out, b->src, paths, n, &read) == 0 && read < 0) {
		b->unchanged_since = last.job_id;
		snprintf(b->made_at, sizeof(b->made_at), "%s", last.commit);
	} else if (!plain) {
		log_info("job=%ld builds and boots again: the change is not in plain sources only", b->job->id);
	} else if (read >= 0) {
		log_info("job=%ld builds and boots again: build job %ld read %s, which changed", b->job->id,
			 last.job_id, paths[read].path);
	}
	err_clear();
	free(paths);
	checkout_changes_free(changes, n);
}

/* A passing build whose directory's previous build read none of the changed files: the same kernel. */
static void note_unchanged(struct build *b, struct job_result *result)
{
	if (!b->unchanged_since || !job_status_is(b->status, STATUS_PASS))
		return;
	result->unchanged_since = b->unchanged_since;
	log_info("job=%ld read no changed file since build job %ld", b->job->id, b->unchanged_since);
}

/* Checks out the commit, writes the reproducer (before anything can fail later) and the .config. */
static int build_prepare(struct build *b)
{
	struct job *j = b->job;
	const struct job_spec *spec = &j->spec;
	char *tree_key = NULL, *matrix_key = NULL, *repro = NULL, *repro_path = NULL;
	int rc = matrix_bundle_parse(spec->matrix, &b->m);

	if (rc)
		return rc;
	if (!b->config_text || !b->commit)
		return err_set(KM_EINVAL, "build job without a config or a commit");
	tree_key = job_safe_name(spec->tree_name);
	matrix_key = job_safe_name(b->m->name);
	b->src = worker_tree_dir(j->opts, tree_key);
	rc = build_dir_open(j->opts, tree_key, b->m->arch, matrix_key,
			    spec->config.hash, &b->out,
			    &b->seeded_from);
	free(tree_key);
	free(matrix_key);
	if (rc)
		return rc;
	b->config_path = xasprintf("%s/.config", b->out);
	if (b->seeded_from)
		log_info("job=%ld build directory %s goes on from config %s (kept aside)", j->id, b->out, b->seeded_from);
	rc = checkout_tree(spec->tree_url, b->src, spec->ref, b->commit, &b->info);
	if (rc)
		return rc;
	if (!b->seeded_from)
		note_previous_build(b);

	b->k.src = b->src;
	b->k.out = b->out;
	b->k.arch = b->m->arch;
	b->cc = xstrdup("ccache gcc");
	b->k.cc = b->cc;
	b->k.jobs = j->opts->make_jobs;
	add_timestamp(b->stamp, sizeof(b->stamp), b->info.time);
	b->k.timestamp = b->stamp;
	b->targets = xcalloc(b->m->ntargets + 1, sizeof(*b->targets));
	for (size_t i = 0; i < b->m->ntargets; i++)
		b->targets[i] = b->m->targets[i];
	b->make_line = kmake_command(&b->k, b->targets);
	b->made_with = made_with(b);
	if (b->unchanged_since && b->made_with)
		b->made_log = build_dir_made_log(b->out, b->made_with);
	if (b->unchanged_since && !b->made_log) {
		/* Another compiler makes other objects from the same files: not the same kernel. */
		log_info("job=%ld builds and boots again: build job %ld made its objects with another toolchain or"
			 " make command", j->id, b->unchanged_since);
		b->unchanged_since = 0;
	}

	repro = reproducer(spec, b->m, b->info.commit, b->config_text, b->make_line);
	repro_path = xasprintf("%s/reproducer.sh", j->dir);
	rc = fs_write_file(repro_path, repro, strlen(repro));
	if (!rc) {
		chmod(repro_path, 0755);
		job_upload(j, "reproducer.sh", repro_path);
		rc = build_dir_write_if_changed(b->config_path, b->config_text);
	}
	free(repro);
	free(repro_path);
	return rc;
}

/*
 * Whether Kbuild never configured the build directory, so that make compiles
 * everything. Such a build runs ccache in depend mode: a miss costs no
 * preprocessor run (bench/ccache-first-build.sh: a cold build from an empty
 * cache took 0.99x the time of one without ccache, against 1.48x in
 * preprocessor mode). A build that goes on from a directory keeps
 * preprocessor mode: what it recompiles after a config change often
 * preprocesses to what another config compiled, a hit depend mode cannot see.
 */
static bool build_starts_empty(const struct build *b)
{
	char *autoconf = xasprintf("%s/include/config/auto.conf", b->out);
	bool empty = access(autoconf, F_OK) != 0;

	free(autoconf);
	return empty;
}

/*
 * Instead of make, for a config whose directory's objects read none of the
 * changed files and were made with the same toolchain and command: the kept
 * log of the make that made them is scanned again (the same warnings), under
 * a line that says so. Only the kernel's version string (the commit's
 * timestamp) would have differed.
 */
static int replay_made(struct build *b)
{
	char *text = NULL, *head;
	size_t len = 0;
	int rc = fs_read_file(b->made_log, 64u << 20, &text, &len);

	if (rc)
		return rc;
	/*
	 * The stamp names the directory's last build, which may itself have
	 * skipped make: its objects are the directory's, not always its own make's.
	 */
	head = xasprintf("kmatrix: make was not run. This directory holds the objects of build job %ld (commit %.12s),"
			 " made with the same toolchain and make command; they read none of the files changed since,"
			 " so only the kernel's version string would differ. The log of the make that made them"
			 " follows.\n",
			 b->unchanged_since, b->made_at);
	on_build_output(&b->o, head, strlen(head));
	on_build_output(&b->o, text, len);
	b->pr.exit_code = 0;
	/* The commit names the objects on any server; the job id is the one this worker's stamp names. */
	snprintf(b->message, sizeof(b->message), "not built again: the objects of build job %ld (commit %.12s) stand",
		 b->unchanged_since, b->made_at);
	free(head);
	free(text);
	return 0;
}

/* After a make that succeeded: what the directory's objects were made with, and the log, for a later build. */
static void keep_made(struct build *b)
{
	const struct proc_result *pr = &b->pr;

	if (!b->made_with || pr->exit_code != 0 || pr->timed_out || pr->term_signal || b->o.infra)
		return;
	if (build_dir_made(b->out, b->made_with, b->log_path) != 0) {
		log_warn("job=%ld %s: the next build of this config runs make whatever changed", b->job->id, err_msg());
		err_clear();
	}
}

/* Runs make on the build targets, its output captured, scanned for errors and counted by ccache. */
static int build_make(struct build *b)
{
	struct job *j = b->job;
	/* Paths under the work dir hash as relative ones: another worker directory can hit. */
	char *basedir_env = xasprintf("CCACHE_BASEDIR=%s", j->opts->work_dir);
	const char *env[] = { basedir_env, "CCACHE_NOHASHDIR=1", build_starts_empty(b) ? "CCACHE_DEPEND=1" : NULL,
			      NULL };
	const struct job_spec *spec = &j->spec;
	unsigned long long total = 0, stored = 0;
	int rc;

	b->log_path = xasprintf("%s/build.log", j->dir);
	rc = logcap_open(b->log_path, 4u << 20, 4u << 20, 8u << 20, &b->o.cap);
	if (rc) {
		free(basedir_env);
		return rc;
	}
	b->o.scan = buildlog_new();
	b->o.job = j;
	{
		struct metadata_start ms = { b->m, &b->k, env, spec->tree_url, spec->ref, b->info.commit, j->id,
					     spec->run_id };

		/* metadata.json's build group is on disk (and on the server) before make starts: it survives a kill. */
		b->md = metadata_start(&ms);
		b->md_path = xasprintf("%s/metadata.json", j->dir);
		if (metadata_write(b->md, b->md_path) == 0)
			job_upload(j, "metadata.json", b->md_path);
	}
	/*
	 * No olddefconfig first: the build targets run syncconfig on the new
	 * .config anyway, which resolves it the same way, so a separate call
	 * would only parse the tree's Kconfig a second time.
	 */
	if (b->made_log && replay_made(b) == 0) {
		log_info("job=%ld make not run: the objects of build job %ld stand", j->id, b->unchanged_since);
	} else {
		err_clear();
		free(b->made_log);
		b->made_log = NULL;
		ccache_counts(&b->cc0);
		build_dir_unmade(b->out);
		rc = run_logged(j, &b->k, b->targets, env, &b->o, &b->pr);
		ccache_counts(&b->cc1);
	}
	free(basedir_env);
	buildlog_finish(b->o.scan);
	logcap_close(b->o.cap, &total, &stored);
	b->o.cap = NULL;
	if (!rc && !b->made_log)
		keep_made(b);
	for (size_t i = 0; i < buildlog_error_count(b->o.scan); i++) {
		if (buildlog_error_at(b->o.scan, i)->secondary)
			continue;
		if (!b->nprimary++)
			b->first_primary = buildlog_error_at(b->o.scan, i);
	}
	return rc;
}

/* PASS, FAIL (the kernel's) or ERROR (the farm's, retryable) from how make ended and what it printed. */
static int build_judge(struct build *b, struct job_result *result)
{
	const struct proc_result *pr = &b->pr;

	if (job_should_stop(b->job))
		return err_set(KM_EBUSY, "the build was stopped");
	if (pr->timed_out) {
		b->status = "ERROR";
		snprintf(b->message, sizeof(b->message), "build timed out after %ld s and was killed",
			 b->job->opts->build_timeout_s);
		result->retryable = true;
	} else if (pr->exit_code == 0) {
		b->status = "PASS";
	} else if (b->o.infra) {
		b->status = "ERROR";
		snprintf(b->message, sizeof(b->message), "%s", b->o.infra_msg);
		result->retryable = true;
	} else if (pr->exit_code < 0 || pr->term_signal) {
		b->status = "ERROR";
		snprintf(b->message, sizeof(b->message), "make was killed by signal %d", pr->term_signal);
		result->retryable = true;
	} else {
		b->status = "FAIL";
		if (b->nprimary)
			snprintf(b->message, sizeof(b->message), "%zu error%s: %s", b->nprimary,
				 b->nprimary == 1 ? "" : "s", b->first_primary->message);
		else
			snprintf(b->message, sizeof(b->message), "make exited with status %d", pr->exit_code);
	}
	return 0;
}

/* Uploads the config, log, metadata and symbols; stages the boot inputs a passing build's boots need. */
static void build_keep_outputs(struct build *b, struct job_result *result)
{
	struct job *j = b->job;
	char *final_config = xasprintf("%s/config", j->dir);
	char *symvers = xasprintf("%s/Module.symvers", b->out);
	const char *cp[] = { "cp", b->config_path, final_config, NULL };
	struct metadata_result mr = { b->status, b->pr.wall_s, b->pr.cpu_s, (long)b->nprimary,
				      (long)buildlog_warning_count(b->o.scan), b->cc1.hits - b->cc0.hits,
				      b->cc1.misses - b->cc0.misses, b->out };

	if (proc_run_simple(cp, NULL, 30) == 0)
		job_upload(j, "config", final_config);
	job_upload(j, "build.log", b->log_path);
	metadata_finish(b->md, &mr);
	if (metadata_write(b->md, b->md_path) == 0)
		job_upload(j, "metadata.json", b->md_path);
	if (job_status_is(b->status, STATUS_PASS))
		job_upload(j, "module.symvers", symvers);
	/*
	 * A build's boots, or a boot bisection's step, need its boot inputs; a
	 * step of a signature's bisection only answers whether the build shows it.
	 */
	if (job_status_is(b->status, STATUS_PASS) && b->m->boot &&
	    (j->spec.kind == JOB_BUILD || j->spec.bisect.boot_variant)) {
		char *stage = boot_stage_dir(j->opts, j->id);

		if (stage_boot_inputs(j, &b->k, b->m, stage) != 0) {
			b->status = "ERROR";
			snprintf(b->message, sizeof(b->message), "could not stage boot inputs: %s", err_msg());
			result->retryable = true;
		}
		boot_stage_prune(j->opts, j->opts->boot_stages);
		result->modules = boot_stage_modules(b->out);
		free(stage);
	}
	free(final_config);
	free(symvers);
}

static void build_fill_result(struct build *b, struct job_result *result)
{
	const struct ccache_stats *c0 = &b->cc0, *c1 = &b->cc1;
	long id = b->job->id;

	job_status_parse(b->status, &result->status);
	if (*b->message)
		result->message = xstrdup(b->message);
	result->wall_s = b->pr.wall_s;
	result->cpu_s = b->pr.cpu_s;
	result->ccache_hits = c1->hits - c0->hits;
	result->ccache_misses = c1->misses - c0->misses;
	result->ccache_remote_hits = c1->remote_hits - c0->remote_hits;
	log_info("job=%ld ccache hits=%ld misses=%ld remote_hits=%ld", id, c1->hits - c0->hits, c1->misses - c0->misses,
		 c1->remote_hits - c0->remote_hits);
	if (c1->remote_errors > c0->remote_errors)
		log_warn("job=%ld ccache remote storage failed %ld times: check --ccache-remote", id,
			 c1->remote_errors - c0->remote_errors);
	result->warnings = (long)buildlog_warning_count(b->o.scan);
	result->log_lines = (long)buildlog_line_count(b->o.scan);
	result->make_cmd = xstrdup(b->make_line);
	result->errors = buildlog_errors_json(b->o.scan);
	if (job_status_is(b->status, STATUS_FAIL))
		add_diagnoses(result->errors, b->o.scan, b->src, b->out, b->m->arch, b->config_text);
}

int build_run(struct job *j, struct job_result *result)
{
	struct build b;
	/* Where a build job's seconds go besides make: the figures its cycle time is read by. */
	double t0 = clock_now_s(), t_prepared, t_made;
	int rc;

	memset(&b, 0, sizeof(b));
	b.job = j;
	b.config_text = j->spec.config.text;
	b.commit = j->spec.commit;
	rc = build_prepare(&b);
	t_prepared = clock_now_s();
	if (!rc)
		rc = build_make(&b);
	t_made = clock_now_s();
	if (!rc)
		rc = build_judge(&b, result);
	if (!rc) {
		note_unchanged(&b, result);
		build_keep_outputs(&b, result);
		if (!job_status_is(b.status, STATUS_PASS))
			result->unchanged_since = 0;
		build_fill_result(&b, result);
		log_info("job=%ld build phases: prepare %.1f s, make %.1f s, outputs %.1f s", j->id, t_prepared - t0,
			 t_made - t_prepared, clock_now_s() - t_made);
	}
	/* Whatever make did, the directory now holds this job's outputs (the job's own error kept for its result). */
	if (b.out && b.log_path) {
		char *why = rc ? xstrdup(err_msg()) : NULL;

		build_dir_built(b.out, j->id, rc ? "ERROR" : b.status, b.info.commit);
		build_dir_prune(j->opts, j->opts->build_dirs);
		if (why)
			err_set(rc, "%s", why);
		free(why);
	}
	build_release(&b);
	return rc;
}
