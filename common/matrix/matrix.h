/* Matrix files: parsing, expansion into points, and bundles (a matrix with the files it refers to). */
#ifndef KM_MATRIX_H
#define KM_MATRIX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct kconfig;

#define MATRIX_MAX_BYTES       (64 * 1024) /* a matrix file larger than this is refused */
#define MATRIX_MAX_AXES	       8
#define MATRIX_BUNDLE_FILE_MAX (1024 * 1024) /* each file a bundle carries */
#define MATRIX_MAX_REPEAT      20            /* boots of one variant per config */

struct expect_rule;

struct matrix_axis {
	char *symbol;	/* without CONFIG_ */
	char values[4]; /* subset of "ymn" in listed order, NUL-terminated */
	size_t nvalues;
	unsigned line;
};

struct matrix_exclude_term {
	size_t axis;	/* index into matrix.axes */
	char values[4]; /* the values of that axis the term holds for, NUL-terminated */
};

struct matrix_exclude {
	struct matrix_exclude_term *terms;
	size_t nterms;
	unsigned line;
};

struct matrix_variant {
	char *name;
	char **load; /* module names, in load order */
	size_t nload;
	char *modprobe; /* "busybox" | "kmod" */
	unsigned repeat; /* boots per config, fresh scratch files each (1 by default) */
	bool parallel;	 /* load every module of load at once instead of in order */
	unsigned line;	/* 0 for the implicit "default" variant */
};

struct matrix_scratch {
	char *name;
	unsigned long long size; /* bytes */
};

struct matrix_boot {
	char *qemu; /* exactly one of qemu/exec is non-NULL: raw text, placeholders unexpanded */
	char *exec;
	char *append; /* never NULL ("" when not given) */
	char *check;  /* guest check script file name, or NULL */
	unsigned check_line;
	struct matrix_scratch *scratch;
	size_t nscratch;
	unsigned timeout_s;
	struct matrix_variant *variants; /* at least one: "default" when none is declared */
	size_t nvariants;
};

struct matrix {
	char *file; /* the file name given to the parser, for messages */
	char *name, *arch, *base;
	unsigned name_line, base_line; /* where name and base were given */
	char **fragments;
	size_t nfragments;
	unsigned fragments_line;
	char **targets; /* at least one ("vmlinux" by default) */
	size_t ntargets;
	char *image; /* always set (default by arch) */
	struct matrix_axis *axes;
	size_t naxes;
	struct matrix_exclude *excludes;
	size_t nexcludes;
	struct matrix_boot *boot; /* NULL when there is no [boot] */
	char **notify_to;
	size_t nnotify;
	struct expect_rule *expects; /* the [expect] rules (common/matrix/expect.h), in file order */
	size_t nexpects;
	/* Matrices from the series (docs/auto-matrix.md): `axes = auto` and the bounds. */
	bool axes_auto;          /* axes = auto: the server picks them from the push's diff */
	unsigned axes_line;      /* the line of `axes = auto` (0 when absent) */
	unsigned max_axes;       /* max_axes, default 6 */
	unsigned max_requests;   /* max_requests, default 243 */
	unsigned cover;          /* cover = 2|3: expand as a covering array of that strength; 0: full product */
	char **seeds;            /* seeds: points the covering array starts from */
	size_t nseeds;
	unsigned seeds_line;
};

/*
 * Parses the matrix text (len bytes, need not be NUL-terminated). filename is
 * used in messages only. On success *out is a new matrix the caller frees with
 * matrix_free(). Returns KM_ETOOBIG over MATRIX_MAX_BYTES, KM_EINVAL on any
 * mistake with err_msg() = "FILE:LINE: what is wrong (expected ...)".
 */
int matrix_parse(const char *filename, const char *text, size_t len, struct matrix **out);

/* Reads the file at path (KM_ENOTFOUND, KM_EIO, KM_ETOOBIG) and parses it with path as its name. */
int matrix_load(const char *path, struct matrix **out);

void matrix_free(struct matrix *m);

/* True when base names a .config file (rather than a make target such as tinyconfig). */
bool matrix_base_is_file(const struct matrix *m);

