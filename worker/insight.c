/* Clamp explanations at configure time and built-in-calls-module diagnoses at build time. */
#include "insight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "buildlog.h"
#include "clamp_explain.h"
#include "err.h"
#include "expect.h"
#include "kconfig.h"
#include "kexpr.h"
#include "ktree.h"
#include "log.h"
#include "matrix.h"
#include "proc.h"
#include "symdiag.h"
#include "xalloc.h"

struct insight {
	char *srctree;
	char *arch;
	struct ktree *tree;
	bool tried;
};

struct insight *insight_new(const char *srctree, const char *arch)
{
	struct insight *in = xcalloc(1, sizeof(*in));

	in->srctree = xstrdup(srctree);
	in->arch = xstrdup(arch);
	return in;
}

void insight_free(struct insight *in)
{
	if (!in)
		return;
	ktree_free(in->tree);
	free(in->srctree);
	free(in->arch);
	free(in);
}

static const struct ktree *tree_of(struct insight *in)
{
	struct ktree_opts opts = { .arch = in->arch };

	if (!in->tried) {
		in->tried = true;
		if (ktree_load(in->srctree, &opts, &in->tree) != 0) {
			log_warn("insight: cannot read the Kconfig of %s: %s", in->srctree, err_msg());
			in->tree = NULL;
		}
	}
	return in->tree;
}

json_t *insight_explain_clamps(struct insight *in, const struct matrix *m, const char *requested,
			       const struct kconfig *effective)
{
	const struct ktree *tree = tree_of(in);
	json_t *out = json_array();
	struct kexpr_env env;

	if (!tree)
		return out;
	clamp_env_kconfig(&env, effective, tree);
	for (size_t a = 0; a < m->naxes; a++) {
		const char *sym = m->axes[a].symbol;
		char eff = kconfig_tristate(effective, sym);
		struct clamp_explanation *x = NULL;
		json_t *j;

		if (requested[a] == eff)
			continue;
		if (clamp_explain(tree, &env, sym, requested[a], eff, &x) != 0) {
			json_array_append_new(out, json_pack("{s:s,s:s}", "symbol", sym, "error", err_msg()));
			continue;
		}
		j = clamp_explanation_json(x);
		/* An explanation must be checkable: re-evaluating it yields the effective value. */
		json_object_set_new(j, "checked", json_boolean(clamp_check(tree, &env, x) == 0));
		json_array_append_new(out, j);
		clamp_explanation_free(x);
	}
	return out;
}

struct sym_check {
	const struct ktree *tree;
	const char *missing;
};

static void check_sym(void *ctx, const char *sym)
{
	struct sym_check *c = ctx;
	const struct ktree_sym *s = ktree_find(c->tree, sym);

	if (!c->missing && (!s || !s->ndefs))
		c->missing = sym;
}

int insight_check_expects(struct insight *in, const struct matrix *m)
{
	const struct ktree *tree = m->nexpects ? tree_of(in) : NULL;

	for (size_t i = 0; tree && i < m->nexpects; i++) {
		struct sym_check c = { tree, NULL };

		expect_rule_symbols(&m->expects[i], check_sym, &c);
		if (c.missing)
			return err_set(KM_EINVAL,
				       "%s:%u: rule '%s' names %s, which no Kconfig file of the tree defines "
				       "(expected a symbol of the tree)",
				       m->file, m->expects[i].line, m->expects[i].name, c.missing);
	}
	return 0;
}

struct rule_syms {
	char **v;
	size_t n;
};

static void add_sym(void *ctx, const char *sym)
{
	struct rule_syms *r = ctx;

	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i], sym) == 0)
			return;
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(char *));
	r->v[r->n++] = xstrdup(sym);
}

/*
 * Why Kconfig let sym have its value: every dependency term of its
 * definitions with operand values, and which of the rule's other symbols no
 * term names (nothing ties sym to them).
 */
