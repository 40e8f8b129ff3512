/* E-mail: renders RFC 5322 messages and sends them over SMTP with libcurl. */
#ifndef KM_MAIL_H
#define KM_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Bodies above this are cut (with a note) when rendered. */
#define MAIL_MAX_BODY       (512 * 1024)
#define MAIL_MAX_RECIPIENTS 100

struct mail_server {
	const char *url;  /* smtp://host:port (plain or STARTTLS) or smtps://host:port (implicit TLS) */
	bool starttls;    /* smtp:// only: require STARTTLS, fail if the server does not offer it */
	const char *user; /* SMTP AUTH login; NULL: no authentication */
	const char *password;
	const char *from; /* "kmatrix <kmatrix@localhost>": the From: header and MAIL FROM */
	long timeout_s;   /* whole-transfer deadline; 0: 60 s */
};

struct mail_message {
	char *message_id; /* "<...@host>"; stable ids make resends recognisable. NULL: a random one */
	char *subject;    /* UTF-8; encoded per RFC 2047 when not plain ASCII */
	char **to;        /* "addr@host" or "Name <addr@host>" */
	size_t nto;
	char *in_reply_to; /* a message id this one answers (threads the "fixed" notice), or NULL */
	char *body;        /* text/plain UTF-8; any line endings */
	char **headers;    /* extra "X-Kmatrix-Name: value" lines (names must start with "X-"), or NULL */
	size_t nheaders;
	time_t date; /* Date: header; 0: now */
};

/*
 * Extracts the bare address from "Name <addr@host>" or "addr@host" into *addr
 * (the caller's). Returns 0, or KM_EINVAL for anything that is not one plain
 * address (no '@', spaces, control characters, several addresses, over 254
 * bytes).
 */
int mail_parse_address(const char *in, char **addr);

/*
 * Renders the message as RFC 5322 text with CRLF line endings: Date, From,
 * To, Subject, Message-ID, In-Reply-To and References, MIME-Version,
 * Content-Type text/plain; charset=utf-8, Content-Transfer-Encoding 8bit,
 * Auto-Submitted: auto-generated, then the extra headers and the body.
 * Header values have CR, LF and other control characters replaced, so no
 * value can start a new header; recipients that are not valid addresses, and
 * repeats of an address, are left out of To:. The body is made valid UTF-8, its lines are cut at 998
 * bytes and it is cut at MAIL_MAX_BODY. Dot-stuffing is not done here:
 * libcurl does it while sending. Returns the text (the caller's).
 */
char *mail_render(const struct mail_server *srv, const struct mail_message *m);

/*
 * Sends one message: MAIL FROM the From address, RCPT TO each valid
 * recipient once (delivery goes on when the server refuses some of them, as long
 * as one is accepted). Blocks for at most srv->timeout_s. libcurl must have
 * been initialised (curl_global_init) before threads are started.
 * Returns 0, KM_EINVAL (no valid recipient or From address), or KM_EIO
 * with the SMTP server's or libcurl's explanation in err_msg().
 */
int mail_send(const struct mail_server *srv, const struct mail_message *m);

/* Frees the members of a message (not the struct itself) and zeroes it; NULL is fine. */
void mail_message_release(struct mail_message *m);

#endif
