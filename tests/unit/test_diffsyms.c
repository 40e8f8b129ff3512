/* Tests of symbol extraction from diff fixtures and of the axes chosen from them, over a small tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoaxes.h"
#include "clock.h"
#include "diffsyms.h"
#include "err.h"
#include "fsutil.h"
#include "ktree.h"
#include "matrix.h"
#include "xalloc.h"

#define DATA KM_TESTDATA_DIR "/diffsyms"
#define TREE DATA "/tree"

static char *read_fixture_tree(void *ctx, const char *path, size_t *len)
{
	char *full = xasprintf("%s/%s", (const char *)ctx, path), *text = NULL;

	if (fs_read_file(full, DIFFSYMS_MAX_FILE, &text, len) != 0)
		text = NULL;
	free(full);
	return text;
}

static struct diffsyms *extract_deadline(const char *name, double deadline)
{
	char *path = xasprintf("%s/%s", DATA, name), *diff = NULL;
	size_t len = 0;
	struct diffsyms_tree t = { read_fixture_tree, (void *)TREE, deadline };
	struct diffsyms *d = NULL;

	assert_int_equal(fs_read_file(path, 1 << 20, &diff, &len), 0);
	assert_int_equal(diffsyms_extract(diff, len, &t, &d), 0);
	free(diff);
	free(path);
	return d;
}

static struct diffsyms *extract(const char *name)
{
	return extract_deadline(name, 0);
}

/* The first reason of sym of kind, or NULL. */
static const char *reason(const struct diffsyms *d, const char *sym, enum diffsyms_kind kind)
{
	const struct diffsyms_sym *s = diffsyms_find(d, sym);

	for (size_t i = 0; s && i < s->nreasons; i++)
		if (s->reasons[i].kind == kind)
			return s->reasons[i].text;
	return NULL;
}

static bool has_reason(const struct diffsyms *d, const char *sym, const char *text)
{
	const struct diffsyms_sym *s = diffsyms_find(d, sym);

	for (size_t i = 0; s && i < s->nreasons; i++)
		if (!strcmp(s->reasons[i].text, text))
			return true;
	return false;
}

static void kconfig_hunk__names_the_entries_it_changes(void **state)
{
	struct diffsyms *d = extract("kconfig.diff");

	(void)state;
	/* the changed `depends on` line sits in REGION's entry, whose config line is context */
	assert_true(has_reason(d, "REGION", "Kconfig:14: adds `depends on DAXC` (in the entry of REGION)"));
	assert_true(has_reason(d, "REGION", "Kconfig:14: removes `depends on PCI` (in the entry of REGION)"));
	/* a new entry, its blank line included, is the new symbol's */
	assert_string_equal(reason(d, "LEAF", DIFFSYMS_KCONFIG), "Kconfig:30: adds `config LEAF` (in the entry of LEAF)");
	assert_null(diffsyms_find(d, "FEAT"));   /* only context */
	assert_null(diffsyms_find(d, "HELPER")); /* context below the hunk's change */
	assert_int_equal(d->nsyms, 2);
	diffsyms_free(d);
}

static void changed_lines__every_macro_form_names_its_symbol(void **state)
{
	struct diffsyms *d = extract("uses.diff");

	(void)state;
	assert_string_equal(reason(d, "BUS", DIFFSYMS_USE),
			    "drivers/dax/hmem.c:8: adds `if (IS_ENABLED(CONFIG_FEAT) && IS_REACHABLE(CONFIG_BUS))`");
	assert_non_null(reason(d, "FEAT", DIFFSYMS_USE));
	assert_true(has_reason(d, "FEAT", "drivers/dax/hmem.c:8: removes `if (IS_ENABLED(CONFIG_FEAT))`"));
	assert_non_null(reason(d, "HMEM", DIFFSYMS_USE)); /* IS_BUILTIN */
	assert_non_null(reason(d, "DAXC", DIFFSYMS_USE)); /* IS_MODULE */
	assert_null(diffsyms_find(d, "COUNT"));           /* #ifdef CONFIG_COUNT is context */
	/* the changed file is built by HMEM through a composite object */
	assert_string_equal(reason(d, "HMEM", DIFFSYMS_BUILD),
			    "drivers/dax/hmem.c is built by `obj-$(CONFIG_HMEM) += dax_hmem.o` (drivers/dax/Makefile:1)");
	assert_null(diffsyms_find(d, "REGION")); /* the call on line 6 is context */
	diffsyms_free(d);
}

