/* Typed errors from a kernel build log (make, gcc, ld, modpost, Kconfig), read as a stream. */
#ifndef KM_BUILDLOG_H
#define KM_BUILDLOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Lines longer than this are matched on their first BUILDLOG_LINE_MAX bytes (and still counted). */
#define BUILDLOG_LINE_MAX 4096
/* Distinct errors kept per log; later distinct ones are only counted (buildlog_errors_dropped). */
#define BUILDLOG_MAX_ERRORS 500
/* Of those, at most this many may be secondary, so a flood of make lines cannot crowd out causes. */
#define BUILDLOG_MAX_SECONDARY 100
/* first_lines holds at most this many lines and bytes of the first occurrence. */
#define BUILDLOG_CONTEXT_LINES 10
#define BUILDLOG_CONTEXT_BYTES 2048

/*
 * One distinct error. Two errors are the same when their signatures are equal;
 * a signature is "<type>:<what>:<where>" without line numbers, addresses,
 * offsets or make levels, so the same mistake seen in 20 configs is one error.
 *
 * Types: ld-undefined, ld-multiple-definition, ld-error, modpost-undefined,
 * modpost-error, cc-error, as-error, objtool-error, kconfig-unmet,
 * kconfig-error, make-error, make-fatal, error (anything else saying "error:").
 *
 * All strings are valid UTF-8 without NUL bytes, owned by the scanner.
 */
struct buildlog_error {
	const char *type;      /* static string, one of the types above */
	char *signature;       /* never NULL */
	char *symbol;	       /* linker/modpost/Kconfig symbol, or NULL */
	char *file;	       /* source, object or module the error is about, or NULL */
	char *function;	       /* function the error is in, when the tool says so, or NULL */
	char *message;	       /* human one-liner, never NULL */
	char *first_lines;     /* the first occurrence with its context lines, '\n'-separated, never NULL */
	unsigned long line_no; /* 1-based line of the log where it first occurred */
	unsigned long count;   /* occurrences in the log */
	/* A consequence or an explanation (make's "*** [...] Error", Kconfig's unmet dependencies): UIs list
	 * the others first. */
	bool secondary;
};

struct buildlog;

/* A new scanner; the caller frees it with buildlog_free(). Never NULL. */
struct buildlog *buildlog_new(void);

/*
 * Reports paths under prefix (a source or build directory of this build)
 * relative to it, so signatures do not depend on where a worker keeps its
 * trees. The scanner also learns the directories of make's "Entering
 * directory" lines by itself. Up to 8 prefixes in all; the longest match
 * wins; a trailing '/' does not matter; the prefix is copied. Absolute paths
 * under no prefix are cut at the first kernel top-level directory
 * (drivers/, arch/, include/, ...).
 */
void buildlog_add_path_prefix(struct buildlog *s, const char *prefix);

/* Scans the next len bytes of the log; chunks may split lines anywhere. Any bytes are accepted. */
void buildlog_feed(struct buildlog *s, const char *data, size_t len);

/* Scans a last line that has no newline and closes pending errors. Call once, after the last feed. */
void buildlog_finish(struct buildlog *s);

/* Number of distinct errors kept. */
size_t buildlog_error_count(const struct buildlog *s);

/* The i-th distinct error in order of first occurrence (NULL if i is out of range); owned by s. */
const struct buildlog_error *buildlog_error_at(const struct buildlog *s, size_t i);

/* Distinct errors seen after the BUILDLOG_MAX_ERRORS / BUILDLOG_MAX_SECONDARY caps were reached. */
unsigned long buildlog_errors_dropped(const struct buildlog *s);

/* Warning lines (gcc, ld, modpost, Kconfig, objtool), including Kconfig's unmet-dependency warnings. */
unsigned long buildlog_warning_count(const struct buildlog *s);

/* Lines seen so far (a last line without a newline counts once buildlog_finish() ran). */
unsigned long buildlog_line_count(const struct buildlog *s);

/*
 * True if this single line (no newline; any bytes, len may exceed
 * BUILDLOG_LINE_MAX) is an error line worth keeping or highlighting: the lines
 * that produce the errors above, ld's "in function" lines and "treated as
 * errors" notices. Warnings are not error lines.
 */
bool buildlog_line_is_error(const char *line, size_t len);

/*
 * The errors as a new JSON array of objects with the fields of struct
 * buildlog_error (NULL strings as JSON null); the caller owns the reference.
 */
json_t *buildlog_errors_json(const struct buildlog *s);

/* Frees the scanner and its errors; accepts NULL. */
void buildlog_free(struct buildlog *s);

#endif
