/* The trees file in force: loaded at start and again on SIGHUP, read by the webhook, poll and mail threads. */
#include "server.h"

#include <stdlib.h>

#include "triggers.h"
#include "xalloc.h"

const struct triggers *server_triggers(struct server *s)
{
	return atomic_load(&s->triggers);
}

int server_triggers_load(struct server *s)
{
	struct triggers *t = NULL;
	int rc;

	if (!*s->cfg->trees_file)
		return 0;
	rc = triggers_load(s->cfg->trees_file, &t);
	if (!rc)
		rc = triggers_check_matrices(t, s->cfg->matrices_dir);
	if (!rc)
		rc = triggers_sync(server_db(s), t);
	if (rc) {
		triggers_free(t);
		return rc;
	}
	/*
	 * A webhook or a poll may still be reading the previous version, so no
	 * version is freed before the server stops: a few KB per reload.
	 */
	s->trees_versions = xrealloc(s->trees_versions, (s->ntrees_versions + 1) * sizeof(*s->trees_versions));
	s->trees_versions[s->ntrees_versions++] = t;
	atomic_store(&s->triggers, t);
	return 0;
}

void server_triggers_release(struct server *s)
{
	for (size_t i = 0; i < s->ntrees_versions; i++)
		triggers_free(s->trees_versions[i]);
	free(s->trees_versions);
	s->trees_versions = NULL;
	s->ntrees_versions = 0;
	atomic_store(&s->triggers, NULL);
}
