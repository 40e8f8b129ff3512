/* Finds the Kconfig symbols a unified diff touches: Kconfig hunks, CONFIG_ uses, Makefile guards, header guards. */
#include "diffsyms.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "err.h"
#include "kbuild.h"
#include "strutil.h"
#include "xalloc.h"

#define MAX_MAKEFILE_STEPS 32
#define MAX_TEXT           160 /* characters of a source line quoted in a reason */

/* One changed line: '+' (line in the new file) or '-' (line in the old file). */
struct dline {
	char sign;
	unsigned line;
	char *text;
};

struct dfile {
	char *path; /* the new path (the old one for a deleted file) */
	bool deleted, binary, renamed;
	struct dline *lines;
	size_t nlines;
	/* per-file results */
	char *module;  /* symbol of the obj- line that builds it ("" built in always, NULL unknown) */
	char *content; /* the new file, read once */
};

struct call {
	char *name, *file;
	unsigned line;
	struct dfile *from;
};

struct decl {
	char *name, *header;
	unsigned line;
	char **guards;
	size_t nguards;
};

struct state {
	const struct diffsyms_tree *tree;
	struct diffsyms *d;
	struct dfile *files;
	size_t nfiles;
	struct call *calls, *defs;
	size_t ncalls, ndefs;
	struct decl *decls;
	size_t ndecls;
	char **headers;
	size_t nheaders;
};

const char *diffsyms_kind_name(enum diffsyms_kind k)
{
	static const char *const names[] = {
		[DIFFSYMS_CROSS_GUARD] = "cross-guard",     [DIFFSYMS_CROSS_CALLER] = "cross-caller",
		[DIFFSYMS_CROSS_PROVIDER] = "cross-provider", [DIFFSYMS_CALL_GUARD] = "call-guard",
		[DIFFSYMS_EXPORT_GUARD] = "export-guard",   [DIFFSYMS_KCONFIG] = "kconfig",
		[DIFFSYMS_USE] = "use",                     [DIFFSYMS_BUILD] = "build",
	};

	return (unsigned)k < DIFFSYMS_KIND_COUNT ? names[k] : "unknown";
}

/* The weight of a reason: a guard of a call across a module boundary decides whether the series links. */
static int score_of(enum diffsyms_kind k)
{
	static const int w[] = {
		[DIFFSYMS_CROSS_GUARD] = 100, [DIFFSYMS_CROSS_CALLER] = 90, [DIFFSYMS_CROSS_PROVIDER] = 90,
		[DIFFSYMS_CALL_GUARD] = 60,   [DIFFSYMS_EXPORT_GUARD] = 50, [DIFFSYMS_KCONFIG] = 50,
		[DIFFSYMS_USE] = 40,          [DIFFSYMS_BUILD] = 30,
	};

	return w[k];
}

static bool sym_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || (c >= 'a' && c <= 'z');
}

static bool valid_sym(const char *s, size_t n)
{
	if (n == 0 || n > 100)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      (s[i] >= 'a' && s[i] <= 'z')))
			return false;
	return true;
}

static void add(struct state *st, const char *name, enum diffsyms_kind kind, char *text)
{
	struct diffsyms *d = st->d;
	struct diffsyms_sym *s = NULL;

	for (size_t i = 0; i < d->nsyms && !s; i++)
		if (!strcmp(d->syms[i].name, name))
			s = &d->syms[i];
	if (!s) {
		if (d->nsyms >= DIFFSYMS_MAX_SYMS) {
			free(text);
			if (!d->cut)
				d->cut = xasprintf("more than %d symbols: the rest were left out", DIFFSYMS_MAX_SYMS);
			return;
		}
		d->syms = xrealloc(d->syms, (d->nsyms + 1) * sizeof(*d->syms));
		s = &d->syms[d->nsyms++];
		memset(s, 0, sizeof(*s));
		s->name = xstrdup(name);
	}
	for (size_t i = 0; i < s->nreasons; i++) {
		if (!strcmp(s->reasons[i].text, text)) {
			free(text);
			return;
		}
	}
	s->ncounted++;
	/* The best reason decides the score; every further one adds a little. */
	if (score_of(kind) > s->score)
		s->score = score_of(kind) + (int)s->ncounted - 1;
	else
		s->score++;
	if (s->nreasons >= DIFFSYMS_MAX_REASONS) {
		free(text);
		return;
	}
	s->reasons = xrealloc(s->reasons, (s->nreasons + 1) * sizeof(*s->reasons));
	s->reasons[s->nreasons].kind = kind;
	s->reasons[s->nreasons++].text = text;
}

