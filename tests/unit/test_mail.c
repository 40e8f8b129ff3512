/* Tests of mail rendering, and of delivery to a real SMTP server (tests/tools/smtp_sink.py) on loopback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <dirent.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "mail.h"
#include "xalloc.h"

/* ---- helpers --------------------------------------------------------------- */

static struct mail_message msg(const char *subject, const char *body, const char *const *to, size_t nto)
{
	struct mail_message m = { 0 };

	m.message_id = xstrdup("<kmatrix.run-42.sig-7@farm.example.org>");
	m.subject = xstrdup(subject);
	m.body = xstrdup(body);
	m.to = xcalloc(nto ? nto : 1, sizeof(char *));
	for (size_t i = 0; i < nto; i++)
		m.to[i] = xstrdup(to[i]);
	m.nto = nto;
	m.date = 1751277893; /* Mon, 30 Jun 2025 10:04:53 +0000 */
	return m;
}

static const struct mail_server local_srv = { .from = "kmatrix <kmatrix@farm.example.org>", .timeout_s = 10 };

/* The header section (up to the blank line) and the body of a rendered message. */
static void split(const char *text, char **headers, const char **body)
{
	const char *sep = strstr(text, "\r\n\r\n");

	assert_non_null(sep);
	*headers = xstrndup(text, (size_t)(sep - text) + 2);
	*body = sep + 4;
}

/* The value of a header, unfolded; NULL when absent. */
static char *header_value(const char *headers, const char *name)
{
	size_t n = strlen(name);
	const char *p = headers;

	while (*p) {
		const char *eol = strstr(p, "\r\n");

		if (!eol)
			break;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			char *out = xcalloc(1, strlen(headers) + 1);
			const char *q = p + n + 1;
			size_t len = 0;

			while (*q == ' ')
				q++;
			for (;;) {
				memcpy(out + len, q, (size_t)(eol - q));
				len += (size_t)(eol - q);
				if (eol[2] != ' ' && eol[2] != '\t')
					break;
				q = eol + 2;
				eol = strstr(q, "\r\n");
			}
			return out;
		}
		p = eol + 2;
	}
	return NULL;
}

static int b64val(char c)
{
	const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(tab, c);

	return c && p ? (int)(p - tab) : -1;
}

/* Decodes a run of RFC 2047 B-words ("=?UTF-8?B?...?= =?UTF-8?B?...?="). */
static char *decode_words(const char *s)
{
	char *out = xcalloc(1, strlen(s) + 1);
	size_t n = 0;

	while ((s = strstr(s, "=?UTF-8?B?"))) {
		unsigned bits = 0, nbits = 0;

		s += 10;
		for (; *s && *s != '?'; s++) {
			int v = b64val(*s);

			if (v < 0)
				continue;
			bits = (bits << 6) | (unsigned)v;
			nbits += 6;
			if (nbits >= 8) {
				nbits -= 8;
				out[n++] = (char)((bits >> nbits) & 0xFF);
			}
		}
	}
	out[n] = '\0';
	return out;
}

static void assert_crlf_only(const char *text)
{
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			assert_true(p > text && p[-1] == '\r');
		if (*p == '\r')
			assert_true(p[1] == '\n');
	}
}

static void assert_max_line(const char *text, size_t max)
{
	const char *p = text;

	while (*p) {
		const char *eol = strstr(p, "\r\n");
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		if (n > max)
			fail_msg("line of %zu bytes (max %zu): %.60s", n, max, p);
		p += n + (eol ? 2 : 0);
	}
}

/* ---- parsing addresses ------------------------------------------------------ */

static void parse_address__accepts_plain_and_named(void **state)
{
	char *a = NULL;

	(void)state;
	assert_int_equal(mail_parse_address("jane.doe@example.org", &a), 0);
	assert_string_equal(a, "jane.doe@example.org");
	free(a);
	assert_int_equal(mail_parse_address("  \"Doe, Jane\" <jane.doe@example.org> ", &a), 0);
	assert_string_equal(a, "jane.doe@example.org");
	free(a);
	assert_int_equal(mail_parse_address("Émile Zoé <emile@example.org>", &a), 0);
	assert_string_equal(a, "emile@example.org");
	free(a);
}

