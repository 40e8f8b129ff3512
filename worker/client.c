/* libcurl requests to the server, with bounded responses and retries where they are safe. */
#include "client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "xalloc.h"

#define MAX_RESPONSE (64 * 1024 * 1024)

struct client {
	char *base;
	char *auth_header;
};

static int curl_ready;

int client_new(const char *base_url, const char *token, struct client **out)
{
	struct client *c;
	size_t n = strlen(base_url);

	*out = NULL;
	if (strncmp(base_url, "http://", 7) != 0 && strncmp(base_url, "https://", 8) != 0)
		return err_set(KM_EINVAL, "server URL '%s' must start with http:// or https://", base_url);
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = 1;
	}
	c = xcalloc(1, sizeof(*c));
	while (n > 0 && base_url[n - 1] == '/')
		n--;
	c->base = xstrndup(base_url, n);
	c->auth_header = xasprintf("Authorization: Bearer %s", token);
	*out = c;
	return 0;
}

void client_free(struct client *c)
{
	if (!c)
		return;
	free(c->base);
	free(c->auth_header);
	free(c);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct buf *b = ctx;

	if (buf_append(b, data, size * nmemb) != 0)
		return 0; /* aborts the transfer */
	return size * nmemb;
}

static size_t on_file(char *data, size_t size, size_t nmemb, void *ctx)
{
	return fwrite(data, size, nmemb, ctx);
}

struct request {
	const char *method;
	const char *path;
	const char *body; /* JSON body or NULL */
	FILE *upload;     /* PUT body from a file */
	long upload_size;
	const char *lease_header;
	FILE *download;   /* response body to a file */
	long timeout_s;
};

/*
 * Performs one request. *status gets the HTTP status (0 on transport errors);
 * *resp the response body when JSON. Returns KM_EIO on transport errors only.
 */
static int perform(struct client *c, const struct request *r, long *status, json_t **resp)
{
	CURL *h = curl_easy_init();
	struct curl_slist *headers = NULL;
	struct buf body = BUF_INIT(MAX_RESPONSE);
	char *url = xasprintf("%s%s", c->base, r->path);
	char *lease = NULL;
	CURLcode cc;
	int rc = 0;

	*status = 0;
	if (resp)
		*resp = NULL;
	if (!h) {
		rc = err_set(KM_EIO, "curl init failed");
		goto done;
	}
	headers = curl_slist_append(headers, c->auth_header);
	if (r->body)
		headers = curl_slist_append(headers, "Content-Type: application/json");
	if (r->lease_header) {
		lease = xasprintf("X-Lease: %s", r->lease_header);
		headers = curl_slist_append(headers, lease);
	}
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, r->timeout_s ? r->timeout_s : 60L);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
	if (r->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(r->body));
	} else if (r->upload) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READDATA, r->upload);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->upload_size);
	} else if (strcmp(r->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	}
	if (r->download) {
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_file);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, r->download);
	} else {
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	}
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		rc = err_set(KM_EIO, "%s %s: %s", r->method, url, curl_easy_strerror(cc));
		goto done;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	if (resp && body.len) {
		*resp = json_loadb(body.data, body.len, 0, NULL);
	}
	if (*status >= 400) {
		const char *msg = resp && *resp ? json_string_value(json_object_get(*resp, "error")) : NULL;

		err_set(KM_EIO, "%s %s: HTTP %ld: %s", r->method, r->path, *status, msg ? msg : buf_cstr(&body));
	}
done:
	curl_slist_free_all(headers);
	if (h)
		curl_easy_cleanup(h);
	buf_free(&body);
	free(url);
	free(lease);
	return rc;
}

/* Maps an HTTP error status to a code callers branch on (the message is already set). */
static int status_code(long status)
{
	if (status < 400)
		return 0;
	if (status == 401)
		return KM_EAUTH;
	if (status == 404)
		return KM_ENOTFOUND;
	if (status == 409)
		return KM_ECONFLICT;
	if (status == 413)
		return KM_ETOOBIG;
	if (status < 500)
		return KM_EINVAL;
	return KM_EIO;
}

static int post_json(struct client *c, const char *path, json_t *body, long timeout_s, json_t **resp)
{
	char *text = json_dumps(body, JSON_COMPACT);
	struct request r = { .method = "POST", .path = path, .body = text, .timeout_s = timeout_s };
	long status = 0;
	int rc = perform(c, &r, &status, resp);

	free(text);
	if (rc)
		return rc;
	return status_code(status);
}

