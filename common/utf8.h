/* UTF-8 validation of text that comes from outside (logs, commit subjects, e-mail). */
#ifndef KM_UTF8_H
#define KM_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Length of the valid UTF-8 sequence at s (n bytes available, n >= 1), 0 when
 * it is invalid (overlong, surrogate, out of range, truncated). *cp gets the
 * code point when cp is not NULL.
 */
size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

#endif
