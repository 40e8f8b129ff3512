/* Report e-mail: RFC 5322 rendering that no header value can escape, and delivery over SMTP with libcurl. */
#include "mail.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "digest.h"
#include "err.h"
#include "utf8.h"
#include "xalloc.h"
#include "validate.h"

#define MAX_LINE          998 /* RFC 5322 2.1.1, without the CRLF */
#define MAX_HEADER_VALUE  900 /* a value is cut here so a folded header stays well inside the limit */
#define ENCODED_CHUNK     39  /* bytes per RFC 2047 word: "Subject: " + 64-char word fits 76 columns */
#define FOLD_AT           78
#define DEFAULT_FROM      "kmatrix <kmatrix@localhost>"
#define DEFAULT_TIMEOUT_S 60

/* ---- UTF-8 --------------------------------------------------------------- */


/*
 * s as valid UTF-8 on one line: invalid bytes become U+FFFD, control
 * characters (CR and LF included) a space, at most max bytes.
 */
static char *clean_value(const char *s, size_t max)
{
	struct buf b = BUF_INIT(SIZE_MAX);
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	while (n && b.len < max) {
		size_t l = utf8_seq(p, n, NULL);

		if (l == 0) {
			if (b.len + 3 > max)
				break;
			buf_puts(&b, "\xEF\xBF\xBD");
			l = 1;
		} else if (l == 1 && (p[0] < 0x20 || p[0] == 0x7F)) {
			buf_puts(&b, " ");
		} else {
			if (b.len + l > max)
				break;
			buf_append(&b, p, l);
		}
		p += l;
		n -= l;
	}
	return buf_steal(&b);
}

static bool is_ascii_printable(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7F)
			return false;
	}
	return true;
}

/* ---- addresses ------------------------------------------------------------ */

/* Splits "Name <addr>" or "addr"; *name may come back NULL. */
static int split_mailbox(const char *in, char **name, char **addr)
{
	char *copy = NULL, *s, *lt, *gt;
	int rc = 0;

	*name = NULL;
	*addr = NULL;
	if (!in || strlen(in) > 512) {
		rc = err_set(KM_EINVAL, "mail: address missing or too long");
		goto done;
	}
	copy = xstrdup(in);
	s = validate_trim(copy);
	lt = strrchr(s, '<');
	if (lt) {
		gt = strchr(lt, '>');
		if (!gt || gt[1] != '\0') {
			rc = err_set(KM_EINVAL,
			             "mail: '%.80s' is not an address: expected 'Name <addr@host>'", in);
			goto done;
		}
		*gt = '\0';
		*lt = '\0';
		s = validate_trim(s);
		if (strchr(s, '<') || strchr(s, '>')) {
			rc = err_set(KM_EINVAL, "mail: '%.80s' holds more than one address", in);
			goto done;
		}
		if (strlen(s) >= 2 && s[0] == '"' && s[strlen(s) - 1] == '"') {
			s[strlen(s) - 1] = '\0';
			s++;
		}
		if (*s)
			*name = clean_value(s, 200);
		s = validate_trim(lt + 1);
	}
	if (!validate_address(s)) {
		free(*name);
		*name = NULL;
		rc = err_set(KM_EINVAL, "mail: '%.80s' is not an e-mail address", in);
		goto done;
	}
	*addr = xstrdup(s);
done:
	free(copy);
	return rc;
}

int mail_parse_address(const char *in, char **addr)
{
	char *name = NULL;
	int rc = split_mailbox(in, &name, addr);

	free(name);
	return rc;
}

/* Whether one of to[0..i-1] is the same address: the author is often on the matrix's list too. */
static bool listed_before(char *const *to, size_t i, const char *addr)
{
	for (size_t j = 0; j < i; j++) {
		char *other = NULL;
		bool same = mail_parse_address(to[j], &other) == 0 && strcasecmp(other, addr) == 0;

		free(other);
		if (same)
			return true;
	}
	return false;
}

/* ---- header encoding ---------------------------------------------------------- */

static void base64(struct buf *b, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		char out[4];

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[0] = tab[(v >> 18) & 63];
		out[1] = tab[(v >> 12) & 63];
		out[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[3] = i + 2 < n ? tab[v & 63] : '=';
		buf_append(b, out, 4);
	}
}

