/* Tests of the report e-mail composer: exact subjects, the y/m/n table, escaping, the "fixed" notice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "xalloc.h"

static const char *const cxl_axes[] = { "DEV_DAX_HMEM", "CXL_BUS", "CXL_ACPI", "CXL_PCI", "CXL_REGION" };

struct matrix_fixture {
	struct report_config cfg[243];
	char values[243][6];
	size_t n;
};

/*
 * Every point of the 5-axis CXL matrix (3*3*3*3*2 = 162) or the first limit
 * of them; "failing" follows the seed's condition DEV_DAX_HMEM=y, CXL_BUS=m,
 * CXL_REGION=y; DEV_DAX_HMEM=y with CXL_BUS=n fails otherwise.
 */
static void make_matrix(struct matrix_fixture *f, size_t limit)
{
	const char *v = "ymn";

	f->n = 0;
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
			for (int c = 0; c < 3; c++)
				for (int d = 0; d < 3; d++)
					for (int e = 0; e < 2 && f->n < limit; e++) {
						char *x = f->values[f->n];
						struct report_config *cf = &f->cfg[f->n];

						x[0] = v[a], x[1] = v[b], x[2] = v[c], x[3] = v[d],
						x[4] = e ? 'n' : 'y';
						x[5] = '\0';
						cf->values = x;
						cf->config_id = 100 + (long)f->n;
						cf->failing = x[0] == 'y' && x[1] == 'm' && x[4] == 'y';
						cf->status = cf->failing || (x[0] == 'y' && x[1] == 'n')
						                     ? "FAIL"
						                     : "PASS";
						f->n++;
					}
}

static struct report_input base_input(const struct matrix_fixture *f)
{
	struct report_input in = {
		.tree_name = "linux",
		.tree_url = "https://git.example.org/jdoe/linux.git",
		.branch = "refs/heads/cxl-hmem",
		.commit = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
		.subject_line = "dax/hmem: Request cxl_acpi and cxl_pci before walking Soft Reserved ranges",
		.author = "Jane Doe <jane.doe@example.org>",
		.matrix_name = "cxl-dax-hmem",
		.axes = cxl_axes,
		.naxes = 5,
		.error_type = "link",
		.error_message = "undefined reference to 'cxl_region_contains_resource'",
		.signature = "link:cxl_region_contains_resource",
		.first_lines =
		        "ld: vmlinux.o: in function `hmem_register_device':\n"
		        "hmem.c:(.text+0x1c5): undefined reference to `cxl_region_contains_resource'\n",
		.configs = f->cfg,
		.nconfigs = f->n,
		.condition = "DEV_DAX_HMEM=y ∧ CXL_BUS=m ∧ CXL_REGION=y",
		.diagnosis =
		        "Built-in code calls a symbol that lives in a module: drivers/dax/hmem/hmem.c "
		        "(DEV_DAX_HMEM=y) calls cxl_region_contains_resource(), which ends up in cxl_core.ko "
		        "when CXL_BUS=m.",
		.dashboard_url = "https://farm.example.org/runs/42/signatures/7",
		.config_url = "https://farm.example.org/api/v1/configs/117/config",
		.reproducer_url = "https://farm.example.org/api/v1/configs/117/reproducer.sh",
		.run_id = 42,
		.signature_id = 7,
	};

	return in;
}

/* Table rows: lines of "  * " or "    " followed by naxes y/m/n values, a status and "#id". */
struct row {
	bool marked;
	char values[16];
	long id;
};

static size_t table_rows(const char *body, size_t naxes, bool wide, struct row *rows, size_t max)
{
	const char *p = body;
	size_t n = 0;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *line = xstrndup(p, len);
		const char *hash = strrchr(line, '#');

		if (len > 4 && (strncmp(line, "  * ", 4) == 0 || strncmp(line, "    ", 4) == 0) && hash &&
		    strchr("ymn?", line[4]) && (line[5] == ' ') && n < max) {
			const char *q = line + 4;
			size_t k = 0;

			while (k < naxes && *q) {
				rows[n].values[k++] = *q++;
				while (*q == ' ')
					q++;
			}
			rows[n].values[k] = '\0';
			rows[n].marked = line[2] == '*';
			rows[n].id = strtol(hash + 1, NULL, 10);
			n++;
		}
		(void)wide;
		free(line);
		p += len + (eol ? 1 : 0);
	}
	return n;
}

