/* Writes cpio newc archives (initramfs images) without root and without external tools. */
#include "cpio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "xalloc.h"

#define NEWC_MAGIC "070701"
#define NEWC_HEADER_LEN 110

struct cpio_writer {
	FILE *f;
	char *path;
	int error; /* first error, sticky */
	char error_msg[256];
	unsigned long ino;
	size_t count;
	/* Names already written: open addressing, power-of-two capacity. */
	char **names;
	bool *is_dir;
	size_t nnames, cap;
};

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Index of name's slot: where it is, or the empty slot where it would go. */
static size_t name_slot(const struct cpio_writer *w, const char *name)
{
	size_t i = (size_t)hash_name(name) & (w->cap - 1);

	while (w->names[i] && strcmp(w->names[i], name) != 0)
		i = (i + 1) & (w->cap - 1);
	return i;
}

static void name_insert(struct cpio_writer *w, const char *name, bool is_dir)
{
	size_t i;

	if ((w->nnames + 1) * 2 > w->cap) {
		char **old = w->names;
		bool *old_dir = w->is_dir;
		size_t old_cap = w->cap;

		w->cap = old_cap ? old_cap * 2 : 256;
		w->names = xcalloc(w->cap, sizeof(*w->names));
		w->is_dir = xcalloc(w->cap, sizeof(*w->is_dir));
		for (size_t j = 0; j < old_cap; j++) {
			if (old[j]) {
				size_t k = name_slot(w, old[j]);

				w->names[k] = old[j];
				w->is_dir[k] = old_dir[j];
			}
		}
		free(old);
		free(old_dir);
	}
	i = name_slot(w, name);
	w->names[i] = xstrdup(name);
	w->is_dir[i] = is_dir;
	w->nnames++;
}

/* 1: a directory of that name exists, 0: another entry does, -1: none. */
static int name_lookup(const struct cpio_writer *w, const char *name)
{
	size_t i;

	if (!w->cap)
		return -1;
	i = name_slot(w, name);
	if (!w->names[i])
		return -1;
	return w->is_dir[i] ? 1 : 0;
}

/* Records the first error for good: after a failed write the archive is corrupt. */
static int fail(struct cpio_writer *w, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct cpio_writer *w, int code, const char *fmt, ...)
{
	va_list ap;

	if (!w->error) {
		w->error = code;
		va_start(ap, fmt);
		vsnprintf(w->error_msg, sizeof(w->error_msg), fmt, ap);
		va_end(ap);
	}
	return err_set(w->error, "%s", w->error_msg);
}

static int write_bytes(struct cpio_writer *w, const void *p, size_t n)
{
	if (w->error)
		return err_set(w->error, "%s", w->error_msg);
	if (n && fwrite(p, 1, n, w->f) != n)
		return fail(w, KM_EIO, "%s: write failed: %s", w->path, strerror(errno));
	return 0;
}

static int write_pad(struct cpio_writer *w, size_t len)
{
	static const char zeros[4];
	size_t pad = (4 - (len & 3)) & 3;

	return write_bytes(w, zeros, pad);
}

/* Header + name + padding; the caller writes filesize bytes of data and their padding. */
static int write_header(struct cpio_writer *w, const char *name, unsigned mode, unsigned nlink,
			unsigned long long filesize, unsigned rmajor, unsigned rminor)
{
	char hdr[NEWC_HEADER_LEN + 1];
	size_t namesize = strlen(name) + 1;
	int n;

	n = snprintf(hdr, sizeof(hdr), "%s%08lX%08X%08X%08X%08X%08X%08llX%08X%08X%08X%08X%08zX%08X",
		     NEWC_MAGIC, w->ino++, mode, 0u, 0u, nlink, 0u, filesize, 0u, 0u, rmajor, rminor,
		     namesize, 0u);
	if (n != NEWC_HEADER_LEN)
		return fail(w, KM_EINVAL, "%s: header overflow for %s", w->path, name);
	if (write_bytes(w, hdr, NEWC_HEADER_LEN) || write_bytes(w, name, namesize))
		return w->error;
	w->count++;
	return write_pad(w, NEWC_HEADER_LEN + namesize);
}

/* Copies name without leading '/' into a new string, or NULL if it is not a clean relative path. */
static char *clean_name(const char *name)
{
	const char *p;
	size_t len;

	while (*name == '/')
		name++;
	len = strlen(name);
	if (len == 0 || len > CPIO_MAX_NAME || name[len - 1] == '/')
		return NULL;
	p = name;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t clen = slash ? (size_t)(slash - p) : strlen(p);

		if (clen == 0 || (clen == 1 && p[0] == '.') || (clen == 2 && p[0] == '.' && p[1] == '.'))
			return NULL;
		if (!slash)
			break;
		p = slash + 1;
	}
	return xstrdup(name);
}

/* Writes a directory entry for every missing ancestor of name, shortest first. */
static int ensure_parents(struct cpio_writer *w, char *name)
{
	for (char *s = strchr(name, '/'); s; s = strchr(s + 1, '/')) {
		int have;

		*s = '\0';
		have = name_lookup(w, name);
		if (have == 0) {
			int rc = err_set(KM_EINVAL, "cpio: '%s' is not a directory", name);

			*s = '/';
			return rc;
		}
		if (have < 0) {
			if (write_header(w, name, S_IFDIR | 0755, 2, 0, 0, 0)) {
				*s = '/';
				return w->error;
			}
			name_insert(w, name, true);
		}
		*s = '/';
	}
	return 0;
}

