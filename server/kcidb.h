/* The KCIDB I/O v5.3 export of a run: what other kernel CI systems and KCIDB itself read. */
#ifndef KM_KCIDB_H
#define KM_KCIDB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct db;

#define KCIDB_EXCERPT_MAX 16384 /* log_excerpt: characters (the schema's maxLength) */

struct kcidb_opts {
	const char *origin;     /* [a-z0-9_]+, e.g. "kmatrix": the first part of every id */
	const char *public_url; /* base of every URL in the document (no trailing '/') */
	const char *data_dir;   /* where artifact files are stored (paths in the database are relative to it) */
};

/*
 * The run as one KCIDB document {"version":{"major":5,"minor":3},
 * "checkouts","builds","tests","issues","incidents"}: one checkout, one build
 * per config whose build job finished, a test per finished boot (path
 * "boot.VARIANT") and per Soft Reserved range it reported
 * ("cxl_dax_hmem.owner.ROLE"), an issue per primary error signature and an
 * incident per build it hits. Ids are "ORIGIN:run-N", "ORIGIN:build-JOB",
 * "ORIGIN:boot-JOB", "ORIGIN:boot-JOB.range-RANGE", "ORIGIN:sig-N",
 * "ORIGIN:sig-N.build-JOB", so an export of the same run gives the same ids.
 * No value is null and every string is valid UTF-8 without control
 * characters other than newline and tab. A run that is not finished exports
 * what is final and says so in the checkout's misc ("complete": false).
 * Returns 0 with *out the caller's; KM_ENOTFOUND for an unknown run,
 * KM_EINVAL for a bad origin, KM_EIO.
 */
int kcidb_export(struct db *db, const struct kcidb_opts *o, long run_id, json_t **out);

/* Whether origin is a valid KCIDB origin name: [a-z0-9_]+, at most 64 characters. */
bool kcidb_origin_ok(const char *origin);

/*
 * Outside text made fit for KCIDB: invalid UTF-8 becomes U+FFFD, control
 * characters (NUL included) other than newline and tab are removed, CRLF
 * becomes a newline; at most max_chars characters, never cutting one.
 * Returns the caller's string. Exposed for tests.
 */
char *kcidb_clean(const char *s, size_t len, size_t max_chars);

/*
 * Drops every null member and array element of v (recursively) and cleans
 * every string with kcidb_clean(): the last pass over a document.
 */
void kcidb_scrub(json_t *v);

#endif
