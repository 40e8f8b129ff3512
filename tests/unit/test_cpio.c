/* Unit tests of the cpio newc writer: byte layout, implicit parents, refusals, GNU cpio reading it back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio.h"
#include "err.h"

struct fixture {
	char dir[64];
	char archive[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/kmatrix-cpiotest.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->archive, sizeof(f->archive), "%s/a.cpio", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *data;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	data = malloc((size_t)n + 1);
	assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return data;
}

/* One parsed newc entry. */
struct entry {
	char name[256];
	unsigned long mode, uid, gid, nlink, mtime, size, rmajor, rminor;
	const char *data;
};

static unsigned long hex8(const char *p)
{
	char tmp[9];

	memcpy(tmp, p, 8);
	tmp[8] = '\0';
	return strtoul(tmp, NULL, 16);
}

/* Reads every entry (strictly: magic, alignment, NUL-terminated names); returns the count. */
static size_t parse_newc(const char *data, size_t len, struct entry *out, size_t max)
{
	size_t off = 0, n = 0;

	for (;;) {
		struct entry e;
		unsigned long namesize;

		assert_true(off + 110 <= len);
		assert_memory_equal(data + off, "070701", 6);
		memset(&e, 0, sizeof(e));
		e.mode = hex8(data + off + 14);
		e.uid = hex8(data + off + 22);
		e.gid = hex8(data + off + 30);
		e.nlink = hex8(data + off + 38);
		e.mtime = hex8(data + off + 46);
		e.size = hex8(data + off + 54);
		e.rmajor = hex8(data + off + 78);
		e.rminor = hex8(data + off + 86);
		namesize = hex8(data + off + 94);
		assert_true(namesize > 0 && namesize < sizeof(e.name));
		assert_true(off + 110 + namesize <= len);
		memcpy(e.name, data + off + 110, namesize);
		assert_int_equal(e.name[namesize - 1], '\0');
		off = (off + 110 + namesize + 3) & ~(size_t)3;
		e.data = data + off;
		off = (off + e.size + 3) & ~(size_t)3;
		assert_true(off <= len);
		if (strcmp(e.name, "TRAILER!!!") == 0)
			break;
		assert_true(n < max);
		out[n++] = e;
	}
	assert_int_equal(off, len);
	return n;
}

static const struct entry *find(const struct entry *e, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(e[i].name, name) == 0)
			return &e[i];
	}
	return NULL;
}

static void write__every_entry_type_with_exact_headers(void **state)
{
	struct fixture *f = *state;
	struct cpio_writer *w = NULL;
	char src[160];
	struct entry e[32];
	const struct entry *x;
	size_t len, n;
	char *data;
	FILE *fp;

	snprintf(src, sizeof(src), "%s/src.txt", f->dir);
	fp = fopen(src, "w");
	assert_non_null(fp);
	fputs("hello from disk\n", fp);
	fclose(fp);
	assert_int_equal(chmod(src, 0750), 0);

	assert_int_equal(cpio_open(f->archive, &w), 0);
	assert_int_equal(cpio_add_dir(w, "dev", 0755), 0);
	assert_int_equal(cpio_add_chardev(w, "dev/console", 0600, 5, 1), 0);
	assert_int_equal(cpio_add_data(w, "/init", 0755, "#!/bin/sh\n", 10), 0);
	assert_int_equal(cpio_add_file(w, "etc/deep/copy.txt", 0, src), 0);
	assert_int_equal(cpio_add_symlink(w, "bin/sh", "/bin/busybox"), 0);
	assert_int_equal(cpio_close(w), 0);

	data = slurp(f->archive, &len);
	n = parse_newc(data, len, e, 32);
	/* dev, dev/console, init, etc, etc/deep, etc/deep/copy.txt, bin, bin/sh */
	assert_int_equal(n, 8);

	x = find(e, n, "dev/console");
	assert_non_null(x);
	assert_int_equal(x->mode, S_IFCHR | 0600);
	assert_int_equal(x->rmajor, 5);
	assert_int_equal(x->rminor, 1);
	assert_int_equal(x->size, 0);

	x = find(e, n, "init"); /* the leading '/' is dropped */
	assert_non_null(x);
	assert_int_equal(x->mode, S_IFREG | 0755);
	assert_int_equal(x->size, 10);
	assert_memory_equal(x->data, "#!/bin/sh\n", 10);

	x = find(e, n, "etc/deep/copy.txt");
	assert_non_null(x);
	assert_int_equal(x->mode, S_IFREG | 0750); /* mode 0 keeps the source's bits */
	assert_int_equal(x->size, 16);
	assert_memory_equal(x->data, "hello from disk\n", 16);

	/* Parents come before their children, as the kernel's unpacker needs. */
	assert_true(find(e, n, "etc") < find(e, n, "etc/deep"));
	assert_true(find(e, n, "etc/deep") < x);
	assert_int_equal(find(e, n, "etc/deep")->mode, S_IFDIR | 0755);
	assert_int_equal(find(e, n, "etc/deep")->nlink, 2);

	x = find(e, n, "bin/sh");
	assert_non_null(x);
	assert_int_equal(x->mode, S_IFLNK | 0777);
	assert_int_equal(x->size, strlen("/bin/busybox"));
	assert_memory_equal(x->data, "/bin/busybox", strlen("/bin/busybox"));

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(e[i].uid, 0);
		assert_int_equal(e[i].gid, 0);
		assert_int_equal(e[i].mtime, 0);
	}
	free(data);
}

