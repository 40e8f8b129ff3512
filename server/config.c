/* The option table of the server and its parser (file and command line). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "fsutil.h"
#include "lines.h"
#include "kcidb.h"
#include "xalloc.h"
#include "validate.h"

enum opt_type { OPT_STR, OPT_LONG, OPT_BOOL };

struct opt {
	const char *key;
	enum opt_type type;
	size_t offset;
	const char *def;
	long min, max;
	const char *help;
};

#define O(field) offsetof(struct server_config, field)

static const struct opt options[] = {
	{ "listen", OPT_STR, O(listen), "127.0.0.1", 0, 0, "address to listen on" },
	{ "port", OPT_LONG, O(port), "8080", 1, 65535, "TCP port" },
	{ "data-dir", OPT_STR, O(data_dir), "./kmatrix-data", 0, 0, "database and artifacts" },
	{ "matrices-dir", OPT_STR, O(matrices_dir), "./matrices", 0, 0, "directory of NAME.matrix files" },
	{ "web-dir", OPT_STR, O(web_dir), "./web", 0, 0, "dashboard static files" },
	{ "admin-token", OPT_STR, O(admin_token), "", 0, 0, "admin token (default: DATA_DIR/admin.token)" },
	{ "public-url", OPT_STR, O(public_url), "", 0, 0, "dashboard URL used in mail (default: from listen)" },
	{ "lease", OPT_LONG, O(lease_s), "120", 5, 86400, "job lease in seconds" },
	{ "max-attempts", OPT_LONG, O(max_attempts), "3", 1, 20, "tries per job before it ends as ERROR" },
	{ "long-poll", OPT_LONG, O(long_poll_s), "20", 0, 120, "longest claim wait in seconds" },
	{ "max-body", OPT_LONG, O(max_body), "33554432", 1024, 1073741824, "largest JSON body in bytes" },
	{ "max-upload", OPT_LONG, O(max_upload), "134217728", 1024, 2147483647L, "largest artifact in bytes" },
	{ "conn-timeout", OPT_LONG, O(conn_timeout_s), "30", 1, 3600,
	  "seconds a connection may stay silent (headers, body or between requests)" },
	{ "max-conns", OPT_LONG, O(max_conns), "2000", 16, 100000, "open connections at most" },
	{ "max-conns-per-ip", OPT_LONG, O(max_conns_per_ip), "128", 1, 100000,
	  "open connections at most from one address" },
	{ "poll", OPT_LONG, O(poll_s), "60", 0, 86400, "seconds between polls of polled trees (0: off)" },
	{ "smtp-url", OPT_STR, O(smtp_url), "", 0, 0, "smtp://host:port or smtps://host:port (empty: no mail)" },
	{ "smtp-starttls", OPT_BOOL, O(smtp_starttls), "false", 0, 0, "require STARTTLS on smtp://" },
	{ "smtp-user", OPT_STR, O(smtp_user), "", 0, 0, "SMTP user name" },
	{ "smtp-password", OPT_STR, O(smtp_password), "", 0, 0, "SMTP password" },
	{ "mail-from", OPT_STR, O(mail_from), "kmatrix <kmatrix@localhost>", 0, 0, "From: of reports" },
	{ "mail-rate", OPT_LONG, O(mail_rate_per_hour), "20", 1, 100000, "mails per recipient per hour" },
	{ "bisect-wait", OPT_LONG, O(bisect_wait_s), "1800", 0, 86400, "seconds a report waits for its bisections" },
	{ "bisect-max", OPT_LONG, O(bisect_max), "4", 0, 100, "new signatures bisected per run (0: none)" },
	{ "log-level", OPT_STR, O(log_level), "info", 0, 0, "debug, info, warn or error" },
	{ "kcidb-origin", OPT_STR, O(kcidb_origin), "kmatrix", 0, 0, "origin of KCIDB exports ([a-z0-9_]+)" },
	{ "trees", OPT_STR, O(trees_file), "", 0, 0, "trees file: which trees/branches run which matrices (SIGHUP reloads it)" },
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static const struct opt *find_opt(const char *key)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (strcmp(options[i].key, key) == 0)
			return &options[i];
	}
	return NULL;
}

static int set_opt(struct server_config *cfg, const struct opt *o, const char *value, const char *where)
{
	char *base = (char *)cfg + o->offset;

	switch (o->type) {
	case OPT_STR: {
		char **s = (char **)base;

		free(*s);
		*s = xstrdup(value);
		return 0;
	}
	case OPT_LONG: {
		char *end;
		long v;

		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < o->min || v > o->max)
			return err_set(KM_EINVAL, "%s: %s = '%s': expected a whole number from %ld to %ld", where,
				       o->key, value, o->min, o->max);
		*(long *)base = v;
		return 0;
	}
	case OPT_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0)
			*(bool *)base = true;
		else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 || strcmp(value, "0") == 0)
			*(bool *)base = false;
		else
			return err_set(KM_EINVAL, "%s: %s = '%s': expected true or false", where, o->key, value);
		return 0;
	}
	return 0;
}

/* Parses 'key = value' lines of text (len bytes; name for messages) into cfg. */
static int parse_text(struct server_config *cfg, const char *name, const char *text, size_t len)
{
	struct lines in;
	const char *raw;
	size_t n;
	int rc = 0;

	lines_init(&in, text, len);
	while (!rc && lines_next(&in, &raw, &n)) {
		char line[4096];
		char where[512];
		char *s, *eq, *key, *value;
		const struct opt *o;

		snprintf(where, sizeof(where), "%s:%u", name, in.lineno);
		if (n >= sizeof(line) || memchr(raw, '\0', n)) {
			rc = err_set(KM_EINVAL, "%s: line too long or not text", where);
			break;
		}
		memcpy(line, raw, n);
		line[n] = '\0';
		s = validate_trim(line);
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			rc = err_set(KM_EINVAL, "%s: expected 'key = value'", where);
			break;
		}
		*eq = '\0';
		key = validate_trim(s);
		value = validate_trim(eq + 1);
		o = find_opt(key);
		if (!o) {
			rc = err_set(KM_EINVAL, "%s: unknown option '%s' (see --help)", where, key);
			break;
		}
		rc = set_opt(cfg, o, value, where);
	}
	return rc;
}

