/* A writer of cpio "newc" archives, the format the Linux kernel unpacks as an initramfs. */
#ifndef KM_CPIO_H
#define KM_CPIO_H

#include <stddef.h>

/*
 * Entries are written with uid/gid 0 and mtime 0, so an archive depends only
 * on what is put in it. Names are relative paths ("bin/busybox"; a leading
 * '/' is dropped); "", "." and ".." components are refused. Missing parent
 * directories are created (mode 0755) before an entry, because the kernel's
 * unpacker does not create them. Each name is written once: a second entry
 * with the same name is KM_EEXISTS, except a directory that already exists
 * (added again: no-op). Writes go to a file opened by cpio_open(); the first
 * I/O error is remembered and returned by every later call and by
 * cpio_close().
 */
struct cpio_writer;

#define CPIO_MAX_NAME 1024	    /* bytes of a name, without the NUL */
#define CPIO_MAX_FILE 0xffffffffULL /* newc stores sizes in 32 bits */

/* Creates (truncates) the archive at path; *out is freed by cpio_close() or cpio_abort(). KM_EIO on error. */
int cpio_open(const char *path, struct cpio_writer **out);

/* A directory; mode holds the permission bits (e.g. 0755). */
int cpio_add_dir(struct cpio_writer *w, const char *name, unsigned mode);

/* A regular file with len bytes of data from memory. */
int cpio_add_data(struct cpio_writer *w, const char *name, unsigned mode, const void *data, size_t len);

/*
 * A regular file whose content is read from src (symlinks followed). mode 0
 * keeps src's permission bits. KM_ENOTFOUND when src is missing, KM_EINVAL
 * when it is not a regular file, KM_ETOOBIG over CPIO_MAX_FILE, KM_EIO.
 */
int cpio_add_file(struct cpio_writer *w, const char *name, unsigned mode, const char *src);

/* A symbolic link name -> target (target stored verbatim, may dangle). */
int cpio_add_symlink(struct cpio_writer *w, const char *name, const char *target);

/* A character device node (e.g. "dev/console", 0600, 5, 1). */
int cpio_add_chardev(struct cpio_writer *w, const char *name, unsigned mode, unsigned major, unsigned minor);

/* Number of entries written so far (including implicit parent directories). */
size_t cpio_count(const struct cpio_writer *w);

/*
 * Writes the trailer, flushes and closes the file, frees w (accepts NULL).
 * Returns 0, or the first error met while writing (the file is then
 * incomplete: the caller removes it).
 */
int cpio_close(struct cpio_writer *w);

/* Closes and frees w without a trailer and removes the file (accepts NULL). */
void cpio_abort(struct cpio_writer *w);

#endif
