#!/usr/bin/env bash
# The whole 162-request fixture matrix through the real server and two real
# workers: Kconfig clamps and dedupe (81 distinct configs), one build per
# config, the seed's link error in exactly the configs where built-in HMEM
# calls into a modular CXL core, one shared signature, boots with ownership.
. "$(dirname "$0")/lib.sh"
command -v kconfig-conf >/dev/null || { echo "SKIP: kconfig-conf missing (kconfig-frontends)"; exit 77; }

MATRICES=$T/matrices
mkdir -p "$MATRICES"
cp "$KM_SOURCE_DIR/tests/fixtures/fixture.matrix" "$MATRICES/fixture-cxl-dax-hmem.matrix"
cp "$KM_SOURCE_DIR/tests/fixtures/fixture.config" "$MATRICES/"
bash "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" "$T/linux" >/dev/null
start_server --long-poll=2
start_worker w1 --jobs=1
start_worker w2 --jobs=1

RUN=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-cxl-dax-hmem)
[ "$(wait_run "$RUN" 900)" = done ] || fail "run did not end done"
M=$(api GET "/api/v1/runs/$RUN/matrix")
echo "$M" >"$T/matrix.json"

[ "$(jq '.requests | length' "$T/matrix.json")" = 162 ] || fail "162 requests"
[ "$(jq '.configs | length' "$T/matrix.json")" = 81 ] || fail "81 distinct configs, got $(jq '.configs | length' "$T/matrix.json")"
[ "$(jq '[.requests[] | select(.clamped)] | length' "$T/matrix.json")" = 81 ] || fail "81 clamped requests"
[ "$(jq '[.requests[] | select(.config_id == null)] | length' "$T/matrix.json")" = 0 ] || fail "every request maps to a config"
# Clamped <=> the effective point differs from the requested one, and the difference lists exactly those axes.
jq -e '([.configs[] | {key: (.id | tostring), value: .point}] | from_entries) as $eff
	| all(.requests[]; (.clamped == (.point != $eff[.config_id | tostring]))
	  and ([.clamp_diff[] | select(.axis)] | length) == ([range(0; 5) as $i
	        | select(.point[$i:$i+1] != $eff[.config_id | tostring][$i:$i+1])] | length))' "$T/matrix.json" >/dev/null ||
	fail "clamp flags and differences agree with the effective points"
# DEV_DAX_HMEM=y CXL_BUS=m CXL_ACPI=y CXL_PCI=m CXL_REGION=y: CXL_ACPI=y is clamped to m.
jq -e '.requests[] | select(.point == "ymymy") | [.clamp_diff[] | {symbol, requested, effective, axis}]
	== [{"symbol":"CXL_ACPI","requested":"y","effective":"m","axis":true}]' \
	"$T/matrix.json" >/dev/null || fail "ymymy: CXL_ACPI y -> m"
jq -e '.requests[] | select(.point == "ymymy") | .clamp_diff[0].explanation
	| .checked and (.text | startswith("CXL_ACPI: requested y, got m — depends on CXL_BUS [=m]"))' \
	"$T/matrix.json" >/dev/null || fail "ymymy: the clamp is explained by CXL_BUS [=m] and the explanation checks out"
# Every clamped axis of every request carries an explanation that re-evaluates to the effective value.
jq -e '[.requests[].clamp_diff[] | select(.axis)] | length > 0 and all(.explanation.checked == true)' \
	"$T/matrix.json" >/dev/null || fail "every clamped symbol is explained and checked"
pass "162 requests -> 81 distinct configs, 81 clamped with their differences"

# The matrix base as Kconfig resolves it without axis values: the fragment is in, and it differs
# from every config only where the axes (and what follows from them) differ.
CJ=$(api GET "/api/v1/runs/$RUN" | jq '.configure_job.id')
api GET "/api/v1/jobs/$CJ/artifacts/base.config" >"$T/base.config"
grep -qx 'CONFIG_ACPI_HMAT=y' "$T/base.config" && grep -qx 'CONFIG_DEV_DAX=y' "$T/base.config" ||
	fail "base.config of the configure job carries the fragment: $(head -5 "$T/base.config")"
grep -q '^CONFIG_CXL_BUS=' "$T/base.config" && fail "base.config sets CXL_BUS, which no fragment asks for"
pass "configure job uploads the resolved matrix base (base.config, $(wc -l <"$T/base.config") lines)"

