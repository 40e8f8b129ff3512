/* The guest's initramfs: busybox, the farm's /init, the matrix's /check and the built modules. */
#ifndef KM_INITRAMFS_H
#define KM_INITRAMFS_H

#include <stdbool.h>

struct initramfs_spec {
	const char *busybox; /* a statically linked busybox; NULL: /bin/busybox (Debian busybox-static) */
	const char *modules_root; /* INSTALL_MOD_PATH of the build (holds lib/modules/<ver>/), or NULL */
	const char *check_script; /* text of the matrix's check script, becomes /check; NULL: none */
	bool with_kmod;		  /* add kmod as /usr/sbin/modprobe with the shared libraries it needs */
	const char *kmod;	  /* NULL: /usr/bin/kmod */
};

/*
 * Writes an uncompressed cpio newc archive to out_path (the kernel unpacks it
 * when BLK_DEV_INITRD is set; no root and no kernel build dir needed):
 *   bin/busybox and one symlink per applet (from `busybox --list-full`),
 *   dev/console (c 5 1), dev/null (c 1 3), proc/ sys/ tmp/ root/ etc/,
 *   /init (initramfs_init_script()), /check (when given),
 *   lib/modules/... copied from modules_root,
 *   with_kmod: usr/bin/kmod, usr/sbin/modprobe -> /usr/bin/kmod and the
 *   libraries `ldd` lists, at their own paths.
 * Returns 0, or KM_ENOTFOUND (busybox, kmod or modules_root missing), KM_EIO,
 * KM_EINVAL with err_msg() set; out_path is removed on failure.
 */
int initramfs_build(const struct initramfs_spec *spec, const char *out_path);

/*
 * The generic /init: mounts proc, sysfs and devtmpfs; reads kmatrix.load=a,b,c
 * and kmatrix.modprobe=busybox|kmod from /proc/cmdline; runs /check (if any)
 * with KMATRIX_LOAD and KMATRIX_MODPROBE in its environment; prints
 * "KMATRIX-END rc=<exit status of /check>" and powers off. Static string.
 */
const char *initramfs_init_script(void);

#endif
