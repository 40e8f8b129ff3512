/* The trees file format: parsing, checking its matrices, and finding a tree and the matrices a ref runs. */
#include "trees_format.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "lines.h"
#include "log.h"
#include "mail.h"
#include "matrix.h"
#include "xalloc.h"
#include "validate.h"

#define MAX_PATTERN 255
#define MAX_SECRET  1024

/* ---- small helpers ------------------------------------------------------------------------------ */

static void list_add(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static void list_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static bool tree_name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

/* A ref-name glob: what git allows in a ref name, plus the glob characters * ? [ ]. */
static bool pattern_ok(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > MAX_PATTERN || p[0] == '-' || p[0] == '/' || validate_has_control(p) ||
	    strstr(p, "..") || strchr(p, '\\') || strchr(p, '~') || strchr(p, '^') || strchr(p, ':'))
		return false;
	return true;
}

/* Length of u once a trailing "/" and ".git" are dropped. */
static size_t url_core_len(const char *u)
{
	size_t n = strlen(u);

	while (n > 1 && u[n - 1] == '/')
		n--;
	if (n > 4 && strncmp(u + n - 4, ".git", 4) == 0)
		n -= 4;
	while (n > 1 && u[n - 1] == '/')
		n--;
	return n;
}

bool triggers_url_equal(const char *a, const char *b)
{
	size_t na, nb;

	if (!a || !b)
		return false;
	na = url_core_len(a);
	nb = url_core_len(b);
	return na == nb && strncmp(a, b, na) == 0;
}

/* ---- parsing -------------------------------------------------------------------------------------- */

struct parser {
	const char *file;
	char *dir; /* of the file, for secret-file */
	unsigned line;
	struct triggers *t;
	struct triggers_tree *cur;
	/* lines where single-valued keys of the current tree were set, 0 if not */
	unsigned secret_line, poll_line, base_line, matrices_line, branches_line, tags_line;
};

