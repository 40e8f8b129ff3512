/* Server start-up state and the per-thread database connections. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "digest.h"
#include "err.h"
#include "fsutil.h"
#include "log.h"
#include "view_cache.h"
#include "xalloc.h"

static pthread_key_t db_key;
static pthread_once_t db_key_once = PTHREAD_ONCE_INIT;

/* A thread's connection and the database file it is for. */
struct thread_db {
	struct db *db;
	char *path;
};

static void close_thread_db(void *p)
{
	struct thread_db *t = p;

	db_close(t->db);
	free(t->path);
	free(t);
}

static void make_db_key(void)
{
	pthread_key_create(&db_key, close_thread_db);
}

struct db *server_db(struct server *s)
{
	struct thread_db *t;

	pthread_once(&db_key_once, make_db_key);
	t = pthread_getspecific(db_key);
	if (t && t->db && strcmp(t->path, s->db_path) == 0)
		return t->db;
	/* First use on this thread, a different server (tests start several), or an earlier open failed. */
	if (t) {
		db_close(t->db);
		t->db = NULL;
		free(t->path);
	} else {
		t = xcalloc(1, sizeof(*t));
		pthread_setspecific(db_key, t);
	}
	t->path = xstrdup(s->db_path);
	/* A failure is not remembered: the next call tries again. */
	if (db_connect(s->db_path, &t->db) != 0) {
		log_error("db=%s msg=\"%s\"", s->db_path, err_msg());
		t->db = NULL;
	}
	return t->db;
}

static const char *const loop_names[SERVER_NLOOPS] = { "sweeper", "notifier", "poller" };

void server_loop_ok(struct server *s, enum server_loop loop)
{
	atomic_store(&s->loops[loop].last_ok, (int64_t)time(NULL));
}

void server_loop_failed(struct server *s, enum server_loop loop, const char *msg)
{
	struct server_loop_state *l = &s->loops[loop];

	atomic_fetch_add(&l->failures, 1);
	pthread_mutex_lock(&s->loops_lock);
	snprintf(l->last_error, sizeof(l->last_error), "%s", msg);
	pthread_mutex_unlock(&s->loops_lock);
	log_warn("loop=%s failed (will retry): %s", loop_names[loop], msg);
}

void server_loop_expect(struct server *s, enum server_loop loop, long interval_s)
{
	s->loops[loop].interval_s = interval_s;
	server_loop_ok(s, loop);
	atomic_store(&s->loops[loop].running, true);
}

json_t *server_loops_json(struct server *s, int64_t now, bool *stalled)
{
	json_t *out = json_object();

	*stalled = false;
	for (int i = 0; i < SERVER_NLOOPS; i++) {
		struct server_loop_state *l = &s->loops[i];
		int64_t last = atomic_load(&l->last_ok);
		/* Stalled: no good round for two rounds and a few seconds (a busy statement waits up to 15 s). */
		bool late = now - last > 2 * l->interval_s + 5;
		char err[sizeof(l->last_error)];

		if (!atomic_load(&l->running))
			continue;
		pthread_mutex_lock(&s->loops_lock);
		snprintf(err, sizeof(err), "%s", l->last_error);
		pthread_mutex_unlock(&s->loops_lock);
		*stalled |= late;
		json_object_set_new(out, loop_names[i],
				    json_pack("{s:b,s:I,s:I,s:I,s:s?}", "stalled", late, "last_ok", (json_int_t)last,
					      "age_s", (json_int_t)(now - last), "failures",
					      (json_int_t)atomic_load(&l->failures), "last_error", *err ? err : NULL));
	}
	return out;
}

static int load_admin_token(struct server *s)
{
	char *path = xasprintf("%s/admin.token", s->cfg->data_dir);
	char token[129];
	FILE *f;
	int rc = 0;

	if (*s->cfg->admin_token) {
		s->admin_token = xstrdup(s->cfg->admin_token);
		goto done;
	}
	f = fopen(path, "r");
	if (f) {
		if (!fgets(token, sizeof(token), f))
			token[0] = '\0';
		fclose(f);
		token[strcspn(token, "\r\n")] = '\0';
		if (strlen(token) < 16) {
			rc = err_set(KM_EINVAL, "%s: token too short (16 characters at least)", path);
			goto done;
		}
		s->admin_token = xstrdup(token);
		goto done;
	}
	rc = digest_random_hex(token, 24);
	if (rc)
		goto done;
	{
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

		if (fd < 0 || dprintf(fd, "%s\n", token) < 0) {
			rc = err_set(KM_EIO, "cannot write %s: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto done;
		}
		close(fd);
	}
	s->admin_token = xstrdup(token);
	log_info("admin token created in %s", path);
done:
	free(path);
	return rc;
}

int server_init(struct server *s, const struct server_config *cfg)
{
	struct db *db = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	pthread_mutex_init(&s->loops_lock, NULL);
	rc = fs_mkdirs(cfg->data_dir);
	if (rc)
		return rc;
	s->artifacts_dir = xasprintf("%s/artifacts", cfg->data_dir);
	rc = fs_mkdirs(s->artifacts_dir);
	if (rc)
		return rc;
	s->db_path = xasprintf("%s/kmatrix.db", cfg->data_dir);
	/*
	 * Migrate once, up front, so request threads never race on it (they
	 * only connect). A locked database is waited for, not a reason to exit.
	 */
	for (int tries = 0;; tries++) {
		rc = db_open(s->db_path, &db);
		db_close(db);
		db = NULL;
		if (rc != KM_EBUSY || tries >= 120)
			break;
		log_warn("db=%s busy at start-up, trying again: %s", s->db_path, err_msg());
	}
	if (rc)
		return rc;
	s->views = view_cache_new(SERVER_CACHED_VIEWS);
	return load_admin_token(s);
}

void server_release(struct server *s)
{
	pthread_mutex_destroy(&s->loops_lock);
	free(s->db_path);
	free(s->admin_token);
	free(s->artifacts_dir);
	view_cache_free(s->views);
	memset(s, 0, sizeof(*s));
}
