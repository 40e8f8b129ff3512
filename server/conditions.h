/* Failure conditions of a run's error signatures over the matrix axes. */
#ifndef KM_CONDITIONS_H
#define KM_CONDITIONS_H

#include <jansson.h>

struct db;

/*
 * Adds "condition" (see condition_json()) to each object of signatures that
 * has "config_ids": the simplest condition over the axis values that holds
 * for exactly the configs of run_id hitting that signature among those that
 * built (PASS or FAIL). Returns 0, or an error from reading the run.
 */
int conditions_add(struct db *db, long run_id, json_t *signatures);

/* The condition of one signature in one run, as a new JSON object (or NULL when the run has no such data). */
json_t *conditions_of(struct db *db, long run_id, long signature_id);

#endif
