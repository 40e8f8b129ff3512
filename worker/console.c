/* Reads a guest's serial console line by line into a bounded summary and judges the boot. */
#include "console.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strutil.h"
#include "xalloc.h"

struct console_parser {
	struct console_result *r;
	char line[CONSOLE_MAX_LINE + 1];
	size_t len;
	/* The block being copied (panic, oops or warning), or NULL. */
	struct buf *capture;
	unsigned capture_left;
	struct buf panic, oops, warning;
};

struct console_parser *console_parser_new(void)
{
	struct console_parser *p = xcalloc(1, sizeof(*p));

	p->r = xcalloc(1, sizeof(*p->r));
	p->r->check_rc = -1;
	buf_init(&p->panic, CONSOLE_EXCERPT_BYTES);
	buf_init(&p->oops, CONSOLE_EXCERPT_BYTES);
	buf_init(&p->warning, CONSOLE_EXCERPT_BYTES);
	return p;
}

/* The text after a printk "[    1.234567] " prefix (or the whole line). */
static const char *strip_timestamp(const char *line)
{
	const char *p = line;

	if (*p != '[')
		return line;
	p++;
	while (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		return line;
	while ((*p >= '0' && *p <= '9') || *p == '.')
		p++;
	if (*p != ']')
		return line;
	p++;
	if (*p == ' ')
		p++;
	return p;
}

static void capture_line(struct console_parser *p, const char *text)
{
	if (!p->capture || p->capture_left == 0)
		return;
	/* A full excerpt simply stops growing. */
	if (buf_puts(p->capture, text) == 0 && buf_puts(p->capture, "\n") == 0)
		p->capture_left--;
	else
		p->capture_left = 0;
	if (strstr(text, "---[ end "))
		p->capture_left = 0;
	if (p->capture_left == 0)
		p->capture = NULL;
}

/* Starts copying a block into b unless b already holds one (only the first block is kept). */
static void capture_start(struct console_parser *p, struct buf *b)
{
	if (b->len > 0)
		return;
	p->capture = b;
	p->capture_left = CONSOLE_EXCERPT_LINES;
}

static bool is_oops_header(const char *body)
{
	return str_starts_with(body, "BUG: ") || str_starts_with(body, "Oops: ") || str_starts_with(body, "Oops ") ||
	       str_starts_with(body, "kernel BUG at ") || str_starts_with(body, "general protection fault") ||
	       str_starts_with(body, "Unable to handle kernel ");
}

static bool token_char_ok(char c)
{
	return c > ' ' && c < 0x7f;
}

/*
 * Splits "k=v k=v" into pairs, calling fn for each; stops at the end of the
 * string. Values run to the next space. Returns false if a token lacks '='.
 */
static bool for_each_pair(const char *s,
			  bool (*fn)(void *ctx, const char *k, size_t klen, const char *v, size_t vlen),
			  void *ctx)
{
	bool ok = true;

	for (;;) {
		const char *tok, *eq;
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		tok = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		len = (size_t)(s - tok);
		eq = memchr(tok, '=', len);
		if (!eq || eq == tok) {
			ok = false;
			continue;
		}
		if (!fn(ctx, tok, (size_t)(eq - tok), eq + 1, len - (size_t)(eq - tok) - 1))
			ok = false;
	}
	return ok;
}

struct range_fields {
	char *range, *role, *owner, *evidence;
};

static bool range_pair(void *ctx, const char *k, size_t klen, const char *v, size_t vlen)
{
	struct range_fields *f = ctx;
	char **slot = NULL;
	size_t max = 64;

	if (klen == 5 && memcmp(k, "range", 5) == 0)
		slot = &f->range;
	else if (klen == 4 && memcmp(k, "role", 4) == 0)
		slot = &f->role;
	else if (klen == 5 && memcmp(k, "owner", 5) == 0)
		slot = &f->owner;
	else if (klen == 8 && memcmp(k, "evidence", 8) == 0) {
		slot = &f->evidence;
		max = CONSOLE_MAX_EVIDENCE;
	}
	if (!slot)
		return true; /* unknown keys are for newer check scripts */
	if (vlen > max)
		return false;
	free(*slot);
	*slot = xstrndup(v, vlen);
	return true;
}

static bool range_text_ok(const char *s)
{
	const char *dash = strchr(s, '-');

	if (!dash || dash == s || !dash[1] || strchr(dash + 1, '-'))
		return false;
	for (; *s; s++) {
		if (*s != '-' && *s != 'x' && !(*s >= '0' && *s <= '9') && !(*s >= 'a' && *s <= 'f') &&
		    !(*s >= 'A' && *s <= 'F'))
			return false;
	}
	return true;
}

static bool one_of(const char *s, const char *const *set)
{
	for (; *set; set++) {
		if (strcmp(s, *set) == 0)
			return true;
	}
	return false;
}

static void parse_range(struct console_result *r, const char *text)
{
	static const char *const roles[] = { "subject", "control", NULL };
	static const char *const owners[] = { "hmem", "cxl", "none", NULL };
	struct range_fields f = { NULL, NULL, NULL, NULL };
	size_t i;

	if (!for_each_pair(text, range_pair, &f) || !f.range || !f.role || !f.owner ||
	    !range_text_ok(f.range) || !one_of(f.role, roles) || !one_of(f.owner, owners)) {
		r->bad_lines++;
		goto done;
	}
	for (i = 0; i < r->nranges; i++) {
		if (strcmp(r->ranges[i].range, f.range) == 0)
			break;
	}
	if (i == r->nranges) {
		if (r->nranges >= CONSOLE_MAX_RANGES) {
			r->bad_lines++;
			goto done;
		}
		r->ranges = xrealloc(r->ranges, (r->nranges + 1) * sizeof(*r->ranges));
		memset(&r->ranges[i], 0, sizeof(r->ranges[i]));
		r->nranges++;
	} else {
		free(r->ranges[i].range);
		free(r->ranges[i].role);
		free(r->ranges[i].owner);
		free(r->ranges[i].evidence);
	}
	r->ranges[i].range = f.range;
	r->ranges[i].role = f.role;
	r->ranges[i].owner = f.owner;
	r->ranges[i].evidence = f.evidence ? f.evidence : xstrdup("");
	return;
done:
	free(f.range);
	free(f.role);
	free(f.owner);
	free(f.evidence);
}

static bool info_pair(void *ctx, const char *k, size_t klen, const char *v, size_t vlen)
{
	struct console_result *r = ctx;
	size_t i;

	if (klen > 64 || vlen > 512)
		return false;
	for (size_t j = 0; j < klen; j++) {
		char c = k[j];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	for (i = 0; i < r->ninfo; i++) {
		if (strlen(r->info[i].key) == klen && memcmp(r->info[i].key, k, klen) == 0)
			break;
	}
	if (i == r->ninfo) {
		if (r->ninfo >= CONSOLE_MAX_INFO)
			return false;
		r->info = xrealloc(r->info, (r->ninfo + 1) * sizeof(*r->info));
		r->info[i].key = xstrndup(k, klen);
		r->info[i].value = NULL;
		r->ninfo++;
	}
	free(r->info[i].value);
	r->info[i].value = xstrndup(v, vlen);
	return true;
}

static void parse_end(struct console_result *r, const char *text)
{
	char *end;
	long rc;

	if (r->end_marker)
		return;
	rc = strtol(text, &end, 10);
	if (end == text || rc < -1000000 || rc > 1000000) {
		r->bad_lines++;
		return;
	}
	r->end_marker = true;
	r->check_rc = (int)rc;
}

static void parse_version(struct console_result *r, const char *after)
{
	size_t n = 0;

	while (after[n] && token_char_ok(after[n]) && n < 128)
		n++;
	if (n > 0 && !r->kernel_version)
		r->kernel_version = xstrndup(after, n);
}

static void process_line(struct console_parser *p, const char *line)
{
	struct console_result *r = p->r;
	const char *body = strip_timestamp(line);
	const char *s;

	r->lines++;
	if ((s = strstr(line, "KMATRIX range=")) != NULL) {
		parse_range(r, s + strlen("KMATRIX "));
		return;
	}
	if ((s = strstr(line, "KMATRIX-INFO ")) != NULL) {
		if (!for_each_pair(s + strlen("KMATRIX-INFO "), info_pair, r))
			r->bad_lines++;
		return;
	}
	if ((s = strstr(line, "KMATRIX-END rc=")) != NULL) {
		parse_end(r, s + strlen("KMATRIX-END rc="));
		return;
	}

	if (!r->kernel_started && (s = strstr(body, "Linux version ")) != NULL) {
		r->kernel_started = true;
		parse_version(r, s + strlen("Linux version "));
	}
	if (!r->reached_init && str_starts_with(body, "Run ") && strstr(body, " as init process"))
		r->reached_init = true;
	if (strstr(body, "reboot: Power down"))
		r->powered_off = true;

	/* A new block header ends the block being copied (its header is copied into its own excerpt). */
	if (strstr(body, "Kernel panic - not syncing")) {
		p->capture = NULL;
		capture_start(p, &p->panic);
	} else if (is_oops_header(body)) {
		if (p->capture != &p->oops) {
			p->capture = NULL;
			capture_start(p, &p->oops);
		}
	} else if (str_starts_with(body, "WARNING: ")) {
		r->warnings++;
		p->capture = NULL;
		capture_start(p, &p->warning);
	}
	capture_line(p, body);
}

static void end_line(struct console_parser *p)
{
	p->line[p->len] = '\0';
	process_line(p, p->line);
	p->len = 0;
}

void console_parser_feed(struct console_parser *p, const char *data, size_t len)
{
	p->r->bytes += len;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c == '\n') {
			end_line(p);
			continue;
		}
		if (c == '\r')
			continue;
		if (p->len >= CONSOLE_MAX_LINE)
			continue; /* the rest of an overlong line is dropped */
		if (c == '\t')
			c = ' ';
		else if (c < 0x20 || c >= 0x7f)
			c = '?';
		p->line[p->len++] = (char)c;
	}
}

