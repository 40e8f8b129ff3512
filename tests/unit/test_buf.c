/* Unit tests of the bounded buffer: a refused append leaves a prefix, never a hole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "buf.h"
#include "err.h"

static void append__over_the_limit_refused_whole(void **state)
{
	struct buf b = BUF_INIT(8);

	(void)state;
	assert_int_equal(buf_puts(&b, "abcd"), 0);
	assert_int_equal(buf_puts(&b, "efghi"), KM_ETOOBIG);
	assert_string_equal(buf_cstr(&b), "abcd");
	buf_free(&b);
}

static void append__after_a_refusal_nothing_is_taken(void **state)
{
	struct buf b = BUF_INIT(8);

	(void)state;
	assert_int_equal(buf_puts(&b, "head "), 0);
	assert_int_equal(buf_puts(&b, "too long for it"), KM_ETOOBIG);
	/* It would fit, but taking it would leave a hole where the refused text was. */
	assert_int_equal(buf_puts(&b, "ab"), KM_ETOOBIG);
	assert_int_equal(buf_printf(&b, "%d", 1), KM_ETOOBIG);
	assert_string_equal(buf_cstr(&b), "head ");
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "again"), 0);
	assert_string_equal(buf_cstr(&b), "again");
	buf_free(&b);
}

static void append__exactly_the_limit_fits(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4);
	assert_int_equal(buf_append(&b, "abcd", 4), 0);
	assert_int_equal(buf_append(&b, "", 0), 0);
	assert_int_equal(buf_append(&b, "e", 1), KM_ETOOBIG);
	assert_int_equal(b.len, 4);
	buf_free(&b);
}

/* What the shell reads back is the text itself: quotes closed, an escaped quote, reopened. */
static void shell_quote__survives_quotes_and_blanks(void **state)
{
	struct buf b = BUF_INIT(64);
	const char *s = "it's $HOME `x`";

	(void)state;
	assert_int_equal(buf_shell_quote(&b, s, strlen(s)), 0);
	assert_string_equal(buf_cstr(&b), "'it'\\''s $HOME `x`'");
	buf_reset(&b);
	assert_int_equal(buf_shell_quote(&b, "ab", 1), 0);
	assert_string_equal(buf_cstr(&b), "'a'");
	buf_reset(&b);
	assert_int_equal(buf_shell_quote(&b, "", 0), 0);
	assert_string_equal(buf_cstr(&b), "''");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(append__over_the_limit_refused_whole),
		cmocka_unit_test(append__after_a_refusal_nothing_is_taken),
		cmocka_unit_test(append__exactly_the_limit_fits),
		cmocka_unit_test(shell_quote__survives_quotes_and_blanks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
