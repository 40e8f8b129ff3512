/* Builds metadata.json for a build job in TuxMake's layout, from the build's inputs and the tools' own output. */
#include "metadata.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "kmake.h"
#include "matrix.h"
#include "proc.h"
#include "xalloc.h"

#define MB (1024.0 * 1024.0)

/* The first line of a command's output, or NULL. */
static char *first_line_of(const char *const *argv, const char *cwd)
{
	char *out = NULL;

	if (proc_capture(argv, cwd, 30, 64 * 1024, &out) != 0) {
		err_clear();
		free(out);
		return NULL;
	}
	out[strcspn(out, "\r\n")] = '\0';
	if (!*out) {
		free(out);
		return NULL;
	}
	return out;
}

static json_t *compiler_group(void)
{
	const char *argv[] = { "gcc", "--version", NULL };
	char *full = first_line_of(argv, NULL);
	const char *version;
	json_t *g;

	if (!full)
		return NULL;
	/* "gcc (Debian 12.2.0-14) 12.2.0": the last word is the version. */
	version = strrchr(full, ' ') ? strrchr(full, ' ') + 1 : full;
	g = json_pack("{s:s,s:s,s:s}", "name", "gcc", "version", version, "version_full", full);
	free(full);
	return g;
}

static json_t *hardware_group(const char *dir)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN), pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	struct statvfs vfs;
	json_t *g = json_pack("{s:I,s:I}", "cores", (json_int_t)cores, "ram",
			      (json_int_t)((double)pages * (double)page / MB));

	if (dir && statvfs(dir, &vfs) == 0)
		json_object_set_new(g, "free_disk_space",
				    json_integer((json_int_t)((double)vfs.f_bavail * (double)vfs.f_frsize / MB)));
	return g;
}

static json_t *git_group(const struct metadata_start *s)
{
	const char *argv[] = { "git", "describe", "--tags", "--always", NULL };
	char *describe = s->make && s->make->src ? first_line_of(argv, s->make->src) : NULL;
	json_t *g = json_object();

	if (describe)
		json_object_set_new(g, "git_describe", json_string(describe));
	if (s->ref)
		json_object_set_new(g, "git_branch",
				    json_string(strncmp(s->ref, "refs/heads/", 11) == 0 ? s->ref + 11 : s->ref));
	if (s->commit)
		json_object_set_new(g, "git_commit", json_string(s->commit));
	if (s->tree_url)
		json_object_set_new(g, "git_url", json_string(s->tree_url));
	free(describe);
	return g;
}

json_t *metadata_start(const struct metadata_start *s)
{
	const struct matrix *m = s->matrix;
	json_t *targets = json_array(), *kconfig_add = json_array(), *env = json_object(), *cmdline = json_array();
	json_t *md, *compiler;
	char **argv;

	for (size_t i = 0; i < m->ntargets; i++)
		json_array_append_new(targets, json_string(m->targets[i]));
	for (size_t i = 0; i < m->nfragments; i++)
		json_array_append_new(kconfig_add, json_string(m->fragments[i]));
	for (size_t i = 0; s->env && s->env[i]; i++) {
		const char *eq = strchr(s->env[i], '=');

		if (eq) {
			char *key = xstrndup(s->env[i], (size_t)(eq - s->env[i]));

			json_object_set_new(env, key, json_string(eq + 1));
			free(key);
		}
	}
	{
		/* m->targets has a count, kmake_argv() wants a NULL-terminated list. */
		const char **t = xcalloc(m->ntargets + 1, sizeof(*t));

		for (size_t i = 0; i < m->ntargets; i++)
			t[i] = m->targets[i];
		argv = kmake_argv(s->make, t);
		free(t);
	}
	for (size_t i = 0; argv && argv[i]; i++)
		json_array_append_new(cmdline, json_string(argv[i]));
	kmake_argv_free(argv);

	md = json_object();
	json_object_set_new(md, "build",
			    json_pack("{s:o,s:s,s:s,s:s,s:o,s:s,s:o,s:I,s:o,s:b,s:s,s:I,s:I}", "targets", targets,
				      "target_arch", m->arch, "toolchain", "gcc", "wrapper", "ccache", "environment",
				      env, "kconfig", m->base, "kconfig_add", kconfig_add, "jobs",
				      (json_int_t)s->make->jobs, "reproducer_cmdline", cmdline, "verbose", 0,
				      "status", "running", "job_id", (json_int_t)s->job_id, "run_id",
				      (json_int_t)s->run_id));
	compiler = compiler_group();
	if (compiler)
		json_object_set_new(md, "compiler", compiler);
	json_object_set_new(md, "git", git_group(s));
	json_object_set_new(md, "hardware", hardware_group(s->make->out));
	return md;
}

