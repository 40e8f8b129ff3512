/* Hashing and token helpers over OpenSSL's libcrypto. */
#include "digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "xalloc.h"

static void to_hex(const unsigned char *bin, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[bin[i] >> 4];
		out[2 * i + 1] = hex[bin[i] & 15];
	}
	out[2 * n] = '\0';
}

void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	to_hex(md, 32, out);
}

struct digest_sha256 {
	EVP_MD_CTX *ctx;
};

struct digest_sha256 *digest_sha256_new(void)
{
	struct digest_sha256 *d = xcalloc(1, sizeof(*d));

	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx || EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1)
		abort(); /* only out of memory makes this fail */
	return d;
}

void digest_sha256_update(struct digest_sha256 *d, const void *data, size_t len)
{
	EVP_DigestUpdate(d->ctx, data, len);
}

void digest_sha256_final(struct digest_sha256 *d, char out[DIGEST_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_DigestFinal_ex(d->ctx, md, &mdlen);
	to_hex(md, 32, out);
	digest_sha256_free(d);
}

void digest_sha256_free(struct digest_sha256 *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

void digest_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
			    char out[DIGEST_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	HMAC(EVP_sha256(), key, (int)key_len, data, len, md, &mdlen);
	to_hex(md, 32, out);
}

int digest_random_hex(char *out, size_t nbytes)
{
	unsigned char bin[64];

	if (nbytes > sizeof(bin))
		return err_set(KM_EINVAL, "random token too long");
	if (RAND_bytes(bin, (int)nbytes) != 1)
		return err_set(KM_EIO, "no randomness available");
	to_hex(bin, nbytes, out);
	return 0;
}

bool digest_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;
	size_t n = la < lb ? la : lb;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}
