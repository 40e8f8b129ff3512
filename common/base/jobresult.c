/* A finished job's result as the protocol carries it: the worker's encoder and the server's decoder. */
#include "jobresult.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "validate.h"
#include "xalloc.h"

/* Sets key to a copy of s, unless s is NULL. */
static void put_str(json_t *o, const char *key, const char *s)
{
	if (s)
		json_object_set_new(o, key, json_string(s));
}

/* Sets key to v (one more reference), unless v is NULL. */
static void put_json(json_t *o, const char *key, json_t *v)
{
	if (v)
		json_object_set(o, key, v);
}

static void encode_build(json_t *o, const struct job_result *r)
{
	json_object_set_new(o, "cpu_s", json_real(r->cpu_s));
	json_object_set_new(o, "ccache", json_pack("{s:I,s:I,s:I}", "hits", (json_int_t)r->ccache_hits, "misses",
						   (json_int_t)r->ccache_misses, "remote_hits",
						   (json_int_t)r->ccache_remote_hits));
	json_object_set_new(o, "warnings", json_integer((json_int_t)r->warnings));
	json_object_set_new(o, "log_lines", json_integer((json_int_t)r->log_lines));
	put_str(o, "make_cmd", r->make_cmd);
	put_json(o, "errors", r->errors);
	put_json(o, "modules", r->modules);
	if (r->unchanged_since > 0)
		json_object_set_new(o, "unchanged_since", json_integer((json_int_t)r->unchanged_since));
}

json_t *job_result_encode(enum job_kind kind, const struct job_result *r)
{
	json_t *o = json_pack("{s:s,s:s,s:f}", "lease", r->lease ? r->lease : "", "status",
			      job_status_name(r->status), "wall_s", r->wall_s);

	if (!o)
		return NULL;
	put_str(o, "message", r->message);
	if (r->retryable)
		json_object_set_new(o, "retryable", json_true());
	switch (kind) {
	case JOB_CONFIGURE:
		put_str(o, "commit", r->commit);
		put_str(o, "subject", r->subject);
		put_str(o, "author_name", r->author_name);
		put_str(o, "author_email", r->author_email);
		put_json(o, "configs", r->configs);
		put_json(o, "requests", r->requests);
		break;
	case JOB_BUILD:
		encode_build(o, r);
		break;
	case JOB_BOOT:
		json_object_set_new(o, "warnings", json_integer((json_int_t)r->warnings));
		put_json(o, "details", r->details);
		put_json(o, "ownership", r->ownership);
		break;
	case JOB_BISECT:
		if (r->walk) {
			put_json(o, "walk", r->walk);
			break;
		}
		encode_build(o, r);
		put_json(o, "boot", r->boot);
		break;
	case JOB_KIND_COUNT:
		break;
	}
	return o;
}

/* A string member of at most max bytes into *out (a copy; absent or null: NULL). */
static int get_str(const json_t *o, const char *key, size_t max, char **out)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) > max)
		return err_set(KM_EINVAL, "'%s' must be a string of at most %zu bytes", key, max);
	*out = xstrdup(json_string_value(v));
	return 0;
}

/* A number member into *out (absent: untouched). */
static int get_num(const json_t *o, const char *key, double *out)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_number(v))
		return err_set(KM_EINVAL, "'%s' must be a number", key);
	*out = json_number_value(v);
	return 0;
}

/* A non-negative integer member into *out (absent: untouched). */
static int get_count(const json_t *o, const char *key, long *out)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return err_set(KM_EINVAL, "'%s' must be a non-negative integer", key);
	*out = (long)json_integer_value(v);
	return 0;
}

/* An array member into *out (one more reference; absent: NULL). */
static int get_array(const json_t *o, const char *key, json_t **out)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_array(v))
		return err_set(KM_EINVAL, "'%s' must be an array", key);
	*out = json_incref(v);
	return 0;
}

int job_result_decode_head(const json_t *body, struct job_result *r)
{
	const json_t *status;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(body))
		return err_set(KM_EINVAL, "result must be a JSON object");
	status = json_object_get(body, "status");
	rc = get_str(body, "lease", 64, &r->lease);
	if (rc || !r->lease)
		return err_set(KM_EINVAL, "result needs the 'lease' it was done under");
	if (!job_status_parse(json_string_value(status), &r->status) || !job_status_reportable(r->status))
		return err_set(KM_EINVAL, "'status' must be PASS, FAIL or ERROR (SKIP and MISS are the server's)");
	if (get_str(body, "message", 4096, &r->message))
		return err_set(KM_EINVAL, "'message' must be a string of at most 4096 bytes");
	r->retryable = json_is_true(json_object_get(body, "retryable"));
	return get_num(body, "wall_s", &r->wall_s);
}

/*
 * Each element of arr is an object whose keys[0..first_optional) are strings
 * of at most max bytes and whose other keys are strings or null.
 */
