/* SHA-256, HMAC-SHA256, random tokens and constant-time comparison. */
#ifndef KM_DIGEST_H
#define KM_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#define DIGEST_HEX_LEN 64 /* a SHA-256 in hex, without the NUL */

/* Writes the lowercase hex SHA-256 of data into out (65 bytes with the NUL). */
void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_HEX_LEN + 1]);

/* Writes the lowercase hex HMAC-SHA256 of data under key into out. */
void digest_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
			    char out[DIGEST_HEX_LEN + 1]);

/* Fills out with 2*nbytes hex characters from the system CSPRNG, NUL-terminated. 0 or KM_EIO. */
int digest_random_hex(char *out, size_t nbytes);

/* Compares two strings in time that depends only on their lengths. */
bool digest_equal(const char *a, const char *b);

#endif
