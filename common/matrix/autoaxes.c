/* Turns the symbols of a diff into a matrix's axes: settable symbols, one Kconfig step, ranking and bounds. */
#include "autoaxes.h"

#include <stdlib.h>
#include <stdio.h>
#include <sys/types.h>
#include <string.h>

#include "buf.h"
#include "covering.h"
#include "err.h"
#include "xalloc.h"

#define MAX_CANDIDATES 200

struct cands {
	struct autoaxes_axis *v;
	size_t n;
};

static struct autoaxes_axis *cand_find(struct cands *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].symbol, name))
			return &c->v[i];
	return NULL;
}

static void push_reason(struct autoaxes_axis *a, char *text)
{
	for (size_t i = 0; i < a->nreasons; i++)
		if (!strcmp(a->reasons[i], text)) {
			free(text);
			return;
		}
	a->reasons = xrealloc(a->reasons, (a->nreasons + 1) * sizeof(char *));
	a->reasons[a->nreasons++] = text;
}

/* Why a candidate was left out comes first. */
static void prepend_reason(struct autoaxes_axis *a, char *text)
{
	a->reasons = xrealloc(a->reasons, (a->nreasons + 1) * sizeof(char *));
	memmove(a->reasons + 1, a->reasons, a->nreasons * sizeof(char *));
	a->reasons[0] = text;
	a->nreasons++;
}

static struct autoaxes_axis *cand_add(struct cands *c, const char *name, int score)
{
	struct autoaxes_axis *a = cand_find(c, name);

	if (a) {
		if (score > a->score)
			a->score = score;
		return a;
	}
	if (c->n >= MAX_CANDIDATES)
		return NULL;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	a = &c->v[c->n++];
	memset(a, 0, sizeof(*a));
	a->symbol = xstrdup(name);
	a->score = score;
	return a;
}

static void axis_free(struct autoaxes_axis *a)
{
	free(a->symbol);
	for (size_t i = 0; i < a->nreasons; i++)
		free(a->reasons[i]);
	free(a->reasons);
}

static bool has_prompt(const struct ktree_sym *s)
{
	for (size_t i = 0; i < s->ndefs; i++)
		if (s->defs[i]->nprompts)
			return true;
	return false;
}

/* NULL when the symbol can be an axis, else why not. */
static const char *unsettable(const struct ktree *t, const char *name)
{
	const struct ktree_sym *s = ktree_find(t, name);

	if (!s || s->ndefs == 0)
		return "no Kconfig file defines it at the head commit";
	if (s->type != KEXPR_T_BOOL && s->type != KEXPR_T_TRISTATE)
		return "not bool or tristate";
	if (!strcmp(name, ktree_modules_sym(t)))
		return "it is the modules switch of the whole config";
	if (!has_prompt(s))
		return "it has no prompt: only select or default set it";
	return NULL;
}

struct edge_ctx {
	struct cands *c;
	const struct ktree *t;
	const char *from;
	char *how;  /* "depends on (drivers/cxl/Kconfig:3)" */
	int score;  /* what decides a symbol (depends on, if, selected by) weighs more than what it selects */
};

static void on_edge(void *ctx, const char *sym)
{
	struct edge_ctx *e = ctx;
	struct autoaxes_axis *a;

	if (!strcmp(sym, e->from) || unsettable(e->t, sym))
		return;
	a = cand_add(e->c, sym, e->score);
	if (a)
		push_reason(a, xasprintf("Kconfig: %s %s", e->from, e->how));
}

static const char *dep_words(enum ktree_dep_kind k)
{
	return k == KTREE_DEP_DEPENDS ? "depends on" : k == KTREE_DEP_IF ? "is inside if" : "is under";
}

