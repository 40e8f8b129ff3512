/* Tests of .config parsing, writing, normalizing, hashing and comparison. */
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

#include "buf.h"
#include "err.h"
#include "kconfig.h"
#include "matrix.h"
#include "xalloc.h"

static const char sample[] = "#\n"
			     "# Automatically generated file; DO NOT EDIT.\n"
			     "# Linux/x86 6.12.0 Kernel Configuration\n"
			     "#\n"
			     "CONFIG_CC_VERSION_TEXT=\"gcc (Debian 12.2.0-14) 12.2.0\"\n"
			     "CONFIG_64BIT=y\n"
			     "\n"
			     "#\n"
			     "# General setup\n"
			     "#\n"
			     "CONFIG_LOCALVERSION=\"-km # not a comment\"\n"
			     "# CONFIG_DEV_DAX_HMEM is not set\n"
			     "CONFIG_CXL_BUS=m\n"
			     "CONFIG_NR_CPUS=64\n"
			     "CONFIG_PHYSICAL_START=0x1000000\n"
			     "CONFIG_CXL_REGION=n\n"
			     "CONFIG_CMDLINE=\"\"\n"
			     "# end of General setup\n";

static struct kconfig *parse_ok(const char *text)
{
	struct kconfig *c = NULL;

	if (kconfig_parse(text, strlen(text), &c) != 0)
		fail_msg("parse failed: %s", err_msg());
	assert_non_null(c);
	return c;
}

static void parse__lines_and_comments(void **state)
{
	struct kconfig *c = parse_ok(sample);

	assert_int_equal(kconfig_count(c), 9);
	assert_string_equal(kconfig_get(c, "CC_VERSION_TEXT"), "\"gcc (Debian 12.2.0-14) 12.2.0\"");
	assert_string_equal(kconfig_get(c, "LOCALVERSION"), "\"-km # not a comment\"");
	assert_string_equal(kconfig_get(c, "DEV_DAX_HMEM"), "n");
	assert_string_equal(kconfig_get(c, "CXL_BUS"), "m");
	assert_string_equal(kconfig_get(c, "NR_CPUS"), "64");
	assert_string_equal(kconfig_get(c, "CXL_REGION"), "n");
	assert_string_equal(kconfig_get(c, "CMDLINE"), "\"\"");
	assert_null(kconfig_get(c, "CXL_PCI"));
	assert_null(kconfig_get(c, "CONFIG_64BIT"));
	assert_int_equal(kconfig_tristate(c, "64BIT"), 'y');
	assert_int_equal(kconfig_tristate(c, "CXL_BUS"), 'm');
	assert_int_equal(kconfig_tristate(c, "DEV_DAX_HMEM"), 'n');
	assert_int_equal(kconfig_tristate(c, "CXL_PCI"), 'n');
	assert_int_equal(kconfig_tristate(c, "NR_CPUS"), 'n');
	kconfig_free(c);
}

static void parse__later_line_overrides(void **state)
{
	struct kconfig *c =
		parse_ok("CONFIG_A=y\nCONFIG_B=y\n# CONFIG_A is not set\nCONFIG_B=m\r\n  CONFIG_C=y  \n");
	char *text;

	assert_int_equal(kconfig_count(c), 3);
	assert_string_equal(kconfig_get(c, "A"), "n");
	assert_string_equal(kconfig_get(c, "B"), "m");
	text = kconfig_write(c);
	assert_string_equal(text, "# CONFIG_A is not set\nCONFIG_B=m\nCONFIG_C=y\n");
	free(text);
	kconfig_free(c);
}

static void expect_error(const char *text, size_t len, int code, const char *msg)
{
	struct kconfig *c = (struct kconfig *)1;

	assert_int_equal(kconfig_parse(text, len, &c), code);
	assert_null(c);
	assert_string_equal(err_msg(), msg);
}

static void parse__rejects_malformed(void **state)
{
	static const char nul[] = "CONFIG_A=y\nCONFIG_B=\0y\n";

	expect_error("CONFIG_A=y\n\nA=y\n", 15, KM_EINVAL,
		     "line 3: 'A=y' (expected CONFIG_NAME=value or '# CONFIG_NAME is not set')");
	expect_error("CONFIG_A\n", 9, KM_EINVAL,
		     "line 1: 'CONFIG_A' (expected CONFIG_NAME=value or '# CONFIG_NAME is not set')");
	expect_error("CONFIG_=y\n", 10, KM_EINVAL,
		     "line 1: 'CONFIG_=y' (expected CONFIG_NAME=value or '# CONFIG_NAME is not set')");
	expect_error("CONFIG_A-B=y\n", 13, KM_EINVAL,
		     "line 1: 'CONFIG_A-B=y' (expected CONFIG_NAME=value or '# CONFIG_NAME is not set')");
	expect_error(nul, sizeof(nul) - 1, KM_EINVAL, "line 2: NUL byte (expected text)");
	expect_error("CONFIG_A=\x01\n", 11, KM_EINVAL, "line 1: control character 0x01 (expected text)");
}

