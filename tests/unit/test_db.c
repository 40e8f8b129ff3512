/* Unit tests of the database layer on a temporary file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "err.h"

struct fixture {
	char dir[64];
	char path[128];
	struct db *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/kmatrix-dbtest.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
	assert_int_equal(db_open(f->path, &f->db), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static long make_run(struct db *db, const char *ref)
{
	struct db_run_new r = { .ref = ref, .matrix_name = "m", .matrix_bundle = "{}", .trigger = "api" };
	long tree = 0, run = 0;

	assert_int_equal(db_tree_ensure(db, "linux", "/srv/linux.git", &tree), 0);
	r.tree_id = tree;
	assert_int_equal(db_run_create(db, &r, &run), 0);
	return run;
}

static void open__migrates_and_reopens(void **state)
{
	struct fixture *f = *state;
	struct db *again = NULL;
	long v = 0;

	assert_int_equal(db_schema_version(f->db, &v), 0);
	assert_true(v >= 1);
	make_run(f->db, "refs/heads/main");
	/* A second connection to the same file sees the data and does not migrate again. */
	assert_int_equal(db_open(f->path, &again), 0);
	assert_int_equal(db_tree_find(again, "linux", NULL, &v), 0);
	db_close(again);
}

static void open__rejects_unwritable_path(void **state)
{
	struct db *db = NULL;

	assert_int_equal(db_open("/nonexistent-dir/x/y.db", &db), KM_EIO);
	assert_null(db);
	assert_non_null(strstr(err_msg(), "/nonexistent-dir"));
}

static void tree__ensure_is_idempotent(void **state)
{
	struct fixture *f = *state;
	long a = 0, b = 0;

	assert_int_equal(db_tree_ensure(f->db, "t", "u1", &a), 0);
	assert_int_equal(db_tree_ensure(f->db, "t", "u2", &b), 0);
	assert_int_equal(a, b);
	assert_int_equal(db_tree_find(f->db, NULL, "u1", &b), 0);
	assert_int_equal(db_tree_find(f->db, "missing", NULL, &b), KM_ENOTFOUND);
}

static void config__same_hash_is_one_config(void **state)
{
	struct fixture *f = *state;
	long run = make_run(f->db, "refs/heads/main"), c1 = 0, c2 = 0;
	bool created = false;

	assert_int_equal(db_config_ensure(f->db, run, "h1", "yy", "{}", "CONFIG_A=y\n", &c1, &created), 0);
	assert_true(created);
	assert_int_equal(db_config_ensure(f->db, run, "h1", "yy", "{}", "CONFIG_A=y\n", &c2, &created), 0);
	assert_false(created);
	assert_int_equal(c1, c2);
}

static void lease__lifecycle(void **state)
{
	struct fixture *f = *state;
	long run = make_run(f->db, "refs/heads/main"), job = 0, w = 0;
	const char *kinds[] = { "configure", NULL };
	struct db_job *jobs = NULL;
	size_t n = 0;
	int requeued = 0, errored = 0;
	int64_t now = (int64_t)time(NULL);

	assert_int_equal(db_worker_create(f->db, "w", "hash", &w), 0);
	assert_int_equal(db_worker_create(f->db, "w", "hash2", &w), KM_EEXISTS);
	assert_int_equal(db_job_add(f->db, run, "configure", 0, NULL, 2, &job), 0);
	assert_int_equal(db_jobs_queued(f->db, kinds, 10, &jobs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].id, job);
	db_jobs_free(jobs, n);

	assert_int_equal(db_job_lease(f->db, job, w, "L1", now + 100), 0);
	assert_int_equal(db_job_lease(f->db, job, w, "L2", now + 100), KM_ECONFLICT);
	assert_int_equal(db_job_check_lease(f->db, job, w, "L1", now), 0);
	assert_int_equal(db_job_check_lease(f->db, job, w, "other", now), KM_ECONFLICT);
	/* The right lease from another worker is not enough. */
	assert_int_equal(db_job_check_lease(f->db, job, w + 1, "L1", now), KM_ECONFLICT);
	assert_non_null(strstr(err_msg(), "another worker"));
	assert_int_equal(db_job_extend(f->db, job, w + 1, "L1", now + 150), KM_ECONFLICT);
	assert_int_equal(db_job_check_lease(f->db, job, w, "L1", now + 101), KM_ECONFLICT);
	assert_non_null(strstr(err_msg(), "expired"));

	/* Expiry requeues while attempts remain, then ends the job as ERROR. */
	assert_int_equal(db_leases_expire(f->db, now + 200, &requeued, &errored, NULL, NULL), 0);
	assert_int_equal(requeued, 1);
	assert_int_equal(errored, 0);
	assert_int_equal(db_job_lease(f->db, job, w, "L3", now + 100), 0);
	assert_int_equal(db_leases_expire(f->db, now + 200, &requeued, &errored, NULL, NULL), 0);
	assert_int_equal(requeued, 0);
	assert_int_equal(errored, 1);
	{
		struct db_job_info info;

		assert_int_equal(db_job_get(f->db, job, &info), 0);
		assert_int_equal(info.state, JOB_DONE);
		assert_true(info.has_status);
		assert_int_equal(info.status, STATUS_ERROR);
		db_job_info_release(&info);
	}
}

