/* A run's facts, loaded once, and what follows from them: the comparison base, the typed comparison and the failure conditions. */
#include "run_facts.h"

#include <stdlib.h>
#include <string.h>

#include "condition.h"
#include "err.h"
#include "expect_results.h"
#include "jobtypes.h"
#include "matrix.h"
#include "xalloc.h"

int run_facts_matrix(const struct db_run *run, json_t **bundle, struct matrix **m)
{
	json_t *b = json_loads(run->matrix_bundle ? run->matrix_bundle : "", 0, NULL);
	int rc = 0;

	if (bundle)
		*bundle = NULL;
	if (m)
		*m = NULL;
	if (!b)
		return err_set(KM_EIO, "run %ld: its stored matrix bundle is not JSON", run->id);
	if (m && matrix_bundle_parse(b, m) != 0)
		rc = err_set(KM_EIO, "run %ld: its stored matrix does not parse: %s", run->id, err_msg());
	if (!rc && bundle)
		*bundle = json_incref(b);
	json_decref(b);
	return rc;
}

static bool state_finished(const char *state)
{
	static const char *const finished[] = { "done", "cancelled", "superseded", "error" };

	for (size_t i = 0; state && i < sizeof(finished) / sizeof(finished[0]); i++) {
		if (strcmp(state, finished[i]) == 0)
			return true;
	}
	return false;
}

int run_facts_load_head(struct db *db, long run_id, struct run_facts **out)
{
	struct run_facts *f = xcalloc(1, sizeof(*f));
	int rc = db_run_get(db, run_id, &f->run);

	*out = NULL;
	if (!rc)
		rc = run_facts_matrix(&f->run, NULL, &f->m);
	if (rc) {
		run_facts_free(f);
		return rc;
	}
	f->axes = xcalloc(f->m->naxes + 1, sizeof(char *));
	for (size_t i = 0; i < f->m->naxes; i++)
		f->axes[i] = f->m->axes[i].symbol;
	f->finished = state_finished(f->run.state);
	*out = f;
	return 0;
}

static struct run_facts_config *find_config(const struct run_facts *f, long config_id)
{
	for (size_t i = 0; i < f->nconfigs; i++) {
		if (f->configs[i].row.id == config_id)
			return &f->configs[i];
	}
	return NULL;
}

/* Worst first, for one config's verdict: SKIP and MISS boots never hide the build's status. */
static void combine(char *verdict, const char *s)
{
	static const char *const order[] = { "", "MISS", "SKIP", "PASS", "ERROR", "FAIL" };
	int a = 0, b = 0;

	for (int i = 0; i < 6; i++) {
		if (strcmp(verdict, order[i]) == 0)
			a = i;
		if (s && strcmp(s, order[i]) == 0)
			b = i;
	}
	if (b > a && b >= 3)
		snprintf(verdict, 8, "%s", order[b]);
}

static void add_boot(void *ctx, long config_id, const char *status)
{
	struct run_facts_config *c = find_config(ctx, config_id);

	if (c && job_status_is(c->verdict, STATUS_PASS))
		combine(c->verdict, status);
}

/* The newest boot of each variant, with its owners: a later job of a variant replaces the earlier one. */
static void add_boot_owner(void *ctx, const struct db_run_boot_owner *row)
{
	struct run_facts_config *c = find_config(ctx, row->config_id);
	struct run_facts_boot *b = NULL;

	if (!c || !row->variant)
		return;
	for (size_t i = 0; i < c->nboots; i++) {
		if (strcmp(c->boots[i].variant, row->variant) == 0)
			b = &c->boots[i];
	}
	if (!b) {
		c->boots = xrealloc(c->boots, (c->nboots + 1) * sizeof(*c->boots));
		b = &c->boots[c->nboots++];
		memset(b, 0, sizeof(*b));
		b->variant = xstrdup(row->variant);
	}
	if (b->job_id != row->job_id) {
		for (size_t k = 0; k < b->nowners; k++) {
			free(b->owners[k].role);
			free(b->owners[k].owner);
		}
		b->nowners = 0;
		b->job_id = row->job_id;
		snprintf(b->status, sizeof(b->status), "%s", row->status ? row->status : "");
	}
	if (row->role && row->owner) {
		b->owners = xrealloc(b->owners, (b->nowners + 1) * sizeof(*b->owners));
		b->owners[b->nowners].role = xstrdup(row->role);
		b->owners[b->nowners++].owner = xstrdup(row->owner);
	}
}

