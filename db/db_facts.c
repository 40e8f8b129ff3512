/* A run's facts as typed rows, for the server's run_facts: its configs with their builds and boots, its error signatures, and the candidates for its comparison base. */
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "err.h"
#include "xalloc.h"

int db_run_configs(struct db *db, long run_id, struct db_run_config **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct db_run_config *v = NULL;
	size_t count = 0;
	int rc = db_prep(db, &st,
			 "SELECT c.id, c.hash, c.point, j.id, CASE WHEN j.state = 'done' THEN j.status ELSE '' END"
			 " FROM configs c LEFT JOIN jobs j ON j.id = (SELECT MAX(b.id) FROM jobs b"
			 " WHERE b.config_id = c.id AND b.kind = 'build') WHERE c.run_id = ? ORDER BY c.id",
			 "l", run_id);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		struct db_run_config *c;
		const char *status = (const char *)sqlite3_column_text(st, 4);

		v = xrealloc(v, (count + 1) * sizeof(*v));
		c = &v[count++];
		memset(c, 0, sizeof(*c));
		c->id = (long)sqlite3_column_int64(st, 0);
		c->hash = db_col_strdup(st, 1);
		c->point = db_col_strdup(st, 2);
		c->build_job = (long)sqlite3_column_int64(st, 3);
		snprintf(c->build, sizeof(c->build), "%s", status ? status : "");
	}
	sqlite3_finalize(st);
	if (rc) {
		db_run_configs_free(v, count);
		return rc;
	}
	*out = v;
	*n = count;
	return 0;
}

void db_run_configs_free(struct db_run_config *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].hash);
		free(v[i].point);
	}
	free(v);
}

/* Calls fn(ctx, first column as long, second as text) for each row of a query over one run id. */
static int each_pair(struct db *db, const char *sql, long run_id, void (*fn)(void *ctx, long id, const char *text),
		     void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st, sql, "l", run_id);

	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1)
		fn(ctx, (long)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return rc;
}

int db_run_boots_each(struct db *db, long run_id, void (*fn)(void *ctx, long config_id, const char *status),
		      void *ctx)
{
	return each_pair(db,
			 "SELECT config_id, status FROM jobs WHERE run_id = ? AND kind = 'boot' AND state = 'done'"
			 " ORDER BY id",
			 run_id, fn, ctx);
}

int db_run_boot_owners_each(struct db *db, long run_id, void (*fn)(void *ctx, const struct db_run_boot_owner *b),
			    void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prep(db, &st,
			 "SELECT j.config_id, j.id, COALESCE(j.variant, 'default'), j.status, o.role, o.owner"
			 " FROM jobs j LEFT JOIN ownership o ON o.boot_job_id = j.id"
			 " WHERE j.run_id = ? AND j.kind = 'boot' AND j.state = 'done' ORDER BY j.id, o.role",
			 "l", run_id);

	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		struct db_run_boot_owner b = {
			.config_id = (long)sqlite3_column_int64(st, 0),
			.job_id = (long)sqlite3_column_int64(st, 1),
			.variant = (const char *)sqlite3_column_text(st, 2),
			.status = (const char *)sqlite3_column_text(st, 3),
			.role = (const char *)sqlite3_column_text(st, 4),
			.owner = (const char *)sqlite3_column_text(st, 5),
		};

		fn(ctx, &b);
	}
	sqlite3_finalize(st);
	return rc;
}

int db_run_request_points_each(struct db *db, long run_id, void (*fn)(void *ctx, long config_id, const char *point),
			       void *ctx)
{
	return each_pair(db,
			 "SELECT config_id, point FROM requests WHERE run_id = ? AND config_id IS NOT NULL ORDER BY idx",
			 run_id, fn, ctx);
}

