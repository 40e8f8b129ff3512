/* The server's shared context: configuration, secrets and per-thread database connections. */
#ifndef KM_SERVER_H
#define KM_SERVER_H

#include <stdbool.h>

#include "config.h"

struct db;
struct notifier;
struct triggers;

struct server {
	const struct server_config *cfg;
	char *db_path;
	char *admin_token;
	char *artifacts_dir;
	volatile bool stopping;
	const struct triggers *triggers; /* the trees file, or NULL (owned by main) */
	struct notifier *notifier;       /* report mail, or NULL when mail is off (owned by main) */
};

/*
 * Prepares the data directory, opens (and migrates) the database once and
 * loads or creates the admin token (DATA_DIR/admin.token, mode 0600).
 */
int server_init(struct server *s, const struct server_config *cfg);
void server_release(struct server *s);

/* This thread's database connection, opened on first use and closed when the thread ends. */
struct db *server_db(struct server *s);

#endif
