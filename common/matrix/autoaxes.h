/* Choosing a matrix's axes from the symbols a diff touches: Kconfig's one step, ranking, bounds, the matrix text. */
#ifndef KM_AUTOAXES_H
#define KM_AUTOAXES_H

#include <jansson.h>
#include <stddef.h>

#include "diffsyms.h"
#include "ktree.h"
#include "matrix.h"

#define AUTOAXES_NEIGHBOUR_SCORE 10 /* about, a symbol reached by one Kconfig edge (autoaxes.c one_step) */

struct autoaxes_axis {
	char *symbol;
	char values[4]; /* "ymn" for tristate, "yn" for bool */
	int score;
	char **reasons; /* the diff's lines or the Kconfig edge that brought it in */
	size_t nreasons;
};

struct autoaxes {
	struct autoaxes_axis *axes; /* chosen, best first */
	size_t naxes;
	struct autoaxes_axis *left; /* candidates over max_axes, or not settable (reasons[0] says why) */
	size_t nleft;
	char **seeds; /* points: per call across a module boundary, caller y, provider m, guard y */
	size_t nseeds;
	size_t product;  /* of the chosen axes */
	unsigned cover;  /* 0: the full product; else the covering array's strength */
	char *note;      /* one line for the run: what was chosen, or why nothing */
};

/*
 * Chooses the axes of an `axes = auto` matrix m from the symbols of d with
 * the tree's Kconfig t: symbols that are bool or tristate with a prompt,
 * plus one step along `depends on`, `if`, `select` and selected-by edges of
 * the direct ones; ranked by score, at most m->max_axes; a covering array of
 * strength m->cover (default 2) when the product is over m->max_requests.
 * *out is new, freed with autoaxes_free().
 */
int autoaxes_choose(const struct diffsyms *d, const struct ktree *t, const struct matrix *m, struct autoaxes **out);

void autoaxes_free(struct autoaxes *a);

/*
 * The matrix file to run: text (m's own file) with its `axes = auto` line
 * replaced by the choice (a comment, and `cover`/`seeds` when a covering
 * array is used) and an [axes] section with each axis's reasons as comments
 * appended; with no axis chosen, text unchanged under a comment that says
 * so. range names the commits ("BASE..HEAD"). A new string.
 */
char *autoaxes_matrix_text(const struct autoaxes *a, const struct matrix *m, const char *text, const char *range,
			   const struct diffsyms *d);

/*
 * What the run records: {"range","axes":[{"symbol","values","score","reasons"}],"left","cover","product",
 * "requests","saved","cover_rows","capped","note","cut","files","binary","renamed","deleted"}. requests is
 * the number of points run, cover_rows the covering array's rows before the max_requests cap (capped: some
 * tuples are not covered).
 */
json_t *autoaxes_json(const struct autoaxes *a, const struct diffsyms *d, const char *range, size_t requests,
		      size_t cover_rows);

#endif
