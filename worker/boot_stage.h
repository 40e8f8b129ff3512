/* What a build leaves on its worker for the boots that follow it (kernel image, vmlinux, modules), and their pruning. */
#ifndef KM_BOOT_STAGE_H
#define KM_BOOT_STAGE_H

#include <stdbool.h>

#include <jansson.h>

struct worker_opts;

/* WORK/boots/job-N: the stage of build job N. Returns the caller's string. */
char *boot_stage_dir(const struct worker_opts *o, long build_job);

/*
 * Holds a stage while a boot reads it, so pruning passes it by. Returns an
 * open descriptor to hand to boot_stage_release(), or -1 when the stage is
 * not there (the boot then downloads its inputs from the server).
 */
int boot_stage_hold(const char *stage);
void boot_stage_release(int fd);

/*
 * Removes every stage but the newest keep ones (by build job id), skipping
 * the ones a boot holds. A boot whose stage is gone downloads the kernel and
 * modules from the server instead, so pruning costs time, never a result.
 */
void boot_stage_prune(const struct worker_opts *o, long keep);

/*
 * The loadable modules a build made, by module name ("cxl_acpi"; '-' read
 * as '_'), from OUT/modules.order: a JSON array, empty when the build made
 * none. The server compares boot variants' load lists with it.
 */
json_t *boot_stage_modules(const char *out);

#endif
