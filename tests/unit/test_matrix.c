/* Tests of the matrix parser, expansion, point JSON and bundles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "matrix.h"
#include "xalloc.h"

#define DATA_DIR KM_SOURCE_DIR "/tests/unit/data/matrix"

/* Lines 1-7; a test's own lines start at line 8. */
#define HEAD                  \
	"[matrix]\n"          \
	"name = t\n"          \
	"arch = x86_64\n"     \
	"base = tinyconfig\n" \
	"[axes]\n"            \
	"A = y m n\n"         \
	"B = y n\n"

static struct matrix *parse_ok(const char *text)
{
	struct matrix *m = NULL;
	int rc = matrix_parse("t.matrix", text, strlen(text), &m);

	if (rc != 0)
		fail_msg("parse failed: %s", err_msg());
	assert_non_null(m);
	return m;
}

static void expect_error_n(const char *text, size_t len, int code, const char *msg)
{
	struct matrix *m = (struct matrix *)1;
	int rc = matrix_parse("t.matrix", text, len, &m);

	assert_int_equal(rc, code);
	assert_null(m);
	assert_string_equal(err_msg(), msg);
}

static void expect_error(const char *text, const char *msg)
{
	expect_error_n(text, strlen(text), KM_EINVAL, msg);
}

/* ---- the shipped-style example ---- */

static void parse__shipped_example(void **state)
{
	struct matrix *m = NULL;
	const struct matrix_boot *b;

	assert_int_equal(matrix_load(DATA_DIR "/cxl-dax-hmem.matrix", &m), 0);
	assert_string_equal(m->file, DATA_DIR "/cxl-dax-hmem.matrix");
	assert_string_equal(m->name, "cxl-dax-hmem");
	assert_int_equal(m->name_line, 5);
	assert_string_equal(m->arch, "x86_64");
	assert_string_equal(m->base, "tinyconfig");
	assert_false(matrix_base_is_file(m));
	assert_int_equal(m->nfragments, 1);
	assert_string_equal(m->fragments[0], "cxl-dax-hmem.config");
	assert_int_equal(m->fragments_line, 8);
	assert_int_equal(m->ntargets, 1);
	assert_string_equal(m->targets[0], "vmlinux");
	assert_string_equal(m->image, "arch/x86/boot/bzImage");

	assert_int_equal(m->naxes, 5);
	assert_string_equal(m->axes[0].symbol, "DEV_DAX_HMEM");
	assert_string_equal(m->axes[1].symbol, "CXL_BUS");
	assert_string_equal(m->axes[2].symbol, "CXL_ACPI");
	assert_string_equal(m->axes[3].symbol, "CXL_PCI");
	assert_string_equal(m->axes[4].symbol, "CXL_REGION");
	assert_string_equal(m->axes[0].values, "ymn");
	assert_int_equal(m->axes[0].nvalues, 3);
	assert_string_equal(m->axes[4].values, "yn");
	assert_int_equal(m->axes[4].nvalues, 2);
	assert_int_equal(m->nexcludes, 0);

	b = m->boot;
	assert_non_null(b);
	assert_null(b->exec);
	assert_non_null(b->qemu);
	assert_true(strncmp(b->qemu, "-machine q35,cxl=on,accel=tcg -m 1G -smp 1 -display none", 56) == 0);
	assert_non_null(strstr(b->qemu, "-no-reboot -object memory-backend-file,id=cxl-mem0,"
					"share=on,mem-path={dir}/cxl-mem0.raw,size=256M -object"));
	assert_non_null(
		strstr(b->qemu, "cxl-fmw.0.size=4G -kernel {kernel} -initrd {initrd} -append {append}"));
	assert_null(strchr(b->qemu, '\\'));
	assert_null(strstr(b->qemu, "  "));
	assert_string_equal(b->append, "console=ttyS0 memmap=256M%0x110000000+0xefffffff "
				       "memmap=256M%0x1000000000+0xefffffff");
	assert_string_equal(b->check, "cxl-ownership.sh");
	assert_int_equal(b->check_line, 28);
	assert_int_equal(b->nscratch, 2);
	assert_string_equal(b->scratch[0].name, "cxl-mem0.raw");
	assert_int_equal(b->scratch[0].size, 256ULL << 20);
	assert_string_equal(b->scratch[1].name, "cxl-lsa0.raw");
	assert_int_equal(b->scratch[1].size, 256ULL << 20);
	assert_int_equal(b->timeout_s, 120);

	assert_int_equal(b->nvariants, 3);
	assert_string_equal(b->variants[0].name, "cxl-first");
	assert_int_equal(b->variants[0].nload, 3);
	assert_string_equal(b->variants[0].load[0], "cxl_acpi");
	assert_string_equal(b->variants[0].load[1], "cxl_pci");
	assert_string_equal(b->variants[0].load[2], "dax_hmem");
	assert_string_equal(b->variants[0].modprobe, "busybox");
	assert_string_equal(b->variants[1].name, "hmem-first");
	assert_string_equal(b->variants[1].load[0], "dax_hmem");
	assert_string_equal(b->variants[1].modprobe, "busybox");
	assert_string_equal(b->variants[2].name, "hmem-first-kmod");
	assert_string_equal(b->variants[2].modprobe, "kmod");

	assert_int_equal(m->nnotify, 2);
	assert_string_equal(m->notify_to[0], "cxl-maintainers@example.org");
	assert_string_equal(m->notify_to[1], "someone@example.org");

	assert_int_equal(matrix_point_count(m), 3 * 3 * 3 * 3 * 2);
	matrix_free(m);
}

static void parse__defaults(void **state)
{
	struct matrix *m = parse_ok(HEAD);

	assert_int_equal(m->ntargets, 1);
	assert_string_equal(m->targets[0], "vmlinux");
	assert_string_equal(m->image, "arch/x86/boot/bzImage");
	assert_null(m->boot);
	assert_int_equal(m->nnotify, 0);
	assert_int_equal(m->nfragments, 0);
	matrix_free(m);

	m = parse_ok("[matrix]\nname = t\narch = arm64\nbase = defconfig\n[axes]\nA = y\n"
		     "[boot]\nexec = {kernel} {append}\n");
	assert_string_equal(m->image, "vmlinux");
	assert_non_null(m->boot);
	assert_string_equal(m->boot->exec, "{kernel} {append}");
	assert_null(m->boot->qemu);
	assert_string_equal(m->boot->append, "");
	assert_null(m->boot->check);
	assert_int_equal(m->boot->nscratch, 0);
	assert_int_equal(m->boot->timeout_s, 120);
	assert_int_equal(m->boot->nvariants, 1);
	assert_string_equal(m->boot->variants[0].name, "default");
	assert_int_equal(m->boot->variants[0].nload, 0);
	assert_string_equal(m->boot->variants[0].modprobe, "busybox");
	assert_int_equal(matrix_point_count(m), 1);
	matrix_free(m);
}

