/* Unit tests of the trees file, of composing report mail from finished runs, and of the outbox's delivery. */
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

#include "config.h"
#include "db.h"
#include "err.h"
#include "kconfig.h"
#include "mail.h"
#include "notifier.h"
#include "sched.h"
#include "server.h"
#include "trees_format.h"

/* ---- the trees file ------------------------------------------------------------------------------- */

static struct triggers *parse_ok(const char *text)
{
	struct triggers *t = NULL;
	int rc = triggers_parse("trees.conf", text, strlen(text), &t);

	if (rc)
		fail_msg("parse failed: %s", err_msg());
	return t;
}

static void parse_fails(const char *text, const char *expect)
{
	struct triggers *t = NULL;

	assert_int_equal(triggers_parse("trees.conf", text, strlen(text), &t), KM_EINVAL);
	assert_null(t);
	if (!strstr(err_msg(), expect))
		fail_msg("expected '%s' in: %s", expect, err_msg());
}

static void parse__reads_trees_with_defaults(void **state)
{
	struct triggers *t = parse_ok("# the farm's trees\n"
				      "[tree linux]\n"
				      "url      = /srv/git/linux.git  https://github.com/jdoe/linux.git\n"
				      "secret   = 0123456789abcdef0123\n"
				      "branches = main cxl/*\n"
				      "tags     = v6.*\n"
				      "matrices = cxl-quick cxl-dax-hmem\n"
				      "branch cxl/big-* = cxl-dax-hmem\n"
				      "notify   = a@example.org b@example.org\n"
				      "poll     = yes\n"
				      "base     = refs/heads/main\n"
				      "\n"
				      "[tree other]\n"
				      "url = https://example.org/other.git\n"
				      "matrices = cxl-quick\n");
	const struct triggers_tree *l = &t->trees[0], *o = &t->trees[1];

	assert_int_equal(t->ntrees, 2);
	assert_string_equal(l->name, "linux");
	assert_int_equal(l->nurls, 2);
	assert_string_equal(l->urls[0], "/srv/git/linux.git");
	assert_string_equal(l->secret, "0123456789abcdef0123");
	assert_int_equal(l->nbranches, 2);
	assert_int_equal(l->nmatrices, 2);
	assert_int_equal(l->nrules, 1);
	assert_int_equal(l->rules[0].line, 8);
	assert_int_equal(l->nnotify, 2);
	assert_true(l->poll);
	assert_string_equal(l->base, "main");
	/* No branches given: every branch; no secret: no webhooks; no tags. */
	assert_int_equal(o->nbranches, 1);
	assert_string_equal(o->branches[0], "*");
	assert_null(o->secret);
	assert_int_equal(o->ntags, 0);
	assert_false(o->poll);
	triggers_free(t);
}

static void parse__rejects_with_file_line_and_expectation(void **state)
{
	parse_fails("url = x\n", "trees.conf:1: 'url' before any '[tree NAME]' section");
	parse_fails("[tree a]\nurl = x\nmatrices = m\nfoo = bar\n", "trees.conf:4: unknown key 'foo'");
	parse_fails("[tree a]\nmatrices = m\n", "trees.conf:1: tree 'a' has no url");
	parse_fails("[tree a]\nurl = x\n", "trees.conf:1: tree 'a' names no matrices");
	parse_fails("[tree a]\nurl = x\nmatrices = m\nsecret = short\n", "trees.conf:4: secret: too short");
	parse_fails("[tree a]\nurl = x\nmatrices = Bad!\n",
		    "trees.conf:3: matrices: 'Bad!' is not a matrix name");
	parse_fails("[tree a]\nurl = x\nmatrices = m\nnotify = not-an-address\n",
		    "trees.conf:4: notify: 'not-an-address' is not an e-mail address");
	parse_fails("[tree a]\nurl = x\nmatrices = m\npoll = maybe\n",
		    "trees.conf:4: poll = 'maybe': expected yes or no");
	parse_fails("[tree a]\nurl = x\nmatrices = m\nmatrices = n\n",
		    "trees.conf:4: matrices is given twice in this tree (first at line 3)");
	parse_fails("[tree a]\nurl = x\nmatrices = m\n[tree a]\n", "trees.conf:4: tree 'a' is defined twice");
	parse_fails("[tree a]\nurl = x.git\nmatrices = m\n[tree b]\nurl = x/\nmatrices = m\n",
		    "trees.conf:4: tree 'b': url 'x/' is already tree 'a''s (line 1)");
	parse_fails("[tree a]\nurl = -oops\nmatrices = m\n", "trees.conf:2: url: '-oops' is not a URL");
	parse_fails("[trees a]\n", "trees.conf:1: expected a section '[tree NAME]'");
	parse_fails("[tree a]\nurl = x\nmatrices = m\njust words\n", "trees.conf:4: expected 'key = value'");
	parse_fails("[tree a]\nurl = x\nmatrices = m\nbranch = m\n", "trees.conf:4: unknown key 'branch'");
}

