/* Rendered run views kept by request path and entity tag, so a view is rendered once per change of its run. */
#ifndef KM_VIEW_CACHE_H
#define KM_VIEW_CACHE_H

#include <stdbool.h>
#include <stddef.h>

struct view_cache;

/* A cache of at most max views; the oldest stored goes first when it is full. */
struct view_cache *view_cache_new(size_t max);
void view_cache_free(struct view_cache *c);

/* When the cache was made: part of every entity tag, so a restarted (perhaps upgraded) server renders afresh. */
long view_cache_epoch(const struct view_cache *c);

/*
 * The body stored for key when it was stored with this etag: *body (a copy,
 * the caller's) and *len, true. False when absent or stored with another etag.
 * Safe from any thread.
 */
bool view_cache_get(struct view_cache *c, const char *key, const char *etag, char **body, size_t *len);

/* Stores a copy of body for key under etag, replacing what key had. */
void view_cache_put(struct view_cache *c, const char *key, const char *etag, const char *body, size_t len);

#endif