static int perr(const struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(const struct parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(KM_EINVAL, "%s:%u: %s", p->file, p->line, msg);
}

/* Splits value at blanks into words; every word must pass ok. */
static int words(const struct parser *p, const char *key, char *value, bool (*ok)(const char *),
		 const char *what, char ***v, size_t *n)
{
	char *save = NULL;
	size_t added = 0;

	for (char *w = strtok_r(value, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (ok && !ok(w))
			return perr(p, "%s: '%.80s' is not %s", key, w, what);
		if (*n >= TRIGGERS_MAX_LIST)
			return perr(p, "%s: more than %d entries", key, TRIGGERS_MAX_LIST);
		list_add(v, n, w);
		added++;
	}
	if (!added)
		return perr(p, "%s: expected %s after '='", key, what);
	return 0;
}

static bool matrix_ok(const char *w)
{
	return matrix_name_ok(w);
}

static bool address_ok(const char *w)
{
	char *addr = NULL;
	bool ok = mail_parse_address(w, &addr) == 0;

	free(addr);
	return ok;
}

static int once(const struct parser *p, const char *key, unsigned *where)
{
	if (*where)
		return perr(p, "%s is given twice in this tree (first at line %u)", key, *where);
	*where = p->line;
	return 0;
}

static int secret_value(const struct parser *p, const char *key, const char *value, char **out)
{
	size_t n = strlen(value);

	if (n < TRIGGERS_MIN_SECRET)
		return perr(p, "%s: too short (%d characters at least; make one with 'openssl rand -hex 32')",
			    key, TRIGGERS_MIN_SECRET);
	if (n > MAX_SECRET || validate_has_control(value) || strpbrk(value, " \t"))
		return perr(p, "%s: expected one word of at most %d printable characters", key, MAX_SECRET);
	*out = xstrdup(value);
	return 0;
}

static int read_secret_file(const struct parser *p, const char *name, char **out)
{
	char *path = name[0] == '/' ? xstrdup(name) : xasprintf("%s/%s", p->dir, name);
	char line[MAX_SECRET + 2];
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		rc = perr(p, "secret-file: cannot open %s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	free(path);
	rc = secret_value(p, "secret-file", validate_trim(line), out);
	return rc;
}

static bool yes_no(const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0) {
		*out = false;
		return true;
	}
	return false;
}

static bool branch_name_ok(const char *b)
{
	return pattern_ok(b) && !strpbrk(b, "*?[] ");
}

/* "branch PATTERN" or "tag PATTERN" = matrices. */
static int rule_line(struct parser *p, const char *key, char *value)
{
	struct triggers_tree *t = p->cur;
	struct triggers_rule *r;
	bool tag = strncmp(key, "tag", 3) == 0;
	const char *pat = key + (tag ? 3 : 6);
	char *pattern;

	while (*pat == ' ' || *pat == '\t')
		pat++;
	if (!pattern_ok(pat) || strpbrk(pat, " \t"))
		return perr(p, "'%s': expected '%s PATTERN = MATRIX ...' with one ref-name pattern", key,
			    tag ? "tag" : "branch");
	if (t->nrules >= TRIGGERS_MAX_LIST)
		return perr(p, "more than %d branch/tag rules in this tree", TRIGGERS_MAX_LIST);
	pattern = xstrdup(pat);
	t->rules = xrealloc(t->rules, (t->nrules + 1) * sizeof(*t->rules));
	r = &t->rules[t->nrules++];
	memset(r, 0, sizeof(*r));
	r->tag = tag;
	r->pattern = pattern;
	r->line = p->line;
	return words(p, key, value, matrix_ok, "a matrix name", &r->matrices, &r->nmatrices);
}

static int key_line(struct parser *p, char *key, char *value)
{
	struct triggers_tree *t = p->cur;
	int rc;

	if (strncmp(key, "branch ", 7) == 0 || strncmp(key, "branch\t", 7) == 0 ||
	    strncmp(key, "tag ", 4) == 0 || strncmp(key, "tag\t", 4) == 0)
		return rule_line(p, key, value);
	if (strcmp(key, "url") == 0) {
		rc = words(p, key, value, validate_url, "a URL or path (no leading '-', no control characters)",
			   &t->urls, &t->nurls);
		return rc;
	}
	if (strcmp(key, "secret") == 0 || strcmp(key, "secret-file") == 0) {
		if ((rc = once(p, "secret", &p->secret_line)))
			return rc;
		if (!*value)
			return perr(p, "%s: expected a value after '='", key);
		return key[6] ? read_secret_file(p, value, &t->secret)
			      : secret_value(p, key, value, &t->secret);
	}
	if (strcmp(key, "branches") == 0) {
		if ((rc = once(p, key, &p->branches_line)))
			return rc;
		return words(p, key, value, pattern_ok, "a branch name pattern", &t->branches, &t->nbranches);
	}
	if (strcmp(key, "tags") == 0) {
		if ((rc = once(p, key, &p->tags_line)))
			return rc;
		return words(p, key, value, pattern_ok, "a tag name pattern", &t->tags, &t->ntags);
	}
	if (strcmp(key, "matrices") == 0) {
		if ((rc = once(p, key, &p->matrices_line)))
			return rc;
		return words(p, key, value, matrix_ok, "a matrix name ([a-z0-9][a-z0-9._-]*)", &t->matrices,
			     &t->nmatrices);
	}
	if (strcmp(key, "notify") == 0)
		return words(p, key, value, address_ok, "an e-mail address", &t->notify, &t->nnotify);
	if (strcmp(key, "poll") == 0) {
		if ((rc = once(p, key, &p->poll_line)))
			return rc;
		if (!yes_no(value, &t->poll))
			return perr(p, "poll = '%.40s': expected yes or no", value);
		return 0;
	}
	if (strcmp(key, "base") == 0) {
		const char *b = strncmp(value, "refs/heads/", 11) == 0 ? value + 11 : value;

		if ((rc = once(p, key, &p->base_line)))
			return rc;
		if (!branch_name_ok(b))
			return perr(p, "base = '%.80s': expected one branch name", value);
		t->base = xstrdup(b);
		return 0;
	}
	return perr(p,
		    "unknown key '%.60s' (expected url, secret, secret-file, branches, tags, matrices, "
		    "'branch PATTERN', 'tag PATTERN', notify, poll or base)",
		    key);
}

/* Checks the tree that just ended and fills in defaults. */
static int finish_tree(struct parser *p)
{
	struct triggers_tree *t = p->cur;
	bool branch_rules = false;

	if (!t)
		return 0;
	for (size_t i = 0; i < t->nrules; i++)
		branch_rules |= !t->rules[i].tag;
	if (t->nurls == 0)
		return err_set(KM_EINVAL, "%s:%u: tree '%s' has no url (expected 'url = URL')", p->file,
			       t->line, t->name);
	if (t->nmatrices == 0 && (t->nbranches || t->ntags || !branch_rules))
		return err_set(KM_EINVAL,
			       "%s:%u: tree '%s' names no matrices (expected 'matrices = NAME ...' or "
			       "'branch PATTERN = NAME ...')",
			       p->file, t->line, t->name);
	if (t->nbranches == 0 && !branch_rules)
		list_add(&t->branches, &t->nbranches, "*");
	for (size_t i = 0; i < p->t->ntrees - 1; i++) {
		const struct triggers_tree *o = &p->t->trees[i];

		for (size_t a = 0; a < t->nurls; a++) {
			for (size_t b = 0; b < o->nurls; b++) {
				if (triggers_url_equal(t->urls[a], o->urls[b]))
					return err_set(KM_EINVAL,
						       "%s:%u: tree '%s': url '%.80s' is already tree '%s''s "
						       "(line %u)",
						       p->file, t->line, t->name, t->urls[a], o->name,
						       o->line);
			}
		}
	}
	p->cur = NULL;
	return 0;
}

static int section_line(struct parser *p, char *s)
{
	size_t len = strlen(s);
	char *name;
	int rc;

	if (s[len - 1] != ']' || strncmp(s, "[tree", 5) != 0 || (s[5] != ' ' && s[5] != '\t'))
		return perr(p, "expected a section '[tree NAME]'");
	s[len - 1] = '\0';
	name = validate_trim(s + 5);
	if (!tree_name_ok(name))
		return perr(p, "tree name '%.64s': expected 1-64 characters of [A-Za-z0-9._-]", name);
	if ((rc = finish_tree(p)))
		return rc;
	if (triggers_tree_by_name(p->t, name))
		return perr(p, "tree '%s' is defined twice (first at line %u)", name,
			    triggers_tree_by_name(p->t, name)->line);
	if (p->t->ntrees >= TRIGGERS_MAX_TREES)
		return perr(p, "more than %d trees", TRIGGERS_MAX_TREES);
	p->t->trees = xrealloc(p->t->trees, (p->t->ntrees + 1) * sizeof(*p->t->trees));
	p->cur = &p->t->trees[p->t->ntrees++];
	memset(p->cur, 0, sizeof(*p->cur));
	p->cur->name = xstrdup(name);
	p->cur->line = p->line;
	p->secret_line = p->poll_line = p->base_line = p->matrices_line = p->branches_line = p->tags_line = 0;
	return 0;
}

static int parse_line(struct parser *p, char *line)
{
	char *s = validate_trim(line), *eq, *key;

	if (!*s || *s == '#')
		return 0;
	if (*s == '[')
		return section_line(p, s);
	eq = strchr(s, '=');
	if (!eq)
		return perr(p, "expected 'key = value', a '[tree NAME]' section or a '#' comment");
	*eq = '\0';
	key = validate_trim(s);
	if (!*key)
		return perr(p, "expected a key before '='");
	if (!p->cur)
		return perr(p, "'%.60s' before any '[tree NAME]' section", key);
	return key_line(p, key, validate_trim(eq + 1));
}

static void tree_release(struct triggers_tree *t)
{
	free(t->name);
	list_free(t->urls, t->nurls);
	if (t->secret) {
		memset(t->secret, 0, strlen(t->secret));
		free(t->secret);
	}
	list_free(t->branches, t->nbranches);
	list_free(t->tags, t->ntags);
	list_free(t->matrices, t->nmatrices);
	for (size_t i = 0; i < t->nrules; i++) {
		free(t->rules[i].pattern);
		list_free(t->rules[i].matrices, t->rules[i].nmatrices);
	}
	free(t->rules);
	list_free(t->notify, t->nnotify);
	free(t->base);
}

void triggers_free(struct triggers *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ntrees; i++)
		tree_release(&t->trees[i]);
	free(t->trees);
	free(t->file);
	free(t);
}

int triggers_parse(const char *filename, const char *text, size_t len, struct triggers **out)
{
	struct parser p;
	struct lines in;
	const char *slash, *s;
	size_t n;
	int rc = 0;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.file = filename ? filename : "trees";
	if (len > TRIGGERS_MAX_FILE)
		return err_set(KM_ETOOBIG, "%s: %zu bytes, over the limit of %d", p.file, len,
			       TRIGGERS_MAX_FILE);
	if (memchr(text, '\0', len))
		return err_set(KM_EINVAL, "%s: contains a NUL byte (expected text)", p.file);
	slash = strrchr(p.file, '/');
	p.dir = slash ? xstrndup(p.file, (size_t)(slash - p.file)) : xstrdup(".");
	if (!*p.dir) {
		free(p.dir);
		p.dir = xstrdup("/");
	}
	p.t = xcalloc(1, sizeof(*p.t));
	p.t->file = xstrdup(p.file);
	lines_init(&in, text, len);
	while (!rc && lines_next(&in, &s, &n)) {
		char *line;

		p.line = in.lineno;
		if (n > TRIGGERS_MAX_LINE) {
			rc = perr(&p, "line longer than %d bytes", TRIGGERS_MAX_LINE);
			break;
		}
		line = xstrndup(s, n);
		rc = parse_line(&p, line);
		free(line);
	}
	if (!rc)
		rc = finish_tree(&p);
	free(p.dir);
	if (rc) {
		triggers_free(p.t);
		return rc;
	}
	*out = p.t;
	return 0;
}

int triggers_load(const char *path, struct triggers **out)
{
	struct buf b = BUF_INIT(TRIGGERS_MAX_FILE);
	char chunk[8192];
	struct stat st;
	size_t n;
	FILE *f;
	int rc = 0;

	*out = NULL;
	f = fopen(path, "r");
	if (!f)
		return err_set(KM_EIO, "%s: cannot open the trees file: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(&b, chunk, n) != 0) {
			rc = err_set(KM_ETOOBIG, "%s: over the limit of %d bytes", path, TRIGGERS_MAX_FILE);
			break;
		}
	}
	if (!rc && ferror(f))
		rc = err_set(KM_EIO, "%s: read error", path);
	if (!rc && fstat(fileno(f), &st) == 0 && (st.st_mode & 0077) && b.len &&
	    strstr(buf_cstr(&b), "secret"))
		log_warn("trees file %s holds webhook secrets and is readable by others: chmod 600 it", path);
	fclose(f);
	if (!rc)
		rc = triggers_parse(path, buf_cstr(&b), b.len, out);
	buf_free(&b);
	return rc;
}

