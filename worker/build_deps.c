/* Reading Kbuild's dependency lists (.*.cmd: source_X and deps_X) to tell whether a change touches a build. */
#define _GNU_SOURCE
#include "build_deps.h"

#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "build_includes.h"
#include "err.h"
#include "fsutil.h"
#include "proc.h"
#include "strutil.h"
#include "xalloc.h"

#define CMD_FILE_MAX (16u << 20)

bool build_deps_plain_source(const char *path)
{
	const char *base = path_base_name(path);

	if (strncmp(path, "Documentation/", 14) == 0 || strcmp(path, "MAINTAINERS") == 0)
		return true;
	/* tools/ builds with its own makefiles: their dependency lists name files relative to where they ran. */
	if (strncmp(path, "tools/", 6) == 0)
		return false;
	/* A linker script's source is a .S too, but its output is no .cmd dependency of vmlinux. */
	if (strstr(base, ".lds"))
		return false;
	return str_ends_with(base, ".c") || str_ends_with(base, ".h") || str_ends_with(base, ".S");
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
	bool by_name;                 /* some change is an added or removed file */
	bool names_pass;              /* the second pass: where includes could find them */
	struct pathset objects;
	struct include_cache *includes;
	long preprocessed;            /* targets preprocessed again (reads_now) */
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

/* A token of a .cmd file as a path relative to the source tree (".." resolved), or NULL. */
static char *source_relative(const char *tok)
{
	size_t la = strlen(scan.abs_src), lr = strlen(scan.rel_src);
	const char *rest = NULL;
	char *path;

	if (strncmp(tok, scan.abs_src, la) == 0 && tok[la] == '/')
		rest = tok + la + 1;
	else if (lr && strncmp(tok, scan.rel_src, lr) == 0 && tok[lr] == '/')
		rest = tok + lr + 1;
	if (!rest)
		return NULL;
	path = xstrdup(rest);
	if (!path_normalize(path)) {
		free(path);
		return NULL;
	}
	return path;
}

static bool changes_by_name(const struct build_deps_change *c)
{
	return c->added || c->removed;
}

/* One token of a .cmd file: a source-tree path compared with the changed ones. */
static void check_token(const char *tok)
{
	char *rest = source_relative(tok);

	for (size_t i = 0; rest && i < scan.n; i++) {
		if (strcmp(rest, scan.changes[i].path) == 0) {
			scan.found = (long)i;
			break;
		}
	}
	free(rest);
}

/* What one target was made from: the files it read and the include directories it searched. */
struct target_inputs {
	struct pathset src_files; /* relative to the source tree */
	struct pathset other;     /* generated and system headers: relative to out, or absolute */
	struct pathset dirs;      /* include directories in the source tree, relative to it */
	char *command;            /* the command that made it, as Kbuild saved it */
};

static void take_dir(struct target_inputs *in, const char *dir)
{
	char *rel = source_relative(dir);

	/* The top of the tree itself: "-I$(srctree)". */
	if (!rel && strcmp(dir, scan.abs_src) == 0)
		rel = xstrdup("");
	if (rel)
		pathset_add(&in->dirs, rel);
	free(rel);
}

/* The include directories of the command line: -I, -iquote, -isystem and -idirafter, joined or apart. */
static void take_dirs(char *line, struct target_inputs *in)
{
	static const char *const opts[] = { "-I", "-iquote", "-isystem", "-idirafter" };
	char *save = NULL;
	bool next_is_dir = false;

	for (char *tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (next_is_dir) {
			take_dir(in, tok);
			next_is_dir = false;
			continue;
		}
		for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			if (strcmp(tok, opts[i]) == 0)
				next_is_dir = true;
			else if (str_starts_with(tok, opts[i]) && (i == 0 || tok[strlen(opts[i])] == '/' ||
							       tok[strlen(opts[i])] == '.'))
				take_dir(in, tok + strlen(opts[i]));
			else
				continue;
			break;
		}
	}
}

static void take_files(char *value, struct target_inputs *in)
{
	char *save = NULL;

	for (char *tok = strtok_r(value, " \t\\", &save); tok; tok = strtok_r(NULL, " \t\\", &save)) {
		char *rel = source_relative(tok);

		if (rel)
			pathset_add(&in->src_files, rel);
		else
			pathset_add(&in->other, tok);
		free(rel);
	}
}

