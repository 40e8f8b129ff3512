/* The boot job: fetch (or reuse) a built kernel and its modules, boot one variant, report ownership. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot.h"
#include "boot_repro.h"
#include "boot_stage.h"
#include "client.h"
#include "console.h"
#include "err.h"
#include "fsutil.h"
#include "log.h"
#include "matrix.h"
#include "proc.h"
#include "worker.h"
#include "xalloc.h"

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * The build's kernel image and modules: staged on this worker by the build
 * (held for the boot, *vmlinux set too), else downloaded from the server
 * (*vmlinux NULL: the server keeps no vmlinux).
 */
static int boot_inputs(struct job *j, long build_job, int *hold, char **kernel, char **modroot, char **vmlinux)
{
	char *stage = boot_stage_dir(j->opts, build_job);
	char *tarball = NULL;
	int rc = 0;

	*hold = boot_stage_hold(stage);
	*kernel = xasprintf("%s/kernel.img", stage);
	*modroot = xasprintf("%s/modroot", stage);
	*vmlinux = xasprintf("%s/vmlinux", stage);
	if (*hold >= 0 && file_exists(*kernel) && file_exists(*modroot)) {
		if (!file_exists(*vmlinux)) {
			free(*vmlinux);
			*vmlinux = NULL;
		}
		goto done;
	}
	boot_stage_release(*hold);
	*hold = -1;
	free(stage);
	free(*vmlinux);
	*vmlinux = NULL;
	stage = xasprintf("%s/inputs", j->dir);
	free(*kernel);
	free(*modroot);
	*kernel = xasprintf("%s/kernel.img", stage);
	*modroot = xasprintf("%s/modroot", stage);
	tarball = xasprintf("%s/modules.tar", stage);
	rc = fs_mkdirs(*modroot);
	if (!rc)
		rc = client_download(j->client, build_job, "kernel.img", *kernel);
	/* An exec-style image (fixture trees) is run directly: keep it executable. */
	if (!rc && chmod(*kernel, 0755) != 0)
		rc = err_set(KM_EIO, "chmod %s failed", *kernel);
	if (!rc)
		rc = client_download(j->client, build_job, "modules.tar", tarball);
	if (!rc) {
		const char *tar[] = { "tar", "-C", *modroot, "-xf", tarball, NULL };

		rc = proc_run_simple(tar, NULL, 300);
	}
	if (rc)
		rc = err_set(KM_EIO, "cannot get the kernel of build job %ld: %s", build_job, err_msg());
done:
	free(stage);
	free(tarball);
	return rc;
}

int boot_job_run(struct job *j, json_t *result)
{
	const json_t *spec = j->spec;
	const json_t *bundle = json_object_get(spec, "matrix");
	const char *variant_name = json_string_value(json_object_get(spec, "variant"));
	long build_job = (long)json_integer_value(json_object_get(spec, "build_job"));
	const struct matrix_variant *variant = NULL;
	struct matrix *m = NULL;
	struct boot_input in;
	struct boot_outcome out;
	char *kernel = NULL, *modroot = NULL, *vmlinux = NULL, *workdir = NULL, *console_path = NULL, *repro = NULL, *path = NULL;
	json_t *owners = json_array();
	int hold = -1, rc;

	memset(&out, 0, sizeof(out));
	rc = matrix_bundle_parse(bundle, &m);
	if (rc)
		goto done;
	if (!m->boot) {
		rc = err_set(KM_EINVAL, "boot job for a matrix without a [boot] section");
		goto done;
	}
	for (size_t i = 0; i < m->boot->nvariants; i++) {
		if (variant_name && strcmp(m->boot->variants[i].name, variant_name) == 0)
			variant = &m->boot->variants[i];
	}
	if (!variant) {
		rc = err_set(KM_EINVAL, "boot variant '%s' is not in the matrix", variant_name ? variant_name : "");
		goto done;
	}
	rc = boot_inputs(j, build_job, &hold, &kernel, &modroot, &vmlinux);
	if (rc)
		goto done;
	workdir = xasprintf("%s/boot", j->dir);
	console_path = xasprintf("%s/console.log", j->dir);
	rc = fs_mkdirs(workdir);
	if (rc)
		goto done;
	memset(&in, 0, sizeof(in));
	in.arch = m->arch;
	in.kernel_image = kernel;
	in.modules_root = modroot;
	in.check_script = m->boot->check ? matrix_bundle_file(bundle, m->boot->check) : NULL;
	in.work_dir = workdir;
	in.console_path = console_path;
	{
		struct boot_repro br = { m->boot, variant, m->arch, j->opts->server_url,
					 (long)json_integer_value(json_object_get(spec, "run_id")), build_job, j->id };

		repro = boot_repro_script(&br);
		path = xasprintf("%s/boot-reproducer.sh", j->dir);
		if (fs_write_file(path, repro, strlen(repro)) == 0) {
			chmod(path, 0755);
			job_upload(j, "boot-reproducer.sh", path);
		}
		free(path);
	}
	rc = boot_run(m->boot, variant, &in, &out);
	job_upload(j, "console.log", console_path);
	path = xasprintf("%s/initramfs.cpio", workdir);
	job_upload(j, "initramfs.cpio", path);
	if (rc)
		goto done;

	json_object_set_new(result, "status", json_string(out.status));
	/* A kernel that failed to boot is debugged with its vmlinux (decode_stacktrace.sh, gdb). */
	if (strcmp(out.status, "FAIL") == 0 && vmlinux)
		job_upload(j, "vmlinux", vmlinux);
	if (out.reason)
		json_object_set_new(result, "message", json_string(out.reason));
	json_object_set_new(result, "wall_s", json_real(out.wall_s));
	if (out.console) {
		json_object_set_new(result, "warnings", json_integer(out.console->warnings));
		json_object_set_new(result, "details", console_result_json(out.console));
		for (size_t i = 0; i < out.console->nranges; i++) {
			const struct console_range *r = &out.console->ranges[i];

			json_array_append_new(owners, json_pack("{s:s,s:s,s:s,s:s}", "range", r->range, "role",
								r->role ? r->role : "", "owner",
								r->owner ? r->owner : "none", "evidence",
								r->evidence ? r->evidence : ""));
		}
	}
	json_object_set(result, "ownership", owners);
	/* An ERROR after boot_run's own retry is the farm's: let the server try another worker. */
	if (strcmp(out.status, "ERROR") == 0)
		json_object_set_new(result, "retryable", json_true());
done:
	boot_stage_release(hold);
	boot_outcome_release(&out);
	json_decref(owners);
	matrix_free(m);
	free(kernel);
	free(modroot);
	free(vmlinux);
	free(workdir);
	free(console_path);
	free(repro);
	free(path);
	return rc;
}
