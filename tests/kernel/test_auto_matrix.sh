#!/usr/bin/env bash
# Matrices from the series on Debian's Linux 6.12 (docs/auto-matrix.md): the seed-like patch of
# tests/kernel/patches (built-in HMEM calls cxl_region_contains_resource, declared under
# CONFIG_CXL_REGION in include/cxl/cxl.h and defined in a file CXL_BUS builds) makes
# `kmatrixctl suggest` pick DEV_DAX_HMEM, CXL_BUS and CXL_REGION with their reasons, and the
# auto-matrix run of that push finds the link error with the failure condition naming the three.
# Kept small by the bounds: 3 axes, at most 4 requests (the covering array's seeds: the failing
# shape and its three neighbours). The matrix is called cxl-quick, with cxl-quick's base,
# fragment and targets, so the build directory and ccache of the other kernel tests are warm:
# three of its four configs are configs cxl-quick builds.
. "$(dirname "$0")/lib.sh"
prepare_test_tree
mkdir -p "$T/matrices"
cp "$KM_SOURCE_DIR/matrices/cxl-dax-hmem.config" "$T/matrices/"
cat >"$T/matrices/cxl-quick.matrix" <<'M'
[matrix]
name         = cxl-quick
arch         = x86_64
base         = tinyconfig
fragment     = cxl-dax-hmem.config
targets      = vmlinux modules
image        = vmlinux
axes         = auto
max_axes     = 3
max_requests = 4
M
MATRICES=$T/matrices start_server --long-poll=2

start=$SECONDS
"$KM_CTL" suggest --tree="$TEST_TREE" --ref="$BUG_BRANCH" >"$T/suggest.matrix" 2>"$T/suggest.err" ||
	fail "suggest: $(cat "$T/suggest.err")"
echo "suggest on Linux 6.12: $((SECONDS - start)) s"
for sym in DEV_DAX_HMEM CXL_BUS CXL_REGION; do
	grep -Eq "^$sym = y (m )?n " "$T/suggest.matrix" || fail "suggest picks $sym: $(cat "$T/suggest.matrix")"
done
grep -q '^#   drivers/dax/hmem/hmem.c:71: calls cxl_region_contains_resource(), declared in include/cxl/cxl.h:9 under CONFIG_CXL_REGION and defined in drivers/cxl/core/region.c (another module)$' \
	"$T/suggest.matrix" || fail "CXL_REGION's reason: $(cat "$T/suggest.matrix")"
grep -q '^#   builds drivers/dax/hmem/hmem.c, whose line 71 calls cxl_region_contains_resource() defined in drivers/cxl/core/region.c (built by CXL_BUS)$' \
	"$T/suggest.matrix" || fail "DEV_DAX_HMEM's reason"
grep -q '^#   drivers/cxl/core/region.c is built by `obj-$(CONFIG_CXL_BUS) += cxl_core.o` (drivers/cxl/core/Makefile:2)$' \
	"$T/suggest.matrix" || fail "CXL_BUS's reason"
pass "suggest on Linux 6.12: DEV_DAX_HMEM, CXL_BUS and CXL_REGION with the lines of the diff that brought them in"

start_worker kbuild --build-timeout=2400
start=$SECONDS
RUN=$("$KM_CTL" submit --tree="$TEST_TREE" --ref="$BUG_BRANCH" --matrix=cxl-quick)
api GET "/api/v1/runs/$RUN" >"$T/run.json"
jq -e '[.axes[].symbol] == ["CXL_REGION", "CXL_BUS", "DEV_DAX_HMEM"] and .auto.cover == 2 and .auto.requests == 4
	and .auto.product == 18 and .auto.saved == 14' "$T/run.json" >/dev/null ||
	fail "the bounded auto run: $(jq -c '{axes, auto: (.auto | del(.left))}' "$T/run.json" | head -c 3000)"
[ "$(wait_run "$RUN" 3000)" = done ] || fail "the auto run did not end done"
echo "auto run on Linux 6.12: $((SECONDS - start)) s"
api GET "/api/v1/runs/$RUN/matrix" >"$T/matrix.json"
[ "$(jq -c '[.requests[].point]' "$T/matrix.json")" = '["ymy","ymm","yyy","nmy"]' ] ||
	fail "the four requests: $(jq -c '[.requests[].point]' "$T/matrix.json")"
failing=$(jq -c '[.configs[] | select(.build.status == "FAIL") | .point] | sort' "$T/matrix.json")
[ "$failing" = '["ymy"]' ] || fail "only CXL_REGION=y CXL_BUS=m DEV_DAX_HMEM=y fails: $failing"
S=$(api GET "/api/v1/runs/$RUN/signatures")
primary=$(echo "$S" | jq -c '[.signatures[] | select(.secondary | not)]')
echo "$primary" | jq -e 'length == 1 and (.[0].signature | test("^ld-undefined:cxl_region_contains_resource"))
	and .[0].condition.text == "CXL_REGION=y ∧ CXL_BUS=m ∧ DEV_DAX_HMEM=y"' >/dev/null ||
	fail "the link error and its condition: $(echo "$primary" | jq -c '[.[] | {signature, condition: .condition.text}]')"
pass "auto run on Linux 6.12: 4 of 18 requests, the link error found, condition CXL_REGION=y ∧ CXL_BUS=m ∧ DEV_DAX_HMEM=y"
