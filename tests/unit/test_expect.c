/* Tests of matrix expectations: [expect] parsing with file:line:column errors, judging configs, repeat tallies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "clamp_explain.h"
#include "err.h"
#include "expect.h"
#include "kconfig.h"
#include "matrix.h"

/* Lines 1-14; a test's own lines start at line 15. */
#define HEAD                                  \
	"[matrix]\n"                          \
	"name = t\n"                          \
	"arch = x86_64\n"                     \
	"base = tinyconfig\n"                 \
	"[axes]\n"                            \
	"DEV_DAX_HMEM = y m n\n"              \
	"CXL_ACPI = y m n\n"                  \
	"CXL_PCI = y m n\n"                   \
	"[boot]\n"                            \
	"exec = {kernel}\n"                   \
	"[variant cxl-first]\n"               \
	"load = cxl_acpi cxl_pci dax_hmem\n"  \
	"[variant hmem-first]\n"              \
	"load = dax_hmem cxl_acpi cxl_pci\n"

static struct matrix *parse_ok(const char *text)
{
	struct matrix *m = NULL;

	if (matrix_parse("t.matrix", text, strlen(text), &m) != 0)
		fail_msg("parse failed: %s", err_msg());
	return m;
}

static void expect_error(const char *text, const char *msg)
{
	struct matrix *m = (struct matrix *)1;

	assert_int_equal(matrix_parse("t.matrix", text, strlen(text), &m), KM_EINVAL);
	assert_null(m);
	assert_string_equal(err_msg(), msg);
}

static void parse__seed_rules(void **state)
{
	struct matrix *m = parse_ok(HEAD "[expect]\n"
					 "hmem-cxl-together = never DEV_DAX_HMEM=y && (CXL_ACPI=m || CXL_PCI=m)\n"
					 "region = always   DEV_DAX_CXL=n || CXL_REGION=y   # a comment\n"
					 "hmem-builds = builds DEV_DAX_HMEM != n\n"
					 "cxl-owns = owner subject = cxl in cxl-first, hmem-first when DEV_DAX_CXL != n\n"
					 "control = owner control = hmem\n");

	(void)state;
	assert_int_equal(m->nexpects, 5);
	assert_string_equal(m->expects[0].name, "hmem-cxl-together");
	assert_int_equal(m->expects[0].kind, EXPECT_NEVER);
	assert_int_equal(m->expects[0].line, 16);
	assert_string_equal(m->expects[0].text, "never DEV_DAX_HMEM=y && (CXL_ACPI=m || CXL_PCI=m)");
	assert_string_equal(m->expects[1].text, "always DEV_DAX_CXL=n || CXL_REGION=y");
	assert_int_equal(m->expects[2].kind, EXPECT_BUILDS);
	assert_int_equal(m->expects[3].kind, EXPECT_OWNER);
	assert_string_equal(m->expects[3].role, "subject");
	assert_string_equal(m->expects[3].owner, "cxl");
	assert_int_equal(m->expects[3].nvariants, 2);
	assert_string_equal(m->expects[3].variants[1], "hmem-first");
	assert_true(expect_rule_has_variant(&m->expects[3], "cxl-first"));
	assert_false(expect_rule_has_variant(&m->expects[3], "kmod"));
	assert_null(m->expects[4].expr);
	assert_true(expect_rule_has_variant(&m->expects[4], "anything"));
	matrix_free(m);
}

static void parse__repeat_and_parallel(void **state)
{
	struct matrix *m = parse_ok(HEAD "repeat = 5\nparallel = yes\n");

	(void)state;
	assert_int_equal(m->boot->variants[0].repeat, 1);
	assert_false(m->boot->variants[0].parallel);
	assert_int_equal(m->boot->variants[1].repeat, 5);
	assert_true(m->boot->variants[1].parallel);
	matrix_free(m);
	expect_error(HEAD "repeat = 0\n", "t.matrix:15: bad repeat '0' (expected a whole number of boots, 1 to 20)");
	expect_error(HEAD "repeat = 21\n", "t.matrix:15: bad repeat '21' (expected a whole number of boots, 1 to 20)");
	expect_error(HEAD "repeat = 3x\n", "t.matrix:15: bad repeat '3x' (expected a whole number of boots, 1 to 20)");
	expect_error(HEAD "parallel = on\n", "t.matrix:15: bad parallel 'on' (expected yes or no)");
}

