/* Renders a run as a KCIDB I/O v5.3 document from the farm's read views (docs/kcidb.md). */
#include "kcidb.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "artifacts.h"
#include "buf.h"
#include "db.h"
#include "err.h"
#include "jobtypes.h"
#include "matrix.h"
#include "utf8.h"
#include "xalloc.h"

#define LOG_READ_MAX ((size_t)32 << 20) /* build logs are capped at 16 MiB by the worker */
#define EXCERPT_BEFORE 4096             /* at most this many bytes of the log before the first error line */
#define EXCERPT_LINES 20                /* and at most this many lines */
#define OWNERSHIP_PATH "cxl_dax_hmem.owner"

bool kcidb_origin_ok(const char *origin)
{
	size_t n = origin ? strlen(origin) : 0;

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = origin[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

char *kcidb_clean(const char *s, size_t len, size_t max_chars)
{
	struct buf b = BUF_INIT(SIZE_MAX);
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t chars = 0;

	if (!s)
		len = 0;
	while (len && chars < max_chars) {
		uint32_t cp = 0;
		size_t l = utf8_seq(p, len, &cp);

		if (l == 0) {
			buf_puts(&b, "\xEF\xBF\xBD");
			l = 1;
		} else if (cp == '\r') {
			if (len > 1 && p[1] == '\n') {
				p++;
				len--;
				continue;
			}
			buf_puts(&b, "\n");
		} else if (cp == '\n' || cp == '\t') {
			buf_append(&b, (const char *)p, 1);
		} else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
			p += l;
			len -= l;
			continue;
		} else {
			buf_append(&b, (const char *)p, l);
		}
		chars++;
		p += l;
		len -= l;
	}
	return buf_steal(&b);
}

void kcidb_scrub(json_t *v)
{
	if (json_is_object(v)) {
		const char *key;
		json_t *m;
		void *tmp;

		json_object_foreach_safe(v, tmp, key, m) {
			if (json_is_null(m))
				json_object_del(v, key);
			else
				kcidb_scrub(m);
		}
	} else if (json_is_array(v)) {
		for (size_t i = json_array_size(v); i-- > 0;) {
			if (json_is_null(json_array_get(v, i)))
				json_array_remove(v, i);
			else
				kcidb_scrub(json_array_get(v, i));
		}
	} else if (json_is_string(v)) {
		char *c = kcidb_clean(json_string_value(v), json_string_length(v), SIZE_MAX);

		json_string_setn(v, c, strlen(c));
		free(c);
	}
}

/* A JSON string of outside text, cleaned; a new reference. */
static json_t *text(const char *s, size_t len, size_t max_chars)
{
	char *c = kcidb_clean(s, len, max_chars);
	json_t *j = json_stringn(c, strlen(c));

	free(c);
	return j;
}

/* RFC 3339 in UTC, or null for 0 (dropped by the scrub). */
static json_t *iso_time(int64_t t)
{
	char out[40];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0)
		return json_null();
	gmtime_r(&tt, &tm);
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%S+00:00", &tm);
	return json_string(out);
}

static json_t *idf(const struct kcidb_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *idf(const struct kcidb_opts *o, const char *fmt, ...)
{
	struct buf b = BUF_INIT(4096);
	va_list ap;
	json_t *j;

	buf_printf(&b, "%s:", o->origin);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	j = text(b.data, b.len, SIZE_MAX);
	buf_free(&b);
	return j;
}

static json_t *artifact_url(const struct kcidb_opts *o, long job, const char *name)
{
	char *u = xasprintf("%s/api/v1/jobs/%ld/artifacts/%s", o->public_url, job, name);
	json_t *j = json_string(u);

	free(u);
	return j;
}

static json_t *resource(const struct kcidb_opts *o, long job, const char *name)
{
	return json_pack("{s:s,s:o?}", "name", name, "url", artifact_url(o, job, name));
}

static int64_t int_of(const json_t *obj, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(obj, key));
}

