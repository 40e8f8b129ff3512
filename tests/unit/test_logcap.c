/* Tests of the size-capped build-log writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buildlog.h"
#include "err.h"
#include "logcap.h"
#include "xalloc.h"

struct ctx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));

	snprintf(c->dir, sizeof(c->dir), "/tmp/test_logcap.XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	snprintf(c->path, sizeof(c->path), "%s/build.log", c->dir);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	unlink(c->path);
	rmdir(c->dir);
	free(c);
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	assert_non_null(f);
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

/* Writes text through logcap in chunks of `chunk` bytes (0: random sizes) and returns the stored file. */
static char *store(const char *path, const char *text, size_t len, size_t head, size_t errors, size_t tail,
		   size_t chunk, size_t *out_len, unsigned long long *stored)
{
	struct logcap *lc = NULL;
	unsigned long long total = 0;
	unsigned seed = 7;

	assert_int_equal(logcap_open(path, head, errors, tail, &lc), 0);
	for (size_t i = 0; i < len;) {
		size_t n = chunk;

		if (!n) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 8) % 5000;
		}
		if (n > len - i)
			n = len - i;
		assert_int_equal(logcap_write(lc, text + i, n), 0);
		i += n;
	}
	assert_int_equal(logcap_close(lc, &total, stored), 0);
	assert_int_equal(total, len);
	{
		char *got = slurp(path, out_len);

		assert_int_equal(*out_len, *stored);
		return got;
	}
}

/* A kbuild-like log: numbered progress lines, with error lines at the given line numbers. */
static char *make_log(size_t nlines, const size_t *errors_at, size_t nerrors, size_t *len)
{
	size_t cap = nlines * 64 + 1024, n = 0, e = 0;
	char *text = xmalloc(cap);

	for (size_t i = 0; i < nlines; i++) {
		int w;

		if (e < nerrors && errors_at[e] == i) {
			w = snprintf(text + n, cap - n,
				     "hmem.c:(.text+0x%zx): undefined reference to `cxl_sym_%zu'\n", i * 16,
				     i);
			e++;
		} else {
			w = snprintf(text + n, cap - n, "  CC [M]  drivers/cxl/core/file%07zu.o\n", i);
		}
		n += (size_t)w;
	}
	*len = n;
	return text;
}

/* memmem() is a GNU extension. */
static const char *find_bytes(const char *hay, size_t hlen, const char *needle)
{
	size_t n = strlen(needle);

	for (const char *p = hay; n && p + n <= hay + hlen; p++) {
		p = memchr(p, needle[0], (size_t)(hay + hlen - p));
		if (!p || p + n > hay + hlen)
			return NULL;
		if (memcmp(p, needle, n) == 0)
			return p;
	}
	return NULL;
}

static bool contains(const char *hay, size_t hlen, const char *needle)
{
	return find_bytes(hay, hlen, needle) != NULL;
}

static size_t count_of(const char *hay, size_t hlen, const char *needle)
{
	size_t n = 0;
	const char *p = hay, *end = hay + hlen;

	while ((p = find_bytes(p, (size_t)(end - p), needle)) != NULL) {
		n++;
		p++;
	}
	return n;
}

static void small_log__stored_byte_for_byte(void **state)
{
	struct ctx *c = *state;
	static const char text[] = "make: Entering directory '/src'\r\n  CC      x.o\n\0\xff\xfe binary\n"
				   "hmem.c:(.text+0x1): undefined reference to `x'\nno newline at the end";
	size_t len = sizeof(text) - 1, got_len;
	unsigned long long stored;
	char *got;

	for (size_t chunk = 0; chunk <= 3; chunk++) {
		got = store(c->path, text, len, 4096, 4096, 4096, chunk, &got_len, &stored);
		assert_int_equal(got_len, len);
		assert_memory_equal(got, text, len);
		free(got);
	}
	/* Exactly head_max bytes is still identical. */
	got = store(c->path, text, len, len, 0, 0, 1, &got_len, &stored);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, text, len);
	free(got);
	/* An empty log is an empty file. */
	got = store(c->path, "", 0, 10, 10, 10, 1, &got_len, &stored);
	assert_int_equal(got_len, 0);
	free(got);
}