static void parse__all_keys(void **state)
{
	struct matrix *m = parse_ok("[matrix]\n"
				    "name = x.y_z-1\n"
				    "arch = i386\n"
				    "base = my-base.config\n"
				    "fragment = a.config b.config\n"
				    "targets = vmlinux modules bzImage arch/x86/boot/bzImage\n"
				    "image = arch/x86/boot/bzImage\n"
				    "[axes]\n"
				    "A = n y\n"
				    "[boot]\n"
				    "exec = {kernel} {append} {dir} {initrd}\n"
				    "append =\n"
				    "timeout = 3600\n"
				    "scratch = a.raw:1 b.raw:4k c.raw:2G\n");
	const char **files;

	assert_string_equal(m->name, "x.y_z-1");
	assert_string_equal(m->arch, "i386");
	assert_true(matrix_base_is_file(m));
	assert_int_equal(m->nfragments, 2);
	assert_int_equal(m->ntargets, 4);
	assert_string_equal(m->targets[3], "arch/x86/boot/bzImage");
	assert_string_equal(m->boot->append, "");
	assert_int_equal(m->boot->timeout_s, 3600);
	assert_int_equal(m->boot->scratch[0].size, 1);
	assert_int_equal(m->boot->scratch[1].size, 4096);
	assert_int_equal(m->boot->scratch[2].size, 2ULL << 30);
	files = matrix_referenced_files(m);
	assert_string_equal(files[0], "my-base.config");
	assert_string_equal(files[1], "a.config");
	assert_string_equal(files[2], "b.config");
	assert_null(files[3]);
	free(files);
	matrix_free(m);
}

/* ---- every kind of mistake, with file:line ---- */

static void parse__rejects_unknown_section(void **state)
{
	expect_error(HEAD "[foo]\n",
		     "t.matrix:8: unknown section '[foo]' (expected one of: [matrix], [axes], "
		     "[exclude], [boot], [variant NAME], [notify], [expect])");
	expect_error(HEAD "[boot extra]\n", "t.matrix:8: unknown section '[boot extra]' (expected one of: "
					    "[matrix], [axes], [exclude], [boot], [variant NAME], [notify], [expect])");
	expect_error(HEAD "[boot\n",
		     "t.matrix:8: bad section header '[boot' (expected [NAME] alone on its line)");
}

static void parse__rejects_unknown_key(void **state)
{
	expect_error("[matrix]\nname = t\n\n# typo below\nfragmnet = x.config\n",
		     "t.matrix:5: unknown key 'fragmnet' in [matrix] (expected one of: name, arch, base, "
		     "fragment, "
		     "targets, image, axes, max_axes, max_requests, cover, seeds)");
	expect_error(
		HEAD "[boot]\nqemu = -m 1G\nkernel = x\n",
		"t.matrix:10: unknown key 'kernel' in [boot] (expected one of: qemu, exec, append, check, "
		"scratch, timeout)");
	expect_error(HEAD "[boot]\nexec = x\n[variant v]\nmodule = a\n",
		     "t.matrix:11: unknown key 'module' in [variant v] (expected one of: load, modprobe, repeat, parallel)");
	expect_error(HEAD "[notify]\ncc = a@b\n",
		     "t.matrix:9: unknown key 'cc' in [notify] (expected one of: to)");
}

static void parse__rejects_duplicate_key(void **state)
{
	expect_error("[matrix]\nname = t\narch = x86_64\nname = u\n",
		     "t.matrix:4: duplicate key 'name' in [matrix] (first at line 2)");
	expect_error(HEAD "[boot]\nexec = x\ntimeout = 5\ntimeout = 6\n",
		     "t.matrix:11: duplicate key 'timeout' in [boot] (first at line 10)");
}

static void parse__rejects_duplicate_section(void **state)
{
	expect_error(HEAD "[matrix]\n", "t.matrix:8: duplicate section [matrix] (first at line 1)");
	expect_error(HEAD "[boot]\nexec = x\n[variant a]\n[variant a]\n",
		     "t.matrix:11: duplicate section [variant a] (first at line 10)");
}

static void parse__rejects_key_outside_section(void **state)
{
	expect_error("# header comment\nname = t\n[matrix]\n",
		     "t.matrix:2: key 'name' outside any section (expected a section header such as [matrix] "
		     "before it)");
	expect_error("hello\n",
		     "t.matrix:1: unexpected 'hello' outside any section (expected a section header "
		     "such as [matrix])");
}

static void parse__rejects_line_without_equals(void **state)
{
	expect_error(HEAD "C y m n\n", "t.matrix:8: expected 'SYMBOL = values' in [axes], got 'C y m n'");
	expect_error("[matrix]\nname t\n", "t.matrix:2: expected 'key = value' in [matrix], got 'name t'");
	expect_error("[matrix]\n= t\n",
		     "t.matrix:2: missing key before '=' in [matrix] (expected 'key = ...')");
}

static void parse__rejects_bad_axis_values(void **state)
{
	expect_error(HEAD "C = y x\n", "t.matrix:8: bad value 'x' for C (expected y, m or n)");
	expect_error(HEAD "C = y,m\n", "t.matrix:8: bad value 'y,m' for C (expected y, m or n)");
	expect_error(HEAD "C = ym\n", "t.matrix:8: bad value 'ym' for C (expected y, m or n)");
	expect_error(HEAD "C = y m y\n",
		     "t.matrix:8: value 'y' repeated for C (expected each of y, m, n at most once)");
	expect_error(HEAD "C =\n",
		     "t.matrix:8: no values for axis C (expected a non-empty subset of: y m n)");
	expect_error(HEAD "C =   # nothing\n",
		     "t.matrix:8: no values for axis C (expected a non-empty subset of: y m n)");
}

static void parse__rejects_bad_symbol(void **state)
{
	expect_error(HEAD "dev_dax = y\n", "t.matrix:8: bad symbol 'dev_dax' (expected [A-Z0-9_]+ with or "
					   "without CONFIG_, e.g. DEV_DAX_HMEM)");
	expect_error(HEAD "CONFIG_ = y\n", "t.matrix:8: bad symbol 'CONFIG_' (expected [A-Z0-9_]+ with or "
					   "without CONFIG_, e.g. DEV_DAX_HMEM)");
	expect_error(HEAD "CONFIG_A = y\n", "t.matrix:8: duplicate axis 'A' (first at line 6)");
}

