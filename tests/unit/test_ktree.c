/* Tests of reading Kconfig trees: sources, blocks, dependencies with their origins, reverse dependencies, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "ktree.h"
#include "xalloc.h"

#define TREE KM_SOURCE_DIR "/tests/unit/data/ktree"
#define REAL_TREE "/var/cache/kmatrix/linux-6.12"

static struct ktree *load_ok(const char *dir, const char *arch)
{
	struct ktree *t = NULL;
	struct ktree_opts o = { .arch = arch };

	if (ktree_load(dir, &o, &t) != 0)
		fail_msg("load of %s failed: %s", dir, err_msg());
	return t;
}

static const struct ktree_sym *sym_ok(const struct ktree *t, const char *name)
{
	const struct ktree_sym *s = ktree_find(t, name);

	if (!s)
		fail_msg("%s not found", name);
	return s;
}

/* A scratch tree: files written from name/content pairs into a new temporary directory. */
static char *scratch_tree(const char *const *files)
{
	char tmpl[] = "/tmp/km-ktree-XXXXXX";
	char *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	for (size_t i = 0; files[i]; i += 2) {
		char *path = xasprintf("%s/%s", dir, files[i]);
		FILE *f;

		for (char *slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			mkdir(path, 0755);
			*slash = '/';
		}
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(files[i + 1], f);
		fclose(f);
		free(path);
	}
	return xstrdup(dir);
}

/* Removes what scratch_tree() made: its files, their directories (deepest first) and dir. */
static void rm_tree(char *dir, const char *const *files)
{
	for (size_t i = 0; files[i]; i += 2) {
		char *path = xasprintf("%s/%s", dir, files[i]);
		char *slash;

		remove(path);
		while ((slash = strrchr(path, '/')) && slash > path + strlen(dir)) {
			*slash = '\0';
			rmdir(path);
		}
		free(path);
	}
	rmdir(dir);
	free(dir);
}

static void load__follows_sources_with_srcarch_and_variables(void **state)
{
	struct ktree *t = load_ok(TREE, "x86_64");
	const struct ktree_sym *x86 = sym_ok(t, "X86"), *sub = sym_ok(t, "SUB");

	/* source "$(ARCH_DIR)/Kconfig" with ARCH_DIR = arch/$(SRCARCH) and SRCARCH derived from x86_64. */
	assert_string_equal(x86->defs[0]->file, "arch/x86/Kconfig");
	assert_int_equal(x86->defs[0]->line, 1);
	assert_int_equal(x86->type, KEXPR_T_BOOL);
	assert_string_equal(sub->defs[0]->file, "drivers/sub/Kconfig");
	assert_int_equal(ktree_nfiles(t), 4);
	assert_string_equal(ktree_modules_sym(t), "MODULES");
	assert_true(sym_ok(t, "MODULES")->modules);
	ktree_free(t);
}

static void load__records_types_prompts_and_defaults(void **state)
{
	struct ktree *t = load_ok(TREE, "x86_64");
	const struct ktree_sym *s = sym_ok(t, "SUB"), *np = sym_ok(t, "NOPROMPT"), *c = sym_ok(t, "COUNT");
	char *cond;

	assert_int_equal(s->type, KEXPR_T_TRISTATE);
	assert_int_equal(s->defs[0]->nprompts, 1);
	assert_string_equal(s->defs[0]->prompts[0].text, "Sub driver");
	/* The prompt's `if` came on a continuation line. */
	cond = kexpr_str(s->defs[0]->prompts[0].cond, NULL);
	assert_string_equal(cond, "BUS");
	free(cond);
	assert_int_equal(np->defs[0]->nprompts, 0);
	assert_int_equal(np->defs[0]->ndefaults, 1);
	assert_int_equal(c->type, KEXPR_T_INT);
	assert_int_equal(sym_ok(t, "NAME")->type, KEXPR_T_STRING);
	/* def_bool with an unexpanded macro is kept as a macro atom. */
	assert_int_equal(sym_ok(t, "CC_HAS_THING")->defs[0]->defaults[0].value->atom, KEXPR_MACRO);
	ktree_free(t);
}

