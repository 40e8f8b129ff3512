/* Matrix expectations: parsing [expect] rules and judging configs and boots against them. */
#include "expect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "xalloc.h"

static const char *const kind_names[] = {
	[EXPECT_NEVER] = "never",
	[EXPECT_ALWAYS] = "always",
	[EXPECT_BUILDS] = "builds",
	[EXPECT_OWNER] = "owner",
};

const char *expect_kind_name(enum expect_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The word at *s (up to a blank, '=' or ','), copied; *s moves past it and the blanks after it. */
static char *word(const char **s)
{
	const char *b = *s, *e = b;
	char *w;

	while (*e && !blank(*e) && *e != '=' && *e != ',')
		e++;
	w = xstrndup(b, (size_t)(e - b));
	while (blank(*e))
		e++;
	*s = e;
	return w;
}

static void skip_blanks(const char **s)
{
	while (blank(**s))
		(*s)++;
}

static bool ident_ok(const char *w, size_t max)
{
	size_t n = strlen(w);

	if (n == 0 || n > max || !((w[0] >= 'a' && w[0] <= 'z') || (w[0] >= '0' && w[0] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = w[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Parses an expression, moving kexpr's "column N" to the column of the line. */
static int parse_expr(const char *text, unsigned col, struct kexpr **out)
{
	unsigned long n = 0;
	const char *msg, *rest;
	char *end = NULL;
	int rc = kexpr_parse(text, out);
	char *copy;

	if (!rc)
		return 0;
	msg = err_msg();
	if (strncmp(msg, "column ", 7) != 0)
		return err_set(rc, "column %u: %s", col, msg);
	n = strtoul(msg + 7, &end, 10);
	rest = end && *end == ':' ? end + 1 : "";
	copy = xstrdup(rest);
	rc = err_set(rc, "column %lu:%s (expected a Kconfig expression such as DEV_DAX_HMEM=y && CXL_BUS=m)",
		     n + col - 1, copy);
	free(copy);
	return rc;
}

static bool has_symbol(const struct kexpr *e)
{
	if (!e)
		return false;
	if (e->op == KEXPR_SYM)
		return e->atom == KEXPR_WORD && kexpr_tri_from_char(e->name[0]) < 0;
	return has_symbol(e->left) || has_symbol(e->right);
}

static int parse_owner(struct expect_rule *r, const char *s, const char *value, unsigned value_col)
{
	char *w = NULL;
	int rc = 0;
#define COL(p) ((unsigned)((p) - value) + value_col)

	const char *at = s;

	w = word(&s);
	if (strcmp(w, "subject") != 0 && strcmp(w, "control") != 0) {
		rc = err_set(KM_EINVAL, "column %u: unknown range '%.32s' (expected subject or control)", COL(at), w);
		goto done;
	}
	r->role = w;
	w = NULL;
	if (*s != '=') {
		rc = err_set(KM_EINVAL, "column %u: expected '=' after the range (owner %s = hmem|cxl|none)", COL(s),
			     r->role);
		goto done;
	}
	s++;
	skip_blanks(&s);
	at = s;
	w = word(&s);
	if (strcmp(w, "hmem") != 0 && strcmp(w, "cxl") != 0 && strcmp(w, "none") != 0) {
		rc = err_set(KM_EINVAL, "column %u: unknown owner '%.32s' (expected hmem, cxl or none)", COL(at), w);
		goto done;
	}
	r->owner = w;
	w = NULL;
	while (*s) {
		at = s;
		w = word(&s);
		if (strcmp(w, "in") == 0 && r->nvariants == 0) {
			free(w);
			w = NULL;
			for (;;) {
				const char *vat = s;
				char *v = word(&s);

				if (!ident_ok(v, 32)) {
					rc = err_set(KM_EINVAL, "column %u: bad variant name '%.32s' (expected [a-z0-9][a-z0-9._-]{0,31})",
						     COL(vat), v);
					free(v);
					goto done;
				}
				r->variants = xrealloc(r->variants, (r->nvariants + 1) * sizeof(char *));
				r->variants[r->nvariants++] = v;
				if (*s != ',')
					break;
				s++;
				skip_blanks(&s);
			}
		} else if (strcmp(w, "when") == 0) {
			if (!*s) {
				rc = err_set(KM_EINVAL, "column %u: expected a condition after 'when'", COL(s));
				goto done;
			}
			rc = parse_expr(s, COL(s), &r->expr);
			goto done;
		} else {
			rc = err_set(KM_EINVAL, "column %u: unexpected '%.32s' (expected 'in VARIANT,...' or 'when EXPR')",
				     COL(at), *w ? w : at);
			goto done;
		}
	}
done:
	free(w);
	return rc;
#undef COL
}

int expect_rule_parse(const char *name, const char *value, unsigned value_col, unsigned line,
		      struct expect_rule **out)
{
	struct expect_rule *r = NULL;
	const char *s = value;
	char *kind = NULL;
	int rc = 0;

	*out = NULL;
	if (!ident_ok(name, 64))
		return err_set(KM_EINVAL, "column 1: bad rule name '%.64s' (expected [a-z0-9][a-z0-9._-]{0,63}, e.g. hmem-cxl-together)",
			       name);
	r = xcalloc(1, sizeof(*r));
	r->name = xstrdup(name);
	r->line = line;
	kind = word(&s);
	if (strcmp(kind, "never") == 0)
		r->kind = EXPECT_NEVER;
	else if (strcmp(kind, "always") == 0)
		r->kind = EXPECT_ALWAYS;
	else if (strcmp(kind, "builds") == 0)
		r->kind = EXPECT_BUILDS;
	else if (strcmp(kind, "owner") == 0)
		r->kind = EXPECT_OWNER;
	else {
		rc = err_set(KM_EINVAL, "column %u: unknown rule kind '%.32s' (expected never, always, builds or owner)",
			     value_col, kind);
		goto done;
	}
	if (r->kind == EXPECT_OWNER) {
		rc = parse_owner(r, s, value, value_col);
	} else if (!*s) {
		rc = err_set(KM_EINVAL, "column %u: expected a Kconfig expression after '%s'",
			     (unsigned)(s - value) + value_col, kind);
	} else {
		rc = parse_expr(s, (unsigned)(s - value) + value_col, &r->expr);
		if (!rc && !has_symbol(r->expr))
			rc = err_set(KM_EINVAL, "column %u: the expression names no symbol (expected e.g. DEV_DAX_HMEM != n)",
				     (unsigned)(s - value) + value_col);
	}
	if (!rc) {
		struct buf b = BUF_INIT(4096);
		bool sp = false;

		for (const char *c = value; *c; c++) {
			if (blank(*c)) {
				sp = true;
				continue;
			}
			if (sp && b.len)
				buf_append(&b, " ", 1);
			sp = false;
			buf_append(&b, c, 1);
		}
		r->text = b.len ? buf_steal(&b) : xstrdup("");
		buf_free(&b);
	}
done:
	free(kind);
	if (rc) {
		expect_rule_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static void rule_clear(struct expect_rule *r)
{
	free(r->name);
	kexpr_free(r->expr);
	free(r->text);
	free(r->role);
	free(r->owner);
	for (size_t i = 0; i < r->nvariants; i++)
		free(r->variants[i]);
	free(r->variants);
}

void expect_rule_free(struct expect_rule *r)
{
	if (!r)
		return;
	rule_clear(r);
	free(r);
}

void expect_rules_free(struct expect_rule *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		rule_clear(&v[i]);
	free(v);
}

bool expect_is_config_rule(const struct expect_rule *r)
{
	return r->kind == EXPECT_NEVER || r->kind == EXPECT_ALWAYS;
}

bool expect_rule_has_variant(const struct expect_rule *r, const char *variant)
{
	if (r->nvariants == 0)
		return true;
	for (size_t i = 0; variant && i < r->nvariants; i++) {
		if (strcmp(r->variants[i], variant) == 0)
			return true;
	}
	return false;
}

bool expect_condition_holds(const struct expect_rule *r, const struct kexpr_env *env)
{
	return !r->expr || kexpr_eval(r->expr, env, 0, NULL) != KEXPR_N;
}

bool expect_config_violates(const struct expect_rule *r, const struct kexpr_env *env)
{
	bool holds = expect_condition_holds(r, env);

	if (r->kind == EXPECT_NEVER)
		return holds;
	if (r->kind == EXPECT_ALWAYS)
		return !holds;
	return false;
}

void expect_rule_symbols(const struct expect_rule *r, void (*fn)(void *ctx, const char *sym), void *ctx)
{
	if (r->expr)
		kexpr_foreach_symbol(r->expr, fn, ctx);
}

char *expect_signature(const char *matrix, const struct expect_rule *r)
{
	return xasprintf("expect:%s:%s", matrix, r->name);
}

char *expect_race_signature(const char *matrix, const char *variant, const char *role)
{
	return xasprintf("race:%s:%s:%s", matrix, variant, role);
}

void expect_tally_add(struct expect_tally *t, const char *owner)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (strcmp(t->owner[i], owner) == 0)
			break;
	}
	if (i == t->n) {
		if (t->n == sizeof(t->count) / sizeof(t->count[0]))
			return;
		snprintf(t->owner[t->n], sizeof(t->owner[0]), "%s", owner);
		t->count[t->n++] = 0;
	}
	t->count[i]++;
	/* Keep the most frequent first; ties stay in first-seen order. */
	while (i > 0 && t->count[i] > t->count[i - 1]) {
		char o[16];
		unsigned c = t->count[i];

		memcpy(o, t->owner[i], sizeof(o));
		memcpy(t->owner[i], t->owner[i - 1], sizeof(o));
		memcpy(t->owner[i - 1], o, sizeof(o));
		t->count[i] = t->count[i - 1];
		t->count[i - 1] = c;
		i--;
	}
}

void expect_tally_text(const struct expect_tally *t, char *out, size_t outsz)
{
	size_t len = 0;

	if (outsz)
		out[0] = '\0';
	for (size_t i = 0; i < t->n && len < outsz; i++) {
		int k = snprintf(out + len, outsz - len, "%s%s %u", i ? " / " : "", t->owner[i], t->count[i]);

		if (k < 0)
			break;
		len += (size_t)k;
	}
}