/* Validates the name and writes the parents; *clean is the normalized name the caller frees. */
static int begin_entry(struct cpio_writer *w, const char *name, bool is_dir, char **clean)
{
	int have;

	*clean = NULL;
	if (w->error)
		return err_set(w->error, "%s", w->error_msg);
	*clean = clean_name(name);
	if (!*clean)
		return err_set(KM_EINVAL, "cpio: bad entry name '%.200s'", name);
	have = name_lookup(w, *clean);
	if (have == 1 && is_dir)
		return 1; /* the directory is already there */
	if (have >= 0)
		return err_set(KM_EEXISTS, "cpio: '%s' is already in the archive", *clean);
	return ensure_parents(w, *clean);
}

int cpio_open(const char *path, struct cpio_writer **out)
{
	struct cpio_writer *w;
	FILE *f;

	*out = NULL;
	f = fopen(path, "wbe");
	if (!f)
		return err_set(KM_EIO, "%s: %s", path, strerror(errno));
	w = xcalloc(1, sizeof(*w));
	w->f = f;
	w->path = xstrdup(path);
	w->ino = 1;
	*out = w;
	return 0;
}

int cpio_add_dir(struct cpio_writer *w, const char *name, unsigned mode)
{
	char *clean = NULL;
	int rc = begin_entry(w, name, true, &clean);

	if (rc == 1) {
		rc = 0;
		goto done;
	}
	if (rc)
		goto done;
	rc = write_header(w, clean, S_IFDIR | (mode & 07777), 2, 0, 0, 0);
	if (!rc)
		name_insert(w, clean, true);
done:
	free(clean);
	return rc;
}

/* An entry whose contents are in memory: a regular file's data or a symlink's target. */
static int add_inline(struct cpio_writer *w, const char *name, unsigned mode, const void *data, size_t len)
{
	char *clean = NULL;
	int rc = begin_entry(w, name, false, &clean);

	if (!rc)
		rc = write_header(w, clean, mode, 1, len, 0, 0);
	if (!rc)
		rc = write_bytes(w, data, len);
	if (!rc)
		rc = write_pad(w, len);
	if (!rc)
		name_insert(w, clean, false);
	free(clean);
	return rc;
}

int cpio_add_data(struct cpio_writer *w, const char *name, unsigned mode, const void *data, size_t len)
{
	if ((unsigned long long)len > CPIO_MAX_FILE)
		return err_set(KM_ETOOBIG, "cpio: '%.200s' is too large for newc", name);
	return add_inline(w, name, S_IFREG | (mode & 07777), data, len);
}

int cpio_add_file(struct cpio_writer *w, const char *name, unsigned mode, const char *src)
{
	char *clean = NULL;
	char chunk[65536];
	struct stat st;
	unsigned long long left;
	int fd = -1;
	int rc;

	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(KM_ENOTFOUND, "%s: not found", src);
		return err_set(KM_EIO, "%s: %s", src, strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		rc = err_set(KM_EIO, "%s: %s", src, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = err_set(KM_EINVAL, "%s: not a regular file", src);
		goto done;
	}
	if ((unsigned long long)st.st_size > CPIO_MAX_FILE) {
		rc = err_set(KM_ETOOBIG, "%s: too large for newc", src);
		goto done;
	}
	if (mode == 0)
		mode = st.st_mode;
	rc = begin_entry(w, name, false, &clean);
	if (rc)
		goto done;
	rc = write_header(w, clean, S_IFREG | (mode & 07777), 1, (unsigned long long)st.st_size, 0, 0);
	left = (unsigned long long)st.st_size;
	while (!rc && left > 0) {
		size_t want = left < sizeof(chunk) ? (size_t)left : sizeof(chunk);
		ssize_t n = read(fd, chunk, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* The file shrank or failed under us: the header already promised st_size bytes. */
			rc = fail(w, KM_EIO, "%s: short read (%s)", src,
				  n < 0 ? strerror(errno) : "file shrank");
			break;
		}
		rc = write_bytes(w, chunk, (size_t)n);
		left -= (unsigned long long)n;
	}
	if (!rc)
		rc = write_pad(w, (size_t)(st.st_size & 3));
	if (!rc)
		name_insert(w, clean, false);
done:
	if (fd >= 0)
		close(fd);
	free(clean);
	return rc;
}

int cpio_add_symlink(struct cpio_writer *w, const char *name, const char *target)
{
	size_t len = strlen(target);

	if (len == 0 || len > 4095)
		return err_set(KM_EINVAL, "cpio: bad symlink target for '%.200s'", name);
	return add_inline(w, name, S_IFLNK | 0777, target, len);
}

int cpio_add_chardev(struct cpio_writer *w, const char *name, unsigned mode, unsigned major, unsigned minor)
{
	char *clean = NULL;
	int rc = begin_entry(w, name, false, &clean);

	if (rc)
		goto done;
	rc = write_header(w, clean, S_IFCHR | (mode & 07777), 1, 0, major, minor);
	if (!rc)
		name_insert(w, clean, false);
done:
	free(clean);
	return rc;
}

size_t cpio_count(const struct cpio_writer *w)
{
	return w->count;
}

static void writer_free(struct cpio_writer *w)
{
	for (size_t i = 0; i < w->cap; i++)
		free(w->names[i]);
	free(w->names);
	free(w->is_dir);
	free(w->path);
	free(w);
}

int cpio_close(struct cpio_writer *w)
{
	int rc;

	if (!w)
		return 0;
	if (!w->error)
		write_header(w, "TRAILER!!!", 0, 1, 0, 0, 0);
	if (fclose(w->f) != 0 && !w->error)
		fail(w, KM_EIO, "%s: close failed: %s", w->path, strerror(errno));
	rc = w->error;
	if (rc)
		err_set(rc, "%s", w->error_msg);
	writer_free(w);
	return rc;
}

void cpio_abort(struct cpio_writer *w)
{
	if (!w)
		return;
	fclose(w->f);
	unlink(w->path);
	writer_free(w);
}