/* One step along Kconfig's edges from a direct symbol: what it depends on, selects, and what selects it. */
static void one_step(struct cands *c, const struct ktree *t, const char *name, int from_score)
{
	const struct ktree_sym *s = ktree_find(t, name);
	int bonus = from_score / 20; /* a neighbour of a strong symbol before one of a weak symbol */

	for (size_t i = 0; s && i < s->ndefs; i++) {
		const struct ktree_def *def = s->defs[i];
		const struct ktree_dep **deps = NULL;
		size_t n = ktree_def_deps(def, false, &deps);

		for (size_t k = 0; k < n; k++) {
			char *text = kexpr_str(deps[k]->expr, NULL);
			struct edge_ctx e = { c, t, name, NULL, AUTOAXES_NEIGHBOUR_SCORE + 2 + bonus };

			e.how = xasprintf("%s %s (%s:%u)",
					  dep_words(deps[k]->kind), text, deps[k]->file, deps[k]->line);
			kexpr_foreach_symbol(deps[k]->expr, on_edge, &e);
			free(e.how);
			free(text);
		}
		free(deps);
		for (size_t k = 0; k < def->nselects; k++) {
			struct edge_ctx e = { c, t, name, NULL, AUTOAXES_NEIGHBOUR_SCORE + 2 + bonus };

			e.how = xasprintf("%s %s (%s:%u)", def->selects[k].imply ? "implies" : "selects",
					  def->selects[k].target, def->file, def->selects[k].line);
			on_edge(&e, def->selects[k].target);
			free(e.how);
		}
	}
	for (size_t i = 0; s && i < s->nrdeps; i++) {
		const struct ktree_rdep *r = &s->rdeps[i];
		struct edge_ctx e = { c, t, name, NULL, AUTOAXES_NEIGHBOUR_SCORE + 1 + bonus };

		e.how = xasprintf("is %s by %s (%s:%u)", r->imply ? "implied" : "selected", r->from->sym->name,
				  r->from->file, r->line);
		on_edge(&e, r->from->sym->name);
		free(e.how);
	}
}

static void sort_axes(struct autoaxes_axis *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct autoaxes_axis x = v[i];
		size_t k = i;

		for (; k > 0 && v[k - 1].score < x.score; k--)
			v[k] = v[k - 1];
		v[k] = x;
	}
}

static ssize_t axis_index(const struct autoaxes *a, const char *name)
{
	for (size_t i = 0; name && i < a->naxes; i++)
		if (!strcmp(a->axes[i].symbol, name))
			return (ssize_t)i;
	return -1;
}

static void push_seed(struct autoaxes *a, const char *pt)
{
	for (size_t k = 0; k < a->nseeds; k++)
		if (!strcmp(a->seeds[k], pt))
			return;
	a->seeds = xrealloc(a->seeds, (a->nseeds + 1) * sizeof(char *));
	a->seeds[a->nseeds++] = xstrdup(pt);
}

/*
 * Per call across a module boundary among the axes: the row that fails to
 * link (caller y, provider m, guard y) and each of its neighbours with one
 * of the three changed (caller m, provider y, guard n), so the run can tell
 * which of the three symbols the failure needs.
 */
static void seeds_of(struct autoaxes *a, const struct diffsyms *d)
{
	for (size_t i = 0; i < d->ncross; i++) {
		ssize_t c = axis_index(a, d->cross[i].caller), p = axis_index(a, d->cross[i].provider);
		ssize_t g = axis_index(a, d->cross[i].guard);
		char pt[MATRIX_MAX_AXES + 1];

		if (c < 0 || p < 0 || !strchr(a->axes[p].values, 'm') || (d->cross[i].guard && g < 0))
			continue;
		for (size_t k = 0; k < a->naxes; k++)
			pt[k] = a->axes[k].values[0];
		pt[a->naxes] = '\0';
		pt[c] = 'y';
		pt[p] = 'm';
		if (g >= 0)
			pt[g] = 'y';
		push_seed(a, pt);
		if (strchr(a->axes[c].values, 'm')) {
			pt[c] = 'm';
			push_seed(a, pt);
			pt[c] = 'y';
		}
		pt[p] = 'y';
		push_seed(a, pt);
		pt[p] = 'm';
		if (g >= 0) {
			pt[g] = 'n';
			push_seed(a, pt);
		}
	}
}

