/* Built-in-calls-module diagnosis: pairs an undefined reference in vmlinux with the module that provides the symbol. */
#include "symdiag.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "err.h"
#include "kbuild.h"
#include "strutil.h"
#include "xalloc.h"

#define MAKEFILE_MAX (1024 * 1024)

struct entry {
	char *symbol;
	char *module;  /* "drivers/cxl/core/cxl_core.ko" or "vmlinux" */
	char *kind;    /* EXPORT_SYMBOL_GPL, or NULL when only nm saw it */
	char *ns;
	char *origin;
	struct entry *next; /* same symbol, earlier entry */
};

struct symdiag_exports {
	struct entry **hash;
	size_t cap, n;
};

struct symdiag_exports *symdiag_exports_new(void)
{
	struct symdiag_exports *x = xcalloc(1, sizeof(*x));

	x->cap = 4096;
	x->hash = xcalloc(x->cap, sizeof(*x->hash));
	return x;
}

static struct entry **bucket(const struct symdiag_exports *x, const char *sym)
{
	size_t mask = x->cap - 1, i = (size_t)str_hash(sym) & mask;

	while (x->hash[i] && strcmp(x->hash[i]->symbol, sym) != 0)
		i = (i + 1) & mask;
	return &x->hash[i];
}

static int add_entry(struct symdiag_exports *x, const char *sym, size_t symlen, const char *module,
		     const char *kind, const char *ns, const char *origin)
{
	struct entry *e, **b;
	char *name;

	if (x->n >= SYMDIAG_MAX_ENTRIES)
		return err_set(KM_ETOOBIG, "%s: more than %d symbols indexed", origin, SYMDIAG_MAX_ENTRIES);
	if (x->n * 2 >= x->cap) {
		struct entry **old = x->hash;
		size_t oldcap = x->cap;

		x->cap *= 2;
		x->hash = xcalloc(x->cap, sizeof(*x->hash));
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				*bucket(x, old[i]->symbol) = old[i];
		free(old);
	}
	name = xstrndup(sym, symlen);
	b = bucket(x, name);
	/* One entry per (symbol, module): a symbol seen in many builds is the same fact. */
	for (e = *b; e; e = e->next) {
		if (!strcmp(e->module, module)) {
			if (kind && !e->kind) {
				e->kind = xstrdup(kind);
				free(e->ns);
				e->ns = ns && *ns ? xstrdup(ns) : NULL;
			}
			free(name);
			return 0;
		}
	}
	e = xcalloc(1, sizeof(*e));
	e->symbol = name;
	e->module = xstrdup(module);
	e->kind = kind ? xstrdup(kind) : NULL;
	e->ns = ns && *ns ? xstrdup(ns) : NULL;
	e->origin = xstrdup(origin);
	e->next = *b;
	if (!*b)
		x->n++;
	*b = e;
	return 0;
}

void symdiag_exports_free(struct symdiag_exports *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->cap; i++) {
		struct entry *e = x->hash[i];

		while (e) {
			struct entry *next = e->next;

			free(e->symbol);
			free(e->module);
			free(e->kind);
			free(e->ns);
			free(e->origin);
			free(e);
			e = next;
		}
	}
	free(x->hash);
	free(x);
}

/* Splits line (NUL-terminated, modified) at tabs into at most max fields; returns the count. */
static size_t split_tabs(char *line, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++) {
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n;
}

static bool valid_symbol(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s == '_' || *s == '.' || *s == '$' || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

int symdiag_exports_add_symvers(struct symdiag_exports *x, const char *text, size_t len, const char *origin)
{
	const char *p = text, *end = text + len;
	unsigned lineno = 0;
	int rc = 0;

	if (len > SYMDIAG_MAX_INPUT)
		return err_set(KM_ETOOBIG, "%s: larger than %d bytes", origin, SYMDIAG_MAX_INPUT);
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char *line, *f[6], *mod;
		size_t nf;

		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		line = xstrndup(p, n);
		p = nl ? nl + 1 : end;
		if (!*line) {
			free(line);
			continue;
		}
		nf = split_tabs(line, f, 6);
		if (nf < 4 || strncmp(f[0], "0x", 2) != 0 || !valid_symbol(f[1]) || !*f[2]) {
			rc = err_set(KM_EINVAL, "%s:%u: expected \"0xCRC<TAB>symbol<TAB>module<TAB>EXPORT_SYMBOL...\"",
				     origin, lineno);
			free(line);
			break;
		}
		mod = strcmp(f[2], "vmlinux") ? xasprintf("%s.ko", f[2]) : xstrdup(f[2]);
		rc = add_entry(x, f[1], strlen(f[1]), mod, f[3], nf > 4 ? f[4] : NULL, origin);
		free(mod);
		free(line);
	}
	return rc;
}

