/* Tests of the job result (jobresult.h): each kind encoded and decoded back, and bodies refused with the member named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "err.h"
#include "jobresult.h"

#define COMMIT "0123456789abcdef0123456789abcdef01234567"

/* Encodes r as a result of kind and decodes it back into *out. */
static void round_trip(enum job_kind kind, const struct job_result *r, struct job_result *out)
{
	json_t *body = job_result_encode(kind, r);

	assert_non_null(body);
	assert_int_equal(job_result_decode(body, kind, out), 0);
	json_decref(body);
}

static void configure__round_trip(void **state)
{
	struct job_result r = { .lease = "L1", .status = STATUS_PASS, .message = "2 requests", .wall_s = 1.5,
				.commit = COMMIT, .subject = "dax: fix", .author_name = "A", .author_email = "a@b" };
	struct job_result d;

	(void)state;
	r.configs = json_pack("[{s:s,s:s,s:s}]", "hash", "ab", "point", "ymn", "text", "CONFIG_X=y\n");
	r.requests = json_pack("[{s:i,s:s},{s:i,s:s}]", "idx", 0, "hash", "ab", "idx", 1, "hash", "ab");
	round_trip(JOB_CONFIGURE, &r, &d);
	assert_string_equal(d.lease, "L1");
	assert_int_equal(d.status, STATUS_PASS);
	assert_string_equal(d.message, "2 requests");
	assert_true(d.wall_s > 1.4 && d.wall_s < 1.6);
	assert_false(d.retryable);
	assert_string_equal(d.commit, COMMIT);
	assert_string_equal(d.subject, "dax: fix");
	assert_string_equal(d.author_email, "a@b");
	assert_true(json_equal(d.configs, r.configs));
	assert_int_equal(json_array_size(d.requests), 2);
	job_result_release(&d);
	json_decref(r.configs);
	json_decref(r.requests);
}

static void build__round_trip(void **state)
{
	struct job_result r = { .lease = "L2", .status = STATUS_FAIL, .message = "1 error", .cpu_s = 30,
				.ccache_hits = 5, .ccache_misses = 2, .ccache_remote_hits = 1, .warnings = 3,
				.log_lines = 40, .make_cmd = "make -j2", .unchanged_since = 12 };
	struct job_result d;

	(void)state;
	r.errors = json_pack("[{s:s,s:s,s:s}]", "signature", "link:x", "type", "link", "message", "undefined reference");
	r.modules = json_pack("[s]", "cxl_core");
	round_trip(JOB_BUILD, &r, &d);
	assert_int_equal(d.status, STATUS_FAIL);
	assert_int_equal(d.ccache_hits, 5);
	assert_int_equal(d.ccache_misses, 2);
	assert_int_equal(d.ccache_remote_hits, 1);
	assert_int_equal(d.warnings, 3);
	assert_int_equal(d.log_lines, 40);
	assert_string_equal(d.make_cmd, "make -j2");
	assert_int_equal(d.unchanged_since, 12);
	assert_true(json_equal(d.errors, r.errors));
	assert_true(json_equal(d.modules, r.modules));
	/* A build carries nothing of the other kinds. */
	assert_null(d.ownership);
	assert_null(d.configs);
	job_result_release(&d);
	json_decref(r.errors);
	json_decref(r.modules);
}

static void boot_and_bisect__round_trip(void **state)
{
	struct job_result r = { .lease = "L3", .status = STATUS_ERROR, .retryable = true, .warnings = 1 };
	struct job_result d;

	(void)state;
	r.details = json_pack("{s:s}", "hmem", "probed");
	r.ownership = json_pack("[{s:s,s:s,s:s,s:n}]", "range", "0x1-0x2", "role", "subject", "owner", "cxl",
				"evidence");
	round_trip(JOB_BOOT, &r, &d);
	assert_int_equal(d.status, STATUS_ERROR);
	assert_true(d.retryable);
	assert_int_equal(d.warnings, 1);
	assert_true(json_equal(d.details, r.details));
	assert_true(json_equal(d.ownership, r.ownership));
	job_result_release(&d);
	json_decref(r.details);
	json_decref(r.ownership);

	/* A bisection's walk, then a boot step: the build's fields and "boot". */
	memset(&r, 0, sizeof(r));
	r.lease = "L4";
	r.walk = json_pack("{s:s,s:b,s:[{s:s}]}", "good", COMMIT, "ancestor", 1, "commits", "id", COMMIT);
	round_trip(JOB_BISECT, &r, &d);
	assert_true(json_equal(d.walk, r.walk));
	assert_null(d.errors);
	job_result_release(&d);
	json_decref(r.walk);
	r.walk = NULL;
	r.log_lines = 9;
	r.boot = json_pack("{s:s}", "status", "FAIL");
	round_trip(JOB_BISECT, &r, &d);
	assert_int_equal(d.log_lines, 9);
	assert_true(json_equal(d.boot, r.boot));
	job_result_release(&d);
	json_decref(r.boot);
}

