/* Bisection of a run's new error signatures and changed boots over the first-parent commits between its base and its head. */
#include "bisect.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bisect_boot.h"
#include "bisect_plan.h"
#include "buf.h"
#include "config.h"
#include "db.h"
#include "db_bisect.h"
#include "err.h"
#include "jobtypes.h"
#include "log.h"
#include "run_facts.h"
#include "sched.h"
#include "server.h"
#include "xalloc.h"

int (*bisect_on_done)(struct server *s, struct db *db, long bisection_id);

/* The failing config of a signature whose build ran last: the build directory of the matrix holds it. */
static long warmest_config(const struct run_facts *f, const struct db_run_signature *sig)
{
	long best = 0, best_job = 0;

	for (size_t i = 0; i < f->nconfigs; i++) {
		const struct db_run_config *c = &f->configs[i].row;

		for (size_t k = 0; k < sig->nconfigs; k++) {
			if (sig->config_ids[k] == c->id && job_status_is(c->build, STATUS_FAIL) && c->build_job > best_job) {
				best_job = c->build_job;
				best = c->id;
			}
		}
	}
	return best;
}

/*
 * Records a bisection: skipped with the reason when its ends leave nothing
 * to bisect, else walking with its walk queued (*walking then 1).
 */
static int begin(struct server *s, struct db *db, struct db_bisection_new *b, long *id, int *walking)
{
	long job = 0;
	int rc;

	*walking = 0;
	if (!b->good_commit || !b->bad_commit) {
		b->state = "skipped";
		b->reason = "the run or its base has no commit id";
	} else if (strcmp(b->good_commit, b->bad_commit) == 0) {
		b->state = "skipped";
		b->reason = "the base run built the same commit: nothing to bisect";
	}
	rc = db_bisection_add(db, b, id);
	if (rc || strcmp(b->state, "walking") != 0)
		return rc;
	rc = db_job_add(db, b->run_id, "bisect", b->config_id, b->variant, (int)s->cfg->max_attempts, &job);
	if (!rc)
		rc = db_bisect_step_add(db, *id, job, "walk", 0, NULL);
	*walking = rc == 0;
	return rc;
}

static int start_one(struct server *s, struct db *db, const struct run_facts *f, const struct run_facts *base,
		     const struct db_run_signature *sig)
{
	struct db_bisection_new b = {
		.run_id = f->run.id,
		.base_run = base->run.id,
		.signature_id = sig->id,
		.config_id = warmest_config(f, sig),
		.good_commit = base->run.commit_id,
		.bad_commit = f->run.commit_id,
		.state = "walking",
	};
	long id = 0;
	int walking = 0, rc;

	if (!b.config_id)
		return 0; /* only failed builds show a signature; nothing to rebuild otherwise */
	rc = begin(s, db, &b, &id, &walking);
	if (walking)
		log_info("run=%ld bisection=%ld signature=%ld config=%ld good=%.12s bad=%.12s walking", f->run.id, id,
			 sig->id, b.config_id, b.good_commit, b.bad_commit);
	return rc;
}

/* A boot of one config and variant that changed against the base: built and booted at each step. */
static int start_boot(struct server *s, struct db *db, const struct run_facts *f, const struct run_facts *base,
		      const struct run_facts_cmp_boot *c)
{
	struct db_bisection_new b = {
		.run_id = f->run.id,
		.base_run = base->run.id,
		.config_id = c->now->row.id,
		.good_commit = base->run.commit_id,
		.bad_commit = f->run.commit_id,
		.state = "walking",
		.kind = "boot",
		.variant = c->boot->variant,
		.role = c->role,
		.before = c->before,
		.after = c->after,
	};
	long id = 0;
	int walking = 0, rc = begin(s, db, &b, &id, &walking);

	if (walking)
		log_info("run=%ld bisection=%ld boot variant=%s role=%s %s->%s config=%ld good=%.12s bad=%.12s walking",
			 f->run.id, id, b.variant, b.role ? b.role : "-", b.before, b.after, b.config_id, b.good_commit,
			 b.bad_commit);
	return rc;
}

