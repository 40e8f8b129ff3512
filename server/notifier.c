/* Composes report mails into the outbox when runs finish (the sending thread is notifier_send.c). */
#include "notifier.h"
#include "notifier_internal.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "artifacts.h"
#include "bisect.h"
#include "bisect_boot.h"
#include "buf.h"
#include "condition.h"
#include "config.h"
#include "db.h"
#include "db_bisect.h"
#include "err.h"
#include "expect_results.h"
#include "jobtypes.h"
#include "log.h"
#include "mail.h"
#include "matrix.h"
#include "report.h"
#include "report_errors.h"
#include "report_sizes.h"
#include "run_facts.h"
#include "sched.h"
#include "server.h"
#include "symdiag.h"
#include "trees_format.h"
#include "xalloc.h"

#define MAX_REPRODUCER (64 * 1024)
#define MAX_SYMVERS    (8 * 1024 * 1024)
#define SYMVERS_BUILDS 4  /* passing builds whose Module.symvers the diagnosis reads */

static int default_send(void *ctx, const struct mail_server *srv, const struct mail_message *m)
{
	return mail_send(srv, m);
}

struct notifier *notifier_new(struct server *s)
{
	struct notifier *n = xcalloc(1, sizeof(*n));

	n->s = s;
	n->send = default_send;
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->cond, NULL);
	return n;
}

void notifier_set_sender(struct notifier *n, notifier_send_fn fn, void *ctx)
{
	n->send = fn ? fn : default_send;
	n->send_ctx = ctx;
}

/* ---- composing ------------------------------------------------------------------------------------ */

/* The host part of the public URL, for Message-IDs ("farm.example.org"). */
static char *public_host(const char *url)
{
	const char *h = strstr(url ? url : "", "://");
	size_t n;

	h = h ? h + 3 : (url ? url : "");
	if (strchr(h, '@') && strchr(h, '@') < h + strcspn(h, "/"))
		h = strchr(h, '@') + 1;
	n = strcspn(h, ":/?#");
	return n ? xstrndup(h, n) : xstrdup("kmatrix");
}

/* The public URL without a trailing '/'. */
static char *public_base(const char *url)
{
	size_t n = strlen(url ? url : "");

	while (n > 0 && url[n - 1] == '/')
		n--;
	return xstrndup(url ? url : "", n);
}

/* Recipients, de-duplicated by lower-case address; the first form of each address is kept for To:. */
struct rcpts {
	char **addresses, **mailboxes;
	size_t n;
};

static void rcpts_add(struct rcpts *r, const char *mailbox)
{
	char *addr = NULL;

	if (!mailbox || !*mailbox || mail_parse_address(mailbox, &addr) != 0)
		return;
	for (char *p = addr; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->addresses[i], addr) == 0) {
			free(addr);
			return;
		}
	}
	if (r->n >= MAIL_MAX_RECIPIENTS) {
		free(addr);
		return;
	}
	r->addresses = xrealloc(r->addresses, (r->n + 1) * sizeof(char *));
	r->mailboxes = xrealloc(r->mailboxes, (r->n + 1) * sizeof(char *));
	r->addresses[r->n] = addr;
	r->mailboxes[r->n] = xstrdup(mailbox);
	r->n++;
}

static void rcpts_free(struct rcpts *r)
{
	db_strings_free(r->addresses, r->n);
	db_strings_free(r->mailboxes, r->n);
	memset(r, 0, sizeof(*r));
}

/* "Name <addr>" of the commit author, with the name reduced to characters a display name may hold. */
static char *author_mailbox(const char *name, const char *email)
{
	struct buf b = BUF_INIT(512);
	char *addr = NULL;

	if (!email || !*email || mail_parse_address(email, &addr) != 0)
		return NULL;
	for (const char *p = name ? name : ""; *p && b.len < 200; p++) {
		if ((unsigned char)*p >= 0x20 && *p != 0x7f && !strchr("<>\"\\", *p))
			buf_append(&b, p, 1);
	}
	if (b.len && strspn(buf_cstr(&b), " ") != b.len) {
		buf_printf(&b, " <%s>", addr);
	} else {
		buf_reset(&b);
		buf_puts(&b, addr);
	}
	free(addr);
	return buf_steal(&b);
}