static void parse_address__rejects_non_addresses(void **state)
{
	static const char *const bad[] = {
		"",
		"jane",
		"@example.org",
		"jane@",
		"jane doe@example.org",
		"a@b@c",
		"<jane@example.org",
		"Jane <jane@example.org> trailing",
		"a <b@c>, d <e@f>",
		"jane@example.org\r\nBcc: x@y",
		"jane@.org",
		"jäne@example.org",
	};
	char *a = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (mail_parse_address(bad[i], &a) != KM_EINVAL)
			fail_msg("accepted '%s' as '%s'", bad[i], a);
		assert_null(a);
	}
	assert_int_equal(mail_parse_address(NULL, &a), KM_EINVAL);
}

/* ---- rendering ------------------------------------------------------------------ */

static void render__has_every_header_and_crlf_endings(void **state)
{
	const char *to[] = { "Jane Doe <jane.doe@example.org>", "cxl-maintainers@example.org" };
	struct mail_message m =
	        msg("[linux cxl-hmem 1a2b3c4] undefined reference to 'x'", "line one\nline two\n", to, 2);
	char *text = NULL, *headers = NULL, *v;
	const char *body;

	(void)state;
	m.in_reply_to = xstrdup("<kmatrix.run-41.sig-7@farm.example.org>");
	text = mail_render(&local_srv, &m);
	assert_crlf_only(text);
	split(text, &headers, &body);

	assert_non_null(v = header_value(headers, "Date"));
	assert_string_equal(v, "Mon, 30 Jun 2025 10:04:53 +0000");
	free(v);
	assert_non_null(v = header_value(headers, "From"));
	assert_string_equal(v, "kmatrix <kmatrix@farm.example.org>");
	free(v);
	assert_non_null(v = header_value(headers, "To"));
	assert_string_equal(v, "Jane Doe <jane.doe@example.org>, cxl-maintainers@example.org");
	free(v);
	assert_non_null(v = header_value(headers, "Subject"));
	assert_string_equal(v, "[linux cxl-hmem 1a2b3c4] undefined reference to 'x'");
	free(v);
	assert_non_null(v = header_value(headers, "Message-ID"));
	assert_string_equal(v, "<kmatrix.run-42.sig-7@farm.example.org>");
	free(v);
	assert_non_null(v = header_value(headers, "In-Reply-To"));
	assert_string_equal(v, "<kmatrix.run-41.sig-7@farm.example.org>");
	free(v);
	assert_non_null(v = header_value(headers, "References"));
	assert_string_equal(v, "<kmatrix.run-41.sig-7@farm.example.org>");
	free(v);
	assert_non_null(v = header_value(headers, "Content-Type"));
	assert_string_equal(v, "text/plain; charset=utf-8");
	free(v);
	assert_non_null(v = header_value(headers, "Content-Transfer-Encoding"));
	assert_string_equal(v, "8bit");
	free(v);
	assert_non_null(v = header_value(headers, "MIME-Version"));
	free(v);
	assert_non_null(v = header_value(headers, "Auto-Submitted"));
	free(v);
	assert_string_equal(body, "line one\r\nline two\r\n");

	free(headers);
	free(text);
	mail_message_release(&m);
}

static void render__without_message_id_makes_one(void **state)
{
	const char *to[] = { "a@example.org" };
	struct mail_message m = msg("s", "b", to, 1);
	char *text, *headers, *v;
	const char *body;

	(void)state;
	free(m.message_id);
	m.message_id = NULL;
	text = mail_render(&local_srv, &m);
	split(text, &headers, &body);
	v = header_value(headers, "Message-ID");
	assert_non_null(v);
	assert_true(strncmp(v, "<kmatrix.", 9) == 0 && v[strlen(v) - 1] == '>' && strlen(v) > 20);
	free(v);
	free(headers);
	free(text);
	mail_message_release(&m);
}

