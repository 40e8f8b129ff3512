/* Bisection: which commit of a push introduced a run's new error signature or changed boot, found with ordinary leased jobs. */
#ifndef KM_BISECT_H
#define KM_BISECT_H

#include <jansson.h>

#include "db_bisect.h"
#include "jobresult.h"
#include "jobspec.h"

struct db;
struct server;

/*
 * A run became done (inside the caller's transaction): for each error
 * signature new against its base (run_facts_base(), the mail's rule), then
 * each boot that changed against it (run_facts_compare(): a new FAIL, a
 * changed owner), up to --bisect-max in all, records a bisection — over the
 * failing config last built, or the boot's config and variant — and
 * queues its walk. A bisection that cannot start is recorded as skipped
 * with the reason. Failures are logged and undone; the run stays done.
 */
void bisect_run_done(struct server *s, struct db *db, long run_id);

/*
 * Called in the transaction that concludes a bisection, with its id: the
 * notifier sets it (notifier_start) to answer the report that went out
 * before the bisection ended. NULL: nobody listens (mail is off).
 */
extern int (*bisect_on_done)(struct server *s, struct db *db, long bisection_id);

/* Whether the run has bisections still walking or stepping (*n of them). */
int bisect_active(struct db *db, long run_id, size_t *n);

/*
 * Completes a claimed bisect job's spec: the step's commit and its bisect
 * part. The strings are borrowed from *b, which the caller releases with
 * db_bisection_release() once the spec is encoded.
 */
int bisect_payload(struct db *db, long job_id, struct db_bisection *b, struct job_spec *spec);

/* Records a bisect job's result (inside the caller's transaction) and queues the next step or concludes. */
int bisect_record(struct server *s, struct db *db, long job_id, const struct job_result *res);

/*
 * Moves the active bisections of a run on after jobs ended without a result
 * (expired leases, a revoked worker): such a step counts as skipped.
 * Inside the caller's transaction.
 */
int bisect_advance_run(struct server *s, struct db *db, long run_id);

/* {"bisections":[...]} of a run (signature_id 0) or of one signature in every run (run_id 0). */
int bisect_json(struct db *db, long run_id, long signature_id, json_t **out);

/*
 * What a report about a run's signature says of its bisection, when it
 * concluded: *tag "3/9" (position in the series, NULL when not one commit)
 * and *text, the lines for the body. Both NULL when there is nothing to say.
 */
int bisect_report_text(struct db *db, long run_id, long signature_id, const char *public_url, char **tag,
		       char **text);

/* The same for one bisection by id (a boot's: "The owner change of range subject (cxl → hmem) ... was bisected to"). */
int bisect_report_text_of(struct db *db, long bisection_id, const char *public_url, char **tag, char **text);

#endif
