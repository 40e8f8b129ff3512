/* The worker's side of the protocol: the only worker module that talks HTTP. */
#ifndef KM_CLIENT_H
#define KM_CLIENT_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>

struct client;

/* A client for the server at base_url ("http://127.0.0.1:8080") authenticating with token. */
int client_new(const char *base_url, const char *token, struct client **out);
void client_free(struct client *c);

/* Registers liveness and facts about this worker. */
int client_heartbeat(struct client *c, const char *hostname, const char *version, long cores);

/*
 * Asks for a job of the given kinds (NULL-terminated), waiting up to wait_s
 * on the server. *job is the payload ({"job", "lease"}), or NULL when none.
 */
int client_claim(struct client *c, const char *const *kinds, int wait_s, json_t **job);

/* Extends a lease; KM_ECONFLICT when the server says the lease is no longer ours. */
int client_extend(struct client *c, long job_id, const char *lease);

/* Uploads a file as a job artifact. */
int client_upload(struct client *c, long job_id, const char *lease, const char *name, const char *path);

/* Downloads a job's artifact to path. */
int client_download(struct client *c, long job_id, const char *name, const char *path);

/*
 * Posts a result, retrying transient failures (network, 5xx) with backoff for
 * up to retry_s seconds, or until *stop is set (the worker is shutting down:
 * the server requeues the job when the lease runs out). The result is
 * idempotent, so a retry is safe. KM_ECONFLICT when the lease was lost,
 * KM_EINVAL when the server refused it.
 */
int client_result(struct client *c, long job_id, json_t *result, int retry_s, volatile sig_atomic_t *stop);

#endif
