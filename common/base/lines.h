/* The physical lines of a text in memory, numbered: the one line reader of the farm's line-oriented formats. */
#ifndef KM_LINES_H
#define KM_LINES_H

#include <stddef.h>

/*
 * A position in text. The matrix format, the trees file and the server's
 * config file each read their lines with lines_next(), so they agree on what
 * a line is: "\n" ends it, a "\r" before that is dropped (files saved on
 * Windows), and the last line needs no "\n".
 */
struct lines {
	const char *text;
	size_t len, pos;
	unsigned lineno; /* the number of the line lines_next() returned last; 0 before the first */
};

void lines_init(struct lines *l, const char *text, size_t len);

/*
 * The next line: 1 with *line (inside the text, not NUL-terminated) and *n,
 * its length without the line end; 0 after the last line.
 */
int lines_next(struct lines *l, const char **line, size_t *n);

#endif