static void render__non_ascii_subject_is_rfc2047_encoded(void **state)
{
	const char *subject = "[linux cxl-hmem 1a2b3c4] DEV_DAX_HMEM=y ∧ CXL_BUS=m ∧ CXL_REGION=y breaks "
	                      "the link of Émile Zoé’s series — ünïcödé everywhere";
	const char *to[] = { "Émile Zoé <emile@example.org>" };
	struct mail_message m = msg(subject, "b", to, 1);
	char *text, *headers, *v, *decoded;
	const char *body;

	(void)state;
	text = mail_render(&local_srv, &m);
	split(text, &headers, &body);
	/* Headers are pure ASCII, lines at most 76 columns with encoded words. */
	for (const char *p = headers; *p; p++)
		assert_true((unsigned char)*p < 0x80);
	assert_max_line(headers, 76);
	v = header_value(headers, "Subject");
	assert_true(strncmp(v, "=?UTF-8?B?", 10) == 0);
	decoded = decode_words(v);
	assert_string_equal(decoded, subject);
	free(decoded);
	free(v);
	v = header_value(headers, "To");
	decoded = decode_words(v);
	assert_string_equal(decoded, "Émile Zoé");
	assert_non_null(strstr(v, "<emile@example.org>"));
	free(decoded);
	free(v);
	free(headers);
	free(text);
	mail_message_release(&m);
}

static void render__long_ascii_subject_is_folded(void **state)
{
	const char *subject = "[linux cxl-hmem 1a2b3c4] modpost: \"cxl_region_contains_resource\" "
	                      "[drivers/dax/hmem/dax_hmem.ko] undefined! and some more words to pass 150";
	const char *to[] = { "a@example.org" };
	struct mail_message m = msg(subject, "b", to, 1);
	char *text, *headers, *v;
	const char *body;

	(void)state;
	text = mail_render(&local_srv, &m);
	split(text, &headers, &body);
	assert_max_line(headers, 78);
	v = header_value(headers, "Subject");
	assert_string_equal(v, subject);
	free(v);
	free(headers);
	free(text);
	mail_message_release(&m);
}

static void render__header_injection_is_impossible(void **state)
{
	static const char *const allowed[] = { "Date",
		                               "From",
		                               "To",
		                               "Subject",
		                               "Message-ID",
		                               "In-Reply-To",
		                               "References",
		                               "MIME-Version",
		                               "Content-Type",
		                               "Content-Transfer-Encoding",
		                               "Auto-Submitted",
		                               "X-Kmatrix-Run",
		                               NULL };
	const char *to[] = { "victim@example.org\r\nBcc: all@example.org", "ok@example.org",
		             "Evil\r\nBcc: x@example.org <ok2@example.org>" };
	struct mail_message m = msg("fix\r\nBcc: everyone@example.org\n\nbody injected", "real body", to, 3);
	struct mail_server srv = { .from = "kmatrix\r\nBcc: from@example.org <k@example.org>" };
	char *text, *headers;
	const char *body, *p;

	(void)state;
	free(m.message_id);
	m.message_id = xstrdup("<id@x>\r\nBcc: id@example.org");
	m.in_reply_to = xstrdup("<r@x>\nX-Injected: 1");
	m.headers = xcalloc(3, sizeof(char *));
	m.headers[0] = xstrdup("X-Kmatrix-Run: 42\r\nBcc: hdr@example.org");
	m.headers[1] = xstrdup("Bcc: not-an-x-header@example.org");
	m.headers[2] = xstrdup("X-Bad Name: 1");
	m.nheaders = 3;
	text = mail_render(&srv, &m);
	assert_crlf_only(text);
	split(text, &headers, &body);
	/* Every header line is a continuation or one of the allowed headers. */
	for (p = headers; *p;) {
		const char *eol = strstr(p, "\r\n");
		bool ok = *p == ' ' || *p == '\t';

		for (size_t i = 0; !ok && allowed[i]; i++)
			ok = strncmp(p, allowed[i], strlen(allowed[i])) == 0 && p[strlen(allowed[i])] == ':';
		if (!ok)
			fail_msg("unexpected header line: %.*s", (int)(eol - p), p);
		p = eol + 2;
	}
	assert_string_equal(body, "real body\r\n");
	free(headers);
	free(text);
	mail_message_release(&m);
}