int client_heartbeat(struct client *c, const char *hostname, const char *version, long cores)
{
	json_t *body = json_pack("{s:s,s:s,s:i}", "hostname", hostname, "version", version, "cores", (json_int_t)cores);
	json_t *resp = NULL;
	int rc = post_json(c, "/api/v1/worker/heartbeat", body, 30, &resp);

	json_decref(body);
	json_decref(resp);
	return rc;
}

int client_claim(struct client *c, const char *const *kinds, int wait_s, json_t **job)
{
	json_t *k = json_array(), *body, *resp = NULL;
	char *text;
	struct request r = { .method = "POST", .path = "/api/v1/jobs/claim", .timeout_s = wait_s + 30 };
	long status = 0;
	int rc;

	*job = NULL;
	for (size_t i = 0; kinds[i]; i++)
		json_array_append_new(k, json_string(kinds[i]));
	body = json_pack("{s:o,s:i}", "kinds", k, "wait", wait_s);
	text = json_dumps(body, JSON_COMPACT);
	r.body = text;
	rc = perform(c, &r, &status, &resp);
	free(text);
	json_decref(body);
	if (!rc)
		rc = status_code(status);
	if (!rc && status == 200) {
		if (!resp || !json_is_object(json_object_get(resp, "job")))
			rc = err_set(KM_EIO, "claim: the server's answer has no job");
		else
			*job = json_incref(resp);
	}
	json_decref(resp);
	return rc;
}

int client_extend(struct client *c, long job_id, const char *lease)
{
	char path[96];
	json_t *body = json_pack("{s:s}", "lease", lease);
	int rc;

	snprintf(path, sizeof(path), "/api/v1/jobs/%ld/lease", job_id);
	rc = post_json(c, path, body, 30, NULL);
	json_decref(body);
	return rc;
}

int client_upload(struct client *c, long job_id, const char *lease, const char *name, const char *file)
{
	char path[160];
	FILE *f = fopen(file, "rb");
	struct request r = { .method = "PUT", .path = path, .lease_header = lease, .timeout_s = 600 };
	long status = 0, size;
	int rc;

	if (!f)
		return err_set(KM_EIO, "cannot read %s: %s", file, strerror(errno));
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	snprintf(path, sizeof(path), "/api/v1/jobs/%ld/artifacts/%s", job_id, name);
	r.upload = f;
	r.upload_size = size;
	rc = perform(c, &r, &status, NULL);
	fclose(f);
	if (!rc)
		rc = status_code(status);
	return rc;
}

int client_download(struct client *c, long job_id, const char *name, const char *file)
{
	char path[160];
	char *tmp = xasprintf("%s.part", file);
	FILE *f = fopen(tmp, "wb");
	struct request r = { .method = "GET", .path = path, .timeout_s = 600 };
	long status = 0;
	int rc;

	if (!f) {
		rc = err_set(KM_EIO, "cannot write %s: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	snprintf(path, sizeof(path), "/api/v1/jobs/%ld/artifacts/%s", job_id, name);
	r.download = f;
	rc = perform(c, &r, &status, NULL);
	if (fclose(f) != 0 && !rc)
		rc = err_set(KM_EIO, "cannot write %s", tmp);
	if (!rc)
		rc = status_code(status);
	if (!rc && rename(tmp, file) != 0)
		rc = err_set(KM_EIO, "cannot rename %s: %s", tmp, strerror(errno));
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

int client_result(struct client *c, long job_id, json_t *result, int retry_s, volatile sig_atomic_t *stop)
{
	char path[96];
	int waited = 0, delay = 1;
	int rc;

	snprintf(path, sizeof(path), "/api/v1/jobs/%ld/result", job_id);
	for (;;) {
		json_t *resp = NULL;

		rc = post_json(c, path, result, 120, &resp);
		json_decref(resp);
		if (rc != KM_EIO || waited >= retry_s || (stop && *stop))
			return rc;
		log_warn("job=%ld result not delivered (%s); retrying in %d s", job_id, err_msg(), delay);
		for (int i = 0; i < delay * 5 && !(stop && *stop); i++)
			usleep(200 * 1000);
		waited += delay;
		if (delay < 30)
			delay *= 2;
	}
}
