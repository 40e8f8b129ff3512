/* Tests of the build-log error extractor, on real tool output and on hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildlog.h"
#include "xalloc.h"

#define DATA_DIR KM_SOURCE_DIR "/tests/unit/data/buildlog"

static const char *const data_files[] = {
	"seed-hmem-builtin-link.log",
	"seed-hmem-builtin-link-debuginfo.log",
	"fixture-tree-link.log",
	"lld-undefined.log",
	"modpost-undefined.log",
	"modpost-undefined-warn.log",
	"gcc-errors.log",
	"gcc-errors-other-config.log",
	"kconfig-unmet.log",
	"make-errors.log",
	"multiple-definition.log",
	"clean-build.log",
	"clean-build-cxl-6.12.log",
	"tinyconfig.log",
	NULL,
};

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *data;
	long n;

	snprintf(path, sizeof(path), "%s/%s", DATA_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = xmalloc((size_t)n + 1);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

static struct buildlog *scan(const char *text, size_t len)
{
	struct buildlog *s = buildlog_new();

	buildlog_feed(s, text, len);
	buildlog_finish(s);
	return s;
}

static struct buildlog *scan_str(const char *text)
{
	return scan(text, strlen(text));
}

static struct buildlog *scan_file(const char *name)
{
	size_t len;
	char *text = slurp(name, &len);
	struct buildlog *s = scan(text, len);

	free(text);
	return s;
}

/* The kept error with this signature (fails the test if there is none). */
static const struct buildlog_error *find(const struct buildlog *s, const char *sig)
{
	for (size_t i = 0; i < buildlog_error_count(s); i++) {
		if (strcmp(buildlog_error_at(s, i)->signature, sig) == 0)
			return buildlog_error_at(s, i);
	}
	fail_msg("no error with signature '%s'", sig);
	return NULL;
}

static size_t count_type(const struct buildlog *s, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < buildlog_error_count(s); i++)
		n += strcmp(buildlog_error_at(s, i)->type, type) == 0;
	return n;
}

static size_t count_primary(const struct buildlog *s)
{
	size_t n = 0;

	for (size_t i = 0; i < buildlog_error_count(s); i++)
		n += !buildlog_error_at(s, i)->secondary;
	return n;
}

static char *dump(const struct buildlog *s)
{
	json_t *j = buildlog_errors_json(s);
	char *text;
	char tail[128];

	assert_non_null(j);
	text = json_dumps(j, JSON_COMPACT);
	assert_non_null(text); /* fails if any string were not valid UTF-8 */
	json_decref(j);
	snprintf(tail, sizeof(tail), " lines=%lu warnings=%lu dropped=%lu", buildlog_line_count(s),
		 buildlog_warning_count(s), buildlog_errors_dropped(s));
	{
		char *all = xasprintf("%s%s", text, tail);

		free(text);
		return all;
	}
}

/* ---- each type from real logs ---- */

static void extract__seed_ld_undefined_in_vmlinux_o(void **state)
{
	struct buildlog *s = scan_file("seed-hmem-builtin-link.log");
	const struct buildlog_error *e;

	assert_int_equal(count_primary(s), 1);
	e = buildlog_error_at(s, 0);
	assert_string_equal(e->type, "ld-undefined");
	assert_string_equal(e->signature, "ld-undefined:cxl_region_contains_resource:hmem.c");
	assert_string_equal(e->symbol, "cxl_region_contains_resource");
	assert_string_equal(e->file, "hmem.c");
	assert_string_equal(e->function, "hmem_register_device");
	assert_string_equal(e->message, "undefined reference to `cxl_region_contains_resource'");
	assert_string_equal(e->first_lines, "ld: vmlinux.o: in function `hmem_register_device':\n"
					    "hmem.c:(.text+0x6d1a4f): undefined reference to "
					    "`cxl_region_contains_resource'");
	assert_int_equal(e->line_no, 27);
	assert_int_equal(e->count, 1);
	assert_false(e->secondary);

	/* make's lines are there, secondary, without level or makefile line. */
	e = find(s, "make-error:vmlinux");
	assert_true(e->secondary);
	assert_int_equal(e->line_no, 28);
	assert_int_equal(e->count, 2); /* make[2] and make[1] both failed "vmlinux" */
	assert_string_equal(e->file, "scripts/Makefile.vmlinux");
	assert_string_equal(e->message, "make: *** [scripts/Makefile.vmlinux: vmlinux] Error 1");
	assert_true(find(s, "make-error:__sub-make")->secondary);
	assert_int_equal(buildlog_error_count(s), 3);
	assert_int_equal(buildlog_line_count(s), 32);
	assert_int_equal(buildlog_warning_count(s), 0);
	buildlog_free(s);
}

static void extract__same_link_error_in_debuginfo_config(void **state)
{
	struct buildlog *a = scan_file("seed-hmem-builtin-link.log");
	struct buildlog *b = scan_file("seed-hmem-builtin-link-debuginfo.log");
	const struct buildlog_error *e = buildlog_error_at(b, 0);

	/* Another config: DWARF names the absolute path and a line instead of hmem.c:(.text+0x..). */
	assert_string_equal(e->signature, buildlog_error_at(a, 0)->signature);
	assert_string_equal(e->file, "hmem.c");
	assert_int_equal(e->line_no, 16);
	assert_string_equal(e->function, "hmem_register_device");
	buildlog_free(a);
	buildlog_free(b);
}