int autoaxes_choose(const struct diffsyms *d, const struct ktree *t, const struct matrix *m, struct autoaxes **out)
{
	struct autoaxes *a = xcalloc(1, sizeof(*a));
	struct cands c = { NULL, 0 };
	size_t ndirect;

	*out = NULL;
	if (!d || !t || !m)
		return err_set(KM_EINVAL, "autoaxes: symbols, tree and matrix are needed");
	for (size_t i = 0; i < d->nsyms; i++) {
		const struct diffsyms_sym *s = &d->syms[i];
		struct autoaxes_axis *x = cand_add(&c, s->name, s->score);

		for (size_t k = 0; x && k < s->nreasons; k++)
			push_reason(x, xstrdup(s->reasons[k].text));
		if (x && s->ncounted > s->nreasons)
			push_reason(x, xasprintf("... and %zu more lines", s->ncounted - s->nreasons));
	}
	ndirect = c.n;
	for (size_t i = 0; i < ndirect; i++)
		one_step(&c, t, c.v[i].symbol, c.v[i].score);
	for (size_t i = 0; i < c.n; i++) {
		const char *why = unsettable(t, c.v[i].symbol);

		if (why) {
			a->left = xrealloc(a->left, (a->nleft + 1) * sizeof(*a->left));
			a->left[a->nleft] = c.v[i];
			prepend_reason(&a->left[a->nleft++], xstrdup(why));
		} else {
			struct autoaxes_axis *x;

			a->axes = xrealloc(a->axes, (a->naxes + 1) * sizeof(*a->axes));
			x = &a->axes[a->naxes++];
			*x = c.v[i];
			snprintf(x->values, sizeof(x->values), "%s",
				 ktree_find(t, x->symbol)->type == KEXPR_T_TRISTATE ? "ymn" : "yn");
		}
	}
	free(c.v);
	sort_axes(a->axes, a->naxes);
	/* over max_axes: the lowest scores go to left */
	while (a->naxes > m->max_axes) {
		struct autoaxes_axis *x = &a->axes[--a->naxes];

		a->left = xrealloc(a->left, (a->nleft + 1) * sizeof(*a->left));
		prepend_reason(x, xasprintf("over max_axes = %u (score %d)", m->max_axes, x->score));
		a->left[a->nleft++] = *x;
	}
	a->product = a->naxes ? 1 : 0;
	for (size_t i = 0; i < a->naxes; i++)
		a->product *= strlen(a->axes[i].values);
	if (a->naxes >= 2 && a->product > m->max_requests) {
		a->cover = m->cover ? m->cover : 2;
		seeds_of(a, d);
	}
	if (!a->naxes)
		a->note = xstrdup(d->nsyms ? "no symbol of the diff can be an axis: the base config is built once"
					   : "the diff touches no Kconfig-guarded code: the base config is built once");
	else
		a->note = xasprintf("%zu axes from %zu symbols of the diff and their Kconfig neighbours%s", a->naxes,
				    d->nsyms, a->cover ? "; a covering array instead of the full product" : "");
	*out = a;
	return 0;
}

void autoaxes_free(struct autoaxes *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->naxes; i++)
		axis_free(&a->axes[i]);
	for (size_t i = 0; i < a->nleft; i++)
		axis_free(&a->left[i]);
	for (size_t i = 0; i < a->nseeds; i++)
		free(a->seeds[i]);
	free(a->seeds);
	free(a->axes);
	free(a->left);
	free(a->note);
	free(a);
}

/* Appends "# text" lines, breaking nothing: a reason is one line. */
static void comment(struct buf *b, const char *prefix, const char *text)
{
	buf_printf(b, "# %s", prefix);
	for (const char *s = text; *s; s++)
		buf_append(b, *s == '\n' ? " " : s, 1);
	buf_puts(b, "\n");
}

