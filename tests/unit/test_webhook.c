/* Tests of webhook authentication and parsing with GitHub, GitLab, Gitea and post-receive deliveries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "digest.h"
#include "err.h"
#include "proc.h"
#include "webhook.h"
#include "xalloc.h"

#define SECRET   "s3cret-for-the-tree"
#define MAX_HDRS 8

struct hdrs {
	const char *name[MAX_HDRS];
	char *value[MAX_HDRS];
	int n;
};

static const char *get_hdr(void *ctx, const char *name)
{
	struct hdrs *h = ctx;

	for (int i = 0; i < h->n; i++) {
		if (strcasecmp(h->name[i], name) == 0)
			return h->value[i];
	}
	return NULL;
}

/* Header names are given in lowercase, as proxies and HTTP/2 deliver them. */
static void add_hdr(struct hdrs *h, const char *name, const char *value)
{
	assert_true(h->n < MAX_HDRS);
	h->name[h->n] = name;
	h->value[h->n] = xstrdup(value);
	h->n++;
}

static void free_hdrs(struct hdrs *h)
{
	for (int i = 0; i < h->n; i++)
		free(h->value[i]);
	h->n = 0;
}

static char *sign(const char *prefix, const char *key, const char *body, size_t len)
{
	char mac[DIGEST_HEX_LEN + 1];

	digest_hmac_sha256_hex(key, strlen(key), body, len, mac);
	return xasprintf("%s%s", prefix, mac);
}

static char *slurp(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *data;
	long n;

	snprintf(path, sizeof(path), "%s/tests/unit/data/webhook/%s", KM_SOURCE_DIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	data = xmalloc((size_t)n + 1);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

/* A delivery of the named file as source would send it, signed with key (NULL: unsigned). */
static void github_hdrs(struct hdrs *h, const char *event, const char *key, const char *body, size_t len)
{
	add_hdr(h, "x-github-event", event);
	add_hdr(h, "x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
	add_hdr(h, "content-type", "application/json");
	if (key) {
		char *sig = sign("sha256=", key, body, len);

		add_hdr(h, "x-hub-signature-256", sig);
		free(sig);
	}
}

static int parse_file(const char *name,
                      void (*mk)(struct hdrs *, const char *, const char *, const char *, size_t),
                      const char *event, const char *key, const char *secret, struct webhook_push **out)
{
	struct hdrs h = { 0 };
	size_t len;
	char *body = slurp(name, &len);
	int rc;

	mk(&h, event, key, body, len);
	rc = webhook_parse(body, len, get_hdr, &h, secret, out);
	free_hdrs(&h);
	free(body);
	return rc;
}

static void gitlab_hdrs(struct hdrs *h, const char *event, const char *token, const char *body, size_t len)
{
	(void)body;
	(void)len;
	add_hdr(h, "x-gitlab-event", event);
	add_hdr(h, "x-gitlab-instance", "https://gitlab.example.org");
	add_hdr(h, "content-type", "application/json");
	if (token)
		add_hdr(h, "x-gitlab-token", token);
}

/* Gitea sends GitHub's and Gogs' headers too; the GitHub-style signature here is deliberately wrong. */
static void gitea_hdrs(struct hdrs *h, const char *event, const char *key, const char *body, size_t len)
{
	add_hdr(h, "x-gitea-event", event);
	add_hdr(h, "x-gogs-event", event);
	add_hdr(h, "x-github-event", event);
	add_hdr(h, "x-hub-signature-256",
	        "sha256=0000000000000000000000000000000000000000000000000000000000000000");
	add_hdr(h, "content-type", "application/json");
	if (key) {
		char *sig = sign("", key, body, len);

		add_hdr(h, "x-gitea-signature", sig);
		free(sig);
	}
}

static void plain_hdrs(struct hdrs *h, const char *event, const char *key, const char *body, size_t len)
{
	(void)event;
	add_hdr(h, "content-type", "application/json");
	if (key) {
		char *sig = sign("sha256=", key, body, len);

		add_hdr(h, "x-kmatrix-signature", sig);
		free(sig);
	}
}

static int parse_str(const char *body, const char *key, struct webhook_push **out)
{
	struct hdrs h = { 0 };
	int rc;

	plain_hdrs(&h, NULL, key, body, strlen(body));
	rc = webhook_parse(body, strlen(body), get_hdr, &h, SECRET, out);
	free_hdrs(&h);
	return rc;
}

/* ---- GitHub ---------------------------------------------------------------- */

static void github_push__parses_head_commit_and_repo(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("github-push.json", github_hdrs, "push", SECRET, SECRET, &p), 0);
	assert_int_equal(p->source, WEBHOOK_GITHUB);
	assert_string_equal(p->repo_url, "https://github.com/jdoe/linux.git");
	assert_int_equal(p->nrepo_urls, 4);
	assert_string_equal(p->repo_urls[0], "https://github.com/jdoe/linux.git");
	assert_string_equal(p->repo_urls[1], "git@github.com:jdoe/linux.git");
	assert_string_equal(p->repo_urls[2], "git://github.com/jdoe/linux.git");
	assert_string_equal(p->repo_urls[3], "https://github.com/jdoe/linux");
	assert_string_equal(p->repo_name, "jdoe/linux");
	assert_string_equal(p->ref, "refs/heads/cxl-hmem");
	assert_string_equal(p->before, "9d4b6e3a0c8f2b7e15d6a4c3b2a1908f7e6d5c4b");
	assert_string_equal(p->after, "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d");
	assert_false(p->created);
	assert_false(p->deleted);
	assert_false(p->is_tag);
	assert_string_equal(p->pusher_email, "jane.doe@example.org");
	assert_string_equal(p->author_email, "jane.doe@example.org");
	assert_string_equal(p->author_name, "Jane Doe");
	assert_string_equal(p->subject,
	                    "dax/hmem: Defer handling of Soft Reserved ranges that overlap CXL windows");
	assert_null(p->base_ref);
	webhook_push_free(p);
}

static void github_push__accepts_uppercase_signature(void **state)
{
	struct hdrs h = { 0 };
	struct webhook_push *p = NULL;
	size_t len;
	char *body = slurp("github-push.json", &len);
	char *sig = sign("sha256=", SECRET, body, len);

	(void)state;
	for (char *q = sig + 7; *q; q++)
		*q = (char)(*q >= 'a' && *q <= 'f' ? *q - 32 : *q);
	github_hdrs(&h, "push", NULL, body, len);
	add_hdr(&h, "x-hub-signature-256", sig);
	assert_int_equal(webhook_parse(body, len, get_hdr, &h, SECRET, &p), 0);
	webhook_push_free(p);
	free_hdrs(&h);
	free(sig);
	free(body);
}

static void github_push__rejects_wrong_secret(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("github-push.json", github_hdrs, "push", "other", SECRET, &p), KM_EAUTH);
	assert_null(p);
	assert_non_null(strstr(err_msg(), "X-Hub-Signature-256 does not match"));
}

static void github_push__rejects_missing_signature(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("github-push.json", github_hdrs, "push", NULL, SECRET, &p), KM_EAUTH);
	assert_null(p);
	assert_non_null(strstr(err_msg(), "missing X-Hub-Signature-256"));
}

