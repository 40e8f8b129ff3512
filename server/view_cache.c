/* A small, thread-safe store of rendered views: key -> (etag, shared body), oldest out first. */
#include "view_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

struct view_body {
	atomic_long refs;
	size_t len;
	char data[];
};

struct view {
	char *key, *etag;
	struct view_body *body;
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

const char *view_body_data(const struct view_body *b)
{
	return b->data;
}

size_t view_body_len(const struct view_body *b)
{
	return b->len;
}

void view_body_release(void *p)
{
	struct view_body *b = p;

	if (b && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

static void view_clear(struct view *v)
{
	free(v->key);
	free(v->etag);
	view_body_release(v->body);
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

struct view_body *view_cache_get(struct view_cache *c, const char *key, const char *etag)
{
	struct view *v;
	struct view_body *b = NULL;

	pthread_mutex_lock(&c->lock);
	v = find(c, key);
	if (v && strcmp(v->etag, etag) == 0) {
		b = v->body;
		atomic_fetch_add(&b->refs, 1);
	}
	pthread_mutex_unlock(&c->lock);
	return b;
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
	v->body = xmalloc(sizeof(*v->body) + len + 1);
	atomic_init(&v->body->refs, 1);
	memcpy(v->body->data, body, len);
	v->body->data[len] = '\0';
	v->body->len = len;
	pthread_mutex_unlock(&c->lock);
}
