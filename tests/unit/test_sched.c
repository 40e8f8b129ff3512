/* Unit tests of the scheduler: submission, claiming, results, nearest-config choice, supersede. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "kconfig.h"
#include "sched.h"
#include "server.h"

struct fixture {
	char dir[64];
	struct server_config cfg;
	struct server srv;
	struct db *db;
	long worker;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[160], data[128], matrices[128];
	char *argv[4];
	FILE *m;

	snprintf(f->dir, sizeof(f->dir), "/tmp/kmatrix-schedtest.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(matrices, sizeof(matrices), "--matrices-dir=%s", f->dir);
	snprintf(data, sizeof(data), "--data-dir=%s/data", f->dir);
	snprintf(path, sizeof(path), "%s/s.matrix", f->dir);
	m = fopen(path, "w");
	assert_non_null(m);
	fputs("[matrix]\nname = s\narch = x86_64\nbase = tinyconfig\n[axes]\nA = y m n\nB = y n\n"
	      "[boot]\nexec = {kernel} {append}\n[variant first]\nload = a b\n[variant second]\nload = b a\n",
	      m);
	fclose(m);
	argv[0] = "test";
	argv[1] = matrices;
	argv[2] = data;
	argv[3] = NULL;
	assert_int_equal(server_config_parse(&f->cfg, 3, argv), 0);
	assert_int_equal(server_init(&f->srv, &f->cfg), 0);
	f->db = server_db(&f->srv);
	assert_non_null(f->db);
	assert_int_equal(db_worker_create(f->db, "w1", "h1", &f->worker), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	server_release(&f->srv);
	server_config_release(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static long submit(struct fixture *f, const char *ref)
{
	struct sched_submit in = { .tree_url = "/srv/git/linux.git", .ref = ref, .matrix_name = "s" };
	long run = 0;

	assert_int_equal(sched_submit(&f->srv, f->db, &in, &run), 0);
	return run;
}

/* A worker that runs one job at a time asks for boots before builds (worker/main.c). */
static const char *const all_kinds[] = { "configure", "boot", "build", NULL };
/* One with boot slots beside its builds asks for builds first. */
static const char *const builds_first[] = { "configure", "build", "boot", NULL };

static json_t *claim(struct fixture *f, const char *kind)
{
	const char *kinds[] = { kind, NULL };
	json_t *job = NULL;

	assert_int_equal(sched_claim(&f->srv, f->db, f->worker, kind ? kinds : all_kinds, &job), 0);
	return job;
}

/* A config text and its hash, as a worker would report it. */
static json_t *config_entry(const char *point, const char *text)
{
	struct kconfig *c = NULL;
	char hash[65];

	assert_int_equal(kconfig_parse(text, strlen(text), &c), 0);
	kconfig_hash(c, hash);
	kconfig_free(c);
	return json_pack("{s:s,s:s,s:s}", "hash", hash, "point", point, "text", text);
}

static void submit__rejects_unknown_matrix_and_bad_ref(void **state)
{
	struct fixture *f = *state;
	struct sched_submit in = { .tree_url = "/x", .ref = "main", .matrix_name = "missing" };
	long run = 0;

	assert_int_equal(sched_submit(&f->srv, f->db, &in, &run), KM_ENOTFOUND);
	in.matrix_name = "s";
	in.ref = "bad..ref";
	assert_int_equal(sched_submit(&f->srv, f->db, &in, &run), KM_EINVAL);
	in.ref = NULL;
	in.commit = "not-hex";
	assert_int_equal(sched_submit(&f->srv, f->db, &in, &run), KM_EINVAL);
}

static void claim__configure_first_with_requests(void **state)
{
	struct fixture *f = *state;
	long run = submit(f, "main"), n = 0;
	json_t *job = claim(f, NULL);

	assert_non_null(job);
	assert_string_equal(json_string_value(json_object_get(json_object_get(job, "job"), "kind")), "configure");
	assert_string_equal(json_string_value(json_object_get(json_object_get(job, "job"), "ref")), "refs/heads/main");
	assert_int_equal(json_array_size(json_object_get(json_object_get(job, "job"), "requests")), 6);
	assert_int_equal(db_request_count(f->db, run, &n), 0);
	assert_int_equal(n, 6);
	json_decref(job);
	assert_null(claim(f, NULL));
}

