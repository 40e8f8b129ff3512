/* Reads a kernel tree's Kconfig language files into symbols, the way scripts/kconfig/parser.y and menu.c see them. */
#include "ktree.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "err.h"
#include "xalloc.h"

struct var {
	char *name;
	char *value;
};

struct ktree {
	char *root;             /* realpath of srctree, without trailing slash */
	struct ktree_sym **syms; /* first-seen order */
	size_t nsyms, capsyms;
	struct ktree_sym **hash; /* open addressing, size a power of two */
	size_t hashcap;
	char **files;
	size_t nfiles, capfiles;
	size_t total_bytes;
	struct ktree_block **blocks;
	size_t nblocks, capblocks;
	struct ktree_def **defs;
	size_t ndefs, capdefs;
	struct var *vars;
	size_t nvars, capvars;
	char *warnings[KTREE_MAX_WARNINGS];
	size_t nwarnings, warncount;
	const char *modules;
};

/* Parser state shared across sourced files: Kconfig blocks may not span files, but the stack is global. */
struct pstate {
	struct ktree *t;
	struct ktree_block *block; /* innermost open block */
	int block_depth;
	/* The entry that following property lines belong to: exactly one of these is set, or none. */
	struct ktree_def *def;
	struct ktree_block *hdr; /* a menu or choice header */
	bool comment;            /* a comment entry: its properties are read and dropped */
	int source_depth;
};

#define GROW(arr, n, cap)                                                        \
	do {                                                                     \
		if ((n) == (cap)) {                                              \
			(cap) = (cap) ? (cap) * 2 : 8;                           \
			(arr) = xrealloc((arr), (cap) * sizeof(*(arr)));         \
		}                                                                \
	} while (0)

