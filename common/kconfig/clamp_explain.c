/* Explains clamped Kconfig requests with the rules of scripts/kconfig/symbol.c (sym_calc_value), and checks the explanation. */
#include "clamp_explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "kconfig.h"
#include "xalloc.h"

/* The evaluation context: env completed with the tree's type lookup and MODULES name. */
struct ctx {
	const struct ktree *t;
	struct kexpr_env env;
	enum kexpr_tri modules;
	bool *uncertain; /* set when an unexpanded $(macro) took part */
};

/* Every quantity of sym_calc_value() for one symbol. */
struct calc {
	enum kexpr_type type;
	bool as_bool;       /* bool, or tristate while MODULES is n */
	bool usable;        /* the request is a valid value for the type */
	bool has_prompt;
	enum kexpr_tri visible, dir, rev, implied, defval, predicted;
	bool uncertain;     /* an unexpanded $(macro) took part: the prediction may be wrong */
	const struct ktree_def *def_from; /* the default that applied, or NULL */
	const struct ktree_default *def;
	const struct ktree_block *choice;
};

static const char *kconfig_get_cb(void *ctx, const char *sym)
{
	return kconfig_get(ctx, sym);
}

void clamp_env_kconfig(struct kexpr_env *env, const struct kconfig *cfg, const struct ktree *tree)
{
	memset(env, 0, sizeof(*env));
	env->get = kconfig_get_cb;
	env->ctx = (void *)cfg;
	/* Types come from the tree given to clamp_explain() (see ctx_init): the ctx here is the config. */
	if (tree)
		env->modules_sym = ktree_modules_sym(tree);
}

/* Adapts a kexpr_env whose type callback is absent to use the tree: the callback's ctx must be the tree. */
struct typed_env {
	const struct kexpr_env *base;
	const struct ktree *t;
};

static const char *typed_get(void *p, const char *sym)
{
	const struct typed_env *te = p;

	return te->base->get ? te->base->get(te->base->ctx, sym) : NULL;
}

static enum kexpr_type typed_type(void *p, const char *sym)
{
	const struct typed_env *te = p;

	if (te->base->type)
		return te->base->type(te->base->ctx, sym);
	return ktree_type_cb((void *)te->t, sym);
}

static void ctx_init(struct ctx *c, struct typed_env *te, const struct ktree *t, const struct kexpr_env *env)
{
	const char *mv;

	te->base = env;
	te->t = t;
	c->t = t;
	c->env.get = typed_get;
	c->env.type = typed_type;
	c->env.ctx = te;
	c->env.modules_sym = env->modules_sym ? env->modules_sym : ktree_modules_sym(t);
	mv = typed_get(te, c->env.modules_sym);
	c->modules = mv && mv[0] == 'y' && !mv[1] ? KEXPR_Y : KEXPR_N;
}

static enum kexpr_tri dep_val(const struct ctx *c, const struct kexpr *e)
{
	return kexpr_eval(e, &c->env, KEXPR_EVAL_DEP, c->uncertain);
}

static enum kexpr_tri tmin(enum kexpr_tri a, enum kexpr_tri b)
{
	return a < b ? a : b;
}

static enum kexpr_tri tmax(enum kexpr_tri a, enum kexpr_tri b)
{
	return a > b ? a : b;
}

static enum kexpr_tri sym_val(const struct ctx *c, const char *name)
{
	char v[8];

	if (!kexpr_symbol_value(&c->env, name, v, sizeof(v)))
		return KEXPR_N;
	return kexpr_tri_from_char(v[0]) >= 0 && !v[1] ? (enum kexpr_tri)kexpr_tri_from_char(v[0]) : KEXPR_N;
}

/* The menu dependency of an entry: its own depends on lines && every enclosing if/menu/choice. */
static enum kexpr_tri menu_dep(const struct ctx *c, const struct ktree_def *d)
{
	const struct ktree_dep **deps = NULL;
	size_t n = ktree_def_deps(d, false, &deps);
	enum kexpr_tri v = KEXPR_Y;

	for (size_t i = 0; i < n && v; i++)
		v = tmin(v, dep_val(c, deps[i]->expr));
	free(deps);
	return v;
}