/* Reads the command, source_X and deps_X of a .cmd file's text (not changed). */
static void read_inputs(const char *text, struct target_inputs *in)
{
	char *copy = xstrdup(text), *line = copy, *nl;
	bool in_deps = false;

	for (; *line; line = nl + 1) {
		size_t len;
		bool more;
		char *value = line;

		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		len = (size_t)(nl - line);
		more = len && line[len - 1] == '\\';
		if (*nl)
			*nl = '\0';
		else
			nl--;
		if (!in_deps) {
			if (str_starts_with(line, "savedcmd_") || str_starts_with(line, "cmd_")) {
				if (!in->command && (value = strstr(line, ":=")))
					in->command = xstrdup(value + 2);
				take_dirs(line, in);
				continue;
			}
			if (!(str_starts_with(line, "source_") || str_starts_with(line, "deps_")) || !(value = strstr(line, ":=")))
				continue;
			in_deps = str_starts_with(line, "deps_") && more;
			value += 2;
		} else {
			in_deps = more;
		}
		/* "$(wildcard include/config/X)": a config symbol's marker, not a file read. */
		if (!strstr(value, "$(wildcard"))
			take_files(value, in);
	}
	free(copy);
}

static void target_inputs_free(struct target_inputs *in)
{
	pathset_free(&in->src_files);
	pathset_free(&in->other);
	pathset_free(&in->dirs);
	free(in->command);
}

static bool has_base_name(const struct pathset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(path_base_name(s->v[i]), name) == 0)
			return true;
	}
	return false;
}

/*
 * Whether one file the target read could name path (an added or removed
 * file) in an include, or test for it with __has_include. A file that names
 * a header through a macro may name any file of path's name (dep_named:
 * one of the target's dependencies has it); one that tests through a macro,
 * or cannot be read, may change the output through anything.
 */
static enum include_finds named_by(const struct target_inputs *in, const char *path, bool dep_named,
				   const char *read, const char *dir)
{
	const struct file_includes *fi = include_cache_get(scan.includes, read);

	if (!fi || fi->computed_has)
		return INCLUDE_FINDS_TEST;
	if (fi->computed && dep_named)
		return INCLUDE_FINDS_READ;
	return includes_may_find(fi, dir, in->dirs.v, in->dirs.n, path);
}

static enum include_finds target_names(const struct target_inputs *in, const char *path)
{
	const char *name = path_base_name(path);
	bool dep_named = has_base_name(&in->src_files, name) || has_base_name(&in->other, name);
	enum include_finds finds = INCLUDE_FINDS_NOT, f;

	for (size_t i = 0; finds != INCLUDE_FINDS_TEST && i < in->src_files.n; i++) {
		const char *rel = in->src_files.v[i], *slash = strrchr(rel, '/');
		char *read = xasprintf("%s/%s", scan.abs_src, rel);
		char *dir = xstrndup(rel, slash ? (size_t)(slash - rel) : 0);

		if ((f = named_by(in, path, dep_named, read, dir)) > finds)
			finds = f;
		free(read);
		free(dir);
	}
	for (size_t i = 0; finds != INCLUDE_FINDS_TEST && i < in->other.n; i++) {
		const char *tok = in->other.v[i];
		char *read = tok[0] == '/' ? xstrdup(tok) : xasprintf("%s/%s", scan.out, tok);

		if ((f = named_by(in, path, dep_named, read, NULL)) > finds)
			finds = f;
		free(read);
	}
	return finds;
}

/* Kbuild saves a command with make's escapes: "$$" for "$", "$(pound)" for "#". */
static void append_unescaped(struct buf *b, const char *tok, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (tok[i] == '$' && i + 1 < len && tok[i + 1] == '$') {
			buf_puts(b, "$");
			i++;
		} else if (tok[i] == '$' && len - i >= 8 && strncmp(tok + i, "$(pound)", 8) == 0) {
			buf_puts(b, "#");
			i += 7;
		} else {
			buf_append(b, tok + i, 1);
		}
	}
}

/*
 * The target's compile command made to preprocess only and to write every
 * file it reads to standard output: "-c" becomes "-E", the output
 * /dev/null, Kbuild's -MMD file -MD (system headers too) to standard
 * output; ccache and what follows the first ";" (objtool, symbol versions)
 * are left out. NULL when it is no such command.
 */
