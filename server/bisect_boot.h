/* Bisection of a changed boot: what a step's boot says about the change (a pure function), and how the change is named. */
#ifndef KM_BISECT_BOOT_H
#define KM_BISECT_BOOT_H

#include "bisect_plan.h"

/* The change a boot bisection looks for, of one config and variant. */
struct bisect_boot_target {
	const char *variant;
	const char *role;   /* the range whose owner changed; NULL: the boot newly FAILs */
	const char *before; /* the base's owner ("PASS" for a failure) */
	const char *after;  /* the head's owner ("FAIL" for a failure) */
};

/* What one step showed: its build, and its boot when the build passed. */
struct bisect_boot_step {
	const char *build_status;  /* PASS, FAIL, ERROR */
	const char *build_message; /* may be NULL */
	const char *boot_status;   /* PASS, FAIL, ERROR; NULL: not booted */
	const char *boot_message;  /* may be NULL */
	const char *owner;         /* the target role's owner in that boot; NULL: the range was not reported */
};

/*
 * The verdict of a boot step ("git bisect" terms): BISECT_BAD when it shows
 * the head's outcome again (the boot FAILs / the role has the head's owner),
 * BISECT_GOOD when it boots with the base's outcome (passes / the base's
 * owner), BISECT_SKIP otherwise: the build fails or errs, the boot errs or
 * is missing, another owner, or a failed boot while an owner is bisected.
 * *reason gets one line saying what the step showed (the caller's).
 */
enum bisect_verdict bisect_boot_verdict(const struct bisect_boot_target *t, const struct bisect_boot_step *s,
					char **reason);

/*
 * What was bisected, as the middle of a sentence: "owner change of range
 * subject (cxl → hmem) in variant hmem-first" or "boot failure in variant
 * kmod". The caller's string.
 */
char *bisect_boot_what(const struct bisect_boot_target *t);

#endif
