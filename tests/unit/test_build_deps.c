/* Unit tests of reading Kbuild's dependency lists: which changes are plain sources, and whether a build read them. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_deps.h"
#include "err.h"
#include "fsutil.h"
#include "xalloc.h"

struct fixture {
	char dir[64];
	char *src, *out;
};

/* A tree at DIR/src/t/linux and a build directory two levels below DIR/src/t, as the worker lays them out. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/kmatrix-builddeps.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->src = xasprintf("%s/src/t/linux", f->dir);
	f->out = xasprintf("%s/src/t/x86_64-m/0123456789abcdef", f->dir);
	assert_int_equal(fs_mkdirs(f->src), 0);
	assert_int_equal(fs_mkdirs(f->out), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf %s", f->dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->src);
	free(f->out);
	free(f);
	return 0;
}

static void write_in(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name), *parent = xstrdup(path);

	*strrchr(parent, '/') = '\0';
	assert_int_equal(fs_mkdirs(parent), 0);
	assert_int_equal(fs_write_file(path, text, strlen(text)), 0);
	free(parent);
	free(path);
}

/* drivers/cxl/core/.region.o.cmd as Kbuild writes it: the source relative (ccache's base directory), headers both ways. */
static void write_cmd(struct fixture *f)
{
	char *dir = xasprintf("%s/drivers/cxl/core", f->out), *path = xasprintf("%s/.region.o.cmd", dir);
	char *text = xasprintf("savedcmd_drivers/cxl/core/region.o := gcc -c -o drivers/cxl/core/region.o %s/drivers/cxl/core/region.c\n"
			       "\n"
			       "source_drivers/cxl/core/region.o := ../../linux/drivers/cxl/core/region.c\n"
			       "\n"
			       "deps_drivers/cxl/core/region.o := \\\n"
			       "    $(wildcard include/config/CXL_REGION) \\\n"
			       "  ../../linux/include/linux/kconfig.h \\\n"
			       "  ../../linux/drivers/cxl/core/../cxlmem.h \\\n"
			       "  %s/include/linux/memregion.h \\\n"
			       "  include/generated/autoconf.h \\\n"
			       "\n"
			       "drivers/cxl/core/region.o: $(deps_drivers/cxl/core/region.o)\n"
			       "\n"
			       "$(deps_drivers/cxl/core/region.o):\n",
			       f->src, f->src);

	assert_int_equal(fs_mkdirs(dir), 0);
	assert_int_equal(fs_write_file(path, text, strlen(text)), 0);
	free(text);
	free(path);
	free(dir);
}

/* Where the build read path, changed with git's status letter (A, M or D), beside a documentation change. */
static long find_status(struct fixture *f, const char *path, char status)
{
	struct build_deps_change changes[] = { { "Documentation/cxl/x.rst", false, false },
						{ path, status == 'A', status == 'D' } };
	long read = -2;

	assert_int_equal(build_deps_find(f->out, f->src, changes, 2, &read), 0);
	return read;
}

static long find_change(struct fixture *f, const char *path, bool added)
{
	return find_status(f, path, added ? 'A' : 'M');
}

static long find(struct fixture *f, const char *path)
{
	return find_change(f, path, false);
}

static void test_plain_sources(void **state)
{
	(void)state;
	assert_true(build_deps_plain_source("drivers/dax/hmem/hmem.c"));
	assert_true(build_deps_plain_source("include/linux/cxl.h"));
	assert_true(build_deps_plain_source("arch/x86/entry/entry_64.S"));
	assert_true(build_deps_plain_source("Documentation/driver-api/cxl/index.rst"));
	assert_false(build_deps_plain_source("drivers/cxl/Makefile"));
	assert_false(build_deps_plain_source("drivers/cxl/Kconfig"));
	assert_false(build_deps_plain_source("scripts/link-vmlinux.sh"));
	assert_false(build_deps_plain_source("arch/x86/kernel/vmlinux.lds.S"));
	assert_false(build_deps_plain_source("Kbuild"));
	/* objtool and the other tools build with their own makefiles. */
	assert_false(build_deps_plain_source("tools/objtool/check.c"));
}

/* Every form Kbuild records a source-tree file in is found: relative, absolute, with ".." inside. */
static void test_finds_every_form(void **state)
{
	struct fixture *f = *state;

	write_cmd(f);
	assert_int_equal(find(f, "drivers/cxl/core/region.c"), 1);
	assert_int_equal(find(f, "include/linux/kconfig.h"), 1);
	assert_int_equal(find(f, "drivers/cxl/cxlmem.h"), 1);
	assert_int_equal(find(f, "include/linux/memregion.h"), 1);
}

