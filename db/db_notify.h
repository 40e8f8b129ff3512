/* What the notifier reads of a finished run, and its queue of finished runs (db_notify.c). */
#ifndef KM_DB_NOTIFY_H
#define KM_DB_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

struct db;

/*
 * The configs of a run whose build hit a signature, in id order (*ids the
 * caller's), and the first lines of the error in the first of them (the
 * caller's, NULL when none were kept).
 */
int db_notify_signature_configs(struct db *db, long run_id, long signature_id, long **ids, size_t *n,
				char **first_lines);

/*
 * The diagnosis a worker attached to a signature in one of the run's builds
 * (errors.diagnosis: JSON text, the caller's), or NULL when there is none.
 */
int db_notify_signature_diagnosis(struct db *db, long run_id, long signature_id, char **json);

/* A signature's type, message and signature text, the caller's. */
int db_notify_signature_get(struct db *db, long signature_id, char **type, char **message, char **signature);

/* notify_runs: a finished run the notifier must look at. */
int db_notify_run_add(struct db *db, long run_id, int64_t now);
int db_notify_run_done(struct db *db, long run_id, int mails, int64_t now);
int db_notify_run_retry(struct db *db, long run_id, int64_t next_attempt, const char *error, int64_t now);
/* Pending runs due at now, oldest first, at most limit; *ids the caller's. */
int db_notify_runs_due(struct db *db, int64_t now, size_t limit, long **ids, size_t *n);

#endif
