/* Rendered run views kept by request path and entity tag, so a view is rendered once per change of its run. */
#ifndef KM_VIEW_CACHE_H
#define KM_VIEW_CACHE_H

#include <stddef.h>

struct view_cache;

/* A cache of at most max views; the oldest stored goes first when it is full. */
struct view_cache *view_cache_new(size_t max);
void view_cache_free(struct view_cache *c);

/* When the cache was made: part of every entity tag, so a restarted (perhaps upgraded) server renders afresh. */
long view_cache_epoch(const struct view_cache *c);

/* A stored body, shared by the cache and the responses sending it: replacing a view never frees one being sent. */
struct view_body;
const char *view_body_data(const struct view_body *b);
size_t view_body_len(const struct view_body *b);
/* Drops one reference (the signature of a response's release callback). */
void view_body_release(void *b);

/*
 * The body stored for key when it was stored with this etag, with a
 * reference for the caller (view_body_release), or NULL when absent or
 * stored with another etag. No copy is made. Safe from any thread.
 */
struct view_body *view_cache_get(struct view_cache *c, const char *key, const char *etag);

/* Stores a copy of body for key under etag, replacing what key had. */
void view_cache_put(struct view_cache *c, const char *key, const char *etag, const char *body, size_t len);

#endif
