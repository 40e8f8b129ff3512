/* Fuzz target for worker results: byte 0 picks the job kind and the run's shape, the rest is the JSON result. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "sched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum job_kind kinds[] = { JOB_CONFIGURE, JOB_BUILD, JOB_BOOT, JOB_CONFIGURE };
	json_t *res;

	if (size < 1)
		return 0;
	res = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
	if (!res)
		return 0;
	/* Bits 0-1: kind; bits 2-3: axes (1-4); bits 4-7: requests (1-16). */
	sched_result_check(kinds[data[0] & 3], 1 + ((data[0] >> 2) & 3), 1 + (data[0] >> 4), res);
	/* What the check leaves must still encode: that is what gets stored and served. */
	free(json_dumps(res, JSON_COMPACT | JSON_ENSURE_ASCII));
	json_decref(res);
	return 0;
}
