/* The boot job: fetch (or reuse) a built kernel and its modules, boot one variant, report ownership. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot.h"
#include "boot_repro.h"
#include "boot_stage.h"
#include "buf.h"
#include "client.h"
#include "console.h"
#include "err.h"
#include "expect.h"
#include "fsutil.h"
#include "jobtypes.h"
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

/* Worst first: one FAIL or ERROR among the repeats decides the job's status. */
static int status_rank(const char *s)
{
	return job_status_is(s, STATUS_ERROR) ? 2 : job_status_is(s, STATUS_FAIL) ? 1 : 0;
}

/* What one boot showed, to tell repeats apart: its status and every range's owner. */
static char *outcome_key(const struct boot_outcome *o)
{
	struct buf b = BUF_INIT(4096);

	buf_puts(&b, o->status);
	for (size_t i = 0; o->console && i < o->console->nranges; i++)
		buf_printf(&b, " %s=%s", o->console->ranges[i].range,
			   o->console->ranges[i].owner ? o->console->ranges[i].owner : "none");
	return buf_steal(&b);
}

/* Per range of the first boot: the owners every repeat gave it. */
struct range_tally {
	const struct console_range *first;
	struct expect_tally t;
};

static void tally_boot(struct range_tally *rt, size_t n, const struct boot_outcome *o)
{
	for (size_t i = 0; i < n; i++) {
		const char *owner = "none";

		for (size_t k = 0; o->console && k < o->console->nranges; k++) {
			if (strcmp(o->console->ranges[k].range, rt[i].first->range) == 0 && o->console->ranges[k].owner)
				owner = o->console->ranges[k].owner;
		}
		expect_tally_add(&rt[i].t, owner);
	}
}

/*
 * Boots the variant repeat times, fresh scratch files each time (boot_run
 * makes them). The first boot is the job's outcome (*first); later ones only
 * add their owners to the tallies and their status when worse; the console
 * of the first boot with each distinct outcome is kept as
 * console.log / console-N.log. repeats gets one object per boot.
 */
static int boot_repeats(struct job *j, const struct matrix *m, const struct matrix_variant *variant,
			const struct boot_input *in0, struct boot_outcome *first, struct range_tally **tallies,
			size_t *ntallies, json_t *repeats)
{
	char **keys = xcalloc(variant->repeat + 1, sizeof(char *));
	size_t nkeys = 0;
	int rc = 0;

	*tallies = NULL;
	*ntallies = 0;
	for (unsigned r = 0; r < variant->repeat && !job_should_stop(j); r++) {
		struct boot_outcome o;
		struct boot_input in = *in0;
		char *console = r ? xasprintf("%s/console-%u.log", j->dir, r + 1) : xstrdup(in0->console_path);
		char *key;
		bool seen = false;

		memset(&o, 0, sizeof(o));
		in.console_path = console;
		rc = boot_run(m->boot, variant, &in, r ? &o : first);
		if (rc) {
			free(console);
			break;
		}
		key = outcome_key(r ? &o : first);
		for (size_t k = 0; k < nkeys; k++)
			seen = seen || strcmp(keys[k], key) == 0;
		if (!seen) {
			char *name = r ? xasprintf("console-%u.log", r + 1) : xstrdup("console.log");

			job_upload(j, name, console);
			free(name);
			keys[nkeys++] = key;
		} else {
			free(key);
		}
		if (r == 0 && first->console && variant->repeat > 1) {
			*ntallies = first->console->nranges;
			*tallies = xcalloc(*ntallies + 1, sizeof(**tallies));
			for (size_t i = 0; i < *ntallies; i++)
				(*tallies)[i].first = &first->console->ranges[i];
		}
		tally_boot(*tallies, *ntallies, r ? &o : first);
		{
			json_t *one = json_pack("{s:i,s:s}", "boot", (int)r + 1, "status", (r ? &o : first)->status);

			if (!seen)
				json_object_set_new(one, "console", json_string(strrchr(console, '/') + 1));
			json_array_append_new(repeats, one);
		}
		if (r && status_rank(o.status) > status_rank(first->status)) {
			snprintf(first->status, sizeof(first->status), "%s", o.status);
			free(first->reason);
			first->reason = xasprintf("boot %u of %u: %s", r + 1, variant->repeat, o.reason ? o.reason : o.status);
		}
		if (r)
			first->wall_s += o.wall_s;
		boot_outcome_release(&o);
		free(console);
	}
	for (size_t k = 0; k < nkeys; k++)
		free(keys[k]);
	free(keys);
	return rc;
}