static int start(struct server *s, struct db *db, long run_id, int *started)
{
	struct run_facts *f = NULL, *base = NULL;
	struct run_facts_cmp *cmp = NULL;
	long base_id = 0;
	int rc;

	*started = 0;
	rc = run_facts_base(db, run_id, &base_id);
	if (rc || !base_id)
		return rc; /* no base: nothing is known good */
	rc = run_facts_load(db, run_id, &f);
	if (!rc)
		rc = run_facts_load(db, base_id, &base);
	if (rc)
		goto done;
	cmp = run_facts_compare(f, base);
	for (size_t i = 0; !rc && i < cmp->nsigs && *started < s->cfg->bisect_max; i++) {
		const struct run_facts_cmp_signature *c = &cmp->sigs[i];

		/* The mail's rule: a primary signature new against the base. */
		if (c->change != RUN_FACTS_SIG_NEW || c->sig->secondary)
			continue;
		rc = start_one(s, db, f, base, c->sig);
		if (!rc)
			(*started)++;
	}
	/* Then the boots that changed, within the same --bisect-max. */
	for (size_t i = 0; !rc && i < cmp->nboots && *started < s->cfg->bisect_max; i++) {
		rc = start_boot(s, db, f, base, &cmp->boots[i]);
		if (!rc)
			(*started)++;
	}
done:
	run_facts_cmp_free(cmp);
	run_facts_free(base);
	run_facts_free(f);
	return rc;
}

void bisect_run_done(struct server *s, struct db *db, long run_id)
{
	int started = 0, rc;

	if (s->cfg->bisect_max <= 0)
		return;
	rc = db_savepoint(db, "bisect_start");
	if (rc) {
		log_error("run=%ld bisection not started: %s", run_id, err_msg());
		return;
	}
	rc = start(s, db, run_id, &started);
	if (rc) {
		log_error("run=%ld bisection not started: %s", run_id, err_msg());
		db_savepoint_rollback(db, "bisect_start");
		return;
	}
	db_savepoint_release(db, "bisect_start");
	if (started)
		sched_notify();
}

int bisect_active(struct db *db, long run_id, size_t *n)
{
	long *ids = NULL;
	int rc = db_bisections_find(db, run_id, 0, 1, &ids, n);

	free(ids);
	return rc;
}

/* ---- the steps ------------------------------------------------------------------------------------ */

