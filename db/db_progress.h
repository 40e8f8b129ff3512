/* A run's progress and the estimate of the time to its end (db_progress.c). */
#ifndef KM_DB_PROGRESS_H
#define KM_DB_PROGRESS_H

#include <jansson.h>

struct db;

/*
 * A run's progress: {"builds": {"done","total"}, "boots": {"done","total"}}
 * (totals once it is configured: every config built once, booted once per
 * variant), with "eta_s" (seconds to go as of "estimated_at", a Unix time)
 * and "eta_basis" when job times for its tree and matrix have been measured
 * and work remains. nvariants: the matrix's boot
 * variants (0 without a boot section).
 */
int db_run_progress_json(struct db *db, long run_id, long nvariants, json_t **out);

#endif
