/* Streaming extraction of typed, deduplicated errors from kernel build logs. */
#include "buildlog.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

/* Cleaning turns a bad byte into a 3-byte U+FFFD: the cleaned line is cut at this size again. */
#define CLEAN_MAX     BUILDLOG_LINE_MAX
#define SIG_MAX	      512
#define MSG_MAX	      400
#define NAME_MAX_     256 /* symbols, functions */
#define PATH_MAX_     400
#define PRELUDE_LINES 6
#define PRELUDE_LINE  300
#define HASH_SLOTS    1024 /* power of two, more than twice BUILDLOG_MAX_ERRORS */
#define MAX_PREFIXES  8

struct span {
	const char *p;
	size_t n;
};

enum kind {
	K_OTHER,     /* ends any context */
	K_CONT,	     /* indented line: code excerpt, caret, Kconfig dependency detail */
	K_PRELUDE,   /* gcc's "In function", "In file included from", "inlined from" */
	K_NOTE,	     /* gcc note: belongs to the diagnostic before it */
	K_WARNING,   /* counted only */
	K_LD_INFUNC, /* ld: obj.o: in function `f': */
	K_LD_OTHER,  /* other ld chatter: keeps the "in function" context */
	K_LLD_START, /* ld.lld: error: undefined symbol: X (details follow on >>> lines) */
	K_LLD_REF,   /* >>> referenced by ... */
	K_NOTICE,    /* "some warnings being treated as errors", collect2: an error line, but no new error */
	K_ERROR,
};

/* What one line says, as spans into the (cleaned, quote-normalized) line. */
struct cls {
	enum kind kind;
	const char *type;
	bool secondary;
	bool also_warning; /* Kconfig's unmet dependencies are warnings that we keep as entries */
	bool ld;	   /* an ld line: keeps the "in function" context alive */
	bool msg_has_kind; /* msg starts with "fatal error: " or the like */
	bool enter_dir;	   /* make: Entering directory 'path' */
	struct span sym;
	struct span path; /* cc/as/kconfig: the file; modpost: the module; make: the makefile */
	struct span loc;  /* ld: what precedes ": undefined reference" */
	struct span obj;  /* ld: the object of an "in function" */
	struct span fn;
	struct span msg;
	struct span target; /* make: the target; make-fatal: nothing */
};

struct lld_pending {
	bool active;
	const char *type;
	char sym[NAME_MAX_];
	char source[PATH_MAX_];
	char object[PATH_MAX_];
	char function[NAME_MAX_];
	unsigned long line_no;
	/* Only the first reference is read: its source line, then its object line. */
	enum { LLD_WANT_SOURCE, LLD_WANT_OBJECT, LLD_DONE } state;
	struct buf text;
	unsigned nlines;
};

struct buildlog {
	struct buildlog_error *errors;
	size_t nerrors, nsecondary;
	unsigned short slots[HASH_SLOTS]; /* error index + 1, 0 = empty */
	unsigned long dropped, warnings, lines;

	char raw[BUILDLOG_LINE_MAX];
	size_t raw_len;
	bool raw_any; /* a line is in progress (it may have only '\r' or be longer than raw) */

	char *prefixes[MAX_PREFIXES];
	size_t nprefixes;

	/* The error whose first occurrence is still collecting context lines. */
	long ctx_error;
	unsigned ctx_lines;

	/* gcc lines that introduce the next diagnostic. */
	char prelude[PRELUDE_LINES][PRELUDE_LINE];
	unsigned nprelude;
	bool prelude_open; /* the last line was one of them: the next one extends the group */
	char prelude_fn[NAME_MAX_];

	/* ld's "in function" line applies to the reference lines after it. */
	bool ld_active;
	char ld_object[PATH_MAX_];
	char ld_function[NAME_MAX_];
	char ld_line[PRELUDE_LINE];

	struct lld_pending lld;
};

/* clang-format off */
static const char *const kernel_dirs[] = {
	"arch", "drivers", "fs", "include", "init", "mm", "net", "security", "sound", "block", "crypto",
	"ipc", "virt", "samples", "scripts", "certs", "io_uring", "rust", NULL,
};
/* clang-format on */
/* Also common outside a kernel tree (/usr, /var/lib): only the last one counts. */
static const char *const generic_dirs[] = { "kernel", "lib", "tools", "usr", NULL };

/* ---- small string helpers ---- */

static struct span span_of(const char *p, size_t n)
{
	struct span s = { p, n };

	return s;
}

static struct span span_str(const char *p)
{
	return span_of(p, strlen(p));
}