/* The message of decoding text as a result of kind, which must be refused. */
static const char *refusal(enum job_kind kind, const char *text)
{
	static char msg[512];
	json_t *body = json_loads(text, 0, NULL);
	struct job_result d;

	assert_non_null(body);
	assert_int_not_equal(job_result_decode(body, kind, &d), 0);
	snprintf(msg, sizeof(msg), "%s", err_msg());
	job_result_release(&d);
	json_decref(body);
	return msg;
}

static void bad__names_the_member(void **state)
{
	struct job_result unset = { .lease = "L1", .status = STATUS_COUNT };
	json_t *body;
	struct job_result d;

	(void)state;
	assert_non_null(strstr(refusal(JOB_BUILD, "[]"), "JSON object"));
	assert_non_null(strstr(refusal(JOB_BUILD, "{\"status\":\"PASS\"}"), "'lease'"));
	assert_non_null(strstr(refusal(JOB_BUILD, "{\"lease\":\"L\",\"status\":\"SKIP\"}"), "PASS, FAIL or ERROR"));
	assert_non_null(strstr(refusal(JOB_BUILD, "{\"lease\":\"L\",\"status\":\"PASS\",\"message\":1}"), "'message'"));
	assert_non_null(strstr(refusal(JOB_BUILD, "{\"lease\":\"L\",\"status\":\"PASS\",\"wall_s\":\"1\"}"), "'wall_s'"));
	assert_non_null(
		strstr(refusal(JOB_BUILD, "{\"lease\":\"L\",\"status\":\"PASS\",\"ccache\":{\"hits\":-1}}"), "'hits'"));
	assert_non_null(strstr(refusal(JOB_BUILD, "{\"lease\":\"L\",\"status\":\"FAIL\",\"errors\":[{\"type\":\"x\"}]}"),
			       "errors[0].signature"));
	assert_non_null(strstr(refusal(JOB_BUILD, "{\"lease\":\"L\",\"status\":\"PASS\",\"modules\":[\"\"]}"), "modules[0]"));
	assert_non_null(strstr(refusal(JOB_BUILD, "{\"lease\":\"L\",\"status\":\"PASS\",\"unchanged_since\":0}"),
			       "'unchanged_since'"));
	assert_non_null(strstr(refusal(JOB_CONFIGURE, "{\"lease\":\"L\",\"status\":\"PASS\"}"), "'configs' and 'requests'"));
	assert_non_null(strstr(refusal(JOB_CONFIGURE, "{\"lease\":\"L\",\"status\":\"FAIL\",\"commit\":\"abc\"}"), "'commit'"));
	assert_non_null(strstr(refusal(JOB_CONFIGURE, "{\"lease\":\"L\",\"status\":\"PASS\",\"configs\":[{\"hash\":\"a\"}],"
						      "\"requests\":[]}"),
			       "configs[0]"));
	assert_non_null(strstr(refusal(JOB_CONFIGURE, "{\"lease\":\"L\",\"status\":\"PASS\",\"configs\":[],"
						      "\"requests\":[{\"hash\":\"a\"}]}"),
			       "requests[0]"));
	assert_non_null(strstr(refusal(JOB_BOOT, "{\"lease\":\"L\",\"status\":\"PASS\",\"ownership\":[{\"range\":\"r\"}]}"),
			       "ownership[0].role"));
	assert_non_null(strstr(refusal(JOB_BOOT, "{\"lease\":\"L\",\"status\":\"PASS\",\"details\":[]}"), "'details'"));
	assert_non_null(strstr(refusal(JOB_BISECT, "{\"lease\":\"L\",\"status\":\"PASS\",\"walk\":{\"good\":\"x\"}}"),
			       "walk.good"));
	assert_non_null(strstr(refusal(JOB_BISECT, "{\"lease\":\"L\",\"status\":\"PASS\",\"boot\":{\"status\":\"MISS\"}}"),
			       "'boot'"));

	/* A result no runner gave a status to is refused, never read as PASS. */
	body = job_result_encode(JOB_BUILD, &unset);
	assert_int_equal(job_result_decode(body, JOB_BUILD, &d), KM_EINVAL);
	assert_non_null(strstr(err_msg(), "PASS, FAIL or ERROR"));
	job_result_release(&d);
	json_decref(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(configure__round_trip),
		cmocka_unit_test(build__round_trip),
		cmocka_unit_test(boot_and_bisect__round_trip),
		cmocka_unit_test(bad__names_the_member),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