/* A source line as quoted in reasons: blanks squeezed, cut at MAX_TEXT characters. */
static char *quote(const char *text)
{
	struct buf b = BUF_INIT(MAX_TEXT + 8);
	bool blank = false;

	while (*text == ' ' || *text == '\t')
		text++;
	for (; *text && b.len < MAX_TEXT; text++) {
		bool is_blank = *text == ' ' || *text == '\t';

		if (is_blank && blank)
			continue;
		blank = is_blank;
		buf_append(&b, is_blank ? " " : text, 1);
	}
	if (*text)
		buf_puts(&b, "...");
	return buf_steal(&b);
}

/* ---- the diff ---- */

/* "a/drivers/x.c" -> "drivers/x.c"; NULL for /dev/null. */
static char *strip_prefix(const char *p, size_t n)
{
	while (n && (p[n - 1] == '\t' || p[n - 1] == ' ' || p[n - 1] == '\r'))
		n--;
	if (n == 9 && !strncmp(p, "/dev/null", 9))
		return NULL;
	if (n > 2 && (p[0] == 'a' || p[0] == 'b') && p[1] == '/')
		p += 2, n -= 2;
	if (n == 0 || memchr(p, '"', n))
		return NULL;
	return xstrndup(p, n);
}

static struct dfile *new_file(struct state *st)
{
	st->files = xrealloc(st->files, (st->nfiles + 1) * sizeof(*st->files));
	memset(&st->files[st->nfiles], 0, sizeof(*st->files));
	return &st->files[st->nfiles++];
}

static void parse_diff(struct state *st, const char *diff, size_t len)
{
	struct dfile *f = NULL;
	unsigned oldl = 0, newl = 0;
	bool in_hunk = false;
	const char *p = diff, *end = diff + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = xstrndup(p, n);

		p += n + (nl ? 1 : 0);
		if (!strncmp(line, "diff --git ", 11)) {
			if (st->nfiles >= DIFFSYMS_MAX_FILES) {
				st->d->cut = xasprintf("more than %d files in the diff: the rest were left out",
						       DIFFSYMS_MAX_FILES);
				free(line);
				break;
			}
			f = new_file(st);
			in_hunk = false;
			/* "diff --git a/X b/Y": the b/ side, until +++ or rename to says better */
			{
				const char *b = strstr(line + 11, " b/");

				f->path = b ? strip_prefix(b + 1, strlen(b + 1)) : NULL;
			}
		} else if (f && !in_hunk && !strncmp(line, "rename to ", 10)) {
			free(f->path);
			f->path = xstrdup(line + 10);
			f->renamed = true;
		} else if (f && !in_hunk && !strncmp(line, "deleted file mode", 17)) {
			f->deleted = true;
		} else if (f && (!strncmp(line, "Binary files ", 13) || !strcmp(line, "GIT binary patch"))) {
			f->binary = true;
			in_hunk = false;
		} else if (f && !in_hunk && !strncmp(line, "--- ", 4)) {
			char *old = strip_prefix(line + 4, n - 4);

			if (f->deleted && old) {
				free(f->path);
				f->path = old;
			} else {
				free(old);
			}
		} else if (f && !in_hunk && !strncmp(line, "+++ ", 4)) {
			char *nw = strip_prefix(line + 4, n - 4);

			if (nw) {
				free(f->path);
				f->path = nw;
			}
		} else if (f && !strncmp(line, "@@ -", 4)) {
			char *q = line + 4;

			oldl = (unsigned)strtoul(q, &q, 10);
			q = strchr(q, '+');
			newl = q ? (unsigned)strtoul(q + 1, NULL, 10) : 0;
			in_hunk = q != NULL;
		} else if (f && in_hunk && (line[0] == '+' || line[0] == '-' || line[0] == ' ' || line[0] == '\0')) {
			if (line[0] == '+' || line[0] == '-') {
				f->lines = xrealloc(f->lines, (f->nlines + 1) * sizeof(*f->lines));
				f->lines[f->nlines].sign = line[0];
				f->lines[f->nlines].line = line[0] == '+' ? newl : oldl;
				f->lines[f->nlines++].text = xstrdup(line + 1);
				st->d->nlines++;
			} else {
				/* context: Kconfig hunks need it to find the entry of a removed line */
				f->lines = xrealloc(f->lines, (f->nlines + 1) * sizeof(*f->lines));
				f->lines[f->nlines].sign = ' ';
				f->lines[f->nlines].line = newl;
				f->lines[f->nlines++].text = xstrdup(line[0] ? line + 1 : "");
			}
			if (line[0] != '+')
				oldl++;
			if (line[0] != '-')
				newl++;
		} else if (f && in_hunk && line[0] != '\\') {
			in_hunk = false;
		}
		free(line);
	}
	for (size_t i = 0; i < st->nfiles; i++) {
		st->d->nbinary += st->files[i].binary;
		st->d->nrenamed += st->files[i].renamed;
		st->d->ndeleted += st->files[i].deleted;
	}
	st->d->nfiles = st->nfiles;
}

