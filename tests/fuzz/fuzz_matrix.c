/* Fuzz target: matrix files and .config text from arbitrary bytes must never crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kconfig.h"
#include "matrix.h"

/* Expanding is cheap up to the 3^8 points the format allows; the cap guards against that changing. */
#define MAX_EXPAND 10000

static void exercise_matrix(const char *text, size_t size)
{
	struct matrix *m = NULL;
	char **points = NULL;
	size_t n = 0;
	const char **files;

	if (matrix_parse("fuzz.matrix", text, size, &m) != 0)
		return;
	files = matrix_referenced_files(m);
	for (size_t i = 0; files[i]; i++)
		if (!matrix_file_name_ok(files[i]))
			abort();
	free(files);
	if (matrix_point_count(m) <= MAX_EXPAND && matrix_expand(m, &points, &n) == 0) {
		if (n != matrix_point_count(m) || n == 0)
			abort();
		for (size_t i = 0; i < n; i++) {
			json_t *j = matrix_point_json(m, points[i]);
			char *back = NULL;

			/* Every expanded point survives the JSON round trip unchanged. */
			if (!j || matrix_point_from_json(m, j, &back) != 0 || strcmp(back, points[i]) != 0)
				abort();
			free(back);
			json_decref(j);
			if (i > 8)
				break;
		}
		matrix_points_free(points, n);
	}
	matrix_free(m);
}

static void exercise_kconfig(const char *text, size_t size)
{
	struct kconfig *c = NULL, *again = NULL;
	char *written, h1[65], h2[65];

	if (kconfig_parse(text, size, &c) != 0)
		return;
	/* What we write, we read back as the same config. */
	written = kconfig_write(c);
	if (kconfig_parse(written, strlen(written), &again) != 0)
		abort();
	kconfig_hash(c, h1);
	kconfig_hash(again, h2);
	if (strcmp(h1, h2) != 0 || kconfig_distance(c, again) != 0)
		abort();
	free(written);
	kconfig_free(again);
	kconfig_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	exercise_matrix((const char *)data, size);
	exercise_kconfig((const char *)data, size);
	return 0;
}
