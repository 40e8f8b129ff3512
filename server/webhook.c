/* Authenticates forge and post-receive push deliveries and turns their JSON into one struct webhook_push. */
#include "webhook.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "digest.h"
#include "err.h"
#include "xalloc.h"
#include "validate.h"

#define MAX_NAME    256
#define MAX_SUBJECT 256
#define MAX_URLS    8

struct delivery {
	enum webhook_source source;
	const char *event; /* the event header's value, NULL for plain */
	webhook_header_fn get_header;
	void *ctx;
};

static const char *header(const struct delivery *d, const char *name)
{
	const char *v = d->get_header ? d->get_header(d->ctx, name) : NULL;

	return v && *v ? v : NULL;
}

static void detect(struct delivery *d)
{
	static const char *const gitea_events[] = { "X-Gitea-Event", "X-Forgejo-Event", "X-Gogs-Event" };

	for (size_t i = 0; i < sizeof(gitea_events) / sizeof(gitea_events[0]); i++) {
		if ((d->event = header(d, gitea_events[i]))) {
			d->source = WEBHOOK_GITEA;
			return;
		}
	}
	if ((d->event = header(d, "X-Gitlab-Event"))) {
		d->source = WEBHOOK_GITLAB;
		return;
	}
	if ((d->event = header(d, "X-GitHub-Event"))) {
		d->source = WEBHOOK_GITHUB;
		return;
	}
	d->source = WEBHOOK_PLAIN;
	d->event = NULL;
}

const char *webhook_source_name(enum webhook_source source)
{
	switch (source) {
	case WEBHOOK_GITHUB: return "github";
	case WEBHOOK_GITLAB: return "gitlab";
	case WEBHOOK_GITEA: return "gitea";
	case WEBHOOK_PLAIN: return "plain";
	}
	return "unknown";
}

/* ---- authentication ---------------------------------------------------- */

/* Compares a hex HMAC (optionally behind "sha256=") from a header with the expected one. */
static bool hmac_matches(const char *given, const char *prefix, const char *expected)
{
	char norm[DIGEST_HEX_LEN + 1];
	size_t plen = prefix ? strlen(prefix) : 0;

	if (prefix && strncasecmp(given, prefix, plen) != 0)
		return false;
	given += plen;
	if (strlen(given) != DIGEST_HEX_LEN)
		return false;
	for (size_t i = 0; i < DIGEST_HEX_LEN; i++)
		norm[i] = (char)tolower((unsigned char)given[i]);
	norm[DIGEST_HEX_LEN] = '\0';
	return digest_equal(norm, expected);
}

static int authenticate(const struct delivery *d, const char *body, size_t len, const char *secret)
{
	const char *src = webhook_source_name(d->source);
	char mac[DIGEST_HEX_LEN + 1];
	const char *sig;

	if (!secret || !*secret)
		return err_set(KM_EAUTH, "webhook (%s): no webhook secret is configured for this tree", src);

	if (d->source == WEBHOOK_GITLAB) {
		const char *token = header(d, "X-Gitlab-Token");

		if (!token)
			return err_set(KM_EAUTH, "webhook (gitlab): missing X-Gitlab-Token header");
		if (!digest_equal(token, secret))
			return err_set(KM_EAUTH,
			               "webhook (gitlab): X-Gitlab-Token does not match the tree's secret");
		return 0;
	}

	digest_hmac_sha256_hex(secret, strlen(secret), body, len, mac);
	switch (d->source) {
	case WEBHOOK_GITEA:
		if ((sig = header(d, "X-Gitea-Signature")) || (sig = header(d, "X-Forgejo-Signature"))) {
			if (!hmac_matches(sig, NULL, mac))
				return err_set(KM_EAUTH,
				               "webhook (gitea): X-Gitea-Signature does not match the body");
			return 0;
		}
		if ((sig = header(d, "X-Hub-Signature-256"))) {
			if (!hmac_matches(sig, "sha256=", mac))
				return err_set(
				        KM_EAUTH,
				        "webhook (gitea): X-Hub-Signature-256 does not match the body");
			return 0;
		}
		return err_set(
		        KM_EAUTH,
		        "webhook (gitea): missing X-Gitea-Signature header (set a secret on the hook)");
	case WEBHOOK_GITHUB:
		if (!(sig = header(d, "X-Hub-Signature-256")))
			return err_set(KM_EAUTH, "webhook (github): missing X-Hub-Signature-256 header "
			                         "(set a secret on the hook)");
		if (!hmac_matches(sig, "sha256=", mac))
			return err_set(KM_EAUTH,
			               "webhook (github): X-Hub-Signature-256 does not match the body");
		return 0;
	default:
		if (!(sig = header(d, "X-Kmatrix-Signature")))
			return err_set(
			        KM_EAUTH,
			        "webhook: missing X-Kmatrix-Signature header and no forge event header");
		if (!hmac_matches(sig, "sha256=", mac))
			return err_set(KM_EAUTH,
			               "webhook (plain): X-Kmatrix-Signature does not match the body");
		return 0;
	}
}

