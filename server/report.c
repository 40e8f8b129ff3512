/* Composes report e-mails: subject, body with the y/m/n table, and the "fixed" notice; text only, no I/O. */
#include "report.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jobtypes.h"
#include "utf8.h"
#include "xalloc.h"

#define MAX_BODY         (1024 * 1024)
#define MAX_ONELINE      300  /* bytes of one cleaned value */
#define MAX_LOG_LINES    30   /* of first_lines */
#define MAX_LOG_LINE     400  /* bytes per log line */
#define MAX_SCRIPT_LINES 80   /* of the reproducer */
#define MAX_PROSE        4000 /* bytes of the diagnosis */
#define MAX_AXIS_NAME    40
#define MAX_LISTED       512 /* configs in a compact per-status list */

/* ---- cleaning outside text -------------------------------------------------- */


/* Bytes of an ANSI/VT escape sequence starting at s[0] == ESC. */
static size_t escape_len(const unsigned char *s, size_t n)
{
	size_t i;

	if (n < 2)
		return 1;
	if (s[1] == '[') { /* CSI: parameters, then one final byte 0x40-0x7E */
		for (i = 2; i < n && (s[i] < 0x40 || s[i] > 0x7E); i++) {
			if (s[i] < 0x20)
				return i;
		}
		return i < n ? i + 1 : n;
	}
	if (s[1] == ']') { /* OSC: up to BEL or ESC \ */
		for (i = 2; i < n; i++) {
			if (s[i] == 0x07)
				return i + 1;
			if (s[i] == 0x1B && i + 1 < n && s[i + 1] == '\\')
				return i + 2;
			if (s[i] == '\n')
				return i;
		}
		return n;
	}
	return 2;
}

/* Display columns of a cleaned string (code points; every one counted as one column). */
static size_t columns(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/*
 * Outside text made safe to show: escape sequences removed, invalid UTF-8
 * and bidirectional overrides replaced by U+FFFD, other control characters
 * by '?', tabs expanded. One line (newlines become spaces) unless multiline.
 * At most max bytes; a cut one-liner ends in "...".
 */
static char *clean(const char *s, size_t max, bool multiline)
{
	struct buf b = BUF_INIT(SIZE_MAX);
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), col = 0;
	bool cut = false;

	while (n) {
		uint32_t cp = 0;
		size_t l;
		const char *out;
		char one[8];

		if (b.len + 4 > max) {
			cut = true;
			break;
		}
		if (p[0] == 0x1B) {
			l = escape_len(p, n);
			p += l;
			n -= l;
			continue;
		}
		l = utf8_seq(p, n, &cp);
		if (l == 0) {
			out = "\xEF\xBF\xBD";
			l = 1;
		} else if (cp == '\r' && l == 1) {
			/* CRLF is one newline; a lone CR (progress output) starts a line as well */
			if (n > 1 && p[1] == '\n') {
				p++;
				n--;
				continue;
			}
			out = multiline ? "\n" : " ";
		} else if (cp == '\n') {
			out = multiline ? "\n" : " ";
		} else if (cp == '\t') {
			size_t spaces = multiline ? 8 - col % 8 : 1;

			for (size_t i = 0; i < spaces; i++)
				buf_puts(&b, " ");
			col += spaces;
			p += l;
			n -= l;
			continue;
		} else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
			out = "?";
		} else if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
			out = "\xEF\xBF\xBD";
		} else {
			memcpy(one, p, l);
			one[l] = '\0';
			out = one;
		}
		buf_puts(&b, out);
		col = out[0] == '\n' ? 0 : col + 1;
		p += l;
		n -= l;
	}
	if (cut && !multiline) {
		/* Make room for the ellipsis without splitting a character. */
		while (b.len + 3 > max && b.len > 0) {
			do
				b.len--;
			while (b.len > 0 && ((unsigned char)b.data[b.len] & 0xC0) == 0x80);
		}
		b.data[b.len] = '\0';
		buf_puts(&b, "...");
	}
	return buf_steal(&b);
}

