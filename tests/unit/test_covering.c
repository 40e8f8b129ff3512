/* Tests of the covering-array generator and of matrices that expand through it (cover, seeds, axes = auto). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "covering.h"
#include "err.h"
#include "matrix.h"
#include "xalloc.h"

/*
 * Sizes of the best covering arrays known (Colbourn's tables) for small
 * cases, and the bound this generator promises against them: at most
 * floor(1.25 * best) + 1 rows.
 */
static const struct {
	unsigned strength, naxes, values;
	size_t best;
} known[] = {
	{ 2, 4, 3, 9 },  /* 3^4 pairwise: the orthogonal array, 9 */
	{ 2, 3, 3, 9 },  /* 3^3 pairwise */
	{ 2, 4, 2, 5 },  /* 2^4 pairwise */
	{ 2, 6, 3, 12 }, /* 3^6 pairwise */
	{ 2, 8, 2, 6 },  /* 2^8 pairwise */
	{ 3, 4, 3, 27 }, /* 3^4 strength 3 */
	{ 3, 5, 2, 10 }, /* 2^5 strength 3 */
};

static void generate__covers_every_tuple_within_the_bound(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		unsigned nv[8];
		struct covering_spec s = { known[k].naxes, nv, known[k].strength, NULL, NULL, NULL, 0 };
		unsigned char *rows = NULL;
		size_t n = 0;

		for (size_t i = 0; i < known[k].naxes; i++)
			nv[i] = known[k].values;
		assert_int_equal(covering_generate(&s, &rows, &n), 0);
		assert_true(covering_check(&s, rows, n));
		assert_true(n <= known[k].best * 5 / 4 + 1);
		assert_true(n >= known[k].best);
		/* one row less never covers (the check can fail) */
		assert_false(covering_check(&s, rows, n - 1));
		free(rows);
	}
}

static void generate__3_to_the_4_pairwise_is_the_best_known(void **state)
{
	unsigned nv[4] = { 3, 3, 3, 3 };
	struct covering_spec s = { 4, nv, 2, NULL, NULL, NULL, 0 };
	unsigned char *rows = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(covering_generate(&s, &rows, &n), 0);
	assert_int_equal(n, 9);
	free(rows);
}

static bool no_y_y(void *ctx, const unsigned char *row)
{
	(void)ctx;
	return row[0] == 0 && row[1] == 0;
}

static void generate__honours_exclusions_and_seeds(void **state)
{
	unsigned nv[3] = { 3, 3, 2 };
	unsigned char seed[3] = { 0, 1, 0 }, excluded_seed[3] = { 0, 0, 1 };
	unsigned char seeds[6];
	struct covering_spec s = { 3, nv, 2, no_y_y, NULL, seeds, 2 };
	unsigned char *rows = NULL;
	size_t n = 0;

	(void)state;
	memcpy(seeds, excluded_seed, 3);
	memcpy(seeds + 3, seed, 3);
	assert_int_equal(covering_generate(&s, &rows, &n), 0);
	assert_memory_equal(rows, seed, 3); /* the excluded seed is skipped, the other comes first */
	for (size_t r = 0; r < n; r++)
		assert_false(rows[r * 3] == 0 && rows[r * 3 + 1] == 0);
	assert_true(covering_check(&s, rows, n));
	free(rows);
}

static void generate__rejects_out_of_bounds_specs(void **state)
{
	unsigned nv[9] = { 3, 3, 3, 3, 3, 3, 3, 3, 3 }, four[1] = { 4 };
	struct covering_spec s = { 9, nv, 2, NULL, NULL, NULL, 0 };
	unsigned char *rows = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(covering_generate(&s, &rows, &n), KM_EINVAL);
	s.naxes = 2;
	s.strength = 4;
	assert_int_equal(covering_generate(&s, &rows, &n), KM_EINVAL);
	s.strength = 2;
	s.naxes = 1;
	s.nvalues = four;
	assert_int_equal(covering_generate(&s, &rows, &n), KM_EINVAL);
	assert_null(rows);
}

static struct matrix *parse_ok(const char *text)
{
	struct matrix *m = NULL;

	assert_int_equal(matrix_parse("c.matrix", text, strlen(text), &m), 0);
	return m;
}

static void parse_err(const char *text, const char *msg)
{
	struct matrix *m = NULL;

	assert_int_equal(matrix_parse("c.matrix", text, strlen(text), &m), KM_EINVAL);
	assert_null(m);
	if (!strstr(err_msg(), msg))
		fail_msg("'%s' does not contain '%s'", err_msg(), msg);
}

#define HEAD "[matrix]\nname = c\narch = x86_64\nbase = tinyconfig\n"

static void matrix__cover_expands_to_the_covering_array_seeds_first(void **state)
{
	struct matrix *m = parse_ok(HEAD "cover = 2\nseeds = nmy\n[axes]\nA = y m n\nB = y m n\nC = y n\n");
	char **points = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(matrix_expand(m, &points, &n), 0);
	assert_int_equal(n, 9);
	assert_int_equal(matrix_point_count(m), 9);
	assert_string_equal(points[0], "nmy");
	matrix_points_free(points, n);
	matrix_free(m);
}

static void matrix__auto_without_axes_is_one_base_point(void **state)
{
	struct matrix *m = parse_ok(HEAD "axes = auto\nmax_axes = 4\nmax_requests = 20\n");
	char **points = NULL;
	size_t n = 0;

	(void)state;
	assert_true(m->axes_auto);
	assert_int_equal(m->axes_line, 5);
	assert_int_equal(m->max_axes, 4);
	assert_int_equal(m->max_requests, 20);
	assert_int_equal(matrix_expand(m, &points, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(points[0], "");
	matrix_points_free(points, n);
	matrix_free(m);
	m = parse_ok(HEAD "axes = auto\n");
	assert_int_equal(m->max_axes, 6);
	assert_int_equal(m->max_requests, 243);
	matrix_free(m);
}

static void matrix__auto_mistakes_are_named(void **state)
{
	(void)state;
	parse_err(HEAD "axes = some\n", "c.matrix:5: bad axes 'some' (expected auto");
	parse_err(HEAD "axes = auto\n[axes]\nA = y n\n", "c.matrix:6: [axes] in a matrix with 'axes = auto' (line 5)");
	parse_err(HEAD "max_axes = 9\n[axes]\nA = y n\n", "c.matrix:5: bad max_axes '9' (expected a whole number, 1 to 8)");
	parse_err(HEAD "cover = 4\n[axes]\nA = y n\n", "bad cover '4'");
	parse_err(HEAD "seeds = yy\n[axes]\nA = y n\n", "seed 'yy' (expected 'cover = 2' or 3");
	parse_err(HEAD "cover = 2\nseeds = m\n[axes]\nA = y n\n", "seed 'm'");
	parse_err(HEAD "axes = auto\n[exclude]\nA=y\n", "[exclude] in a matrix with 'axes = auto'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(generate__covers_every_tuple_within_the_bound),
		cmocka_unit_test(generate__3_to_the_4_pairwise_is_the_best_known),
		cmocka_unit_test(generate__honours_exclusions_and_seeds),
		cmocka_unit_test(generate__rejects_out_of_bounds_specs),
		cmocka_unit_test(matrix__cover_expands_to_the_covering_array_seeds_first),
		cmocka_unit_test(matrix__auto_without_axes_is_one_base_point),
		cmocka_unit_test(matrix__auto_mistakes_are_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
