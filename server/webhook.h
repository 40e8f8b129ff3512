/* Push notifications from GitHub, GitLab, Gitea and our post-receive hook: authentication and parsing. */
#ifndef KM_WEBHOOK_H
#define KM_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>

/* Bodies above this are refused with KM_ETOOBIG before any parsing. */
#define WEBHOOK_MAX_BODY (1024 * 1024)

enum webhook_source { WEBHOOK_GITHUB, WEBHOOK_GITLAB, WEBHOOK_GITEA, WEBHOOK_PLAIN };

/*
 * One pushed ref. Every string is valid UTF-8 without control characters;
 * optional ones are NULL when the payload does not say (or says nonsense,
 * like GitLab's "[REDACTED]" e-mail).
 */
struct webhook_push {
	enum webhook_source source;
	char *repo_url;   /* clone URL as the payload gives it (clone_url, git_http_url, repo_url) */
	char **repo_urls; /* every URL the payload names for the repository, repo_url first, no duplicates */
	size_t nrepo_urls;
	char *repo_name;      /* "owner/name" or the project path; NULL for a plain push without one */
	char *ref;            /* "refs/heads/main", "refs/tags/v1" */
	char *before, *after; /* lowercase 40- (or 64-) hex commit ids; all zeros = no commit */
	bool created;         /* before is all zeros: a new branch or tag */
	bool deleted;         /* after is all zeros: the ref was deleted */
	bool is_tag;          /* ref is under refs/tags/ */
	char *pusher_email;
	char *author_email, *author_name; /* of the head commit */
	char *subject;                    /* first line of the head commit's message, at most 256 bytes */
	char *base_ref; /* the ref a new branch was created from when the payload says (GitHub), else NULL */
};

/*
 * How webhook_parse() reads request headers: returns the value of the header
 * called name (matched case-insensitively) or NULL when absent. The returned
 * string must stay valid for the duration of the call.
 */
typedef const char *(*webhook_header_fn)(void *ctx, const char *name);

/*
 * Authenticates and parses one webhook delivery.
 *
 * The source is detected from the headers: X-Gitea-Event (also X-Forgejo-Event
 * and X-Gogs-Event; checked first because Gitea also sends X-GitHub-Event),
 * X-Gitlab-Event, X-GitHub-Event; none of them means our post-receive hook.
 * Authentication is checked before anything in the body is looked at:
 *   GitHub:  X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>
 *   Gitea:   X-Gitea-Signature: <hex HMAC-SHA256> (or X-Forgejo-Signature,
 *            or X-Hub-Signature-256 as GitHub)
 *   GitLab:  X-Gitlab-Token: <the secret itself>
 *   plain:   X-Kmatrix-Signature: sha256=<hex HMAC-SHA256 of the raw body>
 * All comparisons are constant-time. A NULL or empty secret refuses every
 * delivery: a tree without a secret takes no webhooks.
 * GitHub and Gitea bodies may be JSON or application/x-www-form-urlencoded
 * with the JSON in "payload" (the signature covers the raw body either way).
 *
 * Returns 0 with *out (the caller's, free with webhook_push_free()), or:
 *   KM_ETOOBIG    body over WEBHOOK_MAX_BODY
 *   KM_EAUTH      no secret configured, signature/token missing or wrong
 *   KM_ENOTFOUND  authenticated but not a push (GitHub "ping", GitLab merge
 *                 request, Gitea "create"...): nothing to do; answer the
 *                 forge with success and err_msg() so its delivery log is green
 *   KM_EINVAL     malformed JSON (line and column) or a missing/invalid field
 *                 (the message names it, e.g. "field 'after' ...")
 */
int webhook_parse(const char *body, size_t len, webhook_header_fn get_header, void *ctx, const char *secret,
                  struct webhook_push **out);

/*
 * Reads which repository a delivery claims to come from WITHOUT
 * authenticating it, so the caller can find that tree and its secret before
 * calling webhook_parse(). Only source, repo_url, repo_urls and repo_name of
 * *out are set (repo_name may be NULL); nothing in it may be acted upon.
 * Works for any event kind that names a repository (a ping too).
 * Returns 0 with *out (the caller's), KM_ETOOBIG, or KM_EINVAL when the body
 * is not JSON or names no repository URL.
 */
int webhook_identify(const char *body, size_t len, webhook_header_fn get_header, void *ctx,
                     struct webhook_push **out);

/* "github", "gitlab", "gitea" or "plain". */
const char *webhook_source_name(enum webhook_source source);

/* Frees a push and everything it holds; NULL is fine. */
void webhook_push_free(struct webhook_push *p);

#endif