/* The kind of error in words, from the build log scanner's type ("ld-undefined" is a link error). */
static const char *error_kind(const char *type)
{
	static const struct {
		const char *prefix, *words;
	} kinds[] = {
		{ "ld-", "link" },      { "modpost-", "modpost" }, { "cc-", "compiler" },
		{ "as-", "assembler" }, { "objtool-", "objtool" }, { "kconfig-", "Kconfig" },
		{ "make-", "make" },    { "expect", "expectation" }, { "race", "boot race" },
	};

	for (size_t i = 0; type && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strncmp(type, kinds[i].prefix, strlen(kinds[i].prefix)) == 0)
			return kinds[i].words;
	}
	return "build";
}

static const char *branch_of(const char *ref)
{
	if (ref && strncmp(ref, "refs/heads/", 11) == 0)
		return ref + 11;
	if (ref && strncmp(ref, "refs/tags/", 10) == 0)
		return ref + 10;
	return ref ? ref : "";
}

/* What one run's mail needs, loaded once: the run's facts, and the run as the mail names it. */
struct mail_run {
	struct db_run run;
	struct run_facts *facts;
	char *author; /* "Name <addr>" or NULL */
};

static void mail_run_release(struct mail_run *f)
{
	db_run_release(&f->run);
	run_facts_free(f->facts);
	free(f->author);
	memset(f, 0, sizeof(*f));
}

static int mail_run_load(struct db *db, long run_id, struct mail_run *f)
{
	int rc;

	memset(f, 0, sizeof(*f));
	rc = db_run_get(db, run_id, &f->run);
	if (!rc)
		rc = run_facts_load(db, run_id, &f->facts);
	if (!rc)
		f->author = author_mailbox(f->run.author_name, f->run.author_email);
	return rc;
}

static bool id_in(const long *ids, size_t n, long id)
{
	for (size_t i = 0; i < n; i++) {
		if (ids[i] == id)
			return true;
	}
	return false;
}

static struct report_config *report_configs(const struct run_facts *f, const long *failing, size_t nfailing)
{
	struct report_config *rc = xcalloc(f->nconfigs ? f->nconfigs : 1, sizeof(*rc));

	for (size_t i = 0; i < f->nconfigs; i++) {
		const struct db_run_config *c = &f->configs[i].row;

		rc[i].values = c->point;
		rc[i].status = c->build[0] ? c->build : "MISS";
		rc[i].config_id = c->id;
		rc[i].failing = id_in(failing, nfailing, c->id);
	}
	return rc;
}

/*
 * The condition over the axes' effective values separating the configs failing
 * with this error from the builds that passed; NULL when there is none to state,
 * and always for a run still building: a mail never claims a provisional condition.
 */
static char *failure_condition(const struct run_facts *f, long signature_id)
{
	const struct db_run_signature *sig = run_facts_signature(f, signature_id);
	struct condition_result *res = NULL;
	char *text = NULL;

	if (!f->finished || !sig || run_facts_condition(f, sig, &res) != 0 || !res)
		return NULL;
	if (res->status == CONDITION_FOUND && res->text)
		text = res->given_text ? xasprintf("%s (every config built in this run has %s)", res->text, res->given_text) :
					 xstrdup(res->text);
	condition_free(res);
	return text;
}

/* "TEXT.\n\nTo fix it:\n- REMEDY\n..." */
static char *diagnosis_text(const char *text, const char *const *remedies, size_t n)
{
	struct buf b = BUF_INIT(16 * 1024);

	buf_printf(&b, "%s.\n", text);
	if (n)
		buf_puts(&b, "\nTo fix it:\n");
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "- %s\n", remedies[i]);
	return buf_steal(&b);
}

/* The diagnosis the worker made with the tree at hand (symdiag_report_json()), as text; NULL if none. */
static char *stored_diagnosis(struct db *db, long run_id, long signature_id)
{
	json_t *d = NULL, *rem, *v;
	const char **remedies = NULL;
	char *json = NULL, *out = NULL;
	size_t n = 0, i;

	if (db_notify_signature_diagnosis(db, run_id, signature_id, &json) != 0 || !json)
		goto done;
	d = json_loads(json, 0, NULL);
	if (!json_is_string(json_object_get(d, "text")))
		goto done;
	rem = json_object_get(d, "remedies");
	remedies = xcalloc(json_array_size(rem) + 1, sizeof(char *));
	json_array_foreach(rem, i, v) {
		if (json_is_string(v))
			remedies[n++] = json_string_value(v);
	}
	out = diagnosis_text(json_string_value(json_object_get(d, "text")), remedies, n);
done:
	free(remedies);
	json_decref(d);
	free(json);
	return out;
}

