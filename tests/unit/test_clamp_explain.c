/* Tests of clamp explanations against configs resolved by the real Kconfig (scripts/kconfig/conf). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clamp_explain.h"
#include "err.h"
#include "kconfig.h"
#include "ktree.h"
#include "xalloc.h"

#define TREE KM_SOURCE_DIR "/tests/unit/data/ktree"
#define REAL_TREE "/var/cache/kmatrix/linux-6.12"

/* The synthetic tree and one of its resolved configs (configs/NAME.config, made by conf --olddefconfig). */
struct fixture {
	struct ktree *tree;
	struct kconfig *cfg;
	struct kexpr_env env;
};

static void fx_open(struct fixture *f, const char *tree, const char *config)
{
	struct ktree_opts o = { .arch = "x86_64" };

	if (ktree_load(tree, &o, &f->tree) != 0)
		fail_msg("%s", err_msg());
	if (kconfig_load(config, &f->cfg) != 0)
		fail_msg("%s", err_msg());
	clamp_env_kconfig(&f->env, f->cfg, f->tree);
}

static void fx_close(struct fixture *f)
{
	ktree_free(f->tree);
	kconfig_free(f->cfg);
}

/* Explains sym requested as req in config NAME, asserts the check passes, and returns the explanation. */
static struct clamp_explanation *explain_ok(struct fixture *f, const char *sym, char req)
{
	struct clamp_explanation *x = NULL;
	char eff = kconfig_tristate(f->cfg, sym);

	if (clamp_explain(f->tree, &f->env, sym, req, eff, &x) != 0)
		fail_msg("%s", err_msg());
	if (clamp_check(f->tree, &f->env, x) != 0)
		fail_msg("check of '%s' failed: %s", x->text, err_msg());
	return x;
}

static void explain__enclosing_if_caps_at_m(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;

	fx_open(&f, TREE, TREE "/configs/bus_m.config");
	x = explain_ok(&f, "BUS_ACPI", 'y');
	assert_string_equal(x->text,
			    "BUS_ACPI: requested y, got m \u2014 depends on BUS [=m] (enclosing if at drivers/Kconfig:16)");
	assert_int_equal(x->nreasons, 1);
	assert_int_equal(x->reasons[0].kind, CLAMP_IF);
	assert_string_equal(x->reasons[0].expr, "BUS [=m]");
	assert_string_equal(x->reasons[0].kconfig, "BUS");
	assert_int_equal(x->reasons[0].value, 'm');
	assert_string_equal(x->reasons[0].file, "drivers/Kconfig");
	assert_int_equal(x->reasons[0].line, 16);
	assert_string_equal(x->reasons[0].where, "if BUS");
	clamp_explanation_free(x);
	fx_close(&f);
}

static void explain__x_or_not_x_dependency(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;

	fx_open(&f, TREE, TREE "/configs/bus_m.config");
	x = explain_ok(&f, "USER", 'y');
	assert_string_equal(x->text, "USER: requested y, got m \u2014 depends on BUS [=m] || !BUS [=m] (drivers/Kconfig:47)");
	assert_int_equal(x->reasons[0].kind, CLAMP_DEPENDS);
	clamp_explanation_free(x);
	fx_close(&f);
}

static void explain__select_is_a_lower_bound(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;

	fx_open(&f, TREE, TREE "/configs/bus_m.config");
	x = explain_ok(&f, "FWL", 'n');
	assert_string_equal(x->text, "FWL: requested n, got m \u2014 selected by USER [=m] && BUS_ACPI [=m] (drivers/Kconfig:48)");
	assert_int_equal(x->reasons[0].kind, CLAMP_SELECT);
	assert_string_equal(x->reasons[0].symbol, "USER");
	assert_int_equal(x->lower, 'm');
	clamp_explanation_free(x);
	fx_close(&f);
}

static void explain__greater_or_equal_dependency(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;

	fx_open(&f, TREE, TREE "/configs/bus_m.config");
	x = explain_ok(&f, "DAXCXL", 'm');
	assert_string_equal(x->text, "DAXCXL: requested m, got n \u2014 depends on BUS_ACPI [=m] >= HMEM [=y] (drivers/Kconfig:63)");
	assert_string_equal(x->reasons[0].kconfig, "BUS_ACPI>=HMEM");
	assert_int_equal(x->reasons[0].value, 'n');
	clamp_explanation_free(x);
	fx_close(&f);
}

