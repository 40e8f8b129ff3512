/* Taking in job results: configure maps requests to configs, builds record errors, boots record owners. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bisect.h"
#include "boot_share.h"
#include "db.h"
#include "err.h"
#include "expect_results.h"
#include "jobresult.h"
#include "jobtypes.h"
#include "kconfig.h"
#include "log.h"
#include "matrix.h"
#include "run_facts.h"
#include "sched.h"
#include "server.h"
#include "utf8.h"
#include "validate.h"
#include "xalloc.h"

#define MAX_ERRORS_PER_JOB 500

static const char *str_field(const json_t *o, const char *key, size_t max)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (s && strlen(s) > max)
		return NULL;
	return s;
}

static long int_field(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

static bool point_ok(const char *p, size_t naxes)
{
	if (!p || strlen(p) != naxes)
		return false;
	for (size_t i = 0; i < naxes; i++) {
		if (p[i] != 'y' && p[i] != 'm' && p[i] != 'n')
			return false;
	}
	return true;
}

/* [{"symbol","requested","effective","axis":true}] for the axes a request did not get. */
/* The worker's explanation of why Kconfig changed sym, if it sent one. */
static json_t *explanation_of(const json_t *explain, const char *sym)
{
	size_t i;
	json_t *x;

	json_array_foreach(explain, i, x) {
		const char *s = json_string_value(json_object_get(x, "symbol"));

		if (s && strcmp(s, sym) == 0 && json_dumpb(x, NULL, 0, JSON_COMPACT) < 64 * 1024)
			return x;
	}
	return NULL;
}

static json_t *clamp_diff(const struct matrix *m, const char *requested, const char *effective, const json_t *other,
			  const json_t *explain)
{
	json_t *diff = json_array();

	for (size_t i = 0; i < m->naxes; i++) {
		json_t *entry, *x;

		if (requested[i] == effective[i])
			continue;
		entry = json_pack("{s:s,s:s#,s:s#,s:b}", "symbol", m->axes[i].symbol, "requested", &requested[i],
				  (int)1, "effective", &effective[i], (int)1, "axis", 1);
		x = json_is_array(explain) ? explanation_of(explain, m->axes[i].symbol) : NULL;
		if (x)
			json_object_set(entry, "explanation", x);
		json_array_append_new(diff, entry);
	}
	/* Fragment symbols the tree's Kconfig did not honour, as the worker saw them. */
	if (json_is_array(other)) {
		size_t i;
		json_t *o;

		json_array_foreach(other, i, o) {
			const char *sym = str_field(o, "symbol", 128);
			const char *req = str_field(o, "requested", 256);
			const char *eff = str_field(o, "effective", 256);

			if (sym && req && eff && i < 200)
				json_array_append_new(diff, json_pack("{s:s,s:s,s:s,s:b}", "symbol", sym, "requested",
								      req, "effective", eff, "axis", 0));
		}
	}
	return diff;
}

/*
 * Descriptive text a worker sends, cut to a length on a character boundary
 * rather than refused; every other string keeps its limit in str_field().
 */
static const struct {
	const char *key;
	size_t max;
	bool multiline;
} text_keys[] = {
	{ "subject", 1024, false },    { "author_name", 256, false }, { "author_email", 256, false },
	{ "message", 4096, true },     { "first_lines", 8192, true }, { "evidence", 4096, true },
	{ "make_cmd", 4096, false },
};

/*
 * Cleans every string of a result in place (v is the server's copy): control
 * characters go (newline and tab stay where text spans lines), the
 * descriptive fields are cut to their limits without splitting a character.
 */
static void clean_strings(json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, item)
			clean_strings(item);
		return;
	}
	if (!json_is_object(v))
		return;
	json_object_foreach(v, key, item) {
		size_t max = (size_t)-1;
		bool multiline = true;
		char *clean;

		if (!json_is_string(item)) {
			clean_strings(item);
			continue;
		}
		for (size_t k = 0; k < sizeof(text_keys) / sizeof(text_keys[0]); k++) {
			if (strcmp(key, text_keys[k].key) == 0) {
				max = text_keys[k].max;
				multiline = text_keys[k].multiline;
			}
		}
		clean = utf8_clean(json_string_value(item), max, multiline);
		if (strcmp(clean, json_string_value(item)) != 0)
			json_string_set(item, clean);
		free(clean);
	}
}

