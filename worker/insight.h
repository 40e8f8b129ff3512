/* Matrix insight computed where the tree is: why Kconfig clamped a request, and why a link failed. */
#ifndef KM_INSIGHT_H
#define KM_INSIGHT_H

#include <jansson.h>

struct buildlog_error;
struct kconfig;
struct matrix;
struct insight;

/* Insight over the tree at srctree for arch; the Kconfig files are read on first use. */
struct insight *insight_new(const char *srctree, const char *arch);
void insight_free(struct insight *in);

/*
 * For each axis whose effective value differs from the requested one: the
 * Kconfig expressions that decided it, with operand values, re-checked
 * against the effective config. A JSON array (new reference), [] when the
 * tree's Kconfig cannot be read (the reason is logged).
 */
json_t *insight_explain_clamps(struct insight *in, const struct matrix *m, const char *requested,
			       const struct kconfig *effective);

/*
 * Checks that every symbol the matrix's [expect] rules name is defined by
 * the tree's Kconfig: KM_EINVAL "FILE:LINE: rule 'x' names FOO, which no
 * Kconfig file of the tree defines" otherwise; 0 also when the Kconfig
 * cannot be read (then nothing can be checked; the reason is logged).
 */
int insight_check_expects(struct insight *in, const struct matrix *m);

/*
 * For each never/always rule the effective config violates: why Kconfig
 * allowed it, from the tree: each rule symbol that is set, with the
 * dependency terms that let it be set (values shown) and the rule's symbols
 * none of them names. [{"rule","text"}], a new reference.
 */
json_t *insight_explain_expects(struct insight *in, const struct matrix *m, const struct kconfig *effective);

/*
 * For an undefined reference while linking vmlinux: which built-in object
 * calls the symbol, which module object of this build defines it (nm over the
 * module objects in build_dir/modules.order), the config symbols behind both,
 * and the usual remedies. NULL when it is not that kind of failure.
 */
json_t *insight_diagnose(struct insight *in, const char *build_dir, const struct kconfig *effective,
			 const struct buildlog_error *e);

#endif
