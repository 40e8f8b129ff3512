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
# One request at a time: api() writes its body to one file, so two at once would read each other's.
sigs "$RUN_B" >"$T/b.sigs"
sigs "$RUN_C" >"$T/c.sigs"
diff "$T/b.sigs" "$T/c.sigs" >&2 || fail "run B and run C differ in error signatures"
pass "one Kconfig parse and boots beside builds give the same configs, statuses, owners and signatures as make per request, one job at a time"

# ==== ecosystem checks (issue 18): KCIDB export, metadata.json, boot reproducer, robot-like mail ====
# Runs A and B above: the export validates against the KCIDB v5.3 rules, the failing build carries
# the seed's excerpt; metadata.json of a real build has every group; the boot reproducer of a real
# boot prints the farm's ownership; then (after run C) the bug commit alone, by its id (no base: its error is
# new), is run again with mail on, and the report arrives through real SMTP with the tag block and
# the ">>" list.
ECO_MATRIX=${ECO_MATRIX:-cxl-quick} ECO_FAIL=${ECO_FAIL:-ymmmy} ECO_OWN=${ECO_OWN:-mmmmy}
ECO_MATRICES=${MATRICES:-$KM_SOURCE_DIR/matrices}
ECO_RELEASE=${ECO_RELEASE-6.12} ECO_MIN_TEXT=${ECO_MIN_TEXT:-1000000} # the kernel's release and a real .text
/usr/bin/python3 -c 'import jsonschema, aiosmtpd' 2>/dev/null ||
	fail "python3-jsonschema and python3-aiosmtpd are needed (scripts/install-deps.sh installs them)"
eco_validate() { /usr/bin/python3 "$KM_SOURCE_DIR/tests/tools/kcidb_validate.py" "$KM_SOURCE_DIR/tests/tools/kcidb-v5.3.schema.json" "$1"; }
api GET "/api/v1/runs/$RUN_B/kcidb" >"$T/kcidb-b.json"
expect_status 200 "KCIDB export of run B"
eco_validate "$T/kcidb-b.json" >"$T/kcidb-b.txt" || fail "run B's KCIDB export is invalid: $(head -20 "$T/kcidb-b.txt")"
jq -e --arg p "$ECO_FAIL" '[.builds[] | select(.status == "FAIL")] | length == 1 and .[0].misc.point == $p
	and (.[0].log_excerpt | contains("cxl_region_contains_resource")) and (.[0].log_excerpt | length) <= 16384
	and (.[0].compiler | startswith("gcc "))' "$T/kcidb-b.json" >/dev/null ||
	fail "the failing build of run B: $(jq -c '[.builds[] | select(.status == "FAIL")] | map(del(.misc))' "$T/kcidb-b.json" | head -c 2000)"
jq -e '.issues | length == 1 and (.[0].misc.signature | test("^ld-undefined:cxl_region_contains_resource"))' \
	"$T/kcidb-b.json" >/dev/null || fail "run B's issue: $(jq -c .issues "$T/kcidb-b.json")"
api GET "/api/v1/runs/$RUN_A/kcidb" >"$T/kcidb-a.json"
eco_validate "$T/kcidb-a.json" >"$T/kcidb-a.txt" || fail "run A's KCIDB export is invalid: $(head -20 "$T/kcidb-a.txt")"
nboots=$(jq '[.configs[].boots[]] | length' "$T/a.json")
[ "$(jq '[.tests[] | select(.path | startswith("boot."))] | length' "$T/kcidb-a.json")" = "$nboots" ] ||
	fail "one KCIDB test per boot of run A ($nboots)"
own_job=$(jq --arg p "$ECO_OWN" '.configs[] | select(.point == $p) | .boots[] | select(.variant == "cxl-first") | .job_id' "$T/a.json")
[ "$(jq -r --arg id "kmatrix:boot-$own_job.range-" '.tests[] | select((.id | startswith($id)) and .misc.role == "subject") | .misc.owner' \
	"$T/kcidb-a.json")" = "$(owner "$ECO_OWN" cxl-first)" ] || fail "the KCIDB ownership test of $ECO_OWN/cxl-first"
pass "KCIDB: runs A and B export valid v5.3 documents; the failing build's excerpt carries cxl_region_contains_resource"

own_build=$(jq --arg p "$ECO_OWN" '.configs[] | select(.point == $p) | .build.job_id' "$T/a.json")
api GET "/api/v1/jobs/$own_build/artifacts/metadata.json" >"$T/metadata-a.json"
expect_status 200 "metadata.json of a real build"
jq -e --arg c "$(jq -r .run.commit_id "$T/a.json")" --arg rel "$ECO_RELEASE" --argjson min "$ECO_MIN_TEXT" '(.build | .target_arch == "x86_64" and .wrapper == "ccache"
	and (.targets | length) > 0 and .reproducer_cmdline[0] == "make" and .status == "finished")
	and (.results | .status == "PASS" and .duration.build > 0 and .errors == 0)
	and (.ccache | .cache_hits + .cache_misses > 0)
	and (.compiler | .name == "gcc" and (.version_full | startswith("gcc")))
	and (.git | .git_commit == $c and (.git_describe | length) > 0)
	and (.hardware | .cores > 0 and .ram > 0 and .free_disk_space > 0)
	and ($rel == "" or (.source.kernelrelease | startswith($rel)))
	and (.vmlinux | .text_size > $min and .data_size > 0 and .bss_size > 0)
	and (.modules | .count > 0 and .total_size > 0)' "$T/metadata-a.json" >/dev/null ||
	fail "metadata.json of $ECO_OWN: $(head -c 3000 "$T/metadata-a.json")"
