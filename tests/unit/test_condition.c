/* Tests of stating a failure's condition over axis values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "condition.h"
#include "err.h"
#include "xalloc.h"

/* Configs from a table of "point", failing pairs. */
struct table {
	struct condition_config v[800];
	char points[800][8];
	size_t n;
};

static void add(struct table *t, const char *point, bool failing)
{
	snprintf(t->points[t->n], sizeof(t->points[t->n]), "%s", point);
	t->v[t->n].point = t->points[t->n];
	t->v[t->n].failing = failing;
	t->n++;
}

static struct condition_result *find_ok(const char *const *axes, size_t naxes, const struct table *t)
{
	struct condition_result *r = NULL;

	if (condition_find(axes, naxes, t->v, t->n, &r) != 0)
		fail_msg("%s", err_msg());
	return r;
}

/* Asserts that r holds for exactly the failing configs of t. */
static void assert_exact(const struct condition_result *r, const struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (condition_holds(r, t->v[i].point) != t->v[i].failing)
			fail_msg("%s: holds=%d failing=%d for %s", r->text, condition_holds(r, t->v[i].point),
				 t->v[i].failing, t->v[i].point);
}

static const char tri[] = "ymn";

/*
 * The seed's matrix as Linux 6.12 resolves it: CXL_ACPI and CXL_PCI at most
 * CXL_BUS, CXL_REGION (bool) only with CXL_BUS; the link fails when
 * DEV_DAX_HMEM=y, CXL_BUS=m and CXL_REGION=y.
 */
static void find__seed_case_is_three_terms(void **state)
{
	static const char *const axes[] = { "DEV_DAX_HMEM", "CXL_BUS", "CXL_ACPI", "CXL_PCI", "CXL_REGION" };
	struct table *t = xcalloc(1, sizeof(*t));
	struct condition_result *r;
	char p[6] = { 0 };

	for (int h = 0; h < 3; h++)
		for (int b = 0; b < 3; b++)
			for (int a = b; a < 3; a++)
				for (int c = b; c < 3; c++)
					for (int g = 0; g < 3; g += 2) {
						if (tri[g] == 'y' && tri[b] == 'n')
							continue;
						p[0] = tri[h], p[1] = tri[b], p[2] = tri[a], p[3] = tri[c], p[4] = tri[g];
						add(t, p, p[0] == 'y' && p[1] == 'm' && p[4] == 'y');
					}
	r = find_ok(axes, 5, t);
	assert_int_equal(r->status, CONDITION_FOUND);
	assert_true(r->minimal);
	assert_string_equal(r->text, "DEV_DAX_HMEM=y \u2227 CXL_BUS=m \u2227 CXL_REGION=y");
	assert_string_equal(r->ascii, "DEV_DAX_HMEM=y && CXL_BUS=m && CXL_REGION=y");
	assert_null(r->given_text); /* every axis varies in a full matrix */
	assert_exact(r, t);
	condition_free(r);
	free(t);
}

/* cxl-quick's slice: CXL_BUS and CXL_PCI are m throughout, so the condition leaves them out and says so. */
static void find__names_the_axes_a_slice_holds_constant(void **state)
{
	static const char *const axes[] = { "DEV_DAX_HMEM", "CXL_BUS", "CXL_ACPI", "CXL_PCI", "CXL_REGION" };
	struct table t = { 0 };
	struct condition_result *r;
	json_t *j;

	(void)state;
	add(&t, "ymmmy", true);
	add(&t, "ymmmn", false);
	add(&t, "mmmmy", false);
	add(&t, "mmmmn", false);
	r = find_ok(axes, 5, &t);
	assert_string_equal(r->text, "DEV_DAX_HMEM=y \u2227 CXL_REGION=y");
	assert_string_equal(r->given_text, "CXL_BUS=m \u2227 CXL_ACPI=m \u2227 CXL_PCI=m");
	j = condition_json(r);
	assert_int_equal(json_array_size(json_object_get(j, "given")), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "given"), 0), "symbol")),
			    "CXL_BUS");
	json_decref(j);
	condition_free(r);

	/* Once CXL_ACPI varies, only the other two are taken for granted. */
	add(&t, "ymymy", false);
	r = find_ok(axes, 5, &t);
	assert_string_equal(r->given_text, "CXL_BUS=m \u2227 CXL_PCI=m");
	condition_free(r);
}

static void find__drops_terms_that_do_not_separate(void **state)
{
	static const char *const axes[] = { "A", "B", "C" };
	struct table t = { 0 };
	struct condition_result *r;

	/* Every failing config also has C=y, but so do passing ones: C=y must not appear. */
	add(&t, "yyy", true);
	add(&t, "ymy", true);
	add(&t, "yny", true);
	add(&t, "nyy", false);
	add(&t, "mmy", false);
	add(&t, "nnn", false);
	r = find_ok(axes, 3, &t);
	assert_string_equal(r->text, "A=y");
	assert_exact(r, &t);
	condition_free(r);
}

