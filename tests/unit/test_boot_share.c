/* Tests of boot_share_plan(): which boot variants of one built kernel are the same experiment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "boot_share.h"
#include "err.h"
#include "matrix.h"

/* The load orders of matrices/cxl-dax-hmem.matrix, and a repeated variant. */
static const char text[] = "[matrix]\n"
			   "name = t\n"
			   "arch = x86_64\n"
			   "base = tinyconfig\n"
			   "[axes]\n"
			   "A = y m n\n"
			   "[boot]\n"
			   "exec = {kernel} {append}\n"
			   "[variant cxl-first]\n"
			   "load = cxl_acpi cxl_pci dax_hmem\n"
			   "modprobe = busybox\n"
			   "[variant hmem-first]\n"
			   "load = dax_hmem cxl_acpi cxl_pci\n"
			   "modprobe = busybox\n"
			   "[variant kmod]\n"
			   "load = dax_hmem cxl_acpi cxl_pci\n"
			   "modprobe = kmod\n"
			   "[variant hmem-first-again]\n"
			   "load = dax-hmem cxl_acpi cxl_pci\n"
			   "modprobe = busybox\n"
			   "[variant repeated]\n"
			   "load = dax_hmem cxl_acpi cxl_pci\n"
			   "modprobe = busybox\n"
			   "repeat = 3\n";

static void plan(const char *const *modules, size_t n, long *same)
{
	struct matrix *m = NULL;

	if (matrix_parse("t.matrix", text, strlen(text), &m) != 0)
		fail_msg("parse failed: %s", err_msg());
	assert_int_equal(m->boot->nvariants, 5);
	boot_share_plan(m->boot, modules, n, same);
	matrix_free(m);
}

/* Everything built in or absent: both busybox orders load nothing, kmod and the repeats differ. */
static void share__nothing_loadable(void **state)
{
	static const char *const mods[] = { "cxl_core" };
	long same[5];

	(void)state;
	plan(mods, 1, same);
	assert_int_equal(same[0], -1);
	assert_int_equal(same[1], 0);
	assert_int_equal(same[2], -1); /* another modprobe: the kernel's own module requests go through it */
	assert_int_equal(same[3], 0);
	assert_int_equal(same[4], -1); /* three boots are not one */
}

/* HMEM and the CXL drivers all modules: the orders differ, '-' and '_' are one name. */
static void share__all_modules(void **state)
{
	static const char *const mods[] = { "cxl_core", "cxl-acpi", "cxl_pci", "dax_hmem" };
	long same[5];

	(void)state;
	plan(mods, 4, same);
	assert_int_equal(same[0], -1);
	assert_int_equal(same[1], -1);
	assert_int_equal(same[2], -1);
	assert_int_equal(same[3], 1); /* dax-hmem is dax_hmem: the same order as hmem-first */
	assert_int_equal(same[4], -1);
}

/* Only HMEM a module, or only the CXL drivers: one order is left, whichever the variant. */
static void share__one_side_modular(void **state)
{
	static const char *const hmem[] = { "dax_hmem" };
	static const char *const cxl[] = { "cxl_acpi", "cxl_pci" };
	long same[5];

	(void)state;
	plan(hmem, 1, same);
	assert_int_equal(same[1], 0);
	plan(cxl, 2, same);
	assert_int_equal(same[1], 0);
	assert_int_equal(same[3], 0);
}

/* HMEM and only one CXL driver modular: the order still decides. */
static void share__order_matters(void **state)
{
	static const char *const mods[] = { "dax_hmem", "cxl_pci" };
	long same[5];

	(void)state;
	plan(mods, 2, same);
	assert_int_equal(same[1], -1);
	assert_int_equal(same[3], 1);
}

/* A build that did not list its modules: nothing is shared. */
static void share__unknown_modules(void **state)
{
	long same[5];

	(void)state;
	plan(NULL, 0, same);
	for (int i = 0; i < 5; i++)
		assert_int_equal(same[i], -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(share__nothing_loadable), cmocka_unit_test(share__all_modules),
		cmocka_unit_test(share__one_side_modular), cmocka_unit_test(share__order_matters),
		cmocka_unit_test(share__unknown_modules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