static char *read_tree(struct state *st, const char *path, size_t *len)
{
	size_t n = 0;
	char *text = st->tree->read(st->tree->ctx, path, &n);

	if (text && n > DIFFSYMS_MAX_FILE) {
		free(text);
		text = NULL;
	}
	if (len)
		*len = text ? n : 0;
	return text;
}

/* The text of line number `line` (1-based) of text, as a new string, or NULL. */
static char *line_of(const char *text, unsigned line)
{
	for (unsigned l = 1; text && *text; l++) {
		const char *nl = strchr(text, '\n');

		if (l == line)
			return xstrndup(text, nl ? (size_t)(nl - text) : strlen(text));
		text = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* ---- Kconfig hunks ---- */

/* "config FOO" / "menuconfig FOO" -> "FOO", else NULL. */
static char *config_entry(const char *l)
{
	const char *s;
	size_t n = 0;

	while (*l == ' ' || *l == '\t')
		l++;
	if (!strncmp(l, "config", 6) && (l[6] == ' ' || l[6] == '\t'))
		s = l + 6;
	else if (!strncmp(l, "menuconfig", 10) && (l[10] == ' ' || l[10] == '\t'))
		s = l + 10;
	else
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	while (sym_char(s[n]))
		n++;
	return valid_sym(s, n) ? xstrndup(s, n) : NULL;
}

/* Keywords that end a config entry when walking back from a line. */
static bool entry_boundary(const char *l)
{
	static const char *const kw[] = { "menu", "endmenu", "if", "endif", "choice", "endchoice", "source", "comment",
					  "mainmenu", "rsource", "osource", "orsource" };

	while (*l == ' ' || *l == '\t')
		l++;
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
		size_t n = strlen(kw[i]);

		if (!strncmp(l, kw[i], n) && (l[n] == ' ' || l[n] == '\t' || l[n] == '\0'))
			return true;
	}
	return false;
}

/* The entry enclosing line `line` of the new file, walking back; NULL outside any entry. */
static char *entry_at(const char *content, unsigned line)
{
	for (unsigned l = line; l > 0; l--) {
		char *t = line_of(content, l), *e;

		if (!t)
			return NULL;
		e = config_entry(t);
		if (e || entry_boundary(t)) {
			free(t);
			return e;
		}
		free(t);
	}
	return NULL;
}

static void kconfig_file(struct state *st, struct dfile *f)
{
	char *last = NULL; /* the entry the diff's own lines are in, for removed lines */

	for (size_t i = 0; i < f->nlines; i++) {
		struct dline *l = &f->lines[i];
		char *e = config_entry(l->text);

		if (e || entry_boundary(l->text)) {
			free(last);
			last = e ? xstrdup(e) : NULL;
		}
		if (l->sign == ' ') {
			free(e);
			continue;
		}
		if (!e)
			e = l->sign == '+' && f->content ? entry_at(f->content, l->line) : last ? xstrdup(last) : NULL;
		if (e) {
			char *q = quote(l->text);

			add(st, e, DIFFSYMS_KCONFIG,
			    xasprintf("%s:%u: %s `%s` (in the entry of %s)", f->path, l->line,
				      l->sign == '+' ? "adds" : "removes", q, e));
			free(q);
		}
		free(e);
	}
	free(last);
}

/* ---- C, headers and Makefiles: CONFIG_X on changed lines ---- */

static void config_uses(struct state *st, struct dfile *f)
{
	for (size_t i = 0; i < f->nlines; i++) {
		struct dline *l = &f->lines[i];
		const char *s = l->text;

		if (l->sign == ' ')
			continue;
		while ((s = strstr(s, "CONFIG_")) != NULL) {
			const char *n = s + 7;
			size_t k = 0;

			if (s > l->text && sym_char(s[-1])) {
				s += 7;
				continue;
			}
			while (sym_char(n[k]))
				k++;
			/* CONFIG_FOO_MODULE is how C sees FOO=m */
			if (k > 7 && !strncmp(n + k - 7, "_MODULE", 7))
				k -= 7;
			if (valid_sym(n, k)) {
				char *name = xstrndup(n, k), *q = quote(l->text);

				add(st, name, DIFFSYMS_USE,
				    xasprintf("%s:%u: %s `%s`", f->path, l->line,
					      l->sign == '+' ? "adds" : "removes", q));
				free(q);
				free(name);
			}
			s = n + k;
		}
	}
}

/* ---- Makefiles: what builds a changed file ---- */

/* dir's Kbuild or Makefile as "LHS op words" lines; *path is the file read (NULL when neither exists). */
static struct kbuild_line *mk_read(struct state *st, const char *dir, size_t *n, char **path)
{
	static const char *const names[] = { "Kbuild", "Makefile" };
	struct kbuild_line *v = NULL;
	char *text = NULL;

	*n = 0;
	*path = NULL;
	for (size_t i = 0; i < 2 && !text; i++) {
		free(*path);
		*path = xasprintf("%s%s%s", dir, *dir ? "/" : "", names[i]);
		text = read_tree(st, *path, NULL);
	}
	if (!text) {
		free(*path);
		*path = NULL;
		return NULL;
	}
	v = kbuild_parse(text, n);
	free(text);
	return v;
}

/*
 * Walks from a changed .c file up the Makefiles: each obj-$(CONFIG_X) or
 * composite X-$(CONFIG_Y) line on the way is a reason; the first obj- line
 * names the file's module symbol.
 */
static void build_guards(struct state *st, struct dfile *f)
{
	const char *slash = strrchr(f->path, '/');
	char *dir = slash ? xstrndup(f->path, (size_t)(slash - f->path)) : xstrdup("");
	char *target = xasprintf("%.*s.o", (int)(strlen(path_base_name(f->path)) - 2), path_base_name(f->path));

	for (int step = 0; step < MAX_MAKEFILE_STEPS; step++) {
		size_t n = 0;
		char *mkpath = NULL;
		struct kbuild_line *m = mk_read(st, dir, &n, &mkpath);
		const struct kbuild_line *hit = NULL;
		char *g = NULL;
		size_t pl = 0;

		for (size_t i = 0; i < n && !hit; i++) {
			char *dash = strrchr(m[i].lhs, '-');

			if (!dash || !kbuild_has_word(&m[i], target))
				continue;
			pl = (size_t)(dash - m[i].lhs) + 1;
			g = kbuild_guard_of(m[i].lhs, pl);
			if (g)
				hit = &m[i];
		}
		if (hit) {
			bool obj = pl == 4 && !strncmp(hit->lhs, "obj-", 4);

			if (*g) {
				char *q = xasprintf("%s %s %s", hit->lhs, "+=", target);

				add(st, g, DIFFSYMS_BUILD,
				    xasprintf("%s is built by `%s` (%s:%u)", f->path, q, mkpath, hit->line));
				free(q);
			}
			if (obj && !f->module)
				f->module = xstrdup(g);
			free(target);
			if (obj) {
				char *up = strrchr(dir, '/');

				if (!*dir) {
					target = NULL;
				} else {
					target = xasprintf("%s/", up ? up + 1 : dir);
					if (up)
						*up = '\0';
					else
						dir[0] = '\0';
				}
			} else {
				target = xasprintf("%.*s.o", (int)(pl - 1), hit->lhs);
			}
		}
		free(g);
		kbuild_free(m, n);
		free(mkpath);
		if (!hit || !target)
			break;
	}
	free(target);
	free(dir);
}

/* ---- calls, definitions and their declarations in headers ---- */

static bool is_keyword(const char *s, size_t n)
{
	static const char *const kw[] = { "if",      "for",     "while",   "switch",   "return", "sizeof",
					  "defined", "typeof",  "__typeof__", "alignof", "_Alignof", "do",
					  "else",    "case",    "goto",    "__attribute__", "asm", "__asm__" };

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strlen(kw[i]) == n && !strncmp(kw[i], s, n))
			return true;
	return false;
}