/*
 * For an undefined reference: the worker's diagnosis when it made one, else
 * which module provides the symbol, read from the Module.symvers of passing
 * builds, and the usual remedies. NULL otherwise.
 */
static char *diagnosis(struct server *s, struct db *db, const struct run_facts *f, long signature_id,
		       const char *type, const char *first_lines)
{
	struct symdiag_exports *x = NULL;
	struct symdiag_undef *u = NULL;
	struct symdiag_report *r = NULL;
	size_t nu = 0, used = 0;
	char *out = stored_diagnosis(db, f->run.id, signature_id);

	if (out || !type || strcmp(type, "ld-undefined") != 0 || !first_lines)
		return out;
	if (symdiag_parse_ld(first_lines, strlen(first_lines), &u, &nu) != 0 || nu == 0)
		goto done;
	x = symdiag_exports_new();
	for (size_t i = 0; i < f->nconfigs && used < SYMVERS_BUILDS; i++) {
		char origin[64];
		char *text;

		const struct db_run_config *c = &f->configs[i].row;

		if (!job_status_is(c->build, STATUS_PASS))
			continue;
		text = artifacts_read(db, s->cfg->data_dir, c->build_job, "module.symvers", MAX_SYMVERS, NULL);
		if (!text)
			continue;
		snprintf(origin, sizeof(origin), "config %ld Module.symvers", c->id);
		if (symdiag_exports_add_symvers(x, text, strlen(text), origin) == 0)
			used++;
		free(text);
	}
	/* Without a passing build's exports there is nothing to say about the provider. */
	if (used == 0 || symdiag_diagnose(x, &u[0], NULL, &r) != 0 || !r->text)
		goto done;
	out = diagnosis_text(r->text, (const char *const *)r->remedies, r->nremedies);
done:
	symdiag_report_free(r);
	symdiag_exports_free(x);
	symdiag_undefs_free(u, nu);
	return out;
}

static char *headers_json(long run_id, long signature_id, const struct mail_run *f, const char *kind)
{
	json_t *h = json_array();
	char *out;

	json_array_append_new(h, json_sprintf("X-Kmatrix-Run: %ld", run_id));
	if (signature_id) /* a bisected boot change is about no signature */
		json_array_append_new(h, json_sprintf("X-Kmatrix-Signature: %ld", signature_id));
	json_array_append_new(h,
			      json_sprintf("X-Kmatrix-Tree: %s %s", f->run.tree_name, branch_of(f->run.ref)));
	json_array_append_new(h, json_sprintf("X-Kmatrix-Kind: %s", kind));
	out = json_dumps(h, JSON_COMPACT);
	json_decref(h);
	return out;
}

static void add_matrix_and_tree_recipients(struct notifier *n, const struct mail_run *f, struct rcpts *r)
{
	const struct triggers_tree *tree = triggers_tree_by_name(server_triggers(n->s), f->run.tree_name);

	rcpts_add(r, f->author);
	for (size_t i = 0; i < f->facts->m->nnotify; i++)
		rcpts_add(r, f->facts->m->notify_to[i]);
	for (size_t i = 0; tree && i < tree->nnotify; i++)
		rcpts_add(r, tree->notify[i]);
}

static int enqueue(struct db *db, const char *kind, const struct mail_run *f, long signature_id,
		   const char *message_id, const char *in_reply_to, const char *subject, const char *body,
		   const struct rcpts *r)
{
	char *headers = headers_json(f->run.id, signature_id, f, kind);
	struct db_mail_new m = {
		.message_id = message_id,
		.kind = kind,
		.run_id = f->run.id,
		.tree_id = f->run.tree_id,
		.signature_id = signature_id,
		.ref = f->run.ref,
		.commit_id = f->run.commit_id,
		.in_reply_to = in_reply_to,
		.subject = subject,
		.body = body,
		.headers_json = headers,
		.addresses = (const char *const *)r->addresses,
		.mailboxes = (const char *const *)r->mailboxes,
		.nrcpt = r->n,
		.now = (int64_t)time(NULL),
	};
	long id = 0;
	int rc = db_mail_enqueue(db, &m, &id);

	free(headers);
	if (rc == KM_EEXISTS)
		return 1;
	if (!rc)
		log_info("run=%ld signature=%ld mail=%ld kind=%s message_id=%s recipients=%zu queued",
			 f->run.id, signature_id, id, kind, message_id, r->n);
	return rc;
}

