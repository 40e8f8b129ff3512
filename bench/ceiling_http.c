/*
 * The HTTP ceiling for bench/protocol.sh: libmicrohttpd in the server's
 * threading mode answering every request with the same bytes from memory.
 *   ceiling_http PORT FILE   (serves FILE's bytes as application/json until killed)
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char *body;
static size_t body_len;

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			      const char *version, const char *data, size_t *data_size, void **state)
{
	static int seen;
	struct MHD_Response *r;
	enum MHD_Result ret;

	/*
	 * As the server does: the first call only sees the headers. A response
	 * queued then is an early one, and libmicrohttpd closes the connection
	 * after it, so every GET would pay for a new connection.
	 */
	if (!*state) {
		*state = &seen;
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	FILE *f;
	long n;
	sigset_t set;
	int sig;

	if (argc != 3 || !(f = fopen(argv[2], "rb")))
		return 2;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	body = malloc((size_t)n + 1);
	body_len = fread(body, 1, (size_t)n, f);
	fclose(f);
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)atoi(argv[1]),
			     NULL, NULL, answer, NULL, MHD_OPTION_END);
	if (!d)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	free(body);
	return 0;
}