static void parse__rejects_oversized(void **state)
{
	size_t n = KCONFIG_MAX_BYTES + 1;
	char *big = xmalloc(n);

	memset(big, '\n', n);
	expect_error(big, n, KM_ETOOBIG, "8388609 bytes (expected a .config of at most 8388608 bytes)");
	free(big);
}

static void write__insertion_order_and_not_set(void **state)
{
	struct kconfig *c = kconfig_new();
	char *text;

	kconfig_set(c, "Z", "y");
	kconfig_set(c, "A", "n");
	kconfig_set(c, "M", "\"x y\"");
	kconfig_set(c, "Z", "m");
	text = kconfig_write(c);
	assert_string_equal(text, "CONFIG_Z=m\n# CONFIG_A is not set\nCONFIG_M=\"x y\"\n");
	free(text);
	text = kconfig_normalize(c);
	assert_string_equal(text, "# CONFIG_A is not set\nCONFIG_M=\"x y\"\nCONFIG_Z=m\n");
	free(text);
	kconfig_free(c);

	c = kconfig_new();
	text = kconfig_write(c);
	assert_string_equal(text, "");
	free(text);
	kconfig_free(c);
	kconfig_free(NULL);
}

static void hash__stable_across_order_and_comments(void **state)
{
	struct kconfig *a = parse_ok(sample);
	struct kconfig *b = parse_ok("# a different header\n"
				     "CONFIG_CMDLINE=\"\"\n"
				     "CONFIG_CXL_REGION=n\n"
				     "CONFIG_PHYSICAL_START=0x1000000\n"
				     "\n"
				     "CONFIG_NR_CPUS=64\n"
				     "CONFIG_CXL_BUS=m\n"
				     "# CONFIG_DEV_DAX_HMEM is not set\n"
				     "CONFIG_LOCALVERSION=\"-km # not a comment\"\n"
				     "CONFIG_64BIT=y\n"
				     "CONFIG_CC_VERSION_TEXT=\"gcc (Debian 12.2.0-14) 12.2.0\"\n");
	char ha[65], hb[65], hc[65];
	char *na = kconfig_normalize(a), *nb = kconfig_normalize(b), *text;
	struct kconfig *c;

	assert_string_equal(na, nb);
	kconfig_hash(a, ha);
	kconfig_hash(b, hb);
	assert_int_equal(strlen(ha), 64);
	assert_string_equal(ha, hb);
	assert_int_equal(kconfig_distance(a, b), 0);

	/* Write + parse round trip keeps the identity. */
	text = kconfig_write(a);
	c = parse_ok(text);
	kconfig_hash(c, hc);
	assert_string_equal(ha, hc);
	kconfig_free(c);
	free(text);

	/* One changed value changes it. */
	kconfig_set(b, "NR_CPUS", "8");
	kconfig_hash(b, hb);
	assert_string_not_equal(ha, hb);
	free(na);
	free(nb);
	kconfig_free(a);
	kconfig_free(b);
}

static void hash__known_value(void **state)
{
	struct kconfig *c = parse_ok("CONFIG_B=y\n# CONFIG_A is not set\n");
	char h[65];

	kconfig_hash(c, h);
	/* sha256 of "# CONFIG_A is not set\nCONFIG_B=y\n" */
	assert_string_equal(h, "d57cb24d54e6e8cdce60bb0d8b3c88b9023792db72607f99fd233079aba8038c");
	kconfig_free(c);
}

/* The vectors' distance is kconfig_distance(), "n", absent and non-tristate values included. */
static void vec_distance__equals_distance(void **state)
{
	static const char *const texts[] = {
		"CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_D=y\n",
		"CONFIG_A=y\nCONFIG_B=y\nCONFIG_E=m\n# CONFIG_F is not set\n",
		"CONFIG_D=y\nCONFIG_A=y\nCONFIG_B=m\n",
		"CONFIG_A=\"y\"\nCONFIG_X=0x10\nCONFIG_Y=\"text\"\nCONFIG_B=n\n",
		"CONFIG_X=0x20\nCONFIG_Y=\"text\"\nCONFIG_E=m\nCONFIG_F=y\nCONFIG_Z=y\n",
		"",
	};
	enum { N = sizeof(texts) / sizeof(texts[0]) };
	struct kconfig *c[N], *dict = kconfig_new();
	struct kconfig_vec *v[N];
	size_t nonzero = 0;

	for (size_t i = 0; i < N; i++) {
		c[i] = i == N - 1 ? kconfig_new() : parse_ok(texts[i]);
		v[i] = kconfig_vec_new(c[i], dict);
	}
	for (size_t i = 0; i < N; i++) {
		for (size_t j = 0; j < N; j++) {
			assert_int_equal(kconfig_vec_distance(v[i], v[j]), kconfig_distance(c[i], c[j]));
			nonzero += kconfig_vec_distance(v[i], v[j]) != 0;
		}
	}
	assert_int_equal(kconfig_vec_distance(v[0], v[1]), 3);
	assert_int_equal(kconfig_vec_distance(v[0], v[2]), 0); /* same pairs, another order, "n" left out */
	assert_true(nonzero > N);
	/* Symbols and values are interned once: A B D E X Y F Z, y m "y" 0x10 "text" 0x20. */
	assert_int_equal(kconfig_count(dict), 14);
	for (size_t i = 0; i < N; i++) {
		kconfig_vec_free(v[i]);
		kconfig_free(c[i]);
	}
	kconfig_free(dict);
}

