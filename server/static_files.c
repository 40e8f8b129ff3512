/* Serves the dashboard's static files from the web directory, never outside it. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "err.h"
#include "server.h"
#include "xalloc.h"

static const char *mime_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot)
		return "application/octet-stream";
	if (strcmp(dot, ".html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	if (strcmp(dot, ".json") == 0)
		return "application/json";
	return "text/plain; charset=utf-8";
}

static bool path_ok(const char *p)
{
	if (strstr(p, "..") || strstr(p, "//"))
		return false;
	for (; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
		      c == '.' || c == '-' || c == '_'))
			return false;
	}
	return true;
}

void api_static(struct server *s, struct db *db, struct http_req *req, struct http_resp *resp)
{
	const char *rel = req->path;
	char *path;
	struct stat st;
	int fd;

	if (strcmp(rel, "/") == 0)
		rel = "/index.html";
	if (strlen(rel) > 200 || !path_ok(rel)) {
		http_resp_error(resp, KM_ENOTFOUND, "no such file");
		return;
	}
	path = xasprintf("%s%s", s->cfg->web_dir, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		http_resp_error(resp, KM_ENOTFOUND, "no such file");
		return;
	}
	resp->status = 200;
	resp->fd = fd;
	resp->fd_size = (uint64_t)st.st_size;
	resp->content_type = mime_type(rel);
	resp->no_store = true;
}
