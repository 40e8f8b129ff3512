/* The server's shared context: configuration, secrets and per-thread database connections. */
#ifndef KM_SERVER_H
#define KM_SERVER_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Run views kept rendered (a 162-request matrix view is ~100 KB). */
#define SERVER_CACHED_VIEWS 256

struct db;
struct notifier;
struct view_cache;
struct triggers;

/* The background loops whose health GET /api/v1/health reports. */
enum server_loop { SERVER_LOOP_SWEEPER, SERVER_LOOP_NOTIFIER, SERVER_LOOP_POLLER, SERVER_NLOOPS };

struct server_loop_state {
	_Atomic int64_t last_ok;   /* end of the last good round (epoch seconds) */
	_Atomic long failures;     /* rounds that failed since start-up */
	_Atomic bool running;      /* the loop was started */
	long interval_s;           /* how often it goes round */
	char last_error[160];      /* under loops_lock */
};

struct server {
	const struct server_config *cfg;
	char *db_path;
	char *admin_token;
	char *artifacts_dir;
	volatile bool stopping;
	_Atomic(const struct triggers *) triggers; /* the trees file in force, or NULL: read it with server_triggers() */
	struct triggers **trees_versions;           /* every version loaded (main thread only) */
	size_t ntrees_versions;
	struct notifier *notifier;       /* report mail, or NULL when mail is off (owned by main) */
	struct view_cache *views;        /* rendered run views (api_read.c), shared by the request threads */
	struct server_loop_state loops[SERVER_NLOOPS];
	pthread_mutex_t loops_lock;
};

/*
 * Prepares the data directory, opens (and migrates) the database once and
 * loads or creates the admin token (DATA_DIR/admin.token, mode 0600).
 */
int server_init(struct server *s, const struct server_config *cfg);
void server_release(struct server *s);

/*
 * The trees file in force, or NULL when the server has none. What it returns
 * stays valid until the server stops, even after a reload.
 */
const struct triggers *server_triggers(struct server *s);

/*
 * (Re)loads --trees=FILE (server/trees_file.c): parses it, checks that its
 * matrices exist, makes the database's trees match, and only then puts it in
 * force. On an error (KM_EINVAL "FILE:LINE: ...", KM_EIO) the version in force
 * stays. Main thread only; nothing to do without --trees.
 */
int server_triggers_load(struct server *s);
/* Frees every version loaded; called once the other threads have stopped, before server_release(). */
void server_triggers_release(struct server *s);

/*
 * This thread's database connection, opened on first use and closed when the
 * thread ends; NULL when it cannot be opened now (the next call tries again).
 */
struct db *server_db(struct server *s);

/* A background loop starts: it goes round every interval_s seconds. */
void server_loop_expect(struct server *s, enum server_loop loop, long interval_s);
/* A round of the loop went well. */
void server_loop_ok(struct server *s, enum server_loop loop);
/* A round failed: logged, counted and kept as the loop's last error; the loop retries. */
void server_loop_failed(struct server *s, enum server_loop loop, const char *msg);
/*
 * {"sweeper":{"stalled","last_ok","age_s","failures","last_error"?},...} for
 * the loops that run; *stalled tells whether one of them is late.
 */
json_t *server_loops_json(struct server *s, int64_t now, bool *stalled);

#endif
