/* SHA-256, HMAC-SHA256, random tokens and constant-time comparison. */
#ifndef KM_DIGEST_H
#define KM_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#define DIGEST_HEX_LEN 64 /* a SHA-256 in hex, without the NUL */

/* Writes the lowercase hex SHA-256 of data into out (65 bytes with the NUL). */
void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_HEX_LEN + 1]);

/* SHA-256 of data that arrives in pieces: new, update as often as needed, then final (which frees it). */
struct digest_sha256;
struct digest_sha256 *digest_sha256_new(void);
void digest_sha256_update(struct digest_sha256 *d, const void *data, size_t len);
void digest_sha256_final(struct digest_sha256 *d, char out[DIGEST_HEX_LEN + 1]);
/* Drops a digest that will not be finished; NULL is fine. */
void digest_sha256_free(struct digest_sha256 *d);

/* Writes the lowercase hex HMAC-SHA256 of data under key into out. */
void digest_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
			    char out[DIGEST_HEX_LEN + 1]);

/* Fills out with 2*nbytes hex characters from the system CSPRNG, NUL-terminated. 0 or KM_EIO. */
int digest_random_hex(char *out, size_t nbytes);

/* Compares two strings in time that depends only on their lengths. */
bool digest_equal(const char *a, const char *b);

#endif