static void extract__same_link_error_in_fixture_tree(void **state)
{
	struct buildlog *a = scan_file("seed-hmem-builtin-link.log");
	struct buildlog *b = scan_file("fixture-tree-link.log");

	/* The test double's link, through the gcc driver: one primary error, the same signature. */
	assert_int_equal(count_primary(b), 1);
	assert_string_equal(buildlog_error_at(b, 0)->signature, buildlog_error_at(a, 0)->signature);
	assert_string_equal(buildlog_error_at(b, 0)->function, "hmem_register_device");
	find(b, "make-error:vmlinux");
	find(b, "make-error:__sub-make");
	assert_int_equal(buildlog_error_count(b), 3);
	buildlog_free(a);
	buildlog_free(b);
}

static void extract__lld_undefined(void **state)
{
	struct buildlog *s = scan_file("lld-undefined.log");
	const struct buildlog_error *e = find(s, "ld-undefined:cxl_region_contains_resource:hmem.c");

	assert_string_equal(e->function, "hmem_register_device");
	assert_int_equal(e->line_no, 9);
	assert_string_equal(e->first_lines, "ld.lld: error: undefined symbol: cxl_region_contains_resource\n"
					    ">>> referenced by hmem.c\n"
					    ">>>               vmlinux.o:(hmem_register_device)");
	e = find(s, "ld-undefined:cxl_bus_type:hmem.c");
	assert_int_equal(e->line_no, 13);
	assert_int_equal(count_primary(s), 2);
	buildlog_free(s);
}

static void extract__modpost_undefined(void **state)
{
	struct buildlog *s = scan_file("modpost-undefined.log");
	struct buildlog *w = scan_file("modpost-undefined-warn.log");
	const char *sig = "modpost-undefined:cxl_region_contains_resource:drivers/dax/hmem/dax_hmem.ko";
	const struct buildlog_error *e = find(s, sig);

	assert_string_equal(e->type, "modpost-undefined");
	assert_string_equal(e->symbol, "cxl_region_contains_resource");
	assert_string_equal(e->file, "drivers/dax/hmem/dax_hmem.ko");
	assert_int_equal(e->line_no, 11);
	assert_false(e->secondary);
	assert_string_equal(find(s, "make-error:Module.symvers")->file, "scripts/Makefile.modpost");
	assert_int_equal(count_primary(s), 1);

	/* KBUILD_MODPOST_WARN turns it into a WARNING: the same error, and the other warning is counted. */
	assert_int_equal(buildlog_error_count(w), 1);
	assert_int_equal(find(w, sig)->line_no, 3);
	assert_int_equal(buildlog_warning_count(w), 1);
	buildlog_free(s);
	buildlog_free(w);
}

static void extract__gcc_errors_with_context(void **state)
{
	struct buildlog *s = scan_file("gcc-errors.log");
	const struct buildlog_error *e;

	assert_int_equal(count_type(s, "cc-error"), 3);
	e = buildlog_error_at(s, 0);
	assert_string_equal(e->signature, "cc-error:include/cxl/cxl.h:'flase' undeclared (first use in this "
					  "function); did you mean 'false'?");
	assert_string_equal(e->file, "include/cxl/cxl.h");
	assert_string_equal(e->function, "cxl_region_contains_resource");
	assert_int_equal(e->line_no, 9);
	assert_string_equal(
		e->first_lines,
		"In file included from /var/lib/kmatrix/work/trees/linux/drivers/dax/hmem/hmem.c:4:\n"
		"/var/lib/kmatrix/work/trees/linux/include/cxl/cxl.h: In function "
		"\xE2\x80\x98"
		"cxl_region_contains_resource"
		"\xE2\x80\x99:\n"
		"/var/lib/kmatrix/work/trees/linux/include/cxl/cxl.h:10:16: error: \xE2\x80\x98"
		"flase"
		"\xE2\x80\x99 undeclared (first use in this function); did you mean \xE2\x80\x98"
		"false"
		"\xE2\x80\x99?\n"
		"   10 |         return flase;\n"
		"      |                ^~~~~\n"
		"      |                false\n"
		"/var/lib/kmatrix/work/trees/linux/include/cxl/cxl.h:10:16: note: each undeclared identifier "
		"is reported only once for each function it appears in");

	e = buildlog_error_at(s, 1);
	assert_string_equal(e->signature,
			    "cc-error:drivers/dax/hmem/hmem.c:'struct hmem_dev' has no member named 'nid'");
	assert_string_equal(e->message,
			    "drivers/dax/hmem/hmem.c: error: 'struct hmem_dev' has no member named 'nid'");
	assert_string_equal(e->function, "hmem_register_device");
	assert_int_equal(e->line_no, 15);
	assert_non_null(
		strstr(e->first_lines, "   14 |         hd->nid = target_nid;\n      |           ^~"));

	/* The second error of the function still knows its function. */
	e = buildlog_error_at(s, 2);
	assert_string_equal(e->signature, "cc-error:drivers/dax/hmem/hmem.c:implicit declaration of function "
					  "'request_module' [-Werror=implicit-function-declaration]");
	assert_string_equal(e->function, "hmem_register_device");
	assert_int_equal(e->line_no, 18);

	/* The make chain: secondary, normalized, the top-level Makefile's directory learnt from make. */
	e = find(s, "make-error:drivers/dax/hmem/hmem.o");
	assert_true(e->secondary);
	assert_string_equal(e->file, "scripts/Makefile.build");
	assert_string_equal(find(s, "make-error:.")->file, "Makefile");
	assert_int_equal(buildlog_warning_count(s), 1); /* -Wreturn-type */
	assert_int_equal(count_primary(s), 3);
	buildlog_free(s);
}

