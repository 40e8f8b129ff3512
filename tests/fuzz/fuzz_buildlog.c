/* Fuzz target: build logs of arbitrary bytes through the error extractor and the capped writer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buildlog.h"
#include "logcap.h"

static char *scan_dump(const char *data, size_t size, size_t split, unsigned long *lines)
{
	struct buildlog *s = buildlog_new();
	json_t *j;
	char *text;

	buildlog_feed(s, data, split);
	buildlog_feed(s, data + split, size - split);
	buildlog_finish(s);
	if (buildlog_error_count(s) > BUILDLOG_MAX_ERRORS)
		abort();
	for (size_t i = 0; i < buildlog_error_count(s); i++) {
		const struct buildlog_error *e = buildlog_error_at(s, i);

		if (!e->signature || !e->message || !e->first_lines || !e->type || e->count == 0 ||
		    e->line_no == 0 || e->line_no > buildlog_line_count(s) ||
		    strlen(e->first_lines) > BUILDLOG_CONTEXT_BYTES ||
		    strncmp(e->signature, e->type, strlen(e->type)) != 0)
			abort();
	}
	j = buildlog_errors_json(s);
	/* json_dumps fails on a string that is not UTF-8: every string must be clean. */
	text = json_dumps(j, JSON_COMPACT);
	if (!text)
		abort();
	json_decref(j);
	*lines = buildlog_line_count(s);
	buildlog_free(s);
	return text;
}

static void exercise_buildlog(const char *data, size_t size)
{
	size_t split = size ? (unsigned char)data[0] % (size + 1) : 0;
	unsigned long lines_a, lines_b, want = 0;
	char *a = scan_dump(data, size, size, &lines_a);
	char *b = scan_dump(data, size, split, &lines_b);

	/* Where a chunk ends must not matter. */
	if (strcmp(a, b) != 0 || lines_a != lines_b)
		abort();
	for (size_t i = 0; i < size; i++)
		want += data[i] == '\n';
	if (size && data[size - 1] != '\n')
		want++;
	if (lines_a != want)
		abort();
	free(a);
	free(b);
	for (size_t i = 0; i < size;) {
		const char *nl = memchr(data + i, '\n', size - i);
		size_t n = nl ? (size_t)(nl - data) - i : size - i;

		buildlog_line_is_error(data + i, n);
		i += n + 1;
	}
}

static char tmp_path[64];

static void remove_tmp(void)
{
	if (tmp_path[0])
		unlink(tmp_path);
}

static void exercise_logcap(const char *data, size_t size)
{
	/* Budgets from the input, kept small so that every phase is reached. */
	size_t head = size ? (unsigned char)data[size / 2] % 97 : 0;
	size_t errors = size > 1 ? (unsigned char)data[1] % 131 : 7;
	size_t tail = size > 2 ? (unsigned char)data[2] * 3 : 11;
	struct logcap *lc = NULL;
	unsigned long long total = 0, stored = 0;
	size_t split = size / 3;
	FILE *f;
	char *back;

	if (!tmp_path[0]) {
		int fd;

		snprintf(tmp_path, sizeof(tmp_path), "/tmp/fuzz_buildlog.XXXXXX");
		fd = mkstemp(tmp_path);
		if (fd < 0)
			abort();
		close(fd);
		atexit(remove_tmp);
	}
	if (logcap_open(tmp_path, head, errors, tail, &lc) != 0)
		abort();
	if (logcap_write(lc, data, split) != 0 || logcap_write(lc, data + split, size - split) != 0)
		abort();
	if (logcap_close(lc, &total, &stored) != 0)
		abort();
	if (total != size || stored > head + errors + tail + LOGCAP_MARKER_MAX)
		abort();
	f = fopen(tmp_path, "rb");
	if (!f)
		abort();
	back = malloc(stored + 1);
	if (!back || fread(back, 1, stored + 1, f) != stored)
		abort();
	fclose(f);
	/* Whatever fits is stored byte for byte. */
	if (size <= head + tail && (stored != size || memcmp(back, data, size) != 0))
		abort();
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	exercise_buildlog((const char *)data, size);
	exercise_logcap((const char *)data, size);
	return 0;
}
