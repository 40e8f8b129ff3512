/* Covering arrays: few rows over small axes such that every pair (or triple) of values appears in some row. */
#ifndef KM_COVERING_H
#define KM_COVERING_H

#include <stdbool.h>
#include <stddef.h>

#define COVERING_MAX_AXES   8
#define COVERING_MAX_VALUES 3

/*
 * What covering_generate() builds. A row is naxes bytes, row[i] the index of
 * a value of axis i (0 <= row[i] < nvalues[i]).
 */
struct covering_spec {
	size_t naxes;                /* 1..COVERING_MAX_AXES */
	const unsigned *nvalues;     /* per axis, 1..COVERING_MAX_VALUES */
	unsigned strength;           /* 2 (pairs) or 3 (triples); over naxes it is the full product */
	/* Rows the array must not contain (an [exclude] line), or NULL. */
	bool (*excluded)(void *ctx, const unsigned char *row);
	void *ctx;
	const unsigned char *seeds;  /* nseeds rows taken first, in order (skipped when excluded) */
	size_t nseeds;
};

/*
 * Greedy generation over the whole product: after the seeds, each row is the
 * allowed point covering the most tuples not yet covered (the first such
 * point in expansion order), until every tuple that some allowed point holds
 * is covered. Deterministic. *rows is a new array of *nrows rows of naxes
 * bytes, freed by the caller. KM_EINVAL for a spec out of bounds.
 */
int covering_generate(const struct covering_spec *spec, unsigned char **rows, size_t *nrows);

/* The number of points of the full product (before excludes). */
size_t covering_product(size_t naxes, const unsigned *nvalues);

/*
 * True when every strength-tuple of values that some allowed point holds
 * appears in one of the n rows (the property covering_generate() promises; tests use it).
 */
bool covering_check(const struct covering_spec *spec, const unsigned char *rows, size_t n);

#endif