static void explain__no_prompt_takes_the_default(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;

	fx_open(&f, TREE, TREE "/configs/bus_m.config");
	x = explain_ok(&f, "NOPROMPT", 'n');
	assert_int_equal(x->nreasons, 2);
	assert_int_equal(x->reasons[0].kind, CLAMP_NO_PROMPT);
	assert_int_equal(x->reasons[1].kind, CLAMP_DEFAULT);
	assert_string_equal(x->reasons[1].expr, "BUS [=m]");
	assert_int_equal(x->reasons[1].line, 56);
	assert_non_null(strstr(x->text, "no prompt, so not user-settable"));
	clamp_explanation_free(x);
	fx_close(&f);
}

static void explain__prompt_condition_limits(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;

	fx_open(&f, TREE, TREE "/configs/bus_m.config");
	x = explain_ok(&f, "SUB", 'y');
	assert_string_equal(x->text, "SUB: requested y, got m \u2014 prompt only if BUS [=m] (drivers/sub/Kconfig:2)");
	assert_int_equal(x->reasons[0].kind, CLAMP_PROMPT);
	clamp_explanation_free(x);
	fx_close(&f);
}

static void explain__bool_with_m_dependency_is_y(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;

	/* REGION is bool inside `if BUS` with BUS=m: Kconfig promotes the m limit to y (the seed's trap). */
	fx_open(&f, TREE, TREE "/configs/bus_m.config");
	x = explain_ok(&f, "REGION", 'y');
	assert_int_equal(x->effective, 'y');
	assert_int_equal(x->nreasons, 0);
	assert_int_equal(x->upper, 'y');
	assert_string_equal(x->text, "REGION: requested y, got y (not clamped)");
	clamp_explanation_free(x);
	fx_close(&f);
}

static void explain__m_without_modules_becomes_y(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;

	fx_open(&f, TREE, TREE "/configs/nomod.config");
	x = explain_ok(&f, "BUS", 'm');
	assert_string_equal(x->text, "BUS: requested m, got y \u2014 MODULES [=n]: m is not possible, so m becomes y");
	assert_int_equal(x->reasons[0].kind, CLAMP_MODULES);
	clamp_explanation_free(x);
	x = explain_ok(&f, "FWL", 'm');
	assert_int_equal(x->nreasons, 2);
	assert_int_equal(x->reasons[0].kind, CLAMP_SELECT);
	assert_int_equal(x->reasons[1].kind, CLAMP_MODULES);
	clamp_explanation_free(x);
	fx_close(&f);
}

static void explain__m_for_a_bool_is_ignored(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;

	fx_open(&f, TREE, TREE "/configs/bus_y.config");
	x = explain_ok(&f, "REGION", 'm');
	assert_int_equal(x->effective, 'y');
	assert_int_equal(x->reasons[0].kind, CLAMP_BOOL);
	assert_int_equal(x->reasons[1].kind, CLAMP_DEFAULT);
	assert_string_equal(x->reasons[1].expr, "BUS [=y]");
	clamp_explanation_free(x);
	fx_close(&f);
}

static void explain__visible_if_hides_the_prompt(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;

	fx_open(&f, TREE, TREE "/configs/hidden.config");
	x = explain_ok(&f, "BUS", 'y');
	assert_string_equal(x->text, "BUS: requested y, got n \u2014 prompt hidden by visible if !HIDE_MENU [=y] "
				     "(menu \"Bus drivers\" at drivers/Kconfig:3); no default applies and nothing "
				     "selects it (drivers/Kconfig:5)");
	assert_int_equal(x->reasons[0].kind, CLAMP_VISIBLE);
	assert_int_equal(x->reasons[1].kind, CLAMP_DEFAULT);
	assert_int_equal(x->visible, 'n');
	clamp_explanation_free(x);
	/* A bool asked for m inside `if BUS` with BUS=n: the request is ignored and BUS=n is why nothing applies. */
	x = explain_ok(&f, "REGION", 'm');
	assert_string_equal(x->text, "REGION: requested m, got n \u2014 bool symbol: m is not a valid value, so the "
				     "request is ignored; depends on BUS [=n] (enclosing if at drivers/Kconfig:16)");
	clamp_explanation_free(x);
	x = explain_ok(&f, "WIDE", 'y');
	assert_string_equal(x->reasons[0].expr, "COUNT [=2] > 3 && NAME [=abc] = \"abc\"");
	clamp_explanation_free(x);
	fx_close(&f);
}