static const char *after(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

static bool span_ends(struct span s, const char *suffix)
{
	size_t n = strlen(suffix);

	return s.n >= n && memcmp(s.p + s.n - n, suffix, n) == 0;
}

static bool span_eq(struct span s, const char *str)
{
	return s.n == strlen(str) && memcmp(s.p, str, s.n) == 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_ident(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static struct span trim(struct span s)
{
	while (s.n && is_space(*s.p)) {
		s.p++;
		s.n--;
	}
	while (s.n && is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

static struct span basename_span(struct span s)
{
	for (size_t i = s.n; i > 0; i--) {
		if (s.p[i - 1] == '/')
			return span_of(s.p + i, s.n - i);
	}
	return s;
}

/* Length of the longest prefix of s, at most max bytes, that does not split a UTF-8 character. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* Copies a span into a fixed array, cut at a character boundary. */
static void copy_span(char *dst, size_t cap, struct span s)
{
	size_t n = s.n ? utf8_cut(s.p, s.n, cap - 1) : 0;

	if (n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* Length of a valid UTF-8 sequence at p (n bytes available), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n);

/* snprintf that never leaves half a UTF-8 character at the cut (its arguments are valid UTF-8). */
static void __attribute__((format(printf, 3, 4))) fmt_into(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	size_t n, start;

	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	n = strlen(out);
	start = n;
	while (start > 0 && n - start < 4 && ((unsigned char)out[start - 1] & 0xC0) == 0x80)
		start--;
	if (start > 0 && (unsigned char)out[start - 1] >= 0xC0)
		start--;
	if (start < n && utf8_seq((const unsigned char *)out + start, n - start) != n - start)
		out[start] = '\0';
}

/* Length of a valid UTF-8 sequence at p (n bytes available), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/*
 * Makes a raw line printable and safe for JSON: drops a trailing CR and
 * terminal escape sequences (colored gcc output), turns control characters
 * into spaces and NUL bytes and invalid UTF-8 into U+FFFD. Returns the length
 * written to out (which holds CLEAN_MAX + 1 bytes).
 */
static size_t clean_line(const char *raw, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)raw;
	size_t o = 0, i = 0;

	while (len && raw[len - 1] == '\r')
		len--;
	while (i < len) {
		unsigned char c = p[i];
		size_t n;

		if (c == 0x1b) {
			i++;
			if (i < len && p[i] == '[') {
				for (i++; i < len && !(p[i] >= 0x40 && p[i] <= 0x7e); i++)
					;
				i++;
			} else if (i < len && p[i] == ']') {
				for (i++; i < len && p[i] != 0x07 &&
					  !(p[i] == 0x1b && i + 1 < len && p[i + 1] == '\\');
				     i++)
					;
				i += (i < len && p[i] == 0x1b) ? 2 : 1;
			} else if (i < len) {
				i++;
			}
			continue;
		}
		if (c == 0 || c >= 0x80) {
			n = c ? utf8_seq(p + i, len - i) : 0;
			if (n == 0) {
				if (o + 3 > CLEAN_MAX)
					break;
				memcpy(out + o, "\xEF\xBF\xBD", 3);
				o += 3;
				i++;
				continue;
			}
			if (o + n > CLEAN_MAX)
				break;
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
			continue;
		}
		if (o + 1 > CLEAN_MAX)
			break;
		out[o++] = (c < 0x20 && c != '\t') ? ' ' : (char)c;
		i++;
	}
	out[o] = '\0';
	return o;
}

/* gcc quotes with U+2018/U+2019 in UTF-8 locales and with ' otherwise: signatures must not care. */
static void ascii_quotes(const char *in, char *out)
{
	while (*in) {
		if ((unsigned char)in[0] == 0xE2 && (unsigned char)in[1] == 0x80) {
			unsigned char c = (unsigned char)in[2];

			if (c == 0x98 || c == 0x99) {
				*out++ = '\'';
				in += 3;
				continue;
			}
			if (c == 0x9C || c == 0x9D) {
				*out++ = '"';
				in += 3;
				continue;
			}
		}
		*out++ = *in++;
	}
	*out = '\0';
}

/* ---- classification of one line (stateless) ---- */

/* "ld: ", "/usr/bin/ld: ", "x86_64-linux-gnu-ld.bfd: ", "ld.lld: ": returns what follows, or NULL. */
static const char *ld_prefix(const char *pl)
{
	const char *colon = strchr(pl, ':');
	struct span tok, base;

	if (!colon || colon[1] != ' ' || colon == pl)
		return NULL;
	tok = span_of(pl, (size_t)(colon - pl));
	if (memchr(tok.p, ' ', tok.n))
		return NULL;
	base = basename_span(tok);
	if (span_eq(base, "ld") || span_eq(base, "ld.bfd") || span_eq(base, "ld.gold") ||
	    span_eq(base, "ld.lld") || span_eq(base, "ld.mold") || span_eq(base, "mold") ||
	    span_ends(base, "-ld") || span_ends(base, "-ld.bfd") || span_ends(base, "-ld.gold") ||
	    span_ends(base, "-ld.lld"))
		return colon + 2;
	return NULL;
}

/* A quoted name at p: `x' or 'x' or "x". Sets *out and returns the end, or NULL. */
static const char *quoted(const char *p, struct span *out)
{
	const char *end;
	char close;

	if (*p == '`' || *p == '\'')
		close = '\'';
	else if (*p == '"')
		close = '"';
	else
		return NULL;
	end = strchr(p + 1, close);
	if (!end)
		return NULL;
	*out = span_of(p + 1, (size_t)(end - p - 1));
	return end + 1;
}

static const char *const ld_error_phrases[] = {
	"final link failed",
	"cannot find ",
	"relocation truncated to fit",
	"file not recognized",
	"file format not recognized",
	"will not fit in region",
	"overlaps section",
	"dangerous relocation",
	"unrecognized option",
	"cannot open ",
	"No such file",
	"could not ",
	"failed to ",
	"undefined symbol",
	"error: ",
	"Error: ",
	NULL,
};

static bool classify_ld(const char *pl, struct cls *c)
{
	const char *r = ld_prefix(pl), *hit, *q;
	bool prefixed = r != NULL;

	if (!r)
		r = pl;
	/* ld: obj.o: in function `f':   (old binutils: "In function") */
	hit = strstr(r, ": in function `");
	if (!hit)
		hit = strstr(r, ": In function `");
	if (hit) {
		struct span fn;

		q = quoted(hit + 14, &fn);
		if (q && *q == ':') {
			c->obj = span_of(r, (size_t)(hit - r));
			c->fn = fn;
			c->ld = true;
			if (q[1] == '\0') {
				c->kind = K_LD_INFUNC;
				return true;
			}
			/* As pasted in mail: "x.o: in function `f': x.c:(...): undefined ..." */
			r = q + 1;
			while (is_space(*r))
				r++;
		}
	}
	if ((hit = strstr(r, "undefined reference to ")) != NULL) {
		c->type = "ld-undefined";
		q = hit + strlen("undefined reference to ");
	} else if ((hit = strstr(r, "multiple definition of ")) != NULL) {
		c->type = "ld-multiple-definition";
		q = hit + strlen("multiple definition of ");
	} else {
		q = NULL;
	}
	if (q && quoted(q, &c->sym) && c->sym.n > 0) {
		c->kind = K_ERROR;
		c->ld = true;
		c->loc = span_of(r,
				 hit >= r + 2 && hit[-2] == ':' ? (size_t)(hit - 2 - r) : (size_t)(hit - r));
		c->loc = trim(c->loc);
		c->msg = span_str(hit);
		return true;
	}
	c->type = NULL;
	if (!prefixed)
		return false;
	c->ld = true;
	if ((q = after(r, "error: undefined symbol: ")) != NULL) {
		c->kind = K_LLD_START;
		c->type = "ld-undefined";
		c->sym = trim(span_str(q));
		return true;
	}
	if ((q = after(r, "error: duplicate symbol: ")) != NULL) {
		c->kind = K_LLD_START;
		c->type = "ld-multiple-definition";
		c->sym = trim(span_str(q));
		return true;
	}
	if (strstr(r, "warning: ") || strstr(r, "Warning: ")) {
		c->kind = K_WARNING;
		return true;
	}
	for (size_t i = 0; ld_error_phrases[i]; i++) {
		if (strstr(r, ld_error_phrases[i])) {
			c->kind = K_ERROR;
			c->type = "ld-error";
			c->msg = span_str(r);
			return true;
		}
	}
	c->kind = K_LD_OTHER;
	return true;
}

/* make[2]: *** [scripts/Makefile.build:229: drivers/x.o] Error 1   and   Makefile:12: *** msg.  Stop. */
static bool classify_make(const char *pl, struct cls *c)
{
	const char *colon = strchr(pl, ':'), *r, *close;
	struct span tok, base;

	if (!colon || colon == pl)
		return false;
	tok = span_of(pl, (size_t)(colon - pl));
	base = basename_span(tok);
	if (base.n && base.p[base.n - 1] == ']') {
		const char *lb = memchr(base.p, '[', base.n);

		if (lb)
			base.n = (size_t)(lb - base.p);
	}
	if (span_eq(base, "make") || span_eq(base, "gmake")) {
		r = after(colon, ": Entering directory '");
		if (r && span_ends(span_str(r), "'")) {
			c->path = span_of(r, strlen(r) - 1);
			c->enter_dir = true;
			return true;
		}
		r = after(colon, ": *** ");
		if (!r)
			return true; /* Leaving directory, Nothing to be done: K_OTHER */
		if (*r == '[' && (close = strstr(r, "] ")) != NULL) {
			struct span inner = span_of(r + 1, (size_t)(close - r - 1));
			const char *sep = NULL;

			for (size_t i = 0; i + 1 < inner.n; i++) {
				if (inner.p[i] == ':' && inner.p[i + 1] == ' ')
					sep = inner.p + i; /* the last ": " separates the target */
			}
			c->kind = K_ERROR;
			c->type = "make-error";
			c->secondary = true;
			if (sep) {
				const char *mcolon = memchr(inner.p, ':', (size_t)(sep - inner.p));

				c->path = span_of(inner.p, (size_t)((mcolon ? mcolon : sep) - inner.p));
				c->target = span_of(sep + 2, (size_t)(inner.p + inner.n - sep - 2));
			} else {
				c->target = inner;
			}
			c->msg = trim(span_str(close + 1));
			return true;
		}
		if (span_ends(span_str(r), "Stop.")) {
			c->kind = K_ERROR;
			c->type = "make-fatal";
			c->msg = span_str(r);
			return true;
		}
		return true; /* Waiting for unfinished jobs, Deleting file */
	}
	/* scripts/Makefile.build:41: *** missing separator.  Stop. */
	r = strstr(pl, ": *** ");
	if (r && is_digit(colon[1]) && span_ends(span_str(r), "Stop.")) {
		c->kind = K_ERROR;
		c->type = "make-fatal";
		c->path = tok;
		c->msg = span_str(r + 6);
		return true;
	}
	return false;
}

/* ERROR: modpost: ..., WARNING: ..., Kconfig's unmet dependencies. */
static bool classify_upper(const char *pl, struct cls *c)
{
	const char *r;
	bool error;

	if ((r = after(pl, "ERROR: ")) != NULL)
		error = true;
	else if ((r = after(pl, "WARNING: ")) != NULL)
		error = false;
	else
		return false;
	if (!error && after(r, "unmet direct dependencies detected for ")) {
		c->kind = K_ERROR;
		c->type = "kconfig-unmet";
		c->secondary = true;
		c->also_warning = true;
		c->sym = trim(span_str(r + strlen("unmet direct dependencies detected for ")));
		return true;
	}
	{
		const char *m = after(r, "modpost: ");
		const char *rest = m ? m : r;
		struct span sym;
		const char *q = quoted(rest, &sym);

		/* "sym" [drivers/x.ko] undefined!  (a warning only with KBUILD_MODPOST_WARN) */
		if (q && *rest == '"' && q[0] == ' ' && q[1] == '[') {
			const char *close = strchr(q + 2, ']');

			if (close && strcmp(close, "] undefined!") == 0) {
				c->kind = K_ERROR;
				c->type = "modpost-undefined";
				c->sym = sym;
				c->path = span_of(q + 2, (size_t)(close - q - 2));
				c->msg = span_str(rest);
				return true;
			}
		}
		if (!error) {
			c->kind = K_WARNING;
			return true;
		}
		c->kind = K_ERROR;
		c->type = m ? "modpost-error" : "error";
		c->msg = span_str(m ? rest : pl);
		return true;
	}
}

struct diag {
	struct span path;
	bool has_line;
	const char *kind;
	const char *msg;
};

static const char *const diag_kinds[] = {
	"fatal error", "internal compiler error", "error", "warning", "note", "Error", "Warning", NULL
};

/* path[:line[:col]]: kind: msg   (gcc, clang, as, objtool, Kconfig's "file:3:warning: ...") */
static bool parse_diag(const char *pl, struct diag *d)
{
	const char *colon = strchr(pl, ':'), *q;

	if (!colon || colon == pl || is_space(*pl))
		return false;
	d->path = span_of(pl, (size_t)(colon - pl));
	d->has_line = false;
	q = colon;
	if (is_digit(q[1])) {
		for (q++; is_digit(*q); q++)
			;
		if (*q != ':')
			return false;
		d->has_line = true;
		if (is_digit(q[1])) {
			for (q++; is_digit(*q); q++)
				;
			if (*q != ':')
				return false;
		}
	}
	q++;
	if (*q == ' ')
		q++;
	for (size_t i = 0; diag_kinds[i]; i++) {
		const char *r = after(q, diag_kinds[i]);

		if (r && r[0] == ':' && (r[1] == ' ' || r[1] == '\0')) {
			d->kind = diag_kinds[i];
			d->msg = r[1] ? r + 2 : r + 1;
			return true;
		}
	}
	return false;
}

static bool is_compiler(struct span path)
{
	struct span b = basename_span(path);
	static const char *const names[] = { "cc",  "cc1", "cc1plus", "cpp",   "c++",
					     "g++", "as",  "gcc",     "clang", NULL };

	for (size_t i = 0; names[i]; i++) {
		if (span_eq(b, names[i]))
			return true;
	}
	for (size_t i = 0; i + 3 <= b.n; i++) {
		if (memcmp(b.p + i, "gcc", 3) == 0 || (i + 5 <= b.n && memcmp(b.p + i, "clang", 5) == 0))
			return true;
	}
	return false;
}

static bool is_kconfig_file(struct span path)
{
	struct span b = basename_span(path);

	return b.n >= 7 && memcmp(b.p, "Kconfig", 7) == 0;
}

static bool classify_diag(const char *pl, struct cls *c)
{
	struct diag d;

	if (!parse_diag(pl, &d)) {
		/* Kconfig parser: "drivers/x/Kconfig:3: syntax error", "...: unknown statement \"foo\"" */
		const char *colon = strchr(pl, ':');

		if (colon && colon != pl && is_digit(colon[1]) &&
		    is_kconfig_file(span_of(pl, (size_t)(colon - pl)))) {
			const char *r = colon + 1;

			while (is_digit(*r))
				r++;
			if (r[0] == ':' && r[1] == ' ' &&
			    (strstr(r, "error") || strstr(r, "unknown statement") ||
			     strstr(r, "invalid statement") || strstr(r, "unexpected"))) {
				c->kind = K_ERROR;
				c->type = "kconfig-error";
				c->path = span_of(pl, (size_t)(colon - pl));
				c->msg = span_str(r + 2);
				return true;
			}
		}
		return false;
	}
	if (strcmp(d.kind, "note") == 0) {
		c->kind = K_NOTE;
		return true;
	}
	if (strcmp(d.kind, "warning") == 0 || strcmp(d.kind, "Warning") == 0) {
		c->kind = K_WARNING;
		return true;
	}
	c->kind = K_ERROR;
	c->msg = span_str(d.msg);
	if (is_kconfig_file(d.path)) {
		c->type = "kconfig-error";
		c->path = d.path;
	} else if (strcmp(d.kind, "Error") == 0) {
		c->type = "as-error";
		if (d.path.n && d.path.p[0] != '{')
			c->path = d.path; /* not "{standard input}" */
	} else if (after(d.msg, "objtool: ")) {
		c->type = "objtool-error";
		c->path = d.path;
	} else if (d.has_line) {
		c->type = "cc-error";
		c->path = d.path;
	} else if (is_compiler(d.path)) {
		c->type = "cc-error";
	} else {
		c->type = "error";
		c->msg = span_str(pl);
	}
	if (strcmp(d.kind, "fatal error") == 0 || strcmp(d.kind, "internal compiler error") == 0) {
		/* The kind is part of what went wrong: keep it in the message. */
		c->msg = span_str(d.msg - strlen(d.kind) - 2);
		c->msg_has_kind = true;
	}
	return true;
}

/* "  CC [M]  drivers/x.o", "  LD      vmlinux.o": kbuild's progress lines end any context. */
static bool is_kbuild_progress(const char *p, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len && is_space(p[i]))
		i++;
	while (i + n < len && ((p[i + n] >= 'A' && p[i + n] <= 'Z') || is_digit(p[i + n]) || p[i + n] == '_'))
		n++;
	if (n < 2)
		return false;
	i += n;
	if (i + 4 <= len && memcmp(p + i, " [M]", 4) == 0)
		i += 4;
	return i + 2 <= len && p[i] == ' ' && p[i + 1] == ' ';
}

static bool is_gcc_prelude(const char *pl)
{
	const char *p = pl;

	if (is_space(*p)) {
		while (is_space(*p))
			p++;
		return after(p, "from ") || after(p, "inlined from '");
	}
	if (after(p, "In file included from ") || after(p, "In function '"))
		return true;
	return (strstr(p, ": In function '") || strstr(p, ": In member function '") ||
		strstr(p, ": At top level:") || strstr(p, ": At global scope:") ||
		strstr(p, ": Assembler messages:")) &&
	       span_ends(span_str(p), ":");
}

/* What one cleaned, quote-normalized line is. */
static void classify(const char *pl, struct cls *c)
{
	const char *r;

	memset(c, 0, sizeof(*c));
	c->kind = K_OTHER;
	if (!*pl)
		return;
	if (after(pl, ">>>")) {
		c->kind = K_LLD_REF;
		return;
	}
	if (is_space(*pl)) {
		if (is_gcc_prelude(pl))
			c->kind = K_PRELUDE;
		else if (!is_kbuild_progress(pl, strlen(pl)))
			c->kind = K_CONT;
		return;
	}
	if (!strchr(pl, ':'))
		return;
	if (strstr(pl, "warnings being treated as errors") || after(pl, "collect2: error: ")) {
		c->kind = K_NOTICE;
		return;
	}
	if (classify_make(pl, c) || classify_upper(pl, c) || classify_ld(pl, c))
		return;
	if (is_gcc_prelude(pl)) {
		c->kind = K_PRELUDE;
		return;
	}
	if (classify_diag(pl, c))
		return;
	if ((r = after(pl, "error: ")) != NULL || (r = after(pl, "fatal error: ")) != NULL) {
		c->kind = K_ERROR;
		c->type = "error";
		c->msg = span_str(pl);
		return;
	}
	if (after(pl, "warning: ") || after(pl, "Warning: "))
		c->kind = K_WARNING;
}

/* ---- normalization for signatures ---- */

/*
 * Removes what changes between builds of the same mistake: line and column
 * numbers after file names, +0x offsets, addresses, the __COUNTER__ suffix of
 * BUILD_BUG_ON's __compiletime_assert_NNN.
 */
static void normalize_msg(struct span in, char *out, size_t cap)
{
	size_t o = 0, i = 0;
	size_t n = utf8_cut(in.p, in.n, MSG_MAX);

	while (i < n && o + 4 < cap) {
		const char *p = in.p + i;
		char ch = *p;

		/* +0x1c/0x40 */
		if (ch == '+' && i + 2 < n && p[1] == '0' && p[2] == 'x' && i + 3 < n && is_hex(p[3])) {
			i += 3;
			while (i < n && (is_hex(in.p[i]) || in.p[i] == '/' || in.p[i] == 'x'))
				i++;
			continue;
		}
		/* addresses */
		if (ch == '0' && i + 2 < n && p[1] == 'x' && is_hex(p[2]) && (i == 0 || !is_ident(p[-1]))) {
			i += 2;
			while (i < n && is_hex(in.p[i]))
				i++;
			memcpy(out + o, "0xN", 3);
			o += 3;
			continue;
		}
		/* file.c:12:3 -> file.c */
		if (ch == ':' && i > 0 && (is_ident(p[-1]) || p[-1] == ')') && i + 1 < n && is_digit(p[1])) {
			size_t j = i + 1;

			while (j < n &&
			       (is_digit(in.p[j]) || (in.p[j] == ':' && j + 1 < n && is_digit(in.p[j + 1]))))
				j++;
			if (j == n || !is_ident(in.p[j])) {
				i = j;
				continue;
			}
		}
		if (is_ident(ch) && (i == 0 || !is_ident(p[-1]))) {
			static const char *const counters[] = { "__compiletime_assert_", "__UNIQUE_ID_",
								NULL };
			size_t j = i;

			while (j < n && is_ident(in.p[j]))
				j++;
			for (size_t k = 0; counters[k]; k++) {
				size_t kl = strlen(counters[k]);

				if (j - i > kl && memcmp(p, counters[k], kl) == 0) {
					size_t end = j;

					while (end > i + kl && is_digit(in.p[end - 1]))
						end--;
					if (end < j && o + (end - i) + 1 < cap) {
						memcpy(out + o, p, end - i);
						o += end - i;
						out[o++] = 'N';
						i = j;
					}
					break;
				}
			}
			if (i == j)
				continue;
			if (o + (j - i) < cap) {
				memcpy(out + o, p, j - i);
				o += j - i;
				i = j;
				continue;
			}
			break;
		}
		out[o++] = ch;
		i++;
	}
	while (o > 0 && is_space(out[o - 1]))
		o--;
	out[o] = '\0';
}

/* Paths relative to the tree, so that where a worker keeps its trees does not change signatures. */
static void norm_path(const struct buildlog *s, struct span in, char *out, size_t cap)
{
	struct span p = trim(in);

	size_t strip = 0;

	for (size_t i = 0; s && i < s->nprefixes; i++) {
		size_t n = strlen(s->prefixes[i]);

		/* The longest prefix wins: a build directory may sit inside the source tree. */
		if (p.n > n + 1 && n + 1 > strip && memcmp(p.p, s->prefixes[i], n) == 0 && p.p[n] == '/')
			strip = n + 1;
	}
	p.p += strip;
	p.n -= strip;
	for (;;) {
		if (p.n > 2 && memcmp(p.p, "./", 2) == 0) {
			p.p += 2;
			p.n -= 2;
		} else if (p.n > 3 && memcmp(p.p, "../", 3) == 0) {
			p.p += 3;
			p.n -= 3;
		} else {
			break;
		}
	}
	if (p.n && p.p[0] == '/') {
		const char *best = NULL;

		for (size_t i = 0; i < p.n && !best; i++) {
			if (p.p[i] != '/')
				continue;
			for (size_t k = 0; kernel_dirs[k]; k++) {
				size_t kl = strlen(kernel_dirs[k]);

				if (i + 1 + kl < p.n && memcmp(p.p + i + 1, kernel_dirs[k], kl) == 0 &&
				    p.p[i + 1 + kl] == '/') {
					best = p.p + i + 1;
					break;
				}
			}
		}
		for (size_t i = p.n; i > 0 && !best; i--) {
			if (p.p[i - 1] != '/')
				continue;
			for (size_t k = 0; generic_dirs[k]; k++) {
				size_t kl = strlen(generic_dirs[k]);

				if (i + kl < p.n && memcmp(p.p + i, generic_dirs[k], kl) == 0 &&
				    p.p[i + kl] == '/') {
					best = p.p + i;
					break;
				}
			}
		}
		if (best) {
			p.n -= (size_t)(best - p.p);
			p.p = best;
		}
	}
	copy_span(out, cap, p);
}

/* Objects that hold a whole kernel: the source file name says more than they do. */
static bool is_aggregate(const char *obj)
{
	const char *b = strrchr(obj, '/');
	size_t n;

	b = b ? b + 1 : obj;
	n = strlen(b);
	return after(b, "vmlinux") || after(b, ".tmp_vmlinux") ||
	       (n >= 10 && strcmp(b + n - 10, "built-in.a") == 0);
}

static bool looks_like_object(struct span s)
{
	struct span b = basename_span(s);

	return span_ends(b, ".o") || span_ends(b, ".a") || span_ends(b, ".ko") || span_ends(b, ".so") ||
	       span_ends(b, ")") || after(b.p, "vmlinux") || after(b.p, ".tmp_vmlinux");
}

/* Splits ld's location ("obj.o:src.c:(.text+0x5)", "/abs/x.c:7", "(.text+0x15)") into object and source. */
static void split_ld_loc(struct span loc, struct span *obj, struct span *src)
{
	size_t i = 0;

	*obj = span_of(NULL, 0);
	*src = span_of(NULL, 0);
	while (i < loc.n) {
		size_t j = i;
		struct span part;
		bool digits = true;

		if (loc.p[i] == '(')
			break; /* (.text+0x12): the section, always last */
		while (j < loc.n && loc.p[j] != ':') {
			if (!is_digit(loc.p[j]))
				digits = false;
			j++;
		}
		part = trim(span_of(loc.p + i, j - i));
		if (part.n && !digits) {
			if (!obj->p && looks_like_object(part) && !src->p)
				*obj = part;
			else if (!src->p)
				*src = part;
		}
		i = j + 1;
	}
}

/* ---- the error table ---- */

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

struct found {
	const char *type;
	bool secondary;
	char sig[SIG_MAX];
	char sym[NAME_MAX_];
	char file[PATH_MAX_];
	char fn[NAME_MAX_];
	char msg[MSG_MAX + 8];
	bool in_function; /* an ld reference under the last "in function" line */
};

static void found_init(struct found *f, const char *type, bool secondary)
{
	memset(f, 0, sizeof(*f));
	f->type = type;
	f->secondary = secondary;
}

/* Appends one line to a first_lines buffer; false once the caps are reached. */
static bool context_add(struct buf *b, unsigned *nlines, const char *line)
{
	size_t room, n = strlen(line);

	if (*nlines >= BUILDLOG_CONTEXT_LINES)
		return false;
	room = BUILDLOG_CONTEXT_BYTES - b->len;
	if (b->len && room > 0)
		room--;
	if (room == 0)
		return false;
	if (b->len)
		buf_append(b, "\n", 1);
	buf_append(b, line, utf8_cut(line, n, room));
	(*nlines)++;
	return n <= room;
}

/*
 * Records an occurrence. A new error takes first_lines from ctx (the lines
 * that introduced it plus its own) and keeps collecting the context lines
 * that follow; a repeated one is only counted.
 */
static void add_error(struct buildlog *s, const struct found *f, struct buf *ctx, unsigned ctx_nlines,
		      unsigned long line_no)
{
	uint32_t h = hash_str(f->sig);
	size_t slot = h & (HASH_SLOTS - 1);
	struct buildlog_error *e;

	s->ctx_error = -1;
	while (s->slots[slot]) {
		e = &s->errors[s->slots[slot] - 1];
		if (strcmp(e->signature, f->sig) == 0) {
			e->count++;
			return;
		}
		slot = (slot + 1) & (HASH_SLOTS - 1);
	}
	if (s->nerrors >= BUILDLOG_MAX_ERRORS || (f->secondary && s->nsecondary >= BUILDLOG_MAX_SECONDARY)) {
		s->dropped++;
		return;
	}
	if (!s->errors)
		s->errors = xcalloc(BUILDLOG_MAX_ERRORS, sizeof(*s->errors));
	e = &s->errors[s->nerrors];
	e->type = f->type;
	e->signature = xstrdup(f->sig);
	e->symbol = f->sym[0] ? xstrdup(f->sym) : NULL;
	e->file = f->file[0] ? xstrdup(f->file) : NULL;
	e->function = f->fn[0] ? xstrdup(f->fn) : NULL;
	e->message = xstrdup(f->msg);
	e->first_lines = buf_steal(ctx);
	e->line_no = line_no;
	e->count = 1;
	e->secondary = f->secondary;
	s->slots[slot] = (unsigned short)(s->nerrors + 1);
	s->nerrors++;
	if (f->secondary)
		s->nsecondary++;
	s->ctx_error = (long)(s->nerrors - 1);
	s->ctx_lines = ctx_nlines;
}

/* Appends a context line to the first occurrence being collected. */
static void context_follow(struct buildlog *s, const char *line)
{
	struct buildlog_error *e;
	struct buf b = BUF_INIT(BUILDLOG_CONTEXT_BYTES);

	if (s->ctx_error < 0)
		return;
	e = &s->errors[s->ctx_error];
	b.data = e->first_lines;
	b.len = strlen(e->first_lines);
	b.cap = b.len + 1;
	if (!context_add(&b, &s->ctx_lines, line))
		s->ctx_error = -1;
	e->first_lines = b.data;
}

static void set_sig(struct found *f, const char *what, const char *where)
{
	if (where && *where)
		fmt_into(f->sig, sizeof(f->sig), "%s:%s:%s", f->type, what, where);
	else
		fmt_into(f->sig, sizeof(f->sig), "%s:%s", f->type, what);
}

/* The file an ld error is about: the source when the object is vmlinux.o (hmem.c, not vmlinux.o). */
static void ld_where(const struct buildlog *s, const char *object, struct span src, char *out, size_t cap)
{
	if (src.n && (!*object || is_aggregate(object))) {
		char full[PATH_MAX_];

		norm_path(s, src, full, sizeof(full));
		copy_span(out, cap, basename_span(span_str(full)));
	} else if (*object) {
		copy_span(out, cap, span_str(object));
	} else {
		out[0] = '\0';
	}
}

/* ---- lld's multi-line errors ---- */

static void lld_commit(struct buildlog *s)
{
	struct lld_pending *l = &s->lld;
	struct found f;

	if (!l->active)
		return;
	l->active = false;
	found_init(&f, l->type, false);
	copy_span(f.sym, sizeof(f.sym), span_str(l->sym));
	copy_span(f.fn, sizeof(f.fn), span_str(l->function));
	ld_where(s, l->object, span_str(l->source), f.file, sizeof(f.file));
	fmt_into(f.msg, sizeof(f.msg), "%s `%s'",
		 strcmp(l->type, "ld-undefined") == 0 ? "undefined reference to" : "multiple definition of",
		 f.sym);
	set_sig(&f, f.sym, f.file);
	add_error(s, &f, &l->text, l->nlines, l->line_no);
	buf_free(&l->text);
	s->ctx_error = -1;
}

static void lld_start(struct buildlog *s, const struct cls *c, const char *line)
{
	struct lld_pending *l = &s->lld;

	lld_commit(s);
	memset(l, 0, sizeof(*l));
	l->active = true;
	l->type = c->type;
	copy_span(l->sym, sizeof(l->sym), c->sym);
	l->line_no = s->lines;
	buf_init(&l->text, BUILDLOG_CONTEXT_BYTES);
	context_add(&l->text, &l->nlines, line);
}

/* >>> referenced by hmem.c:12 (drivers/dax/hmem/hmem.c:12)   then   >>>    vmlinux.o:(hmem_register_device)
 */
static void lld_ref(struct buildlog *s, const char *pl, const char *line)
{
	struct lld_pending *l = &s->lld;
	const char *p = pl + 3, *q;

	context_add(&l->text, &l->nlines, line);
	while (is_space(*p))
		p++;
	if ((q = after(p, "referenced by ")) != NULL || (q = after(p, "defined at ")) != NULL) {
		size_t n = 0;

		if (l->state != LLD_WANT_SOURCE) {
			l->state = LLD_DONE;
			return;
		}
		while (q[n] && q[n] != ':' && q[n] != ' ')
			n++;
		copy_span(l->source, sizeof(l->source), span_of(q, n));
		l->state = LLD_WANT_OBJECT;
		return;
	}
	if (l->state != LLD_WANT_OBJECT)
		return;
	l->state = LLD_DONE;
	/* obj.o:(function) [in archive x.a] */
	q = strstr(p, ":(");
	if (q) {
		const char *close = strchr(q, ')');
		struct span obj = span_of(p, (size_t)(q - p));
		char objn[PATH_MAX_];

		norm_path(s, obj, objn, sizeof(objn));
		copy_span(l->object, sizeof(l->object), span_str(objn));
		if (close && q[2] != '.')
			copy_span(l->function, sizeof(l->function), span_of(q + 2, (size_t)(close - q - 2)));
	}
}

/* ---- one line ---- */

static void prelude_reset(struct buildlog *s)
{
	s->nprelude = 0;
	s->prelude_fn[0] = '\0';
}

static void prelude_add(struct buildlog *s, const char *line, const char *pl)
{
	const char *fn;

	if (!s->prelude_open)
		prelude_reset(s);
	s->prelude_open = true;
	if (s->nprelude == PRELUDE_LINES)
		return;
	copy_span(s->prelude[s->nprelude++], PRELUDE_LINE, span_str(line));
	fn = strstr(pl, "In function '");
	if (!fn)
		fn = strstr(pl, "In member function '");
	if (fn) {
		struct span name;

		if (quoted(strchr(fn, '\''), &name))
			copy_span(s->prelude_fn, sizeof(s->prelude_fn), name);
	}
}

static void build_found(struct buildlog *s, const struct cls *c, struct found *f)
{
	char tmp[MSG_MAX + 8];

	found_init(f, c->type, c->secondary);
	copy_span(f->sym, sizeof(f->sym), c->sym);
	if (strcmp(c->type, "ld-undefined") == 0 || strcmp(c->type, "ld-multiple-definition") == 0) {
		struct span lobj, src;
		char object[PATH_MAX_] = "";

		split_ld_loc(c->loc, &lobj, &src);
		if (c->obj.n)
			norm_path(s, c->obj, object, sizeof(object));
		else if (lobj.n)
			norm_path(s, lobj, object, sizeof(object));
		else if (s->ld_active)
			copy_span(object, sizeof(object), span_str(s->ld_object));
		if (c->fn.n)
			copy_span(f->fn, sizeof(f->fn), c->fn);
		else if (!lobj.n && s->ld_active) {
			copy_span(f->fn, sizeof(f->fn), span_str(s->ld_function));
			f->in_function = true;
		}
		ld_where(s, object, src, f->file, sizeof(f->file));
		fmt_into(f->msg, sizeof(f->msg), "%s `%s'",
			 c->type[3] == 'u' ? "undefined reference to" : "multiple definition of", f->sym);
		set_sig(f, f->sym, f->file);
		return;
	}
	if (strcmp(c->type, "modpost-undefined") == 0) {
		copy_span(f->file, sizeof(f->file), c->path);
		fmt_into(f->msg, sizeof(f->msg), "modpost: \"%s\" [%s] undefined!", f->sym, f->file);
		set_sig(f, f->sym, f->file);
		return;
	}
	if (strcmp(c->type, "kconfig-unmet") == 0) {
		fmt_into(f->msg, sizeof(f->msg), "unmet direct dependencies detected for %s", f->sym);
		set_sig(f, f->sym, NULL);
		return;
	}
	if (strcmp(c->type, "make-fatal") == 0) {
		char msg[MSG_MAX + 8];

		if (c->path.n)
			norm_path(s, c->path, f->file, sizeof(f->file));
		copy_span(tmp, sizeof(tmp), c->msg);
		fmt_into(f->msg, sizeof(f->msg), "%s: *** %s", f->file[0] ? f->file : "make", tmp);
		normalize_msg(c->msg, msg, sizeof(msg));
		set_sig(f, f->file[0] ? f->file : msg, f->file[0] ? msg : NULL);
		return;
	}
	if (strcmp(c->type, "make-error") == 0) {
		char target[PATH_MAX_];

		norm_path(s, c->target, target, sizeof(target));
		if (c->path.n)
			norm_path(s, c->path, f->file, sizeof(f->file));
		copy_span(tmp, sizeof(tmp), c->msg);
		if (f->file[0])
			fmt_into(f->msg, sizeof(f->msg), "make: *** [%s: %s] %s", f->file, target, tmp);
		else
			fmt_into(f->msg, sizeof(f->msg), "make: *** [%s] %s", target, tmp);
		set_sig(f, target, NULL);
		return;
	}
	/* The rest: a file (maybe) and a message. */
	if (c->path.n)
		norm_path(s, c->path, f->file, sizeof(f->file));
	if (strcmp(c->type, "cc-error") == 0)
		copy_span(f->fn, sizeof(f->fn), span_str(s->prelude_fn));
	normalize_msg(c->msg, tmp, sizeof(tmp));
	/* The file first: the message may contain anything, colons included. */
	if (f->file[0])
		set_sig(f, f->file, tmp);
	else
		set_sig(f, tmp, NULL);
	copy_span(tmp, sizeof(tmp), c->msg);
	if (f->file[0] && strcmp(c->type, "error") != 0)
		fmt_into(f->msg, sizeof(f->msg), "%s: %s%s", f->file, c->msg_has_kind ? "" : "error: ", tmp);
	else if (strcmp(c->type, "cc-error") == 0 && !c->msg_has_kind)
		fmt_into(f->msg, sizeof(f->msg), "error: %s", tmp);
	else
		copy_span(f->msg, sizeof(f->msg), span_str(tmp));
}

static void process_line(struct buildlog *s, const char *raw, size_t len)
{
	char line[CLEAN_MAX + 1], pl[CLEAN_MAX + 1];
	struct cls c;

	s->lines++;
	/* Most lines of a build ("  CC      drivers/x.o") need no more than this. */
	if (len && !memchr(raw, ':', len) && raw[0] != '>' &&
	    (!is_space(raw[0]) || is_kbuild_progress(raw, len))) {
		lld_commit(s);
		s->ctx_error = -1;
		s->ld_active = false;
		prelude_reset(s);
		return;
	}
	clean_line(raw, len, line);
	ascii_quotes(line, pl);
	classify(pl, &c);

	if (s->lld.active) {
		if (c.kind == K_LLD_REF) {
			lld_ref(s, pl, line);
			return;
		}
		lld_commit(s);
	}
	if (!c.ld)
		s->ld_active = false;
	if (c.enter_dir && c.path.n && c.path.p[0] == '/') {
		char dir[PATH_MAX_];

		copy_span(dir, sizeof(dir), c.path);
		buildlog_add_path_prefix(s, dir);
	}
	if (c.kind != K_PRELUDE)
		s->prelude_open = false;

	switch (c.kind) {
	case K_CONT:
	case K_NOTE:
	case K_LLD_REF: context_follow(s, line); return;
	case K_PRELUDE:
		s->ctx_error = -1;
		prelude_add(s, line, pl);
		return;
	case K_WARNING:
		/* gcc's "In function" line also covers the errors after this warning */
		s->warnings++;
		s->ctx_error = -1;
		return;
	case K_LD_INFUNC:
		s->ld_active = true;
		norm_path(s, c.obj, s->ld_object, sizeof(s->ld_object));
		copy_span(s->ld_function, sizeof(s->ld_function), c.fn);
		copy_span(s->ld_line, sizeof(s->ld_line), span_str(line));
		break;
	case K_LLD_START:
		s->ctx_error = -1;
		lld_start(s, &c, line);
		break;
	case K_ERROR: {
		struct found f;
		struct buf ctx;
		unsigned nlines = 0;
		/* gcc's "In function" lines stay valid for its next diagnostics, not for other tools' */
		bool compiler = strcmp(c.type, "cc-error") == 0 || strcmp(c.type, "as-error") == 0;

		if (c.also_warning)
			s->warnings++;
		if (!compiler)
			prelude_reset(s);
		build_found(s, &c, &f);
		buf_init(&ctx, BUILDLOG_CONTEXT_BYTES);
		if (f.in_function)
			context_add(&ctx, &nlines, s->ld_line);
		for (unsigned i = 0; i < s->nprelude; i++)
			context_add(&ctx, &nlines, s->prelude[i]);
		context_add(&ctx, &nlines, line);
		add_error(s, &f, &ctx, nlines, s->lines);
		buf_free(&ctx);
		return;
	}
	case K_OTHER:
	case K_NOTICE:
	case K_LD_OTHER: break;
	}
	s->ctx_error = -1;
	prelude_reset(s);
}

/* ---- the public interface ---- */

struct buildlog *buildlog_new(void)
{
	struct buildlog *s = xcalloc(1, sizeof(*s));

	s->ctx_error = -1;
	return s;
}

void buildlog_add_path_prefix(struct buildlog *s, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (s->nprefixes == MAX_PREFIXES || n == 0 || (n == 1 && prefix[0] == '/'))
		return;
	for (size_t i = 0; i < s->nprefixes; i++) {
		if (strlen(s->prefixes[i]) == n && memcmp(s->prefixes[i], prefix, n) == 0)
			return;
	}
	s->prefixes[s->nprefixes++] = xstrndup(prefix, n);
}

void buildlog_feed(struct buildlog *s, const char *data, size_t len)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		size_t take = BUILDLOG_LINE_MAX - s->raw_len;

		if (take > n)
			take = n;
		memcpy(s->raw + s->raw_len, data, take);
		s->raw_len += take;
		s->raw_any = true;
		if (!nl)
			return;
		process_line(s, s->raw, s->raw_len);
		s->raw_len = 0;
		s->raw_any = false;
		data += n + 1;
		len -= n + 1;
	}
}

void buildlog_finish(struct buildlog *s)
{
	if (s->raw_any) {
		process_line(s, s->raw, s->raw_len);
		s->raw_len = 0;
		s->raw_any = false;
	}
	lld_commit(s);
	s->ctx_error = -1;
	s->ld_active = false;
	prelude_reset(s);
}

size_t buildlog_error_count(const struct buildlog *s)
{
	return s->nerrors;
}

const struct buildlog_error *buildlog_error_at(const struct buildlog *s, size_t i)
{
	return i < s->nerrors ? &s->errors[i] : NULL;
}

unsigned long buildlog_errors_dropped(const struct buildlog *s)
{
	return s->dropped;
}

unsigned long buildlog_warning_count(const struct buildlog *s)
{
	return s->warnings;
}

unsigned long buildlog_line_count(const struct buildlog *s)
{
	return s->lines;
}

bool buildlog_line_is_error(const char *line, size_t len)
{
	char clean[CLEAN_MAX + 1], pl[CLEAN_MAX + 1];
	struct cls c;

	if (len > BUILDLOG_LINE_MAX)
		len = BUILDLOG_LINE_MAX;
	if (len == 0 || !memchr(line, ':', len))
		return false;
	clean_line(line, len, clean);
	ascii_quotes(clean, pl);
	classify(pl, &c);
	return c.kind == K_ERROR || c.kind == K_LD_INFUNC || c.kind == K_LLD_START || c.kind == K_NOTICE;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *buildlog_errors_json(const struct buildlog *s)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < s->nerrors; i++) {
		const struct buildlog_error *e = &s->errors[i];
		json_t *o = json_object();

		json_object_set_new(o, "type", json_string(e->type));
		json_object_set_new(o, "signature", json_string(e->signature));
		json_object_set_new(o, "symbol", str_or_null(e->symbol));
		json_object_set_new(o, "file", str_or_null(e->file));
		json_object_set_new(o, "function", str_or_null(e->function));
		json_object_set_new(o, "message", json_string(e->message));
		json_object_set_new(o, "first_lines", json_string(e->first_lines));
		json_object_set_new(o, "line_no", json_integer((json_int_t)e->line_no));
		json_object_set_new(o, "count", json_integer((json_int_t)e->count));
		json_object_set_new(o, "secondary", json_boolean(e->secondary));
		json_array_append_new(arr, o);
	}
	return arr;
}

void buildlog_free(struct buildlog *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nerrors; i++) {
		struct buildlog_error *e = &s->errors[i];

		free(e->signature);
		free(e->symbol);
		free(e->file);
		free(e->function);
		free(e->message);
		free(e->first_lines);
	}
	free(s->errors);
	for (size_t i = 0; i < s->nprefixes; i++)
		free(s->prefixes[i]);
	buf_free(&s->lld.text);
	free(s);
}
