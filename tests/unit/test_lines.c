/* Unit tests of the one line reader, and of the three formats agreeing on CRLF files through it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "lines.h"
#include "matrix.h"
#include "trees_format.h"

/* Every line of text joined with '|', each prefixed by its number. */
static void collect(const char *text, size_t len, char *out, size_t size)
{
	struct lines l;
	const char *s;
	size_t n, used = 0;

	out[0] = '\0';
	lines_init(&l, text, len);
	while (lines_next(&l, &s, &n))
		used += (size_t)snprintf(out + used, size - used, "%u:%.*s|", l.lineno, (int)n, s);
}

static void lines__ends_and_numbers(void **state)
{
	char got[256];

	(void)state;
	collect("a\nb\n", strlen("a\nb\n"), got, sizeof(got));
	assert_string_equal(got, "1:a|2:b|");
	collect("a\nb", strlen("a\nb"), got, sizeof(got)); /* the last line needs no newline */
	assert_string_equal(got, "1:a|2:b|");
	collect("a\r\n\r\nc\r\n", strlen("a\r\n\r\nc\r\n"), got, sizeof(got)); /* CR before LF dropped, empty lines kept */
	assert_string_equal(got, "1:a|2:|3:c|");
	collect("x\ry\n", strlen("x\ry\n"), got, sizeof(got)); /* a CR inside a line stays */
	assert_string_equal(got, "1:x\ry|");
	collect("", strlen(""), got, sizeof(got));
	assert_string_equal(got, "");
	collect("\n", strlen("\n"), got, sizeof(got));
	assert_string_equal(got, "1:|");
	collect(NULL, 5, got, sizeof(got));
	assert_string_equal(got, "");
}

/* A file saved with CRLF line ends reads the same as with LF, in each of the three formats. */
static void formats__agree_on_crlf(void **state)
{
	static const char matrix_text[] = "[matrix]\r\nname = t\r\narch = x86_64\r\nbase = tinyconfig\r\n"
					  "[axes]\r\nA = y \\\r\n    n\r\n";
	static const char trees_text[] = "[tree linux]\r\nurl = https://example.org/linux.git\r\n"
					 "matrices = cxl-quick\r\n";
	static const char config_text[] = "listen = 127.0.0.2\r\n";
	struct matrix *m = NULL;
	struct triggers *t = NULL;
	struct server_config cfg;

	(void)state;
	assert_int_equal(matrix_parse("t.matrix", matrix_text, sizeof(matrix_text) - 1, &m), 0);
	assert_string_equal(m->name, "t");
	assert_int_equal(m->naxes, 1);
	assert_int_equal(m->axes[0].nvalues, 2);
	matrix_free(m);
	assert_int_equal(triggers_parse("trees", trees_text, sizeof(trees_text) - 1, &t), 0);
	assert_string_equal(t->trees[0].urls[0], "https://example.org/linux.git");
	triggers_free(t);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(server_config_parse_text(&cfg, "server.conf", config_text, sizeof(config_text) - 1), 0);
	assert_string_equal(cfg.listen, "127.0.0.2");
	server_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines__ends_and_numbers),
		cmocka_unit_test(formats__agree_on_crlf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