static void medium_log__head_plus_tail_is_identical(void **state)
{
	struct ctx *c = *state;
	size_t len, got_len;
	unsigned long long stored;
	char *text = make_log(4000, NULL, 0, &len);
	char *got;

	/* 160 KB log, 100 KB head, 100 KB tail: nothing needs to go. */
	got = store(c->path, text, len, 100000, 1000, 100000, 0, &got_len, &stored);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, text, len);
	free(got);
	/* Also when the head ends early, at a first line longer than the whole head. */
	memset(text, 'x', 90000);
	text[90000] = '\n';
	got = store(c->path, text, len, 80000, 0, len - 80000, 0, &got_len, &stored);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, text, len);
	free(got);
	free(text);
}

static void big_log__keeps_head_errors_and_tail(void **state)
{
	struct ctx *c = *state;
	const size_t head = 64 * 1024, errors = 16 * 1024, tail = 128 * 1024;
	const size_t errs[] = { 100000, 150000, 150001, 200000, 299990 };
	size_t len, got_len, last_nl;
	unsigned long long stored;
	char *text = make_log(300000, errs, 5, &len); /* about 12 MB */
	char *got = store(c->path, text, len, head, errors, tail, 0, &got_len, &stored);
	const char *p;

	assert_true(len > 10u << 20);
	assert_true(stored <= head + errors + tail + LOGCAP_MARKER_MAX);
	/* The head: the longest run of whole lines within head_max. */
	for (last_nl = head; text[last_nl - 1] != '\n'; last_nl--)
		;
	assert_memory_equal(got, text, last_nl);
	assert_true(got[last_nl] == '[');
	assert_true(contains(got, got_len, "[kmatrix: "));
	/* The tail: whole lines, the end of the log, within tail_max. */
	p = got + got_len - tail;
	while (*p != '\n')
		p++;
	p++;
	assert_memory_equal(p, text + len - (size_t)(got + got_len - p), (size_t)(got + got_len - p));
	assert_true(p[-1] == '\n');
	assert_true(memcmp(p - strlen(" omitted here; error lines kept]\n"),
			   " omitted here; error lines kept]\n",
			   strlen(" omitted here; error lines kept]\n")) == 0);
	/* Every error line of the middle, with one line before and two after. */
	assert_true(contains(got, got_len,
			     "  CC [M]  drivers/cxl/core/file0099999.o\n"
			     "hmem.c:(.text+0x186a00): undefined reference to `cxl_sym_100000'\n"
			     "  CC [M]  drivers/cxl/core/file0100001.o\n"
			     "  CC [M]  drivers/cxl/core/file0100002.o\n[kmatrix: "));
	assert_true(contains(got, got_len,
			     "  CC [M]  drivers/cxl/core/file0149999.o\n"
			     "hmem.c:(.text+0x249f00): undefined reference to `cxl_sym_150000'\n"
			     "hmem.c:(.text+0x249f10): undefined reference to `cxl_sym_150001'\n"
			     "  CC [M]  drivers/cxl/core/file0150002.o\n"
			     "  CC [M]  drivers/cxl/core/file0150003.o\n[kmatrix: "));
	assert_true(contains(got, got_len, "undefined reference to `cxl_sym_200000'\n"));
	assert_int_equal(count_of(got, got_len, "undefined reference to `cxl_sym_299990'"),
			 1); /* in the tail, once */
	/* The first marker counts the lines it replaces: from the end of the head to line 99998. */
	{
		char want[160];
		size_t head_lines = count_of(text, last_nl, "\n");

		snprintf(want, sizeof(want), "[kmatrix: %zu lines (", 99999 - head_lines);
		assert_true(contains(got, got_len, want));
	}
	/* What the error extractor finds in the stored log is what it finds in the whole log. */
	{
		struct buildlog *a = buildlog_new(), *b = buildlog_new();

		buildlog_feed(a, text, len);
		buildlog_finish(a);
		buildlog_feed(b, got, got_len);
		buildlog_finish(b);
		assert_int_equal(buildlog_error_count(a), 5);
		assert_int_equal(buildlog_error_count(b), 5);
		for (size_t i = 0; i < 5; i++)
			assert_string_equal(buildlog_error_at(a, i)->signature,
					    buildlog_error_at(b, i)->signature);
		buildlog_free(a);
		buildlog_free(b);
	}
	free(got);
	free(text);
}

