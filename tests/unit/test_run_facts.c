/* Unit tests of a run's facts: the comparison-base rule, the typed comparison and provisional failure conditions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "run_facts.h"
#include "sched.h"
#include "server.h"

struct fixture {
	char dir[64];
	struct server_config cfg;
	struct server srv;
	struct db *db;
};

static void write_matrix(const char *dir, const char *name)
{
	char path[160];
	FILE *m;

	snprintf(path, sizeof(path), "%s/%s.matrix", dir, name);
	m = fopen(path, "w");
	assert_non_null(m);
	fprintf(m, "[matrix]\nname = %s\narch = x86_64\nbase = tinyconfig\n[axes]\nA = y m n\nB = y n\n", name);
	fclose(m);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char data[128], matrices[128];
	char *argv[4];

	snprintf(f->dir, sizeof(f->dir), "/tmp/kmatrix-factstest.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	write_matrix(f->dir, "s");
	write_matrix(f->dir, "t");
	{
		char path[160];
		FILE *m;

		snprintf(path, sizeof(path), "%s/e.matrix", f->dir);
		m = fopen(path, "w");
		assert_non_null(m);
		fprintf(m, "[matrix]\nname = e\narch = x86_64\nbase = tinyconfig\n[axes]\nA = y m n\nB = y n\n"
			   "[expect]\ntogether = never B=y && A!=m\nbuilds = builds A=y\n");
		fclose(m);
	}
	snprintf(matrices, sizeof(matrices), "--matrices-dir=%s", f->dir);
	snprintf(data, sizeof(data), "--data-dir=%s/data", f->dir);
	argv[0] = "test";
	argv[1] = matrices;
	argv[2] = data;
	argv[3] = NULL;
	assert_int_equal(server_config_parse(&f->cfg, 3, argv), 0);
	assert_int_equal(server_init(&f->srv, &f->cfg), 0);
	f->db = server_db(&f->srv);
	assert_non_null(f->db);
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

static long submit(struct fixture *f, const char *ref, const char *matrix, const char *base_commit)
{
	struct sched_submit in = { .tree_url = "/srv/git/linux.git", .ref = ref, .matrix_name = matrix,
				   .base_commit = base_commit };
	long run = 0;

	assert_int_equal(sched_submit(&f->srv, f->db, &in, &run), 0);
	return run;
}

static void set_state(struct fixture *f, long run, const char *state)
{
	assert_int_equal(db_run_set_state(f->db, run, state, NULL), 0);
}

static long base_of(struct fixture *f, long run)
{
	long base = -1;

	assert_int_equal(run_facts_base(f->db, run, &base), 0);
	return base;
}

static void base__previous_run_of_the_same_matrix(void **state)
{
	struct fixture *f = *state;
	long s1 = submit(f, "main", "s", NULL), t1, s2, s3;

	set_state(f, s1, "done");
	t1 = submit(f, "main", "t", NULL);
	set_state(f, t1, "done");
	s2 = submit(f, "main", "s", NULL);
	/* The other matrix's run in between is never the base; neither is an unfinished run. */
	assert_int_equal(base_of(f, s2), s1);
	assert_int_equal(base_of(f, t1), 0);
	set_state(f, s2, "done");
	s3 = submit(f, "main", "s", NULL);
	assert_int_equal(base_of(f, s3), s2);
}

static void base__base_commit_then_base_branch(void **state)
{
	struct fixture *f = *state;
	long main1 = submit(f, "main", "s", NULL), topic, other;
	struct db_run_trigger trig = { .source = "plain", .after_commit = "bbbb", .created = true,
				       .base_ref = "refs/heads/main" };

	assert_int_equal(db_run_set_commit(f->db, main1, "aaaa", NULL, NULL, NULL), 0);
	set_state(f, main1, "done");
	/* A push whose base commit has a finished run: that run. */
	other = submit(f, "other", "s", "aaaa");
	assert_int_equal(base_of(f, other), main1);
	/* A new branch: the newest finished run of the branch it was made from. */
	topic = submit(f, "topic/x", "s", NULL);
	assert_int_equal(db_run_trigger_add(f->db, topic, &trig), 0);
	assert_int_equal(base_of(f, topic), main1);
	/* Without the trigger's base branch there is nothing to compare with. */
	assert_int_equal(base_of(f, submit(f, "topic/y", "s", NULL)), 0);
}

/* Adds a config with its build (status NULL: queued) to a run; returns the build job's id. */
static long config(struct fixture *f, long run, const char *point, const char *status)
{
	char hash[65];
	long id = 0, job = 0;
	bool created = false;

	snprintf(hash, sizeof(hash), "%064ld", (long)point[0] * 1000 + point[1]);
	assert_int_equal(db_config_ensure(f->db, run, hash, point, "{}", "", &id, &created), 0);
	if (status)
		assert_int_equal(db_job_add_done(f->db, run, "build", id, NULL, status, NULL, &job), 0);
	else
		assert_int_equal(db_job_add(f->db, run, "build", id, NULL, 3, &job), 0);
	return job;
}

/* Records signature sig (created once) in a build job. */
static void fails_with(struct fixture *f, long job, const char *sig)
{
	long sid = 0;

	assert_int_equal(db_signature_ensure(f->db, sig, "ld-undefined", "x", "a.o", sig, &sid), 0);
	assert_int_equal(db_error_add(f->db, job, sid, 1, 1, "first", false, NULL), 0);
}

static const struct run_facts_cmp_config *cmp_config(const struct run_facts_cmp *c, const char *point)
{
	for (size_t i = 0; i < c->nconfigs; i++) {
		if (strcmp(c->configs[i].now->row.point, point) == 0)
			return &c->configs[i];
	}
	fail_msg("no config %s", point);
	return NULL;
}

