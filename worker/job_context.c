/* What a job runner may ask of the job it runs: whether to stop, and uploading an artifact under its lease. */
#include "worker.h"

#include <sys/stat.h>

#include "client.h"
#include "err.h"
#include "log.h"

bool job_should_stop(const struct job *j)
{
	return j->lease_lost || (j->stop && *j->stop);
}

void job_upload(struct job *j, const char *name, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return;
	if (client_upload(j->client, j->id, j->spec.lease, name, path) != 0)
		log_warn("job=%ld artifact=%s upload failed: %s", j->id, name, err_msg());
}
