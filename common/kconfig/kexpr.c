/* Kconfig expressions with the semantics of scripts/kconfig/expr.c and symbol.c, for explaining clamps. */
#include "kexpr.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "xalloc.h"

enum tok {
	T_END,
	T_WORD,
	T_STRING,
	T_MACRO,
	T_OR,
	T_AND,
	T_NOT,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_OPEN,
	T_CLOSE,
	T_BAD,
};

struct lexer {
	const char *s;
	size_t pos;     /* start of the current token */
	size_t next;    /* just after it */
	enum tok tok;
	char *text;     /* WORD, STRING, MACRO: owned */
	int depth;
	const char *bad; /* message for T_BAD */
};

static int is_word_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.' || c == '/';
}

/* Scans a $(...) whose '(' is at i, with nested parentheses; returns the index after it or 0 if unterminated. */
static size_t scan_macro(const char *s, size_t i)
{
	int level = 0;

	for (; s[i]; i++) {
		if (s[i] == '(')
			level++;
		else if (s[i] == ')' && --level == 0)
			return i + 1;
	}
	return 0;
}

/* The token at i is tok, len characters long. */
static void emit(struct lexer *lx, enum tok tok, size_t i, size_t len)
{
	lx->tok = tok;
	lx->next = i + len;
}

static void emit_bad(struct lexer *lx, const char *why, size_t next)
{
	lx->tok = T_BAD;
	lx->bad = why;
	lx->next = next;
}

/* An operator or parenthesis at i; false when s[i] starts none. */
static bool lex_operator(struct lexer *lx, size_t i)
{
	const char *s = lx->s;
	bool eq = s[i + 1] == '=';

	switch (s[i]) {
	case '|':
		if (s[i + 1] != '|')
			return false;
		emit(lx, T_OR, i, 2);
		return true;
	case '&':
		if (s[i + 1] != '&')
			return false;
		emit(lx, T_AND, i, 2);
		return true;
	case '!': emit(lx, eq ? T_NE : T_NOT, i, eq ? 2 : 1); return true;
	case '=': emit(lx, T_EQ, i, 1); return true;
	case '<': emit(lx, eq ? T_LE : T_LT, i, eq ? 2 : 1); return true;
	case '>': emit(lx, eq ? T_GE : T_GT, i, eq ? 2 : 1); return true;
	case '(': emit(lx, T_OPEN, i, 1); return true;
	case ')': emit(lx, T_CLOSE, i, 1); return true;
	default: return false;
	}
}

/* A "..." or '...' string at i, backslash escaping the next character. */
static void lex_string(struct lexer *lx, size_t i)
{
	const char *s = lx->s;
	char q = s[i];
	struct buf b = BUF_INIT(KEXPR_MAX_LEN);
	size_t j = i + 1;

	for (; s[j] && s[j] != q; j++) {
		if (s[j] == '\\' && s[j + 1])
			j++;
		buf_append(&b, &s[j], 1);
	}
	if (s[j] != q) {
		buf_free(&b);
		emit_bad(lx, "unterminated string", j);
		return;
	}
	lx->tok = T_STRING;
	lx->text = buf_steal(&b);
	lx->next = j + 1;
}

/* A $(...) at i and the word characters right after it. */
static void lex_macro(struct lexer *lx, size_t i)
{
	const char *s = lx->s;
	size_t j = scan_macro(s, i + 1);

	if (!j) {
		emit_bad(lx, "unterminated $(", strlen(s));
		return;
	}
	while (is_word_char((unsigned char)s[j]))
		j++;
	lx->tok = T_MACRO;
	lx->text = xstrndup(s + i, j - i);
	lx->next = j;
}

/* A symbol or value at i, a MACRO when a $(...) is part of it. */
static void lex_word(struct lexer *lx, size_t i)
{
	const char *s = lx->s;
	size_t j = i;
	int macro = 0;

	while (is_word_char((unsigned char)s[j]) || (s[j] == '$' && s[j + 1] == '(')) {
		if (s[j] == '$') {
			size_t k = scan_macro(s, j + 1);

			if (!k)
				break;
			macro = 1;
			j = k;
		} else {
			j++;
		}
	}
	lx->tok = macro ? T_MACRO : T_WORD;
	lx->text = xstrndup(s + i, j - i);
	lx->next = j;
}