static bool valid_utf8_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t len = *p < 0x80             ? 1
		             : (*p & 0xE0) == 0xC0 ? 2
		             : (*p & 0xF0) == 0xE0 ? 3
		             : (*p & 0xF8) == 0xF0 ? 4
		                                   : 0;

		if (len == 0)
			return false;
		if (len == 1 && *p < 0x20 && *p != '\n')
			return false;
		if (*p == 0x7F)
			return false;
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
		}
		p += len;
	}
	return true;
}

static bool line_has(const char *line, size_t len, const char *needle)
{
	char *copy = xstrndup(line, len);
	bool found = strstr(copy, needle) != NULL;

	free(copy);
	return found;
}

/* ---- subject ------------------------------------------------------------------ */

static void subject__is_exact(void **state)
{
	struct matrix_fixture f;
	struct report_input in;
	char *s;

	(void)state;
	make_matrix(&f, 162);
	in = base_input(&f);
	s = report_subject(&in);
	assert_string_equal(s,
	                    "[linux cxl-hmem 1a2b3c4] undefined reference to 'cxl_region_contains_resource'");
	free(s);

	in.branch = "cxl-hmem-v9"; /* a bare branch name is used as is */
	in.commit = "ABCDEF0123";
	s = report_subject(&in);
	assert_string_equal(
	        s, "[linux cxl-hmem-v9 ABCDEF0] undefined reference to 'cxl_region_contains_resource'");
	free(s);
}

static void subject__leaves_out_missing_parts(void **state)
{
	struct report_input in = { 0 };
	char *s;

	(void)state;
	s = report_subject(&in);
	assert_string_equal(s, "[kmatrix] build failure");
	free(s);
	in.error_type = "modpost";
	in.tree_name = "linux";
	s = report_subject(&in);
	assert_string_equal(s, "[linux] modpost");
	free(s);
}

static void subject__long_message_is_cut_on_a_character(void **state)
{
	struct matrix_fixture f;
	struct report_input in;
	char msg[401];
	char *s;
	size_t n;

	(void)state;
	make_matrix(&f, 1);
	in = base_input(&f);
	for (int i = 0; i < 200; i++) {
		msg[2 * i] = '\xc3';
		msg[2 * i + 1] = '\xa9';
	}
	msg[400] = '\0';
	in.error_message = msg;
	s = report_subject(&in);
	n = strlen(s);
	assert_true(n <= REPORT_MAX_SUBJECT);
	assert_true(n > REPORT_MAX_SUBJECT - 4);
	assert_string_equal(s + n - 3, "...");
	assert_true(strncmp(s, "[linux cxl-hmem 1a2b3c4] \xc3\xa9", 27) == 0);
	/* No character was split: only whole "é" between the prefix and the ellipsis. */
	assert_int_equal((n - 3 - 25) % 2, 0);
	assert_true(valid_utf8_text(s));
	free(s);
}

static void subject__odd_text_stays_on_one_line(void **state)
{
	struct matrix_fixture f;
	struct report_input in;
	char *s;

	(void)state;
	make_matrix(&f, 1);
	in = base_input(&f);
	in.error_message = "\x1b[01;31merror:\x1b[0m\r\nBcc: all@example.org\t\x07\xff";
	in.tree_name = "li\nnux";
	s = report_subject(&in);
	assert_string_equal(s, "[li nux cxl-hmem 1a2b3c4] error: Bcc: all@example.org ?\xEF\xBF\xBD");
	free(s);
}

static void fixed_subject__threads_under_the_report(void **state)
{
	struct matrix_fixture f;
	struct report_input in;
	char *s;

	(void)state;
	make_matrix(&f, 1);
	in = base_input(&f);
	s = report_fixed_subject(&in);
	assert_string_equal(
	        s, "Re: [linux cxl-hmem 1a2b3c4] undefined reference to 'cxl_region_contains_resource'");
	free(s);
}

/* ---- message ids -------------------------------------------------------------- */

