/* Submitting runs, leasing jobs to workers and sweeping expired leases. */
#include "sched.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bisect.h"
#include "automatrix.h"
#include "db.h"
#include "db_bisect.h"
#include "digest.h"
#include "err.h"
#include "kconfig.h"
#include "log.h"
#include "matrix.h"
#include "run_facts.h"
#include "server.h"
#include "xalloc.h"
#include "validate.h"


/* "linux" from "/srv/git/linux.git/" or "https://host/x/linux". */
static char *name_from_url(const char *url)
{
	size_t len = strlen(url);
	const char *start;
	char *name;

	while (len > 1 && url[len - 1] == '/')
		len--;
	start = url + len;
	while (start > url && start[-1] != '/' && start[-1] != ':')
		start--;
	name = xstrndup(start, (size_t)(url + len - start));
	if (strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".git") == 0)
		name[strlen(name) - 4] = '\0';
	for (char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.'))
			*p = '-';
	}
	if (!*name) {
		free(name);
		name = xstrdup("tree");
	}
	return name;
}

/*
 * An `axes = auto` matrix: the axes come from base..head, base being the
 * commit of the run's comparison base (run_facts_base), else the push's
 * before, else the head's parent. The run's bundle becomes the chosen matrix.
 */
static int submit_auto(struct server *s, struct db *db, const struct sched_submit *in, const char *ref, long run_id,
		       json_t **bundle, struct matrix **m, char ***points, size_t *npoints)
{
	struct automatrix_in ai = { in->tree_url, in->commit ? NULL : ref, in->commit, in->base_commit };
	struct db_run base_run = { 0 };
	json_t *chosen = NULL;
	char *head = NULL, *text = NULL;
	long base_id = 0;
	int rc = run_facts_base(db, run_id, &base_id);

	if (!rc && base_id && db_run_get(db, base_id, &base_run) == 0 && base_run.commit_id)
		ai.base = base_run.commit_id;
	if (!rc)
		rc = automatrix_resolve(s, &ai, *bundle, &chosen, &head);
	if (!rc) {
		matrix_free(*m);
		*m = NULL;
		matrix_points_free(*points, *npoints);
		*points = NULL;
		*npoints = 0;
		rc = matrix_bundle_parse(chosen, m);
	}
	if (!rc)
		rc = matrix_expand(*m, points, npoints);
	if (!rc) {
		json_object_set_new(json_object_get(chosen, "auto"), "requests", json_integer((json_int_t)*npoints));
		text = json_dumps(chosen, JSON_COMPACT);
		rc = db_run_set_bundle(db, run_id, text, head);
	}
	if (!rc) {
		json_decref(*bundle);
		*bundle = chosen;
		chosen = NULL;
	}
	json_decref(chosen);
	db_run_release(&base_run);
	free(head);
	free(text);
	return rc;
}

/* Checks a submission's tree, matrix, commit and ref; *ref gets the full ref name (the commit without a ref). */
static int submit_check(const struct sched_submit *in, char **ref)
{
	*ref = NULL;
	if (!in->tree_url || strlen(in->tree_url) > 1024 || !validate_url(in->tree_url))
		return err_set(KM_EINVAL, "tree URL missing, longer than 1024 characters, or not a URL or path"
				       " (no blanks or control characters, no leading '-')");
	if (!in->matrix_name || !matrix_name_ok(in->matrix_name))
		return err_set(KM_EINVAL, "matrix name missing or invalid (expected [a-z0-9][a-z0-9._-]*)");
	if (in->commit && !validate_commit(in->commit, true))
		return err_set(KM_EINVAL, "commit '%.80s' is not a hexadecimal commit id", in->commit);
	if (!in->ref && !in->commit)
		return err_set(KM_EINVAL, "give a ref, a commit, or both");
	if (in->ref)
		*ref = strncmp(in->ref, "refs/", 5) == 0 ? xstrdup(in->ref) : xasprintf("refs/heads/%s", in->ref);
	else
		*ref = xstrdup(in->commit);
	if (in->ref && !validate_ref(*ref))
		return err_set(KM_EINVAL, "ref '%.80s' is not a valid git ref name", in->ref);
	return 0;
}

