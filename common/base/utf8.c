/* The one UTF-8 decoder: strict, so hostile bytes never pass as text. */
#include "utf8.h"

#include <string.h>

#include "xalloc.h"

size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c;

	if (s[0] < 0x80) {
		if (cp)
			*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, c = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, c = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10FFFF ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	if (cp)
		*cp = c;
	return len;
}

void utf8_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		size_t len = utf8_seq(p + i, n - i, NULL);

		if (p[i] == '\n' || p[i] == '\t' || p[i] == '\r') {
			p[i++] = ' ';
			continue;
		}
		if (len == 0 || p[i] < 0x20 || p[i] == 0x7F) {
			p[i++] = '?';
			continue;
		}
		/* C1 controls (U+0080..U+009F) are two bytes: C2 80..C2 9F. */
		if (len == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0) {
			p[i] = '?';
			p[i + 1] = '?';
		}
		i += len;
	}
}

char *utf8_clean(const char *s, size_t max, int multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), o = 0;
	char *out = xmalloc(n * 3 + 1);

	for (size_t i = 0; i < n;) {
		size_t len = utf8_seq(p + i, n - i, NULL);
		const char *piece = s + i;
		size_t plen = len;

		if (len == 0) {
			piece = "\xEF\xBF\xBD"; /* U+FFFD for a byte that is not UTF-8 */
			plen = 3;
			len = 1;
		} else if ((p[i] < 0x20 && !(multiline && (p[i] == '\n' || p[i] == '\t'))) || p[i] == 0x7F ||
			   (len == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0)) {
			plen = 0;
		}
		if (o + plen > max)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		i += len;
	}
	out[o] = '\0';
	return out;
}