static void lex(struct lexer *lx)
{
	const char *s = lx->s;
	size_t i = lx->next;

	free(lx->text);
	lx->text = NULL;
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
		i++;
	lx->pos = i;
	if (!s[i])
		emit(lx, T_END, i, 0);
	else if (lex_operator(lx, i))
		return;
	else if (s[i] == '"' || s[i] == '\'')
		lex_string(lx, i);
	else if (s[i] == '$' && s[i + 1] == '(')
		lex_macro(lx, i);
	else if (is_word_char((unsigned char)s[i]))
		lex_word(lx, i);
	else
		emit_bad(lx, "unexpected character", i + 1);
}

static struct kexpr *node(enum kexpr_op op, struct kexpr *l, struct kexpr *r)
{
	struct kexpr *e = xcalloc(1, sizeof(*e));

	e->op = op;
	e->left = l;
	e->right = r;
	return e;
}

static int syntax(struct lexer *lx, const char *expected)
{
	if (lx->tok == T_BAD)
		return err_set(KM_EINVAL, "column %zu: %s", lx->pos + 1, lx->bad);
	if (lx->tok == T_END)
		return err_set(KM_EINVAL, "column %zu: expected %s, found end of expression", lx->pos + 1, expected);
	return err_set(KM_EINVAL, "column %zu: expected %s", lx->pos + 1, expected);
}

static int parse_or(struct lexer *lx, struct kexpr **out);

static int parse_atom(struct lexer *lx, struct kexpr **out)
{
	struct kexpr *e;

	if (lx->tok != T_WORD && lx->tok != T_STRING && lx->tok != T_MACRO)
		return syntax(lx, "a symbol");
	e = node(KEXPR_SYM, NULL, NULL);
	e->atom = lx->tok == T_WORD ? KEXPR_WORD : lx->tok == T_STRING ? KEXPR_STRING : KEXPR_MACRO;
	e->name = lx->text;
	lx->text = NULL;
	lex(lx);
	*out = e;
	return 0;
}

static int parse_unary(struct lexer *lx, struct kexpr **out)
{
	struct kexpr *e = NULL, *r = NULL;
	enum kexpr_op op;
	int rc;

	if (++lx->depth > KEXPR_MAX_DEPTH)
		return err_set(KM_ETOOBIG, "column %zu: expression nested deeper than %d", lx->pos + 1,
			       KEXPR_MAX_DEPTH);
	if (lx->tok == T_NOT) {
		lex(lx);
		rc = parse_unary(lx, &e);
		if (rc)
			goto done;
		*out = node(KEXPR_NOT, e, NULL);
		e = NULL;
		goto done;
	}
	if (lx->tok == T_OPEN) {
		lex(lx);
		rc = parse_or(lx, &e);
		if (rc)
			goto done;
		if (lx->tok != T_CLOSE) {
			rc = syntax(lx, "')'");
			goto done;
		}
		lex(lx);
		*out = e;
		e = NULL;
		goto done;
	}
	rc = parse_atom(lx, &e);
	if (rc)
		goto done;
	switch (lx->tok) {
	case T_EQ: op = KEXPR_EQ; break;
	case T_NE: op = KEXPR_NE; break;
	case T_LT: op = KEXPR_LT; break;
	case T_LE: op = KEXPR_LE; break;
	case T_GT: op = KEXPR_GT; break;
	case T_GE: op = KEXPR_GE; break;
	default:
		*out = e;
		e = NULL;
		goto done;
	}
	lex(lx);
	rc = parse_atom(lx, &r);
	if (rc)
		goto done;
	*out = node(op, e, r);
	e = NULL;
done:
	lx->depth--;
	kexpr_free(e);
	return rc;
}

