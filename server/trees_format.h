/* The trees file: which trees the farm follows, how pushes authenticate, which matrices run on which refs. */
#ifndef KM_TREES_FORMAT_H
#define KM_TREES_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#define TRIGGERS_MAX_FILE   (256 * 1024) /* a larger trees file is refused */
#define TRIGGERS_MAX_LINE   4096
#define TRIGGERS_MAX_TREES  256
#define TRIGGERS_MAX_LIST   32 /* URLs, patterns, matrices or addresses on one line or in one tree */
#define TRIGGERS_MIN_SECRET 16

/* "branch PATTERN = m1 m2" or "tag PATTERN = m1": these refs run these matrices. */
struct triggers_rule {
	bool tag;
	char *pattern;
	char **matrices;
	size_t nmatrices;
	unsigned line;
};

struct triggers_tree {
	char *name;
	char **urls; /* urls[0] is what workers fetch; the others are names forges may use for it */
	size_t nurls;
	char *secret;    /* NULL: the tree takes no webhooks */
	char **branches; /* patterns of branch names that run `matrices` ("*" when none is given) */
	size_t nbranches;
	char **tags; /* patterns of tag names that run `matrices` (none by default) */
	size_t ntags;
	char **matrices;
	size_t nmatrices;
	struct triggers_rule *rules; /* tried first, in file order */
	size_t nrules;
	char **notify; /* extra recipients of this tree's reports */
	size_t nnotify;
	char *base; /* branch that new branches are compared with, or NULL */
	bool poll;
	unsigned line;
};

struct triggers {
	char *file;
	struct triggers_tree *trees;
	size_t ntrees;
};

/*
 * Parses a trees file (see docs/triggers-and-mail.md). filename names it in
 * messages; relative secret-file paths are taken from its directory. Errors
 * are KM_EINVAL "FILE:LINE: what was expected", or KM_ETOOBIG over
 * TRIGGERS_MAX_FILE. *out is the caller's (triggers_free()).
 */
int triggers_parse(const char *filename, const char *text, size_t len, struct triggers **out);

/* Reads and parses the file at path (KM_EIO when it cannot be read). */
int triggers_load(const char *path, struct triggers **out);

/* Checks that every matrix named exists as matrices_dir/NAME.matrix: KM_EINVAL naming file and line. */
int triggers_check_matrices(const struct triggers *t, const char *matrices_dir);

void triggers_free(struct triggers *t);

/* Whether two repository URLs name the same repository: equal once a trailing "/" and ".git" are dropped. */
bool triggers_url_equal(const char *a, const char *b);

/* The tree with a URL equal to urls[0], else to urls[1], ...; NULL if none. t may be NULL. */
const struct triggers_tree *triggers_tree_by_urls(const struct triggers *t, const char *const *urls,
						  size_t n);

/* The tree called name, or NULL. t may be NULL. */
const struct triggers_tree *triggers_tree_by_name(const struct triggers *t, const char *name);

/*
 * The matrices a push of ref (refs/heads/X or refs/tags/X) runs in tree:
 * the first "branch"/"tag" rule whose pattern matches the short name, else
 * `matrices` when the name matches `branches` (or `tags`). Patterns are
 * fnmatch(3) globs where '*' also matches '/'. Returns 0 with *matrices
 * (owned by tree) or KM_ENOTFOUND with the reason in err_msg().
 */
int triggers_matrices_for(const struct triggers_tree *tree, const char *ref, char *const **matrices,
			  size_t *n);

#endif