static int parse_file(struct server_config *cfg, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int rc = fs_read_file(path, 1024 * 1024, &text, &len);

	if (rc)
		return err_set(KM_EINVAL, "%s: cannot read: %s", path, err_msg());
	rc = parse_text(cfg, path, text, len);
	free(text);
	return rc;
}

static int set_defaults(struct server_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NOPTIONS; i++) {
		int rc = set_opt(cfg, &options[i], options[i].def, "default");

		if (rc)
			return rc;
	}
	return 0;
}

int server_config_parse_text(struct server_config *cfg, const char *name, const char *text, size_t len)
{
	int rc = set_defaults(cfg);

	return rc ? rc : parse_text(cfg, name, text, len);
}

void server_config_usage(const char *prog)
{
	printf("usage: %s [--config=FILE] [--option=value ...]\n\noptions (also valid as 'key = value' in FILE):\n",
	       prog);
	/* A help text that states its own default ("default: ...") is not given a second one. */
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (strstr(options[i].help, "default:"))
			printf("  --%-14s %s\n", options[i].key, options[i].help);
		else
			printf("  --%-14s %s (default: %s)\n", options[i].key, options[i].help,
			       *options[i].def ? options[i].def : "none");
	}
}

int server_config_parse(struct server_config *cfg, int argc, char **argv)
{
	int rc;

	rc = set_defaults(cfg);
	if (rc)
		return rc;
	/* The file first, so the command line overrides it. */
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--config=", 9) == 0) {
			rc = parse_file(cfg, argv[i] + 9);
			if (rc)
				return rc;
		}
	}
	for (int i = 1; i < argc; i++) {
		char key[64];
		const char *eq;
		const struct opt *o;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			server_config_usage(argv[0]);
			return 1;
		}
		if (strncmp(argv[i], "--config=", 9) == 0)
			continue;
		eq = strchr(argv[i], '=');
		if (strncmp(argv[i], "--", 2) != 0 || !eq || (size_t)(eq - argv[i] - 2) >= sizeof(key))
			return err_set(KM_EINVAL, "argument '%s': expected --option=value (see --help)", argv[i]);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[i] - 2), argv[i] + 2);
		o = find_opt(key);
		if (!o)
			return err_set(KM_EINVAL, "unknown option '--%s' (see --help)", key);
		rc = set_opt(cfg, o, eq + 1, "command line");
		if (rc)
			return rc;
	}
	if (!*cfg->public_url) {
		free(cfg->public_url);
		cfg->public_url = xasprintf("http://%s:%ld", cfg->listen, cfg->port);
	}
	if (!kcidb_origin_ok(cfg->kcidb_origin))
		return err_set(KM_EINVAL, "kcidb-origin '%.64s' is not valid (expected [a-z0-9_]+, at most 64)",
			       cfg->kcidb_origin);
	return 0;
}

void server_config_release(struct server_config *cfg)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (options[i].type == OPT_STR) {
			char **s = (char **)((char *)cfg + options[i].offset);

			free(*s);
			*s = NULL;
		}
	}
}
