/* A run's facts, loaded once: its matrix, configs and error signatures, its comparison base, what changed against it, and its failure conditions. */
#ifndef KM_RUN_FACTS_H
#define KM_RUN_FACTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "db.h"

struct condition_result;
struct matrix;

/* The owner a boot gave one Soft Reserved range, by its role (subject, control). */
struct run_facts_owner {
	char *role, *owner;
};

/* The newest finished boot of a config in one variant. */
struct run_facts_boot {
	long job_id;
	char *variant;
	char status[8];                /* PASS, FAIL, ERROR, SKIP, MISS */
	struct run_facts_owner *owners; /* role order */
	size_t nowners;
};

/* A config of the run with what the comparison needs. */
struct run_facts_config {
	struct db_run_config row; /* id, hash, point, newest build job and its status ("" unfinished) */
	char verdict[8];          /* FAIL if the build or a boot failed, else ERROR, else PASS; "" unfinished */
	char **req_points;        /* the requested points that resolved to this config */
	size_t nreq;
	struct run_facts_boot *boots; /* one per variant booted, in job order */
	size_t nboots;
};

struct run_facts {
	struct db_run run;
	struct matrix *m;   /* parsed from the run's bundle */
	const char **axes;  /* m's axis symbols, NULL-terminated, borrowed from m */
	bool finished;      /* done, cancelled, superseded or error: no more builds will come */
	struct run_facts_config *configs; /* NULL for run_facts_load_head() */
	size_t nconfigs;
	struct db_run_signature *sigs;
	size_t nsigs;
	size_t nbuilt;      /* configs whose build finished */
};

/*
 * The matrix a run stored when it was submitted: *bundle (may be NULL: not
 * wanted) gets the bundle JSON, *m (may be NULL) the parsed matrix, both the
 * caller's. KM_EIO when the stored bundle no longer parses.
 */
int run_facts_matrix(const struct db_run *run, json_t **bundle, struct matrix **m);

/* Loads a run with its matrix, configs (with verdicts and requests) and signatures. *out is the caller's. */
int run_facts_load(struct db *db, long run_id, struct run_facts **out);
/* Loads only the run and its matrix (configs and sigs stay empty). */
int run_facts_load_head(struct db *db, long run_id, struct run_facts **out);
void run_facts_free(struct run_facts *f);

/*
 * The run a run is compared with, the one rule for the dashboard, the API and
 * the mail: the previous finished run of the same tree, ref and matrix; else
 * the newest finished run of its base commit (same matrix); else, for a new
 * ref, the newest finished run of the branch it was made from. Only runs done
 * no later than the run itself count. *base_id 0 when there is none.
 */
int run_facts_base(struct db *db, long run_id, long *base_id);

/* What changed for one config against the base. */
enum run_facts_change {
	RUN_FACTS_NEW,           /* no matching config in the base, and it does not fail */
	RUN_FACTS_NEW_FAILURE,   /* fails now; passed in the base or was not in it */
	RUN_FACTS_FAILING,       /* fails now; the base has no verdict (farm error or unfinished) */
	RUN_FACTS_STILL_FAILING,
	RUN_FACTS_FIXED,
	RUN_FACTS_STILL_PASSING,
	RUN_FACTS_UNKNOWN,       /* unfinished, or a farm error on one side */
};
/* "new", "new-failure", "failing", "still-failing", "fixed", "still-passing", "unknown". */
const char *run_facts_change_name(enum run_facts_change c);

enum run_facts_sig_change { RUN_FACTS_SIG_NEW, RUN_FACTS_SIG_STILL, RUN_FACTS_SIG_GONE };
/* "new", "still", "gone". */
const char *run_facts_sig_change_name(enum run_facts_sig_change c);

struct run_facts_cmp_config {
	const struct run_facts_config *now, *base; /* base NULL: none matches */
	enum run_facts_change change;
};
struct run_facts_cmp_signature {
	const struct db_run_signature *sig; /* the base's for a gone one */
	enum run_facts_sig_change change;
};
/* A boot of the same config (same hash) and variant that changed against the base. */
enum run_facts_boot_change {
	RUN_FACTS_BOOT_NEW_FAILURE, /* FAILs now, passed in the base */
	RUN_FACTS_BOOT_OWNER,       /* passes in both; the owner of a range (role) changed */
};
/* "new-failure", "owner". */
const char *run_facts_boot_change_name(enum run_facts_boot_change c);

struct run_facts_cmp_boot {
	const struct run_facts_config *now, *base;
	const struct run_facts_boot *boot, *base_boot;
	enum run_facts_boot_change change;
	const char *role;          /* OWNER: the range's role; NULL for NEW_FAILURE */
	const char *before, *after; /* OWNER: the owners; NEW_FAILURE: "PASS" and "FAIL" */
};

struct run_facts_cmp {
	const struct run_facts *now, *base; /* borrowed; base NULL when there is none */
	struct run_facts_cmp_config *configs;
	size_t nconfigs;
	struct run_facts_cmp_signature *sigs; /* the run's signatures in its order, then the gone ones */
	size_t nsigs;
	struct run_facts_cmp_boot *boots; /* changed boots, in config then variant then role order */
	size_t nboots;
};

/*
 * Compares two loaded runs (base may be NULL: everything is new). A config
 * matches the base config with the same hash, else the one a request of the
 * same point resolved to. Boots are compared only for a config with the
 * same hash, variant by variant: a boot that FAILs now and passed in the
 * base, or, when both passed, each range whose owner differs (a "race" on
 * either side is the expectations' business, not a change). The result
 * borrows from both; free it before them.
 */
struct run_facts_cmp *run_facts_compare(const struct run_facts *now, const struct run_facts *base);
void run_facts_cmp_free(struct run_facts_cmp *c);

/*
 * {"run","base","provisional","configs":[{point,config_id,base_config_id,status,base_status,change}],
 *  "signatures":[{id,type,message,signature,configs,secondary,change}],
 *  "boots":[{point,config_id,base_config_id,variant,change,role,before,after}]}: provisional while either
 * run is unfinished. A new reference.
 */
json_t *run_facts_cmp_json(const struct run_facts_cmp *c);

/*
 * The simplest condition over the axes that holds for exactly the configs
 * hitting s among those whose build says anything about it
 * (condition_build_counts()). *out NULL when no config says anything; the
 * caller frees it with condition_free(). While the run is unfinished the
 * condition is provisional (f->finished false): more builds may change it.
 */
int run_facts_condition(const struct run_facts *f, const struct db_run_signature *s, struct condition_result **out);

/* condition_json() of run_facts_condition() with "provisional", "built" and "configs" (counts); NULL if none. */
json_t *run_facts_condition_json(const struct run_facts *f, const struct db_run_signature *s);

/* The signature with this id among the run's, or NULL. */
const struct db_run_signature *run_facts_signature(const struct run_facts *f, long signature_id);

/* {"signatures":[{id,signature,type,symbol,file,message,configs,secondary,config_ids,condition?}]}. */
json_t *run_facts_signatures_json(const struct run_facts *f);

/* Adds the matrix's axes, variants, base, arch and boot, and "base_run" (run_facts_base()), to a run object. */
int run_facts_add_to_run_json(struct db *db, const struct run_facts *f, json_t *run);

#endif
