/* GET /api/v1/runs/{id}/kcidb: the run as a KCIDB I/O v5.3 document (docs/kcidb.md). */
#include "api.h"
#include "err.h"
#include "kcidb.h"
#include "server.h"

void api_run_kcidb(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	struct kcidb_opts o;
	json_t *doc = NULL;
	long run;
	int rc = api_param_id(req, 0, &run);

	o.origin = http_query(req, "origin") ? http_query(req, "origin") : s->cfg->kcidb_origin;
	o.public_url = s->cfg->public_url;
	o.data_dir = s->cfg->data_dir;
	if (!rc)
		rc = kcidb_export(db, &o, run, &doc);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, doc);
}