static void makefiles__are_followed_two_levels_up_to_the_root(void **state)
{
	struct diffsyms *d = extract("deep.diff");

	(void)state;
	assert_string_equal(reason(d, "LEAF", DIFFSYMS_BUILD),
			    "drivers/bus/sub/leaf/leaf.c is built by `obj-$(CONFIG_LEAF) += sub/` (drivers/bus/Makefile:2)");
	assert_string_equal(reason(d, "BUS", DIFFSYMS_BUILD),
			    "drivers/bus/sub/leaf/leaf.c is built by `obj-$(CONFIG_BUS) += bus/` (drivers/Makefile:1)");
	assert_int_equal(d->nsyms, 2);
	diffsyms_free(d);
}

static void header_guard__of_a_call_across_modules_scores_highest(void **state)
{
	struct diffsyms *d = extract("cross.diff");

	(void)state;
	assert_string_equal(reason(d, "REGION", DIFFSYMS_CROSS_GUARD),
			    "drivers/dax/hmem.c:6: calls bus_region_contains(), declared in include/bus/bus.h:6 under "
			    "CONFIG_REGION and defined in drivers/bus/core/region.c (another module)");
	assert_string_equal(reason(d, "REGION", DIFFSYMS_EXPORT_GUARD),
			    "drivers/bus/core/region.c:6: defines bus_region_contains(), declared in include/bus/bus.h:6 "
			    "under CONFIG_REGION");
	assert_non_null(reason(d, "HMEM", DIFFSYMS_CROSS_CALLER));
	assert_non_null(reason(d, "BUS", DIFFSYMS_CROSS_PROVIDER));
	assert_string_equal(d->syms[0].name, "REGION");
	assert_true(diffsyms_find(d, "REGION")->score > diffsyms_find(d, "BUS")->score); /* the guard over the modules */
	assert_int_equal(diffsyms_find(d, "HMEM")->score, 91);                            /* cross-caller + its build line */
	assert_null(diffsyms_find(d, "FEAT"));                                            /* only context */
	assert_int_equal(d->ncross, 2);
	assert_string_equal(d->cross[0].caller, "HMEM");
	assert_string_equal(d->cross[0].provider, "BUS");
	assert_string_equal(d->cross[0].guard, "REGION");
	diffsyms_free(d);
}

static void odd_files__binary_deleted_renamed_and_prose_are_handled(void **state)
{
	struct diffsyms *d = extract("odd.diff");

	(void)state;
	assert_int_equal(d->nfiles, 4);
	assert_int_equal(d->nbinary, 1);
	assert_int_equal(d->ndeleted, 1);
	assert_int_equal(d->nrenamed, 1);
	assert_string_equal(reason(d, "GONE", DIFFSYMS_USE), "drivers/old/gone.c:1: removes `#ifdef CONFIG_GONE`");
	/* the renamed file is looked up under its new name */
	assert_non_null(reason(d, "LEAF", DIFFSYMS_BUILD));
	assert_null(diffsyms_find(d, "NOTES")); /* not code */
	assert_null(d->cut);
	diffsyms_free(d);
}

static void deadline__cuts_and_says_so(void **state)
{
	struct diffsyms *d = extract_deadline("cross.diff", clock_now_s() - 1);

	(void)state;
	assert_non_null(d->cut);
	assert_non_null(strstr(d->cut, "time limit"));
	assert_int_equal(d->nsyms, 0);
	diffsyms_free(d);
}