static void message_id__is_stable_and_clean(void **state)
{
	char *a, *b;

	(void)state;
	a = report_message_id(42, 7, "farm.example.org");
	b = report_message_id(42, 7, "farm.example.org");
	assert_string_equal(a, "<kmatrix.run-42.sig-7@farm.example.org>");
	assert_string_equal(a, b);
	free(a);
	free(b);
	a = report_message_id(1, 2, "evil>\r\nBcc: x@y");
	assert_string_equal(a, "<kmatrix.run-1.sig-2@evilBccxy>");
	free(a);
	a = report_message_id(1, 2, NULL);
	assert_string_equal(a, "<kmatrix.run-1.sig-2@kmatrix>");
	free(a);
	a = report_fixed_message_id(43, 7, "farm.example.org");
	assert_string_equal(a, "<kmatrix.fixed.run-43.sig-7@farm.example.org>");
	free(a);
}

/* ---- body ---------------------------------------------------------------------- */

static void body__full_table_marks_exactly_the_failing_configs(void **state)
{
	struct matrix_fixture f;
	struct report_input in;
	struct row rows[64];
	size_t n, marked = 0;
	char *body;

	(void)state;
	/* 30 configs: every row shown; DEV_DAX_HMEM=y CXL_BUS=m CXL_REGION=y fails with the signature. */
	make_matrix(&f, 30);
	f.cfg[0].status = "FAIL"; /* another error */
	f.cfg[1].status = "ERROR";
	in = base_input(&f);
	body = report_body(&in);
	n = table_rows(body, 5, true, rows, 64);
	assert_int_equal(n, 30);
	for (size_t i = 0; i < n; i++) {
		const struct report_config *c = &f.cfg[i];

		assert_int_equal(rows[i].id, c->config_id);
		assert_string_equal(rows[i].values, c->values);
		if (rows[i].marked != c->failing)
			fail_msg("row #%ld (%s) marked=%d but failing=%d", rows[i].id, rows[i].values,
			         rows[i].marked, c->failing);
		marked += rows[i].marked;
	}
	assert_int_equal(marked, 6);
	/* Axis names head the columns, one space apart. */
	assert_non_null(
	        strstr(body, "\n    DEV_DAX_HMEM CXL_BUS CXL_ACPI CXL_PCI CXL_REGION status config\n"));
	assert_non_null(strstr(body, "\n  * y            m       y        y       y          FAIL   #118\n"));
	/* Configs failing for another reason are rows, but not marked. */
	assert_non_null(strstr(body, "\n    y            y       y        y       y          FAIL   #100\n"));
	assert_non_null(strstr(body, "\n    y            y       y        y       n          ERROR  #101\n"));
	assert_non_null(strstr(body, "\n    y            y       y        m       y          PASS   #102\n"));
	assert_non_null(strstr(body, "Every configuration of the run (* = fails with this error):"));
	free(body);
}

static void body__large_matrix_shows_failing_rows_and_summarises_the_rest(void **state)
{
	struct matrix_fixture f;
	struct report_input in;
	struct row rows[200];
	size_t n;
	char *body;

	(void)state;
	make_matrix(&f, 162);
	in = base_input(&f);
	body = report_body(&in);
	n = table_rows(body, 5, true, rows, 200);
	assert_int_equal(n, 9);
	for (size_t i = 0; i < n; i++) {
		assert_true(rows[i].marked);
		assert_true(rows[i].values[0] == 'y' && rows[i].values[1] == 'm' && rows[i].values[4] == 'y');
	}
	assert_non_null(strstr(body, "The 9 configurations failing with this error:"));
	assert_non_null(strstr(body, "and found a new link error in 9 of them:"));
	assert_non_null(strstr(body, "kmatrix built 162 configurations of the cxl-dax-hmem matrix for"));
	/* 135 passing configs are counted, the 18 failing otherwise are listed. */
	assert_non_null(strstr(body, "\n  PASS  135 (see the dashboard)\n"));
	assert_non_null(strstr(body, "\n  FAIL  18:\n        ynyyy ynyyn ynymy"));
	free(body);
}