/* A boot waiting for another variant's boot is never claimed; it boots itself once that one ends without a boot. */
static void shared_boot__waits_then_boots_itself(void **state)
{
	struct fixture *f = *state;
	long run = make_run(f->db, "refs/heads/main"), cfg = 0, first = 0, second = 0, w = 0, *ids = NULL;
	const char *kinds[] = { "boot", NULL };
	struct db_job *jobs = NULL;
	char **variants = NULL;
	size_t n = 0;
	bool created = false, requeued = true;
	int64_t now = (int64_t)time(NULL);

	assert_int_equal(db_worker_create(f->db, "w", "hash", &w), 0);
	assert_int_equal(db_config_ensure(f->db, run, "h1", "yy", "{}", "CONFIG_A=y\n", &cfg, &created), 0);
	assert_int_equal(db_job_add(f->db, run, "boot", cfg, "cxl-first", 1, &first), 0);
	assert_int_equal(db_job_add_waiting(f->db, run, cfg, "hmem-first", 1, first, &second), 0);
	assert_int_equal(db_jobs_queued(f->db, kinds, 10, &jobs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].id, first);
	db_jobs_free(jobs, n);
	assert_int_equal(db_jobs_waiting_boot(f->db, first, &ids, &variants, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], second);
	assert_string_equal(variants[0], "hmem-first");
	free(variants[0]);
	free(variants);
	free(ids);

	/* Out of attempts: the first job ends as ERROR, and the second is claimable. */
	assert_int_equal(db_job_lease(f->db, first, w, "L1", now + 100), 0);
	assert_int_equal(db_job_retry_or_fail(f->db, first, "lost", &requeued), 0);
	assert_false(requeued);
	assert_int_equal(db_jobs_waiting_boot(f->db, first, &ids, &variants, &n), 0);
	assert_int_equal(n, 0);
	free(variants);
	free(ids);
	assert_int_equal(db_jobs_queued(f->db, kinds, 10, &jobs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].id, second);
	db_jobs_free(jobs, n);
}

static void lease__finished_result_is_a_duplicate(void **state)
{
	struct fixture *f = *state;
	long run = make_run(f->db, "refs/heads/main"), job = 0, w = 0;
	int64_t now = (int64_t)time(NULL);

	assert_int_equal(db_worker_create(f->db, "w", "hash", &w), 0);
	assert_int_equal(db_job_add(f->db, run, "build", 0, NULL, 3, &job), 0);
	assert_int_equal(db_job_lease(f->db, job, w, "L1", now + 100), 0);
	assert_int_equal(db_job_finish(f->db, job, "L1", "PASS", NULL), 0);
	assert_int_equal(db_job_check_lease(f->db, job, w, "L1", now), KM_EEXISTS);
	assert_int_equal(db_job_check_lease(f->db, job, w, "L2", now), KM_ECONFLICT);
}

