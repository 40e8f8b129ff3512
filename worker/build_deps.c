/* Reading Kbuild's dependency lists (.*.cmd: source_X and deps_X) to tell whether a change touches a build. */
#define _GNU_SOURCE
#include "build_deps.h"

#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fsutil.h"
#include "proc.h"
#include "strutil.h"
#include "xalloc.h"

#define CMD_FILE_MAX (16u << 20)

bool build_deps_plain_source(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (strncmp(path, "Documentation/", 14) == 0 || strcmp(path, "MAINTAINERS") == 0)
		return true;
	/* A linker script's source is a .S too, but its output is no .cmd dependency of vmlinux. */
	if (strstr(base, ".lds"))
		return false;
	return str_ends_with(base, ".c") || str_ends_with(base, ".h") || str_ends_with(base, ".S");
}

/* Resolves "." and ".." segments of a relative path in place; false when it climbs out of its root. */
static bool normalize(char *p)
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

/* The relative way from directory from to directory to, both absolute and canonical: "../../linux". */
static char *relative_path(const char *from, const char *to)
{
	struct buf b = BUF_INIT(4 * PATH_MAX);
	size_t common = 0;
	const char *rest;
	char *s;

	/* The longest common prefix that ends where a name ends in both. */
	for (size_t i = 0;; i++) {
		if ((from[i] == '\0' || from[i] == '/') && (to[i] == '\0' || to[i] == '/'))
			common = i;
		if (from[i] != to[i] || !from[i])
			break;
	}
	for (const char *p = from + common; *p; p++) {
		if (*p == '/')
			buf_puts(&b, b.len ? "/.." : "..");
	}
	rest = to + common + (to[common] == '/');
	if (*rest)
		buf_printf(&b, "%s%s", b.len ? "/" : "", rest);
	s = buf_steal(&b);
	return s ? s : xstrdup("");
}

/* A sorted set of paths relative to the build directory. */
struct pathset {
	char **v;
	size_t n, cap;
};