static char *excerpt(struct buf *b)
{
	char *s;

	if (b->len == 0) {
		buf_free(b);
		return NULL;
	}
	s = buf_steal(b);
	buf_free(b);
	return s;
}

struct console_result *console_parser_finish(struct console_parser *p)
{
	struct console_result *r = p->r;

	if (p->len > 0)
		end_line(p);
	r->panic = excerpt(&p->panic);
	r->oops = excerpt(&p->oops);
	r->first_warning = excerpt(&p->warning);
	free(p);
	return r;
}

struct console_result *console_parse(const char *data, size_t len)
{
	struct console_parser *p = console_parser_new();

	console_parser_feed(p, data, len);
	return console_parser_finish(p);
}

void console_result_free(struct console_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nranges; i++) {
		free(r->ranges[i].range);
		free(r->ranges[i].role);
		free(r->ranges[i].owner);
		free(r->ranges[i].evidence);
	}
	free(r->ranges);
	for (size_t i = 0; i < r->ninfo; i++) {
		free(r->info[i].key);
		free(r->info[i].value);
	}
	free(r->info);
	free(r->kernel_version);
	free(r->panic);
	free(r->oops);
	free(r->first_warning);
	free(r);
}

const char *console_info_get(const struct console_result *r, const char *key)
{
	for (size_t i = 0; r && i < r->ninfo; i++) {
		if (strcmp(r->info[i].key, key) == 0)
			return r->info[i].value;
	}
	return NULL;
}