static void extract__gcc_errors_same_signatures_across_configs(void **state)
{
	/* Other line numbers, relative paths, the C locale's quotes, other make levels and Makefile lines. */
	struct buildlog *a = scan_file("gcc-errors.log");
	struct buildlog *b = scan_file("gcc-errors-other-config.log");
	size_t shared = 0;

	for (size_t i = 0; i < buildlog_error_count(b); i++) {
		const struct buildlog_error *e = buildlog_error_at(b, i);

		if (strcmp(e->signature, "make-error:.") == 0 || strcmp(e->type, "cc-error") == 0 ||
		    strcmp(e->type, "make-error") == 0) {
			find(a, e->signature);
			shared++;
		}
	}
	assert_int_equal(shared, 8);
	assert_int_equal(buildlog_error_at(b, 1)->line_no, 10);
	buildlog_free(a);
	buildlog_free(b);
}

static void extract__kconfig_unmet_dependencies(void **state)
{
	struct buildlog *s = scan_file("kconfig-unmet.log");
	const struct buildlog_error *e;

	assert_int_equal(buildlog_error_count(s), 1);
	e = buildlog_error_at(s, 0);
	assert_string_equal(e->type, "kconfig-unmet");
	assert_string_equal(e->signature, "kconfig-unmet:CXL_REGION");
	assert_string_equal(e->symbol, "CXL_REGION");
	assert_string_equal(e->message, "unmet direct dependencies detected for CXL_REGION");
	assert_string_equal(e->first_lines, "WARNING: unmet direct dependencies detected for CXL_REGION\n"
					    "  Depends on [n]: CXL_BUS [=n]\n"
					    "  Selected by [y]:\n"
					    "  - DEV_DAX_HMEM [=y] && EFI_SOFT_RESERVE [=y]");
	assert_int_equal(e->count, 2);
	assert_int_equal(e->line_no, 4);
	assert_true(e->secondary);
	assert_int_equal(buildlog_warning_count(s), 2);
	buildlog_free(s);
}

static void extract__make_fatal_and_chain(void **state)
{
	struct buildlog *s = scan_file("make-errors.log");
	const struct buildlog_error *e;

	e = buildlog_error_at(s, 0);
	assert_string_equal(e->type, "make-fatal");
	assert_false(e->secondary);
	assert_string_equal(e->signature,
			    "make-fatal:No rule to make target 'drivers/dax/hmem/hmem_cxl.o', needed "
			    "by 'drivers/dax/hmem/built-in.a'.  Stop.");
	e = find(s, "make-fatal:drivers/cxl/Makefile:missing separator.  Stop.");
	assert_string_equal(e->file, "drivers/cxl/Makefile");
	assert_string_equal(e->message, "drivers/cxl/Makefile: *** missing separator.  Stop.");
	assert_int_equal(e->line_no, 11);
	assert_int_equal(find(s, "make-error:drivers/dax/hmem")->line_no, 5);
	assert_int_equal(count_primary(s), 2);
	buildlog_free(s);
}

static void extract__multiple_definition(void **state)
{
	struct buildlog *s = scan_file("multiple-definition.log");
	const struct buildlog_error *e = buildlog_error_at(s, 0);

	assert_string_equal(e->type, "ld-multiple-definition");
	assert_string_equal(e->signature, "ld-multiple-definition:cxl_decoder_add:drivers/dax/bus.o");
	assert_string_equal(e->message, "multiple definition of `cxl_decoder_add'");
	assert_string_equal(e->function, "cxl_decoder_add");
	assert_int_equal(e->line_no, 8);
	assert_int_equal(count_primary(s), 1);
	buildlog_free(s);
}

