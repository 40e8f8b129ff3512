/* One Kconfig parse for a whole run: the batch driver, built against the tree's scripts/kconfig and run by make. */
#include "kresolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "proc.h"
#include "xalloc.h"

extern const char kresolve_driver_source[];

/*
 * make's shell for a batch call: the one recipe that would run Kconfig's
 * conf for olddefconfig runs the driver instead, with conf's command line;
 * every other recipe runs as usual.
 */
static const char wrapper_script[] =
	"#!/bin/sh\n"
	"# make's shell for one kmatrix Kconfig batch (see kresolve.c).\n"
	"case \"$1\" in\n"
	"-c|-ec)\n"
	"\tcase \"$2\" in\n"
	"\tscripts/kconfig/conf\\ *--olddefconfig*) exec \"$KMATRIX_KCONFIG_DRIVER\" $2 ;;\n"
	"\tesac\n"
	"esac\n"
	"exec /bin/sh \"$@\"\n";

static int log_output(void *ctx, const char *data, size_t len)
{
	buf_append(ctx, data, len);
	return 0;
}

/* The object list of `common-objs := ...` (with continuation lines) in the tree's scripts/kconfig/Makefile. */
static int common_objects(const char *src, char ***objs, size_t *n)
{
	char *path = xasprintf("%s/scripts/kconfig/Makefile", src);
	char *text = NULL, *p;
	size_t len;
	int rc = fs_read_file(path, 1024 * 1024, &text, &len);

	*objs = NULL;
	*n = 0;
	if (rc) {
		rc = err_set(KM_ENOTFOUND, "the tree has no scripts/kconfig/Makefile");
		goto done;
	}
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, "common-objs", 11) == 0 && strchr(" \t:", p[11]))
			break;
	}
	if (!p || !*p) {
		rc = err_set(KM_ENOTFOUND, "scripts/kconfig/Makefile has no common-objs list");
		goto done;
	}
	p = strstr(p, ":=");
	for (p = p ? p + 2 : NULL; p && *p && *p != '\n';) {
		size_t w;

		p += strspn(p, " \t");
		if (*p == '\\' && p[1] == '\n') {
			p += 2;
			continue;
		}
		w = strcspn(p, " \t\n\\");
		if (w > 2 && strncmp(p + w - 2, ".o", 2) == 0 && *n < 64) {
			*objs = xrealloc(*objs, (*n + 1) * sizeof(**objs));
			(*objs)[(*n)++] = xstrndup(p, w);
		}
		p += w;
	}
	if (!*n)
		rc = err_set(KM_EINVAL, "scripts/kconfig/Makefile: common-objs lists no object");
done:
	free(path);
	free(text);
	return rc;
}

int kresolve_build(const struct kmake *k, const char *work, struct buf *log, char **driver)
{
	char **objs = NULL, *source = xasprintf("%s/kmatrix-kconfig.c", work);
	char *program = xasprintf("%s/kmatrix-kconfig", work);
	char *inc_src = xasprintf("-I%s/scripts/kconfig", k->src);
	char *inc_shared = xasprintf("-I%s/scripts/include", k->src);
	char *inc_gen = xasprintf("-I%s/scripts/kconfig", k->out);
	const char **argv = NULL;
	size_t nobjs = 0, a = 0;
	struct proc_result r;
	int rc;

	*driver = NULL;
	rc = common_objects(k->src, &objs, &nobjs);
	if (!rc)
		rc = fs_write_file(source, kresolve_driver_source, strlen(kresolve_driver_source));
	if (rc)
		goto done;
	argv = xcalloc(nobjs + 10, sizeof(*argv));
	argv[a++] = "gcc";
	argv[a++] = "-O2";
	argv[a++] = inc_src;
	argv[a++] = inc_shared;
	argv[a++] = inc_gen;
	argv[a++] = "-o";
	argv[a++] = program;
	argv[a++] = source;
	for (size_t i = 0; i < nobjs; i++) {
		char *obj = xasprintf("%s/scripts/kconfig/%s", k->out, objs[i]);
		struct stat st;

		free(objs[i]);
		objs[i] = obj;
		if (stat(obj, &st) != 0) {
			rc = err_set(KM_ENOTFOUND, "the tree's Kconfig object %s was not built", obj);
			goto done;
		}
		argv[a++] = obj;
	}
	{
		struct proc_opts o = { .argv = argv, .timeout_s = 120, .on_output = log_output, .ctx = log };

		rc = proc_run(&o, &r);
	}
	if (!rc && (r.exit_code != 0 || r.timed_out))
		rc = err_set(KM_EINVAL, "the Kconfig batch driver does not compile against this tree (gcc status %d)",
			     r.exit_code);
	if (!rc)
		*driver = xstrdup(program);
done:
	for (size_t i = 0; i < nobjs; i++)
		free(objs[i]);
	free(objs);
	free(argv);
	free(source);
	free(program);
	free(inc_src);
	free(inc_shared);
	free(inc_gen);
	return rc;
}

int kresolve_run(const struct kmake *k, const char *driver, const char *work, char *const *ins, char *const *outs,
		 size_t n, long jobs, double timeout_s, struct buf *log)
{
	char *list_path = xasprintf("%s/batch.list", work);
	char *shell_path = xasprintf("%s/batch-shell.sh", work);
	char *shell_arg = xasprintf("SHELL=%s", shell_path);
	char *env_driver = xasprintf("KMATRIX_KCONFIG_DRIVER=%s", driver);
	char *env_batch = xasprintf("KMATRIX_KCONFIG_BATCH=%s", list_path);
	char *env_jobs = xasprintf("KMATRIX_KCONFIG_JOBS=%ld", jobs > 0 ? jobs : 1);
	const char *env[] = { env_driver, env_batch, env_jobs, NULL };
	const char *targets[] = { "olddefconfig", shell_arg, NULL };
	struct buf list = BUF_INIT(64 * 1024 * 1024);
	char **argv = NULL;
	struct proc_result r;
	int rc;

	for (size_t i = 0; i < n; i++) {
		unlink(outs[i]);
		buf_printf(&list, "%s\t%s\n", ins[i], outs[i]);
	}
	rc = fs_write_file(list_path, buf_cstr(&list), list.len);
	if (!rc)
		rc = fs_write_file(shell_path, wrapper_script, strlen(wrapper_script));
	if (!rc && chmod(shell_path, 0755) != 0)
		rc = err_set(KM_EIO, "chmod %s failed", shell_path);
	if (rc)
		goto done;
	argv = kmake_argv(k, targets);
	{
		struct proc_opts o = { .argv = (const char *const *)argv, .env = env, .timeout_s = timeout_s,
				       .on_output = log_output, .ctx = log };

		rc = proc_run(&o, &r);
	}
	if (!rc && (r.exit_code != 0 || r.timed_out))
		rc = err_set(KM_EINVAL, "the batch make call failed (status %d%s)", r.exit_code,
			     r.timed_out ? ", timed out" : "");
	for (size_t i = 0; !rc && i < n; i++) {
		struct stat st;

		/* make ran, but not the driver: this tree does not run conf the way the wrapper expects. */
		if (stat(outs[i], &st) != 0)
			rc = err_set(KM_EINVAL, "the batch driver did not write %s", outs[i]);
	}
done:
	kmake_argv_free(argv);
	buf_free(&list);
	free(list_path);
	free(shell_path);
	free(shell_arg);
	free(env_driver);
	free(env_batch);
	free(env_jobs);
	return rc;
}
