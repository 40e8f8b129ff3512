/* Parser, expander and bundler for matrix files (the format is described in docs/matrix-format.md). */
#include "matrix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "covering.h"
#include "err.h"
#include "expect.h"
#include "fsutil.h"
#include "kconfig.h"
#include "lines.h"
#include "strutil.h"
#include "xalloc.h"
#include "validate.h"

#define MAX_FILE_NAME	  128
#define MAX_SYMBOL	  128
#define MAX_LIST	  32 /* fragments, targets, notify addresses */
#define MAX_MODULES	  64
#define MAX_SCRATCH	  16
#define MAX_VARIANTS	  16
#define MAX_EXCLUDES	  1024
#define MAX_SCRATCH_SIZE  (64ULL << 30)
#define DEFAULT_TIMEOUT_S 120

enum section { SEC_NONE, SEC_MATRIX, SEC_AXES, SEC_EXCLUDE, SEC_BOOT, SEC_VARIANT, SEC_NOTIFY, SEC_EXPECT, SEC_COUNT };

static const char *const section_names[SEC_COUNT] = {
	"", "matrix", "axes", "exclude", "boot", "variant", "notify", "expect",
};

struct raw_exclude {
	char *text;
	unsigned line;
};

struct parser {
	const char *file;
	struct matrix *m;
	enum section sec;
	unsigned sec_line[SEC_COUNT]; /* first line of each section seen; 0 = absent */
	unsigned key_line[16];	      /* line of each key of the current section (at most 16 keys); 0 = not yet */
	struct raw_exclude *rex;
	size_t nrex;
	struct matrix_boot *boot; /* allocated at [boot] */
	struct matrix_variant *variants;
	size_t nvariants;
	size_t cur_variant;
	const char *line_base; /* the start of the current logical line, for columns */
};

struct key_def {
	const char *name;
	const char *expect; /* shown when the value is empty */
	int (*set)(struct parser *p, const char *value, unsigned line);
};

/* ---- small helpers ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Index of the first byte that is not part of valid UTF-8 (overlongs and surrogates refused), or n. */
static size_t utf8_bad(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return i;
		}
		if (n - i <= k)
			return i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t j = 2; j <= k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
		i += k + 1;
	}
	return n;
}

/*
 * User text echoed in a message, cut to a readable length (at a UTF-8
 * boundary) so one long value cannot push the rest of the message out.
 */
static const char *clip(const char *s)
{
	static _Thread_local char ring[4][72];
	static _Thread_local unsigned next;
	char *out = ring[next++ % 4];
	size_t n = strlen(s);

	if (n < 64) {
		memcpy(out, s, n + 1);
		return out;
	}
	n = 60;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, s, n);
	memcpy(out + n, "...", 4);
	return out;
}