static void explain_sym(struct buf *b, const struct ktree *tree, const struct kexpr_env *env, const char *sym,
			const struct rule_syms *rule)
{
	const struct ktree_sym *s = ktree_find(tree, sym);
	struct rule_syms named = { NULL, 0 };
	char v[64];
	size_t nterms = 0;

	if (!s || !kexpr_symbol_value(env, sym, v, sizeof(v)) || strcmp(v, "n") == 0)
		return;
	buf_printf(b, "%s [=%s]:", sym, v);
	for (size_t d = 0; d < s->ndefs; d++) {
		const struct ktree_dep **deps = NULL;
		size_t n = ktree_def_deps(s->defs[d], false, &deps);

		for (size_t i = 0; i < n; i++) {
			char *e = kexpr_str(deps[i]->expr, env);

			buf_printf(b, "%s %s %s (%s:%u)", nterms++ ? ";" : "",
				   deps[i]->kind == KTREE_DEP_DEPENDS ? "depends on" : ktree_dep_kind_name(deps[i]->kind),
				   e, deps[i]->file, deps[i]->line);
			kexpr_foreach_symbol(deps[i]->expr, add_sym, &named);
			free(e);
		}
		free(deps);
	}
	if (!nterms)
		buf_puts(b, " no dependencies");
	{
		bool first = true;

		for (size_t i = 0; i < rule->n; i++) {
			bool seen = strcmp(rule->v[i], sym) == 0;

			for (size_t k = 0; !seen && k < named.n; k++)
				seen = strcmp(named.v[k], rule->v[i]) == 0;
			if (seen)
				continue;
			buf_printf(b, "%s%s", first ? "; none of them names " : ", ", rule->v[i]);
			first = false;
		}
		if (!first)
			buf_printf(b, ", so Kconfig lets %s be %s whatever they are", sym, v);
	}
	buf_puts(b, "\n");
	for (size_t i = 0; i < named.n; i++)
		free(named.v[i]);
	free(named.v);
}

json_t *insight_explain_expects(struct insight *in, const struct matrix *m, const struct kconfig *effective)
{
	const struct ktree *tree = m->nexpects ? tree_of(in) : NULL;
	json_t *out = json_array();
	struct kexpr_env env;

	if (!tree)
		return out;
	clamp_env_kconfig(&env, effective, tree);
	for (size_t i = 0; i < m->nexpects; i++) {
		const struct expect_rule *r = &m->expects[i];
		struct rule_syms syms = { NULL, 0 };
		struct buf b = BUF_INIT(8192);

		if (!expect_is_config_rule(r) || !expect_config_violates(r, &env))
			continue;
		expect_rule_symbols(r, add_sym, &syms);
		for (size_t k = 0; k < syms.n; k++)
			explain_sym(&b, tree, &env, syms.v[k], &syms);
		json_array_append_new(out, json_pack("{s:s,s:s}", "rule", r->name, "text", buf_cstr(&b)));
		buf_free(&b);
		for (size_t k = 0; k < syms.n; k++)
			free(syms.v[k]);
		free(syms.v);
	}
	return out;
}

/* nm over this build's module objects, for the exports a built-in caller may have wanted. */
static int module_exports(const char *build_dir, struct symdiag_exports *x)
{
	char *order_path = xasprintf("%s/modules.order", build_dir);
	FILE *f = fopen(order_path, "r");
	char line[1024];
	int found = 0;

	free(order_path);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *obj, *out = NULL;

		line[strcspn(line, "\r\n")] = '\0';
		if (!*line || strstr(line, ".."))
			continue;
		obj = xasprintf("%s/%s", build_dir, line);
		{
			/* Plain nm of one file: symdiag takes the module name from origin. */
			const char *argv[] = { "nm", "--defined-only", obj, NULL };

			if (proc_capture(argv, NULL, 60, 16u << 20, &out) == 0) {
				char *ko = xstrdup(line);
				size_t n = strlen(ko);

				if (n > 2 && strcmp(ko + n - 2, ".o") == 0) {
					char *named;

					ko[n - 2] = '\0';
					named = xasprintf("%s.ko", ko);
					free(ko);
					ko = named;
				}
				if (symdiag_exports_add_nm(x, out, strlen(out), ko) == 0)
					found++;
				free(ko);
			}
		}
		free(out);
		free(obj);
	}
	fclose(f);
	return found;
}

json_t *insight_diagnose(struct insight *in, const char *build_dir, const struct kconfig *effective,
			 const struct buildlog_error *e)
{
	struct symdiag_exports *x = NULL;
	struct symdiag_undef *undefs = NULL;
	struct symdiag_report *report = NULL;
	size_t n = 0;
	struct kexpr_env env;
	struct symdiag_opts opts;
	const struct ktree *tree;
	json_t *out = NULL;

	if (strcmp(e->type, "ld-undefined") != 0 || !e->first_lines)
		return NULL;
	if (symdiag_parse_ld(e->first_lines, strlen(e->first_lines), &undefs, &n) != 0 || n == 0)
		goto done;
	tree = tree_of(in);
	x = symdiag_exports_new();
	module_exports(build_dir, x);
	memset(&opts, 0, sizeof(opts));
	opts.srctree = in->srctree;
	opts.tree = tree;
	if (tree) {
		clamp_env_kconfig(&env, effective, tree);
		opts.env = &env;
	}
	if (symdiag_diagnose(x, &undefs[0], &opts, &report) == 0 && report)
		out = symdiag_report_json(report);
done:
	symdiag_report_free(report);
	symdiag_undefs_free(undefs, n);
	symdiag_exports_free(x);
	return out;
}