/* What the build did not read, or only looks like it (a path's tail, a generated file), is not found. */
static void test_unread_files(void **state)
{
	struct fixture *f = *state;

	write_cmd(f);
	assert_int_equal(find(f, "drivers/dax/hmem/hmem.c"), -1);
	assert_int_equal(find(f, "linux/kconfig.h"), -1);
	assert_int_equal(find(f, "cxlmem.h"), -1);
	assert_int_equal(find(f, "include/generated/autoconf.h"), -1);
}

/*
 * region.o of a build as Kbuild records it, from real files: region.c names
 * <cxlmem.h> (found through -I drivers/cxl), "core.h" beside it, a header
 * "cxl.h" (found through -I drivers/cxl too), a header in a branch the preprocessor skips, and header.h, which tests for an
 * errata file with __has_include and includes a trace file through a macro.
 * The command is a real compile (preprocessed again where a name may find
 * a new file); `compiles` false saves one that is not.
 */
static void write_includes(struct fixture *f, bool compiles)
{
	char *dir = xasprintf("%s/drivers/cxl/core", f->out), *path = xasprintf("%s/.region.o.cmd", dir), *text;
	char *core = xasprintf("%s/drivers/cxl/core", f->src), *inc = xasprintf("%s/include/linux", f->src);

	assert_int_equal(fs_mkdirs(dir), 0);
	assert_int_equal(fs_mkdirs(core), 0);
	assert_int_equal(fs_mkdirs(inc), 0);
	write_in(core, "region.c",
		 "#include <cxlmem.h>\n#include \"cxl.h\"\n#include \"core.h\"\n#include <linux/header.h>\n"
		 "#if 0\n#  include \"skipped.h\"\n#endif\nint region;\n");
	write_in(core, "core.h", "/* core */\n");
	write_in(core, "../cxlmem.h", "/* cxlmem */\n");
	write_in(core, "../cxl.h", "/* cxl */\n");
	write_in(inc, "header.h",
		 "#if defined(__has_include) && __has_include(<linux/errata/abi-9.h>)\n#define ERRATA 9\n#endif\n"
		 "#ifdef CREATE_TRACE_POINTS\n#include TRACE_INCLUDE(TRACE_FILE)\n#endif\n");
	text = xasprintf("savedcmd_drivers/cxl/core/region.o := gcc -Wp,-MMD,drivers/cxl/core/.region.o.d -nostdinc "
			 "-I%s/include -I %s/drivers/cxl -DKBUILD_BASENAME='\"region\"' %s -o drivers/cxl/core/region.o "
			 "%s/drivers/cxl/core/region.c ; ./tools/objtool/objtool --module drivers/cxl/core/region.o\n"
			 "\n"
			 "source_drivers/cxl/core/region.o := %s/drivers/cxl/core/region.c\n"
			 "\n"
			 "deps_drivers/cxl/core/region.o := \\\n"
			 "    $(wildcard include/config/CXL_REGION) \\\n"
			 "  ../../linux/drivers/cxl/cxlmem.h \\\n"
			 "  ../../linux/drivers/cxl/cxl.h \\\n"
			 "  ../../linux/drivers/cxl/core/core.h \\\n"
			 "  %s/include/linux/header.h \\\n"
			 "\n"
			 "drivers/cxl/core/region.o: $(deps_drivers/cxl/core/region.o)\n"
			 "\n"
			 "$(deps_drivers/cxl/core/region.o):\n",
			 f->src, f->src, compiles ? "-c" : "-S", f->src, f->src, f->src);
	assert_int_equal(fs_write_file(path, text, strlen(text)), 0);
	free(text);
	free(path);
	free(dir);
	free(core);
	free(inc);
}

static long find_removed(struct fixture *f, const char *path)
{
	return find_status(f, path, 'D');
}

/* A new file counts only where an include could find it, and the preprocessor does. */
static void test_added_file_where_an_include_finds_it(void **state)
{
	struct fixture *f = *state;

	write_includes(f, true);
	/* Of a dependency's name, but no name the build's files write finds it there. */
	write_in(f->src, "include/cxl/cxlmem.h", "/* elsewhere */\n");
	assert_int_equal(find_change(f, "include/cxl/cxlmem.h", true), -1);
	assert_int_equal(find_change(f, "include/cxl/core.h", true), -1);
	/* -I include comes before -I drivers/cxl: <cxlmem.h> finds the new one, the preprocessor reads it. */
	write_in(f->src, "include/cxlmem.h", "/* shadows drivers/cxl/cxlmem.h */\n");
	assert_int_equal(find_change(f, "include/cxlmem.h", true), 1);
	/* A quoted name looks beside the file that writes it first. */
	write_in(f->src, "drivers/cxl/core/cxl.h", "/* shadows ../cxl.h */\n");
	assert_int_equal(find_change(f, "drivers/cxl/core/cxl.h", true), 1);
	/* One in angle brackets does not: preprocessed again, the new file beside region.c is not read. */
	write_in(f->src, "drivers/cxl/core/cxlmem.h", "/* not found by <cxlmem.h> */\n");
	assert_int_equal(find_change(f, "drivers/cxl/core/cxlmem.h", true), -1);
	/* Named only in a branch the preprocessor skips: preprocessed again, it is not read. */
	write_in(f->src, "drivers/cxl/core/skipped.h", "#error not read\n");
	assert_int_equal(find_change(f, "drivers/cxl/core/skipped.h", true), -1);
	/* A new source file is built only when a Makefile (no plain source) names it. */
	assert_int_equal(find_change(f, "drivers/cxl/core/kconfig.c", true), -1);
}