static void find__prefers_fewest_terms_then_values(void **state)
{
	static const char *const axes[] = { "A", "B" };
	struct table t = { 0 };
	struct condition_result *r;

	/* Fails exactly when A is not n: one term with two values. */
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++) {
			char p[3] = { tri[a], tri[b], 0 };

			add(&t, p, tri[a] != 'n');
		}
	r = find_ok(axes, 2, &t);
	assert_string_equal(r->text, "A\u2208{y,m}");
	assert_string_equal(r->ascii, "A!=n");
	assert_exact(r, &t);
	condition_free(r);
	/* Both "A=y" and "B=y" separate here; the one term with one value wins, first axis first. */
	memset(&t, 0, sizeof(t));
	add(&t, "yy", true);
	add(&t, "nn", false);
	r = find_ok(axes, 2, &t);
	assert_string_equal(r->text, "A=y");
	condition_free(r);
}

static void find__disjunction_when_no_conjunction_separates(void **state)
{
	static const char *const axes[] = { "A", "B", "C" };
	struct table t = { 0 };
	struct condition_result *r;
	json_t *j;

	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
			for (int c = 0; c < 3; c++) {
				char p[4] = { tri[a], tri[b], tri[c], 0 };

				add(&t, p, (p[0] == 'y' && p[1] == 'n') || (p[0] == 'n' && p[1] == 'y'));
			}
	r = find_ok(axes, 3, &t);
	assert_int_equal(r->status, CONDITION_FOUND);
	assert_int_equal(r->ndisj, 2);
	assert_true(r->minimal);
	assert_string_equal(r->text, "(A=y \u2227 B=n) \u2228 (A=n \u2227 B=y)");
	assert_string_equal(r->ascii, "(A=y && B=n) || (A=n && B=y)");
	assert_exact(r, &t);
	j = condition_json(r);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "found");
	assert_int_equal(json_array_size(json_object_get(j, "disjuncts")), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_array_get(json_object_get(j, "disjuncts"), 1), 1), "symbol")),
			    "B");
	json_decref(j);
	condition_free(r);
}

static void find__no_condition_when_configs_share_values(void **state)
{
	static const char *const axes[] = { "DEV_DAX_HMEM", "CXL_BUS" };
	struct table t = { 0 };
	struct condition_result *r;
	json_t *j;

	/* Same axis values, different outcomes (e.g. a boot race): nothing over the axes explains it. */
	add(&t, "ym", true);
	add(&t, "ym", false);
	add(&t, "yy", false);
	add(&t, "nm", true);
	r = find_ok(axes, 2, &t);
	assert_int_equal(r->status, CONDITION_INSEPARABLE);
	assert_int_equal(r->nconflicts, 1);
	assert_string_equal(r->conflicts[0], "ym");
	assert_string_equal(r->text, "no condition over the axes separates them: passing and failing configs "
				     "share DEV_DAX_HMEM=y CXL_BUS=m");
	assert_false(condition_holds(r, "nm"));
	j = condition_json(r);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "inseparable");
	json_decref(j);
	condition_free(r);
}

static void find__all_or_none_failing(void **state)
{
	static const char *const axes[] = { "A" };
	struct table t = { 0 };
	struct condition_result *r;

	add(&t, "y", true);
	add(&t, "n", true);
	r = find_ok(axes, 1, &t);
	assert_int_equal(r->status, CONDITION_ALWAYS);
	assert_string_equal(r->text, "every built config fails");
	condition_free(r);
	t.v[0].failing = t.v[1].failing = false;
	r = find_ok(axes, 1, &t);
	assert_int_equal(r->status, CONDITION_NEVER);
	condition_free(r);
	r = NULL;
	assert_int_equal(condition_find(axes, 1, NULL, 0, &r), 0);
	assert_int_equal(r->status, CONDITION_NEVER);
	condition_free(r);
}

static void find__only_built_configs_count(void **state)
{
	static const char *const axes[] = { "A", "B" };
	struct table t = { 0 };
	struct condition_result *r;

	/* With "mm" never built, "B=m" alone separates what was built. */
	add(&t, "ym", true);
	add(&t, "nm", true);
	add(&t, "yy", false);
	add(&t, "mn", false);
	r = find_ok(axes, 2, &t);
	assert_string_equal(r->text, "B=m");
	condition_free(r);
}

/* Adds a build to t when it says anything about the error. */
static void add_build(struct table *t, const char *point, const char *status, bool shows_error)
{
	if (condition_build_counts(status, shows_error))
		add(t, point, shows_error);
}

