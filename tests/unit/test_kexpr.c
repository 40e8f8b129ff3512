/* Tests of Kconfig expression parsing, tristate evaluation and annotated printing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "kexpr.h"
#include "xalloc.h"

/* A tiny symbol table: name=value pairs, NULL-terminated. */
struct table {
	const char *const *kv;
};

static const char *table_get(void *ctx, const char *sym)
{
	const struct table *t = ctx;

	for (size_t i = 0; t->kv[i]; i += 2)
		if (!strcmp(t->kv[i], sym))
			return t->kv[i + 1];
	return NULL;
}

static struct kexpr *parse_ok(const char *text)
{
	struct kexpr *e = NULL;

	if (kexpr_parse(text, &e) != 0)
		fail_msg("parse of '%s' failed: %s", text, err_msg());
	return e;
}

static char eval_str(const char *text, const char *const *kv, unsigned flags)
{
	struct table t = { kv };
	struct kexpr_env env = { .get = table_get, .ctx = &t };
	struct kexpr *e = parse_ok(text);
	char c = kexpr_tri_char(kexpr_eval(e, &env, flags, NULL));

	kexpr_free(e);
	return c;
}

static void assert_prints(const char *text, const char *want)
{
	struct kexpr *e = parse_ok(text);
	char *s = kexpr_str(e, NULL);

	assert_string_equal(s, want);
	free(s);
	kexpr_free(e);
}

static void parse__precedence_matches_kconfig(void **state)
{
	struct kexpr *e = parse_ok("A || B && !C");

	assert_int_equal(e->op, KEXPR_OR);
	assert_int_equal(e->right->op, KEXPR_AND);
	assert_int_equal(e->right->right->op, KEXPR_NOT);
	kexpr_free(e);
	/* A comparison binds tighter than '!': "!A = B" is "!(A = B)", as parser.y has it. */
	e = parse_ok("!A = B");
	assert_int_equal(e->op, KEXPR_NOT);
	assert_int_equal(e->left->op, KEXPR_EQ);
	kexpr_free(e);
	e = parse_ok("A >= B && C");
	assert_int_equal(e->op, KEXPR_AND);
	assert_int_equal(e->left->op, KEXPR_GE);
	kexpr_free(e);
}

static void print__parenthesizes_like_kconfig(void **state)
{
	assert_prints("A || B && C", "A || B && C");
	assert_prints("(A || B) && C", "(A || B) && C");
	assert_prints("((A))", "A");
	assert_prints("!(A && B)", "!(A && B)");
	assert_prints("!(A || B) && C", "!(A || B) && C");
	assert_prints("X || !X", "X || !X");
	assert_prints("A>=B", "A>=B");
	assert_prints("A != \"x y\"", "A!=\"x y\"");
	assert_prints("$(cc-option,-mfoo) && B", "$(cc-option,-mfoo) && B");
}

static void eval__tristate_and_or_not(void **state)
{
	static const char *const kv[] = { "A", "m", "B", "y", "C", "n", NULL };

	assert_int_equal(eval_str("A && B", kv, 0), 'm');
	assert_int_equal(eval_str("A || C", kv, 0), 'm');
	assert_int_equal(eval_str("B || C", kv, 0), 'y');
	assert_int_equal(eval_str("!A", kv, 0), 'm');
	assert_int_equal(eval_str("!C", kv, 0), 'y');
	assert_int_equal(eval_str("!B", kv, 0), 'n');
	/* Absent symbols are n. */
	assert_int_equal(eval_str("UNSET", kv, 0), 'n');
	assert_int_equal(eval_str("!UNSET && B", kv, 0), 'y');
}

static void eval__x_or_not_x_caps_at_m(void **state)
{
	static const char *const m[] = { "X", "m", NULL };
	static const char *const y[] = { "X", "y", NULL };
	static const char *const n[] = { "X", "n", NULL };

	/* The "X || !X" idiom: y when X is y or n, m when X is m. */
	assert_int_equal(eval_str("X || !X", m, 0), 'm');
	assert_int_equal(eval_str("X || !X", y, 0), 'y');
	assert_int_equal(eval_str("X || !X", n, 0), 'y');
}