/* What a __has_include may find changes the output without being read: it counts, never preprocessed again. */
static void test_file_a_has_include_finds(void **state)
{
	struct fixture *f = *state;

	write_includes(f, true);
	assert_int_equal(find_change(f, "include/linux/errata/abi-9.h", true), 1);
	assert_int_equal(find_removed(f, "include/linux/errata/abi-9.h"), 1);
	assert_int_equal(find_change(f, "include/linux/errata/abi-8.h", true), -1);
	/* A removed file the build did not read, named by an #include only: nothing it built changes. */
	assert_int_equal(find_removed(f, "drivers/cxl/core/skipped.h"), -1);
}

/*
 * An include through a macro may find any file of a dependency's name; when
 * the command cannot be preprocessed again (here: no compile), that counts.
 */
static void test_include_through_a_macro(void **state)
{
	struct fixture *f = *state;

	write_includes(f, true);
	write_in(f->src, "include/linux/core.h", "/* new */\n");
	assert_int_equal(find_change(f, "include/linux/core.h", true), -1);
	assert_int_equal(find_change(f, "include/linux/other.h", true), -1);
	write_includes(f, false);
	assert_int_equal(find_change(f, "include/linux/core.h", true), 1);
	assert_int_equal(find_change(f, "include/linux/other.h", true), -1);
}

/*
 * With vmlinux.a, a copied directory's objects of other configs do not
 * count: only its members, the modules' objects, and what is not a kernel
 * object (arch/, scripts/, the top level).
 */
static void test_other_configs_objects(void **state)
{
	struct fixture *f = *state;
	char *stale_dir = xasprintf("%s/drivers/dax/hmem", f->out), *cmd;
	const char *stale = "source_drivers/dax/hmem/hmem.o := ../../linux/drivers/dax/hmem/hmem.c\n";

	write_cmd(f);
	assert_int_equal(fs_mkdirs(stale_dir), 0);
	write_in(stale_dir, ".hmem.o.cmd", stale);
	/* Without vmlinux.a every .cmd file counts. */
	assert_int_equal(find(f, "drivers/dax/hmem/hmem.c"), 1);
	/* vmlinux.a holds region.o only, a module holds nothing of hmem: the stale hmem.o does not count. */
	cmd = xasprintf("cd %s && touch drivers/cxl/core/region.o && ar cDPrST vmlinux.a drivers/cxl/core/region.o", f->out);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	write_in(f->out, "modules.order", "drivers/cxl/cxl_acpi.o\n");
	assert_int_equal(find(f, "drivers/dax/hmem/hmem.c"), -1);
	assert_int_equal(find(f, "drivers/cxl/core/region.c"), 1);
	/* A module's objects come from its .mod file. */
	write_in(f->out, "modules.order", "drivers/dax/hmem/dax_hmem.o\n");
	write_in(stale_dir, "dax_hmem.mod", "drivers/dax/hmem/hmem.o\n");
	assert_int_equal(find(f, "drivers/dax/hmem/hmem.c"), 1);
	/* What is not a kernel object always counts. */
	{
		char *boot = xasprintf("%s/arch/x86/boot", f->out);

		assert_int_equal(fs_mkdirs(boot), 0);
		write_in(boot, ".main.o.cmd", "source_arch/x86/boot/main.o := ../../linux/arch/x86/boot/main.c\n");
		assert_int_equal(find(f, "arch/x86/boot/main.c"), 1);
		free(boot);
	}
	free(stale_dir);
}

static void test_missing_dirs(void **state)
{
	struct fixture *f = *state;
	struct build_deps_change changes[] = { { "a.c", false, false } };
	long read = 0;
	char *gone = xasprintf("%s/nowhere", f->dir);

	assert_int_equal(build_deps_find(gone, f->src, changes, 1, &read), KM_ENOTFOUND);
	err_clear();
	free(gone);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_sources),
		cmocka_unit_test_setup_teardown(test_finds_every_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unread_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_added_file_where_an_include_finds_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_a_has_include_finds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_include_through_a_macro, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_configs_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_dirs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
