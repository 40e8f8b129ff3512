/* kmatrixctl's one way to talk to the server: a JSON request with the admin token, errors printed. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "ctl.h"
#include "xalloc.h"

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	return buf_append(ctx, data, size * nmemb) == 0 ? size * nmemb : 0;
}

long ctl_request(struct ctl *c, const char *method, const char *path, json_t *body, json_t **out)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdr = NULL;
	struct buf resp = BUF_INIT(64 * 1024 * 1024);
	char *url = xasprintf("%s%s", c->server, path);
	char *auth = c->token ? xasprintf("Authorization: Bearer %s", c->token) : NULL;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	long status = 0;
	CURLcode cc;

	*out = NULL;
	if (auth)
		hdr = curl_slist_append(hdr, auth);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
	if (text)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		fprintf(stderr, "kmatrixctl: %s %s: %s\n", method, url, curl_easy_strerror(cc));
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		*out = json_loadb(buf_cstr(&resp), resp.len, 0, NULL);
		if (status >= 400) {
			const char *msg = *out ? json_string_value(json_object_get(*out, "error")) : NULL;

			fprintf(stderr, "kmatrixctl: %s %s: HTTP %ld: %s\n", method, path, status,
				msg ? msg : buf_cstr(&resp));
		}
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	buf_free(&resp);
	free(url);
	free(auth);
	free(text);
	return status;
}