static void load__records_enclosing_if_and_menu_dependencies(void **state)
{
	struct ktree *t = load_ok(TREE, "x86_64");
	const struct ktree_sym *s = sym_ok(t, "BUS_ACPI");
	const struct ktree_dep **deps = NULL;
	size_t n = ktree_def_deps(s->defs[0], false, &deps);
	char *e;

	assert_int_equal(n, 3);
	assert_int_equal(deps[0]->kind, KTREE_DEP_DEPENDS);
	e = kexpr_str(deps[0]->expr, NULL);
	assert_string_equal(e, "ACPI");
	free(e);
	assert_string_equal(deps[0]->file, "drivers/Kconfig");
	assert_int_equal(deps[0]->line, 20);
	assert_int_equal(deps[1]->kind, KTREE_DEP_IF);
	e = kexpr_str(deps[1]->expr, NULL);
	assert_string_equal(e, "BUS");
	free(e);
	assert_int_equal(deps[1]->line, 16);
	assert_int_equal(deps[2]->kind, KTREE_DEP_MENU);
	assert_int_equal(deps[2]->line, 2);
	free(deps);
	/* visible if of the menu is only listed on request. */
	n = ktree_def_deps(s->defs[0], true, &deps);
	assert_int_equal(n, 4);
	assert_int_equal(deps[3]->kind, KTREE_DEP_VISIBLE);
	e = kexpr_str(deps[3]->expr, NULL);
	assert_string_equal(e, "!HIDE_MENU");
	free(e);
	free(deps);
	assert_int_equal(s->defs[0]->block->kind, KTREE_BLOCK_IF);
	assert_int_equal(s->defs[0]->block->parent->kind, KTREE_BLOCK_MENU);
	assert_string_equal(s->defs[0]->block->parent->title, "Bus drivers");
	ktree_free(t);
}

static void load__records_reverse_dependencies(void **state)
{
	struct ktree *t = load_ok(TREE, "x86_64");
	const struct ktree_sym *fwl = sym_ok(t, "FWL"), *imp = sym_ok(t, "IMPLIED"), *foo = sym_ok(t, "ARCH_HAS_FOO");
	char *e;

	assert_int_equal(fwl->nrdeps, 1);
	assert_false(fwl->rdeps[0].imply);
	assert_string_equal(fwl->rdeps[0].from->sym->name, "USER");
	assert_string_equal(fwl->rdeps[0].from->file, "drivers/Kconfig");
	assert_int_equal(fwl->rdeps[0].line, 48);
	e = kexpr_str(fwl->rdeps[0].cond, NULL);
	assert_string_equal(e, "BUS_ACPI");
	free(e);
	assert_int_equal(imp->nrdeps, 1);
	assert_true(imp->rdeps[0].imply);
	assert_null(imp->rdeps[0].cond);
	/* A select across files: arch/x86 selects a symbol defined later in the same file. */
	assert_int_equal(foo->nrdeps, 1);
	assert_string_equal(foo->rdeps[0].from->sym->name, "X86");
	ktree_free(t);
}

static void load__skips_help_text_by_indentation(void **state)
{
	struct ktree *t = load_ok(TREE, "x86_64");

	assert_null(ktree_find(t, "NOT_A_SYMBOL"));
	ktree_free(t);
}

static void load__marks_choice_members(void **state)
{
	struct ktree *t = load_ok(TREE, "x86_64");
	const struct ktree_sym *a = sym_ok(t, "MODE_A"), *w = sym_ok(t, "WIDE");

	assert_non_null(a->defs[0]->choice);
	assert_string_equal(a->defs[0]->choice->title, "Mode");
	assert_null(w->defs[0]->choice);
	ktree_free(t);
}

static void load__rsource_osource_orsource_and_globs(void **state)
{
	static const char *const files[] = {
		"Kconfig", "source \"a/Kconfig\"\nosource \"none/Kconfig\"\nsource \"g/*/Kconfig\"\n",
		"a/Kconfig", "rsource \"b.Kconfig\"\norsource \"nothing.Kconfig\"\nconfig A\n\tbool \"a\"\n",
		"a/b.Kconfig", "config B\n\ttristate \"b\"\n\tdepends on A\n",
		"g/one/Kconfig", "config G1\n\tbool\n",
		"g/two/Kconfig", "config G2\n\tbool\n",
		NULL,
	};
	char *dir = scratch_tree(files);
	struct ktree *t = load_ok(dir, "x86_64");

	assert_string_equal(sym_ok(t, "B")->defs[0]->file, "a/b.Kconfig");
	assert_non_null(ktree_find(t, "G1"));
	assert_non_null(ktree_find(t, "G2"));
	assert_int_equal(ktree_nfiles(t), 5);
	ktree_free(t);
	rm_tree(dir, files);
}

static void expect_error(const char *const *files, int code, const char *needle)
{
	char *dir = scratch_tree(files);
	struct ktree *t = NULL;
	int rc = ktree_load(dir, NULL, &t);

	assert_int_equal(rc, code);
	assert_null(t);
	if (!strstr(err_msg(), needle))
		fail_msg("message '%s' lacks '%s'", err_msg(), needle);
	rm_tree(dir, files);
}

static void load__rejects_unbalanced_blocks_with_location(void **state)
{
	static const char *const endif_only[] = { "Kconfig", "config A\n\tbool\n\nendif\n", NULL };
	static const char *const open_if[] = { "Kconfig", "if A\nconfig B\n\tbool\n", NULL };
	static const char *const wrong_end[] = { "Kconfig", "menu \"M\"\nendif\n", NULL };

	expect_error(endif_only, KM_EINVAL, "Kconfig:4: 'endif' without a matching 'if'");
	expect_error(open_if, KM_EINVAL, "Kconfig:1: 'if' is never closed");
	expect_error(wrong_end, KM_EINVAL, "Kconfig:2:");
}