static void parse__rejects_too_many_axes(void **state)
{
	struct matrix *m = parse_ok("[matrix]\nname = t\narch = x86_64\nbase = tinyconfig\n[axes]\n"
				    "A1 = y n\nA2 = y n\nA3 = y n\nA4 = y n\nA5 = y n\nA6 = y n\nA7 = y n\n"
				    "A8 = y m n\n");

	assert_int_equal(m->naxes, 8);
	assert_int_equal(matrix_point_count(m), 128 * 3);
	matrix_free(m);
	expect_error(
		"[matrix]\nname = t\narch = x86_64\nbase = tinyconfig\n[axes]\n"
		"A1 = y n\nA2 = y n\nA3 = y n\nA4 = y n\nA5 = y n\nA6 = y n\nA7 = y n\nA8 = y n\nA9 = y n\n",
		"t.matrix:14: too many axes (expected at most 8)");
}

static void parse__rejects_missing_required(void **state)
{
	expect_error("[matrix]\nname = t\nbase = tinyconfig\n[axes]\nA = y\n",
		     "t.matrix:1: missing required key 'arch' in [matrix] (expected 'arch = ARCH')");
	expect_error("\n[matrix]\narch = x86_64\nbase = tinyconfig\n[axes]\nA = y\n",
		     "t.matrix:2: missing required key 'name' in [matrix] (expected 'name = NAME')");
	expect_error("[matrix]\nname = t\narch = x86_64\n[axes]\nA = y\n",
		     "t.matrix:1: missing required key 'base' in [matrix] (expected 'base = tinyconfig')");
	expect_error("[axes]\nA = y\n",
		     "t.matrix:1: missing section [matrix] (expected [matrix] with name, arch and base)");
	expect_error(
		"[matrix]\nname = t\narch = x86_64\nbase = tinyconfig\n",
		"t.matrix:4: missing section [axes] (expected [axes] with 1 to 8 'SYMBOL = values' lines)");
	expect_error("[matrix]\nname = t\narch = x86_64\nbase = tinyconfig\n[axes]\n# none yet\n",
		     "t.matrix:5: no axes in [axes] (expected 1 to 8 'SYMBOL = values' lines)");
	expect_error("", "t.matrix:1: missing section [matrix] (expected [matrix] with name, arch and base)");
	expect_error(HEAD "[notify]\n", "t.matrix:8: missing required key 'to' in [notify] (expected "
					"'to = name@domain, ...')");
	expect_error("[matrix]\nname =\n",
		     "t.matrix:2: empty value for 'name' in [matrix] (expected a matrix "
		     "name, e.g. cxl-dax-hmem)");
}

static void parse__rejects_bad_matrix_values(void **state)
{
	expect_error("[matrix]\nname = CXL\n",
		     "t.matrix:2: bad name 'CXL' (expected [a-z0-9][a-z0-9._-]{0,63}, e.g. cxl-dax-hmem)");
	expect_error("[matrix]\nname = -x\n",
		     "t.matrix:2: bad name '-x' (expected [a-z0-9][a-z0-9._-]{0,63}, e.g. cxl-dax-hmem)");
	expect_error("[matrix]\narch = x86-64\n", "t.matrix:2: bad arch 'x86-64' (expected [a-z0-9_]+ as "
						  "given to make ARCH=, e.g. x86_64)");
	expect_error("[matrix]\nbase = allmodconfig\n",
		     "t.matrix:2: bad base 'allmodconfig' (expected tinyconfig, allnoconfig, defconfig or "
		     "FILE.config)");
	expect_error("[matrix]\ntargets = vmlinux -j8\n",
		     "t.matrix:2: bad make target '-j8' (expected names like vmlinux modules bzImage: "
		     "[A-Za-z0-9._/-]+, not starting with '-')");
	expect_error("[matrix]\ntargets = O=/tmp\n",
		     "t.matrix:2: bad make target 'O=/tmp' (expected names like vmlinux modules bzImage: "
		     "[A-Za-z0-9._/-]+, not starting with '-')");
	expect_error(
		"[matrix]\nimage = ../../etc/passwd\n",
		"t.matrix:2: bad image '../../etc/passwd' (expected a path relative to the build directory, "
		"e.g. arch/x86/boot/bzImage)");
	expect_error("[matrix]\nimage = /vmlinux\n",
		     "t.matrix:2: bad image '/vmlinux' (expected a path relative to the build directory, "
		     "e.g. arch/x86/boot/bzImage)");
	expect_error("[matrix]\nfragment = a.config a.config\n",
		     "t.matrix:2: fragment 'a.config' listed twice (expected each file once)");
}

static void parse__rejects_unsafe_file_names(void **state)
{
	expect_error(
		"[matrix]\nfragment = ok.config ../x\n",
		"t.matrix:2: unsafe file name '../x' for fragment (expected a bare file name in the matrix's "
		"directory: [A-Za-z0-9._-]+, not starting with '.')");
	expect_error(
		"[matrix]\nfragment = /etc/passwd\n",
		"t.matrix:2: unsafe file name '/etc/passwd' for fragment (expected a bare file name in the "
		"matrix's directory: [A-Za-z0-9._-]+, not starting with '.')");
	expect_error("[matrix]\nfragment = .hidden\n",
		     "t.matrix:2: unsafe file name '.hidden' for fragment (expected a bare file name in the "
		     "matrix's directory: [A-Za-z0-9._-]+, not starting with '.')");
	expect_error("[matrix]\nbase = ../x.config\n",
		     "t.matrix:2: unsafe file name '../x.config' for base (expected a bare file name in the "
		     "matrix's directory: [A-Za-z0-9._-]+, not starting with '.')");
	expect_error(
		HEAD "[boot]\ncheck = sub/check.sh\n",
		"t.matrix:9: unsafe file name 'sub/check.sh' for check (expected a bare file name in the "
		"matrix's directory: [A-Za-z0-9._-]+, not starting with '.')");
	expect_error(
		HEAD "[boot]\nscratch = ../../disk:1M\n",
		"t.matrix:9: unsafe file name '../../disk' for scratch (expected a bare file name in the "
		"matrix's directory: [A-Za-z0-9._-]+, not starting with '.')");
	assert_true(matrix_file_name_ok("cxl-dax-hmem.config"));
	assert_true(matrix_file_name_ok("a..b"));
	assert_false(matrix_file_name_ok(".."));
	assert_false(matrix_file_name_ok("a/b"));
	assert_false(matrix_file_name_ok(""));
	assert_false(matrix_file_name_ok("a b"));
	assert_false(matrix_file_name_ok(NULL));
}