/* A cleaned one-liner trimmed of surrounding spaces; NULL when nothing is left. */
static char *line_or_null(const char *s, size_t max)
{
	char *c = clean(s, max, false);
	char *start = c;
	size_t n;

	while (*start == ' ')
		start++;
	n = strlen(start);
	while (n && start[n - 1] == ' ')
		start[--n] = '\0';
	if (!*start) {
		free(c);
		return NULL;
	}
	memmove(c, start, n + 1);
	return c;
}

static const char *branch_name(const char *ref)
{
	if (!ref)
		return NULL;
	if (strncmp(ref, "refs/heads/", 11) == 0)
		return ref + 11;
	if (strncmp(ref, "refs/", 5) == 0)
		return ref + 5;
	return ref;
}

/* The first 7 hex digits of a commit id, or NULL. */
static char *short_commit(const char *commit, size_t len)
{
	size_t n = 0;

	if (!commit)
		return NULL;
	while (n < len && isxdigit((unsigned char)commit[n]))
		n++;
	return n == 0 ? NULL : xstrndup(commit, n);
}

/* ---- layout helpers ------------------------------------------------------------- */

/* Word-wraps cleaned multiline text at REPORT_WIDTH behind indent; lines starting with a space stay as they are. */
static void wrap(struct buf *b, const char *text, const char *indent)
{
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char *line = xstrndup(p, n);
		size_t col = strlen(indent);
		const char *w = line;

		if (line[0] == ' ' || line[0] == '\0') {
			buf_printf(b, "%s%s\n", line[0] ? indent : "", line);
		} else {
			buf_puts(b, indent);
			while (*w) {
				size_t wl = strcspn(w, " ");
				char *word = xstrndup(w, wl);
				size_t wc = columns(word);

				if (col > strlen(indent) && col + 1 + wc > REPORT_WIDTH) {
					buf_printf(b, "\n%s", indent);
					col = strlen(indent);
				} else if (col > strlen(indent)) {
					buf_puts(b, " ");
					col++;
				}
				buf_puts(b, word);
				col += wc;
				free(word);
				w += wl;
				while (*w == ' ')
					w++;
			}
			buf_puts(b, "\n");
		}
		free(line);
		p += n + (eol ? 1 : 0);
	}
}

/* Appends up to max_lines lines of a cleaned block, each indented and cut at max_line bytes. */
static void block(struct buf *b, const char *text, size_t max_lines, size_t max_line)
{
	const char *p = text;
	size_t lines = 0, total = 0;

	for (const char *q = text; *q; q++)
		total += *q == '\n';
	if (*text && text[strlen(text) - 1] != '\n')
		total++;
	while (*p && lines < max_lines) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		size_t keep = n;

		if (keep > max_line) {
			keep = max_line;
			while (keep > 0 && ((unsigned char)p[keep] & 0xC0) == 0x80)
				keep--;
		}
		buf_printf(b, "    %.*s%s\n", (int)keep, p, keep < n ? " [...]" : "");
		lines++;
		p += n + (eol ? 1 : 0);
	}
	if (total > lines)
		buf_printf(b, "    [... %zu more lines]\n", total - lines);
}

/* ---- the configuration table ------------------------------------------------------ */

struct table {
	char **axes; /* cleaned names */
	size_t naxes;
	bool stair; /* names one per line with guides, when side by side is too wide */
};

static void table_init(struct table *t, const struct report_input *in)
{
	size_t width = 4 + 14;

	t->naxes = in->axes ? in->naxes : 0;
	t->axes = xcalloc(t->naxes ? t->naxes : 1, sizeof(char *));
	for (size_t i = 0; i < t->naxes; i++) {
		t->axes[i] = line_or_null(in->axes[i], MAX_AXIS_NAME);
		if (!t->axes[i])
			t->axes[i] = xstrdup("?");
		width += columns(t->axes[i]) + 1;
	}
	t->stair = width > REPORT_WIDTH;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->naxes; i++)
		free(t->axes[i]);
	free(t->axes);
}

static void pad(struct buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_puts(b, " ");
}