static void write__same_content_gives_identical_bytes(void **state)
{
	struct fixture *f = *state;
	char second[160];
	struct cpio_writer *w = NULL;
	char *a, *b;
	size_t alen, blen;

	snprintf(second, sizeof(second), "%s/b.cpio", f->dir);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(cpio_open(k ? second : f->archive, &w), 0);
		assert_int_equal(cpio_add_data(w, "x/y", 0644, "abc", 3), 0);
		assert_int_equal(cpio_add_symlink(w, "l", "x/y"), 0);
		assert_int_equal(cpio_close(w), 0);
	}
	a = slurp(f->archive, &alen);
	b = slurp(second, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

static void add__refuses_bad_and_duplicate_names_but_keeps_going(void **state)
{
	struct fixture *f = *state;
	struct cpio_writer *w = NULL;
	struct entry e[16];
	size_t len, n;
	char *data;

	assert_int_equal(cpio_open(f->archive, &w), 0);
	assert_int_equal(cpio_add_data(w, "a/file", 0644, "1", 1), 0);
	assert_int_equal(cpio_add_data(w, "a/file", 0644, "2", 1), KM_EEXISTS);
	assert_int_equal(cpio_add_dir(w, "a", 0755), 0); /* already there: no-op */
	assert_int_equal(cpio_add_dir(w, "a/file", 0755), KM_EEXISTS);
	assert_int_equal(cpio_add_data(w, "a/file/below", 0644, "3", 1), KM_EINVAL);
	assert_int_equal(cpio_add_data(w, "../escape", 0644, "4", 1), KM_EINVAL);
	assert_int_equal(cpio_add_data(w, "a//b", 0644, "5", 1), KM_EINVAL);
	assert_int_equal(cpio_add_data(w, "a/./b", 0644, "5", 1), KM_EINVAL);
	assert_int_equal(cpio_add_data(w, "/", 0644, "6", 1), KM_EINVAL);
	assert_int_equal(cpio_add_data(w, "", 0644, "7", 1), KM_EINVAL);
	assert_int_equal(cpio_add_symlink(w, "l", ""), KM_EINVAL);
	assert_int_equal(cpio_add_file(w, "missing", 0, "/nonexistent/kmatrix"), KM_ENOTFOUND);
	assert_int_equal(cpio_add_file(w, "dir", 0, f->dir), KM_EINVAL);
	assert_int_equal(cpio_add_data(w, "a/ok", 0644, "8", 1), 0);
	assert_int_equal(cpio_close(w), 0);

	data = slurp(f->archive, &len);
	n = parse_newc(data, len, e, 16);
	assert_int_equal(n, 3); /* a, a/file, a/ok */
	assert_memory_equal(find(e, n, "a/file")->data, "1", 1);
	free(data);
}

static void add__many_entries_and_abort_removes_the_file(void **state)
{
	struct fixture *f = *state;
	struct cpio_writer *w = NULL;
	char name[64];

	assert_int_equal(cpio_open(f->archive, &w), 0);
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "d%d/f%d", i % 17, i);
		assert_int_equal(cpio_add_data(w, name, 0644, name, strlen(name)), 0);
	}
	assert_int_equal(cpio_count(w), 3000 + 17);
	cpio_abort(w);
	assert_int_not_equal(access(f->archive, F_OK), 0);
	assert_int_equal(cpio_open("/nonexistent-dir/x.cpio", &w), KM_EIO);
	assert_null(w);
	cpio_abort(NULL);
	assert_int_equal(cpio_close(NULL), 0);
}

/* GNU cpio, an independent reader, lists the archive with the types and targets we wrote. */
static void gnu_cpio__reads_the_archive(void **state)
{
	struct fixture *f = *state;
	struct cpio_writer *w = NULL;
	char cmd[512], out[160];
	size_t len;
	char *listing;

	if (access("/usr/bin/cpio", X_OK) != 0) {
		skip();
		return;
	}
	assert_int_equal(cpio_open(f->archive, &w), 0);
	assert_int_equal(cpio_add_dir(w, "bin", 0755), 0);
	assert_int_equal(cpio_add_data(w, "bin/busybox", 0755,
				       "\x7f"
				       "ELF",
				       4),
			 0);
	assert_int_equal(cpio_add_symlink(w, "sbin/modprobe", "/bin/busybox"), 0);
	assert_int_equal(cpio_add_chardev(w, "dev/null", 0666, 1, 3), 0);
	assert_int_equal(cpio_close(w), 0);

	snprintf(out, sizeof(out), "%s/listing", f->dir);
	snprintf(cmd, sizeof(cmd), "cpio -itv --quiet < %s > %s 2>&1", f->archive, out);
	assert_int_equal(system(cmd), 0);
	listing = slurp(out, &len);
	listing[len] = '\0';
	assert_non_null(strstr(listing, "-rwxr-xr-x"));
	assert_non_null(strstr(listing, "bin/busybox"));
	assert_non_null(strstr(listing, "sbin/modprobe -> /bin/busybox"));
	assert_non_null(strstr(listing, "crw-rw-rw-"));
	assert_non_null(strstr(listing, "dev/null"));
	free(listing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(write__every_entry_type_with_exact_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(write__same_content_gives_identical_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(add__refuses_bad_and_duplicate_names_but_keeps_going, setup,
						teardown),
		cmocka_unit_test_setup_teardown(add__many_entries_and_abort_removes_the_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(gnu_cpio__reads_the_archive, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
