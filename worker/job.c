/* Running one claimed job: scratch directory, lease keeping, dispatch by kind, result delivery. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "err.h"
#include "fsutil.h"
#include "jobtypes.h"
#include "log.h"
#include "proc.h"
#include "worker.h"
#include "xalloc.h"

struct keeper {
	struct job *job;
	long ttl;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

/* Extends the lease every third of its life until the job ends; notices a lost lease. */
static void *keep_lease(void *arg)
{
	struct keeper *k = arg;
	long interval = k->ttl / 3 > 1 ? k->ttl / 3 : 1;

	pthread_mutex_lock(&k->lock);
	while (!k->done) {
		struct timespec until;
		int rc;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += interval;
		pthread_cond_timedwait(&k->cond, &k->lock, &until);
		if (k->done)
			break;
		pthread_mutex_unlock(&k->lock);
		rc = client_extend(k->job->client, k->job->id, k->job->spec.lease);
		if (rc == KM_ECONFLICT || rc == KM_ENOTFOUND) {
			log_warn("job=%ld lease lost: %s", k->job->id, err_msg());
			k->job->lease_lost = 1;
		} else if (rc) {
			log_warn("job=%ld lease extension failed (will retry): %s", k->job->id, err_msg());
		}
		pthread_mutex_lock(&k->lock);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

static void remove_tree(const char *dir)
{
	const char *argv[] = { "rm", "-rf", "--one-file-system", dir, NULL };

	if (dir && *dir)
		proc_run_simple(argv, NULL, 600);
}

/* The runner of each kind of job. */
static int run_kind(enum job_kind kind, struct job *j, struct job_result *result)
{
	switch (kind) {
	case JOB_CONFIGURE:
		return configure_run(j, result);
	case JOB_BUILD:
		return build_run(j, result);
	case JOB_BOOT:
		return boot_job_run(j, result);
	case JOB_BISECT:
		return bisect_job_run(j, result);
	case JOB_KIND_COUNT:
		break;
	}
	return err_set(KM_EINVAL, "unknown job kind %d", (int)kind);
}

/* The farm's own failure: ERROR with why, which the server may retry on another worker. */
static void farm_error(struct job_result *result, const char *why)
{
	char *message = xstrdup(why);

	free(result->message);
	result->message = message;
	result->status = STATUS_ERROR;
	result->retryable = true;
}

int job_run(struct client *c, const struct worker_opts *opts, json_t *payload, volatile sig_atomic_t *stop)
{
	struct job j;
	struct keeper k;
	pthread_t keeper_thread;
	/* No status until a runner gives one: a body without one is refused, never taken for PASS. */
	struct job_result result = { .status = STATUS_COUNT };
	json_t *body;
	char refused[512];
	double t0;
	int rc, spec_rc;

	memset(&j, 0, sizeof(j));
	j.client = c;
	j.opts = opts;
	j.stop = stop;
	/* A payload bad in any other way is still answered: an ERROR result under its lease. */
	spec_rc = job_spec_decode(payload, &j.spec);
	snprintf(refused, sizeof(refused), "%s", spec_rc ? err_msg() : "");
	j.id = j.spec.id;
	if (j.id <= 0 || !j.spec.lease)
		return spec_rc;
	j.dir = xasprintf("%s/jobs/%ld", opts->work_dir, j.id);
	remove_tree(j.dir);
	rc = fs_mkdirs(j.dir);
	if (rc) {
		free(j.dir);
		return rc;
	}

	memset(&k, 0, sizeof(k));
	k.job = &j;
	k.ttl = j.spec.lease_ttl;
	if (k.ttl <= 0)
		k.ttl = 60;
	pthread_mutex_init(&k.lock, NULL);
	pthread_cond_init(&k.cond, NULL);
	pthread_create(&keeper_thread, NULL, keep_lease, &k);

	log_info("job=%ld kind=%s run=%ld started", j.id, job_kind_name(j.spec.kind), j.spec.run_id);
	t0 = clock_now_s();
	result.lease = xstrdup(j.spec.lease);
	err_clear();
	if (spec_rc) {
		rc = err_set(spec_rc, "%s", refused);
		log_error("job=%ld refused: %s", j.id, refused);
	} else {
		rc = run_kind(j.spec.kind, &j, &result);
	}
	if (result.wall_s <= 0)
		result.wall_s = clock_now_s() - t0;

	/* A failure of the farm itself is an ERROR the server may retry elsewhere, never a FAIL. */
	if (rc)
		farm_error(&result, *err_msg() ? err_msg() : err_name(rc));
	if (stop && *stop && !result.retryable)
		farm_error(&result, "the worker was stopped during the job");
	body = job_result_encode(j.spec.kind, &result);

	pthread_mutex_lock(&k.lock);
	k.done = true;
	pthread_cond_signal(&k.cond);
	pthread_mutex_unlock(&k.lock);
	pthread_join(keeper_thread, NULL);
	pthread_mutex_destroy(&k.lock);
	pthread_cond_destroy(&k.cond);

	if (j.lease_lost) {
		log_warn("job=%ld lease was lost: result not sent (the job runs elsewhere)", j.id);
		rc = 0;
	} else {
		rc = client_result(c, j.id, body, 600, stop);
		if (rc)
			log_error("job=%ld result refused: %s", j.id, err_msg());
		else
			log_info("job=%ld kind=%s status=%s wall=%.1fs", j.id, job_kind_name(j.spec.kind),
				 job_status_name(result.status), result.wall_s);
	}
	remove_tree(j.dir);
	free(j.dir);
	json_decref(body);
	job_result_release(&result);
	return rc;
}