static void parse__rejects_oversized_files(void **state)
{
	size_t n = TRIGGERS_MAX_FILE + 1;
	char *big = malloc(n);
	struct triggers *t = NULL;

	memset(big, '#', n);
	assert_int_equal(triggers_parse("trees.conf", big, n, &t), KM_ETOOBIG);
	free(big);
}

static void matrices_for__rules_first_then_branches_and_tags(void **state)
{
	struct triggers *t =
		parse_ok("[tree a]\nurl = x\nbranches = main cxl/*\ntags = v6.*\nmatrices = quick\n"
			 "branch cxl/big/* = full quick\ntag v6.12* = full\n");
	char *const *m = NULL;
	size_t n = 0;

	assert_int_equal(triggers_matrices_for(&t->trees[0], "refs/heads/main", &m, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(m[0], "quick");
	/* '*' also matches '/'. */
	assert_int_equal(triggers_matrices_for(&t->trees[0], "refs/heads/cxl/a/b", &m, &n), 0);
	assert_string_equal(m[0], "quick");
	assert_int_equal(triggers_matrices_for(&t->trees[0], "refs/heads/cxl/big/x", &m, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(m[0], "full");
	assert_int_equal(triggers_matrices_for(&t->trees[0], "refs/tags/v6.12-rc1", &m, &n), 0);
	assert_string_equal(m[0], "full");
	assert_int_equal(triggers_matrices_for(&t->trees[0], "refs/tags/v6.11", &m, &n), 0);
	assert_string_equal(m[0], "quick");
	assert_int_equal(triggers_matrices_for(&t->trees[0], "refs/tags/v5.0", &m, &n), KM_ENOTFOUND);
	assert_non_null(strstr(err_msg(), "builds no tags matching"));
	assert_int_equal(triggers_matrices_for(&t->trees[0], "refs/heads/other", &m, &n), KM_ENOTFOUND);
	assert_int_equal(triggers_matrices_for(&t->trees[0], "refs/notes/x", &m, &n), KM_ENOTFOUND);
	triggers_free(t);
}

static void urls__same_repository_and_payload_order(void **state)
{
	struct triggers *t = parse_ok("[tree a]\nurl = https://h/x/linux.git\nmatrices = m\n"
				      "[tree b]\nurl = git@h:y/linux\nmatrices = m\n");
	const char *both[] = { "git@h:y/linux.git", "https://h/x/linux" };
	const char *none[] = { "https://h/x/linux2" };

	assert_true(triggers_url_equal("https://h/x/linux.git", "https://h/x/linux/"));
	assert_true(triggers_url_equal("/srv/git/l.git/", "/srv/git/l"));
	assert_false(triggers_url_equal("https://h/x/linux", "https://h/x/linux2"));
	/* The payload's first URL (its clone URL) decides. */
	assert_string_equal(triggers_tree_by_urls(t, both, 2)->name, "b");
	assert_string_equal(triggers_tree_by_urls(t, both + 1, 1)->name, "a");
	assert_null(triggers_tree_by_urls(t, none, 1));
	assert_null(triggers_tree_by_urls(NULL, none, 1));
	triggers_free(t);
}

/* ---- a server with finished runs -------------------------------------------------------------------- */

#define COMMIT1 "1111111111111111111111111111111111111111"
#define COMMIT2 "2222222222222222222222222222222222222222"
#define COMMIT3 "3333333333333333333333333333333333333333"

/* What the fake SMTP server got, and what it answers next. */
struct outbox_spy {
	int answers[8]; /* consumed in order; 0 once used up */
	size_t nanswers, used;
	char *ids[32];
	char *to[32];
	size_t nsent;
};

struct fixture {
	char dir[64];
	struct server_config cfg;
	struct server srv;
	struct triggers *trees;
	struct db *db;
	long worker;
	struct outbox_spy spy;
};

static int spy_send(void *ctx, const struct mail_server *srv, const struct mail_message *m)
{
	struct outbox_spy *s = ctx;
	int rc = s->used < s->nanswers ? s->answers[s->used] : 0;
	char to[512] = "";

	s->used++;
	if (rc)
		return err_set(rc, "fake SMTP failure %d", rc);
	for (size_t i = 0; i < m->nto; i++)
		snprintf(to + strlen(to), sizeof(to) - strlen(to), "%s%s", i ? "," : "", m->to[i]);
	if (s->nsent < 32) {
		s->ids[s->nsent] = strdup(m->message_id);
		s->to[s->nsent] = strdup(to);
		s->nsent++;
	}
	return 0;
}

static int setup_server(void **state, const char *rate)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[160], data[128], matrices[128];
	char *argv[8];
	FILE *m;

	snprintf(f->dir, sizeof(f->dir), "/tmp/kmatrix-trigtest.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(matrices, sizeof(matrices), "--matrices-dir=%s", f->dir);
	snprintf(data, sizeof(data), "--data-dir=%s/data", f->dir);
	snprintf(path, sizeof(path), "%s/s.matrix", f->dir);
	m = fopen(path, "w");
	assert_non_null(m);
	fputs("[matrix]\nname = s\narch = x86_64\nbase = tinyconfig\n[axes]\nA = y m n\nB = y n\n"
	      "[notify]\nto = list@example.org\n",
	      m);
	fclose(m);
	argv[0] = "test";
	argv[1] = matrices;
	argv[2] = data;
	argv[3] = "--public-url=https://farm.example.org/";
	argv[4] = "--smtp-url=smtp://127.0.0.1:1";
	argv[5] = (char *)rate;
	argv[6] = "--bisect-max=0"; /* composing without waiting for bisections: test_bisect.sh covers the wait */
	argv[7] = NULL;
	assert_int_equal(server_config_parse(&f->cfg, 7, argv), 0);
	assert_int_equal(server_init(&f->srv, &f->cfg), 0);
	f->trees = parse_ok("[tree linux]\nurl = /srv/git/linux.git\nmatrices = s\nnotify = tree@example.org "
			    "LIST@example.org\n");
	f->srv.triggers = f->trees;
	f->db = server_db(&f->srv);
	assert_non_null(f->db);
	assert_int_equal(db_worker_create(f->db, "w1", "h1", &f->worker), 0);
	f->srv.notifier = notifier_new(&f->srv);
	notifier_set_sender(f->srv.notifier, spy_send, &f->spy);
	/* The hook the sending thread's start would set; no thread in unit tests. */
	sched_on_run_done = notifier_run_done;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_server(state, "--mail-rate=20");
}

static int setup_rate2(void **state)
{
	return setup_server(state, "--mail-rate=2");
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	sched_on_run_done = NULL;
	notifier_free(f->srv.notifier);
	server_release(&f->srv);
	server_config_release(&f->cfg);
	triggers_free(f->trees);
	for (size_t i = 0; i < f->spy.nsent; i++) {
		free(f->spy.ids[i]);
		free(f->spy.to[i]);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static const char *const points[] = { "yy", "yn", "my", "mn", "ny", "nn" };

static json_t *config_entry(const char *point)
{
	struct kconfig *c = NULL;
	char text[128], hash[65];

	snprintf(text, sizeof(text), "%s\n%s\n",
		 point[0] == 'n'   ? "# CONFIG_A is not set"
		 : point[0] == 'y' ? "CONFIG_A=y"
				   : "CONFIG_A=m",
		 point[1] == 'n' ? "# CONFIG_B is not set" : "CONFIG_B=y");
	assert_int_equal(kconfig_parse(text, strlen(text), &c), 0);
	kconfig_hash(c, hash);
	kconfig_free(c);
	return json_pack("{s:s,s:s,s:s}", "hash", hash, "point", point, "text", text);
}

static json_t *claim(struct fixture *f, const char *kind)
{
	const char *kinds[] = { kind, NULL };
	json_t *job = NULL;

	assert_int_equal(sched_claim(&f->srv, f->db, f->worker, kinds, &job), 0);
	return job;
}

static void deliver(struct fixture *f, json_t *job, json_t *res)
{
	json_t *reply = NULL;
	long id = (long)json_integer_value(json_object_get(json_object_get(job, "job"), "id"));

	json_object_set_new(res, "lease", json_copy(json_object_get(json_object_get(job, "lease"), "id")));
	assert_int_equal(sched_result(&f->srv, f->db, f->worker, id, res, &reply), 0);
	assert_true(json_is_true(json_object_get(reply, "recorded")));
	json_decref(reply);
	json_decref(res);
	json_decref(job);
}

/*
 * A run of ref at commit built to the end: the configs whose point is in
 * failing fail with an undefined reference to sym (and make's secondary error).
 */
static long finish_run(struct fixture *f, const char *ref, const char *commit, const char *failing,
		       const char *sym)
{
	struct sched_submit in = { .tree_name = "linux",
				   .tree_url = "/srv/git/linux.git",
				   .ref = ref,
				   .commit = commit,
				   .matrix_name = "s",
				   .trigger = "hook" };
	json_t *configs = json_array(), *requests = json_array(), *job;
	long run = 0;

	assert_int_equal(sched_submit(&f->srv, f->db, &in, &run), 0);
	for (int i = 0; i < 6; i++) {
		json_t *c = config_entry(points[i]);

		json_array_append_new(requests,
				      json_pack("{s:i,s:O}", "idx", i, "hash", json_object_get(c, "hash")));
		json_array_append_new(configs, c);
	}
	deliver(f, claim(f, "configure"),
		json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "status", "PASS", "commit", commit, "subject",
			  "cxl: Simplify the guard", "author_name", "Bob Breaker", "author_email",
			  "bob@example.org", "configs", configs, "requests", requests));
	while ((job = claim(f, "build"))) {
		const char *point = json_string_value(
			json_object_get(json_object_get(json_object_get(job, "job"), "config"), "point"));
		bool fails = failing && strstr(failing, point) && strlen(point) == 2;
		json_t *res;

		if (fails) {
			char sig[128], msg[128], lines[256];

			snprintf(sig, sizeof(sig), "ld-undefined:%s:hmem.c", sym);
			snprintf(msg, sizeof(msg), "undefined reference to `%s'", sym);
			snprintf(lines, sizeof(lines),
				 "ld: vmlinux.o: in function `hmem_register_device':\n"
				 "hmem.c:(.text+0x9d): undefined reference to `%s'",
				 sym);
			res = json_pack("{s:s,s:[{s:s,s:s,s:s,s:s,s:b},{s:s,s:s,s:s,s:b}]}", "status", "FAIL",
					"errors", "signature", sig, "type", "ld-undefined", "message", msg,
					"first_lines", lines, "secondary", 0, "signature",
					"make-error:vmlinux", "type", "make-error", "message",
					"make: *** [vmlinux] Error 1", "secondary", 1);
		} else {
			res = json_pack("{s:s}", "status", "PASS");
		}
		deliver(f, job, res);
	}
	return run;
}

static json_t *mail_of(struct fixture *f, long run)
{
	json_t *out = NULL;

	assert_int_equal(db_run_mail_json(f->db, run, &out), 0);
	return out;
}

static size_t nmails(struct fixture *f, long run)
{
	json_t *m = mail_of(f, run);
	size_t n = json_array_size(json_object_get(m, "mails"));

	json_decref(m);
	return n;
}

static void compose__one_report_per_new_primary_signature(void **state)
{
	struct fixture *f = *state;
	long good = finish_run(f, "main", COMMIT1, NULL, NULL);
	long bad = finish_run(f, "main", COMMIT2, "yy my", "cxl_region_contains_resource");
	json_t *m, *mail, *rcpts;
	struct db_mail *due = NULL;
	size_t ndue = 0;

	assert_int_equal(nmails(f, good), 0);
	m = mail_of(f, bad);
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, "notify"), "state")),
			    "done");
	/* Two configs, two signatures, one of them make's consequence: one mail. */
	assert_int_equal(json_array_size(json_object_get(m, "mails")), 1);
	mail = json_array_get(json_object_get(m, "mails"), 0);
	assert_string_equal(json_string_value(json_object_get(mail, "kind")), "report");
	assert_string_equal(json_string_value(json_object_get(mail, "state")), "pending");
	assert_string_equal(json_string_value(json_object_get(mail, "subject")),
			    "[linux main 2222222] undefined reference to `cxl_region_contains_resource'");
	assert_non_null(strstr(json_string_value(json_object_get(mail, "message_id")), "@farm.example.org>"));
	/* Author, matrix and tree recipients, the tree's second address a repeat of the matrix's. */
	rcpts = json_object_get(mail, "recipients");
	assert_int_equal(json_array_size(rcpts), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rcpts, 0), "address")),
			    "bob@example.org");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rcpts, 1), "address")),
			    "list@example.org");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rcpts, 2), "address")),
			    "tree@example.org");

	assert_int_equal(db_mail_due(f->db, (int64_t)time(NULL), 10, &due, &ndue), 0);
	assert_int_equal(ndue, 1);
	assert_string_equal(due[0].mailboxes[0], "Bob Breaker <bob@example.org>");
	assert_non_null(strstr(due[0].body, "It fails whenever:\n\n    A∈{y,m} ∧ B=y\n"));
	assert_non_null(strstr(due[0].body, "\n  * y y FAIL "));
	assert_non_null(strstr(due[0].body, "\n  * m y FAIL "));
	assert_non_null(strstr(due[0].body, "\n    n y PASS "));
	assert_null(strstr(due[0].body, "make: ***"));
	assert_non_null(strstr(due[0].body, "hmem_register_device"));
	assert_non_null(strstr(due[0].body, "https://farm.example.org/#/run/"));
	db_mails_free(due, ndue);

	/* Composing the same run again changes nothing: the Message-ID is taken. */
	{
		int queued = -1;

		assert_int_equal(db_begin(f->db), 0);
		assert_int_equal(notifier_compose(f->srv.notifier, f->db, bad, &queued), 0);
		assert_int_equal(db_commit(f->db), 0);
		assert_int_equal(queued, 0);
		assert_int_equal(nmails(f, bad), 1);
	}
	json_decref(m);
}

