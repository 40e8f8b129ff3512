/* Tests of the protocol's enums (jobtypes.h): every value spelled and read back, and what is not a value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "jobtypes.h"

static void names__read_back(void **state)
{
	(void)state;
	for (int i = 0; i < JOB_KIND_COUNT; i++) {
		enum job_kind k = JOB_BISECT;

		assert_true(job_kind_parse(job_kind_name((enum job_kind)i), &k));
		assert_int_equal(k, i);
		assert_true(job_kind_is(job_kind_name((enum job_kind)i), (enum job_kind)i));
	}
	for (int i = 0; i < JOB_STATE_COUNT; i++) {
		enum job_state s = JOB_DONE;

		assert_true(job_state_parse(job_state_name((enum job_state)i), &s));
		assert_int_equal(s, i);
	}
	for (int i = 0; i < STATUS_COUNT; i++) {
		enum job_status s = STATUS_SKIP;

		assert_true(job_status_parse(job_status_name((enum job_status)i), &s));
		assert_int_equal(s, i);
		assert_true(job_status_is(job_status_name((enum job_status)i), (enum job_status)i));
	}
	for (int i = 0; i < RUN_STATE_COUNT; i++) {
		enum run_state s = RUN_CANCELLED;

		assert_true(run_state_parse(run_state_name((enum run_state)i), &s));
		assert_int_equal(s, i);
		assert_true(run_state_is(run_state_name((enum run_state)i), (enum run_state)i));
	}
}

/* The spellings the database's CHECK lists and the API use. */
static void names__spelling(void **state)
{
	(void)state;
	assert_string_equal(job_kind_name(JOB_CONFIGURE), "configure");
	assert_string_equal(job_kind_name(JOB_BISECT), "bisect");
	assert_string_equal(job_state_name(JOB_CANCELLED), "cancelled");
	assert_string_equal(job_status_name(STATUS_ERROR), "ERROR");
	assert_string_equal(job_status_name(STATUS_SKIP), "SKIP");
	assert_string_equal(run_state_name(RUN_CONFIGURING), "configuring");
	assert_string_equal(run_state_name(RUN_SUPERSEDED), "superseded");
	assert_string_equal(job_kind_name((enum job_kind)JOB_KIND_COUNT), "?");
	assert_string_equal(run_state_name((enum run_state)-1), "?");
}

static void parse__rejects_other_text(void **state)
{
	enum job_kind k = JOB_BOOT;
	enum job_status s = STATUS_MISS;
	enum run_state r = RUN_BOOTING;

	(void)state;
	assert_false(job_kind_parse(NULL, &k));
	assert_false(job_kind_parse("", &k));
	assert_false(job_kind_parse("Build", &k));
	assert_false(job_kind_parse("build ", &k));
	assert_int_equal(k, JOB_BOOT); /* untouched */
	assert_false(job_status_parse("pass", &s));
	assert_false(job_status_parse("PASSED", &s));
	assert_int_equal(s, STATUS_MISS);
	/* "queued" is a job state and a run state; "running" only a job's. */
	assert_false(run_state_parse("running", &r));
	assert_int_equal(r, RUN_BOOTING);
	assert_false(job_kind_is(NULL, JOB_BUILD));
	assert_false(job_status_is("FAIL", STATUS_PASS));
	assert_false(run_state_is(NULL, RUN_DONE));
}

static void sets__reportable_and_final(void **state)
{
	(void)state;
	assert_true(job_status_reportable(STATUS_PASS));
	assert_true(job_status_reportable(STATUS_FAIL));
	assert_true(job_status_reportable(STATUS_ERROR));
	assert_false(job_status_reportable(STATUS_MISS));
	assert_false(job_status_reportable(STATUS_SKIP));
	for (int i = 0; i < RUN_STATE_COUNT; i++) {
		bool final = i == RUN_DONE || i == RUN_ERROR || i == RUN_SUPERSEDED || i == RUN_CANCELLED;

		assert_int_equal(run_state_final((enum run_state)i), final);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names__read_back),
		cmocka_unit_test(names__spelling),
		cmocka_unit_test(parse__rejects_other_text),
		cmocka_unit_test(sets__reportable_and_final),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
