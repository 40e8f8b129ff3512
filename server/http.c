/* libmicrohttpd glue: collects bounded bodies, calls the router, sends the response. */
#include "http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "xalloc.h"

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_app app;
};

/* Per-request state across the access handler's calls. */
struct pending {
	struct buf body;
	bool too_big;
	size_t limit;
};

const char *http_header(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_GET_ARGUMENT_KIND, name);
}

int http_status_for(int code)
{
	switch (code) {
	case KM_OK: return 200;
	case KM_EINVAL: return 400;
	case KM_EAUTH: return 401;
	case KM_ENOTFOUND: return 404;
	case KM_EEXISTS: return 409;
	case KM_ECONFLICT: return 409;
	case KM_ETOOBIG: return 413;
	case KM_EBUSY: return 503;
	case KM_ETIMEDOUT: return 504;
	default: return 500;
	}
}

void http_resp_body(struct http_resp *r, int status, const char *content_type, char *body, size_t len)
{
	free(r->body);
	r->status = status;
	r->content_type = content_type;
	r->body = body;
	r->body_len = len;
}

void http_resp_json(struct http_resp *r, int status, json_t *json)
{
	char *text = json_dumps(json, JSON_COMPACT | JSON_ENSURE_ASCII);

	json_decref(json);
	if (!text)
		text = xstrdup("{\"error\":\"could not encode response\"}");
	http_resp_body(r, status, "application/json", text, strlen(text));
}

void http_resp_error(struct http_resp *r, int code, const char *msg)
{
	http_resp_json(r, http_status_for(code), json_pack("{s:s,s:s}", "error", msg, "code", err_name(code)));
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct http_resp *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (r->fd >= 0) {
		resp = MHD_create_response_from_fd64(r->fd_size, r->fd);
		r->fd = -1; /* MHD closes it */
	} else {
		resp = MHD_create_response_from_buffer(r->body_len, r->body ? r->body : (char *)"",
						       r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
		r->body = NULL;
	}
	if (!resp)
		return MHD_NO;
	if (r->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	if (r->no_store)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->disposition)
		MHD_add_response_header(resp, "Content-Disposition", r->disposition);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->extra_header) {
		char *colon = strchr(r->extra_header, ':');

		if (colon) {
			*colon = '\0';
			MHD_add_response_header(resp, r->extra_header, colon + 1 + (colon[1] == ' '));
		}
	}
	ret = MHD_queue_response(conn, (unsigned int)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void resp_release(struct http_resp *r)
{
	free(r->body);
	free(r->extra_header);
	if (r->fd >= 0)
		close(r->fd);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *srv = cls;
	struct pending *p = *con_cls;
	struct http_req req;
	struct http_resp resp;
	const union MHD_ConnectionInfo *ci;
	char remote[64] = "?";
	enum MHD_Result ret;

	if (!p) {
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

		p = xcalloc(1, sizeof(*p));
		p->limit = srv->app.body_limit(srv->app.ctx, method, url);
		buf_init(&p->body, p->limit);
		/* Refuse early when the declared length is over the limit. */
		if (cl && strtoull(cl, NULL, 10) > p->limit)
			p->too_big = true;
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!p->too_big && buf_append(&p->body, upload_data, *upload_data_size) != 0)
			p->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}

	memset(&resp, 0, sizeof(resp));
	resp.fd = -1;
	/* A path without a route has limit 0: answer with the router's 404/405, not 413. */
	if (p->too_big && p->limit > 0) {
		char msg[128];

		snprintf(msg, sizeof(msg), "request body over the limit of %zu bytes for %s %s", p->limit, method,
			 url);
		http_resp_error(&resp, KM_ETOOBIG, msg);
		/* Do not read the rest of an oversized upload: close after answering. */
		resp.extra_header = xstrdup("Connection: close");
		ret = send_response(conn, &resp);
		resp_release(&resp);
		return ret;
	}

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, remote, sizeof(remote));

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = url;
	req.body = p->body.len && !p->too_big ? p->body.data : NULL;
	req.body_len = p->too_big ? 0 : p->body.len;
	req.remote = remote;
	req.conn = conn;
	resp.status = 500;
	srv->app.handle(srv->app.ctx, &req, &resp);
	ret = send_response(conn, &resp);
	resp_release(&resp);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *con_cls;

	if (p) {
		buf_free(&p->body);
		free(p);
		*con_cls = NULL;
	}
}

int http_start(const char *listen, long port, const struct http_app *app, struct http_server **out)
{
	struct http_server *srv = xcalloc(1, sizeof(*srv));
	struct sockaddr_in addr;

	*out = NULL;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, listen, &addr.sin_addr) != 1) {
		free(srv);
		return err_set(KM_EINVAL, "listen address '%s' is not an IPv4 address", listen);
	}
	srv->app = *app;
	srv->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
					       MHD_USE_ERROR_LOG,
				       (uint16_t)port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, &addr,
				       MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
				       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)300,
				       MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000, MHD_OPTION_END);
	if (!srv->daemon) {
		free(srv);
		return err_set(KM_EIO, "cannot listen on %s:%ld (in use, or not permitted)", listen, port);
	}
	*out = srv;
	return 0;
}

void http_stop(struct http_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->daemon);
	free(srv);
}