/* Three configs: C1 (A=y), C3 far from C1, C2 one symbol from C1; C3 is queued before C2. */
static json_t *configure_result(const char *lease)
{
	json_t *configs = json_array(), *requests = json_array(), *c1, *c2, *c3;

	c1 = config_entry("yy", "CONFIG_A=y\nCONFIG_B=y\nCONFIG_X=y\n");
	c3 = config_entry("ny", "# CONFIG_A is not set\nCONFIG_B=y\nCONFIG_P=y\nCONFIG_Q=y\nCONFIG_R=y\nCONFIG_S=y\n");
	c2 = config_entry("my", "CONFIG_A=m\nCONFIG_B=y\nCONFIG_X=y\n");
	json_array_append(configs, c1);
	json_array_append(configs, c3);
	json_array_append(configs, c2);
	for (int i = 0; i < 6; i++) {
		json_t *c = i < 2 ? c1 : i < 4 ? c2 : c3;

		json_array_append_new(requests, json_pack("{s:i,s:O}", "idx", i, "hash", json_object_get(c, "hash")));
	}
	json_decref(c1);
	json_decref(c2);
	json_decref(c3);
	return json_pack("{s:s,s:s,s:s,s:o,s:o}", "lease", lease, "status", "PASS", "commit",
			 "0123456789abcdef0123456789abcdef01234567", "configs", configs, "requests", requests);
}

static const char *lease_of(json_t *job)
{
	return json_string_value(json_object_get(json_object_get(job, "lease"), "id"));
}

static long job_id(json_t *job)
{
	return (long)json_integer_value(json_object_get(json_object_get(job, "job"), "id"));
}

static void result__configure_dedupes_and_clamps(void **state)
{
	struct fixture *f = *state;
	long run = submit(f, "main");
	json_t *job = claim(f, "configure"), *res = configure_result(lease_of(job)), *reply = NULL, *m = NULL;
	size_t clamped = 0, i;
	json_t *r;

	assert_int_equal(sched_result(&f->srv, f->db, f->worker, job_id(job), res, &reply), 0);
	assert_true(json_is_true(json_object_get(reply, "recorded")));
	json_decref(reply);
	/* The same result again: nothing changes. */
	assert_int_equal(sched_result(&f->srv, f->db, f->worker, job_id(job), res, &reply), 0);
	assert_true(json_is_true(json_object_get(reply, "duplicate")));
	json_decref(reply);

	assert_int_equal(db_run_matrix_json(f->db, run, &m), 0);
	assert_int_equal(json_array_size(json_object_get(m, "configs")), 3);
	json_array_foreach(json_object_get(m, "requests"), i, r)
		clamped += json_is_true(json_object_get(r, "clamped"));
	/* yy->yy, yn->yy, my->my, mn->my, ny->ny, nn->ny: three requests clamped on B. */
	assert_int_equal(clamped, 3);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(json_array_get(json_object_get(m, "requests"), 1),
								   "clamp_diff"),
						   0),
				    "symbol")),
			    "B");
	json_decref(m);
	json_decref(res);
	json_decref(job);
}

static void claim__nearest_build_first(void **state)
{
	struct fixture *f = *state;
	json_t *job = claim(f, "configure"), *res, *reply = NULL, *b1, *b2;
	const char *text;

	submit(f, "main");
	json_decref(job);
	job = claim(f, "configure");
	res = configure_result(lease_of(job));
	assert_int_equal(sched_result(&f->srv, f->db, f->worker, job_id(job), res, &reply), 0);
	json_decref(reply);
	json_decref(res);
	json_decref(job);

	/* No history: the oldest build (C1). */
	b1 = claim(f, "build");
	text = json_string_value(json_object_get(json_object_get(json_object_get(b1, "job"), "config"), "text"));
	assert_non_null(strstr(text, "CONFIG_A=y"));
	res = json_pack("{s:s,s:s,s:f}", "lease", lease_of(b1), "status", "PASS", "wall_s", 1.0);
	assert_int_equal(sched_result(&f->srv, f->db, f->worker, job_id(b1), res, &reply), 0);
	json_decref(reply);
	json_decref(res);

	/* A worker with boot slots asks for builds first: the nearest config to C1 (C2, one symbol away), not the older C3. */
	assert_int_equal(sched_claim(&f->srv, f->db, f->worker, builds_first, &b2), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(b2, "job"), "kind")), "build");
	text = json_string_value(json_object_get(json_object_get(json_object_get(b2, "job"), "config"), "text"));
	assert_non_null(strstr(text, "CONFIG_A=m"));
	/* One that runs a job at a time gets the passing build's boots before further builds. */
	{
		json_t *boot = claim(f, NULL);

		assert_string_equal(json_string_value(json_object_get(json_object_get(boot, "job"), "kind")), "boot");
		json_decref(boot);
	}
	json_decref(b1);
	json_decref(b2);
}