static void parse__rejects_bad_rules_with_columns(void **state)
{
	(void)state;
	expect_error(HEAD "[expect]\nr = sometimes A=y\n",
		     "t.matrix:16:5: unknown rule kind 'sometimes' (expected never, always, builds or owner)");
	expect_error(HEAD "[expect]\nr = never DEV_DAX_HMEM=y &&\n",
		     "t.matrix:16:28: expected a symbol, found end of expression (expected a Kconfig expression "
		     "such as DEV_DAX_HMEM=y && CXL_BUS=m)");
	expect_error(HEAD "[expect]\nr = never (A=y\n",
		     "t.matrix:16:15: expected ')', found end of expression (expected a Kconfig expression such as "
		     "DEV_DAX_HMEM=y && CXL_BUS=m)");
	expect_error(HEAD "[expect]\nr = never\n", "t.matrix:16:10: expected a Kconfig expression after 'never'");
	expect_error(HEAD "[expect]\nr = never y\n",
		     "t.matrix:16:11: the expression names no symbol (expected e.g. DEV_DAX_HMEM != n)");
	expect_error(HEAD "[expect]\nr = owner middle = cxl\n",
		     "t.matrix:16:11: unknown range 'middle' (expected subject or control)");
	expect_error(HEAD "[expect]\nr = owner subject cxl\n",
		     "t.matrix:16:19: expected '=' after the range (owner subject = hmem|cxl|none)");
	expect_error(HEAD "[expect]\nr = owner subject = dax\n",
		     "t.matrix:16:21: unknown owner 'dax' (expected hmem, cxl or none)");
	expect_error(HEAD "[expect]\nr = owner subject = cxl if A=y\n",
		     "t.matrix:16:25: unexpected 'if' (expected 'in VARIANT,...' or 'when EXPR')");
	expect_error(HEAD "[expect]\nr = owner subject = cxl when\n", "t.matrix:16:29: expected a condition after 'when'");
	expect_error(HEAD "[expect]\nr = owner subject = cxl in kmod\n",
		     "t.matrix:16: rule 'r' names variant 'kmod', which the matrix does not have (expected one of "
		     "its [variant NAME] sections)");
	expect_error(HEAD "[expect]\nBad = never A=y\n",
		     "t.matrix:16:1: bad rule name 'Bad' (expected [a-z0-9][a-z0-9._-]{0,63}, e.g. hmem-cxl-together)");
	expect_error(HEAD "[expect]\nr = never A=y\nr = never B=y\n",
		     "t.matrix:17: duplicate rule 'r' in [expect] (first at line 16)");
	expect_error(HEAD "[expect]\nr =\n",
		     "t.matrix:16: empty rule 'r' in [expect] (expected never, always, builds or owner and what must hold)");
	expect_error("[matrix]\nname = t\narch = x86_64\nbase = tinyconfig\n[axes]\nA = y n\n[expect]\n"
		     "r = owner subject = cxl\n",
		     "t.matrix:8: owner rule 'r' without a [boot] section (expected [boot]: owners come from boots)");
}

/* Judging: the seed's never rule over effective configs. */
static bool violates(const struct matrix *m, size_t rule, const char *config)
{
	struct kconfig *kc = NULL;
	struct kexpr_env env;
	bool v;

	assert_int_equal(kconfig_parse(config, strlen(config), &kc), 0);
	clamp_env_kconfig(&env, kc, NULL);
	v = expect_config_violates(&m->expects[rule], &env);
	kconfig_free(kc);
	return v;
}

static void judge__never_and_always(void **state)
{
	struct matrix *m = parse_ok(HEAD "[expect]\n"
					 "together = never DEV_DAX_HMEM=y && (CXL_ACPI=m || CXL_PCI=m)\n"
					 "region = always DEV_DAX_CXL=n || CXL_REGION=y\n"
					 "builds = builds DEV_DAX_HMEM\n");

	(void)state;
	assert_true(violates(m, 0, "CONFIG_DEV_DAX_HMEM=y\nCONFIG_CXL_ACPI=m\nCONFIG_CXL_PCI=y\n"));
	assert_true(violates(m, 0, "CONFIG_DEV_DAX_HMEM=y\nCONFIG_CXL_PCI=m\n"));
	assert_false(violates(m, 0, "CONFIG_DEV_DAX_HMEM=y\nCONFIG_CXL_ACPI=y\nCONFIG_CXL_PCI=y\n"));
	assert_false(violates(m, 0, "CONFIG_DEV_DAX_HMEM=y\n"));
	assert_false(violates(m, 0, "CONFIG_DEV_DAX_HMEM=m\nCONFIG_CXL_ACPI=m\nCONFIG_CXL_PCI=m\n"));
	assert_true(violates(m, 1, "CONFIG_DEV_DAX_CXL=m\n"));
	assert_false(violates(m, 1, "CONFIG_DEV_DAX_CXL=m\nCONFIG_CXL_REGION=y\n"));
	assert_false(violates(m, 1, "# CONFIG_DEV_DAX_CXL is not set\n"));
	assert_false(violates(m, 2, "CONFIG_DEV_DAX_HMEM=y\n")); /* builds rules judge builds, not configs */
	{
		struct kconfig *kc = NULL;
		struct kexpr_env env;

		assert_int_equal(kconfig_parse("CONFIG_DEV_DAX_HMEM=m\n", 22, &kc), 0);
		clamp_env_kconfig(&env, kc, NULL);
		assert_true(expect_condition_holds(&m->expects[2], &env)); /* m holds: anything above n */
		kconfig_free(kc);
	}
	assert_true(expect_is_config_rule(&m->expects[0]));
	assert_false(expect_is_config_rule(&m->expects[2]));
	{
		char *s = expect_signature("cxl-quick", &m->expects[0]);
		char *r = expect_race_signature("cxl-quick", "parallel", "subject");

		assert_string_equal(s, "expect:cxl-quick:together");
		assert_string_equal(r, "race:cxl-quick:parallel:subject");
		free(s);
		free(r);
	}
	matrix_free(m);
}

static void tally__counts_most_first(void **state)
{
	struct expect_tally t = { 0 };
	char out[64];

	(void)state;
	expect_tally_add(&t, "cxl");
	expect_tally_add(&t, "hmem");
	expect_tally_add(&t, "hmem");
	expect_tally_add(&t, "cxl");
	expect_tally_add(&t, "hmem");
	expect_tally_text(&t, out, sizeof(out));
	assert_string_equal(out, "hmem 3 / cxl 2");
	assert_int_equal(t.n, 2);
	memset(&t, 0, sizeof(t));
	expect_tally_add(&t, "cxl");
	expect_tally_add(&t, "cxl");
	expect_tally_text(&t, out, sizeof(out));
	assert_string_equal(out, "cxl 2");
	expect_tally_text(&t, out, 4);
	assert_string_equal(out, "cxl");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse__seed_rules),
		cmocka_unit_test(parse__repeat_and_parallel),
		cmocka_unit_test(parse__rejects_bad_rules_with_columns),
		cmocka_unit_test(judge__never_and_always),
		cmocka_unit_test(tally__counts_most_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
