/* kmatrixctl status: a run as a terminal shows it — the matrix, the boots' owners and each error's condition. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

long ctl_count(const json_t *counts, const char *kind, const char *status)
{
	return (long)json_integer_value(json_object_get(json_object_get(counts, kind), status));
}

static const char *str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

void ctl_print_run_line(const json_t *run)
{
	const json_t *c = json_object_get(run, "counts");
	const char *commit = json_string_value(json_object_get(run, "commit_id"));

	printf("run %-5lld %-11s %-12s %-24.24s %.12s  requests %lld  configs %lld  clamped %lld  build %ld/%ld/%ld  "
	       "boot %ld/%ld/%ld (pass/fail/error)\n",
	       (long long)json_integer_value(json_object_get(run, "id")), str(run, "state"),
	       str(json_object_get(run, "tree"), "name"), str(run, "ref"), commit ? commit : "-",
	       (long long)json_integer_value(json_object_get(c, "requests")),
	       (long long)json_integer_value(json_object_get(c, "configs")),
	       (long long)json_integer_value(json_object_get(c, "clamped")), ctl_count(c, "build", "PASS"),
	       ctl_count(c, "build", "FAIL"), ctl_count(c, "build", "ERROR"), ctl_count(c, "boot", "PASS"),
	       ctl_count(c, "boot", "FAIL"), ctl_count(c, "boot", "ERROR"));
}

/* A boot cell: who owns the Soft Reserved range when the boot passed, else its status. */
static const char *boot_cell(const json_t *boots, const char *variant)
{
	size_t i;
	const json_t *b;

	json_array_foreach(boots, i, b) {
		if (strcmp(str(b, "variant"), variant) != 0)
			continue;
		if (strcmp(str(b, "status"), "PASS") == 0 && *str(b, "owner"))
			return str(b, "owner");
		return *str(b, "status") ? str(b, "status") : "-";
	}
	return "-";
}

static void print_configs(const json_t *run, const json_t *matrix)
{
	const json_t *axes = json_object_get(run, "axes"), *variants = json_object_get(run, "variants");
	const json_t *configs = json_object_get(matrix, "configs"), *v, *cfg;
	int width = (int)json_array_size(axes) > 6 ? (int)json_array_size(axes) : 6;
	size_t i, k;

	if (!json_array_size(configs))
		return;
	printf("\nconfigs, one letter per axis:");
	json_array_foreach(axes, i, v)
		printf(" %s", str(v, "symbol"));
	/* Columns padded but the last: no trailing blanks for a log or a mail. */
	printf("\n  %-*s  %-*s", width, "config", json_array_size(variants) ? 6 : 0, "build");
	json_array_foreach(variants, k, v)
		printf("  %-*s", k + 1 < json_array_size(variants) ? 10 : 0, json_string_value(v));
	printf("\n");
	json_array_foreach(configs, i, cfg) {
		printf("  %-*s  %-*s", width, str(cfg, "point"), json_array_size(variants) ? 6 : 0,
		       str(json_object_get(cfg, "build"), "status"));
		json_array_foreach(variants, k, v)
			printf("  %-*s", k + 1 < json_array_size(variants) ? 10 : 0,
			       boot_cell(json_object_get(cfg, "boots"), json_string_value(v)));
		printf("\n");
	}
}

static const char *point_of(const json_t *matrix, json_int_t config_id)
{
	size_t i;
	const json_t *cfg;

	json_array_foreach(json_object_get(matrix, "configs"), i, cfg) {
		if (json_integer_value(json_object_get(cfg, "id")) == config_id)
			return str(cfg, "point");
	}
	return "?";
}

/* Each primary error: what, where, when (its condition over the axes) and its page. */
static void print_errors(struct ctl *c, const json_t *matrix, const json_t *sigs)
{
	size_t i, k;
	const json_t *s, *id;

	json_array_foreach(json_object_get(sigs, "signatures"), i, s) {
		const json_t *ids = json_object_get(s, "config_ids"), *cond = json_object_get(s, "condition");

		if (json_is_true(json_object_get(s, "secondary")))
			continue;
		printf("\nerror: %s (%s) in %zu config(s):", str(s, "message"), str(s, "type"), json_array_size(ids));
		json_array_foreach(ids, k, id) {
			if (k == 12) {
				printf(" ...");
				break;
			}
			printf(" %s", point_of(matrix, json_integer_value(id)));
		}
		printf("\n");
		if (strcmp(str(cond, "status"), "found") == 0) {
			printf("  fails when %s", str(cond, "text"));
			if (*str(cond, "given_text"))
				printf(" (every config built in this run has %s)", str(cond, "given_text"));
			printf("\n");
		} else if (*str(cond, "text")) {
			printf("  %s\n", str(cond, "text"));
		}
		printf("  %s/#/signature/%lld\n", c->server, (long long)json_integer_value(json_object_get(s, "id")));
	}
}

long ctl_report_run(struct ctl *c, const char *run)
{
	char path[96];
	json_t *r = NULL, *matrix = NULL, *sigs = NULL;
	long status;

	snprintf(path, sizeof(path), "/api/v1/runs/%s", run);
	status = ctl_request(c, "GET", path, NULL, &r);
	if (status == 200) {
		ctl_print_run_line(r);
		snprintf(path, sizeof(path), "/api/v1/runs/%s/matrix", run);
		if (ctl_request(c, "GET", path, NULL, &matrix) == 200)
			print_configs(r, matrix);
		snprintf(path, sizeof(path), "/api/v1/runs/%s/signatures", run);
		if (matrix && ctl_request(c, "GET", path, NULL, &sigs) == 200)
			print_errors(c, matrix, sigs);
	}
	json_decref(r);
	json_decref(matrix);
	json_decref(sigs);
	return status;
}
