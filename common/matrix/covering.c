/* Covering arrays by greedy choice over the full product: small enough for matrix axes (at most 3^8 points). */
#include "covering.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "xalloc.h"

/* One strength-subset of axes and which value tuples of it are covered (at most 3^3 = 27). */
struct subset {
	size_t axes[3];
	size_t t;
	bool need[27];    /* some allowed point holds the tuple */
	bool covered[27];
};

size_t covering_product(size_t naxes, const unsigned *nvalues)
{
	size_t total = 1;

	for (size_t i = 0; i < naxes; i++)
		total *= nvalues[i];
	return total;
}

static void point_at(const struct covering_spec *s, size_t index, unsigned char *row)
{
	for (size_t i = s->naxes; i-- > 0;) {
		row[i] = (unsigned char)(index % s->nvalues[i]);
		index /= s->nvalues[i];
	}
}

static size_t tuple_of(const struct subset *u, const struct covering_spec *s, const unsigned char *row)
{
	size_t k = 0;

	for (size_t j = 0; j < u->t; j++)
		k = k * s->nvalues[u->axes[j]] + row[u->axes[j]];
	return k;
}

/* Every t-subset of the axes, in lexicographic order. */
static struct subset *subsets(const struct covering_spec *s, size_t t, size_t *n)
{
	struct subset *v = NULL;
	size_t idx[3] = { 0, 1, 2 };

	*n = 0;
	for (;;) {
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		memset(&v[*n], 0, sizeof(*v));
		memcpy(v[*n].axes, idx, sizeof(idx));
		v[(*n)++].t = t;
		/* next combination */
		size_t j = t;
		while (j-- > 0 && idx[j] == s->naxes - t + j)
			;
		if (j == (size_t)-1)
			break;
		idx[j]++;
		for (size_t k = j + 1; k < t; k++)
			idx[k] = idx[k - 1] + 1;
	}
	return v;
}

static bool allowed(const struct covering_spec *s, const unsigned char *row)
{
	return !s->excluded || !s->excluded(s->ctx, row);
}

static size_t gain(const struct subset *u, size_t nu, const struct covering_spec *s, const unsigned char *row)
{
	size_t g = 0;

	for (size_t i = 0; i < nu; i++) {
		size_t k = tuple_of(&u[i], s, row);

		g += u[i].need[k] && !u[i].covered[k];
	}
	return g;
}

static size_t take(struct subset *u, size_t nu, const struct covering_spec *s, const unsigned char *row)
{
	size_t g = 0;

	for (size_t i = 0; i < nu; i++) {
		size_t k = tuple_of(&u[i], s, row);

		if (u[i].need[k] && !u[i].covered[k]) {
			u[i].covered[k] = true;
			g++;
		}
	}
	return g;
}

static int check_spec(const struct covering_spec *s)
{
	if (!s || s->naxes == 0 || s->naxes > COVERING_MAX_AXES || !s->nvalues)
		return err_set(KM_EINVAL, "covering array: 1 to %d axes expected", COVERING_MAX_AXES);
	if (s->strength < 2 || s->strength > 3)
		return err_set(KM_EINVAL, "covering array: strength %u (expected 2 or 3)", s->strength);
	for (size_t i = 0; i < s->naxes; i++)
		if (s->nvalues[i] < 1 || s->nvalues[i] > COVERING_MAX_VALUES)
			return err_set(KM_EINVAL, "covering array: axis %zu has %u values (expected 1 to %d)", i + 1,
				       s->nvalues[i], COVERING_MAX_VALUES);
	return 0;
}

/* The subsets with the tuples allowed points hold; *remaining counts them. */
static struct subset *prepare(const struct covering_spec *s, size_t *nu, size_t *remaining)
{
	size_t t = s->strength < s->naxes ? s->strength : s->naxes;
	size_t total = covering_product(s->naxes, s->nvalues);
	struct subset *u = subsets(s, t, nu);
	unsigned char row[COVERING_MAX_AXES];

	*remaining = 0;
	for (size_t p = 0; p < total; p++) {
		point_at(s, p, row);
		if (!allowed(s, row))
			continue;
		for (size_t i = 0; i < *nu; i++) {
			size_t k = tuple_of(&u[i], s, row);

			*remaining += !u[i].need[k];
			u[i].need[k] = true;
		}
	}
	return u;
}

int covering_generate(const struct covering_spec *s, unsigned char **rows, size_t *nrows)
{
	struct subset *u = NULL;
	size_t nu = 0, remaining = 0, n = 0, total;
	unsigned char *out = NULL, row[COVERING_MAX_AXES], best[COVERING_MAX_AXES];
	int rc = check_spec(s);

	*rows = NULL;
	*nrows = 0;
	if (rc)
		return rc;
	total = covering_product(s->naxes, s->nvalues);
	u = prepare(s, &nu, &remaining);
	for (size_t i = 0; i < s->nseeds && remaining; i++) {
		const unsigned char *seed = s->seeds + i * s->naxes;
		bool ok = allowed(s, seed);

		for (size_t a = 0; ok && a < s->naxes; a++)
			ok = seed[a] < s->nvalues[a];
		if (!ok || gain(u, nu, s, seed) == 0)
			continue;
		remaining -= take(u, nu, s, seed);
		out = xrealloc(out, (n + 1) * s->naxes);
		memcpy(out + n++ * s->naxes, seed, s->naxes);
	}
	while (remaining) {
		size_t best_gain = 0;

		for (size_t p = 0; p < total; p++) {
			size_t g;

			point_at(s, p, row);
			if (!allowed(s, row) || (g = gain(u, nu, s, row)) <= best_gain)
				continue;
			best_gain = g;
			memcpy(best, row, s->naxes);
		}
		remaining -= take(u, nu, s, best);
		out = xrealloc(out, (n + 1) * s->naxes);
		memcpy(out + n++ * s->naxes, best, s->naxes);
	}
	free(u);
	*rows = out;
	*nrows = n;
	return 0;
}

bool covering_check(const struct covering_spec *s, const unsigned char *rows, size_t n)
{
	struct subset *u;
	size_t nu = 0, remaining = 0;

	if (check_spec(s))
		return false;
	u = prepare(s, &nu, &remaining);
	for (size_t r = 0; r < n; r++)
		remaining -= take(u, nu, s, rows + r * s->naxes);
	free(u);
	return remaining == 0;
}
