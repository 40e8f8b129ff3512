/* Fuzz target for Kconfig expressions: parse, print, re-parse, evaluate; printing must round-trip. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexpr.h"

static const char *fuzz_get(void *ctx, const char *sym)
{
	static const char *const vals[] = { "y", "m", "n", "12", "0x1f", "\"text\"", NULL };
	size_t h = 0;

	(void)ctx;
	for (const char *p = sym; *p; p++)
		h = h * 31 + (unsigned char)*p;
	return vals[h % 7];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct kexpr *e = NULL, *e2 = NULL, *p = NULL;
	struct kexpr_env env = { .get = fuzz_get };
	size_t used = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (kexpr_parse(text, &e) == 0) {
		char *s = kexpr_str(e, NULL), *s2 = NULL, *annotated = kexpr_str(e, &env);
		bool uncertain = false;
		enum kexpr_tri v = kexpr_eval(e, &env, 0, &uncertain);

		if (kexpr_parse(s, &e2) != 0) {
			fprintf(stderr, "printed form does not parse: '%s'\n", s);
			abort();
		}
		s2 = kexpr_str(e2, NULL);
		if (strcmp(s, s2) != 0 || kexpr_eval(e2, &env, 0, NULL) != v) {
			fprintf(stderr, "round trip changed '%s' into '%s'\n", s, s2);
			abort();
		}
		(void)kexpr_eval(e, &env, KEXPR_EVAL_DEP, NULL);
		free(s);
		free(s2);
		free(annotated);
	}
	if (kexpr_parse_prefix(text, &used, &p) == 0 && used > size)
		abort();
	kexpr_free(e);
	kexpr_free(e2);
	kexpr_free(p);
	free(text);
	return 0;
}
