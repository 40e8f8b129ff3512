/* Bisect jobs: the walk of the first-parent history between a good and a bad commit, or one step's build (and boot). */
#include <stdlib.h>
#include <string.h>

#include "checkout.h"
#include "err.h"
#include "log.h"
#include "worker.h"
#include "xalloc.h"

static int walk(struct job *j, struct job_result *result)
{
	const struct job_spec *s = &j->spec;
	char *tree_key = job_safe_name(s->tree_name);
	char *src = worker_tree_dir(j->opts, tree_key);
	struct checkout_walk w;
	json_t *commits;
	int rc;

	rc = checkout_first_parents(s->tree_url, src, s->ref, s->bisect.good, s->bisect.head,
				    s->bisect.max_commits > 0 ? (size_t)s->bisect.max_commits : 10000, &w);
	free(tree_key);
	free(src);
	if (rc == KM_ENOTFOUND || rc == KM_ETOOBIG) {
		/* The tree's fault, not the farm's: no retry elsewhere would help. */
		result->status = STATUS_FAIL;
		result->message = xstrdup(err_msg());
		return 0;
	}
	if (rc)
		return rc;
	commits = json_array();
	for (size_t i = 0; i < w.n; i++)
		json_array_append_new(commits, json_pack("{s:s,s:s,s:s}", "id", w.commits[i].id, "subject",
							 w.commits[i].subject, "author", w.commits[i].author));
	result->status = STATUS_PASS;
	result->message = xasprintf("%zu first-parent commit%s after %.12s%s", w.n, w.n == 1 ? "" : "s", w.good,
				    w.ancestor ? "" : " (the merge-base: the base is not an ancestor)");
	result->walk = json_pack("{s:s,s:b,s:o}", "good", w.good, "ancestor", w.ancestor, "commits", commits);
	log_info("job=%ld bisect walk: %zu commits after %.12s ancestor=%d", j->id, w.n, w.good, w.ancestor);
	checkout_walk_release(&w);
	return 0;
}

/*
 * A boot bisection's step: the build exactly as a build job does it, then,
 * when it passes, the boot job's boot of what it staged (the build's own
 * stage, on this worker), reported under "boot": {status, message, ownership}.
 */
static int boot_step(struct job *j, struct job_result *result)
{
	const char *variant = j->spec.bisect.boot_variant;
	struct job_result booted = { .status = STATUS_COUNT };
	int rc = build_run(j, result);

	if (rc || result->status != STATUS_PASS)
		return rc;
	if (boot_job_boot(j, j->id, variant, &booted) != 0 || booted.status == STATUS_COUNT) {
		/* The farm could not boot it: the server counts the step as skipped. */
		result->boot = json_pack("{s:s,s:s}", "status", "ERROR", "message", err_msg());
	} else {
		result->boot = json_pack("{s:s,s:s?,s:O?}", "status", job_status_name(booted.status), "message",
					 booted.message, "ownership", booted.ownership);
	}
	log_info("job=%ld bisect step booted variant=%s status=%s", j->id, variant ? variant : "default",
		 json_string_value(json_object_get(result->boot, "status")));
	job_result_release(&booted);
	return 0;
}

int bisect_job_run(struct job *j, struct job_result *result)
{
	if (j->spec.bisect.op == BISECT_WALK)
		return walk(j, result);
	if (j->spec.bisect.op == BISECT_STEP && j->spec.bisect.boot_variant)
		return boot_step(j, result);
	if (j->spec.bisect.op == BISECT_STEP)
		return build_run(j, result); /* the step's commit and the failing config, in the matrix's build directory */
	return err_set(KM_EINVAL, "bisect job without a known 'bisect.op'");
}