/* The tree of the submission: by its given name, else by URL, else new under a name made from the URL. */
static int submit_tree(struct db *db, const struct sched_submit *in, long *tree_id)
{
	char *tree_name = NULL;
	int rc;

	if (in->tree_name)
		return db_tree_ensure(db, in->tree_name, in->tree_url, tree_id);
	rc = db_tree_find(db, NULL, in->tree_url, tree_id);
	if (rc != KM_ENOTFOUND)
		return rc;
	tree_name = name_from_url(in->tree_url);
	/* Another tree may already use the name: then add the id-free URL hash. */
	if (db_tree_find(db, tree_name, NULL, tree_id) == 0) {
		char hash[DIGEST_HEX_LEN + 1];
		char *longer;

		digest_sha256_hex(in->tree_url, strlen(in->tree_url), hash);
		longer = xasprintf("%s-%.8s", tree_name, hash);
		free(tree_name);
		tree_name = longer;
	}
	rc = db_tree_ensure(db, tree_name, in->tree_url, tree_id);
	free(tree_name);
	return rc;
}

/* A newer push to the ref: older runs are superseded, and what an older push introduced no longer matters. */
static int submit_supersede(struct db *db, long tree_id, const char *ref, long run_id, int *superseded)
{
	int stopped = 0;
	int rc = db_runs_supersede_push(db, tree_id, ref, run_id, superseded);

	if (!rc)
		rc = db_bisections_cancel_older(db, tree_id, ref, run_id, &stopped);
	if (!rc && stopped)
		log_info("run=%ld cancelled %d bisection%s of older runs of %s", run_id, stopped,
			 stopped == 1 ? "" : "s", ref);
	return rc;
}

int sched_submit_in(struct server *s, struct db *db, const struct sched_submit *in, long *run_id)
{
	json_t *bundle = NULL;
	struct matrix *m = NULL;
	char **points = NULL;
	size_t npoints = 0;
	char *bundle_text = NULL, *ref = NULL;
	long tree_id = 0;
	int superseded = 0;
	int rc;

	*run_id = 0;
	rc = submit_check(in, &ref);
	if (rc)
		goto done;
	rc = matrix_bundle_load(s->cfg->matrices_dir, in->matrix_name, &bundle);
	if (rc)
		goto done;
	rc = matrix_bundle_parse(bundle, &m);
	if (rc)
		goto done;
	rc = matrix_expand(m, &points, &npoints);
	if (rc)
		goto done;
	if (npoints == 0) {
		rc = err_set(KM_EINVAL, "matrix '%s' has no points left after its exclusions", in->matrix_name);
		goto done;
	}
	bundle_text = json_dumps(bundle, JSON_COMPACT);
	rc = submit_tree(db, in, &tree_id);
	if (!rc) {
		struct db_run_new r = {
			.tree_id = tree_id,
			.ref = ref,
			.commit_id = in->commit,
			.base_commit = in->base_commit,
			.subject = in->subject,
			.author_name = in->author_name,
			.author_email = in->author_email,
			.pusher_email = in->pusher_email,
			.matrix_name = in->matrix_name,
			.matrix_bundle = bundle_text,
			.trigger = in->trigger ? in->trigger : "api",
		};

		rc = db_run_create(db, &r, run_id);
	}
	if (!rc && m->axes_auto)
		rc = submit_auto(s, db, in, ref, *run_id, &bundle, &m, &points, &npoints);
	for (size_t i = 0; !rc && i < npoints; i++)
		rc = db_request_add(db, *run_id, (int)i, points[i]);
	if (!rc)
		rc = db_job_add(db, *run_id, "configure", 0, NULL, (int)s->cfg->max_attempts, NULL);
	if (!rc && in->ref && !in->keep_newer)
		rc = submit_supersede(db, tree_id, ref, *run_id, &superseded);
	if (!rc)
		log_info("run=%ld tree=%ld ref=%s matrix=%s requests=%zu superseded=%d trigger=%s", *run_id, tree_id,
			 ref, in->matrix_name, npoints, superseded, in->trigger ? in->trigger : "api");
done:
	json_decref(bundle);
	matrix_free(m);
	matrix_points_free(points, npoints);
	free(bundle_text);
	free(ref);
	return rc;
}