static int perr(const struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(const struct parser *p, unsigned line, const char *fmt, ...)
{
	char msg[448];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(KM_EINVAL, "%s:%u: %s", clip(p->file), line, msg);
}

static void strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool strv_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Splits s on blanks into new strings appended to *v. */
static void split_ws(const char *s, char ***v, size_t *n)
{
	while (*s) {
		const char *e;

		while (is_blank(*s))
			s++;
		if (!*s)
			break;
		e = s;
		while (*e && !is_blank(*e))
			e++;
		strv_push(v, n, xstrndup(s, (size_t)(e - s)));
		s = e;
	}
}

/* Checks one word of a list value and keeps it (setting *word to NULL), or fails with the reason. */
typedef int (*word_taker)(struct parser *p, unsigned line, char **word, void *ctx);

/*
 * A blank-separated list value: at most max words, each given in order to
 * take; what names the words in the count's error ("fragments").
 */
static int take_words(struct parser *p, const char *v, unsigned line, const char *what, size_t max, word_taker take,
		      void *ctx)
{
	char **words = NULL;
	size_t n = 0;
	int rc = 0;

	split_ws(v, &words, &n);
	if (n > max)
		rc = perr(p, line, "too many %s (%zu; expected at most %zu)", what, n, max);
	for (size_t i = 0; !rc && i < n; i++)
		rc = take(p, line, &words[i], ctx);
	strv_free(words, n);
	return rc;
}

bool matrix_file_name_ok(const char *name)
{
	size_t n = 0;

	if (!name || name[0] == '\0' || name[0] == '.')
		return false;
	for (; name[n]; n++) {
		char c = name[n];

		if (!(is_lower(c) || is_upper(c) || is_digit(c) || c == '.' || c == '_' || c == '-'))
			return false;
		if (n >= MAX_FILE_NAME)
			return false;
	}
	return true;
}

static bool name_ok(const char *name, size_t max)
{
	size_t n;

	if (!name || !(is_lower(name[0]) || is_digit(name[0])))
		return false;
	for (n = 1; name[n]; n++) {
		char c = name[n];

		if (!(is_lower(c) || is_digit(c) || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return n <= max;
}

bool matrix_name_ok(const char *name)
{
	return name_ok(name, 64);
}

static bool symbol_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!(is_upper(s[n]) || is_digit(s[n]) || s[n] == '_'))
			return false;
	return n > 0 && n <= MAX_SYMBOL;
}

static const char *strip_config(const char *s)
{
	return strncmp(s, "CONFIG_", 7) == 0 ? s + 7 : s;
}

/* A relative path without empty, "." or ".." components, not starting with '-'. */
static bool rel_path_ok(const char *s, bool allow_slash)
{
	const char *c = s;

	if (!*s || *s == '-' || strlen(s) > 256)
		return false;
	while (*c) {
		const char *e = c;

		while (*e && *e != '/') {
			if (!(is_lower(*e) || is_upper(*e) || is_digit(*e) || *e == '.' || *e == '_' ||
			      *e == '-'))
				return false;
			e++;
		}
		if (e == c || (e - c == 1 && c[0] == '.') || (e - c == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!*e)
			break;
		if (!allow_slash)
			return false;
		c = e + 1;
		if (!*c)
			return false;
	}
	return true;
}

static int unsafe_name(struct parser *p, unsigned line, const char *what, const char *name)
{
	return perr(p, line,
		    "unsafe file name '%s' for %s (expected a bare file name in the matrix's directory: "
		    "[A-Za-z0-9._-]+, not starting with '.')",
		    clip(name), what);
}

/* ---- [matrix] ---- */

static int set_name(struct parser *p, const char *v, unsigned line)
{
	if (!matrix_name_ok(v))
		return perr(p, line, "bad name '%s' (expected [a-z0-9][a-z0-9._-]{0,63}, e.g. cxl-dax-hmem)",
			    clip(v));
	p->m->name = xstrdup(v);
	p->m->name_line = line;
	return 0;
}

static int set_arch(struct parser *p, const char *v, unsigned line)
{
	size_t n = 0;

	for (; v[n]; n++)
		if (!(is_lower(v[n]) || is_digit(v[n]) || v[n] == '_'))
			break;
	if (v[n] || n > 32)
		return perr(p, line,
			    "bad arch '%s' (expected [a-z0-9_]+ as given to make ARCH=, e.g. x86_64)",
			    clip(v));
	p->m->arch = xstrdup(v);
	return 0;
}

static int set_base(struct parser *p, const char *v, unsigned line)
{
	if (strcmp(v, "tinyconfig") != 0 && strcmp(v, "allnoconfig") != 0 && strcmp(v, "defconfig") != 0) {
		if (!str_ends_with(v, ".config") || strcmp(v, ".config") == 0)
			return perr(
				p, line,
				"bad base '%s' (expected tinyconfig, allnoconfig, defconfig or FILE.config)",
				clip(v));
		if (!matrix_file_name_ok(v))
			return unsafe_name(p, line, "base", v);
	}
	p->m->base = xstrdup(v);
	p->m->base_line = line;
	return 0;
}

static int take_fragment(struct parser *p, unsigned line, char **word, void *ctx)
{
	struct matrix *m = ctx;

	if (!matrix_file_name_ok(*word))
		return unsafe_name(p, line, "fragment", *word);
	if (strv_has(m->fragments, m->nfragments, *word))
		return perr(p, line, "fragment '%s' listed twice (expected each file once)", clip(*word));
	strv_push(&m->fragments, &m->nfragments, *word);
	*word = NULL;
	return 0;
}

static int set_fragment(struct parser *p, const char *v, unsigned line)
{
	p->m->fragments_line = line;
	return take_words(p, v, line, "fragments", MAX_LIST, take_fragment, p->m);
}

static int take_target(struct parser *p, unsigned line, char **word, void *ctx)
{
	struct matrix *m = ctx;

	/* A target starting with '-' or holding '=' would be a make option or variable. */
	if (!rel_path_ok(*word, true))
		return perr(p, line,
			    "bad make target '%s' (expected names like vmlinux modules bzImage: "
			    "[A-Za-z0-9._/-]+, not starting with '-')",
			    clip(*word));
	strv_push(&m->targets, &m->ntargets, *word);
	*word = NULL;
	return 0;
}

static int set_targets(struct parser *p, const char *v, unsigned line)
{
	return take_words(p, v, line, "targets", MAX_LIST, take_target, p->m);
}

static int set_image(struct parser *p, const char *v, unsigned line)
{
	if (!rel_path_ok(v, true))
		return perr(p, line,
			    "bad image '%s' (expected a path relative to the build directory, "
			    "e.g. arch/x86/boot/bzImage)",
			    clip(v));
	p->m->image = xstrdup(v);
	return 0;
}

/* ---- [axes] ---- */

static int add_axis(struct parser *p, const char *key, const char *v, unsigned line)
{
	struct matrix *m = p->m;
	const char *sym = strip_config(key);
	struct matrix_axis ax = { 0 };
	char **words = NULL;
	size_t n = 0;
	int rc = 0;

	if (!symbol_ok(sym))
		return perr(
			p, line,
			"bad symbol '%s' (expected [A-Z0-9_]+ with or without CONFIG_, e.g. DEV_DAX_HMEM)",
			clip(key));
	for (size_t i = 0; i < m->naxes; i++)
		if (strcmp(m->axes[i].symbol, sym) == 0)
			return perr(p, line, "duplicate axis '%s' (first at line %u)", sym, m->axes[i].line);
	if (m->naxes >= MATRIX_MAX_AXES)
		return perr(p, line, "too many axes (expected at most %d)", MATRIX_MAX_AXES);
	split_ws(v, &words, &n);
	if (n == 0) {
		rc = perr(p, line, "no values for axis %s (expected a non-empty subset of: y m n)", sym);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const char *w = words[i];

		if (strlen(w) != 1 || !strchr("ymn", w[0])) {
			rc = perr(p, line, "bad value '%s' for %s (expected y, m or n)", clip(w), sym);
			goto done;
		}
		if (strchr(ax.values, w[0])) {
			rc = perr(p, line,
				  "value '%c' repeated for %s (expected each of y, m, n at most once)", w[0],
				  sym);
			goto done;
		}
		ax.values[ax.nvalues++] = w[0];
	}
	ax.symbol = xstrdup(sym);
	ax.line = line;
	m->axes = xrealloc(m->axes, (m->naxes + 1) * sizeof(*m->axes));
	m->axes[m->naxes++] = ax;
done:
	strv_free(words, n);
	return rc;
}

/* ---- [exclude], resolved once every axis is known ---- */

static int axis_index(const struct matrix *m, const char *sym, size_t *out)
{
	sym = strip_config(sym);
	for (size_t i = 0; i < m->naxes; i++) {
		if (strcmp(m->axes[i].symbol, sym) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

static const char *axis_list(const struct matrix *m)
{
	static _Thread_local char out[200];
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < m->naxes; i++) {
		int n = snprintf(out + len, sizeof(out) - len, "%s%s", i ? ", " : "", m->axes[i].symbol);

		if (n < 0 || (size_t)n >= sizeof(out) - len) {
			snprintf(out + sizeof(out) - 5, 5, "...");
			break;
		}
		len += (size_t)n;
	}
	return out;
}

static const char *spaced(const char *values)
{
	static _Thread_local char out[8];
	size_t n = 0;

	for (size_t i = 0; values[i] && n + 2 < sizeof(out); i++) {
		if (i)
			out[n++] = ' ';
		out[n++] = values[i];
	}
	out[n] = '\0';
	return out;
}

static int resolve_exclude(struct parser *p, const struct raw_exclude *rx, struct matrix_exclude *ex)
{
	const struct matrix *m = p->m;
	char *norm = xmalloc(strlen(rx->text) + 1);
	char **words = NULL;
	size_t n = 0, len = 0;
	int rc = 0;

	/* "A = n, m" is read as "A=n,m": terms are split on the blanks that remain. */
	for (const char *s = rx->text; *s; s++) {
		if (is_blank(*s)) {
			const char *t = s;

			while (is_blank(*t))
				t++;
			if (*t == '=' || *t == ',' ||
			    (len > 0 && (norm[len - 1] == '=' || norm[len - 1] == ','))) {
				s = t - 1;
				continue;
			}
		}
		norm[len++] = *s;
	}
	norm[len] = '\0';
	split_ws(norm, &words, &n);
	ex->line = rx->line;
	ex->terms = xcalloc(n, sizeof(*ex->terms));
	for (size_t i = 0; i < n; i++) {
		struct matrix_exclude_term *t = &ex->terms[i];
		char *eq = strchr(words[i], '=');
		const char *sym;
		size_t nv = 0;

		if (!eq || eq == words[i] || !eq[1]) {
			rc = perr(p, rx->line, "bad exclude term '%s' (expected AXIS=v or AXIS=v,v)",
				  clip(words[i]));
			goto done;
		}
		*eq = '\0';
		if (axis_index(m, words[i], &t->axis) != 0) {
			rc = perr(p, rx->line,
				  "exclude names '%s', which is not an axis (expected one of: %s)",
				  clip(words[i]), axis_list(m));
			goto done;
		}
		sym = m->axes[t->axis].symbol;
		for (size_t j = 0; j < ex->nterms; j++) {
			if (ex->terms[j].axis == t->axis) {
				rc = perr(p, rx->line,
					  "axis %s appears twice in one exclude line (expected %s=v,v)", sym,
					  sym);
				goto done;
			}
		}
		for (char *v = eq + 1;;) {
			char *comma = strchr(v, ',');

			if (comma)
				*comma = '\0';
			if (strlen(v) != 1 || !strchr("ymn", v[0])) {
				rc = perr(p, rx->line,
					  "bad value '%s' in exclude term for %s (expected y, m or n)",
					  clip(v), sym);
				goto done;
			}
			if (!strchr(m->axes[t->axis].values, v[0])) {
				rc = perr(
					p, rx->line,
					"exclude value '%c' is not a value of axis %s (expected one of: %s)",
					v[0], sym, spaced(m->axes[t->axis].values));
				goto done;
			}
			if (strchr(t->values, v[0])) {
				rc = perr(p, rx->line, "value '%c' repeated in exclude term for %s", v[0],
					  sym);
				goto done;
			}
			t->values[nv++] = v[0];
			if (!comma)
				break;
			v = comma + 1;
		}
		ex->nterms++;
	}
done:
	strv_free(words, n);
	free(norm);
	return rc;
}

/* ---- [boot] ---- */

static int check_placeholders(struct parser *p, unsigned line, const char *key, const char *v)
{
	static const char *const known[] = { "kernel", "initrd", "append", "dir" };

	for (const char *s = strchr(v, '{'); s; s = strchr(s + 1, '{')) {
		const char *e = s + 1;
		bool ok = false;

		while (is_lower(*e) || *e == '_')
			e++;
		if (*e != '}' || e == s + 1)
			continue; /* not a placeholder, e.g. QEMU's JSON syntax */
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if ((size_t)(e - s - 1) == strlen(known[i]) &&
			    strncmp(s + 1, known[i], strlen(known[i])) == 0)
				ok = true;
		if (!ok) {
			char *word = xstrndup(s, (size_t)(e - s + 1));
			int rc = perr(p, line,
				      "unknown placeholder '%s' in %s (expected {kernel}, {initrd}, {append} "
				      "or {dir})",
				      clip(word), key);

			free(word);
			return rc;
		}
	}
	return 0;
}

static int set_command(struct parser *p, const char *key, char **slot, const char *v, unsigned line)
{
	int rc;

	if (p->boot->qemu || p->boot->exec)
		return perr(p, line, "both 'qemu' and 'exec' in [boot] (expected exactly one)");
	rc = check_placeholders(p, line, key, v);
	if (rc)
		return rc;
	*slot = xstrdup(v);
	return 0;
}

static int set_qemu(struct parser *p, const char *v, unsigned line)
{
	return set_command(p, "qemu", &p->boot->qemu, v, line);
}

static int set_exec(struct parser *p, const char *v, unsigned line)
{
	return set_command(p, "exec", &p->boot->exec, v, line);
}

static int set_append(struct parser *p, const char *v, unsigned line)
{
	free(p->boot->append);
	p->boot->append = xstrdup(v);
	return 0;
}

static int set_check(struct parser *p, const char *v, unsigned line)
{
	if (!matrix_file_name_ok(v))
		return unsafe_name(p, line, "check", v);
	p->boot->check = xstrdup(v);
	p->boot->check_line = line;
	return 0;
}

/* "256M" -> bytes; digits with an optional K/M/G suffix (binary units). */
static bool parse_size(const char *s, unsigned long long *out)
{
	unsigned long long v = 0, mult = 1;
	const char *c = s;

	if (!is_digit(*c))
		return false;
	for (; is_digit(*c); c++) {
		if (v > MAX_SCRATCH_SIZE)
			return false;
		v = v * 10 + (unsigned long long)(*c - '0');
	}
	switch (*c) {
	case '\0': break;
	case 'k':
	case 'K':
		mult = 1ULL << 10;
		c++;
		break;
	case 'm':
	case 'M':
		mult = 1ULL << 20;
		c++;
		break;
	case 'g':
	case 'G':
		mult = 1ULL << 30;
		c++;
		break;
	default: return false;
	}
	if (*c || v == 0 || v > MAX_SCRATCH_SIZE / mult)
		return false;
	*out = v * mult;
	return true;
}

static int take_scratch(struct parser *p, unsigned line, char **word, void *ctx)
{
	struct matrix_boot *b = ctx;
	char *colon = strrchr(*word, ':');
	unsigned long long size;

	if (!colon)
		return perr(p, line, "bad scratch '%s' (expected NAME:SIZE, e.g. cxl-mem0.raw:256M)", clip(*word));
	*colon = '\0';
	if (!matrix_file_name_ok(*word))
		return unsafe_name(p, line, "scratch", *word);
	if (!parse_size(colon + 1, &size))
		return perr(p, line,
			    "bad scratch size '%s' for %s (expected a number with K, M or G, "
			    "e.g. 256M; at most 64G)",
			    clip(colon + 1), clip(*word));
	for (size_t j = 0; j < b->nscratch; j++)
		if (strcmp(b->scratch[j].name, *word) == 0)
			return perr(p, line, "scratch file '%s' listed twice (expected each name once)",
				    clip(*word));
	b->scratch = xrealloc(b->scratch, (b->nscratch + 1) * sizeof(*b->scratch));
	b->scratch[b->nscratch].name = *word;
	b->scratch[b->nscratch++].size = size;
	*word = NULL;
	return 0;
}

static int set_scratch(struct parser *p, const char *v, unsigned line)
{
	return take_words(p, v, line, "scratch files", MAX_SCRATCH, take_scratch, p->boot);
}

static int set_timeout(struct parser *p, const char *v, unsigned line)
{
	unsigned t = 0;
	const char *c = v;

	for (; is_digit(*c) && t <= 3600; c++)
		t = t * 10 + (unsigned)(*c - '0');
	if (*c || t < 1 || t > 3600)
		return perr(p, line, "bad timeout '%s' (expected whole seconds, 1 to 3600)", clip(v));
	p->boot->timeout_s = t;
	return 0;
}

/* ---- [variant NAME] ---- */

static int take_module(struct parser *p, unsigned line, char **word, void *ctx)
{
	struct matrix_variant *var = ctx;
	const char *w = *word;
	size_t k = 0;

	for (; w[k]; k++)
		if (!(is_lower(w[k]) || is_digit(w[k]) || w[k] == '_' || w[k] == '-'))
			break;
	if (w[k] || k > 64)
		return perr(p, line, "bad module name '%s' (expected [a-z0-9_-]+, e.g. cxl_acpi)", clip(w));
	if (strv_has(var->load, var->nload, w))
		return perr(p, line, "module '%s' listed twice in load (expected each module once)", clip(w));
	strv_push(&var->load, &var->nload, *word);
	*word = NULL;
	return 0;
}

static int set_load(struct parser *p, const char *v, unsigned line)
{
	return take_words(p, v, line, "modules", MAX_MODULES, take_module, &p->variants[p->cur_variant]);
}

static int set_repeat(struct parser *p, const char *v, unsigned line)
{
	char *end = NULL;
	unsigned long n = strtoul(v, &end, 10);

	if (!(*v >= '1' && *v <= '9') || *end || n > MATRIX_MAX_REPEAT)
		return perr(p, line, "bad repeat '%s' (expected a whole number of boots, 1 to %d)", clip(v),
			    MATRIX_MAX_REPEAT);
	p->variants[p->cur_variant].repeat = (unsigned)n;
	return 0;
}

static int set_parallel(struct parser *p, const char *v, unsigned line)
{
	if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
		return perr(p, line, "bad parallel '%s' (expected yes or no)", clip(v));
	p->variants[p->cur_variant].parallel = strcmp(v, "yes") == 0;
	return 0;
}

static int set_modprobe(struct parser *p, const char *v, unsigned line)
{
	struct matrix_variant *var = &p->variants[p->cur_variant];

	if (strcmp(v, "busybox") != 0 && strcmp(v, "kmod") != 0)
		return perr(p, line, "bad modprobe '%s' (expected busybox or kmod)", clip(v));
	free(var->modprobe);
	var->modprobe = xstrdup(v);
	return 0;
}

/* ---- [notify] ---- */

static int set_to(struct parser *p, const char *v, unsigned line)
{
	struct matrix *m = p->m;
	const char *s = v;

	while (*s) {
		const char *e = strchr(s, ',');
		char *addr, *t;
		size_t n = e ? (size_t)(e - s) : strlen(s);

		addr = xstrndup(s, n);
		t = validate_trim(addr);
		if (*t) {
			if (!validate_address(t)) {
				int rc = perr(p, line,
					      "bad e-mail address '%s' in 'to' (expected name@domain, "
					      "comma-separated)",
					      clip(t));

				free(addr);
				return rc;
			}
			if (m->nnotify >= MAX_LIST) {
				free(addr);
				return perr(p, line, "too many addresses in 'to' (expected at most %d)",
					    MAX_LIST);
			}
			if (!strv_has(m->notify_to, m->nnotify, t))
				strv_push(&m->notify_to, &m->nnotify, xstrdup(t));
		}
		free(addr);
		s += n;
		if (*s == ',')
			s++;
	}
	if (m->nnotify == 0)
		return perr(p, line, "no address in 'to' (expected comma-separated e-mail addresses)");
	return 0;
}

/* ---- [expect] ---- */

/* Rewrites expect's "column N: ..." as "FILE:LINE:N: ...". */
static int expect_err(const struct parser *p, unsigned line)
{
	const char *msg = err_msg();
	char *end = NULL;
	unsigned long col = strncmp(msg, "column ", 7) == 0 ? strtoul(msg + 7, &end, 10) : 0;
	char *rest = xstrdup(col && end && *end == ':' ? end + 1 : msg);
	int rc = err_set(KM_EINVAL, "%s:%u:%lu:%s%s", clip(p->file), line, col ? col : 1UL, col ? "" : " ", rest);

	free(rest);
	return rc;
}

static int add_expect(struct parser *p, const char *key, const char *value, unsigned line)
{
	struct matrix *m = p->m;
	struct expect_rule *r = NULL;
	unsigned col = (unsigned)(value - p->line_base) + 1;

	for (size_t i = 0; i < m->nexpects; i++)
		if (strcmp(m->expects[i].name, key) == 0)
			return perr(p, line, "duplicate rule '%s' in [expect] (first at line %u)", clip(key),
				    m->expects[i].line);
	if (m->nexpects >= EXPECT_MAX_RULES)
		return perr(p, line, "too many rules (expected at most %d)", EXPECT_MAX_RULES);
	if (!*value)
		return perr(p, line, "empty rule '%s' in [expect] (expected never, always, builds or owner and "
			    "what must hold)", clip(key));
	if (expect_rule_parse(key, value, col, line, &r) != 0)
		return expect_err(p, line);
	m->expects = xrealloc(m->expects, (m->nexpects + 1) * sizeof(*m->expects));
	m->expects[m->nexpects++] = *r;
	free(r); /* its fields now belong to m->expects */
	return 0;
}

/* Owner rules need boots, and the variants they name must exist. */
static int check_expects(struct parser *p)
{
	const struct matrix *m = p->m;

	for (size_t i = 0; i < m->nexpects; i++) {
		const struct expect_rule *r = &m->expects[i];

		if (r->kind != EXPECT_OWNER)
			continue;
		if (!m->boot)
			return perr(p, r->line, "owner rule '%s' without a [boot] section (expected [boot]: owners "
				    "come from boots)", r->name);
		for (size_t k = 0; k < r->nvariants; k++) {
			bool found = false;

			for (size_t v = 0; v < m->boot->nvariants; v++)
				found = found || strcmp(m->boot->variants[v].name, r->variants[k]) == 0;
			if (!found)
				return perr(p, r->line, "rule '%s' names variant '%s', which the matrix does not have "
					    "(expected one of its [variant NAME] sections)", r->name, clip(r->variants[k]));
		}
	}
	return 0;
}

/* ---- [matrix]: matrices from the series ---- */

static int set_axes(struct parser *p, const char *v, unsigned line)
{
	if (strcmp(v, "auto") != 0)
		return perr(p, line, "bad axes '%s' (expected auto, or an [axes] section instead)", clip(v));
	p->m->axes_auto = true;
	p->m->axes_line = line;
	return 0;
}

static int set_bound(struct parser *p, const char *key, const char *v, unsigned line, unsigned lo, unsigned hi,
		     unsigned *out)
{
	unsigned long t = 0;
	const char *c = v;

	for (; is_digit(*c) && t <= hi; c++)
		t = t * 10 + (unsigned long)(*c - '0');
	if (*c || c == v || t < lo || t > hi)
		return perr(p, line, "bad %s '%s' (expected a whole number, %u to %u)", key, clip(v), lo, hi);
	*out = (unsigned)t;
	return 0;
}

static int set_max_axes(struct parser *p, const char *v, unsigned line)
{
	return set_bound(p, "max_axes", v, line, 1, MATRIX_MAX_AXES, &p->m->max_axes);
}

static int set_max_requests(struct parser *p, const char *v, unsigned line)
{
	return set_bound(p, "max_requests", v, line, 1, 6561, &p->m->max_requests);
}

static int set_cover(struct parser *p, const char *v, unsigned line)
{
	return set_bound(p, "cover", v, line, 2, 3, &p->m->cover);
}

static int set_seeds(struct parser *p, const char *v, unsigned line)
{
	char *copy = xstrdup(v), *save = NULL;

	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (p->m->nseeds >= 64 || strspn(w, "ymn") != strlen(w) || strlen(w) > MATRIX_MAX_AXES) {
			free(copy);
			return perr(p, line, "bad seed '%s' (expected at most 64 points such as ymy, one y/m/n per axis)",
				    clip(w));
		}
		strv_push(&p->m->seeds, &p->m->nseeds, xstrdup(w));
	}
	free(copy);
	p->m->seeds_line = line;
	return 0;
}

/* ---- sections and keys ---- */

static const struct key_def matrix_keys[] = {
	{ "name", "a matrix name, e.g. cxl-dax-hmem", set_name },
	{ "arch", "an ARCH= value, e.g. x86_64", set_arch },
	{ "base", "tinyconfig, allnoconfig, defconfig or FILE.config", set_base },
	{ "fragment", "one or more .config fragment files", set_fragment },
	{ "targets", "make targets, e.g. vmlinux modules bzImage", set_targets },
	{ "image", "a path relative to the build directory", set_image },
	{ "axes", "auto", set_axes },
	{ "max_axes", "1 to 8", set_max_axes },
	{ "max_requests", "a whole number", set_max_requests },
	{ "cover", "2 or 3", set_cover },
	{ "seeds", "points such as ymy", set_seeds },
	{ NULL, NULL, NULL },
};

static const struct key_def boot_keys[] = {
	{ "qemu", "qemu-system arguments", set_qemu },
	{ "exec", "a command line, e.g. {kernel} {append}", set_exec },
	{ "append", NULL, set_append }, /* may be empty: no kernel command line */
	{ "check", "a guest check script file name", set_check },
	{ "scratch", "NAME:SIZE pairs, e.g. cxl-mem0.raw:256M", set_scratch },
	{ "timeout", "whole seconds, 1 to 3600", set_timeout },
	{ NULL, NULL, NULL },
};

static const struct key_def variant_keys[] = {
	{ "load", "module names in load order", set_load },
	{ "modprobe", "busybox or kmod", set_modprobe },
	{ "repeat", "a whole number of boots, 1 to 20", set_repeat },
	{ "parallel", "yes or no", set_parallel },
	{ NULL, NULL, NULL },
};

static const struct key_def notify_keys[] = {
	{ "to", "comma-separated e-mail addresses", set_to },
	{ NULL, NULL, NULL },
};

static const struct key_def *keys_of(enum section s)
{
	switch (s) {
	case SEC_MATRIX: return matrix_keys;
	case SEC_BOOT: return boot_keys;
	case SEC_VARIANT: return variant_keys;
	case SEC_NOTIFY: return notify_keys;
	default: return NULL;
	}
}

/* "[matrix]", or "[variant NAME]" for the current variant. */
static const char *sec_label(const struct parser *p)
{
	static _Thread_local char out[64];

	if (p->sec == SEC_VARIANT)
		snprintf(out, sizeof(out), "[variant %s]", p->variants[p->cur_variant].name);
	else
		snprintf(out, sizeof(out), "[%s]", section_names[p->sec]);
	return out;
}

static int key_list(const struct key_def *keys, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; keys[i].name; i++) {
		int n = snprintf(out + len, size - len, "%s%s", i ? ", " : "", keys[i].name);

		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	return 0;
}

static int section_header(struct parser *p, char *line, unsigned lineno)
{
	size_t n = strlen(line);
	char *inner, *rest;
	const char *shown;
	enum section s = SEC_NONE;

	if (line[n - 1] != ']')
		return perr(p, lineno, "bad section header '%s' (expected [NAME] alone on its line)",
			    clip(line));
	line[n - 1] = '\0';
	inner = validate_trim(line + 1);
	shown = clip(inner); /* a copy: inner is split below */
	rest = inner;
	while (*rest && !is_blank(*rest))
		rest++;
	if (*rest) {
		*rest++ = '\0';
		rest = validate_trim(rest);
	}
	for (int i = SEC_MATRIX; i < SEC_COUNT; i++)
		if (strcmp(inner, section_names[i]) == 0)
			s = (enum section)i;
	if (s == SEC_VARIANT) {
		struct matrix_variant *v;

		if (!*rest)
			return perr(p, lineno, "missing variant name (expected [variant NAME])");
		if (!name_ok(rest, 32))
			return perr(p, lineno, "bad variant name '%s' (expected [a-z0-9][a-z0-9._-]{0,31})",
				    clip(rest));
		for (size_t i = 0; i < p->nvariants; i++)
			if (strcmp(p->variants[i].name, rest) == 0)
				return perr(p, lineno, "duplicate section [variant %s] (first at line %u)",
					    rest, p->variants[i].line);
		if (p->nvariants >= MAX_VARIANTS)
			return perr(p, lineno, "too many variants (expected at most %d)", MAX_VARIANTS);
		p->variants = xrealloc(p->variants, (p->nvariants + 1) * sizeof(*p->variants));
		v = &p->variants[p->nvariants];
		memset(v, 0, sizeof(*v));
		v->name = xstrdup(rest);
		v->line = lineno;
		p->cur_variant = p->nvariants++;
		if (!p->sec_line[SEC_VARIANT])
			p->sec_line[SEC_VARIANT] = lineno;
	} else if (s == SEC_NONE || *rest) {
		return perr(p, lineno,
			    "unknown section '[%s]' (expected one of: [matrix], [axes], [exclude], [boot], "
			    "[variant NAME], [notify], [expect])",
			    shown);
	} else if (p->sec_line[s]) {
		return perr(p, lineno, "duplicate section [%s] (first at line %u)", section_names[s],
			    p->sec_line[s]);
	} else {
		p->sec_line[s] = lineno;
	}
	if (s == SEC_BOOT) {
		p->boot = xcalloc(1, sizeof(*p->boot));
		p->boot->timeout_s = DEFAULT_TIMEOUT_S;
	}
	p->sec = s;
	memset(p->key_line, 0, sizeof(p->key_line));
	return 0;
}

static int key_value(struct parser *p, char *line, unsigned lineno)
{
	const struct key_def *keys = keys_of(p->sec);
	char *eq = strchr(line, '=');
	char *key, *value;

	if (p->sec == SEC_EXCLUDE) {
		if (p->nrex >= MAX_EXCLUDES)
			return perr(p, lineno, "too many exclude lines (expected at most %d)", MAX_EXCLUDES);
		p->rex = xrealloc(p->rex, (p->nrex + 1) * sizeof(*p->rex));
		p->rex[p->nrex].text = xstrdup(line);
		p->rex[p->nrex++].line = lineno;
		return 0;
	}
	if (!eq) {
		if (p->sec == SEC_NONE)
			return perr(p, lineno,
				    "unexpected '%s' outside any section (expected a section header such "
				    "as [matrix])",
				    clip(line));
		return perr(p, lineno, "expected '%s = %s' in %s, got '%s'",
			    p->sec == SEC_AXES ? "SYMBOL" : "key", p->sec == SEC_AXES ? "values" : "value",
			    sec_label(p), clip(line));
	}
	*eq = '\0';
	key = validate_trim(line);
	value = validate_trim(eq + 1);
	if (p->sec == SEC_NONE)
		return perr(p, lineno,
			    "key '%s' outside any section (expected a section header such as [matrix] "
			    "before it)",
			    clip(key));
	if (!*key)
		return perr(p, lineno, "missing key before '=' in %s (expected '%s = ...')", sec_label(p),
			    p->sec == SEC_AXES ? "SYMBOL" : "key");
	if (p->sec == SEC_AXES)
		return add_axis(p, key, value, lineno);
	if (p->sec == SEC_EXPECT)
		return add_expect(p, key, value, lineno);
	for (size_t i = 0; keys[i].name; i++) {
		if (strcmp(keys[i].name, key) != 0)
			continue;
		if (p->key_line[i])
			return perr(p, lineno, "duplicate key '%s' in %s (first at line %u)", key,
				    sec_label(p), p->key_line[i]);
		p->key_line[i] = lineno;
		if (!*value && keys[i].expect)
			return perr(p, lineno, "empty value for '%s' in %s (expected %s)", key, sec_label(p),
				    keys[i].expect);
		return keys[i].set(p, value, lineno);
	}
	{
		char list[160];

		key_list(keys, list, sizeof(list));
		return perr(p, lineno, "unknown key '%s' in %s (expected one of: %s)", clip(key),
			    sec_label(p), list);
	}
}

/*
 * Reads the next logical line into out: comments removed, continuation lines
 * joined. Returns 1 with *start set to its first line number, 0 at the end.
 */
static int next_line(struct parser *p, struct lines *in, struct buf *out, unsigned *start)
{
	unsigned *lineno = &in->lineno;
	bool cont = false;
	const char *s;
	size_t n;

	buf_reset(out);
	*start = in->lineno + 1;
	if (!lines_next(in, &s, &n))
		return 0;
	for (;;) {
		size_t bad;

		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c == 0)
				return perr(p, *lineno, "NUL byte in input (expected text)");
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return perr(p, *lineno, "control character 0x%02x in input (expected text)",
					    c);
		}
		bad = utf8_bad((const unsigned char *)s, n);
		if (bad < n)
			return perr(p, *lineno, "invalid UTF-8 at byte 0x%02x (expected UTF-8 text)",
				    (unsigned char)s[bad]);
		/* '#' starts a comment only at the start or after a blank: a#b is a value. */
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '#' && (i == 0 || is_blank(s[i - 1]))) {
				n = i;
				break;
			}
		}
		if (cont) {
			while (n > 0 && is_blank(*s)) {
				s++;
				n--;
			}
		}
		while (n > 0 && is_blank(s[n - 1]))
			n--;
		cont = n > 0 && s[n - 1] == '\\';
		if (cont) {
			n--;
			while (n > 0 && is_blank(s[n - 1]))
				n--;
		}
		if (buf_append(out, s, n) != 0 || (cont && buf_append(out, " ", 1) != 0))
			return perr(p, *start, "line too long");
		if (!cont)
			return 1;
		if (!lines_next(in, &s, &n))
			return perr(p, *lineno, "'\\' at the end of the last line (expected a line to continue onto)");
	}
}