static void extract__clean_logs_have_no_errors(void **state)
{
	struct buildlog *s = scan_file("clean-build.log");
	struct buildlog *t = scan_file("tinyconfig.log");
	struct buildlog *c = scan_file("clean-build-cxl-6.12.log");

	assert_int_equal(buildlog_error_count(s), 0);
	/* .config override, gcc -Wunused-variable, modpost MODULE_DESCRIPTION */
	assert_int_equal(buildlog_warning_count(s), 3);
	assert_int_equal(buildlog_line_count(s), 61);
	assert_int_equal(buildlog_error_count(t), 0);
	assert_int_equal(buildlog_warning_count(t), 0);
	assert_int_equal(buildlog_line_count(t), 53);
	/* A whole cold build of the CXL matrix's config: objtool, host tools, modules, bzImage. */
	assert_int_equal(buildlog_error_count(c), 0);
	assert_int_equal(buildlog_warning_count(c), 0);
	assert_int_equal(buildlog_line_count(c), 1754);
	buildlog_free(s);
	buildlog_free(t);
	buildlog_free(c);
}

/* ---- ld's many shapes (genuine GNU ld 2.40 output) ---- */

static void extract__ld_undefined_shapes(void **state)
{
	struct buildlog *s = scan_str(
		/* linking objects directly: the object names the place */
		"ld: drivers/dax/hmem/hmem.o: in function `hmem_register_device':\n"
		"hmem.c:(.text+0x5): undefined reference to `cxl_region_contains_resource'\n"
		/* a reference from data: no function */
		"ld: drivers/dax/hmem/hmem.o:(.data.rel+0x0): undefined reference to `cxl_bus_type'\n"
		/* more references in the same function come with an "ld: " prefix and no "in function" */
		"ld: multi.o: in function `f':\n"
		"multi.c:(.text+0xa): undefined reference to `a'\n"
		"ld: multi.c:(.text+0x11): undefined reference to `b'\n"
		/* through the gcc driver */
		"/usr/bin/ld: /tmp/ccBoLrBO.o: in function `g':\n"
		"multi.c:(.text+0x27): undefined reference to `c'\n"
		"collect2: error: ld returned 1 exit status\n"
		/* as pasted in mail, on one line, with straight quotes */
		"ld: vmlinux.o: in function `cxl_region_probe': region.c:(.text+0x12): undefined reference "
		"to "
		"'devm_cxl_add_dax_region'\n"
		/* a reference from data in vmlinux.o */
		"x86_64-linux-gnu-ld: vmlinux.o:(.data+0x8): undefined reference to `cxl_bus_type'\n"
		/* old binutils */
		"drivers/cxl/core/region.o: In function `cxl_region_attach':\n"
		"region.c:(.text+0x1f4): undefined reference to `cxl_dpa_debug'\n");

	assert_int_equal(buildlog_error_count(s), 8);
	assert_string_equal(buildlog_error_at(s, 0)->signature,
			    "ld-undefined:cxl_region_contains_resource:drivers/dax/hmem/hmem.o");
	assert_string_equal(buildlog_error_at(s, 1)->signature,
			    "ld-undefined:cxl_bus_type:drivers/dax/hmem/hmem.o");
	assert_null(buildlog_error_at(s, 1)->function);
	assert_string_equal(buildlog_error_at(s, 2)->signature, "ld-undefined:a:multi.o");
	assert_string_equal(buildlog_error_at(s, 3)->signature, "ld-undefined:b:multi.o");
	assert_string_equal(buildlog_error_at(s, 3)->function, "f");
	assert_string_equal(
		buildlog_error_at(s, 3)->first_lines,
		"ld: multi.o: in function `f':\nld: multi.c:(.text+0x11): undefined reference to `b'");
	assert_string_equal(buildlog_error_at(s, 4)->signature, "ld-undefined:c:/tmp/ccBoLrBO.o");
	assert_string_equal(buildlog_error_at(s, 5)->signature,
			    "ld-undefined:devm_cxl_add_dax_region:region.c");
	assert_string_equal(buildlog_error_at(s, 5)->function, "cxl_region_probe");
	assert_string_equal(buildlog_error_at(s, 5)->message,
			    "undefined reference to `devm_cxl_add_dax_region'");
	assert_string_equal(buildlog_error_at(s, 6)->signature, "ld-undefined:cxl_bus_type:vmlinux.o");
	assert_null(buildlog_error_at(s, 6)->function);
	assert_string_equal(buildlog_error_at(s, 7)->signature,
			    "ld-undefined:cxl_dpa_debug:drivers/cxl/core/region.o");
	assert_string_equal(buildlog_error_at(s, 7)->function, "cxl_region_attach");
	buildlog_free(s);
}

static void extract__same_error_elsewhere_is_one_error(void **state)
{
	/* Offsets, log line numbers and the calling function differ; the mistake does not. */
	struct buildlog *s =
		scan_str("  LD      .tmp_vmlinux1\n"
			 "ld: vmlinux.o: in function `hmem_register_device':\n"
			 "hmem.c:(.text+0x6d1a4f): undefined reference to `cxl_region_contains_resource'\n"
			 "  CC      init/version-timestamp.o\n"
			 "  LD      .tmp_vmlinux1\n"
			 "ld: vmlinux.o: in function `dax_hmem_platform_probe':\n"
			 "hmem.c:(.text+0x3c0011): undefined reference to `cxl_region_contains_resource'\n");
	const struct buildlog_error *e;

	assert_int_equal(buildlog_error_count(s), 1);
	e = buildlog_error_at(s, 0);
	assert_int_equal(e->count, 2);
	assert_int_equal(e->line_no, 3);
	assert_string_equal(e->function, "hmem_register_device");
	buildlog_free(s);
}

