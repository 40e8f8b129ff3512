/* kmatrixctl suggest: prints the matrix file an `axes = auto` run of a push would run, reasons as comments. */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"

int ctl_suggest(struct ctl *c, int argc, char **argv)
{
	static const char *const keys[] = { "tree", "ref", "commit", "base", "matrix" };
	struct buf path = BUF_INIT(8192);
	json_t *out = NULL;
	CURL *h = curl_easy_init();
	bool have_tree = false, have_head = false;
	long status;
	int rc = 0;

	buf_puts(&path, "/api/v1/suggest?");
	for (int i = 0; i < argc; i++) {
		bool known = false;

		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			size_t n = strlen(keys[k]);

			if (strncmp(argv[i], "--", 2) == 0 && strncmp(argv[i] + 2, keys[k], n) == 0 &&
			    argv[i][n + 2] == '=') {
				char *v = curl_easy_escape(h, argv[i] + n + 3, 0);

				buf_printf(&path, "%s%s=%s", path.data[path.len - 1] == '?' ? "" : "&", keys[k], v);
				curl_free(v);
				known = true;
				have_tree |= k == 0;
				have_head |= k == 1 || k == 2;
			}
		}
		if (!known) {
			fprintf(stderr, "kmatrixctl: suggest: unknown option %s\n", argv[i]);
			rc = 2;
		}
	}
	if (!rc && (!have_tree || !have_head)) {
		fprintf(stderr, "kmatrixctl: suggest needs --tree=PATH and --ref=REF or --commit=SHA\n");
		rc = 2;
	}
	if (!rc) {
		status = ctl_request(c, "GET", buf_cstr(&path), NULL, &out);
		if (status == 200 && json_is_string(json_object_get(out, "matrix")))
			fputs(json_string_value(json_object_get(out, "matrix")), stdout);
		else
			rc = 1;
	}
	json_decref(out);
	curl_easy_cleanup(h);
	buf_free(&path);
	return rc;
}
