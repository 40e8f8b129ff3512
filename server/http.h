/* The HTTP layer: requests in, responses out. The only module that knows libmicrohttpd. */
#ifndef KM_HTTP_H
#define KM_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_PARAMS 4

struct http_req {
	const char *method;
	const char *path; /* without the query string */
	const char *params[HTTP_MAX_PARAMS]; /* path parameters, filled by the router */
	size_t nparams;
	const char *body; /* NUL-terminated; NULL when empty */
	size_t body_len;
	const char *remote; /* peer address, for logs */
	void *conn;         /* the HTTP library's connection: only http.c looks inside */
	/* A body spooled to disk (http_intake.spool_dir): its file, size in body_len, and SHA-256. */
	const char *body_file; /* NULL for bodies in memory; the handler may rename it, else it is removed */
	const char *body_sha256;
	bool body_file_taken;  /* set by the handler once it renamed body_file */
};

/* A request header or query argument, NULL when absent. */
const char *http_header(const struct http_req *req, const char *name);
const char *http_query(const struct http_req *req, const char *name);

struct http_resp {
	int status;
	const char *content_type; /* a static string */
	char *body;               /* owned; freed after sending */
	size_t body_len;
	const char *shared;       /* or a body someone else owns: sent as is, then body_release(body_owner) */
	void (*body_release)(void *owner);
	void *body_owner;
	int fd;                   /* >= 0: send this file instead of body (closed after) */
	uint64_t fd_size;
	bool no_store;            /* Cache-Control: no-store */
	const char *disposition;  /* Content-Disposition value, static or NULL */
	char *extra_header;       /* "Name: value" owned, or NULL */
};

/* Sets a JSON response (takes the reference). */
void http_resp_json(struct http_resp *r, int status, json_t *json);
/* Sets the JSON error body {"error": msg, "code": name} with the status mapped from a KM_E code. */
void http_resp_error(struct http_resp *r, int code, const char *msg);
/* Sets a response that owns body. */
void http_resp_body(struct http_resp *r, int status, const char *content_type, char *body, size_t len);
/* Sets a response that sends body without a copy; release(owner) once it is sent or dropped. */
void http_resp_shared(struct http_resp *r, int status, const char *content_type, const char *body, size_t len,
		      void (*release)(void *owner), void *owner);
/* Maps a KM_E error code to an HTTP status: the one place that decides it. */
int http_status_for(int code);

/*
 * What the application decided from a request's headers alone, before any
 * byte of its body is read.
 */
struct http_intake {
	size_t limit;    /* largest body accepted; 0 refuses any body with 413 */
	char *spool_dir; /* owned: the body goes to a new unique file in this directory instead of memory */
	bool answer_now; /* answer at once with handle() (unknown paths): no body is read */
};

/*
 * The application's side. admit() sees the method, path, headers and
 * remote address (req->body is NULL) and fills *in; a KM_E code instead
 * (with err_msg()) is answered at once — 401, 404, 409, 413, ... — without
 * "100 Continue", and the connection is closed so no body is read. handle()
 * runs once the whole body arrived within the limit.
 */
struct http_app {
	int (*admit)(void *ctx, struct http_req *req, struct http_intake *in);
	void (*handle)(void *ctx, struct http_req *req, struct http_resp *resp);
	void *ctx;
};

/* Connection limits (see docs/ARCHITECTURE.md, "Decisions others build on"). */
struct http_limits {
	unsigned int timeout_s;  /* a silent connection is closed after this */
	unsigned int max_conns;  /* open connections at most */
	unsigned int max_per_ip; /* from one address */
};

struct http_server;

/*
 * Starts serving on listen:port (IPv4 dotted address). Thread per
 * connection, bounded by limits: handlers may block (long polls).
 */
int http_start(const char *listen, long port, const struct http_limits *limits, const struct http_app *app,
	       struct http_server **out);
void http_stop(struct http_server *srv);

#endif