static void huge_log__default_budgets(void **state)
{
	struct ctx *c = *state;
	struct logcap *lc = NULL;
	unsigned long long total = 0, stored = 0;
	char block[65536];
	size_t n = 0, lines = 0;
	const char *err = "ld: vmlinux.o: in function `hmem_register_device':\n"
			  "hmem.c:(.text+0x6d1a4f): undefined reference to `cxl_region_contains_resource'\n";
	size_t got_len;
	char *got;

	while (n + 64 < sizeof(block)) {
		n += (size_t)snprintf(block + n, sizeof(block) - n,
				      "  CC      drivers/acpi/acpica/ps%05zu.o\n", lines);
		lines++;
	}
	assert_int_equal(
		logcap_open(c->path, LOGCAP_HEAD_DEFAULT, LOGCAP_ERRORS_DEFAULT, LOGCAP_TAIL_DEFAULT, &lc),
		0);
	/* 50 MB: the link error sits at 25 MB. */
	for (int i = 0; i < 800; i++) {
		assert_int_equal(logcap_write(lc, block, n), 0);
		if (i == 400)
			assert_int_equal(logcap_write(lc, err, strlen(err)), 0);
	}
	assert_int_equal(logcap_close(lc, &total, &stored), 0);
	assert_int_equal(total, 800ull * n + strlen(err));
	assert_true(total > 50000000ull);
	assert_true(stored <=
		    LOGCAP_HEAD_DEFAULT + LOGCAP_ERRORS_DEFAULT + LOGCAP_TAIL_DEFAULT + LOGCAP_MARKER_MAX);
	assert_true(stored > LOGCAP_HEAD_DEFAULT + LOGCAP_TAIL_DEFAULT - 1000);
	got = slurp(c->path, &got_len);
	assert_int_equal(got_len, stored);
	assert_true(contains(got, got_len, err));
	assert_int_equal(count_of(got, got_len, "[kmatrix: "), 2);
	free(got);
}

static void chunking__does_not_change_the_file(void **state)
{
	struct ctx *c = *state;
	const size_t errs[] = { 3000, 3001, 5000, 7990 };
	size_t len, want_len, got_len;
	unsigned long long stored;
	char *text = make_log(8000, errs, 4, &len);
	char *want = store(c->path, text, len, 20000, 2000, 30000, len, &want_len, &stored);

	for (size_t chunk = 0; chunk < 4; chunk++) {
		char *got = store(c->path, text, len, 20000, 2000, 30000, chunk == 3 ? 4096 : chunk, &got_len,
				  &stored);

		assert_int_equal(got_len, want_len);
		assert_memory_equal(got, want, want_len);
		free(got);
	}
	free(want);
	free(text);
}

