/* The bisection's choice of the next commit to build, and its end: pure functions over verdicts by position. */
#ifndef KM_BISECT_PLAN_H
#define KM_BISECT_PLAN_H

#include <stddef.h>

enum bisect_verdict { BISECT_UNKNOWN, BISECT_GOOD, BISECT_BAD, BISECT_SKIP };

enum bisect_outcome {
	BISECT_NEXT,  /* build *next */
	BISECT_FOUND, /* *first_bad is the first bad commit */
	BISECT_RANGE, /* every commit in *range_first..*first_bad was skipped but the last: one of them is it */
	BISECT_BAD_GOOD_END, /* the good end shows it too: nothing between the ends introduced it */
	BISECT_NO_GOOD_END,  /* the good end could not be built (skipped): nothing is known good */
};

struct bisect_plan {
	enum bisect_outcome outcome;
	size_t next;        /* BISECT_NEXT: the position to build */
	size_t first_bad;   /* FOUND, RANGE: the first position known bad */
	size_t range_first; /* RANGE: the first position that may be it */
};

/*
 * Positions 0..n: 0 is the good end, n the head (known bad), 1..n-1 the
 * first-parent commits between them, oldest first. v[i] is what is known of
 * position i (v[0] UNKNOWN: the good end must be checked first). The next
 * position is the unknown one nearest the middle of the last good and the
 * first bad ("git bisect skip" semantics: skipped ones are never chosen
 * again). Never more than bisect_max_steps() builds are asked for.
 */
void bisect_plan(const enum bisect_verdict *v, size_t n, struct bisect_plan *out);

/* ceil(log2(n)) + skips + 2: the bound on the builds of a bisection over n commits with that many skips. */
size_t bisect_max_steps(size_t n, size_t skips);

#endif
