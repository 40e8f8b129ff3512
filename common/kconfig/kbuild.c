/* Reads Kbuild and Makefile assignments, for mapping source files and objects to the symbols that build them. */
#include "kbuild.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct kbuild_line *kbuild_parse(char *text, size_t *n)
{
	struct kbuild_line *v = NULL;
	unsigned lineno = 0;

	*n = 0;
	for (char *l = text; l && *l;) {
		char *nl = strchr(l, '\n'), *op, *rhs, *save = NULL;
		unsigned first = ++lineno;

		while (nl && nl > l && nl[-1] == '\\') { /* a continued line: one line, counted as several */
			nl[-1] = ' ';
			*nl = ' ';
			lineno++;
			nl = strchr(nl, '\n');
		}
		if (nl)
			*nl = '\0';
		if (strchr(l, '#'))
			*strchr(l, '#') = '\0';
		op = strstr(l, "+=");
		if (!op)
			op = strstr(l, ":=");
		if (!op) {
			op = strchr(l, '=');
			if (op && op > l && (op[-1] == '?' || op[-1] == '!'))
				op--;
		}
		if (op && op > l) {
			char *e = op;

			rhs = op + (op[0] == '=' ? 1 : 2);
			while (e > l && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			while (*l == ' ' || *l == '\t')
				l++;
			if (e > l) {
				struct kbuild_line m = { xstrndup(l, (size_t)(e - l)), NULL, 0, first };

				for (char *w = strtok_r(rhs, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
					m.words = xrealloc(m.words, (m.nwords + 1) * sizeof(*m.words));
					m.words[m.nwords++] = xstrdup(w);
				}
				v = xrealloc(v, (*n + 1) * sizeof(*v));
				v[(*n)++] = m;
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	return v;
}

void kbuild_free(struct kbuild_line *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].lhs);
		for (size_t k = 0; k < v[i].nwords; k++)
			free(v[i].words[k]);
		free(v[i].words);
	}
	free(v);
}

char *kbuild_guard_of(const char *lhs, size_t prefix_len)
{
	const char *r = lhs + prefix_len;
	size_t n = strlen(r);

	if (!strcmp(r, "y") || !strcmp(r, "m") || !strcmp(r, "objs"))
		return xstrdup("");
	if (n > 10 && !strncmp(r, "$(CONFIG_", 9) && r[n - 1] == ')' && strspn(r + 9, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n - 10)
		return xstrndup(r + 9, n - 10);
	return NULL;
}

bool kbuild_has_word(const struct kbuild_line *m, const char *w)
{
	for (size_t i = 0; i < m->nwords; i++)
		if (!strcmp(m->words[i], w))
			return true;
	return false;
}