static void parse__rejects_boot_command_mistakes(void **state)
{
	expect_error(HEAD "[boot]\nqemu = -m 1G\nexec = {kernel}\n",
		     "t.matrix:10: both 'qemu' and 'exec' in [boot] (expected exactly one)");
	expect_error(HEAD "[boot]\nappend = console=ttyS0\n",
		     "t.matrix:8: [boot] needs 'qemu' or 'exec' (expected exactly one)");
	expect_error(HEAD "[boot]\nqemu = -kernel {kernal}\n",
		     "t.matrix:9: unknown placeholder '{kernal}' in qemu (expected {kernel}, {initrd}, "
		     "{append} or "
		     "{dir})");
	expect_error(HEAD "[boot]\nexec =\n",
		     "t.matrix:9: empty value for 'exec' in [boot] (expected a command "
		     "line, e.g. {kernel} {append})");
}

static void parse__accepts_qemu_json_braces(void **state)
{
	struct matrix *m = parse_ok(HEAD "[boot]\nqemu = -blockdev {\"driver\":\"file\"} -kernel {kernel}\n");

	assert_string_equal(m->boot->qemu, "-blockdev {\"driver\":\"file\"} -kernel {kernel}");
	matrix_free(m);
}

static void parse__rejects_bad_timeout(void **state)
{
	expect_error(HEAD "[boot]\nexec = x\ntimeout = 0\n",
		     "t.matrix:10: bad timeout '0' (expected whole seconds, 1 to 3600)");
	expect_error(HEAD "[boot]\nexec = x\ntimeout = 3601\n",
		     "t.matrix:10: bad timeout '3601' (expected whole seconds, 1 to 3600)");
	expect_error(HEAD "[boot]\nexec = x\ntimeout = 2m\n",
		     "t.matrix:10: bad timeout '2m' (expected whole seconds, 1 to 3600)");
	expect_error(HEAD "[boot]\nexec = x\ntimeout = 99999999999999999999\n",
		     "t.matrix:10: bad timeout '99999999999999999999' (expected whole seconds, 1 to 3600)");
}

static void parse__rejects_bad_scratch(void **state)
{
	expect_error(HEAD "[boot]\nscratch = mem.raw:256X\n",
		     "t.matrix:9: bad scratch size '256X' for mem.raw (expected a number with K, M or G, "
		     "e.g. 256M; "
		     "at most 64G)");
	expect_error(HEAD "[boot]\nscratch = mem.raw:0\n", "t.matrix:9: bad scratch size '0' for mem.raw "
							   "(expected a number with K, M or G, e.g. 256M; "
							   "at most 64G)");
	expect_error(HEAD "[boot]\nscratch = mem.raw:65G\n", "t.matrix:9: bad scratch size '65G' for mem.raw "
							     "(expected a number with K, M or G, e.g. 256M; "
							     "at most 64G)");
	expect_error(HEAD "[boot]\nscratch = mem.raw:-1M\n", "t.matrix:9: bad scratch size '-1M' for mem.raw "
							     "(expected a number with K, M or G, e.g. 256M; "
							     "at most 64G)");
	expect_error(
		HEAD "[boot]\nscratch = mem.raw:99999999999999999999999G\n",
		"t.matrix:9: bad scratch size '99999999999999999999999G' for mem.raw (expected a number with "
		"K, M or G, e.g. 256M; at most 64G)");
	expect_error(HEAD "[boot]\nscratch = mem.raw\n",
		     "t.matrix:9: bad scratch 'mem.raw' (expected NAME:SIZE, e.g. cxl-mem0.raw:256M)");
	expect_error(HEAD "[boot]\nscratch = a.raw:1M a.raw:2M\n",
		     "t.matrix:9: scratch file 'a.raw' listed twice (expected each name once)");
}

/* "NAME VALUE " n times, for a list longer than its limit. */
static char *words(const char *prefix, const char *suffix, unsigned n)
{
	char *s = xstrdup("");

	for (unsigned i = 0; i < n; i++) {
		char *t = xasprintf("%s%s%u%s ", s, prefix, i, suffix);

		free(s);
		s = t;
	}
	return s;
}

/* Each list key stops at its own limit and says how many it got. */
static void parse__rejects_too_long_lists(void **state)
{
	char *frags = words("f", ".config", 33), *targets = words("t", "", 33);
	char *scratch = words("s", ".raw:1M", 17), *mods = words("m", "", 65);
	char *text;

	text = xasprintf("[matrix]\nfragment = %s\n", frags);
	expect_error(text, "t.matrix:2: too many fragments (33; expected at most 32)");
	free(text);
	text = xasprintf("[matrix]\ntargets = %s\n", targets);
	expect_error(text, "t.matrix:2: too many targets (33; expected at most 32)");
	free(text);
	text = xasprintf(HEAD "[boot]\nscratch = %s\n", scratch);
	expect_error(text, "t.matrix:9: too many scratch files (17; expected at most 16)");
	free(text);
	text = xasprintf(HEAD "[boot]\nexec = x\n[variant v]\nload = %s\n", mods);
	expect_error(text, "t.matrix:11: too many modules (65; expected at most 64)");
	free(text);
	free(frags);
	free(targets);
	free(scratch);
	free(mods);
}

static void parse__rejects_variant_mistakes(void **state)
{
	expect_error(HEAD "[boot]\nexec = x\n[variant Cxl_First]\n",
		     "t.matrix:10: bad variant name 'Cxl_First' (expected [a-z0-9][a-z0-9._-]{0,31})");
	expect_error(HEAD "[boot]\nexec = x\n[variant]\n",
		     "t.matrix:10: missing variant name (expected [variant NAME])");
	expect_error(HEAD "[boot]\nexec = x\n[variant v]\nmodprobe = insmod\n",
		     "t.matrix:11: bad modprobe 'insmod' (expected busybox or kmod)");
	expect_error(HEAD "[boot]\nexec = x\n[variant v]\nload = cxl_acpi Dax\n",
		     "t.matrix:11: bad module name 'Dax' (expected [a-z0-9_-]+, e.g. cxl_acpi)");
	expect_error(HEAD "[boot]\nexec = x\n[variant v]\nload = a b a\n",
		     "t.matrix:11: module 'a' listed twice in load (expected each module once)");
	expect_error(HEAD "[variant v]\nload = a\n", "t.matrix:8: [variant v] without a [boot] section "
						     "(expected [boot]: variants are ways to boot)");
}