static int finish(struct parser *p, unsigned last_line)
{
	struct matrix *m = p->m;
	int rc;

	if (!p->sec_line[SEC_MATRIX])
		return perr(p, 1, "missing section [matrix] (expected [matrix] with name, arch and base)");
	if (!m->name || !m->arch || !m->base) {
		const char *k = !m->name ? "name" : !m->arch ? "arch" : "base";

		return perr(p, p->sec_line[SEC_MATRIX],
			    "missing required key '%s' in [matrix] (expected '%s = %s')", k, k,
			    !m->name   ? "NAME"
			    : !m->arch ? "ARCH"
				       : "tinyconfig");
	}
	if (m->axes_auto && p->sec_line[SEC_AXES])
		return perr(p, p->sec_line[SEC_AXES],
			    "[axes] in a matrix with 'axes = auto' (line %u) (expected one of the two)", m->axes_line);
	if (m->axes_auto && p->nrex)
		return perr(p, p->rex[0].line, "[exclude] in a matrix with 'axes = auto' (expected no [exclude]: "
					       "the axes are not known before the push)");
	if (!m->max_axes)
		m->max_axes = 6;
	if (!m->max_requests)
		m->max_requests = 243;
	for (size_t i = 0; i < m->nseeds; i++)
		if (!m->cover || !matrix_point_ok(m, m->seeds[i]))
			return perr(p, m->seeds_line, "seed '%s' (expected 'cover = 2' or 3 and one value per axis)",
				    clip(m->seeds[i]));
	if (!p->sec_line[SEC_AXES] && !m->axes_auto)
		return perr(p, last_line,
			    "missing section [axes] (expected [axes] with 1 to %d 'SYMBOL = values' "
			    "lines)",
			    MATRIX_MAX_AXES);
	if (m->naxes == 0 && !m->axes_auto)
		return perr(p, p->sec_line[SEC_AXES],
			    "no axes in [axes] (expected 1 to %d 'SYMBOL = values' lines)", MATRIX_MAX_AXES);
	if (p->sec_line[SEC_NOTIFY] && m->nnotify == 0)
		return perr(p, p->sec_line[SEC_NOTIFY],
			    "missing required key 'to' in [notify] "
			    "(expected 'to = name@domain, ...')");
	if (p->boot && !p->boot->qemu && !p->boot->exec)
		return perr(p, p->sec_line[SEC_BOOT], "[boot] needs 'qemu' or 'exec' (expected exactly one)");
	if (p->nvariants && !p->boot)
		return perr(p, p->variants[0].line,
			    "[variant %s] without a [boot] section (expected [boot]: "
			    "variants are ways to boot)",
			    p->variants[0].name);

	m->excludes = xcalloc(p->nrex, sizeof(*m->excludes));
	for (size_t i = 0; i < p->nrex; i++) {
		rc = resolve_exclude(p, &p->rex[i], &m->excludes[m->nexcludes++]);
		if (rc)
			return rc;
	}
	if (p->nrex && matrix_point_count(m) == 0)
		return perr(p, p->rex[p->nrex - 1].line,
			    "every point is excluded (expected the [exclude] lines "
			    "to leave at least one point)");

	if (m->ntargets == 0)
		strv_push(&m->targets, &m->ntargets, xstrdup("vmlinux"));
	if (!m->image)
		m->image = xstrdup(strcmp(m->arch, "x86_64") == 0 ? "arch/x86/boot/bzImage" : "vmlinux");
	if (p->boot) {
		if (!p->boot->append)
			p->boot->append = xstrdup("");
		if (p->nvariants == 0) {
			p->variants = xcalloc(1, sizeof(*p->variants));
			p->variants[0].name = xstrdup("default");
			p->nvariants = 1;
		}
		for (size_t i = 0; i < p->nvariants; i++) {
			if (!p->variants[i].modprobe)
				p->variants[i].modprobe = xstrdup("busybox");
			if (!p->variants[i].repeat)
				p->variants[i].repeat = 1;
		}
		p->boot->variants = p->variants;
		p->boot->nvariants = p->nvariants;
		p->variants = NULL;
		p->nvariants = 0;
		m->boot = p->boot;
		p->boot = NULL;
	}
	return check_expects(p);
}