static void explain__choice_member_lost_to_another(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;

	fx_open(&f, TREE, TREE "/configs/hidden.config");
	x = explain_ok(&f, "MODE_A", 'y');
	assert_int_equal(x->effective, 'n');
	assert_int_equal(x->reasons[0].kind, CLAMP_CHOICE_PICK);
	assert_string_equal(x->reasons[0].symbol, "MODE_B");
	assert_non_null(strstr(x->text, "choice \"Mode\" at drivers/Kconfig:78 has MODE_B [=y] instead"));
	clamp_explanation_free(x);
	fx_close(&f);
}

/* Every request of every resolved config must be explained, and the explanation must check. */
static void check__every_request_of_every_config(void **state)
{
	static const char *const names[] = { "bus_m", "bus_y", "hidden", "nomod" };
	int checked = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *cfgpath = xasprintf("%s/configs/%s.config", TREE, names[i]);
		char *reqpath = xasprintf("%s/configs/%s.request", TREE, names[i]);
		struct kconfig *req = NULL;
		struct fixture f;

		fx_open(&f, TREE, cfgpath);
		if (kconfig_load(reqpath, &req) != 0)
			fail_msg("%s", err_msg());
		for (size_t j = 0; j < kconfig_count(req); j++) {
			const char *sym, *val;
			const struct ktree_sym *s;
			struct clamp_explanation *x;

			kconfig_at(req, j, &sym, &val);
			s = ktree_find(f.tree, sym);
			if (!s || (s->type != KEXPR_T_BOOL && s->type != KEXPR_T_TRISTATE))
				continue;
			x = explain_ok(&f, sym, val[0]);
			/* A clamped request always has a reason. */
			if (x->requested != x->effective && x->nreasons == 0)
				fail_msg("%s: clamped without a reason: %s", names[i], x->text);
			clamp_explanation_free(x);
			checked++;
		}
		kconfig_free(req);
		fx_close(&f);
		free(cfgpath);
		free(reqpath);
	}
	assert_true(checked >= 25);
}

static void check__refuses_a_wrong_effective_value(void **state)
{
	struct fixture f;
	struct clamp_explanation *x = NULL;

	fx_open(&f, TREE, TREE "/configs/bus_m.config");
	/* BUS_ACPI cannot be y with BUS=m: an explanation that claims so does not check. */
	assert_int_equal(clamp_explain(f.tree, &f.env, "BUS_ACPI", 'y', 'y', &x), 0);
	assert_int_equal(x->predicted, 'm');
	assert_int_equal(clamp_check(f.tree, &f.env, x), KM_ECONFLICT);
	assert_non_null(strstr(x->text, "Kconfig's rules give m"));
	clamp_explanation_free(x);
	fx_close(&f);
}

static void check__refuses_a_tampered_reason(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;

	fx_open(&f, TREE, TREE "/configs/bus_m.config");
	x = explain_ok(&f, "BUS_ACPI", 'y');
	x->reasons[0].value = 'y';
	assert_int_equal(clamp_check(f.tree, &f.env, x), KM_ECONFLICT);
	assert_string_equal(err_msg(), "BUS_ACPI: 'BUS' evaluates to m, the explanation says y");
	x->reasons[0].value = 'm';
	free(x->reasons[0].kconfig);
	x->reasons[0].kconfig = xstrdup("ACPI");
	assert_int_equal(clamp_check(f.tree, &f.env, x), KM_ECONFLICT);
	clamp_explanation_free(x);
	fx_close(&f);
}

static void json__carries_reasons_with_locations(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;
	json_t *j, *r;

	fx_open(&f, TREE, TREE "/configs/bus_m.config");
	x = explain_ok(&f, "BUS_ACPI", 'y');
	j = clamp_explanation_json(x);
	assert_string_equal(json_string_value(json_object_get(j, "symbol")), "BUS_ACPI");
	assert_string_equal(json_string_value(json_object_get(j, "requested")), "y");
	assert_string_equal(json_string_value(json_object_get(j, "effective")), "m");
	r = json_array_get(json_object_get(j, "reasons"), 0);
	assert_string_equal(json_string_value(json_object_get(r, "kind")), "if");
	assert_string_equal(json_string_value(json_object_get(r, "expr")), "BUS [=m]");
	assert_string_equal(json_string_value(json_object_get(r, "value")), "m");
	assert_string_equal(json_string_value(json_object_get(r, "file")), "drivers/Kconfig");
	assert_int_equal(json_integer_value(json_object_get(r, "line")), 16);
	assert_string_equal(json_string_value(json_object_get(j, "text")), x->text);
	json_decref(j);
	clamp_explanation_free(x);
	fx_close(&f);
}

