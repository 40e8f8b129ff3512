/* Diagnoses built-in code calling a symbol that lives in a module: who calls, who provides, and the remedies. */
#ifndef KM_SYMDIAG_H
#define KM_SYMDIAG_H

#include <jansson.h>
#include <stddef.h>

#include "kexpr.h"
#include "ktree.h"

#define SYMDIAG_MAX_INPUT (64 * 1024 * 1024) /* one Module.symvers or nm output */
#define SYMDIAG_MAX_ENTRIES 2000000          /* symbols indexed in total */

/* An index of the symbols that modules of passing builds export or define. */
struct symdiag_exports;

struct symdiag_exports *symdiag_exports_new(void);

void symdiag_exports_free(struct symdiag_exports *x);

/*
 * Adds a Module.symvers text: lines "0xCRC<TAB>sym<TAB>module<TAB>EXPORT_KIND[<TAB>namespace]"
 * (module as "drivers/cxl/core/cxl_core" or "vmlinux"). origin names the
 * text in messages and reports (e.g. "config 17 Module.symvers"). KM_EINVAL
 * with "ORIGIN:LINE: ..." for a malformed line, KM_ETOOBIG over the limits.
 */
int symdiag_exports_add_symvers(struct symdiag_exports *x, const char *text, size_t len, const char *origin);

/*
 * Adds `nm` output of module objects: "ADDR T sym" lines under "path/x.ko:"
 * headers, or "path/x.ko:ADDR T sym" lines (nm -A); without either, origin
 * is the object. Only defined global symbols count. Errors as above.
 */
int symdiag_exports_add_nm(struct symdiag_exports *x, const char *text, size_t len, const char *origin);

/* One `undefined reference to 'sym'` from the final link. */
struct symdiag_undef {
	char *symbol;
	char *object;   /* the object ld names: "drivers/dax/hmem/hmem.o" or "vmlinux.o"; NULL if unknown */
	char *function; /* the calling function, NULL if unknown */
	char *source;   /* "drivers/dax/hmem/hmem.c:57" when ld had debug info, else NULL */
};

/*
 * Parses GNU ld output for undefined references, e.g.
 *   ld: vmlinux.o: in function `hmem_register_device':
 *   drivers/dax/hmem/hmem.c:57:(.text+0x9d): undefined reference to `cxl_region_contains_resource'
 * (either quote style). *out is a new array of *n entries, freed with
 * symdiag_undefs_free(). Returns 0 (also when nothing is found).
 */
int symdiag_parse_ld(const char *text, size_t len, struct symdiag_undef **out, size_t *n);

void symdiag_undefs_free(struct symdiag_undef *u, size_t n);

/* What symdiag_diagnose() may use; every field may be NULL. */
struct symdiag_opts {
	const char *srctree;          /* to map objects to config symbols through Makefiles / Kbuild */
	const struct ktree *tree;     /* the caller's and provider's Kconfig types and locations */
	const struct kexpr_env *env;  /* the failing build's effective config */
};

struct symdiag_report {
	char *symbol;
	char *caller_object;   /* the built-in object that calls it */
	char *caller_function;
	char *caller_config;   /* the symbol building the caller ("DEV_DAX_HMEM"), or NULL */
	char caller_value;     /* its value in the failing build, 0 if unknown */
	char *provider_module; /* "drivers/cxl/core/cxl_core.ko", NULL if no export was found */
	char *provider_config; /* "CXL_BUS", or NULL */
	char provider_value;   /* its value in the failing build, 0 if unknown */
	char *export_kind;     /* "EXPORT_SYMBOL_GPL", or NULL (seen by nm only) */
	char *ns;              /* export namespace, or NULL */
	char *origin;          /* where the provider was seen */
	char **remedies;
	size_t nremedies;
	char *text;
};

/*
 * Diagnoses one undefined reference: finds the provider in x, maps caller
 * and provider objects to config symbols (when opts->srctree is given) and
 * states remedies: `depends on P || !P` on the caller's symbol (`depends on
 * P != m` for a bool), IS_REACHABLE(CONFIG_P) in place of #ifdef/IS_ENABLED at
 * the call site, or moving the caller into the module. *out is new, freed
 * with symdiag_report_free(). KM_EINVAL without a symbol.
 */
int symdiag_diagnose(const struct symdiag_exports *x, const struct symdiag_undef *u, const struct symdiag_opts *opts,
		     struct symdiag_report **out);

/*
 * The config symbol that builds obj ("drivers/dax/hmem/hmem.o" or
 * "drivers/cxl/core/cxl_core.ko") according to the Makefiles under srctree:
 * obj-$(CONFIG_X) += obj, through composite objects (foo-y := obj) and
 * directories (obj-$(CONFIG_X) += dir/). *sym is new (NULL when the object is
 * always built or not found); returns 0, or KM_ETOOBIG for an oversized Makefile.
 */
int symdiag_object_config(const char *srctree, const char *obj, char **sym);

/* {"symbol","caller":{"object","function","config","value"},"provider":{"module","config","value","export","namespace","origin"},"remedies":[...],"text"}. A new reference. */
json_t *symdiag_report_json(const struct symdiag_report *r);

void symdiag_report_free(struct symdiag_report *r);

#endif
