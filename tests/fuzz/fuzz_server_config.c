/* Fuzz target for the server's config file (--config=FILE): 'key = value' lines over the option table. */
#include <stdint.h>
#include <stdlib.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server_config cfg;

	server_config_parse_text(&cfg, "fuzz.conf", (const char *)data, size);
	server_config_release(&cfg);
	return 0;
}
