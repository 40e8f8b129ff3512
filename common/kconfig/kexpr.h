/* Kconfig dependency expressions: parse, evaluate in Kconfig's tristate logic, print with values. */
#ifndef KM_KEXPR_H
#define KM_KEXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define KEXPR_MAX_LEN (64 * 1024) /* longer expression text is refused */
#define KEXPR_MAX_DEPTH 200       /* deeper nesting is refused (bounded recursion) */

/* Kconfig's tristate: n < m < y, so && is min, || is max and ! is 2 - x. */
enum kexpr_tri { KEXPR_N = 0, KEXPR_M = 1, KEXPR_Y = 2 };

enum kexpr_op {
	KEXPR_SYM, /* a symbol, a constant (y, m, n, 64, "text") or an unexpanded $(macro) */
	KEXPR_NOT,
	KEXPR_AND,
	KEXPR_OR,
	KEXPR_EQ, /* comparisons: left and right are KEXPR_SYM nodes */
	KEXPR_NE,
	KEXPR_LT,
	KEXPR_LE,
	KEXPR_GT,
	KEXPR_GE,
};

enum kexpr_atom {
	KEXPR_WORD,   /* FOO, y, 64, 0x10 */
	KEXPR_STRING, /* "text" (name holds the text without quotes) */
	KEXPR_MACRO,  /* $(cc-option,-foo), left unevaluated */
};

/* The type of a Kconfig symbol; KEXPR_T_UNKNOWN for constants and symbols no Kconfig file defines. */
enum kexpr_type {
	KEXPR_T_UNKNOWN,
	KEXPR_T_BOOL,
	KEXPR_T_TRISTATE,
	KEXPR_T_INT,
	KEXPR_T_HEX,
	KEXPR_T_STRING,
};

struct kexpr {
	enum kexpr_op op;
	struct kexpr *left, *right; /* NOT: left only; AND, OR, comparisons: both */
	char *name;                 /* KEXPR_SYM only */
	enum kexpr_atom atom;       /* KEXPR_SYM only */
};

/*
 * Where symbol values come from. get returns the value as a .config has it
 * ("y", "m", "n", "0x10", "64", "\"text\"") or NULL when the symbol is absent
 * (read as n, or as 0 / 0x0 / "" for int, hex and string symbols). type may be
 * NULL: types are then guessed from the values. modules_sym names the symbol
 * carrying the `modules` attribute (NULL: "MODULES").
 */
struct kexpr_env {
	const char *(*get)(void *ctx, const char *sym);
	enum kexpr_type (*type)(void *ctx, const char *sym);
	void *ctx;
	const char *modules_sym;
};

/* Evaluation flags. */
enum {
	/*
	 * A dependency context (depends on, visible if, and the `if` of prompt,
	 * default, select, imply): Kconfig rewrites the constant m to
	 * "m && MODULES", so it reads as n when MODULES is not set. In a value
	 * context (the value of `default m`) m stays m.
	 */
	KEXPR_EVAL_DEP = 1u << 0,
};

/*
 * Parses a whole expression. *out is new, the caller frees it with
 * kexpr_free(). KM_EINVAL with "column N: expected ..." for bad syntax,
 * KM_ETOOBIG over KEXPR_MAX_LEN or KEXPR_MAX_DEPTH.
 */
int kexpr_parse(const char *text, struct kexpr **out);

/*
 * Parses the longest expression at the start of text (leading blanks
 * skipped) and stops before the first token that cannot continue it (such as
 * the word `if` in "y if FOO"); *consumed is the number of bytes used. Errors
 * as kexpr_parse().
 */
int kexpr_parse_prefix(const char *text, size_t *consumed, struct kexpr **out);

void kexpr_free(struct kexpr *e);

/* A deep copy; NULL for NULL. The caller frees it. */
struct kexpr *kexpr_dup(const struct kexpr *e);

/* a && b, taking ownership of both; either may be NULL (meaning y). */
struct kexpr *kexpr_and(struct kexpr *a, struct kexpr *b);

/* a || b, taking ownership of both; neither may be NULL. */
struct kexpr *kexpr_or(struct kexpr *a, struct kexpr *b);

/* A new symbol or constant node for name (copied). */
struct kexpr *kexpr_symbol(const char *name);

/*
 * The tristate value of e under env with Kconfig's semantics; NULL e is y.
 * Comparisons yield y or n: tristate operands compare as n < m < y, int and
 * hex as numbers, anything else as strings (as scripts/kconfig/expr.c does).
 * Unexpanded macros read as n and set *uncertain (which may be NULL).
 */
enum kexpr_tri kexpr_eval(const struct kexpr *e, const struct kexpr_env *env, unsigned flags, bool *uncertain);

/*
 * The value of one symbol under env as menuconfig shows it after "[=": "y",
 * "m", "n", a number or unquoted string text; written into out (truncated to
 * outsz). Returns false when the name has no value to show (constants,
 * undefined symbols, macros).
 */
bool kexpr_symbol_value(const struct kexpr_env *env, const char *name, char *out, size_t outsz);

/*
 * Appends e in Kconfig notation, parenthesized as Kconfig prints it. With env
 * non-NULL each symbol is followed by its value the way menuconfig's help
 * shows it: "CXL_BUS [=m] && (PCI [=y] || !X [=n])". KM_ETOOBIG when b is full.
 */
int kexpr_print(struct buf *b, const struct kexpr *e, const struct kexpr_env *env);

/* kexpr_print() into a new string (NULL e prints "y"). The caller frees it. */
char *kexpr_str(const struct kexpr *e, const struct kexpr_env *env);

/* The character of a tristate: 'n', 'm' or 'y'. */
char kexpr_tri_char(enum kexpr_tri t);

/* The tristate of 'y', 'm', 'n' (also "y"... strings' first char); -1 for anything else. */
int kexpr_tri_from_char(char c);

/* Calls fn once per symbol name referenced by e (constants and macros excluded), in order, repeats included. */
void kexpr_foreach_symbol(const struct kexpr *e, void (*fn)(void *ctx, const char *sym), void *ctx);

#endif