static void variants_free(struct matrix_variant *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		strv_free(v[i].load, v[i].nload);
		free(v[i].modprobe);
	}
	free(v);
}

static void boot_free(struct matrix_boot *b)
{
	if (!b)
		return;
	free(b->qemu);
	free(b->exec);
	free(b->append);
	free(b->check);
	for (size_t i = 0; i < b->nscratch; i++)
		free(b->scratch[i].name);
	free(b->scratch);
	variants_free(b->variants, b->nvariants);
	free(b);
}

int matrix_parse(const char *filename, const char *text, size_t len, struct matrix **out)
{
	struct parser p = { 0 };
	struct buf line = BUF_INIT(MATRIX_MAX_BYTES);
	struct lines in;
	unsigned start = 0;
	int rc = 0;

	*out = NULL;
	p.file = filename ? filename : "(matrix)";
	if (len > MATRIX_MAX_BYTES)
		return err_set(KM_ETOOBIG, "%s: %zu bytes (expected a matrix of at most %d bytes)",
			       clip(p.file), len, MATRIX_MAX_BYTES);
	p.m = xcalloc(1, sizeof(*p.m));
	p.m->file = xstrdup(p.file);
	lines_init(&in, text, len);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		in.pos = 3; /* a byte-order mark */
	for (;;) {
		char *l;

		rc = next_line(&p, &in, &line, &start);
		if (rc <= 0)
			break;
		p.line_base = line.data;
		l = validate_trim(line.data);
		if (!*l)
			continue;
		rc = l[0] == '[' ? section_header(&p, l, start) : key_value(&p, l, start);
		if (rc)
			break;
	}
	if (rc == 0)
		rc = finish(&p, in.lineno ? in.lineno : 1);
	if (rc == 0) {
		*out = p.m;
		p.m = NULL;
	}
	for (size_t i = 0; i < p.nrex; i++)
		free(p.rex[i].text);
	free(p.rex);
	boot_free(p.boot);
	variants_free(p.variants, p.nvariants);
	matrix_free(p.m);
	buf_free(&line);
	return rc;
}

