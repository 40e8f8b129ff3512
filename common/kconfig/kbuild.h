/* Kbuild and Makefile text as assignment lines: what builds which object under which CONFIG_ symbol. */
#ifndef KM_KBUILD_H
#define KM_KBUILD_H

#include <stdbool.h>
#include <stddef.h>

/* "LHS op words" with op one of =, :=, +=, ?=, !=; continuations joined, comments dropped. */
struct kbuild_line {
	char *lhs;
	char **words;
	size_t nwords;
	unsigned line; /* 1-based, of the first line of a continued one */
};

/* Parses text (NUL-terminated, modified in place). *n lines; the caller frees them with kbuild_free(). */
struct kbuild_line *kbuild_parse(char *text, size_t *n);

void kbuild_free(struct kbuild_line *v, size_t n);

/*
 * The guard of lhs after its first prefix_len bytes ("obj-" or "name-"):
 * "$(CONFIG_X)" gives a new "X"; "y", "m" and "objs" a new "" (always built
 * when the directory is); anything else NULL.
 */
char *kbuild_guard_of(const char *lhs, size_t prefix_len);

/* Whether w is one of the words of m. */
bool kbuild_has_word(const struct kbuild_line *m, const char *w);

#endif
