/* Unit tests of per-config build directories: where they are, how a new one is seeded, which ones pruning keeps. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build_dirs.h"
#include "err.h"
#include "fsutil.h"
#include "worker.h"
#include "xalloc.h"

#define COMMIT "0123456789abcdef0123456789abcdef01234567"
#define HASH_A "aaaaaaaaaaaaaaaa0123456789abcdef0123456789abcdef0123456789abcdef"
#define HASH_B "bbbbbbbbbbbbbbbb0123456789abcdef0123456789abcdef0123456789abcdef"
#define HASH_C "cccccccccccccccc0123456789abcdef0123456789abcdef0123456789abcdef"

struct fixture {
	char dir[64];
	struct worker_opts opts;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/kmatrix-builddirs.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->opts.work_dir = f->dir;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf %s", f->dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f);
	return 0;
}

static char *open_dir(struct fixture *f, const char *hash, char **seeded_from)
{
	char *out = NULL;

	assert_int_equal(build_dir_open(&f->opts, "linux", "x86_64", "cxl-quick", hash, &out, seeded_from), 0);
	return out;
}

static struct timespec mtime_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mtim;
}

static void write_in(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);

	assert_int_equal(fs_write_file(path, text, strlen(text)), 0);
	free(path);
}

static bool exists_in(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	bool ok = access(path, F_OK) == 0;

	free(path);
	return ok;
}

static char *kept_dir(struct fixture *f, const char *hash)
{
	return xasprintf("%s/src/linux/x86_64-cxl-quick/%.16s", f->dir, hash);
}

static char *read_in(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name), *text = NULL;
	size_t len;

	assert_int_equal(fs_read_file(path, 100, &text, &len), 0);
	free(path);
	return text;
}

/* Every config is built at one path, two levels below the tree's directory; the first one starts empty. */
static void test_first_dir_is_empty(void **state)
{
	struct fixture *f = *state;
	char *seeded = (char *)"unset";
	char *out = open_dir(f, HASH_A, &seeded);
	char *want = xasprintf("%s/src/linux/x86_64-cxl-quick/build", f->dir);

	assert_string_equal(out, want);
	assert_null(seeded);
	assert_false(exists_in(out, ".config"));
	free(want);
	free(out);
}

/*
 * A new config goes on from the directory in place (a copy of it kept under
 * the config built there, timestamps kept); a known config gets its own back,
 * always at the same path.
 */
static void test_configs_take_turns(void **state)
{
	struct fixture *f = *state;
	char *seeded = NULL, *a = open_dir(f, HASH_A, &seeded), *b, *again, *kept_a = kept_dir(f, HASH_A);
	char *kept_b = kept_dir(f, HASH_B), *text, *obj_a, *obj_kept;
	struct build_dir_last last;

	write_in(a, "vmlinux.o", "object of A");
	usleep(20000);
	build_dir_built(a, 11, "PASS", COMMIT);
	b = open_dir(f, HASH_B, &seeded);
	assert_string_equal(b, a);
	assert_string_equal(seeded, "aaaaaaaaaaaaaaaa");
	free(seeded);
	/* B starts from A's outputs, not a build of its own: it names no build until it is built. */
	assert_true(exists_in(b, "vmlinux.o"));
	assert_int_equal(build_dir_last_build(b, &last), KM_ENOTFOUND);
	err_clear();
	/* A's directory is kept, its stamp and timestamps with it. */
	assert_int_equal(build_dir_last_build(kept_a, &last), 0);
	assert_int_equal(last.job_id, 11);
	assert_string_equal(last.status, "PASS");
	assert_string_equal(last.commit, COMMIT);
	obj_a = xasprintf("%s/vmlinux.o", b);
	obj_kept = xasprintf("%s/vmlinux.o", kept_a);
	assert_memory_equal(&(struct timespec[]){ mtime_of(obj_a) }, &(struct timespec[]){ mtime_of(obj_kept) },
			    sizeof(struct timespec));
	/* What B's build changes is B's alone. */
	write_in(b, "vmlinux.o", "object of B");
	build_dir_built(b, 12, "FAIL", COMMIT);
	again = open_dir(f, HASH_A, &seeded);
	assert_null(seeded);
	assert_string_equal(again, a);
	assert_int_equal(build_dir_last_build(again, &last), 0);
	assert_int_equal(last.job_id, 11);
	text = read_in(again, "vmlinux.o");
	assert_string_equal(text, "object of A");
	free(text);
	/* B's went aside, under its hash. */
	assert_int_equal(build_dir_last_build(kept_b, &last), 0);
	assert_int_equal(last.job_id, 12);
	text = read_in(kept_b, "vmlinux.o");
	assert_string_equal(text, "object of B");
	free(text);
	assert_false(exists_in(f->dir, "src/linux/x86_64-cxl-quick/aaaaaaaaaaaaaaaa"));
	/* The config in place again: nothing moves. */
	free(again);
	again = open_dir(f, HASH_A, &seeded);
	assert_null(seeded);
	free(obj_a);
	free(obj_kept);
	free(kept_a);
	free(kept_b);
	free(again);
	free(a);
	free(b);
}

