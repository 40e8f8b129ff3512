/* Assembles the guest initramfs as a cpio archive, without root and without the kernel's build dir. */
#include "initramfs.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio.h"
#include "err.h"
#include "proc.h"
#include "xalloc.h"

#define LIST_MAX (256 * 1024) /* output of busybox --list-full or ldd */
#define WALK_MAX_DEPTH 16
#define WALK_MAX_ENTRIES 100000

static const char init_script[] =
	"#!/bin/sh\n"
	"# kmatrix guest init: runs the matrix's check, prints the end marker, powers off.\n"
	"PATH=/sbin:/bin:/usr/sbin:/usr/bin\n"
	"export PATH\n"
	"mount -t proc proc /proc\n"
	"mount -t sysfs sysfs /sys\n"
	"mount -t devtmpfs devtmpfs /dev 2>/dev/null\n"
	"load=\n"
	"modprobe=busybox\n"
	"parallel=0\n"
	"for arg in $(cat /proc/cmdline); do\n"
	"\tcase \"$arg\" in\n"
	"\tkmatrix.load=*) load=${arg#kmatrix.load=} ;;\n"
	"\tkmatrix.modprobe=*) modprobe=${arg#kmatrix.modprobe=} ;;\n"
	"\tkmatrix.parallel=*) parallel=${arg#kmatrix.parallel=} ;;\n"
	"\tesac\n"
	"done\n"
	"KMATRIX_LOAD=$load\n"
	"KMATRIX_MODPROBE=$modprobe\n"
	"KMATRIX_PARALLEL=$parallel\n"
	"export KMATRIX_LOAD KMATRIX_MODPROBE KMATRIX_PARALLEL\n"
	"rc=0\n"
	"if [ -e /check ]; then\n"
	"\t/check </dev/null\n"
	"\trc=$?\n"
	"fi\n"
	"# On a line of its own even if the kernel was printing.\n"
	"printf '\\nKMATRIX-END rc=%d\\n' \"$rc\"\n"
	"poweroff -f\n"
	"sleep 5\n"
	"echo 'KMATRIX-INFO error=poweroff-failed'\n"
	"exec sleep 100000\n";

const char *initramfs_init_script(void)
{
	return init_script;
}

/*
 * A dynamically linked busybox would make the guest's /init fail to start,
 * which looks like a kernel panic: refuse it here, as the farm's problem.
 */
static int check_static_elf(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return err_set(errno == ENOENT ? KM_ENOTFOUND : KM_EIO, "%s: %s (install busybox-static)",
			       path, strerror(errno));
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 256) {
		rc = err_set(KM_EINVAL, "%s: not a 64-bit ELF executable", path);
		goto done;
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) != (ssize_t)sizeof(ph)) {
			rc = err_set(KM_EINVAL, "%s: truncated ELF program headers", path);
			break;
		}
		if (ph.p_type == PT_INTERP) {
			rc = err_set(KM_EINVAL,
				     "%s is dynamically linked: the guest needs a static busybox "
				     "(Debian package busybox-static)",
				     path);
			break;
		}
	}
done:
	close(fd);
	return rc;
}

/* bin/busybox and a symlink for each applet path busybox reports. */
static int add_busybox(struct cpio_writer *w, const char *busybox)
{
	const char *argv[] = { busybox, "--list-full", NULL };
	char *list = NULL;
	char *line, *save = NULL;
	int rc;

	rc = check_static_elf(busybox);
	if (!rc)
		rc = cpio_add_file(w, "bin/busybox", 0755, busybox);
	if (rc)
		return rc;
	rc = proc_capture(argv, NULL, 30, LIST_MAX, &list);
	if (rc)
		return err_set(rc, "%s --list-full: %s", busybox, err_msg());
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!*line || strcmp(line, "bin/busybox") == 0)
			continue;
		rc = cpio_add_symlink(w, line, "/bin/busybox");
		if (rc == KM_EEXISTS)
			rc = 0;
		if (rc)
			break;
	}
	free(list);
	return rc;
}