/* Ends the caller's transaction: rolled back after an error, else committed and waiting claims woken. */
static int commit_and_notify(struct db *db, int rc)
{
	if (rc) {
		db_rollback(db);
		return rc;
	}
	rc = db_commit(db);
	if (!rc)
		sched_notify();
	return rc;
}

int sched_submit(struct server *s, struct db *db, const struct sched_submit *in, long *run_id)
{
	int rc = db_begin(db);

	if (rc)
		return rc;
	return commit_and_notify(db, sched_submit_in(s, db, in, run_id));
}

static void advance_cb(void *ctx, long run_id)
{
	struct server *s = ((void **)ctx)[0];
	struct db *db = ((void **)ctx)[1];

	if (sched_boots_missed(s, db, run_id) != 0)
		log_error("run=%ld: boots of errored builds not recorded: %s", run_id, err_msg());
	sched_advance(s, db, run_id);
	if (bisect_advance_run(s, db, run_id) != 0)
		log_error("run=%ld: bisections not moved on: %s", run_id, err_msg());
}

/* Expires leases inside the caller's transaction. */
static int sweep_locked(struct server *s, struct db *db)
{
	void *ctx[2] = { s, db };
	int requeued = 0, errored = 0;
	int rc = db_leases_expire(db, (int64_t)time(NULL), &requeued, &errored, advance_cb, ctx);

	if (rc == 0 && (requeued || errored))
		log_warn("leases expired: requeued=%d ended_as_error=%d", requeued, errored);
	return rc;
}

int sched_sweep(struct server *s, struct db *db)
{
	int rc = db_begin(db);

	if (rc)
		return rc;
	return commit_and_notify(db, sweep_locked(s, db));
}

/*
 * Configs by id, as vectors of interned ids: configs never change once
 * stored, and the nearest choice compares the same few hundred of them on
 * every claim. The dictionary is shared by the cached vectors; when it has
 * grown past CONFIG_DICT_MAX strings it starts over with an empty cache, and
 * config_generation tells a claim that its vector of the last build is stale.
 */
#define CONFIG_CACHE_SIZE 1024
#define CONFIG_DICT_MAX (1L << 18)

static struct {
	long id;
	struct kconfig_vec *vec;
} config_cache[CONFIG_CACHE_SIZE];
static struct kconfig *config_dict;
static unsigned long config_generation;
static pthread_mutex_t config_cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* What a claim compares the candidates with: the config built last, and its vector. */
struct nearest_base {
	struct kconfig *config;
	struct kconfig_vec *vec;
	unsigned long generation;
};

/* Under config_cache_lock: the base's vector in the current dictionary. */
static void base_vec_locked(struct nearest_base *b)
{
	if (b->vec && b->generation == config_generation)
		return;
	kconfig_vec_free(b->vec);
	b->vec = kconfig_vec_new(b->config, config_dict);
	b->generation = config_generation;
}

/* Under config_cache_lock, once per claim: a dictionary that has grown too big starts over. */
static void dict_bound_locked(void)
{
	if (config_dict && (long)kconfig_count(config_dict) <= CONFIG_DICT_MAX)
		return;
	for (size_t i = 0; i < CONFIG_CACHE_SIZE; i++) {
		kconfig_vec_free(config_cache[i].vec);
		config_cache[i].vec = NULL;
	}
	kconfig_free(config_dict);
	config_dict = kconfig_new();
	config_generation++;
}

