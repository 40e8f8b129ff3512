/* The physical lines of a text in memory, numbered. */
#include "lines.h"

#include <string.h>

void lines_init(struct lines *l, const char *text, size_t len)
{
	l->text = text;
	l->len = text ? len : 0;
	l->pos = 0;
	l->lineno = 0;
}

int lines_next(struct lines *l, const char **line, size_t *n)
{
	const char *s, *nl;
	size_t k;

	if (l->pos >= l->len)
		return 0;
	s = l->text + l->pos;
	nl = memchr(s, '\n', l->len - l->pos);
	k = nl ? (size_t)(nl - s) : l->len - l->pos;
	l->pos += nl ? k + 1 : k;
	l->lineno++;
	if (k > 0 && s[k - 1] == '\r')
		k--;
	*line = s;
	*n = k;
	return 1;
}