static char value_at(const struct report_config *c, size_t i)
{
	char v = c->values && i < strlen(c->values) ? c->values[i] : '?';

	return v == 'y' || v == 'm' || v == 'n' ? v : '?';
}

static void status_of(const struct report_config *c, char out[9])
{
	size_t n = 0;

	for (const char *s = c->status ? c->status : "?"; *s && n < 8; s++)
		out[n++] = isalnum((unsigned char)*s) ? (char)toupper((unsigned char)*s) : '?';
	out[n] = '\0';
	if (n == 0) {
		out[0] = '?';
		out[1] = '\0';
	}
}

static void table_header(struct buf *b, const struct table *t)
{
	if (!t->stair) {
		buf_puts(b, "    ");
		for (size_t i = 0; i < t->naxes; i++)
			buf_printf(b, "%s ", t->axes[i]);
		buf_puts(b, "status config\n");
		return;
	}
	for (size_t i = 0; i <= t->naxes; i++) {
		buf_puts(b, "    ");
		for (size_t j = 0; j < i; j++)
			buf_puts(b, j + 1 == i && i == t->naxes ? "|" : "| ");
		buf_printf(b, "%s\n", i < t->naxes ? t->axes[i] : "");
	}
}

static void table_row(struct buf *b, const struct table *t, const struct report_config *c)
{
	char status[9];

	status_of(c, status);
	buf_puts(b, c->failing ? "  * " : "    ");
	for (size_t i = 0; i < t->naxes; i++) {
		buf_printf(b, "%c", value_at(c, i));
		pad(b, t->stair ? 1 : columns(t->axes[i]));
	}
	buf_printf(b, "%-6s #%ld\n", status, c->config_id);
}

static size_t count_failing(const struct report_input *in)
{
	size_t n = 0;

	for (size_t i = 0; i < in->nconfigs; i++)
		n += in->configs[i].failing;
	return n;
}

static const struct report_config *first_failing(const struct report_input *in)
{
	for (size_t i = 0; i < in->nconfigs; i++) {
		if (in->configs[i].failing)
			return &in->configs[i];
	}
	return NULL;
}

/*
 * Configs not in the table, grouped per status as compact value strings.
 * Passing ones are only counted when there are many: the condition and the
 * dashboard's grid say more than a wall of "yymny".
 */
static void summarise_others(struct buf *b, const struct report_input *in)
{
	static const char *const order[] = { "PASS", "FAIL", "ERROR", "MISS", "SKIP", NULL };
	bool other_seen = false;

	buf_puts(b, "\nThe other configurations (values in axis order):\n");
	for (size_t k = 0; k <= 5; k++) {
		const char *name = order[k] ? order[k] : "other";
		size_t count = 0, listed = 0, col = 0, limit;

		for (size_t i = 0; i < in->nconfigs; i++) {
			char status[9];
			bool known = false;

			if (in->configs[i].failing)
				continue;
			status_of(&in->configs[i], status);
			for (size_t j = 0; order[j]; j++)
				known |= strcmp(status, order[j]) == 0;
			count += order[k] ? strcmp(status, order[k]) == 0 : !known;
		}
		if (count == 0)
			continue;
		other_seen = true;
		limit = k == 0 && count > REPORT_MAX_PASS_LISTED ? 0 : MAX_LISTED;
		buf_printf(b, "  %-5s %zu", name, count);
		if (limit == 0) {
			buf_puts(b, " (see the dashboard)\n");
			continue;
		}
		buf_puts(b, ":");
		col = 8 + 20;
		for (size_t i = 0; i < in->nconfigs && listed < limit; i++) {
			const struct report_config *c = &in->configs[i];
			char status[9];
			bool known = false;

			if (c->failing)
				continue;
			status_of(c, status);
			for (size_t j = 0; order[j]; j++)
				known |= strcmp(status, order[j]) == 0;
			if (order[k] ? strcmp(status, order[k]) != 0 : known)
				continue;
			if (listed == 0 || col + in->naxes + 1 > REPORT_WIDTH) {
				buf_puts(b, "\n       ");
				col = 7;
			}
			buf_puts(b, " ");
			for (size_t a = 0; a < in->naxes; a++)
				buf_printf(b, "%c", value_at(c, a));
			col += in->naxes + 1;
			listed++;
		}
		if (listed < count)
			buf_printf(b, "\n        ... and %zu more", count - listed);
		buf_puts(b, "\n");
	}
	if (!other_seen)
		buf_puts(b, "  none\n");
}

