/* Boots a built kernel as a matrix's [boot] section says, captures its console and reaches a verdict. */
#include "boot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "err.h"
#include "initramfs.h"
#include "jobtypes.h"
#include "proc.h"
#include "xalloc.h"

#define MAX_ARGS 512
#define HEAD_NOTE_BYTES 512 /* first bytes of output quoted when nothing else explains an ERROR */

char *boot_expand(const char *tmpl, const char *kernel, const char *initrd, const char *append,
		  const char *dir)
{
	static const char *const names[] = { "{kernel}", "{initrd}", "{append}", "{dir}" };
	const char *values[] = { kernel, initrd, append, dir };
	struct buf b = BUF_INIT((size_t)1 << 20);
	const char *s = tmpl;

	while (*s) {
		size_t i;

		for (i = 0; i < 4; i++) {
			size_t n = strlen(names[i]);

			if (strncmp(s, names[i], n) == 0) {
				buf_puts(&b, values[i] ? values[i] : "");
				s += n;
				break;
			}
		}
		if (i == 4)
			buf_append(&b, s++, 1);
	}
	return buf_steal(&b);
}

/* The console sink: parser plus a file that keeps the first half of the cap and a ring of the last half. */
struct sink {
	struct console_parser *parser;
	int fd;
	size_t head_max, head_len;
	char *ring; /* tail ring, allocated when the head is full */
	size_t ring_max, ring_pos;
	unsigned long long ring_total; /* bytes that went into the ring */
	char head_note[HEAD_NOTE_BYTES + 1];
	size_t head_note_len;
	int write_error;
};

static int sink_output(void *ctx, const char *data, size_t len)
{
	struct sink *k = ctx;

	console_parser_feed(k->parser, data, len);
	if (k->head_note_len < HEAD_NOTE_BYTES) {
		size_t n = HEAD_NOTE_BYTES - k->head_note_len;

		n = n < len ? n : len;
		memcpy(k->head_note + k->head_note_len, data, n);
		k->head_note_len += n;
	}
	if (k->head_len < k->head_max) {
		size_t n = k->head_max - k->head_len;

		n = n < len ? n : len;
		if (write(k->fd, data, n) != (ssize_t)n)
			k->write_error = errno ? errno : EIO;
		k->head_len += n;
		data += n;
		len -= n;
	}
	if (len == 0)
		return 0;
	if (!k->ring)
		k->ring = xmalloc(k->ring_max);
	k->ring_total += len;
	if (len >= k->ring_max) {
		memcpy(k->ring, data + len - k->ring_max, k->ring_max);
		k->ring_pos = 0;
		return 0;
	}
	while (len > 0) {
		size_t n = k->ring_max - k->ring_pos;

		n = n < len ? n : len;
		memcpy(k->ring + k->ring_pos, data, n);
		k->ring_pos = (k->ring_pos + n) % k->ring_max;
		data += n;
		len -= n;
	}
	return 0;
}

/* Appends the ring (oldest first) after a note saying how much was left out. */
static void sink_flush(struct sink *k)
{
	char note[128];
	size_t kept;
	int n;

	if (!k->ring)
		return;
	kept = k->ring_total < k->ring_max ? (size_t)k->ring_total : k->ring_max;
	n = snprintf(note, sizeof(note), "\n[kmatrix: %llu bytes of console output omitted]\n",
		     k->ring_total - kept);
	if (write(k->fd, note, (size_t)n) != n)
		k->write_error = EIO;
	if (kept < k->ring_max) {
		if (write(k->fd, k->ring, kept) != (ssize_t)kept)
			k->write_error = EIO;
	} else {
		size_t first = k->ring_max - k->ring_pos;

		if (write(k->fd, k->ring + k->ring_pos, first) != (ssize_t)first ||
		    write(k->fd, k->ring, k->ring_pos) != (ssize_t)k->ring_pos)
			k->write_error = EIO;
	}
}

static int make_scratch(const struct matrix_boot *boot, const char *dir)
{
	for (size_t i = 0; i < boot->nscratch; i++) {
		const struct matrix_scratch *s = &boot->scratch[i];
		char *path;
		int fd;

		if (strchr(s->name, '/') || s->name[0] == '.' || !s->name[0])
			return err_set(KM_EINVAL, "scratch file name '%s' is not a plain file name", s->name);
		path = xasprintf("%s/%s", dir, s->name);
		unlink(path);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || ftruncate(fd, (off_t)s->size) != 0) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			free(path);
			return err_set(KM_EIO, "scratch file %s/%s: %s", dir, s->name, strerror(e));
		}
		close(fd);
		free(path);
	}
	return 0;
}

static void remove_scratch(const struct matrix_boot *boot, const char *dir)
{
	for (size_t i = 0; i < boot->nscratch; i++) {
		char *path;

		if (strchr(boot->scratch[i].name, '/'))
			continue;
		path = xasprintf("%s/%s", dir, boot->scratch[i].name);
		unlink(path);
		free(path);
	}
}

