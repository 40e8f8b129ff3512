/* Findings of matrix expectations (errors of signature type expect or race) as the read views show them. */
#include <stdlib.h>

#include "db_internal.h"
#include "err.h"

int db_findings_json(struct db *db, long run_id, long config_id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = json_array();
	rc = db_prep(db, &st,
		     "SELECT j.config_id, s.id AS signature_id, s.type, s.symbol AS rule, s.message, j.kind,"
		     " j.variant, j.id AS job_id, e.first_lines AS explanation"
		     " FROM errors e JOIN jobs j ON j.id = e.job_id JOIN signatures s ON s.id = e.signature_id"
		     " WHERE s.type IN ('expect', 'race') AND (? = 0 OR j.run_id = ?) AND (? = 0 OR j.config_id = ?)"
		     " ORDER BY j.config_id, s.id, j.id",
		     "llll", run_id, run_id, config_id, config_id);
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1)
		json_array_append_new(*out, db_row_json(st));
	sqlite3_finalize(st);
	return rc;
}
