/* Tests of the built-in-calls-module diagnosis with synthetic Module.symvers, nm output and Makefiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamp_explain.h"
#include "err.h"
#include "kconfig.h"
#include "ktree.h"
#include "symdiag.h"
#include "xalloc.h"

#define TREE KM_SOURCE_DIR "/tests/unit/data/ktree"

static const char symvers[] =
	"0x1a2b3c4d\tbus_region_contains\tdrivers/bus/bus_core\tEXPORT_SYMBOL_GPL\tBUS\n"
	"0x00000011\tbus_port_add\tdrivers/bus/bus_core\tEXPORT_SYMBOL_GPL\t\n"
	"0x00000022\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n";

static const char ld_log[] =
	"  LD      vmlinux.o\n"
	"  MODPOST vmlinux.symvers\n"
	"ld: vmlinux.o: in function `hmem_register':\n"
	"/src/tree/drivers/dax/hmem.c:57:(.text+0x9d): undefined reference to `bus_region_contains'\n"
	"ld: drivers/wide.o: in function 'wide_probe':\n"
	"wide.c:(.text+0x12): undefined reference to 'bus_port_add'\n"
	"make[2]: *** [scripts/Makefile.vmlinux:34: vmlinux] Error 1\n";

struct env_fx {
	struct ktree *tree;
	struct kconfig *cfg;
	struct kexpr_env env;
};

static void env_open(struct env_fx *f, const char *config)
{
	if (ktree_load(TREE, NULL, &f->tree) != 0 || kconfig_load(config, &f->cfg) != 0)
		fail_msg("%s", err_msg());
	clamp_env_kconfig(&f->env, f->cfg, f->tree);
}

static void env_close(struct env_fx *f)
{
	ktree_free(f->tree);
	kconfig_free(f->cfg);
}

static struct symdiag_exports *exports_ok(void)
{
	struct symdiag_exports *x = symdiag_exports_new();

	if (symdiag_exports_add_symvers(x, symvers, strlen(symvers), "passing/Module.symvers") != 0)
		fail_msg("%s", err_msg());
	return x;
}

static void parse_ld__finds_symbol_object_function_and_source(void **state)
{
	struct symdiag_undef *u = NULL;
	size_t n = 0;

	assert_int_equal(symdiag_parse_ld(ld_log, strlen(ld_log), &u, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(u[0].symbol, "bus_region_contains");
	assert_string_equal(u[0].object, "vmlinux.o");
	assert_string_equal(u[0].function, "hmem_register");
	assert_string_equal(u[0].source, "/src/tree/drivers/dax/hmem.c:57");
	/* Newer binutils quote with '...'. */
	assert_string_equal(u[1].symbol, "bus_port_add");
	assert_string_equal(u[1].object, "drivers/wide.o");
	assert_string_equal(u[1].function, "wide_probe");
	symdiag_undefs_free(u, n);
}