static int check_matrix(const struct triggers *t, const struct triggers_tree *tree, const char *dir,
			const char *name, unsigned line)
{
	char *path = xasprintf("%s/%s.matrix", dir, name);
	int ok = access(path, R_OK) == 0;

	free(path);
	if (!ok)
		return err_set(KM_EINVAL, "%s:%u: tree '%s': no matrix '%s' (expected %s/%s.matrix)", t->file,
			       line, tree->name, name, dir, name);
	return 0;
}

int triggers_check_matrices(const struct triggers *t, const char *matrices_dir)
{
	int rc = 0;

	for (size_t i = 0; !rc && t && i < t->ntrees; i++) {
		const struct triggers_tree *tree = &t->trees[i];

		for (size_t k = 0; !rc && k < tree->nmatrices; k++)
			rc = check_matrix(t, tree, matrices_dir, tree->matrices[k], tree->line);
		for (size_t r = 0; !rc && r < tree->nrules; r++) {
			for (size_t k = 0; !rc && k < tree->rules[r].nmatrices; k++)
				rc = check_matrix(t, tree, matrices_dir, tree->rules[r].matrices[k],
						  tree->rules[r].line);
		}
	}
	return rc;
}

/* ---- lookups ------------------------------------------------------------------------------------------ */

const struct triggers_tree *triggers_tree_by_urls(const struct triggers *t, const char *const *urls, size_t n)
{
	/* The payload's URLs in its order: the clone URL it names first decides. */
	for (size_t u = 0; t && u < n; u++) {
		for (size_t i = 0; i < t->ntrees; i++) {
			for (size_t k = 0; k < t->trees[i].nurls; k++) {
				if (triggers_url_equal(t->trees[i].urls[k], urls[u]))
					return &t->trees[i];
			}
		}
	}
	return NULL;
}