static bool all_caps(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			return false;
	return true;
}

static void push_call(struct call **v, size_t *n, const char *name, size_t len, struct dfile *f, unsigned line)
{
	for (size_t i = 0; i < *n; i++)
		if (strlen((*v)[i].name) == len && !strncmp((*v)[i].name, name, len) && (*v)[i].from == f)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n] = (struct call){ xstrndup(name, len), xstrdup(f->path), line, f };
	(*n)++;
}

/* Each identifier followed by '(' on s: fn(ctx, start, len). */
static void each_call(const char *s, void (*fn)(void *, const char *, size_t), void *ctx)
{
	for (const char *p = s; *p;) {
		if ((isalpha((unsigned char)*p) || *p == '_') && (p == s || !sym_char(p[-1]))) {
			const char *q = p;
			const char *r;

			while (sym_char(*q))
				q++;
			r = q;
			while (*r == ' ' || *r == '\t')
				r++;
			if (*r == '(')
				fn(ctx, p, (size_t)(q - p));
			p = q;
		} else {
			p++;
		}
	}
}

struct call_ctx {
	struct state *st;
	struct dfile *f;
	unsigned line;
	bool def;
};

static void on_call(void *ctx, const char *name, size_t n)
{
	struct call_ctx *c = ctx;

	if (is_keyword(name, n) || all_caps(name, n))
		return;
	push_call(&c->st->calls, &c->st->ncalls, name, n, c->f, c->line);
}