static void supersede__cancels_queued_jobs_of_older_runs(void **state)
{
	struct fixture *f = *state;
	long old = make_run(f->db, "refs/heads/main"), other = make_run(f->db, "refs/heads/other");
	long newer, job_old = 0, job_other = 0;
	int n = 0;
	struct db_job_info info;

	assert_int_equal(db_job_add(f->db, old, "configure", 0, NULL, 3, &job_old), 0);
	assert_int_equal(db_job_add(f->db, other, "configure", 0, NULL, 3, &job_other), 0);
	newer = make_run(f->db, "refs/heads/main");
	assert_int_equal(db_runs_supersede(f->db, 1, "refs/heads/main", newer, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(db_job_get(f->db, job_old, &info), 0);
	assert_int_equal(info.state, JOB_CANCELLED);
	db_job_info_release(&info);
	assert_int_equal(db_job_get(f->db, job_other, &info), 0);
	assert_int_equal(info.state, JOB_QUEUED);
	assert_false(info.has_status);
	db_job_info_release(&info);
}

static void errors__signature_shared_across_jobs(void **state)
{
	struct fixture *f = *state;
	long run = make_run(f->db, "refs/heads/main"), j1 = 0, j2 = 0, s1 = 0, s2 = 0;
	struct db_run_signature *sigs = NULL;
	size_t nsigs = 0;

	assert_int_equal(db_job_add(f->db, run, "build", 0, NULL, 3, &j1), 0);
	assert_int_equal(db_job_add(f->db, run, "build", 0, NULL, 3, &j2), 0);
	assert_int_equal(db_signature_ensure(f->db, "ld-undefined:x:a.o", "ld-undefined", "x", "a.o", "undefined x",
					     &s1),
			 0);
	assert_int_equal(db_signature_ensure(f->db, "ld-undefined:x:a.o", "ld-undefined", "x", "a.o", "undefined x",
					     &s2),
			 0);
	assert_int_equal(s1, s2);
	assert_int_equal(db_error_add(f->db, j1, s1, 1, 10, "first", false, NULL), 0);
	assert_int_equal(db_error_add(f->db, j1, s1, 2, 10, "first", false, NULL), 0); /* repeat: updates */
	assert_int_equal(db_error_add(f->db, j2, s1, 1, 12, "first", false, NULL), 0);
	assert_int_equal(db_run_signatures(f->db, run, &sigs, &nsigs), 0);
	assert_int_equal(nsigs, 1);
	assert_int_equal(sigs[0].nconfigs, 0); /* neither job has a config */
	db_run_signatures_free(sigs, nsigs);
}

static void transaction__rollback_discards(void **state)
{
	struct fixture *f = *state;
	long id = 0;

	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_tree_ensure(f->db, "gone", "u", &id), 0);
	db_rollback(f->db);
	assert_int_equal(db_tree_find(f->db, "gone", NULL, &id), KM_ENOTFOUND);
}

/* The statements db_exec() and db_scalar_long() keep prepared see each call's bindings and the data of now. */
static void statements__kept_ones_see_new_bindings_and_data(void **state)
{
	struct fixture *f = *state;
	long a = make_run(f->db, "refs/heads/a"), b = make_run(f->db, "refs/heads/b");
	long sa = 0, sb = 0, again = 0, none = 0;

	assert_int_equal(db_run_stamp(f->db, a, &sa), 0);
	assert_int_equal(db_run_stamp(f->db, b, &sb), 0);
	assert_int_equal(db_run_stamp(f->db, 999, &none), KM_ENOTFOUND);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(db_begin(f->db), 0);
		assert_int_equal(db_run_set_state(f->db, a, i % 2 ? "queued" : "building", NULL), 0);
		assert_int_equal(db_commit(f->db), 0);
		assert_int_equal(db_run_stamp(f->db, a, &again), 0);
		assert_true(again > sa); /* the row changed: the kept statement read it anew */
		sa = again;
		assert_int_equal(db_run_stamp(f->db, b, &again), 0);
		assert_int_equal(again, sb);
	}
	/* A statement whose transaction was rolled back is kept and works the next time. */
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_run_set_state(f->db, b, "building", NULL), 0);
	db_rollback(f->db);
	assert_int_equal(db_run_stamp(f->db, b, &again), 0);
	assert_int_equal(again, sb);
}

