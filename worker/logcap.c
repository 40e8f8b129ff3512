/* Size-capped storage of a build log: the head, the error lines of the middle, and the tail. */
#include "logcap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildlog.h"
#include "err.h"
#include "xalloc.h"

/* The ring that yields the tail is also where error lines wait to be kept: never smaller than this. */
#define RING_MIN (64u * 1024)
/* Queued error ranges beyond this are written at once rather than when they leave the ring. */
#define QUEUE_MAX     4096
#define CONTEXT_AFTER 2

/* A run of kept lines, as offsets in the stream, with the number of newlines before each end. */
struct range {
	unsigned long long start, end;
	unsigned long long start_line, end_line;
};

struct logcap {
	FILE *f;
	char *path;
	int err; /* sticky */
	size_t head_max, errors_max, tail_max;
	size_t tail_eff;	   /* tail_max plus what the head left unused */
	unsigned long long total;  /* bytes received */
	unsigned long long stored; /* bytes written */
	unsigned long long lines;  /* newlines seen so far */

	/* Head: whole lines are written while they fit; an unfinished one waits in pend. */
	bool in_head;
	char *pend;
	size_t pend_len, pend_cap;
	unsigned long long head_len;

	/* Middle: the last cap bytes of the stream after the head. */
	char *ring;
	size_t cap;
	unsigned long long mid_start; /* stream offset where the middle starts (a line start) */
	unsigned long long ring_end;  /* stream offset just after the last byte received */
	unsigned long long written;   /* the file holds the stream contiguously up to here */
	unsigned long long written_line;
	bool nl_before_ring; /* the byte before ring_start() was a newline (or the head's end) */

	/* The line being received (its start, and its first bytes to classify). */
	char line[BUILDLOG_LINE_MAX];
	size_t line_len;
	unsigned long long line_start;
	bool have_prev;
	unsigned long long prev_start, prev_line;
	unsigned ctx_after;

	/* Error ranges still inside the ring, in stream order. */
	struct range *q;
	size_t q_head, q_len, q_cap;
	unsigned long long errors_used;
	bool errors_exhausted;
};

static int io_error(struct logcap *lc)
{
	if (!lc->err)
		lc->err = err_set(KM_EIO, "writing %s: %s", lc->path, strerror(errno ? errno : EIO));
	return lc->err;
}

static int put(struct logcap *lc, const void *p, size_t n)
{
	if (lc->err)
		return lc->err;
	if (n && fwrite(p, 1, n, lc->f) != n)
		return io_error(lc);
	lc->stored += n;
	return 0;
}

static unsigned long long ring_start(const struct logcap *lc)
{
	return lc->ring_end - lc->mid_start > lc->cap ? lc->ring_end - lc->cap : lc->mid_start;
}

/* Writes stream bytes [from, to), which must still be in the ring. */
static int put_ring(struct logcap *lc, unsigned long long from, unsigned long long to)
{
	while (from < to) {
		size_t pos = (size_t)(from % lc->cap);
		size_t n = lc->cap - pos;
		int rc;

		if (n > to - from)
			n = (size_t)(to - from);
		rc = put(lc, lc->ring + pos, n);
		if (rc)
			return rc;
		from += n;
	}
	return 0;
}

static void human_size(unsigned long long n, char *out, size_t cap)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1024) {
		snprintf(out, cap, "%llu bytes", n);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(out, cap, "%.1f %s", v, units[u]);
}