static void config_table(struct buf *b, const struct report_input *in)
{
	struct table t;
	size_t nfail = count_failing(in), shown = 0;
	bool full = in->nconfigs <= REPORT_FULL_TABLE;

	table_init(&t, in);
	if (full)
		buf_puts(b, "Every configuration of the run (* = fails with this error):\n\n");
	else
		buf_printf(b, "The %zu configurations failing with this error:\n\n", nfail);
	table_header(b, &t);
	for (size_t i = 0; i < in->nconfigs; i++) {
		const struct report_config *c = &in->configs[i];

		if (!full && !c->failing)
			continue;
		if (!full && shown >= REPORT_MAX_ROWS)
			continue;
		table_row(b, &t, c);
		shown++;
	}
	if (!full && nfail > shown)
		buf_printf(b, "    ... and %zu more, see the dashboard\n", nfail - shown);
	if (!full)
		summarise_others(b, in);
	table_free(&t);
}

/* ---- subject and ids --------------------------------------------------------------------- */

static char *subject_with(const struct report_input *in, const char *prefix, size_t max)
{
	struct buf b = BUF_INIT(SIZE_MAX);
	char *tree = line_or_null(in->tree_name, 60);
	char *branch = line_or_null(branch_name(in->branch), 60);
	char *commit = short_commit(in->commit, 7);
	char *msg = line_or_null(in->error_message, MAX_ONELINE);
	char *out;
	bool any = false;

	buf_puts(&b, prefix);
	buf_puts(&b, "[");
	if (tree) {
		buf_puts(&b, tree);
		any = true;
	}
	if (branch) {
		buf_printf(&b, "%s%s", any ? " " : "", branch);
		any = true;
	}
	/* Like the 0-day robot: a bisected report names the patch of the series, not the head. */
	if (in->series_tag) {
		buf_printf(&b, "%s%.20s", any ? " " : "", in->series_tag);
		any = true;
	} else if (commit) {
		buf_printf(&b, "%s%s", any ? " " : "", commit);
		any = true;
	}
	if (!any)
		buf_puts(&b, "kmatrix");
	buf_puts(&b, "] ");
	if (!msg)
		msg = line_or_null(in->error_type, 60);
	if (!msg)
		msg = xstrdup("build failure");
	if (b.len + strlen(msg) > max) {
		size_t room = max > b.len ? max - b.len : 0;
		char *cut = clean(msg, room, false); /* ends in "..." */

		buf_puts(&b, cut);
		free(cut);
	} else {
		buf_puts(&b, msg);
	}
	out = buf_steal(&b);
	free(tree);
	free(branch);
	free(commit);
	free(msg);
	return out;
}

char *report_subject(const struct report_input *in)
{
	return subject_with(in, "", REPORT_MAX_SUBJECT);
}

char *report_fixed_subject(const struct report_input *in)
{
	return subject_with(in, "Re: ", REPORT_MAX_SUBJECT + 4);
}

static char *clean_host(const char *host)
{
	struct buf b = BUF_INIT(255);

	for (const char *p = host ? host : ""; *p && b.len < 200; p++) {
		if (isalnum((unsigned char)*p) || *p == '.' || *p == '-')
			buf_append(&b, p, 1);
	}
	if (b.len == 0)
		buf_puts(&b, "kmatrix");
	return buf_steal(&b);
}

char *report_message_id(long run_id, long signature_id, const char *host)
{
	char *h = clean_host(host);
	char *id = xasprintf("<kmatrix.run-%ld.sig-%ld@%s>", run_id, signature_id, h);

	free(h);
	return id;
}