static void compose__same_commit_elsewhere_is_not_reported_again(void **state)
{
	struct fixture *f = *state;
	long bad, again, other;

	finish_run(f, "main", COMMIT1, NULL, NULL);
	bad = finish_run(f, "main", COMMIT2, "yy", "sym_a");
	/* The same commit on a new branch (no base): its error is not news. */
	again = finish_run(f, "topic", COMMIT2, "yy", "sym_a");
	/* Another commit with the same error on that branch: still nothing new there. */
	other = finish_run(f, "topic", COMMIT3, "yy", "sym_a");
	assert_int_equal(nmails(f, bad), 1);
	assert_int_equal(nmails(f, again), 0);
	assert_int_equal(nmails(f, other), 0);
}

static void compose__fixed_notice_once_in_reply(void **state)
{
	struct fixture *f = *state;
	long bad = finish_run(f, "main", COMMIT1, "yy", "sym_a");
	long fixed = finish_run(f, "main", COMMIT2, NULL, NULL);
	long later = finish_run(f, "main", COMMIT3, NULL, NULL);
	json_t *rm = mail_of(f, bad), *fm = mail_of(f, fixed);
	json_t *report = json_array_get(json_object_get(rm, "mails"), 0);
	json_t *notice = json_array_get(json_object_get(fm, "mails"), 0);

	assert_int_equal(json_array_size(json_object_get(fm, "mails")), 1);
	assert_string_equal(json_string_value(json_object_get(notice, "kind")), "fixed");
	assert_string_equal(json_string_value(json_object_get(notice, "in_reply_to")),
			    json_string_value(json_object_get(report, "message_id")));
	assert_string_equal(json_string_value(json_object_get(notice, "subject")),
			    "Re: [linux main 1111111] undefined reference to `sym_a'");
	assert_int_equal(json_array_size(json_object_get(notice, "recipients")), 3);
	assert_int_equal(nmails(f, later), 0);
	json_decref(rm);
	json_decref(fm);
}

