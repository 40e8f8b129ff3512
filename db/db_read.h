/* The read views of the API, rendered as JSON (db_read.c). */
#ifndef KM_DB_READ_H
#define KM_DB_READ_H

#include <jansson.h>

struct db;

/* Runs newest first, optionally of one tree (id 0: all) and ref (NULL: all). */
int db_runs_json(struct db *db, long tree_id, const char *ref, int limit, json_t **out);
int db_run_json(struct db *db, long run_id, json_t **out);
int db_run_matrix_json(struct db *db, long run_id, json_t **out);
int db_config_json(struct db *db, long config_id, json_t **out);
int db_signature_json(struct db *db, long signature_id, json_t **out);
int db_workers_json(struct db *db, json_t **out);
int db_trees_json(struct db *db, json_t **out);
int db_job_json(struct db *db, long job_id, json_t **out);

#endif