static void load__rejects_bad_expressions_and_missing_sources(void **state)
{
	static const char *const bad_expr[] = { "Kconfig", "config A\n\tbool\n\tdepends on B &&\n", NULL };
	static const char *const missing[] = { "Kconfig", "\nsource \"nowhere/Kconfig\"\n", NULL };
	static const char *const outside[] = { "Kconfig", "source \"/etc/hostname\"\n", NULL };
	static const char *const cycle[] = { "Kconfig", "source \"Kconfig\"\n", NULL };

	expect_error(bad_expr, KM_EINVAL, "Kconfig:3: column");
	expect_error(missing, KM_ENOTFOUND, "Kconfig:2: source \"nowhere/Kconfig\"");
	expect_error(outside, KM_EINVAL, "outside the source tree");
	expect_error(cycle, KM_ETOOBIG, "source nested deeper");
}

static void load__tolerates_the_rest_of_the_language(void **state)
{
	static const char *const files[] = {
		"Kconfig",
		"mainmenu \"x\"\n"
		"$(warning-if,y,hello)\n"
		"cc-option = $(success,$(CC) $(1))\n"
		"config A\n"
		"\tbool \"A\" if B || \\\n"
		"\t\tC\n"
		"\tdefault y if $(cc-option,-mfoo)\n"
		"\toption allnoconfig_y\n"
		"\ttransitional\n"
		"\tfrobnicate 3\n"
		"\t---help---\n"
		"\t  old style help\n"
		"comment \"note\"\n"
		"\tdepends on A\n"
		"choice\n"
		"\tbool \"pick\"\n"
		"\toptional\n"
		"config C1\n\tbool \"c1\"\n"
		"endchoice\n"
		"config H\n\thex \"h\"\n\trange 0x0 0xff\n\tdefault 0x10\n",
		NULL,
	};
	char *dir = scratch_tree(files);
	struct ktree *t = load_ok(dir, NULL);
	size_t kept = 0, count = 0;
	const char *const *w = ktree_warnings(t, &kept, &count);

	assert_int_equal(sym_ok(t, "A")->defs[0]->nprompts, 1);
	assert_int_equal(sym_ok(t, "H")->type, KEXPR_T_HEX);
	assert_non_null(sym_ok(t, "C1")->defs[0]->choice);
	/* The unknown keyword is a warning with its location, not a failure. */
	assert_int_equal(count, 1);
	assert_int_equal(kept, 1);
	assert_string_equal(w[0], "Kconfig:10: unknown keyword 'frobnicate' ignored");
	ktree_free(t);
	rm_tree(dir, files);
}

static void srcarch__maps_arch_names(void **state)
{
	assert_string_equal(ktree_srcarch("x86_64"), "x86");
	assert_string_equal(ktree_srcarch("i386"), "x86");
	assert_string_equal(ktree_srcarch("arm64"), "arm64");
	assert_string_equal(ktree_srcarch("sparc64"), "sparc");
}

static void load__real_linux_tree_quickly(void **state)
{
	struct ktree *t = NULL;
	struct ktree_opts o = { .arch = "x86_64" };
	struct timespec a, b;
	const struct ktree_sym *s;
	const struct ktree_dep **deps = NULL;
	size_t n;
	double secs;
	struct stat st;

	if (stat(REAL_TREE "/Kconfig", &st) != 0)
		skip();
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (ktree_load(REAL_TREE, &o, &t) != 0)
		fail_msg("%s", err_msg());
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	print_message("linux-6.12 x86_64: %zu files, %zu symbols in %.3f s\n", ktree_nfiles(t), ktree_count(t), secs);
	assert_true(secs < 2.0);
	assert_true(ktree_count(t) > 15000);
	s = sym_ok(t, "CXL_ACPI");
	assert_string_equal(s->defs[0]->file, "drivers/cxl/Kconfig");
	n = ktree_def_deps(s->defs[0], false, &deps);
	assert_int_equal(n, 3);
	assert_int_equal(deps[2]->kind, KTREE_DEP_IF);
	free(deps);
	assert_true(sym_ok(t, "MEMREGION")->nrdeps >= 1);
	ktree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(load__follows_sources_with_srcarch_and_variables),
		cmocka_unit_test(load__records_types_prompts_and_defaults),
		cmocka_unit_test(load__records_enclosing_if_and_menu_dependencies),
		cmocka_unit_test(load__records_reverse_dependencies),
		cmocka_unit_test(load__skips_help_text_by_indentation),
		cmocka_unit_test(load__marks_choice_members),
		cmocka_unit_test(load__rsource_osource_orsource_and_globs),
		cmocka_unit_test(load__rejects_unbalanced_blocks_with_location),
		cmocka_unit_test(load__rejects_bad_expressions_and_missing_sources),
		cmocka_unit_test(load__tolerates_the_rest_of_the_language),
		cmocka_unit_test(srcarch__maps_arch_names),
		cmocka_unit_test(load__real_linux_tree_quickly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
