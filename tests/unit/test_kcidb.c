/* Tests of the KCIDB export's text rules: what outside text becomes, nulls dropped, origins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "kcidb.h"

static void clean__removes_controls_keeps_newlines_and_tabs(void **state)
{
	static const char in[] = "a\x01" "b\x1b[31mc\x7f\td\r\ne\rf\0g";
	char *out = kcidb_clean(in, sizeof(in) - 1, SIZE_MAX);

	(void)state;
	assert_string_equal(out, "ab[31mc\td\ne\nfg");
	free(out);
}

static void clean__invalid_utf8_becomes_replacement(void **state)
{
	static const char in[] = "x\xc3(\xed\xa0\x80y\xe2\x82\xac";
	char *out = kcidb_clean(in, sizeof(in) - 1, SIZE_MAX);

	(void)state;
	/* a truncated sequence, an encoded surrogate (3 bytes, 3 replacements), then a valid euro sign */
	assert_string_equal(out, "x\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdy\xe2\x82\xac");
	free(out);
}

static void clean__cuts_at_characters_not_bytes(void **state)
{
	char *out = kcidb_clean("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 9, 2);

	(void)state;
	assert_string_equal(out, "\xe2\x82\xac\xe2\x82\xac");
	free(out);
	out = kcidb_clean(NULL, 5, 10);
	assert_string_equal(out, "");
	free(out);
}

static void scrub__drops_nulls_everywhere_and_cleans_strings(void **state)
{
	json_t *doc = json_pack("{s:n,s:[n,i,{s:n,s:s}],s:{s:{s:n}}}", "a", "b", 1, "c", "d", "x\x01y", "e", "f",
				"g");
	char *text;

	(void)state;
	kcidb_scrub(doc);
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text, "{\"b\":[1,{\"d\":\"xy\"}],\"e\":{\"f\":{}}}");
	free(text);
	json_decref(doc);
}

static void origin__pattern(void **state)
{
	(void)state;
	assert_true(kcidb_origin_ok("kmatrix"));
	assert_true(kcidb_origin_ok("lab_2"));
	assert_false(kcidb_origin_ok(""));
	assert_false(kcidb_origin_ok(NULL));
	assert_false(kcidb_origin_ok("Lab"));
	assert_false(kcidb_origin_ok("a-b"));
	assert_false(kcidb_origin_ok("a:b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clean__removes_controls_keeps_newlines_and_tabs),
		cmocka_unit_test(clean__invalid_utf8_becomes_replacement),
		cmocka_unit_test(clean__cuts_at_characters_not_bytes),
		cmocka_unit_test(scrub__drops_nulls_everywhere_and_cleans_strings),
		cmocka_unit_test(origin__pattern),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
