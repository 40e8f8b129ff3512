#!/usr/bin/env bash
# Build and boot stages on Debian's Linux 6.12 through the real server and
# worker, sharing one build directory and ccache with the other kernel tests.
#
# Run A, master: the 4 distinct configs of cxl-quick build and boot in QEMU
# with a CXL window; ownership of the Soft Reserved range per config and
# module load order is asserted against what was measured on real kernels.
# Run B, a branch whose patch makes built-in HMEM call into the CXL core
# (tests/kernel/patches): exactly DEV_DAX_HMEM=y with CXL_REGION=y fails to
# link with the seed's undefined reference; its neighbours pass; the compare
# view against run A calls it a new failure.
. "$(dirname "$0")/lib.sh"
prepare_test_tree
start_server --long-poll=2
start_worker kbuild --build-timeout=2400

RUN_A=$("$KM_CTL" submit --tree="$TEST_TREE" --ref=master --matrix=cxl-quick)
start=$SECONDS
[ "$(wait_run "$RUN_A" 3000)" = done ] || fail "run A did not end done"
echo "run A: $((SECONDS - start)) s"
MA=$(api GET "/api/v1/runs/$RUN_A/matrix")
echo "$MA" >"$T/a.json"
[ "$(jq '[.configs[] | select(.build.status != "PASS")] | length' "$T/a.json")" = 0 ] ||
	fail "every config builds on master: $(jq -c '[.configs[] | {point, s: .build.status}]' "$T/a.json")"
pass "master: the 4 distinct configs build"

boot_status() { jq -r --arg p "$1" --arg v "$2" '.configs[] | select(.point == $p) | .boots[] | select(.variant == $v) | .status' "$T/a.json"; }
owner() { jq -r --arg p "$1" --arg v "$2" '.configs[] | select(.point == $p) | .boots[] | select(.variant == $v) | .owner' "$T/a.json"; }
for p in ymmmy ymmmn mmmmy mmmmn; do
	for v in cxl-first hmem-first kmod; do
		[ "$(boot_status $p $v)" = PASS ] || fail "boot $p/$v: $(boot_status $p $v)"
	done
done
[ "$(jq '[.configs[].boots[] | select(.control_owner != "hmem")] | length' "$T/a.json")" = 0 ] ||
	fail "the control range is always owned by HMEM"
pass "12 boots (4 configs x 3 load orders) pass; the control range is always hmem"

for v in cxl-first hmem-first kmod; do
	[ "$(owner ymmmy $v)" = hmem ] || fail "DEV_DAX_HMEM=y, CXL as modules ($v) -> hmem, got $(owner ymmmy $v)"
	[ "$(owner ymmmn $v)" = hmem ] || fail "CXL_REGION=n ($v) -> hmem"
	[ "$(owner mmmmn $v)" = hmem ] || fail "all modular, CXL_REGION=n ($v) -> hmem"
done
[ "$(owner mmmmy cxl-first)" = cxl ] || fail "all modular, CXL modules first -> cxl, got $(owner mmmmy cxl-first)"
[ "$(owner mmmmy hmem-first)" = hmem ] || fail "all modular, dax_hmem first by busybox -> hmem"
[ "$(owner mmmmy kmod)" = cxl ] || fail "all modular, kmod honours the softdep -> cxl"
pass "ownership: built-in HMEM -> hmem; all modular: CXL first -> cxl, dax_hmem first -> hmem, kmod -> cxl; CXL_REGION=n -> hmem"

cid=$(jq '.configs[] | select(.point == "mmmmy") | .id' "$T/a.json")
C=$(api GET "/api/v1/configs/$cid")
job=$(echo "$C" | jq '.boots[] | select(.variant == "cxl-first") | .job_id')
curl -s "$URL/api/v1/jobs/$job/artifacts/console.log" | grep -q "KMATRIX-END" || fail "console log stored"
echo "$C" | jq -e '.build.wall_s > 0 and .build.ccache_hits + .build.ccache_misses > 0' >/dev/null ||
	fail "build time and ccache figures recorded"
pass "console logs, build times and ccache figures recorded"

