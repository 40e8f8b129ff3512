/* Kernel .config files as hashed ordered maps, so comparing hundreds of configs stays cheap. */
#include "kconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "digest.h"
#include "err.h"
#include "fsutil.h"
#include "xalloc.h"

struct kconfig_entry {
	char *sym;
	char *value;
	uint32_t hash;
};

struct kconfig {
	struct kconfig_entry *entries; /* insertion order */
	size_t n, cap;
	uint32_t *slots; /* open addressing: entry index + 1, 0 = empty */
	size_t nslots;	 /* a power of two, at least 2 * n */
};

struct kconfig_vec {
	size_t n;
	uint64_t pairs[]; /* symbol id << 32 | value id, ascending */
};

static uint32_t hash_sym(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* The slot holding sym, or the empty slot where it would go. */
static size_t find_slot(const struct kconfig *c, const char *sym, uint32_t h)
{
	size_t mask = c->nslots - 1, i = h & mask;

	for (;;) {
		uint32_t e = c->slots[i];

		if (e == 0)
			return i;
		if (c->entries[e - 1].hash == h && strcmp(c->entries[e - 1].sym, sym) == 0)
			return i;
		i = (i + 1) & mask;
	}
}

static void rehash(struct kconfig *c, size_t nslots)
{
	free(c->slots);
	c->slots = xcalloc(nslots, sizeof(*c->slots));
	c->nslots = nslots;
	for (size_t i = 0; i < c->n; i++)
		c->slots[find_slot(c, c->entries[i].sym, c->entries[i].hash)] = (uint32_t)(i + 1);
}

static const struct kconfig_entry *lookup(const struct kconfig *c, const char *sym)
{
	uint32_t e;

	if (!c || c->n == 0)
		return NULL;
	e = c->slots[find_slot(c, sym, hash_sym(sym))];
	return e ? &c->entries[e - 1] : NULL;
}

struct kconfig *kconfig_new(void)
{
	struct kconfig *c = xcalloc(1, sizeof(*c));

	c->nslots = 16;
	c->slots = xcalloc(c->nslots, sizeof(*c->slots));
	return c;
}

void kconfig_free(struct kconfig *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->entries[i].sym);
		free(c->entries[i].value);
	}
	free(c->entries);
	free(c->slots);
	free(c);
}

/* Takes ownership of value. */
static void set_owned(struct kconfig *c, const char *sym, size_t symlen, char *value)
{
	char *key = xstrndup(sym, symlen);
	uint32_t h = hash_sym(key);
	size_t slot = find_slot(c, key, h);

	if (c->slots[slot]) {
		struct kconfig_entry *e = &c->entries[c->slots[slot] - 1];

		free(e->value);
		e->value = value;
		free(key);
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->entries = xrealloc(c->entries, c->cap * sizeof(*c->entries));
	}
	c->entries[c->n] = (struct kconfig_entry){ key, value, h };
	c->slots[slot] = (uint32_t)(++c->n);
	if (c->n * 2 > c->nslots)
		rehash(c, c->nslots * 2);
}

void kconfig_set(struct kconfig *c, const char *sym, const char *value)
{
	set_owned(c, sym, strlen(sym), xstrdup(value));
}

struct kconfig *kconfig_dup(const struct kconfig *c)
{
	struct kconfig *d = kconfig_new();

	kconfig_merge(d, c);
	return d;
}

const char *kconfig_get(const struct kconfig *c, const char *sym)
{
	const struct kconfig_entry *e = lookup(c, sym);

	return e ? e->value : NULL;
}

char kconfig_tristate(const struct kconfig *c, const char *sym)
{
	const char *v = kconfig_get(c, sym);

	if (v && (strcmp(v, "y") == 0 || strcmp(v, "m") == 0))
		return v[0];
	return 'n';
}

void kconfig_merge(struct kconfig *dst, const struct kconfig *src)
{
	for (size_t i = 0; src && i < src->n; i++)
		kconfig_set(dst, src->entries[i].sym, src->entries[i].value);
}

size_t kconfig_count(const struct kconfig *c)
{
	return c ? c->n : 0;
}

