/* A finished job's result as the protocol carries it: the worker's encoder and the server's decoder. */
#ifndef KM_JOBRESULT_H
#define KM_JOBRESULT_H

#include <jansson.h>
#include <stdbool.h>

#include "jobtypes.h"

/*
 * The body of POST /jobs/{id}/result, typed. Which fields a kind carries:
 *   every job   lease, status, message (NULL: none), wall_s, retryable
 *   configure   commit, subject, author_name, author_email; when it passes,
 *               configs [{hash, point, text, expect}] and requests
 *               [{idx, hash, changed, explain}]
 *   build       cpu_s, ccache, warnings, log_lines, make_cmd, errors
 *               [{signature, type, message, symbol, file, first_lines}],
 *               modules [name], unchanged_since (0: none)
 *   boot        warnings, details {...}, ownership [{range, role, owner, evidence}]
 *   bisect      a walk: walk {good, ancestor, commits [{id, subject, author}]};
 *               a step: what a build carries, and boot {status, message,
 *               ownership} when the bisection is of a boot
 * The struct owns its strings and holds a reference on each JSON member:
 * job_result_release() frees them, whether it was filled by hand or decoded.
 */
struct job_result {
	char *lease;
	enum job_status status; /* STATUS_COUNT until a runner sets it: encoded as "?", which is refused */
	char *message;
	double wall_s;
	bool retryable;

	char *commit, *subject, *author_name, *author_email;
	json_t *configs, *requests;

	double cpu_s;
	long ccache_hits, ccache_misses, ccache_remote_hits;
	long warnings, log_lines;
	char *make_cmd;
	json_t *errors, *modules;
	long unchanged_since;

	json_t *details, *ownership;

	json_t *walk, *boot;
};

/* The largest normalized .config a configure result may carry, and the most commits a walk may report. */
#define JOB_RESULT_MAX_CONFIG_TEXT (2 * 1024 * 1024)
#define JOB_RESULT_MAX_WALK_COMMITS 10000

/* The body for r, the result of a job of kind (a new reference; r is left as it was). */
json_t *job_result_encode(enum job_kind kind, const struct job_result *r);

/*
 * The fields every kind carries (lease, status, message, wall_s,
 * retryable) into a zeroed *r: 0, or KM_EINVAL saying which is missing or
 * malformed. A worker reports PASS, FAIL or ERROR only.
 */
int job_result_decode_head(const json_t *body, struct job_result *r);

/*
 * The members of a job of kind on top of the head job_result_decode_head()
 * put in *r, each member's type and size checked: 0, or KM_EINVAL
 * (KM_ETOOBIG for oversized details) naming the member.
 */
int job_result_decode_body(const json_t *body, enum job_kind kind, struct job_result *r);

/*
 * The whole result of a job of kind into a zeroed *r (head, then body), every member's type
 * and size checked: 0, or KM_EINVAL (KM_ETOOBIG for oversized details)
 * naming the member. What needs the run (points against its axes, request
 * indexes, the run's commit) is the server's to check.
 */
int job_result_decode(const json_t *body, enum job_kind kind, struct job_result *r);

/* Frees what r holds and zeroes it. */
void job_result_release(struct job_result *r);

#endif
