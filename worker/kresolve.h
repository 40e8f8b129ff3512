/* Resolving many .config files with one parse of the tree's own Kconfig (worker/kconfig_batch/). */
#ifndef KM_KRESOLVE_H
#define KM_KRESOLVE_H

#include <stddef.h>

#include "buf.h"
#include "kmake.h"

/*
 * Builds the batch driver into k->out, linked with the tree's own
 * scripts/kconfig objects (the list is read from the tree's
 * scripts/kconfig/Makefile). Any config target run before leaves those
 * objects in k->out. On success *driver is the program's path (caller frees).
 * KM_ENOTFOUND or KM_EINVAL, with the reason in err_msg(), when the tree
 * cannot have the driver: the caller resolves with make instead.
 */
int kresolve_build(const struct kmake *k, const char *work, struct buf *log, char **driver);

/*
 * Resolves ins[i] into outs[i] (absolute paths) for i < n with one make call
 * that runs the driver where make would run conf, so the driver sees Kbuild's
 * environment and command line. jobs children resolve at once. 0 when every
 * output was written; KM_EINVAL (the reason in err_msg()) otherwise.
 */
int kresolve_run(const struct kmake *k, const char *driver, const char *work, char *const *ins, char *const *outs,
		 size_t n, long jobs, double timeout_s, struct buf *log);

#endif