static void parse__variant_before_boot(void **state)
{
	struct matrix *m = parse_ok(HEAD "[variant v]\nload = a b\n[boot]\nexec = x\n");

	assert_int_equal(m->boot->nvariants, 1);
	assert_string_equal(m->boot->variants[0].name, "v");
	assert_int_equal(m->boot->variants[0].nload, 2);
	assert_string_equal(m->boot->variants[0].modprobe, "busybox");
	matrix_free(m);
}

static void parse__rejects_exclude_mistakes(void **state)
{
	expect_error(HEAD "[exclude]\nA=n C=y\n",
		     "t.matrix:9: exclude names 'C', which is not an axis (expected one of: A, B)");
	expect_error(HEAD "[exclude]\nA=n B=m\n",
		     "t.matrix:9: exclude value 'm' is not a value of axis B (expected one of: y n)");
	expect_error(HEAD "[exclude]\nA=n B=x\n",
		     "t.matrix:9: bad value 'x' in exclude term for B (expected y, m or n)");
	expect_error(HEAD "[exclude]\nA=n B\n",
		     "t.matrix:9: bad exclude term 'B' (expected AXIS=v or AXIS=v,v)");
	expect_error(HEAD "[exclude]\nA=\n",
		     "t.matrix:9: bad exclude term 'A=' (expected AXIS=v or AXIS=v,v)");
	expect_error(HEAD "[exclude]\nA=n A=y\n",
		     "t.matrix:9: axis A appears twice in one exclude line (expected A=v,v)");
	expect_error(HEAD "[exclude]\nA=n,n\n", "t.matrix:9: value 'n' repeated in exclude term for A");
	expect_error(HEAD "[exclude]\nB=y\nB=n\n", "t.matrix:10: every point is excluded (expected the "
						   "[exclude] lines to leave at least one point)");
}

static void parse__exclude_before_axes(void **state)
{
	struct matrix *m = parse_ok("[exclude]\nCONFIG_A = n , m   B=n\n[matrix]\nname = t\narch = x86_64\n"
				    "base = tinyconfig\n[axes]\nA = y m n\nB = y n\n");

	assert_int_equal(m->nexcludes, 1);
	assert_int_equal(m->excludes[0].line, 2);
	assert_int_equal(m->excludes[0].nterms, 2);
	assert_int_equal(m->excludes[0].terms[0].axis, 0);
	assert_string_equal(m->excludes[0].terms[0].values, "nm");
	assert_int_equal(m->excludes[0].terms[1].axis, 1);
	assert_string_equal(m->excludes[0].terms[1].values, "n");
	assert_int_equal(matrix_point_count(m), 4);
	matrix_free(m);
}

static void parse__rejects_bad_notify(void **state)
{
	expect_error(HEAD "[notify]\nto = a@example.org, not an address\n",
		     "t.matrix:9: bad e-mail address 'not an address' in 'to' (expected name@domain, "
		     "comma-separated)");
	expect_error(HEAD "[notify]\nto = <a@example.org>\n",
		     "t.matrix:9: bad e-mail address '<a@example.org>' in 'to' (expected name@domain, "
		     "comma-separated)");
	expect_error(HEAD "[notify]\nto = , ,\n",
		     "t.matrix:9: no address in 'to' (expected comma-separated e-mail addresses)");
}

static void parse__notify_list(void **state)
{
	struct matrix *m = parse_ok(HEAD "[notify]\nto = a@x.org,b+tag@y.org , ,a@x.org,\n");

	assert_int_equal(m->nnotify, 2);
	assert_string_equal(m->notify_to[0], "a@x.org");
	assert_string_equal(m->notify_to[1], "b+tag@y.org");
	matrix_free(m);
}

static void parse__rejects_oversized_input(void **state)
{
	size_t n = MATRIX_MAX_BYTES + 1;
	char *text = xmalloc(n);
	struct matrix *m = NULL;

	memset(text, '\n', n);
	assert_int_equal(matrix_parse("big.matrix", text, n, &m), KM_ETOOBIG);
	assert_null(m);
	assert_string_equal(err_msg(), "big.matrix: 65537 bytes (expected a matrix of at most 65536 bytes)");
	/* Exactly at the limit is fine as far as size goes (it then lacks [matrix]). */
	assert_int_equal(matrix_parse("big.matrix", text, n - 1, &m), KM_EINVAL);
	free(text);
}

static void parse__rejects_nul_and_control_bytes(void **state)
{
	static const char nul[] = HEAD "[notify]\nto = a@b\0c\n";

	expect_error_n(nul, sizeof(nul) - 1, KM_EINVAL, "t.matrix:9: NUL byte in input (expected text)");
	expect_error(HEAD "\x1b[31m\n", "t.matrix:8: control character 0x1b in input (expected text)");
	expect_error(HEAD "# caf\xc3\x28\n", "t.matrix:8: invalid UTF-8 at byte 0xc3 (expected UTF-8 text)");
	expect_error(HEAD "# \xed\xa0\x80 (a surrogate)\n",
		     "t.matrix:8: invalid UTF-8 at byte 0xed (expected UTF-8 text)");
}

static void parse__accepts_crlf_bom_and_utf8(void **state)
{
	struct matrix *m =
		parse_ok("\xef\xbb\xbf[matrix]\r\nname = t\r\narch = x86_64\r\nbase = tinyconfig\r\n"
			 "[axes]\r\n# Gr\xc3\xbc\xc3\x9f\x65 \xe2\x9c\x93\r\nA = y n\r\n");

	assert_string_equal(m->base, "tinyconfig");
	assert_string_equal(m->axes[0].values, "yn");
	matrix_free(m);
}

static void parse__line_continuation(void **state)
{
	struct matrix *m = parse_ok(HEAD "[boot]\n"
					 "qemu = -machine q35 \\\n"
					 "       -m 1G\\\n"
					 "\t-kernel {kernel}   \\   # comments may follow the backslash\n"
					 "       -append {append}\n"
					 "timeout = 30\n"
					 "[variant v]\n"
					 "load = a \\\n"
					 "  b\n");

	assert_string_equal(m->boot->qemu, "-machine q35 -m 1G -kernel {kernel} -append {append}");
	assert_int_equal(m->boot->timeout_s, 30);
	assert_int_equal(m->boot->variants[0].nload, 2);
	matrix_free(m);
	/* Errors in a continued line name its first line. */
	expect_error(HEAD "C = y \\\n  x\n", "t.matrix:8: bad value 'x' for C (expected y, m or n)");
	expect_error(HEAD "[boot]\nexec = x \\\n",
		     "t.matrix:9: '\\' at the end of the last line (expected a line to continue onto)");
	/* A comment line ending in a backslash does not swallow the next line. */
	m = parse_ok(HEAD "# a comment \\\n[boot]\nexec = x\n");
	assert_string_equal(m->boot->exec, "x");
	matrix_free(m);
}

