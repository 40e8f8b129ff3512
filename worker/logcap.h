/* Stores a possibly huge build log within a byte budget: head, error lines, tail. */
#ifndef KM_LOGCAP_H
#define KM_LOGCAP_H

#include <stddef.h>

#define LOGCAP_HEAD_DEFAULT   (4u << 20)
#define LOGCAP_ERRORS_DEFAULT (4u << 20)
#define LOGCAP_TAIL_DEFAULT   (8u << 20)
/* The one marker line before the tail is the only thing outside the three budgets. */
#define LOGCAP_MARKER_MAX 160

struct logcap;

/*
 * Creates (or truncates) the file at path and returns a writer in *out (the
 * caller closes it with logcap_close()). The file receives:
 *   - the head: the first whole lines, at most head_max bytes;
 *   - then, from what does not fit, the lines buildlog_line_is_error() flags
 *     with a line before and two after, at most errors_max bytes together with
 *     the "[kmatrix: N lines (X) omitted here ...]" markers between them;
 *   - a marker line, and the tail: the last whole lines, at most tail_max bytes
 *     plus what the head left unused.
 * A log of at most head_max + tail_max bytes is stored byte for byte; the
 * stored size never exceeds head_max + errors_max + tail_max + LOGCAP_MARKER_MAX.
 * Memory use is at most head_max (one unfinished line) + max(tail_max, 64 KiB)
 * in the usual case, head_max + tail_max when the head ends at a huge line.
 * Returns 0, KM_EINVAL for a NULL path, or KM_EIO if the file cannot be created.
 */
int logcap_open(const char *path, size_t head_max, size_t errors_max, size_t tail_max, struct logcap **out);

/* Appends len bytes (any split of the log, any bytes). Returns 0 or KM_EIO, which is then sticky. */
int logcap_write(struct logcap *lc, const char *data, size_t len);

/*
 * Writes the tail, closes the file and frees lc. Stores the bytes received in
 * *total_bytes and the bytes written to the file in *stored_bytes (either may
 * be NULL). Accepts a NULL lc (both counts 0). Returns 0 or KM_EIO.
 */
int logcap_close(struct logcap *lc, unsigned long long *total_bytes, unsigned long long *stored_bytes);

#endif
