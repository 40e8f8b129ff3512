/* Unit tests of the console parser and the boot verdict, on real QEMU console captures and crafted input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

/* Reads tests/unit/data/console/NAME. */
static char *load(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *data;
	long n;

	snprintf(path, sizeof(path), "%s/console/%s", KM_TESTDATA_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

static struct console_result *parse_file(const char *name)
{
	size_t len;
	char *data = load(name, &len);
	struct console_result *r = console_parse(data, len);

	free(data);
	return r;
}

static const struct console_range *range_with_role(const struct console_result *r, const char *role)
{
	for (size_t i = 0; i < r->nranges; i++) {
		if (strcmp(r->ranges[i].role, role) == 0)
			return &r->ranges[i];
	}
	return NULL;
}

static void verdict_is(const struct console_result *r, bool timed_out, int qemu_exit, bool has_check,
		       const char *status, const char *reason_part, bool retry)
{
	const char *reason = NULL;
	bool again = !retry;
	const char *v = console_verdict(r, timed_out, qemu_exit, has_check, &reason, &again);

	assert_string_equal(v, status);
	assert_non_null(reason);
	if (!strstr(reason, reason_part))
		fail_msg("reason '%s' lacks '%s'", reason, reason_part);
	assert_int_equal(again, retry);
}

/* A clean 6.12 boot, modules loaded CXL first: CXL owns the subject, HMEM the control. */
static void real__clean_boot_cxl_first(void **state)
{
	struct console_result *r = parse_file("clean-cxl-first.log");
	const struct console_range *s, *c;

	assert_true(r->kernel_started);
	assert_true(r->reached_init);
	assert_true(r->end_marker);
	assert_true(r->powered_off);
	assert_int_equal(r->check_rc, 0);
	assert_string_equal(r->kernel_version, "6.12.117+");
	assert_null(r->panic);
	assert_null(r->oops);
	assert_int_equal(r->warnings, 0);
	assert_int_equal(r->nranges, 2);
	s = range_with_role(r, "subject");
	c = range_with_role(r, "control");
	assert_non_null(s);
	assert_non_null(c);
	assert_string_equal(s->range, "110000000-11fffffff");
	assert_string_equal(s->owner, "cxl");
	assert_non_null(strstr(s->evidence, "deferred-to-cxl"));
	assert_string_equal(c->range, "1000000000-100fffffff");
	assert_string_equal(c->owner, "hmem");
	assert_string_equal(console_info_get(r, "module.cxl_acpi"), "loaded");
	assert_string_equal(console_info_get(r, "modprobe"), "busybox");
	assert_int_equal(r->bad_lines, 0);
	verdict_is(r, false, 0, true, "PASS", "ownership", false);
	console_result_free(r);
}

/* The same kernel with dax_hmem loaded first by busybox modprobe: HMEM takes the subject. */
static void real__hmem_first_gives_hmem(void **state)
{
	struct console_result *r = parse_file("clean-hmem-first.log");
	const struct console_range *s = range_with_role(r, "subject");

	assert_non_null(s);
	assert_string_equal(s->owner, "hmem");
	assert_non_null(strstr(s->evidence, "hmem-dax:"));
	verdict_is(r, false, 0, true, "PASS", "ownership", false);
	console_result_free(r);
}

/* A real panic: rdinit points nowhere, so the kernel cannot find an init. */
static void real__panic_is_fail(void **state)
{
	struct console_result *r = parse_file("panic-no-init.log");

	assert_true(r->kernel_started);
	assert_false(r->end_marker);
	assert_non_null(r->panic);
	assert_true(strncmp(r->panic, "Kernel panic - not syncing: ", 28) == 0);
	assert_null(strchr(r->panic, '\r'));
	verdict_is(r, false, 0, true, "FAIL", "panic", false);
	console_result_free(r);
}

/* A real oops in a module's init: the check goes on, but the boot is the kernel's failure. */
static void real__oops_is_fail(void **state)
{
	struct console_result *r = parse_file("oops-module.log");

	assert_true(r->end_marker);
	assert_non_null(r->oops);
	assert_true(strncmp(r->oops, "BUG: kernel NULL pointer dereference", 36) == 0);
	assert_non_null(strstr(r->oops, "Oops: "));
	assert_non_null(strstr(r->oops, "kmoops_init")); /* KALLSYMS names the culprit */
	assert_null(r->panic);
	verdict_is(r, false, 0, true, "FAIL", "oops", false);
	console_result_free(r);
}

/* A real WARNING splat (device_dax without ZONE_DEVICE): counted, kept, not a failure. */
static void real__warning_is_counted_not_failed(void **state)
{
	struct console_result *r = parse_file("warning-no-zone-device.log");

	assert_int_equal(r->warnings, 1);
	assert_non_null(r->first_warning);
	assert_true(strncmp(r->first_warning, "WARNING: CPU: 0 PID: 58 at include/linux/memremap.h:210",
			    55) == 0);
	assert_non_null(strstr(r->first_warning, "Call Trace:"));
	assert_true(strlen(r->first_warning) <= CONSOLE_EXCERPT_BYTES);
	verdict_is(r, false, 0, true, "PASS", "ownership", false);
	console_result_free(r);
}

/* A real hang: the check never returned, the boot was killed at its deadline. */
static void real__hang_after_init_is_fail(void **state)
{
	struct console_result *r = parse_file("hang-timeout.log");

	assert_true(r->reached_init);
	assert_false(r->end_marker);
	assert_string_equal(console_info_get(r, "test"), "hang");
	verdict_is(r, true, 143, true, "FAIL", "hang", false);
	console_result_free(r);
}

/* A real hang in busybox's own init (no /init in the archive): killed at the deadline. */
static void real__hang_in_console_prompt_is_fail(void **state)
{
	struct console_result *r = parse_file("hang-busybox-init.log");

	assert_true(r->reached_init); /* "Run /sbin/init as init process" */
	assert_false(r->end_marker);
	assert_null(r->panic);
	verdict_is(r, true, 0, true, "FAIL", "hang", false);
	console_result_free(r);
}

/* kmod's modprobe honours dax_hmem's softdep on cxl_acpi: CXL owns the subject. */
static void real__kmod_gives_cxl(void **state)
{
	struct console_result *r = parse_file("clean-kmod.log");
	const struct console_range *s = range_with_role(r, "subject");

	assert_non_null(s);
	assert_string_equal(s->owner, "cxl");
	assert_string_equal(console_info_get(r, "modprobe"), "kmod");
	verdict_is(r, false, 0, true, "PASS", "ownership", false);
	console_result_free(r);
}

/* DEV_DAX_HMEM=n: nobody owns either range, which is the expected result, not a broken setup. */
static void real__no_hmem_driver_is_pass_with_none(void **state)
{
	struct console_result *r = parse_file("clean-no-hmem.log");

	assert_int_equal(r->nranges, 2);
	assert_string_equal(range_with_role(r, "subject")->owner, "none");
	assert_string_equal(range_with_role(r, "control")->owner, "none");
	assert_string_equal(console_info_get(r, "module.dax_hmem"), "absent");
	verdict_is(r, false, 0, true, "PASS", "ownership", false);
	console_result_free(r);
}

/* A real log cut short after /init started (QEMU died): the farm's problem, retry. */
static void real__truncated_log_is_retryable_error(void **state)
{
	struct console_result *r = parse_file("truncated-after-init.log");

	assert_true(r->kernel_started);
	assert_true(r->reached_init);
	assert_false(r->end_marker);
	verdict_is(r, false, 0, true, "ERROR", "end marker", true);
	verdict_is(r, false, 137, true, "ERROR", "QEMU exited abnormally", true);
	console_result_free(r);
}

/* A real QEMU start failure: no kernel output at all. */
static void real__qemu_failure_is_retryable_error(void **state)
{
	struct console_result *r = parse_file("qemu-bad-backing-store.log");

	assert_false(r->kernel_started);
	verdict_is(r, false, 1, true, "ERROR", "no kernel output", true);
	verdict_is(NULL, false, 1, true, "ERROR", "no kernel output", true);
	verdict_is(r, true, 143, true, "ERROR", "timeout", true);
	console_result_free(r);
}

/* Every split of a real log into chunks gives the same result as one feed. */
static void feed__chunking_does_not_matter(void **state)
{
	size_t len;
	char *data = load("oops-module.log", &len);
	struct console_result *whole = console_parse(data, len);
	json_t *whole_json = console_result_json(whole);
	char *expect = json_dumps(whole_json, JSON_SORT_KEYS);
	size_t sizes[] = { 1, 2, 3, 7, 64, 4095, 4096, 4097 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct console_parser *p = console_parser_new();
		struct console_result *r;
		json_t *j;
		char *got;

		for (size_t off = 0; off < len; off += sizes[k])
			console_parser_feed(p, data + off, len - off < sizes[k] ? len - off : sizes[k]);
		r = console_parser_finish(p);
		j = console_result_json(r);
		got = json_dumps(j, JSON_SORT_KEYS);
		assert_string_equal(got, expect);
		free(got);
		json_decref(j);
		console_result_free(r);
	}
	free(expect);
	json_decref(whole_json);
	console_result_free(whole);
	free(data);
}

static struct console_result *parse_str(const char *s)
{
	return console_parse(s, strlen(s));
}

#define BOOT_HEAD                                                     \
	"[    0.000000] Linux version 6.12.117+ (root@vm) #1 SMP\r\n" \
	"[    1.300000] Run /init as init process\r\n"

static void lines__junk_timestamps_and_interleaving(void **state)
{
	const char log[] = BOOT_HEAD
		"\x00\xff\x1b[0mgarbage\r\n"
		"[    2.1] cxl_acpi ...KMATRIX range=110000000-11fffffff role=subject owner=hmem "
		"evidence=a,b future=1\n"
		"KMATRIX range=1000000000-100fffffff role=control owner=hmem\n"
		"KMATRIX-INFO kernel=6.12.117+ module.dax_hmem=loaded\n"
		"KMATRIX-END rc=0\n"
		"KMATRIX-END rc=5\n"
		"[    3.0] reboot: Power down";
	struct console_result *r = console_parse(log, sizeof(log) - 1);
	json_t *j;
	char *text;

	assert_true(r->kernel_started);
	assert_true(r->reached_init);
	assert_true(r->powered_off); /* a last line without '\n' counts */
	assert_int_equal(r->nranges, 2);
	assert_string_equal(r->ranges[0].owner, "hmem");
	assert_string_equal(r->ranges[0].evidence, "a,b");
	assert_string_equal(r->ranges[1].evidence, "");
	assert_int_equal(r->check_rc, 0); /* the first marker counts */
	assert_string_equal(console_info_get(r, "module.dax_hmem"), "loaded");
	j = console_result_json(r);
	text = json_dumps(j, 0); /* junk bytes were made printable: the JSON encodes */
	assert_non_null(text);
	free(text);
	json_decref(j);
	console_result_free(r);
}

static void lines__malformed_kmatrix_lines_are_counted(void **state)
{
	struct console_result *r = parse_str(BOOT_HEAD "KMATRIX range=xyz-1 role=subject owner=hmem\n"
						       "KMATRIX range=1-2 role=boss owner=hmem\n"
						       "KMATRIX range=1-2 role=subject owner=intel\n"
						       "KMATRIX range=1-2 role=subject\n"
						       "KMATRIX-END rc=banana\n");

	assert_int_equal(r->nranges, 0);
	assert_int_equal(r->bad_lines, 5);
	assert_false(r->end_marker);
	console_result_free(r);
}

static void lines__a_range_printed_again_replaces_its_entry(void **state)
{
	struct console_result *r = parse_str(BOOT_HEAD
					     "KMATRIX range=1-2 role=subject owner=none\n"
					     "KMATRIX range=1-2 role=subject owner=cxl evidence=late\n");

	assert_int_equal(r->nranges, 1);
	assert_string_equal(r->ranges[0].owner, "cxl");
	assert_string_equal(r->ranges[0].evidence, "late");
	console_result_free(r);
}

static void feed_count(struct console_parser *p, const char *s, size_t n, unsigned long long *total)
{
	console_parser_feed(p, s, n);
	*total += n;
}

/* Hostile sizes: overlong lines, thousands of splats and ranges stay within the documented caps. */
static void limits__memory_stays_bounded(void **state)
{
	struct console_parser *p = console_parser_new();
	struct console_result *r;
	unsigned long long total = 0;
	char line[128];
	char *big = malloc(1 << 20);

	memset(big, 'A', 1 << 20);
	feed_count(p, BOOT_HEAD, strlen(BOOT_HEAD), &total);
	for (int i = 0; i < 20; i++) /* 20 MiB without a newline */
		feed_count(p, big, 1 << 20, &total);
	/* The overlong line is cut, not glued to the next one: this range still parses. */
	snprintf(line, sizeof(line), "\nKMATRIX range=a-b role=subject owner=cxl\n");
	feed_count(p, line, strlen(line), &total);
	for (int i = 0; i < 10000; i++) {
		snprintf(line, sizeof(line), "[ 9.0] WARNING: CPU: 0 PID: %d at x.c:1 f+0x1/0x2\n", i);
		feed_count(p, line, strlen(line), &total);
	}
	for (int i = 0; i < 500; i++) {
		snprintf(line, sizeof(line), "KMATRIX range=%x-%x role=control owner=hmem\n", i * 2 + 100,
			 i * 2 + 101);
		feed_count(p, line, strlen(line), &total);
	}
	for (int i = 0; i < 500; i++) {
		snprintf(line, sizeof(line), "KMATRIX-INFO k%d=v\n", i);
		feed_count(p, line, strlen(line), &total);
	}
	snprintf(line, sizeof(line), "[ 9.1] Kernel panic - not syncing: test\n");
	feed_count(p, line, strlen(line), &total);
	for (int i = 0; i < 1000; i++) {
		feed_count(p, big, 4000, &total);
		feed_count(p, "\n", 1, &total);
	}
	r = console_parser_finish(p);
	assert_string_equal(r->ranges[0].range, "a-b");
	assert_int_equal(r->warnings, 10000);
	assert_true(strlen(r->first_warning) <= CONSOLE_EXCERPT_BYTES);
	assert_int_equal(r->nranges, CONSOLE_MAX_RANGES);
	assert_int_equal(r->ninfo, CONSOLE_MAX_INFO);
	assert_non_null(r->panic);
	assert_true(strlen(r->panic) <= CONSOLE_EXCERPT_BYTES);
	assert_true(strncmp(r->panic, "Kernel panic - not syncing: test\n", 33) == 0);
	assert_int_equal(r->bytes, total);
	console_result_free(r);
	free(big);
}

/* The verdict table: who is to blame for each way a boot can end. */
static void verdict__table(void **state)
{
	struct console_result *r;

	r = parse_str(BOOT_HEAD "KMATRIX-END rc=0\n");
	verdict_is(r, false, 0, false, "PASS", "powered off", false);
	verdict_is(r, false, 0, true, "FAIL", "subject", false);
	verdict_is(r, true, 143, false, "FAIL", "did not power off", false);
	console_result_free(r);

	r = parse_str(BOOT_HEAD "KMATRIX-END rc=127\n");
	verdict_is(r, false, 0, true, "ERROR", "check script failed", false);
	console_result_free(r);

	r = parse_str("[    0.000000] Linux version 6.12.117+\n");
	verdict_is(r, true, 143, true, "FAIL", "never started /init", false);
	verdict_is(r, false, 0, true, "FAIL", "reset before", false);
	verdict_is(r, false, 134, true, "ERROR", "QEMU exited abnormally", true);
	console_result_free(r);

	r = parse_str(BOOT_HEAD "KMATRIX range=1-2 role=subject owner=cxl\n"
				"KMATRIX range=3-4 role=control owner=none evidence=no-cxl-window\n"
				"KMATRIX-END rc=0\n");
	verdict_is(r, false, 0, true, "ERROR", "test setup is broken", false);
	console_result_free(r);

	r = parse_str(BOOT_HEAD "KMATRIX range=1-2 role=subject owner=none evidence=hmem-not-configured\n"
				"KMATRIX range=3-4 role=control owner=none evidence=x,hmem-not-configured\n"
				"KMATRIX-END rc=0\n");
	verdict_is(r, false, 0, true, "PASS", "ownership", false);
	console_result_free(r);

	/* "hmem-not-configured-really" is not the token. */
	r = parse_str(BOOT_HEAD
		      "KMATRIX range=1-2 role=subject owner=none\n"
		      "KMATRIX range=3-4 role=control owner=none evidence=hmem-not-configured-really\n"
		      "KMATRIX-END rc=0\n");
	verdict_is(r, false, 0, true, "ERROR", "test setup is broken", false);
	console_result_free(r);

	r = parse_str(BOOT_HEAD "KMATRIX-INFO module.dax_hmem=failed\n"
				"KMATRIX range=1-2 role=subject owner=none\n"
				"KMATRIX range=3-4 role=control owner=none\n"
				"KMATRIX-END rc=0\n");
	verdict_is(r, false, 0, true, "FAIL", "failed to load", false);
	console_result_free(r);
}

static void json__shape(void **state)
{
	struct console_result *r =
		parse_str(BOOT_HEAD "KMATRIX range=1-2 role=subject owner=cxl evidence=e\n");
	json_t *j = console_result_json(r);

	assert_true(json_is_null(json_object_get(j, "check_rc")));
	assert_true(json_is_true(json_object_get(j, "reached_init")));
	assert_string_equal(json_string_value(json_object_get(j, "kernel_version")), "6.12.117+");
	assert_int_equal(json_array_size(json_object_get(j, "ranges")), 1);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(json_object_get(j, "ranges"), 0), "owner")),
		"cxl");
	json_decref(j);
	console_result_free(r);
	console_result_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real__clean_boot_cxl_first),
		cmocka_unit_test(real__hmem_first_gives_hmem),
		cmocka_unit_test(real__panic_is_fail),
		cmocka_unit_test(real__oops_is_fail),
		cmocka_unit_test(real__warning_is_counted_not_failed),
		cmocka_unit_test(real__hang_after_init_is_fail),
		cmocka_unit_test(real__hang_in_console_prompt_is_fail),
		cmocka_unit_test(real__kmod_gives_cxl),
		cmocka_unit_test(real__no_hmem_driver_is_pass_with_none),
		cmocka_unit_test(real__truncated_log_is_retryable_error),
		cmocka_unit_test(real__qemu_failure_is_retryable_error),
		cmocka_unit_test(feed__chunking_does_not_matter),
		cmocka_unit_test(lines__junk_timestamps_and_interleaving),
		cmocka_unit_test(lines__malformed_kmatrix_lines_are_counted),
		cmocka_unit_test(lines__a_range_printed_again_replaces_its_entry),
		cmocka_unit_test(limits__memory_stays_bounded),
		cmocka_unit_test(verdict__table),
		cmocka_unit_test(json__shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