/* A directory in place that was never built (a build cut short) is not kept. */
static void test_unbuilt_not_kept(void **state)
{
	struct fixture *f = *state;
	char *seeded = NULL, *a = open_dir(f, HASH_A, &seeded), *b, *kept_a = kept_dir(f, HASH_A);

	b = open_dir(f, HASH_B, &seeded);
	assert_null(seeded);
	assert_int_equal(access(kept_a, F_OK), -1);
	free(kept_a);
	free(a);
	free(b);
}

/* Pruning keeps the most recently built configs' directories, never the one in place or the tree. */
static void test_prune_keeps_newest(void **state)
{
	struct fixture *f = *state;
	char *seeded = NULL, *work = open_dir(f, HASH_A, &seeded), *tree = xasprintf("%s/src/linux/linux", f->dir);
	char *ka = kept_dir(f, HASH_A), *kb = kept_dir(f, HASH_B);

	assert_int_equal(fs_mkdirs(tree), 0);
	write_in(tree, "Makefile", "# the tree\n");
	build_dir_built(work, 11, "PASS", COMMIT);
	usleep(20000);
	free(open_dir(f, HASH_B, &seeded));
	free(seeded);
	build_dir_built(work, 12, "FAIL", COMMIT);
	usleep(20000);
	free(open_dir(f, HASH_C, &seeded));
	free(seeded);
	build_dir_built(work, 13, "PASS", COMMIT);
	/* Kept: A (built first), B; in place: C. */
	assert_int_equal(access(ka, F_OK), 0);
	assert_int_equal(access(kb, F_OK), 0);
	build_dir_prune(&f->opts, 1);
	assert_int_equal(access(ka, F_OK), -1);
	assert_int_equal(access(kb, F_OK), 0);
	assert_true(exists_in(work, ".km-built"));
	build_dir_prune(&f->opts, 1);
	assert_int_equal(access(kb, F_OK), 0);
	assert_true(exists_in(tree, "Makefile"));
	free(tree);
	free(ka);
	free(kb);
	free(work);
}

/* A hash too short for a directory name is refused with a reason. */
static void test_bad_hash(void **state)
{
	struct fixture *f = *state;
	char *out = NULL, *seeded = NULL;

	assert_int_equal(build_dir_open(&f->opts, "linux", "x86_64", "m", "abc", &out, &seeded), KM_EINVAL);
	assert_non_null(strstr(err_msg(), "hash"));
	assert_null(out);
	err_clear();
	assert_int_equal(build_dir_open(&f->opts, "linux", "x86_64", "m", NULL, &out, &seeded), KM_EINVAL);
	err_clear();
}

/* An unchanged .config is not rewritten: its mtime stays older than auto.conf and syncconfig is skipped. */
static void test_config_written_only_when_changed(void **state)
{
	struct fixture *f = *state;
	char *path = xasprintf("%s/.config", f->dir), *text = NULL;
	struct timespec before, after;
	size_t len;

	assert_int_equal(build_dir_write_if_changed(path, "CONFIG_A=y\n"), 0);
	before = mtime_of(path);
	usleep(20000);
	assert_int_equal(build_dir_write_if_changed(path, "CONFIG_A=y\n"), 0);
	after = mtime_of(path);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(build_dir_write_if_changed(path, "CONFIG_A=m\n"), 0);
	after = mtime_of(path);
	assert_true(after.tv_sec != before.tv_sec || after.tv_nsec != before.tv_nsec);
	assert_int_equal(fs_read_file(path, 100, &text, &len), 0);
	assert_string_equal(text, "CONFIG_A=m\n");
	/* A longer file with the same start is a change too. */
	assert_int_equal(build_dir_write_if_changed(path, "CONFIG_A=m\nCONFIG_B=y\n"), 0);
	free(text);
	assert_int_equal(fs_read_file(path, 100, &text, &len), 0);
	assert_string_equal(text, "CONFIG_A=m\nCONFIG_B=y\n");
	free(text);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_dir_is_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configs_take_turns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbuilt_not_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_keeps_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_written_only_when_changed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
