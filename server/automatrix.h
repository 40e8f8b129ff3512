/* Matrices from the series: the server reads the pushed tree, picks the axes of an `axes = auto` matrix. */
#ifndef KM_AUTOMATRIX_H
#define KM_AUTOMATRIX_H

#include <jansson.h>

struct server;

#define AUTOMATRIX_TIME_LIMIT 60.0 /* seconds for the diff's symbols; what is left is stated cut */

/* What to read: the tree (a local repository path or file:// URL), the head and the base. */
struct automatrix_in {
	const char *tree_url;
	const char *ref;    /* refs/heads/x, or NULL with commit */
	const char *commit; /* NULL: ref's commit */
	const char *base;   /* NULL: the head's first parent */
};

/*
 * Chooses the axes of the `axes = auto` matrix in bundle (matrix_bundle_load)
 * from base..head and returns a new bundle whose text is the matrix to run
 * and whose "auto" object records the choice (autoaxes_json; "requests" is
 * filled by the caller). *head is the head commit (40 hex digits, new
 * string). KM_EINVAL when the tree cannot be read by the server or a commit
 * does not resolve; KM_EIO on git or file errors.
 */
int automatrix_resolve(struct server *s, const struct automatrix_in *in, const json_t *bundle, json_t **out,
		       char **head);

#endif
