/* libmicrohttpd glue: admits requests on their headers, collects bounded bodies, calls the router, answers. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "digest.h"
#include "err.h"
#include "log.h"
#include "xalloc.h"

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_app app;
};

/* Per-request state across the access handler's calls. */
struct pending {
	struct buf body;       /* a body kept in memory */
	size_t limit;
	int fd;                /* >= 0: the body is spooled to spool_path */
	char *spool_path;
	struct digest_sha256 *sha;
	size_t spooled;
	int err;               /* a write error while spooling: answered once the body is in */
	char errmsg[256];
	bool answered;         /* a response was queued on the headers */
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

static void drop_body(struct http_resp *r)
{
	free(r->body);
	r->body = NULL;
	if (r->body_release)
		r->body_release(r->body_owner);
	r->shared = NULL;
	r->body_release = NULL;
	r->body_owner = NULL;
}

void http_resp_body(struct http_resp *r, int status, const char *content_type, char *body, size_t len)
{
	drop_body(r);
	r->status = status;
	r->content_type = content_type;
	r->body = body;
	r->body_len = len;
}

void http_resp_shared(struct http_resp *r, int status, const char *content_type, const char *body, size_t len,
		      void (*release)(void *owner), void *owner)
{
	drop_body(r);
	r->status = status;
	r->content_type = content_type;
	r->shared = body;
	r->body_len = len;
	r->body_release = release;
	r->body_owner = owner;
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
	} else if (r->shared) {
		/* MHD calls the release once the response is gone, even when it is never sent. */
		resp = MHD_create_response_from_buffer_with_free_callback_cls(r->body_len, (void *)r->shared,
									     r->body_release, r->body_owner);
		if (resp) {
			r->shared = NULL;
			r->body_release = NULL;
		}
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
	drop_body(r);
	free(r->extra_header);
	if (r->fd >= 0)
		close(r->fd);
}

static void fill_req(struct http_req *req, struct MHD_Connection *conn, const char *method, const char *url,
		     char *remote, size_t remote_size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	snprintf(remote, remote_size, "?");
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, remote,
			  (socklen_t)remote_size);
	memset(req, 0, sizeof(*req));
	req->method = method;
	req->path = url;
	req->remote = remote;
	req->conn = conn;
}

/* Sends an error for code (err_msg()) and closes the connection after it: no body is read. */
static enum MHD_Result refuse(struct MHD_Connection *conn, int code)
{
	struct http_resp resp;
	enum MHD_Result ret;

	memset(&resp, 0, sizeof(resp));
	resp.fd = -1;
	http_resp_error(&resp, code, *err_msg() ? err_msg() : err_name(code));
	resp.extra_header = xstrdup("Connection: close");
	ret = send_response(conn, &resp);
	resp_release(&resp);
	return ret;
}

/* Whether the request announces a body: a non-zero Content-Length or a chunked one. */
static int declared_length(struct MHD_Connection *conn, uint64_t *len, bool *chunked)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	uint64_t v = 0;

	*len = 0;
	*chunked = te != NULL; /* any transfer coding means a body follows */
	if (!cl)
		return 0;
	if (!*cl || strlen(cl) > 19)
		return err_set(KM_EINVAL, "Content-Length is not a number of bytes");
	for (const char *c = cl; *c; c++) {
		if (*c < '0' || *c > '9')
			return err_set(KM_EINVAL, "Content-Length is not a number of bytes");
		v = v * 10 + (uint64_t)(*c - '0');
	}
	*len = v;
	return 0;
}

static int open_spool(struct pending *p, const char *dir)
{
	p->spool_path = xasprintf("%s/.upload-XXXXXX", dir);
	p->fd = mkstemp(p->spool_path);
	if (p->fd >= 0)
		fcntl(p->fd, F_SETFD, FD_CLOEXEC);
	if (p->fd < 0) {
		int rc = err_set(errno == ENOSPC ? KM_EBUSY : KM_EIO, "cannot store the upload: %s", strerror(errno));

		free(p->spool_path);
		p->spool_path = NULL;
		return rc;
	}
	p->sha = digest_sha256_new();
	return 0;
}