static void add_request(void *ctx, long config_id, const char *point)
{
	struct run_facts_config *c = find_config(ctx, config_id);

	if (!c || !point)
		return;
	c->req_points = xrealloc(c->req_points, (c->nreq + 1) * sizeof(char *));
	c->req_points[c->nreq++] = xstrdup(point);
}

int run_facts_load(struct db *db, long run_id, struct run_facts **out)
{
	struct run_facts *f = NULL;
	struct db_run_config *rows = NULL;
	size_t nrows = 0;
	int rc = run_facts_load_head(db, run_id, &f);

	*out = NULL;
	if (!rc)
		rc = db_run_configs(db, run_id, &rows, &nrows);
	if (rc)
		goto done;
	f->configs = xcalloc(nrows ? nrows : 1, sizeof(*f->configs));
	for (size_t i = 0; i < nrows; i++) {
		f->configs[i].row = rows[i];
		combine(f->configs[i].verdict, rows[i].build);
		if (rows[i].build[0])
			f->nbuilt++;
	}
	f->nconfigs = nrows;
	free(rows); /* the rows' strings now belong to f->configs */
	rc = db_run_boots_each(db, run_id, add_boot, f);
	if (!rc)
		rc = db_run_boot_owners_each(db, run_id, add_boot_owner, f);
	if (!rc)
		rc = db_run_request_points_each(db, run_id, add_request, f);
	if (!rc)
		rc = db_run_signatures(db, run_id, &f->sigs, &f->nsigs);
	/* A violated expectation or a race fails its config like a build error does. */
	for (size_t i = 0; !rc && i < f->nsigs; i++) {
		for (size_t k = 0; expect_results_is_finding(f->sigs[i].type) && k < f->sigs[i].nconfigs; k++) {
			struct run_facts_config *c = find_config(f, f->sigs[i].config_ids[k]);

			if (c && c->verdict[0])
				combine(c->verdict, "FAIL");
		}
	}
done:
	if (rc) {
		run_facts_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void run_facts_free(struct run_facts *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nconfigs; i++) {
		free(f->configs[i].row.hash);
		free(f->configs[i].row.point);
		for (size_t k = 0; k < f->configs[i].nreq; k++)
			free(f->configs[i].req_points[k]);
		free(f->configs[i].req_points);
		for (size_t k = 0; k < f->configs[i].nboots; k++) {
			struct run_facts_boot *b = &f->configs[i].boots[k];

			for (size_t o = 0; o < b->nowners; o++) {
				free(b->owners[o].role);
				free(b->owners[o].owner);
			}
			free(b->owners);
			free(b->variant);
		}
		free(f->configs[i].boots);
	}
	free(f->configs);
	db_run_signatures_free(f->sigs, f->nsigs);
	free(f->axes);
	matrix_free(f->m);
	db_run_release(&f->run);
	free(f);
}

int run_facts_base(struct db *db, long run_id, long *base_id)
{
	static const enum db_base_kind order[] = { DB_BASE_PREVIOUS, DB_BASE_COMMIT, DB_BASE_BRANCH };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int rc = db_run_base_find(db, run_id, order[i], base_id);

		if (rc != KM_ENOTFOUND)
			return rc;
	}
	*base_id = 0;
	return 0;
}

/* ---- comparison ------------------------------------------------------------------------------------ */

const char *run_facts_change_name(enum run_facts_change c)
{
	static const char *const names[] = {
		[RUN_FACTS_NEW] = "new",
		[RUN_FACTS_NEW_FAILURE] = "new-failure",
		[RUN_FACTS_FAILING] = "failing",
		[RUN_FACTS_STILL_FAILING] = "still-failing",
		[RUN_FACTS_FIXED] = "fixed",
		[RUN_FACTS_STILL_PASSING] = "still-passing",
		[RUN_FACTS_UNKNOWN] = "unknown",
	};

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "unknown";
}