/* A function definition's name on a line at column 0 that is not static: "bool foo(struct x *y)" -> foo. */
static void definition(struct state *st, struct dfile *f, const struct dline *l)
{
	const char *t = l->text, *paren, *e, *b;
	size_t n = strlen(t);

	if (!strncmp(t, "EXPORT_SYMBOL", 13)) {
		const char *o = strchr(t, '('), *c = o ? strpbrk(o, ",)") : NULL;

		while (o && (*++o == ' '))
			;
		if (o && c && c > o && valid_sym(o, (size_t)(c - o)))
			push_call(&st->defs, &st->ndefs, o, (size_t)(c - o), f, l->line);
		return;
	}
	if (!isalpha((unsigned char)t[0]) || !strncmp(t, "static", 6) || (n && (t[n - 1] == ';' || t[n - 1] == ',')))
		return;
	paren = strchr(t, '(');
	if (!paren || strchr(t, '=') )
		return;
	e = paren;
	while (e > t && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	b = e;
	while (b > t && sym_char(b[-1]))
		b--;
	if (b == t || e == b || is_keyword(b, (size_t)(e - b)) || all_caps(b, (size_t)(e - b)))
		return;
	push_call(&st->defs, &st->ndefs, b, (size_t)(e - b), f, l->line);
}

static void add_header(struct state *st, const char *path)
{
	for (size_t i = 0; i < st->nheaders; i++)
		if (!strcmp(st->headers[i], path))
			return;
	if (st->nheaders >= DIFFSYMS_MAX_HEADERS) {
		if (!st->d->cut)
			st->d->cut = xasprintf("more than %d headers to read: the rest were left out",
					       DIFFSYMS_MAX_HEADERS);
		return;
	}
	st->headers = xrealloc(st->headers, (st->nheaders + 1) * sizeof(char *));
	st->headers[st->nheaders++] = xstrdup(path);
}

/* The directive of a preprocessor line ("include <x.h>" of "  #  include <x.h>"), or NULL. */
static const char *directive(const char *l)
{
	while (*l == ' ' || *l == '\t')
		l++;
	if (*l != '#')
		return NULL;
	l++;
	while (*l == ' ' || *l == '\t')
		l++;
	return l;
}

/* The headers a file includes: <x/y.h> under include/, "y.h" beside the file. */
static void includes_of(struct state *st, const struct dfile *f)
{
	const char *slash = strrchr(f->path, '/');
	int dirlen = slash ? (int)(slash - f->path) : 0;

	for (const char *l = f->content; l && *l;) {
		const char *nl = strchr(l, '\n'), *s = directive(l);

		if (s) {
			if (!strncmp(s, "include", 7)) {
				const char *o, *c;

				s += 7;
				while (*s == ' ' || *s == '\t')
					s++;
				o = s;
				c = *o == '<' ? strchr(o + 1, '>') : *o == '"' ? strchr(o + 1, '"') : NULL;
				if (c && (!nl || c < nl) && c > o + 1) {
					int len = (int)(c - o - 1);
					char *path = *o == '<' ? xasprintf("include/%.*s", len, o + 1)
							       : xasprintf("%.*s%s%.*s", dirlen, f->path, dirlen ? "/" : "",
									   len, o + 1);

					if (!strstr(path, ".."))
						add_header(st, path);
					free(path);
				}
			}
		}
		l = nl ? nl + 1 : NULL;
	}
}

/* One #if level of a header: the CONFIG_ symbols of its conditions so far (#elif adds). */
struct level {
	char **syms;
	size_t nsyms;
};

static void level_add_configs(struct level *lv, const char *cond)
{
	for (const char *s = cond; (s = strstr(s, "CONFIG_")) != NULL;) {
		const char *n = s + 7;
		size_t k = 0;

		while (sym_char(n[k]))
			k++;
		if (k > 7 && !strncmp(n + k - 7, "_MODULE", 7))
			k -= 7;
		if (valid_sym(n, k) && lv->nsyms < 16) {
			lv->syms = xrealloc(lv->syms, (lv->nsyms + 1) * sizeof(char *));
			lv->syms[lv->nsyms++] = xstrndup(n, k);
		}
		s = n + k;
	}
}

static bool interesting(const struct state *st, const char *name, size_t n)
{
	for (size_t i = 0; i < st->ncalls; i++)
		if (strlen(st->calls[i].name) == n && !strncmp(st->calls[i].name, name, n))
			return true;
	for (size_t i = 0; i < st->ndefs; i++)
		if (strlen(st->defs[i].name) == n && !strncmp(st->defs[i].name, name, n))
			return true;
	return false;
}

struct decl_ctx {
	struct state *st;
	const char *header;
	unsigned line;
	struct level *levels;
	size_t depth;
};

static void on_decl(void *ctx, const char *name, size_t n)
{
	struct decl_ctx *c = ctx;
	struct decl *d;

	if (!interesting(c->st, name, n))
		return;
	for (size_t i = 0; i < c->st->ndecls; i++)
		if (strlen(c->st->decls[i].name) == n && !strncmp(c->st->decls[i].name, name, n) &&
		    !strcmp(c->st->decls[i].header, c->header))
			return; /* the first declaration in a header says which guard it is under */
	c->st->decls = xrealloc(c->st->decls, (c->st->ndecls + 1) * sizeof(*c->st->decls));
	d = &c->st->decls[c->st->ndecls++];
	memset(d, 0, sizeof(*d));
	d->name = xstrndup(name, n);
	d->header = xstrdup(c->header);
	d->line = c->line;
	for (size_t i = 0; i < c->depth; i++)
		for (size_t k = 0; k < c->levels[i].nsyms; k++) {
			d->guards = xrealloc(d->guards, (d->nguards + 1) * sizeof(char *));
			d->guards[d->nguards++] = xstrdup(c->levels[i].syms[k]);
		}
}

static void scan_header(struct state *st, const char *path)
{
	char *text = read_tree(st, path, NULL);
	struct decl_ctx c = { st, path, 0, NULL, 0 };

	for (char *l = text; l && *l;) {
		char *nl = strchr(l, '\n');
		const char *s;

		if (nl)
			*nl = '\0';
		c.line++;
		s = directive(l);
		if (s) {
			if (!strncmp(s, "if", 2)) {
				c.levels = xrealloc(c.levels, (c.depth + 1) * sizeof(*c.levels));
				memset(&c.levels[c.depth], 0, sizeof(*c.levels));
				level_add_configs(&c.levels[c.depth++], s);
			} else if (!strncmp(s, "elif", 4) && c.depth) {
				level_add_configs(&c.levels[c.depth - 1], s);
			} else if (!strncmp(s, "endif", 5) && c.depth) {
				struct level *lv = &c.levels[--c.depth];

				for (size_t k = 0; k < lv->nsyms; k++)
					free(lv->syms[k]);
				free(lv->syms);
			}
		} else {
			each_call(l, on_decl, &c);
		}
		l = nl ? nl + 1 : NULL;
	}
	for (size_t i = 0; i < c.depth; i++) {
		for (size_t k = 0; k < c.levels[i].nsyms; k++)
			free(c.levels[i].syms[k]);
		free(c.levels[i].syms);
	}
	free(c.levels);
	free(text);
}

static const struct call *defined_in_diff(const struct state *st, const char *name, const struct dfile *not)
{
	for (size_t i = 0; i < st->ndefs; i++)
		if (!strcmp(st->defs[i].name, name) && st->defs[i].from != not)
			return &st->defs[i];
	return NULL;
}

static void add_cross(struct state *st, const char *caller, const char *provider, const char *guard)
{
	struct diffsyms *d = st->d;

	for (size_t i = 0; i < d->ncross; i++)
		if (!strcmp(d->cross[i].caller, caller) && !strcmp(d->cross[i].provider, provider) &&
		    (!guard == !d->cross[i].guard) && (!guard || !strcmp(guard, d->cross[i].guard)))
			return;
	d->cross = xrealloc(d->cross, (d->ncross + 1) * sizeof(*d->cross));
	d->cross[d->ncross++] =
		(struct diffsyms_cross){ xstrdup(caller), xstrdup(provider), guard ? xstrdup(guard) : NULL };
}

static void calls_and_guards(struct state *st)
{
	for (size_t i = 0; i < st->ncalls; i++) {
		const struct call *c = &st->calls[i];
		const struct call *def = defined_in_diff(st, c->name, c->from);
		bool crosses = def && c->from->module && def->from->module && *c->from->module &&
			       *def->from->module && strcmp(c->from->module, def->from->module) != 0;

		for (size_t k = 0; k < st->ndecls; k++) {
			const struct decl *d = &st->decls[k];

			if (strcmp(d->name, c->name) != 0)
				continue;
			for (size_t g = 0; g < d->nguards; g++) {
				add(st, d->guards[g], crosses ? DIFFSYMS_CROSS_GUARD : DIFFSYMS_CALL_GUARD,
				    xasprintf("%s:%u: calls %s(), declared in %s:%u under CONFIG_%s%s%s%s", c->file,
					      c->line, c->name, d->header, d->line, d->guards[g],
					      crosses ? " and defined in " : "", crosses ? def->file : "",
					      crosses ? " (another module)" : ""));
				if (crosses)
					add_cross(st, c->from->module, def->from->module, d->guards[g]);
			}
		}
		if (crosses) {
			add(st, c->from->module, DIFFSYMS_CROSS_CALLER,
			    xasprintf("builds %s, whose line %u calls %s() defined in %s (built by %s)", c->file,
				      c->line, c->name, def->file, def->from->module));
			add(st, def->from->module, DIFFSYMS_CROSS_PROVIDER,
			    xasprintf("builds %s, which defines %s() (line %u) called by %s:%u (built by %s)", def->file,
				      c->name, def->line, c->file, c->line, c->from->module));
			add_cross(st, c->from->module, def->from->module, NULL);
		}
	}
	for (size_t i = 0; i < st->ndefs; i++) {
		const struct call *c = &st->defs[i];

		for (size_t k = 0; k < st->ndecls; k++) {
			const struct decl *d = &st->decls[k];

			if (strcmp(d->name, c->name) != 0)
				continue;
			for (size_t g = 0; g < d->nguards; g++)
				add(st, d->guards[g], DIFFSYMS_EXPORT_GUARD,
				    xasprintf("%s:%u: defines %s(), declared in %s:%u under CONFIG_%s", c->file, c->line,
					      c->name, d->header, d->line, d->guards[g]));
		}
	}
}

/* ---- the whole ---- */

static bool late(struct state *st, const char *what)
{
	if (st->tree->deadline <= 0 || clock_now_s() < st->tree->deadline)
		return false;
	if (!st->d->cut)
		st->d->cut = xasprintf("time limit reached while %s: the rest was left out", what);
	return true;
}

/* Highest score first; equal scores keep the order they were found in (insertion sort: stable). */
static void sort_syms(struct diffsyms_sym *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct diffsyms_sym x = v[i];
		size_t k = i;

		for (; k > 0 && v[k - 1].score < x.score; k--)
			v[k] = v[k - 1];
		v[k] = x;
	}
}