static size_t marker(const struct logcap *lc, unsigned long long nlines, unsigned long long nbytes, char *out,
		     size_t cap)
{
	char size[32], budget[32];
	int n;

	human_size(nbytes, size, sizeof(size));
	human_size(lc->errors_max, budget, sizeof(budget));
	if (lc->errors_exhausted)
		n = snprintf(out, cap,
			     "[kmatrix: %llu lines (%s) omitted here; error lines beyond %s omitted too]\n",
			     nlines, size, budget);
	else
		n = snprintf(out, cap, "[kmatrix: %llu lines (%s) omitted here; error lines kept]\n", nlines,
			     size);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Writes one queued range to the error section, with a marker for what was skipped before it. */
static int flush_range(struct logcap *lc, struct range r)
{
	char m[LOGCAP_MARKER_MAX];
	size_t mlen = 0;
	unsigned long long need;

	if (r.start < lc->written) {
		r.start = lc->written;
		r.start_line = lc->written_line;
	}
	if (r.start >= r.end || lc->errors_exhausted)
		return lc->err;
	if (r.start > lc->written)
		mlen = marker(lc, r.start_line - lc->written_line, r.start - lc->written, m, sizeof(m));
	need = (r.end - r.start) + mlen;
	if (lc->errors_used + need > lc->errors_max) {
		lc->errors_exhausted = true;
		lc->q_len = 0;
		lc->q_head = 0;
		return lc->err;
	}
	lc->errors_used += need;
	if (put(lc, m, mlen) || put_ring(lc, r.start, r.end))
		return lc->err;
	lc->written = r.end;
	lc->written_line = r.end_line;
	return 0;
}

static int flush_front(struct logcap *lc)
{
	struct range r = lc->q[lc->q_head];

	lc->q_head++;
	lc->q_len--;
	if (lc->q_len == 0)
		lc->q_head = 0;
	return flush_range(lc, r);
}

/* Keeps [start, end) of the stream (clamped to what the ring and the file allow). */
static int keep(struct logcap *lc, unsigned long long start, unsigned long long start_line,
		unsigned long long end, unsigned long long end_line)
{
	unsigned long long lo = ring_start(lc);
	struct range *last;

	if (lc->errors_exhausted)
		return 0;
	if (start < lo) {
		/* A line longer than the ring: keep what is left of it. */
		start = lo;
	}
	if (start < lc->written) {
		start = lc->written;
		start_line = lc->written_line;
	}
	if (start >= end)
		return 0;
	last = lc->q_len ? &lc->q[lc->q_head + lc->q_len - 1] : NULL;
	if (last && start <= last->end) {
		if (end > last->end) {
			last->end = end;
			last->end_line = end_line;
		}
		return 0;
	}
	if (lc->q_len == QUEUE_MAX) {
		int rc = flush_front(lc);

		if (rc)
			return rc;
	}
	if (lc->q_head + lc->q_len == lc->q_cap) {
		if (lc->q_head > 0) {
			memmove(lc->q, lc->q + lc->q_head, lc->q_len * sizeof(*lc->q));
			lc->q_head = 0;
		} else {
			lc->q_cap = lc->q_cap ? lc->q_cap * 2 : 64;
			lc->q = xrealloc(lc->q, lc->q_cap * sizeof(*lc->q));
		}
	}
	lc->q[lc->q_head + lc->q_len].start = start;
	lc->q[lc->q_head + lc->q_len].start_line = start_line;
	lc->q[lc->q_head + lc->q_len].end = end;
	lc->q[lc->q_head + lc->q_len].end_line = end_line;
	lc->q_len++;
	return 0;
}

/* Copies bytes into the ring, first writing out queued ranges that the copy would overwrite. */
static int ring_append(struct logcap *lc, const char *data, size_t n)
{
	while (n) {
		size_t piece = n < lc->cap ? n : lc->cap;
		unsigned long long new_end = lc->ring_end + piece;
		unsigned long long new_start =
			new_end - lc->mid_start > lc->cap ? new_end - lc->cap : lc->mid_start;
		size_t pos, first;

		while (lc->q_len && lc->q[lc->q_head].start < new_start) {
			int rc = flush_front(lc);

			if (rc)
				return rc;
		}
		if (new_start > ring_start(lc))
			lc->nl_before_ring = lc->ring[(new_start - 1) % lc->cap] == '\n';
		pos = (size_t)(lc->ring_end % lc->cap);
		first = lc->cap - pos < piece ? lc->cap - pos : piece;
		memcpy(lc->ring + pos, data, first);
		memcpy(lc->ring, data + first, piece - first);
		lc->ring_end = new_end;
		data += piece;
		n -= piece;
	}
	return 0;
}

static int line_done(struct logcap *lc)
{
	unsigned long long end = lc->ring_end, line_no = lc->lines;
	int rc = 0;

	lc->lines++;
	if (buildlog_line_is_error(lc->line, lc->line_len)) {
		if (lc->have_prev)
			rc = keep(lc, lc->prev_start, lc->prev_line, end, lc->lines);
		else
			rc = keep(lc, lc->line_start, line_no, end, lc->lines);
		lc->ctx_after = CONTEXT_AFTER;
	} else if (lc->ctx_after) {
		rc = keep(lc, lc->line_start, line_no, end, lc->lines);
		lc->ctx_after--;
	}
	lc->have_prev = true;
	lc->prev_start = lc->line_start;
	lc->prev_line = line_no;
	lc->line_start = end;
	lc->line_len = 0;
	return rc;
}

static int middle_write(struct logcap *lc, const char *data, size_t len)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) + 1 : len;
		size_t take = sizeof(lc->line) - lc->line_len;
		int rc;

		if (take > n - (nl ? 1 : 0))
			take = n - (nl ? 1 : 0);
		memcpy(lc->line + lc->line_len, data, take);
		lc->line_len += take;
		rc = ring_append(lc, data, n);
		if (!rc && nl)
			rc = line_done(lc);
		if (rc)
			return rc;
		data += n;
		len -= n;
	}
	return 0;
}

