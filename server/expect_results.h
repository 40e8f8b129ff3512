/* Matrix expectations judged as results come in: violations become findings (errors of signature type expect or race). */
#ifndef KM_EXPECT_RESULTS_H
#define KM_EXPECT_RESULTS_H

#include <jansson.h>
#include <stdbool.h>

#include "db.h"

struct matrix;

/*
 * After a configure result mapped its requests: judges the never/always
 * rules against a new config's normalized .config (config_text) and records
 * each violation on the config's build job, with the requests that reached
 * it and the worker's explanation (worker_expect: the config's "expect"
 * array from the result, may be NULL). The server decides what is violated;
 * the worker only explains.
 */
int expect_results_configure(struct db *db, long run_id, const struct matrix *m, long config_id, long build_job,
			     const char *config_text, const json_t *worker_expect);

/* After a build result: a config a `builds` rule covers whose build FAILed violates it. */
int expect_results_build(struct db *db, const struct matrix *m, long config_id, long build_job, const char *status);

/*
 * After a boot result: owners is the result's "ownership" array. A range
 * owned by "race" (repeats disagreed) is a race finding; an owner rule that
 * names this variant and range, whose `when` holds for the config, is
 * violated by any other owner.
 */
int expect_results_boot(struct db *db, const struct matrix *m, long config_id, long boot_job, const char *variant,
			const json_t *owners);

/*
 * Whether a config says anything about an expect or race signature s of
 * this matrix (the rule of condition_build_counts() for findings): config
 * rules every config, `builds` rules and boots every finished build that
 * passed (boots) or finished (builds). -1 when s is not a finding.
 */
int expect_results_counts(const struct matrix *m, const char *type, const char *rule, const char *build_status);

/* Whether a signature type is a finding of this module ("expect" or "race"). */
bool expect_results_is_finding(const char *type);

struct run_facts_cmp;
struct db_run_signature;

/*
 * Whether a finding gone from the run was judged again: every request that
 * reached a config with it in the base now resolved to a config with a
 * verdict (PASS or FAIL). A Kconfig fix makes the violating configs
 * disappear into allowed ones, so their hashes never come back.
 */
bool expect_results_rejudged(const struct run_facts_cmp *cmp, const struct db_run_signature *gone);

#endif
