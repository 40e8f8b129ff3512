/* The "All errors" list of a report: every distinct error of the configs failing with its signature. */
#ifndef KM_REPORT_ERRORS_H
#define KM_REPORT_ERRORS_H

#include <jansson.h>
#include <stddef.h>

#include "report.h"

struct db;
struct run_facts_cmp;

struct report_errors {
	struct report_error *v; /* texts owned */
	size_t n;
};

#define REPORT_ERRORS_CONFIGS 16 /* failing configs whose errors are listed */

/*
 * Collects the primary errors (not make's "*** Error" lines) of the builds
 * of the given configs (the first REPORT_ERRORS_CONFIGS of them), one entry
 * per signature in order of appearance, as "FILE: MESSAGE". An error is new
 * unless compare (the run against its base, run_facts_compare()) has a base
 * and gives its signature another change than new; compare NULL or without
 * a base: every error is new. 0 or a db error; release *out with
 * report_errors_release().
 */
int report_errors_load(struct db *db, const long *config_ids, size_t n, const struct run_facts_cmp *compare,
		       struct report_errors *out);
void report_errors_release(struct report_errors *e);

#endif