static void eval__comparisons(void **state)
{
	static const char *const kv[] = { "ACPI", "m", "HMEM", "y", "COUNT", "12", "H", "0x10",
					  "NAME", "\"abc\"", NULL };

	assert_int_equal(eval_str("ACPI >= HMEM", kv, 0), 'n');
	assert_int_equal(eval_str("HMEM >= ACPI", kv, 0), 'y');
	assert_int_equal(eval_str("ACPI < HMEM", kv, 0), 'y');
	assert_int_equal(eval_str("ACPI = m", kv, 0), 'y');
	assert_int_equal(eval_str("ACPI != m", kv, 0), 'n');
	assert_int_equal(eval_str("UNSET = n", kv, 0), 'y');
	/* Numbers compare as numbers, not as strings ("12" < "9" as strings). */
	assert_int_equal(eval_str("COUNT > 9", kv, 0), 'y');
	assert_int_equal(eval_str("COUNT <= 12", kv, 0), 'y');
	assert_int_equal(eval_str("H = 0x010", kv, 0), 'y');
	assert_int_equal(eval_str("H > 15", kv, 0), 'y');
	assert_int_equal(eval_str("NAME = \"abc\"", kv, 0), 'y');
	assert_int_equal(eval_str("NAME = \"abd\"", kv, 0), 'n');
	/* A non-tristate symbol on its own is n, as in Kconfig. */
	assert_int_equal(eval_str("COUNT", kv, 0), 'n');
}

static void eval__m_constant_needs_modules_in_dependencies(void **state)
{
	static const char *const nomod[] = { "MODULES", "n", "X", "n", NULL };
	static const char *const mod[] = { "MODULES", "y", "X", "n", NULL };

	/* menu.c rewrites m to "m && MODULES" in dependencies only. */
	assert_int_equal(eval_str("m", nomod, KEXPR_EVAL_DEP), 'n');
	assert_int_equal(eval_str("m", mod, KEXPR_EVAL_DEP), 'm');
	assert_int_equal(eval_str("m", nomod, 0), 'm');
	/* Comparison operands are not rewritten: X=m stays a comparison with m. */
	assert_int_equal(eval_str("X = m", nomod, KEXPR_EVAL_DEP), 'n');
	assert_int_equal(eval_str("X != m", nomod, KEXPR_EVAL_DEP), 'y');
}

static void eval__types_from_callback(void **state)
{
	static const char *const kv[] = { "S", "\"10\"", NULL };
	struct table t = { kv };
	struct kexpr_env env = { .get = table_get, .ctx = &t };
	struct kexpr *e = parse_ok("S = 10");

	/* Guessed as a string from its quotes, but the right side is a constant: compared as numbers. */
	assert_int_equal(kexpr_eval(e, &env, 0, NULL), KEXPR_Y);
	kexpr_free(e);
}

static void eval__macro_is_uncertain(void **state)
{
	struct kexpr_env env = { 0 };
	struct kexpr *e = parse_ok("$(success,test \"$(cc-name)\" = GCC) || y");
	bool uncertain = false;

	assert_int_equal(kexpr_eval(e, &env, 0, &uncertain), KEXPR_Y);
	assert_true(uncertain);
	kexpr_free(e);
}

static void print__annotates_values_like_menuconfig(void **state)
{
	static const char *const kv[] = { "CXL_BUS", "m", "PCI", "y", "NR", "64", "S", "\"txt\"", NULL };
	struct table t = { kv };
	struct kexpr_env env = { .get = table_get, .ctx = &t };
	struct kexpr *e = parse_ok("CXL_BUS && (PCI || !X)");
	char *s = kexpr_str(e, &env);

	assert_string_equal(s, "CXL_BUS [=m] && (PCI [=y] || !X [=n])");
	free(s);
	kexpr_free(e);
	e = parse_ok("NR >= 8 && S = \"txt\" && m");
	s = kexpr_str(e, &env);
	assert_string_equal(s, "NR [=64] >= 8 && S [=txt] = \"txt\" && m");
	free(s);
	kexpr_free(e);
}

