/* Directory creation and whole-file writes with errors that name the path. */
#include "fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

int fs_read_file(const char *path, size_t max, char **data, size_t *len)
{
	struct stat st;
	char *p = NULL;
	size_t n = 0;
	int fd, rc = 0;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return err_set(KM_ENOTFOUND, "%s: not found", path);
		return err_set(KM_EIO, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = err_set(KM_EIO, "%s: not a regular file", path);
		goto done;
	}
	if ((unsigned long long)st.st_size > max) {
		rc = err_set(KM_ETOOBIG, "%s: larger than %zu bytes", path, max);
		goto done;
	}
	p = xmalloc(max + 2);
	for (;;) {
		ssize_t r = read(fd, p + n, max + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = err_set(KM_EIO, "%s: %s", path, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = err_set(KM_ETOOBIG, "%s: larger than %zu bytes", path, max);
			goto done;
		}
	}
	p[n] = '\0';
	*data = p;
	*len = n;
	p = NULL;
done:
	free(p);
	close(fd);
	return rc;
}

int fs_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return err_set(KM_EIO, "cannot open %s: %s", dir, strerror(errno));
	if (fsync(fd) != 0)
		rc = err_set(KM_EIO, "cannot sync %s: %s", dir, strerror(errno));
	close(fd);
	return rc;
}
