/* A claimed job as the protocol carries it: the server's encoder and the worker's decoder of a claim's payload. */
#ifndef KM_JOBSPEC_H
#define KM_JOBSPEC_H

#include <jansson.h>
#include <stdint.h>

#include "jobtypes.h"

enum bisect_op { BISECT_NONE, BISECT_WALK, BISECT_STEP };

/*
 * The payload of a claim, {"job": {...}, "lease": {...}}, typed. Which
 * fields a kind carries:
 *   every job   id, kind, run_id, tree, ref, commit (NULL: the ref's tip), matrix
 *   configure   requests
 *   build       config
 *   boot        config, variant, build_job
 *   bisect      bisect.op; a walk: bisect.good, head, max_commits; a step:
 *               commit, config, bisect.position, of, and boot_variant when
 *               the bisection is of a boot
 */
struct job_spec {
	long id, run_id;
	enum job_kind kind;
	const char *tree_name, *tree_url;
	const char *ref;
	const char *commit;
	const json_t *matrix;   /* the run's matrix bundle (matrix_bundle_parse) */
	const json_t *requests; /* [{"idx", "point"}] */
	struct {
		long id;
		const char *hash, *point, *text;
	} config;
	const char *variant;
	long build_job;         /* the build job whose outputs a boot boots */
	struct {
		enum bisect_op op;
		long bisection;
		const char *good, *head;
		long max_commits;
		long position, of;
		const char *boot_variant;
	} bisect;
	const char *lease;
	int64_t lease_expires;
	long lease_ttl;
};

/* The payload for s (new reference; s's strings and JSON are copied). */
json_t *job_spec_encode(const struct job_spec *s);

/*
 * Reads a payload into *s, its pointers borrowed from payload. 0, or
 * KM_EINVAL naming the field that is missing or of the wrong type for the
 * job's kind. s->id and s->lease are filled first, so a caller can still
 * report a job whose payload is otherwise bad.
 */
int job_spec_decode(const json_t *payload, struct job_spec *s);

#endif
