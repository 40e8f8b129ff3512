/* Writes boot-reproducer.sh: the farm's boot command with the paths of the directory it is run in. */
#include "boot_repro.h"

#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "buf.h"
#include "xalloc.h"

/* Stand-ins for the paths boot_command() puts into words; replaced by shell variables. */
#define KERNEL_MARK "\001kmatrix-kernel\001"
#define INITRD_MARK "\001kmatrix-initrd\001"
#define DIR_MARK "\001kmatrix-dir\001"

/* One word of the command: literal parts quoted, the marks as "$D/..." expansions. */
static void word(struct buf *b, const char *w)
{
	static const struct {
		const char *mark, *shell;
	} marks[] = { { KERNEL_MARK, "\"$D/kernel.img\"" },
		      { INITRD_MARK, "\"$D/initramfs.cpio\"" },
		      { DIR_MARK, "\"$D\"" } };

	if (!*w) {
		buf_puts(b, "''");
		return;
	}
	while (*w) {
		const char *next = NULL;
		size_t which = 0;

		for (size_t i = 0; i < 3; i++) {
			const char *at = strstr(w, marks[i].mark);

			if (at && (!next || at < next)) {
				next = at;
				which = i;
			}
		}
		if (!next) {
			buf_shell_quote(b, w, strlen(w));
			return;
		}
		if (next > w)
			buf_shell_quote(b, w, (size_t)(next - w));
		buf_puts(b, marks[which].shell);
		w = next + strlen(marks[which].mark);
	}
}

char *boot_repro_script(const struct boot_repro *r)
{
	struct buf b = BUF_INIT((size_t)4 << 20);
	const struct matrix_boot *boot = r->boot;
	size_t argc = 0;
	char **argv = boot_command(boot, r->variant, r->arch, NULL, KERNEL_MARK, boot->qemu ? INITRD_MARK : "",
				   DIR_MARK, &argc);
	unsigned timeout = boot->timeout_s ? boot->timeout_s : 120;

	buf_printf(&b,
		   "#!/bin/sh\n"
		   "# Reproduces kmatrix boot job %ld (run %ld, build job %ld, variant %s): the same kernel,\n"
		   "# %s, scratch files, command line and module load order as the farm's boot.\n"
		   "# Run it in an empty directory; it needs curl, tar%s and coreutils' timeout.\n"
		   "set -eu\n"
		   "FARM=${KMATRIX_URL:-",
		   r->boot_job, r->run_id, r->build_job, r->variant ? r->variant->name : "default",
		   boot->qemu ? "initramfs (modules, check script)" : "modules", boot->qemu ? " and QEMU" : "");
	buf_shell_quote(&b, r->server_url, strlen(r->server_url));
	buf_printf(&b, "}\n"
		       "D=$(pwd)\n"
		       "curl -fsS -o kernel.img \"$FARM/api/v1/jobs/%ld/artifacts/kernel.img\"\n",
		   r->build_job);
	if (boot->qemu) {
		buf_printf(&b, "curl -fsS -o initramfs.cpio \"$FARM/api/v1/jobs/%ld/artifacts/initramfs.cpio\"\n",
			   r->boot_job);
	} else {
		/* An exec image is the program; it finds the modules next to it, as the worker stages them. */
		buf_printf(&b,
			   "chmod +x kernel.img\n"
			   "curl -fsS -o modules.tar \"$FARM/api/v1/jobs/%ld/artifacts/modules.tar\"\n"
			   "rm -rf modroot && mkdir modroot && tar -C modroot -xf modules.tar\n",
			   r->build_job);
	}
	if (boot->nscratch)
		buf_puts(&b, "# Scratch files, fresh and sparse as in every boot of the farm.\n");
	for (size_t i = 0; i < boot->nscratch; i++) {
		buf_puts(&b, "rm -f ");
		buf_shell_quote(&b, boot->scratch[i].name, strlen(boot->scratch[i].name));
		buf_printf(&b, " && truncate -s %llu ", (unsigned long long)boot->scratch[i].size);
		buf_shell_quote(&b, boot->scratch[i].name, strlen(boot->scratch[i].name));
		buf_puts(&b, "\n");
	}
	buf_printf(&b, "exec timeout -k 5 %u ", timeout);
	for (size_t i = 0; argv && i < argc; i++) {
		if (i)
			buf_puts(&b, " ");
		if (i == 0 && boot->qemu) {
			buf_puts(&b, "\"${QEMU:-");
			buf_puts(&b, argv[0]);
			buf_puts(&b, "}\"");
		} else {
			word(&b, argv[i]);
		}
	}
	buf_puts(&b, "\n");
	boot_command_free(argv);
	return buf_steal(&b);
}