const char *run_facts_sig_change_name(enum run_facts_sig_change c)
{
	return c == RUN_FACTS_SIG_NEW ? "new" : c == RUN_FACTS_SIG_GONE ? "gone" : "still";
}

/* The same config in the base: the same hash, else the config a shared request resolved to there. */
static const struct run_facts_config *match(const struct run_facts_config *c, const struct run_facts *base)
{
	for (size_t i = 0; i < base->nconfigs; i++) {
		if (strcmp(base->configs[i].row.hash, c->row.hash) == 0)
			return &base->configs[i];
	}
	for (size_t r = 0; r < c->nreq; r++) {
		for (size_t i = 0; i < base->nconfigs; i++) {
			for (size_t k = 0; k < base->configs[i].nreq; k++) {
				if (strcmp(base->configs[i].req_points[k], c->req_points[r]) == 0)
					return &base->configs[i];
			}
		}
	}
	return NULL;
}

static enum run_facts_change change_of(const char *now, const char *before)
{
	bool fail_now = job_status_is(now, STATUS_FAIL), fail_before = before && job_status_is(before, STATUS_FAIL);

	if (!before)
		return fail_now ? RUN_FACTS_NEW_FAILURE : RUN_FACTS_NEW;
	if (fail_now && fail_before)
		return RUN_FACTS_STILL_FAILING;
	if (fail_now)
		return job_status_is(before, STATUS_PASS) ? RUN_FACTS_NEW_FAILURE : RUN_FACTS_FAILING;
	if (fail_before && job_status_is(now, STATUS_PASS))
		return RUN_FACTS_FIXED;
	if (job_status_is(now, STATUS_PASS) && job_status_is(before, STATUS_PASS))
		return RUN_FACTS_STILL_PASSING;
	return RUN_FACTS_UNKNOWN;
}

const char *run_facts_boot_change_name(enum run_facts_boot_change c)
{
	return c == RUN_FACTS_BOOT_OWNER ? "owner" : "new-failure";
}

static const struct run_facts_boot *boot_of(const struct run_facts_config *c, const char *variant)
{
	for (size_t i = 0; i < c->nboots; i++) {
		if (strcmp(c->boots[i].variant, variant) == 0)
			return &c->boots[i];
	}
	return NULL;
}

static const char *owner_of(const struct run_facts_boot *b, const char *role)
{
	for (size_t i = 0; i < b->nowners; i++) {
		if (strcmp(b->owners[i].role, role) == 0)
			return b->owners[i].owner;
	}
	return NULL;
}

static void add_boot_change(struct run_facts_cmp *c, const struct run_facts_cmp_config *x,
			    const struct run_facts_boot *now, const struct run_facts_boot *before,
			    enum run_facts_boot_change change, const char *role, const char *from, const char *to)
{
	struct run_facts_cmp_boot *b;

	c->boots = xrealloc(c->boots, (c->nboots + 1) * sizeof(*c->boots));
	b = &c->boots[c->nboots++];
	*b = (struct run_facts_cmp_boot){ x->now, x->base, now, before, change, role, from, to };
}

/* The boots of one config that changed against the same config (same hash) of the base. */
static void compare_boots(struct run_facts_cmp *c, const struct run_facts_cmp_config *x)
{
	if (!x->base || strcmp(x->now->row.hash, x->base->row.hash) != 0)
		return; /* another config: its boots would say nothing about the commits */
	for (size_t i = 0; i < x->now->nboots; i++) {
		const struct run_facts_boot *now = &x->now->boots[i], *before = boot_of(x->base, now->variant);

		if (!before || !job_status_is(before->status, STATUS_PASS))
			continue;
		if (job_status_is(now->status, STATUS_FAIL)) {
			add_boot_change(c, x, now, before, RUN_FACTS_BOOT_NEW_FAILURE, NULL, "PASS", "FAIL");
			continue;
		}
		for (size_t k = 0; job_status_is(now->status, STATUS_PASS) && k < now->nowners; k++) {
			const char *role = now->owners[k].role, *after = now->owners[k].owner, *from = owner_of(before, role);

			if (from && strcmp(from, after) != 0 && strcmp(from, "race") != 0 && strcmp(after, "race") != 0)
				add_boot_change(c, x, now, before, RUN_FACTS_BOOT_OWNER, role, from, after);
		}
	}
}

