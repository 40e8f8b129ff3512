/* The make command lines the worker runs on a kernel tree, built in one place. */
#ifndef KM_KMAKE_H
#define KM_KMAKE_H

#include <stdbool.h>

struct kmake {
	const char *src;       /* source tree */
	const char *out;       /* O= build directory */
	const char *arch;      /* ARCH= */
	const char *cc;        /* CC=, NULL for the tree's default */
	long jobs;             /* -j, 0 for none */
	const char *timestamp; /* KBUILD_BUILD_TIMESTAMP, NULL to leave unset */
	bool silent;           /* -s */
};

/* argv for make with the given targets (NULL-terminated); free with kmake_argv_free. */
char **kmake_argv(const struct kmake *k, const char *const *targets);
void kmake_argv_free(char **argv);

/* The same command as a shell line a person can paste (O= and -C relative to nothing: absolute). */
char *kmake_command(const struct kmake *k, const char *const *targets);

#endif