/* True when the comma-separated list holds token exactly. */
static bool has_token(const char *list, const char *token)
{
	size_t n = strlen(token);

	for (const char *s = list; s && *s;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);

		if (len == n && memcmp(s, token, n) == 0)
			return true;
		s = comma ? comma + 1 : NULL;
	}
	return false;
}

static bool module_failed(const struct console_result *r)
{
	for (size_t i = 0; i < r->ninfo; i++) {
		if (str_starts_with(r->info[i].key, "module.") && strcmp(r->info[i].value, "failed") == 0)
			return true;
	}
	return false;
}

const char *console_verdict(const struct console_result *r, bool timed_out, int qemu_exit, bool has_check,
			    const char **reason, bool *retry)
{
	bool subject = false;

	*retry = false;
	if (!r || !r->kernel_started) {
		*retry = true;
		*reason = timed_out ? "no kernel output before the timeout (QEMU stuck or no console)" :
				      "no kernel output: QEMU failed to start or exited at once";
		return "ERROR";
	}
	if (r->panic) {
		*reason = "kernel panic";
		return "FAIL";
	}
	if (r->oops) {
		*reason = "kernel oops/BUG";
		return "FAIL";
	}
	if (timed_out) {
		if (r->end_marker)
			*reason = "the guest did not power off after the check";
		else if (!r->reached_init)
			*reason = "hang: the kernel never started /init";
		else
			*reason = "hang: no end marker before the timeout";
		return "FAIL";
	}
	if (!r->end_marker) {
		if (!r->reached_init && qemu_exit == 0) {
			*reason = "the guest reset before starting /init";
			return "FAIL";
		}
		*retry = true;
		*reason = qemu_exit != 0 ? "QEMU exited abnormally before the end marker" :
					   "the console ended without the end marker";
		return "ERROR";
	}
	if (r->check_rc != 0) {
		*reason = "the guest check script failed (non-zero exit)";
		return "ERROR";
	}
	if (module_failed(r)) {
		*reason = "a module of the load list failed to load";
		return "FAIL";
	}
	if (!has_check) {
		*reason = "booted and powered off";
		return "PASS";
	}
	for (size_t i = 0; i < r->nranges; i++) {
		const struct console_range *g = &r->ranges[i];

		if (strcmp(g->role, "subject") == 0)
			subject = true;
		else if (strcmp(g->owner, "hmem") != 0 && !has_token(g->evidence, "hmem-not-configured")) {
			*reason = "control range not owned by hmem: the test setup is broken";
			return "ERROR";
		}
	}
	if (!subject) {
		*reason = "no result for the subject range";
		return "FAIL";
	}
	*reason = "booted; ownership reported";
	return "PASS";
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *console_result_json(const struct console_result *r)
{
	json_t *o = json_object();
	json_t *ranges = json_array();
	json_t *info = json_object();

	for (size_t i = 0; i < r->nranges; i++) {
		json_array_append_new(ranges,
				      json_pack("{s:s, s:s, s:s, s:s}", "range", r->ranges[i].range, "role",
						r->ranges[i].role, "owner", r->ranges[i].owner, "evidence",
						r->ranges[i].evidence));
	}
	for (size_t i = 0; i < r->ninfo; i++)
		json_object_set_new(info, r->info[i].key, json_string(r->info[i].value));
	json_object_set_new(o, "kernel_started", json_boolean(r->kernel_started));
	json_object_set_new(o, "reached_init", json_boolean(r->reached_init));
	json_object_set_new(o, "end_marker", json_boolean(r->end_marker));
	json_object_set_new(o, "check_rc", r->end_marker ? json_integer(r->check_rc) : json_null());
	json_object_set_new(o, "powered_off", json_boolean(r->powered_off));
	json_object_set_new(o, "kernel_version", str_or_null(r->kernel_version));
	json_object_set_new(o, "panic", str_or_null(r->panic));
	json_object_set_new(o, "oops", str_or_null(r->oops));
	json_object_set_new(o, "warnings", json_integer(r->warnings));
	json_object_set_new(o, "first_warning", str_or_null(r->first_warning));
	json_object_set_new(o, "ranges", ranges);
	json_object_set_new(o, "info", info);
	json_object_set_new(o, "bad_lines", json_integer(r->bad_lines));
	json_object_set_new(o, "bytes", json_integer((json_int_t)r->bytes));
	json_object_set_new(o, "lines", json_integer((json_int_t)r->lines));
	return o;
}
