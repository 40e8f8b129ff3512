/* Fuzz target for .config text as workers send it: parse, normalize, hash. */
#include <stdint.h>
#include <stdlib.h>

#include "kconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kconfig *kc = NULL;
	char hash[65];

	if (kconfig_parse((const char *)data, size, &kc) == 0) {
		kconfig_hash(kc, hash);
		kconfig_free(kc);
	}
	return 0;
}