static void extract__build_bug_on_counter_is_normalized(void **state)
{
	struct buildlog *a =
		scan_str("/src/linux/include/linux/compiler_types.h:517:45: error: call to "
			 "'__compiletime_assert_1234' declared "
			 "with attribute error: BUILD_BUG_ON failed: sizeof(struct cxl_dev) != 64\n");
	struct buildlog *b = scan_str(
		"include/linux/compiler_types.h:510:45: error: call to '__compiletime_assert_87' declared "
		"with attribute error: BUILD_BUG_ON failed: sizeof(struct cxl_dev) != 64\n");

	assert_string_equal(
		buildlog_error_at(a, 0)->signature,
		"cc-error:include/linux/compiler_types.h:call to '__compiletime_assert_N' declared with "
		"attribute error: BUILD_BUG_ON failed: sizeof(struct cxl_dev) != 64");
	assert_string_equal(buildlog_error_at(a, 0)->signature, buildlog_error_at(b, 0)->signature);
	buildlog_free(a);
	buildlog_free(b);
}

static void extract__other_compiler_and_tool_errors(void **state)
{
	struct buildlog *s = scan_str(
		"gcc: error: unrecognized command-line option '-mfoo'\n"
		"cc1: fatal error: drivers/x.c: No such file or directory\n"
		"compilation terminated.\n"
		"drivers/cxl/core/x.c:1:10: fatal error: linux/nonexistent.h: No such file or directory\n"
		"/tmp/ccXYZ.s: Assembler messages:\n"
		"arch/x86/entry/entry_64.S:123: Error: no such instruction: `bogus %eax'\n"
		"vmlinux.o: error: objtool: cxl_probe+0x1c: call to foo() leaves .noinstr.text section\n"
		"drivers/cxl/Kconfig:12: syntax error\n"
		"ld: cannot find -lfoo: No such file or directory\n"
		"error: something else failed\n");

	assert_string_equal(buildlog_error_at(s, 0)->signature,
			    "cc-error:unrecognized command-line option '-mfoo'");
	assert_null(buildlog_error_at(s, 0)->file);
	assert_string_equal(buildlog_error_at(s, 1)->signature,
			    "cc-error:fatal error: drivers/x.c: No such file or directory");
	assert_string_equal(
		buildlog_error_at(s, 2)->signature,
		"cc-error:drivers/cxl/core/x.c:fatal error: linux/nonexistent.h: No such file or directory");
	assert_string_equal(
		buildlog_error_at(s, 2)->message,
		"drivers/cxl/core/x.c: fatal error: linux/nonexistent.h: No such file or directory");
	assert_string_equal(buildlog_error_at(s, 3)->signature,
			    "as-error:arch/x86/entry/entry_64.S:no such instruction: `bogus %eax'");
	assert_string_equal(buildlog_error_at(s, 4)->signature, "objtool-error:vmlinux.o:objtool: cxl_probe: "
								"call to foo() leaves .noinstr.text section");
	assert_string_equal(buildlog_error_at(s, 5)->signature,
			    "kconfig-error:drivers/cxl/Kconfig:syntax error");
	assert_string_equal(buildlog_error_at(s, 6)->signature,
			    "ld-error:cannot find -lfoo: No such file or directory");
	assert_string_equal(buildlog_error_at(s, 7)->signature, "error:error: something else failed");
	assert_int_equal(buildlog_error_count(s), 8);
	buildlog_free(s);
}

/* ---- streaming ---- */

static void feed__any_split_gives_the_same_result(void **state)
{
	unsigned seed = 12345;

	for (size_t f = 0; data_files[f]; f++) {
		size_t len;
		char *text = slurp(data_files[f], &len);
		struct buildlog *whole = scan(text, len);
		char *want = dump(whole);

		for (int round = 0; round < 4; round++) {
			struct buildlog *s = buildlog_new();
			char *got;

			for (size_t i = 0; i < len;) {
				size_t n;

				seed = seed * 1103515245u + 12345u;
				n = round == 0 ? 1 : 1 + (seed >> 8) % (round == 1 ? 7 : 300);
				if (n > len - i)
					n = len - i;
				buildlog_feed(s, text + i, n);
				i += n;
			}
			buildlog_finish(s);
			got = dump(s);
			if (strcmp(got, want) != 0)
				fail_msg("%s, round %d: split feeding differs:\n%s\n%s", data_files[f], round,
					 got, want);
			free(got);
			buildlog_free(s);
		}
		free(want);
		buildlog_free(whole);
		free(text);
	}
}

static char *to_crlf(const char *text, size_t len, size_t *out_len)
{
	char *out = xmalloc(len * 2 + 1);
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			out[o++] = '\r';
		out[o++] = text[i];
	}
	*out_len = o;
	return out;
}

