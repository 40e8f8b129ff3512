/* Matrix expectations judged by the server as configure, build and boot results arrive; violations are stored as errors. */
#include "expect_results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clamp_explain.h"
#include "err.h"
#include "expect.h"
#include "jobtypes.h"
#include "kconfig.h"
#include "matrix.h"
#include "run_facts.h"
#include "xalloc.h"

#define EXPLANATION_MAX 8192

bool expect_results_is_finding(const char *type)
{
	return type && (strcmp(type, "expect") == 0 || strcmp(type, "race") == 0);
}

static const struct expect_rule *rule_named(const struct matrix *m, const char *name)
{
	for (size_t i = 0; name && i < m->nexpects; i++) {
		if (strcmp(m->expects[i].name, name) == 0)
			return &m->expects[i];
	}
	return NULL;
}

int expect_results_counts(const struct matrix *m, const char *type, const char *rule, const char *build_status)
{
	const struct expect_rule *r;
	bool built = build_status && (job_status_is(build_status, STATUS_PASS) || job_status_is(build_status, STATUS_FAIL));

	if (!expect_results_is_finding(type))
		return -1;
	if (strcmp(type, "race") == 0)
		return build_status && job_status_is(build_status, STATUS_PASS);
	r = rule_named(m, rule);
	if (!r || expect_is_config_rule(r))
		return 1;
	if (r->kind == EXPECT_BUILDS)
		return built;
	return build_status && job_status_is(build_status, STATUS_PASS);
}

/*
 * One finding: the signature of the rule (or race) and an error row on job,
 * the explanation as its first lines (what the pages and the mail show).
 */
static int record(struct db *db, long job_id, const char *signature, const char *type, const char *symbol,
		  const char *file, const char *message, const char *explanation)
{
	long sig_id = 0;
	int rc = db_signature_ensure(db, signature, type, symbol, file, message, &sig_id);

	if (!rc)
		rc = db_error_add(db, job_id, sig_id, 1, 0, explanation, false, NULL);
	return rc;
}

/* A violation of rule r, recorded on job with its explanation. */
static int record_rule(struct db *db, long job_id, const struct matrix *m, const struct expect_rule *r,
		       const char *explanation)
{
	char *sig = expect_signature(m->name, r);
	char *msg = xasprintf("rule '%s' is violated: %s", r->name, r->text);
	int rc = record(db, job_id, sig, "expect", r->name, m->file, msg, explanation);

	free(sig);
	free(msg);
	return rc;
}

struct points {
	long config_id;
	const struct matrix *m;
	struct buf *b;
	size_t n;
};

/* "  DEV_DAX_HMEM=y CXL_BUS=m ..." for each request that resolved to the config. */
static void add_point(void *ctx, long config_id, const char *point)
{
	struct points *p = ctx;

	if (config_id != p->config_id || !point || strlen(point) != p->m->naxes)
		return;
	if (p->n++ == 0)
		buf_puts(p->b, "Requests that reached it:\n");
	buf_puts(p->b, " ");
	for (size_t i = 0; i < p->m->naxes; i++)
		buf_printf(p->b, " %s=%c", p->m->axes[i].symbol, point[i]);
	buf_puts(p->b, "\n");
}

/* The worker's explanation of rule name for this config, if it sent one. */
static const char *worker_text(const json_t *worker_expect, const char *name)
{
	size_t i;
	json_t *x;

	json_array_foreach(worker_expect, i, x) {
		const char *rule = json_string_value(json_object_get(x, "rule"));
		const char *text = json_string_value(json_object_get(x, "text"));

		if (rule && text && strcmp(rule, name) == 0 && strlen(text) <= EXPLANATION_MAX)
			return text;
	}
	return NULL;
}

int expect_results_configure(struct db *db, long run_id, const struct matrix *m, long config_id, long build_job,
			     const char *config_text, const json_t *worker_expect)
{
	struct kconfig *kc = NULL;
	struct kexpr_env env;
	int rc = 0;

	if (m->nexpects == 0 || !build_job)
		return 0;
	rc = kconfig_parse(config_text, strlen(config_text), &kc);
	if (rc)
		return rc;
	clamp_env_kconfig(&env, kc, NULL);
	for (size_t i = 0; !rc && i < m->nexpects; i++) {
		const struct expect_rule *r = &m->expects[i];
		struct buf b = BUF_INIT(EXPLANATION_MAX * 2);
		struct points p = { config_id, m, &b, 0 };
		const char *why;

		if (!expect_is_config_rule(r) || !expect_config_violates(r, &env))
			continue;
		buf_printf(&b, "%s %s: %s\n", r->kind == EXPECT_NEVER ? "Kconfig allowed" : "Kconfig did not give",
			   r->kind == EXPECT_NEVER ? "a forbidden combination" : "what must always hold", r->text);
		rc = db_run_request_points_each(db, run_id, add_point, &p);
		why = worker_text(worker_expect, r->name);
		if (why)
			buf_printf(&b, "%s\n", why);
		if (!rc)
			rc = record_rule(db, build_job, m, r, buf_cstr(&b));
		buf_free(&b);
	}
	kconfig_free(kc);
	return rc;
}

