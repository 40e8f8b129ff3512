/* The Kconfig symbols a diff touches, each with the lines of the diff or the tree that bring it in. */
#ifndef KM_DIFFSYMS_H
#define KM_DIFFSYMS_H

#include <stdbool.h>
#include <stddef.h>

#define DIFFSYMS_MAX_DIFF      (32 * 1024 * 1024) /* diff text read; the rest is cut */
#define DIFFSYMS_MAX_FILES     2000               /* files of the diff looked at */
#define DIFFSYMS_MAX_HEADERS   400                /* headers read for declarations */
#define DIFFSYMS_MAX_FILE      (4 * 1024 * 1024)  /* one file of the tree */
#define DIFFSYMS_MAX_SYMS      500
#define DIFFSYMS_MAX_REASONS   8                  /* reasons kept per symbol (all are counted) */

/* Why a symbol is in: the weight of each kind is in diffsyms.c (score_of). */
enum diffsyms_kind {
	DIFFSYMS_CROSS_GUARD,    /* guards the declaration of a function called across a module boundary */
	DIFFSYMS_CROSS_CALLER,   /* builds the file that makes such a call */
	DIFFSYMS_CROSS_PROVIDER, /* builds the file that defines the called function */
	DIFFSYMS_CALL_GUARD,     /* guards the declaration of a function a changed line calls */
	DIFFSYMS_EXPORT_GUARD,   /* guards the declaration of a function a changed file defines */
	DIFFSYMS_KCONFIG,        /* its entry is in a changed Kconfig hunk */
	DIFFSYMS_USE,            /* CONFIG_X on a changed C, header or Makefile line */
	DIFFSYMS_BUILD,          /* an obj-$(CONFIG_X) / X-$(CONFIG_Y) line builds a changed file */
	DIFFSYMS_KIND_COUNT,
};

struct diffsyms_reason {
	enum diffsyms_kind kind;
	char *text; /* "drivers/dax/hmem/hmem.c:71: calls cxl_region_contains_resource(), ..." */
};

struct diffsyms_sym {
	char *name; /* without CONFIG_ */
	int score;
	struct diffsyms_reason *reasons;
	size_t nreasons;  /* kept */
	size_t ncounted;  /* all */
};

/* A call on a changed line into a function defined in another module's changed file. */
struct diffsyms_cross {
	char *caller, *provider, *guard; /* symbols; guard NULL when the declaration has none */
};

struct diffsyms {
	struct diffsyms_sym *syms; /* highest score first, then first seen */
	size_t nsyms;
	struct diffsyms_cross *cross;
	size_t ncross;
	size_t nfiles, nlines; /* files and changed lines looked at */
	size_t nbinary, nrenamed, ndeleted;
	char *cut; /* NULL, or what was left out and why ("diff over 32 MiB: ...") */
};

/*
 * Reads a file of the tree at the diff's new side: a new NUL-terminated
 * string of *len bytes the caller frees, or NULL when there is none.
 */
struct diffsyms_tree {
	char *(*read)(void *ctx, const char *path, size_t *len);
	void *ctx;
	double deadline; /* monotonic seconds (clock_now_s()) after which work stops and is stated cut; 0: none */
};

/*
 * Extracts the symbols of a unified diff (git's format: `diff --git` headers,
 * renames, binary and deleted files) of len bytes: Kconfig entries of changed
 * Kconfig hunks, CONFIG_X on changed lines, the Makefile lines that build each
 * changed .c file up to the root Makefile, and the CONFIG guards around the
 * declarations, in the headers the changed files include, of the functions
 * they call or define. *out is new, freed with diffsyms_free(). Never fails
 * on odd input (what it cannot read it skips and counts); KM_EINVAL without
 * a reader.
 */
int diffsyms_extract(const char *diff, size_t len, const struct diffsyms_tree *tree, struct diffsyms **out);

void diffsyms_free(struct diffsyms *d);

/* The symbol called name, or NULL. */
const struct diffsyms_sym *diffsyms_find(const struct diffsyms *d, const char *name);

/* "cross-guard", "cross-caller", ... */
const char *diffsyms_kind_name(enum diffsyms_kind k);

#endif