static void feed__crlf_is_the_same_as_lf(void **state)
{
	for (size_t f = 0; data_files[f]; f++) {
		size_t len, clen;
		char *text = slurp(data_files[f], &len);
		char *crlf = to_crlf(text, len, &clen);
		struct buildlog *a = scan(text, len), *b = scan(crlf, clen);
		char *da = dump(a), *db = dump(b);

		assert_string_equal(da, db);
		free(da);
		free(db);
		buildlog_free(a);
		buildlog_free(b);
		free(crlf);
		free(text);
	}
}

static void feed__last_line_without_newline(void **state)
{
	struct buildlog *s = buildlog_new();
	const char *text = "  CC      x.o\nERROR: modpost: \"sym\" [drivers/x.ko] undefined!";

	buildlog_feed(s, text, strlen(text));
	assert_int_equal(buildlog_error_count(s), 0);
	assert_int_equal(buildlog_line_count(s), 1);
	buildlog_finish(s);
	assert_int_equal(buildlog_error_count(s), 1);
	assert_int_equal(buildlog_line_count(s), 2);
	assert_int_equal(buildlog_error_at(s, 0)->line_no, 2);
	buildlog_free(s);
}

static void feed__long_lines_are_cut_but_counted(void **state)
{
	size_t big = 3 << 20;
	char *text = xmalloc(big + 256);
	size_t n = 0;
	struct buildlog *s;
	const char *err = "ld: vmlinux.o:(.data+0x8): undefined reference to `cxl_bus_type' ";
	const char *after = "\nmake[2]: *** [scripts/Makefile.vmlinux:34: vmlinux] Error 1\n";

	/* An error line padded to 3 MiB: matched on its first 4 KiB, and the next line keeps its number. */
	memcpy(text, err, strlen(err));
	n = strlen(err);
	memset(text + n, 'x', big - n);
	n = big;
	memcpy(text + n, after, strlen(after));
	n += strlen(after);
	s = buildlog_new();
	for (size_t i = 0; i < n; i += 65536)
		buildlog_feed(s, text + i, n - i < 65536 ? n - i : 65536);
	buildlog_finish(s);
	assert_int_equal(buildlog_line_count(s), 2);
	assert_int_equal(buildlog_error_count(s), 2);
	assert_string_equal(buildlog_error_at(s, 0)->signature, "ld-undefined:cxl_bus_type:vmlinux.o");
	assert_true(strlen(buildlog_error_at(s, 0)->first_lines) <= BUILDLOG_CONTEXT_BYTES);
	assert_int_equal(buildlog_error_at(s, 1)->line_no, 2);
	buildlog_free(s);

	/* What lies beyond BUILDLOG_LINE_MAX is not looked at. */
	memset(text, 'y', BUILDLOG_LINE_MAX);
	memcpy(text + BUILDLOG_LINE_MAX, err, strlen(err));
	s = scan(text, BUILDLOG_LINE_MAX + strlen(err));
	assert_int_equal(buildlog_error_count(s), 0);
	assert_int_equal(buildlog_line_count(s), 1);
	buildlog_free(s);
	free(text);
}

static bool valid_utf8(const char *s)
{
	json_t *j = json_string(s);
	bool ok = j != NULL;

	json_decref(j);
	return ok;
}

static void feed__nul_bytes_controls_and_bad_utf8(void **state)
{
	static const char text[] = "ld: vmlinux.o: in function `hm\0em_probe':\n"
				   "hmem.c:(.text+0x1): undefined reference to `cxl_\xff\xfe_bad'\r\n"
				   "\x1b[01m\x1b[Kdrivers/x.c:3:4:\x1b[m\x1b[K \x1b[01;31m\x1b[Kerror: "
				   "\x1b[m\x1b[Kbad \x80\xc3\n"
				   "ERROR: modpost: \"a\x01\x02\" [x\xed\xa0\x80.ko] undefined!\n"
				   "\0\0\0\n";
	struct buildlog *s = scan(text, sizeof(text) - 1);
	char *d = dump(s);

	assert_int_equal(buildlog_line_count(s), 5);
	assert_int_equal(buildlog_error_count(s), 3);
	for (size_t i = 0; i < buildlog_error_count(s); i++) {
		const struct buildlog_error *e = buildlog_error_at(s, i);

		assert_true(valid_utf8(e->signature));
		assert_true(valid_utf8(e->message));
		assert_true(valid_utf8(e->first_lines));
		assert_null(strchr(e->first_lines, '\x1b'));
	}
	assert_string_equal(buildlog_error_at(s, 0)->signature,
			    "ld-undefined:cxl_\xEF\xBF\xBD\xEF\xBF\xBD_bad:hmem.c");
	assert_string_equal(buildlog_error_at(s, 0)->function, "hm\xEF\xBF\xBD"
							       "em_probe");
	/* colored gcc output: escapes dropped, the error still found */
	assert_string_equal(buildlog_error_at(s, 1)->signature,
			    "cc-error:drivers/x.c:bad \xEF\xBF\xBD\xEF\xBF\xBD");
	free(d);
	buildlog_free(s);
}