/* The config's .config as an env; *kc the caller's. */
static int config_env(struct db *db, long config_id, struct kconfig **kc, struct kexpr_env *env)
{
	char *text = NULL;
	int rc = db_config_text(db, config_id, &text);

	*kc = NULL;
	if (!rc)
		rc = kconfig_parse(text, strlen(text), kc);
	free(text);
	if (!rc)
		clamp_env_kconfig(env, *kc, NULL);
	return rc;
}

int expect_results_build(struct db *db, const struct matrix *m, long config_id, long build_job, const char *status)
{
	struct kconfig *kc = NULL;
	struct kexpr_env env;
	bool any = false;
	int rc = 0;

	for (size_t i = 0; i < m->nexpects; i++)
		any = any || m->expects[i].kind == EXPECT_BUILDS;
	if (!any || !job_status_is(status, STATUS_FAIL))
		return 0;
	rc = config_env(db, config_id, &kc, &env);
	for (size_t i = 0; !rc && i < m->nexpects; i++) {
		const struct expect_rule *r = &m->expects[i];
		char *why, *cond;

		if (r->kind != EXPECT_BUILDS || !expect_condition_holds(r, &env))
			continue;
		cond = kexpr_str(r->expr, &env);
		why = xasprintf("The config satisfies %s, so it must build; its build failed (see its errors).", cond);
		rc = record_rule(db, build_job, m, r, why);
		free(cond);
		free(why);
	}
	kconfig_free(kc);
	return rc;
}

int expect_results_boot(struct db *db, const struct matrix *m, long config_id, long boot_job, const char *variant,
			const json_t *owners)
{
	struct kconfig *kc = NULL;
	struct kexpr_env env;
	size_t i;
	json_t *o;
	int rc = 0;

	if (!json_is_array(owners) || json_array_size(owners) == 0)
		return 0;
	json_array_foreach(owners, i, o) {
		const char *role = json_string_value(json_object_get(o, "role"));
		const char *owner = json_string_value(json_object_get(o, "owner"));
		const char *evidence = json_string_value(json_object_get(o, "evidence"));

		if (rc)
			break;
		if (!role || !owner)
			continue;
		if (strcmp(owner, "race") == 0) {
			char *sig = expect_race_signature(m->name, variant, role);
			char *msg = xasprintf("the owner of the %s range races in variant %s", role, variant);
			char *why = xasprintf("Repeated boots of variant %s disagree about the owner of the %s range: %s",
					      variant, role, evidence ? evidence : "");

			rc = record(db, boot_job, sig, "race", role, m->file, msg, why);
			free(sig);
			free(msg);
			free(why);
		}
		for (size_t k = 0; !rc && k < m->nexpects; k++) {
			const struct expect_rule *r = &m->expects[k];
			char *why, *cond;

			if (r->kind != EXPECT_OWNER || strcmp(r->role, role) != 0 || !expect_rule_has_variant(r, variant))
				continue;
			if (!kc && (rc = config_env(db, config_id, &kc, &env)) != 0)
				break;
			if (!expect_condition_holds(r, &env) || strcmp(owner, r->owner) == 0)
				continue;
			cond = r->expr ? kexpr_str(r->expr, &env) : NULL;
			why = xasprintf("Variant %s: the %s range is owned by %s, expected %s%s%s.%s%s", variant, role, owner,
					r->owner, cond ? " because " : "", cond ? cond : "",
					evidence && *evidence ? " Evidence: " : "", evidence ? evidence : "");
			rc = record_rule(db, boot_job, m, r, why);
			free(cond);
			free(why);
		}
	}
	kconfig_free(kc);
	return rc;
}

static const struct run_facts_config *resolved_to(const struct run_facts *f, const char *point)
{
	for (size_t i = 0; i < f->nconfigs; i++) {
		for (size_t k = 0; k < f->configs[i].nreq; k++) {
			if (strcmp(f->configs[i].req_points[k], point) == 0)
				return &f->configs[i];
		}
	}
	return NULL;
}

bool expect_results_rejudged(const struct run_facts_cmp *cmp, const struct db_run_signature *gone)
{
	size_t judged = 0;

	for (size_t i = 0; cmp->base && i < cmp->base->nconfigs; i++) {
		const struct run_facts_config *b = &cmp->base->configs[i];
		bool had = false;

		for (size_t k = 0; k < gone->nconfigs; k++)
			had = had || gone->config_ids[k] == b->row.id;
		for (size_t r = 0; had && r < b->nreq; r++) {
			const struct run_facts_config *now = resolved_to(cmp->now, b->req_points[r]);

			if (!now || (!job_status_is(now->verdict, STATUS_PASS) && !job_status_is(now->verdict, STATUS_FAIL)))
				return false;
			judged++;
		}
	}
	return judged > 0;
}