int db_run_signatures(struct db *db, long run_id, struct db_run_signature **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct db_run_signature *v = NULL;
	size_t count = 0;
	int rc = db_prep(db, &st,
			 "SELECT s.id, s.signature, s.type, s.symbol, s.file, s.message, MIN(e.secondary),"
			 " json_group_array(DISTINCT j.config_id)"
			 " FROM errors e JOIN jobs j ON j.id = e.job_id JOIN signatures s ON s.id = e.signature_id"
			 " WHERE j.run_id = ? GROUP BY s.id"
			 " ORDER BY MIN(e.secondary), COUNT(DISTINCT j.config_id) DESC, s.id",
			 "l", run_id);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	while ((rc = db_step(db, st)) == 1) {
		struct db_run_signature *s;
		json_t *ids = db_col_parsed(st, 7), *id;
		size_t i;

		v = xrealloc(v, (count + 1) * sizeof(*v));
		s = &v[count++];
		memset(s, 0, sizeof(*s));
		s->id = (long)sqlite3_column_int64(st, 0);
		s->signature = db_col_strdup(st, 1);
		s->type = db_col_strdup(st, 2);
		s->symbol = db_col_strdup(st, 3);
		s->file = db_col_strdup(st, 4);
		s->message = db_col_strdup(st, 5);
		s->secondary = sqlite3_column_int(st, 6) != 0;
		s->config_ids = xcalloc(json_array_size(ids) + 1, sizeof(long));
		json_array_foreach(ids, i, id) {
			if (json_is_integer(id))
				s->config_ids[s->nconfigs++] = (long)json_integer_value(id);
		}
		json_decref(ids);
	}
	sqlite3_finalize(st);
	if (rc) {
		db_run_signatures_free(v, count);
		return rc;
	}
	*out = v;
	*n = count;
	return 0;
}

void db_run_signatures_free(struct db_run_signature *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].signature);
		free(v[i].type);
		free(v[i].symbol);
		free(v[i].file);
		free(v[i].message);
		free(v[i].config_ids);
	}
	free(v);
}

/* What every candidate shares: the same tree and matrix, finished, and finished no later than the run itself. */
#define BASE_JOIN "SELECT p.id FROM runs p JOIN runs r ON r.id = ? "
#define BASE_TAIL                                                                                                 \
	" AND p.tree_id = r.tree_id AND p.matrix_name = r.matrix_name AND p.state = 'done'"                      \
	" AND (r.finished_at IS NULL OR p.finished_at <= r.finished_at) ORDER BY p.id DESC LIMIT 1"

int db_run_base_find(struct db *db, long run_id, enum db_base_kind kind, long *base_id)
{
	static const char *const queries[] = {
		[DB_BASE_PREVIOUS] = BASE_JOIN "WHERE p.ref = r.ref AND p.id < r.id" BASE_TAIL,
		[DB_BASE_COMMIT] = BASE_JOIN "WHERE r.base_commit IS NOT NULL AND p.commit_id = r.base_commit"
					     " AND p.id != r.id" BASE_TAIL,
		[DB_BASE_BRANCH] = BASE_JOIN "JOIN run_triggers g ON g.run_id = r.id WHERE g.created"
					     " AND g.base_ref IS NOT NULL AND p.ref = g.base_ref AND p.id != r.id" BASE_TAIL,
	};

	*base_id = 0;
	if ((unsigned)kind >= sizeof(queries) / sizeof(queries[0]))
		return err_set(KM_EINVAL, "no such kind of comparison base");
	return db_scalar_long(db, base_id, queries[kind], "l", run_id);
}

int db_run_stamp(struct db *db, long run_id, long *stamp)
{
	int rc = db_scalar_long(db, stamp,
				"SELECT r.version + ((SELECT COUNT(*) FROM runs p WHERE p.tree_id = r.tree_id"
				" AND p.matrix_name = r.matrix_name AND p.state = 'done') << 32) FROM runs r WHERE r.id = ?",
				"l", run_id);

	return rc == KM_ENOTFOUND ? err_set(KM_ENOTFOUND, "no run %ld", run_id) : rc;
}
