/* boot-reproducer.sh: a boot job's exact QEMU (or exec) command, runnable on a developer's machine. */
#ifndef KM_BOOT_REPRO_H
#define KM_BOOT_REPRO_H

#include <stdbool.h>

#include "matrix.h"

struct boot_repro {
	const struct matrix_boot *boot;
	const struct matrix_variant *variant;
	const char *arch;
	const char *server_url; /* where the artifacts are fetched from (KMATRIX_URL overrides it) */
	long run_id, build_job, boot_job;
};

/*
 * The text of boot-reproducer.sh (the caller's). Run in an empty directory,
 * it fetches the build job's kernel.img from the farm, and for a qemu boot
 * the boot job's initramfs.cpio (busybox, /init, the check, the modules;
 * kmod for modprobe=kmod), for an exec boot the build's modules.tar unpacked
 * in modroot/ next to the image, as the worker stages them; creates the
 * scratch files fresh and sparse; and runs the same command boot_run() ran
 * (boot_command(): the matrix's template, append, kmatrix.load and
 * kmatrix.modprobe) with the paths of that directory, under the boot's
 * timeout. QEMU may be replaced with $QEMU.
 */
char *boot_repro_script(const struct boot_repro *r);

#endif