int symdiag_exports_add_nm(struct symdiag_exports *x, const char *text, size_t len, const char *origin)
{
	const char *p = text, *end = text + len;
	char *object = xstrdup(origin);
	unsigned lineno = 0;
	int rc = 0;

	if (len > SYMDIAG_MAX_INPUT) {
		free(object);
		return err_set(KM_ETOOBIG, "%s: larger than %d bytes", origin, SYMDIAG_MAX_INPUT);
	}
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char *line, *s, *colon, *type, *sym, *obj = object;
		char *save = NULL;

		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		line = xstrndup(p, n);
		p = nl ? nl + 1 : end;
		s = line;
		colon = strstr(s, ".ko:");
		if (!colon)
			colon = strstr(s, ".o:");
		if (colon) {
			colon = strchr(colon, ':');
			*colon = '\0';
			if (!colon[1]) { /* a "file.ko:" header */
				free(object);
				object = xstrdup(s);
				free(line);
				continue;
			}
			obj = s; /* nm -A: "file.ko:ADDR T sym" */
			s = colon + 1;
		}
		/* "ADDR T sym" or "         U sym" */
		{
			char *tok[3];
			size_t nt = 0;

			for (char *t = strtok_r(s, " \t", &save); t && nt < 3; t = strtok_r(NULL, " \t", &save))
				tok[nt++] = t;
			if (nt == 0) {
				free(line);
				continue;
			}
			if (nt == 2) {
				type = tok[0];
				sym = tok[1];
			} else if (nt == 3) {
				type = tok[1];
				sym = tok[2];
			} else {
				rc = err_set(KM_EINVAL, "%s:%u: expected \"ADDRESS TYPE SYMBOL\"", origin, lineno);
				free(line);
				break;
			}
		}
		if (strlen(type) != 1) {
			rc = err_set(KM_EINVAL, "%s:%u: expected a one-letter symbol type", origin, lineno);
			free(line);
			break;
		}
		/* Defined global symbols only: upper-case types other than U (undefined). */
		if (type[0] >= 'A' && type[0] <= 'Z' && type[0] != 'U' && valid_symbol(sym)) {
			char *mod = xstrdup(obj);
			size_t ml = strlen(mod);

			if (ml > 2 && !strcmp(mod + ml - 2, ".o")) {
				char *ko = xasprintf("%.*s.ko", (int)(ml - 2), mod);

				free(mod);
				mod = ko;
			}
			rc = add_entry(x, sym, strlen(sym), mod, NULL, NULL, origin);
			free(mod);
		}
		free(line);
	}
	free(object);
	return rc;
}

/* ---- ld output ---- */

static char *quoted_after(const char *s, const char *marker)
{
	const char *p = strstr(s, marker), *q;

	if (!p)
		return NULL;
	p += strlen(marker);
	if (*p != '`' && *p != '\'' && *p != '"')
		return NULL;
	p++;
	q = strpbrk(p, "'\"`");
	if (!q || q == p)
		return NULL;
	return xstrndup(p, (size_t)(q - p));
}

int symdiag_parse_ld(const char *text, size_t len, struct symdiag_undef **out, size_t *n)
{
	const char *p = text, *end = text + len;
	char *object = NULL, *function = NULL;
	struct symdiag_undef *v = NULL;
	size_t count = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line = xstrndup(p, (size_t)((nl ? nl : end) - p));
		char *sym, *fn;

		p = nl ? nl + 1 : end;
		fn = quoted_after(line, "in function ");
		if (fn) {
			/* "ld: OBJECT: in function `F':" */
			char *obj = strstr(line, ": in function");
			char *start = line;

			if (!strncmp(start, "ld: ", 4))
				start += 4;
			else if (strstr(start, "ld: "))
				start = strstr(start, "ld: ") + 4;
			free(object);
			object = obj && obj > start ? xstrndup(start, (size_t)(obj - start)) : NULL;
			free(function);
			function = fn;
		}
		sym = quoted_after(line, "undefined reference to ");
		if (sym && count < 100000) {
			struct symdiag_undef *u;
			char *paren = strstr(line, ":(");

			v = xrealloc(v, (count + 1) * sizeof(*v));
			u = &v[count++];
			memset(u, 0, sizeof(*u));
			u->symbol = sym;
			u->object = object ? xstrdup(object) : NULL;
			u->function = function ? xstrdup(function) : NULL;
			if (paren && paren > line) {
				const char *src = strncmp(line, "ld: ", 4) ? line : line + 4;

				if (paren > src)
					u->source = xstrndup(src, (size_t)(paren - src));
			}
			sym = NULL;
		}
		free(sym);
		free(line);
	}
	free(object);
	free(function);
	*out = v;
	*n = count;
	return 0;
}