static void garbage__gives_no_symbols_and_no_error(void **state)
{
	static const char junk[] = "@@ -1 +1 @@\n+CONFIG_X\ndiff --git\n--- \n+++ \n@@ -x +y @@\n+#ifdef CONFIG_Y\n";
	struct diffsyms_tree t = { read_fixture_tree, (void *)TREE, 0 };
	struct diffsyms *d = NULL;

	(void)state;
	assert_int_equal(diffsyms_extract(junk, sizeof(junk) - 1, &t, &d), 0);
	assert_int_equal(d->nsyms, 0);
	diffsyms_free(d);
	assert_int_equal(diffsyms_extract(junk, sizeof(junk) - 1, NULL, &d), KM_EINVAL);
}

/* ---- the axes chosen from them ---- */

static struct matrix *auto_matrix(const char *extra)
{
	char *text = xasprintf("[matrix]\nname = m\narch = x86_64\nbase = tinyconfig\naxes = auto\n%s", extra);
	struct matrix *m = NULL;

	assert_int_equal(matrix_parse("m.matrix", text, strlen(text), &m), 0);
	free(text);
	return m;
}

static struct ktree *fixture_kconfig(void)
{
	struct ktree *t = NULL;

	assert_int_equal(ktree_load(TREE, NULL, &t), 0);
	return t;
}

static const struct autoaxes_axis *axis(const struct autoaxes *a, const char *sym)
{
	for (size_t i = 0; i < a->naxes; i++)
		if (!strcmp(a->axes[i].symbol, sym))
			return &a->axes[i];
	return NULL;
}

static void choose__settable_symbols_and_one_kconfig_step(void **state)
{
	struct diffsyms *d = extract("cross.diff");
	struct ktree *t = fixture_kconfig();
	struct matrix *m = auto_matrix("");
	struct autoaxes *a = NULL;

	(void)state;
	assert_int_equal(autoaxes_choose(d, t, m, &a), 0);
	assert_string_equal(a->axes[0].symbol, "REGION");
	assert_string_equal(a->axes[0].values, "yn");  /* bool */
	assert_string_equal(axis(a, "BUS")->values, "ymn"); /* tristate */
	assert_non_null(axis(a, "HMEM"));
	/* DAXC: REGION depends on it (one step), HMEM too */
	assert_non_null(axis(a, "DAXC"));
	assert_non_null(strstr(axis(a, "DAXC")->reasons[0], "Kconfig: REGION depends on DAXC (Kconfig:14)"));
	/* HELPER has no prompt: left out with the reason */
	for (size_t i = 0; i < a->nleft; i++)
		if (!strcmp(a->left[i].symbol, "HELPER"))
			assert_string_equal(a->left[i].reasons[0], "it has no prompt: only select or default set it");
	assert_null(axis(a, "HELPER"));
	assert_null(axis(a, "MODULES"));
	assert_int_equal(a->cover, 0); /* 2*3*3*3*... under 243 */
	autoaxes_free(a);
	matrix_free(m);
	ktree_free(t);
	diffsyms_free(d);
}