/* The number of points after excludes (at least 1 for a parsed matrix); with cover, the covering array's rows. */
size_t matrix_point_count(const struct matrix *m);

/*
 * All points in expansion order (first axis slowest, each axis in its listed
 * value order, excluded points left out); each a NUL-terminated string of naxes
 * chars from "ymn". With `cover = N`, the rows of a strength-N covering array
 * (common/matrix/covering.c) starting from the seeds instead, at most max_requests
 * of them (then not every tuple is covered); an `axes = auto` matrix
 * without axes has one point, "" (the base config). The caller frees them with matrix_points_free(). Returns 0.
 */
int matrix_expand(const struct matrix *m, char ***points, size_t *npoints);

/* With `cover = N`: the rows of the whole covering array, before the max_requests cap; else 0. */
size_t matrix_cover_rows(const struct matrix *m);

/* Frees n points and the array; accepts NULL. */
void matrix_points_free(char **points, size_t n);

/* True when point has one char per axis, each one of that axis's values (excludes not considered). */
bool matrix_point_ok(const struct matrix *m, const char *point);

/* True when a well-formed point is dropped by an [exclude] line. */
bool matrix_point_excluded(const struct matrix *m, const char *point);

/* {"DEV_DAX_HMEM":"y",...} in axis order, a new reference; NULL when !matrix_point_ok(). */
json_t *matrix_point_json(const struct matrix *m, const char *point);

/*
 * The same for an effective point, whose values may lie outside the axes'
 * (Kconfig turns CXL_PCI=y into m under CXL_BUS=m even when the axis lists
 * only y and n): any of y, m, n per axis; NULL otherwise.
 */
json_t *matrix_effective_json(const struct matrix *m, const char *point);

/*
 * The inverse of matrix_point_json(): values must be an object with exactly
 * the axes as keys, each a one-char string on that axis. *point is a new
 * string the caller frees. KM_EINVAL (with a message) otherwise.
 */
int matrix_point_from_json(const struct matrix *m, const json_t *values, char **point);

/*
 * The files the matrix refers to: base (if a file), fragments, boot check
 * script, in that order. A NULL-terminated array of pointers borrowed from m;
 * the caller frees the array only.
 */
const char **matrix_referenced_files(const struct matrix *m);

/* A safe bare file name: [A-Za-z0-9._-]{1,128}, not starting with '.', hence no '/' or "..". */
bool matrix_file_name_ok(const char *name);

/* A valid matrix name: [a-z0-9][a-z0-9._-]{0,63}. */
bool matrix_name_ok(const char *name);

/*
 * Bundles snapshot a matrix and the files it refers to, so a run does not
 * change when matrices/ is edited and workers need no copy of matrices/:
 *   {"name": "...", "file": "NAME.matrix", "text": "...", "files": {"x.config": "...", ...}}
 *
 * matrix_bundle_load() reads <matrices_dir>/<name>.matrix (name must pass
 * matrix_name_ok() and equal the [matrix] name), parses it and reads every
 * referenced file from the same directory (each at most MATRIX_BUNDLE_FILE_MAX,
 * UTF-8 text without NUL bytes). *out is a new reference. Errors: KM_EINVAL
 * (bad name, parse error), KM_ENOTFOUND ("FILE:LINE: fragment 'x' not found in
 * DIR"), KM_ETOOBIG, KM_EIO.
 */
int matrix_bundle_load(const char *matrices_dir, const char *name, json_t **out);

/*
 * Parses a bundle's text; checks the bundle's shape, that its name matches and
 * that every referenced file is present. *out as for matrix_parse(). KM_EINVAL otherwise.
 */
int matrix_bundle_parse(const json_t *bundle, struct matrix **out);

/* The content of a bundled file, borrowed from bundle, or NULL when absent. */
const char *matrix_bundle_file(const json_t *bundle, const char *name);

/* The effective tristate of each axis in a resolved config, as a point string of naxes chars (which may lie
 * off an axis: Kconfig can give a value the axis does not list). Caller frees. */
char *matrix_effective_point(const struct matrix *m, const struct kconfig *effective);

#endif
