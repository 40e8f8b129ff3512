/* A small, thread-safe store of rendered views: key -> (etag, body), oldest out first. */
#include "view_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

struct view {
	char *key, *etag, *body;
	size_t len;
};

struct view_cache {
	pthread_mutex_t lock;
	struct view *v; /* a ring: next is the slot written next */
	size_t max, n, next;
	long epoch;
};

struct view_cache *view_cache_new(size_t max)
{
	struct view_cache *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->lock, NULL);
	c->max = max ? max : 1;
	c->v = xcalloc(c->max, sizeof(*c->v));
	c->epoch = (long)time(NULL);
	return c;
}

long view_cache_epoch(const struct view_cache *c)
{
	return c->epoch;
}

static void view_clear(struct view *v)
{
	free(v->key);
	free(v->etag);
	free(v->body);
	memset(v, 0, sizeof(*v));
}

void view_cache_free(struct view_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		view_clear(&c->v[i]);
	free(c->v);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct view *find(struct view_cache *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].key, key) == 0)
			return &c->v[i];
	}
	return NULL;
}

bool view_cache_get(struct view_cache *c, const char *key, const char *etag, char **body, size_t *len)
{
	struct view *v;
	bool hit = false;

	*body = NULL;
	*len = 0;
	pthread_mutex_lock(&c->lock);
	v = find(c, key);
	if (v && strcmp(v->etag, etag) == 0) {
		*body = xmalloc(v->len + 1);
		memcpy(*body, v->body, v->len + 1);
		*len = v->len;
		hit = true;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void view_cache_put(struct view_cache *c, const char *key, const char *etag, const char *body, size_t len)
{
	struct view *v;

	pthread_mutex_lock(&c->lock);
	v = find(c, key);
	if (!v) {
		v = &c->v[c->next];
		c->next = (c->next + 1) % c->max;
		if (c->n < c->max)
			c->n++;
	}
	view_clear(v);
	v->key = xstrdup(key);
	v->etag = xstrdup(etag);
	v->body = xmalloc(len + 1);
	memcpy(v->body, body, len);
	v->body[len] = '\0';
	v->len = len;
	pthread_mutex_unlock(&c->lock);
}
