/* kmatrix-server: parses options, opens the database, serves HTTP and sweeps expired leases. */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "notifier.h"
#include "poller.h"
#include "routes.h"
#include "sched.h"
#include "server.h"
#include "trees_format.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

/* SIGHUP: the trees file again. A file with a mistake is refused and the one in force stays. */
static void reload_trees(struct server *srv)
{
	const struct triggers *t;

	if (!*srv->cfg->trees_file) {
		log_info("SIGHUP: no --trees file to reload");
		return;
	}
	if (server_triggers_load(srv) != 0) {
		log_error("trees file not reloaded, the previous one stays in force: %s", err_msg());
		return;
	}
	t = server_triggers(srv);
	log_info("trees file %s reloaded: %zu tree(s)", srv->cfg->trees_file, t->ntrees);
}

int main(int argc, char **argv)
{
	struct server_config cfg;
	struct server srv;
	struct http_server *http = NULL;
	struct http_app app;
	struct http_limits limits;
	struct poller *poller = NULL;
	struct sigaction sa;
	enum log_level level;
	int rc;

	rc = server_config_parse(&cfg, argc, argv);
	if (rc == 1)
		return 0;
	if (rc) {
		fprintf(stderr, "kmatrix-server: %s\n", err_msg());
		return 2;
	}
	if (log_parse_level(cfg.log_level, &level) != 0) {
		fprintf(stderr, "kmatrix-server: %s\n", err_msg());
		return 2;
	}
	log_set_level(level);
	/* libcurl (mail) must be initialised before any thread starts. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	rc = server_init(&srv, &cfg);
	if (!rc && server_triggers_load(&srv) != 0) {
		/* A mistake in the trees file is a usage error, as for the options. */
		fprintf(stderr, "kmatrix-server: %s\n", err_msg());
		server_triggers_release(&srv);
		server_release(&srv);
		return 2;
	}
	if (!rc && *cfg.smtp_url) {
		srv.notifier = notifier_new(&srv);
		rc = notifier_start(srv.notifier);
	}
	if (rc) {
		fprintf(stderr, "kmatrix-server: %s\n", err_msg());
		return 1;
	}
	if (!*cfg.smtp_url)
		log_info("mail: off (no --smtp-url)");
	routes_app(&srv, &app);
	limits.timeout_s = (unsigned int)cfg.conn_timeout_s;
	limits.max_conns = (unsigned int)cfg.max_conns;
	limits.max_per_ip = (unsigned int)cfg.max_conns_per_ip;
	rc = http_start(cfg.listen, cfg.port, &limits, &app, &http);
	if (rc) {
		fprintf(stderr, "kmatrix-server: %s\n", err_msg());
		server_triggers_release(&srv);
		server_release(&srv);
		return 1;
	}
	log_info("listening on http://%s:%ld data=%s matrices=%s dashboard=%s", cfg.listen, cfg.port, cfg.data_dir,
		 cfg.matrices_dir, cfg.public_url);
	if (server_triggers(&srv))
		log_info("trees file %s: %zu tree(s) (SIGHUP reloads it)", cfg.trees_file, server_triggers(&srv)->ntrees);
	if (poller_start(&srv, &poller) != 0)
		log_error("%s", err_msg());

	server_loop_expect(&srv, SERVER_LOOP_SWEEPER, 2);
	/* The main thread sweeps expired leases so a dead worker's job comes back even when no one claims. */
	while (!stop_requested) {
		for (int i = 0; i < 10 && !stop_requested && !reload_requested; i++)
			usleep(200 * 1000);
		if (stop_requested)
			break;
		if (reload_requested) {
			reload_requested = 0;
			reload_trees(&srv);
		}
		struct db *db = server_db(&srv);

		if (!db)
			server_loop_failed(&srv, SERVER_LOOP_SWEEPER, err_msg());
		else if (sched_sweep(&srv, db) != 0)
			server_loop_failed(&srv, SERVER_LOOP_SWEEPER, err_msg());
		else
			server_loop_ok(&srv, SERVER_LOOP_SWEEPER);
	}
	log_info("stopping");
	srv.stopping = true;
	sched_notify();
	http_stop(http);
	poller_stop(poller);
	notifier_free(srv.notifier);
	server_triggers_release(&srv);
	server_release(&srv);
	server_config_release(&cfg);
	curl_global_cleanup();
	return 0;
}
