/* The protocol's words as types: job kinds, job and run states, statuses, with the one spelling each has on the wire and in the database. */
#ifndef KM_JOBTYPES_H
#define KM_JOBTYPES_H

#include <stdbool.h>

enum job_kind { JOB_CONFIGURE, JOB_BUILD, JOB_BOOT, JOB_BISECT, JOB_KIND_COUNT };

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_CANCELLED, JOB_STATE_COUNT };

/*
 * A finished job's status. PASS, FAIL and ERROR are a worker's to report;
 * MISS (never ran: its build errored, the run was superseded) and SKIP (its
 * build failed) are the server's.
 */
enum job_status { STATUS_PASS, STATUS_FAIL, STATUS_ERROR, STATUS_MISS, STATUS_SKIP, STATUS_COUNT };

enum run_state {
	RUN_QUEUED,
	RUN_CONFIGURING,
	RUN_BUILDING,
	RUN_BOOTING,
	RUN_DONE,
	RUN_ERROR,
	RUN_SUPERSEDED,
	RUN_CANCELLED,
	RUN_STATE_COUNT
};

/* The spelling of a value ("build", "PASS", "superseded"); an out-of-range value reads "?". */
const char *job_kind_name(enum job_kind k);
const char *job_state_name(enum job_state s);
const char *job_status_name(enum job_status s);
const char *run_state_name(enum run_state s);

/* The value s spells, exactly (case matters); false for NULL or any other text, *out untouched. */
bool job_kind_parse(const char *s, enum job_kind *out);
bool job_state_parse(const char *s, enum job_state *out);
bool job_status_parse(const char *s, enum job_status *out);
bool run_state_parse(const char *s, enum run_state *out);

/* Whether s spells that value (NULL spells nothing): for a value read from the database or a payload. */
bool job_kind_is(const char *s, enum job_kind k);
bool job_status_is(const char *s, enum job_status st);
bool run_state_is(const char *s, enum run_state st);

/* PASS, FAIL or ERROR: a status a worker may report. */
bool job_status_reportable(enum job_status s);

/* done, error, superseded or cancelled: nothing more happens to the run. */
bool run_state_final(enum run_state s);

#endif