static void render__body_is_normalised(void **state)
{
	const char *to[] = { "a@example.org" };
	char in[4096];
	struct mail_message m;
	char *text, *headers;
	const char *body, *expect, *line;
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(in + n, sizeof(in) - n, "unix\nmac\rdos\r\nbad \xff\xfe byte\n");
	memset(in + n, 'x', 2000);
	n += 2000;
	in[n++] = '\n';
	n += (size_t)snprintf(in + n, sizeof(in) - n, "bell\a esc\x1b[0m tab\tend");
	m = msg("s", in, to, 1);
	text = mail_render(&local_srv, &m);
	assert_crlf_only(text);
	assert_max_line(text, 998);
	split(text, &headers, &body);
	expect = "unix\r\nmac\r\ndos\r\nbad \xEF\xBF\xBD\xEF\xBF\xBD byte\r\n";
	assert_memory_equal(body, expect, strlen(expect));
	/* The 2000-byte line becomes 998 + 998 + 4. */
	line = body + strlen(expect);
	assert_int_equal(strspn(line, "x"), 998);
	assert_memory_equal(line + 998, "\r\n", 2);
	assert_int_equal(strspn(line + 1000, "x"), 998);
	assert_memory_equal(line + 1998, "\r\nxxxx\r\n", 8);
	assert_non_null(strstr(body, "bell? esc?[0m tab\tend\r\n"));
	assert_int_equal(body[strlen(body) - 1], '\n');
	free(headers);
	free(text);
	mail_message_release(&m);
}

static void render__display_names_are_quoted(void **state)
{
	const char *to[] = { "Doe, Jane <jane@example.org>", "\"O\\\"Brien\" <ob@example.org>" };
	struct mail_message m = msg("s", "b", to, 2);
	char *text, *headers, *v;
	const char *body;

	(void)state;
	text = mail_render(&local_srv, &m);
	split(text, &headers, &body);
	v = header_value(headers, "To");
	assert_non_null(strstr(v, "\"Doe, Jane\" <jane@example.org>"));
	assert_non_null(strstr(v, "<ob@example.org>"));
	free(v);
	free(headers);
	free(text);
	mail_message_release(&m);
}

/* ---- the SMTP sink ------------------------------------------------------------------- */

struct sink {
	pid_t pid;
	char dir[256];
	int port;
	int seen; /* messages read back so far */
};

/* The sink's directory holds files only. */
static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[600];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static int sink_start(struct sink *s, const char *auth)
{
	char script[512], portfile[300];
	const char *python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
	const char *argv[9];
	int n = 0;

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "%s/km-test-mail-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(script, sizeof(script), "%s/tests/tools/smtp_sink.py", KM_SOURCE_DIR);
	snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
	argv[n++] = python;
	argv[n++] = script;
	argv[n++] = "--dir";
	argv[n++] = s->dir;
	argv[n++] = "--port-file";
	argv[n++] = portfile;
	if (auth) {
		argv[n++] = "--auth";
		argv[n++] = auth;
	}
	argv[n] = NULL;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		execvp(python, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 300; i++) {
		FILE *f = fopen(portfile, "r");
		int status;

		if (f) {
			int ok = fscanf(f, "%d", &s->port) == 1;

			fclose(f);
			if (ok)
				return 0;
		}
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			print_error("smtp_sink.py exited early: is python3-aiosmtpd installed "
			            "(scripts/install-deps.sh)?\n");
			return -1;
		}
		usleep(50 * 1000);
	}
	return -1;
}

static void sink_stop(struct sink *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	if (s->dir[0])
		rm_dir(s->dir);
	s->pid = 0;
	s->dir[0] = '\0';
}