static int parse_and(struct lexer *lx, struct kexpr **out)
{
	struct kexpr *l = NULL, *r = NULL;
	int rc = parse_unary(lx, &l);

	while (!rc && lx->tok == T_AND) {
		lex(lx);
		rc = parse_unary(lx, &r);
		if (!rc) {
			l = node(KEXPR_AND, l, r);
			r = NULL;
		}
	}
	if (rc) {
		kexpr_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

static int parse_or(struct lexer *lx, struct kexpr **out)
{
	struct kexpr *l = NULL, *r = NULL;
	int rc;

	if (++lx->depth > KEXPR_MAX_DEPTH)
		return err_set(KM_ETOOBIG, "column %zu: expression nested deeper than %d", lx->pos + 1,
			       KEXPR_MAX_DEPTH);
	rc = parse_and(lx, &l);
	while (!rc && lx->tok == T_OR) {
		lex(lx);
		rc = parse_and(lx, &r);
		if (!rc) {
			l = node(KEXPR_OR, l, r);
			r = NULL;
		}
	}
	lx->depth--;
	if (rc) {
		kexpr_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

static int parse(const char *text, size_t *consumed, struct kexpr **out)
{
	struct lexer lx = { 0 };
	struct kexpr *e = NULL;
	int rc;

	*out = NULL;
	if (strlen(text) > KEXPR_MAX_LEN)
		return err_set(KM_ETOOBIG, "expression longer than %d bytes", KEXPR_MAX_LEN);
	lx.s = text;
	lex(&lx);
	rc = parse_or(&lx, &e);
	if (rc)
		goto done;
	if (!consumed && lx.tok != T_END) {
		rc = syntax(&lx, "'&&', '||' or end of expression");
		goto done;
	}
	if (consumed)
		*consumed = lx.pos;
	*out = e;
	e = NULL;
done:
	free(lx.text);
	kexpr_free(e);
	return rc;
}

int kexpr_parse(const char *text, struct kexpr **out)
{
	return parse(text, NULL, out);
}

int kexpr_parse_prefix(const char *text, size_t *consumed, struct kexpr **out)
{
	return parse(text, consumed, out);
}

void kexpr_free(struct kexpr *e)
{
	while (e) {
		struct kexpr *next = e->left;

		/* Iterate down the left spine: long && / || chains are left-deep. */
		kexpr_free(e->right);
		free(e->name);
		free(e);
		e = next;
	}
}

struct kexpr *kexpr_dup(const struct kexpr *e)
{
	struct kexpr *d;

	if (!e)
		return NULL;
	d = node(e->op, kexpr_dup(e->left), kexpr_dup(e->right));
	d->atom = e->atom;
	d->name = e->name ? xstrdup(e->name) : NULL;
	return d;
}

struct kexpr *kexpr_and(struct kexpr *a, struct kexpr *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return node(KEXPR_AND, a, b);
}

struct kexpr *kexpr_or(struct kexpr *a, struct kexpr *b)
{
	return node(KEXPR_OR, a, b);
}

struct kexpr *kexpr_symbol(const char *name)
{
	struct kexpr *e = node(KEXPR_SYM, NULL, NULL);

	e->atom = KEXPR_WORD;
	e->name = xstrdup(name);
	return e;
}

char kexpr_tri_char(enum kexpr_tri t)
{
	return t == KEXPR_Y ? 'y' : t == KEXPR_M ? 'm' : 'n';
}

int kexpr_tri_from_char(char c)
{
	switch (c) {
	case 'y': return KEXPR_Y;
	case 'm': return KEXPR_M;
	case 'n': return KEXPR_N;
	default: return -1;
	}
}

static int is_tri_const(const char *s)
{
	return (s[0] == 'y' || s[0] == 'm' || s[0] == 'n') && !s[1];
}

static int is_number(const char *s)
{
	char *end;

	if (!*s)
		return 0;
	errno = 0;
	(void)strtoll(s, &end, 0);
	return !*end && !errno;
}

/* The resolved view of one atom: its type, string value (as Kconfig's sym_get_string_value) and tristate. */
struct atomval {
	enum kexpr_type type;
	char str[256];
	enum kexpr_tri tri;
	bool shown;   /* has a value to annotate */
	bool unknown; /* a macro */
};

static void unquote(const char *v, char *out, size_t outsz)
{
	size_t n = 0;

	if (*v == '"')
		v++;
	for (; *v && *v != '"' && n + 1 < outsz; v++) {
		if (*v == '\\' && v[1])
			v++;
		out[n++] = *v;
	}
	out[n] = '\0';
}

static enum kexpr_type guess_type(const char *v)
{
	if (is_tri_const(v))
		return KEXPR_T_TRISTATE;
	if (*v == '"')
		return KEXPR_T_STRING;
	if ((v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) && is_number(v))
		return KEXPR_T_HEX;
	if (is_number(v))
		return KEXPR_T_INT;
	return KEXPR_T_STRING;
}

static enum kexpr_tri modules_value(const struct kexpr_env *env)
{
	const char *v = env && env->get ? env->get(env->ctx, env->modules_sym ? env->modules_sym : "MODULES")
					: NULL;

	return v && v[0] == 'y' && !v[1] ? KEXPR_Y : v && v[0] == 'm' && !v[1] ? KEXPR_M : KEXPR_N;
}

static void resolve(const struct kexpr_env *env, const struct kexpr *a, unsigned flags, struct atomval *out)
{
	const char *v = NULL;

	memset(out, 0, sizeof(*out));
	if (a->atom == KEXPR_MACRO) {
		out->unknown = true;
		return;
	}
	if (a->atom == KEXPR_STRING) {
		snprintf(out->str, sizeof(out->str), "%s", a->name);
		return;
	}
	if (is_tri_const(a->name)) {
		/* Constants are symbol_yes/mod/no: tristate-typed, shown bare. */
		out->type = KEXPR_T_TRISTATE;
		out->tri = kexpr_tri_from_char(a->name[0]);
		if (out->tri == KEXPR_M && (flags & KEXPR_EVAL_DEP) && modules_value(env) == KEXPR_N)
			out->tri = KEXPR_N;
		snprintf(out->str, sizeof(out->str), "%c", kexpr_tri_char(out->tri));
		return;
	}
	if (env && env->get)
		v = env->get(env->ctx, a->name);
	if (env && env->type)
		out->type = env->type(env->ctx, a->name);
	else if (v)
		out->type = guess_type(v);
	else
		out->type = is_number(a->name) ? KEXPR_T_UNKNOWN : KEXPR_T_TRISTATE;
	switch (out->type) {
	case KEXPR_T_UNKNOWN:
		/* An undefined symbol or a constant: its value is its name (symbol.c). */
		snprintf(out->str, sizeof(out->str), "%s", a->name);
		return;
	case KEXPR_T_BOOL:
	case KEXPR_T_TRISTATE:
		out->tri = v ? (kexpr_tri_from_char(v[0]) >= 0 && !v[1] ? (enum kexpr_tri)kexpr_tri_from_char(v[0])
									   : KEXPR_N)
			     : KEXPR_N;
		snprintf(out->str, sizeof(out->str), "%c", kexpr_tri_char(out->tri));
		out->shown = true;
		return;
	case KEXPR_T_INT:
		snprintf(out->str, sizeof(out->str), "%s", v ? v : "0");
		break;
	case KEXPR_T_HEX:
		snprintf(out->str, sizeof(out->str), "%s", v ? v : "0x0");
		break;
	case KEXPR_T_STRING:
		unquote(v ? v : "", out->str, sizeof(out->str));
		break;
	}
	out->tri = KEXPR_N;
	out->shown = true;
}

enum kind { K_STRING, K_SIGNED, K_UNSIGNED };

static enum kind parse_value(const char *str, enum kexpr_type type, long long *s, unsigned long long *u)
{
	char *tail = NULL;

	errno = 0;
	switch (type) {
	case KEXPR_T_BOOL:
	case KEXPR_T_TRISTATE:
		*s = !strcmp(str, "n") ? 0 : !strcmp(str, "m") ? 1 : !strcmp(str, "y") ? 2 : -1;
		return K_SIGNED;
	case KEXPR_T_INT:
		*s = strtoll(str, &tail, 10);
		break;
	case KEXPR_T_HEX:
		*u = strtoull(str, &tail, 16);
		if (!errno && !*tail && tail > str && isxdigit((unsigned char)tail[-1]))
			return K_UNSIGNED;
		return K_STRING;
	default:
		*s = strtoll(str, &tail, 0);
		break;
	}
	return !errno && !*tail && tail > str && isxdigit((unsigned char)tail[-1]) ? K_SIGNED : K_STRING;
}

static int compare(const struct atomval *a, const struct atomval *b)
{
	long long ls = 0, rs = 0;
	unsigned long long lu = 0, ru = 0;
	enum kind k1 = K_STRING, k2 = K_STRING;

	if (a->type != KEXPR_T_STRING || b->type != KEXPR_T_STRING) {
		k1 = parse_value(a->str, a->type, &ls, &lu);
		k2 = parse_value(b->str, b->type, &rs, &ru);
	}
	if (k1 == K_STRING || k2 == K_STRING) {
		int r = strcmp(a->str, b->str);

		return (r > 0) - (r < 0);
	}
	if (k1 == K_UNSIGNED || k2 == K_UNSIGNED) {
		/* Mixed kinds read the other side's bits as expr.c's union does. */
		if (k1 == K_SIGNED)
			lu = (unsigned long long)ls;
		if (k2 == K_SIGNED)
			ru = (unsigned long long)rs;
		return (lu > ru) - (lu < ru);
	}
	return (ls > rs) - (ls < rs);
}

/* Kept out of kexpr_eval() so that its recursion carries no atomval on the stack. */
static enum kexpr_tri eval_atom(const struct kexpr *e, const struct kexpr_env *env, unsigned flags, bool *uncertain)
{
	struct atomval a;

	resolve(env, e, flags, &a);
	if (a.unknown && uncertain)
		*uncertain = true;
	return a.tri;
}

static enum kexpr_tri eval_compare(const struct kexpr *e, const struct kexpr_env *env, unsigned flags,
				   bool *uncertain)
{
	struct atomval a, b;
	int c;

	/* menu.c rewrites only a bare m into "m && MODULES": comparison operands stay as written. */
	resolve(env, e->left, flags & ~KEXPR_EVAL_DEP, &a);
	resolve(env, e->right, flags & ~KEXPR_EVAL_DEP, &b);
	if ((a.unknown || b.unknown) && uncertain)
		*uncertain = true;
	c = compare(&a, &b);
	switch (e->op) {
	case KEXPR_EQ: return c == 0 ? KEXPR_Y : KEXPR_N;
	case KEXPR_NE: return c != 0 ? KEXPR_Y : KEXPR_N;
	case KEXPR_LT: return c < 0 ? KEXPR_Y : KEXPR_N;
	case KEXPR_LE: return c <= 0 ? KEXPR_Y : KEXPR_N;
	case KEXPR_GT: return c > 0 ? KEXPR_Y : KEXPR_N;
	case KEXPR_GE: return c >= 0 ? KEXPR_Y : KEXPR_N;
	default: return KEXPR_N;
	}
}

enum kexpr_tri kexpr_eval(const struct kexpr *e, const struct kexpr_env *env, unsigned flags, bool *uncertain)
{
	enum kexpr_tri l, r;

	if (!e)
		return KEXPR_Y;
	switch (e->op) {
	case KEXPR_SYM:
		return eval_atom(e, env, flags, uncertain);
	case KEXPR_NOT:
		return (enum kexpr_tri)(2 - kexpr_eval(e->left, env, flags, uncertain));
	case KEXPR_AND:
		l = kexpr_eval(e->left, env, flags, uncertain);
		r = kexpr_eval(e->right, env, flags, uncertain);
		return l < r ? l : r;
	case KEXPR_OR:
		l = kexpr_eval(e->left, env, flags, uncertain);
		r = kexpr_eval(e->right, env, flags, uncertain);
		return l > r ? l : r;
	default:
		return eval_compare(e, env, flags, uncertain);
	}
}

bool kexpr_symbol_value(const struct kexpr_env *env, const char *name, char *out, size_t outsz)
{
	struct kexpr a = { .op = KEXPR_SYM, .atom = KEXPR_WORD, .name = (char *)name };
	struct atomval v;

	resolve(env, &a, 0, &v);
	if (outsz)
		snprintf(out, outsz, "%s", v.str);
	return v.shown;
}

/* Kconfig's expr_compare_type(): does a child of type t need parentheses under a parent of type parent? */
static int binds_weaker(enum kexpr_op parent, enum kexpr_op t)
{
	if (parent == t)
		return 0;
	switch (parent) {
	case KEXPR_LE:
	case KEXPR_LT:
	case KEXPR_GE:
	case KEXPR_GT:
		if (t == KEXPR_EQ || t == KEXPR_NE)
			return 1;
		/* fallthrough */
	case KEXPR_EQ:
	case KEXPR_NE:
		if (t == KEXPR_NOT)
			return 1;
		/* fallthrough */
	case KEXPR_NOT:
		if (t == KEXPR_AND)
			return 1;
		/* fallthrough */
	case KEXPR_AND:
		if (t == KEXPR_OR)
			return 1;
		/* fallthrough */
	default:
		break;
	}
	return 0;
}

static int print_atom(struct buf *b, const struct kexpr *a, const struct kexpr_env *env)
{
	struct atomval v;
	int rc;

	if (a->atom == KEXPR_STRING) {
		rc = buf_puts(b, "\"");
		for (const char *p = a->name; !rc && *p; p++)
			rc = (*p == '"' || *p == '\\') ? buf_printf(b, "\\%c", *p) : buf_append(b, p, 1);
		return rc ? rc : buf_puts(b, "\"");
	}
	rc = buf_puts(b, a->name);
	if (rc || !env)
		return rc;
	if (a->atom == KEXPR_MACRO)
		return buf_puts(b, " [=?]");
	if (is_tri_const(a->name))
		return 0;
	resolve(env, a, 0, &v);
	if (!v.shown)
		return 0;
	return buf_printf(b, " [=%s]", v.str);
}

static int print(struct buf *b, const struct kexpr *e, const struct kexpr_env *env, enum kexpr_op prev, int depth)
{
	int paren = depth > 0 && binds_weaker(prev, e->op);
	int rc = 0;

	if (paren && (rc = buf_puts(b, "(")))
		return rc;
	switch (e->op) {
	case KEXPR_SYM:
		rc = print_atom(b, e, env);
		break;
	case KEXPR_NOT:
		rc = buf_puts(b, "!");
		if (!rc)
			rc = print(b, e->left, env, KEXPR_NOT, depth + 1);
		break;
	case KEXPR_AND:
	case KEXPR_OR:
		rc = print(b, e->left, env, e->op, depth + 1);
		if (!rc)
			rc = buf_puts(b, e->op == KEXPR_AND ? " && " : " || ");
		if (!rc)
			rc = print(b, e->right, env, e->op, depth + 1);
		break;
	default: {
		static const char *const ops[] = {
			[KEXPR_EQ] = "=", [KEXPR_NE] = "!=", [KEXPR_LT] = "<",
			[KEXPR_LE] = "<=", [KEXPR_GT] = ">", [KEXPR_GE] = ">=",
		};

		rc = print_atom(b, e->left, env);
		/* Kconfig writes "A>=B"; with values shown, "A [=m] >= B [=y]" reads better. */
		if (!rc)
			rc = env ? buf_printf(b, " %s ", ops[e->op]) : buf_puts(b, ops[e->op]);
		if (!rc)
			rc = print_atom(b, e->right, env);
		break;
	}
	}
	if (!rc && paren)
		rc = buf_puts(b, ")");
	return rc;
}

int kexpr_print(struct buf *b, const struct kexpr *e, const struct kexpr_env *env)
{
	if (!e)
		return buf_puts(b, "y");
	return print(b, e, env, KEXPR_SYM, 0);
}

char *kexpr_str(const struct kexpr *e, const struct kexpr_env *env)
{
	struct buf b = BUF_INIT(4 * KEXPR_MAX_LEN);

	if (kexpr_print(&b, e, env)) {
		buf_free(&b);
		return xstrdup("(expression too long to print)");
	}
	return buf_steal(&b);
}

void kexpr_foreach_symbol(const struct kexpr *e, void (*fn)(void *ctx, const char *sym), void *ctx)
{
	for (; e; e = e->right) {
		if (e->op == KEXPR_SYM) {
			if (e->atom == KEXPR_WORD && !is_tri_const(e->name) && !is_number(e->name))
				fn(ctx, e->name);
			return;
		}
		kexpr_foreach_symbol(e->left, fn, ctx);
		if (e->op == KEXPR_NOT)
			return;
	}
}
