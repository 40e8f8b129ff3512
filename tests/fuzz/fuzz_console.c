/* Fuzz target: console logs of any shape go through the parser, the verdict and the JSON encoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct console_parser *p = console_parser_new();
	struct console_result *r;
	size_t split = size ? data[0] % (size + 1) : 0;
	const char *reason = NULL;
	bool retry = false;
	json_t *j;
	char *text;

	/* Two chunks cut at an input-chosen point: lines split across feeds must not matter. */
	console_parser_feed(p, (const char *)data, split);
	console_parser_feed(p, (const char *)data + split, size - split);
	r = console_parser_finish(p);
	for (int k = 0; k < 8; k++) {
		const char *v = console_verdict(r, k & 1, (k & 2) ? 137 : 0, k & 4, &reason, &retry);

		if (!v || !reason || (strcmp(v, "PASS") && strcmp(v, "FAIL") && strcmp(v, "ERROR")))
			abort();
	}
	if (r->nranges > CONSOLE_MAX_RANGES || r->ninfo > CONSOLE_MAX_INFO)
		abort();
	j = console_result_json(r);
	text = json_dumps(j, 0);
	if (!text) /* stored text is printable ASCII, so encoding cannot fail */
		abort();
	free(text);
	json_decref(j);
	console_result_free(r);
	return 0;
}