/* .text, .data and .bss of an ELF file from binutils' `size -A -d`. */
static json_t *vmlinux_group(const char *out)
{
	char *path = xasprintf("%s/vmlinux", out);
	const char *argv[] = { "size", "-A", "-d", path, NULL };
	char *text = NULL;
	struct stat st;
	json_t *g = NULL;

	if (stat(path, &st) != 0 || proc_capture(argv, NULL, 60, 1024 * 1024, &text) != 0) {
		err_clear();
		goto done;
	}
	g = json_pack("{s:I}", "file_size", (json_int_t)st.st_size);
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		static const char *const names[][2] = { { ".text", "text_size" },
							{ ".data", "data_size" },
							{ ".bss", "bss_size" } };
		char section[64];
		long long size;

		if (sscanf(line, "%63s %lld", section, &size) != 2)
			continue;
		for (size_t i = 0; i < 3; i++) {
			if (strcmp(section, names[i][0]) == 0)
				json_object_set_new(g, names[i][1], json_integer((json_int_t)size));
		}
	}
done:
	free(text);
	free(path);
	return g;
}

/* A small file of the build directory, or NULL when it is absent or unreadable (the caller frees). */
static char *read_in(const char *out, const char *rel, size_t max)
{
	char *path = xasprintf("%s/%s", out, rel), *data = NULL;
	size_t len = 0;

	if (fs_read_file(path, max, &data, &len) != 0) {
		err_clear();
		data = NULL;
	}
	free(path);
	return data;
}

/* Every module of modules.order (paths relative to O=, ".o" or ".ko") with its size. */
static json_t *modules_group(const char *out)
{
	char *data = read_in(out, "modules.order", 4u << 20);
	json_t *sizes;
	long long total = 0;

	if (!data)
		return NULL;
	sizes = json_object();
	for (char *save = NULL, *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);
		char *ko = n > 2 && strcmp(line + n - 2, ".o") == 0 ? xasprintf("%.*s.ko", (int)(n - 2), line)
								   : xstrdup(line);
		char *path = xasprintf("%s/%s", out, ko);
		struct stat st;

		if (stat(path, &st) == 0) {
			json_object_set_new(sizes, ko, json_integer((json_int_t)st.st_size));
			total += st.st_size;
		}
		free(path);
		free(ko);
	}
	free(data);
	return json_pack("{s:I,s:I,s:o}", "count", (json_int_t)json_object_size(sizes), "total_size",
			 (json_int_t)total, "sizes", sizes);
}

/* `make kernelrelease` without running make: Kbuild keeps it in include/config/kernel.release. */
static json_t *source_group(const char *out)
{
	char *data = read_in(out, "include/config/kernel.release", 4096);
	json_t *g = NULL;

	if (data) {
		data[strcspn(data, "\r\n")] = '\0';
		if (*data)
			g = json_pack("{s:s}", "kernelrelease", data);
	}
	free(data);
	return g;
}

void metadata_finish(json_t *md, const struct metadata_result *r)
{
	json_t *build = json_object_get(md, "build"), *targets = json_object(), *g;
	const char *status = r->status ? r->status : "ERROR";

	/* One make builds every target together: each carries that make's status and time. */
	for (size_t i = 0; i < json_array_size(json_object_get(build, "targets")); i++)
		json_object_set_new(targets, json_string_value(json_array_get(json_object_get(build, "targets"), i)),
				    json_pack("{s:s,s:f}", "status", status, "duration", r->wall_s));
	json_object_set_new(md, "results",
			    json_pack("{s:s,s:o,s:I,s:I,s:{s:f,s:f}}", "status", status, "targets", targets, "errors",
				      (json_int_t)r->errors, "warnings", (json_int_t)r->warnings, "duration", "build",
				      r->wall_s, "cpu", r->cpu_s));
	json_object_set_new(md, "ccache", json_pack("{s:I,s:I}", "cache_hits", (json_int_t)r->ccache_hits,
						    "cache_misses", (json_int_t)r->ccache_misses));
	if (r->out && (g = source_group(r->out)))
		json_object_set_new(md, "source", g);
	if (r->out && (g = vmlinux_group(r->out)))
		json_object_set_new(md, "vmlinux", g);
	if (r->out && (g = modules_group(r->out)))
		json_object_set_new(md, "modules", g);
	if (build)
		json_object_set_new(build, "status", json_string("finished"));
}

int metadata_write(const json_t *md, const char *path)
{
	char *text = json_dumps(md, JSON_INDENT(2) | JSON_SORT_KEYS);
	char *tmp = xasprintf("%s.tmp", path);
	int fd, rc = fs_write_file(tmp, text, strlen(text));

	/* On disk before the rename: a crash of the machine, not only of the worker, leaves a whole file. */
	if (!rc) {
		fd = open(tmp, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) != 0)
			rc = err_set(KM_EIO, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	if (!rc && rename(tmp, path) != 0)
		rc = err_set(KM_EIO, "%s: %s", path, strerror(errno));
	if (rc)
		unlink(tmp);
	free(text);
	free(tmp);
	return rc;
}