static enum kexpr_tri prompt_vis(const struct ctx *c, const struct ktree_def *d, const struct ktree_prompt *p)
{
	const struct ktree_dep **deps = NULL;
	size_t n = ktree_def_deps(d, true, &deps);
	enum kexpr_tri v = dep_val(c, p->cond);

	for (size_t i = 0; i < n && v; i++)
		v = tmin(v, dep_val(c, deps[i]->expr));
	free(deps);
	return v;
}

/* The value of one select/imply term: selector && its menu dependency && the if condition. */
static enum kexpr_tri rdep_val(const struct ctx *c, const struct ktree_rdep *r)
{
	return tmin(tmin(sym_val(c, r->from->sym->name), menu_dep(c, r->from)), dep_val(c, r->cond));
}

static enum kexpr_tri promote(const struct calc *k, enum kexpr_tri v)
{
	return v == KEXPR_M && k->as_bool ? KEXPR_Y : v;
}

static void compute(struct ctx *c, const struct ktree_sym *s, enum kexpr_tri req, struct calc *k)
{
	memset(k, 0, sizeof(*k));
	c->uncertain = &k->uncertain;
	k->type = s->type;
	k->as_bool = s->type == KEXPR_T_BOOL || c->modules == KEXPR_N;
	k->usable = !(s->type == KEXPR_T_BOOL && req == KEXPR_M);
	for (size_t i = 0; i < s->ndefs; i++) {
		const struct ktree_def *d = s->defs[i];

		if (d->choice && !k->choice)
			k->choice = d->choice;
		k->dir = tmax(k->dir, menu_dep(c, d));
		for (size_t j = 0; j < d->nprompts; j++) {
			k->has_prompt = true;
			k->visible = tmax(k->visible, prompt_vis(c, d, &d->prompts[j]));
		}
	}
	if (k->visible == KEXPR_M && (s->type != KEXPR_T_TRISTATE || c->modules == KEXPR_N))
		k->visible = KEXPR_Y;
	k->dir = promote(k, k->dir);
	for (size_t i = 0; i < s->nrdeps; i++) {
		enum kexpr_tri v = rdep_val(c, &s->rdeps[i]);

		if (s->rdeps[i].imply)
			k->implied = tmax(k->implied, v);
		else
			k->rev = tmax(k->rev, v);
	}
	k->rev = promote(k, k->rev);
	k->implied = promote(k, k->implied);

	if (k->choice) {
		/* Choice members: the choice sets exactly one visible member; decided by the caller. */
		k->predicted = KEXPR_N;
		return;
	}
	if (k->visible != KEXPR_N && k->usable) {
		k->predicted = tmin(req, k->visible);
	} else {
		enum kexpr_tri v = KEXPR_N;

		for (size_t i = 0; i < s->ndefs && !k->def; i++) {
			const struct ktree_def *d = s->defs[i];

			for (size_t j = 0; j < d->ndefaults; j++) {
				enum kexpr_tri vis = tmin(dep_val(c, d->defaults[j].cond), menu_dep(c, d));

				if (vis == KEXPR_N)
					continue;
				k->def = &d->defaults[j];
				k->def_from = d;
				v = tmin(kexpr_eval(d->defaults[j].value, &c->env, 0, c->uncertain), vis);
				break;
			}
		}
		k->defval = v;
		if (k->implied != KEXPR_N)
			v = tmin(tmax(v, k->implied), k->dir);
		k->predicted = v;
	}
	k->predicted = promote(k, tmax(k->predicted, k->rev));
	c->uncertain = NULL;
}

/* ---- building reasons ---- */

struct rlist {
	struct clamp_reason *v;
	size_t n;
};