static void github_push__rejects_when_tree_has_no_secret(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	/* Signed with the empty key and checked against no secret: still refused. */
	assert_int_equal(parse_file("github-push.json", github_hdrs, "push", "", NULL, &p), KM_EAUTH);
	assert_int_equal(parse_file("github-push.json", github_hdrs, "push", "", "", &p), KM_EAUTH);
	assert_non_null(strstr(err_msg(), "no webhook secret"));
	assert_null(p);
}

static void github_push__rejects_tampered_body(void **state)
{
	struct hdrs h = { 0 };
	struct webhook_push *p = NULL;
	size_t len;
	char *body = slurp("github-push.json", &len);
	char *pos;

	(void)state;
	github_hdrs(&h, "push", SECRET, body, len);
	pos = strstr(body, "refs/heads/cxl-hmem");
	assert_non_null(pos);
	pos[11] = 'X'; /* refs/heads/Xxl-hmem: same length, different bytes */
	assert_int_equal(webhook_parse(body, len, get_hdr, &h, SECRET, &p), KM_EAUTH);
	assert_null(p);
	free_hdrs(&h);
	free(body);
}

static void github_create__sets_created_and_base_ref(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("github-create-branch.json", github_hdrs, "push", SECRET, SECRET, &p), 0);
	assert_true(p->created);
	assert_false(p->deleted);
	assert_false(p->is_tag);
	assert_string_equal(p->ref, "refs/heads/cxl-hmem-v9");
	assert_string_equal(p->before, "0000000000000000000000000000000000000000");
	assert_string_equal(p->base_ref, "refs/heads/cxl-hmem");
	assert_string_equal(p->author_name, "Jane Doe");
	webhook_push_free(p);
}