static void result__failed_build_skips_boots(void **state)
{
	struct fixture *f = *state;
	long run = submit(f, "main");
	json_t *job = claim(f, "configure"), *res = configure_result(lease_of(job)), *reply = NULL, *b, *cfg = NULL;
	json_t *errors;
	long config_id;

	assert_int_equal(sched_result(&f->srv, f->db, f->worker, job_id(job), res, &reply), 0);
	json_decref(reply);
	json_decref(res);
	b = claim(f, "build");
	config_id = (long)json_integer_value(json_object_get(json_object_get(json_object_get(b, "job"), "config"), "id"));
	errors = json_pack("[{s:s,s:s,s:s,s:s}]", "type", "ld-undefined", "signature", "ld-undefined:sym:a.o", "symbol",
			   "sym", "message", "undefined reference to `sym'");
	res = json_pack("{s:s,s:s,s:o}", "lease", lease_of(b), "status", "FAIL", "errors", errors);
	assert_int_equal(sched_result(&f->srv, f->db, f->worker, job_id(b), res, &reply), 0);
	json_decref(reply);
	assert_int_equal(db_config_json(f->db, config_id, &cfg), 0);
	assert_int_equal(json_array_size(json_object_get(cfg, "boots")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(cfg, "boots"), 0), "status")),
			    "SKIP");
	assert_int_equal(json_array_size(json_object_get(cfg, "errors")), 1);
	(void)run;
	json_decref(cfg);
	json_decref(res);
	json_decref(b);
	json_decref(job);
}

static void result__retryable_error_requeues(void **state)
{
	struct fixture *f = *state;
	json_t *job, *res, *reply = NULL, *again;

	submit(f, "main");
	job = claim(f, "configure");
	res = json_pack("{s:s,s:s,s:s,s:b}", "lease", lease_of(job), "status", "ERROR", "message", "disk full",
			"retryable", 1);
	assert_int_equal(sched_result(&f->srv, f->db, f->worker, job_id(job), res, &reply), 0);
	assert_true(json_is_true(json_object_get(reply, "requeued")));
	json_decref(reply);
	/* The retry of the same post is a duplicate, and the job is queued again. */
	assert_int_equal(sched_result(&f->srv, f->db, f->worker, job_id(job), res, &reply), 0);
	assert_true(json_is_true(json_object_get(reply, "duplicate")));
	json_decref(reply);
	again = claim(f, "configure");
	assert_int_equal(job_id(again), job_id(job));
	json_decref(again);
	json_decref(res);
	json_decref(job);
}

static void submit__supersedes_same_ref_only(void **state)
{
	struct fixture *f = *state;
	long a = submit(f, "main"), other = submit(f, "other"), b = submit(f, "main");
	struct db_run r;

	assert_int_equal(db_run_get(f->db, a, &r), 0);
	assert_string_equal(r.state, "superseded");
	assert_int_equal(r.superseded_by, b);
	db_run_release(&r);
	assert_int_equal(db_run_get(f->db, other, &r), 0);
	assert_string_equal(r.state, "queued");
	db_run_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(submit__rejects_unknown_matrix_and_bad_ref, setup, teardown),
		cmocka_unit_test_setup_teardown(claim__configure_first_with_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(result__configure_dedupes_and_clamps, setup, teardown),
		cmocka_unit_test_setup_teardown(claim__nearest_build_first, setup, teardown),
		cmocka_unit_test_setup_teardown(result__failed_build_skips_boots, setup, teardown),
		cmocka_unit_test_setup_teardown(result__retryable_error_requeues, setup, teardown),
		cmocka_unit_test_setup_teardown(submit__supersedes_same_ref_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