void kconfig_at(const struct kconfig *c, size_t i, const char **sym, const char **value)
{
	*sym = c->entries[i].sym;
	*value = c->entries[i].value;
}

static bool sym_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* Length of the symbol at s (after "CONFIG_"), 0 if none. */
static size_t sym_len(const char *s, size_t n)
{
	size_t k = 0;

	while (k < n && sym_char(s[k]))
		k++;
	return k;
}

static int parse_line(struct kconfig *c, const char *s, size_t n, size_t lineno)
{
	static const char not_set[] = " is not set";
	size_t k;

	while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == 0)
			return err_set(KM_EINVAL, "line %zu: NUL byte (expected text)", lineno);
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return err_set(KM_EINVAL, "line %zu: control character 0x%02x (expected text)",
				       lineno, ch);
	}
	if (s[0] == '#') {
		if (n > 9 && memcmp(s, "# CONFIG_", 9) == 0) {
			k = sym_len(s + 9, n - 9);
			if (k > 0 && n - 9 - k == sizeof(not_set) - 1 &&
			    memcmp(s + 9 + k, not_set, n - 9 - k) == 0) {
				set_owned(c, s + 9, k, xstrdup("n"));
				return 0;
			}
		}
		return 0; /* any other comment */
	}
	if (n > 7 && memcmp(s, "CONFIG_", 7) == 0) {
		k = sym_len(s + 7, n - 7);
		if (k > 0 && 7 + k < n && s[7 + k] == '=') {
			const char *v = s + 8 + k;
			size_t vlen = n - 8 - k;

			set_owned(c, s + 7, k, (vlen == 1 && v[0] == 'n') ? xstrdup("n") : xstrndup(v, vlen));
			return 0;
		}
	}
	{
		char shown[64];
		size_t m = n < 48 ? n : 48;

		memcpy(shown, s, m);
		memcpy(shown + m, n > m ? "..." : "", n > m ? 4 : 1);
		return err_set(KM_EINVAL,
			       "line %zu: '%s' (expected CONFIG_NAME=value or '# CONFIG_NAME is not set')",
			       lineno, shown);
	}
}

int kconfig_parse(const char *text, size_t len, struct kconfig **out)
{
	struct kconfig *c = NULL;
	size_t pos = 0, lineno = 0;
	int rc = 0;

	*out = NULL;
	if (len > KCONFIG_MAX_BYTES)
		return err_set(KM_ETOOBIG, "%zu bytes (expected a .config of at most %d bytes)", len,
			       KCONFIG_MAX_BYTES);
	c = kconfig_new();
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		pos += nl ? n + 1 : n;
		rc = parse_line(c, s, n, ++lineno);
		if (rc)
			goto done;
	}
	*out = c;
	c = NULL;
done:
	kconfig_free(c);
	return rc;
}

int kconfig_load(const char *path, struct kconfig **out)
{
	char *text = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	rc = fs_read_file(path, KCONFIG_MAX_BYTES, &text, &n);
	if (!rc) {
		rc = kconfig_parse(text, n, out);
		if (rc) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", err_msg());
			err_set(rc, "%s: %s", path, msg);
		}
	}
	free(text);
	return rc;
}

static int line_of(struct buf *b, const struct kconfig_entry *e)
{
	if (strcmp(e->value, "n") == 0)
		return buf_printf(b, "# CONFIG_%s is not set\n", e->sym);
	return buf_printf(b, "CONFIG_%s=%s\n", e->sym, e->value);
}

char *kconfig_write(const struct kconfig *c)
{
	struct buf b = BUF_INIT((size_t)-1 / 2);

	for (size_t i = 0; i < c->n; i++)
		line_of(&b, &c->entries[i]);
	return buf_steal(&b);
}

static int cmp_entry_ptr(const void *a, const void *b)
{
	return strcmp((*(const struct kconfig_entry *const *)a)->sym,
		      (*(const struct kconfig_entry *const *)b)->sym);
}

/* Entries sorted by symbol, borrowed; the caller frees the array. */
static const struct kconfig_entry **sorted(const struct kconfig *c)
{
	const struct kconfig_entry **v = xcalloc(c->n + 1, sizeof(*v));

	for (size_t i = 0; i < c->n; i++)
		v[i] = &c->entries[i];
	qsort(v, c->n, sizeof(*v), cmp_entry_ptr);
	return v;
}