static json_t *first_mail(struct fixture *f, long run)
{
	json_t *m = mail_of(f, run);
	json_t *one = json_deep_copy(json_array_get(json_object_get(m, "mails"), 0));

	json_decref(m);
	return one;
}

static void send__retries_with_backoff_and_delivers_once(void **state)
{
	struct fixture *f = *state;
	long bad = finish_run(f, "main", COMMIT1, "yy", "sym_a");
	int64_t now = (int64_t)time(NULL);
	json_t *m;
	int sent = 0;

	f->spy.answers[0] = KM_EIO;
	f->spy.answers[1] = KM_ETIMEDOUT;
	f->spy.nanswers = 2;
	assert_int_equal(notifier_pass(f->srv.notifier, f->db, now, &sent), 0);
	assert_int_equal(sent, 0);
	m = first_mail(f, bad);
	assert_string_equal(json_string_value(json_object_get(m, "state")), "pending");
	assert_int_equal(json_integer_value(json_object_get(m, "attempts")), 1);
	assert_int_equal(json_integer_value(json_object_get(m, "next_attempt")),
			 now + NOTIFIER_RETRY_FIRST_S);
	assert_non_null(strstr(json_string_value(json_object_get(m, "last_error")), "fake SMTP failure"));
	json_decref(m);
	/* Not due yet: nothing is tried. */
	assert_int_equal(notifier_pass(f->srv.notifier, f->db, now + 5, &sent), 0);
	assert_int_equal(f->spy.used, 1);
	/* Second failure: the wait doubles. */
	assert_int_equal(notifier_pass(f->srv.notifier, f->db, now + 10, &sent), 0);
	m = first_mail(f, bad);
	assert_int_equal(json_integer_value(json_object_get(m, "next_attempt")),
			 now + 10 + 2 * NOTIFIER_RETRY_FIRST_S);
	json_decref(m);
	assert_int_equal(notifier_pass(f->srv.notifier, f->db, now + 30, &sent), 0);
	assert_int_equal(sent, 1);
	assert_int_equal(f->spy.nsent, 1);
	m = first_mail(f, bad);
	assert_string_equal(json_string_value(json_object_get(m, "state")), "sent");
	json_decref(m);
	/* Sent is sent: later rounds send nothing. */
	assert_int_equal(notifier_pass(f->srv.notifier, f->db, now + 4000, &sent), 0);
	assert_int_equal(f->spy.nsent, 1);
}