const struct triggers_tree *triggers_tree_by_name(const struct triggers *t, const char *name)
{
	for (size_t i = 0; t && i < t->ntrees; i++) {
		if (strcmp(t->trees[i].name, name) == 0)
			return &t->trees[i];
	}
	return NULL;
}

static bool any_match(char *const *patterns, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (fnmatch(patterns[i], name, 0) == 0)
			return true;
	}
	return false;
}

int triggers_matrices_for(const struct triggers_tree *tree, const char *ref, char *const **matrices,
			  size_t *n)
{
	bool tag = strncmp(ref, "refs/tags/", 10) == 0;
	const char *name;

	*matrices = NULL;
	*n = 0;
	if (!tag && strncmp(ref, "refs/heads/", 11) != 0)
		return err_set(KM_ENOTFOUND, "%s is neither a branch nor a tag: not built", ref);
	name = ref + (tag ? 10 : 11);
	for (size_t i = 0; i < tree->nrules; i++) {
		const struct triggers_rule *r = &tree->rules[i];

		if (r->tag == tag && fnmatch(r->pattern, name, 0) == 0) {
			*matrices = r->matrices;
			*n = r->nmatrices;
			return 0;
		}
	}
	if (tag ? any_match(tree->tags, tree->ntags, name)
		: any_match(tree->branches, tree->nbranches, name)) {
		*matrices = tree->matrices;
		*n = tree->nmatrices;
		return 0;
	}
	if (tag)
		return err_set(
			KM_ENOTFOUND,
			"tag %s: tree '%s' builds no tags matching it (see 'tags =' in the trees file)", name,
			tree->name);
	return err_set(
		KM_ENOTFOUND,
		"branch %s: tree '%s' builds no branch matching it (see 'branches =' in the trees file)",
		name, tree->name);
}