/* RFC 2047 B-encoded words of at most ENCODED_CHUNK bytes each, never splitting a character. */
static void encode_words(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	bool first = true;

	while (n) {
		size_t take = 0;

		while (take < n) {
			size_t l = utf8_seq(p + take, n - take, NULL);

			if (l == 0)
				l = 1; /* cannot happen after clean_value() */
			if (take + l > ENCODED_CHUNK)
				break;
			take += l;
		}
		if (!first)
			buf_puts(b, "\r\n ");
		buf_puts(b, "=?UTF-8?B?");
		base64(b, p, take);
		buf_puts(b, "?=");
		first = false;
		p += take;
		n -= take;
	}
}

/* Appends unstructured text (a Subject), folding long ASCII at spaces and encoding anything else. */
static void append_text(struct buf *b, size_t col, const char *s)
{
	if (!is_ascii_printable(s) || strstr(s, "=?")) {
		encode_words(b, s);
		return;
	}
	while (strlen(s) + col > FOLD_AT) {
		const char *cut = NULL;

		for (const char *q = s + 1; *q && (size_t)(q - s) + col <= FOLD_AT; q++) {
			if (*q == ' ')
				cut = q;
		}
		if (!cut)
			cut = strchr(s + 1, ' ');
		if (!cut)
			break;
		buf_append(b, s, (size_t)(cut - s));
		buf_puts(b, "\r\n");
		s = cut; /* the space starts the continuation line */
		col = 0;
	}
	buf_puts(b, s);
}

/* Appends a display name: as is, quoted, or encoded. */
static void append_phrase(struct buf *b, const char *name)
{
	bool plain = true;

	if (!is_ascii_printable(name) || strstr(name, "=?")) {
		encode_words(b, name);
		return;
	}
	for (const char *q = name; *q; q++) {
		if (!isalnum((unsigned char)*q) && !strchr(" !#$%&'*+-/=?^_`{|}~", *q))
			plain = false;
	}
	if (plain) {
		buf_puts(b, name);
		return;
	}
	buf_puts(b, "\"");
	for (const char *q = name; *q; q++) {
		if (*q == '"' || *q == '\\')
			buf_puts(b, "\\");
		buf_append(b, q, 1);
	}
	buf_puts(b, "\"");
}

static void append_mailbox(struct buf *b, const char *name, const char *addr)
{
	if (name && *name) {
		append_phrase(b, name);
		buf_printf(b, " <%s>", addr);
	} else {
		buf_puts(b, addr);
	}
}

/* A message id as "<token>" with nothing a header parser could trip on, or NULL. */
static char *clean_msgid(const char *id)
{
	struct buf b = BUF_INIT(300);
	const char *p;
	char *out;

	if (!id)
		return NULL;
	for (p = id; *p && b.len < 250; p++) {
		unsigned char c = (unsigned char)*p;

		if (c > 0x20 && c < 0x7F && c != '<' && c != '>' && c != '"' && c != '\\' && c != ',')
			buf_append(&b, p, 1);
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	out = xasprintf("<%s>", buf_cstr(&b));
	buf_free(&b);
	return out;
}

static bool header_name_ok(const char *h, size_t n)
{
	if (n < 3 || n > 64 || strncasecmp(h, "X-", 2) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)h[i]) && h[i] != '-')
			return false;
	}
	return true;
}

/* ---- body ------------------------------------------------------------------------ */

/* The body with CRLF line endings, valid UTF-8, lines of at most MAX_LINE bytes, cut at MAIL_MAX_BODY. */
static void append_body(struct buf *b, const char *body)
{
	const unsigned char *p = (const unsigned char *)(body ? body : "");
	size_t n = strlen((const char *)p);
	size_t line = 0, start = b->len;

	while (n) {
		size_t l;

		if (b->len - start >= MAIL_MAX_BODY) {
			buf_printf(b, "\r\n[... cut at %d bytes]", MAIL_MAX_BODY);
			line = 1;
			break;
		}
		if (p[0] == '\r' || p[0] == '\n') {
			l = (p[0] == '\r' && n > 1 && p[1] == '\n') ? 2 : 1;
			buf_puts(b, "\r\n");
			line = 0;
			p += l;
			n -= l;
			continue;
		}
		l = utf8_seq(p, n, NULL);
		if (line + (l ? l : 3) > MAX_LINE) {
			buf_puts(b, "\r\n");
			line = 0;
		}
		if (l == 0) {
			buf_puts(b, "\xEF\xBF\xBD");
			line += 3;
			l = 1;
		} else if (l == 1 && ((p[0] < 0x20 && p[0] != '\t') || p[0] == 0x7F)) {
			buf_puts(b, "?");
			line++;
		} else {
			buf_append(b, p, l);
			line += l;
		}
		p += l;
		n -= l;
	}
	if (line > 0 || b->len == start)
		buf_puts(b, "\r\n");
}

