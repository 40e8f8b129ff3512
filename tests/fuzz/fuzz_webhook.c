/* Fuzz target for webhook bodies: the first byte picks the forge and encoding, the rest is the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "digest.h"
#include "webhook.h"

#define SECRET "fuzz-secret"

struct fuzz_hdrs {
	const char *names[4];
	const char *values[4];
};

static const char *get_hdr(void *ctx, const char *name)
{
	struct fuzz_hdrs *h = ctx;

	for (int i = 0; i < 4; i++) {
		if (h->names[i] && strcasecmp(h->names[i], name) == 0)
			return h->values[i];
	}
	return NULL;
}

/*
 * Byte 0: bits 0-1 choose GitHub, GitLab, Gitea or plain; bit 2 declares a
 * form body; bit 3 sends a wrong signature. Correct signatures are computed
 * over the rest so the fuzzer reaches the JSON handling past authentication.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const events[] = { "X-GitHub-Event", "X-Gitlab-Event", "X-Gitea-Event", NULL };
	static const char *const values[] = { "push", "Push Hook", "push", NULL };
	static const char *const sig_names[] = { "X-Hub-Signature-256", "X-Gitlab-Token", "X-Gitea-Signature",
		                                 "X-Kmatrix-Signature" };
	char mac[DIGEST_HEX_LEN + 1];
	char sig[DIGEST_HEX_LEN + 8];
	struct fuzz_hdrs h = { { 0 }, { 0 } };
	struct webhook_push *p = NULL;
	const char *body;
	size_t len;
	unsigned sel;

	if (size < 1)
		return 0;
	sel = data[0];
	body = (const char *)data + 1;
	len = size - 1;

	digest_hmac_sha256_hex(SECRET, strlen(SECRET), body, len, mac);
	if (sel & 8)
		mac[0] = mac[0] == '0' ? '1' : '0';
	switch (sel & 3) {
	case 1: memcpy(sig, sel & 8 ? "wrong" : SECRET, sel & 8 ? 6 : sizeof(SECRET)); break;
	case 2: memcpy(sig, mac, sizeof(mac)); break;
	default:
		memcpy(sig, "sha256=", 7);
		memcpy(sig + 7, mac, sizeof(mac));
		break;
	}
	h.names[0] = events[sel & 3];
	h.values[0] = values[sel & 3];
	h.names[1] = sig_names[sel & 3];
	h.values[1] = sig;
	h.names[2] = "Content-Type";
	h.values[2] = (sel & 4) ? "application/x-www-form-urlencoded" : "application/json";

	if (webhook_parse(body, len, get_hdr, &h, SECRET, &p) == 0) {
		/* Touch every field so the sanitizers see them. */
		size_t total = strlen(p->repo_url) + strlen(p->ref) + strlen(p->before) + strlen(p->after);

		for (size_t i = 0; i < p->nrepo_urls; i++)
			total += strlen(p->repo_urls[i]);
		if (p->subject)
			total += strlen(p->subject);
		if (total == 0)
			abort();
	}
	webhook_push_free(p);
	p = NULL;
	if (webhook_identify(body, len, get_hdr, &h, &p) == 0 && !p->repo_url)
		abort();
	webhook_push_free(p);
	return 0;
}
