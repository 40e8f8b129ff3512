/* Why Kconfig gave a symbol another value than requested: the reasons in Kconfig notation, checkable. */
#ifndef KM_CLAMP_EXPLAIN_H
#define KM_CLAMP_EXPLAIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "kexpr.h"
#include "ktree.h"

struct kconfig;

enum clamp_kind {
	CLAMP_DEPENDS,   /* the entry's own `depends on` (upper bound) */
	CLAMP_IF,        /* an enclosing `if` block (upper bound) */
	CLAMP_MENU,      /* an enclosing menu's `depends on` (upper bound) */
	CLAMP_CHOICE,    /* the enclosing choice's `depends on` (upper bound) */
	CLAMP_VISIBLE,   /* an enclosing menu's `visible if` (hides the prompt) */
	CLAMP_PROMPT,    /* the prompt's own `if` (hides the prompt) */
	CLAMP_NO_PROMPT, /* no prompt at all: not user-settable */
	CLAMP_SELECT,    /* a `select` of another symbol (lower bound) */
	CLAMP_IMPLY,     /* an `imply` of another symbol (default lower bound) */
	CLAMP_DEFAULT,   /* the `default` that gave the value while the request could not apply */
	CLAMP_MODULES,   /* m requested while MODULES is not set: m becomes y */
	CLAMP_BOOL,      /* m requested for a bool: Kconfig ignores the request */
	CLAMP_CHOICE_PICK, /* another member of the same choice is the one set */
};

struct clamp_reason {
	enum clamp_kind kind;
	char *expr;      /* Kconfig notation with values: "CXL_BUS [=m]"; for defaults "y if FOO [=m]" */
	char *kconfig;   /* the same without values, re-evaluable: "CXL_BUS"; NULL for modules/bool/no-prompt */
	char value;      /* 'y', 'm' or 'n': what kconfig evaluates to */
	char *symbol;    /* select/imply: the selecting symbol; choice-pick: the member set; else NULL */
	char *where;     /* a short origin: "if CXL_BUS", "menu \"DAX\"", ... or NULL */
	char *file;      /* relative to the tree, NULL when not from a file */
	unsigned line;
};

struct clamp_explanation {
	char *symbol;
	char *type;       /* "bool", "tristate", ... */
	char requested;   /* 'y', 'm', 'n' */
	char effective;
	/* What Kconfig's rules computed from the tree and the effective config. */
	char visible;     /* the prompt limit ('n': not user-settable here) */
	char upper;       /* direct dependencies (depends on + enclosing if/menu/choice) */
	char lower;       /* reverse dependencies (select) */
	char implied;
	char predicted;   /* the value these give for the request; equals effective when the explanation holds */
	bool uncertain;   /* an unexpanded $(macro) took part, so predicted may be wrong */
	struct clamp_reason *reasons;
	size_t nreasons;
	char *text;       /* "CXL_ACPI: requested y, got m — depends on CXL_BUS [=m] (if CXL_BUS, drivers/cxl/Kconfig:19)" */
};

/*
 * An env reading values from an effective config (a struct kconfig), with
 * the MODULES symbol named by tree (which may be NULL). Types are left to
 * clamp_explain(), which takes them from its tree. cfg must outlive env.
 */
void clamp_env_kconfig(struct kexpr_env *env, const struct kconfig *cfg, const struct ktree *tree);

/*
 * Explains why sym, requested as `requested` ('y', 'm' or 'n'), became
 * `effective` under env (the effective .config values; env->type and
 * env->modules_sym are taken from tree when NULL). Works for bool and
 * tristate symbols, also when nothing was clamped (no reasons then). *out is
 * new, the caller frees it with clamp_explanation_free(). KM_ENOTFOUND when
 * the tree does not define sym, KM_EINVAL for a non-bool/tristate symbol or a
 * value other than y/m/n.
 */
int clamp_explain(const struct ktree *tree, const struct kexpr_env *env, const char *sym, char requested,
		  char effective, struct clamp_explanation **out);

/*
 * Checks an explanation against env: every reason's Kconfig text is parsed
 * and re-evaluated and must give its recorded value; combining the reasons
 * with Kconfig's rule (value = min(requested, dependency limit) raised to the
 * selects, or the default when the request cannot apply; m becomes y for bool
 * or without MODULES) must give the effective value; and Kconfig's rules over
 * the whole tree must predict it too. 0 if all hold, KM_ECONFLICT with the
 * first discrepancy otherwise.
 */
int clamp_check(const struct ktree *tree, const struct kexpr_env *env, const struct clamp_explanation *x);

/*
 * {"symbol","type","requested","effective","upper","lower","visible","implied","predicted","uncertain",
 *  "reasons":[{"kind","expr","kconfig","value","symbol","where","file","line"}],"text"}.
 * A new reference.
 */
json_t *clamp_explanation_json(const struct clamp_explanation *x);

/* "depends", "if", "menu", "choice", "visible", "prompt", "no-prompt", "select", "imply", "default", "modules", "bool", "choice-pick". */
const char *clamp_kind_name(enum clamp_kind k);

void clamp_explanation_free(struct clamp_explanation *x);

#endif