char *report_fixed_message_id(long run_id, long signature_id, const char *host)
{
	char *h = clean_host(host);
	char *id = xasprintf("<kmatrix.fixed.run-%ld.sig-%ld@%s>", run_id, signature_id, h);

	free(h);
	return id;
}

/* ---- the body --------------------------------------------------------------------------------- */

/* "Name" of "Name <addr>", for the greeting. */
static char *author_name(const char *author)
{
	char *a = line_or_null(author, 200);
	char *lt;

	if (!a)
		return NULL;
	lt = strchr(a, '<');
	if (lt && lt > a) {
		char *n = xstrndup(a, (size_t)(lt - a));
		char *r = line_or_null(n, 200);

		free(n);
		free(a);
		return r;
	}
	if (lt) {
		free(a);
		return NULL;
	}
	return a;
}

static void field(struct buf *b, const char *label, const char *raw)
{
	char *v = line_or_null(raw, MAX_ONELINE);

	if (v)
		buf_printf(b, "  %-9s %s\n", label, v);
	free(v);
}

static void where(struct buf *b, const struct report_input *in)
{
	char *subject = line_or_null(in->subject_line, 200);
	char *commit = line_or_null(in->commit, 80);

	field(b, "tree:", in->tree_name);
	field(b, "branch:", branch_name(in->branch));
	if (commit) {
		buf_printf(b, "  %-9s %s\n", "commit:", commit);
		if (subject)
			buf_printf(b, "  %-9s %s\n", "", subject);
	}
	field(b, "author:", in->author);
	free(subject);
	free(commit);
}

/* The dashboard link, and for a report (not a "fixed" notice) those of the failing config. */
static void links(struct buf *b, const struct report_input *in, bool fixed)
{
	char *dash = line_or_null(in->dashboard_url, 1000);
	char *cfg = fixed ? NULL : line_or_null(in->config_url, 1000);
	char *rep = fixed ? NULL : line_or_null(in->reproducer_url, 1000);

	if (dash || cfg || rep) {
		buf_puts(b, "\nLinks:\n\n");
		if (dash)
			buf_printf(b, "  %-12s %s\n", "dashboard:", dash);
		if (cfg)
			buf_printf(b, "  %-12s %s\n", ".config:", cfg);
		if (rep)
			buf_printf(b, "  %-12s %s\n", "reproducer:", rep);
	}
	free(dash);
	free(cfg);
	free(rep);
}

/* " (config #17)" for the first failing config, "" when none is marked. */
static void config_ref(char *out, size_t size, const struct report_config *first)
{
	if (first)
		snprintf(out, size, " (config #%ld)", first->config_id);
	else
		out[0] = '\0';
}

static void reproduce(struct buf *b, const struct report_input *in, const struct report_config *first)
{
	char ref[48];

	char *url = line_or_null(in->tree_url, 1000);
	char *branch = line_or_null(branch_name(in->branch), 200);
	char *commit = short_commit(in->commit, 64);
	char *cfg = line_or_null(in->config_url, 1000);
	char *script = in->reproducer ? clean(in->reproducer, 64 * 1024, true) : NULL;

	if (script && *script) {
		config_ref(ref, sizeof(ref), first);
		buf_printf(b, "\nTo reproduce%s, run this in a kernel tree:\n\n", ref);
		block(b, script, MAX_SCRIPT_LINES, MAX_LOG_LINE);
	} else if (commit && cfg) {
		config_ref(ref, sizeof(ref), first);
		buf_printf(b, "\nTo reproduce%s, in a kernel tree:\n\n", ref);
		if (url) {
			buf_puts(b, "    git fetch ");
			buf_shell_quote(b, url, strlen(url));
			if (branch) {
				buf_puts(b, " ");
				buf_shell_quote(b, branch, strlen(branch));
			}
			buf_puts(b, "\n");
		}
		buf_printf(b, "    git checkout %s\n", commit);
		buf_puts(b, "    curl -fsSL -o .config ");
		buf_shell_quote(b, cfg, strlen(cfg));
		buf_puts(b, "\n    make olddefconfig\n    make -j\"$(nproc)\"\n");
	}
	free(url);
	free(branch);
	free(commit);
	free(cfg);
	free(script);
}

