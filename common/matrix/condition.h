/* The simplest condition over a matrix's axis values that holds for exactly the failing built configs. */
#ifndef KM_CONDITION_H
#define KM_CONDITION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define CONDITION_MAX_AXES 16
#define CONDITION_MAX_CONFIGS 100000
#define CONDITION_MAX_DISJUNCTS 6       /* deeper disjunctions are not searched for */
#define CONDITION_DNF_MAX_AXES 10       /* disjunction search is exhaustive up to this many axes */

/* One built config: its effective axis values (one of y/m/n per axis, in axis order) and its outcome. */
struct condition_config {
	const char *point;
	bool failing;
};

/* SYM=v (one value) or SYM∈{v,w} (two values) over the effective value of axis `axis`. */
struct condition_term {
	size_t axis;
	char values[4]; /* in y, m, n order, NUL-terminated */
};

struct condition_conj {
	struct condition_term *terms;
	size_t nterms;
};

enum condition_status {
	CONDITION_FOUND,       /* disj holds for exactly the failing configs */
	CONDITION_ALWAYS,      /* every built config fails: no condition is needed */
	CONDITION_NEVER,       /* no built config fails */
	CONDITION_INSEPARABLE, /* a passing and a failing config share identical axis values */
	CONDITION_TOO_COMPLEX, /* no disjunction of at most CONDITION_MAX_DISJUNCTS conjunctions was found */
};

struct condition_result {
	enum condition_status status;
	char **axes;                /* copies of the axis names */
	size_t naxes;
	struct condition_conj *disj; /* FOUND: a disjunction of conjunctions (one for a plain conjunction) */
	size_t ndisj;
	bool minimal;               /* the search proved no smaller condition exists */
	char **conflicts;           /* INSEPARABLE: the shared points (naxes chars each) */
	size_t nconflicts;
	char given[CONDITION_MAX_AXES]; /* per axis: its one value when every built config has it, else 0 */
	char *given_text;           /* "CXL_BUS=m ∧ CXL_PCI=m": what the condition takes for granted, or NULL */
	char *text;                 /* "DEV_DAX_HMEM=y ∧ CXL_BUS=m ∧ CXL_REGION=y", or a sentence for the other statuses */
	char *ascii;                /* "DEV_DAX_HMEM=y && CXL_BUS=m && CXL_REGION=y" (two values of three as SYM!=v) */
};

/*
 * Whether a config's build says anything about one error: it passed (with or
 * without the error: Kconfig warnings do not fail a build), or it failed
 * showing the error. A build that failed only with other errors (which may have
 * stopped make before this one could show) or did not finish says nothing, so
 * it must be left out of condition_find(). build_status is KCIDB's.
 */
bool condition_build_counts(const char *build_status, bool shows_error);

/*
 * Finds the simplest condition over the axes' effective values that holds for
 * exactly the failing configs among configs[] (configs that were not built
 * must be left out). Simplest: a single conjunction if one separates, with the
 * fewest terms, then the fewest values; otherwise the fewest conjunctions
 * (then fewest terms and values in total). Every term is needed: dropping any
 * would admit a passing config. *out is new, the caller frees it with
 * condition_free(). KM_EINVAL for a point of the wrong length or with a value
 * other than y/m/n; KM_ETOOBIG over CONDITION_MAX_AXES or CONDITION_MAX_CONFIGS.
 */
int condition_find(const char *const *axes, size_t naxes, const struct condition_config *configs,
		   size_t nconfigs, struct condition_result **out);

/* Whether the condition in r holds for point (naxes chars). FOUND only; ALWAYS is true, others false. */
bool condition_holds(const struct condition_result *r, const char *point);

/*
 * {"status":"found"|"always"|"never"|"inseparable"|"too-complex","minimal":bool,
 *  "disjuncts":[[{"symbol","values":["y"]}...]...],"conflicts":["ymn"...],"text","ascii",
 *  "given":[{"symbol","value"}...],"given_text"}: given are the axes that have one value in every
 *  built config (a matrix slice), which no condition over the run can test.
 * A new reference.
 */
json_t *condition_json(const struct condition_result *r);

void condition_free(struct condition_result *r);

#endif