void matrix_free(struct matrix *m)
{
	if (!m)
		return;
	free(m->file);
	free(m->name);
	free(m->arch);
	free(m->base);
	strv_free(m->fragments, m->nfragments);
	strv_free(m->targets, m->ntargets);
	free(m->image);
	for (size_t i = 0; i < m->naxes; i++)
		free(m->axes[i].symbol);
	free(m->axes);
	for (size_t i = 0; i < m->nexcludes; i++)
		free(m->excludes[i].terms);
	free(m->excludes);
	boot_free(m->boot);
	strv_free(m->notify_to, m->nnotify);
	expect_rules_free(m->expects, m->nexpects);
	strv_free(m->seeds, m->nseeds);
	free(m);
}

/* ---- files ---- */


int matrix_load(const char *path, struct matrix **out)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = fs_read_file(path, MATRIX_MAX_BYTES, &text, &len);
	if (rc == 0)
		rc = matrix_parse(path, text, len, out);
	free(text);
	return rc;
}

bool matrix_base_is_file(const struct matrix *m)
{
	return m->base && str_ends_with(m->base, ".config");
}

const char **matrix_referenced_files(const struct matrix *m)
{
	const char **v = xcalloc(m->nfragments + 3, sizeof(*v));
	size_t n = 0;

	if (matrix_base_is_file(m))
		v[n++] = m->base;
	for (size_t i = 0; i < m->nfragments; i++)
		v[n++] = m->fragments[i];
	if (m->boot && m->boot->check)
		v[n++] = m->boot->check;
	v[n] = NULL;
	return v;
}