static char *preprocess_command(const char *command)
{
	struct buf b = BUF_INIT(1 << 20);
	bool compiles = false, first = true, output = false;
	const char *p = command;

	while (*p) {
		size_t blanks = strspn(p, " \t"), len;
		const char *tok = p + blanks;

		len = strcspn(tok, " \t");
		if (!len || memchr(tok, ';', len) || (len == 2 && (!strncmp(tok, "&&", 2) || !strncmp(tok, "||", 2))))
			break;
		if (first && len == 6 && !strncmp(tok, "ccache", 6)) {
			p = tok + len;
			first = false;
			continue;
		}
		first = false;
		buf_append(&b, p, blanks);
		if (output) {
			buf_puts(&b, "/dev/null");
			output = false;
		} else if (len == 2 && !strncmp(tok, "-c", 2)) {
			buf_puts(&b, "-E");
			compiles = true;
		} else if (len == 2 && !strncmp(tok, "-o", 2)) {
			buf_puts(&b, "-o");
			output = true;
		} else if (str_starts_with(tok, "-Wp,-MMD,") || str_starts_with(tok, "-Wp,-MD,")) {
			buf_puts(&b, "-Wp,-MD,/dev/stdout");
		} else {
			append_unescaped(&b, tok, len);
		}
		p = tok + len;
	}
	buf_puts(&b, " 2>/dev/null");
	if (!compiles || !b.data) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

#define PREPROCESS_MAX 64 /* targets preprocessed again in one look; past it, a maybe counts */
#define PREPROCESS_TIMEOUT_S 120

/* Whether the target, preprocessed from the tree as it is now, reads path. true when it cannot tell. */
static bool reads_now(const struct target_inputs *in, const char *path)
{
	char *sh = in->command ? preprocess_command(in->command) : NULL, *deps = NULL, *save = NULL;
	const char *argv[] = { "sh", "-c", sh, NULL };
	bool reads = true;

	if (sh && scan.preprocessed++ < PREPROCESS_MAX &&
	    proc_capture(argv, scan.out, PREPROCESS_TIMEOUT_S, 64u << 20, &deps) == 0) {
		size_t listed = 0;

		reads = false;
		for (char *tok = strtok_r(deps, " \t\n\\:", &save); tok && !reads; tok = strtok_r(NULL, " \t\n\\:", &save)) {
			char *rel = source_relative(tok);

			listed += rel != NULL;
			reads = rel && strcmp(rel, path) == 0;
			free(rel);
		}
		/* A list without the tree's own files is no list of what it read. */
		if (!listed)
			reads = true;
	}
	err_clear();
	free(deps);
	free(sh);
	return reads;
}

/*
 * The first added or removed file the target's includes could name, as
 * scan.found. Where only an #include could find it, the target is
 * preprocessed again to tell (the names are read as written, in branches the
 * preprocessor skips too).
 */
static void check_names(const char *text)
{
	struct target_inputs in;

	memset(&in, 0, sizeof(in));
	read_inputs(text, &in);
	for (size_t i = 0; i < scan.n && scan.found < 0; i++) {
		const struct build_deps_change *c = &scan.changes[i];
		enum include_finds finds = changes_by_name(c) ? target_names(&in, c->path) : INCLUDE_FINDS_NOT;

		if (finds == INCLUDE_FINDS_TEST || (finds == INCLUDE_FINDS_READ && !c->removed && reads_now(&in, c->path)))
			scan.found = (long)i;
	}
	target_inputs_free(&in);
}

/* The first pass looks for the changed files among the dependencies, the second for the names of added or removed ones. */
static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *base = path + ftw->base;
	char *text = NULL, *tok, *save = NULL;
	size_t len;

	(void)st;
	if (type != FTW_F || base[0] != '.' || !str_ends_with(base, ".cmd") || !cmd_counts(path, base))
		return 0;
	/* tools/ (objtool) names its files relative to where it ran, and none of them is a plain source. */
	if (scan.names_pass && str_starts_with(path + strlen(scan.out) + 1, "tools/"))
		return 0;
	if (fs_read_file(path, CMD_FILE_MAX, &text, &len) != 0) {
		scan.rc = KM_EIO;
		return 1;
	}
	if (scan.names_pass) {
		check_names(text);
	} else {
		/* Tokens of "source_X := P" and "deps_X := \ P \ P": the list's words, "$(wildcard", ")" and "\" aside. */
		for (tok = strtok_r(text, " \t\n\\():", &save); tok && scan.found < 0;
		     tok = strtok_r(NULL, " \t\n\\():", &save))
			check_token(tok);
	}
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
	for (size_t i = 0; i < n; i++)
		scan.by_name |= changes_by_name(&changes[i]);
	scan.includes = scan.by_name ? include_cache_new() : NULL;
	scan.by_objects = n && config_objects(abs_out, &scan.objects);
	if (n && nftw(abs_out, visit, 32, FTW_PHYS) < 0)
		rc = err_set(KM_EIO, "could not read the build directory %s", out);
	/* Only a build that read none of the changed files needs its includes looked at (slower: headers read). */
	scan.names_pass = true;
	if (!rc && !scan.rc && scan.found < 0 && scan.by_name && nftw(abs_out, visit, 32, FTW_PHYS) < 0)
		rc = err_set(KM_EIO, "could not read the build directory %s", out);
	if (!rc && scan.rc)
		rc = err_set(scan.rc, "could not read Kbuild's dependency lists in %s: %s", out, err_msg());
	*read = scan.found;
	pathset_free(&scan.objects);
	include_cache_free(scan.includes);
done:
	free(abs_out);
	free(abs_src);
	free(rel);
	return rc;
}