/* ---- event kinds --------------------------------------------------------- */

static int check_push_event(const struct delivery *d)
{
	const char *ev = d->event;

	switch (d->source) {
	case WEBHOOK_GITHUB:
	case WEBHOOK_GITEA:
		if (strcmp(ev, "push") == 0)
			return 0;
		break;
	case WEBHOOK_GITLAB:
		/* System hooks carry the push in object_kind; checked once the body is parsed. */
		if (strcmp(ev, "Push Hook") == 0 || strcmp(ev, "Tag Push Hook") == 0 ||
		    strcmp(ev, "System Hook") == 0)
			return 0;
		break;
	case WEBHOOK_PLAIN: return 0;
	}
	return err_set(KM_ENOTFOUND, "webhook (%s): event '%.64s' is not a push: ignored",
	               webhook_source_name(d->source), ev);
}

/* ---- body decoding ------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The url-decoded value of the "payload" field of a form body; NULL when absent. */
static char *form_payload(const char *body, size_t len, size_t *out_len)
{
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *field_end = amp ? amp : end;

		if ((size_t)(field_end - p) >= 8 && memcmp(p, "payload=", 8) == 0) {
			char *out = xmalloc((size_t)(field_end - p) + 1);
			size_t n = 0;

			for (const char *q = p + 8; q < field_end; q++) {
				if (*q == '+') {
					out[n++] = ' ';
				} else if (*q == '%' && field_end - q >= 3 && hexval(q[1]) >= 0 &&
				           hexval(q[2]) >= 0) {
					out[n++] = (char)(hexval(q[1]) * 16 + hexval(q[2]));
					q += 2;
				} else {
					out[n++] = *q;
				}
			}
			out[n] = '\0';
			*out_len = n;
			return out;
		}
		p = field_end + 1;
	}
	return NULL;
}

static int load_json(const struct delivery *d, const char *body, size_t len, json_t **out)
{
	const char *src = webhook_source_name(d->source);
	const char *ctype = header(d, "Content-Type");
	char *form = NULL;
	json_error_t jerr;
	json_t *root = NULL;
	int rc = 0;

	if (ctype && strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0) {
		size_t flen = 0;

		if (!(form = form_payload(body, len, &flen))) {
			rc = err_set(KM_EINVAL, "webhook (%s): form body without a 'payload' field", src);
			goto done;
		}
		body = form;
		len = flen;
	}
	root = json_loadb(body, len, 0, &jerr);
	if (!root) {
		rc = err_set(KM_EINVAL, "webhook (%s): body is not JSON: line %d column %d: %s", src,
		             jerr.line, jerr.column, jerr.text);
		goto done;
	}
	if (!json_is_object(root)) {
		rc = err_set(KM_EINVAL, "webhook (%s): body is not a JSON object", src);
		goto done;
	}
	*out = root;
	root = NULL;
done:
	json_decref(root);
	free(form);
	return rc;
}

/* ---- field access and validation ---------------------------------------- */

/* The value at a dotted path ("repository.clone_url"), NULL when any step is missing. */
static json_t *jpath(json_t *obj, const char *path)
{
	char key[64];

	while (obj && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key) || !json_is_object(obj))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		obj = json_object_get(obj, key);
		path += n + (dot ? 1 : 0);
	}
	return obj;
}

static const char *jstr(json_t *obj, const char *path)
{
	return json_string_value(jpath(obj, path));
}

/* Length of at most max bytes of s that does not split a UTF-8 character. */
static size_t utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* First line of s with control characters made spaces, trimmed, at most max bytes; NULL when empty. */
static char *clean_line(const char *s, size_t max)
{
	size_t n, start = 0, end;
	char *out;

	if (!s)
		return NULL;
	n = strcspn(s, "\r\n");
	out = xstrndup(s, n);
	for (size_t i = 0; out[i]; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c < 0x20 || c == 0x7f)
			out[i] = ' ';
	}
	while (out[start] == ' ')
		start++;
	end = strlen(out);
	while (end > start && out[end - 1] == ' ')
		end--;
	out[end] = '\0';
	memmove(out, out + start, end - start + 1);
	out[utf8_cut(out, max)] = '\0';
	if (!*out) {
		free(out);
		return NULL;
	}
	return out;
}

static char *email_or_null(const char *s)
{
	return s && validate_address(s) ? xstrdup(s) : NULL;
}

static bool is_zero_id(const char *s)
{
	return s && strspn(s, "0") == strlen(s);
}

