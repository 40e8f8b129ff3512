/* Where a worker keeps trees and build directories, named so that ccache hits across names. */
#include "worker.h"

#include "xalloc.h"

char *job_safe_name(const char *s)
{
	char *out = xstrdup(s && *s ? s : "tree");

	for (char *p = out; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '-'))
			*p = '_';
	}
	if (out[0] == '.')
		out[0] = '_';
	return out;
}

char *worker_tree_dir(const struct worker_opts *o, const char *tree_key)
{
	return xasprintf("%s/src/%s/linux", o->work_dir, tree_key);
}
