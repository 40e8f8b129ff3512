/* Which source files a finished build read, from the dependency lists Kbuild keeps beside each target. */
#ifndef KM_BUILD_DEPS_H
#define KM_BUILD_DEPS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether a change of this file (path relative to the source tree) can
 * change a build only through the targets that list it as a dependency: C
 * and assembler sources and headers, and documentation. Makefiles, Kconfig,
 * scripts, linker scripts and everything else can change a build without
 * being any target's dependency.
 */
bool build_deps_plain_source(const char *path);

/* A file that differs between the commit a build was made at and the one being built. */
struct build_deps_change {
	const char *path; /* relative to the source tree */
	bool added;       /* new in the later commit */
	bool removed;     /* gone in the later commit */
};

/*
 * Looks for the changed files among the dependencies Kbuild recorded in
 * out's .*.cmd files (the sources and headers each target was made from,
 * absolute or relative to out, `..` resolved). An added or removed file
 * counts where an include could find it: where a file the target read names
 * it in an #include or __has_include, as written, from that file's directory
 * or from one of the target's include directories (-I and the like); where
 * a file names a header through a macro, any dependency of its name counts.
 * When out has vmlinux.a (Linux 6.1 and later), the kernel objects of other
 * configs a copied directory still holds do not count: only the members of
 * vmlinux.a and the objects of the modules in modules.order (their .mod
 * files), besides everything under arch/, scripts/ and tools/ and the top
 * level (boot images, host programs, link steps). *read is the index of the
 * first change found, or -1 when the build read none of them.
 */
int build_deps_find(const char *out, const char *src, const struct build_deps_change *changes, size_t n, long *read);

#endif