RUN_B=$("$KM_CTL" submit --tree="$TEST_TREE" --ref="$BUG_BRANCH" --matrix=cxl-quick)
start=$SECONDS
[ "$(wait_run "$RUN_B" 3000)" = done ] || fail "run B did not end done"
echo "run B: $((SECONDS - start)) s"
api GET "/api/v1/runs/$RUN_B/matrix" >"$T/b.json"
failing=$(jq -c '[.configs[] | select(.build.status == "FAIL") | .point] | sort' "$T/b.json")
[ "$failing" = '["ymmmy"]' ] || fail "only DEV_DAX_HMEM=y CXL_BUS=m CXL_REGION=y fails: $failing"
[ "$(jq '[.configs[] | select(.build.status == "PASS")] | length' "$T/b.json")" = 3 ] || fail "the neighbours pass"
S=$(api GET "/api/v1/runs/$RUN_B/signatures")
primary=$(echo "$S" | jq -c '[.signatures[] | select(.secondary | not)]')
echo "$primary" | jq -e 'length == 1 and (.[0].signature | test("^ld-undefined:cxl_region_contains_resource:.*hmem"))' \
	>/dev/null || fail "the seed's undefined reference is the one primary error: $primary"
pass "branch: DEV_DAX_HMEM=y CXL_BUS=m CXL_REGION=y fails with undefined reference to cxl_region_contains_resource; neighbours pass"

# Insight: the condition over cxl-quick's axes, with what the slice holds constant (CXL_ACPI
# requested y or m is m under CXL_BUS=m), and the diagnosis.
[ "$(echo "$primary" | jq -r '.[0].condition.text')" = "DEV_DAX_HMEM=y ∧ CXL_REGION=y" ] &&
	[ "$(echo "$primary" | jq -r '.[0].condition.given_text')" = "CXL_BUS=m ∧ CXL_ACPI=m ∧ CXL_PCI=m" ] ||
	fail "failure condition: $(echo "$primary" | jq -c '.[0].condition')"
fid=$(jq '.configs[] | select(.point == "ymmmy") | .id' "$T/b.json")
D=$(api GET "/api/v1/configs/$fid" | jq -c '.errors[0].diagnosis')
echo "$D" | jq -e '.caller.object == "drivers/dax/hmem/hmem.o" and .caller.config == "DEV_DAX_HMEM"
	and .caller.value == "y" and .provider.module == "drivers/cxl/core/cxl_core.ko" and .provider.config == "CXL_BUS"
	and .provider.value == "m"' >/dev/null || fail "diagnosis: $D"
pass "insight: condition DEV_DAX_HMEM=y ∧ CXL_REGION=y given CXL_BUS=m ∧ CXL_ACPI=m ∧ CXL_PCI=m; hmem.o (DEV_DAX_HMEM=y) calls into cxl_core.ko (CXL_BUS=m)"

cmp=$(api GET "/api/v1/runs/$RUN_B/compare?base=$RUN_A")
echo "$cmp" | jq -e '[.configs[] | select(.change == "new-failure") | .point] == ["ymmmy"]' >/dev/null ||
	fail "compare: one new failure: $(echo "$cmp" | jq -c '[.configs[] | {point, change}]')"
echo "$cmp" | jq -e '[.signatures[] | select(.change == "new" and (.secondary | not))] | length == 1' >/dev/null ||
	fail "compare: one new primary signature"
pass "compare with master: one new failure, one new error signature"

# Today's way against the way of before: the same branch with one make olddefconfig per request and one
# job at a time (no boot slot) gives the same statuses, owners and error signatures as run B did.
kill "$LAST_WORKER_PID"
wait "$LAST_WORKER_PID" 2>/dev/null || true
start_worker kserial --build-timeout=2400 --kconfig=make --boot-slots=0
RUN_C=$("$KM_CTL" submit --tree="$TEST_TREE" --ref="$BUG_BRANCH" --matrix=cxl-quick)
[ "$(wait_run "$RUN_C" 3000)" = done ] || fail "run C did not end done"
api GET "/api/v1/runs/$RUN_C/matrix" >"$T/c.json"
[[ $(api GET "/api/v1/runs/$RUN_B" | jq -r .configure_job.message) == *"one Kconfig parse"* ]] &&
	[[ $(api GET "/api/v1/runs/$RUN_C" | jq -r .configure_job.message) == *"with make olddefconfig"* ]] ||
	fail "run B used the batch resolver, run C make"
results() {
	jq -S '[.configs[] | {point, hash, build: .build.status,
		boots: [.boots[] | {variant, status, owner, control_owner}] | sort_by(.variant)}] | sort_by(.point)' "$1"
}
diff <(results "$T/b.json") <(results "$T/c.json") >&2 || fail "run B and run C differ in configs, statuses or owners"
sigs() { api GET "/api/v1/runs/$1/signatures" | jq -S '[.signatures[] | {signature, configs, secondary}] | sort_by(.signature)'; }
diff <(sigs "$RUN_B") <(sigs "$RUN_C") >&2 || fail "run B and run C differ in error signatures"
pass "one Kconfig parse and boots beside builds give the same configs, statuses, owners and signatures as make per request, one job at a time"