static void parse__comments(void **state)
{
	struct matrix *m =
		parse_ok("# leading comment\n"
			 "  # indented comment\n"
			 "[matrix]   # trailing comment on a header\n"
			 "name = t\n"
			 "arch = x86_64\t# tab before the hash\n"
			 "base = tinyconfig # comment\n"
			 "[axes]\n"
			 "A = y n # m is not tried\n"
			 "[boot]\n"
			 "exec = run a#b {kernel}#x\n"
			 "append = console=ttyS0 memmap=256M%0x110000000 memmap=64M#0x1000 a#b # the end\n");

	assert_string_equal(m->name, "t");
	assert_string_equal(m->arch, "x86_64");
	assert_string_equal(m->axes[0].values, "yn");
	assert_string_equal(m->boot->exec, "run a#b {kernel}#x");
	assert_string_equal(m->boot->append, "console=ttyS0 memmap=256M%0x110000000 memmap=64M#0x1000 a#b");
	matrix_free(m);
}

static void parse__long_values_are_clipped_in_messages(void **state)
{
	char text[512];
	char longname[201];
	struct matrix *m = NULL;

	memset(longname, 'x', 200);
	longname[200] = '\0';
	snprintf(text, sizeof(text), "[matrix]\nfragment = %s/\n", longname);
	assert_int_equal(matrix_parse("t.matrix", text, strlen(text), &m), KM_EINVAL);
	assert_non_null(strstr(err_msg(), "t.matrix:2: unsafe file name 'xxxxxxxxxx"));
	assert_non_null(strstr(err_msg(), "xxx...' for fragment"));
	assert_true(strlen(err_msg()) < 250);
}

/* ---- expansion ---- */

static void expand__example_count_and_order(void **state)
{
	struct matrix *m = NULL;
	char **pts = NULL;
	size_t n = 0;

	assert_int_equal(matrix_load(DATA_DIR "/cxl-dax-hmem.matrix", &m), 0);
	assert_int_equal(matrix_expand(m, &pts, &n), 0);
	assert_int_equal(n, 162);
	assert_string_equal(pts[0], "yyyyy");
	assert_string_equal(pts[1], "yyyyn");
	assert_string_equal(pts[2], "yyymy");
	assert_string_equal(pts[54], "myyyy");
	assert_string_equal(pts[161], "nnnnn");
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(strlen(pts[i]), 5);
		for (size_t j = i + 1; j < n; j++)
			assert_string_not_equal(pts[i], pts[j]);
	}
	matrix_points_free(pts, n);
	matrix_free(m);
}

static void expand__listed_value_order(void **state)
{
	struct matrix *m = parse_ok("[matrix]\nname = t\narch = x86_64\nbase = tinyconfig\n[axes]\n"
				    "A = n y\nB = m y n\n");
	static const char *const want[] = { "nm", "ny", "nn", "ym", "yy", "yn" };
	char **pts = NULL;
	size_t n = 0;

	assert_int_equal(matrix_expand(m, &pts, &n), 0);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(pts[i], want[i]);
	matrix_points_free(pts, n);
	matrix_free(m);
}

static void expand__excludes(void **state)
{
	struct matrix *m = parse_ok(HEAD "[exclude]\nA=n B=n\n");
	char **pts = NULL;
	size_t n = 0;

	assert_int_equal(matrix_point_count(m), 5);
	assert_int_equal(matrix_expand(m, &pts, &n), 0);
	assert_int_equal(n, 5);
	assert_string_equal(pts[4], "ny");
	assert_true(matrix_point_excluded(m, "nn"));
	assert_false(matrix_point_excluded(m, "ny"));
	matrix_points_free(pts, n);
	matrix_free(m);

	m = parse_ok(HEAD "[exclude]\nA=n,m B=n\nA=y B=y\n");
	assert_int_equal(matrix_point_count(m), 3);
	assert_int_equal(matrix_expand(m, &pts, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(pts[0], "yn");
	assert_string_equal(pts[1], "my");
	assert_string_equal(pts[2], "ny");
	matrix_points_free(pts, n);
	matrix_free(m);
}

/* The shipped-style example with the "no CXL bus, no HMEM" corner dropped: 1*1*3*3*2 points fewer. */
static void expand__example_with_exclude(void **state)
{
	char *text = NULL;
	FILE *f = fopen(DATA_DIR "/cxl-dax-hmem.matrix", "r");
	char buf[8192];
	size_t len;
	struct matrix *m = NULL;

	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	text = xasprintf("%s\n[exclude]\nDEV_DAX_HMEM=n CXL_BUS=n\n", buf);
	assert_int_equal(matrix_parse("x.matrix", text, strlen(text), &m), 0);
	assert_int_equal(matrix_point_count(m), 162 - 18);
	matrix_free(m);
	free(text);
}

static void point__json_round_trip(void **state)
{
	struct matrix *m = NULL;
	char **pts = NULL;
	size_t n = 0;

	assert_int_equal(matrix_load(DATA_DIR "/cxl-dax-hmem.matrix", &m), 0);
	assert_int_equal(matrix_expand(m, &pts, &n), 0);
	for (size_t i = 0; i < n; i++) {
		json_t *j = matrix_point_json(m, pts[i]);
		char *back = NULL;

		assert_non_null(j);
		assert_int_equal(json_object_size(j), 5);
		assert_int_equal(json_string_value(json_object_get(j, "CXL_BUS"))[0], pts[i][1]);
		assert_int_equal(matrix_point_from_json(m, j, &back), 0);
		assert_string_equal(back, pts[i]);
		free(back);
		json_decref(j);
	}
	{
		json_t *j = matrix_point_json(m, "ymnyn");
		char *s = json_dumps(j, JSON_COMPACT);

		assert_string_equal(s, "{\"DEV_DAX_HMEM\":\"y\",\"CXL_BUS\":\"m\",\"CXL_ACPI\":\"n\","
				       "\"CXL_PCI\":\"y\",\"CXL_REGION\":\"n\"}");
		free(s);
		json_decref(j);
	}
	assert_null(matrix_point_json(m, "ymnym")); /* CXL_REGION has no m */
	{
		/* An effective point may hold what the axes do not offer: Kconfig chose it. */
		json_t *j = matrix_effective_json(m, "ymnym");

		assert_string_equal(json_string_value(json_object_get(j, "CXL_REGION")), "m");
		json_decref(j);
		assert_null(matrix_effective_json(m, "ymnyx"));
		assert_null(matrix_effective_json(m, "ymny"));
	}
	assert_null(matrix_point_json(m, "ymny"));
	assert_null(matrix_point_json(m, NULL));
	matrix_points_free(pts, n);
	matrix_free(m);
}

static void point__from_json_rejects(void **state)
{
	struct matrix *m = parse_ok(HEAD);
	static const char *const bad[] = {
		"{\"A\":\"y\"}",
		"{\"A\":\"y\",\"B\":\"y\",\"C\":\"y\"}",
		"{\"A\":\"y\",\"C\":\"y\"}",
		"{\"A\":\"y\",\"B\":\"m\"}",
		"{\"A\":\"y\",\"B\":\"yy\"}",
		"{\"A\":\"y\",\"B\":1}",
		"{\"A\":\"y\",\"B\":\"\"}",
		"[\"y\",\"y\"]",
	};
	char *pt = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = json_loads(bad[i], 0, NULL);

		assert_non_null(j);
		assert_int_equal(matrix_point_from_json(m, j, &pt), KM_EINVAL);
		assert_null(pt);
		json_decref(j);
	}
	{
		json_t *j = json_loads("{\"A\":\"y\",\"B\":\"m\"}", 0, NULL);

		matrix_point_from_json(m, j, &pt);
		assert_string_equal(err_msg(), "point: bad value for B (expected one of: y n)");
		json_decref(j);
	}
	assert_true(matrix_point_ok(m, "my"));
	assert_false(matrix_point_ok(m, "mm"));
	assert_false(matrix_point_ok(m, "myy"));
	matrix_free(m);
}

/* ---- bundles ---- */

static char *make_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/km-test-matrix-XXXXXX", tmp && *tmp ? tmp : "/tmp");

	assert_non_null(mkdtemp(dir));
	return dir;
}

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	free(path);
}

