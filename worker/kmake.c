/* Assembles make argv for Kbuild: -C SRC O=OUT ARCH= CC= -j and deterministic build identity. */
#include "kmake.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

char **kmake_argv(const struct kmake *k, const char *const *targets)
{
	size_t ntargets = 0, n = 0;
	char **argv;

	while (targets && targets[ntargets])
		ntargets++;
	argv = xcalloc(ntargets + 16, sizeof(*argv));
	argv[n++] = xstrdup("make");
	if (k->silent)
		argv[n++] = xstrdup("-s");
	argv[n++] = xasprintf("-C%s", k->src);
	argv[n++] = xasprintf("O=%s", k->out);
	argv[n++] = xasprintf("ARCH=%s", k->arch);
	if (k->cc)
		argv[n++] = xasprintf("CC=%s", k->cc);
	if (k->jobs > 0)
		argv[n++] = xasprintf("-j%ld", k->jobs);
	/* Deterministic identity: the same config builds the same objects, and ccache can hit. */
	if (k->timestamp)
		argv[n++] = xasprintf("KBUILD_BUILD_TIMESTAMP=%s", k->timestamp);
	argv[n++] = xstrdup("KBUILD_BUILD_USER=kmatrix");
	argv[n++] = xstrdup("KBUILD_BUILD_HOST=kmatrix");
	for (size_t i = 0; i < ntargets; i++)
		argv[n++] = xstrdup(targets[i]);
	argv[n] = NULL;
	return argv;
}

void kmake_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static void quote(struct buf *b, const char *s)
{
	if (!strpbrk(s, " \t'\"$`\\|&;<>()*?[]#~")) {
		buf_puts(b, s);
		return;
	}
	buf_shell_quote(b, s, strlen(s));
}

char *kmake_command(const struct kmake *k, const char *const *targets)
{
	char **argv = kmake_argv(k, targets);
	struct buf b = BUF_INIT(64 * 1024);

	for (size_t i = 0; argv[i]; i++) {
		if (i)
			buf_puts(&b, " ");
		quote(&b, argv[i]);
	}
	kmake_argv_free(argv);
	return buf_steal(&b);
}