pass "metadata.json of a real build: build, results, ccache, compiler, git, hardware, source, vmlinux, modules"

api GET "/api/v1/jobs/$own_job/artifacts/boot-reproducer.sh" >"$T/boot-repro.sh"
expect_status 200 "boot-reproducer.sh of $ECO_OWN/cxl-first"
mkdir "$T/repro-empty"
(cd "$T/repro-empty" && nice -n 10 sh "$T/boot-repro.sh" >"$T/repro-console.log" 2>&1) ||
	fail "boot-reproducer.sh: $(tail -20 "$T/repro-console.log")"
curl -s "$URL/api/v1/jobs/$own_job/artifacts/console.log" | tr -d '\r' | grep -E '^KMATRIX range=' >"$T/farm-ranges.txt" || true
tr -d '\r' <"$T/repro-console.log" | grep -E '^KMATRIX range=' >"$T/repro-ranges.txt" || true
[ -s "$T/farm-ranges.txt" ] && diff -u "$T/farm-ranges.txt" "$T/repro-ranges.txt" >"$T/repro.diff" ||
	fail "the reproducer's ownership lines differ from the farm's: $(cat "$T/repro.diff" 2>/dev/null)"
pass "boot-reproducer.sh of $ECO_OWN/cxl-first, run in an empty directory, prints the farm's ownership lines"

# Mail: the same server data with SMTP on, the matrix cut down to the failing point (same name, so the
# build directory is the warm one), the bug commit submitted by id.
kill "$LAST_WORKER_PID" 2>/dev/null || true
wait "$LAST_WORKER_PID" 2>/dev/null || true
stop_server
mkdir -p "$T/eco-matrices" "$T/eco-mail"
cp -R "$ECO_MATRICES"/. "$T/eco-matrices/"
awk -v point="$ECO_FAIL" '/^\[/ { axes = ($0 == "[axes]") } axes && /^[A-Z0-9_]+ *=/ { i++; sub(/=.*/, "= " substr(point, i, 1)) } { print }' \
	"$ECO_MATRICES/$ECO_MATRIX.matrix" >"$T/eco-matrices/$ECO_MATRIX.matrix"
/usr/bin/python3 "$KM_SOURCE_DIR/tests/tools/smtp_sink.py" --dir "$T/eco-mail" --port-file "$T/eco-mail/port" \
	>>"$T/smtp.log" 2>&1 &
KM_PIDS+=("$!")
for _ in $(seq 1 100); do [ -s "$T/eco-mail/port" ] && break; sleep 0.1; done
MATRICES=$T/eco-matrices start_server --long-poll=2 --smtp-url="smtp://127.0.0.1:$(cat "$T/eco-mail/port")" \
	--mail-from="kmatrix <kmatrix@farm.test>"
start_worker kbuild-mail --build-timeout=2400
BUG_COMMIT=$(git -C "$TEST_TREE" rev-parse "$BUG_BRANCH")
RUN_E=$("$KM_CTL" submit --tree="$TEST_TREE" --commit="$BUG_COMMIT" --matrix="$ECO_MATRIX")
[ "$(wait_run "$RUN_E" 3000)" = done ] || fail "run E did not end done"
for _ in $(seq 1 600); do ls "$T"/eco-mail/msg-*.eml >/dev/null 2>&1 && break; sleep 0.2; done
mail=$(ls "$T"/eco-mail/msg-*.eml 2>/dev/null | head -1)
[ -n "$mail" ] || fail "no report mail for run E: $(api GET "/api/v1/runs/$RUN_E/mail")"
tr -d '\r' <"$mail" >"$T/eco-report.txt"
SIG_C=$(api GET "/api/v1/runs/$RUN_E/signatures" | jq '[.signatures[] | select(.secondary | not)][0].id')
grep -qx "| Reported-by: kmatrix <kmatrix@farm.test>" "$T/eco-report.txt" &&
	grep -qx "| Closes: $URL/#/signature/$SIG_C" "$T/eco-report.txt" ||
	fail "the tag block: $(grep -A3 'If you fix' "$T/eco-report.txt")"
grep -A5 '^All errors (new ones prefixed by >>):' "$T/eco-report.txt" |
	grep -Eq "^>> .*undefined reference to .cxl_region_contains_resource'$" || fail "the >> list: $(cat "$T/eco-report.txt")"
pass "report mail through real SMTP: Reported-by and Closes tags, all errors with the new one prefixed by >>"
