/* Unit tests of a boot bisection's step verdicts: the head's outcome is bad, the base's good, everything else a skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bisect_boot.h"

static const struct bisect_boot_target owner = { "cxl-first", "subject", "cxl", "hmem" };
static const struct bisect_boot_target failure = { "kmod", NULL, "PASS", "FAIL" };

/* The verdict of one step, checking that the reason says what is expected. */
static enum bisect_verdict judge(const struct bisect_boot_target *t, const char *build, const char *boot,
				 const char *owner_seen, const char *reason_has)
{
	struct bisect_boot_step s = { build, "1 error: undefined reference", boot, boot ? "kernel oops/BUG" : NULL, owner_seen };
	char *reason = NULL;
	enum bisect_verdict v = bisect_boot_verdict(t, &s, &reason);

	assert_non_null(reason);
	if (!strstr(reason, reason_has))
		fail_msg("reason '%s' does not say '%s'", reason, reason_has);
	free(reason);
	return v;
}

static void verdict__owner_of_the_head_is_bad(void **state)
{
	(void)state;
	assert_int_equal(judge(&owner, "PASS", "PASS", "hmem", "range subject owned by hmem"), BISECT_BAD);
}

static void verdict__owner_of_the_base_is_good(void **state)
{
	(void)state;
	assert_int_equal(judge(&owner, "PASS", "PASS", "cxl", "range subject owned by cxl"), BISECT_GOOD);
}

static void verdict__another_owner_is_a_skip(void **state)
{
	(void)state;
	assert_int_equal(judge(&owner, "PASS", "PASS", "none", "owned by none, neither cxl nor hmem"), BISECT_SKIP);
	assert_int_equal(judge(&owner, "PASS", "PASS", NULL, "did not report range subject"), BISECT_SKIP);
}

static void verdict__a_failed_boot_says_nothing_of_an_owner(void **state)
{
	(void)state;
	assert_int_equal(judge(&owner, "PASS", "FAIL", NULL, "the boot fails another way: kernel oops"), BISECT_SKIP);
}

static void verdict__build_failure_or_farm_error_is_a_skip(void **state)
{
	(void)state;
	assert_int_equal(judge(&owner, "FAIL", NULL, NULL, "the build fails: 1 error"), BISECT_SKIP);
	assert_int_equal(judge(&failure, "ERROR", NULL, NULL, "the farm could not build it"), BISECT_SKIP);
	assert_int_equal(judge(&owner, "PASS", "ERROR", "hmem", "the farm could not boot it"), BISECT_SKIP);
	assert_int_equal(judge(&failure, "PASS", NULL, NULL, "the farm could not boot it: not booted"), BISECT_SKIP);
}

static void verdict__failure_bisection(void **state)
{
	(void)state;
	assert_int_equal(judge(&failure, "PASS", "FAIL", NULL, "the boot fails: kernel oops/BUG"), BISECT_BAD);
	assert_int_equal(judge(&failure, "PASS", "PASS", "cxl", "boots"), BISECT_GOOD);
	assert_int_equal(judge(&failure, "PASS", "ERROR", NULL, "could not boot"), BISECT_SKIP);
}

static void what__names_the_change(void **state)
{
	char *a = bisect_boot_what(&owner), *b = bisect_boot_what(&failure);

	(void)state;
	assert_string_equal(a, "owner change of range subject (cxl \xe2\x86\x92 hmem) in variant cxl-first");
	assert_string_equal(b, "boot failure in variant kmod");
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(verdict__owner_of_the_head_is_bad),
		cmocka_unit_test(verdict__owner_of_the_base_is_good),
		cmocka_unit_test(verdict__another_owner_is_a_skip),
		cmocka_unit_test(verdict__a_failed_boot_says_nothing_of_an_owner),
		cmocka_unit_test(verdict__build_failure_or_farm_error_is_a_skip),
		cmocka_unit_test(verdict__failure_bisection),
		cmocka_unit_test(what__names_the_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