static void print__round_trips(void **state)
{
	static const char *const cases[] = {
		"A && B || C && !(D || E)", "!!A", "A=y || B!=n", "(A || B) && (C || D) && E", "A<B && C<=D",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kexpr *e = parse_ok(cases[i]), *e2;
		char *s = kexpr_str(e, NULL), *s2;

		e2 = parse_ok(s);
		s2 = kexpr_str(e2, NULL);
		assert_string_equal(s, s2);
		free(s);
		free(s2);
		kexpr_free(e);
		kexpr_free(e2);
	}
}

static void parse__prefix_stops_at_if(void **state)
{
	struct kexpr *e = NULL;
	size_t used = 0;
	const char *text = "CXL_BUS && PCI if X86";

	assert_int_equal(kexpr_parse_prefix(text, &used, &e), 0);
	assert_int_equal(used, strlen("CXL_BUS && PCI "));
	assert_int_equal(e->op, KEXPR_AND);
	kexpr_free(e);
	/* A whole-expression parse refuses the trailing words. */
	assert_int_equal(kexpr_parse(text, &e), KM_EINVAL);
	assert_null(e);
}

static void parse__rejects_bad_syntax_with_column(void **state)
{
	static const char *const bad[] = { "", "A &&", "(A", "A = = B", "A || )", "\"open", "A & B", "A = (B)",
					   "$(unterminated" };
	struct kexpr *e = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kexpr_parse(bad[i], &e), KM_EINVAL);
		assert_null(e);
		assert_non_null(strstr(err_msg(), "column"));
	}
	assert_int_equal(kexpr_parse("A &&", &e), KM_EINVAL);
	assert_string_equal(err_msg(), "column 5: expected a symbol, found end of expression");
}

static void parse__bounds_nesting(void **state)
{
	size_t depth = KEXPR_MAX_DEPTH + 5;
	char *text = xmalloc(depth * 2 + 2);
	struct kexpr *e = NULL;

	memset(text, '(', depth);
	text[depth] = 'A';
	memset(text + depth + 1, ')', depth);
	text[2 * depth + 1] = '\0';
	assert_int_equal(kexpr_parse(text, &e), KM_ETOOBIG);
	assert_null(e);
	memset(text, '!', depth);
	text[depth] = 'A';
	text[depth + 1] = '\0';
	assert_int_equal(kexpr_parse(text, &e), KM_ETOOBIG);
	free(text);
}

static void parse__long_flat_chain_is_fine(void **state)
{
	/* Long && chains are common (and left-deep), and must not hit the nesting bound. */
	char *text = xmalloc(20000);
	struct kexpr *e = NULL;
	size_t n = 0;
	struct kexpr_env env = { 0 };

	for (int i = 0; i < 2000; i++)
		n += (size_t)snprintf(text + n, 20000 - n, "%sy", i ? " && " : "");
	assert_int_equal(kexpr_parse(text, &e), 0);
	assert_int_equal(kexpr_eval(e, &env, 0, NULL), KEXPR_Y);
	kexpr_free(e);
	free(text);
}

static void collect(void *ctx, const char *sym)
{
	char *seen = ctx;
	size_t n = strlen(seen);

	snprintf(seen + n, 64 - n, "%s,", sym);
}

static void foreach__lists_symbols_not_constants(void **state)
{
	struct kexpr *e = parse_ok("A && (y || !B) && C >= m && D = 64 && $(x)");
	char seen[64] = "";

	kexpr_foreach_symbol(e, collect, seen);
	assert_string_equal(seen, "A,B,C,D,");
	kexpr_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse__precedence_matches_kconfig),
		cmocka_unit_test(print__parenthesizes_like_kconfig),
		cmocka_unit_test(eval__tristate_and_or_not),
		cmocka_unit_test(eval__x_or_not_x_caps_at_m),
		cmocka_unit_test(eval__comparisons),
		cmocka_unit_test(eval__m_constant_needs_modules_in_dependencies),
		cmocka_unit_test(eval__types_from_callback),
		cmocka_unit_test(eval__macro_is_uncertain),
		cmocka_unit_test(print__annotates_values_like_menuconfig),
		cmocka_unit_test(print__round_trips),
		cmocka_unit_test(parse__prefix_stops_at_if),
		cmocka_unit_test(parse__rejects_bad_syntax_with_column),
		cmocka_unit_test(parse__bounds_nesting),
		cmocka_unit_test(parse__long_flat_chain_is_fine),
		cmocka_unit_test(foreach__lists_symbols_not_constants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
