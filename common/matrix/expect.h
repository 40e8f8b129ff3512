/* Matrix expectations: the rules of an [expect] section, parsed, and judged against configs, builds and boots. */
#ifndef KM_EXPECT_H
#define KM_EXPECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "kexpr.h"

#define EXPECT_MAX_RULES 64

enum expect_kind {
	EXPECT_NEVER,  /* no effective config may satisfy expr */
	EXPECT_ALWAYS, /* every effective config must satisfy expr */
	EXPECT_BUILDS, /* every config satisfying expr must build */
	EXPECT_OWNER,  /* the range of `role` is owned by `owner` in boots of `variants` where `expr` (when) holds */
};

struct expect_rule {
	char *name;            /* the key: [a-z0-9][a-z0-9._-]{0,63} */
	enum expect_kind kind;
	struct kexpr *expr;    /* the condition; NULL for an owner rule without `when` (always applies) */
	char *text;            /* the rule as written after "NAME =", blanks squeezed */
	char *role;            /* owner rules: subject | control */
	char *owner;           /* owner rules: hmem | cxl | none */
	char **variants;       /* owner rules: the variants it applies to; none listed: all */
	size_t nvariants;
	unsigned line;
};

/*
 * Parses the value of one [expect] line, "KIND ..." (see docs/matrix-format.md):
 *   never EXPR | always EXPR | builds EXPR
 *   owner ROLE = OWNER [in VARIANT[,VARIANT...]] [when EXPR]
 * value_col is the 1-based column of value in its line, for messages. On
 * error returns KM_EINVAL with "column N: what (expected ...)" in err_msg(),
 * N counted from the start of the line; the matrix parser adds the file and
 * line. *out is new on success (expect_rule_free()).
 */
int expect_rule_parse(const char *name, const char *value, unsigned value_col, unsigned line,
		      struct expect_rule **out);

/* Frees one rule (its fields and itself); accepts NULL. */
void expect_rule_free(struct expect_rule *r);

/* Frees an array of n rules as the matrix holds them (each element's fields, then the array). */
void expect_rules_free(struct expect_rule *v, size_t n);

/* "never", "always", "builds", "owner". */
const char *expect_kind_name(enum expect_kind k);

/* Whether the rule applies to config-level facts only (never, always): judged once per config at configure time. */
bool expect_is_config_rule(const struct expect_rule *r);

/* Whether the rule names variant (owner rules without a list name every variant). */
bool expect_rule_has_variant(const struct expect_rule *r, const char *variant);

/*
 * Whether the condition of r holds under env (an owner rule without `when`:
 * true). Kconfig's value semantics (m stays m); anything above n holds.
 */
bool expect_condition_holds(const struct expect_rule *r, const struct kexpr_env *env);

/*
 * Judges a config rule (never/always) under env: true when the config
 * violates it.
 */
bool expect_config_violates(const struct expect_rule *r, const struct kexpr_env *env);

/* Calls fn once per symbol the rule's expression names (repeats included). */
void expect_rule_symbols(const struct expect_rule *r, void (*fn)(void *ctx, const char *sym), void *ctx);

/*
 * The signature a violation of r is recorded under: "expect:MATRIX:NAME".
 * For a race of role in variant: "race:MATRIX:VARIANT:ROLE". New strings.
 */
char *expect_signature(const char *matrix, const struct expect_rule *r);
char *expect_race_signature(const char *matrix, const char *variant, const char *role);

/*
 * Owners seen across the repeats of one boot: the counts per owner of one
 * range, and whether they disagree. Ordered by count, most first, then by
 * first seen.
 */
struct expect_tally {
	char owner[16][16];
	unsigned count[16];
	size_t n;
};
void expect_tally_add(struct expect_tally *t, const char *owner);
/* "hmem 3 / cxl 2" into out (at most outsz bytes, truncated). */
void expect_tally_text(const struct expect_tally *t, char *out, size_t outsz);

#endif