/* ---- rendering --------------------------------------------------------------------- */

static void append_date(struct buf *b, time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday % 7], tm.tm_mday,
	           months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

char *mail_render(const struct mail_server *srv, const struct mail_message *m)
{
	struct buf b = BUF_INIT(SIZE_MAX);
	const char *from = srv && srv->from ? srv->from : DEFAULT_FROM;
	char *name = NULL, *addr = NULL, *subject = NULL, *id = NULL, *reply = NULL;
	size_t col;
	int nto = 0;

	append_date(&b, m->date ? m->date : time(NULL));

	if (split_mailbox(from, &name, &addr) != 0)
		split_mailbox(DEFAULT_FROM, &name, &addr);
	buf_puts(&b, "From: ");
	append_mailbox(&b, name, addr);
	buf_puts(&b, "\r\n");
	free(name);
	free(addr);

	buf_puts(&b, "To: ");
	col = 4;
	for (size_t i = 0; i < m->nto && nto < MAIL_MAX_RECIPIENTS; i++) {
		size_t before;

		if (split_mailbox(m->to[i], &name, &addr) != 0)
			continue;
		if (listed_before(m->to, i, addr)) {
			free(name);
			free(addr);
			name = addr = NULL;
			continue;
		}
		if (nto > 0) {
			buf_puts(&b, ",");
			col++;
			if (col + strlen(addr) + (name ? strlen(name) + 3 : 0) > FOLD_AT) {
				buf_puts(&b, "\r\n");
				col = 0;
			}
			buf_puts(&b, " ");
			col++;
		}
		before = b.len;
		append_mailbox(&b, name, addr);
		col += b.len - before;
		nto++;
		free(name);
		free(addr);
		name = addr = NULL;
	}
	if (nto == 0)
		buf_puts(&b, "undisclosed-recipients:;");
	buf_puts(&b, "\r\n");

	subject = clean_value(m->subject, MAX_HEADER_VALUE);
	buf_puts(&b, "Subject: ");
	append_text(&b, 9, validate_trim(subject));
	buf_puts(&b, "\r\n");

	id = clean_msgid(m->message_id);
	if (!id) {
		char rnd[33];

		if (digest_random_hex(rnd, 16) != 0)
			snprintf(rnd, sizeof(rnd), "%lld", (long long)time(NULL));
		id = xasprintf("<kmatrix.%s@kmatrix>", rnd);
	}
	buf_printf(&b, "Message-ID: %s\r\n", id);
	if ((reply = clean_msgid(m->in_reply_to)))
		buf_printf(&b, "In-Reply-To: %s\r\nReferences: %s\r\n", reply, reply);
	buf_puts(&b, "MIME-Version: 1.0\r\n"
	             "Content-Type: text/plain; charset=utf-8\r\n"
	             "Content-Transfer-Encoding: 8bit\r\n"
	             "Auto-Submitted: auto-generated\r\n");
	for (size_t i = 0; i < m->nheaders; i++) {
		const char *h = m->headers[i];
		const char *colon = h ? strchr(h, ':') : NULL;
		char *value;

		if (!colon || !header_name_ok(h, (size_t)(colon - h)))
			continue;
		value = clean_value(colon + 1, MAX_HEADER_VALUE);
		buf_append(&b, h, (size_t)(colon - h));
		buf_printf(&b, ": %s\r\n", validate_trim(value));
		free(value);
	}
	buf_puts(&b, "\r\n");
	append_body(&b, m->body);

	free(subject);
	free(id);
	free(reply);
	return buf_steal(&b);
}

/* ---- sending ------------------------------------------------------------------------- */

struct upload {
	const char *data;
	size_t len, pos;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *ctx)
{
	struct upload *u = ctx;
	size_t n = size * nmemb;

	if (n > u->len - u->pos)
		n = u->len - u->pos;
	memcpy(dst, u->data + u->pos, n);
	u->pos += n;
	return n;
}

/* The URL without any "user:password@" part, for messages. */
static char *url_for_log(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *host, *at, *slash;

	if (!scheme)
		return clean_value(url, 200);
	host = scheme + 3;
	slash = strchr(host, '/');
	at = strchr(host, '@');
	if (at && (!slash || at < slash)) {
		char *rest = clean_value(at + 1, 200);
		char *out = xasprintf("%.*s%s", (int)(host - url), url, rest);

		free(rest);
		return out;
	}
	return clean_value(url, 200);
}