static int required_str(const char *src, json_t *root, const char *path, const char **out)
{
	json_t *v = jpath(root, path);

	if (!v || json_is_null(v))
		return err_set(KM_EINVAL, "webhook (%s): missing field '%s'", src, path);
	if (!json_is_string(v))
		return err_set(KM_EINVAL, "webhook (%s): field '%s' is not a string", src, path);
	*out = json_string_value(v);
	return 0;
}

static void add_url(struct webhook_push *p, const char *u)
{
	if (!u || !validate_url(u) || p->nrepo_urls >= MAX_URLS)
		return;
	for (size_t i = 0; i < p->nrepo_urls; i++) {
		if (strcmp(p->repo_urls[i], u) == 0)
			return;
	}
	p->repo_urls = xrealloc(p->repo_urls, (p->nrepo_urls + 1) * sizeof(*p->repo_urls));
	p->repo_urls[p->nrepo_urls++] = xstrdup(u);
}

/* ---- repository identity -------------------------------------------------- */

static int read_repo(struct webhook_push *p, json_t *root)
{
	static const char *const github[] = { "repository.clone_url", "repository.ssh_url",
		                              "repository.git_url", "repository.html_url", NULL };
	static const char *const gitea[] = { "repository.clone_url", "repository.ssh_url",
		                             "repository.html_url", NULL };
	static const char *const gitlab[] = { "project.git_http_url",   "project.git_ssh_url",
		                              "project.web_url",        "repository.git_http_url",
		                              "repository.git_ssh_url", "repository.homepage",
		                              "repository.url",         NULL };
	static const char *const plain[] = { "repo_url", NULL };
	const char *const *paths = plain;
	const char *src = webhook_source_name(p->source);
	const char *name = NULL;

	switch (p->source) {
	case WEBHOOK_GITHUB:
		paths = github;
		name = jstr(root, "repository.full_name");
		break;
	case WEBHOOK_GITEA:
		paths = gitea;
		name = jstr(root, "repository.full_name");
		break;
	case WEBHOOK_GITLAB:
		paths = gitlab;
		name = jstr(root, "project.path_with_namespace");
		break;
	case WEBHOOK_PLAIN: name = jstr(root, "repo_name"); break;
	}
	for (size_t i = 0; paths[i]; i++) {
		const char *u = jstr(root, paths[i]);

		if (u && !validate_url(u) && i == 0)
			return err_set(KM_EINVAL,
			               "webhook (%s): field '%s' is not a usable URL "
			               "(empty, over %d bytes, control characters or leading '-')",
			               src, paths[i], VALIDATE_MAX_URL);
		add_url(p, u);
	}
	if (p->nrepo_urls == 0)
		return err_set(KM_EINVAL, "webhook (%s): missing field '%s'", src, paths[0]);
	p->repo_url = xstrdup(p->repo_urls[0]);
	if (name && *name && strlen(name) <= MAX_NAME && !validate_has_control(name))
		p->repo_name = xstrdup(name);
	return 0;
}

/* ---- the pushed ref -------------------------------------------------------- */

/* The head commit object: the one whose id is after, else head_commit. */
static json_t *head_commit(json_t *root, const char *after)
{
	json_t *head = json_object_get(root, "head_commit");
	json_t *commits = json_object_get(root, "commits");
	size_t i;
	json_t *c;

	if (json_is_object(head)) {
		const char *id = json_string_value(json_object_get(head, "id"));

		if (id && strcasecmp(id, after) == 0)
			return head;
	}
	if (json_is_array(commits)) {
		json_array_foreach(commits, i, c) {
			const char *id = json_string_value(json_object_get(c, "id"));

			if (id && strcasecmp(id, after) == 0)
				return c;
		}
	}
	return json_is_object(head) ? head : NULL;
}