/* Reads back the next delivered message: its raw text and envelope. */
static void sink_next(struct sink *s, char **eml, json_t **env)
{
	char path[400];
	json_error_t jerr;
	FILE *f;
	long n;

	s->seen++;
	snprintf(path, sizeof(path), "%s/msg-%d.json", s->dir, s->seen);
	for (int i = 0; i < 100 && access(path, R_OK) != 0; i++)
		usleep(50 * 1000);
	*env = json_load_file(path, 0, &jerr);
	if (!*env)
		fail_msg("no message %d from the sink: %s", s->seen, jerr.text);
	snprintf(path, sizeof(path), "%s/msg-%d.eml", s->dir, s->seen);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*eml = xcalloc(1, (size_t)n + 1);
	assert_int_equal(fread(*eml, 1, (size_t)n, f), (size_t)n);
	fclose(f);
}

static bool sink_has(struct sink *s, int index)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/msg-%d.json", s->dir, index);
	return access(path, F_OK) == 0;
}

static int group_setup(void **state)
{
	struct sink *s = xcalloc(1, sizeof(*s));

	if (sink_start(s, NULL) != 0) {
		print_error("cannot start tests/tools/smtp_sink.py\n");
		sink_stop(s);
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

/* A second sink requiring AUTH; module-level so the teardown stops it even when a test aborts. */
static struct sink auth;

static int group_teardown(void **state)
{
	struct sink *s = *state;

	sink_stop(&auth);
	sink_stop(s);
	free(s);
	return 0;
}

static char *sink_url(const struct sink *s)
{
	return xasprintf("smtp://127.0.0.1:%d", s->port);
}

/* ---- sending ---------------------------------------------------------------------------- */

static void send__delivers_headers_recipients_and_body(void **state)
{
	struct sink *s = *state;
	/* An invalid entry and a repeat (the author on the list too) are left out. */
	const char *to[] = { "Jane Doe <jane.doe@example.org>", "not an address", "cxl-maintainers@example.org",
		             "JANE.DOE@example.org" };
	/* Lines that SMTP would take as the end of DATA unless dot-stuffed on the way. */
	const char *body = "undefined reference to `cxl_region_contains_resource'\n.\n..two dots\n.leading\n"
	                   "Ünïcode ∧ survives\nFrom the start of a line\nlast line";
	struct mail_message m =
	        msg("[linux cxl-hmem 1a2b3c4] undefined reference to 'cxl_region_contains_resource'", body,
	            to, 4);
	struct mail_server srv = local_srv;
	char *url = sink_url(s), *eml = NULL, *headers = NULL, *v;
	const char *got_body;
	json_t *env = NULL, *rcpt;

	srv.url = url;
	m.headers = xcalloc(1, sizeof(char *));
	m.headers[0] = xstrdup("X-Kmatrix-Run: 42");
	m.nheaders = 1;
	assert_int_equal(mail_send(&srv, &m), 0);
	sink_next(s, &eml, &env);

	assert_string_equal(json_string_value(json_object_get(env, "mail_from")), "kmatrix@farm.example.org");
	rcpt = json_object_get(env, "rcpt_tos");
	assert_int_equal(json_array_size(rcpt), 2);
	assert_string_equal(json_string_value(json_array_get(rcpt, 0)), "jane.doe@example.org");
	assert_string_equal(json_string_value(json_array_get(rcpt, 1)), "cxl-maintainers@example.org");

	split(eml, &headers, &got_body);
	v = header_value(headers, "Subject");
	assert_string_equal(v,
	                    "[linux cxl-hmem 1a2b3c4] undefined reference to 'cxl_region_contains_resource'");
	free(v);
	v = header_value(headers, "Message-ID");
	assert_string_equal(v, "<kmatrix.run-42.sig-7@farm.example.org>");
	free(v);
	v = header_value(headers, "To");
	assert_string_equal(v, "Jane Doe <jane.doe@example.org>, cxl-maintainers@example.org");
	free(v);
	v = header_value(headers, "X-Kmatrix-Run");
	assert_string_equal(v, "42");
	free(v);
	assert_string_equal(got_body,
	                    "undefined reference to `cxl_region_contains_resource'\r\n.\r\n..two dots\r\n"
	                    ".leading\r\nÜnïcode ∧ survives\r\nFrom the start of a line\r\nlast line\r\n");
	json_decref(env);
	free(headers);
	free(eml);
	free(url);
	mail_message_release(&m);
}

static void send__refused_recipient_does_not_stop_the_others(void **state)
{
	struct sink *s = *state;
	const char *to[] = { "reject-me@example.org", "ok@example.org" };
	struct mail_message m = msg("s", "b", to, 2);
	struct mail_server srv = local_srv;
	char *url = sink_url(s), *eml = NULL;
	json_t *env = NULL, *rcpt;

	srv.url = url;
	assert_int_equal(mail_send(&srv, &m), 0);
	sink_next(s, &eml, &env);
	rcpt = json_object_get(env, "rcpt_tos");
	assert_int_equal(json_array_size(rcpt), 1);
	assert_string_equal(json_string_value(json_array_get(rcpt, 0)), "ok@example.org");
	json_decref(env);
	free(eml);
	free(url);
	mail_message_release(&m);
}

static void send__all_recipients_refused_is_eio(void **state)
{
	struct sink *s = *state;
	const char *to[] = { "reject@example.org" };
	struct mail_message m = msg("s", "b", to, 1);
	struct mail_server srv = local_srv;
	char *url = sink_url(s);

	srv.url = url;
	assert_int_equal(mail_send(&srv, &m), KM_EIO);
	assert_non_null(strstr(err_msg(), "550"));
	assert_non_null(strstr(err_msg(), url));
	assert_false(sink_has(s, s->seen + 1));
	free(url);
	mail_message_release(&m);
}

static void send__server_down_is_eio(void **state)
{
	const char *to[] = { "a@example.org" };
	struct mail_message m = msg("s", "b", to, 1);
	struct mail_server srv = local_srv;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t salen = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *url;
	time_t t0;

	(void)state;
	/* A port that was free a moment ago: nobody listens there. */
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
	close(fd);
	url = xasprintf("smtp://127.0.0.1:%d", ntohs(sa.sin_port));
	srv.url = url;
	t0 = time(NULL);
	assert_int_equal(mail_send(&srv, &m), KM_EIO);
	assert_true(time(NULL) - t0 < 5);
	assert_non_null(strstr(err_msg(), url));
	if (!strstr(err_msg(), "onnect"))
		fail_msg("message does not say the connection failed: %s", err_msg());
	free(url);
	mail_message_release(&m);
}

static void send__silent_server_times_out(void **state)
{
	const char *to[] = { "a@example.org" };
	struct mail_message m = msg("s", "b", to, 1);
	struct mail_server srv = local_srv;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t salen = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *url;
	time_t t0;

	(void)state;
	/* Listening but never greeting: the kernel completes the handshake, nobody speaks SMTP. */
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
	url = xasprintf("smtp://127.0.0.1:%d", ntohs(sa.sin_port));
	srv.url = url;
	srv.timeout_s = 1;
	t0 = time(NULL);
	assert_int_equal(mail_send(&srv, &m), KM_EIO);
	assert_true(time(NULL) - t0 <= 3);
	if (!strstr(err_msg(), "imeout") && !strstr(err_msg(), "timed out"))
		fail_msg("message does not mention the timeout: %s", err_msg());
	close(fd);
	free(url);
	mail_message_release(&m);
}

static void send__starttls_required_but_not_offered_is_eio(void **state)
{
	struct sink *s = *state;
	const char *to[] = { "a@example.org" };
	struct mail_message m = msg("s", "b", to, 1);
	struct mail_server srv = local_srv;
	char *url = sink_url(s);

	/* The sink offers no STARTTLS: nothing may go out in the clear. */
	srv.url = url;
	srv.starttls = true;
	assert_int_equal(mail_send(&srv, &m), KM_EIO);
	assert_non_null(strstr(err_msg(), "STARTTLS"));
	assert_false(sink_has(s, s->seen + 1));
	free(url);
	mail_message_release(&m);
}

static void send__invalid_input_is_einval(void **state)
{
	const char *bad_to[] = { "nobody", "also not" };
	const char *to[] = { "a@example.org" };
	struct mail_message m = msg("s", "b", bad_to, 2);
	struct mail_message ok = msg("s", "b", to, 1);
	struct mail_server srv = local_srv;

	(void)state;
	srv.url = "smtp://127.0.0.1:1";
	assert_int_equal(mail_send(&srv, &m), KM_EINVAL);
	assert_non_null(strstr(err_msg(), "no valid recipient"));
	srv.url = "file:///etc/passwd";
	assert_int_equal(mail_send(&srv, &ok), KM_EINVAL);
	srv.url = "smtp://127.0.0.1:1";
	srv.from = "not an address";
	assert_int_equal(mail_send(&srv, &ok), KM_EINVAL);
	mail_message_release(&m);
	mail_message_release(&ok);
}

static void send__authenticates_and_hides_password(void **state)
{
	const char *to[] = { "a@example.org" };
	struct mail_message m = msg("s", "b", to, 1);
	struct mail_server srv = local_srv;
	char *url, *eml = NULL;
	json_t *env = NULL;

	(void)state;
	assert_int_equal(sink_start(&auth, "kmuser:pa55word"), 0);
	url = xasprintf("smtp://127.0.0.1:%d", auth.port);
	srv.url = url;
	srv.user = "kmuser";
	srv.password = "pa55word";
	assert_int_equal(mail_send(&srv, &m), 0);
	sink_next(&auth, &eml, &env);
	assert_string_equal(json_string_value(json_object_get(env, "auth_login")), "kmuser");
	json_decref(env);
	free(eml);

	srv.password = "wrong";
	assert_int_equal(mail_send(&srv, &m), KM_EIO);
	assert_null(strstr(err_msg(), "wrong"));
	free(url);

	/* Credentials in the URL never reach the message. */
	url = xasprintf("smtp://kmuser:secretpw@127.0.0.1:%d", auth.port);
	srv.url = url;
	srv.user = NULL;
	srv.password = NULL;
	assert_int_equal(mail_send(&srv, &m), KM_EIO);
	assert_null(strstr(err_msg(), "secretpw"));
	assert_non_null(strstr(err_msg(), "smtp://127.0.0.1:"));
	free(url);

	sink_stop(&auth);
	mail_message_release(&m);
}

int main(void)
{
	const struct CMUnitTest render_tests[] = {
		cmocka_unit_test(parse_address__accepts_plain_and_named),
		cmocka_unit_test(parse_address__rejects_non_addresses),
		cmocka_unit_test(render__has_every_header_and_crlf_endings),
		cmocka_unit_test(render__without_message_id_makes_one),
		cmocka_unit_test(render__non_ascii_subject_is_rfc2047_encoded),
		cmocka_unit_test(render__long_ascii_subject_is_folded),
		cmocka_unit_test(render__header_injection_is_impossible),
		cmocka_unit_test(render__body_is_normalised),
		cmocka_unit_test(render__display_names_are_quoted),
	};
	const struct CMUnitTest send_tests[] = {
		cmocka_unit_test(send__delivers_headers_recipients_and_body),
		cmocka_unit_test(send__refused_recipient_does_not_stop_the_others),
		cmocka_unit_test(send__all_recipients_refused_is_eio),
		cmocka_unit_test(send__server_down_is_eio),
		cmocka_unit_test(send__silent_server_times_out),
		cmocka_unit_test(send__starttls_required_but_not_offered_is_eio),
		cmocka_unit_test(send__invalid_input_is_einval),
		cmocka_unit_test(send__authenticates_and_hides_password),
	};
	int failed;

	failed = cmocka_run_group_tests_name("render", render_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("send", send_tests, group_setup, group_teardown);
	return failed;
}
