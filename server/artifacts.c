/* The artifact store: where a job's files live under the data directory, storing an upload, reading one back. */
#include "artifacts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "fsutil.h"
#include "xalloc.h"

char *artifacts_job_dir(long run_id, long job_id)
{
	return xasprintf("artifacts/run-%ld/job-%ld", run_id, job_id);
}

char *artifacts_path(const char *data_dir, const char *stored)
{
	return stored[0] == '/' ? xstrdup(stored) : xasprintf("%s/%s", data_dir, stored);
}

int artifacts_store(struct db *db, const char *data_dir, long run_id, long job_id, const char *name,
		    const char *spooled, int64_t size, const char *sha256)
{
	char *dir = artifacts_job_dir(run_id, job_id);
	char *rel = xasprintf("%s/%s", dir, name);
	char *abs_dir = artifacts_path(data_dir, dir), *path = artifacts_path(data_dir, rel);
	int rc = 0;

	if (rename(spooled, path) != 0)
		rc = err_set(KM_EIO, "cannot store artifact %s of job %ld: %s", name, job_id, strerror(errno));
	if (!rc)
		rc = fs_sync_dir(abs_dir);
	if (!rc)
		rc = db_artifact_put(db, job_id, name, rel, size, sha256);
	free(dir);
	free(rel);
	free(abs_dir);
	free(path);
	return rc;
}

char *artifacts_read(struct db *db, const char *data_dir, long job_id, const char *name, size_t max, size_t *len)
{
	char *stored = NULL, *path, *data = NULL;
	int64_t size = 0;
	size_t n = 0;

	if (len)
		*len = 0;
	if (!job_id || db_artifact_get(db, job_id, name, &stored, &size) != 0) {
		err_clear();
		return NULL;
	}
	path = artifacts_path(data_dir, stored);
	if (fs_read_file(path, max, &data, &n) != 0) {
		err_clear();
		data = NULL;
		n = 0;
	}
	if (len)
		*len = n;
	free(path);
	free(stored);
	return data;
}