static void find__builds_failing_with_other_errors_say_nothing(void **state)
{
	static const char *const axes[] = { "A", "B", "C" };
	struct table t = { 0 };
	struct condition_result *r;

	/*
	 * The error shows when A=y and B=m, but a compile error that C=y causes
	 * stops make before the link in "ymy": that build says nothing about it.
	 * Counted as a build without the error it would force a C=n term.
	 */
	add_build(&t, "ymn", "FAIL", true);
	add_build(&t, "ymy", "FAIL", false);
	add_build(&t, "yyn", "PASS", false);
	add_build(&t, "yyy", "FAIL", false);
	add_build(&t, "mmn", "PASS", false);
	add_build(&t, "mmy", "FAIL", false);
	add_build(&t, "myn", "PASS", false);
	add_build(&t, "myy", "ERROR", false);
	add_build(&t, "nnn", NULL, false);
	assert_int_equal(t.n, 4);
	r = find_ok(axes, 3, &t);
	assert_int_equal(r->status, CONDITION_FOUND);
	assert_string_equal(r->text, "A=y \u2227 B=m");
	assert_string_equal(r->given_text, "C=n");
	condition_free(r);
}

static void find__passing_builds_showing_a_warning_count(void **state)
{
	static const char *const axes[] = { "A", "B" };
	struct table t = { 0 };
	struct condition_result *r;

	/* Kconfig's unmet-dependency warning does not fail a build: it shows in PASS builds. */
	add_build(&t, "yn", "PASS", true);
	add_build(&t, "ym", "PASS", true);
	add_build(&t, "mn", "PASS", false);
	add_build(&t, "nm", "FAIL", true);
	r = find_ok(axes, 2, &t);
	assert_string_equal(r->text, "A\u2208{y,n}");
	assert_exact(r, &t);
	condition_free(r);
}

static void find__rejects_bad_points(void **state)
{
	static const char *const axes[] = { "A", "B" };
	struct condition_config bad_len[] = { { "y", true } };
	struct condition_config bad_val[] = { { "yx", true } };
	struct condition_result *r = NULL;

	assert_int_equal(condition_find(axes, 2, bad_len, 1, &r), KM_EINVAL);
	assert_int_equal(condition_find(axes, 2, bad_val, 1, &r), KM_EINVAL);
	assert_string_equal(err_msg(), "config 0: axis B: 'x' is not y, m or n");
	assert_null(r);
	assert_int_equal(condition_find(axes, CONDITION_MAX_AXES + 1, bad_len, 1, &r), KM_ETOOBIG);
}

/* Random matrices: whatever is found must hold for exactly the failing configs, and be no longer than needed. */
static void find__random_matrices_are_exact(void **state)
{
	static const char *const axes[] = { "A", "B", "C", "D" };
	unsigned seed = 12345;
	int found = 0;

	for (int round = 0; round < 300; round++) {
		struct table *t = xcalloc(1, sizeof(*t));
		struct condition_result *r;

		for (int i = 0; i < 81; i++) {
			char p[5];
			int x = i;

			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 3 == 0)
				continue; /* not built */
			for (int a = 0; a < 4; a++, x /= 3)
				p[a] = tri[x % 3];
			p[4] = '\0';
			seed = seed * 1103515245u + 12345u;
			/* Mostly structured failures (a random cube), sometimes noise. */
			add(t, p, round % 3 ? (p[round % 4] == 'y' && p[(round + 1) % 4] != 'n') || (seed >> 16) % 17 == 0
					    : (seed >> 16) % 4 == 0);
		}
		r = find_ok(axes, 4, t);
		if (r->status == CONDITION_FOUND) {
			assert_exact(r, t);
			found++;
			for (size_t d = 0; d < r->ndisj; d++)
				assert_true(r->disj[d].nterms >= 1);
		} else {
			assert_true(r->status == CONDITION_TOO_COMPLEX || r->status == CONDITION_ALWAYS ||
				    r->status == CONDITION_NEVER);
		}
		condition_free(r);
		free(t);
	}
	assert_true(found > 150);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(find__seed_case_is_three_terms),
		cmocka_unit_test(find__names_the_axes_a_slice_holds_constant),
		cmocka_unit_test(find__drops_terms_that_do_not_separate),
		cmocka_unit_test(find__prefers_fewest_terms_then_values),
		cmocka_unit_test(find__disjunction_when_no_conjunction_separates),
		cmocka_unit_test(find__no_condition_when_configs_share_values),
		cmocka_unit_test(find__all_or_none_failing),
		cmocka_unit_test(find__only_built_configs_count),
		cmocka_unit_test(find__builds_failing_with_other_errors_say_nothing),
		cmocka_unit_test(find__passing_builds_showing_a_warning_count),
		cmocka_unit_test(find__rejects_bad_points),
		cmocka_unit_test(find__random_matrices_are_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