void symdiag_undefs_free(struct symdiag_undef *u, size_t n)
{
	for (size_t i = 0; u && i < n; i++) {
		free(u[i].symbol);
		free(u[i].object);
		free(u[i].function);
		free(u[i].source);
	}
	free(u);
}

/* ---- Makefiles ---- */

/* Reads dir's Kbuild or Makefile as assignments "LHS += words". *lines NULL when neither exists. */
static int mk_read(const char *srctree, const char *dir, struct kbuild_line **lines, size_t *n)
{
	static const char *const names[] = { "Kbuild", "Makefile" };
	char *text = NULL;
	size_t len = 0;

	*lines = NULL;
	*n = 0;
	for (size_t i = 0; i < 2 && !text; i++) {
		char *path = xasprintf("%s/%s%s%s", srctree, dir, *dir ? "/" : "", names[i]);
		FILE *f = fopen(path, "rb");
		struct stat st;

		free(path);
		if (!f)
			continue;
		if (fstat(fileno(f), &st) != 0 || st.st_size > MAKEFILE_MAX) {
			fclose(f);
			return err_set(KM_ETOOBIG, "%s/%s: larger than %d bytes", dir, names[i], MAKEFILE_MAX);
		}
		text = xmalloc((size_t)st.st_size + 1);
		len = fread(text, 1, (size_t)st.st_size, f);
		text[len] = '\0';
		fclose(f);
	}
	if (!text)
		return 0;
	*lines = kbuild_parse(text, n);
	free(text);
	return 0;
}

/* "obj-$(CONFIG_X)" -> "X"; "obj-y"/"obj-m" -> ""; otherwise NULL. Same for "name-$(CONFIG_X)" with prefix "name-". */
static char *guard_of(const char *lhs, const char *prefix)
{
	size_t pl = strlen(prefix);

	return strncmp(lhs, prefix, pl) == 0 ? kbuild_guard_of(lhs, pl) : NULL;
}

int symdiag_object_config(const char *srctree, const char *obj, char **sym)
{
	char *dir = NULL, *file = NULL;
	struct kbuild_line *lines = NULL;
	size_t n = 0;
	int rc = 0;

	*sym = NULL;
	if (!srctree || !obj || strstr(obj, ".."))
		return 0;
	{
		const char *slash = strrchr(obj, '/');
		size_t fl;

		dir = slash ? xstrndup(obj, (size_t)(slash - obj)) : xstrdup("");
		file = xstrdup(slash ? slash + 1 : obj);
		fl = strlen(file);
		if (fl > 3 && !strcmp(file + fl - 3, ".ko"))
			file[fl - 2] = 'o', file[fl - 1] = '\0';
	}
	for (int step = 0; step < 16; step++) {
		bool found = false;

		kbuild_free(lines, n);
		if ((rc = mk_read(srctree, dir, &lines, &n)))
			break;
		/* obj-$(CONFIG_X) += file */
		for (size_t i = 0; i < n && !found; i++) {
			char *g = guard_of(lines[i].lhs, "obj-");

			if (g && kbuild_has_word(&lines[i], file)) {
				found = true;
				if (*g) {
					*sym = g;
					goto done;
				}
			}
			free(g);
		}
		if (!found) {
			/* composite-y / composite-objs / composite-$(CONFIG_Z) += file: look for composite.o next */
			for (size_t i = 0; i < n && !found; i++) {
				char *dash = strrchr(lines[i].lhs, '-');
				char *prefix, *g;

				if (!dash || !strncmp(lines[i].lhs, "obj-", 4) || !kbuild_has_word(&lines[i], file))
					continue;
				prefix = xstrndup(lines[i].lhs, (size_t)(dash - lines[i].lhs + 1));
				g = guard_of(lines[i].lhs, prefix);
				if (g) {
					free(file);
					file = xasprintf("%.*s.o", (int)(dash - lines[i].lhs), lines[i].lhs);
					found = true;
				}
				free(g);
				free(prefix);
			}
			if (found)
				continue;
			break; /* not built by this directory's Makefile */
		}
		/* Built whenever its directory is: the directory's own guard is in the parent Makefile. */
		{
			char *slash = strrchr(dir, '/');

			if (!*dir)
				break;
			free(file);
			file = xasprintf("%s/", slash ? slash + 1 : dir);
			if (slash)
				*slash = '\0';
			else
				dir[0] = '\0';
		}
	}
done:
	kbuild_free(lines, n);
	free(dir);
	free(file);
	return rc;
}

