/* The verdict of a boot bisection's step from what its build and boot showed, and the name of the change bisected. */
#include "bisect_boot.h"

#include <stdbool.h>
#include <string.h>

#include "xalloc.h"

static bool is(const char *s, const char *v)
{
	return s && strcmp(s, v) == 0;
}

enum bisect_verdict bisect_boot_verdict(const struct bisect_boot_target *t, const struct bisect_boot_step *s,
					char **reason)
{
	*reason = NULL;
	if (is(s->build_status, "FAIL")) {
		*reason = xasprintf("the build fails: %s", s->build_message ? s->build_message : "make failed");
		return BISECT_SKIP;
	}
	if (!is(s->build_status, "PASS")) {
		*reason = xasprintf("the farm could not build it: %s", s->build_message ? s->build_message : "ERROR");
		return BISECT_SKIP;
	}
	if (!is(s->boot_status, "PASS") && !is(s->boot_status, "FAIL")) {
		*reason = xasprintf("the farm could not boot it: %s",
				    s->boot_message ? s->boot_message : s->boot_status ? s->boot_status : "not booted");
		return BISECT_SKIP;
	}
	if (!t->role) {
		/* A failure is bisected: any FAIL counts as the failure, as the comparison counts it. */
		if (is(s->boot_status, "FAIL")) {
			*reason = xasprintf("the boot fails: %s", s->boot_message ? s->boot_message : "FAIL");
			return BISECT_BAD;
		}
		*reason = xstrdup("boots");
		return BISECT_GOOD;
	}
	if (is(s->boot_status, "FAIL")) {
		/* It says nothing about who owns the range: the failure is another change. */
		*reason = xasprintf("the boot fails another way: %s", s->boot_message ? s->boot_message : "FAIL");
		return BISECT_SKIP;
	}
	if (is(s->owner, t->after)) {
		*reason = xasprintf("range %s owned by %s", t->role, s->owner);
		return BISECT_BAD;
	}
	if (is(s->owner, t->before)) {
		*reason = xasprintf("range %s owned by %s", t->role, s->owner);
		return BISECT_GOOD;
	}
	*reason = s->owner ? xasprintf("range %s owned by %s, neither %s nor %s", t->role, s->owner, t->before, t->after)
			   : xasprintf("the boot did not report range %s", t->role);
	return BISECT_SKIP;
}

char *bisect_boot_what(const struct bisect_boot_target *t)
{
	if (!t->role)
		return xasprintf("boot failure in variant %s", t->variant ? t->variant : "default");
	return xasprintf("owner change of range %s (%s \u2192 %s) in variant %s", t->role, t->before ? t->before : "?",
			 t->after ? t->after : "?", t->variant ? t->variant : "default");
}