static void remove_dir(char *dir)
{
	static const char *const names[] = { "cxl-dax-hmem.matrix", "cxl-dax-hmem.config", "cxl-ownership.sh",
					     "other.matrix", "base.config" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);

		unlink(path);
		free(path);
	}
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = xmalloc(1 << 16);

	assert_non_null(f);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void copy_example(const char *dir, bool with_fragment)
{
	static const char *const names[] = { "cxl-dax-hmem.matrix", "cxl-dax-hmem.config",
					     "cxl-ownership.sh" };

	for (size_t i = 0; i < 3; i++) {
		char *src = xasprintf("%s/%s", DATA_DIR, names[i]);
		size_t len = 0;
		char *text = slurp(src, &len);

		if (i != 1 || with_fragment)
			write_file(dir, names[i], text, len);
		free(text);
		free(src);
	}
}

static void bundle__load_and_parse(void **state)
{
	char *dir = make_dir();
	json_t *b = NULL;
	struct matrix *m = NULL;
	size_t len = 0;
	char *text = slurp(DATA_DIR "/cxl-dax-hmem.matrix", &len);
	char *frag = slurp(DATA_DIR "/cxl-dax-hmem.config", &len);

	copy_example(dir, true);
	assert_int_equal(matrix_bundle_load(dir, "cxl-dax-hmem", &b), 0);
	assert_string_equal(json_string_value(json_object_get(b, "name")), "cxl-dax-hmem");
	assert_string_equal(json_string_value(json_object_get(b, "file")), "cxl-dax-hmem.matrix");
	assert_string_equal(json_string_value(json_object_get(b, "text")), text);
	assert_int_equal(json_object_size(json_object_get(b, "files")), 2);
	assert_string_equal(matrix_bundle_file(b, "cxl-dax-hmem.config"), frag);
	assert_non_null(strstr(matrix_bundle_file(b, "cxl-ownership.sh"), "KM-RESULT"));
	assert_null(matrix_bundle_file(b, "nope.config"));

	/* The snapshot does not follow later edits of the directory. */
	write_file(dir, "cxl-dax-hmem.config", "CONFIG_X=y\n", 11);
	assert_int_equal(matrix_bundle_parse(b, &m), 0);
	assert_string_equal(m->file, "cxl-dax-hmem.matrix");
	assert_int_equal(matrix_point_count(m), 162);
	assert_string_equal(matrix_bundle_file(b, "cxl-dax-hmem.config"), frag);
	matrix_free(m);

	/* A bundle that lost a referenced file is refused. */
	json_object_del(json_object_get(b, "files"), "cxl-ownership.sh");
	assert_int_equal(matrix_bundle_parse(b, &m), KM_EINVAL);
	assert_null(m);
	assert_string_equal(
		err_msg(), "cxl-dax-hmem.matrix:28: check script 'cxl-ownership.sh' missing from the bundle");
	json_object_set_new(b, "name", json_string("other"));
	assert_int_equal(matrix_bundle_parse(b, &m), KM_EINVAL);
	json_object_set_new(b, "file", json_string("../x.matrix"));
	assert_int_equal(matrix_bundle_parse(b, &m), KM_EINVAL);
	assert_string_equal(err_msg(), "bundle: bad file '../x.matrix' (expected NAME.matrix)");
	json_decref(b);
	assert_int_equal(matrix_bundle_parse(json_null(), &m), KM_EINVAL);

	free(text);
	free(frag);
	remove_dir(dir);
}

static void bundle__missing_file(void **state)
{
	char *dir = make_dir();
	json_t *b = NULL;
	char *want;

	copy_example(dir, false);
	assert_int_equal(matrix_bundle_load(dir, "cxl-dax-hmem", &b), KM_ENOTFOUND);
	assert_null(b);
	want = xasprintf("cxl-dax-hmem.matrix:8: fragment 'cxl-dax-hmem.config' not found in %s", dir);
	assert_string_equal(err_msg(), want);
	free(want);

	assert_int_equal(matrix_bundle_load(dir, "absent", &b), KM_ENOTFOUND);
	want = xasprintf("matrix 'absent' not found in %s", dir);
	assert_string_equal(err_msg(), want);
	free(want);
	remove_dir(dir);
}