static void distance__absent_equals_n(void **state)
{
	struct kconfig *a = parse_ok("CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_D=y\n");
	struct kconfig *b = parse_ok("CONFIG_A=y\nCONFIG_B=y\nCONFIG_E=m\n# CONFIG_F is not set\n");
	struct kconfig *e = kconfig_new();

	/* B differs, C n vs absent = same, D y vs absent, E absent vs m, F n vs absent = same. */
	assert_int_equal(kconfig_distance(a, b), 3);
	assert_int_equal(kconfig_distance(b, a), 3);
	assert_int_equal(kconfig_distance(a, a), 0);
	assert_int_equal(kconfig_distance(a, e), 3);
	assert_int_equal(kconfig_distance(e, e), 0);
	kconfig_free(a);
	kconfig_free(b);
	kconfig_free(e);
}

struct diff_rec {
	struct buf out;
};

static void record(void *ctx, const char *sym, const char *va, const char *vb)
{
	struct diff_rec *r = ctx;

	buf_printf(&r->out, "%s:%s>%s;", sym, va, vb);
}

static void diff__sorted_with_n_for_absent(void **state)
{
	struct kconfig *a =
		parse_ok("CONFIG_ZED=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_D=y\nCONFIG_S=\"x\"\n");
	struct kconfig *b =
		parse_ok("CONFIG_S=\"y\"\nCONFIG_B=y\nCONFIG_E=m\n# CONFIG_F is not set\nCONFIG_ZED=y\n");
	struct diff_rec r = { BUF_INIT(4096) };

	kconfig_diff(a, b, record, &r);
	assert_string_equal(buf_cstr(&r.out), "B:m>y;D:y>n;E:n>m;S:\"x\">\"y\";");
	buf_free(&r.out);
	kconfig_free(a);
	kconfig_free(b);
}

static void merge__src_overrides(void **state)
{
	struct kconfig *base = parse_ok("CONFIG_A=y\nCONFIG_B=y\n");
	struct kconfig *frag = parse_ok("# CONFIG_B is not set\nCONFIG_C=m\n");
	struct kconfig *copy;
	char *text;

	kconfig_merge(base, frag);
	text = kconfig_write(base);
	assert_string_equal(text, "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=m\n");
	free(text);
	copy = kconfig_dup(base);
	kconfig_set(copy, "A", "m");
	assert_string_equal(kconfig_get(base, "A"), "y");
	assert_string_equal(kconfig_get(copy, "A"), "m");
	assert_int_equal(kconfig_count(copy), 3);
	{
		const char *sym, *val;

		kconfig_at(copy, 2, &sym, &val);
		assert_string_equal(sym, "C");
		assert_string_equal(val, "m");
	}
	kconfig_free(copy);
	kconfig_free(base);
	kconfig_free(frag);
}

static struct matrix *cxl_matrix(void)
{
	static const char text[] = "[matrix]\nname = t\narch = x86_64\nbase = tinyconfig\n[axes]\n"
				   "DEV_DAX_HMEM = y m n\nCXL_BUS = y m n\nCXL_REGION = y n\n";
	struct matrix *m = NULL;

	assert_int_equal(matrix_parse("t.matrix", text, sizeof(text) - 1, &m), 0);
	return m;
}

static void matrix__effective_point(void **state)
{
	struct matrix *m = cxl_matrix();
	/* Asked DEV_DAX_HMEM=y CXL_BUS=m CXL_REGION=y; Kconfig made HMEM m and dropped REGION. */
	struct kconfig *eff =
		parse_ok("CONFIG_DEV_DAX_HMEM=m\nCONFIG_CXL_BUS=m\n# CONFIG_CXL_REGION is not set\n");
	char *pt = matrix_effective_point(m, eff);

	assert_string_equal(pt, "mmn");
	free(pt);
	kconfig_free(eff);

	/* An absent symbol is n. */
	eff = kconfig_new();
	pt = matrix_effective_point(m, eff);
	assert_string_equal(pt, "nnn");
	free(pt);
	kconfig_free(eff);
	matrix_free(m);
}

