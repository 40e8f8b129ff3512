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

/*
 * Makes the NUL-terminated s, in place, one line of valid UTF-8: every byte
 * of an invalid or cut sequence and every control character becomes '?'
 * (tab, CR and newline a space). Error messages and logs go through it, so a
 * "%.40s" that cut a character in two never makes an answer unencodable.
 */
void utf8_sanitize(char *s);

/*
 * Cleans text from outside into a new string (the caller's): control
 * characters other than newline and tab (when multiline) are dropped,
 * invalid sequences become U+FFFD, and the result is cut to at most max
 * bytes on a character boundary.
 */
char *utf8_clean(const char *s, size_t max, int multiline);

#endif
