/* The artifact store: where a job's files live under the data directory, storing an upload, reading one back. */
#ifndef KM_ARTIFACTS_H
#define KM_ARTIFACTS_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* "artifacts/run-R/job-J": a job's directory, relative to the data directory. Returns the caller's string. */
char *artifacts_job_dir(long run_id, long job_id);

/* The absolute path of a stored path (relative to data_dir, or already absolute). Returns the caller's string. */
char *artifacts_path(const char *data_dir, const char *stored);

/*
 * Moves a spooled upload into the job's directory as NAME and records it
 * (path, size, digest) in the caller's write transaction. The directory
 * entry is synced before the row is written, so a recorded artifact
 * survives a power loss.
 */
int artifacts_store(struct db *db, const char *data_dir, long run_id, long job_id, const char *name,
		    const char *spooled, int64_t size, const char *sha256);

/*
 * The content of a job's artifact, at most max bytes, NUL-terminated; *len
 * (may be NULL) its length. NULL when the job has no such artifact or its
 * file cannot be read; the error is cleared, as every caller treats a
 * missing artifact as "not there".
 */
char *artifacts_read(struct db *db, const char *data_dir, long job_id, const char *name, size_t max, size_t *len);

#endif
