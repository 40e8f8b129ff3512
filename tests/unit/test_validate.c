/* Unit tests of the one syntax check per kind of name; each case marked "was" pins a place where the former checks disagreed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "validate.h"

static void ref__git_rules_for_every_caller(void **state)
{
	(void)state;
	assert_true(validate_ref("refs/heads/main"));
	assert_true(validate_ref("refs/heads/topic/fix-1"));
	assert_true(validate_ref("refs/tags/v6.12"));
	assert_false(validate_ref("main"));               /* a short name is made full before it is checked */
	assert_false(validate_ref("refs/heads/a^b"));     /* was: the poller took it */
	assert_false(validate_ref("refs/heads//x"));      /* was: the poller took it */
	assert_false(validate_ref("refs/heads/x.lock"));  /* was: submit and the poller took it */
	assert_false(validate_ref("refs/heads/a@{1}"));   /* was: submit took it */
	assert_false(validate_ref("refs/heads/x/"));      /* was: submit and the poller took it */
	assert_false(validate_ref("refs/heads/.hidden")); /* was: submit and the poller took it */
	assert_false(validate_ref("refs/heads/a b"));
	assert_false(validate_ref("refs/heads/a..b"));
	assert_false(validate_ref("refs/heads/a\x7f"));
	assert_false(validate_ref(NULL));
}

static void ref__length_limit(void **state)
{
	char r[VALIDATE_MAX_REF + 2];

	(void)state;
	memcpy(r, "refs/heads/", 11);
	memset(r + 11, 'a', sizeof(r) - 12);
	r[VALIDATE_MAX_REF] = '\0';
	assert_true(validate_ref(r));
	r[VALIDATE_MAX_REF] = 'a';
	r[VALIDATE_MAX_REF + 1] = '\0';
	assert_false(validate_ref(r));
}

static void commit__full_or_abbreviated_lower_case(void **state)
{
	(void)state;
	assert_true(validate_commit("1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", false));
	assert_true(validate_commit("0000000000000000000000000000000000000000", false));
	assert_true(validate_commit("1a2b3c4", true));
	assert_false(validate_commit("1a2b3c4", false)); /* was: taken by submit, refused by webhooks; now by intent */
	/* was: webhooks took upper case, submit refused it; now ids are lower case (webhooks lower-case first). */
	assert_false(validate_commit("1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D", false));
	assert_false(validate_commit("1A2B3C4", true));
	assert_false(validate_commit("1a2b3c", true));
	assert_false(validate_commit("1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d0", false));
	assert_false(validate_commit("1a2b3c4g", true));
	assert_false(validate_commit(NULL, true));
}

static void url__no_blanks_no_leading_dash(void **state)
{
	(void)state;
	assert_true(validate_url("https://git.kernel.org/pub/scm/linux/kernel/git/cxl/cxl.git"));
	assert_true(validate_url("/srv/git/linux.git"));
	assert_true(validate_url("git@example.org:linux.git"));
	assert_false(validate_url("/srv/git/my repo.git")); /* was: the trees file took it, webhooks refused it */
	assert_false(validate_url("-oProxyCommand=x"));
	assert_false(validate_url("/srv/a\tb"));
	assert_false(validate_url(""));
	assert_false(validate_url(NULL));
}

static void address__one_rule_for_matrix_trees_and_webhooks(void **state)
{
	(void)state;
	assert_true(validate_address("bob@example.org"));
	assert_true(validate_address("bob.o'neil+cxl@mail.example.org"));
	assert_true(validate_address("a@b"));
	assert_false(validate_address("bob@example.org."));  /* was: matrices and webhooks took it, mail refused it */
	assert_false(validate_address("bob(x)@example.org")); /* was: webhooks took it */
	assert_false(validate_address("bob@exa_mple.org"));  /* was: mail took it, matrices refused it */
	assert_false(validate_address("bob@example..org"));  /* was: taken everywhere, undeliverable */
	assert_false(validate_address("Bob <bob@example.org>"));
	assert_false(validate_address("bob@@example.org"));
	assert_false(validate_address("@example.org"));
	assert_false(validate_address("bob@-example.org"));
	assert_false(validate_address("bob @example.org"));
	assert_false(validate_address(NULL));
}

static void trim__blanks_and_line_ends(void **state)
{
	char a[] = " \tkey = value \r\n", b[] = "\r\n", c[] = "x";

	(void)state;
	assert_string_equal(validate_trim(a), "key = value"); /* was: mail's and matrices' kept the \r */
	assert_string_equal(validate_trim(b), "");
	assert_string_equal(validate_trim(c), "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ref__git_rules_for_every_caller),
		cmocka_unit_test(ref__length_limit),
		cmocka_unit_test(commit__full_or_abbreviated_lower_case),
		cmocka_unit_test(url__no_blanks_no_leading_dash),
		cmocka_unit_test(address__one_rule_for_matrix_trees_and_webhooks),
		cmocka_unit_test(trim__blanks_and_line_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