static void body__many_failing_rows_are_capped(void **state)
{
	struct matrix_fixture f;
	struct report_input in;
	struct row rows[200];
	char *body;

	(void)state;
	make_matrix(&f, 162);
	for (size_t i = 0; i < f.n; i++) {
		f.cfg[i].failing = f.cfg[i].values[4] == 'y'; /* 81 failing */
		f.cfg[i].status = f.cfg[i].failing ? "FAIL" : "PASS";
	}
	in = base_input(&f);
	body = report_body(&in);
	assert_int_equal(table_rows(body, 5, true, rows, 200), REPORT_MAX_ROWS);
	assert_non_null(strstr(body, "    ... and 17 more, see the dashboard\n"));
	free(body);
}

static void body__staircase_header_when_names_are_wide(void **state)
{
	static const char *const axes[] = {
		"DEV_DAX_HMEM",         "CXL_BUS",  "CXL_ACPI", "CXL_PCI", "CXL_REGION", "CXL_PMEM",
		"CXL_MEM_RAW_COMMANDS", "ACPI_HMAT"
	};
	struct report_config cfg[2] = {
		{ .values = "ymyyyyyy", .status = "FAIL", .config_id = 5, .failing = true },
		{ .values = "nnnnnnnn", .status = "PASS", .config_id = 6, .failing = false },
	};
	struct matrix_fixture f;
	struct report_input in;
	struct row rows[4];
	char *body;
	const char *p;

	(void)state;
	make_matrix(&f, 1);
	in = base_input(&f);
	in.axes = axes;
	in.naxes = 8;
	in.configs = cfg;
	in.nconfigs = 2;
	body = report_body(&in);
	assert_non_null(strstr(body, "\n    DEV_DAX_HMEM\n    | CXL_BUS\n    | | CXL_ACPI\n"));
	assert_non_null(strstr(body, "\n    | | | | | | | ACPI_HMAT\n    | | | | | | | |\n"));
	assert_non_null(strstr(body, "\n  * y m y y y y y y FAIL   #5\n"));
	assert_int_equal(table_rows(body, 8, false, rows, 4), 2);
	assert_false(rows[1].marked);
	/* Everything but the commit subject and the log fits 72 columns. */
	for (p = body; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len > REPORT_WIDTH && !line_has(p, len, "https://") && !line_has(p, len, "dax/hmem:") &&
		    !line_has(p, len, "    hmem.c"))
			fail_msg("line over %d columns: %.*s", REPORT_WIDTH, (int)len, p);
		p += len + (eol ? 1 : 0);
	}
	free(body);
}

static void body__has_every_section(void **state)
{
	struct matrix_fixture f;
	struct report_input in;
	char *body;

	(void)state;
	make_matrix(&f, 30);
	in = base_input(&f);
	body = report_body(&in);
	assert_true(strncmp(body, "Hi Jane Doe,\n\n", 14) == 0);
	assert_non_null(strstr(body, "  commit:   1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d\n"
	                             "            dax/hmem: Request cxl_acpi"));
	assert_non_null(strstr(body, "  author:   Jane Doe <jane.doe@example.org>\n"));
	assert_non_null(
	        strstr(body, "It fails whenever:\n\n    DEV_DAX_HMEM=y ∧ CXL_BUS=m ∧ CXL_REGION=y\n"));
	assert_non_null(strstr(body, "First error lines (config #118):\n\n    ld: vmlinux.o: in function"));
	assert_non_null(strstr(body, "Diagnosis:\n\n  Built-in code calls a symbol"));
	assert_non_null(strstr(
	        body, "    git fetch 'https://git.example.org/jdoe/linux.git' 'cxl-hmem'\n"
	              "    git checkout 1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d\n"
	              "    curl -fsSL -o .config 'https://farm.example.org/api/v1/configs/117/config'\n"
	              "    make olddefconfig\n"));
	assert_non_null(strstr(body, "  dashboard:   https://farm.example.org/runs/42/signatures/7\n"));
	assert_non_null(
	        strstr(body, "  reproducer:  https://farm.example.org/api/v1/configs/117/reproducer.sh\n"));
	assert_non_null(strstr(body, "\n-- \nkmatrix sends one mail per new error signature per run"));
	assert_non_null(strstr(body, "Signature #7: link:cxl_region_contains_resource\nRun #42\n"));
	assert_true(valid_utf8_text(body));
	free(body);
}