static const char *str_of(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/*
 * Up to KCIDB_EXCERPT_MAX characters of the log around line line_no (1-based):
 * from EXCERPT_LINES lines before it (at most EXCERPT_BEFORE bytes) on.
 */
static json_t *log_excerpt(const char *log, size_t len, long line_no)
{
	size_t err_off = 0, begin, end;
	long line = 1;

	for (size_t i = 0; i < len && line < line_no; i++) {
		if (log[i] == '\n') {
			line++;
			err_off = i + 1;
		}
	}
	/* Back EXCERPT_LINES lines, or fewer when they are long. */
	begin = err_off;
	for (int n = 0; begin > 0 && n <= EXCERPT_LINES && err_off - begin < EXCERPT_BEFORE;) {
		begin--;
		if (begin > 0 && log[begin - 1] == '\n')
			n++;
	}
	while (begin > 0 && begin < err_off && log[begin - 1] != '\n')
		begin++;
	end = len - begin > KCIDB_EXCERPT_MAX ? begin + KCIDB_EXCERPT_MAX : len;
	return text(log + begin, end - begin, KCIDB_EXCERPT_MAX);
}

/* The first error that is not a consequence of another (errors are ordered primary first). */
static const json_t *first_primary(const json_t *errors)
{
	size_t i;
	const json_t *e;

	json_array_foreach(errors, i, e) {
		if (!json_is_true(json_object_get(e, "secondary")))
			return e;
	}
	return NULL;
}

struct exporter {
	struct db *db;
	const struct kcidb_opts *o;
	const json_t *run;
	json_t *builds, *tests, *issues, *incidents;
	json_t *seen_sigs; /* {"sig id": true} */
	long pending_builds, pending_tests;
	long checkout_run;
	struct matrix *matrix; /* the run's snapshot, NULL when it cannot be read */
};

/* A job's status for KCIDB: the recorded one, MISS for a cancelled job, NULL while it is not final. */
static const char *final_status(const char *status)
{
	enum job_status st;

	if (status && strcmp(status, job_state_name(JOB_CANCELLED)) == 0)
		return job_status_name(STATUS_MISS);
	return job_status_parse(status, &st) ? status : NULL;
}

static void add_issue(struct exporter *x, const json_t *e, long build_job)
{
	const struct kcidb_opts *o = x->o;
	long sid = (long)int_of(e, "signature_id");
	char key[32];
	char *report = xasprintf("%s/#/signature/%ld", o->public_url, sid);

	snprintf(key, sizeof(key), "%ld", sid);
	if (!json_object_get(x->seen_sigs, key)) {
		const char *msg = str_of(e, "message");

		json_object_set_new(x->seen_sigs, key, json_true());
		json_array_append_new(
			x->issues,
			json_pack("{s:o?,s:i,s:s,s:s,s:o?,s:{s:b,s:b,s:b},s:o?,s:{s:o?,s:o?,s:o?,s:o?}}", "id",
				  idf(o, "sig-%ld", sid), "version", 1, "origin", o->origin, "report_url", report,
				  "report_subject", text(msg, msg ? strlen(msg) : 0, 4096), "culprit", "code", 1,
				  "tool", 0, "harness", 0, "comment", text(msg, msg ? strlen(msg) : 0, 4096), "misc",
				  "signature", json_deep_copy(json_object_get(e, "signature")), "type",
				  json_deep_copy(json_object_get(e, "type")), "symbol",
				  json_deep_copy(json_object_get(e, "symbol")), "file",
				  json_deep_copy(json_object_get(e, "file"))));
	}
	json_array_append_new(x->incidents,
			      json_pack("{s:o?,s:s,s:o?,s:i,s:o?,s:b,s:{s:o?,s:o?}}", "id",
					idf(o, "sig-%ld.build-%ld", sid, build_job), "origin", o->origin, "issue_id",
					idf(o, "sig-%ld", sid), "issue_version", 1, "build_id",
					idf(o, "build-%ld", build_job), "present", 1, "misc", "count",
					json_deep_copy(json_object_get(e, "count")), "line_no",
					json_deep_copy(json_object_get(e, "line_no"))));
	free(report);
}

/* Whether a range's owner is what the farm expects of it: only the control range has an expectation. */
static const char *ownership_status(const json_t *r)
{
	const char *role = str_of(r, "role"), *owner = str_of(r, "owner"), *evidence = str_of(r, "evidence");

	if (!role || strcmp(role, "control") != 0)
		return "DONE";
	if (owner && strcmp(owner, "hmem") == 0)
		return "PASS";
	/* Without the HMEM driver nobody can own it, and nobody does. */
	if (owner && strcmp(owner, "none") == 0 && evidence && strstr(evidence, "hmem-not-configured"))
		return "PASS";
	return "FAIL";
}

/* A path segment from a variant or role name: [a-zA-Z0-9_-], others become '_'. */
static char *segment(const char *s)
{
	char *out = xstrdup(s && *s ? s : "default");

	for (char *p = out; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-'))
			*p = '_';
	}
	return out;
}

static json_t *artifact_list(const struct kcidb_opts *o, long job, const json_t *artifacts, const char *skip)
{
	json_t *list = json_array();
	const char *name;
	json_t *v;

	json_object_foreach((json_t *)artifacts, name, v) {
		if (skip && strcmp(name, skip) == 0)
			continue;
		json_array_append_new(list, resource(o, job, name));
	}
	return list;
}

static int add_boot(struct exporter *x, const json_t *boot, long build_job)
{
	const struct kcidb_opts *o = x->o;
	long job = (long)int_of(boot, "job_id");
	const char *status = final_status(str_of(boot, "status"));
	const json_t *details = json_object_get(boot, "details");
	const json_t *arts = json_object_get(boot, "artifacts");
	const json_t *info = json_object_get(details, "info");
	const char *variant = str_of(boot, "variant"), *msg = str_of(boot, "message");
	const char *problem = str_of(details, "panic") ? str_of(details, "panic") : str_of(details, "oops");
	json_t *jobj = NULL, *test;
	char *seg = segment(variant), *path = xasprintf("boot.%s", seg);
	size_t i;
	const json_t *r;
	int rc;

	if (!status) {
		x->pending_tests++;
		goto done;
	}
	rc = db_job_json(x->db, job, &jobj);
	if (rc) {
		free(seg);
		free(path);
		return rc;
	}
	test = json_pack("{s:o?,s:o?,s:s,s:s,s:s,s:o?,s:o?,s:o?}", "id", idf(o, "boot-%ld", job), "build_id",
			 idf(o, "build-%ld", build_job), "origin", o->origin, "path", path, "status", status,
			 "start_time", iso_time(int_of(jobj, "started_at")), "duration",
			 json_deep_copy(json_object_get(boot, "wall_s")), "comment",
			 text(msg, msg ? strlen(msg) : 0, 4096));
	if (json_object_get(arts, "console.log"))
		json_object_set_new(test, "log_url", artifact_url(o, job, "console.log"));
	if (problem)
		json_object_set_new(test, "log_excerpt", text(problem, strlen(problem), KCIDB_EXCERPT_MAX));
	if (json_object_size(arts))
		json_object_set_new(test, "output_files", artifact_list(o, job, arts, NULL));
	json_object_set_new(test, "misc",
			    json_pack("{s:I,s:s,s:O?,s:O?,s:O?,s:O?,s:O?}", "job_id", (json_int_t)job, "variant",
				      variant ? variant : "", "load", json_object_get(info, "load"), "modprobe",
				      json_object_get(info, "modprobe"), "kernel_version",
				      json_object_get(details, "kernel_version"), "warnings",
				      json_object_get(boot, "warnings"), "attempts", json_object_get(jobj, "attempts")));
	json_array_append_new(x->tests, test);

	json_array_foreach(json_object_get(boot, "ownership"), i, r) {
		char *role = segment(str_of(r, "role"));
		char *opath = xasprintf(OWNERSHIP_PATH ".%s", role);

		json_array_append_new(
			x->tests,
			json_pack("{s:o?,s:o?,s:s,s:s,s:s,s:o?,s:{s:O?,s:O?,s:O?,s:O?,s:s,s:I}}", "id",
				  idf(o, "boot-%ld.range-%s", job, str_of(r, "range") ? str_of(r, "range") : ""),
				  "build_id", idf(o, "build-%ld", build_job), "origin", o->origin, "path", opath,
				  "status", ownership_status(r), "start_time", iso_time(int_of(jobj, "started_at")),
				  "misc", "owner", json_object_get(r, "owner"), "role", json_object_get(r, "role"),
				  "range", json_object_get(r, "range"), "evidence", json_object_get(r, "evidence"),
				  "variant", variant ? variant : "", "boot_job_id", (json_int_t)job));
		free(role);
		free(opath);
	}
done:
	json_decref(jobj);
	free(seg);
	free(path);
	return 0;
}

/* compiler "NAME VERSION" and the sizes, from the build's metadata.json when it has one. */
static void add_metadata(struct exporter *x, long job, json_t *build, json_t *misc)
{
	size_t len = 0;
	char *data = artifacts_read(x->db, x->o->data_dir, job, "metadata.json", LOG_READ_MAX, &len);
	json_t *md = data ? json_loadb(data, len, 0, NULL) : NULL;
	const json_t *cc = json_object_get(md, "compiler");

	if (json_string_value(json_object_get(cc, "name"))) {
		const char *name = str_of(cc, "name"), *version = str_of(cc, "version");
		char *c = xasprintf("%s%s%s", name, version ? " " : "", version ? version : "");

		json_object_set_new(build, "compiler", text(c, strlen(c), 256));
		free(c);
	}
	if (json_is_object(json_object_get(md, "vmlinux")))
		json_object_set(misc, "vmlinux", json_object_get(md, "vmlinux"));
	if (json_is_object(json_object_get(md, "modules")))
		json_object_set(misc, "modules", json_object_get(md, "modules"));
	json_decref(md);
	free(data);
}

static int add_config(struct exporter *x, long config_id)
{
	const struct kcidb_opts *o = x->o;
	json_t *c = NULL, *jobj = NULL, *b, *misc, *reqs;
	const json_t *build, *cfg, *errors, *e, *boot;
	const char *status, *log_name = "build.log";
	char *config_url = NULL, *config_name = NULL, *dash = NULL;
	long job;
	size_t i;
	int rc = db_config_json(x->db, config_id, &c);

	if (rc)
		return rc;
	build = json_object_get(c, "build");
	cfg = json_object_get(c, "config");
	errors = json_object_get(c, "errors");
	status = json_is_object(build) ? final_status(str_of(build, "status")) : NULL;
	if (!status) {
		x->pending_builds++;
		goto done;
	}
	job = (long)int_of(build, "job_id");
	rc = db_job_json(x->db, job, &jobj);
	if (rc)
		goto done;
	config_url = xasprintf("%s/api/v1/configs/%ld/config", o->public_url, config_id);
	config_name = xasprintf("%s:%s", str_of(x->run, "matrix_name"), str_of(cfg, "point"));
	dash = xasprintf("%s/#/config/%ld", o->public_url, config_id);
	reqs = json_array();
	json_array_foreach(json_object_get(c, "requests"), i, e)
		json_array_append_new(reqs, json_pack("{s:O?,s:O?,s:O?,s:O?}", "idx", json_object_get(e, "idx"), "point",
						       json_object_get(e, "point"), "clamped",
						       json_object_get(e, "clamped"), "clamp_diff",
						       json_object_get(e, "clamp_diff")));
	misc = json_pack("{s:I,s:I,s:O?,s:O?,s:O?,s:o?,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:s}", "config_id",
			 (json_int_t)config_id, "job_id", (json_int_t)job, "point", json_object_get(cfg, "point"),
			 "config_hash", json_object_get(cfg, "hash"), "effective", json_object_get(cfg, "effective"),
			 "requests", reqs, "worker", json_object_get(build, "worker"), "cpu_s",
			 json_object_get(build, "cpu_s"), "ccache_hits", json_object_get(build, "ccache_hits"),
			 "ccache_misses", json_object_get(build, "ccache_misses"), "warnings",
			 json_object_get(build, "warnings"), "message", json_object_get(build, "message"),
			 "attempts", json_object_get(build, "attempts"), "dashboard_url", dash);
	b = json_pack("{s:o?,s:o?,s:s,s:o?,s:O?,s:O?,s:o?,s:s,s:s,s:s}", "id", idf(o, "build-%ld", job), "checkout_id",
		      idf(o, "run-%ld", x->checkout_run), "origin", o->origin, "start_time",
		      iso_time(int_of(jobj, "started_at")), "duration", json_object_get(build, "wall_s"), "command",
		      json_object_get(build, "make_cmd"), "architecture", x->matrix ? json_string(x->matrix->arch) : NULL,
		      "config_name", config_name, "config_url", config_url, "status", status);
	json_object_set_new(b, "input_files", json_pack("[{s:s,s:s}]", "name", "config", "url", config_url));
	if (json_object_size(json_object_get(build, "artifacts")))
		json_object_set_new(b, "output_files",
				    artifact_list(o, job, json_object_get(build, "artifacts"), log_name));
	if (json_object_get(json_object_get(build, "artifacts"), log_name))
		json_object_set_new(b, "log_url", artifact_url(o, job, log_name));
	e = first_primary(errors);
	if (e) {
		size_t len = 0;
		char *log = artifacts_read(x->db, o->data_dir, job, log_name, LOG_READ_MAX, &len);
		const char *first = str_of(e, "first_lines");

		if (log && json_integer_value(json_object_get(e, "line_no")) > 0)
			json_object_set_new(b, "log_excerpt",
					    log_excerpt(log, len, (long)int_of(e, "line_no")));
		else if (first)
			json_object_set_new(b, "log_excerpt", text(first, strlen(first), KCIDB_EXCERPT_MAX));
		free(log);
	}
	add_metadata(x, job, b, misc);
	json_object_set_new(b, "misc", misc);
	json_array_append_new(x->builds, b);

	json_array_foreach(errors, i, e) {
		if (!json_is_true(json_object_get(e, "secondary")))
			add_issue(x, e, job);
	}
	json_array_foreach(json_object_get(c, "boots"), i, boot) {
		rc = add_boot(x, boot, job);
		if (rc)
			break;
	}
done:
	free(config_url);
	free(config_name);
	free(dash);
	json_decref(jobj);
	json_decref(c);
	return rc;
}

static json_t *checkout(struct exporter *x, const json_t *m)
{
	const struct kcidb_opts *o = x->o;
	const json_t *run = x->run, *tree = json_object_get(run, "tree");
	const char *url = str_of(tree, "url"), *ref = str_of(run, "ref"), *commit = str_of(run, "commit_id");
	const char *state = str_of(run, "state"), *subject = str_of(run, "subject");
	const json_t *cj = json_object_get(run, "configure_job");
	enum run_state rs;
	bool finished = run_state_parse(state, &rs) && run_state_final(rs);
	bool complete = finished && x->pending_builds == 0 && x->pending_tests == 0;
	char *dash = xasprintf("%s/#/run/%ld", o->public_url, x->checkout_run);
	json_t *co, *misc;

	misc = json_pack("{s:I,s:s,s:b,s:O?,s:O?,s:O?,s:s,s:O?,s:O?,s:I,s:I}", "run_id", (json_int_t)x->checkout_run,
			 "run_state", state ? state : "", "complete", complete, "matrix", json_object_get(run, "matrix_name"),
			 "tree_url", json_object_get(tree, "url"), "ref", json_object_get(run, "ref"), "dashboard_url",
			 dash, "author_email", json_object_get(run, "author_email"), "counts",
			 json_object_get(run, "counts"), "pending_builds", (json_int_t)x->pending_builds,
			 "pending_tests", (json_int_t)x->pending_tests);
	if (!complete)
		json_object_set_new(misc, "note",
				    json_string(finished ? "some jobs of the run never finished: only finished "
							   "builds and tests are exported"
							 : "the run is still going: only the builds and tests that "
							   "finished so far are exported; export it again when it is done"));
	if (x->matrix) {
		json_t *axes = json_array();

		for (size_t i = 0; i < x->matrix->naxes; i++)
			json_array_append_new(axes, json_string(x->matrix->axes[i].symbol));
		json_object_set_new(misc, "axes", axes);
		json_object_set_new(misc, "base", json_string(x->matrix->base));
	}
	co = json_pack("{s:o?,s:s,s:O?,s:s,s:o?,s:o?}", "id", idf(o, "run-%ld", x->checkout_run), "origin", o->origin,
		       "tree_name", json_object_get(tree, "name"), "patchset_hash", "", "start_time",
		       iso_time(json_integer_value(json_object_get(run, "started_at"))
					? int_of(run, "started_at")
					: int_of(run, "created_at")),
		       "misc", misc);
	/* The schema takes https:// repository URLs only; others (local paths, git://) stay in misc. */
	if (url && strncmp(url, "https://", 8) == 0)
		json_object_set_new(co, "git_repository_url", text(url, strlen(url), 4096));
	if (commit && strlen(commit) == 40 && strspn(commit, "0123456789abcdef") == 40)
		json_object_set_new(co, "git_commit_hash", json_string(commit));
	if (ref && strncmp(ref, "refs/heads/", 11) == 0)
		json_object_set_new(co, "git_repository_branch", text(ref + 11, strlen(ref + 11), 4096));
	if (subject)
		json_object_set_new(co, "comment", text(subject, strlen(subject), 4096));
	if (json_is_object(cj)) {
		long job = (long)int_of(cj, "id");
		const json_t *counts = json_object_get(json_object_get(run, "counts"), "configure");

		if (json_object_get(json_object_get(cj, "artifacts"), "configure.log"))
			json_object_set_new(co, "log_url", artifact_url(o, job, "configure.log"));
		if (json_object_get(counts, "PASS"))
			json_object_set_new(co, "valid", json_true());
		else if (json_object_get(counts, "FAIL") || json_object_get(counts, "ERROR"))
			json_object_set_new(co, "valid", json_false());
	}
	if (complete && json_integer_value(json_object_get(run, "finished_at"))) {
		json_object_set_new(co, "origin_builds_finish_time", iso_time(int_of(run, "finished_at")));
		json_object_set_new(co, "origin_tests_finish_time", iso_time(int_of(run, "finished_at")));
	}
	free(dash);
	return co;
}

int kcidb_export(struct db *db, const struct kcidb_opts *o, long run_id, json_t **out)
{
	struct exporter x;
	json_t *m = NULL, *doc = NULL;
	const json_t *c;
	size_t i;
	int rc;

	*out = NULL;
	if (!kcidb_origin_ok(o->origin))
		return err_set(KM_EINVAL, "KCIDB origin '%.64s' is not valid (expected [a-z0-9_]+)",
			       o->origin ? o->origin : "");
	rc = db_run_matrix_json(db, run_id, &m);
	if (rc)
		return rc;
	memset(&x, 0, sizeof(x));
	x.db = db;
	x.o = o;
	x.run = json_object_get(m, "run");
	x.checkout_run = run_id;
	x.builds = json_array();
	x.tests = json_array();
	x.issues = json_array();
	x.incidents = json_array();
	x.seen_sigs = json_object();
	{
		struct db_run r;

		if (db_run_get(db, run_id, &r) == 0) {
			json_t *bundle = json_loads(r.matrix_bundle, 0, NULL);

			if (!bundle || matrix_bundle_parse(bundle, &x.matrix) != 0)
				err_clear();
			json_decref(bundle);
			db_run_release(&r);
		}
	}
	json_array_foreach(json_object_get(m, "configs"), i, c) {
		rc = add_config(&x, (long)int_of(c, "id"));
		if (rc)
			break;
	}
	if (!rc) {
		doc = json_pack("{s:{s:i,s:i},s:[o],s:O?,s:O?,s:O?,s:O?}", "version", "major", 5, "minor", 3, "checkouts",
				checkout(&x, m), "builds", x.builds, "tests", x.tests, "issues", x.issues,
				"incidents", x.incidents);
		kcidb_scrub(doc);
		*out = doc;
	}
	json_decref(x.builds);
	json_decref(x.tests);
	json_decref(x.issues);
	json_decref(x.incidents);
	json_decref(x.seen_sigs);
	json_decref(m);
	matrix_free(x.matrix);
	return rc;
}