static void warn(struct ktree *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct ktree *t, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	t->warncount++;
	if (t->nwarnings >= KTREE_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->warnings[t->nwarnings++] = xstrdup(msg);
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct ktree_sym **slot(const struct ktree *t, const char *name)
{
	size_t mask = t->hashcap - 1, i = (size_t)hash_str(name) & mask;

	while (t->hash[i] && strcmp(t->hash[i]->name, name) != 0)
		i = (i + 1) & mask;
	return &t->hash[i];
}

static struct ktree_sym *sym_get(struct ktree *t, const char *name)
{
	struct ktree_sym **s, *sym;

	if (t->nsyms * 2 >= t->hashcap) {
		struct ktree_sym **old = t->hash;
		size_t oldcap = t->hashcap;

		t->hashcap = oldcap ? oldcap * 2 : 1024;
		t->hash = xcalloc(t->hashcap, sizeof(*t->hash));
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				*slot(t, old[i]->name) = old[i];
		free(old);
	}
	s = slot(t, name);
	if (*s)
		return *s;
	sym = xcalloc(1, sizeof(*sym));
	sym->name = xstrdup(name);
	*s = sym;
	GROW(t->syms, t->nsyms, t->capsyms);
	t->syms[t->nsyms++] = sym;
	return sym;
}

const struct ktree_sym *ktree_find(const struct ktree *t, const char *name)
{
	if (!t || !t->hashcap)
		return NULL;
	return *slot(t, name);
}

size_t ktree_count(const struct ktree *t)
{
	return t->nsyms;
}

const struct ktree_sym *ktree_at(const struct ktree *t, size_t i)
{
	return i < t->nsyms ? t->syms[i] : NULL;
}

size_t ktree_nfiles(const struct ktree *t)
{
	return t->nfiles;
}

const char *const *ktree_warnings(const struct ktree *t, size_t *kept, size_t *count)
{
	if (kept)
		*kept = t->nwarnings;
	if (count)
		*count = t->warncount;
	return (const char *const *)t->warnings;
}

const char *ktree_modules_sym(const struct ktree *t)
{
	return t && t->modules ? t->modules : "MODULES";
}

enum kexpr_type ktree_type_cb(void *tree, const char *name)
{
	const struct ktree_sym *s = ktree_find(tree, name);

	return s ? s->type : KEXPR_T_UNKNOWN;
}

const char *ktree_dep_kind_name(enum ktree_dep_kind k)
{
	switch (k) {
	case KTREE_DEP_DEPENDS: return "depends";
	case KTREE_DEP_IF: return "if";
	case KTREE_DEP_MENU: return "menu";
	case KTREE_DEP_CHOICE: return "choice";
	case KTREE_DEP_VISIBLE: return "visible";
	}
	return "?";
}

const char *ktree_type_name(enum kexpr_type t)
{
	switch (t) {
	case KEXPR_T_BOOL: return "bool";
	case KEXPR_T_TRISTATE: return "tristate";
	case KEXPR_T_INT: return "int";
	case KEXPR_T_HEX: return "hex";
	case KEXPR_T_STRING: return "string";
	default: return "unknown";
	}
}

const char *ktree_srcarch(const char *arch)
{
	if (!arch)
		return "x86";
	if (!strcmp(arch, "x86_64") || !strcmp(arch, "i386"))
		return "x86";
	if (!strcmp(arch, "sparc32") || !strcmp(arch, "sparc64"))
		return "sparc";
	if (!strcmp(arch, "parisc64"))
		return "parisc";
	if (!strcmp(arch, "sh64"))
		return "sh";
	return arch;
}

size_t ktree_def_deps(const struct ktree_def *def, bool with_visible, const struct ktree_dep ***out)
{
	size_t n = 0, cap = def->ndeps + 8;
	const struct ktree_dep **v = xmalloc(cap * sizeof(*v));

	for (size_t i = 0; i < def->ndeps; i++)
		v[n++] = &def->deps[i];
	for (const struct ktree_block *b = def->block; b; b = b->parent) {
		size_t need = n + b->ndeps + (with_visible ? b->nvisible : 0);

		if (need > cap) {
			cap = need * 2;
			v = xrealloc(v, cap * sizeof(*v));
		}
		for (size_t i = 0; i < b->ndeps; i++)
			v[n++] = &b->deps[i];
		if (with_visible)
			for (size_t i = 0; i < b->nvisible; i++)
				v[n++] = &b->visible[i];
	}
	*out = v;
	return n;
}

/* ---- reading files ---- */

static const char *intern_file(struct ktree *t, const char *rel)
{
	GROW(t->files, t->nfiles, t->capfiles);
	t->files[t->nfiles] = xstrdup(rel);
	return t->files[t->nfiles++];
}

static const char *var_get(const struct ktree *t, const char *name)
{
	for (size_t i = t->nvars; i-- > 0;)
		if (!strcmp(t->vars[i].name, name))
			return t->vars[i].value;
	return NULL;
}

static void var_set(struct ktree *t, const char *name, const char *value, bool append)
{
	for (size_t i = 0; i < t->nvars; i++) {
		if (strcmp(t->vars[i].name, name) != 0)
			continue;
		if (append) {
			char *v = xasprintf("%s %s", t->vars[i].value, value);

			free(t->vars[i].value);
			t->vars[i].value = v;
		} else {
			free(t->vars[i].value);
			t->vars[i].value = xstrdup(value);
		}
		return;
	}
	GROW(t->vars, t->nvars, t->capvars);
	t->vars[t->nvars].name = xstrdup(name);
	t->vars[t->nvars].value = xstrdup(value);
	t->nvars++;
}

/* Expands $(NAME) references to known variables (recursively, bounded); anything else is kept as written. */
static int expand(const struct ktree *t, const char *in, struct buf *out, int depth)
{
	int rc = 0;

	if (depth > 16)
		return buf_puts(out, in);
	while (*in && !rc) {
		if (in[0] == '$' && in[1] == '(') {
			const char *end = strchr(in + 2, ')');
			size_t n = end ? (size_t)(end - in - 2) : 0;
			char name[128];
			const char *v;

			if (end && n > 0 && n < sizeof(name) && !memchr(in + 2, ',', n) && !memchr(in + 2, '(', n) &&
			    !memchr(in + 2, ' ', n)) {
				memcpy(name, in + 2, n);
				name[n] = '\0';
				v = var_get(t, name);
				if (v) {
					rc = expand(t, v, out, depth + 1);
					in = end + 1;
					continue;
				}
			}
		}
		rc = buf_append(out, in, 1);
		in++;
	}
	return rc;
}

struct src {
	const char *file; /* interned relative name */
	unsigned line;
};

static int perr(const struct src *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(const struct src *s, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(KM_EINVAL, "%s:%u: %s", s->file, s->line, msg);
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v')
		p++;
	return p;
}

static bool is_kw_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Reads a quoted string at *p into a new string; advances *p. Returns false if there is none. */
static bool take_string(const char **p, char **out)
{
	const char *s = skip_ws(*p);
	struct buf b = BUF_INIT(KEXPR_MAX_LEN);
	char q;

	if (*s != '"' && *s != '\'')
		return false;
	q = *s++;
	for (; *s && *s != q; s++) {
		if (*s == '\\' && s[1])
			s++;
		buf_append(&b, s, 1);
	}
	if (*s == q)
		s++;
	*p = s;
	*out = buf_steal(&b);
	return true;
}

/* Reads a word (symbol name) at *p into a new string; advances *p. */
static bool take_word(const char **p, char **out)
{
	const char *s = skip_ws(*p), *e = s;

	while (is_kw_char((unsigned char)*e) || *e == '.' || *e == '/')
		e++;
	if (e == s)
		return false;
	*out = xstrndup(s, (size_t)(e - s));
	*p = e;
	return true;
}

/* True if p starts with the word `if` (followed by a non-word character). */
static bool at_if(const char *p)
{
	p = skip_ws(p);
	return p[0] == 'i' && p[1] == 'f' && !is_kw_char((unsigned char)p[2]);
}

/* Prefixes the expression parser's message with the location (copied first: err_set reuses its buffer). */
static int located(int rc, const struct src *s)
{
	char msg[400];

	snprintf(msg, sizeof(msg), "%s", err_msg());
	return err_set(rc, "%s:%u: %s", s->file, s->line, msg);
}

static int parse_expr_all(const struct src *s, const char *text, struct kexpr **out)
{
	int rc = kexpr_parse(text, out);

	return rc ? located(rc, s) : 0;
}

/* Parses an optional "if EXPR" tail (anything else is an error). */
static int parse_if_tail(const struct src *s, const char *p, struct kexpr **cond)
{
	*cond = NULL;
	p = skip_ws(p);
	if (!*p)
		return 0;
	if (!at_if(p))
		return perr(s, "expected 'if' or end of line, found '%.40s'", p);
	p = skip_ws(p) + 2;
	return parse_expr_all(s, p, cond);
}

/* Parses "EXPR [if EXPR]". */
static int parse_expr_if(const struct src *s, const char *p, struct kexpr **value, struct kexpr **cond)
{
	size_t used = 0;
	int rc = kexpr_parse_prefix(p, &used, value);

	if (rc)
		return located(rc, s);
	rc = parse_if_tail(s, p + used, cond);
	if (rc) {
		kexpr_free(*value);
		*value = NULL;
	}
	return rc;
}

static struct ktree_def *new_def(struct pstate *ps, struct ktree_sym *sym, const struct src *s)
{
	struct ktree *t = ps->t;
	struct ktree_def *d = xcalloc(1, sizeof(*d));

	d->sym = sym;
	d->file = s->file;
	d->line = s->line;
	d->block = ps->block;
	for (struct ktree_block *b = ps->block; b; b = b->parent) {
		if (b->kind == KTREE_BLOCK_CHOICE) {
			d->choice = b;
			break;
		}
		if (b->kind != KTREE_BLOCK_IF)
			break;
	}
	sym->defs = xrealloc(sym->defs, (sym->ndefs + 1) * sizeof(*sym->defs));
	sym->defs[sym->ndefs++] = d;
	GROW(t->defs, t->ndefs, t->capdefs);
	t->defs[t->ndefs++] = d;
	return d;
}

static struct ktree_block *push_block(struct pstate *ps, enum ktree_block_kind kind, const struct src *s)
{
	struct ktree *t = ps->t;
	struct ktree_block *b = xcalloc(1, sizeof(*b));

	b->kind = kind;
	b->parent = ps->block;
	b->file = s->file;
	b->line = s->line;
	GROW(t->blocks, t->nblocks, t->capblocks);
	t->blocks[t->nblocks++] = b;
	ps->block = b;
	ps->block_depth++;
	return b;
}

static void add_dep(struct ktree_dep **arr, size_t *n, enum ktree_dep_kind kind, struct kexpr *e,
		    const struct src *s)
{
	*arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
	(*arr)[*n].kind = kind;
	(*arr)[*n].expr = e;
	(*arr)[*n].file = s->file;
	(*arr)[*n].line = s->line;
	(*n)++;
}

static void set_type(struct ktree_def *d, enum kexpr_type type)
{
	d->type = type;
	if (d->sym->type == KEXPR_T_UNKNOWN)
		d->sym->type = type;
}

static void add_prompt(struct ktree_def *d, char *text, struct kexpr *cond, unsigned line)
{
	d->prompts = xrealloc(d->prompts, (d->nprompts + 1) * sizeof(*d->prompts));
	d->prompts[d->nprompts].text = text;
	d->prompts[d->nprompts].cond = cond;
	d->prompts[d->nprompts].line = line;
	d->nprompts++;
}

static void add_default(struct ktree_def *d, struct kexpr *value, struct kexpr *cond, unsigned line)
{
	d->defaults = xrealloc(d->defaults, (d->ndefaults + 1) * sizeof(*d->defaults));
	d->defaults[d->ndefaults].value = value;
	d->defaults[d->ndefaults].cond = cond;
	d->defaults[d->ndefaults].line = line;
	d->ndefaults++;
}

static int type_keyword(const char *kw, enum kexpr_type *type, bool *def)
{
	static const struct {
		const char *kw;
		enum kexpr_type type;
		bool def;
	} types[] = {
		{ "bool", KEXPR_T_BOOL, false },        { "boolean", KEXPR_T_BOOL, false },
		{ "tristate", KEXPR_T_TRISTATE, false }, { "int", KEXPR_T_INT, false },
		{ "hex", KEXPR_T_HEX, false },          { "string", KEXPR_T_STRING, false },
		{ "def_bool", KEXPR_T_BOOL, true },     { "def_tristate", KEXPR_T_TRISTATE, true },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (!strcmp(kw, types[i].kw)) {
			*type = types[i].type;
			*def = types[i].def;
			return 1;
		}
	}
	return 0;
}

/* A property line of the current entry (config, menu/choice header or comment). */
/* A prompt (text owned, may be NULL) for the entry being read: a config's prompt, a choice's title, else dropped. */
static void entry_prompt(struct pstate *ps, char *text, struct kexpr *cond, unsigned line)
{
	if (ps->def && text) {
		add_prompt(ps->def, text, cond, line);
		return;
	}
	if (!ps->def && ps->hdr && text && ps->hdr->kind == KTREE_BLOCK_CHOICE) {
		free(ps->hdr->title);
		ps->hdr->title = xstrdup(text);
	}
	free(text);
	kexpr_free(cond);
}

/* A default for the config being read; a menu's or comment's is dropped. */
static void entry_default(struct pstate *ps, struct kexpr *value, struct kexpr *cond, unsigned line)
{
	if (ps->def) {
		add_default(ps->def, value, cond, line);
		return;
	}
	kexpr_free(value);
	kexpr_free(cond);
}

/* "depends on EXPR": a config's, menu's or choice's dependency. */
static int prop_depends(struct pstate *ps, const struct src *s, const char *rest)
{
	const char *p = skip_ws(rest);
	struct kexpr *e = NULL;
	int rc;

	if (strncmp(p, "on", 2) != 0 || is_kw_char((unsigned char)p[2]))
		return perr(s, "expected 'depends on'");
	rc = parse_expr_all(s, p + 2, &e);
	if (rc)
		return rc;
	if (ps->def)
		add_dep(&ps->def->deps, &ps->def->ndeps, KTREE_DEP_DEPENDS, e, s);
	else if (ps->hdr)
		add_dep(&ps->hdr->deps, &ps->hdr->ndeps,
			ps->hdr->kind == KTREE_BLOCK_CHOICE ? KTREE_DEP_CHOICE : KTREE_DEP_MENU, e, s);
	else
		kexpr_free(e);
	return 0;
}

/* "visible if EXPR": a menu's visibility. */
static int prop_visible(struct pstate *ps, const struct src *s, const char *rest)
{
	const char *p = skip_ws(rest);
	struct kexpr *e = NULL;
	int rc;

	if (!at_if(p))
		return perr(s, "expected 'visible if'");
	rc = parse_expr_all(s, skip_ws(p) + 2, &e);
	if (rc)
		return rc;
	if (ps->hdr)
		add_dep(&ps->hdr->visible, &ps->hdr->nvisible, KTREE_DEP_VISIBLE, e, s);
	else
		kexpr_free(e);
	return 0;
}

/* "bool"/"tristate"/... ["PROMPT" [if EXPR]], or "def_bool"/"def_tristate" EXPR [if EXPR]. */
static int prop_type(struct pstate *ps, const struct src *s, const char *kw, const char *rest, enum kexpr_type type,
		     bool isdef)
{
	struct kexpr *e = NULL, *cond = NULL;
	char *text = NULL;
	int rc;

	if (isdef) {
		rc = parse_expr_if(s, rest, &e, &cond);
		if (rc)
			return rc;
		if (ps->def)
			set_type(ps->def, type);
		entry_default(ps, e, cond, s->line);
		return 0;
	}
	if (take_string(&rest, &text)) {
		rc = parse_if_tail(s, rest, &cond);
		if (rc) {
			free(text);
			return rc;
		}
	} else if (*skip_ws(rest)) {
		return perr(s, "expected a prompt string after '%s'", kw);
	}
	if (ps->def)
		set_type(ps->def, type);
	entry_prompt(ps, text, cond, s->line);
	return 0;
}

/* "prompt "TEXT" [if EXPR]". */
static int prop_prompt(struct pstate *ps, const struct src *s, const char *rest)
{
	struct kexpr *cond = NULL;
	char *text = NULL;
	int rc;

	if (!take_string(&rest, &text))
		return perr(s, "expected a prompt string");
	rc = parse_if_tail(s, rest, &cond);
	if (rc) {
		free(text);
		return rc;
	}
	entry_prompt(ps, text, cond, s->line);
	return 0;
}

/* "default EXPR [if EXPR]". */
static int prop_default(struct pstate *ps, const struct src *s, const char *rest)
{
	struct kexpr *e = NULL, *cond = NULL;
	int rc = parse_expr_if(s, rest, &e, &cond);

	if (!rc)
		entry_default(ps, e, cond, s->line);
	return rc;
}

/* "select SYM [if EXPR]" or "imply SYM [if EXPR]": only in a config entry. */
static int prop_select(struct pstate *ps, const struct src *s, const char *kw, const char *rest)
{
	struct ktree_def *d = ps->def;
	struct kexpr *cond = NULL;
	char *word = NULL;
	int rc;

	if (!take_word(&rest, &word))
		return perr(s, "expected a symbol after '%s'", kw);
	rc = parse_if_tail(s, rest, &cond);
	if (rc) {
		free(word);
		return rc;
	}
	if (!d) {
		free(word);
		kexpr_free(cond);
		return perr(s, "'%s' outside of a config entry", kw);
	}
	d->selects = xrealloc(d->selects, (d->nselects + 1) * sizeof(*d->selects));
	d->selects[d->nselects].target = word;
	d->selects[d->nselects].cond = cond;
	d->selects[d->nselects].line = s->line;
	d->selects[d->nselects].imply = kw[0] == 'i';
	d->nselects++;
	return 0;
}

/* One property line of the entry being read, by its keyword. */
static int property(struct pstate *ps, const struct src *s, const char *kw, const char *rest)
{
	enum kexpr_type type;
	bool isdef;

	if (!ps->def && !ps->hdr && !ps->comment)
		return perr(s, "'%s' outside of a config, menu, choice or comment entry", kw);
	if (!strcmp(kw, "depends"))
		return prop_depends(ps, s, rest);
	if (!strcmp(kw, "visible"))
		return prop_visible(ps, s, rest);
	if (type_keyword(kw, &type, &isdef))
		return prop_type(ps, s, kw, rest, type, isdef);
	if (!strcmp(kw, "prompt"))
		return prop_prompt(ps, s, rest);
	if (!strcmp(kw, "default"))
		return prop_default(ps, s, rest);
	if (!strcmp(kw, "select") || !strcmp(kw, "imply"))
		return prop_select(ps, s, kw, rest);
	if (!strcmp(kw, "modules") || (!strcmp(kw, "option") && strstr(rest, "modules"))) {
		if (ps->def)
			ps->def->sym->modules = true;
		return 0;
	}
	if (!strcmp(kw, "option") || !strcmp(kw, "range") || !strcmp(kw, "optional") || !strcmp(kw, "transitional"))
		return 0;
	warn(ps->t, "%s:%u: unknown keyword '%s' ignored", s->file, s->line, kw);
	return 0;
}

static int read_file(struct pstate *ps, const char *rel, const struct src *from);

/* source / osource / rsource / orsource: resolves the path (globs allowed) and reads each file. */
static int do_source(struct pstate *ps, const struct src *s, const char *kw, const char *rest)
{
	struct ktree *t = ps->t;
	bool optional = kw[0] == 'o', relative = !strcmp(kw, "rsource") || !strcmp(kw, "orsource");
	struct buf path = BUF_INIT(PATH_MAX), full = BUF_INIT(PATH_MAX);
	char *raw = NULL;
	glob_t g = { 0 };
	int rc = 0, grc;

	if (!take_string(&rest, &raw)) {
		rc = perr(s, "expected a quoted file name after '%s'", kw);
		goto done;
	}
	if ((rc = expand(t, raw, &path, 0)))
		goto done;
	if (strstr(buf_cstr(&path), "$(")) {
		warn(t, "%s:%u: %s \"%s\": unexpanded macro, skipped", s->file, s->line, kw, raw);
		goto done;
	}
	if (relative && buf_cstr(&path)[0] != '/') {
		const char *slash = strrchr(s->file, '/');

		if (slash)
			rc = buf_append(&full, s->file, (size_t)(slash - s->file + 1));
	}
	if (!rc)
		rc = buf_puts(&full, buf_cstr(&path));
	if (rc) {
		rc = perr(s, "source path too long");
		goto done;
	}
	if (!strpbrk(buf_cstr(&full), "*?[")) {
		char *abs = buf_cstr(&full)[0] == '/' ? xstrdup(buf_cstr(&full))
						      : xasprintf("%s/%s", t->root, buf_cstr(&full));
		struct stat st;
		bool exists = stat(abs, &st) == 0;

		free(abs);
		if (!exists) {
			if (!optional)
				rc = err_set(KM_ENOTFOUND, "%s:%u: %s \"%s\": no such file", s->file, s->line, kw,
					     buf_cstr(&full));
			goto done;
		}
		rc = read_file(ps, buf_cstr(&full), s);
		goto done;
	} else {
		char *pattern = buf_cstr(&full)[0] == '/' ? xstrdup(buf_cstr(&full))
							  : xasprintf("%s/%s", t->root, buf_cstr(&full));
		size_t rootlen = strlen(t->root);

		grc = glob(pattern, 0, NULL, &g);
		free(pattern);
		if (grc == GLOB_NOMATCH) {
			if (!optional)
				rc = err_set(KM_ENOTFOUND, "%s:%u: %s \"%s\": no such file", s->file, s->line, kw,
					     buf_cstr(&full));
			goto done;
		}
		for (size_t i = 0; !rc && i < g.gl_pathc; i++) {
			const char *p = g.gl_pathv[i];

			if (!strncmp(p, t->root, rootlen) && p[rootlen] == '/')
				p += rootlen + 1;
			rc = read_file(ps, p, s);
		}
	}
done:
	if (g.gl_pathv)
		globfree(&g);
	free(raw);
	buf_free(&path);
	buf_free(&full);
	return rc;
}

/* Width of the indentation of line, tabs to multiples of 8. */
static unsigned indent_width(const char *line, const char *end)
{
	unsigned w = 0;

	for (; line < end && (*line == ' ' || *line == '\t'); line++)
		w = *line == '\t' ? (w + 8) & ~7u : w + 1;
	return w;
}

static bool blank(const char *line, const char *end)
{
	for (; line < end; line++)
		if (*line != ' ' && *line != '\t' && *line != '\r')
			return false;
	return true;
}

/* Removes a # comment that is not inside quotes or $(...). */
static void strip_comment(char *p)
{
	char q = 0;
	int paren = 0;

	for (; *p; p++) {
		if (q) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '\'') {
			q = *p;
		} else if (*p == '$' && p[1] == '(') {
			paren++;
			p++;
		} else if (*p == '(' && paren) {
			paren++;
		} else if (*p == ')' && paren) {
			paren--;
		} else if (*p == '#' && !paren) {
			*p = '\0';
			return;
		}
	}
}

/* Handles one logical line (continuations joined, comment stripped). Sets *help when a help text follows. */
/* The entry the next property lines belong to: a config, a menu's or choice's header, a comment, or none. */
static void set_entry(struct pstate *ps, struct ktree_def *def, struct ktree_block *hdr, bool comment)
{
	ps->def = def;
	ps->hdr = hdr;
	ps->comment = comment;
}

/* rest follows a name: whether it assigns (NAME := v, NAME = v, NAME += v); *rc is then the assignment's result. */
static bool assignment(struct pstate *ps, const struct src *s, const char *name, const char *rest, int *rc)
{
	bool append = rest[0] == '+';
	struct buf v = BUF_INIT(KEXPR_MAX_LEN);

	if (!((rest[0] == ':' && rest[1] == '=') || (append && rest[1] == '=') || (rest[0] == '=' && rest[1] != '=')))
		return false;
	rest += rest[0] == '=' ? 1 : 2;
	if (rest[-2] == ':' || append)
		*rc = expand(ps->t, skip_ws(rest), &v, 0);
	else
		*rc = buf_puts(&v, skip_ws(rest));
	if (!*rc)
		var_set(ps->t, name, buf_cstr(&v), append);
	buf_free(&v);
	if (*rc)
		*rc = perr(s, "variable value too long");
	return true;
}

/* "choice [NAME]", "menu "TITLE"" or "if EXPR": a block nested in the current one. */
static int open_block(struct pstate *ps, const struct src *s, const char *kw, const char *rest)
{
	struct kexpr *e = NULL;
	char *word = NULL;
	struct ktree_block *b;
	int rc;

	if (kw[0] == 'm' && !take_string(&rest, &word))
		return perr(s, "expected a quoted title after 'menu'");
	if (kw[0] == 'i' && (rc = parse_expr_all(s, rest, &e)))
		return rc;
	if (ps->block_depth >= KTREE_MAX_BLOCK_DEPTH) {
		free(word);
		kexpr_free(e);
		return err_set(KM_ETOOBIG, "%s:%u: blocks nested deeper than %d", s->file, s->line,
			       KTREE_MAX_BLOCK_DEPTH);
	}
	if (kw[0] == 'c') {
		b = push_block(ps, KTREE_BLOCK_CHOICE, s);
		if (take_word(&rest, &word))
			b->title = word; /* a named choice; a prompt replaces the title */
		set_entry(ps, NULL, b, false);
	} else if (kw[0] == 'm') {
		b = push_block(ps, KTREE_BLOCK_MENU, s);
		b->title = word;
		set_entry(ps, NULL, b, false);
	} else {
		b = push_block(ps, KTREE_BLOCK_IF, s);
		add_dep(&b->deps, &b->ndeps, KTREE_DEP_IF, e, s);
		set_entry(ps, NULL, NULL, false);
	}
	return 0;
}

/* "endif", "endmenu" or "endchoice": the end of the innermost block, which must be of that kind. */
static int close_block(struct pstate *ps, const struct src *s, const char *kw)
{
	enum ktree_block_kind want = kw[3] == 'i' ? KTREE_BLOCK_IF : kw[3] == 'm' ? KTREE_BLOCK_MENU : KTREE_BLOCK_CHOICE;

	if (!ps->block || ps->block->kind != want)
		return perr(s, "'%s' without a matching '%s'", kw,
			    want == KTREE_BLOCK_IF ? "if" : want == KTREE_BLOCK_MENU ? "menu" : "choice");
	ps->block = ps->block->parent;
	ps->block_depth--;
	set_entry(ps, NULL, NULL, false);
	return 0;
}

/* One logical line of a Kconfig file; *help when a help text follows. */
static int statement(struct pstate *ps, const struct src *s, char *line, bool *help)
{
	const char *p = skip_ws(line), *rest;
	char kw[32];
	size_t n = 0;
	int rc = 0;

	*help = false;
	if (!*p)
		return 0;
	if (!strncmp(p, "---help---", 10)) {
		*help = true;
		return 0;
	}
	if (p[0] == '$' && p[1] == '(')
		return 0; /* a macro call statement such as $(warning-if,...) */
	while (is_kw_char((unsigned char)p[n]) && n + 1 < sizeof(kw)) {
		kw[n] = p[n];
		n++;
	}
	kw[n] = '\0';
	if (!n)
		return perr(s, "expected a keyword, found '%.40s'", p);
	rest = skip_ws(p + n);
	if (assignment(ps, s, kw, rest, &rc))
		return rc;
	if (!strcmp(kw, "help")) {
		*help = true;
		return 0;
	}
	if (!strcmp(kw, "config") || !strcmp(kw, "menuconfig")) {
		char *name = NULL;

		if (!take_word(&rest, &name))
			return perr(s, "expected a symbol name after '%s'", kw);
		set_entry(ps, new_def(ps, sym_get(ps->t, name), s), NULL, false);
		free(name);
		return 0;
	}
	if (!strcmp(kw, "choice") || !strcmp(kw, "menu") || !strcmp(kw, "if"))
		return open_block(ps, s, kw, rest);
	if (!strcmp(kw, "endif") || !strcmp(kw, "endmenu") || !strcmp(kw, "endchoice"))
		return close_block(ps, s, kw);
	if (!strcmp(kw, "comment") || !strcmp(kw, "mainmenu")) {
		set_entry(ps, NULL, NULL, kw[0] == 'c');
		return 0;
	}
	if (!strcmp(kw, "source") || !strcmp(kw, "osource") || !strcmp(kw, "rsource") || !strcmp(kw, "orsource")) {
		set_entry(ps, NULL, NULL, false);
		return do_source(ps, s, kw, rest);
	}
	return property(ps, s, kw, rest);
}

static int parse_text(struct pstate *ps, const char *rel, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	struct src s = { rel, 0 };
	struct buf logical = BUF_INIT(KTREE_MAX_FILE_BYTES);
	bool in_help = false;
	unsigned help_indent = 0;
	int rc = 0;

	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		unsigned first;

		s.line++;
		if (in_help) {
			if (blank(p, eol)) {
				p = nl ? nl + 1 : end;
				continue;
			}
			unsigned w = indent_width(p, eol);

			if (w > 0 && (help_indent == 0 || w >= help_indent)) {
				if (help_indent == 0)
					help_indent = w;
				p = nl ? nl + 1 : end;
				continue;
			}
			in_help = false;
		}
		/* Join continuation lines ending in a backslash. */
		first = s.line;
		buf_reset(&logical);
		for (;;) {
			size_t n = (size_t)(eol - p);
			bool cont = n > 0 && p[n - 1] == '\\';

			if (n > 0 && p[n - 1] == '\r')
				n--, cont = n > 0 && p[n - 1] == '\\';
			if ((rc = buf_append(&logical, p, cont ? n - 1 : n)))
				break;
			p = nl ? nl + 1 : end;
			if (!cont || p >= end)
				break;
			nl = memchr(p, '\n', (size_t)(end - p));
			eol = nl ? nl : end;
			s.line++;
		}
		if (rc)
			break;
		{
			struct src at = { rel, first };
			bool help = false;
			char *line = logical.data ? logical.data : (char *)"";

			if (logical.data)
				strip_comment(line);
			rc = statement(ps, &at, line, &help);
			if (help) {
				in_help = true;
				help_indent = 0;
			}
		}
	}
	buf_free(&logical);
	return rc;
}

static int read_file(struct pstate *ps, const char *rel, const struct src *from)
{
	struct ktree *t = ps->t;
	char *abs = NULL, *real = NULL, *text = NULL;
	const char *name;
	FILE *f = NULL;
	struct stat st;
	size_t rootlen = strlen(t->root), got;
	int rc = 0;

	if (ps->source_depth >= KTREE_MAX_SOURCE_DEPTH)
		return err_set(KM_ETOOBIG, "%s:%u: source nested deeper than %d (a cycle?)", from ? from->file : rel,
			       from ? from->line : 0, KTREE_MAX_SOURCE_DEPTH);
	if (t->nfiles >= KTREE_MAX_FILES)
		return err_set(KM_ETOOBIG, "more than %d Kconfig files", KTREE_MAX_FILES);
	abs = rel[0] == '/' ? xstrdup(rel) : xasprintf("%s/%s", t->root, rel);
	real = realpath(abs, NULL);
	if (!real) {
		rc = err_set(errno == ENOENT ? KM_ENOTFOUND : KM_EIO, "%s%s%u%s%s: %s", from ? from->file : "",
			     from ? ":" : "", from ? from->line : 0, from ? ": " : "", rel, strerror(errno));
		goto done;
	}
	/* Sourced files must stay inside the tree: the tree is data, not a licence to read the host. */
	if (strncmp(real, t->root, rootlen) != 0 || (real[rootlen] != '/' && real[rootlen] != '\0')) {
		rc = err_set(KM_EINVAL, "%s:%u: \"%s\" lies outside the source tree", from ? from->file : rel,
			     from ? from->line : 0, rel);
		goto done;
	}
	f = fopen(real, "rb");
	if (!f || fstat(fileno(f), &st) != 0) {
		rc = err_set(KM_EIO, "%s: %s", rel, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = err_set(KM_EINVAL, "%s: not a regular file", rel);
		goto done;
	}
	if (st.st_size > KTREE_MAX_FILE_BYTES) {
		rc = err_set(KM_ETOOBIG, "%s: larger than %d bytes", rel, KTREE_MAX_FILE_BYTES);
		goto done;
	}
	if (t->total_bytes + (size_t)st.st_size > KTREE_MAX_TOTAL_BYTES) {
		rc = err_set(KM_ETOOBIG, "%s: Kconfig files exceed %d bytes in total", rel, KTREE_MAX_TOTAL_BYTES);
		goto done;
	}
	text = xmalloc((size_t)st.st_size + 1);
	got = fread(text, 1, (size_t)st.st_size, f);
	if (got != (size_t)st.st_size) {
		rc = err_set(KM_EIO, "%s: short read", rel);
		goto done;
	}
	text[got] = '\0';
	t->total_bytes += got;
	name = intern_file(t, real[rootlen] ? real + rootlen + 1 : rel);
	ps->source_depth++;
	rc = parse_text(ps, name, text, got);
	ps->source_depth--;
done:
	if (f)
		fclose(f);
	free(text);
	free(real);
	free(abs);
	return rc;
}

/* Records every select/imply on its target, after all entries are known. */
static void link_rdeps(struct ktree *t)
{
	for (size_t i = 0; i < t->ndefs; i++) {
		struct ktree_def *d = t->defs[i];

		for (size_t j = 0; j < d->nselects; j++) {
			struct ktree_sym *target = sym_get(t, d->selects[j].target);

			target->rdeps = xrealloc(target->rdeps, (target->nrdeps + 1) * sizeof(*target->rdeps));
			target->rdeps[target->nrdeps].imply = d->selects[j].imply;
			target->rdeps[target->nrdeps].from = d;
			target->rdeps[target->nrdeps].cond = d->selects[j].cond;
			target->rdeps[target->nrdeps].line = d->selects[j].line;
			target->nrdeps++;
		}
	}
	for (size_t i = 0; i < t->nsyms; i++)
		if (t->syms[i]->modules && !t->modules)
			t->modules = t->syms[i]->name;
}

int ktree_load(const char *srctree, const struct ktree_opts *opts, struct ktree **out)
{
	struct ktree *t = xcalloc(1, sizeof(*t));
	struct pstate ps = { 0 };
	const char *arch = opts && opts->arch ? opts->arch : NULL;
	const char *srcarch = opts && opts->srcarch ? opts->srcarch : ktree_srcarch(arch);
	const char *top = opts && opts->top ? opts->top : "Kconfig";
	int rc = 0;

	*out = NULL;
	t->root = realpath(srctree, NULL);
	if (!t->root) {
		rc = err_set(errno == ENOENT ? KM_ENOTFOUND : KM_EIO, "%s: %s", srctree, strerror(errno));
		goto done;
	}
	var_set(t, "SRCARCH", srcarch, false);
	var_set(t, "ARCH", arch ? arch : srcarch, false);
	var_set(t, "HEADER_ARCH", srcarch, false);
	ps.t = t;
	rc = read_file(&ps, top, NULL);
	if (rc)
		goto done;
	if (ps.block) {
		struct src s = { ps.block->file, ps.block->line };

		rc = perr(&s, "'%s' is never closed",
			  ps.block->kind == KTREE_BLOCK_IF ? "if" : ps.block->kind == KTREE_BLOCK_MENU ? "menu" : "choice");
		goto done;
	}
	link_rdeps(t);
	*out = t;
	t = NULL;
done:
	ktree_free(t);
	return rc;
}

static void free_deps(struct ktree_dep *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kexpr_free(d[i].expr);
	free(d);
}

void ktree_free(struct ktree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ndefs; i++) {
		struct ktree_def *d = t->defs[i];

		free_deps(d->deps, d->ndeps);
		for (size_t j = 0; j < d->nprompts; j++) {
			free(d->prompts[j].text);
			kexpr_free(d->prompts[j].cond);
		}
		free(d->prompts);
		for (size_t j = 0; j < d->ndefaults; j++) {
			kexpr_free(d->defaults[j].value);
			kexpr_free(d->defaults[j].cond);
		}
		free(d->defaults);
		for (size_t j = 0; j < d->nselects; j++) {
			free(d->selects[j].target);
			kexpr_free(d->selects[j].cond);
		}
		free(d->selects);
		free(d);
	}
	free(t->defs);
	for (size_t i = 0; i < t->nblocks; i++) {
		free_deps(t->blocks[i]->deps, t->blocks[i]->ndeps);
		free_deps(t->blocks[i]->visible, t->blocks[i]->nvisible);
		free(t->blocks[i]->title);
		free(t->blocks[i]);
	}
	free(t->blocks);
	for (size_t i = 0; i < t->nsyms; i++) {
		free(t->syms[i]->name);
		free(t->syms[i]->defs);
		free(t->syms[i]->rdeps);
		free(t->syms[i]);
	}
	free(t->syms);
	free(t->hash);
	for (size_t i = 0; i < t->nfiles; i++)
		free(t->files[i]);
	free(t->files);
	for (size_t i = 0; i < t->nvars; i++) {
		free(t->vars[i].name);
		free(t->vars[i].value);
	}
	free(t->vars);
	for (size_t i = 0; i < t->nwarnings; i++)
		free(t->warnings[i]);
	free(t->root);
	free(t);
}