char *autoaxes_matrix_text(const struct autoaxes *a, const struct matrix *m, const char *text, const char *range,
			   const struct diffsyms *d)
{
	struct buf b = BUF_INIT(4 * 1024 * 1024);
	unsigned lineno = 0;

	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);

		lineno++;
		if (lineno == m->axes_line && a->naxes) {
			buf_printf(&b, "# axes = auto: chosen from %s (see [axes] below)\n", range);
			if (a->cover) {
				buf_printf(&b, "cover = %u\n", a->cover);
				if (a->nseeds) {
					buf_puts(&b, "seeds =");
					for (size_t i = 0; i < a->nseeds; i++)
						buf_printf(&b, " %s", a->seeds[i]);
					buf_puts(&b, "  # a call across modules: caller y, provider m, guard y, and one changed\n");
				}
			}
		} else {
			buf_append(&b, l, n);
			buf_puts(&b, "\n");
		}
		l = nl ? nl + 1 : NULL;
	}
	buf_printf(&b, "\n# ---- chosen from the Kconfig symbols of %s ----\n", range);
	comment(&b, "", a->note);
	if (d->cut)
		comment(&b, "cut: ", d->cut);
	if (a->cover)
		buf_printf(&b, "# %zu points in the full product; a covering array of strength %u instead\n",
			   a->product, a->cover);
	if (a->naxes) {
		buf_puts(&b, "[axes]\n");
		for (size_t i = 0; i < a->naxes; i++) {
			for (size_t k = 0; k < a->axes[i].nreasons; k++)
				comment(&b, "  ", a->axes[i].reasons[k]);
			buf_printf(&b, "%s =", a->axes[i].symbol);
			for (const char *v = a->axes[i].values; *v; v++)
				buf_printf(&b, " %c", *v);
			buf_printf(&b, "   # score %d\n", a->axes[i].score);
		}
	}
	for (size_t i = 0; i < a->nleft && i < 20; i++)
		buf_printf(&b, "# left out: %s (%s)\n", a->left[i].symbol, a->left[i].reasons[0]);
	if (a->nleft > 20)
		buf_printf(&b, "# left out: %zu more\n", a->nleft - 20);
	return buf_steal(&b);
}

static json_t *axes_json(const struct autoaxes_axis *v, size_t n, bool values)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array(), *o;

		for (size_t k = 0; k < v[i].nreasons; k++)
			json_array_append_new(r, json_string(v[i].reasons[k]));
		o = json_pack("{s:s,s:i,s:o}", "symbol", v[i].symbol, "score", v[i].score, "reasons", r);
		if (values)
			json_object_set_new(o, "values", json_string(v[i].values));
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *autoaxes_json(const struct autoaxes *a, const struct diffsyms *d, const char *range, size_t requests,
		      size_t cover_rows)
{
	json_t *o = json_pack("{s:s,s:o,s:o,s:i,s:I,s:I,s:I,s:s,s:I,s:I,s:I,s:I}", "range", range, "axes",
			      axes_json(a->axes, a->naxes, true), "left", axes_json(a->left, a->nleft, false), "cover",
			      (int)a->cover, "product", (json_int_t)a->product, "requests", (json_int_t)requests,
			      "saved", (json_int_t)(a->product > requests ? a->product - requests : 0), "note", a->note,
			      "files", (json_int_t)d->nfiles, "binary", (json_int_t)d->nbinary, "renamed",
			      (json_int_t)d->nrenamed, "deleted", (json_int_t)d->ndeleted);

	json_object_set_new(o, "cut", d->cut ? json_string(d->cut) : json_null());
	json_object_set_new(o, "cover_rows", json_integer((json_int_t)cover_rows));
	json_object_set_new(o, "capped", json_boolean(cover_rows > requests));
	return o;
}