/*
 * One report about a new signature; sizes are the run's size changes, the same
 * for every report of the run. Returns 1 when queued, 0 when there was nothing to send.
 */
/* What one report says beyond the run's facts: all owned, released by report_parts_release(). */
struct report_parts {
	char *type, *message, *signature, *first_lines; /* the signature's */
	long *failing;                                  /* the configs failing with it */
	size_t nfailing;
	long first_job;                                 /* the first failing config's build job */
	struct report_config *configs;
	char *host, *base, *cond, *diag, *repro, *dash, *cfg_url, *repro_url, *closes, *from, *by, *tag, *bisected;
	struct report_errors errs;
};

static void report_parts_release(struct report_parts *p)
{
	char *strings[] = { p->type, p->message, p->signature, p->first_lines, p->host, p->base, p->cond, p->diag,
			    p->repro, p->dash, p->cfg_url, p->repro_url, p->closes, p->from, p->by, p->tag,
			    p->bisected };

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		free(strings[i]);
	report_errors_release(&p->errs);
	free(p->configs);
	free(p->failing);
}

/* The signature and the configs failing with it, in run f. */
static int load_signature(struct db *db, const struct mail_run *f, long signature_id, struct report_parts *p)
{
	int rc = db_notify_signature_get(db, signature_id, &p->type, &p->message, &p->signature);

	if (!rc)
		rc = db_notify_signature_configs(db, f->run.id, signature_id, &p->failing, &p->nfailing, &p->first_lines);
	for (size_t i = 0; !rc && i < f->facts->nconfigs && p->nfailing; i++) {
		if (f->facts->configs[i].row.id == p->failing[0])
			p->first_job = f->facts->configs[i].row.build_job;
	}
	return rc;
}

/* The rest of what the report says: condition, diagnosis, reproducer, links, every error, the bisection. */
static int gather_parts(struct notifier *n, struct db *db, const struct mail_run *f, long signature_id,
			const struct run_facts_cmp *compare, struct report_parts *p)
{
	struct server *s = n->s;
	int rc;

	p->host = public_host(s->cfg->public_url);
	p->base = public_base(s->cfg->public_url);
	p->configs = report_configs(f->facts, p->failing, p->nfailing);
	p->cond = failure_condition(f->facts, signature_id);
	p->diag = diagnosis(s, db, f->facts, signature_id, p->type, p->first_lines);
	p->repro = artifacts_read(db, s->cfg->data_dir, p->first_job, "reproducer.sh", MAX_REPRODUCER, NULL);
	p->dash = xasprintf("%s/#/run/%ld", p->base, f->run.id);
	if (p->nfailing)
		p->cfg_url = xasprintf("%s/api/v1/configs/%ld/config", p->base, p->failing[0]);
	if (p->repro)
		p->repro_url = xasprintf("%s/api/v1/jobs/%ld/artifacts/reproducer.sh", p->base, p->first_job);
	p->closes = xasprintf("%s/#/signature/%ld", p->base, signature_id);
	if (mail_parse_address(s->cfg->mail_from, &p->from) == 0)
		p->by = xasprintf("kmatrix <%s>", p->from);
	rc = report_errors_load(db, p->failing, p->nfailing, compare, &p->errs);
	if (!rc)
		rc = bisect_report_text(db, f->run.id, signature_id, p->base, &p->tag, &p->bisected);
	return rc;
}