[ "$(jq '[.configs[] | select(.build.status == null)] | length' "$T/matrix.json")" = 0 ] || fail "one build per config"
failing=$(jq -c '[.configs[] | select(.build.status == "FAIL") | .point] | sort' "$T/matrix.json")
expected=$(jq -c '[.configs[] | select(.effective.DEV_DAX_HMEM == "y" and .effective.CXL_BUS == "m"
	and .effective.CXL_REGION == "y") | .point] | sort' "$T/matrix.json")
[ "$failing" = "$expected" ] || fail "FAIL exactly where built-in HMEM meets modular CXL with regions: $failing vs $expected"
[ "$(echo "$failing" | jq length)" -gt 0 ] || fail "some configs fail"
[ "$(jq '[.configs[] | select(.build.status != "FAIL" and .build.status != "PASS")] | length' "$T/matrix.json")" = 0 ] ||
	fail "all other configs PASS"
pass "FAIL in exactly the $(echo "$failing" | jq length) configs with DEV_DAX_HMEM=y CXL_BUS=m CXL_REGION=y; the rest PASS"

S=$(api GET "/api/v1/runs/$RUN/signatures")
primary=$(echo "$S" | jq -c '[.signatures[] | select(.secondary | not)]')
[ "$(echo "$primary" | jq length)" = 1 ] || fail "one primary signature: $primary"
[ "$(echo "$primary" | jq -r '.[0].signature')" = "ld-undefined:cxl_region_contains_resource:hmem.c" ] ||
	fail "the signature: $primary"
[ "$(echo "$primary" | jq '.[0].configs')" = "$(echo "$failing" | jq length)" ] || fail "shared by every failing config"
pass "one error signature, ld-undefined:cxl_region_contains_resource:hmem.c, shared by all failing configs"

[ "$(echo "$primary" | jq -r '.[0].condition.text')" = "DEV_DAX_HMEM=y ∧ CXL_BUS=m ∧ CXL_REGION=y" ] ||
	fail "failure condition: $(echo "$primary" | jq -c '.[0].condition')"
sid=$(echo "$primary" | jq '.[0].id')
[ "$(api GET "/api/v1/signatures/$sid" | jq -r .condition.ascii)" = "DEV_DAX_HMEM=y && CXL_BUS=m && CXL_REGION=y" ] ||
	fail "the signature page carries the condition"
pass "failure condition: DEV_DAX_HMEM=y ∧ CXL_BUS=m ∧ CXL_REGION=y"

# The terminal report: every config with its build status, the error with its configs, condition and page.
"$KM_CTL" status "$RUN" >"$T/status.txt" || fail "kmatrixctl status failed"
nconfigs=$(jq '.configs | length' "$T/matrix.json")
[ "$(grep -cE '^  [ymn]{5} +(PASS|FAIL) ' "$T/status.txt")" = "$nconfigs" ] ||
	fail "status lists each of the $nconfigs configs: $(head -5 "$T/status.txt")"
for p in $(echo "$failing" | jq -r '.[]'); do
	grep -qE "^  $p +FAIL " "$T/status.txt" || fail "status shows $p as FAIL"
done
grep -q "^error: undefined reference to .cxl_region_contains_resource' (ld-undefined) in $(echo "$failing" | jq length) config(s):" \
	"$T/status.txt" || fail "status names the error: $(grep '^error' "$T/status.txt")"
grep -qx "  fails when DEV_DAX_HMEM=y ∧ CXL_BUS=m ∧ CXL_REGION=y" "$T/status.txt" ||
	fail "status states the condition: $(grep -A2 '^error' "$T/status.txt")"
grep -qx "  $URL/#/signature/$sid" "$T/status.txt" || fail "status links the error page"
pass "kmatrixctl status: $nconfigs configs with their build status, the error with its configs, condition and page"

