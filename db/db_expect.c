/* Findings of matrix expectations (errors of signature type expect or race) as the read views show them. */
#include <stdlib.h>

#include "db_internal.h"
#include "err.h"

#define FINDINGS_SQL                                                                                   \
	"SELECT j.config_id, s.id AS signature_id, s.type, s.symbol AS rule, s.message, j.kind,"        \
	" j.variant, j.id AS job_id, e.first_lines AS explanation"                                       \
	" FROM jobs j JOIN errors e ON e.job_id = j.id JOIN signatures s ON s.id = e.signature_id"       \
	" WHERE s.type IN ('expect', 'race') AND "
#define FINDINGS_ORDER " ORDER BY j.config_id, s.id, j.id"

int db_findings_json(struct db *db, long run_id, long config_id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = json_array();
	/* One query per selector, so each can use its index (jobs_by_run, jobs_by_config). */
	rc = db_prep(db, &st,
		     config_id ? FINDINGS_SQL "j.config_id = ?" FINDINGS_ORDER : FINDINGS_SQL "j.run_id = ?" FINDINGS_ORDER,
		     "l", config_id ? config_id : run_id);
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1)
		json_array_append_new(*out, db_row_json(st));
	sqlite3_finalize(st);
	return rc;
}