/* The referenced files with what they are and where, for messages. */
struct file_ref {
	const char *name, *what;
	unsigned line;
};

static size_t file_refs(const struct matrix *m, struct file_ref *refs)
{
	size_t n = 0;

	if (matrix_base_is_file(m))
		refs[n++] = (struct file_ref){ m->base, "base", m->base_line };
	for (size_t i = 0; i < m->nfragments; i++)
		refs[n++] = (struct file_ref){ m->fragments[i], "fragment", m->fragments_line };
	if (m->boot && m->boot->check)
		refs[n++] = (struct file_ref){ m->boot->check, "check script", m->boot->check_line };
	return n;
}

/* ---- points ---- */

static size_t product(const struct matrix *m)
{
	size_t total = 1;

	for (size_t i = 0; i < m->naxes; i++)
		total *= m->axes[i].nvalues;
	return m->naxes ? total : 0;
}

static void point_at(const struct matrix *m, size_t idx, char *point)
{
	for (size_t i = m->naxes; i-- > 0;) {
		point[i] = m->axes[i].values[idx % m->axes[i].nvalues];
		idx /= m->axes[i].nvalues;
	}
	point[m->naxes] = '\0';
}

bool matrix_point_ok(const struct matrix *m, const char *point)
{
	if (!point || strlen(point) != m->naxes)
		return false;
	for (size_t i = 0; i < m->naxes; i++)
		if (!memchr(m->axes[i].values, point[i], m->axes[i].nvalues))
			return false;
	return true;
}

