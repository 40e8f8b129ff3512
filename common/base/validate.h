/* The one syntax check for each kind of name the farm takes from outside: git refs, commit ids, fetch URLs, e-mail addresses. */
#ifndef KM_VALIDATE_H
#define KM_VALIDATE_H

#include <stdbool.h>

#define VALIDATE_MAX_REF     255
#define VALIDATE_MAX_URL     2048
#define VALIDATE_MAX_ADDRESS 254

/* Whether s holds a control character (below 0x20, or DEL). */
bool validate_has_control(const char *s);

/*
 * A full ref name ("refs/heads/main") as git check-ref-format allows it: no
 * control characters, spaces or any of ~^:?*[\, no "..", "//", "@{" or
 * component starting with '.', not ending in '/', '.' or ".lock"; at most
 * VALIDATE_MAX_REF bytes.
 */
bool validate_ref(const char *ref);

/*
 * A commit id in lower-case hex, as git writes it (the database compares ids
 * as text, so an upper-case one would never match): 40 or 64 digits, or, with
 * abbreviated, 7 to 64.
 */
bool validate_commit(const char *id, bool abbreviated);

/*
 * A URL or path git can fetch from: 1 to VALIDATE_MAX_URL bytes, no control
 * characters or blanks (a URL spells a space %20), not starting with '-' (it
 * could be read as an option).
 */
bool validate_url(const char *url);

/*
 * A bare e-mail address (addr-spec) mail can be sent to: 3 to
 * VALIDATE_MAX_ADDRESS bytes, one '@' with a local part of atext and '.'
 * before it, and a domain of letters, digits, '.' and '-' after it that does
 * not start with '.' or '-', end with '.' or hold "..".
 */
bool validate_address(const char *addr);

/*
 * Strips blanks (space, tab, CR, LF) from both ends of s in place; returns
 * the first byte kept. How every line-oriented parser reads its keys and values.
 */
char *validate_trim(char *s);

#endif
