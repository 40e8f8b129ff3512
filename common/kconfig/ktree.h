/* A kernel tree's Kconfig files, read into symbols with their dependencies, defaults and reverse dependencies. */
#ifndef KM_KTREE_H
#define KM_KTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "kexpr.h"

#define KTREE_MAX_FILE_BYTES (2 * 1024 * 1024) /* one Kconfig file */
#define KTREE_MAX_TOTAL_BYTES (128 * 1024 * 1024)
#define KTREE_MAX_FILES 20000
#define KTREE_MAX_SOURCE_DEPTH 64
#define KTREE_MAX_BLOCK_DEPTH 256              /* nested if/menu/choice */
#define KTREE_MAX_WARNINGS 50                  /* warnings kept (all are counted) */

/* Where a term of a symbol's direct dependencies comes from. */
enum ktree_dep_kind {
	KTREE_DEP_DEPENDS, /* the entry's own `depends on` line */
	KTREE_DEP_IF,      /* an enclosing `if EXPR` ... `endif` */
	KTREE_DEP_MENU,    /* a `depends on` of an enclosing `menu` */
	KTREE_DEP_CHOICE,  /* a `depends on` of the enclosing `choice` */
	KTREE_DEP_VISIBLE, /* a `visible if` of an enclosing `menu` (limits prompts only) */
};

/* One dependency term with its origin. file points into the tree's file table. */
struct ktree_dep {
	enum ktree_dep_kind kind;
	struct kexpr *expr;
	const char *file;
	unsigned line;
};

enum ktree_block_kind { KTREE_BLOCK_IF, KTREE_BLOCK_MENU, KTREE_BLOCK_CHOICE };

/* An if/endif, menu/endmenu or choice/endchoice block; blocks nest through parent. */
struct ktree_block {
	enum ktree_block_kind kind;
	struct ktree_block *parent;
	char *title;               /* menu title or choice prompt; NULL for if */
	const char *file;
	unsigned line;
	struct ktree_dep *deps;    /* the if condition, or the menu's/choice's `depends on` lines */
	size_t ndeps;
	struct ktree_dep *visible; /* `visible if` lines (menus) */
	size_t nvisible;
};

/* A prompt: the entry is user-settable while cond (and the dependencies) hold. */
struct ktree_prompt {
	char *text;
	struct kexpr *cond; /* NULL: no `if` */
	unsigned line;
};

/* `default VALUE [if COND]` (also from def_bool/def_tristate). */
struct ktree_default {
	struct kexpr *value;
	struct kexpr *cond; /* NULL: no `if` */
	unsigned line;
};

/* An outgoing `select TARGET [if COND]` or `imply TARGET [if COND]`. */
struct ktree_select {
	char *target;
	struct kexpr *cond;
	unsigned line;
	bool imply;
};

struct ktree_sym;

/* One `config`/`menuconfig` entry of a symbol (a symbol may be defined in several places). */
struct ktree_def {
	struct ktree_sym *sym;
	const char *file;
	unsigned line;
	enum kexpr_type type;       /* as declared by this entry; KEXPR_T_UNKNOWN if none */
	struct ktree_block *block;  /* innermost enclosing block, NULL at top level */
	struct ktree_block *choice; /* the choice this entry is a member of, or NULL */
	struct ktree_dep *deps;     /* own `depends on` lines, in order */
	size_t ndeps;
	struct ktree_prompt *prompts;
	size_t nprompts;
	struct ktree_default *defaults;
	size_t ndefaults;
	struct ktree_select *selects; /* selects and implies, in order */
	size_t nselects;
};

/* A `select`/`imply` aimed at a symbol: the reverse dependency. */
struct ktree_rdep {
	bool imply;
	const struct ktree_def *from; /* the selecting entry (its symbol, location and dependencies) */
	const struct kexpr *cond;     /* the `if` condition or NULL; owned by from's select */
	unsigned line;                /* of the select line, in from->file */
};

struct ktree_sym {
	char *name;
	enum kexpr_type type;  /* the first declared type; KEXPR_T_UNKNOWN if only referenced */
	struct ktree_def **defs;
	size_t ndefs;
	struct ktree_rdep *rdeps;
	size_t nrdeps;
	bool modules;          /* carries the `modules` attribute (MODULES) */
};

struct ktree;

/* Options for ktree_load(); zeroed fields take defaults. */
struct ktree_opts {
	const char *srcarch; /* $(SRCARCH), e.g. "x86"; default from arch, else "x86" */
	const char *arch;    /* $(ARCH), e.g. "x86_64"; default srcarch */
	const char *top;     /* top file relative to srctree; default "Kconfig" */
};

/*
 * Reads srctree's Kconfig files from the top file on, following source,
 * osource, rsource and orsource with $(SRCARCH)/$(ARCH) and Kconfig-variable
 * substitution; other macros are left unevaluated. Sourced files must lie
 * inside srctree. *out is new, the caller frees it with ktree_free().
 * KM_ENOTFOUND for a missing top or `source` file, KM_EINVAL with
 * "FILE:LINE: ..." for a malformed line or unbalanced block, KM_ETOOBIG over
 * the KTREE_MAX_* limits, KM_EIO on read errors.
 */
int ktree_load(const char *srctree, const struct ktree_opts *opts, struct ktree **out);

void ktree_free(struct ktree *t);

/* The symbol called name, or NULL if no Kconfig file defines or references it. Borrowed from t. */
const struct ktree_sym *ktree_find(const struct ktree *t, const char *name);

/* Symbols in first-seen order: 0 <= i < ktree_count(t). Borrowed from t. */
size_t ktree_count(const struct ktree *t);
const struct ktree_sym *ktree_at(const struct ktree *t, size_t i);

/* Number of Kconfig files read. */
size_t ktree_nfiles(const struct ktree *t);

/* Non-fatal problems ("FILE:LINE: unknown keyword 'x'"): the first KTREE_MAX_WARNINGS; *count is all of them. */
const char *const *ktree_warnings(const struct ktree *t, size_t *kept, size_t *count);

/* The name of the symbol with the `modules` attribute ("MODULES" if none). Borrowed. */
const char *ktree_modules_sym(const struct ktree *t);

/* For struct kexpr_env.type with ctx = the tree: the symbol's type, KEXPR_T_UNKNOWN if it has none. */
enum kexpr_type ktree_type_cb(void *tree, const char *sym);

/*
 * The direct-dependency terms of def in order: its own `depends on` lines,
 * then each enclosing if / menu / choice from the innermost out. Visible-if
 * terms are included only when with_visible is set. *out is a new array of
 * pointers into the tree (the caller frees the array only); returns the count.
 */
size_t ktree_def_deps(const struct ktree_def *def, bool with_visible, const struct ktree_dep ***out);

/* "depends", "if", "menu", "choice" or "visible". */
const char *ktree_dep_kind_name(enum ktree_dep_kind k);

/* The Kconfig type keyword: "bool", "tristate", "int", "hex", "string" or "unknown". */
const char *ktree_type_name(enum kexpr_type t);

/* SRCARCH for an ARCH value ("x86_64" -> "x86", "arm64" -> "arm64", ...). Static string or arch itself. */
const char *ktree_srcarch(const char *arch);

#endif
