/* Small file-system helpers shared by the server and the worker. */
#ifndef KM_FSUTIL_H
#define KM_FSUTIL_H

#include <stddef.h>

/* mkdir -p: creates path and its missing parents (mode 0755). 0 or KM_EIO. */
int fs_mkdirs(const char *path);

/* Writes len bytes to path, replacing it. 0 or KM_EIO. */
int fs_write_file(const char *path, const void *data, size_t len);

/*
 * Reads a regular file of at most max bytes into a new NUL-terminated buffer
 * (*data, the caller frees; *len its length). KM_ENOTFOUND, KM_ETOOBIG
 * (naming the limit) or KM_EIO otherwise, the message naming the path.
 */
int fs_read_file(const char *path, size_t max, char **data, size_t *len);

/* fsync()s a directory, so the names created or renamed in it survive a power loss. */
int fs_sync_dir(const char *dir);

#endif
