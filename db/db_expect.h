/* The findings of matrix expectations, for the read views (db_expect.c). */
#ifndef KM_DB_EXPECT_H
#define KM_DB_EXPECT_H

#include <jansson.h>

struct db;

/*
 * Findings of matrix expectations (db_expect.c): the errors whose signature
 * type is expect or race, of one run (config_id 0) or one config (run_id 0):
 * [{config_id, signature_id, type, rule, message, kind (build|boot), variant,
 * job_id, explanation}]. *out is a new array.
 */
int db_findings_json(struct db *db, long run_id, long config_id, json_t **out);

#endif
