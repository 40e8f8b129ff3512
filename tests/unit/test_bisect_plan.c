/* Unit tests of the bisection's choice of steps: it finds every first bad commit within its bound, skips give ranges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bisect_plan.h"

/* What a build at position i shows: bad from first_bad on, skipped where skip[i]. */
struct oracle {
	size_t first_bad;
	const unsigned char *skip;
	int bad_good_end;
};

static enum bisect_verdict ask(const struct oracle *o, size_t i)
{
	if (i == 0 && o->bad_good_end)
		return BISECT_BAD;
	if (o->skip && o->skip[i])
		return BISECT_SKIP;
	return i >= o->first_bad ? BISECT_BAD : BISECT_GOOD;
}

/* Runs the plan to its end; returns the builds it asked for and the final plan. */
static size_t run(const struct oracle *o, size_t n, int good_known, struct bisect_plan *p)
{
	enum bisect_verdict *v = calloc(n + 1, sizeof(*v));
	size_t steps = 0;

	v[0] = good_known ? BISECT_GOOD : BISECT_UNKNOWN;
	v[n] = BISECT_BAD;
	for (;;) {
		bisect_plan(v, n, p);
		if (p->outcome != BISECT_NEXT)
			break;
		assert_true(p->next <= n);
		assert_int_equal(v[p->next], BISECT_UNKNOWN); /* never the same commit twice */
		v[p->next] = ask(o, p->next);
		steps++;
		assert_true(steps <= n + 1);
	}
	free(v);
	return steps;
}

static void plan__finds_every_first_bad_within_log2(void **state)
{
	(void)state;
	for (size_t n = 1; n <= 70; n++) {
		for (size_t f = 1; f <= n; f++) {
			struct oracle o = { f, NULL, 0 };
			struct bisect_plan p;
			size_t steps = run(&o, n, 1, &p);

			assert_int_equal(p.outcome, BISECT_FOUND);
			assert_int_equal(p.first_bad, f);
			/* The ends are known from the runs: ceil(log2 n) builds, within the bound's +2. */
			assert_true(steps + 2 <= bisect_max_steps(n, 0));
		}
	}
}

static void plan__commit_11_of_16_in_4_builds(void **state)
{
	struct oracle o = { 11, NULL, 0 };
	struct bisect_plan p;

	(void)state;
	assert_int_equal(run(&o, 16, 1, &p), 4);
	assert_int_equal(p.outcome, BISECT_FOUND);
	assert_int_equal(p.first_bad, 11);
	assert_int_equal(bisect_max_steps(16, 0), 6);
}

static void plan__skipped_middle_gives_a_range(void **state)
{
	/* 8 commits: 3, 4 and 5 fail another way and 4 introduced the error: 2 builds, 6 shows it, so 3..6. */
	unsigned char skip[9] = { 0, 0, 0, 1, 1, 1, 0, 0, 0 };
	struct oracle o = { 4, skip, 0 };
	struct bisect_plan p;
	size_t steps;

	(void)state;
	steps = run(&o, 8, 1, &p);
	assert_int_equal(p.outcome, BISECT_RANGE);
	assert_int_equal(p.range_first, 3);
	assert_int_equal(p.first_bad, 6);
	assert_true(steps <= bisect_max_steps(8, 3));
}

static void plan__skip_beside_the_answer_still_finds_it(void **state)
{
	unsigned char skip[17] = { 0 };
	struct oracle o = { 11, skip, 0 };
	struct bisect_plan p;
	size_t steps;

	(void)state;
	skip[8] = 1; /* the first middle fails another way */
	steps = run(&o, 16, 1, &p);
	assert_int_equal(p.outcome, BISECT_FOUND);
	assert_int_equal(p.first_bad, 11);
	assert_true(steps <= bisect_max_steps(16, 1));
}

static void plan__every_middle_skipped_names_the_whole_range(void **state)
{
	unsigned char skip[6] = { 0, 1, 1, 1, 1, 0 };
	struct oracle o = { 2, skip, 0 };
	struct bisect_plan p;

	(void)state;
	assert_int_equal(run(&o, 5, 1, &p), 4);
	assert_int_equal(p.outcome, BISECT_RANGE);
	assert_int_equal(p.range_first, 1);
	assert_int_equal(p.first_bad, 5);
}

static void plan__unknown_good_end_is_checked_first(void **state)
{
	struct oracle good = { 3, NULL, 0 }, bad = { 3, NULL, 1 };
	struct bisect_plan p;
	size_t steps;

	(void)state;
	steps = run(&good, 8, 0, &p);
	assert_int_equal(p.outcome, BISECT_FOUND);
	assert_int_equal(p.first_bad, 3);
	assert_true(steps <= bisect_max_steps(8, 0));
	assert_int_equal(run(&bad, 8, 0, &p), 1);
	assert_int_equal(p.outcome, BISECT_BAD_GOOD_END);
}

static void plan__skipped_good_end_ends_without_a_guess(void **state)
{
	unsigned char skip[9] = { 1 };
	struct oracle o = { 3, skip, 0 };
	struct bisect_plan p;

	(void)state;
	assert_int_equal(run(&o, 8, 0, &p), 1);
	assert_int_equal(p.outcome, BISECT_NO_GOOD_END);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plan__finds_every_first_bad_within_log2),
		cmocka_unit_test(plan__commit_11_of_16_in_4_builds),
		cmocka_unit_test(plan__skipped_middle_gives_a_range),
		cmocka_unit_test(plan__skip_beside_the_answer_still_finds_it),
		cmocka_unit_test(plan__every_middle_skipped_names_the_whole_range),
		cmocka_unit_test(plan__unknown_good_end_is_checked_first),
		cmocka_unit_test(plan__skipped_good_end_ends_without_a_guess),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