static void diagnose__builtin_caller_of_module_symbol(void **state)
{
	struct symdiag_exports *x = exports_ok();
	struct symdiag_undef *u = NULL;
	struct symdiag_report *r = NULL;
	struct env_fx f;
	struct symdiag_opts o;
	size_t n;

	env_open(&f, TREE "/configs/bus_m.config");
	o = (struct symdiag_opts){ .srctree = "/src/tree", .tree = f.tree, .env = &f.env };
	symdiag_parse_ld(ld_log, strlen(ld_log), &u, &n);
	/* Makefiles are read from the test tree; the source path in the log names another checkout. */
	o.srctree = TREE;
	free(u[0].source);
	u[0].source = xstrdup(TREE "/drivers/dax/hmem.c:57");
	assert_int_equal(symdiag_diagnose(x, &u[0], &o, &r), 0);
	assert_string_equal(r->caller_object, "drivers/dax/hmem.o");
	assert_string_equal(r->caller_config, "HMEM");
	assert_int_equal(r->caller_value, 'y');
	assert_string_equal(r->provider_module, "drivers/bus/bus_core.ko");
	assert_string_equal(r->provider_config, "BUS");
	assert_int_equal(r->provider_value, 'm');
	assert_string_equal(r->export_kind, "EXPORT_SYMBOL_GPL");
	assert_string_equal(r->ns, "BUS");
	assert_string_equal(r->origin, "passing/Module.symvers");
	assert_string_equal(r->text, "built-in drivers/dax/hmem.o (HMEM=y), in hmem_register(), calls "
				     "bus_region_contains, which lives in module drivers/bus/bus_core.ko (BUS=m), "
				     "EXPORT_SYMBOL_GPL in namespace BUS: built-in code cannot call into a module");
	assert_int_equal(r->nremedies, 3);
	assert_non_null(strstr(r->remedies[0], "add `depends on BUS || !BUS` to HMEM"));
	assert_non_null(strstr(r->remedies[1], "IS_REACHABLE(CONFIG_BUS)"));
	assert_non_null(strstr(r->remedies[2], "move the calling code into the drivers/bus/bus_core.ko module"));
	symdiag_report_free(r);
	symdiag_undefs_free(u, n);
	symdiag_exports_free(x);
	env_close(&f);
}

static void diagnose__bool_caller_gets_not_m_remedy(void **state)
{
	struct symdiag_exports *x = exports_ok();
	struct symdiag_undef *u = NULL;
	struct symdiag_report *r = NULL;
	struct env_fx f;
	struct symdiag_opts o;
	size_t n;

	env_open(&f, TREE "/configs/bus_m.config");
	o = (struct symdiag_opts){ .srctree = TREE, .tree = f.tree, .env = &f.env };
	symdiag_parse_ld(ld_log, strlen(ld_log), &u, &n);
	assert_int_equal(symdiag_diagnose(x, &u[1], &o, &r), 0);
	assert_string_equal(r->caller_config, "WIDE");
	assert_null(r->ns);
	assert_non_null(strstr(r->remedies[0], "add `depends on BUS != m` to WIDE"));
	symdiag_report_free(r);
	symdiag_undefs_free(u, n);
	symdiag_exports_free(x);
	env_close(&f);
}

static void diagnose__without_tree_or_config(void **state)
{
	struct symdiag_exports *x = exports_ok();
	struct symdiag_undef u = { .symbol = "bus_region_contains", .object = "drivers/dax/hmem.o" };
	struct symdiag_report *r = NULL;
	json_t *j, *p;

	assert_int_equal(symdiag_diagnose(x, &u, NULL, &r), 0);
	assert_null(r->caller_config);
	assert_string_equal(r->provider_module, "drivers/bus/bus_core.ko");
	j = symdiag_report_json(r);
	p = json_object_get(j, "provider");
	assert_string_equal(json_string_value(json_object_get(p, "module")), "drivers/bus/bus_core.ko");
	assert_true(json_is_null(json_object_get(p, "config")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "caller"), "object")),
			    "drivers/dax/hmem.o");
	assert_true(json_array_size(json_object_get(j, "remedies")) >= 1);
	json_decref(j);
	symdiag_report_free(r);
	symdiag_exports_free(x);
}

static void diagnose__symbol_nobody_exports(void **state)
{
	struct symdiag_exports *x = exports_ok();
	struct symdiag_undef u = { .symbol = "no_such_thing", .object = "drivers/dax/hmem.o" };
	struct symdiag_report *r = NULL;

	assert_int_equal(symdiag_diagnose(x, &u, NULL, &r), 0);
	assert_null(r->provider_module);
	assert_non_null(strstr(r->text, "no passing build's modules export or define"));
	assert_non_null(strstr(r->remedies[0], "EXPORT_SYMBOL_GPL"));
	symdiag_report_free(r);
	u.symbol = NULL;
	assert_int_equal(symdiag_diagnose(x, &u, NULL, &r), KM_EINVAL);
	symdiag_exports_free(x);
}