fid=$(jq '[.configs[] | select(.build.status == "FAIL")][0].id' "$T/matrix.json")
C=$(api GET "/api/v1/configs/$fid")
job=$(echo "$C" | jq .build.job_id)
repro=$(curl -s "$URL/api/v1/jobs/$job/artifacts/reproducer.sh")
grep -q "^git checkout -q --detach $(git -C "$T/linux" rev-parse main)" <<<"$repro" || fail "reproducer checks out the commit"
grep -qx "CONFIG_DEV_DAX_HMEM=y" <<<"$repro" || fail "reproducer carries the config"
grep -q "make O=../build ARCH=x86_64 -j" <<<"$repro" || fail "reproducer has the make line"
curl -s "$URL/api/v1/jobs/$job/artifacts/build.log" | grep -q "undefined reference to \`cxl_region_contains_resource'" ||
	fail "build log kept"
[ "$(echo "$C" | jq '.errors[0].line_no > 0')" = true ] || fail "error has its log line"
echo "$C" | jq -e '.errors[0].diagnosis.provider.origin == "drivers/cxl/core/cxl_core.ko"
	and .errors[0].diagnosis.caller.function == "hmem_register_device"' >/dev/null ||
	fail "diagnosis names the calling function and the module providing the symbol: $(echo "$C" | jq -c .errors[0].diagnosis)"
pass "a failing config has its reproducer, log, located error and a built-in-calls-module diagnosis"

# Boots: SKIP after a failed build; otherwise ownership as measured on real kernels.
[ "$(jq '[.configs[] | select(.build.status == "FAIL") | .boots[] | select(.status != "SKIP")] | length' "$T/matrix.json")" = 0 ] ||
	fail "boots of failed builds are SKIP"
[ "$(jq '[.configs[] | select(.build.status == "PASS") | .boots[] | select(.status != "PASS")] | length' "$T/matrix.json")" = 0 ] ||
	fail "every boot of a passing build passes"
owner() { jq -r --arg p "$1" --arg v "$2" '.configs[] | select(.point == $p) | .boots[] | select(.variant == $v) | .owner' "$T/matrix.json"; }
[ "$(owner mmmmy cxl-first)" = cxl ] || fail "all modular, CXL first -> cxl"
[ "$(owner mmmmy hmem-first)" = hmem ] || fail "all modular, dax_hmem first (busybox) -> hmem"
[ "$(owner mmmmy kmod)" = cxl ] || fail "all modular, kmod honours the softdep -> cxl"
[ "$(owner mmmmn cxl-first)" = hmem ] || fail "CXL_REGION=n -> hmem"
[ "$(owner yyyyy hmem-first)" = cxl ] || fail "built-in CXL -> cxl"
[ "$(jq '[.configs[] | select(.effective.DEV_DAX_HMEM != "n") | .boots[]
	| select(.status == "PASS" and .control_owner != "hmem")] | length' "$T/matrix.json")" = 0 ] ||
	fail "the control range is always hmem when HMEM is there"
[ "$(jq '[.configs[] | select(.effective.DEV_DAX_HMEM == "n") | .boots[] | select(.owner != "none")] | length' \
	"$T/matrix.json")" = 0 ] || fail "without HMEM nobody owns the subject range"
pass "boots: SKIP after failed builds; ownership per config and load order"

# Shared boots: hmem-first loads what cxl-first loads, in the same order, unless HMEM and a CXL
# driver are both modules; then it waits for cxl-first's boot and is recorded from it. kmod (another
# modprobe) and cxl-first always boot.
jq -e '[.configs[] | select(.build.status == "PASS") | .effective as $e | (.boots | map({(.variant): .}) | add) as $b
	| ((($e.DEV_DAX_HMEM == "m") and ($e.CXL_ACPI == "m" or $e.CXL_PCI == "m")) | not) as $same
	| $b["cxl-first"].same_boot_as == null and $b.kmod.same_boot_as == null
	  and (if $same then $b["hmem-first"].same_boot_as == $b["cxl-first"].job_id
		and $b["hmem-first"].owner == $b["cxl-first"].owner and $b["hmem-first"].status == $b["cxl-first"].status
	       else $b["hmem-first"].same_boot_as == null end)] | all' "$T/matrix.json" >/dev/null ||
	fail "hmem-first shares cxl-first's boot exactly where the modules load in the same order"
shared=$(jq '[.configs[].boots[] | select(.same_boot_as != null)] | length' "$T/matrix.json")
[ "$shared" -gt 0 ] || fail "some boots are shared"
booted=$(sqlite3 "$T/data/kmatrix.db" "SELECT COUNT(*) FROM jobs WHERE kind = 'boot' AND worker_id IS NOT NULL")
[ "$booted" = $((243 - $(jq '[.configs[] | select(.build.status == "FAIL") | .boots[]] | length' "$T/matrix.json") - shared)) ] ||
	fail "workers booted $booted times: every boot but the skipped and the shared ones"
