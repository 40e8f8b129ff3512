/* States the condition of a failure: the simplest formula over axis values separating failing from passing configs. */
#include "condition.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "jobtypes.h"
#include "xalloc.h"

#define NODE_BUDGET 4000000u /* cube enumeration and cover search steps */
#define MAX_CANDIDATES 4000u

static const char VALS[3] = { 'y', 'm', 'n' };

static int val_index(char c)
{
	return c == 'y' ? 0 : c == 'm' ? 1 : c == 'n' ? 2 : -1;
}

static int popcount(unsigned x)
{
	int n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

/* A distinct point: its values as indexes, and whether passing/failing configs have it. */
struct pt {
	const char *point;
	bool fail, pass;
};

static int cmp_cfg(const void *a, const void *b)
{
	return strcmp(((const struct condition_config *)a)->point, ((const struct condition_config *)b)->point);
}

/* ---- bitsets ---- */

struct bits {
	uint64_t *w;
	size_t nw;
};

static void bits_init(struct bits *b, size_t n)
{
	b->nw = (n + 63) / 64;
	b->w = xcalloc(b->nw ? b->nw : 1, sizeof(uint64_t));
}

static bool bits_any(const uint64_t *w, size_t nw)
{
	for (size_t i = 0; i < nw; i++)
		if (w[i])
			return true;
	return false;
}

static size_t bits_count(const uint64_t *w, size_t nw)
{
	size_t n = 0;

	for (size_t i = 0; i < nw; i++)
		n += (size_t)__builtin_popcountll(w[i]);
	return n;
}

/* ---- the search ---- */

struct cube {
	unsigned char mask[CONDITION_MAX_AXES]; /* value bits per axis; the domain mask means no term */
	uint64_t *cover;                        /* failing points inside */
	int terms, values;
	size_t ncover;
	size_t fw; /* words in cover, for the comparators */
};

struct search {
	size_t naxes;
	unsigned dom[CONDITION_MAX_AXES];  /* values seen per axis among built configs */
	unsigned fmask[CONDITION_MAX_AXES]; /* values seen per axis among failing configs */
	const struct pt **F, **P;
	size_t nF, nP, fw, pw;
	uint64_t *fbits[CONDITION_MAX_AXES][3]; /* failing points with axis a = value v */
	uint64_t *pbits[CONDITION_MAX_AXES][3];
	struct cube *cubes;
	size_t ncubes, capcubes;
	unsigned long nodes;
	bool truncated;
	/* cover search */
	size_t **by_point; /* candidates covering each failing point */
	size_t *nby_point;
	size_t best[CONDITION_MAX_DISJUNCTS], cur[CONDITION_MAX_DISJUNCTS];
	size_t nbest;
	int best_terms, best_values;
};

static void record_cube(struct search *s, const unsigned char *mask, const uint64_t *fin)
{
	struct cube *c;

	if (s->ncubes == s->capcubes) {
		s->capcubes = s->capcubes ? s->capcubes * 2 : 256;
		s->cubes = xrealloc(s->cubes, s->capcubes * sizeof(*s->cubes));
	}
	c = &s->cubes[s->ncubes++];
	memcpy(c->mask, mask, sizeof(c->mask));
	c->cover = xmalloc(s->fw * sizeof(uint64_t));
	memcpy(c->cover, fin, s->fw * sizeof(uint64_t));
	c->ncover = bits_count(fin, s->fw);
	c->fw = s->fw;
	c->terms = 0;
	c->values = 0;
	for (size_t a = 0; a < s->naxes; a++) {
		if (mask[a] != s->dom[a]) {
			c->terms++;
			c->values += popcount(mask[a]);
		}
	}
}

static void enum_cubes(struct search *s, size_t a, unsigned char *mask, const uint64_t *fin, const uint64_t *pin)
{
	uint64_t *f2, *p2;

	if (++s->nodes > NODE_BUDGET) {
		s->truncated = true;
		return;
	}
	if (!bits_any(fin, s->fw))
		return;
	if (!bits_any(pin, s->pw)) {
		/* No passing config left: restricting further axes could only lose coverage. */
		for (size_t b = a; b < s->naxes; b++)
			mask[b] = (unsigned char)s->dom[b];
		record_cube(s, mask, fin);
		return;
	}
	if (a == s->naxes)
		return;
	f2 = xmalloc(s->fw * sizeof(uint64_t));
	p2 = xmalloc(s->pw * sizeof(uint64_t));
	for (unsigned m = 1; m < 8; m++) {
		if ((m & s->dom[a]) != m)
			continue;
		memset(f2, 0, s->fw * sizeof(uint64_t));
		memset(p2, 0, s->pw * sizeof(uint64_t));
		for (int v = 0; v < 3; v++) {
			if (!(m & (1u << v)))
				continue;
			for (size_t i = 0; i < s->fw; i++)
				f2[i] |= s->fbits[a][v][i] & fin[i];
			for (size_t i = 0; i < s->pw; i++)
				p2[i] |= s->pbits[a][v][i] & pin[i];
		}
		mask[a] = (unsigned char)m;
		enum_cubes(s, a + 1, mask, f2, p2);
		if (s->truncated)
			break;
	}
	free(f2);
	free(p2);
}

static int cmp_cube_cover(const void *pa, const void *pb)
{
	const struct cube *a = pa, *b = pb;
	int c = memcmp(a->cover, b->cover, a->fw * sizeof(uint64_t));

	if (c)
		return c;
	if (a->terms != b->terms)
		return a->terms - b->terms;
	return a->values - b->values;
}

static int cmp_cube_rank(const void *pa, const void *pb)
{
	const struct cube *a = pa, *b = pb;

	if (a->ncover != b->ncover)
		return a->ncover > b->ncover ? -1 : 1;
	if (a->terms != b->terms)
		return a->terms - b->terms;
	return a->values - b->values;
}

static bool subset(const uint64_t *a, const uint64_t *b, size_t nw)
{
	for (size_t i = 0; i < nw; i++)
		if (a[i] & ~b[i])
			return false;
	return true;
}

/* Keeps, per coverage, the simplest cube, and drops cubes another covers more of at no greater cost. */
static void prune_cubes(struct search *s)
{
	size_t n = 0;

	qsort(s->cubes, s->ncubes, sizeof(*s->cubes), cmp_cube_cover);
	for (size_t i = 0; i < s->ncubes; i++) {
		if (n && !memcmp(s->cubes[n - 1].cover, s->cubes[i].cover, s->fw * sizeof(uint64_t))) {
			free(s->cubes[i].cover);
			continue;
		}
		s->cubes[n++] = s->cubes[i];
	}
	s->ncubes = n;
	qsort(s->cubes, s->ncubes, sizeof(*s->cubes), cmp_cube_rank);
	n = 0;
	for (size_t i = 0; i < s->ncubes; i++) {
		bool dominated = false;

		for (size_t j = 0; j < n && !dominated; j++) {
			const struct cube *k = &s->cubes[j];

			dominated = k->terms <= s->cubes[i].terms && k->values <= s->cubes[i].values &&
				    subset(s->cubes[i].cover, k->cover, s->fw);
		}
		if (dominated || n >= MAX_CANDIDATES) {
			if (!dominated)
				s->truncated = true;
			free(s->cubes[i].cover);
			continue;
		}
		s->cubes[n++] = s->cubes[i];
	}
	s->ncubes = n;
}

static void cover_dfs(struct search *s, uint64_t *uncovered, size_t depth, size_t limit, int terms, int values)
{
	size_t first = SIZE_MAX;

	if (++s->nodes > NODE_BUDGET) {
		s->truncated = true;
		return;
	}
	for (size_t i = 0; i < s->fw && first == SIZE_MAX; i++)
		if (uncovered[i])
			first = i * 64 + (size_t)__builtin_ctzll(uncovered[i]);
	if (first == SIZE_MAX) {
		if (!s->nbest || terms < s->best_terms || (terms == s->best_terms && values < s->best_values)) {
			memcpy(s->best, s->cur, depth * sizeof(s->cur[0]));
			s->nbest = depth;
			s->best_terms = terms;
			s->best_values = values;
		}
		return;
	}
	if (depth == limit)
		return;
	for (size_t k = 0; k < s->nby_point[first]; k++) {
		const struct cube *c = &s->cubes[s->by_point[first][k]];
		uint64_t *next;

		if (s->nbest && (terms + c->terms > s->best_terms ||
				 (terms + c->terms == s->best_terms && values + c->values >= s->best_values)))
			continue;
		next = xmalloc(s->fw * sizeof(uint64_t));
		for (size_t i = 0; i < s->fw; i++)
			next[i] = uncovered[i] & ~c->cover[i];
		s->cur[depth] = s->by_point[first][k];
		cover_dfs(s, next, depth + 1, limit, terms + c->terms, values + c->values);
		free(next);
		if (s->truncated)
			return;
	}
}

/* Greedy cover when the exact search gives up: the largest-coverage cube each time. */
static void cover_greedy(struct search *s)
{
	uint64_t *unc = xmalloc(s->fw * sizeof(uint64_t));

	memset(unc, 0, s->fw * sizeof(uint64_t));
	for (size_t i = 0; i < s->nF; i++)
		unc[i / 64] |= 1ull << (i % 64);
	s->nbest = 0;
	while (bits_any(unc, s->fw) && s->nbest < CONDITION_MAX_DISJUNCTS) {
		size_t best = SIZE_MAX, bestn = 0;

		for (size_t k = 0; k < s->ncubes; k++) {
			size_t n = 0;

			for (size_t i = 0; i < s->fw; i++)
				n += (size_t)__builtin_popcountll(unc[i] & s->cubes[k].cover[i]);
			if (n > bestn) {
				bestn = n;
				best = k;
			}
		}
		if (best == SIZE_MAX)
			break;
		s->best[s->nbest++] = best;
		for (size_t i = 0; i < s->fw; i++)
			unc[i] &= ~s->cubes[best].cover[i];
	}
	if (bits_any(unc, s->fw))
		s->nbest = 0;
	free(unc);
}

static void cube_to_conj(const struct search *s, const unsigned char *mask, struct condition_conj *c)
{
	c->terms = xcalloc(s->naxes ? s->naxes : 1, sizeof(*c->terms));
	c->nterms = 0;
	for (size_t a = 0; a < s->naxes; a++) {
		struct condition_term *t;
		size_t n = 0;

		if (mask[a] == s->dom[a])
			continue;
		t = &c->terms[c->nterms++];
		t->axis = a;
		for (int v = 0; v < 3; v++)
			if (mask[a] & (1u << v))
				t->values[n++] = VALS[v];
		t->values[n] = '\0';
	}
}

/* The smallest set of axes that every passing point escapes (a minimum hitting set over at most 16 axes). */
static bool find_conjunction(struct search *s, unsigned char *mask)
{
	uint32_t *esc = xmalloc((s->nP ? s->nP : 1) * sizeof(*esc));
	uint32_t best = 0;
	int best_terms = -1, best_values = 0;
	bool ok = true;

	for (size_t p = 0; p < s->nP && ok; p++) {
		esc[p] = 0;
		for (size_t a = 0; a < s->naxes; a++)
			if (!(s->fmask[a] & (1u << val_index(s->P[p]->point[a]))))
				esc[p] |= 1u << a;
		ok = esc[p] != 0;
	}
	for (uint32_t set = 1; ok && set < (1u << s->naxes); set++) {
		int terms = popcount(set), values = 0;
		bool hits = true;

		if (best_terms >= 0 && terms > best_terms)
			continue;
		for (size_t p = 0; p < s->nP && hits; p++)
			hits = (esc[p] & set) != 0;
		if (!hits)
			continue;
		for (size_t a = 0; a < s->naxes; a++)
			if (set & (1u << a))
				values += popcount(s->fmask[a]);
		if (best_terms < 0 || terms < best_terms || (terms == best_terms && values < best_values)) {
			best = set;
			best_terms = terms;
			best_values = values;
		}
	}
	free(esc);
	if (best_terms < 0)
		return false;
	for (size_t a = 0; a < s->naxes; a++)
		mask[a] = (unsigned char)((best & (1u << a)) ? s->fmask[a] : s->dom[a]);
	return true;
}

static void render(struct condition_result *r)
{
	struct buf t = BUF_INIT(1024 * 1024), a = BUF_INIT(1024 * 1024), g = BUF_INIT(64 * 1024);

	switch (r->status) {
	case CONDITION_ALWAYS:
		buf_puts(&t, "every built config fails");
		buf_puts(&a, "y");
		break;
	case CONDITION_NEVER:
		buf_puts(&t, "no built config fails");
		buf_puts(&a, "n");
		break;
	case CONDITION_INSEPARABLE:
		buf_puts(&t, "no condition over the axes separates them: passing and failing configs share ");
		for (size_t i = 0; i < r->nconflicts; i++) {
			buf_puts(&t, i ? "; " : "");
			for (size_t x = 0; x < r->naxes; x++)
				buf_printf(&t, "%s%s=%c", x ? " " : "", r->axes[x], r->conflicts[i][x]);
		}
		break;
	case CONDITION_TOO_COMPLEX:
		buf_printf(&t, "no condition of at most %d conjunctions over the axes was found",
			   CONDITION_MAX_DISJUNCTS);
		break;
	case CONDITION_FOUND:
		for (size_t d = 0; d < r->ndisj; d++) {
			const struct condition_conj *c = &r->disj[d];
			bool paren = r->ndisj > 1 && c->nterms > 1;

			buf_puts(&t, d ? " \u2228 " : "");
			buf_puts(&a, d ? " || " : "");
			buf_puts(&t, paren ? "(" : "");
			buf_puts(&a, paren ? "(" : "");
			for (size_t i = 0; i < c->nterms; i++) {
				const struct condition_term *term = &c->terms[i];
				const char *sym = r->axes[term->axis];

				buf_puts(&t, i ? " \u2227 " : "");
				buf_puts(&a, i ? " && " : "");
				if (strlen(term->values) == 1) {
					buf_printf(&t, "%s=%s", sym, term->values);
					buf_printf(&a, "%s=%s", sym, term->values);
				} else {
					char missing = 0;

					buf_printf(&t, "%s\u2208{", sym);
					for (size_t v = 0; term->values[v]; v++)
						buf_printf(&t, "%s%c", v ? "," : "", term->values[v]);
					buf_puts(&t, "}");
					for (int v = 0; v < 3; v++)
						if (!strchr(term->values, VALS[v]))
							missing = VALS[v];
					buf_printf(&a, "%s!=%c", sym, missing);
				}
			}
			buf_puts(&t, paren ? ")" : "");
			buf_puts(&a, paren ? ")" : "");
		}
		break;
	}
	r->text = buf_steal(&t);
	r->ascii = buf_steal(&a);
	for (size_t x = 0; x < r->naxes; x++) {
		if (!r->given[x])
			continue;
		buf_puts(&g, g.len ? " \u2227 " : "");
		buf_printf(&g, "%s=%c", r->axes[x], r->given[x]);
	}
	r->given_text = g.len ? buf_steal(&g) : NULL;
	buf_free(&g);
}

static void search_free(struct search *s)
{
	for (size_t a = 0; a < CONDITION_MAX_AXES; a++)
		for (int v = 0; v < 3; v++) {
			free(s->fbits[a][v]);
			free(s->pbits[a][v]);
		}
	for (size_t i = 0; i < s->ncubes; i++)
		free(s->cubes[i].cover);
	free(s->cubes);
	if (s->by_point)
		for (size_t i = 0; i < s->nF; i++)
			free(s->by_point[i]);
	free(s->by_point);
	free(s->nby_point);
	free(s->F);
	free(s->P);
}

/* Orders disjuncts for reading: by their first differing term, axes in order and values y < m < n. */
static int cmp_conj(const void *pa, const void *pb)
{
	const struct condition_conj *a = pa, *b = pb;

	for (size_t i = 0; i < a->nterms && i < b->nterms; i++) {
		if (a->terms[i].axis != b->terms[i].axis)
			return a->terms[i].axis < b->terms[i].axis ? -1 : 1;
		for (size_t v = 0; a->terms[i].values[v] || b->terms[i].values[v]; v++) {
			int x = val_index(a->terms[i].values[v]), y = val_index(b->terms[i].values[v]);

			if (x != y)
				return x < y ? -1 : 1;
		}
	}
	return (a->nterms > b->nterms) - (a->nterms < b->nterms);
}

static void find_disjunction(struct search *s, struct condition_result *r)
{
	unsigned char mask[CONDITION_MAX_AXES];
	struct bits fin, pin;
	uint64_t *unc;

	bits_init(&fin, s->nF);
	bits_init(&pin, s->nP);
	for (size_t i = 0; i < s->nF; i++)
		fin.w[i / 64] |= 1ull << (i % 64);
	for (size_t i = 0; i < s->nP; i++)
		pin.w[i / 64] |= 1ull << (i % 64);
	for (size_t a = 0; a < s->naxes; a++)
		for (int v = 0; v < 3; v++) {
			s->fbits[a][v] = xcalloc(s->fw, sizeof(uint64_t));
			s->pbits[a][v] = xcalloc(s->pw, sizeof(uint64_t));
		}
	for (size_t i = 0; i < s->nF; i++)
		for (size_t a = 0; a < s->naxes; a++)
			s->fbits[a][val_index(s->F[i]->point[a])][i / 64] |= 1ull << (i % 64);
	for (size_t i = 0; i < s->nP; i++)
		for (size_t a = 0; a < s->naxes; a++)
			s->pbits[a][val_index(s->P[i]->point[a])][i / 64] |= 1ull << (i % 64);
	enum_cubes(s, 0, mask, fin.w, pin.w);
	prune_cubes(s);

	s->by_point = xcalloc(s->nF, sizeof(*s->by_point));
	s->nby_point = xcalloc(s->nF, sizeof(*s->nby_point));
	for (size_t k = 0; k < s->ncubes; k++)
		for (size_t i = 0; i < s->nF; i++)
			if (s->cubes[k].cover[i / 64] & (1ull << (i % 64))) {
				s->by_point[i] = xrealloc(s->by_point[i], (s->nby_point[i] + 1) * sizeof(size_t));
				s->by_point[i][s->nby_point[i]++] = k;
			}
	unc = xmalloc(s->fw * sizeof(uint64_t));
	s->nodes = 0;
	for (size_t limit = 2; limit <= CONDITION_MAX_DISJUNCTS && !s->nbest && !s->truncated; limit++) {
		memcpy(unc, fin.w, s->fw * sizeof(uint64_t));
		cover_dfs(s, unc, 0, limit, 0, 0);
	}
	free(unc);
	if (!s->nbest && s->truncated)
		cover_greedy(s);
	r->minimal = !s->truncated;
	if (!s->nbest) {
		r->status = CONDITION_TOO_COMPLEX;
	} else {
		r->status = CONDITION_FOUND;
		r->ndisj = s->nbest;
		r->disj = xcalloc(s->nbest, sizeof(*r->disj));
		for (size_t d = 0; d < s->nbest; d++)
			cube_to_conj(s, s->cubes[s->best[d]].mask, &r->disj[d]);
		qsort(r->disj, r->ndisj, sizeof(*r->disj), cmp_conj);
	}
	free(fin.w);
	free(pin.w);
}

bool condition_build_counts(const char *build_status, bool shows_error)
{
	if (!build_status)
		return false;
	if (job_status_is(build_status, STATUS_PASS))
		return true;
	return shows_error && job_status_is(build_status, STATUS_FAIL);
}

static int check_input(const char *const *axes, size_t naxes, const struct condition_config *configs,
		       size_t nconfigs)
{
	if (naxes > CONDITION_MAX_AXES)
		return err_set(KM_ETOOBIG, "%zu axes, at most %d", naxes, CONDITION_MAX_AXES);
	if (nconfigs > CONDITION_MAX_CONFIGS)
		return err_set(KM_ETOOBIG, "%zu configs, at most %d", nconfigs, CONDITION_MAX_CONFIGS);
	for (size_t i = 0; i < nconfigs; i++) {
		if (!configs[i].point || strlen(configs[i].point) != naxes)
			return err_set(KM_EINVAL, "config %zu: expected %zu axis values", i, naxes);
		for (size_t a = 0; a < naxes; a++)
			if (val_index(configs[i].point[a]) < 0)
				return err_set(KM_EINVAL, "config %zu: axis %s: '%c' is not y, m or n", i, axes[a],
					       configs[i].point[a]);
	}
	return 0;
}

/* The distinct points of configs (sorted by point), each marked failing, passing or both; *npts gets their count. */
static struct pt *distinct_points(const struct condition_config *configs, size_t nconfigs,
				  struct condition_config **sorted, size_t *npts)
{
	struct pt *pts = xcalloc(nconfigs ? nconfigs : 1, sizeof(*pts));

	*npts = 0;
	*sorted = xmalloc((nconfigs ? nconfigs : 1) * sizeof(**sorted));
	if (nconfigs) {
		memcpy(*sorted, configs, nconfigs * sizeof(**sorted));
		qsort(*sorted, nconfigs, sizeof(**sorted), cmp_cfg);
	}
	for (size_t i = 0; i < nconfigs; i++) {
		if (!*npts || strcmp(pts[*npts - 1].point, (*sorted)[i].point) != 0)
			pts[(*npts)++].point = (*sorted)[i].point;
		if ((*sorted)[i].failing)
			pts[*npts - 1].fail = true;
		else
			pts[*npts - 1].pass = true;
	}
	return pts;
}

/* The search over the points: failing and passing sets, each axis's values; conflicts and givens into r. */
static void search_init(struct search *s, struct pt *pts, size_t npts, size_t naxes, struct condition_result *r)
{
	s->naxes = naxes;
	s->F = xcalloc(npts ? npts : 1, sizeof(*s->F));
	s->P = xcalloc(npts ? npts : 1, sizeof(*s->P));
	for (size_t i = 0; i < npts; i++) {
		if (pts[i].fail && pts[i].pass) {
			r->conflicts = xrealloc(r->conflicts, (r->nconflicts + 1) * sizeof(*r->conflicts));
			r->conflicts[r->nconflicts++] = xstrdup(pts[i].point);
		}
		if (pts[i].fail)
			s->F[s->nF++] = &pts[i];
		else
			s->P[s->nP++] = &pts[i];
		for (size_t a = 0; a < naxes; a++) {
			s->dom[a] |= 1u << val_index(pts[i].point[a]);
			if (pts[i].fail)
				s->fmask[a] |= 1u << val_index(pts[i].point[a]);
		}
	}
	/* An axis with one value throughout cannot separate anything: say what is taken for granted. */
	for (size_t a = 0; a < naxes && npts; a++)
		for (int v = 0; v < 3; v++)
			if (s->dom[a] == 1u << v)
				r->given[a] = VALS[v];
	s->fw = s->nF ? (s->nF + 63) / 64 : 1;
	s->pw = s->nP ? (s->nP + 63) / 64 : 1;
}

/* Decides r's status: the trivial answers first, then one conjunction, then a disjunction. */
static void search_run(struct search *s, struct condition_result *r)
{
	unsigned char mask[CONDITION_MAX_AXES];

	r->minimal = true;
	if (r->nconflicts) {
		r->status = CONDITION_INSEPARABLE;
	} else if (!s->nF) {
		r->status = CONDITION_NEVER;
	} else if (!s->nP) {
		r->status = CONDITION_ALWAYS;
	} else if (find_conjunction(s, mask)) {
		r->status = CONDITION_FOUND;
		r->ndisj = 1;
		r->disj = xcalloc(1, sizeof(*r->disj));
		cube_to_conj(s, mask, &r->disj[0]);
	} else {
		r->minimal = false;
		if (s->naxes > CONDITION_DNF_MAX_AXES)
			r->status = CONDITION_TOO_COMPLEX;
		else
			find_disjunction(s, r);
	}
}

int condition_find(const char *const *axes, size_t naxes, const struct condition_config *configs,
		   size_t nconfigs, struct condition_result **out)
{
	struct condition_config *sorted = NULL;
	struct pt *pts;
	struct search s = { 0 };
	struct condition_result *r;
	size_t npts = 0;
	int rc = check_input(axes, naxes, configs, nconfigs);

	*out = NULL;
	if (rc)
		return rc;
	r = xcalloc(1, sizeof(*r));
	r->naxes = naxes;
	r->axes = xcalloc(naxes ? naxes : 1, sizeof(*r->axes));
	for (size_t a = 0; a < naxes; a++)
		r->axes[a] = xstrdup(axes[a]);
	pts = distinct_points(configs, nconfigs, &sorted, &npts);
	search_init(&s, pts, npts, naxes, r);
	search_run(&s, r);
	render(r);
	*out = r;
	search_free(&s);
	free(pts);
	free(sorted);
	return 0;
}

static bool conj_holds(const struct condition_conj *c, const char *point)
{
	for (size_t i = 0; i < c->nterms; i++)
		if (!strchr(c->terms[i].values, point[c->terms[i].axis]))
			return false;
	return true;
}

bool condition_holds(const struct condition_result *r, const char *point)
{
	if (r->status == CONDITION_ALWAYS)
		return true;
	if (r->status != CONDITION_FOUND || strlen(point) != r->naxes)
		return false;
	for (size_t d = 0; d < r->ndisj; d++)
		if (conj_holds(&r->disj[d], point))
			return true;
	return false;
}

json_t *condition_json(const struct condition_result *r)
{
	static const char *const status[] = {
		[CONDITION_FOUND] = "found",         [CONDITION_ALWAYS] = "always",
		[CONDITION_NEVER] = "never",         [CONDITION_INSEPARABLE] = "inseparable",
		[CONDITION_TOO_COMPLEX] = "too-complex",
	};
	json_t *o = json_object(), *disj = json_array(), *conf = json_array(), *given = json_array();

	json_object_set_new(o, "status", json_string(status[r->status]));
	json_object_set_new(o, "minimal", json_boolean(r->minimal));
	for (size_t d = 0; d < r->ndisj; d++) {
		json_t *c = json_array();

		for (size_t i = 0; i < r->disj[d].nterms; i++) {
			const struct condition_term *t = &r->disj[d].terms[i];
			json_t *term = json_object(), *vals = json_array();

			for (size_t v = 0; t->values[v]; v++) {
				char s[2] = { t->values[v], 0 };

				json_array_append_new(vals, json_string(s));
			}
			json_object_set_new(term, "symbol", json_string(r->axes[t->axis]));
			json_object_set_new(term, "values", vals);
			json_array_append_new(c, term);
		}
		json_array_append_new(disj, c);
	}
	json_object_set_new(o, "disjuncts", disj);
	for (size_t i = 0; i < r->nconflicts; i++)
		json_array_append_new(conf, json_string(r->conflicts[i]));
	json_object_set_new(o, "conflicts", conf);
	json_object_set_new(o, "text", json_string(r->text));
	json_object_set_new(o, "ascii", json_string(r->ascii));
	for (size_t x = 0; x < r->naxes; x++) {
		char v[2] = { r->given[x], 0 };

		if (r->given[x])
			json_array_append_new(given, json_pack("{s:s,s:s}", "symbol", r->axes[x], "value", v));
	}
	json_object_set_new(o, "given", given);
	json_object_set_new(o, "given_text", r->given_text ? json_string(r->given_text) : json_null());
	return o;
}

void condition_free(struct condition_result *r)
{
	if (!r)
		return;
	for (size_t a = 0; a < r->naxes; a++)
		free(r->axes[a]);
	free(r->axes);
	for (size_t d = 0; d < r->ndisj; d++)
		free(r->disj[d].terms);
	free(r->disj);
	for (size_t i = 0; i < r->nconflicts; i++)
		free(r->conflicts[i]);
	free(r->conflicts);
	free(r->text);
	free(r->ascii);
	free(r->given_text);
	free(r);
}