struct run_facts_cmp *run_facts_compare(const struct run_facts *now, const struct run_facts *base)
{
	struct run_facts_cmp *c = xcalloc(1, sizeof(*c));
	size_t nbase = base ? base->nsigs : 0;

	c->now = now;
	c->base = base;
	c->configs = xcalloc(now->nconfigs + 1, sizeof(*c->configs));
	for (size_t i = 0; i < now->nconfigs; i++) {
		const struct run_facts_config *b = base ? match(&now->configs[i], base) : NULL;

		c->configs[i].now = &now->configs[i];
		c->configs[i].base = b;
		c->configs[i].change = change_of(now->configs[i].verdict, b ? b->verdict : NULL);
		compare_boots(c, &c->configs[i]);
	}
	c->nconfigs = now->nconfigs;
	c->sigs = xcalloc(now->nsigs + nbase + 1, sizeof(*c->sigs));
	for (size_t i = 0; i < now->nsigs; i++) {
		c->sigs[c->nsigs].sig = &now->sigs[i];
		c->sigs[c->nsigs++].change = base && run_facts_signature(base, now->sigs[i].id) ? RUN_FACTS_SIG_STILL
											       : RUN_FACTS_SIG_NEW;
	}
	for (size_t i = 0; i < nbase; i++) {
		if (run_facts_signature(now, base->sigs[i].id))
			continue;
		c->sigs[c->nsigs].sig = &base->sigs[i];
		c->sigs[c->nsigs++].change = RUN_FACTS_SIG_GONE;
	}
	return c;
}

void run_facts_cmp_free(struct run_facts_cmp *c)
{
	if (!c)
		return;
	free(c->configs);
	free(c->sigs);
	free(c->boots);
	free(c);
}

json_t *run_facts_cmp_json(const struct run_facts_cmp *c)
{
	json_t *configs = json_array(), *sigs = json_array(), *boots = json_array();

	for (size_t i = 0; i < c->nconfigs; i++) {
		const struct run_facts_cmp_config *x = &c->configs[i];

		json_array_append_new(configs,
				      json_pack("{s:s,s:I,s:o,s:s,s:o,s:s}", "point", x->now->row.point, "config_id",
						(json_int_t)x->now->row.id, "base_config_id",
						x->base ? json_integer(x->base->row.id) : json_null(), "status",
						x->now->verdict, "base_status",
						x->base ? json_string(x->base->verdict) : json_null(), "change",
						run_facts_change_name(x->change)));
	}
	for (size_t i = 0; i < c->nsigs; i++) {
		const struct db_run_signature *s = c->sigs[i].sig;

		json_array_append_new(sigs, json_pack("{s:I,s:s?,s:s?,s:s?,s:I,s:b,s:s}", "id", (json_int_t)s->id, "type",
						      s->type, "message", s->message, "signature", s->signature,
						      "configs", (json_int_t)s->nconfigs, "secondary", s->secondary,
						      "change", run_facts_sig_change_name(c->sigs[i].change)));
	}
	for (size_t i = 0; i < c->nboots; i++) {
		const struct run_facts_cmp_boot *b = &c->boots[i];

		json_array_append_new(boots, json_pack("{s:s,s:I,s:I,s:s,s:s,s:s?,s:s,s:s}", "point", b->now->row.point,
						       "config_id", (json_int_t)b->now->row.id, "base_config_id",
						       (json_int_t)b->base->row.id, "variant", b->boot->variant, "change",
						       run_facts_boot_change_name(b->change), "role", b->role, "before",
						       b->before, "after", b->after));
	}
	return json_pack("{s:I,s:o,s:b,s:o,s:o,s:o}", "run", (json_int_t)c->now->run.id, "base",
			 c->base ? json_integer(c->base->run.id) : json_null(), "provisional",
			 !c->now->finished || (c->base && !c->base->finished), "configs", configs, "signatures", sigs,
			 "boots", boots);
}

/* ---- failure conditions ---------------------------------------------------------------------------- */

