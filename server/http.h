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
};

/* A request header or query argument, NULL when absent. */
const char *http_header(const struct http_req *req, const char *name);
const char *http_query(const struct http_req *req, const char *name);

struct http_resp {
	int status;
	const char *content_type; /* a static string */
	char *body;               /* owned; freed after sending */
	size_t body_len;
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
/* Maps a KM_E error code to an HTTP status: the one place that decides it. */
int http_status_for(int code);

/*
 * The application's side: how big a body may be for this method and path
 * (0 refuses any body), and the handler that fills a response.
 */
struct http_app {
	size_t (*body_limit)(void *ctx, const char *method, const char *path);
	void (*handle)(void *ctx, struct http_req *req, struct http_resp *resp);
	void *ctx;
};

struct http_server;

/* Starts serving on listen:port (IPv4 dotted address). Thread per connection: handlers may block (long polls). */
int http_start(const char *listen, long port, const struct http_app *app, struct http_server **out);
void http_stop(struct http_server *srv);

#endif