bool matrix_point_excluded(const struct matrix *m, const char *point)
{
	for (size_t e = 0; e < m->nexcludes; e++) {
		const struct matrix_exclude *ex = &m->excludes[e];
		bool all = ex->nterms > 0;

		for (size_t t = 0; t < ex->nterms && all; t++) {
			char c = point[ex->terms[t].axis];

			all = c && strchr(ex->terms[t].values, c);
		}
		if (all)
			return true;
	}
	return false;
}

static bool cover_excluded(void *ctx, const unsigned char *row)
{
	const struct matrix *m = ctx;
	char point[MATRIX_MAX_AXES + 1];

	for (size_t i = 0; i < m->naxes; i++)
		point[i] = m->axes[i].values[row[i]];
	point[m->naxes] = '\0';
	return matrix_point_excluded(m, point);
}

/* `cover = N`: the rows of a covering array over the axes, seeds first; capped at max_requests when cap. */
static void expand_covering(const struct matrix *m, bool cap, char ***points, size_t *npoints)
{
	unsigned nvalues[MATRIX_MAX_AXES];
	unsigned char *seeds = xcalloc(m->nseeds + 1, m->naxes), *rows = NULL;
	size_t nrows = 0;
	struct covering_spec spec = { m->naxes, nvalues, m->cover, cover_excluded, (void *)m, seeds, m->nseeds };

	for (size_t i = 0; i < m->naxes; i++)
		nvalues[i] = (unsigned)m->axes[i].nvalues;
	for (size_t k = 0; k < m->nseeds; k++)
		for (size_t i = 0; i < m->naxes; i++)
			seeds[k * m->naxes + i] =
				(unsigned char)(strchr(m->axes[i].values, m->seeds[k][i]) - m->axes[i].values);
	if (covering_generate(&spec, &rows, &nrows) != 0)
		nrows = 0; /* the parser bounds axes and values, so this cannot happen */
	if (cap && m->max_requests && nrows > m->max_requests)
		nrows = m->max_requests;
	*points = xcalloc(nrows + 1, sizeof(char *));
	for (size_t r = 0; r < nrows; r++) {
		char *pt = xmalloc(m->naxes + 1);

		for (size_t i = 0; i < m->naxes; i++)
			pt[i] = m->axes[i].values[rows[r * m->naxes + i]];
		pt[m->naxes] = '\0';
		(*points)[r] = pt;
	}
	*npoints = nrows;
	free(rows);
	free(seeds);
}

size_t matrix_point_count(const struct matrix *m)
{
	char point[MATRIX_MAX_AXES + 1];
	size_t total = product(m), count = 0;

	if (m->naxes > MATRIX_MAX_AXES)
		return 0;
	if (m->naxes == 0 && m->axes_auto)
		return 1;
	if (m->cover) {
		char **v = NULL;

		expand_covering(m, true, &v, &count);
		matrix_points_free(v, count);
		return count;
	}
	for (size_t i = 0; i < total; i++) {
		point_at(m, i, point);
		if (!matrix_point_excluded(m, point))
			count++;
	}
	return count;
}

size_t matrix_cover_rows(const struct matrix *m)
{
	char **v = NULL;
	size_t n = 0;

	if (!m->cover || !m->naxes)
		return 0;
	expand_covering(m, false, &v, &n);
	matrix_points_free(v, n);
	return n;
}

int matrix_expand(const struct matrix *m, char ***points, size_t *npoints)
{
	size_t total = product(m), n = 0;
	char **v;

	if (m->naxes == 0 && m->axes_auto) {
		v = xcalloc(2, sizeof(*v));
		v[0] = xstrdup("");
		*points = v;
		*npoints = 1;
		return 0;
	}
	if (m->cover) {
		expand_covering(m, true, points, npoints);
		return 0;
	}
	v = xcalloc(total + 1, sizeof(*v));
	for (size_t i = 0; i < total; i++) {
		char *pt = xmalloc(m->naxes + 1);

		point_at(m, i, pt);
		if (matrix_point_excluded(m, pt)) {
			free(pt);
			continue;
		}
		v[n++] = pt;
	}
	*points = v;
	*npoints = n;
	return 0;
}

void matrix_points_free(char **points, size_t n)
{
	strv_free(points, n);
}