static int check_items(const char *name, const json_t *arr, const char *const *keys, const size_t *max, size_t nkeys,
		       size_t first_optional)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e) {
		if (!json_is_object(e))
			return err_set(KM_EINVAL, "%s[%zu] must be an object", name, i);
		for (size_t k = 0; k < nkeys; k++) {
			const json_t *v = json_object_get(e, keys[k]);

			/* Optional keys may be null or absent; one too long is dropped when recorded. */
			if (k >= first_optional) {
				if (v && !json_is_null(v) && !json_is_string(v))
					return err_set(KM_EINVAL, "%s[%zu].%s must be a string or null", name, i, keys[k]);
				continue;
			}
			if (!json_is_string(v) || json_string_length(v) > max[k])
				return err_set(KM_EINVAL, "%s[%zu].%s must be a string of at most %zu bytes", name, i,
					       keys[k], max[k]);
		}
	}
	return 0;
}

static int decode_configure(const json_t *body, struct job_result *r)
{
	size_t i;
	json_t *c;
	int rc;

	if (get_str(body, "commit", 64, &r->commit) || (r->commit && !validate_commit(r->commit, false)))
		return err_set(KM_EINVAL, "'commit' must be a full commit id (40 or 64 lower-case hex digits)");
	rc = get_str(body, "subject", 1024, &r->subject);
	if (!rc)
		rc = get_str(body, "author_name", 256, &r->author_name);
	if (!rc)
		rc = get_str(body, "author_email", 256, &r->author_email);
	if (rc || r->status != STATUS_PASS)
		return rc;
	if (get_array(body, "configs", &r->configs) || get_array(body, "requests", &r->requests) || !r->configs ||
	    !r->requests)
		return err_set(KM_EINVAL, "configure result needs 'configs' and 'requests' arrays");
	json_array_foreach(r->configs, i, c) {
		const json_t *hash = json_object_get(c, "hash"), *point = json_object_get(c, "point");
		const json_t *text = json_object_get(c, "text");

		if (!json_is_string(hash) || json_string_length(hash) > 64 || !json_is_string(point) ||
		    json_string_length(point) > 15 || !json_is_string(text) ||
		    json_string_length(text) > JOB_RESULT_MAX_CONFIG_TEXT)
			return err_set(KM_EINVAL, "configs[%zu]: needs 'hash', 'text' (at most %d bytes) and a y/m/n 'point'",
				       i, JOB_RESULT_MAX_CONFIG_TEXT);
	}
	json_array_foreach(r->requests, i, c) {
		const json_t *hash = json_object_get(c, "hash");

		if (!json_is_integer(json_object_get(c, "idx")) || !json_is_string(hash) || json_string_length(hash) > 64)
			return err_set(KM_EINVAL, "requests[%zu]: needs 'idx' and 'hash'", i);
	}
	return 0;
}

/* A build's "modules": absent, or an array of module names. */
static int check_modules(const json_t *modules)
{
	size_t i;
	json_t *e;

	if (json_array_size(modules) > 8192)
		return err_set(KM_EINVAL, "'modules' must be an array of at most 8192 module names");
	json_array_foreach(modules, i, e) {
		if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 64)
			return err_set(KM_EINVAL, "modules[%zu] must be a module name of 1 to 64 bytes", i);
	}
	return 0;
}

static int decode_build(const json_t *body, struct job_result *r)
{
	static const char *const keys[] = { "signature", "type", "message", "symbol", "file", "first_lines" };
	static const size_t max[] = { 1024, 64, 4096, 1024, 1024, 8192 };
	const json_t *ccache = json_object_get(body, "ccache");
	const json_t *unchanged = json_object_get(body, "unchanged_since");
	int rc = get_num(body, "cpu_s", &r->cpu_s);

	if (!rc && ccache && !json_is_object(ccache))
		rc = err_set(KM_EINVAL, "'ccache' must be an object");
	if (!rc)
		rc = get_count(ccache, "hits", &r->ccache_hits);
	if (!rc)
		rc = get_count(ccache, "misses", &r->ccache_misses);
	if (!rc)
		rc = get_count(ccache, "remote_hits", &r->ccache_remote_hits);
	if (!rc)
		rc = get_count(body, "warnings", &r->warnings);
	if (!rc)
		rc = get_count(body, "log_lines", &r->log_lines);
	if (!rc)
		rc = get_str(body, "make_cmd", 4096, &r->make_cmd);
	if (!rc)
		rc = get_array(body, "errors", &r->errors);
	if (!rc)
		rc = check_items("errors", r->errors, keys, max, 6, 3);
	if (!rc && get_array(body, "modules", &r->modules))
		rc = err_set(KM_EINVAL, "'modules' must be an array of at most 8192 module names");
	if (!rc)
		rc = check_modules(r->modules);
	if (!rc && unchanged) {
		if (!json_is_integer(unchanged) || json_integer_value(unchanged) <= 0)
			return err_set(KM_EINVAL, "'unchanged_since' must be the id of an earlier build job");
		r->unchanged_since = (long)json_integer_value(unchanged);
	}
	return rc;
}