static void feed__empty_and_only_newlines(void **state)
{
	struct buildlog *s = scan("", 0);

	assert_int_equal(buildlog_line_count(s), 0);
	assert_int_equal(buildlog_error_count(s), 0);
	buildlog_free(s);
	s = scan_str("\n\n\r\n");
	assert_int_equal(buildlog_line_count(s), 3);
	buildlog_free(s);
	buildlog_free(NULL);
}

/* ---- bounds ---- */

static void errors__distinct_errors_are_capped(void **state)
{
	struct buildlog *s = buildlog_new();
	char line[128];

	for (int i = 0; i < BUILDLOG_MAX_ERRORS + 100; i++) {
		int n = snprintf(line, sizeof(line),
				 "ld: vmlinux.o:(.data+0x8): undefined reference to `sym%d'\n", i);

		buildlog_feed(s, line, (size_t)n);
		buildlog_feed(s, line, (size_t)n); /* a repeat is counted, not added */
	}
	/* a repeat of a kept error is still counted after the cap */
	buildlog_feed(s, "ld: vmlinux.o:(.data+0x8): undefined reference to `sym7'\n", 57);
	buildlog_finish(s);
	assert_int_equal(buildlog_error_count(s), BUILDLOG_MAX_ERRORS);
	assert_int_equal(buildlog_errors_dropped(s), 200);
	assert_int_equal(buildlog_error_at(s, 7)->count, 3);
	assert_string_equal(buildlog_error_at(s, 499)->symbol, "sym499");
	buildlog_free(s);
}

static void errors__secondary_ones_cannot_crowd_out_causes(void **state)
{
	struct buildlog *s = buildlog_new();
	char line[128];

	for (int i = 0; i < 300; i++) {
		int n = snprintf(line, sizeof(line),
				 "make[2]: *** [scripts/Makefile.build:229: drivers/x%d.o] Error 1\n", i);

		buildlog_feed(s, line, (size_t)n);
	}
	buildlog_feed(s, "ERROR: modpost: \"sym\" [drivers/x.ko] undefined!\n", 49);
	buildlog_finish(s);
	assert_int_equal(buildlog_error_count(s), BUILDLOG_MAX_SECONDARY + 1);
	assert_int_equal(buildlog_errors_dropped(s), 300 - BUILDLOG_MAX_SECONDARY);
	find(s, "modpost-undefined:sym:drivers/x.ko");
	buildlog_free(s);
}

static void errors__first_lines_are_capped(void **state)
{
	struct buildlog *s = buildlog_new();
	char line[600];

	buildlog_feed(s, "drivers/x.c:1:2: error: too many notes\n", 39);
	for (int i = 0; i < 50; i++) {
		memset(line, ' ', 500);
		snprintf(line + 4, sizeof(line) - 4, "%d | context line", i);
		buildlog_feed(s, line, strlen(line));
		buildlog_feed(s, "\n", 1);
	}
	buildlog_finish(s);
	{
		const char *fl = buildlog_error_at(s, 0)->first_lines;
		size_t nl = 0;

		for (const char *p = fl; *p; p++)
			nl += *p == '\n';
		assert_true(nl + 1 <= BUILDLOG_CONTEXT_LINES);
		assert_true(strlen(fl) <= BUILDLOG_CONTEXT_BYTES);
		assert_non_null(strstr(fl, "0 | context line"));
	}
	buildlog_free(s);
}

/* ---- single lines ---- */

static void line_is_error__classifies(void **state)
{
	static const char *const yes[] = {
		"hmem.c:(.text+0x6d1a4f): undefined reference to `cxl_region_contains_resource'",
		"ld: vmlinux.o: in function `hmem_register_device':",
		"ERROR: modpost: \"cxl_region_contains_resource\" [drivers/dax/hmem/dax_hmem.ko] undefined!",
		"drivers/dax/hmem/hmem.c:14:11: error: 'struct hmem_dev' has no member named 'nid'",
		"make[2]: *** [scripts/Makefile.vmlinux:34: vmlinux] Error 1",
		"WARNING: unmet direct dependencies detected for CXL_REGION",
		"cc1: some warnings being treated as errors",
		"ld.lld: error: undefined symbol: cxl_bus_type",
		"make[4]: *** No rule to make target 'x.o', needed by 'y'.  Stop.",
		NULL,
	};
	static const char *const no[] = {
		"  CC      drivers/dax/hmem/hmem.o",
		"drivers/cxl/core/port.c:3:13: warning: unused variable 'unused' [-Wunused-variable]",
		"WARNING: modpost: missing MODULE_DESCRIPTION() in drivers/cxl/core/cxl_core.o",
		"make[1]: Entering directory '/var/lib/kmatrix/work/build'",
		"make[1]: *** Waiting for unfinished jobs....",
		"   14 |         hd->nid = target_nid;",
		"# configuration written to .config",
		"",
		NULL,
	};

	for (size_t i = 0; yes[i]; i++) {
		if (!buildlog_line_is_error(yes[i], strlen(yes[i])))
			fail_msg("not an error line: %s", yes[i]);
	}
	for (size_t i = 0; no[i]; i++) {
		if (buildlog_line_is_error(no[i], strlen(no[i])))
			fail_msg("an error line: %s", no[i]);
	}
	/* Not NUL-terminated, with a NUL inside, CRLF. */
	assert_true(buildlog_line_is_error("ld: x.o: in function `f':\r", 26));
	assert_true(buildlog_line_is_error("x.c:1:2: error: a\0b", 19));
	assert_false(buildlog_line_is_error("x.c:1:2: error: a", 8));
}