static void send__undeliverable_is_kept_as_failed(void **state)
{
	struct fixture *f = *state;
	long bad = finish_run(f, "main", COMMIT1, "yy", "sym_a");
	json_t *m;
	int sent = 0;

	f->spy.answers[0] = KM_EINVAL;
	f->spy.nanswers = 1;
	assert_int_equal(notifier_pass(f->srv.notifier, f->db, (int64_t)time(NULL), &sent), 0);
	m = first_mail(f, bad);
	assert_string_equal(json_string_value(json_object_get(m, "state")), "failed");
	assert_non_null(json_string_value(json_object_get(m, "last_error")));
	json_decref(m);
	assert_int_equal(notifier_pass(f->srv.notifier, f->db, (int64_t)time(NULL) + 4000, &sent), 0);
	assert_int_equal(f->spy.used, 1);
}

static void send__rate_limit_holds_back_never_drops(void **state)
{
	struct fixture *f = *state;
	int64_t now;
	long runs[3];
	json_t *m;
	int sent = 0;

	/* Three reports for bob (mail-rate = 2): two go now, the third waits for the hour to pass. */
	runs[0] = finish_run(f, "a", COMMIT1, "yy", "sym_a");
	runs[1] = finish_run(f, "b", COMMIT2, "yy", "sym_b");
	runs[2] = finish_run(f, "c", COMMIT3, "yy", "sym_c");
	/* After the runs: a slow machine may cross a second while they commit, and mail made later is not due yet. */
	now = (int64_t)time(NULL);
	assert_int_equal(notifier_pass(f->srv.notifier, f->db, now, &sent), 0);
	assert_int_equal(sent, 2);
	m = first_mail(f, runs[2]);
	assert_string_equal(json_string_value(json_object_get(m, "state")), "pending");
	assert_int_equal(json_integer_value(json_object_get(m, "attempts")), 0);
	assert_true(json_integer_value(json_object_get(m, "next_attempt")) > now + NOTIFIER_RATE_WINDOW_S);
	json_decref(m);
	assert_int_equal(notifier_pass(f->srv.notifier, f->db, now + 600, &sent), 0);
	assert_int_equal(sent, 0);

	/* A message for bob and carol: carol gets it now, bob's copy waits. */
	{
		const char *addrs[] = { "bob@example.org", "carol@example.org" };
		const char *boxes[] = { "Bob Breaker <bob@example.org>", "carol@example.org" };
		json_t *first = first_mail(f, runs[0]);
		struct db_mail_new x = {
			.message_id = "<x@farm.example.org>",
			.kind = "report",
			.run_id = runs[0],
			.tree_id = 1,
			.signature_id = (long)json_integer_value(json_object_get(first, "signature_id")),
			.ref = "refs/heads/a",
			.subject = "x",
			.body = "x",
			.addresses = addrs,
			.mailboxes = boxes,
			.nrcpt = 2,
			.now = now + 600,
		};
		long id = 0;

		json_decref(first);
		assert_int_equal(db_begin(f->db), 0);
		assert_int_equal(db_mail_enqueue(f->db, &x, &id), 0);
		assert_int_equal(db_mail_enqueue(f->db, &x, &id), KM_EEXISTS);
		assert_int_equal(db_commit(f->db), 0);
	}
	assert_int_equal(notifier_pass(f->srv.notifier, f->db, now + 600, &sent), 0);
	assert_int_equal(sent, 1);
	assert_int_equal(f->spy.nsent, 3);
	assert_string_equal(f->spy.to[2], "carol@example.org");

	/* An hour after the first two: the held-back report goes to all, and bob's copy of the other. */
	assert_int_equal(notifier_pass(f->srv.notifier, f->db, now + NOTIFIER_RATE_WINDOW_S + 1, &sent), 0);
	assert_int_equal(sent, 2);
	m = first_mail(f, runs[2]);
	assert_string_equal(json_string_value(json_object_get(m, "state")), "sent");
	json_decref(m);
	assert_int_equal(f->spy.nsent, 5);
	assert_string_equal(f->spy.to[3], "Bob Breaker <bob@example.org>,list@example.org,tree@example.org");
	assert_string_equal(f->spy.to[4], "Bob Breaker <bob@example.org>");
	assert_string_equal(f->spy.ids[4], "<x@farm.example.org>");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse__reads_trees_with_defaults),
		cmocka_unit_test(parse__rejects_with_file_line_and_expectation),
		cmocka_unit_test(parse__rejects_oversized_files),
		cmocka_unit_test(matrices_for__rules_first_then_branches_and_tags),
		cmocka_unit_test(urls__same_repository_and_payload_order),
		cmocka_unit_test_setup_teardown(compose__one_report_per_new_primary_signature, setup,
						teardown),
		cmocka_unit_test_setup_teardown(compose__same_commit_elsewhere_is_not_reported_again, setup,
						teardown),
		cmocka_unit_test_setup_teardown(compose__fixed_notice_once_in_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(send__retries_with_backoff_and_delivers_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(send__undeliverable_is_kept_as_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(send__rate_limit_holds_back_never_drops, setup_rate2,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