static void github_delete__sets_deleted_without_author(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("github-delete.json", github_hdrs, "push", SECRET, SECRET, &p), 0);
	assert_true(p->deleted);
	assert_false(p->created);
	assert_string_equal(p->after, "0000000000000000000000000000000000000000");
	assert_string_equal(p->pusher_email, "jane.doe@example.org");
	assert_null(p->author_email);
	assert_null(p->author_name);
	assert_null(p->subject);
	webhook_push_free(p);
}

static void github_tag__is_tag_with_head_commit_author(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("github-tag.json", github_hdrs, "push", SECRET, SECRET, &p), 0);
	assert_true(p->is_tag);
	assert_true(p->created);
	assert_string_equal(p->ref, "refs/tags/cxl-hmem-v8");
	/* after is the annotated tag object; the author comes from head_commit. */
	assert_string_equal(p->after, "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00");
	assert_string_equal(p->author_email, "jane.doe@example.org");
	webhook_push_free(p);
}

static void github_ping__is_not_a_push(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("github-ping.json", github_hdrs, "ping", SECRET, SECRET, &p),
	                 KM_ENOTFOUND);
	assert_null(p);
	assert_non_null(strstr(err_msg(), "'ping' is not a push"));
	/* Authentication comes first: an unsigned ping is refused, not ignored. */
	assert_int_equal(parse_file("github-ping.json", github_hdrs, "ping", "wrong", SECRET, &p), KM_EAUTH);
}

static void github_form__payload_field_is_decoded(void **state)
{
	const char *body =
	        "payload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%2C%22before%22%3A%22"
	        "0000000000000000000000000000000000000000%22%2C%22after%22%3A%22"
	        "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d%22%2C%22repository%22%3A%7B%22clone_url"
	        "%22%3A%22https%3A%2F%2Fgithub.com%2Fo%2Fr.git%22%2C%22full_name%22%3A%22o%2Fr%22%7D%2C"
	        "%22head_commit%22%3A%7B%22id%22%3A%221a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d%22%2C"
	        "%22message%22%3A%22fix+the+build%22%7D%7D";
	struct hdrs h = { 0 };
	struct webhook_push *p = NULL;
	char *sig = sign("sha256=", SECRET, body, strlen(body));

	(void)state;
	add_hdr(&h, "x-github-event", "push");
	add_hdr(&h, "content-type", "application/x-www-form-urlencoded");
	add_hdr(&h, "x-hub-signature-256", sig);
	assert_int_equal(webhook_parse(body, strlen(body), get_hdr, &h, SECRET, &p), 0);
	assert_string_equal(p->repo_url, "https://github.com/o/r.git");
	assert_string_equal(p->ref, "refs/heads/main");
	assert_string_equal(p->subject, "fix the build");
	assert_true(p->created);
	webhook_push_free(p);
	free_hdrs(&h);
	free(sig);
}

/* ---- GitLab ---------------------------------------------------------------- */

static void gitlab_push__token_and_head_commit_by_id(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("gitlab-push.json", gitlab_hdrs, "Push Hook", SECRET, SECRET, &p), 0);
	assert_int_equal(p->source, WEBHOOK_GITLAB);
	assert_string_equal(p->repo_url, "https://gitlab.example.org/kernel/linux.git");
	assert_string_equal(p->repo_urls[1], "git@gitlab.example.org:kernel/linux.git");
	assert_string_equal(p->repo_urls[2], "https://gitlab.example.org/kernel/linux");
	assert_int_equal(p->nrepo_urls, 3);
	assert_string_equal(p->repo_name, "kernel/linux");
	assert_string_equal(p->after, "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
	assert_string_equal(p->pusher_email, "jane.doe@example.org");
	/* The head is the commit whose id is "after", not the first in the list. */
	assert_string_equal(p->author_name, "Émile Zoé");
	assert_string_equal(p->author_email, "emile@example.org");
	assert_string_equal(p->subject, "dax/hmem: Defer handling of Soft Reserved ranges");
	webhook_push_free(p);
}