/* Every request index of the run exactly once: nothing is recorded otherwise. */
static int check_request_indexes(const json_t *requests, long nrequests)
{
	bool *seen = xcalloc((size_t)nrequests + 1, sizeof(*seen));
	size_t i;
	json_t *c;
	int rc = 0;

	json_array_foreach(requests, i, c) {
		json_t *idx = json_object_get(c, "idx");
		json_int_t v = json_is_integer(idx) ? json_integer_value(idx) : -1;

		if (v < 0 || v >= nrequests) {
			rc = err_set(KM_EINVAL, "requests[%zu]: 'idx' must be a request index from 0 to %ld", i,
				     nrequests - 1);
			break;
		}
		if (seen[v]) {
			rc = err_set(KM_EINVAL, "requests[%zu]: request %lld is mapped twice", i, (long long)v);
			break;
		}
		seen[v] = true;
	}
	free(seen);
	return rc;
}

struct config_entry {
	char hash[65];
	char point[16];
	long id;
	long build_job; /* 0 unless this result created the config */
	const json_t *c; /* its object in the result */
};

static int record_configure(struct server *s, struct db *db, const struct db_run *run, const struct matrix *m,
			    const struct job_result *res, long *new_builds)
{
	const json_t *configs = res->configs, *requests = res->requests;
	struct config_entry *entries = NULL;
	size_t nentries = 0;
	size_t i;
	json_t *c;
	int rc = 0;

	/* job_result_decode() saw the shapes and sizes, check_in_run() the points and request indexes. */
	*new_builds = 0;
	entries = xcalloc(json_array_size(configs), sizeof(*entries));
	json_array_foreach(configs, i, c) {
		const char *hash = json_string_value(json_object_get(c, "hash"));
		const char *point = json_string_value(json_object_get(c, "point"));
		const char *text = json_string_value(json_object_get(c, "text"));
		struct kconfig *kc = NULL;
		char check[65];
		json_t *effective;
		char *effective_text;
		bool created = false;

		rc = kconfig_parse(text, strlen(text), &kc);
		if (rc) {
			rc = err_set(KM_EINVAL, "configs[%zu].text: %s", i, err_msg());
			break;
		}
		kconfig_hash(kc, check);
		kconfig_free(kc);
		if (strcmp(check, hash) != 0) {
			rc = err_set(KM_EINVAL, "configs[%zu]: hash does not match the normalized text", i);
			break;
		}
		effective = matrix_effective_json(m, point);
		effective_text = json_dumps(effective, JSON_COMPACT);
		json_decref(effective);
		rc = db_config_ensure(db, run->id, hash, point, effective_text, text, &entries[nentries].id, &created);
		free(effective_text);
		if (rc)
			break;
		snprintf(entries[nentries].hash, sizeof(entries[nentries].hash), "%s", hash);
		snprintf(entries[nentries].point, sizeof(entries[nentries].point), "%s", point);
		nentries++;
		entries[nentries - 1].c = c;
		if (created) {
			rc = db_job_add(db, run->id, "build", entries[nentries - 1].id, NULL,
					(int)s->cfg->max_attempts, &entries[nentries - 1].build_job);
			if (rc)
				break;
			(*new_builds)++;
		}
	}

	json_array_foreach(requests, i, c) {
		const char *hash = json_string_value(json_object_get(c, "hash"));
		json_t *idx = json_object_get(c, "idx");
		const struct config_entry *e = NULL;
		char requested[16];
		json_t *diff;
		char *diff_text;

		if (rc)
			break;
		for (size_t k = 0; k < nentries; k++) {
			if (strcmp(entries[k].hash, hash) == 0)
				e = &entries[k];
		}
		if (!e) {
			rc = err_set(KM_EINVAL, "requests[%zu]: hash is not one of the result's configs", i);
			break;
		}
		/* The requested point comes from the run, not from the worker. */
		rc = db_request_point(db, run->id, (int)json_integer_value(idx), requested, sizeof(requested));
		if (rc)
			break;
		diff = clamp_diff(m, requested, e->point, json_object_get(c, "changed"), json_object_get(c, "explain"));
		diff_text = json_dumps(diff, JSON_COMPACT);
		rc = db_request_map(db, run->id, (int)json_integer_value(idx), e->id, strcmp(requested, e->point) != 0,
				    diff_text);
		free(diff_text);
		json_decref(diff);
	}
	for (size_t k = 0; !rc && k < nentries; k++)
		rc = expect_results_configure(db, run->id, m, entries[k].id, entries[k].build_job,
					      json_string_value(json_object_get(entries[k].c, "text")),
					      json_object_get(entries[k].c, "expect"));
	free(entries);
	return rc;
}