/* The envelope's recipients: each valid address of m->to once, at most MAIL_MAX_RECIPIENTS. */
static struct curl_slist *envelope_recipients(const struct mail_message *m, size_t *nrcpt)
{
	struct curl_slist *rcpt = NULL;

	*nrcpt = 0;
	for (size_t i = 0; i < m->nto && *nrcpt < MAIL_MAX_RECIPIENTS; i++) {
		char *addr = NULL, *env;

		if (mail_parse_address(m->to[i], &addr) != 0)
			continue;
		if (listed_before(m->to, i, addr)) {
			free(addr);
			continue;
		}
		env = xasprintf("<%s>", addr);
		free(addr);
		rcpt = curl_slist_append(rcpt, env);
		free(env);
		if (!rcpt)
			abort();
		(*nrcpt)++;
	}
	return rcpt;
}

/* One SMTP transaction's options: envelope, upload of the message, TLS, login and time limits. */
static void smtp_options(CURL *curl, const struct mail_server *srv, const char *from_env, struct curl_slist *rcpt,
			 struct upload *up, char *errbuf)
{
	long timeout = srv->timeout_s > 0 ? srv->timeout_s : DEFAULT_TIMEOUT_S;

	curl_easy_setopt(curl, CURLOPT_URL, srv->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from_env);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
#if LIBCURL_VERSION_NUM >= 0x080200
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
#elif LIBCURL_VERSION_NUM >= 0x074500
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
#endif
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(curl, CURLOPT_READDATA, up);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->len);
	if (srv->starttls && strncasecmp(srv->url, "smtp://", 7) == 0)
		curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (srv->user && *srv->user) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, srv->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, srv->password ? srv->password : "");
	}
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout < 15 ? timeout : 15L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
}

int mail_send(const struct mail_server *srv, const struct mail_message *m)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *rcpt = NULL;
	struct upload up = { 0 };
	char *text = NULL, *from_addr = NULL, *from_env = NULL, *url = NULL;
	long smtp_code = 0;
	size_t nrcpt = 0;
	CURL *curl = NULL;
	CURLcode cc;
	int rc = 0;

	if (!srv->url ||
	    (strncasecmp(srv->url, "smtp://", 7) != 0 && strncasecmp(srv->url, "smtps://", 8) != 0)) {
		rc = err_set(KM_EINVAL, "mail: server URL must be smtp://host:port or smtps://host:port");
		goto done;
	}
	url = url_for_log(srv->url);
	if (split_mailbox(srv->from ? srv->from : DEFAULT_FROM, &text, &from_addr) != 0) {
		rc = err_set(KM_EINVAL, "mail: From '%.80s' is not an address", srv->from);
		goto done;
	}
	free(text);
	text = NULL;
	rcpt = envelope_recipients(m, &nrcpt);
	if (nrcpt == 0) {
		rc = err_set(KM_EINVAL, "mail: no valid recipient among %zu", m->nto);
		goto done;
	}
	from_env = xasprintf("<%s>", from_addr);
	text = mail_render(srv, m);
	up.data = text;
	up.len = strlen(text);
	if (!(curl = curl_easy_init())) {
		rc = err_set(KM_EIO, "mail: cannot initialise libcurl");
		goto done;
	}
	smtp_options(curl, srv, from_env, rcpt, &up, errbuf);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &smtp_code);
	if (cc != CURLE_OK) {
		char *detail = clean_value(errbuf[0] ? errbuf : curl_easy_strerror(cc), 300);

		if (smtp_code >= 400)
			rc = err_set(KM_EIO, "mail: %s: SMTP server replied %ld: %s", url, smtp_code, detail);
		else
			rc = err_set(KM_EIO, "mail: %s: %s", url, detail);
		free(detail);
	}
done:
	curl_easy_cleanup(curl);
	curl_slist_free_all(rcpt);
	free(text);
	free(from_addr);
	free(from_env);
	free(url);
	return rc;
}

void mail_message_release(struct mail_message *m)
{
	if (!m)
		return;
	free(m->message_id);
	free(m->subject);
	for (size_t i = 0; i < m->nto; i++)
		free(m->to[i]);
	free(m->to);
	free(m->in_reply_to);
	free(m->body);
	for (size_t i = 0; i < m->nheaders; i++)
		free(m->headers[i]);
	free(m->headers);
	memset(m, 0, sizeof(*m));
}
