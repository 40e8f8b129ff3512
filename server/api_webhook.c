/* The push endpoint (forge webhooks and the post-receive hook) and the mail view of a run. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "server.h"
#include "triggers.h"
#include "webhook.h"

static const char *request_header(void *ctx, const char *name)
{
	return http_header(ctx, name);
}

/* The forge's id of this delivery when it sends a sane one, for tracing; never trusted for anything else. */
static const char *delivery_id(const struct http_req *req)
{
	static const char *const names[] = { "X-GitHub-Delivery", "X-Gitea-Delivery", "X-Gitlab-Event-UUID",
					     "X-Gitlab-Webhook-UUID" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = http_header(req, names[i]);
		size_t n = v ? strlen(v) : 0;

		if (!n || n > 64)
			continue;
		if (strspn(v, "0123456789abcdefABCDEF-") == n)
			return v;
	}
	return NULL;
}

void api_webhook(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	struct webhook_push *claim = NULL, *push = NULL;
	const struct triggers_tree *tree;
	const struct triggers *trees;
	enum triggers_outcome outcome = TRIGGERS_IGNORED;
	json_t *reply = NULL;
	int rc;

	/* Which tree, and so which secret: read from the body before it is trusted, and nothing else. */
	rc = webhook_identify(req->body, req->body_len, request_header, req, &claim);
	if (rc) {
		log_warn("webhook remote=%s refused: %s", req->remote, err_msg());
		api_fail(resp, rc);
		goto done;
	}
	trees = server_triggers(s);
	tree = triggers_tree_by_urls(trees, (const char *const *)claim->repo_urls, claim->nrepo_urls);
	if (!tree) {
		if (!trees)
			rc = err_set(KM_ENOTFOUND,
				     "webhook (%s): this farm has no trees file (--trees=FILE): no "
				     "repository can push to it",
				     webhook_source_name(claim->source));
		else
			rc = err_set(KM_ENOTFOUND,
				     "webhook (%s): no tree in the trees file has the URL '%.200s'",
				     webhook_source_name(claim->source), claim->repo_url);
		log_warn("webhook remote=%s refused: %s", req->remote, err_msg());
		api_fail(resp, rc);
		goto done;
	}
	rc = webhook_parse(req->body, req->body_len, request_header, req, tree->secret, &push);
	if (rc == KM_ENOTFOUND) {
		/* Authenticated, but not a push (a ping): a success, so the forge shows a green delivery. */
		log_info("webhook remote=%s tree=%s ignored: %s", req->remote, tree->name, err_msg());
		http_resp_json(resp, 200,
			       json_pack("{s:s,s:s,s:s}", "status", "ignored", "tree", tree->name, "reason",
					 err_msg()));
		goto done;
	}
	if (rc) {
		log_warn("webhook remote=%s tree=%s refused: %s", req->remote, tree->name, err_msg());
		api_fail(resp, rc);
		goto done;
	}
	{
		bool plain = push->source == WEBHOOK_PLAIN;
		struct triggers_push p = {
			.source = webhook_source_name(push->source),
			.trigger = plain ? "hook" : "webhook",
			.delivery = delivery_id(req),
			.ref = push->ref,
			.before = push->before,
			.after = push->after,
			.created = push->created,
			.deleted = push->deleted,
			.is_tag = push->is_tag,
			.base_ref = push->base_ref,
			.pusher_email = push->pusher_email,
			.author_email = push->author_email,
			.author_name = push->author_name,
		};

		rc = triggers_push(s, db, tree, &p, &outcome, &reply);
	}
	if (rc) {
		log_warn("webhook remote=%s tree=%s ref=%s failed: %s", req->remote, tree->name, push->ref,
			 err_msg());
		api_fail(resp, rc);
		goto done;
	}
	log_info("webhook remote=%s tree=%s source=%s ref=%s after=%.12s outcome=%s", req->remote, tree->name,
		 webhook_source_name(push->source), push->ref, push->after,
		 outcome == TRIGGERS_QUEUED      ? "queued"
		 : outcome == TRIGGERS_CANCELLED ? "cancelled"
						 : "ignored");
	http_resp_json(resp, 202, reply);
	reply = NULL;
done:
	json_decref(reply);
	webhook_push_free(claim);
	webhook_push_free(push);
}

void api_run_mail(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	json_t *out = NULL;
	long id = 0;
	int rc = api_param_id(req, 0, &id);

	if (!rc)
		rc = db_run_mail_json(db, id, &out);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	/* Who was mailed is the admin's to see: others get each recipient's state without its address. */
	if (api_auth_admin(s, req) != 0) {
		size_t i, j;
		json_t *m, *r;

		json_array_foreach(json_object_get(out, "mails"), i, m) {
			json_array_foreach(json_object_get(m, "recipients"), j, r)
				json_object_set_new(r, "address", json_string("(hidden: needs the admin token)"));
		}
		err_clear();
	}
	http_resp_json(resp, 200, out);
}