/* Distance from the base to config_id's config, or (size_t)-1 when it cannot be read. */
static size_t distance_to(struct db *db, struct nearest_base *base, long config_id)
{
	size_t slot = (size_t)config_id % CONFIG_CACHE_SIZE, d = (size_t)-1;
	struct kconfig *c = NULL;
	char *text = NULL;

	pthread_mutex_lock(&config_cache_lock);
	if (config_cache[slot].vec && config_cache[slot].id == config_id) {
		base_vec_locked(base);
		d = kconfig_vec_distance(base->vec, config_cache[slot].vec);
		pthread_mutex_unlock(&config_cache_lock);
		return d;
	}
	pthread_mutex_unlock(&config_cache_lock);
	if (db_config_text(db, config_id, &text) == 0 && kconfig_parse(text, strlen(text), &c) == 0) {
		pthread_mutex_lock(&config_cache_lock);
		base_vec_locked(base);
		kconfig_vec_free(config_cache[slot].vec);
		config_cache[slot].id = config_id;
		config_cache[slot].vec = kconfig_vec_new(c, config_dict);
		d = kconfig_vec_distance(base->vec, config_cache[slot].vec);
		pthread_mutex_unlock(&config_cache_lock);
	}
	kconfig_free(c);
	free(text);
	return d;
}

/* Picks the build candidate nearest to what this worker built last for that tree and matrix. */
static size_t pick_nearest_build(struct db *db, long worker_id, struct db_job *jobs, size_t n, size_t first)
{
	struct nearest_base base = { 0 };
	char *last_text = NULL;
	size_t best = first, best_dist = (size_t)-1;
	long run = jobs[first].run_id;

	if (db_worker_last_config(db, worker_id, jobs[first].tree_id, jobs[first].matrix_name, &last_text) != 0 ||
	    !last_text)
		goto done;
	if (kconfig_parse(last_text, strlen(last_text), &base.config) != 0)
		goto done;
	pthread_mutex_lock(&config_cache_lock);
	dict_bound_locked();
	pthread_mutex_unlock(&config_cache_lock);
	/* Runs are served oldest first: only the oldest run's builds compete. */
	for (size_t i = first; i < n; i++) {
		size_t d;

		if (strcmp(jobs[i].kind, "build") != 0 || jobs[i].run_id != run)
			continue;
		d = distance_to(db, &base, jobs[i].config_id);
		if (d < best_dist) {
			best_dist = d;
			best = i;
		}
	}
done:
	kconfig_vec_free(base.vec);
	kconfig_free(base.config);
	free(last_text);
	return best;
}

static size_t pick_job(struct db *db, long worker_id, struct db_job *jobs, size_t n)
{
	/* db_jobs_queued orders configure, boot, build. */
	if (strcmp(jobs[0].kind, "boot") == 0) {
		for (size_t i = 0; i < n && strcmp(jobs[i].kind, "boot") == 0; i++) {
			if (jobs[i].built_by == worker_id)
				return i;
		}
		return 0;
	}
	if (strcmp(jobs[0].kind, "build") == 0)
		return pick_nearest_build(db, worker_id, jobs, n, 0);
	return 0;
}

static void add_request(void *ctx, long id, int idx, const char *point)
{
	json_array_append_new(ctx, json_pack("{s:i,s:s}", "idx", idx, "point", point));
}

/* What a worker needs to do the job, without another round trip: its spec, encoded by jobspec.c. */
static int job_payload(struct db *db, long job_id, const char *lease, int64_t expires, long ttl, json_t **out)
{
	struct db_job_info job;
	struct db_run run;
	struct db_config cfg;
	struct db_bisection bisection;
	struct job_spec spec;
	json_t *bundle = NULL, *requests = json_array();
	long build_job = 0;
	int rc;

	memset(&run, 0, sizeof(run));
	memset(&cfg, 0, sizeof(cfg));
	memset(&bisection, 0, sizeof(bisection));
	memset(&spec, 0, sizeof(spec));
	*out = NULL;
	rc = db_job_get(db, job_id, &job);
	if (rc) {
		json_decref(requests);
		return rc;
	}
	rc = db_run_get(db, job.run_id, &run);
	if (!rc)
		rc = run_facts_matrix(&run, &bundle, NULL);
	if (rc)
		goto done;
	spec = (struct job_spec){ .id = job.id, .kind = job.kind, .run_id = run.id, .tree_name = run.tree_name,
				  .tree_url = run.tree_url, .ref = run.ref, .commit = run.commit_id, .matrix = bundle,
				  .lease = lease, .lease_expires = expires, .lease_ttl = ttl };
	if (job.kind == JOB_CONFIGURE) {
		rc = db_requests_each(db, run.id, add_request, requests);
		spec.requests = requests;
	} else {
		rc = db_config_get(db, job.config_id, &cfg);
		spec.config.id = cfg.id;
		spec.config.hash = cfg.hash;
		spec.config.point = cfg.point;
		spec.config.text = cfg.config_text;
	}
	if (!rc && job.kind == JOB_BISECT)
		rc = bisect_payload(db, job.id, &bisection, &spec);
	if (!rc && job.kind == JOB_BOOT) {
		char *status = NULL;

		spec.variant = job.variant ? job.variant : "default";
		rc = db_build_of_config(db, job.config_id, &build_job, &status);
		free(status);
		spec.build_job = build_job;
	}
	if (!rc) {
		*out = job_spec_encode(&spec);
		if (!*out)
			rc = err_set(KM_EIO, "job %ld: its payload cannot be encoded", job.id);
	}
done:
	json_decref(bundle);
	json_decref(requests);
	db_bisection_release(&bisection);
	db_job_info_release(&job);
	db_run_release(&run);
	db_config_release(&cfg);
	return rc;
}