static void gitlab_push__rejects_wrong_or_missing_token(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(
	        parse_file("gitlab-push.json", gitlab_hdrs, "Push Hook", "s3cret-for-the-treX", SECRET, &p),
	        KM_EAUTH);
	assert_non_null(strstr(err_msg(), "X-Gitlab-Token does not match"));
	assert_int_equal(parse_file("gitlab-push.json", gitlab_hdrs, "Push Hook", NULL, SECRET, &p),
	                 KM_EAUTH);
	assert_non_null(strstr(err_msg(), "missing X-Gitlab-Token"));
	assert_null(p);
}

static void gitlab_tag__is_tag_and_empty_email_is_null(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("gitlab-tag.json", gitlab_hdrs, "Tag Push Hook", SECRET, SECRET, &p), 0);
	assert_true(p->is_tag);
	assert_true(p->created);
	assert_string_equal(p->ref, "refs/tags/v6.12-cxl1");
	assert_null(p->pusher_email);
	assert_null(p->author_email);
	webhook_push_free(p);
}

static void gitlab_delete__redacted_email_is_null(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("gitlab-delete.json", gitlab_hdrs, "Push Hook", SECRET, SECRET, &p), 0);
	assert_true(p->deleted);
	assert_null(p->pusher_email);
	assert_null(p->subject);
	webhook_push_free(p);
}

static void gitlab_merge_request__is_not_a_push(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("gitlab-merge-request.json", gitlab_hdrs, "Merge Request Hook", SECRET,
	                            SECRET, &p),
	                 KM_ENOTFOUND);
	/* As a system hook the kind is only in the body. */
	assert_int_equal(
	        parse_file("gitlab-merge-request.json", gitlab_hdrs, "System Hook", SECRET, SECRET, &p),
	        KM_ENOTFOUND);
	assert_non_null(strstr(err_msg(), "merge_request"));
	assert_null(p);
}

/* ---- Gitea ----------------------------------------------------------------- */

static void gitea_push__detected_despite_github_headers(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("gitea-push.json", gitea_hdrs, "push", SECRET, SECRET, &p), 0);
	assert_int_equal(p->source, WEBHOOK_GITEA);
	assert_string_equal(p->repo_url, "https://git.example.org/jdoe/linux.git");
	assert_string_equal(p->repo_urls[1], "ssh://git@git.example.org:2222/jdoe/linux.git");
	assert_string_equal(p->repo_name, "jdoe/linux");
	assert_string_equal(p->ref, "refs/heads/cxl-hmem");
	assert_string_equal(p->after, "bffeb74224043ba2feb48d137756c8a9331c449a");
	assert_string_equal(p->pusher_email, "jane.doe@example.org");
	assert_string_equal(p->subject, "dax/hmem: Defer handling of Soft Reserved ranges");
	webhook_push_free(p);
}

static void gitea_push__rejects_wrong_signature(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("gitea-push.json", gitea_hdrs, "push", "nope", SECRET, &p), KM_EAUTH);
	assert_non_null(strstr(err_msg(), "X-Gitea-Signature does not match"));
	assert_null(p);
}

static void gitea_create__is_not_a_push(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("gitea-create.json", gitea_hdrs, "create", SECRET, SECRET, &p),
	                 KM_ENOTFOUND);
	assert_null(p);
}

/* ---- plain (post-receive) ------------------------------------------------------ */

static void plain_push__parses_all_fields(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("plain-push.json", plain_hdrs, NULL, SECRET, SECRET, &p), 0);
	assert_int_equal(p->source, WEBHOOK_PLAIN);
	assert_string_equal(p->repo_url, "/srv/git/linux.git");
	assert_int_equal(p->nrepo_urls, 1);
	assert_null(p->repo_name);
	assert_string_equal(p->ref, "refs/heads/cxl-hmem");
	assert_string_equal(p->pusher_email, "jane.doe@example.org");
	assert_string_equal(p->author_name, "Jane Doe");
	assert_string_equal(p->subject, "dax/hmem: Defer handling of Soft Reserved ranges");
	webhook_push_free(p);
}

static void plain_push__unsigned_is_refused(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_file("plain-push.json", plain_hdrs, NULL, NULL, SECRET, &p), KM_EAUTH);
	assert_non_null(strstr(err_msg(), "missing X-Kmatrix-Signature"));
	assert_null(p);
}