static struct clamp_reason *add_reason(struct rlist *l, enum clamp_kind kind)
{
	struct clamp_reason *r;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	r = &l->v[l->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	return r;
}

static void set_expr(struct clamp_reason *r, const struct ctx *c, const struct kexpr *e, enum kexpr_tri v)
{
	r->expr = kexpr_str(e, &c->env);
	r->kconfig = kexpr_str(e, NULL);
	r->value = kexpr_tri_char(v);
}

static enum clamp_kind dep_kind(enum ktree_dep_kind k)
{
	switch (k) {
	case KTREE_DEP_IF: return CLAMP_IF;
	case KTREE_DEP_MENU: return CLAMP_MENU;
	case KTREE_DEP_CHOICE: return CLAMP_CHOICE;
	case KTREE_DEP_VISIBLE: return CLAMP_VISIBLE;
	default: return CLAMP_DEPENDS;
	}
}

/* The block a dependency term belongs to (for its title), found by pointer. */
static const struct ktree_block *dep_block(const struct ktree_def *d, const struct ktree_dep *dep)
{
	for (const struct ktree_block *b = d->block; b; b = b->parent) {
		if (dep >= b->deps && dep < b->deps + b->ndeps)
			return b;
		if (dep >= b->visible && dep < b->visible + b->nvisible)
			return b;
	}
	return NULL;
}

static bool seen_dep(const struct rlist *l, const struct ktree_dep *dep)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].file == dep->file && l->v[i].line == dep->line && l->v[i].kind == dep_kind(dep->kind))
			return true;
	return false;
}

/* Adds each dependency term of d (and its prompt's if, when p is given) whose value is below limit. */
static void add_dep_reasons(struct rlist *l, const struct ctx *c, const struct ktree_def *d,
			    const struct ktree_prompt *p, bool with_visible, enum kexpr_tri limit)
{
	const struct ktree_dep **deps = NULL;
	size_t n = ktree_def_deps(d, with_visible, &deps);

	for (size_t i = 0; i < n; i++) {
		enum kexpr_tri v = dep_val(c, deps[i]->expr);
		const struct ktree_block *b;
		struct clamp_reason *r;

		/* Reasons keep the tree's file pointer until the end, so duplicates are found by identity. */
		if (v >= limit || seen_dep(l, deps[i]))
			continue;
		r = add_reason(l, dep_kind(deps[i]->kind));
		set_expr(r, c, deps[i]->expr, v);
		r->file = (char *)deps[i]->file;
		r->line = deps[i]->line;
		b = dep_block(d, deps[i]);
		if (b && b->kind == KTREE_BLOCK_IF)
			r->where = xasprintf("if %s", r->kconfig);
		else if (b && b->kind == KTREE_BLOCK_MENU)
			r->where = xasprintf("menu \"%s\"", b->title ? b->title : "");
		else if (b && b->kind == KTREE_BLOCK_CHOICE)
			r->where = xasprintf("choice \"%s\"", b->title ? b->title : "");
	}
	free(deps);
	if (p && p->cond) {
		enum kexpr_tri v = dep_val(c, p->cond);

		if (v < limit) {
			struct clamp_reason *r = add_reason(l, CLAMP_PROMPT);

			set_expr(r, c, p->cond, v);
			r->file = (char *)d->file;
			r->line = p->line;
		}
	}
}

/* Appends the terms of d's menu dependency below limit to *e (for select and default reasons). */
static struct kexpr *and_binding_deps(const struct ctx *c, const struct ktree_def *d, struct kexpr *e,
				      enum kexpr_tri limit)
{
	const struct ktree_dep **deps = NULL;
	size_t n = ktree_def_deps(d, false, &deps);

	for (size_t i = 0; i < n; i++)
		if (dep_val(c, deps[i]->expr) < limit)
			e = kexpr_and(e, kexpr_dup(deps[i]->expr));
	free(deps);
	return e;
}

static void add_rdep_reasons(struct rlist *l, const struct ctx *c, const struct ktree_sym *s, bool imply,
			     enum kexpr_tri above)
{
	for (size_t i = 0; i < s->nrdeps; i++) {
		const struct ktree_rdep *rd = &s->rdeps[i];
		enum kexpr_tri v;
		struct kexpr *e;
		struct clamp_reason *r;

		if (rd->imply != imply)
			continue;
		v = rdep_val(c, rd);
		if (v <= above)
			continue;
		e = kexpr_and(kexpr_symbol(rd->from->sym->name), kexpr_dup(rd->cond));
		if (menu_dep(c, rd->from) < tmin(sym_val(c, rd->from->sym->name), dep_val(c, rd->cond)))
			e = and_binding_deps(c, rd->from, e, KEXPR_Y);
		r = add_reason(l, imply ? CLAMP_IMPLY : CLAMP_SELECT);
		set_expr(r, c, e, v);
		r->symbol = xstrdup(rd->from->sym->name);
		r->file = (char *)rd->from->file;
		r->line = rd->line;
		kexpr_free(e);
	}
}

