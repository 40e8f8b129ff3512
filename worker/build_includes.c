/* The names a file asks the preprocessor to find, read once per file, and whether one could find a given file. */
#define _GNU_SOURCE
#include "build_includes.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fsutil.h"
#include "strutil.h"
#include "xalloc.h"

#define INCLUDE_FILE_MAX (16u << 20)

bool path_normalize(char *p)
{
	char *segs[PATH_MAX / 2], *save = NULL, *tok;
	size_t n = 0;
	char *copy = xstrdup(p), *w = p;

	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (n == 0) {
				free(copy);
				return false;
			}
			n--;
			continue;
		}
		if (n < sizeof(segs) / sizeof(segs[0]))
			segs[n++] = tok;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(segs[i]);

		if (i)
			*w++ = '/';
		memmove(w, segs[i], len);
		w += len;
	}
	*w = '\0';
	free(copy);
	return true;
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool starts_word(const char *p, const char *word, const char **after)
{
	size_t len = strlen(word);

	if (strncmp(p, word, len) != 0 || isalnum((unsigned char)p[len]) || p[len] == '_')
		return false;
	*after = p + len;
	return true;
}

static void add_name(struct file_includes *fi, const char *start, size_t len, bool test)
{
	if (len == 0)
		return;
	fi->names = xrealloc(fi->names, (fi->n + 1) * sizeof(*fi->names));
	fi->names[fi->n].name = xstrndup(start, len);
	fi->names[fi->n++].test = test;
}

/* A name in quotes or angle brackets at p: added, true. A macro's name: false. Anything else: true, nothing added. */
static bool take_name(struct file_includes *fi, const char *p, const char *end, bool test)
{
	char close;
	const char *q;

	p = skip_blanks(p);
	if (*p != '"' && *p != '<')
		return !(isalpha((unsigned char)*p) || *p == '_');
	close = *p == '"' ? '"' : '>';
	q = memchr(p + 1, close, (size_t)(end - p - 1));
	if (q)
		add_name(fi, p + 1, (size_t)(q - p - 1), test);
	return true;
}

static void scan_has_include(struct file_includes *fi, const char *line, const char *end)
{
	for (const char *p = line; (p = strstr(p, "__has_include")) && p < end;) {
		p += strlen("__has_include");
		if (strncmp(p, "_next", 5) == 0)
			p += 5;
		p = skip_blanks(p);
		/* "#ifdef __has_include" and "defined(__has_include)" ask whether the operator exists. */
		if (*p != '(')
			continue;
		if (!take_name(fi, p + 1, end, true))
			fi->computed_has = true;
	}
}

static void scan_line(struct file_includes *fi, const char *line, const char *end)
{
	const char *p = skip_blanks(line), *after;

	if (*p == '#') {
		p = skip_blanks(p + 1);
		if ((starts_word(p, "include_next", &after) || starts_word(p, "include", &after)) &&
		    !take_name(fi, after, end, false))
			fi->computed = true;
	} else if (starts_word(p, ".include", &after) || starts_word(p, ".incbin", &after)) {
		take_name(fi, after, end, false);
	}
	scan_has_include(fi, line, end);
}

static struct file_includes *scan_file(const char *path)
{
	char *text = NULL;
	size_t len;
	struct file_includes *fi;

	if (fs_read_file(path, INCLUDE_FILE_MAX, &text, &len) != 0) {
		err_clear();
		return NULL;
	}
	fi = xcalloc(1, sizeof(*fi));
	for (char *line = text, *nl; line < text + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(text + len - line));
		if (!nl)
			nl = text + len;
		*nl = '\0';
		scan_line(fi, line, nl);
	}
	free(text);
	return fi;
}

struct cache_slot {
	char *path;
	struct file_includes *fi; /* NULL: the file could not be read */
};

struct include_cache {
	struct cache_slot *slots;
	size_t cap, used;
};

static struct cache_slot *slot_for(struct cache_slot *slots, size_t cap, const char *path)
{
	size_t i = (size_t)str_hash(path) & (cap - 1);

	while (slots[i].path && strcmp(slots[i].path, path) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void cache_grow(struct include_cache *c)
{
	size_t cap = c->cap ? 2 * c->cap : 1024;
	struct cache_slot *slots = xcalloc(cap, sizeof(*slots));

	for (size_t i = 0; i < c->cap; i++) {
		if (c->slots[i].path)
			*slot_for(slots, cap, c->slots[i].path) = c->slots[i];
	}
	free(c->slots);
	c->slots = slots;
	c->cap = cap;
}

struct include_cache *include_cache_new(void)
{
	return xcalloc(1, sizeof(struct include_cache));
}

const struct file_includes *include_cache_get(struct include_cache *c, const char *path)
{
	struct cache_slot *s;

	if (2 * (c->used + 1) > c->cap)
		cache_grow(c);
	s = slot_for(c->slots, c->cap, path);
	if (!s->path) {
		s->path = xstrdup(path);
		s->fi = scan_file(path);
		c->used++;
	}
	return s->fi;
}

void include_cache_free(struct include_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++) {
		struct file_includes *fi = c->slots[i].fi;

		free(c->slots[i].path);
		for (size_t k = 0; fi && k < fi->n; k++)
			free(fi->names[k].name);
		if (fi)
			free(fi->names);
		free(fi);
	}
	free(c->slots);
	free(c);
}

static bool finds_from(const char *dir, const char *name, const char *target)
{
	char *path = *dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
	bool found = path_normalize(path) && strcmp(path, target) == 0;

	free(path);
	return found;
}

enum include_finds includes_may_find(const struct file_includes *fi, const char *file_dir, char *const *dirs,
				     size_t ndirs, const char *target)
{
	const char *tbase = path_base_name(target);
	enum include_finds finds = INCLUDE_FINDS_NOT;

	for (size_t i = 0; i < fi->n && finds != INCLUDE_FINDS_TEST; i++) {
		const char *name = fi->names[i].name;
		bool found = false;

		/* A name finds only a file of its own last component; an absolute one counts without being followed. */
		if (strcmp(path_base_name(name), tbase) != 0)
			continue;
		found = name[0] == '/' || (file_dir && finds_from(file_dir, name, target));
		for (size_t d = 0; d < ndirs && !found; d++)
			found = finds_from(dirs[d], name, target);
		if (found)
			finds = fi->names[i].test ? INCLUDE_FINDS_TEST : INCLUDE_FINDS_READ;
	}
	return finds;
}