static void plain_push__missing_field_is_named(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_str("{\"repo_url\":\"/srv/git/linux.git\",\"ref\":\"refs/heads/x\","
	                           "\"before\":\"0000000000000000000000000000000000000000\"}",
	                           SECRET, &p),
	                 KM_EINVAL);
	assert_non_null(strstr(err_msg(), "missing field 'after'"));
	assert_int_equal(
	        parse_str("{\"ref\":\"refs/heads/x\",\"before\":\"0000000000000000000000000000000000000000\","
	                  "\"after\":\"1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d\"}",
	                  SECRET, &p),
	        KM_EINVAL);
	assert_non_null(strstr(err_msg(), "missing field 'repo_url'"));
	assert_int_equal(parse_str("{\"repo_url\":\"/r\",\"ref\":7,"
	                           "\"before\":\"0000000000000000000000000000000000000000\","
	                           "\"after\":\"1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d\"}",
	                           SECRET, &p),
	                 KM_EINVAL);
	assert_non_null(strstr(err_msg(), "field 'ref' is not a string"));
	assert_null(p);
}

static void plain_push__rejects_bad_values(void **state)
{
	/* repo_url, ref, after: each row has one bad value */
	static const char *const bad[][4] = {
		{ "/r", "main", "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", "field 'ref'" },
		{ "/r", "refs/heads/../x", "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", "field 'ref'" },
		{ "/r", "refs/heads/a b", "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", "field 'ref'" },
		{ "/r", "refs/heads/x.lock", "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", "field 'ref'" },
		/* a URL git could read as an option */
		{ "--upload-pack=touch /tmp/x", "refs/heads/x", "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
		  "field 'repo_url'" },
		{ "/r\\n", "refs/heads/x", "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", "field 'repo_url'" },
		{ "/r", "refs/heads/x", "1a2b3c4d", "field 'after' is not a commit id" },
		{ "/r", "refs/heads/x", "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4g",
		  "field 'after' is not a commit id" },
	};
	struct webhook_push *p = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *body = xasprintf("{\"repo_url\":\"%s\",\"ref\":\"%s\",\"before\":"
		                       "\"0000000000000000000000000000000000000000\",\"after\":\"%s\"}",
		                       bad[i][0], bad[i][1], bad[i][2]);

		assert_int_equal(parse_str(body, SECRET, &p), KM_EINVAL);
		assert_null(p);
		if (!strstr(err_msg(), bad[i][3]))
			fail_msg("row %zu: '%s' does not mention %s", i, err_msg(), bad[i][3]);
		free(body);
	}
}

static void plain_push__cleans_control_characters_and_long_subjects(void **state)
{
	struct webhook_push *p = NULL;
	char subject[601];
	char *body;

	(void)state;
	/* 300 two-byte characters: the cut must not split one. */
	for (int i = 0; i < 300; i++) {
		subject[2 * i] = '\xc3';
		subject[2 * i + 1] = '\xa9';
	}
	subject[600] = '\0';
	body = xasprintf("{\"repo_url\":\"/r\",\"ref\":\"refs/heads/x\",\"before\":\"%s\",\"after\":\"%s\","
	                 "\"author_name\":\"Eve\\u001b[31m Evil\\u0007\",\"subject\":\"%s\","
	                 "\"author_email\":\"eve@example.org>\\r\\nBcc: all@example.org\"}",
	                 "0000000000000000000000000000000000000000",
	                 "1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D", subject);
	assert_int_equal(parse_str(body, SECRET, &p), 0);
	assert_string_equal(p->author_name, "Eve [31m Evil");
	assert_int_equal(strlen(p->subject), 256);
	assert_null(p->author_email);
	assert_string_equal(p->after, "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d");
	webhook_push_free(p);
	free(body);
}

/* ---- limits and malformed bodies ------------------------------------------------- */

static void body__oversized_is_refused_before_auth(void **state)
{
	size_t len = WEBHOOK_MAX_BODY + 1;
	char *body = xmalloc(len);
	struct hdrs h = { 0 };
	struct webhook_push *p = NULL;

	(void)state;
	memset(body, ' ', len);
	add_hdr(&h, "x-github-event", "push");
	assert_int_equal(webhook_parse(body, len, get_hdr, &h, SECRET, &p), KM_ETOOBIG);
	assert_int_equal(webhook_identify(body, len, get_hdr, &h, &p), KM_ETOOBIG);
	assert_null(p);
	free_hdrs(&h);
	free(body);
}

