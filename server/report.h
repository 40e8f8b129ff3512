/* The text of report e-mails: one per new error signature per run, and a notice when it is fixed. */
#ifndef KM_REPORT_H
#define KM_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#define REPORT_MAX_SUBJECT     150 /* bytes */
#define REPORT_WIDTH           72  /* prose is wrapped here; log lines are never wrapped */
#define REPORT_FULL_TABLE      32  /* up to this many configs every one is a table row */
#define REPORT_MAX_ROWS        64  /* failing rows shown before "... and N more" */
#define REPORT_MAX_PASS_LISTED 48  /* more passing configs than this are only counted */

/* One error of the failing configs, for the "All errors" list. */
struct report_error {
	const char *text; /* "hmem.c: undefined reference to `cxl_region_contains_resource'" */
	bool is_new;      /* not in the base run: prefixed by ">>" */
};

#define REPORT_MAX_ERRORS 40 /* lines of the "All errors" list */

/* A config whose vmlinux grew against the same config in the base run. */
struct report_growth {
	const char *values; /* one char per axis, as in report_config */
	long config_id;
	long long before, after; /* vmlinux text + data + bss, bytes */
};

#define REPORT_GROWTH_BYTES (40 * 1024) /* growth worth a line */
#define REPORT_MAX_GROWTH   8           /* lines of the "Size changes" list */

struct report_config {
	const char *values; /* one char per axis: y, m or n (in the order of report_input.axes) */
	const char *status; /* PASS, FAIL, ERROR, MISS, SKIP */
	long config_id;
	bool failing; /* fails with the reported signature */
};

/*
 * Everything a report says. Strings may be NULL unless noted and may hold
 * anything (build logs do): the composer strips escape sequences and control
 * characters, repairs invalid UTF-8 and bounds every piece.
 */
struct report_input {
	const char *tree_name;    /* "linux" */
	const char *tree_url;     /* what to git fetch from, for the reproduction steps */
	const char *branch;       /* "cxl-hmem" or "refs/heads/cxl-hmem" */
	const char *commit;       /* full commit id */
	const char *subject_line; /* the commit's subject */
	const char *author;       /* "Name <addr>" of the commit author */
	const char *matrix_name;
	const char *const *axes; /* axis symbols, e.g. "DEV_DAX_HMEM" */
	size_t naxes;
	const char *error_type;              /* "link", "modpost", "compiler", "make", "boot" */
	const char *error_message;           /* "undefined reference to 'cxl_region_contains_resource'" */
	const char *signature;               /* the stable signature text */
	const char *first_lines;             /* the first log lines of the error, newline-separated */
	const struct report_config *configs; /* every built config of the run */
	size_t nconfigs;
	const char *condition;     /* "DEV_DAX_HMEM=y ∧ CXL_BUS=m ∧ CXL_REGION=y" or NULL */
	const char *diagnosis;     /* explanation (built-in calls module ...) or NULL */
	const char *dashboard_url; /* the run or the signature page */
	const char *config_url;    /* .config of the first failing config */
	const char *reproducer_url;
	const char *reproducer; /* text of reproducer.sh or NULL */
	const char *reported_by; /* "kmatrix <kmatrix@farm.example.org>": the Reported-by: tag, or NULL */
	const char *closes_url;  /* the signature's page: the Closes: tag, or NULL */
	const struct report_error *all_errors; /* every distinct error of the failing configs */
	size_t nall_errors;
	const struct report_growth *growth; /* configs that grew by REPORT_GROWTH_BYTES or more, largest first */
	size_t ngrowth;
	long run_id;
	long signature_id;
	const char *series_tag;  /* "3/9": the bisected commit's place in the push, shown in the subject, or NULL */
	const char *bisection;   /* what the bisection found (lines), or NULL */
};

/*
 * "[<tree> <branch> <short-commit>] <error message>", e.g.
 * "[linux cxl-hmem 1a2b3c4] undefined reference to 'cxl_region_contains_resource'",
 * at most REPORT_MAX_SUBJECT bytes (the message is cut with "..."). Missing
 * parts are left out. Returns the caller's string.
 */
char *report_subject(const struct report_input *in);

/*
 * The report: what broke and where (commit, author), the tags for the fix
 * (Reported-by:, Closes:) with when to add them, the failing configs as
 * a y/m/n table under the axis names with every config failing with this
 * signature marked '*' (all configs are rows when there are at most
 * REPORT_FULL_TABLE, otherwise the others are summarised per status), the
 * condition, "All errors (new ones prefixed by >>)" of the failing configs,
 * the first error lines, the diagnosis, the configs whose vmlinux grew
 * against the base ("Size changes"), how to reproduce, links
 * and a footer. Plain text, prose within REPORT_WIDTH columns. Returns the
 * caller's string.
 */
char *report_body(const struct report_input *in);

/*
 * "<kmatrix.run-<run>.sig-<sig>@<host>>": the same (run, signature) always
 * gives the same id, so a resend after a retry or restart is recognisable.
 * host is reduced to letters, digits, '.' and '-' ("kmatrix" if nothing is
 * left). Returns the caller's string.
 */
char *report_message_id(long run_id, long signature_id, const char *host);

/* The same for the "fixed" notice: "<kmatrix.fixed.run-<run>.sig-<sig>@<host>>", run being the fixing run. */
char *report_fixed_message_id(long run_id, long signature_id, const char *host);

/*
 * The "fixed" notice for a signature reported earlier and gone in a newer
 * run. in describes the ORIGINAL report (tree, branch, commit, author, error)
 * except that run_id, configs and dashboard_url are those of the newer run.
 * The subject is "Re: " + report_subject(in), so it threads under the report
 * (send it with In-Reply-To the report's message id). Both return the
 * caller's string.
 */
char *report_fixed_subject(const struct report_input *in);
char *report_fixed_body(const struct report_input *in, const char *fixed_commit);

#endif
