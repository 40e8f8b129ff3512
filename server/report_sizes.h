/* The "Size changes" lines of a report: configs whose vmlinux grew against the same config in the base run. */
#ifndef KM_REPORT_SIZES_H
#define KM_REPORT_SIZES_H

#include <stddef.h>

#include "report.h"

struct db;
struct run_facts_cmp;

struct report_sizes {
	struct report_growth *v; /* values borrowed from the compared run's facts */
	size_t n;
};

/*
 * The configs built in both runs of compare whose vmlinux text + data + bss
 * (from each build's metadata.json) grew by REPORT_GROWTH_BYTES or more,
 * largest growth first, at most REPORT_MAX_GROWTH. A config without both
 * metadata files says nothing. 0 (an empty list without a base); release
 * *out with report_sizes_release().
 */
int report_sizes_load(struct db *db, const char *data_dir, const struct run_facts_cmp *compare,
		      struct report_sizes *out);
void report_sizes_release(struct report_sizes *s);

#endif