static char *qemu_name(const char *arch)
{
	static const struct {
		const char *arch, *qemu;
	} map[] = { { "x86_64", "x86_64" }, { "x86", "x86_64" }, { "i386", "i386" },
		    { "arm64", "aarch64" }, { "arm", "arm" },	 { "riscv", "riscv64" },
		    { "powerpc", "ppc64" }, { "s390", "s390x" } };

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(arch, map[i].arch) == 0)
			return xasprintf("qemu-system-%s", map[i].qemu);
	}
	return xasprintf("qemu-system-%s", arch);
}

/* Splits the template on whitespace and expands each word: argv entries, NULL-terminated; *argc set. */
static char **build_argv(const char *first, const char *tmpl, const char *kernel, const char *initrd,
			 const char *append, const char *dir, size_t *argc)
{
	char **argv = xcalloc(MAX_ARGS + 1, sizeof(*argv));
	size_t n = 0;
	const char *s = tmpl;

	if (first)
		argv[n++] = xstrdup(first);
	while (*s && n < MAX_ARGS) {
		const char *w;
		char *word;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		w = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
		word = xstrndup(w, (size_t)(s - w));
		argv[n++] = boot_expand(word, kernel, initrd, append, dir);
		free(word);
	}
	argv[n] = NULL;
	*argc = n;
	return argv;
}