static int decode_boot(const json_t *body, struct job_result *r)
{
	static const char *const keys[] = { "range", "role", "owner", "evidence" };
	static const size_t max[] = { 128, 32, 32, 4096 };
	json_t *details = json_object_get(body, "details");
	int rc = get_count(body, "warnings", &r->warnings);

	if (!rc)
		rc = get_array(body, "ownership", &r->ownership);
	if (!rc)
		rc = check_items("ownership", r->ownership, keys, max, 4, 3);
	if (!rc && details) {
		if (!json_is_object(details) || json_dumpb(details, NULL, 0, JSON_COMPACT) > 1024 * 1024)
			return err_set(KM_ETOOBIG, "'details' must be an object of at most 1 MiB");
		r->details = json_incref(details);
	}
	return rc;
}

/* A boot bisection step's "boot": {status, message, ownership}. */
static int check_step_boot(const json_t *boot)
{
	const json_t *msg = json_object_get(boot, "message"), *owners = json_object_get(boot, "ownership"), *o;
	enum job_status st;
	size_t i;

	if (!json_is_object(boot) || !job_status_parse(json_string_value(json_object_get(boot, "status")), &st) ||
	    !job_status_reportable(st))
		return err_set(KM_EINVAL, "'boot' must be an object whose 'status' is PASS, FAIL or ERROR");
	if (msg && (!json_is_string(msg) || json_string_length(msg) > 4096))
		return err_set(KM_EINVAL, "'boot.message' must be a string of at most 4096 bytes");
	if (owners && (!json_is_array(owners) || json_array_size(owners) > 64))
		return err_set(KM_EINVAL, "'boot.ownership' must be an array of at most 64 ranges");
	json_array_foreach(owners, i, o) {
		const char *role = json_string_value(json_object_get(o, "role"));
		const char *owner = json_string_value(json_object_get(o, "owner"));

		if (!role || !owner || strlen(role) > 32 || strlen(owner) > 32)
			return err_set(KM_EINVAL, "boot.ownership[%zu]: needs 'role' and 'owner' (at most 32 bytes each)", i);
	}
	return 0;
}

/* A bisection's walk: {good, ancestor, commits [{id, subject, author}]}. */
static int check_walk(const json_t *walk)
{
	const json_t *commits = json_object_get(walk, "commits"), *c;
	size_t i;

	if (!json_is_object(walk))
		return err_set(KM_EINVAL, "'walk' must be an object");
	if (!validate_commit(json_string_value(json_object_get(walk, "good")), false))
		return err_set(KM_EINVAL, "'walk.good' must be a full commit id");
	if (!json_is_array(commits) || json_array_size(commits) > JOB_RESULT_MAX_WALK_COMMITS)
		return err_set(KM_EINVAL, "'walk.commits' must be an array of at most %d commits", JOB_RESULT_MAX_WALK_COMMITS);
	json_array_foreach(commits, i, c) {
		const char *subject = json_string_value(json_object_get(c, "subject"));
		const char *author = json_string_value(json_object_get(c, "author"));

		if (!validate_commit(json_string_value(json_object_get(c, "id")), false) ||
		    (subject && strlen(subject) > 1024) || (author && strlen(author) > 256))
			return err_set(KM_EINVAL,
				       "walk.commits[%zu]: needs a full commit 'id' (subject at most 1024 bytes, author 256)",
				       i);
	}
	return 0;
}

static int decode_bisect(const json_t *body, struct job_result *r)
{
	json_t *walk = json_object_get(body, "walk"), *boot = json_object_get(body, "boot");
	int rc;

	if (walk) {
		rc = check_walk(walk);
		if (!rc)
			r->walk = json_incref(walk);
		return rc;
	}
	rc = decode_build(body, r);
	if (!rc && boot) {
		rc = check_step_boot(boot);
		if (!rc)
			r->boot = json_incref(boot);
	}
	return rc;
}

int job_result_decode_body(const json_t *body, enum job_kind kind, struct job_result *r)
{
	switch (kind) {
	case JOB_CONFIGURE:
		return decode_configure(body, r);
	case JOB_BUILD:
		return decode_build(body, r);
	case JOB_BOOT:
		return decode_boot(body, r);
	case JOB_BISECT:
		return decode_bisect(body, r);
	case JOB_KIND_COUNT:
		break;
	}
	return err_set(KM_EINVAL, "unknown job kind %d", (int)kind);
}

int job_result_decode(const json_t *body, enum job_kind kind, struct job_result *r)
{
	int rc = job_result_decode_head(body, r);

	return rc ? rc : job_result_decode_body(body, kind, r);
}

void job_result_release(struct job_result *r)
{
	char *strings[] = { r->lease, r->message, r->commit, r->subject, r->author_name, r->author_email, r->make_cmd };
	json_t *members[] = { r->configs, r->requests, r->errors, r->modules, r->details, r->ownership, r->walk, r->boot };

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		free(strings[i]);
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		json_decref(members[i]);
	memset(r, 0, sizeof(*r));
}
