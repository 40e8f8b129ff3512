/* A run's state, recomputed from its jobs whenever one of them changes, and what happens when it is done. */
#include "sched.h"

#include <string.h>

#include "bisect.h"
#include "db.h"
#include "jobtypes.h"
#include "log.h"

void (*sched_on_run_done)(struct server *s, struct db *db, long run_id);

int sched_advance(struct server *s, struct db *db, long run_id)
{
	struct db_run_counts c;
	struct db_run run;
	enum run_state rs;
	const char *state;
	int rc = db_run_get(db, run_id, &run);

	if (rc)
		return rc;
	if (!run_state_parse(run.state, &rs) || run_state_final(rs))
		goto done;
	rc = db_run_counts(db, run_id, &c);
	if (rc)
		goto done;
	if (c.running[JOB_CONFIGURE])
		state = run_state_name(RUN_CONFIGURING);
	else if (c.queued[JOB_CONFIGURE])
		state = run_state_name(RUN_QUEUED);
	else if (c.done[JOB_CONFIGURE] && c.status_error[JOB_CONFIGURE])
		state = run_state_name(RUN_ERROR);
	else if (c.queued[JOB_BUILD] || c.running[JOB_BUILD])
		state = run_state_name(RUN_BUILDING);
	else if (c.queued[JOB_BOOT] || c.running[JOB_BOOT])
		state = run_state_name(RUN_BOOTING);
	else
		state = run_state_name(RUN_DONE);
	if (strcmp(state, run.state) != 0) {
		rc = db_run_set_state(db, run_id, state,
				      run_state_is(state, RUN_ERROR) ? "the configure job ended in ERROR" : NULL);
		if (!rc)
			log_info("run=%ld state=%s", run_id, state);
		if (!rc && run_state_is(state, RUN_DONE))
			bisect_run_done(s, db, run_id); /* before the notifier: the report may wait for it */
		if (!rc && run_state_is(state, RUN_DONE) && sched_on_run_done)
			sched_on_run_done(s, db, run_id);
	}
done:
	db_run_release(&run);
	return rc;
}