static void footer(struct buf *b, const struct report_input *in, bool fixed)
{
	char *sig = line_or_null(in->signature, 200);

	buf_puts(b, "\n-- \n");
	if (fixed)
		buf_puts(b, "kmatrix sends one mail per new error signature per run, and this\n"
		            "notice once the error is gone.\n");
	else
		buf_puts(b, "kmatrix sends one mail per new error signature per run, to the\n"
		            "commit author and the matrix's recipients, and one more when the\n"
		            "error is gone.\n");
	if (sig)
		buf_printf(b, "Signature #%ld: %s\n", in->signature_id, sig);
	else
		buf_printf(b, "Signature #%ld\n", in->signature_id);
	buf_printf(b, "Run #%ld\n", in->run_id);
	free(sig);
}

/* The tags a fix carries, as the kernel's build robots give them. */
static void tags(struct buf *b, const struct report_input *in)
{
	char *by = line_or_null(in->reported_by, 300);
	char *closes = line_or_null(in->closes_url, 1000);

	if (by || closes) {
		buf_puts(b, "\n");
		wrap(b, "If you fix the issue in a separate patch or commit (not only in a new version of the "
			"same patch), add these tags to it:", "");
		buf_puts(b, "\n");
		if (by)
			buf_printf(b, "| Reported-by: %s\n", by);
		if (closes)
			buf_printf(b, "| Closes: %s\n", closes);
	}
	free(by);
	free(closes);
}

/* Every distinct error of the failing configs, the ones the base run did not have marked ">>". */
static void all_errors(struct buf *b, const struct report_input *in)
{
	size_t shown = 0;

	if (!in->nall_errors)
		return;
	buf_puts(b, "\nAll errors (new ones prefixed by >>):\n\n");
	for (size_t i = 0; i < in->nall_errors && shown < REPORT_MAX_ERRORS; i++) {
		char *text = line_or_null(in->all_errors[i].text, MAX_LOG_LINE);

		if (!text)
			continue;
		buf_printf(b, "%s %s\n", in->all_errors[i].is_new ? ">>" : "  ", text);
		shown++;
		free(text);
	}
	if (in->nall_errors > shown)
		buf_printf(b, "   ... and %zu more\n", in->nall_errors - shown);
}

/* The configs whose vmlinux grew by REPORT_GROWTH_BYTES or more against the base run. */
static void size_changes(struct buf *b, const struct report_input *in)
{
	if (!in->ngrowth)
		return;
	buf_printf(b, "\nSize changes against the base run (vmlinux text+data+bss, +%d KiB or more):\n\n",
		   REPORT_GROWTH_BYTES / 1024);
	for (size_t i = 0; i < in->ngrowth && i < REPORT_MAX_GROWTH; i++) {
		const struct report_growth *g = &in->growth[i];
		struct report_config c = { .values = g->values };
		long long d = g->after - g->before;

		buf_puts(b, "  ");
		for (size_t a = 0; a < in->naxes; a++) {
			char *axis = line_or_null(in->axes[a], 64);

			buf_printf(b, "%s%s=%c", a ? " " : "", axis ? axis : "?", value_at(&c, a));
			free(axis);
		}
		buf_printf(b, "\n      %lld -> %lld bytes (+%.1f KiB", g->before, g->after, (double)d / 1024);
		if (g->before > 0)
			buf_printf(b, ", +%.1f %%", 100.0 * (double)d / (double)g->before);
		buf_puts(b, ")\n");
	}
}

