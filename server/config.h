/* The server's options: one table with defaults and bounds, parsed once, then read-only. */
#ifndef KM_SERVER_CONFIG_H
#define KM_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct server_config {
	char *listen;         /* address to bind, default 127.0.0.1 */
	long port;            /* default 8080 */
	char *data_dir;       /* sqlite database and artifacts */
	char *matrices_dir;   /* where NAME.matrix files are found */
	char *web_dir;        /* the dashboard's static files */
	char *admin_token;    /* mutating API calls; default: read/created in data_dir/admin.token */
	char *public_url;     /* how users reach the dashboard (links in mail); default http://listen:port */
	long lease_s;         /* a job's lease; workers extend it while they work */
	long max_attempts;    /* lease expiries or retryable errors before a job ends as ERROR */
	long long_poll_s;     /* longest wait of a claim for new work */
	long max_body;        /* largest JSON body */
	long max_upload;      /* largest artifact upload */
	long conn_timeout_s;  /* a connection silent this long is closed */
	long max_conns;       /* open connections at most */
	long max_conns_per_ip; /* open connections at most from one address */
	long poll_s;          /* interval of polling trees that ask for it; 0 disables */
	char *smtp_url;       /* smtp://host:port; empty disables mail */
	bool smtp_starttls;
	char *smtp_user;
	char *smtp_password;
	char *mail_from;
	long mail_rate_per_hour; /* per recipient */
	long bisect_wait_s;   /* how long a report waits for its run's bisections */
	long bisect_max;      /* new signatures bisected per run at most (0: no bisection) */
	char *log_level;
	char *kcidb_origin;  /* origin name of KCIDB exports: [a-z0-9_]+ */
	char *trees_file;     /* optional: which trees and branches run which matrices (triggers) */
};

/*
 * Fills cfg from defaults, then an optional file named by --config=FILE
 * (key = value lines), then --key=value arguments. Unknown keys, values out of
 * bounds and malformed lines are errors naming the source and line.
 * Returns 0, KM_EINVAL, or 1 when --help was printed.
 */
int server_config_parse(struct server_config *cfg, int argc, char **argv);
/*
 * The defaults, then the 'key = value' lines of a config file's text (len
 * bytes; name in messages). KM_EINVAL "NAME:LINE: ..." on a mistake. Release
 * cfg with server_config_release() either way.
 */
int server_config_parse_text(struct server_config *cfg, const char *name, const char *text, size_t len);
void server_config_release(struct server_config *cfg);
/* Prints the option table with defaults. */
void server_config_usage(const char *prog);

#endif