static void path__prefixes_and_absolute_paths(void **state)
{
	struct buildlog *s = buildlog_new();
	const char *log = "/work/trees/linux/kernel/sched/core.c:1:2: error: a\n"
			  "/usr/src/linux-6.12/kernel/sched/core.c:1:2: error: a\n"
			  "../kernel/sched/core.c:9:2: error: a\n"
			  "./kernel/sched/core.c:9:2: error: a\n"
			  "/home/me/lib/linux/drivers/cxl/core/port.c:1:2: error: b\n"
			  "/opt/src/arch/x86/kernel/cpu/common.c:1:2: error: c\n";

	buildlog_add_path_prefix(s, "/work/trees/linux/");
	buildlog_feed(s, log, strlen(log));
	buildlog_finish(s);
	assert_int_equal(buildlog_error_count(s), 3);
	assert_string_equal(buildlog_error_at(s, 0)->signature, "cc-error:kernel/sched/core.c:a");
	assert_int_equal(buildlog_error_at(s, 0)->count, 4);
	assert_string_equal(buildlog_error_at(s, 1)->file, "drivers/cxl/core/port.c");
	assert_string_equal(buildlog_error_at(s, 2)->file, "arch/x86/kernel/cpu/common.c");
	buildlog_free(s);
}

static void json__has_every_field(void **state)
{
	struct buildlog *s = scan_file("modpost-undefined.log");
	json_t *j = buildlog_errors_json(s);
	json_t *e = json_array_get(j, 0);

	assert_int_equal(json_array_size(j), 4);
	assert_string_equal(json_string_value(json_object_get(e, "type")), "modpost-undefined");
	assert_string_equal(json_string_value(json_object_get(e, "signature")),
			    "modpost-undefined:cxl_region_contains_resource:drivers/dax/hmem/dax_hmem.ko");
	assert_string_equal(json_string_value(json_object_get(e, "symbol")), "cxl_region_contains_resource");
	assert_string_equal(json_string_value(json_object_get(e, "file")), "drivers/dax/hmem/dax_hmem.ko");
	assert_true(json_is_null(json_object_get(e, "function")));
	assert_string_equal(
		json_string_value(json_object_get(e, "message")),
		"modpost: \"cxl_region_contains_resource\" [drivers/dax/hmem/dax_hmem.ko] undefined!");
	assert_string_equal(
		json_string_value(json_object_get(e, "first_lines")),
		"ERROR: modpost: \"cxl_region_contains_resource\" [drivers/dax/hmem/dax_hmem.ko] undefined!");
	assert_int_equal(json_integer_value(json_object_get(e, "line_no")), 11);
	assert_int_equal(json_integer_value(json_object_get(e, "count")), 1);
	assert_true(json_is_false(json_object_get(e, "secondary")));
	assert_true(json_is_true(json_object_get(json_array_get(j, 1), "secondary")));
	json_decref(j);
	buildlog_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(extract__seed_ld_undefined_in_vmlinux_o),
		cmocka_unit_test(extract__same_link_error_in_debuginfo_config),
		cmocka_unit_test(extract__same_link_error_in_fixture_tree),
		cmocka_unit_test(extract__lld_undefined),
		cmocka_unit_test(extract__modpost_undefined),
		cmocka_unit_test(extract__gcc_errors_with_context),
		cmocka_unit_test(extract__gcc_errors_same_signatures_across_configs),
		cmocka_unit_test(extract__kconfig_unmet_dependencies),
		cmocka_unit_test(extract__make_fatal_and_chain),
		cmocka_unit_test(extract__multiple_definition),
		cmocka_unit_test(extract__clean_logs_have_no_errors),
		cmocka_unit_test(extract__ld_undefined_shapes),
		cmocka_unit_test(extract__same_error_elsewhere_is_one_error),
		cmocka_unit_test(extract__build_bug_on_counter_is_normalized),
		cmocka_unit_test(extract__other_compiler_and_tool_errors),
		cmocka_unit_test(feed__any_split_gives_the_same_result),
		cmocka_unit_test(feed__crlf_is_the_same_as_lf),
		cmocka_unit_test(feed__last_line_without_newline),
		cmocka_unit_test(feed__long_lines_are_cut_but_counted),
		cmocka_unit_test(feed__nul_bytes_controls_and_bad_utf8),
		cmocka_unit_test(feed__empty_and_only_newlines),
		cmocka_unit_test(errors__distinct_errors_are_capped),
		cmocka_unit_test(errors__secondary_ones_cannot_crowd_out_causes),
		cmocka_unit_test(errors__first_lines_are_capped),
		cmocka_unit_test(line_is_error__classifies),
		cmocka_unit_test(path__prefixes_and_absolute_paths),
		cmocka_unit_test(json__has_every_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