/* ---- diagnosis ---- */

static char value_of(const struct kexpr_env *env, const char *sym)
{
	char v[8];

	if (!env || !sym)
		return 0;
	if (!kexpr_symbol_value(env, sym, v, sizeof(v)))
		return 'n';
	return (v[0] == 'y' || v[0] == 'm' || v[0] == 'n') && !v[1] ? v[0] : 0;
}

static void add_remedy(struct symdiag_report *r, char *text)
{
	r->remedies = xrealloc(r->remedies, (r->nremedies + 1) * sizeof(*r->remedies));
	r->remedies[r->nremedies++] = text;
}

/* The caller's object from ld's view: the source file's object when ld only names vmlinux.o. */
static char *caller_object(const struct symdiag_undef *u, const char *srctree)
{
	if (u->object && strcmp(u->object, "vmlinux.o") != 0 && strcmp(u->object, "vmlinux") != 0)
		return xstrdup(u->object);
	if (u->source) {
		const char *s = u->source;
		char *o, *colon;
		size_t l;

		if (srctree && !strncmp(s, srctree, strlen(srctree)) && s[strlen(srctree)] == '/')
			s += strlen(srctree) + 1;
		o = xstrdup(s);
		colon = strchr(o, ':');
		if (colon)
			*colon = '\0';
		l = strlen(o);
		if (l > 2 && (!strcmp(o + l - 2, ".c") || !strcmp(o + l - 2, ".S"))) {
			o[l - 1] = 'o';
			return o;
		}
		free(o);
	}
	return u->object ? xstrdup(u->object) : NULL;
}

/* Who provides the symbol: a module over vmlinux, and a real export over an nm sighting. */
static void find_provider(const struct symdiag_exports *x, struct symdiag_report *r)
{
	const struct entry *e = x && x->cap ? *bucket(x, r->symbol) : NULL, *best = NULL;

	for (; e; e = e->next) {
		if (!best || (!strcmp(best->module, "vmlinux") && strcmp(e->module, "vmlinux")) ||
		    (!best->kind && e->kind && strcmp(e->module, "vmlinux")))
			best = e;
	}
	if (!best)
		return;
	r->provider_module = xstrdup(best->module);
	r->export_kind = best->kind ? xstrdup(best->kind) : NULL;
	r->ns = best->ns ? xstrdup(best->ns) : NULL;
	r->origin = xstrdup(best->origin);
}

/* The one-sentence account: who calls the symbol, and where it lives. */
static char *explain(const struct symdiag_report *r)
{
	struct buf t = BUF_INIT(64 * 1024);
	const char *cc = r->caller_config, *pc = r->provider_config;

	buf_printf(&t, "built-in %s", r->caller_object ? r->caller_object : "code");
	if (cc && r->caller_value)
		buf_printf(&t, " (%s=%c)", cc, r->caller_value);
	else if (cc)
		buf_printf(&t, " (built by %s)", cc);
	if (r->caller_function)
		buf_printf(&t, ", in %s(),", r->caller_function);
	buf_printf(&t, " calls %s", r->symbol);
	if (!r->provider_module) {
		buf_puts(&t, ", which no passing build's modules export or define");
	} else if (!strcmp(r->provider_module, "vmlinux")) {
		buf_printf(&t, ", which passing builds have built in (vmlinux), so this config leaves its object out");
	} else {
		buf_printf(&t, ", which lives in module %s", r->provider_module);
		if (pc && r->provider_value)
			buf_printf(&t, " (%s=%c)", pc, r->provider_value);
		else if (pc)
			buf_printf(&t, " (built by %s)", pc);
		if (r->export_kind)
			buf_printf(&t, ", %s%s%s", r->export_kind, r->ns ? " in namespace " : "", r->ns ? r->ns : "");
		buf_puts(&t, ": built-in code cannot call into a module");
	}
	return buf_steal(&t);
}

