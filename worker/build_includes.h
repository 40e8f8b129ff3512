/* The names a file asks the preprocessor to find, and whether one of them could find a given file. */
#ifndef KM_BUILD_INCLUDES_H
#define KM_BUILD_INCLUDES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * What one file names as written: #include, #include_next, __has_include
 * and __has_include_next (quoted or in angle brackets), and the assembler's
 * .include and .incbin. Lines in comments or in #if 0 count too: more names
 * only make a build count as touched more often.
 */
struct include_name {
	char *name; /* "linux/cxl.h", "../cxl.h" */
	bool test;  /* in __has_include: the preprocessor lists no file it finds so among the files read */
};

struct file_includes {
	struct include_name *names;
	size_t n;
	bool computed;     /* an #include whose name a macro makes (TRACE_INCLUDE(...)) */
	bool computed_has; /* a __has_include whose name a macro makes */
};

/* The includes of each file read once, by path (a build reads the same headers for every object). */
struct include_cache;

struct include_cache *include_cache_new(void);
/* NULL when the file cannot be read. */
const struct file_includes *include_cache_get(struct include_cache *c, const char *path);
void include_cache_free(struct include_cache *c);

enum include_finds {
	INCLUDE_FINDS_NOT,   /* no name of the file can find target */
	INCLUDE_FINDS_READ,  /* an #include may: then target is among the files the preprocessor reads */
	INCLUDE_FINDS_TEST,  /* a __has_include may: target changes the output without being read */
};

/*
 * Whether one of the names fi holds could find target (relative to the
 * source tree): from file_dir, the directory of the file that names it
 * (NULL outside the source tree), or from one of the include directories
 * dirs (relative to the source tree, "" for its top).
 */
enum include_finds includes_may_find(const struct file_includes *fi, const char *file_dir, char *const *dirs, size_t ndirs,
		       const char *target);

/* Resolves "." and ".." segments of a relative path in place; false when it climbs out of its root. */
bool path_normalize(char *p);

#endif