/* The head is full: what waits in pend and everything after goes through the ring. */
static int leave_head(struct logcap *lc)
{
	int rc;

	lc->in_head = false;
	lc->mid_start = lc->head_len;
	lc->ring_end = lc->head_len;
	lc->written = lc->head_len;
	lc->written_line = lc->lines;
	lc->line_start = lc->head_len;
	lc->nl_before_ring = true;
	/* The head ended early at a line that did not fit: its unused bytes go to the tail. */
	lc->tail_eff = lc->tail_max + (lc->head_max - lc->head_len);
	lc->cap = lc->tail_eff > RING_MIN ? lc->tail_eff : RING_MIN;
	lc->ring = xmalloc(lc->cap);
	rc = middle_write(lc, lc->pend, lc->pend_len);
	free(lc->pend);
	lc->pend = NULL;
	lc->pend_len = lc->pend_cap = 0;
	return rc;
}

static size_t last_newline(const char *data, size_t len)
{
	while (len > 0 && data[len - 1] != '\n')
		len--;
	return len; /* bytes up to and including the last '\n'; 0 if none */
}

static int head_write(struct logcap *lc, const char *data, size_t len, size_t *used)
{
	size_t start_len = len;

	while (len) {
		size_t room = lc->head_max - lc->head_len - lc->pend_len;
		const char *nl;
		size_t n;
		int rc;

		if (lc->pend_len == 0) {
			/* Fast path: every whole line that fits in one write. */
			size_t whole = last_newline(data, len < room ? len : room);
			unsigned long long nls = 0;

			for (const char *p = data; (p = memchr(p, '\n', (size_t)(data + whole - p))) != NULL;
			     p++)
				nls++;
			rc = put(lc, data, whole);
			if (rc)
				return rc;
			lc->head_len += whole;
			lc->lines += nls;
			data += whole;
			len -= whole;
			room -= whole;
			if (!len)
				break;
		}
		nl = memchr(data, '\n', len);
		n = nl ? (size_t)(nl - data) + 1 : len;
		if (n > room) {
			*used = start_len - len;
			return leave_head(lc);
		}
		if (lc->pend_len + n > lc->pend_cap) {
			lc->pend_cap =
				lc->pend_len + n > lc->pend_cap * 2 ? lc->pend_len + n : lc->pend_cap * 2;
			lc->pend = xrealloc(lc->pend, lc->pend_cap);
		}
		memcpy(lc->pend + lc->pend_len, data, n);
		lc->pend_len += n;
		data += n;
		len -= n;
		if (nl) {
			rc = put(lc, lc->pend, lc->pend_len);
			if (rc)
				return rc;
			lc->head_len += lc->pend_len;
			lc->lines++;
			lc->pend_len = 0;
		}
	}
	*used = start_len;
	return 0;
}