static enum run_facts_sig_change sig_change(const struct run_facts_cmp *c, const char *sig)
{
	for (size_t i = 0; i < c->nsigs; i++) {
		if (strcmp(c->sigs[i].sig->signature, sig) == 0)
			return c->sigs[i].change;
	}
	fail_msg("no signature %s", sig);
	return RUN_FACTS_SIG_STILL;
}

static void compare__configs_and_signatures(void **state)
{
	struct fixture *f = *state;
	long before = submit(f, "main", "s", NULL), now;
	struct run_facts *fb = NULL, *fn = NULL;
	struct run_facts_cmp *c;

	fails_with(f, config(f, before, "yy", "FAIL"), "old");
	config(f, before, "yn", "PASS");
	config(f, before, "my", "FAIL");
	set_state(f, before, "done");
	now = submit(f, "main", "s", NULL);
	config(f, now, "yy", "PASS");
	fails_with(f, config(f, now, "yn", "FAIL"), "fresh");
	fails_with(f, config(f, now, "my", "FAIL"), "fresh");
	config(f, now, "nn", "PASS");
	assert_int_equal(run_facts_load(f->db, before, &fb), 0);
	assert_int_equal(run_facts_load(f->db, now, &fn), 0);
	c = run_facts_compare(fn, fb);
	assert_int_equal(cmp_config(c, "yy")->change, RUN_FACTS_FIXED);
	assert_int_equal(cmp_config(c, "yn")->change, RUN_FACTS_NEW_FAILURE);
	assert_int_equal(cmp_config(c, "my")->change, RUN_FACTS_STILL_FAILING);
	assert_int_equal(cmp_config(c, "nn")->change, RUN_FACTS_NEW);
	assert_int_equal(sig_change(c, "fresh"), RUN_FACTS_SIG_NEW);
	assert_int_equal(sig_change(c, "old"), RUN_FACTS_SIG_GONE);
	assert_string_equal(run_facts_change_name(cmp_config(c, "yn")->change), "new-failure");
	run_facts_cmp_free(c);
	/* Without a base, everything is new. */
	c = run_facts_compare(fn, NULL);
	assert_int_equal(cmp_config(c, "yn")->change, RUN_FACTS_NEW_FAILURE);
	assert_int_equal(sig_change(c, "fresh"), RUN_FACTS_SIG_NEW);
	assert_int_equal(c->nsigs, 1);
	run_facts_cmp_free(c);
	run_facts_free(fb);
	run_facts_free(fn);
}

static void condition__provisional_until_the_run_is_finished(void **state)
{
	struct fixture *f = *state;
	long run = submit(f, "main", "s", NULL);
	struct run_facts *facts = NULL;
	json_t *cond;

	fails_with(f, config(f, run, "yy", "FAIL"), "sig");
	config(f, run, "yn", "PASS");
	config(f, run, "my", "PASS");
	config(f, run, "ny", NULL);
	set_state(f, run, "building");
	assert_int_equal(run_facts_load(f->db, run, &facts), 0);
	cond = run_facts_condition_json(facts, &facts->sigs[0]);
	assert_non_null(cond);
	assert_true(json_is_true(json_object_get(cond, "provisional")));
	assert_int_equal(json_integer_value(json_object_get(cond, "built")), 3);
	assert_int_equal(json_integer_value(json_object_get(cond, "configs")), 4);
	json_decref(cond);
	run_facts_free(facts);

	set_state(f, run, "done");
	assert_int_equal(run_facts_load(f->db, run, &facts), 0);
	cond = run_facts_condition_json(facts, &facts->sigs[0]);
	assert_true(json_is_false(json_object_get(cond, "provisional")));
	json_decref(cond);
	run_facts_free(facts);
}

/* Records a finding of rule in a build job, as server/expect_results.c does. */
static void violates(struct fixture *f, long job, const char *rule)
{
	char sig[64];
	long sid = 0;

	snprintf(sig, sizeof(sig), "expect:e:%s", rule);
	assert_int_equal(db_signature_ensure(f->db, sig, "expect", rule, "e.matrix", sig, &sid), 0);
	assert_int_equal(db_error_add(f->db, job, sid, 1, 0, "why", false, NULL), 0);
}

static void findings__fail_the_config_and_count_every_config_for_config_rules(void **state)
{
	struct fixture *f = *state;
	long run = submit(f, "main", "e", NULL);
	struct run_facts *facts = NULL;
	json_t *cond;

	violates(f, config(f, run, "yy", "PASS"), "together");
	config(f, run, "yn", "PASS");
	config(f, run, "my", "PASS");
	violates(f, config(f, run, "ny", NULL), "together"); /* judged at configure time, not built yet */
	set_state(f, run, "done");
	assert_int_equal(run_facts_load(f->db, run, &facts), 0);
	assert_string_equal(facts->configs[0].verdict, "FAIL");
	assert_string_equal(facts->configs[1].verdict, "PASS");
	assert_string_equal(facts->configs[3].verdict, "");
	/* The unbuilt config counts: a config rule is judged on every config. */
	cond = run_facts_condition_json(facts, &facts->sigs[0]);
	assert_non_null(cond);
	assert_string_equal(json_string_value(json_object_get(cond, "ascii")), "A!=m && B=y");
	json_decref(cond);
	run_facts_free(facts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(base__previous_run_of_the_same_matrix, setup, teardown),
		cmocka_unit_test_setup_teardown(base__base_commit_then_base_branch, setup, teardown),
		cmocka_unit_test_setup_teardown(compare__configs_and_signatures, setup, teardown),
		cmocka_unit_test_setup_teardown(condition__provisional_until_the_run_is_finished, setup, teardown),
		cmocka_unit_test_setup_teardown(findings__fail_the_config_and_count_every_config_for_config_rules, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
