/* GET /api/v1/runs/{id}/bisections: which commit of the push introduced each new error of the run. */
#include "api.h"
#include "bisect.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "server.h"

void api_run_bisections(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	struct db_run run;
	json_t *out = NULL;
	long id = 0;
	int rc = api_param_id(req, 0, &id);

	(void)s;
	if (!rc) {
		rc = db_run_get(db, id, &run);
		if (!rc)
			db_run_release(&run);
	}
	if (!rc)
		rc = bisect_json(db, id, 0, &out);
	if (rc) {
		api_fail(resp, rc);
		return;
	}
	http_resp_json(resp, 200, out);
}