/* What would fix it, most specific first: Kconfig, code, build. */
static void suggest_remedies(struct symdiag_report *r, const struct ktree *tree)
{
	const char *cc = r->caller_config, *pc = r->provider_config;
	bool in_module = r->provider_module && strcmp(r->provider_module, "vmlinux");
	const struct ktree_sym *ks;

	if (!r->provider_module) {
		add_remedy(r, xasprintf("check that %s is defined in code this config builds and exported with "
					"EXPORT_SYMBOL_GPL() if a module defines it",
					r->symbol));
	} else if (in_module && pc) {
		ks = tree && cc ? ktree_find(tree, cc) : NULL;
		if (cc && ks && ks->type == KEXPR_T_BOOL)
			add_remedy(r, xasprintf("Kconfig: add `depends on %s != m` to %s (a bool cannot follow %s "
						"into a module)",
						pc, cc, pc));
		else
			add_remedy(r, xasprintf("Kconfig: add `depends on %s || !%s` to %s, so %s can be y only when "
						"%s is y or n (and at most m when %s=m)",
						pc, pc, cc ? cc : "the caller's symbol", cc ? cc : "it", pc, pc));
		add_remedy(r, xasprintf("code: at the call site (or around the prototype and its stub), test "
					"IS_REACHABLE(CONFIG_%s) instead of #ifdef / IS_ENABLED(), so built-in "
					"callers get the stub when %s=m",
					pc, pc));
		add_remedy(r, xasprintf("build: move the calling code into the %s module, or build %s as a "
					"module too",
					r->provider_module, cc ? cc : "the caller"));
	} else if (in_module) {
		add_remedy(r, xasprintf("make the caller depend on the symbol that builds %s (`depends on SYM || "
					"!SYM`), or test IS_REACHABLE(CONFIG_SYM) at the call site",
					r->provider_module));
	} else {
		add_remedy(r, xasprintf("make the caller depend on the option that builds %s, or provide a stub "
					"when it is off",
					r->symbol));
	}
}

int symdiag_diagnose(const struct symdiag_exports *x, const struct symdiag_undef *u, const struct symdiag_opts *opts,
		     struct symdiag_report **out)
{
	static const struct symdiag_opts none = { 0 };
	struct symdiag_report *r;
	int rc = 0;

	*out = NULL;
	if (!u || !u->symbol || !*u->symbol)
		return err_set(KM_EINVAL, "an undefined reference needs a symbol");
	if (!opts)
		opts = &none;
	r = xcalloc(1, sizeof(*r));
	r->symbol = xstrdup(u->symbol);
	r->caller_object = caller_object(u, opts->srctree);
	r->caller_function = u->function ? xstrdup(u->function) : NULL;
	find_provider(x, r);
	if (opts->srctree) {
		if (r->caller_object && (rc = symdiag_object_config(opts->srctree, r->caller_object, &r->caller_config)))
			goto fail;
		if (r->provider_module && strcmp(r->provider_module, "vmlinux") &&
		    (rc = symdiag_object_config(opts->srctree, r->provider_module, &r->provider_config)))
			goto fail;
	}
	r->caller_value = value_of(opts->env, r->caller_config);
	r->provider_value = value_of(opts->env, r->provider_config);
	r->text = explain(r);
	suggest_remedies(r, opts->tree);
	*out = r;
	return 0;
fail:
	symdiag_report_free(r);
	return rc;
}

json_t *symdiag_report_json(const struct symdiag_report *r)
{
	json_t *o = json_object(), *caller = json_object(), *prov = json_object(), *rem = json_array();
	char v[2] = { 0 };

#define STR(obj, key, s) json_object_set_new(obj, key, (s) ? json_string(s) : json_null())
	STR(o, "symbol", r->symbol);
	STR(caller, "object", r->caller_object);
	STR(caller, "function", r->caller_function);
	STR(caller, "config", r->caller_config);
	v[0] = r->caller_value;
	json_object_set_new(caller, "value", r->caller_value ? json_string(v) : json_null());
	STR(prov, "module", r->provider_module);
	STR(prov, "config", r->provider_config);
	v[0] = r->provider_value;
	json_object_set_new(prov, "value", r->provider_value ? json_string(v) : json_null());
	STR(prov, "export", r->export_kind);
	STR(prov, "namespace", r->ns);
	STR(prov, "origin", r->origin);
#undef STR
	json_object_set_new(o, "caller", caller);
	json_object_set_new(o, "provider", prov);
	for (size_t i = 0; i < r->nremedies; i++)
		json_array_append_new(rem, json_string(r->remedies[i]));
	json_object_set_new(o, "remedies", rem);
	json_object_set_new(o, "text", json_string(r->text));
	return o;
}

void symdiag_report_free(struct symdiag_report *r)
{
	if (!r)
		return;
	free(r->symbol);
	free(r->caller_object);
	free(r->caller_function);
	free(r->caller_config);
	free(r->provider_module);
	free(r->provider_config);
	free(r->export_kind);
	free(r->ns);
	free(r->origin);
	for (size_t i = 0; i < r->nremedies; i++)
		free(r->remedies[i]);
	free(r->remedies);
	free(r->text);
	free(r);
}