static void add_default_reason(struct rlist *l, const struct ctx *c, const struct calc *k)
{
	struct clamp_reason *r = add_reason(l, CLAMP_DEFAULT);
	struct kexpr *e = kexpr_and(kexpr_dup(k->def->value), kexpr_dup(k->def->cond));
	char *v = NULL, *cond = NULL;

	e = and_binding_deps(c, k->def_from, e, kexpr_eval(k->def->value, &c->env, 0, NULL));
	r->kconfig = kexpr_str(e, NULL);
	r->value = kexpr_tri_char(kexpr_eval(e, &c->env, 0, NULL));
	v = kexpr_str(k->def->value, &c->env);
	if (k->def->cond) {
		cond = kexpr_str(k->def->cond, &c->env);
		r->expr = xasprintf("%s if %s", v, cond);
	} else {
		r->expr = xstrdup(v);
	}
	r->file = (char *)k->def_from->file;
	r->line = k->def->line;
	free(v);
	free(cond);
	kexpr_free(e);
}

static void add_choice_reasons(struct rlist *l, const struct ctx *c, const struct ktree_sym *s,
			       const struct calc *k, enum kexpr_tri req, enum kexpr_tri eff, enum kexpr_tri *pred)
{
	const struct ktree_sym *other = NULL;

	for (size_t i = 0; i < ktree_count(c->t) && !other; i++) {
		const struct ktree_sym *o = ktree_at(c->t, i);

		if (o == s)
			continue;
		for (size_t j = 0; j < o->ndefs; j++)
			if (o->defs[j]->choice == k->choice && sym_val(c, o->name) == KEXPR_Y)
				other = o;
	}
	if (k->visible == KEXPR_N) {
		*pred = KEXPR_N;
		return;
	}
	*pred = other ? KEXPR_N : KEXPR_Y;
	if (req == eff)
		return;
	{
		struct clamp_reason *r = add_reason(l, CLAMP_CHOICE_PICK);
		struct kexpr *e = kexpr_symbol(other ? other->name : s->name);

		set_expr(r, c, e, other ? KEXPR_Y : sym_val(c, s->name));
		r->symbol = other ? xstrdup(other->name) : NULL;
		r->where = xasprintf("choice \"%s\"", k->choice->title ? k->choice->title : "");
		r->file = (char *)k->choice->file;
		r->line = k->choice->line;
		kexpr_free(e);
	}
}

