/* A growable byte buffer with a hard maximum size, always NUL-terminated. */
#ifndef KM_BUF_H
#define KM_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max; /* appends that would exceed it fail with KM_ETOOBIG */
	bool full;  /* an append was refused: every later one is too, until buf_reset() */
};

#define BUF_INIT(maxsize) { NULL, 0, 0, (maxsize), false }

void buf_init(struct buf *b, size_t max);

/*
 * Appends n bytes; KM_ETOOBIG (buffer unchanged) if len + n > max. After a
 * refusal every later append is refused as well, so what the buffer holds
 * is always a prefix of what was written to it, never one with a hole.
 */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* The contents as a string: "" for an empty buffer, never NULL. */
const char *buf_cstr(const struct buf *b);

/* Empties the buffer, keeping its memory; appends are taken again. */
void buf_reset(struct buf *b);

/* Hands the contents to the caller (who frees them) and empties the buffer. */
char *buf_steal(struct buf *b);

void buf_free(struct buf *b);

/* Appends n bytes of s in single quotes for a POSIX shell, each ' as '\''. */
int buf_shell_quote(struct buf *b, const char *s, size_t n);

#endif