static int record_errors(struct db *db, long job_id, const json_t *errors)
{
	size_t i;
	json_t *e;

	/* job_result_decode() saw each error's strings and their sizes. */
	json_array_foreach(errors, i, e) {
		const char *sig = str_field(e, "signature", 1024);
		const char *type = str_field(e, "type", 64);
		const char *msg = str_field(e, "message", 4096);
		long sig_id = 0;
		int rc;

		if (i >= MAX_ERRORS_PER_JOB)
			break;
		json_t *diag = json_object_get(e, "diagnosis");
		char *diag_text = json_is_object(diag) ? json_dumps(diag, JSON_COMPACT) : NULL;

		if (diag_text && strlen(diag_text) > 64 * 1024) {
			free(diag_text);
			diag_text = NULL;
		}
		rc = db_signature_ensure(db, sig, type, str_field(e, "symbol", 1024), str_field(e, "file", 1024), msg,
					 &sig_id);
		if (!rc)
			rc = db_error_add(db, job_id, sig_id, int_field(e, "count") > 0 ? int_field(e, "count") : 1,
					  int_field(e, "line_no"), str_field(e, "first_lines", 8192),
					  json_is_true(json_object_get(e, "secondary")), diag_text);
		free(diag_text);
		if (rc)
			return rc;
	}
	return 0;
}