/* The commits of a walked bisection, parsed; NULL before the walk. */
static json_t *commits_of(const struct db_bisection *b)
{
	json_t *v = b->commits ? json_loads(b->commits, 0, NULL) : NULL;

	if (v && !json_is_array(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

static const char *commit_at(const struct db_bisection *b, const json_t *commits, long position)
{
	if (position <= 0)
		return b->good_commit;
	return json_string_value(json_object_get(json_array_get(commits, (size_t)position - 1), "id"));
}

static bool is_boot(const struct db_bisection *b)
{
	return b->kind && job_kind_is(b->kind, JOB_BOOT);
}

/* What a boot bisection looks for, borrowed from the bisection. */
static struct bisect_boot_target boot_target(const struct db_bisection *b)
{
	return (struct bisect_boot_target){ b->variant, b->role, b->before, b->after };
}

/* The bisection a step job belongs to; KM_ENOTFOUND when the job is not a step of one. */
static int bisection_of_job(struct db *db, long job_id, struct db_bisection *b)
{
	long id = 0;
	int rc = db_bisect_step_of_job(db, job_id, &id);

	if (!rc && !id)
		rc = err_set(KM_ENOTFOUND, "job %ld is not a step of a bisection", job_id);
	return rc ? rc : db_bisection_get(db, id, b);
}

int bisect_payload(struct db *db, long job_id, struct db_bisection *b, struct job_spec *spec)
{
	int rc = bisection_of_job(db, job_id, b);

	if (rc)
		return rc;
	spec->bisect.bisection = b->id;
	for (size_t i = 0; i < b->nsteps; i++) {
		const struct db_bisect_step *st = &b->steps[i];
		json_t *commits;

		if (st->job_id != job_id)
			continue;
		if (strcmp(st->op, "walk") == 0) {
			spec->bisect.op = BISECT_WALK;
			spec->bisect.good = b->good_commit;
			spec->bisect.head = b->bad_commit;
			spec->bisect.max_commits = JOB_RESULT_MAX_WALK_COMMITS;
			continue;
		}
		commits = commits_of(b);
		spec->bisect.op = BISECT_STEP;
		spec->commit = st->commit_id;
		spec->bisect.position = st->position;
		spec->bisect.of = (long)json_array_size(commits);
		/* A boot step boots what it built, with the variant, on the same worker. */
		if (is_boot(b))
			spec->bisect.boot_variant = b->variant ? b->variant : "default";
		json_decref(commits);
	}
	return 0;
}

/* The step's verdict: bad when it shows the signature, good when it builds, skip otherwise. */
static const char *step_verdict(const struct db_bisection *b, const struct job_result *res, char **reason)
{
	const char *message = res->message;
	const json_t *e;
	const char *first = NULL;
	size_t i;

	*reason = NULL;
	if (res->status == STATUS_PASS)
		return "good";
	if (res->status == STATUS_FAIL) {
		json_array_foreach(res->errors, i, e) {
			const char *sig = json_string_value(json_object_get(e, "signature"));

			if (sig && strcmp(sig, b->signature) == 0) {
				*reason = xstrdup(b->signature_message);
				return "bad";
			}
			if (!first && !json_is_true(json_object_get(e, "secondary")))
				first = json_string_value(json_object_get(e, "message"));
		}
		*reason = xasprintf("fails another way: %s", first ? first : message ? message : "make failed");
		return "skip";
	}
	*reason = xasprintf("the farm could not build it: %s", message ? message : "ERROR");
	return "skip";
}

/* A boot step's verdict (bisect_boot_verdict()) from its build's status and its "boot" object. */
static const char *boot_step_verdict(const struct db_bisection *b, const struct job_result *res, char **reason)
{
	static const char *const names[] = { [BISECT_GOOD] = "good", [BISECT_BAD] = "bad", [BISECT_SKIP] = "skip" };
	const json_t *boot = res->boot, *o;
	struct bisect_boot_target t = boot_target(b);
	struct bisect_boot_step st = {
		.build_status = job_status_name(res->status),
		.build_message = res->message,
		.boot_status = json_string_value(json_object_get(boot, "status")),
		.boot_message = json_string_value(json_object_get(boot, "message")),
	};
	size_t i;
	enum bisect_verdict v;

	json_array_foreach(json_object_get(boot, "ownership"), i, o) {
		if (t.role && strcmp(json_string_value(json_object_get(o, "role")), t.role) == 0)
			st.owner = json_string_value(json_object_get(o, "owner"));
	}
	v = bisect_boot_verdict(&t, &st, reason);
	return names[v == BISECT_GOOD || v == BISECT_BAD ? v : BISECT_SKIP];
}

static int conclude(struct server *s, struct db *db, const struct db_bisection *b, const char *state, long first_bad,
		    long range_first, const char *reason)
{
	int rc = db_bisection_finish(db, b->id, state, first_bad, range_first, reason);
	size_t active = 0;

	if (rc)
		return rc;
	log_info("run=%ld bisection=%ld state=%s first_bad=%ld range_first=%ld%s%s", b->run_id, b->id, state, first_bad,
		 range_first, reason ? " reason=" : "", reason ? reason : "");
	rc = bisect_active(db, b->run_id, &active);
	if (!rc && active == 0)
		rc = db_notify_run_due_now(db, b->run_id, (int64_t)time(NULL));
	if (!rc && bisect_on_done)
		rc = bisect_on_done(s, db, b->id);
	return rc;
}

/* Queues the next step of a stepping bisection, or concludes it, once none of its steps is unfinished. */
static int advance(struct server *s, struct db *db, long id)
{
	struct db_bisection b;
	json_t *commits = NULL;
	enum bisect_verdict *v = NULL;
	struct bisect_plan plan;
	size_t n, steps = 0, skips = 0;
	char *why = NULL;
	int rc = db_bisection_get(db, id, &b);

	if (rc)
		return rc;
	if (strcmp(b.state, "walking") != 0 && strcmp(b.state, "stepping") != 0)
		goto done;
	for (size_t i = 0; i < b.nsteps; i++) {
		const struct db_bisect_step *st = &b.steps[i];

		if (strcmp(st->job_state, "queued") == 0 || strcmp(st->job_state, "running") == 0)
			goto done;
		if (strcmp(st->op, "walk") == 0 && strcmp(b.state, "walking") == 0) {
			/* A walk that ended without a result (leases expired, worker revoked). */
			why = xasprintf("the walk of the history ended in %s: %s", st->job_status ? st->job_status : "ERROR",
					st->job_message ? st->job_message : "no result");
			rc = conclude(s, db, &b, "error", 0, 0, why);
			goto done;
		}
		if (strcmp(st->op, "step") == 0 && !st->verdict) {
			char *r = xasprintf("the farm could not build it: %s", st->job_message ? st->job_message : "no result");

			rc = db_bisect_step_set(db, st->job_id, "skip", r);
			free(r);
			if (rc)
				goto done;
			free(st->verdict);
			b.steps[i].verdict = xstrdup("skip");
		}
	}
	commits = commits_of(&b);
	n = json_array_size(commits);
	if (n == 0) {
		rc = conclude(s, db, &b, "error", 0, 0, "the walk found no commit between the base and the head");
		goto done;
	}
	v = xcalloc(n + 1, sizeof(*v));
	v[0] = b.good_checked ? BISECT_GOOD : BISECT_UNKNOWN;
	v[n] = BISECT_BAD; /* the run itself shows it */
	for (size_t i = 0; i < b.nsteps; i++) {
		const struct db_bisect_step *st = &b.steps[i];

		if (strcmp(st->op, "step") != 0 || st->position < 0 || (size_t)st->position > n)
			continue;
		steps++;
		if (strcmp(st->verdict, "good") == 0) {
			v[st->position] = BISECT_GOOD;
		} else if (strcmp(st->verdict, "bad") == 0) {
			v[st->position] = BISECT_BAD;
		} else {
			v[st->position] = BISECT_SKIP;
			skips++;
		}
	}
	bisect_plan(v, n, &plan);
	if (plan.outcome == BISECT_NEXT && steps >= bisect_max_steps(n, skips)) {
		/* Cannot happen with the plan's choices; a guard so a bug cannot build without end. */
		rc = conclude(s, db, &b, "error", 0, 0, "the step bound was reached");
	} else if (plan.outcome == BISECT_NEXT) {
		long job = 0;

		rc = db_job_add(db, b.run_id, "bisect", b.config_id, b.variant, (int)s->cfg->max_attempts, &job);
		if (!rc)
			rc = db_bisect_step_add(db, b.id, job, "step", (long)plan.next, commit_at(&b, commits, (long)plan.next));
		if (!rc)
			log_info("run=%ld bisection=%ld step job=%ld position=%zu/%zu commit=%.12s", b.run_id, b.id, job,
				 plan.next, n, commit_at(&b, commits, (long)plan.next));
		sched_notify();
	} else if (plan.outcome == BISECT_FOUND) {
		rc = conclude(s, db, &b, "found", (long)plan.first_bad, 0, NULL);
	} else if (plan.outcome == BISECT_RANGE) {
		why = xasprintf("%zu commit%s skipped: the first bad commit is one of %zu..%zu", plan.first_bad - plan.range_first,
				plan.first_bad - plan.range_first == 1 ? "" : "s", plan.range_first, plan.first_bad);
		rc = conclude(s, db, &b, "range", (long)plan.first_bad, (long)plan.range_first, why);
	} else if (plan.outcome == BISECT_NO_GOOD_END) {
		rc = conclude(s, db, &b, "error", 0, 0,
			      "the merge-base of the base and the head could not be built: nothing is known good");
	} else {
		rc = conclude(s, db, &b, "error", 0, 0,
			      "the merge-base of the base and the head shows the error too: the base run's commit is not an"
			      " ancestor, and the error is older than the push");
	}
done:
	free(v);
	free(why);
	json_decref(commits);
	db_bisection_release(&b);
	return rc;
}

int bisect_record(struct server *s, struct db *db, long job_id, const struct job_result *res)
{
	struct db_bisection b;
	char *reason = NULL;
	int rc = bisection_of_job(db, job_id, &b);

	if (rc)
		return rc;
	if (strcmp(b.state, "walking") != 0 && strcmp(b.state, "stepping") != 0)
		goto done; /* cancelled meanwhile: the result is kept with its job only */
	for (size_t i = 0; i < b.nsteps; i++) {
		const struct db_bisect_step *st = &b.steps[i];

		if (st->job_id != job_id)
			continue;
		if (strcmp(st->op, "walk") == 0) {
			const json_t *walk = res->walk;
			char *text;

			if (res->status != STATUS_PASS || !walk) {
				reason = xasprintf("the walk of the history failed: %s",
						   res->message ? res->message : job_status_name(res->status));
				rc = conclude(s, db, &b, "error", 0, 0, reason);
				goto done;
			}
			text = json_dumps(json_object_get(walk, "commits"), JSON_COMPACT);
			/* A good end other than the base run's commit (a merge-base) is not known good: it is built first. */
			rc = db_bisection_walked(db, b.id, text, json_string_value(json_object_get(walk, "good")),
						 strcmp(json_string_value(json_object_get(walk, "good")), b.good_commit) == 0);
			free(text);
			if (!rc && json_array_size(json_object_get(walk, "commits")) <= 1) {
				rc = conclude(s, db, &b, "skipped", 0, 0,
					      json_array_size(json_object_get(walk, "commits"))
						      ? "one commit lies between the base and the head: it is the head"
						      : "the head is an ancestor of the base: no commit of the push is new");
				goto done;
			}
		} else {
			const char *verdict = is_boot(&b) ? boot_step_verdict(&b, res, &reason) : step_verdict(&b, res, &reason);

			rc = db_bisect_step_set(db, job_id, verdict, reason);
		}
		break;
	}
	if (!rc)
		rc = advance(s, db, b.id);
done:
	free(reason);
	db_bisection_release(&b);
	return rc;
}

int bisect_advance_run(struct server *s, struct db *db, long run_id)
{
	long *ids = NULL;
	size_t n = 0;
	int rc = db_bisections_find(db, run_id, 0, 1, &ids, &n);

	for (size_t i = 0; !rc && i < n; i++)
		rc = advance(s, db, ids[i]);
	free(ids);
	return rc;
}

/* ---- what it says ---------------------------------------------------------------------------------- */

static json_t *commit_json(const json_t *commits, long position, size_t n)
{
	const json_t *c = json_array_get(commits, (size_t)position - 1);

	if (!c)
		return json_null();
	return json_pack("{s:O,s:O?,s:O?,s:i,s:i,s:o}", "id", json_object_get(c, "id"), "subject",
			 json_object_get(c, "subject"), "author", json_object_get(c, "author"), "position",
			 (json_int_t)position, "of", (json_int_t)n, "label", json_sprintf("%ld/%zu", position, n));
}

/* The reproducer of the build at the first bad commit: its step's, or the run's own build when it is the head. */
static json_t *reproducer_of(struct db *db, const struct db_bisection *b, size_t n)
{
	long job = 0;
	char *status = NULL;

	for (size_t i = 0; i < b->nsteps; i++) {
		if (strcmp(b->steps[i].op, "step") == 0 && b->steps[i].position == b->first_bad)
			job = b->steps[i].job_id;
	}
	if (is_boot(b)) /* the step built and booted it; the head's own boot is on the run's page */
		return job ? json_sprintf("/api/v1/jobs/%ld/artifacts/boot-reproducer.sh", job) : json_null();
	if (!job && (size_t)b->first_bad == n && db_build_of_config(db, b->config_id, &job, &status) != 0)
		job = 0;
	free(status);
	return job ? json_sprintf("/api/v1/jobs/%ld/artifacts/reproducer.sh", job) : json_null();
}

static json_t *one_json(struct db *db, const struct db_bisection *b)
{
	json_t *commits = commits_of(b);
	size_t n = json_array_size(commits), steps = 0, skips = 0;
	json_t *o, *arr = json_array();

	for (size_t i = 0; i < b->nsteps; i++) {
		const struct db_bisect_step *st = &b->steps[i];

		if (strcmp(st->op, "step") == 0) {
			steps++;
			skips += st->verdict && strcmp(st->verdict, "skip") == 0;
		}
		json_array_append_new(
			arr, json_pack("{s:i,s:s,s:i,s:s?,s:s?,s:s?,s:s,s:s?,s:s?,s:o}", "job_id", (json_int_t)st->job_id,
				       "op", st->op, "position", (json_int_t)st->position, "commit", st->commit_id,
				       "verdict", st->verdict, "reason", st->reason, "state", st->job_state, "status",
				       st->job_status, "message", st->job_message, "log",
				       json_sprintf("/api/v1/jobs/%ld/artifacts/build.log", st->job_id)));
		if (is_boot(b) && strcmp(st->op, "step") == 0)
			json_object_set_new(json_array_get(arr, json_array_size(arr) - 1), "console",
					    json_sprintf("/api/v1/jobs/%ld/artifacts/console.log", st->job_id));
	}
	o = json_pack("{s:i,s:i,s:i,s:o,s:i,s:s,s:s?,s:s,s:s,s:b,s:i,s:i,s:i,s:i,s:o,s:i,s:o?}", "id",
		      (json_int_t)b->id, "run_id", (json_int_t)b->run_id, "base_run", (json_int_t)b->base_run,
		      "signature",
		      is_boot(b) ? json_null()
				 : json_pack("{s:i,s:s,s:s}", "id", (json_int_t)b->signature_id, "signature", b->signature,
					     "message", b->signature_message),
		      "config_id", (json_int_t)b->config_id, "state", b->state, "reason", b->reason,
		      "good_commit", b->good_commit, "bad_commit", b->bad_commit, "good_checked", b->good_checked != 0,
		      "commits", (json_int_t)n, "steps_done", (json_int_t)steps, "skips", (json_int_t)skips, "max_steps",
		      (json_int_t)(n ? bisect_max_steps(n, skips) : 0), "steps", arr, "created_at",
		      (json_int_t)b->created_at, "finished_at",
		      b->finished_at ? json_integer((json_int_t)b->finished_at) : NULL);
	json_object_set_new(o, "kind", json_string(is_boot(b) ? "boot" : "build"));
	if (is_boot(b)) {
		struct bisect_boot_target t = boot_target(b);
		char *what = bisect_boot_what(&t);

		json_object_set_new(o, "boot", json_pack("{s:s?,s:s?,s:s?,s:s?,s:s}", "variant", b->variant, "role", b->role,
							 "before", b->before, "after", b->after, "what", what));
		free(what);
	}
	if (strcmp(b->state, "found") == 0 || strcmp(b->state, "range") == 0) {
		json_object_set_new(o, "first_bad", strcmp(b->state, "found") == 0 ? commit_json(commits, b->first_bad, n)
										  : json_null());
		if (strcmp(b->state, "range") == 0)
			json_object_set_new(o, "range",
					    json_pack("{s:o,s:o}", "first", commit_json(commits, b->range_first, n),
						      "last", commit_json(commits, b->first_bad, n)));
		json_object_set_new(o, "reproducer", strcmp(b->state, "found") == 0 ? reproducer_of(db, b, n) : json_null());
	}
	json_decref(commits);
	return o;
}

int bisect_json(struct db *db, long run_id, long signature_id, json_t **out)
{
	long *ids = NULL;
	size_t n = 0;
	json_t *arr = json_array();
	int rc = db_bisections_find(db, run_id, signature_id, 0, &ids, &n);

	*out = NULL;
	for (size_t i = 0; !rc && i < n; i++) {
		struct db_bisection b;

		rc = db_bisection_get(db, ids[i], &b);
		if (!rc)
			json_array_append_new(arr, one_json(db, &b));
		db_bisection_release(&b);
	}
	free(ids);
	if (rc) {
		json_decref(arr);
		return rc;
	}
	*out = json_pack("{s:o}", "bisections", arr);
	return 0;
}

int bisect_report_text(struct db *db, long run_id, long signature_id, const char *public_url, char **tag,
		       char **text)
{
	long *ids = NULL;
	size_t n = 0;
	long id;
	int rc;

	*tag = *text = NULL;
	rc = db_bisections_find(db, run_id, signature_id, 0, &ids, &n);
	if (rc || n == 0) {
		free(ids);
		return rc;
	}
	id = ids[0];
	free(ids);
	return bisect_report_text_of(db, id, public_url, tag, text);
}

int bisect_report_text_of(struct db *db, long bisection_id, const char *public_url, char **tag, char **text)
{
	struct db_bisection b;
	json_t *commits = NULL, *o = NULL;
	struct buf out;
	char *what = NULL;
	int rc;

	*tag = *text = NULL;
	rc = db_bisection_get(db, bisection_id, &b);
	if (rc)
		return rc;
	commits = commits_of(&b);
	if (is_boot(&b)) {
		struct bisect_boot_target t = boot_target(&b);

		what = bisect_boot_what(&t);
	}
	buf_init(&out, 64 * 1024);
	if (strcmp(b.state, "found") == 0) {
		const json_t *c = json_array_get(commits, (size_t)b.first_bad - 1);
		const char *id = json_string_value(json_object_get(c, "id"));
		size_t steps = 0;

		for (size_t i = 0; i < b.nsteps; i++)
			steps += strcmp(b.steps[i].op, "step") == 0;
		o = one_json(db, &b);
		*tag = xasprintf("%ld/%zu", b.first_bad, json_array_size(commits));
		if (what)
			buf_printf(&out, "The %s was bisected to this commit (patch %s of the push, %zu build%s and boot%s):\n\n",
				   what, *tag, steps, steps == 1 ? "" : "s", steps == 1 ? "" : "s");
		else
			buf_printf(&out, "The error was bisected to this commit (patch %s of the push, %zu build%s):\n\n",
				   *tag, steps, steps == 1 ? "" : "s");
		buf_printf(&out, "  bisected to %.12s %s\n", id ? id : "?",
			   json_string_value(json_object_get(c, "subject")) ? json_string_value(json_object_get(c, "subject"))
									     : "");
		if (json_string_value(json_object_get(c, "author")))
			buf_printf(&out, "  author: %s\n", json_string_value(json_object_get(c, "author")));
		if (json_string_value(json_object_get(o, "reproducer")))
			buf_printf(&out, "  %sreproducer at that commit: %s%s\n", what ? "boot " : "", public_url ? public_url : "",
				   json_string_value(json_object_get(o, "reproducer")));
	} else if (strcmp(b.state, "range") == 0) {
		const char *first = json_string_value(json_object_get(json_array_get(commits, (size_t)b.range_first - 1), "id"));
		const char *last = json_string_value(json_object_get(json_array_get(commits, (size_t)b.first_bad - 1), "id"));

		buf_printf(&out,
			   "The bisection%s%s could not name one commit: %s.\n  first bad commit in %.12s..%.12s (patches %ld..%ld of %zu)\n",
			   what ? " of the " : "", what ? what : "", b.reason ? b.reason : "commits were skipped",
			   first ? first : "?", last ? last : "?", b.range_first, b.first_bad, json_array_size(commits));
	} else if (strcmp(b.state, "skipped") == 0 || strcmp(b.state, "error") == 0) {
		if (what)
			buf_printf(&out, "The %s was not bisected: %s.\n", what, b.reason ? b.reason : b.state);
		else
			buf_printf(&out, "Not bisected: %s.\n", b.reason ? b.reason : b.state);
	}
	if (out.len)
		*text = buf_steal(&out);
	buf_free(&out);
	free(what);
	json_decref(o);
	json_decref(commits);
	db_bisection_release(&b);
	return 0;
}