/* The report's subject and body from the run's facts and the gathered parts. */
static void write_report(const struct mail_run *f, long signature_id, const struct report_parts *p,
			 const struct report_sizes *sizes, char **subject, char **body)
{
	struct report_input in = {
		.tree_name = f->run.tree_name,
		.tree_url = f->run.tree_url,
		.branch = f->run.ref,
		.commit = f->run.commit_id,
		.subject_line = f->run.subject,
		.author = f->author,
		.matrix_name = f->run.matrix_name,
		.axes = f->facts->axes,
		.naxes = f->facts->m->naxes,
		.error_type = error_kind(p->type),
		.error_message = p->message,
		.signature = p->signature,
		.first_lines = p->first_lines,
		.configs = p->configs,
		.nconfigs = f->facts->nconfigs,
		.condition = p->cond,
		.diagnosis = p->diag,
		.dashboard_url = p->dash,
		.config_url = p->cfg_url,
		.reproducer_url = p->repro_url,
		.reproducer = p->repro,
		.reported_by = p->by,
		.closes_url = p->closes,
		.all_errors = p->errs.v,
		.nall_errors = p->errs.n,
		.growth = sizes->v,
		.ngrowth = sizes->n,
		.run_id = f->run.id,
		.signature_id = signature_id,
		.series_tag = p->tag,
		.bisection = p->bisected,
	};

	*subject = report_subject(&in);
	*body = report_body(&in);
}

static int compose_report(struct notifier *n, struct db *db, const struct mail_run *f, long signature_id,
			  const struct run_facts_cmp *compare, const struct report_sizes *sizes)
{
	struct report_parts p;
	char *subject = NULL, *body = NULL, *msgid = NULL;
	struct rcpts r = { 0 };
	bool reported = false;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	if (f->run.commit_id) {
		rc = db_mail_reported(db, f->run.tree_id, f->run.commit_id, signature_id, &reported);
		if (rc)
			goto done;
		if (reported) {
			log_info("run=%ld signature=%ld commit=%.12s already reported: no mail", f->run.id,
				 signature_id, f->run.commit_id);
			goto done;
		}
	}
	rc = load_signature(db, f, signature_id, &p);
	if (rc)
		goto done;
	add_matrix_and_tree_recipients(n, f, &r);
	if (r.n == 0) {
		log_warn("run=%ld signature=%ld: no recipient (no author address, no [notify] to): no mail",
			 f->run.id, signature_id);
		goto done;
	}
	rc = gather_parts(n, db, f, signature_id, compare, &p);
	if (rc)
		goto done;
	write_report(f, signature_id, &p, sizes, &subject, &body);
	msgid = report_message_id(f->run.id, signature_id, p.host);
	rc = enqueue(db, "report", f, signature_id, msgid, NULL, subject, body, &r);
	if (rc == 0)
		rc = 1;
	else if (rc == 1)
		rc = 0;
done:
	report_parts_release(&p);
	free(subject);
	free(body);
	free(msgid);
	rcpts_free(&r);
	return rc;
}

/* Whether every config that failed with the gone signature in the base was built again (PASS or FAIL). */
static bool rebuilt(const struct run_facts_cmp *cmp, const struct db_run_signature *gone)
{
	size_t matched = 0;

	for (size_t i = 0; i < cmp->nconfigs; i++) {
		const struct run_facts_cmp_config *c = &cmp->configs[i];
		const char *status = c->now->verdict;

		if (!c->base || !id_in(gone->config_ids, gone->nconfigs, c->base->row.id))
			continue;
		if (!job_status_is(status, STATUS_PASS) && !job_status_is(status, STATUS_FAIL))
			return false;
		matched++;
	}
	return gone->nconfigs > 0 && matched > 0;
}

