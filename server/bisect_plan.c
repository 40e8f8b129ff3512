/* The bisection's next step over first-parent positions: binary search with skips. */
#include "bisect_plan.h"

size_t bisect_max_steps(size_t n, size_t skips)
{
	size_t log = 0;

	while (((size_t)1 << log) < n)
		log++;
	return log + skips + 2;
}

void bisect_plan(const enum bisect_verdict *v, size_t n, struct bisect_plan *out)
{
	size_t good = 0, bad = n, best = 0, best_dist = (size_t)-1, mid2;
	int found = 0;

	out->outcome = BISECT_NEXT;
	out->next = out->first_bad = out->range_first = 0;
	if (v[0] == BISECT_UNKNOWN) {
		out->next = 0;
		return;
	}
	if (v[0] == BISECT_BAD || v[0] == BISECT_SKIP) {
		out->outcome = v[0] == BISECT_BAD ? BISECT_BAD_GOOD_END : BISECT_NO_GOOD_END;
		return;
	}
	/* The first bad position, then the last good one below it. */
	for (size_t i = 1; i <= n; i++) {
		if (v[i] == BISECT_BAD) {
			bad = i;
			break;
		}
	}
	for (size_t i = bad; i-- > 0;) {
		if (v[i] == BISECT_GOOD) {
			good = i;
			break;
		}
	}
	/* The unknown position nearest the middle, measured in halves so both sides of an even gap weigh alike. */
	mid2 = good + bad;
	for (size_t i = good + 1; i < bad; i++) {
		size_t d = 2 * i > mid2 ? 2 * i - mid2 : mid2 - 2 * i;

		if (v[i] != BISECT_UNKNOWN)
			continue;
		if (d < best_dist) {
			best_dist = d;
			best = i;
			found = 1;
		}
	}
	if (found) {
		out->next = best;
		return;
	}
	out->first_bad = bad;
	if (bad == good + 1) {
		out->outcome = BISECT_FOUND;
	} else {
		out->outcome = BISECT_RANGE;
		out->range_first = good + 1;
	}
}