static void pathset_add(struct pathset *s, const char *p)
{
	if (s->n == s->cap)
		s->v = xrealloc(s->v, (s->cap = s->cap ? 2 * s->cap : 256) * sizeof(*s->v));
	s->v[s->n++] = xstrdup(p);
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool pathset_has(const struct pathset *s, const char *p)
{
	return s->n && bsearch(&p, s->v, s->n, sizeof(*s->v), by_str);
}

static void pathset_free(struct pathset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Adds every line of a text (the caller's, modified) to s. */
static void add_lines(struct pathset *s, char *text)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (*line)
			pathset_add(s, line);
	}
}

/*
 * The kernel objects this config links: vmlinux.a's members and each
 * module's objects, .ko and .mod.o. false when out has no vmlinux.a.
 */
static bool config_objects(const char *out, struct pathset *s)
{
	const char *ar[] = { "ar", "t", "vmlinux.a", NULL };
	char *members = NULL, *order = NULL, *path = xasprintf("%s/vmlinux.a", out), *save = NULL;
	size_t len;
	bool ok = access(path, R_OK) == 0 && proc_capture(ar, out, 120, 64u << 20, &members) == 0;

	free(path);
	if (!ok) {
		err_clear();
		free(members);
		return false;
	}
	add_lines(s, members);
	free(members);
	path = xasprintf("%s/modules.order", out);
	if (fs_read_file(path, 4u << 20, &order, &len) == 0) {
		for (char *m = strtok_r(order, "\n", &save); m; m = strtok_r(NULL, "\n", &save)) {
			/* drivers/cxl/cxl_acpi.o (Linux 6.2 and later) or drivers/cxl/cxl_acpi.ko */
			char *base = xstrdup(m), *dot = strrchr(base, '.'), *mod, *text = NULL;

			if (dot && strchr(dot, '/') == NULL)
				*dot = '\0';
			mod = xasprintf("%s/%s.mod", out, base);
			if (fs_read_file(mod, 4u << 20, &text, &len) == 0)
				add_lines(s, text);
			free(text);
			free(mod);
			for (const char *ext = ".o\0.ko\0.mod.o\0"; *ext; ext += strlen(ext) + 1) {
				char *p = xasprintf("%s%s", base, ext);

				pathset_add(s, p);
				free(p);
			}
			free(base);
		}
	}
	err_clear();
	free(order);
	free(path);
	qsort(s->v, s->n, sizeof(*s->v), by_str);
	return true;
}

static struct {
	const char *out, *abs_src, *rel_src;
	const struct build_deps_change *changes;
	size_t n;
	bool by_objects;
	struct pathset objects;
	long found;
	int rc;
} scan;

/* Whether the .cmd file at path (in out) is about something this config builds. */
static bool cmd_counts(const char *path, const char *base)
{
	const char *rel = path + strlen(scan.out) + 1;
	char *target;
	bool counts;

	if (!scan.by_objects || !strchr(rel, '/') || strncmp(rel, "arch/", 5) == 0 ||
	    strncmp(rel, "scripts/", 8) == 0 || strncmp(rel, "tools/", 6) == 0)
		return true;
	/* DIR/.NAME.cmd is about DIR/NAME. */
	target = xasprintf("%.*s%.*s", (int)(base - rel), rel, (int)(strlen(base) - 5), base + 1);
	counts = !(str_ends_with(target, ".o") || str_ends_with(target, ".ko") || str_ends_with(target, ".a")) ||
		 pathset_has(&scan.objects, target);
	free(target);
	return counts;
}

/* One token of a .cmd file: a source-tree path compared with the changed ones. */
static void check_token(char *tok)
{
	size_t la = strlen(scan.abs_src), lr = strlen(scan.rel_src);
	char *rest = NULL;
	const char *name;

	if (strncmp(tok, scan.abs_src, la) == 0 && tok[la] == '/')
		rest = tok + la + 1;
	else if (lr && strncmp(tok, scan.rel_src, lr) == 0 && tok[lr] == '/')
		rest = tok + lr + 1;
	if (!rest || !normalize(rest))
		return;
	name = strrchr(rest, '/') ? strrchr(rest, '/') + 1 : rest;
	for (size_t i = 0; i < scan.n; i++) {
		const struct build_deps_change *c = &scan.changes[i];
		const char *cname = strrchr(c->path, '/') ? strrchr(c->path, '/') + 1 : c->path;

		if (strcmp(rest, c->path) == 0 || (c->added && str_ends_with(c->path, ".h") && strcmp(name, cname) == 0)) {
			scan.found = (long)i;
			return;
		}
	}
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *base = path + ftw->base;
	char *text = NULL, *tok, *save = NULL;
	size_t len;

	(void)st;
	if (type != FTW_F || base[0] != '.' || !str_ends_with(base, ".cmd") || !cmd_counts(path, base))
		return 0;
	if (fs_read_file(path, CMD_FILE_MAX, &text, &len) != 0) {
		scan.rc = KM_EIO;
		return 1;
	}
	/* Tokens of "source_X := P" and "deps_X := \ P \ P": the list's words, "$(wildcard", ")" and "\" aside. */
	for (tok = strtok_r(text, " \t\n\\():", &save); tok && scan.found < 0; tok = strtok_r(NULL, " \t\n\\():", &save))
		check_token(tok);
	free(text);
	return scan.found >= 0;
}

int build_deps_find(const char *out, const char *src, const struct build_deps_change *changes, size_t n, long *read)
{
	char *abs_out = realpath(out, NULL), *abs_src = realpath(src, NULL), *rel = NULL;
	int rc = 0;

	*read = -1;
	if (!abs_out || !abs_src) {
		rc = err_set(KM_ENOTFOUND, "build directory %s or source tree %s is not there", out, src);
		goto done;
	}
	rel = relative_path(abs_out, abs_src);
	memset(&scan, 0, sizeof(scan));
	scan.out = abs_out;
	scan.abs_src = abs_src;
	scan.rel_src = rel;
	scan.changes = changes;
	scan.n = n;
	scan.found = -1;
	scan.by_objects = n && config_objects(abs_out, &scan.objects);
	if (n && nftw(abs_out, visit, 32, FTW_PHYS) < 0)
		rc = err_set(KM_EIO, "could not read the build directory %s", out);
	if (!rc && scan.rc)
		rc = err_set(scan.rc, "could not read Kbuild's dependency lists in %s: %s", out, err_msg());
	*read = scan.found;
	pathset_free(&scan.objects);
done:
	free(abs_out);
	free(abs_src);
	free(rel);
	return rc;
}