static void body__tags_and_all_errors_like_the_robots(void **state)
{
	static const struct report_error errs[] = {
		{ "drivers/cxl/acpi.c: 'rc' undeclared (first use in this function)", false },
		{ "hmem.c: undefined reference to `cxl_region_contains_resource'", true },
		{ "evil\x1b[2J\nBcc: x@example.org", true },
	};
	struct matrix_fixture f;
	struct report_input in;
	char *body, *tags, *list, *table;

	(void)state;
	make_matrix(&f, 30);
	in = base_input(&f);
	in.reported_by = "kmatrix <kmatrix@farm.example.org>";
	in.closes_url = "https://farm.example.org/#/signature/7";
	in.all_errors = errs;
	in.nall_errors = 3;
	body = report_body(&in);
	tags = strstr(body, "| Reported-by: kmatrix <kmatrix@farm.example.org>\n"
	                    "| Closes: https://farm.example.org/#/signature/7\n");
	assert_non_null(tags);
	assert_non_null(strstr(body, "If you fix the issue in a separate patch or commit (not only in a new\n"
	                             "version of the same patch), add these tags to it:\n\n| Reported-by:"));
	list = strstr(body, "All errors (new ones prefixed by >>):\n\n"
	                    "   drivers/cxl/acpi.c: 'rc' undeclared (first use in this function)\n"
	                    ">> hmem.c: undefined reference to `cxl_region_contains_resource'\n"
	                    ">> evil Bcc: x@example.org\n");
	assert_non_null(list);
	table = strstr(body, "DEV_DAX_HMEM");
	/* The tags come before the table, the list right after it, before the first error lines. */
	assert_true(tags < table && table < list && list < strstr(body, "First error lines"));
	assert_true(valid_utf8_text(body));
	free(body);

	/* Without them the report is as before. */
	in.reported_by = NULL;
	in.closes_url = NULL;
	in.nall_errors = 0;
	body = report_body(&in);
	assert_null(strstr(body, "Reported-by:"));
	assert_null(strstr(body, "All errors"));
	free(body);
}

static void body__size_changes_name_the_configs_that_grew(void **state)
{
	static const struct report_growth grew[] = {
		{ "ymmmn", 117, 1000000, 1051200 },
		{ "nnnnn", 118, 0, 40960 },
	};
	struct matrix_fixture f;
	struct report_input in;
	char *body, *sizes;

	(void)state;
	make_matrix(&f, 30);
	in = base_input(&f);
	in.growth = grew;
	in.ngrowth = 2;
	body = report_body(&in);
	sizes = strstr(body, "\nSize changes against the base run (vmlinux text+data+bss, +40 KiB or more):\n\n"
	                     "  DEV_DAX_HMEM=y CXL_BUS=m CXL_ACPI=m CXL_PCI=m CXL_REGION=n\n"
	                     "      1000000 -> 1051200 bytes (+50.0 KiB, +5.1 %)\n"
	                     "  DEV_DAX_HMEM=n CXL_BUS=n CXL_ACPI=n CXL_PCI=n CXL_REGION=n\n"
	                     "      0 -> 40960 bytes (+40.0 KiB)\n");
	assert_non_null(sizes);
	/* After the diagnosis, before how to reproduce. */
	assert_true(strstr(body, "Diagnosis:") < sizes && sizes < strstr(body, "To reproduce"));
	free(body);

	in.ngrowth = 0;
	body = report_body(&in);
	assert_null(strstr(body, "Size changes"));
	free(body);
}

static void body__reproducer_text_replaces_generic_steps(void **state)
{
	struct matrix_fixture f;
	struct report_input in;
	char *body;

	(void)state;
	make_matrix(&f, 30);
	in = base_input(&f);
	in.reproducer = "#!/bin/sh\nset -e\ngit fetch https://git.example.org/jdoe/linux.git cxl-hmem\n";
	body = report_body(&in);
	assert_non_null(
	        strstr(body, "To reproduce (config #118), run this in a kernel tree:\n\n    #!/bin/sh\n"
	                     "    set -e\n    git fetch https://git.example.org/jdoe/linux.git cxl-hmem\n"));
	assert_null(strstr(body, "make olddefconfig"));
	free(body);
}