const char *clamp_kind_name(enum clamp_kind k)
{
	static const char *const names[] = {
		[CLAMP_DEPENDS] = "depends", [CLAMP_IF] = "if",         [CLAMP_MENU] = "menu",
		[CLAMP_CHOICE] = "choice",   [CLAMP_VISIBLE] = "visible", [CLAMP_PROMPT] = "prompt",
		[CLAMP_NO_PROMPT] = "no-prompt", [CLAMP_SELECT] = "select", [CLAMP_IMPLY] = "imply",
		[CLAMP_DEFAULT] = "default", [CLAMP_MODULES] = "modules", [CLAMP_BOOL] = "bool",
		[CLAMP_CHOICE_PICK] = "choice-pick",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static void phrase(struct buf *b, const struct clamp_reason *r)
{
	switch (r->kind) {
	case CLAMP_DEPENDS:
		buf_printf(b, "depends on %s (%s:%u)", r->expr, r->file, r->line);
		break;
	case CLAMP_IF:
		buf_printf(b, "depends on %s (enclosing if at %s:%u)", r->expr, r->file, r->line);
		break;
	case CLAMP_MENU:
	case CLAMP_CHOICE:
		buf_printf(b, "depends on %s (%s at %s:%u)", r->expr, r->where ? r->where : "menu", r->file, r->line);
		break;
	case CLAMP_VISIBLE:
		buf_printf(b, "prompt hidden by visible if %s (%s at %s:%u)", r->expr, r->where ? r->where : "menu",
			   r->file, r->line);
		break;
	case CLAMP_PROMPT:
		buf_printf(b, "prompt only if %s (%s:%u)", r->expr, r->file, r->line);
		break;
	case CLAMP_NO_PROMPT:
		buf_printf(b, "no prompt, so not user-settable: the value comes from defaults and selects (%s:%u)",
			   r->file, r->line);
		break;
	case CLAMP_SELECT:
		buf_printf(b, "selected by %s (%s:%u)", r->expr, r->file, r->line);
		break;
	case CLAMP_IMPLY:
		buf_printf(b, "implied by %s (%s:%u)", r->expr, r->file, r->line);
		break;
	case CLAMP_DEFAULT:
		if (r->where && !strcmp(r->where, "no default, no select"))
			buf_printf(b, "no default applies and nothing selects it (%s:%u)", r->file, r->line);
		else if (r->where && !strcmp(r->where, "no default"))
			buf_printf(b, "no default applies (%s:%u)", r->file, r->line);
		else
			buf_printf(b, "default %s (%s:%u)", r->expr, r->file, r->line);
		break;
	case CLAMP_MODULES:
		buf_printf(b, "%s: m is not possible, so m becomes y", r->expr);
		break;
	case CLAMP_BOOL:
		buf_printf(b, "bool symbol: m is not a valid value, so the request is ignored");
		break;
	case CLAMP_CHOICE_PICK:
		if (r->symbol)
			buf_printf(b, "%s at %s:%u has %s instead", r->where, r->file, r->line, r->expr);
		else
			buf_printf(b, "%s at %s:%u must have one member set and no other is", r->where, r->file,
				   r->line);
		break;
	}
}

static char *render(const struct clamp_explanation *x)
{
	struct buf b = BUF_INIT(1024 * 1024);

	buf_printf(&b, "%s: requested %c, got %c", x->symbol, x->requested, x->effective);
	if (x->requested == x->effective && !x->nreasons) {
		buf_puts(&b, " (not clamped)");
	} else {
		for (size_t i = 0; i < x->nreasons; i++) {
			buf_puts(&b, i ? "; " : " \u2014 ");
			phrase(&b, &x->reasons[i]);
		}
	}
	if (x->uncertain)
		buf_puts(&b, " (Kconfig evaluates a $(...) macro here that is not evaluated again)");
	else if (x->predicted != x->effective)
		buf_printf(&b, " (but Kconfig's rules give %c from these values: is the config resolved?)",
			   x->predicted);
	return buf_steal(&b);
}

/* The prompts of every definition of s as reasons (add_dep_reasons() with the prompt's own conditions, up to want). */
static void prompt_reasons(struct rlist *l, struct ctx *c, const struct ktree_sym *s, enum kexpr_tri want)
{
	for (size_t i = 0; i < s->ndefs; i++)
		for (size_t j = 0; j < s->defs[i]->nprompts; j++)
			add_dep_reasons(l, c, s->defs[i], &s->defs[i]->prompts[j], true, want);
}

/* A symbol the user can set (a visible prompt): what capped the request below what was asked. */
static void visible_reasons(struct rlist *l, struct ctx *c, const struct ktree_sym *s, const struct calc *k,
			    enum kexpr_tri req)
{
	enum kexpr_tri capped = tmin(req, k->visible);

	if (capped < req) {
		/* Only the prompts that reach the limit explain it. */
		for (size_t i = 0; i < s->ndefs; i++)
			for (size_t j = 0; j < s->defs[i]->nprompts; j++) {
				enum kexpr_tri v = prompt_vis(c, s->defs[i], &s->defs[i]->prompts[j]);

				if (v == KEXPR_M && k->visible == KEXPR_Y)
					v = KEXPR_Y; /* promoted: not what limits */
				if (v >= k->visible)
					add_dep_reasons(l, c, s->defs[i], &s->defs[i]->prompts[j], true, req);
			}
	}
	add_rdep_reasons(l, c, s, false, capped);
}

/* A symbol the request could not set (no prompt, or none visible): where its value came from instead. */
static void invisible_reasons(struct rlist *l, struct ctx *c, const struct ktree_sym *s, const struct calc *k,
			      enum kexpr_tri req, enum kexpr_tri pred)
{
	if (!k->has_prompt) {
		struct clamp_reason *r = add_reason(l, CLAMP_NO_PROMPT);

		r->file = (char *)s->defs[0]->file;
		r->line = s->defs[0]->line;
	} else if (k->usable) {
		prompt_reasons(l, c, s, KEXPR_M);
	} else if (k->dir == KEXPR_N) {
		/* The request was ignored; unmet dependencies are why no default applies either. */
		for (size_t i = 0; i < s->ndefs; i++)
			add_dep_reasons(l, c, s->defs[i], NULL, false, KEXPR_M);
	}
	if (k->def && k->defval != KEXPR_N) {
		add_default_reason(l, c, k);
	} else if (pred == KEXPR_N && req != KEXPR_N && k->dir != KEXPR_N) {
		/* Nothing gives a value: say so, or the reader is left guessing. */
		struct clamp_reason *r = add_reason(l, CLAMP_DEFAULT);

		r->expr = xstrdup("n");
		r->kconfig = xstrdup("n");
		r->value = 'n';
		r->where = xstrdup(k->rev == KEXPR_N ? "no default, no select" : "no default");
		r->file = (char *)s->defs[0]->file;
		r->line = s->defs[0]->line;
	}
	if (k->implied > k->defval)
		add_rdep_reasons(l, c, s, true, k->defval);
	if (k->implied != KEXPR_N && k->dir < tmax(k->defval, k->implied))
		for (size_t i = 0; i < s->ndefs; i++)
			add_dep_reasons(l, c, s->defs[i], NULL, false, tmax(k->defval, k->implied));
	add_rdep_reasons(l, c, s, false, k->implied != KEXPR_N ? tmin(tmax(k->defval, k->implied), k->dir) : k->defval);
}

/* Why a tristate is y although m was asked for (or given by a select or default): modules are off. */
static void modules_reason(struct rlist *l, struct ctx *c, const struct ktree_sym *s, const struct calc *k,
			   enum kexpr_tri req, enum kexpr_tri pred)
{
	struct clamp_reason *r;
	char v[8];

	if (pred != KEXPR_Y || c->modules != KEXPR_N || s->type != KEXPR_T_TRISTATE ||
	    (req != KEXPR_M && k->rev != KEXPR_M && k->defval != KEXPR_M))
		return;
	r = add_reason(l, CLAMP_MODULES);
	kexpr_symbol_value(&c->env, c->env.modules_sym, v, sizeof(v));
	r->expr = xasprintf("%s [=%s]", c->env.modules_sym, v[0] ? v : "n");
	r->kconfig = xstrdup(c->env.modules_sym);
	r->value = 'n';
}

/* The explanation of s's values, its reasons taken from l. */
static struct clamp_explanation *explanation_new(const struct ktree_sym *s, const struct calc *k, enum kexpr_tri req,
						 enum kexpr_tri eff, enum kexpr_tri pred, struct rlist *l)
{
	struct clamp_explanation *x = xcalloc(1, sizeof(*x));

	x->symbol = xstrdup(s->name);
	x->type = xstrdup(ktree_type_name(s->type));
	x->requested = kexpr_tri_char(req);
	x->effective = kexpr_tri_char(eff);
	x->visible = kexpr_tri_char(k->visible);
	x->upper = kexpr_tri_char(k->dir);
	x->lower = kexpr_tri_char(k->rev);
	x->implied = kexpr_tri_char(k->implied);
	x->predicted = kexpr_tri_char(pred);
	x->uncertain = k->uncertain;
	/* Reasons borrowed the tree's file names to find duplicates; give them their own copies now. */
	for (size_t i = 0; i < l->n; i++)
		l->v[i].file = l->v[i].file ? xstrdup(l->v[i].file) : NULL;
	x->reasons = l->v;
	x->nreasons = l->n;
	x->text = render(x);
	return x;
}

int clamp_explain(const struct ktree *tree, const struct kexpr_env *env, const char *name, char requested,
		  char effective, struct clamp_explanation **out)
{
	const struct ktree_sym *s = ktree_find(tree, name);
	struct typed_env te;
	struct ctx c;
	struct calc k;
	struct rlist l = { 0 };
	int rq = kexpr_tri_from_char(requested), ef = kexpr_tri_from_char(effective);
	enum kexpr_tri req, eff, pred;

	*out = NULL;
	if (!s || !s->ndefs)
		return err_set(KM_ENOTFOUND, "%s: no Kconfig file defines it", name);
	if (s->type != KEXPR_T_BOOL && s->type != KEXPR_T_TRISTATE)
		return err_set(KM_EINVAL, "%s: a %s symbol, not bool or tristate", name, ktree_type_name(s->type));
	if (rq < 0 || ef < 0)
		return err_set(KM_EINVAL, "%s: values must be y, m or n", name);
	req = (enum kexpr_tri)rq;
	eff = (enum kexpr_tri)ef;
	ctx_init(&c, &te, tree, env);
	compute(&c, s, req, &k);
	pred = k.predicted;

	if (k.choice) {
		if (k.visible == KEXPR_N)
			prompt_reasons(&l, &c, s, KEXPR_M);
		add_choice_reasons(&l, &c, s, &k, req, eff, &pred);
	} else if (req != eff || pred != eff) {
		if (!k.usable) {
			struct clamp_reason *r = add_reason(&l, CLAMP_BOOL);

			r->expr = xstrdup("m");
			r->value = 'm';
		}
		if (k.usable && k.visible != KEXPR_N)
			visible_reasons(&l, &c, s, &k, req);
		else
			invisible_reasons(&l, &c, s, &k, req, pred);
		modules_reason(&l, &c, s, &k, req, pred);
	}
	*out = explanation_new(s, &k, req, eff, pred, &l);
	return 0;
}

static bool is_upper(enum clamp_kind k)
{
	return k == CLAMP_DEPENDS || k == CLAMP_IF || k == CLAMP_MENU || k == CLAMP_CHOICE || k == CLAMP_VISIBLE ||
	       k == CLAMP_PROMPT;
}

int clamp_check(const struct ktree *tree, const struct kexpr_env *env, const struct clamp_explanation *x)
{
	const struct ktree_sym *s = ktree_find(tree, x->symbol);
	struct typed_env te;
	struct ctx c;
	struct calc k;
	enum kexpr_tri req = (enum kexpr_tri)kexpr_tri_from_char(x->requested);
	enum kexpr_tri eff = (enum kexpr_tri)kexpr_tri_from_char(x->effective);
	enum kexpr_tri upper = KEXPR_Y, udir = KEXPR_Y, sel = KEXPR_N, imp = KEXPR_N, def = KEXPR_N, v;
	bool has_upper = false, has_default = false, no_prompt = false, bool_req = false, has_imp = false;

	if (!s)
		return err_set(KM_ECONFLICT, "%s: not in the tree", x->symbol);
	ctx_init(&c, &te, tree, env);
	for (size_t i = 0; i < x->nreasons; i++) {
		const struct clamp_reason *r = &x->reasons[i];
		struct kexpr *e = NULL;
		bool uncertain = false;
		enum kexpr_tri rv;

		switch (r->kind) {
		case CLAMP_NO_PROMPT: no_prompt = true; continue;
		case CLAMP_BOOL: bool_req = true; continue;
		case CLAMP_MODULES:
			if (c.modules != KEXPR_N)
				return err_set(KM_ECONFLICT, "%s: MODULES is set, the modules reason does not hold",
					       x->symbol);
			continue;
		default:
			break;
		}
		if (kexpr_parse(r->kconfig, &e)) {
			char msg[256];

			snprintf(msg, sizeof(msg), "%s", err_msg());
			return err_set(KM_ECONFLICT, "%s: reason '%s' does not parse: %s", x->symbol, r->kconfig, msg);
		}
		rv = kexpr_eval(e, &c.env, r->kind == CLAMP_DEFAULT ? 0 : KEXPR_EVAL_DEP, &uncertain);
		kexpr_free(e);
		if (uncertain)
			return err_set(KM_ECONFLICT, "%s: reason '%s' has an unevaluated macro", x->symbol, r->kconfig);
		if (kexpr_tri_char(rv) != r->value)
			return err_set(KM_ECONFLICT, "%s: '%s' evaluates to %c, the explanation says %c", x->symbol,
				       r->kconfig, kexpr_tri_char(rv), r->value);
		if (is_upper(r->kind)) {
			has_upper = true;
			upper = tmin(upper, rv);
			if (r->kind != CLAMP_VISIBLE && r->kind != CLAMP_PROMPT)
				udir = tmin(udir, rv);
		} else if (r->kind == CLAMP_SELECT) {
			sel = tmax(sel, rv);
		} else if (r->kind == CLAMP_IMPLY) {
			imp = tmax(imp, rv);
			has_imp = true;
		} else if (r->kind == CLAMP_DEFAULT) {
			def = rv;
			has_default = true;
		}
	}
	compute(&c, s, req, &k);
	if (k.uncertain)
		return err_set(KM_ECONFLICT, "%s: cannot be checked: Kconfig evaluates $(...) macros for it", x->symbol);
	if (k.choice)
		return 0; /* choice picks are checked by their reasons alone */
	/* Recombine the reasons the way sym_calc_value() combines what they stand for. */
	if (!no_prompt && !bool_req && !(has_upper && upper == KEXPR_N)) {
		v = tmin(req, upper);
	} else {
		v = has_default ? def : KEXPR_N;
		if (has_imp)
			v = tmin(tmax(v, imp), udir);
	}
	v = promote(&k, tmax(v, sel));
	if (v != eff)
		return err_set(KM_ECONFLICT, "%s: the reasons combine to %c, the effective value is %c", x->symbol,
			       kexpr_tri_char(v), kexpr_tri_char(eff));
	if (k.predicted != eff)
		return err_set(KM_ECONFLICT, "%s: Kconfig's rules give %c from the tree, the effective value is %c",
			       x->symbol, kexpr_tri_char(k.predicted), kexpr_tri_char(eff));
	return 0;
}

json_t *clamp_explanation_json(const struct clamp_explanation *x)
{
	json_t *o = json_object(), *arr = json_array();
	char s[2] = { 0 };

#define TRI(key, ch) (s[0] = (ch), json_object_set_new(o, key, json_string(s)))
	json_object_set_new(o, "symbol", json_string(x->symbol));
	json_object_set_new(o, "type", json_string(x->type));
	TRI("requested", x->requested);
	TRI("effective", x->effective);
	TRI("visible", x->visible);
	TRI("upper", x->upper);
	TRI("lower", x->lower);
	TRI("implied", x->implied);
	TRI("predicted", x->predicted);
#undef TRI
	json_object_set_new(o, "uncertain", json_boolean(x->uncertain));
	for (size_t i = 0; i < x->nreasons; i++) {
		const struct clamp_reason *r = &x->reasons[i];
		json_t *j = json_object();

		s[0] = r->value;
		json_object_set_new(j, "kind", json_string(clamp_kind_name(r->kind)));
		json_object_set_new(j, "expr", r->expr ? json_string(r->expr) : json_null());
		json_object_set_new(j, "kconfig", r->kconfig ? json_string(r->kconfig) : json_null());
		json_object_set_new(j, "value", r->value ? json_string(s) : json_null());
		json_object_set_new(j, "symbol", r->symbol ? json_string(r->symbol) : json_null());
		json_object_set_new(j, "where", r->where ? json_string(r->where) : json_null());
		json_object_set_new(j, "file", r->file ? json_string(r->file) : json_null());
		json_object_set_new(j, "line", r->file ? json_integer(r->line) : json_null());
		json_array_append_new(arr, j);
	}
	json_object_set_new(o, "reasons", arr);
	json_object_set_new(o, "text", json_string(x->text));
	return o;
}

void clamp_explanation_free(struct clamp_explanation *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->nreasons; i++) {
		free(x->reasons[i].expr);
		free(x->reasons[i].kconfig);
		free(x->reasons[i].symbol);
		free(x->reasons[i].where);
		free(x->reasons[i].file);
	}
	free(x->reasons);
	free(x->symbol);
	free(x->type);
	free(x->text);
	free(x);
}