int sched_claim(struct server *s, struct db *db, long worker_id, const char *const *kinds, json_t **job)
{
	struct db_job *jobs = NULL;
	size_t n = 0, pick;
	char lease[33];
	int64_t expires = 0;
	long job_id = 0, run_id = 0;
	int rc;

	*job = NULL;
	rc = digest_random_hex(lease, 16);
	if (rc)
		return rc;
	/*
	 * The choice (the nearest config among hundreds) is made outside the
	 * write transaction, so claims do not hold up every other writer; the
	 * lease then takes the job only if it is still queued.
	 */
	for (int tries = 0; tries < 4; tries++) {
		rc = db_jobs_queued(db, kinds, 500, &jobs, &n);
		if (rc || n == 0)
			break;
		pick = pick_job(db, worker_id, jobs, n);
		job_id = jobs[pick].id;
		run_id = jobs[pick].run_id;
		db_jobs_free(jobs, n);
		jobs = NULL;
		n = 0;
		rc = db_begin(db);
		if (rc)
			return rc;
		rc = sweep_locked(s, db);
		expires = (int64_t)time(NULL) + s->cfg->lease_s;
		if (!rc)
			rc = db_job_lease(db, job_id, worker_id, lease, expires);
		if (!rc)
			rc = sched_advance(s, db, run_id);
		if (!rc) {
			rc = db_commit(db);
			break;
		}
		db_rollback(db);
		if (rc != KM_ECONFLICT)
			return rc;
		job_id = 0; /* another worker took it meanwhile: choose again */
		rc = 0;
	}
	db_jobs_free(jobs, n);
	if (rc || !job_id)
		return rc;
	log_info("job=%ld run=%ld worker=%ld leased until=%lld", job_id, run_id, worker_id, (long long)expires);
	return job_payload(db, job_id, lease, expires, s->cfg->lease_s, job);
}

int sched_extend(struct server *s, struct db *db, long worker_id, long job_id, const char *lease, int64_t *expires)
{
	int rc;

	*expires = (int64_t)time(NULL) + s->cfg->lease_s;
	rc = db_begin(db);
	if (rc)
		return rc;
	rc = db_job_extend(db, job_id, worker_id, lease, *expires);
	if (rc) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

int sched_cancel(struct server *s, struct db *db, long run_id)
{
	struct db_run run;
	int rc = db_begin(db);

	if (rc)
		return rc;
	rc = db_run_get(db, run_id, &run);
	if (!rc) {
		rc = db_run_cancel(db, run_id, "cancelled by an administrator");
		db_run_release(&run);
	}
	if (rc) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

int sched_revoke_worker(struct server *s, struct db *db, const char *name, long *worker_id, int *requeued)
{
	void *ctx[2] = { s, db };
	int errored = 0;
	int rc = db_begin(db);

	*requeued = 0;
	if (rc)
		return rc;
	return commit_and_notify(db, db_worker_revoke(db, name, worker_id, requeued, &errored, advance_cb, ctx));
}