/* The one-row and id-list readers: every column lands in its field, and no row is not found. */
static void readers__fill_every_column_or_say_not_found(void **state)
{
	struct fixture *f = *state;
	long a = make_run(f->db, "refs/heads/a"), b = make_run(f->db, "refs/heads/a");
	long cfg = 0, latest = 0, tree = 0, *ids = NULL;
	struct db_run run;
	struct db_config c;
	char *commit = NULL, *st = NULL, *text = NULL;
	bool created = false;
	size_t n = 0;

	assert_int_equal(db_run_get(f->db, a, &run), 0);
	assert_int_equal(run.id, a);
	assert_string_equal(run.tree_name, "linux");
	assert_string_equal(run.tree_url, "/srv/linux.git");
	assert_string_equal(run.ref, "refs/heads/a");
	assert_string_equal(run.matrix_name, "m");
	assert_string_equal(run.matrix_bundle, "{}");
	assert_null(run.commit_id);
	assert_true(run.created_at > 0);
	assert_int_equal(run.finished_at, 0);
	tree = run.tree_id;
	db_run_release(&run);
	assert_int_equal(db_run_get(f->db, 999, &run), KM_ENOTFOUND);
	assert_string_equal(err_msg(), "no run 999");

	assert_int_equal(db_config_ensure(f->db, b, "h1", "ym", "{}", "CONFIG_A=y\n", &cfg, &created), 0);
	assert_int_equal(db_config_get(f->db, cfg, &c), 0);
	assert_int_equal(c.run_id, b);
	assert_string_equal(c.hash, "h1");
	assert_string_equal(c.point, "ym");
	assert_string_equal(c.config_text, "CONFIG_A=y\n");
	db_config_release(&c);
	assert_int_equal(db_config_text(f->db, cfg, &text), 0);
	assert_string_equal(text, "CONFIG_A=y\n");
	free(text);
	assert_int_equal(db_config_text(f->db, cfg + 1, &text), KM_ENOTFOUND);
	assert_null(text);

	assert_int_equal(db_run_latest(f->db, tree, "refs/heads/a", "m", &latest, &commit, &st), 0);
	assert_int_equal(latest, b);
	assert_string_equal(st, "queued");
	free(commit);
	free(st);
	assert_int_equal(db_run_latest(f->db, tree, "refs/heads/none", "m", &latest, &commit, &st), KM_ENOTFOUND);
	assert_int_equal(latest, 0);
	assert_null(st);

	assert_int_equal(db_notify_run_add(f->db, a, 100), 0);
	assert_int_equal(db_notify_run_add(f->db, b, 100), 0);
	assert_int_equal(db_notify_runs_due(f->db, 200, 10, &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], a);
	assert_int_equal(ids[1], b);
	free(ids);
	assert_int_equal(db_notify_runs_due(f->db, 200, 1, &ids, &n), 0);
	assert_int_equal(n, 1);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(open__migrates_and_reopens, setup, teardown),
		cmocka_unit_test(open__rejects_unwritable_path),
		cmocka_unit_test_setup_teardown(tree__ensure_is_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(config__same_hash_is_one_config, setup, teardown),
		cmocka_unit_test_setup_teardown(lease__lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(lease__finished_result_is_a_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(shared_boot__waits_then_boots_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(supersede__cancels_queued_jobs_of_older_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(errors__signature_shared_across_jobs, setup, teardown),
		cmocka_unit_test_setup_teardown(transaction__rollback_discards, setup, teardown),
		cmocka_unit_test_setup_teardown(statements__kept_ones_see_new_bindings_and_data, setup, teardown),
		cmocka_unit_test_setup_teardown(readers__fill_every_column_or_say_not_found, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