static void choose__bounds_axes_and_covers_over_max_requests(void **state)
{
	struct diffsyms *d = extract("cross.diff");
	struct ktree *t = fixture_kconfig();
	struct matrix *m = auto_matrix("max_axes = 3\nmax_requests = 8\n"), *chosen = NULL;
	struct autoaxes *a = NULL;
	char *text, **points = NULL;
	size_t n = 0;
	bool seed_first;

	(void)state;
	assert_int_equal(autoaxes_choose(d, t, m, &a), 0);
	assert_int_equal(a->naxes, 3);
	assert_int_equal(a->product, 18);
	assert_int_equal(a->cover, 2);
	assert_true(a->nleft >= 1);
	assert_non_null(strstr(a->left[a->nleft - 1].reasons[0], "over max_axes = 3"));
	/* the call across modules is seeded: REGION=y BUS=m HMEM=y, then HMEM=m, BUS=y, REGION=n one at a time */
	assert_int_equal(a->nseeds, 4);
	assert_string_equal(a->axes[1].symbol, "BUS");
	assert_string_equal(a->axes[2].symbol, "HMEM");
	assert_string_equal(a->seeds[0], "ymy");
	assert_string_equal(a->seeds[1], "ymm");
	assert_string_equal(a->seeds[2], "yyy");
	assert_string_equal(a->seeds[3], "nmy");
	text = autoaxes_matrix_text(a, m, "[matrix]\nname = m\narch = x86_64\nbase = tinyconfig\naxes = auto\n"
					  "max_axes = 3\nmax_requests = 8\n",
				    "aaaa..bbbb", d);
	assert_non_null(strstr(text, "cover = 2\n"));
	assert_non_null(strstr(text, "# axes = auto: chosen from aaaa..bbbb"));
	assert_non_null(strstr(text, "#   drivers/dax/hmem.c:6: calls bus_region_contains()"));
	assert_int_equal(matrix_parse("m.matrix", text, strlen(text), &chosen), 0);
	assert_false(chosen->axes_auto);
	assert_int_equal(matrix_expand(chosen, &points, &n), 0);
	assert_int_equal(n, 8); /* capped at max_requests */
	assert_true(matrix_cover_rows(chosen) >= 9); /* 3x3x2 pairwise needs 9 at least */
	seed_first = true;
	for (size_t i = 0; i < a->nseeds; i++)
		seed_first = seed_first && !strcmp(points[i], a->seeds[i]);
	assert_true(seed_first);
	matrix_points_free(points, n);
	matrix_free(chosen);
	free(text);
	autoaxes_free(a);
	matrix_free(m);
	ktree_free(t);
	diffsyms_free(d);
}

static void choose__nothing_guarded_builds_the_base_once(void **state)
{
	struct diffsyms *d = extract("odd.diff");
	struct diffsyms_tree tr = { read_fixture_tree, (void *)TREE, 0 };
	struct diffsyms *none = NULL;
	struct ktree *t = fixture_kconfig();
	struct matrix *m = auto_matrix(""), *chosen = NULL;
	struct autoaxes *a = NULL;
	char *text, **points = NULL;
	size_t n = 0;
	static const char prose[] = "diff --git a/README b/README\n--- a/README\n+++ b/README\n@@ -1 +1 @@\n-a\n+b\n";

	(void)state;
	diffsyms_free(d);
	assert_int_equal(diffsyms_extract(prose, sizeof(prose) - 1, &tr, &none), 0);
	assert_int_equal(autoaxes_choose(none, t, m, &a), 0);
	assert_int_equal(a->naxes, 0);
	assert_string_equal(a->note, "the diff touches no Kconfig-guarded code: the base config is built once");
	text = autoaxes_matrix_text(a, m, "[matrix]\nname = m\narch = x86_64\nbase = tinyconfig\naxes = auto\n", "a..b",
				    none);
	assert_int_equal(matrix_parse("m.matrix", text, strlen(text), &chosen), 0);
	assert_int_equal(matrix_expand(chosen, &points, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(points[0], "");
	matrix_points_free(points, n);
	matrix_free(chosen);
	free(text);
	autoaxes_free(a);
	matrix_free(m);
	ktree_free(t);
	diffsyms_free(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kconfig_hunk__names_the_entries_it_changes),
		cmocka_unit_test(changed_lines__every_macro_form_names_its_symbol),
		cmocka_unit_test(makefiles__are_followed_two_levels_up_to_the_root),
		cmocka_unit_test(header_guard__of_a_call_across_modules_scores_highest),
		cmocka_unit_test(odd_files__binary_deleted_renamed_and_prose_are_handled),
		cmocka_unit_test(deadline__cuts_and_says_so),
		cmocka_unit_test(garbage__gives_no_symbols_and_no_error),
		cmocka_unit_test(choose__settable_symbols_and_one_kconfig_step),
		cmocka_unit_test(choose__bounds_axes_and_covers_over_max_requests),
		cmocka_unit_test(choose__nothing_guarded_builds_the_base_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
