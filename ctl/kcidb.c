/* kmatrixctl kcidb: writes a run's KCIDB export, or submits it to a KCIDB submission service and waits for its verdict. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "xalloc.h"

/* "--name=VALUE" or "--name VALUE" (and "-o FILE" for --output); *i advanced past what was taken. */
static const char *take(int argc, char **argv, int *i, const char *name, const char *shortname)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) == 0 && a[n] == '=')
		return a + n + 1;
	if ((strcmp(a, name) == 0 || (shortname && strcmp(a, shortname) == 0)) && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static char *read_token(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096] = "";

	if (!f || !fgets(line, sizeof(line), f)) {
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return line[0] ? xstrdup(line) : NULL;
}

/* The status URL: the service's own ("status_url"), else --status-url with {id}, else SUBMIT/../status?id=ID. */
static char *status_url(const char *submit, const char *tmpl, const json_t *answer)
{
	const char *given = json_string_value(json_object_get(answer, "status_url"));
	const json_t *idv = json_object_get(answer, "id");
	char id[128] = "";
	const char *slash;

	if (given)
		return xstrdup(given);
	if (json_is_string(idv))
		snprintf(id, sizeof(id), "%s", json_string_value(idv));
	else if (json_is_integer(idv))
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(idv));
	if (!id[0])
		return NULL;
	if (tmpl) {
		const char *at = strstr(tmpl, "{id}");

		return at ? xasprintf("%.*s%s%s", (int)(at - tmpl), tmpl, id, at + 4) : xasprintf("%s%s", tmpl, id);
	}
	slash = strrchr(submit, '/');
	return xasprintf("%.*s/status?id=%s", slash ? (int)(slash - submit) : (int)strlen(submit), submit, id);
}

static bool one_of(const char *s, const char *const *set)
{
	for (size_t i = 0; s && set[i]; i++) {
		if (strcmp(s, set[i]) == 0)
			return true;
	}
	return false;
}

/* Polls until the service says the submission is stored (0) or refused (1), or timeout_s passes (1). */
static int poll_status(struct ctl *svc, const char *url, long timeout_s)
{
	static const char *const good[] = { "ready", "done", "ok", "success", "processed", "stored", NULL };
	static const char *const bad[] = { "error", "failed", "failure", "invalid", "rejected", NULL };
	time_t deadline = time(NULL) + timeout_s;

	for (;;) {
		json_t *out = NULL;
		long status = ctl_request(svc, "GET", url, NULL, &out);
		const char *st = json_string_value(json_object_get(out, "status"));
		const char *msg = json_string_value(json_object_get(out, "message"));

		if (status == 200 && one_of(st, good)) {
			printf("kcidb: submission %s%s%s\n", st, msg ? ": " : "", msg ? msg : "");
			json_decref(out);
			return 0;
		}
		if ((status == 200 && one_of(st, bad)) || status >= 300 || status == 0) {
			fprintf(stderr, "kmatrixctl: kcidb submission refused: %s%s%s\n", st ? st : "HTTP error",
				msg ? ": " : "", msg ? msg : "");
			json_decref(out);
			return 1;
		}
		json_decref(out);
		if (time(NULL) >= deadline) {
			fprintf(stderr, "kmatrixctl: kcidb submission still %s after %ld s (%s)\n",
				st ? st : "unknown", timeout_s, url);
			return 1;
		}
		sleep(1);
	}
}

int ctl_kcidb(struct ctl *c, int argc, char **argv)
{
	const char *run = NULL, *output = NULL, *submit = NULL, *token_file = NULL, *tmpl = NULL, *origin = NULL;
	long timeout_s = 300;
	json_t *doc = NULL, *answer = NULL;
	char *path = NULL, *surl = NULL;
	struct ctl svc = { 0 };
	long status;
	int rc = 1;

	for (int i = 0; i < argc; i++) {
		const char *v;

		if ((v = take(argc, argv, &i, "--output", "-o")))
			output = v;
		else if ((v = take(argc, argv, &i, "--submit", NULL)))
			submit = v;
		else if ((v = take(argc, argv, &i, "--token-file", NULL)))
			token_file = v;
		else if ((v = take(argc, argv, &i, "--status-url", NULL)))
			tmpl = v;
		else if ((v = take(argc, argv, &i, "--origin", NULL)))
			origin = v;
		else if ((v = take(argc, argv, &i, "--timeout", NULL)))
			timeout_s = strtol(v, NULL, 10) > 0 ? strtol(v, NULL, 10) : 300;
		else if (argv[i][0] != '-' && !run)
			run = argv[i];
		else {
			fprintf(stderr, "kmatrixctl: kcidb: unexpected '%s' (see --help)\n", argv[i]);
			return 2;
		}
	}
	if (!run || (submit && !token_file)) {
		fprintf(stderr, "kmatrixctl: kcidb RUN [-o FILE] [--origin=NAME] "
				"[--submit=URL --token-file=F [--status-url=URL] [--timeout=S]]\n");
		return 2;
	}
	path = origin ? xasprintf("/api/v1/runs/%s/kcidb?origin=%s", run, origin) : xasprintf("/api/v1/runs/%s/kcidb", run);
	if (ctl_request(c, "GET", path, NULL, &doc) != 200 || !doc)
		goto done;
	if (output || !submit) {
		if (output ? json_dump_file(doc, output, JSON_INDENT(1) | JSON_ENSURE_ASCII) != 0
			   : json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_ENSURE_ASCII) != 0) {
			fprintf(stderr, "kmatrixctl: cannot write %s\n", output ? output : "the export");
			goto done;
		}
		if (!output)
			putchar('\n');
	}
	if (!submit) {
		rc = 0;
		goto done;
	}
	svc.server = "";
	svc.token = read_token(token_file);
	if (!svc.token) {
		fprintf(stderr, "kmatrixctl: cannot read a token from %s\n", token_file);
		goto done;
	}
	status = ctl_request(&svc, "POST", submit, doc, &answer);
	if (status < 200 || status >= 300)
		goto done;
	surl = status_url(submit, tmpl, answer);
	if (!surl) {
		/* No id, no status URL: the service took it synchronously. */
		printf("kcidb: submitted (HTTP %ld)\n", status);
		rc = 0;
		goto done;
	}
	printf("kcidb: submitted (HTTP %ld), waiting for %s\n", status, surl);
	fflush(stdout);
	rc = poll_status(&svc, surl, timeout_s);
done:
	json_decref(doc);
	json_decref(answer);
	free(path);
	free(surl);
	free(svc.token);
	return rc;
}