/* The "fixed" notice for a signature gone in this run. Returns 1 when queued, 0 when not due. */
static int compose_fixed(struct notifier *n, struct db *db, const struct mail_run *f, const struct run_facts_cmp *cmp,
			 const struct db_run_signature *gone)
{
	long signature_id = gone->id;
	struct server *s = n->s;
	struct mail_run orig = { 0 };
	char *report_id = NULL, *type = NULL, *message = NULL, *signature = NULL;
	char *host = public_host(s->cfg->public_url), *base = public_base(s->cfg->public_url);
	char *dash = NULL, *subject = NULL, *body = NULL, *msgid = NULL;
	char **mailboxes = NULL;
	size_t nmailboxes = 0;
	struct report_config *configs = NULL;
	struct rcpts r = { 0 };
	long report_mail = 0, report_run = 0;
	bool done = false;
	int rc;

	rc = db_mail_last_report(db, f->run.tree_id, f->run.ref, signature_id, &report_mail, &report_id,
				 &report_run);
	if (rc == KM_ENOTFOUND) {
		rc = 0;
		goto out;
	}
	if (!rc)
		rc = db_mail_fixed_queued(db, report_id, &done);
	if (rc || done ||
	    !(expect_results_is_finding(gone->type) ? expect_results_rejudged(cmp, gone) : rebuilt(cmp, gone)))
		goto out;
	rc = mail_run_load(db, report_run, &orig);
	if (!rc)
		rc = db_notify_signature_get(db, signature_id, &type, &message, &signature);
	if (!rc)
		rc = db_mail_mailboxes(db, report_mail, &mailboxes, &nmailboxes);
	if (rc)
		goto out;
	for (size_t i = 0; i < nmailboxes; i++)
		rcpts_add(&r, mailboxes[i]);
	if (r.n == 0)
		goto out;
	configs = report_configs(f->facts, NULL, 0);
	dash = xasprintf("%s/#/run/%ld", base, f->run.id);
	{
		/* The original report's facts, with the fixing run's id, configs and page. */
		struct report_input in = {
			.tree_name = orig.run.tree_name,
			.tree_url = orig.run.tree_url,
			.branch = orig.run.ref,
			.commit = orig.run.commit_id,
			.subject_line = orig.run.subject,
			.author = orig.author,
			.matrix_name = orig.run.matrix_name,
			.axes = f->facts->axes,
			.naxes = f->facts->m->naxes,
			.error_type = error_kind(type),
			.error_message = message,
			.signature = signature,
			.configs = configs,
			.nconfigs = f->facts->nconfigs,
			.dashboard_url = dash,
			.run_id = f->run.id,
			.signature_id = signature_id,
		};

		subject = report_fixed_subject(&in);
		body = report_fixed_body(&in, f->run.commit_id);
	}
	msgid = report_fixed_message_id(f->run.id, signature_id, host);
	rc = enqueue(db, "fixed", f, signature_id, msgid, report_id, subject, body, &r);
	if (rc == 0)
		rc = 1;
	else if (rc == 1)
		rc = 0;
out:
	mail_run_release(&orig);
	free(report_id);
	free(type);
	free(message);
	free(signature);
	free(host);
	free(base);
	free(dash);
	free(subject);
	free(body);
	free(msgid);
	free(configs);
	db_strings_free(mailboxes, nmailboxes);
	rcpts_free(&r);
	return rc;
}

/*
 * The mail about a boot bisection that ended found or range: no report is
 * about a boot change, so it stands alone, to the report's recipients, its
 * subject tagged with the patch like a report's. Returns 1 when queued, 0
 * when there is nothing to send (or it was queued before).
 */
static int compose_boot_bisection(struct notifier *n, struct db *db, const struct mail_run *f, long bisection_id)
{
	struct server *s = n->s;
	struct db_bisection b;
	struct rcpts r = { 0 };
	char *host = public_host(s->cfg->public_url), *base = public_base(s->cfg->public_url);
	char *tag = NULL, *text = NULL, *what = NULL, *subject = NULL, *body = NULL, *msgid = NULL;
	const char *point = "?";
	int rc = db_bisection_get(db, bisection_id, &b);

	if (rc)
		goto out;
	if (!b.kind || !job_kind_is(b.kind, JOB_BOOT) || (strcmp(b.state, "found") != 0 && strcmp(b.state, "range") != 0))
		goto done;
	rc = bisect_report_text_of(db, bisection_id, base, &tag, &text);
	if (rc || !text)
		goto done;
	add_matrix_and_tree_recipients(n, f, &r);
	if (r.n == 0) {
		log_warn("run=%ld bisection=%ld: no recipient (no author address, no [notify] to): no mail", f->run.id,
			 bisection_id);
		goto done;
	}
	for (size_t i = 0; i < f->facts->nconfigs; i++) {
		if (f->facts->configs[i].row.id == b.config_id && f->facts->configs[i].row.point)
			point = f->facts->configs[i].row.point;
	}
	{
		struct bisect_boot_target t = { b.variant, b.role, b.before, b.after };
		struct report_input in = {
			.tree_name = f->run.tree_name,
			.branch = f->run.ref,
			.commit = f->run.commit_id,
			.series_tag = tag,
		};

		what = bisect_boot_what(&t);
		in.error_message = what;
		subject = report_subject(&in);
	}
	body = xasprintf("Run %ld booted config %ld (%s) in variant %s; its base, run %ld, booted the same config.\n\n%s\n"
			 "-- \nkmatrix, %s/#/run/%ld\n",
			 f->run.id, b.config_id, point, b.variant ? b.variant : "default", b.base_run, text, base, f->run.id);
	msgid = xasprintf("<kmatrix-bisect-%ld-boot-%ld@%s>", f->run.id, bisection_id, host);
	rc = enqueue(db, "bisect", f, 0, msgid, NULL, subject, body, &r);
	if (rc == 0)
		rc = 1;
	else if (rc == 1)
		rc = 0;
done:
	db_bisection_release(&b);
out:
	rcpts_free(&r);
	free(host);
	free(base);
	free(tag);
	free(text);
	free(what);
	free(subject);
	free(body);
	free(msgid);
	return rc;
}

