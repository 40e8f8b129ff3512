/* Parsing of a guest's serial console: boot milestones, kernel failures, check results, verdict. */
#ifndef KM_CONSOLE_H
#define KM_CONSOLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * What the parser recognises (anywhere in a line, after an optional printk
 * "[   1.234567] " timestamp; \r, NUL and other control bytes are tolerated):
 *   "Linux version X ..."            the kernel started (X kept as kernel_version)
 *   "Run /init as init process"      /init was reached (any "Run P as init process")
 *   "Kernel panic - not syncing"     a panic block
 *   "BUG: ", "Oops: ", "kernel BUG at", "general protection fault",
 *   "Unable to handle kernel"        an oops block
 *   "WARNING: " at the start         a warning splat
 *   "reboot: Power down"             the guest powered off
 * and the lines the guest check and the farm's /init print:
 *   KMATRIX range=S-E role=subject|control owner=hmem|cxl|none evidence=a,b,c
 *   KMATRIX-INFO key=value key=value ...
 *   KMATRIX-END rc=N
 * A program run by a matrix's `exec` (a fixture "kernel") must print the
 * same milestones ("Linux version", "Run /init as init process", the KMATRIX
 * lines and KMATRIX-END) to be judged like a real guest.
 *
 * Memory is bounded whatever the input: lines are cut at CONSOLE_MAX_LINE,
 * excerpts at CONSOLE_EXCERPT_LINES / CONSOLE_EXCERPT_BYTES, and at most
 * CONSOLE_MAX_RANGES ranges and CONSOLE_MAX_INFO info keys are kept. Stored
 * text is printable ASCII (other bytes become '?'), so it is valid JSON.
 */
#define CONSOLE_MAX_LINE 4096
#define CONSOLE_EXCERPT_LINES 40
#define CONSOLE_EXCERPT_BYTES 8192
#define CONSOLE_MAX_RANGES 64
#define CONSOLE_MAX_INFO 64
#define CONSOLE_MAX_EVIDENCE 1024

struct console_range {
	char *range;	/* "110000000-11fffffff" */
	char *role;	/* "subject" | "control" */
	char *owner;	/* "hmem" | "cxl" | "none" */
	char *evidence; /* comma-separated tokens, "" when none */
};

struct console_info {
	char *key;
	char *value;
};

struct console_result {
	bool kernel_started;  /* "Linux version" seen */
	bool reached_init;    /* "Run /init as init process" or similar */
	bool end_marker;      /* "KMATRIX-END rc=N" seen (the first one counts) */
	int check_rc;	      /* N of the end marker, -1 without it */
	bool powered_off;     /* "reboot: Power down" seen */
	char *kernel_version; /* from "Linux version X", or NULL */
	char *panic;	      /* first lines of the first "Kernel panic - not syncing" block, or NULL */
	char *oops; /* first lines of the first Oops / BUG: / general protection fault block, or NULL */
	unsigned warnings;	      /* "WARNING:" splats */
	char *first_warning;	      /* first lines of the first WARNING, or NULL */
	struct console_range *ranges; /* in the order printed; a range printed again replaces its entry */
	size_t nranges;
	struct console_info *info; /* KMATRIX-INFO pairs; a repeated key keeps the last value */
	size_t ninfo;
	unsigned bad_lines;	  /* KMATRIX lines that could not be parsed */
	unsigned long long bytes; /* console bytes fed */
	unsigned long long lines;
};

struct console_parser;

/* A new parser; freed by console_parser_finish(). Never NULL. */
struct console_parser *console_parser_new(void);

/* Feeds len bytes of console output; chunks may split lines anywhere. */
void console_parser_feed(struct console_parser *p, const char *data, size_t len);

/*
 * Ends the input (a last line without '\n' counts), frees p and returns the
 * result, which the caller frees with console_result_free(). Never NULL.
 */
struct console_result *console_parser_finish(struct console_parser *p);

/* Frees a result; accepts NULL. */
void console_result_free(struct console_result *r);

/* Convenience: parses a whole buffer at once. The caller frees the result. */
struct console_result *console_parse(const char *data, size_t len);

/* The value of an info key, or NULL (borrowed from r). */
const char *console_info_get(const struct console_result *r, const char *key);

/*
 * The verdict of a boot, in KCIDB's vocabulary; returns "PASS", "FAIL" or
 * "ERROR" (static strings).
 *   r          the parsed console (NULL counts as no output at all)
 *   timed_out  the boot was killed at its deadline
 *   qemu_exit  exit status of QEMU (or of the exec'd program); 128+signal if killed
 *   has_check  a check script ran, so a subject range result is required
 * FAIL is the kernel's fault: panic, oops/BUG, a hang once the kernel has
 * started, a reset before /init, a module of the load list that failed to load
 * (KMATRIX-INFO module.NAME=failed), no result for the subject range.
 * ERROR is the farm's: no kernel output at all (QEMU failed to start or died),
 * no end marker without any kernel failure (retryable), the check script
 * exiting non-zero, a control range not owned by hmem although the HMEM driver
 * is configured (evidence lacks "hmem-not-configured"): the test setup is broken.
 * *reason is set to a one-line explanation: a static string, never freed.
 * *retry is set to whether booting again may give a different answer.
 */
const char *console_verdict(const struct console_result *r, bool timed_out, int qemu_exit, bool has_check,
			    const char **reason, bool *retry);

/*
 * The result as JSON (a new reference):
 * {"kernel_started":true,"reached_init":true,"end_marker":true,"check_rc":0,"powered_off":true,
 *  "kernel_version":"6.12.117","panic":null,"oops":null,"warnings":0,"first_warning":null,
 *  "ranges":[{"range":"...","role":"subject","owner":"cxl","evidence":"a,b"}],
 *  "info":{"kernel":"6.12.117",...},"bad_lines":0,"bytes":1234,"lines":56}
 * check_rc is null without an end marker.
 */
json_t *console_result_json(const struct console_result *r);

#endif
