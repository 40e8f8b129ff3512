/* Spellings of the protocol's enums (jobtypes.h): one table each, read both ways. */
#include "jobtypes.h"

#include <string.h>

static const char *const kind_names[JOB_KIND_COUNT] = { "configure", "build", "boot", "bisect" };
static const char *const job_state_names[JOB_STATE_COUNT] = { "queued", "running", "done", "cancelled" };
static const char *const status_names[STATUS_COUNT] = { "PASS", "FAIL", "ERROR", "MISS", "SKIP" };
static const char *const run_state_names[RUN_STATE_COUNT] = {
	"queued", "configuring", "building", "booting", "done", "error", "superseded", "cancelled",
};

static const char *name_of(const char *const *names, int count, int v)
{
	return v >= 0 && v < count ? names[v] : "?";
}

static int index_of(const char *const *names, int count, const char *s)
{
	for (int i = 0; s && i < count; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *job_kind_name(enum job_kind k)
{
	return name_of(kind_names, JOB_KIND_COUNT, (int)k);
}

const char *job_state_name(enum job_state s)
{
	return name_of(job_state_names, JOB_STATE_COUNT, (int)s);
}

const char *job_status_name(enum job_status s)
{
	return name_of(status_names, STATUS_COUNT, (int)s);
}

const char *run_state_name(enum run_state s)
{
	return name_of(run_state_names, RUN_STATE_COUNT, (int)s);
}

bool job_kind_parse(const char *s, enum job_kind *out)
{
	int i = index_of(kind_names, JOB_KIND_COUNT, s);

	if (i >= 0)
		*out = (enum job_kind)i;
	return i >= 0;
}

bool job_state_parse(const char *s, enum job_state *out)
{
	int i = index_of(job_state_names, JOB_STATE_COUNT, s);

	if (i >= 0)
		*out = (enum job_state)i;
	return i >= 0;
}

bool job_status_parse(const char *s, enum job_status *out)
{
	int i = index_of(status_names, STATUS_COUNT, s);

	if (i >= 0)
		*out = (enum job_status)i;
	return i >= 0;
}

bool run_state_parse(const char *s, enum run_state *out)
{
	int i = index_of(run_state_names, RUN_STATE_COUNT, s);

	if (i >= 0)
		*out = (enum run_state)i;
	return i >= 0;
}

bool job_kind_is(const char *s, enum job_kind k)
{
	return index_of(kind_names, JOB_KIND_COUNT, s) == (int)k;
}

bool job_status_is(const char *s, enum job_status st)
{
	return index_of(status_names, STATUS_COUNT, s) == (int)st;
}

bool run_state_is(const char *s, enum run_state st)
{
	return index_of(run_state_names, RUN_STATE_COUNT, s) == (int)st;
}

bool job_status_reportable(enum job_status s)
{
	return s == STATUS_PASS || s == STATUS_FAIL || s == STATUS_ERROR;
}

bool run_state_final(enum run_state s)
{
	return s == RUN_DONE || s == RUN_ERROR || s == RUN_SUPERSEDED || s == RUN_CANCELLED;
}