static void body__odd_text_is_escaped(void **state)
{
	struct matrix_fixture f;
	struct report_input in;
	char *body;

	(void)state;
	make_matrix(&f, 30);
	in = base_input(&f);
	in.tree_url = "https://x.example.org/it's.git";
	in.branch = "refs/heads/$(reboot)";
	in.author = "Mallory \xe2\x80\xae<evil@example.org>\r\nBcc: x";
	in.first_lines = "\x1b[01m\x1b[Khmem.c:12:5:\x1b[m \x1b[01;31m\x1b[Kerror: \x1b[m\x1b[Kbad\n"
	                 "\ttab\x07"
	                 "bell\xff\xfe\n\x1b]8;;http://x\x07link\x1b]8;;\x07\n";
	in.diagnosis = "see \xe2\x80\xae"
	               "evil\xe2\x80\xac text";
	body = report_body(&in);
	assert_true(valid_utf8_text(body));
	assert_null(strchr(body, '\x1b'));
	assert_null(strstr(body, "\xe2\x80\xae"));
	assert_non_null(strstr(body, "    hmem.c:12:5: error: bad\n"));
	assert_non_null(strstr(body, "            tab?bell\xEF\xBF\xBD\xEF\xBF\xBD\n"));
	assert_non_null(strstr(body, "    link\n"));
	assert_non_null(strstr(body, "git fetch 'https://x.example.org/it'\\''s.git' '$(reboot)'\n"));
	free(body);
}

static void body__long_logs_are_bounded(void **state)
{
	struct matrix_fixture f;
	struct report_input in;
	char *log = xcalloc(1, 100 * 500 + 1);
	char *body;
	size_t n = 0;

	(void)state;
	make_matrix(&f, 30);
	in = base_input(&f);
	for (int i = 0; i < 100; i++) {
		memset(log + n, 'x', 499);
		n += 499;
		log[n++] = '\n';
	}
	in.first_lines = log;
	body = report_body(&in);
	assert_non_null(strstr(body, " [...]\n"));
	assert_non_null(strstr(body, "    [... 70 more lines]\n"));
	assert_true(strlen(body) < 30000);
	free(body);
	free(log);
}

static void fixed_body__names_both_commits(void **state)
{
	struct matrix_fixture f;
	struct report_input in;
	char *body;

	(void)state;
	make_matrix(&f, 30);
	for (size_t i = 0; i < f.n; i++)
		f.cfg[i].failing = false;
	in = base_input(&f);
	in.run_id = 43;
	body = report_fixed_body(&in, "9f8e7d6c5b4a39281706f5e4d3c2b1a098f7e6d5");
	assert_non_null(strstr(body, "The error kmatrix reported earlier is gone:\n\n"
	                             "    undefined reference to 'cxl_region_contains_resource'\n"));
	assert_non_null(strstr(body, "  reported: 1a2b3c4d5e6f\n"));
	assert_non_null(strstr(body, "  fixed in: 9f8e7d6c5b4a39281706f5e4d3c2b1a098f7e6d5\n"));
	assert_non_null(strstr(body, "In run #43 none of the 30 configurations built fails with it;\n"
	                             "6 of them do not pass for other reasons"));
	assert_null(strstr(body, "reproducer:"));
	assert_non_null(strstr(body, "Run #43\n"));
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(subject__is_exact),
		cmocka_unit_test(subject__leaves_out_missing_parts),
		cmocka_unit_test(subject__long_message_is_cut_on_a_character),
		cmocka_unit_test(subject__odd_text_stays_on_one_line),
		cmocka_unit_test(fixed_subject__threads_under_the_report),
		cmocka_unit_test(message_id__is_stable_and_clean),
		cmocka_unit_test(body__full_table_marks_exactly_the_failing_configs),
		cmocka_unit_test(body__large_matrix_shows_failing_rows_and_summarises_the_rest),
		cmocka_unit_test(body__many_failing_rows_are_capped),
		cmocka_unit_test(body__staircase_header_when_names_are_wide),
		cmocka_unit_test(body__has_every_section),
		cmocka_unit_test(body__tags_and_all_errors_like_the_robots),
		cmocka_unit_test(body__size_changes_name_the_configs_that_grew),
		cmocka_unit_test(body__reproducer_text_replaces_generic_steps),
		cmocka_unit_test(body__odd_text_is_escaped),
		cmocka_unit_test(body__long_logs_are_bounded),
		cmocka_unit_test(fixed_body__names_both_commits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
