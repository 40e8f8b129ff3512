/* Which boot variants of one built config are the same experiment, so that one boot answers for them all. */
#ifndef KM_BOOT_SHARE_H
#define KM_BOOT_SHARE_H

#include <stddef.h>

struct matrix_boot;

/*
 * For each variant i of boot, same[i] is the index of the first earlier
 * variant whose boot on this kernel is the same, or -1 (it boots itself).
 * modules[0..nmodules) are the loadable modules the build made. Two
 * variants boot the same when they use the same modprobe, the same repeat
 * and parallel settings, and load the same modules in the same order once
 * the names that are no loadable module of this kernel (built in or not
 * configured: the guest skips them) are left out. With modules NULL (a
 * build that did not say) every variant boots itself.
 */
void boot_share_plan(const struct matrix_boot *boot, const char *const *modules, size_t nmodules, long *same);

#endif
