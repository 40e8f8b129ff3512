/* Clamp explanations at configure time and built-in-calls-module diagnoses at build time. */
#include "insight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "buildlog.h"
#include "clamp_explain.h"
#include "err.h"
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