static char *lower_dup(const char *s)
{
	char *out = xstrdup(s);

	for (char *q = out; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return out;
}

static int read_push(struct webhook_push *p, json_t *root)
{
	const char *src = webhook_source_name(p->source);
	const char *ref = NULL, *before = NULL, *after = NULL;
	const char *pusher = NULL;
	json_t *head, *v;
	int rc;

	if (p->source == WEBHOOK_GITLAB) {
		const char *kind = jstr(root, "object_kind");

		if (!kind)
			kind = jstr(root, "event_name");
		if (kind && strcmp(kind, "push") != 0 && strcmp(kind, "tag_push") != 0)
			return err_set(KM_ENOTFOUND,
			               "webhook (gitlab): object_kind '%.64s' is not a push: ignored", kind);
	}
	if ((rc = required_str(src, root, "ref", &ref)) ||
	    (rc = required_str(src, root, "before", &before)) ||
	    (rc = required_str(src, root, "after", &after)))
		return rc;
	if (!validate_ref(ref))
		return err_set(KM_EINVAL,
		               "webhook (%s): field 'ref' is not a full git ref name (refs/...): '%.80s'",
		               src, ref);
	/* Forges send git's lower-case ids; an upper-case one is taken as the same id. */
	p->before = lower_dup(before);
	p->after = lower_dup(after);
	if (!validate_commit(p->before, false))
		return err_set(KM_EINVAL,
		               "webhook (%s): field 'before' is not a commit id (40 or 64 hex digits)", src);
	if (!validate_commit(p->after, false))
		return err_set(KM_EINVAL,
		               "webhook (%s): field 'after' is not a commit id (40 or 64 hex digits)", src);

	p->ref = xstrdup(ref);
	p->is_tag = strncmp(ref, "refs/tags/", 10) == 0;
	p->created = is_zero_id(before) || json_is_true(json_object_get(root, "created"));
	p->deleted = is_zero_id(after) || json_is_true(json_object_get(root, "deleted"));

	switch (p->source) {
	case WEBHOOK_GITHUB:
	case WEBHOOK_GITEA: pusher = jstr(root, "pusher.email"); break;
	case WEBHOOK_GITLAB: pusher = jstr(root, "user_email"); break;
	case WEBHOOK_PLAIN: pusher = jstr(root, "pusher_email"); break;
	}
	p->pusher_email = email_or_null(pusher);

	if (p->source == WEBHOOK_PLAIN) {
		p->author_email = email_or_null(jstr(root, "author_email"));
		p->author_name = clean_line(jstr(root, "author_name"), MAX_NAME);
		p->subject = clean_line(jstr(root, "subject"), MAX_SUBJECT);
	} else if (!p->deleted && (head = head_commit(root, after))) {
		const char *title = json_string_value(json_object_get(head, "title"));

		p->author_email = email_or_null(jstr(head, "author.email"));
		p->author_name = clean_line(jstr(head, "author.name"), MAX_NAME);
		p->subject = clean_line(title ? title : jstr(head, "message"), MAX_SUBJECT);
	}

	v = json_object_get(root, "base_ref");
	if (json_is_string(v) && validate_ref(json_string_value(v)))
		p->base_ref = xstrdup(json_string_value(v));
	return 0;
}

/* ---- entry points ---------------------------------------------------------- */

static int start(const char *body, size_t len, webhook_header_fn get_header, void *ctx, struct delivery *d)
{
	d->get_header = get_header;
	d->ctx = ctx;
	detect(d);
	if (len > WEBHOOK_MAX_BODY)
		return err_set(KM_ETOOBIG, "webhook (%s): body of %zu bytes is over the %d byte limit",
		               webhook_source_name(d->source), len, WEBHOOK_MAX_BODY);
	if (!body && len)
		return err_set(KM_EINVAL, "webhook: no body");
	return 0;
}

/*
 * Reads a delivery: its source and repository always; with push, first its
 * signature against secret and its event, then the push itself.
 */
static int read_delivery(const char *body, size_t len, webhook_header_fn get_header, void *ctx, bool push,
                         const char *secret, struct webhook_push **out)
{
	struct delivery d = { 0 };
	struct webhook_push *p = NULL;
	json_t *root = NULL;
	int rc;

	*out = NULL;
	if ((rc = start(body, len, get_header, ctx, &d)))
		goto done;
	if (push && ((rc = authenticate(&d, body ? body : "", len, secret)) || (rc = check_push_event(&d))))
		goto done;
	if ((rc = load_json(&d, body ? body : "", len, &root)))
		goto done;
	p = xcalloc(1, sizeof(*p));
	p->source = d.source;
	if ((push && (rc = read_push(p, root))) || (rc = read_repo(p, root)))
		goto done;
	*out = p;
	p = NULL;
done:
	webhook_push_free(p);
	json_decref(root);
	return rc;
}

int webhook_parse(const char *body, size_t len, webhook_header_fn get_header, void *ctx, const char *secret,
                  struct webhook_push **out)
{
	return read_delivery(body, len, get_header, ctx, true, secret, out);
}

int webhook_identify(const char *body, size_t len, webhook_header_fn get_header, void *ctx,
                     struct webhook_push **out)
{
	return read_delivery(body, len, get_header, ctx, false, NULL, out);
}

void webhook_push_free(struct webhook_push *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrepo_urls; i++)
		free(p->repo_urls[i]);
	free(p->repo_urls);
	free(p->repo_url);
	free(p->repo_name);
	free(p->ref);
	free(p->before);
	free(p->after);
	free(p->pusher_email);
	free(p->author_email);
	free(p->author_name);
	free(p->subject);
	free(p->base_ref);
	free(p);
}