char *report_body(const struct report_input *in)
{
	struct buf b = BUF_INIT(MAX_BODY);
	const struct report_config *first = first_failing(in);
	char *name = author_name(in->author);
	char *matrix = line_or_null(in->matrix_name, 100);
	char *type = line_or_null(in->error_type, 40);
	char *msg = line_or_null(in->error_message, MAX_ONELINE);
	char *cond = line_or_null(in->condition, 1000);
	char *lines = in->first_lines ? clean(in->first_lines, 64 * 1024, true) : NULL;
	char *diag = in->diagnosis ? clean(in->diagnosis, MAX_PROSE, true) : NULL;
	struct buf intro = BUF_INIT(4096);
	size_t nfail = count_failing(in);

	buf_printf(&b, "Hi %s,\n\n", name ? name : "there");
	buf_printf(&intro, "kmatrix built %zu configuration%s of the %s matrix for", in->nconfigs,
	           in->nconfigs == 1 ? "" : "s", matrix ? matrix : "(unnamed)");
	wrap(&b, buf_cstr(&intro), "");
	buf_puts(&b, "\n");
	where(&b, in);
	buf_reset(&intro);
	buf_printf(&intro, "\nand found a new %s%serror in %zu of them:", type ? type : "", type ? " " : "",
	           nfail);
	wrap(&b, buf_cstr(&intro), "");
	buf_printf(&b, "\n    %s\n", msg ? msg : "(no message)");

	if (in->bisection) {
		char *text = clean(in->bisection, MAX_PROSE, true);

		buf_printf(&b, "\n%s", text);
		free(text);
	}
	tags(&b, in);
	if (cond)
		buf_printf(&b, "\nIt fails whenever:\n\n    %s\n", cond);
	buf_puts(&b, "\n");
	config_table(&b, in);
	all_errors(&b, in);

	if (lines && *lines) {
		char ref[48];

		config_ref(ref, sizeof(ref), first);
		buf_printf(&b, "\nFirst error lines%s:\n\n", ref);
		block(&b, lines, MAX_LOG_LINES, MAX_LOG_LINE);
	}
	if (diag && *diag) {
		buf_puts(&b, "\nDiagnosis:\n\n");
		wrap(&b, diag, "  ");
	}
	size_changes(&b, in);
	reproduce(&b, in, first);
	links(&b, in, false);
	footer(&b, in, false);

	buf_free(&intro);
	free(name);
	free(matrix);
	free(type);
	free(msg);
	free(cond);
	free(lines);
	free(diag);
	return buf_steal(&b);
}

char *report_fixed_body(const struct report_input *in, const char *fixed_commit)
{
	struct buf b = BUF_INIT(MAX_BODY);
	char *name = author_name(in->author);
	char *msg = line_or_null(in->error_message, MAX_ONELINE);
	char *fixed = line_or_null(fixed_commit, 80);
	char *shortc = short_commit(in->commit, 12);
	char *subject = line_or_null(in->subject_line, 200);
	size_t other_fail = 0;

	for (size_t i = 0; i < in->nconfigs; i++) {
		char status[9];

		status_of(&in->configs[i], status);
		other_fail += !job_status_is(status, STATUS_PASS);
	}
	buf_printf(&b, "Hi %s,\n\n", name ? name : "there");
	buf_puts(&b, "The error kmatrix reported earlier is gone:\n\n");
	buf_printf(&b, "    %s\n\n", msg ? msg : "(no message)");
	field(&b, "tree:", in->tree_name);
	field(&b, "branch:", branch_name(in->branch));
	if (shortc) {
		buf_printf(&b, "  %-9s %s\n", "reported:", shortc);
		if (subject)
			buf_printf(&b, "  %-9s %s\n", "", subject);
	}
	if (fixed)
		buf_printf(&b, "  %-9s %s\n", "fixed in:", fixed);
	buf_printf(&b, "\nIn run #%ld none of the %zu configurations built fails with it", in->run_id,
	           in->nconfigs);
	if (other_fail)
		buf_printf(&b, ";\n%zu of them do not pass for other reasons (see the dashboard)",
		           other_fail);
	buf_puts(&b, ".\n");
	links(&b, in, true);
	footer(&b, in, true);

	free(name);
	free(msg);
	free(fixed);
	free(shortc);
	free(subject);
	return buf_steal(&b);
}