int diffsyms_extract(const char *diff, size_t len, const struct diffsyms_tree *tree, struct diffsyms **out)
{
	struct state st = { 0 };

	*out = NULL;
	if (!tree || !tree->read)
		return err_set(KM_EINVAL, "diffsyms: no way to read the tree");
	st.tree = tree;
	st.d = xcalloc(1, sizeof(*st.d));
	if (len > DIFFSYMS_MAX_DIFF) {
		st.d->cut = xasprintf("diff of %zu bytes: only the first %d MiB were read", len,
				      DIFFSYMS_MAX_DIFF / (1024 * 1024));
		len = DIFFSYMS_MAX_DIFF;
	}
	parse_diff(&st, diff ? diff : "", diff ? len : 0);
	for (size_t i = 0; i < st.nfiles && !late(&st, "reading changed files"); i++) {
		struct dfile *f = &st.files[i];
		const char *b;
		bool c_file, header;

		if (!f->path || f->binary)
			continue;
		b = path_base_name(f->path);
		c_file = str_ends_with(b, ".c");
		header = str_ends_with(b, ".h");
		if (!f->deleted)
			f->content = read_tree(&st, f->path, NULL);
		if (!strncmp(b, "Kconfig", 7)) {
			kconfig_file(&st, f);
			continue;
		}
		if (c_file || header || str_ends_with(b, ".S") || !strcmp(b, "Makefile") || !strcmp(b, "Kbuild") ||
		    str_ends_with(b, ".mk"))
			config_uses(&st, f);
		if (c_file && !f->deleted)
			build_guards(&st, f);
		if (header && !f->deleted)
			add_header(&st, f->path);
		if (c_file && f->content)
			includes_of(&st, f);
		for (size_t k = 0; c_file && k < f->nlines; k++) {
			struct call_ctx c = { &st, f, f->lines[k].line, false };

			if (f->lines[k].sign != '+')
				continue;
			definition(&st, f, &f->lines[k]);
			if (!isalpha((unsigned char)f->lines[k].text[0]))
				each_call(f->lines[k].text, on_call, &c); /* calls are in bodies, not at column 0 */
		}
	}
	for (size_t i = 0; i < st.nheaders && !late(&st, "reading headers"); i++)
		if (st.ncalls || st.ndefs)
			scan_header(&st, st.headers[i]);
	calls_and_guards(&st);
	sort_syms(st.d->syms, st.d->nsyms);

	for (size_t i = 0; i < st.nfiles; i++) {
		free(st.files[i].path);
		free(st.files[i].module);
		free(st.files[i].content);
		for (size_t k = 0; k < st.files[i].nlines; k++)
			free(st.files[i].lines[k].text);
		free(st.files[i].lines);
	}
	free(st.files);
	for (size_t i = 0; i < st.ncalls; i++)
		free(st.calls[i].name), free(st.calls[i].file);
	for (size_t i = 0; i < st.ndefs; i++)
		free(st.defs[i].name), free(st.defs[i].file);
	free(st.calls);
	free(st.defs);
	for (size_t i = 0; i < st.ndecls; i++) {
		free(st.decls[i].name);
		free(st.decls[i].header);
		for (size_t g = 0; g < st.decls[i].nguards; g++)
			free(st.decls[i].guards[g]);
		free(st.decls[i].guards);
	}
	free(st.decls);
	for (size_t i = 0; i < st.nheaders; i++)
		free(st.headers[i]);
	free(st.headers);
	*out = st.d;
	return 0;
}

void diffsyms_free(struct diffsyms *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nsyms; i++) {
		free(d->syms[i].name);
		for (size_t k = 0; k < d->syms[i].nreasons; k++)
			free(d->syms[i].reasons[k].text);
		free(d->syms[i].reasons);
	}
	free(d->syms);
	for (size_t i = 0; i < d->ncross; i++) {
		free(d->cross[i].caller);
		free(d->cross[i].provider);
		free(d->cross[i].guard);
	}
	free(d->cross);
	free(d->cut);
	free(d);
}

const struct diffsyms_sym *diffsyms_find(const struct diffsyms *d, const char *name)
{
	for (size_t i = 0; d && i < d->nsyms; i++)
		if (!strcmp(d->syms[i].name, name))
			return &d->syms[i];
	return NULL;
}