static void body__malformed_json_names_position(void **state)
{
	struct webhook_push *p = NULL;

	(void)state;
	assert_int_equal(parse_str("{\"repo_url\": \"/r\",\n \"ref\": }", SECRET, &p), KM_EINVAL);
	assert_non_null(strstr(err_msg(), "line 2"));
	assert_int_equal(parse_str("[1,2,3]", SECRET, &p), KM_EINVAL);
	assert_non_null(strstr(err_msg(), "not a JSON object"));
	assert_int_equal(parse_str("", SECRET, &p), KM_EINVAL);
	assert_null(p);
}

/* ---- identify ---------------------------------------------------------------- */

static void identify__names_repository_without_secret(void **state)
{
	struct hdrs h = { 0 };
	struct webhook_push *p = NULL;
	size_t len;
	char *body = slurp("github-ping.json", &len);

	(void)state;
	github_hdrs(&h, "ping", NULL, body, len);
	assert_int_equal(webhook_identify(body, len, get_hdr, &h, &p), 0);
	assert_int_equal(p->source, WEBHOOK_GITHUB);
	assert_string_equal(p->repo_url, "https://github.com/jdoe/linux.git");
	assert_string_equal(p->repo_name, "jdoe/linux");
	assert_null(p->ref);
	webhook_push_free(p);
	free_hdrs(&h);
	free(body);

	h = (struct hdrs){ 0 };
	assert_int_equal(webhook_identify("{\"ref\":\"refs/heads/x\"}", 22, get_hdr, &h, &p), KM_EINVAL);
	assert_non_null(strstr(err_msg(), "missing field 'repo_url'"));
	assert_null(p);
}

/* ---- scripts/post-receive, end to end ------------------------------------------- */

#define MAX_REQUESTS 4

/* A one-thread HTTP listener that keeps the raw requests it gets and answers 202. */
struct listener {
	int fd;
	int port;
	int want;
	int got;
	char *req[MAX_REQUESTS];
	size_t len[MAX_REQUESTS];
};

