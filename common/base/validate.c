/* The syntax of refs, commit ids, fetch URLs and e-mail addresses, checked the same way wherever they come in. */
#include "validate.h"

#include <string.h>

bool validate_has_control(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

bool validate_ref(const char *r)
{
	size_t n = r ? strlen(r) : 0;

	if (n < 6 || n > VALIDATE_MAX_REF || strncmp(r, "refs/", 5) != 0 || validate_has_control(r))
		return false;
	if (strpbrk(r, " ~^:?*[\\") || strstr(r, "..") || strstr(r, "//") || strstr(r, "@{") || strstr(r, "/."))
		return false;
	return r[n - 1] != '/' && r[n - 1] != '.' && !(n >= 5 && strcmp(r + n - 5, ".lock") == 0);
}

bool validate_commit(const char *id, bool abbreviated)
{
	size_t n = id ? strlen(id) : 0;

	if (abbreviated ? (n < 7 || n > 64) : (n != 40 && n != 64))
		return false;
	return strspn(id, "0123456789abcdef") == n;
}

bool validate_url(const char *u)
{
	size_t n = u ? strlen(u) : 0;

	return n > 0 && n <= VALIDATE_MAX_URL && u[0] != '-' && !validate_has_control(u) && !strchr(u, ' ');
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool validate_address(const char *a)
{
	const char *at = a ? strchr(a, '@') : NULL;
	size_t n = a ? strlen(a) : 0;

	if (n < 3 || n > VALIDATE_MAX_ADDRESS || !at || at == a || !at[1] || strchr(at + 1, '@'))
		return false;
	for (const char *c = a; c < at; c++) {
		if (!is_alnum(*c) && !strchr(".!#$%&'*+/=?^_`{|}~-", *c))
			return false;
	}
	for (const char *c = at + 1; *c; c++) {
		if (!is_alnum(*c) && *c != '.' && *c != '-')
			return false;
	}
	return at[1] != '.' && at[1] != '-' && a[n - 1] != '.' && !strstr(at, "..");
}

char *validate_trim(char *s)
{
	static const char blanks[] = " \t\r\n";
	size_t n;

	s += strspn(s, blanks);
	n = strlen(s);
	while (n > 0 && strchr(blanks, s[n - 1]))
		s[--n] = '\0';
	return s;
}
