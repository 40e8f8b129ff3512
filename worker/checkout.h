/* Persistent working trees: fetch only what is new, check out one commit. The only libgit2 user in the worker. */
#ifndef KM_CHECKOUT_H
#define KM_CHECKOUT_H

#include <stdint.h>

struct checkout_info {
	char commit[41];
	char *subject;      /* first line of the commit message */
	char *author_name;
	char *author_email;
	int64_t time;       /* commit time, seconds since the epoch */
};

/*
 * Makes dir a clone of url (cloning the first time, fetching afterwards)
 * and checks out commit, or the tip of ref when commit is NULL. Unchanged
 * files keep their timestamps so incremental builds stay incremental.
 */
int checkout_tree(const char *url, const char *dir, const char *ref, const char *commit, struct checkout_info *out);
void checkout_info_release(struct checkout_info *info);

#endif
