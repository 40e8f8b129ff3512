/* Kernel .config files: parse, merge, write, normalize, hash and compare. */
#ifndef KM_KCONFIG_H
#define KM_KCONFIG_H

#include <jansson.h>
#include <stddef.h>


#define KCONFIG_MAX_BYTES (8 * 1024 * 1024)

/*
 * An ordered map SYMBOL (without CONFIG_) -> value string, in first-insertion
 * order. A symbol that is "not set" has the value "n". Lookups are hashed.
 */
struct kconfig;

/*
 * Parses .config text (len bytes, need not be NUL-terminated): lines
 * "CONFIG_X=value" and "# CONFIG_X is not set"; other comments and blank lines
 * are ignored; a later line for the same symbol overrides an earlier one
 * (keeping its position). "CONFIG_X=n" is read as not set. *out is new, the
 * caller frees it. KM_ETOOBIG over KCONFIG_MAX_BYTES; KM_EINVAL with
 * "line N: ..." for a malformed line.
 */
int kconfig_parse(const char *text, size_t len, struct kconfig **out);

/* Reads and parses the file at path; messages are prefixed "PATH:". KM_ENOTFOUND, KM_EIO, as kconfig_parse.
 */
int kconfig_load(const char *path, struct kconfig **out);

/* An empty config; the caller frees it. */
struct kconfig *kconfig_new(void);

/* A deep copy; the caller frees it. */
struct kconfig *kconfig_dup(const struct kconfig *c);

void kconfig_free(struct kconfig *c);

/* The value of sym ("y", "m", "n", "0x10", "\"text\"", ...), borrowed; NULL if absent. */
const char *kconfig_get(const struct kconfig *c, const char *sym);

/* The tristate value of sym: 'y' or 'm' for exactly those values, otherwise (absent, "n", other values) 'n'.
 */
char kconfig_tristate(const struct kconfig *c, const char *sym);

/* Sets sym (without CONFIG_) to a copy of value; "n" is written as "is not set". */
void kconfig_set(struct kconfig *c, const char *sym, const char *value);

/* Sets every entry of src in dst, in src's order: src's values override dst's. */
void kconfig_merge(struct kconfig *dst, const struct kconfig *src);

size_t kconfig_count(const struct kconfig *c);

/* Entry i (0 <= i < kconfig_count) in insertion order; pointers borrowed from c. */
void kconfig_at(const struct kconfig *c, size_t i, const char **sym, const char **value);

/* .config text in insertion order: "CONFIG_X=v" / "# CONFIG_X is not set" lines. Caller frees. */
char *kconfig_write(const struct kconfig *c);

/* The same lines sorted by symbol, without comments or headers: the identity of a config. Caller frees. */
char *kconfig_normalize(const struct kconfig *c);

/* SHA-256 hex of kconfig_normalize() into out (64 chars + NUL). */
void kconfig_hash(const struct kconfig *c, char out[65]);

/* The number of symbols whose value differs, an absent symbol counting as "n". O(n) expected. */
size_t kconfig_distance(const struct kconfig *a, const struct kconfig *b);

/*
 * A config as the sorted ids of its (symbol, value) pairs other than "n", for
 * comparing one config with hundreds: kconfig_vec_distance() is a merge of
 * two integer arrays, where kconfig_distance() looks up every symbol.
 */
struct kconfig_vec;

/*
 * The vector of c, its ids taken from dict: a config used as a dictionary
 * (kconfig_new(), then only this function adds to it; kconfig_count() is its
 * size). Vectors compare only with vectors of the same dictionary. dict is
 * changed: the caller serialises calls on one dict. The caller frees the vector.
 */
struct kconfig_vec *kconfig_vec_new(const struct kconfig *c, struct kconfig *dict);

void kconfig_vec_free(struct kconfig_vec *v);

/* kconfig_distance() of the configs a and b were made from (one dictionary). */
size_t kconfig_vec_distance(const struct kconfig_vec *a, const struct kconfig_vec *b);

/*
 * Calls fn for each symbol whose value differs between a and b (absent counts
 * as "n"), sorted by symbol; va/vb are "n" when absent. Pointers valid during the call.
 */
void kconfig_diff(const struct kconfig *a, const struct kconfig *b,
		  void (*fn)(void *ctx, const char *sym, const char *va, const char *vb), void *ctx);

#endif