/* {"SYM":"v",...} for a point already checked. */
static json_t *point_object(const struct matrix *m, const char *point)
{
	json_t *o = json_object();

	for (size_t i = 0; i < m->naxes; i++) {
		char v[2] = { point[i], '\0' };

		json_object_set_new(o, m->axes[i].symbol, json_string(v));
	}
	return o;
}

json_t *matrix_point_json(const struct matrix *m, const char *point)
{
	return matrix_point_ok(m, point) ? point_object(m, point) : NULL;
}

json_t *matrix_effective_json(const struct matrix *m, const char *point)
{
	if (!point || strlen(point) != m->naxes || strspn(point, "ymn") != m->naxes)
		return NULL;
	return point_object(m, point);
}

int matrix_point_from_json(const struct matrix *m, const json_t *values, char **point)
{
	char *pt = NULL;

	*point = NULL;
	if (!json_is_object(values))
		return err_set(KM_EINVAL, "point: expected an object of axis values");
	if (json_object_size(values) != m->naxes)
		return err_set(KM_EINVAL, "point: %zu values (expected exactly the %zu axes: %s)",
			       json_object_size(values), m->naxes, axis_list(m));
	pt = xmalloc(m->naxes + 1);
	for (size_t i = 0; i < m->naxes; i++) {
		const json_t *v = json_object_get(values, m->axes[i].symbol);
		const char *s = json_string_value(v);

		if (!v) {
			free(pt);
			return err_set(KM_EINVAL, "point: missing axis %s", m->axes[i].symbol);
		}
		if (!s || json_string_length(v) != 1 ||
		    !memchr(m->axes[i].values, s[0], m->axes[i].nvalues)) {
			free(pt);
			return err_set(KM_EINVAL, "point: bad value for %s (expected one of: %s)",
				       m->axes[i].symbol, spaced(m->axes[i].values));
		}
		pt[i] = s[0];
	}
	pt[m->naxes] = '\0';
	*point = pt;
	return 0;
}

/* ---- bundles ---- */

int matrix_bundle_load(const char *matrices_dir, const char *name, json_t **out)
{
	struct matrix *m = NULL;
	struct file_ref refs[MAX_LIST + 2];
	char *file = NULL, *path = NULL, *text = NULL;
	size_t len = 0, nrefs;
	json_t *files = NULL;
	int rc;

	*out = NULL;
	if (!matrix_name_ok(name))
		return err_set(KM_EINVAL, "bad matrix name '%s' (expected [a-z0-9][a-z0-9._-]{0,63})",
			       clip(name));
	file = xasprintf("%s.matrix", name);
	path = xasprintf("%s/%s", matrices_dir, file);
	rc = fs_read_file(path, MATRIX_MAX_BYTES, &text, &len);
	if (rc == KM_ENOTFOUND)
		err_set(rc, "matrix '%s' not found in %s", name, matrices_dir);
	else if (rc == KM_ETOOBIG)
		err_set(rc, "%s: larger than %d bytes (expected a matrix of at most 64 KiB)", file,
			MATRIX_MAX_BYTES);
	if (rc)
		goto done;
	rc = matrix_parse(file, text, len, &m);
	if (rc)
		goto done;
	if (strcmp(m->name, name) != 0) {
		rc = err_set(KM_EINVAL, "%s:%u: name '%s' does not match the file name (expected name = %s)",
			     file, m->name_line, m->name, name);
		goto done;
	}
	files = json_object();
	nrefs = file_refs(m, refs);
	for (size_t i = 0; i < nrefs; i++) {
		char *data = NULL, *fpath;
		size_t flen = 0;

		if (json_object_get(files, refs[i].name))
			continue;
		fpath = xasprintf("%s/%s", matrices_dir, refs[i].name);
		rc = fs_read_file(fpath, MATRIX_BUNDLE_FILE_MAX, &data, &flen);
		free(fpath);
		if (rc == KM_ENOTFOUND)
			err_set(rc, "%s:%u: %s '%s' not found in %s", file, refs[i].line, refs[i].what,
				refs[i].name, matrices_dir);
		else if (rc == KM_ETOOBIG)
			err_set(rc, "%s:%u: %s '%s' is larger than 1 MiB", file, refs[i].line, refs[i].what,
				refs[i].name);
		else if (rc)
			err_set(rc, "%s:%u: %s '%s': %s", file, refs[i].line, refs[i].what, refs[i].name,
				err_msg());
		else if (memchr(data, '\0', flen) || utf8_bad((const unsigned char *)data, flen) < flen)
			rc = err_set(KM_EINVAL,
				     "%s:%u: %s '%s' is not text (expected UTF-8 without NUL bytes)", file,
				     refs[i].line, refs[i].what, refs[i].name);
		if (rc == 0)
			json_object_set_new(files, refs[i].name, json_stringn(data, flen));
		free(data);
		if (rc)
			goto done;
	}
	*out = json_pack("{s:s, s:s, s:s%, s:O}", "name", name, "file", file, "text", text, len, "files",
			 files);
	if (!*out)
		rc = err_set(KM_EIO, "%s: cannot build bundle", file);
done:
	json_decref(files);
	matrix_free(m);
	free(text);
	free(path);
	free(file);
	return rc;
}

int matrix_bundle_parse(const json_t *bundle, struct matrix **out)
{
	const json_t *text = json_object_get(bundle, "text");
	const char *name = json_string_value(json_object_get(bundle, "name"));
	const char *file = json_string_value(json_object_get(bundle, "file"));
	struct matrix *m = NULL;
	struct file_ref refs[MAX_LIST + 2];
	size_t nrefs;
	int rc;

	*out = NULL;
	if (!json_is_object(bundle) || !name || !file || !json_is_string(text) ||
	    !json_is_object(json_object_get(bundle, "files")))
		return err_set(KM_EINVAL,
			       "bundle: expected an object with strings name, file, text and object files");
	if (!matrix_file_name_ok(file) || !str_ends_with(file, ".matrix"))
		return err_set(KM_EINVAL, "bundle: bad file '%s' (expected NAME.matrix)", clip(file));
	rc = matrix_parse(file, json_string_value(text), json_string_length(text), &m);
	if (rc)
		return rc;
	if (strcmp(m->name, name) != 0) {
		rc = err_set(KM_EINVAL, "bundle: name '%s' does not match the matrix name '%s'", clip(name),
			     m->name);
		goto done;
	}
	nrefs = file_refs(m, refs);
	for (size_t i = 0; i < nrefs; i++) {
		if (!matrix_bundle_file(bundle, refs[i].name)) {
			rc = err_set(KM_EINVAL, "%s:%u: %s '%s' missing from the bundle", file, refs[i].line,
				     refs[i].what, refs[i].name);
			goto done;
		}
	}
	*out = m;
	m = NULL;
done:
	matrix_free(m);
	return rc;
}

const char *matrix_bundle_file(const json_t *bundle, const char *name)
{
	return json_string_value(json_object_get(json_object_get(bundle, "files"), name));
}

char *matrix_effective_point(const struct matrix *m, const struct kconfig *effective)
{
	char *p = xmalloc(m->naxes + 1);

	for (size_t i = 0; i < m->naxes; i++)
		p[i] = kconfig_tristate(effective, m->axes[i].symbol);
	p[m->naxes] = '\0';
	return p;
}