/* The boot variant called name in the run's matrix *m (parsed from the job's bundle), which must have a [boot] section. */
static int boot_variant(const struct job *j, const char *name, struct matrix **m, const struct matrix_variant **variant)
{
	int rc = matrix_bundle_parse(j->spec.matrix, m);

	*variant = NULL;
	if (rc)
		return rc;
	if (!(*m)->boot)
		return err_set(KM_EINVAL, "boot job for a matrix without a [boot] section");
	for (size_t i = 0; i < (*m)->boot->nvariants; i++) {
		if (name && strcmp((*m)->boot->variants[i].name, name) == 0)
			*variant = &(*m)->boot->variants[i];
	}
	return *variant ? 0 : err_set(KM_EINVAL, "boot variant '%s' is not in the matrix", name ? name : "");
}

/* Uploads the script that boots this kernel the same way on a developer's machine. */
static void upload_reproducer(struct job *j, const struct matrix *m, const struct matrix_variant *variant,
			      long build_job)
{
	struct boot_repro br = { m->boot, variant, m->arch, j->opts->server_url, j->spec.run_id, build_job, j->id };
	char *repro = boot_repro_script(&br);
	char *path = xasprintf("%s/boot-reproducer.sh", j->dir);

	if (fs_write_file(path, repro, strlen(repro)) == 0) {
		chmod(path, 0755);
		job_upload(j, "boot-reproducer.sh", path);
	}
	free(path);
	free(repro);
}

/* [{range, role, owner, evidence}] of each range the console named; repeats that disagree make the owner "race". */
static json_t *ownership(const struct console_result *console, const struct range_tally *tallies, size_t ntallies)
{
	json_t *owners = json_array();

	for (size_t i = 0; console && i < console->nranges; i++) {
		const struct console_range *r = &console->ranges[i];
		const char *owner = r->owner ? r->owner : "none";
		char counts[256] = "";

		/* Repeats that disagree: the owner is the race, the evidence its counts. */
		if (i < ntallies && tallies[i].t.n > 1) {
			expect_tally_text(&tallies[i].t, counts, sizeof(counts));
			owner = "race";
		}
		json_array_append_new(owners, json_pack("{s:s,s:s,s:s,s:s}", "range", r->range, "role",
							r->role ? r->role : "", "owner", owner, "evidence",
							counts[0] ? counts : r->evidence ? r->evidence : ""));
	}
	return owners;
}

int boot_job_boot(struct job *j, long build_job, const char *variant_name, struct job_result *result)
{
	const struct matrix_variant *variant = NULL;
	struct matrix *m = NULL;
	struct boot_input in;
	struct boot_outcome out;
	char *kernel = NULL, *modroot = NULL, *vmlinux = NULL, *workdir = NULL, *console_path = NULL, *path = NULL;
	json_t *repeats = json_array();
	struct range_tally *tallies = NULL;
	size_t ntallies = 0;
	int hold = -1, rc;

	memset(&out, 0, sizeof(out));
	rc = boot_variant(j, variant_name, &m, &variant);
	if (!rc)
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
	in.check_script = m->boot->check ? matrix_bundle_file(j->spec.matrix, m->boot->check) : NULL;
	in.work_dir = workdir;
	in.console_path = console_path;
	upload_reproducer(j, m, variant, build_job);
	rc = boot_repeats(j, m, variant, &in, &out, &tallies, &ntallies, repeats);
	path = xasprintf("%s/initramfs.cpio", workdir);
	job_upload(j, "initramfs.cpio", path);
	if (rc)
		goto done;

	job_status_parse(out.status, &result->status);
	/* A kernel that failed to boot is debugged with its vmlinux (decode_stacktrace.sh, gdb). */
	if (job_status_is(out.status, STATUS_FAIL) && vmlinux)
		job_upload(j, "vmlinux", vmlinux);
	if (out.reason)
		result->message = xstrdup(out.reason);
	result->wall_s = out.wall_s;
	if (out.console) {
		result->warnings = out.console->warnings;
		result->details = console_result_json(out.console);
		if (variant->repeat > 1)
			json_object_set(result->details, "repeats", repeats);
	}
	result->ownership = ownership(out.console, tallies, ntallies);
	/* An ERROR after boot_run's own retry is the farm's: let the server try another worker. */
	if (job_status_is(out.status, STATUS_ERROR))
		result->retryable = true;
done:
	boot_stage_release(hold);
	free(tallies); /* before out: its ranges are borrowed */
	boot_outcome_release(&out);
	json_decref(repeats);
	matrix_free(m);
	free(kernel);
	free(modroot);
	free(vmlinux);
	free(workdir);
	free(console_path);
	free(path);
	return rc;
}

int boot_job_run(struct job *j, struct job_result *result)
{
	return boot_job_boot(j, j->spec.build_job, j->spec.variant, result);
}
