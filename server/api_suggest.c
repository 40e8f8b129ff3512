/* GET /api/v1/suggest: the matrix an `axes = auto` run of a push would run, with its reasons. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "automatrix.h"
#include "err.h"
#include "matrix.h"
#include "server.h"
#include "validate.h"
#include "xalloc.h"

/* Without ?matrix=: the smallest auto matrix (the developer fills in base and fragment). */
static const char template_text[] = "[matrix]\n"
				    "name = suggested\n"
				    "arch = x86_64\n"
				    "base = tinyconfig\n"
				    "targets = vmlinux modules\n"
				    "axes = auto\n";

void api_suggest(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	const char *tree = http_query(req, "tree"), *ref = http_query(req, "ref"), *name = http_query(req, "matrix");
	struct automatrix_in in = { tree, NULL, http_query(req, "commit"), http_query(req, "base") };
	json_t *bundle = NULL, *chosen = NULL;
	struct matrix *m = NULL;
	char *full_ref = NULL, *full_base = NULL, *head = NULL;
	int rc = api_auth_admin(s, req);

	(void)db;
	if (!rc && (!tree || !validate_url(tree)))
		rc = err_set(KM_EINVAL, "query needs 'tree' (a local git repository the server can read)");
	if (!rc && !ref && !in.commit)
		rc = err_set(KM_EINVAL, "query needs 'ref' or 'commit'");
	if (!rc && ref) {
		full_ref = strncmp(ref, "refs/", 5) == 0 ? xstrdup(ref) : xasprintf("refs/heads/%s", ref);
		if (!validate_ref(full_ref))
			rc = err_set(KM_EINVAL, "ref '%.80s' is not a valid git ref name", ref);
		in.ref = full_ref;
	}
	if (!rc && (in.commit && !validate_commit(in.commit, true)))
		rc = err_set(KM_EINVAL, "commit '%.80s' is not a hexadecimal commit id", in.commit);
	if (!rc && in.base && !validate_commit(in.base, true)) {
		full_base = strncmp(in.base, "refs/", 5) == 0 ? xstrdup(in.base) : xasprintf("refs/heads/%s", in.base);
		if (!validate_ref(full_base))
			rc = err_set(KM_EINVAL, "base '%.80s' is neither a commit id nor a branch", in.base);
		in.base = full_base;
	}
	if (!rc && name)
		rc = matrix_bundle_load(s->cfg->matrices_dir, name, &bundle);
	else if (!rc)
		bundle = json_pack("{s:s,s:s,s:s,s:{}}", "name", "suggested", "file", "suggested.matrix", "text",
				   template_text, "files");
	if (!rc && matrix_bundle_parse(bundle, &m) == 0 && !m->axes_auto)
		rc = err_set(KM_EINVAL, "matrix '%s' does not say 'axes = auto'", name);
	if (!rc)
		rc = automatrix_resolve(s, &in, bundle, &chosen, &head);
	if (rc) {
		api_fail(resp, rc);
	} else {
		http_resp_json(resp, 200,
			       json_pack("{s:O,s:O,s:s}", "matrix", json_object_get(chosen, "text"), "auto",
					 json_object_get(chosen, "auto"), "commit", head));
	}
	matrix_free(m);
	json_decref(bundle);
	json_decref(chosen);
	free(full_ref);
	free(full_base);
	free(head);
}