static void errors__budget_is_kept(void **state)
{
	struct ctx *c = *state;
	size_t errs[200], len, got_len;
	unsigned long long stored;
	char *text, *got;

	for (size_t i = 0; i < 200; i++)
		errs[i] = 1000 + i * 40;
	text = make_log(20000, errs, 200, &len);
	got = store(c->path, text, len, 8192, 4096, 8192, 0, &got_len, &stored);
	assert_true(stored <= 8192 + 4096 + 8192 + LOGCAP_MARKER_MAX);
	/* The first error lines are kept, the later ones are not, and the last marker says so. */
	assert_true(contains(got, got_len, "`cxl_sym_1000'"));
	assert_false(contains(got, got_len, "`cxl_sym_8000'"));
	assert_true(contains(got, got_len, "omitted here; error lines beyond 4.0 KiB omitted too]\n"));
	free(got);
	free(text);
}

static void long_lines__bigger_than_every_budget(void **state)
{
	struct ctx *c = *state;
	size_t len = 3 * 100000 + 100, got_len;
	unsigned long long stored;
	char *text = xmalloc(len);
	char *got;

	memset(text, 'a', len);
	text[100000] = '\n';
	text[200000] = '\n';
	memcpy(text + 200001, "x.c:1:2: error: e\n", 18);
	got = store(c->path, text, len, 1000, 1000, 70000, 0, &got_len, &stored);
	assert_true(stored <= 1000 + 1000 + 70000 + LOGCAP_MARKER_MAX);
	/* The tail is the last 70000 bytes, cut mid-line since the last line is longer than that. */
	assert_memory_equal(got + got_len - 70000, text + len - 70000, 70000);
	free(got);
	free(text);
}

static void zero_budgets__only_a_marker(void **state)
{
	struct ctx *c = *state;
	size_t len, got_len;
	unsigned long long stored;
	char *text = make_log(10000, NULL, 0, &len);
	char *got = store(c->path, text, len, 0, 0, 0, 0, &got_len, &stored);

	assert_true(got_len > 0 && got_len <= LOGCAP_MARKER_MAX);
	assert_true(strncmp(got, "[kmatrix: 10000 lines (", 23) == 0);
	free(got);
	free(text);
}

static void open__reports_bad_paths(void **state)
{
	struct logcap *lc = (struct logcap *)1;
	unsigned long long total = 9, stored = 9;

	assert_int_equal(logcap_open("/nonexistent-dir/build.log", 10, 10, 10, &lc), KM_EIO);
	assert_null(lc);
	assert_non_null(strstr(err_msg(), "/nonexistent-dir/build.log"));
	assert_int_equal(logcap_open(NULL, 10, 10, 10, &lc), KM_EINVAL);
	assert_int_equal(logcap_close(NULL, &total, &stored), 0);
	assert_int_equal(total, 0);
	assert_int_equal(stored, 0);
	assert_int_equal(logcap_close(NULL, NULL, NULL), 0);
}

static void write__reports_a_full_disk(void **state)
{
	struct logcap *lc = NULL;
	char block[4096];
	int rc = 0;

	if (access("/dev/full", W_OK) != 0)
		skip();
	memset(block, 'x', sizeof(block));
	block[sizeof(block) - 1] = '\n';
	assert_int_equal(logcap_open("/dev/full", 1 << 20, 0, 0, &lc), 0);
	for (int i = 0; i < 64 && rc == 0; i++)
		rc = logcap_write(lc, block, sizeof(block));
	if (rc == 0)
		rc = logcap_close(lc, NULL, NULL);
	else
		assert_int_equal(logcap_close(lc, NULL, NULL), KM_EIO);
	assert_int_equal(rc, KM_EIO);
	assert_non_null(strstr(err_msg(), "/dev/full"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(small_log__stored_byte_for_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(medium_log__head_plus_tail_is_identical, setup, teardown),
		cmocka_unit_test_setup_teardown(big_log__keeps_head_errors_and_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(huge_log__default_budgets, setup, teardown),
		cmocka_unit_test_setup_teardown(chunking__does_not_change_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(errors__budget_is_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(long_lines__bigger_than_every_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(zero_budgets__only_a_marker, setup, teardown),
		cmocka_unit_test(open__reports_bad_paths),
		cmocka_unit_test(write__reports_a_full_disk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