static int record_ownership(struct db *db, long job_id, const json_t *owners)
{
	size_t i;
	json_t *o;

	/* job_result_decode() saw each range's strings and their sizes. */
	json_array_foreach(owners, i, o) {
		const char *range = str_field(o, "range", 128);
		const char *role = str_field(o, "role", 32);
		const char *owner = str_field(o, "owner", 32);
		int rc;

		if (i >= 64)
			break;
		rc = db_ownership_add(db, job_id, range, role, owner, str_field(o, "evidence", 4096));
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Records boot job job_id (variant) from boot b with its ownership: the same
 * verdict and owners, its own message and expectations, no wall time (it
 * took none, and the run's estimates must not think so).
 */
static int record_boot_copy(struct db *db, const struct matrix *m, const struct db_boot_result *b, long job_id,
			    const char *variant, const char *message, const json_t *ownership)
{
	struct db_boot_result copy = *b;
	int rc;

	copy.job_id = job_id;
	copy.variant = variant;
	copy.message = message;
	copy.wall_s = 0;
	rc = db_boot_record(db, &copy);
	if (!rc)
		rc = record_ownership(db, job_id, ownership);
	if (!rc)
		rc = expect_results_boot(db, m, b->config_id, job_id, variant, ownership);
	return rc;
}

/*
 * The boot of variant for a build that makes what build job unchanged_since
 * made (that build read none of the files changed since: the same objects,
 * only the version string is new): that build's boot of the variant,
 * recorded for the new boot job (pointing at the job that booted). *reused
 * is false when there is none to take (it ended without a verdict): the
 * variant boots.
 */
static int reuse_boot(struct db *db, const struct db_run *run, const struct matrix *m, long config_id,
		      const char *variant, long unchanged_since, bool *reused)
{
	struct db_reused_boot old;
	struct db_boot_result b;
	char *message;
	long id = 0;
	int rc;

	*reused = false;
	if (db_boot_of_build(db, unchanged_since, variant, &old) != 0) {
		err_clear();
		return 0;
	}
	message = xasprintf("not booted again: build job %ld (run %ld) read none of the files changed since, "
			    "so the boot of job %ld is this one's",
			    unchanged_since, old.run_id, old.booted_job);
	b = (struct db_boot_result){ .config_id = config_id, .status = old.status, .warnings = old.warnings,
				     .details = old.details };
	rc = db_job_add_done(db, run->id, job_kind_name(JOB_BOOT), config_id, variant, old.status, message, &id);
	if (!rc)
		rc = db_job_set_same_boot(db, id, old.booted_job);
	if (!rc)
		rc = record_boot_copy(db, m, &b, id, variant, message, old.ownership);
	*reused = rc == 0;
	free(message);
	db_reused_boot_release(&old);
	return rc;
}

/*
 * The boot jobs of a passed build: one per variant, but a variant whose boot
 * is the same experiment as an earlier one's (boot_share.h) waits for that
 * boot instead of booting again. modules: the build's "modules" (NULL: it
 * did not say, every variant boots).
 */
static int queue_boots(struct server *s, struct db *db, const struct db_run *run, const struct matrix *m,
		       long config_id, const json_t *modules, long unchanged_since, long *queued)
{
	size_t nv = m->boot->nvariants, nmods = json_is_array(modules) ? json_array_size(modules) : 0;
	long *same = xcalloc(nv, sizeof(*same)), *ids = xcalloc(nv, sizeof(*ids));
	bool *reused = xcalloc(nv, sizeof(*reused));
	const char **names = xcalloc(nmods + 1, sizeof(*names));
	int rc = 0;

	for (size_t i = 0; i < nmods; i++)
		names[i] = json_string_value(json_array_get(modules, i));
	boot_share_plan(m->boot, json_is_array(modules) ? names : NULL, nmods, same);
	for (size_t i = 0; !rc && unchanged_since && i < nv; i++)
		rc = reuse_boot(db, run, m, config_id, m->boot->variants[i].name, unchanged_since, &reused[i]);
	for (size_t i = 0; !rc && i < nv; i++) {
		const char *variant = m->boot->variants[i].name;

		if (reused[i])
			continue;
		/* A variant whose boot was taken from the earlier build has no job to wait for here. */
		if (same[i] >= 0 && !reused[same[i]])
			rc = db_job_add_waiting(db, run->id, config_id, variant, (int)s->cfg->max_attempts,
						ids[same[i]], &ids[i]);
		else
			rc = db_job_add(db, run->id, "boot", config_id, variant, (int)s->cfg->max_attempts, &ids[i]);
		(*queued)++;
	}
	free(same);
	free(ids);
	free(reused);
	free(names);
	return rc;
}

/* After a build: its boots are queued, skipped (build failed) or missed (build errored). */
static int follow_build(struct server *s, struct db *db, const struct db_run *run, const struct matrix *m,
			long config_id, const char *status, const json_t *modules, long unchanged_since, long *queued)
{
	bool live = !run_state_is(run->state, RUN_SUPERSEDED) && !run_state_is(run->state, RUN_CANCELLED);
	int rc = 0;

	*queued = 0;
	if (!m->boot)
		return 0;
	if (job_status_is(status, STATUS_PASS) && live)
		return queue_boots(s, db, run, m, config_id, modules, unchanged_since, queued);
	for (size_t i = 0; !rc && i < m->boot->nvariants; i++) {
		const char *variant = m->boot->variants[i].name;

		if (job_status_is(status, STATUS_FAIL))
			rc = db_job_add_done(db, run->id, "boot", config_id, variant, "SKIP", "the build failed", NULL);
		else
			rc = db_job_add_done(db, run->id, "boot", config_id, variant, "MISS",
					     live ? "the build did not complete" : "the run was superseded", NULL);
	}
	return rc;
}

int sched_boots_missed(struct server *s, struct db *db, long run_id)
{
	struct db_run run;
	struct matrix *m = NULL;
	long *configs = NULL, queued = 0;
	size_t n = 0;
	int rc;

	memset(&run, 0, sizeof(run));
	rc = db_builds_missing_boots(db, run_id, &configs, &n);
	if (rc || n == 0)
		goto done;
	rc = db_run_get(db, run_id, &run);
	if (rc)
		goto done;
	rc = run_facts_matrix(&run, NULL, &m);
	for (size_t i = 0; !rc && i < n; i++)
		rc = follow_build(s, db, &run, m, configs[i], "ERROR", NULL, 0, &queued);
done:
	free(configs);
	db_run_release(&run);
	matrix_free(m);
	return rc;
}

/*
 * After job's boot b is recorded: the jobs waiting for it (same experiment,
 * another variant) get the same boot, ownership and their own expectations.
 * A boot that ERRORed answers for nobody: they boot on their own.
 */
static int record_shared_boots(struct db *db, const struct matrix *m, const struct db_boot_result *b,
			       const json_t *ownership)
{
	long *ids = NULL;
	char **variants = NULL;
	size_t n = 0;
	int rc;

	if (!job_status_is(b->status, STATUS_PASS) && !job_status_is(b->status, STATUS_FAIL))
		return db_jobs_stop_waiting(db, b->job_id);
	rc = db_jobs_waiting_boot(db, b->job_id, &ids, &variants, &n);
	for (size_t i = 0; !rc && i < n; i++) {
		const char *variant = variants[i] ? variants[i] : "default";
		char *message = xasprintf("the same boot as variant %s (job %ld): the same modules load in the same order",
					  b->variant, b->job_id);

		rc = record_boot_copy(db, m, b, ids[i], variant, message, ownership);
		if (!rc)
			rc = db_job_finish_shared(db, ids[i], b->status, message);
		free(message);
	}
	for (size_t i = 0; i < n; i++)
		free(variants[i]);
	free(variants);
	free(ids);
	return rc;
}

static int record_result(struct server *s, struct db *db, long worker_id, long job_id, const json_t *body,
			 json_t **reply);

int sched_result(struct server *s, struct db *db, long worker_id, long job_id, const json_t *res, json_t **reply)
{
	json_t *clean;
	int rc;

	*reply = NULL;
	if (!json_is_object(res))
		return err_set(KM_EINVAL, "result must be a JSON object");
	clean = json_deep_copy(res);
	/* Cleaned before any string is looked at: cleaning again later changes nothing. */
	clean_strings(clean);
	rc = record_result(s, db, worker_id, job_id, clean, reply);
	json_decref(clean);
	return rc;
}

/* What a decoded result must agree with in its run: points of the matrix's axes, every request index once. */
static int check_in_run(enum job_kind kind, size_t naxes, long nrequests, const struct job_result *r)
{
	size_t i;
	json_t *c;

	if (kind != JOB_CONFIGURE || r->status != STATUS_PASS)
		return 0;
	if ((long)json_array_size(r->requests) != nrequests)
		return err_set(KM_EINVAL, "configure result has %zu requests, the run has %ld", json_array_size(r->requests),
			       nrequests);
	if (json_array_size(r->configs) > (size_t)nrequests || json_array_size(r->configs) == 0)
		return err_set(KM_EINVAL, "configure result has %zu configs for %ld requests", json_array_size(r->configs),
			       nrequests);
	json_array_foreach(r->configs, i, c) {
		if (!point_ok(json_string_value(json_object_get(c, "point")), naxes))
			return err_set(KM_EINVAL,
				       "configs[%zu]: needs 'hash', 'text' (at most %d bytes) and a %zu-letter y/m/n 'point'",
				       i, JOB_RESULT_MAX_CONFIG_TEXT, naxes);
	}
	return check_request_indexes(r->requests, nrequests);
}

/* The body of a result whose head is in *r and whose strings clean_strings() saw, then check_in_run(). */
static int decode_in_run(enum job_kind kind, size_t naxes, long nrequests, const json_t *res, struct job_result *r)
{
	int rc = job_result_decode_body(res, kind, r);

	return rc ? rc : check_in_run(kind, naxes, nrequests, r);
}

int sched_result_check(enum job_kind kind, size_t naxes, long nrequests, json_t *res)
{
	struct job_result r;
	int rc;

	clean_strings(res);
	rc = job_result_decode_head(res, &r);
	if (!rc)
		rc = decode_in_run(kind, naxes, nrequests, res, &r);
	job_result_release(&r);
	return rc;
}

/* A result being recorded: the job it is for, with its run and matrix, and what the worker reported. */
struct recording {
	struct server *s;
	struct db *db;
	long worker_id, job_id;
	const json_t *body;
	struct job_result res; /* the head, then the body once record_load() knows the job's kind */
	const char *status;    /* res.status's name, as the database functions take it */
	struct db_job_info job;
	struct db_run run;
	struct matrix *m;
	long followups; /* jobs queued or unblocked: the queue is woken */
};

static int record_configure_result(struct recording *r)
{
	const char *commit = r->res.commit;
	int rc;

	if (commit && r->run.commit_id && strncmp(commit, r->run.commit_id, strlen(r->run.commit_id)) != 0)
		return err_set(KM_EINVAL, "'commit' %s is not the run's commit %s", commit, r->run.commit_id);
	rc = db_run_set_commit(r->db, r->run.id, commit, r->res.subject, r->res.author_name, r->res.author_email);
	if (!rc && r->res.status == STATUS_PASS)
		rc = record_configure(r->s, r->db, &r->run, r->m, &r->res, &r->followups);
	return rc;
}

/*
 * The earlier build a passing build says it makes the same objects as (the
 * worker found none of the files changed since among what that build read),
 * when that is a passing build of the same worker, config and matrix; else 0
 * and the boots run.
 */
static long unchanged_since(struct recording *r)
{
	long earlier = r->res.unchanged_since;
	struct db_config cfg;
	long ok = 0;

	if (earlier <= 0 || earlier >= r->job_id || r->res.status != STATUS_PASS)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	if (db_config_get(r->db, r->job.config_id, &cfg) == 0 &&
	    db_build_same_outputs(r->db, earlier, r->worker_id, cfg.hash, r->run.matrix_bundle) == 0)
		ok = earlier;
	else
		log_warn("job=%ld unchanged_since=%ld not taken: %s", r->job_id, earlier, err_msg());
	err_clear();
	db_config_release(&cfg);
	return ok;
}

static int record_build_result(struct recording *r)
{
	const struct job_result *res = &r->res;
	struct db_build_result b = {
		.job_id = r->job_id,
		.config_id = r->job.config_id,
		.worker_id = r->worker_id,
		.status = r->status,
		.message = res->message,
		.wall_s = res->wall_s,
		.cpu_s = res->cpu_s,
		.ccache_hits = res->ccache_hits,
		.ccache_misses = res->ccache_misses,
		.ccache_remote_hits = res->ccache_remote_hits,
		.warnings = res->warnings,
		.log_lines = res->log_lines,
		.make_cmd = res->make_cmd,
		.unchanged_since = unchanged_since(r),
	};
	int rc = db_build_record(r->db, &b);

	if (!rc)
		rc = record_errors(r->db, r->job_id, res->errors);
	if (!rc)
		rc = expect_results_build(r->db, r->m, r->job.config_id, r->job_id, r->status);
	if (!rc)
		rc = follow_build(r->s, r->db, &r->run, r->m, r->job.config_id, r->status, res->modules,
				  b.unchanged_since, &r->followups);
	return rc;
}

static int record_boot_result(struct recording *r)
{
	const struct job_result *res = &r->res;
	char *details_text = res->details ? json_dumps(res->details, JSON_COMPACT) : NULL;
	struct db_boot_result b = {
		.job_id = r->job_id,
		.config_id = r->job.config_id,
		.variant = r->job.variant ? r->job.variant : "default",
		.status = r->status,
		.message = res->message,
		.wall_s = res->wall_s,
		.warnings = res->warnings,
		.details = details_text,
	};
	int rc = db_boot_record(r->db, &b);

	if (!rc)
		rc = record_ownership(r->db, r->job_id, res->ownership);
	if (!rc)
		rc = expect_results_boot(r->db, r->m, r->job.config_id, r->job_id, b.variant, res->ownership);
	if (!rc)
		rc = record_shared_boots(r->db, r->m, &b, res->ownership);
	free(details_text);
	return rc;
}

/* The job, its run and the run's matrix; the whole result decoded and checked against them before anything is recorded. */
static int record_load(struct recording *r)
{
	long nrequests = 0;
	int rc = db_job_get(r->db, r->job_id, &r->job);

	if (!rc)
		rc = db_run_get(r->db, r->job.run_id, &r->run);
	if (!rc)
		rc = run_facts_matrix(&r->run, NULL, &r->m);
	if (!rc && r->job.kind == JOB_CONFIGURE)
		rc = db_request_count(r->db, r->run.id, &nrequests);
	if (!rc)
		rc = decode_in_run(r->job.kind, r->m->naxes, nrequests, r->body, &r->res);
	return rc;
}

/* Records the result by its job's kind and finishes the job (a bisect step is finished before it is judged). */
static int record_by_kind(struct recording *r)
{
	const char *lease = r->res.lease, *message = r->res.message;
	int rc;

	if (r->job.kind == JOB_BISECT) {
		rc = db_job_finish(r->db, r->job_id, lease, r->status, message);
		if (!rc)
			rc = bisect_record(r->s, r->db, r->job_id, &r->res);
		r->followups = 1;
		return rc;
	}
	if (r->job.kind == JOB_CONFIGURE)
		rc = record_configure_result(r);
	else if (r->job.kind == JOB_BUILD)
		rc = record_build_result(r);
	else
		rc = record_boot_result(r);
	return rc ? rc : db_job_finish(r->db, r->job_id, lease, r->status, message);
}

/* Records a result whose strings clean_strings() saw, in one transaction: all of it or nothing. */
static int record_result(struct server *s, struct db *db, long worker_id, long job_id, const json_t *body,
			 json_t **reply)
{
	struct recording r = { .s = s, .db = db, .worker_id = worker_id, .job_id = job_id, .body = body };
	bool requeued = false;
	int rc;

	*reply = NULL;
	rc = job_result_decode_head(body, &r.res);
	if (rc)
		goto done;
	r.status = job_status_name(r.res.status);
	rc = db_begin(db);
	if (rc)
		goto done;
	rc = db_job_check_lease(db, job_id, worker_id, r.res.lease, (int64_t)time(NULL));
	if (rc == KM_EEXISTS) {
		db_rollback(db);
		*reply = json_pack("{s:b,s:b,s:s}", "recorded", 0, "duplicate", 1, "message", err_msg());
		rc = 0;
		goto done;
	}
	if (!rc)
		rc = record_load(&r);
	if (!rc && r.res.status == STATUS_ERROR && r.res.retryable) {
		char *why = xasprintf("%s (will retry)", r.res.message ? r.res.message : "infrastructure error");

		rc = db_job_retry_or_fail(db, job_id, why, &requeued);
		free(why);
		if (!rc && requeued)
			rc = db_job_mark_delivered(db, job_id, r.res.lease);
	}
	if (!rc && !requeued)
		rc = record_by_kind(&r);
	if (!rc)
		rc = sched_advance(s, db, r.run.id);
	if (!rc)
		rc = db_commit(db);
	else
		db_rollback(db);
	if (!rc) {
		log_info("job=%ld run=%ld kind=%s status=%s%s followups=%ld", job_id, r.run.id,
			 job_kind_name(r.job.kind), r.status, requeued ? " requeued" : "", r.followups);
		if (r.followups || requeued)
			sched_notify();
		*reply = json_pack("{s:b,s:b,s:b}", "recorded", 1, "duplicate", 0, "requeued", requeued);
	}
done:
	job_result_release(&r.res);
	db_job_info_release(&r.job);
	db_run_release(&r.run);
	matrix_free(r.m);
	return rc;
}