static void load__file(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char *path = xasprintf("%s/km-test-kconfig-%ld.config", tmp && *tmp ? tmp : "/tmp", (long)getpid());
	FILE *f = fopen(path, "w");
	struct kconfig *c = NULL;
	char *want;

	assert_non_null(f);
	fputs("CONFIG_A=y\nbogus\n", f);
	fclose(f);
	assert_int_equal(kconfig_load(path, &c), KM_EINVAL);
	want = xasprintf("%s: line 2: 'bogus' (expected CONFIG_NAME=value or '# CONFIG_NAME is not set')",
			 path);
	assert_string_equal(err_msg(), want);
	free(want);
	f = fopen(path, "w");
	fputs(sample, f);
	fclose(f);
	assert_int_equal(kconfig_load(path, &c), 0);
	assert_int_equal(kconfig_count(c), 9);
	kconfig_free(c);
	unlink(path);
	assert_int_equal(kconfig_load(path, &c), KM_ENOTFOUND);
	free(path);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The scheduler compares ~250 candidate configs of ~1,500 lines against the
 * last one built. Configs i and j differ in exactly |i - j| % 7 + 1 symbols
 * here, so the sum is known; the time is printed for the record.
 */
static void distance__many_large_configs(void **state)
{
	enum { NCONF = 250, NSYM = 1500 };
	struct kconfig **cs = xcalloc(NCONF, sizeof(*cs)), *dict = kconfig_new();
	struct kconfig_vec **vs = xcalloc(NCONF, sizeof(*vs));
	struct buf text = BUF_INIT(1 << 20);
	double t0, t1, t2, t3, t4;
	size_t total = 0, want = 0;

	t0 = now_s();
	for (int i = 0; i < NCONF; i++) {
		int flips = i % 7 + 1;

		buf_reset(&text);
		/* Symbols in a different order per config, so lookups are not positional. */
		for (int k = 0; k < NSYM; k++) {
			int s = (k * 7 + i) % NSYM;

			if (s < flips)
				buf_printf(&text, "CONFIG_SYMBOL_%04d=m\n", s);
			else if (s % 3 == 0)
				buf_printf(&text, "# CONFIG_SYMBOL_%04d is not set\n", s);
			else
				buf_printf(&text, "CONFIG_SYMBOL_%04d=y\n", s);
		}
		assert_int_equal(kconfig_parse(buf_cstr(&text), text.len, &cs[i]), 0);
		assert_int_equal(kconfig_count(cs[i]), NSYM);
	}
	t1 = now_s();
	for (int i = 0; i < NCONF; i++) {
		int a = 0 % 7 + 1, b = i % 7 + 1; /* flipped prefix sizes of config 0 and i */

		total += kconfig_distance(cs[0], cs[i]);
		want += (size_t)(a > b ? a - b : b - a);
	}
	t2 = now_s();
	assert_int_equal(total, want);
	for (int i = 0; i < NCONF; i++)
		vs[i] = kconfig_vec_new(cs[i], dict);
	t3 = now_s();
	total = 0;
	for (int i = 0; i < NCONF; i++)
		total += kconfig_vec_distance(vs[0], vs[i]);
	t4 = now_s();
	assert_int_equal(total, want);
	print_message("kconfig: parse %d x %d lines %.1f ms, %d distances %.1f ms; vectors %.1f ms, their distances "
		      "%.2f ms\n", NCONF, NSYM, (t1 - t0) * 1e3, NCONF, (t2 - t1) * 1e3, (t3 - t2) * 1e3,
		      (t4 - t3) * 1e3);
	for (int i = 0; i < NCONF; i++) {
		kconfig_vec_free(vs[i]);
		kconfig_free(cs[i]);
	}
	kconfig_free(dict);
	free(vs);
	free(cs);
	buf_free(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse__lines_and_comments),
		cmocka_unit_test(parse__later_line_overrides),
		cmocka_unit_test(parse__rejects_malformed),
		cmocka_unit_test(parse__rejects_oversized),
		cmocka_unit_test(write__insertion_order_and_not_set),
		cmocka_unit_test(hash__stable_across_order_and_comments),
		cmocka_unit_test(hash__known_value),
		cmocka_unit_test(distance__absent_equals_n),
		cmocka_unit_test(diff__sorted_with_n_for_absent),
		cmocka_unit_test(merge__src_overrides),
		cmocka_unit_test(matrix__effective_point),
		cmocka_unit_test(load__file),
		cmocka_unit_test(vec_distance__equals_distance),
		cmocka_unit_test(distance__many_large_configs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
