/* Directory creation and whole-file writes with errors that name the path. */
#include "fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "xalloc.h"

int fs_mkdirs(const char *path)
{
	char *copy = xstrdup(path);
	int rc = 0;

	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) != 0 && errno != EEXIST)
			rc = err_set(KM_EIO, "cannot create %s: %s", copy, strerror(errno));
		*p = '/';
		if (rc)
			break;
	}
	if (!rc && mkdir(copy, 0755) != 0 && errno != EEXIST)
		rc = err_set(KM_EIO, "cannot create %s: %s", copy, strerror(errno));
	free(copy);
	return rc;
}

int fs_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (!f)
		return err_set(KM_EIO, "cannot write %s: %s", path, strerror(errno));
	if (len && fwrite(data, 1, len, f) != len)
		rc = err_set(KM_EIO, "cannot write %s: %s", path, strerror(errno));
	if (fclose(f) != 0 && !rc)
		rc = err_set(KM_EIO, "cannot write %s: %s", path, strerror(errno));
	return rc;
}