static void explain__rejects_unknown_and_non_tristate_symbols(void **state)
{
	struct fixture f;
	struct clamp_explanation *x = NULL;

	fx_open(&f, TREE, TREE "/configs/bus_m.config");
	assert_int_equal(clamp_explain(f.tree, &f.env, "NOPE", 'y', 'n', &x), KM_ENOTFOUND);
	assert_int_equal(clamp_explain(f.tree, &f.env, "COUNT", 'y', 'n', &x), KM_EINVAL);
	assert_int_equal(clamp_explain(f.tree, &f.env, "BUS", 'x', 'n', &x), KM_EINVAL);
	assert_null(x);
	fx_close(&f);
}

static void explain__real_linux_cxl_acpi(void **state)
{
	struct fixture f;
	struct clamp_explanation *x;
	struct stat st;

	if (stat(REAL_TREE "/Kconfig", &st) != 0)
		skip();
	fx_open(&f, REAL_TREE, TREE "/real/linux-6.12-x86_64-cxl-bus-m.config");
	x = explain_ok(&f, "CXL_ACPI", 'y');
	assert_string_equal(x->text, "CXL_ACPI: requested y, got m \u2014 depends on CXL_BUS [=m] "
				     "(enclosing if at drivers/cxl/Kconfig:19)");
	clamp_explanation_free(x);
	x = explain_ok(&f, "DEV_DAX_CXL", 'y');
	assert_string_equal(x->text, "DEV_DAX_CXL: requested y, got m \u2014 depends on CXL_BUS [=m] && CXL_REGION [=y] "
				     "&& DEV_DAX [=y] (drivers/dax/Kconfig:49)");
	clamp_explanation_free(x);
	x = explain_ok(&f, "FW_LOADER", 'n');
	assert_string_equal(x->text, "FW_LOADER: requested n, got m \u2014 selected by CXL_BUS [=m] (drivers/cxl/Kconfig:5)");
	clamp_explanation_free(x);
	x = explain_ok(&f, "CXL_PORT", 'n');
	assert_int_equal(x->reasons[0].kind, CLAMP_NO_PROMPT);
	clamp_explanation_free(x);
	x = explain_ok(&f, "CXL_REGION", 'y');
	assert_int_equal(x->nreasons, 0);
	clamp_explanation_free(x);
	fx_close(&f);

	fx_open(&f, REAL_TREE, TREE "/real/linux-6.12-x86_64-nomodules.config");
	x = explain_ok(&f, "CXL_BUS", 'm');
	assert_string_equal(x->text, "CXL_BUS: requested m, got y \u2014 MODULES [=n]: m is not possible, so m becomes y");
	clamp_explanation_free(x);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(explain__enclosing_if_caps_at_m),
		cmocka_unit_test(explain__x_or_not_x_dependency),
		cmocka_unit_test(explain__select_is_a_lower_bound),
		cmocka_unit_test(explain__greater_or_equal_dependency),
		cmocka_unit_test(explain__no_prompt_takes_the_default),
		cmocka_unit_test(explain__prompt_condition_limits),
		cmocka_unit_test(explain__bool_with_m_dependency_is_y),
		cmocka_unit_test(explain__m_without_modules_becomes_y),
		cmocka_unit_test(explain__m_for_a_bool_is_ignored),
		cmocka_unit_test(explain__visible_if_hides_the_prompt),
		cmocka_unit_test(explain__choice_member_lost_to_another),
		cmocka_unit_test(check__every_request_of_every_config),
		cmocka_unit_test(check__refuses_a_wrong_effective_value),
		cmocka_unit_test(check__refuses_a_tampered_reason),
		cmocka_unit_test(json__carries_reasons_with_locations),
		cmocka_unit_test(explain__rejects_unknown_and_non_tristate_symbols),
		cmocka_unit_test(explain__real_linux_cxl_acpi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
