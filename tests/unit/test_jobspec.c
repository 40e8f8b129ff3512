/* Tests of the claim payload (jobspec.h): each kind encoded and decoded back, and payloads that say what they lack. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "err.h"
#include "jobspec.h"

static struct job_spec base_spec(enum job_kind kind, json_t *matrix)
{
	return (struct job_spec){ .id = 7, .kind = kind, .run_id = 3, .tree_name = "linux",
				  .tree_url = "/srv/linux.git", .ref = "refs/heads/main", .commit = "0123abcd",
				  .matrix = matrix, .config = { 11, "feedbeef", "ymmmn", "CONFIG_X=y\n" },
				  .lease = "L1", .lease_expires = 1000, .lease_ttl = 60 };
}

/* Encodes s and decodes the result into *out; the payload is the caller's (out borrows from it). */
static json_t *round_trip(const struct job_spec *s, struct job_spec *out)
{
	json_t *payload = job_spec_encode(s);

	assert_non_null(payload);
	assert_int_equal(job_spec_decode(payload, out), 0);
	return payload;
}

static void kinds__round_trip(void **state)
{
	json_t *matrix = json_pack("{s:s}", "name", "cxl-quick"), *requests = json_pack("[{s:i,s:s}]", "idx", 0,
											 "point", "mmmmn");
	struct job_spec s = base_spec(JOB_BUILD, matrix), d;
	json_t *p;

	(void)state;
	p = round_trip(&s, &d);
	assert_int_equal(d.id, 7);
	assert_int_equal(d.kind, JOB_BUILD);
	assert_int_equal(d.run_id, 3);
	assert_string_equal(d.tree_name, "linux");
	assert_string_equal(d.tree_url, "/srv/linux.git");
	assert_string_equal(d.commit, "0123abcd");
	assert_string_equal(d.config.text, "CONFIG_X=y\n");
	assert_int_equal(d.config.id, 11);
	assert_string_equal(d.lease, "L1");
	assert_int_equal(d.lease_ttl, 60);
	assert_true(json_equal((json_t *)d.matrix, matrix));
	json_decref(p);

	s = base_spec(JOB_CONFIGURE, matrix);
	s.commit = NULL;
	s.requests = requests;
	p = round_trip(&s, &d);
	assert_null(d.commit);
	assert_true(json_equal((json_t *)d.requests, requests));
	assert_null(json_object_get(json_object_get(p, "job"), "config"));
	json_decref(p);

	s = base_spec(JOB_BOOT, matrix);
	s.variant = "hmem-first";
	s.build_job = 5;
	p = round_trip(&s, &d);
	assert_string_equal(d.variant, "hmem-first");
	assert_int_equal(d.build_job, 5);
	json_decref(p);

	s = base_spec(JOB_BISECT, matrix);
	s.bisect.op = BISECT_WALK;
	s.bisect.bisection = 2;
	s.bisect.good = "aaaa";
	s.bisect.head = "bbbb";
	s.bisect.max_commits = 500;
	p = round_trip(&s, &d);
	assert_int_equal(d.bisect.op, BISECT_WALK);
	assert_int_equal(d.bisect.bisection, 2);
	assert_string_equal(d.bisect.good, "aaaa");
	assert_string_equal(d.bisect.head, "bbbb");
	assert_int_equal(d.bisect.max_commits, 500);
	assert_null(d.bisect.boot_variant);
	json_decref(p);

	memset(&s.bisect, 0, sizeof(s.bisect));
	s.bisect.op = BISECT_STEP;
	s.bisect.bisection = 2;
	s.bisect.position = 3;
	s.bisect.of = 8;
	s.bisect.boot_variant = "cxl-first";
	p = round_trip(&s, &d);
	assert_int_equal(d.bisect.op, BISECT_STEP);
	assert_int_equal(d.bisect.position, 3);
	assert_int_equal(d.bisect.of, 8);
	assert_string_equal(d.bisect.boot_variant, "cxl-first");
	json_decref(p);
	json_decref(requests);
	json_decref(matrix);
}

/* Decodes the payload built by changing one member of a good build payload; returns the error's text. */
static const char *decode_without(json_t *matrix, enum job_kind kind, const char *member)
{
	struct job_spec s = base_spec(kind, matrix), d;
	json_t *p;
	int rc;

	s.variant = "default";
	s.build_job = 5;
	p = job_spec_encode(&s);
	json_object_del(json_object_get(p, "job"), member);
	rc = job_spec_decode(p, &d);
	json_decref(p);
	assert_int_equal(rc, KM_EINVAL);
	return err_msg();
}

static void bad__names_what_is_missing(void **state)
{
	json_t *matrix = json_object(), *p;
	struct job_spec d;

	(void)state;
	assert_non_null(strstr(decode_without(matrix, JOB_BUILD, "config"), "'hash' and 'text'"));
	assert_non_null(strstr(decode_without(matrix, JOB_BUILD, "tree"), "'name' and 'url'"));
	assert_non_null(strstr(decode_without(matrix, JOB_BUILD, "matrix"), "'matrix'"));
	assert_non_null(strstr(decode_without(matrix, JOB_BOOT, "variant"), "'variant'"));
	assert_non_null(strstr(decode_without(matrix, JOB_CONFIGURE, "requests"), "'requests'"));
	assert_non_null(strstr(decode_without(matrix, JOB_BISECT, "bisect"), "bisect.op"));
	assert_non_null(strstr(decode_without(matrix, JOB_BUILD, "kind"), "unknown kind"));

	/* Without an id or a lease nothing can be answered: said first, before anything else is read. */
	p = json_pack("{s:{s:s},s:{s:s}}", "job", "kind", "build", "lease", "id", "L1");
	assert_int_equal(job_spec_decode(p, &d), KM_EINVAL);
	assert_int_equal(d.id, 0);
	assert_non_null(strstr(err_msg(), "id or lease"));
	json_decref(p);
	json_decref(matrix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kinds__round_trip),
		cmocka_unit_test(bad__names_what_is_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