char *kconfig_normalize(const struct kconfig *c)
{
	struct buf b = BUF_INIT((size_t)-1 / 2);
	const struct kconfig_entry **v = sorted(c);

	for (size_t i = 0; i < c->n; i++)
		line_of(&b, v[i]);
	free(v);
	return buf_steal(&b);
}

void kconfig_hash(const struct kconfig *c, char out[65])
{
	char *text = kconfig_normalize(c);

	digest_sha256_hex(text, strlen(text), out);
	free(text);
}

static const char *or_n(const char *v)
{
	return v ? v : "n";
}

size_t kconfig_distance(const struct kconfig *a, const struct kconfig *b)
{
	size_t d = 0;

	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->entries[i].value, or_n(kconfig_get(b, a->entries[i].sym))) != 0)
			d++;
	for (size_t i = 0; i < b->n; i++)
		if (!lookup(a, b->entries[i].sym) && strcmp(b->entries[i].value, "n") != 0)
			d++;
	return d;
}

/* The id of s in dict (its entry's index + 1), added when new. */
static uint32_t intern(struct kconfig *dict, const char *s, uint32_t h)
{
	uint32_t e = dict->slots[find_slot(dict, s, h)];

	if (e)
		return e;
	set_owned(dict, s, strlen(s), xstrdup(""));
	return (uint32_t)dict->n;
}

static int cmp_pair(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

struct kconfig_vec *kconfig_vec_new(const struct kconfig *c, struct kconfig *dict)
{
	struct kconfig_vec *v = xmalloc(sizeof(*v) + (c->n + 1) * sizeof(v->pairs[0]));

	v->n = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct kconfig_entry *e = &c->entries[i];

		/* Absent counts as "n": leaving "n" out makes both the same. */
		if (strcmp(e->value, "n") != 0)
			v->pairs[v->n++] = (uint64_t)intern(dict, e->sym, e->hash) << 32 |
					   intern(dict, e->value, hash_sym(e->value));
	}
	qsort(v->pairs, v->n, sizeof(v->pairs[0]), cmp_pair);
	return v;
}

void kconfig_vec_free(struct kconfig_vec *v)
{
	free(v);
}

size_t kconfig_vec_distance(const struct kconfig_vec *a, const struct kconfig_vec *b)
{
	size_t i = 0, j = 0, d = 0;

	while (i < a->n && j < b->n) {
		uint64_t sa = a->pairs[i] >> 32, sb = b->pairs[j] >> 32;

		if (sa == sb) {
			d += a->pairs[i++] != b->pairs[j++];
		} else {
			d++; /* set in one, "n" in the other */
			if (sa < sb)
				i++;
			else
				j++;
		}
	}
	return d + (a->n - i) + (b->n - j);
}

struct diff_item {
	const char *sym, *va, *vb;
};

static int cmp_diff(const void *x, const void *y)
{
	return strcmp(((const struct diff_item *)x)->sym, ((const struct diff_item *)y)->sym);
}

void kconfig_diff(const struct kconfig *a, const struct kconfig *b,
		  void (*fn)(void *ctx, const char *sym, const char *va, const char *vb), void *ctx)
{
	struct diff_item *items = xcalloc(a->n + b->n + 1, sizeof(*items));
	size_t n = 0;

	for (size_t i = 0; i < a->n; i++) {
		const char *vb = or_n(kconfig_get(b, a->entries[i].sym));

		if (strcmp(a->entries[i].value, vb) != 0)
			items[n++] = (struct diff_item){ a->entries[i].sym, a->entries[i].value, vb };
	}
	for (size_t i = 0; i < b->n; i++)
		if (!lookup(a, b->entries[i].sym) && strcmp(b->entries[i].value, "n") != 0)
			items[n++] = (struct diff_item){ b->entries[i].sym, "n", b->entries[i].value };
	qsort(items, n, sizeof(*items), cmp_diff);
	for (size_t i = 0; i < n; i++)
		fn(ctx, items[i].sym, items[i].va, items[i].vb);
	free(items);
}