/* The first call, on the headers: admit or refuse before any body byte is read. */
static enum MHD_Result on_headers(struct http_server *srv, struct MHD_Connection *conn, const char *url,
				  const char *method, struct pending *p)
{
	struct http_intake in;
	struct http_req req;
	char remote[64];
	uint64_t len = 0;
	bool chunked = false;
	int rc;

	memset(&in, 0, sizeof(in));
	fill_req(&req, conn, method, url, remote, sizeof(remote));
	err_clear();
	rc = srv->app.admit(srv->app.ctx, &req, &in);
	if (!rc)
		rc = declared_length(conn, &len, &chunked);
	if (!rc && in.answer_now) {
		struct http_resp resp;
		enum MHD_Result ret;

		memset(&resp, 0, sizeof(resp));
		resp.fd = -1;
		resp.status = 500;
		srv->app.handle(srv->app.ctx, &req, &resp);
		if ((len || chunked) && !resp.extra_header)
			resp.extra_header = xstrdup("Connection: close");
		p->answered = true;
		ret = send_response(conn, &resp);
		resp_release(&resp);
		free(in.spool_dir);
		return ret;
	}
	if (!rc && in.limit == 0 && (len || chunked))
		rc = err_set(KM_ETOOBIG, "%s %s takes no request body", method, url);
	else if (!rc && len > in.limit)
		rc = err_set(KM_ETOOBIG, "request body of %llu bytes over the limit of %zu bytes for %s %s",
			     (unsigned long long)len, in.limit, method, url);
	if (!rc && in.spool_dir)
		rc = open_spool(p, in.spool_dir);
	free(in.spool_dir);
	if (rc) {
		log_info("http method=%s path=%s remote=%s refused on its headers: %s", method, url, remote, err_msg());
		p->answered = true;
		return refuse(conn, rc);
	}
	p->limit = in.limit;
	buf_init(&p->body, in.limit);
	return MHD_YES;
}

/* A piece of the body: to the spool file or to memory. MHD_NO (the connection is closed) over the limit. */
static enum MHD_Result on_data(struct pending *p, const char *data, size_t n)
{
	if (p->fd < 0)
		return buf_append(&p->body, data, n) == 0 ? MHD_YES : MHD_NO;
	if (p->spooled + n > p->limit)
		return MHD_NO;
	p->spooled += n;
	if (p->err)
		return MHD_YES; /* already failed: the answer waits for the end of the body */
	digest_sha256_update(p->sha, data, n);
	for (size_t off = 0; off < n;) {
		ssize_t w = write(p->fd, data + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			p->err = errno == ENOSPC ? KM_EBUSY : KM_EIO;
			snprintf(p->errmsg, sizeof(p->errmsg), "cannot store the upload: %s", strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	return MHD_YES;
}

static void pending_free(struct pending *p)
{
	buf_free(&p->body);
	if (p->fd >= 0)
		close(p->fd);
	if (p->spool_path)
		unlink(p->spool_path); /* gone already when the handler kept it */
	free(p->spool_path);
	digest_sha256_free(p->sha);
	free(p);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *srv = cls;
	struct pending *p = *con_cls;
	struct http_req req;
	struct http_resp resp;
	char remote[64];
	char sha[DIGEST_HEX_LEN + 1];
	enum MHD_Result ret;

	(void)version;
	if (!p) {
		p = xcalloc(1, sizeof(*p));
		p->fd = -1;
		*con_cls = p;
		return on_headers(srv, conn, url, method, p);
	}
	if (p->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		return on_data(p, upload_data, n);
	}

	memset(&resp, 0, sizeof(resp));
	resp.fd = -1;
	fill_req(&req, conn, method, url, remote, sizeof(remote));
	if (p->fd >= 0 && !p->err && fsync(p->fd) != 0) {
		p->err = KM_EIO;
		snprintf(p->errmsg, sizeof(p->errmsg), "cannot sync the upload: %s", strerror(errno));
	}
	if (p->err) {
		err_set(p->err, "%s", p->errmsg);
		p->answered = true;
		return refuse(conn, p->err);
	}
	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
		digest_sha256_final(p->sha, sha);
		p->sha = NULL;
		req.body_file = p->spool_path;
		req.body_sha256 = sha;
		req.body_len = p->spooled;
	} else {
		req.body = p->body.len ? p->body.data : NULL;
		req.body_len = p->body.len;
	}
	resp.status = 500;
	srv->app.handle(srv->app.ctx, &req, &resp);
	if (req.body_file_taken) {
		/* Its name may already be another upload's new spool file: never unlink it. */
		free(p->spool_path);
		p->spool_path = NULL;
	}
	p->answered = true;
	ret = send_response(conn, &resp);
	resp_release(&resp);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (p) {
		pending_free(p);
		*con_cls = NULL;
	}
}

int http_start(const char *listen, long port, const struct http_limits *limits, const struct http_app *app,
	       struct http_server **out)
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
	/*
	 * Thread per connection, because claims long-poll and handlers wait
	 * for the database; bounded by the connection limits, with a per-address
	 * cap so a few slow clients cannot take every thread, and a short
	 * silence timeout for headers, bodies and idle keep-alives alike.
	 * poll(), not select(): with a database connection per thread (three
	 * descriptors each) sockets soon pass FD_SETSIZE, and select() cannot
	 * wait on those: libmicrohttpd would drop every new connection.
	 */
	srv->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD |
					       MHD_USE_ERROR_LOG,
				       (uint16_t)port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, &addr,
				       MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
				       MHD_OPTION_CONNECTION_TIMEOUT, limits->timeout_s,
				       MHD_OPTION_CONNECTION_LIMIT, limits->max_conns,
				       MHD_OPTION_PER_IP_CONNECTION_LIMIT, limits->max_per_ip,
				       MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024, MHD_OPTION_END);
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
