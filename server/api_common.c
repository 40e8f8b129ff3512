/* Helpers every handler uses: ids from paths, JSON bodies, bearer tokens. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db.h"
#include "digest.h"
#include "err.h"
#include "server.h"

void api_fail(struct http_resp *resp, int code)
{
	http_resp_error(resp, code, *err_msg() ? err_msg() : err_name(code));
}

int api_parse_id(const char *s, long *id)
{
	long v = 0;
	size_t n = s ? strlen(s) : 0;

	/* Digits only, no sign, space or leading zero: one spelling per id. */
	if (n == 0 || n > 18 || s[0] == '0')
		return KM_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return KM_EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*id = v;
	return 0;
}

int api_param_id(const struct http_req *req, size_t i, long *id)
{
	const char *s = i < req->nparams ? req->params[i] : NULL;

	if (!s)
		return err_set(KM_EINVAL, "missing id in path");
	if (api_parse_id(s, id) != 0)
		return err_set(KM_EINVAL, "'%s' is not an id (expected a positive whole number)", s);
	return 0;
}

int api_body_json(const struct http_req *req, json_t **out)
{
	json_error_t jerr;
	json_t *j;

	*out = NULL;
	if (!req->body || !req->body_len)
		return err_set(KM_EINVAL, "request body must be a JSON object (it is empty)");
	j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return err_set(KM_EINVAL, "malformed JSON at line %d, column %d: %s", jerr.line, jerr.column,
			       jerr.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(KM_EINVAL, "request body must be a JSON object");
	}
	*out = j;
	return 0;
}

static const char *bearer(const struct http_req *req)
{
	const char *h = http_header(req, "Authorization");

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

int api_auth_admin(struct server *s, const struct http_req *req)
{
	const char *tok = bearer(req);

	if (!tok)
		return err_set(KM_EAUTH, "this call needs 'Authorization: Bearer <admin token>'");
	if (!digest_equal(tok, s->admin_token))
		return err_set(KM_EAUTH, "wrong admin token");
	return 0;
}

int api_auth_worker(struct server *s, struct db *db, const struct http_req *req, long *worker_id)
{
	const char *tok = bearer(req);
	char hash[DIGEST_HEX_LEN + 1];
	char *name = NULL;
	int rc;

	if (!tok)
		return err_set(KM_EAUTH, "workers must send 'Authorization: Bearer <worker token>'");
	if (strlen(tok) > 256)
		return err_set(KM_EAUTH, "worker token too long");
	digest_sha256_hex(tok, strlen(tok), hash);
	rc = db_worker_auth(db, hash, worker_id, &name);
	free(name);
	return rc;
}