/* Copies the tree at src/rel into the archive at rel (dirs, regular files, symlinks). */
static int walk_tree(struct cpio_writer *w, const char *src, const char *rel, int depth, size_t *entries)
{
	char *dir_path = NULL;
	DIR *d = NULL;
	struct dirent *e;
	int rc = 0;

	if (depth > WALK_MAX_DEPTH)
		return err_set(KM_ETOOBIG, "%s/%s: directory tree too deep", src, rel);
	dir_path = xasprintf("%s/%s", src, rel);
	d = opendir(dir_path);
	if (!d) {
		rc = err_set(errno == ENOENT ? KM_ENOTFOUND : KM_EIO, "%s: %s", dir_path, strerror(errno));
		goto done;
	}
	rc = cpio_add_dir(w, rel, 0755);
	while (!rc && (e = readdir(d)) != NULL) {
		char *path, *name;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (++*entries > WALK_MAX_ENTRIES) {
			rc = err_set(KM_ETOOBIG, "%s: more than %d entries", src, WALK_MAX_ENTRIES);
			break;
		}
		path = xasprintf("%s/%s", dir_path, e->d_name);
		name = xasprintf("%s/%s", rel, e->d_name);
		if (lstat(path, &st) != 0) {
			rc = err_set(KM_EIO, "%s: %s", path, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk_tree(w, src, name, depth + 1, entries);
		} else if (S_ISREG(st.st_mode)) {
			rc = cpio_add_file(w, name, 0, path);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(path, target, sizeof(target) - 1);

			if (n < 0) {
				rc = err_set(KM_EIO, "%s: %s", path, strerror(errno));
			} else {
				target[n] = '\0';
				rc = cpio_add_symlink(w, name, target);
			}
		}
		free(path);
		free(name);
	}
done:
	if (d)
		closedir(d);
	free(dir_path);
	return rc;
}

static int add_modules(struct cpio_writer *w, const char *root)
{
	char *lib_modules = xasprintf("%s/lib/modules", root);
	struct stat st;
	size_t entries = 0;
	int rc;

	if (stat(lib_modules, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rc = err_set(KM_ENOTFOUND,
			     "%s: no lib/modules (run make modules_install INSTALL_MOD_PATH=%s)", root, root);
	} else {
		rc = walk_tree(w, root, "lib/modules", 0, &entries);
	}
	free(lib_modules);
	return rc;
}

/* kmod as /usr/bin/kmod, modprobe pointing at it, and every library ldd names. */
static int add_kmod(struct cpio_writer *w, const char *kmod)
{
	const char *argv[] = { "ldd", kmod, NULL };
	char *list = NULL;
	char *line, *save = NULL;
	int rc;

	rc = cpio_add_file(w, "usr/bin/kmod", 0755, kmod);
	if (!rc)
		rc = cpio_add_symlink(w, "usr/sbin/modprobe", "/usr/bin/kmod");
	if (rc)
		return rc;
	rc = proc_capture(argv, NULL, 30, LIST_MAX, &list);
	if (rc)
		return err_set(rc, "ldd %s: %s", kmod, err_msg());
	/*
	 * Lines: "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)"
	 *    or: "/lib64/ld-linux-x86-64.so.2 (0x...)".
	 */
	for (line = strtok_r(list, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
		char *path = strstr(line, "=> ");
		char *end;

		path = path ? path + 3 : line;
		while (*path == ' ' || *path == '\t')
			path++;
		if (*path != '/')
			continue; /* linux-vdso.so.1 and "not a dynamic executable" */
		end = strchr(path, ' ');
		if (end)
			*end = '\0';
		rc = cpio_add_file(w, path, 0755, path);
		if (rc == KM_EEXISTS)
			rc = 0;
	}
	free(list);
	return rc;
}

int initramfs_build(const struct initramfs_spec *spec, const char *out_path)
{
	static const char *const dirs[] = { "bin", "sbin", "usr/bin", "usr/sbin", "dev", "proc",
					    "sys", "tmp",  "root",    "etc",	  "lib", NULL };
	const char *busybox = spec->busybox ? spec->busybox : "/bin/busybox";
	struct cpio_writer *w = NULL;
	int rc;

	rc = cpio_open(out_path, &w);
	if (rc)
		return rc;
	for (size_t i = 0; dirs[i] && !rc; i++)
		rc = cpio_add_dir(w, dirs[i], strcmp(dirs[i], "tmp") == 0 ? 01777 : 0755);
	if (!rc)
		rc = cpio_add_chardev(w, "dev/console", 0600, 5, 1);
	if (!rc)
		rc = cpio_add_chardev(w, "dev/null", 0666, 1, 3);
	if (!rc)
		rc = add_busybox(w, busybox);
	if (!rc)
		rc = cpio_add_data(w, "init", 0755, init_script, strlen(init_script));
	if (!rc && spec->check_script)
		rc = cpio_add_data(w, "check", 0755, spec->check_script, strlen(spec->check_script));
	if (!rc && spec->modules_root)
		rc = add_modules(w, spec->modules_root);
	if (!rc && spec->with_kmod)
		rc = add_kmod(w, spec->kmod ? spec->kmod : "/usr/bin/kmod");
	if (rc) {
		char msg[512];

		/* cpio_abort() does not touch the message, but keep it safe from later calls. */
		snprintf(msg, sizeof(msg), "%s", err_msg());
		cpio_abort(w);
		return err_set(rc, "initramfs %s: %s", out_path, msg);
	}
	rc = cpio_close(w);
	if (rc) {
		unlink(out_path);
		return err_set(rc, "initramfs %s: %s", out_path, err_msg());
	}
	return 0;
}