static void free_argv(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* "console=ttyS0 ... kmatrix.load=a,b,c kmatrix.modprobe=X" */
static char *full_append(const struct matrix_boot *boot, const struct matrix_variant *v)
{
	struct buf b = BUF_INIT((size_t)64 * 1024);

	buf_puts(&b, boot->append ? boot->append : "");
	if (b.len)
		buf_puts(&b, " ");
	buf_puts(&b, "kmatrix.load=");
	for (size_t i = 0; v && i < v->nload; i++)
		buf_printf(&b, "%s%s", i ? "," : "", v->load[i]);
	buf_printf(&b, " kmatrix.modprobe=%s", v && v->modprobe ? v->modprobe : "busybox");
	if (v && v->parallel)
		buf_puts(&b, " kmatrix.parallel=1");
	return buf_steal(&b);
}

char **boot_command(const struct matrix_boot *boot, const struct matrix_variant *variant, const char *arch,
		    const char *qemu_binary, const char *kernel, const char *initrd, const char *dir, size_t *argc)
{
	char *append = full_append(boot, variant), *qemu = NULL;
	char **argv;

	if (boot->qemu) {
		qemu = qemu_binary ? xstrdup(qemu_binary) : qemu_name(arch ? arch : "x86_64");
		argv = build_argv(qemu, boot->qemu, kernel, initrd, append, dir, argc);
	} else {
		argv = build_argv(NULL, boot->exec, kernel, initrd, append, dir, argc);
	}
	free(append);
	free(qemu);
	return argv;
}

void boot_command_free(char **argv)
{
	free_argv(argv);
}

/* A short printable excerpt of the output's first line(s), for reasons. */
static void first_output_line(const struct sink *k, char *dst, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < k->head_note_len && n + 1 < max; i++) {
		char c = k->head_note[i];

		if (c == '\n') {
			if (n > 0)
				break;
			continue;
		}
		dst[n++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	dst[n] = '\0';
}

/* The first non-empty line of an excerpt, for reasons. */
static void first_line(const char *text, char *dst, size_t max)
{
	size_t n = 0;

	for (; text && *text && *text != '\n' && n + 1 < max; text++)
		dst[n++] = *text;
	dst[n] = '\0';
}

struct attempt {
	const char *status;
	const char *reason; /* static, from console_verdict or here */
	char detail[300];   /* a line of evidence for the reason, or "" */
	bool retry;
	bool timed_out;
	int exit_code;
	struct console_result *console;
};

static int run_attempt(const struct matrix_boot *boot, const struct matrix_variant *variant,
		       const struct boot_input *in, struct attempt *a)
{
	struct initramfs_spec spec;
	struct proc_opts opts;
	struct proc_result res;
	struct sink k;
	char *initrd = NULL;
	char **argv = NULL;
	size_t argc = 0;
	int fd = -1;
	int rc = 0;

	memset(a, 0, sizeof(*a));
	memset(&k, 0, sizeof(k));
	fd = open(in->console_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(KM_EIO, "%s: %s", in->console_path, strerror(errno));

	if (boot->qemu) {
		initrd = xasprintf("%s/initramfs.cpio", in->work_dir);
		memset(&spec, 0, sizeof(spec));
		spec.modules_root = in->modules_root;
		spec.check_script = in->check_script;
		spec.with_kmod = variant && variant->modprobe && strcmp(variant->modprobe, "kmod") == 0;
		if (initramfs_build(&spec, initrd) != 0) {
			a->status = "ERROR";
			a->reason = "cannot assemble the initramfs";
			snprintf(a->detail, sizeof(a->detail), "%s", err_msg());
			goto done;
		}
	} else {
		initrd = xstrdup("");
	}
	if (make_scratch(boot, in->work_dir) != 0) {
		a->status = "ERROR";
		a->reason = "cannot create the scratch files";
		snprintf(a->detail, sizeof(a->detail), "%s", err_msg());
		goto done;
	}

	argv = boot_command(boot, variant, in->arch, in->qemu_binary, in->kernel_image, initrd, in->work_dir, &argc);
	if (argc == 0 || argc >= MAX_ARGS) {
		rc = err_set(KM_EINVAL, "boot command: %s", argc ? "too many arguments" : "empty");
		goto done;
	}

	k.parser = console_parser_new();
	k.fd = fd;
	k.head_max = BOOT_CONSOLE_MAX / 2;
	k.ring_max = BOOT_CONSOLE_MAX / 2;
	memset(&opts, 0, sizeof(opts));
	opts.argv = (const char *const *)argv;
	opts.cwd = in->work_dir;
	opts.timeout_s = boot->timeout_s ? boot->timeout_s : 120;
	opts.on_output = sink_output;
	opts.ctx = &k;
	opts.output_fd = -1;
	if (proc_run(&opts, &res) != 0) {
		a->status = "ERROR";
		a->reason = "cannot start the boot command";
		snprintf(a->detail, sizeof(a->detail), "%s", err_msg());
		a->retry = true;
		goto done;
	}
	sink_flush(&k);
	a->console = console_parser_finish(k.parser);
	k.parser = NULL;
	a->timed_out = res.timed_out;
	a->exit_code = res.term_signal ? 128 + res.term_signal : res.exit_code;
	a->status = console_verdict(a->console, a->timed_out, a->exit_code, in->check_script != NULL,
				    &a->reason, &a->retry);
	if (a->console->panic)
		first_line(a->console->panic, a->detail, sizeof(a->detail));
	else if (a->console->oops)
		first_line(a->console->oops, a->detail, sizeof(a->detail));
	else if (!a->console->kernel_started)
		first_output_line(&k, a->detail, sizeof(a->detail));
	if (k.write_error && job_status_is(a->status, STATUS_PASS)) {
		a->status = "ERROR";
		a->reason = "cannot write the console log";
		snprintf(a->detail, sizeof(a->detail), "%s: %s", in->console_path, strerror(k.write_error));
	}
done:
	if (k.parser)
		console_result_free(console_parser_finish(k.parser));
	free(k.ring);
	/* The initramfs stays: the boot job keeps it as an artifact (the next attempt writes a fresh one). */
	remove_scratch(boot, in->work_dir);
	if (fd >= 0)
		close(fd);
	free_argv(argv);
	free(initrd);
	return rc;
}

int boot_run(const struct matrix_boot *boot, const struct matrix_variant *variant,
	     const struct boot_input *in, struct boot_outcome *out)
{
	double start = clock_now_s();
	char earlier[400] = "";
	char work_dir[PATH_MAX], kernel[PATH_MAX];
	struct boot_input abs_in;
	struct attempt a;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!boot || !in || !in->kernel_image || !in->work_dir || !in->console_path ||
	    (!boot->qemu == !boot->exec))
		return err_set(KM_EINVAL,
			       "boot_run: missing boot section, kernel image, work dir or console path");
	if (!variant && boot->nvariants > 0)
		variant = &boot->variants[0];
	/* QEMU runs in work_dir: every path handed to it must be absolute. */
	if (!realpath(in->work_dir, work_dir))
		return err_set(KM_EIO, "work dir %s: %s", in->work_dir, strerror(errno));
	if (!realpath(in->kernel_image, kernel))
		return err_set(KM_EIO, "kernel image %s: %s", in->kernel_image, strerror(errno));
	abs_in = *in;
	abs_in.work_dir = work_dir;
	abs_in.kernel_image = kernel;
	in = &abs_in;

	for (int attempt = 1; attempt <= 2; attempt++) {
		rc = run_attempt(boot, variant, in, &a);
		out->attempts = attempt;
		if (rc) {
			console_result_free(a.console);
			break;
		}
		console_result_free(out->console);
		out->console = a.console;
		out->timed_out = a.timed_out;
		out->exit_code = a.exit_code;
		snprintf(out->status, sizeof(out->status), "%s", a.status);
		free(out->reason);
		out->reason = a.detail[0] ? xasprintf("%s: %s%s", a.reason, a.detail, earlier) :
					    xasprintf("%s%s", a.reason, earlier);
		if (!job_status_is(a.status, STATUS_ERROR) || !a.retry)
			break;
		snprintf(earlier, sizeof(earlier), " (after a retry; attempt 1: %s%s%s)", a.reason,
			 a.detail[0] ? ": " : "", a.detail);
	}
	out->wall_s = clock_now_s() - start;
	return rc;
}

void boot_outcome_release(struct boot_outcome *out)
{
	if (!out)
		return;
	free(out->reason);
	console_result_free(out->console);
	memset(out, 0, sizeof(*out));
}