const struct db_run_signature *run_facts_signature(const struct run_facts *f, long signature_id)
{
	for (size_t i = 0; i < f->nsigs; i++) {
		if (f->sigs[i].id == signature_id)
			return &f->sigs[i];
	}
	return NULL;
}

static bool hits(const struct db_run_signature *s, long config_id)
{
	for (size_t i = 0; i < s->nconfigs; i++) {
		if (s->config_ids[i] == config_id)
			return true;
	}
	return false;
}

int run_facts_condition(const struct run_facts *f, const struct db_run_signature *s, struct condition_result **out)
{
	struct condition_config *cc = xcalloc(f->nconfigs + 1, sizeof(*cc));
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	for (size_t i = 0; i < f->nconfigs; i++) {
		const struct db_run_config *c = &f->configs[i].row;
		bool fails = hits(s, c->id);
		int finding = expect_results_counts(f->m, s->type, s->symbol, c->build);

		if (!(finding >= 0 ? finding > 0 || fails : condition_build_counts(c->build, fails)) || !c->point ||
		    strlen(c->point) != f->m->naxes)
			continue;
		cc[n].point = c->point;
		cc[n].failing = fails;
		n++;
	}
	if (n)
		rc = condition_find(f->axes, f->m->naxes, cc, n, out);
	free(cc);
	return rc;
}

json_t *run_facts_condition_json(const struct run_facts *f, const struct db_run_signature *s)
{
	struct condition_result *r = NULL;
	json_t *out;

	if (run_facts_condition(f, s, &r) != 0 || !r)
		return NULL;
	out = condition_json(r);
	condition_free(r);
	json_object_set_new(out, "provisional", json_boolean(!f->finished));
	json_object_set_new(out, "built", json_integer((json_int_t)f->nbuilt));
	json_object_set_new(out, "configs", json_integer((json_int_t)f->nconfigs));
	return out;
}

json_t *run_facts_signatures_json(const struct run_facts *f)
{
	json_t *sigs = json_array();

	for (size_t i = 0; i < f->nsigs; i++) {
		const struct db_run_signature *s = &f->sigs[i];
		json_t *ids = json_array(), *cond = run_facts_condition_json(f, s);
		json_t *o;

		for (size_t k = 0; k < s->nconfigs; k++)
			json_array_append_new(ids, json_integer(s->config_ids[k]));
		o = json_pack("{s:I,s:s?,s:s?,s:s?,s:s?,s:s?,s:I,s:b,s:o}", "id", (json_int_t)s->id, "signature",
			      s->signature, "type", s->type, "symbol", s->symbol, "file", s->file, "message", s->message,
			      "configs", (json_int_t)s->nconfigs, "secondary", s->secondary, "config_ids", ids);
		if (cond)
			json_object_set_new(o, "condition", cond);
		json_array_append_new(sigs, o);
	}
	return json_pack("{s:o}", "signatures", sigs);
}

int run_facts_add_to_run_json(struct db *db, const struct run_facts *f, json_t *run)
{
	const struct matrix *m = f->m;
	json_t *axes = json_array(), *variants = json_array();
	long base = 0;
	int rc = run_facts_base(db, f->run.id, &base);

	for (size_t i = 0; i < m->naxes; i++)
		json_array_append_new(axes, json_pack("{s:s,s:s}", "symbol", m->axes[i].symbol, "values", m->axes[i].values));
	for (size_t i = 0; m->boot && i < m->boot->nvariants; i++)
		json_array_append_new(variants, json_string(m->boot->variants[i].name));
	json_object_set_new(run, "axes", axes);
	json_object_set_new(run, "variants", variants);
	json_object_set_new(run, "base", json_string(m->base));
	json_object_set_new(run, "arch", json_string(m->arch));
	json_object_set_new(run, "boot", json_boolean(m->boot != NULL));
	json_object_set_new(run, "base_run", base ? json_integer(base) : json_null());
	{
		/* An `axes = auto` run: the axes it chose and why (docs/auto-matrix.md). */
		json_t *b = json_loads(f->run.matrix_bundle ? f->run.matrix_bundle : "", 0, NULL);
		json_t *a = json_object_get(b, "auto");

		if (a)
			json_object_set(run, "auto", a);
		json_decref(b);
	}
	return rc;
}
