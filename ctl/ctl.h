/* kmatrixctl's connection to the server, shared by its commands. */
#ifndef KM_CTL_H
#define KM_CTL_H

#include <jansson.h>

struct ctl {
	const char *server;
	char *token;
};

/*
 * Performs a request against c->server + path; *out is the parsed answer or
 * NULL (the caller's). Returns the HTTP status, 0 on a transport failure; a
 * message is printed to stderr for both failures and statuses >= 400.
 */
long ctl_request(struct ctl *c, const char *method, const char *path, json_t *body, json_t **out);

/* A run's count of kind ("build", "boot") jobs with status, from its "counts" object; 0 when absent. */
long ctl_count(const json_t *counts, const char *kind, const char *status);

/* One line per run: id, state, tree, ref, commit, counts. */
void ctl_print_run_line(const json_t *run);

/*
 * Prints a finished or running run for a terminal: its summary line, every
 * config with its build status and each boot variant's owner, and each
 * error with the configs it hits, its failure condition and its dashboard
 * link. Returns the HTTP status of the run's fetch (200 when printed).
 */
long ctl_report_run(struct ctl *c, const char *run);

/*
 * kmatrixctl kcidb RUN [-o FILE] [--origin=NAME] [--submit=URL --token-file=F
 * [--status-url=URL] [--timeout=S]] (ctl/kcidb.c): writes the run's KCIDB
 * export to FILE or stdout; with --submit POSTs it with the token of F as a
 * Bearer token and polls the submission's status URL. argv holds the words
 * after "kcidb". Returns the exit status (0 stored, 1 failed, 2 usage).
 */
int ctl_kcidb(struct ctl *c, int argc, char **argv);

/*
 * kmatrixctl suggest --tree=PATH --ref=REF|--commit=SHA [--base=REV]
 * [--matrix=NAME] (ctl/suggest.c): prints the matrix file the server would
 * run for an `axes = auto` matrix of that push (NAME's, or a minimal one),
 * with each axis's reasons as comments. Returns the exit status.
 */
int ctl_suggest(struct ctl *c, int argc, char **argv);

#endif
