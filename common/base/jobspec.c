/* A claimed job as the protocol carries it: the server's encoder and the worker's decoder of a claim's payload. */
#include "jobspec.h"

#include <stdbool.h>
#include <string.h>

#include "err.h"

static const char *const bisect_op_names[] = { [BISECT_WALK] = "walk", [BISECT_STEP] = "step" };

static json_t *config_encode(const struct job_spec *s)
{
	return json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)s->config.id, "hash", s->config.hash, "point",
			 s->config.point, "text", s->config.text);
}

static json_t *bisect_encode(const struct job_spec *s)
{
	json_t *b;

	if (s->bisect.op == BISECT_NONE)
		return NULL;
	if (s->bisect.op == BISECT_WALK)
		return json_pack("{s:s,s:I,s:s,s:s,s:I}", "op", bisect_op_names[BISECT_WALK], "bisection",
				 (json_int_t)s->bisect.bisection, "good", s->bisect.good, "head", s->bisect.head,
				 "max_commits", (json_int_t)s->bisect.max_commits);
	b = json_pack("{s:s,s:I,s:I,s:I}", "op", bisect_op_names[BISECT_STEP], "bisection",
		      (json_int_t)s->bisect.bisection, "position", (json_int_t)s->bisect.position, "of",
		      (json_int_t)s->bisect.of);
	if (b && s->bisect.boot_variant)
		json_object_set_new(b, "boot", json_pack("{s:s}", "variant", s->bisect.boot_variant));
	return b;
}

json_t *job_spec_encode(const struct job_spec *s)
{
	json_t *j = json_pack("{s:I,s:s,s:I,s:{s:s,s:s},s:s,s:o,s:O}", "id", (json_int_t)s->id, "kind",
			      job_kind_name(s->kind), "run_id", (json_int_t)s->run_id, "tree", "name", s->tree_name,
			      "url", s->tree_url, "ref", s->ref, "commit",
			      s->commit ? json_string(s->commit) : json_null(), "matrix", s->matrix);

	if (!j)
		return NULL;
	if (s->kind == JOB_CONFIGURE)
		json_object_set(j, "requests", (json_t *)s->requests);
	else
		json_object_set_new(j, "config", config_encode(s));
	if (s->kind == JOB_BOOT) {
		json_object_set_new(j, "variant", json_string(s->variant));
		json_object_set_new(j, "build_job", json_integer((json_int_t)s->build_job));
	}
	if (s->kind == JOB_BISECT)
		json_object_set_new(j, "bisect", bisect_encode(s));
	return json_pack("{s:o,s:{s:s,s:I,s:I}}", "job", j, "lease", "id", s->lease, "expires_at",
			 (json_int_t)s->lease_expires, "ttl", (json_int_t)s->lease_ttl);
}

/* A string member, or NULL (a JSON null or an absent member too). */
static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static long num(const json_t *o, const char *key)
{
	return (long)json_integer_value(json_object_get(o, key));
}

/* 0 when the payload has what the kind needs, else KM_EINVAL naming it. */
static int need(bool present, const char *what)
{
	return present ? 0 : err_set(KM_EINVAL, "job payload without %s", what);
}

static int bisect_decode(const json_t *b, struct job_spec *s)
{
	const char *op = str(b, "op");
	const json_t *boot = json_object_get(b, "boot");

	s->bisect.bisection = num(b, "bisection");
	if (op && strcmp(op, bisect_op_names[BISECT_WALK]) == 0) {
		s->bisect.op = BISECT_WALK;
		s->bisect.good = str(b, "good");
		s->bisect.head = str(b, "head");
		s->bisect.max_commits = num(b, "max_commits");
		return need(s->bisect.good && s->bisect.head, "the walk's 'good' and 'head' commits");
	}
	if (op && strcmp(op, bisect_op_names[BISECT_STEP]) == 0) {
		s->bisect.op = BISECT_STEP;
		s->bisect.position = num(b, "position");
		s->bisect.of = num(b, "of");
		if (boot)
			s->bisect.boot_variant = str(boot, "variant") ? str(boot, "variant") : "default";
		return need(s->commit != NULL, "the step's 'commit'");
	}
	return err_set(KM_EINVAL, "job payload without a known 'bisect.op'");
}

int job_spec_decode(const json_t *payload, struct job_spec *s)
{
	const json_t *job = json_object_get(payload, "job"), *lease = json_object_get(payload, "lease");
	const json_t *tree = json_object_get(job, "tree"), *config = json_object_get(job, "config");
	int rc;

	memset(s, 0, sizeof(*s));
	s->id = num(job, "id");
	s->lease = str(lease, "id");
	s->lease_expires = (int64_t)json_integer_value(json_object_get(lease, "expires_at"));
	s->lease_ttl = num(lease, "ttl");
	if (s->id <= 0 || !s->lease)
		return err_set(KM_EINVAL, "job payload without id or lease");
	if (!job_kind_parse(str(job, "kind"), &s->kind))
		return err_set(KM_EINVAL, "job payload of an unknown kind '%s'", str(job, "kind") ? str(job, "kind") : "");
	s->run_id = num(job, "run_id");
	s->tree_name = str(tree, "name");
	s->tree_url = str(tree, "url");
	s->ref = str(job, "ref");
	s->commit = str(job, "commit");
	s->matrix = json_object_get(job, "matrix");
	rc = need(s->tree_name && s->tree_url, "the tree's 'name' and 'url'");
	if (!rc)
		rc = need(json_is_object(s->matrix), "the run's 'matrix'");
	if (!rc && s->kind == JOB_CONFIGURE) {
		s->requests = json_object_get(job, "requests");
		rc = need(json_is_array(s->requests), "the 'requests' to configure");
	}
	if (!rc && s->kind != JOB_CONFIGURE) {
		s->config.id = num(config, "id");
		s->config.hash = str(config, "hash");
		s->config.point = str(config, "point");
		s->config.text = str(config, "text");
		rc = need(s->config.hash && s->config.text, "the config's 'hash' and 'text'");
	}
	if (!rc && s->kind == JOB_BOOT) {
		s->variant = str(job, "variant");
		s->build_job = num(job, "build_job");
		rc = need(s->variant && s->build_job > 0, "the boot's 'variant' and 'build_job'");
	}
	if (!rc && s->kind == JOB_BISECT)
		rc = bisect_decode(json_object_get(job, "bisect"), s);
	return rc;
}