int logcap_open(const char *path, size_t head_max, size_t errors_max, size_t tail_max, struct logcap **out)
{
	struct logcap *lc = NULL;
	FILE *f;

	*out = NULL;
	if (!path || !*path)
		return err_set(KM_EINVAL, "no path for the build log");
	f = fopen(path, "wb");
	if (!f)
		return err_set(KM_EIO, "cannot create %s: %s", path, strerror(errno));
	lc = xcalloc(1, sizeof(*lc));
	lc->f = f;
	lc->path = xstrdup(path);
	lc->head_max = head_max;
	lc->errors_max = errors_max;
	lc->tail_max = tail_max;
	lc->in_head = true;
	*out = lc;
	return 0;
}

int logcap_write(struct logcap *lc, const char *data, size_t len)
{
	size_t used = 0;
	int rc;

	if (lc->err)
		return lc->err;
	lc->total += len;
	if (lc->in_head) {
		rc = head_write(lc, data, len, &used);
		if (rc || used == len)
			return rc;
		data += used;
		len -= used;
	}
	return middle_write(lc, data, len);
}

/* The tail: the last whole lines within tail_max, after the ranges that come before it. */
static int write_tail(struct logcap *lc)
{
	unsigned long long t = ring_start(lc), t_line, nl_after = 0;
	char m[LOGCAP_MARKER_MAX];
	int rc;

	/* A last line without a newline may be an error line too. */
	if (lc->line_len && buildlog_line_is_error(lc->line, lc->line_len)) {
		rc = lc->have_prev ? keep(lc, lc->prev_start, lc->prev_line, lc->ring_end, lc->lines)
				   : keep(lc, lc->line_start, lc->lines, lc->ring_end, lc->lines);
		if (rc)
			return rc;
	}
	if (lc->ring_end - t > lc->tail_eff)
		t = lc->ring_end - lc->tail_eff;
	if (t < lc->written)
		t = lc->written;
	if (t > lc->written &&
	    !(t == ring_start(lc) ? lc->nl_before_ring : lc->ring[(t - 1) % lc->cap] == '\n')) {
		unsigned long long p = t;

		while (p < lc->ring_end && lc->ring[p % lc->cap] != '\n')
			p++;
		if (p < lc->ring_end)
			t = p + 1;
	}
	while (lc->q_len && lc->q[lc->q_head].start < t) {
		rc = flush_front(lc);
		if (rc)
			return rc;
	}
	if (t < lc->written)
		t = lc->written;
	for (unsigned long long p = t; p < lc->ring_end; p++) {
		if (lc->ring[p % lc->cap] == '\n')
			nl_after++;
	}
	t_line = lc->lines - nl_after;
	if (t > lc->written) {
		size_t mlen = marker(lc, t_line - lc->written_line, t - lc->written, m, sizeof(m));

		rc = put(lc, m, mlen);
		if (rc)
			return rc;
	}
	return put_ring(lc, t, lc->ring_end);
}

int logcap_close(struct logcap *lc, unsigned long long *total_bytes, unsigned long long *stored_bytes)
{
	int rc;

	if (total_bytes)
		*total_bytes = lc ? lc->total : 0;
	if (!lc) {
		if (stored_bytes)
			*stored_bytes = 0;
		return 0;
	}
	if (lc->in_head)
		rc = put(lc, lc->pend, lc->pend_len);
	else
		rc = write_tail(lc);
	if (fclose(lc->f) != 0 && !rc)
		rc = io_error(lc);
	if (!rc)
		rc = lc->err;
	if (stored_bytes)
		*stored_bytes = lc->stored;
	free(lc->pend);
	free(lc->ring);
	free(lc->q);
	free(lc->path);
	free(lc);
	return rc;
}
