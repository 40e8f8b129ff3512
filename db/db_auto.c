/* The stored matrix of a run whose axes were chosen from its push (docs/auto-matrix.md). */
#include "db_internal.h"

int db_run_set_bundle(struct db *db, long run_id, const char *bundle, const char *commit_id)
{
	return db_exec(db, "UPDATE runs SET matrix_bundle = ?, commit_id = COALESCE(?, commit_id) WHERE id = ?", "ttl",
		       bundle, commit_id, run_id);
}