/* The mails about the run's boot bisections (composed with its reports, so after --bisect-wait). */
static int compose_boot_bisections(struct notifier *n, struct db *db, const struct mail_run *f, int *queued)
{
	long *ids = NULL;
	size_t nids = 0;
	int rc = db_bisections_find(db, f->run.id, 0, 0, &ids, &nids);

	for (size_t i = 0; !rc && i < nids; i++) {
		int r = compose_boot_bisection(n, db, f, ids[i]);

		if (r < 0)
			rc = r;
		else
			*queued += r;
	}
	free(ids);
	return rc;
}

int notifier_bisection_done(struct server *s, struct db *db, long bisection_id)
{
	struct notifier *n = s->notifier;
	struct db_bisection b;
	struct mail_run f = { 0 };
	struct rcpts r = { 0 };
	char **mailboxes = NULL, *report_id = NULL, *type = NULL, *message = NULL, *signature = NULL;
	char *tag = NULL, *text = NULL, *subject = NULL, *body = NULL, *msgid = NULL, *host = NULL, *base = NULL;
	size_t nmailboxes = 0;
	long report_mail = 0, report_run = 0;
	int pending = 0, rc;

	if (!n)
		return 0;
	rc = db_bisection_get(db, bisection_id, &b);
	if (rc)
		return rc;
	rc = db_notify_run_pending(db, b.run_id, &pending);
	if (rc || pending)
		goto out; /* the report is still to be composed, and will say it */
	rc = mail_run_load(db, b.run_id, &f);
	if (!rc && b.kind && job_kind_is(b.kind, JOB_BOOT)) {
		/* Ended after the run's mails were composed: its own mail goes now. */
		rc = compose_boot_bisection(n, db, &f, bisection_id);
		if (rc > 0)
			notifier_kick(n);
		rc = rc < 0 ? rc : 0;
		goto out;
	}
	if (!rc)
		rc = db_mail_last_report(db, f.run.tree_id, f.run.ref, b.signature_id, &report_mail, &report_id, &report_run);
	if (rc == KM_ENOTFOUND || (!rc && report_run != b.run_id)) {
		rc = 0; /* no report about this run's signature went out: nothing to answer */
		goto out;
	}
	host = public_host(s->cfg->public_url);
	base = public_base(s->cfg->public_url);
	if (!rc)
		rc = bisect_report_text(db, b.run_id, b.signature_id, base, &tag, &text);
	if (!rc && text)
		rc = db_notify_signature_get(db, b.signature_id, &type, &message, &signature);
	if (!rc && text)
		rc = db_mail_mailboxes(db, report_mail, &mailboxes, &nmailboxes);
	if (rc || !text)
		goto out;
	for (size_t i = 0; i < nmailboxes; i++)
		rcpts_add(&r, mailboxes[i]);
	if (r.n == 0)
		goto out;
	{
		struct report_input in = {
			.tree_name = f.run.tree_name,
			.branch = f.run.ref,
			.commit = f.run.commit_id,
			.error_type = error_kind(type),
			.error_message = message,
			.series_tag = tag,
		};

		subject = report_fixed_subject(&in);
	}
	body = xasprintf("The bisection of this report finished after it was sent.\n\n%s\n-- \nkmatrix, %s/#/run/%ld\n",
			 text, base, b.run_id);
	msgid = xasprintf("<kmatrix-bisect-%ld-%ld@%s>", b.run_id, b.signature_id, host);
	rc = enqueue(db, "bisect", &f, b.signature_id, msgid, report_id, subject, body, &r);
	if (rc == 1)
		rc = 0;
	notifier_kick(n);
out:
	db_bisection_release(&b);
	mail_run_release(&f);
	rcpts_free(&r);
	db_strings_free(mailboxes, nmailboxes);
	free(report_id);
	free(type);
	free(message);
	free(signature);
	free(tag);
	free(text);
	free(subject);
	free(body);
	free(msgid);
	free(host);
	free(base);
	return rc;
}