static void bundle__unsafe_names(void **state)
{
	char *dir = make_dir();
	json_t *b = NULL;
	static const char other[] = "[matrix]\nname = other\narch = x86_64\nbase = tinyconfig\n"
				    "fragment = ../cxl-dax-hmem.config\n[axes]\nA = y\n";

	assert_int_equal(matrix_bundle_load(dir, "../etc/passwd", &b), KM_EINVAL);
	assert_string_equal(err_msg(),
			    "bad matrix name '../etc/passwd' (expected [a-z0-9][a-z0-9._-]{0,63})");
	assert_int_equal(matrix_bundle_load(dir, "Other", &b), KM_EINVAL);
	assert_int_equal(matrix_bundle_load(dir, "", &b), KM_EINVAL);

	write_file(dir, "other.matrix", other, sizeof(other) - 1);
	assert_int_equal(matrix_bundle_load(dir, "other", &b), KM_EINVAL);
	assert_string_equal(err_msg(),
			    "other.matrix:5: unsafe file name '../cxl-dax-hmem.config' for fragment "
			    "(expected a bare file name in the matrix's directory: [A-Za-z0-9._-]+, "
			    "not starting with '.')");
	assert_null(b);
	remove_dir(dir);
}

static void bundle__name_mismatch_and_big_file(void **state)
{
	char *dir = make_dir();
	json_t *b = NULL;
	static const char other[] = "[matrix]\nname = something-else\narch = x86_64\nbase = tinyconfig\n"
				    "[axes]\nA = y\n";
	static const char based[] =
		"[matrix]\nname = other\narch = x86_64\nbase = base.config\n[axes]\nA = y\n";
	char *big = xmalloc(MATRIX_BUNDLE_FILE_MAX + 1);

	write_file(dir, "other.matrix", other, sizeof(other) - 1);
	assert_int_equal(matrix_bundle_load(dir, "other", &b), KM_EINVAL);
	assert_string_equal(err_msg(), "other.matrix:2: name 'something-else' does not match the file name "
				       "(expected name = other)");

	write_file(dir, "other.matrix", based, sizeof(based) - 1);
	memset(big, '#', MATRIX_BUNDLE_FILE_MAX + 1);
	write_file(dir, "base.config", big, MATRIX_BUNDLE_FILE_MAX + 1);
	assert_int_equal(matrix_bundle_load(dir, "other", &b), KM_ETOOBIG);
	assert_string_equal(err_msg(), "other.matrix:4: base 'base.config' is larger than 1 MiB");

	write_file(dir, "base.config", "CONFIG_A=y\n\0", 12);
	assert_int_equal(matrix_bundle_load(dir, "other", &b), KM_EINVAL);
	assert_string_equal(err_msg(),
			    "other.matrix:4: base 'base.config' is not text (expected UTF-8 without "
			    "NUL bytes)");

	write_file(dir, "base.config", big, MATRIX_BUNDLE_FILE_MAX);
	assert_int_equal(matrix_bundle_load(dir, "other", &b), 0);
	assert_int_equal(strlen(matrix_bundle_file(b, "base.config")), MATRIX_BUNDLE_FILE_MAX);
	json_decref(b);
	free(big);
	remove_dir(dir);
}

static void load__missing_and_oversized(void **state)
{
	char *dir = make_dir();
	char *path = xasprintf("%s/other.matrix", dir);
	char *big = xmalloc(MATRIX_MAX_BYTES + 10);
	struct matrix *m = NULL;

	assert_int_equal(matrix_load(path, &m), KM_ENOTFOUND);
	memset(big, '\n', MATRIX_MAX_BYTES + 10);
	write_file(dir, "other.matrix", big, MATRIX_MAX_BYTES + 10);
	assert_int_equal(matrix_load(path, &m), KM_ETOOBIG);
	assert_null(m);
	assert_int_equal(matrix_load(dir, &m), KM_EIO);
	free(big);
	free(path);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse__shipped_example),
		cmocka_unit_test(parse__defaults),
		cmocka_unit_test(parse__all_keys),
		cmocka_unit_test(parse__rejects_unknown_section),
		cmocka_unit_test(parse__rejects_unknown_key),
		cmocka_unit_test(parse__rejects_duplicate_key),
		cmocka_unit_test(parse__rejects_duplicate_section),
		cmocka_unit_test(parse__rejects_key_outside_section),
		cmocka_unit_test(parse__rejects_line_without_equals),
		cmocka_unit_test(parse__rejects_bad_axis_values),
		cmocka_unit_test(parse__rejects_bad_symbol),
		cmocka_unit_test(parse__rejects_too_many_axes),
		cmocka_unit_test(parse__rejects_too_long_lists),
		cmocka_unit_test(parse__rejects_missing_required),
		cmocka_unit_test(parse__rejects_bad_matrix_values),
		cmocka_unit_test(parse__rejects_unsafe_file_names),
		cmocka_unit_test(parse__rejects_boot_command_mistakes),
		cmocka_unit_test(parse__accepts_qemu_json_braces),
		cmocka_unit_test(parse__rejects_bad_timeout),
		cmocka_unit_test(parse__rejects_bad_scratch),
		cmocka_unit_test(parse__rejects_variant_mistakes),
		cmocka_unit_test(parse__variant_before_boot),
		cmocka_unit_test(parse__rejects_exclude_mistakes),
		cmocka_unit_test(parse__exclude_before_axes),
		cmocka_unit_test(parse__rejects_bad_notify),
		cmocka_unit_test(parse__notify_list),
		cmocka_unit_test(parse__rejects_oversized_input),
		cmocka_unit_test(parse__rejects_nul_and_control_bytes),
		cmocka_unit_test(parse__accepts_crlf_bom_and_utf8),
		cmocka_unit_test(parse__line_continuation),
		cmocka_unit_test(parse__comments),
		cmocka_unit_test(parse__long_values_are_clipped_in_messages),
		cmocka_unit_test(expand__example_count_and_order),
		cmocka_unit_test(expand__listed_value_order),
		cmocka_unit_test(expand__excludes),
		cmocka_unit_test(expand__example_with_exclude),
		cmocka_unit_test(point__json_round_trip),
		cmocka_unit_test(point__from_json_rejects),
		cmocka_unit_test(bundle__load_and_parse),
		cmocka_unit_test(bundle__missing_file),
		cmocka_unit_test(bundle__unsafe_names),
		cmocka_unit_test(bundle__name_mismatch_and_big_file),
		cmocka_unit_test(load__missing_and_oversized),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