id=$(jq '.configs[] | select(.point == "yyyyy") | .id' "$T/matrix.json")
api GET "/api/v1/configs/$id" | jq -e '(.boots | map({(.variant): .}) | add) as $b
	| $b["hmem-first"].same_boot_as == $b["cxl-first"].job_id and $b["hmem-first"].same_boot_variant == "cxl-first"
	  and $b["hmem-first"].wall_s == 0 and ($b["hmem-first"].artifacts | has("console.log"))
	  and ($b["hmem-first"].message | startswith("the same boot as variant cxl-first"))
	  and $b["hmem-first"].ownership == $b["cxl-first"].ownership' >/dev/null ||
	fail "a shared boot's config view: $(api GET "/api/v1/configs/$id" | jq -c '.boots[] | select(.variant == "hmem-first")')"
pass "boots shared between variants: $shared of 243, $booted booted by the workers"

workers=$(for id in $(jq '.configs[].id' "$T/matrix.json"); do curl -s "$URL/api/v1/configs/$id" | jq -r .build.worker; done | sort -u | wc -l)
[ "$workers" = 2 ] || fail "builds spread over both workers ($workers)"
pass "builds spread over both workers"

# The fixture tree has no scripts/kconfig: the batch resolver cannot be built, make resolves every request,
# the run says why, and the results above are what they must be.
msg=$(api GET "/api/v1/runs/$RUN" | jq -r .configure_job.message)
[[ $msg == "162 requests resolved with make olddefconfig in "*"(the tree has no scripts/kconfig/Makefile); base "* ]] ||
	fail "configure falls back to make and says why: $msg"
curl -s "$URL/api/v1/jobs/$CJ/artifacts/configure.log" | grep -q "the Kconfig batch driver is not used for this run" ||
	fail "the configure log says the batch driver was not used"
pass "no scripts/kconfig in the tree: make olddefconfig for every request, said in the run and the log ($msg)"

# Progress with totals known up front: 81 builds and 81 x 3 boots, all done.
P=$(api GET "/api/v1/runs/$RUN" | jq -c .progress)
[ "$(echo "$P" | jq -c '[.builds.done, .builds.total, .boots.done, .boots.total]')" = "[81,81,243,243]" ] ||
	fail "progress of the finished run: $P"
[ "$(echo "$P" | jq 'has("eta_s")')" = false ] || fail "no estimate once nothing is left: $P"
# A second run of the matrix: totals once configured, and an estimate from this farm's times for the matrix.
git -C "$T/linux" commit -q --allow-empty -m "second push"
RUN2=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-cxl-dax-hmem)
deadline=$((SECONDS + 120))
until P=$(api GET "/api/v1/runs/$RUN2" | jq -c .progress) && [ "$(echo "$P" | jq .builds.total)" = 81 ]; do
	[ $SECONDS -lt $deadline ] || fail "run $RUN2 has its totals once configured: $P"
	sleep 0.5
done
state=$(api GET "/api/v1/runs/$RUN2" | jq -r .state)
if [ "$state" != done ]; then
	echo "$P" | jq -e '.boots.total == 243 and .eta_s >= 0 and .eta_basis.build_s > 0 and .eta_basis.boot_s > 0' \
		>/dev/null || fail "a running run has its totals and an estimate: $P"
fi
"$KM_CTL" watch "$RUN2" --interval=1 >"$T/watch.txt" || true
grep -qE 'build \[#+\] 81/81 .* boot \[#+\] 243/243' "$T/watch.txt" || fail "watch ends with full bars: $(tail -1 "$T/watch.txt")"
if grep -E 'boot \[[#.]+\] [0-9]+/([0-9]+)' "$T/watch.txt" | grep -vE '/(\?|243) ' | grep -q .; then
	fail "watch shows the boot total up front: $(grep -vE '/(\?|243) ' "$T/watch.txt" | head -2)"
fi
pass "progress: totals up front (81 builds, 243 boots) in the API and kmatrixctl watch, with an estimate while running"