static void *listen_main(void *arg)
{
	struct listener *l = arg;

	while (l->got < l->want) {
		struct buf b = BUF_INIT(2 * 1024 * 1024);
		int c = accept(l->fd, NULL, NULL);
		char chunk[4096];
		const char *end;
		size_t need = 0;
		static const char reply[] =
		        "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
		        "Content-Length: 14\r\nConnection: close\r\n\r\n{\"run_id\":42}\n";

		if (c < 0)
			break;
		for (;;) {
			ssize_t n = read(c, chunk, sizeof(chunk));

			if (n <= 0 || buf_append(&b, chunk, (size_t)n) != 0)
				break;
			end = strstr(buf_cstr(&b), "\r\n\r\n");
			if (end && !need) {
				const char *cl = buf_cstr(&b);

				while ((cl = strstr(cl, "\r\n")) && cl < end &&
				       strncasecmp(cl + 2, "content-length:", 15) != 0)
					cl += 2;
				need = (size_t)(end - buf_cstr(&b)) + 4 +
				       (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
			}
			if (need && b.len >= need)
				break;
		}
		if (write(c, reply, sizeof(reply) - 1) < 0)
			perror("write");
		close(c);
		l->len[l->got] = b.len;
		l->req[l->got++] = buf_steal(&b);
	}
	return NULL;
}

/* Splits a captured request into its headers (names kept as sent) and body. */
static void request_parts(char *req, struct hdrs *h, const char **body, size_t *len, size_t total)
{
	char *p = strstr(req, "\r\n") + 2; /* after the request line */
	char *end = strstr(req, "\r\n\r\n");

	assert_non_null(end);
	*body = end + 4;
	*len = total - (size_t)(*body - req);
	end[2] = '\0';
	while (*p) {
		char *eol = strstr(p, "\r\n");
		char *colon = strchr(p, ':');

		*eol = '\0';
		if (colon && h->n < MAX_HDRS) {
			*colon = '\0';
			h->name[h->n] = p;
			h->value[h->n++] = xstrdup(colon + 1 + strspn(colon + 1, " "));
		}
		p = eol + 2;
	}
}

static char *git_out(const char *cwd, const char *const *argv)
{
	char *out = NULL;

	assert_int_equal(proc_capture(argv, cwd, 30, 4096, &out), 0);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

static int collect(void *ctx, const char *data, size_t len)
{
	return buf_append(ctx, data, len) == 0 ? 0 : 1;
}

static void post_receive__signs_what_webhook_parse_accepts(void **state)
{
	static const char *const git_env[] = { "GIT_AUTHOR_NAME=Émile \"Zoé\" O'Neil",
		                               "GIT_AUTHOR_EMAIL=emile@example.org",
		                               "GIT_COMMITTER_NAME=Jane Doe",
		                               "GIT_COMMITTER_EMAIL=jane@example.org",
		                               "GIT_CONFIG_NOSYSTEM=1",
		                               "HOME=/nonexistent",
		                               NULL };
	char dir[] = "/tmp/km-test-hook-XXXXXX";
	char *work, *bare, *head, *input, *url, *hook;
	const char *hook_env[8];
	struct listener l = { .want = 2 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t salen = sizeof(sa);
	struct buf out = BUF_INIT(64 * 1024);
	struct proc_result res;
	struct proc_opts opts = { 0 };
	pthread_t thr;
	FILE *f;

	(void)state;
	if (proc_run_simple((const char *const[]){ "git", "--version", NULL }, NULL, 10) != 0 ||
	    proc_run_simple((const char *const[]){ "curl", "--version", NULL }, NULL, 10) != 0 ||
	    proc_run_simple((const char *const[]){ "openssl", "version", NULL }, NULL, 10) != 0)
		fail_msg("git, curl and openssl are needed (scripts/install-deps.sh)");
	assert_non_null(mkdtemp(dir));
	work = xasprintf("%s/work", dir);
	bare = xasprintf("%s/linux.git", dir);
	hook = xasprintf("%s/scripts/post-receive", KM_SOURCE_DIR);

	/* A bare repository with one commit on main, made by a work tree push. */
	{
		struct proc_opts g = { .env = git_env, .output_fd = -1, .timeout_s = 30 };
		const char *const init_bare[] = { "git", "init", "-q", "--bare", bare, NULL };
		const char *const init_work[] = { "git", "init", "-q", "-b", "main", work, NULL };
		const char *const commit[] = { "git", "commit",
			                       "-q",  "--allow-empty",
			                       "-m",  "dax/hmem: \"Defer\" Soft Reserved\ttabs \\ and Zoé",
			                       NULL };
		const char *const push[] = { "git", "push", "-q", bare, "main", NULL };

		g.argv = init_bare;
		assert_int_equal(proc_run(&g, &res), 0);
		assert_int_equal(res.exit_code, 0);
		g.argv = init_work;
		assert_int_equal(proc_run(&g, &res), 0);
		assert_int_equal(res.exit_code, 0);
		g.cwd = work;
		g.argv = commit;
		assert_int_equal(proc_run(&g, &res), 0);
		assert_int_equal(res.exit_code, 0);
		g.argv = push;
		assert_int_equal(proc_run(&g, &res), 0);
		assert_int_equal(res.exit_code, 0);
	}
	head = git_out(bare, (const char *const[]){ "git", "rev-parse", "refs/heads/main", NULL });

	l.fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(l.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l.fd, 4), 0);
	assert_int_equal(getsockname(l.fd, (struct sockaddr *)&sa, &salen), 0);
	assert_int_equal(pthread_create(&thr, NULL, listen_main, &l), 0);

	/* What git feeds the hook: a new branch, a note (not ours), a deleted branch. */
	input = xasprintf("%s/stdin", dir);
	f = fopen(input, "w");
	assert_non_null(f);
	fprintf(f, "0000000000000000000000000000000000000000 %s refs/heads/main\n", head);
	fprintf(f, "0000000000000000000000000000000000000000 %s refs/notes/commits\n", head);
	fprintf(f, "%s 0000000000000000000000000000000000000000 refs/heads/old\n", head);
	fclose(f);
	url = xasprintf("KMATRIX_URL=http://127.0.0.1:%d/", ntohs(sa.sin_port));
	hook_env[0] = url;
	hook_env[1] = "KMATRIX_SECRET=" SECRET;
	hook_env[2] = "KMATRIX_PUSHER_EMAIL=pusher@example.org";
	hook_env[3] = "GIT_CONFIG_NOSYSTEM=1";
	hook_env[4] = "HOME=/nonexistent";
	hook_env[5] = "no_proxy=127.0.0.1";
	hook_env[6] = "NO_PROXY=127.0.0.1";
	hook_env[7] = NULL;
	opts.argv = (const char *const[]){ "bash", hook, NULL };
	opts.cwd = bare;
	opts.env = hook_env;
	opts.stdin_path = input;
	opts.timeout_s = 60;
	opts.on_output = collect;
	opts.ctx = &out;
	assert_int_equal(proc_run(&opts, &res), 0);
	assert_int_equal(res.exit_code, 0);
	/* Wakes the listener's accept() should the hook have sent fewer requests than expected. */
	shutdown(l.fd, SHUT_RDWR);
	pthread_join(thr, NULL);
	close(l.fd);
	assert_int_equal(l.got, 2);
	if (!strstr(buf_cstr(&out), "kmatrix: refs/heads/main ") ||
	    !strstr(buf_cstr(&out), "queued ({\"run_id\":42})") ||
	    !strstr(buf_cstr(&out), "kmatrix: refs/heads/old 000000000000: queued"))
		fail_msg("hook output: %s", buf_cstr(&out));

	for (int i = 0; i < 2; i++) {
		struct hdrs h = { 0 };
		struct webhook_push *p = NULL;
		const char *body;
		size_t len;

		assert_true(strncmp(l.req[i], "POST /api/v1/webhook HTTP/1.1\r\n", 31) == 0);
		request_parts(l.req[i], &h, &body, &len, l.len[i]);
		if (webhook_parse(body, len, get_hdr, &h, SECRET, &p) != 0)
			fail_msg("request %d refused: %s\n%.*s", i, err_msg(), (int)len, body);
		assert_int_equal(p->source, WEBHOOK_PLAIN);
		assert_string_equal(p->repo_url, bare);
		assert_string_equal(p->pusher_email, "pusher@example.org");
		if (i == 0) {
			assert_string_equal(p->ref, "refs/heads/main");
			assert_string_equal(p->after, head);
			assert_true(p->created);
			assert_string_equal(p->author_email, "emile@example.org");
			assert_string_equal(p->author_name, "Émile \"Zoé\" O'Neil");
			/* The tab is dropped, quotes and backslashes survive the JSON. */
			assert_string_equal(p->subject, "dax/hmem: \"Defer\" Soft Reservedtabs \\ and Zoé");
		} else {
			assert_string_equal(p->ref, "refs/heads/old");
			assert_true(p->deleted);
			assert_null(p->author_email);
		}
		webhook_push_free(p);
		free_hdrs(&h);
		free(l.req[i]);
	}
	assert_int_equal(proc_run_simple((const char *const[]){ "rm", "-rf", dir, NULL }, NULL, 30), 0);
	buf_free(&out);
	free(work);
	free(bare);
	free(head);
	free(input);
	free(url);
	free(hook);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(github_push__parses_head_commit_and_repo),
		cmocka_unit_test(github_push__accepts_uppercase_signature),
		cmocka_unit_test(github_push__rejects_wrong_secret),
		cmocka_unit_test(github_push__rejects_missing_signature),
		cmocka_unit_test(github_push__rejects_when_tree_has_no_secret),
		cmocka_unit_test(github_push__rejects_tampered_body),
		cmocka_unit_test(github_create__sets_created_and_base_ref),
		cmocka_unit_test(github_delete__sets_deleted_without_author),
		cmocka_unit_test(github_tag__is_tag_with_head_commit_author),
		cmocka_unit_test(github_ping__is_not_a_push),
		cmocka_unit_test(github_form__payload_field_is_decoded),
		cmocka_unit_test(gitlab_push__token_and_head_commit_by_id),
		cmocka_unit_test(gitlab_push__rejects_wrong_or_missing_token),
		cmocka_unit_test(gitlab_tag__is_tag_and_empty_email_is_null),
		cmocka_unit_test(gitlab_delete__redacted_email_is_null),
		cmocka_unit_test(gitlab_merge_request__is_not_a_push),
		cmocka_unit_test(gitea_push__detected_despite_github_headers),
		cmocka_unit_test(gitea_push__rejects_wrong_signature),
		cmocka_unit_test(gitea_create__is_not_a_push),
		cmocka_unit_test(plain_push__parses_all_fields),
		cmocka_unit_test(plain_push__unsigned_is_refused),
		cmocka_unit_test(plain_push__missing_field_is_named),
		cmocka_unit_test(plain_push__rejects_bad_values),
		cmocka_unit_test(plain_push__cleans_control_characters_and_long_subjects),
		cmocka_unit_test(body__oversized_is_refused_before_auth),
		cmocka_unit_test(body__malformed_json_names_position),
		cmocka_unit_test(identify__names_repository_without_secret),
		cmocka_unit_test(post_receive__signs_what_webhook_parse_accepts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
