/* Persistent working trees: fetch only what is new, check out one commit. The only libgit2 user in the worker. */
#ifndef KM_CHECKOUT_H
#define KM_CHECKOUT_H

#include <stddef.h>
#include <stdint.h>

struct checkout_info {
	char commit[41];
	char *subject;      /* first line of the commit message */
	char *author_name;
	char *author_email;
	int64_t time;       /* commit time, seconds since the epoch */
};

/*
 * Makes dir a clone of url (cloning the first time, fetching afterwards
 * unless commit is already there) and checks out commit, or the tip of ref
 * when commit is NULL. Unchanged files keep their timestamps so incremental
 * builds stay incremental. The work tree is the worker's alone: one already
 * wholly checked out at the commit (a mark in .git says so) is not walked
 * again, which spares every build of a run a stat of the whole tree.
 */
int checkout_tree(const char *url, const char *dir, const char *ref, const char *commit, struct checkout_info *out);
void checkout_info_release(struct checkout_info *info);

/* A file that differs between two commits: its path (the new one, or the old one when deleted). */
struct checkout_change {
	char *path;
	char status; /* 'A' added, 'D' deleted, 'M' modified, 'R' renamed or copied, 'T' type changed */
};
/*
 * The files that differ between commits from and to of the clone in dir.
 * KM_ETOOBIG when more than max do (the caller then treats every file as
 * changed). Release with checkout_changes_free().
 */
int checkout_changed_files(const char *dir, const char *from, const char *to, size_t max,
			   struct checkout_change **out, size_t *n);
void checkout_changes_free(struct checkout_change *c, size_t n);

struct checkout_commit {
	char id[41];
	char *subject, *author; /* author: "Name <address>" */
};
struct checkout_walk {
	char good[41];   /* the good end: good itself, or its merge-base with head */
	int ancestor;    /* good is an ancestor of head */
	struct checkout_commit *commits; /* first parents after the good end up to head, oldest first */
	size_t n;
};
/*
 * Fetches ref into dir's clone (cloning it the first time, checking nothing
 * out) and lists the first-parent commits from head down to good, or to
 * their merge-base when good is not an ancestor. KM_ETOOBIG over max.
 */
int checkout_first_parents(const char *url, const char *dir, const char *ref, const char *good, const char *head,
			   size_t max, struct checkout_walk *out);
void checkout_walk_release(struct checkout_walk *w);

#endif