static void nm__finds_definitions_under_headers_and_with_dash_a(void **state)
{
	static const char nm_headers[] = "\ndrivers/bus/bus_core.ko:\n"
					 "0000000000000000 T bus_region_contains\n"
					 "                 U printk\n"
					 "0000000000000010 t local_helper\n";
	static const char nm_dash_a[] = "drivers/other/o.ko:0000000000000040 D other_data\n";
	struct symdiag_exports *x = symdiag_exports_new();
	struct symdiag_undef u = { .symbol = "bus_region_contains" };
	struct symdiag_report *r = NULL;

	assert_int_equal(symdiag_exports_add_nm(x, nm_headers, strlen(nm_headers), "nm"), 0);
	assert_int_equal(symdiag_exports_add_nm(x, nm_dash_a, strlen(nm_dash_a), "nm -A"), 0);
	assert_int_equal(symdiag_diagnose(x, &u, NULL, &r), 0);
	assert_string_equal(r->provider_module, "drivers/bus/bus_core.ko");
	assert_null(r->export_kind);
	symdiag_report_free(r);
	u.symbol = "other_data";
	assert_int_equal(symdiag_diagnose(x, &u, NULL, &r), 0);
	assert_string_equal(r->provider_module, "drivers/other/o.ko");
	symdiag_report_free(r);
	/* Undefined and local symbols are not providers. */
	u.symbol = "local_helper";
	assert_int_equal(symdiag_diagnose(x, &u, NULL, &r), 0);
	assert_null(r->provider_module);
	symdiag_report_free(r);
	symdiag_exports_free(x);
}

static void symvers__rejects_malformed_lines_with_location(void **state)
{
	static const char bad[] = "0x1\tok_sym\tdrivers/x\tEXPORT_SYMBOL\t\nnot a symvers line\n";
	struct symdiag_exports *x = symdiag_exports_new();

	assert_int_equal(symdiag_exports_add_symvers(x, bad, strlen(bad), "b/Module.symvers"), KM_EINVAL);
	assert_string_equal(err_msg(), "b/Module.symvers:2: expected \"0xCRC<TAB>symbol<TAB>module<TAB>EXPORT_SYMBOL...\"");
	symdiag_exports_free(x);
}

static void object_config__follows_composites_and_directories(void **state)
{
	char *s = NULL;

	assert_int_equal(symdiag_object_config(TREE, "drivers/bus/region.o", &s), 0);
	assert_string_equal(s, "BUS");
	free(s);
	/* A continuation line of a composite's object list. */
	assert_int_equal(symdiag_object_config(TREE, "drivers/bus/regs.o", &s), 0);
	assert_string_equal(s, "BUS");
	free(s);
	assert_int_equal(symdiag_object_config(TREE, "drivers/bus/bus_core.ko", &s), 0);
	assert_string_equal(s, "BUS");
	free(s);
	/* obj-y in a directory that its parent guards. */
	assert_int_equal(symdiag_object_config(TREE, "drivers/sub/helper.o", &s), 0);
	assert_string_equal(s, "SUB");
	free(s);
	assert_int_equal(symdiag_object_config(TREE, "drivers/unknown.o", &s), 0);
	assert_null(s);
	assert_int_equal(symdiag_object_config(TREE, "../etc/x.o", &s), 0);
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_ld__finds_symbol_object_function_and_source),
		cmocka_unit_test(diagnose__builtin_caller_of_module_symbol),
		cmocka_unit_test(diagnose__bool_caller_gets_not_m_remedy),
		cmocka_unit_test(diagnose__without_tree_or_config),
		cmocka_unit_test(diagnose__symbol_nobody_exports),
		cmocka_unit_test(nm__finds_definitions_under_headers_and_with_dash_a),
		cmocka_unit_test(symvers__rejects_malformed_lines_with_location),
		cmocka_unit_test(object_config__follows_composites_and_directories),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