int notifier_compose(struct notifier *n, struct db *db, long run_id, int *queued)
{
	struct mail_run f;
	struct run_facts *base = NULL;
	struct run_facts_cmp *cmp = NULL;
	struct report_sizes sizes = { 0 };
	bool sizes_loaded = false;
	long base_id = 0;
	int rc;

	*queued = 0;
	rc = mail_run_load(db, run_id, &f);
	if (rc)
		goto done;
	if (!run_state_is(f.run.state, RUN_DONE))
		goto done;
	rc = run_facts_base(db, run_id, &base_id);
	if (!rc && base_id)
		rc = run_facts_load(db, base_id, &base);
	if (rc)
		goto done;
	/* Without a base every signature of the run is new. */
	cmp = run_facts_compare(f.facts, base);
	for (size_t i = 0; i < cmp->nsigs; i++) {
		const struct run_facts_cmp_signature *sig = &cmp->sigs[i];
		int r = 0;

		/* make's "*** Error" lines and Kconfig's explanations follow from another error. */
		if (sig->sig->secondary)
			continue;
		/* Read every build's metadata.json once per run, and only for a run that reports. */
		if (sig->change == RUN_FACTS_SIG_NEW && !sizes_loaded) {
			rc = report_sizes_load(db, n->s->cfg->data_dir, cmp, &sizes);
			if (rc)
				goto done;
			sizes_loaded = true;
		}
		if (sig->change == RUN_FACTS_SIG_NEW)
			r = compose_report(n, db, &f, sig->sig->id, cmp, &sizes);
		else if (sig->change == RUN_FACTS_SIG_GONE)
			r = compose_fixed(n, db, &f, cmp, sig->sig);
		if (r < 0) {
			rc = r;
			goto done;
		}
		*queued += r;
	}
	rc = compose_boot_bisections(n, db, &f, queued);
	if (rc)
		goto done;
	log_info("run=%ld base=%ld mails=%d composed", run_id, base_id, *queued);
done:
	report_sizes_release(&sizes);
	run_facts_cmp_free(cmp);
	run_facts_free(base);
	mail_run_release(&f);
	return rc;
}

int64_t notifier_backoff(int failures)
{
	int64_t d = NOTIFIER_RETRY_FIRST_S;

	for (int i = 1; i < failures && d < NOTIFIER_RETRY_MAX_S; i++)
		d *= 2;
	return d < NOTIFIER_RETRY_MAX_S ? d : NOTIFIER_RETRY_MAX_S;
}

void notifier_kick(struct notifier *n)
{
	pthread_mutex_lock(&n->lock);
	n->kicked = true;
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->lock);
}

void notifier_run_done(struct server *s, struct db *db, long run_id)
{
	struct notifier *n = s->notifier;
	int64_t now = (int64_t)time(NULL);
	int queued = 0;
	int rc;

	if (!n)
		return;
	rc = db_notify_run_add(db, run_id, now);
	if (!rc && s->cfg->bisect_wait_s > 0) {
		size_t active = 0;

		/* The report waits for its bisections up to --bisect-wait; the last one to end makes it due. */
		rc = bisect_active(db, run_id, &active);
		if (!rc && active) {
			rc = db_notify_run_due_now(db, run_id, now + s->cfg->bisect_wait_s);
			if (!rc) {
				log_info("run=%ld report waits up to %ld s for %zu bisection%s", run_id,
					 s->cfg->bisect_wait_s, active, active == 1 ? "" : "s");
				return;
			}
		}
	}
	if (!rc)
		rc = db_savepoint(db, "notify_compose");
	if (rc) {
		log_error("run=%ld mail not recorded: %s", run_id, err_msg());
		return;
	}
	rc = notifier_compose(n, db, run_id, &queued);
	if (rc) {
		char *why = xstrdup(err_msg());

		db_savepoint_rollback(db, "notify_compose");
		log_warn("run=%ld composing mail failed (will retry): %s", run_id, why);
		db_notify_run_retry(db, run_id, now + notifier_backoff(1), why, now);
		free(why);
	} else {
		db_savepoint_release(db, "notify_compose");
		db_notify_run_done(db, run_id, queued, now);
	}
	notifier_kick(n);
}
