/* Booting a built kernel in QEMU (or running a fixture's image) and judging the console. */
#ifndef KM_BOOT_H
#define KM_BOOT_H

#include "console.h"
#include "matrix.h"

#define BOOT_CONSOLE_MAX (16u * 1024 * 1024) /* console log kept on disk: first and last 8 MiB */

struct boot_input {
	const char *arch;	  /* "x86_64" -> qemu-system-x86_64 (arm64 -> aarch64, ...) */
	const char *kernel_image; /* absolute path of the built image (bzImage or, for exec, vmlinux) */
	const char *modules_root; /* INSTALL_MOD_PATH root holding lib/modules/<ver>/, or NULL */
	const char *check_script; /* content of the matrix's check script, or NULL */
	const char *work_dir;	  /* an empty directory for this boot: initramfs, scratch files, {dir} */
	const char *console_path; /* where the console log is stored (size-capped at BOOT_CONSOLE_MAX) */
	const char *qemu_binary;  /* NULL: qemu-system-<arch> from PATH (tests may point elsewhere) */
};

struct boot_outcome {
	char status[8];			/* "PASS" | "FAIL" | "ERROR" (KCIDB) */
	char *reason;			/* one line, owned */
	double wall_s;			/* all attempts, including the initramfs */
	int attempts;			/* 1, or 2 after a retryable ERROR */
	struct console_result *console; /* of the last attempt, owned (NULL if nothing ran) */
	bool timed_out;			/* the last attempt was killed at the deadline */
	int exit_code; /* of QEMU / the exec'd program in the last attempt; 128+signal if killed */
};

/*
 * Boots once, and once more when the first verdict is a retryable ERROR,
 * following the matrix's boot section and one of its variants (NULL: the
 * first variant). Per attempt: builds work_dir/initramfs.cpio (kept there
 * afterwards, for the boot job to keep as an artifact; qemu boots
 * only; exec boots get none) with busybox, the generic /init, the check
 * script, the modules and, for modprobe=kmod, kmod; creates the scratch
 * files fresh and sparse in work_dir; expands {kernel} {initrd} {append} {dir}
 * per argument (so {append} stays one argument); appends
 * "kmatrix.load=a,b,c kmatrix.modprobe=X" to the command line; runs QEMU or
 * the exec command through proc_run() in its own process group with the
 * boot's timeout (the whole group is killed); streams the output to the
 * console parser and to console_path (head and tail kept when over
 * BOOT_CONSOLE_MAX); and decides the verdict with console_verdict().
 *
 * Returns 0 when a verdict was reached (even FAIL or ERROR: see *out, which
 * the caller releases with boot_outcome_release()). A failure to assemble the
 * initramfs or create the scratch files is the farm's: an ERROR verdict, not a
 * negative return. Negative (KM_EINVAL, KM_EIO) only for bad arguments or when
 * work_dir / console_path cannot be written before anything starts.
 */
int boot_run(const struct matrix_boot *boot, const struct matrix_variant *variant,
	     const struct boot_input *in, struct boot_outcome *out);

/*
 * The command boot_run() runs: qemu-system-<arch> (or qemu_binary) and the
 * words of the qemu template, or the words of the exec template, each with
 * {kernel} {initrd} {append} {dir} expanded, {append} being the boot's append
 * plus "kmatrix.load=a,b,c kmatrix.modprobe=X" of the variant. *argc gets the
 * number of words (0 or MAX_ARGS and more: the template is unusable).
 * NULL-terminated; free with boot_command_free().
 */
char **boot_command(const struct matrix_boot *boot, const struct matrix_variant *variant, const char *arch,
		    const char *qemu_binary, const char *kernel, const char *initrd, const char *dir, size_t *argc);
void boot_command_free(char **argv);

/* Frees what *out owns and zeroes it; accepts an already released or zeroed outcome. */
void boot_outcome_release(struct boot_outcome *out);

/*
 * Expands {kernel} {initrd} {append} {dir} in one argument template; unknown
 * "{...}" are kept verbatim. A new string the caller frees. Exposed for tests.
 */
char *boot_expand(const char *tmpl, const char *kernel, const char *initrd, const char *append,
		  const char *dir);

#endif
