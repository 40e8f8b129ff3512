/* Fuzz target for the trees file (--trees): which trees, branches and matrices the farm follows. */
#include <stdint.h>
#include <stdlib.h>

#include "trees_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct triggers *t = NULL;

	if (triggers_parse("fuzz.trees", (const char *)data, size, &t) == 0)
		triggers_free(t);
	return 0;
}
