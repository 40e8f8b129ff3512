#!/usr/bin/env bash
# The KCIDB export of a fixture run (a failing config, clamped requests, boots
# with ownership) validated against the v5.3 schema's rules with a real
# JSON-Schema validator; broken exports rejected by the same check; an
# unfinished run, an unknown run, origins, text from the commit; and
# kmatrixctl kcidb writing and submitting it to a receiver on loopback.
. "$(dirname "$0")/lib.sh"
command -v kconfig-conf >/dev/null || { echo "SKIP: kconfig-conf missing (kconfig-frontends)"; exit 77; }
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || { echo "SKIP: python3-jsonschema missing"; exit 77; }

SCHEMA=$KM_SOURCE_DIR/tests/tools/kcidb-v5.3.schema.json
validate() { /usr/bin/python3 "$KM_SOURCE_DIR/tests/tools/kcidb_validate.py" "$SCHEMA" "$1"; }

MATRICES=$T/matrices
mkdir -p "$MATRICES"
cp "$KM_SOURCE_DIR/tests/fixtures/fixture-small.matrix" "$KM_SOURCE_DIR/tests/fixtures/fixture.config" "$MATRICES/"
bash "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" "$T/linux" >/dev/null
# A commit subject with control characters (BEL, ESC, DEL): KCIDB gets it without them.
git -C "$T/linux" -c user.name='Fixture Maintainer' -c user.email=maintainer@example.org \
	commit -q --allow-empty -m "$(printf 'dax/hmem: tidy\a \033up\177 the walk')"
start_server --long-poll=2

RUN=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-small)
# No worker yet: the export says the run is not complete and holds nothing that is not final.
api GET "/api/v1/runs/$RUN/kcidb" >"$T/early.json"
expect_status 200 "export of a queued run"
validate "$T/early.json" || fail "the export of an unfinished run is valid"
jq -e '.checkouts[0].misc.complete == false and (.checkouts[0].misc.note | test("still going"))
	and (.builds | length) == 0 and (.tests | length) == 0' "$T/early.json" >/dev/null ||
	fail "an unfinished run says so and exports no unfinished build: $(jq -c .checkouts "$T/early.json")"
pass "a run still going exports what is final and says so in misc"

start_worker w1 --jobs=2
[ "$(wait_run "$RUN" 300)" = done ] || fail "run did not end done"
api GET "/api/v1/runs/$RUN/kcidb" >"$T/k.json"
expect_status 200 "export"
validate "$T/k.json" >"$T/problems.txt" || fail "export invalid: $(head -20 "$T/problems.txt")"
pass "the export of a finished fixture run is valid KCIDB v5.3 ($(jq '.builds | length' "$T/k.json") builds, $(jq '.tests | length' "$T/k.json") tests)"

M=$(api GET "/api/v1/runs/$RUN/matrix")
nconfigs=$(echo "$M" | jq '.configs | length')
[ "$(jq '.version' -c "$T/k.json")" = '{"major":5,"minor":3}' ] || fail "schema version 5.3"
[ "$(jq '.checkouts | length' "$T/k.json")" = 1 ] || fail "one checkout"
[ "$(jq '.builds | length' "$T/k.json")" = "$nconfigs" ] || fail "one build per distinct config ($nconfigs)"
jq -e --arg c "$(git -C "$T/linux" rev-parse main)" '.checkouts[0] | .id == "kmatrix:run-'"$RUN"'"
	and .git_commit_hash == $c and .git_repository_branch == "main" and .patchset_hash == ""
	and .misc.complete == true and .valid == true
	and .comment == "dax/hmem: tidy up the walk"' "$T/k.json" >/dev/null ||
	fail "checkout: $(jq -c '.checkouts[0] | del(.misc)' "$T/k.json")"
pass "checkout: commit, branch, empty patchset hash, subject without its control characters"

# Builds: statuses as on the dashboard, the failing one with the error in its excerpt.
[ "$(jq -c '[.builds[] | {(.misc.point): .status}] | add' "$T/k.json")" = \
  "$(echo "$M" | jq -c '[.configs[] | {(.point): .build.status}] | add')" ] || fail "build statuses match the run"
jq -e '[.builds[] | select(.status == "FAIL")] | length == 1 and (.[0] | .misc.point == "ymy"
	and (.log_excerpt | contains("undefined reference to `cxl_region_contains_resource'"'"'"))
	and (.log_excerpt | length) <= 16384 and (.log_url | endswith("/artifacts/build.log"))
	and (.config_url | test("/api/v1/configs/[0-9]+/config$")) and .architecture == "x86_64"
	and (.command | startswith("make ")) and .duration > 0 and (.start_time | length) > 0)' \
	"$T/k.json" >/dev/null || fail "the failing build: $(jq -c '[.builds[] | select(.status == "FAIL")][0] | del(.misc)' "$T/k.json" | head -c 1500)"
curl -sf "$(jq -r '[.builds[] | select(.status == "FAIL")][0].config_url' "$T/k.json")" | grep -qx 'CONFIG_DEV_DAX_HMEM=y' ||
	fail "config_url serves the build's .config"
# Clamped requests travel with the build that resolved them.
[ "$(jq '[.builds[].misc.requests[] | select(.clamped)] | length' "$T/k.json")" = \
  "$(echo "$M" | jq '[.requests[] | select(.clamped)] | length')" ] || fail "every clamped request is in a build's misc"
jq -e '[.builds[].misc.requests[] | select(.clamped)][0].clamp_diff[0] | .symbol == "CXL_REGION"
	and .requested == "y" and .effective == "n"' "$T/k.json" >/dev/null ||
	fail "the clamp is explained in misc: $(jq -c '[.builds[].misc.requests[] | select(.clamped)][0]' "$T/k.json")"
pass "builds: one per config with its status, the failing one's excerpt names cxl_region_contains_resource, clamps in misc"

# Tests: one per boot variant, one per reported range with its owner.
nboots=$(echo "$M" | jq '[.configs[].boots[]] | length')
[ "$(jq '[.tests[] | select(.path | startswith("boot."))] | length' "$T/k.json")" = "$nboots" ] || fail "one test per boot"
jq -e '[.tests[] | select(.path == "boot.cxl-first" or .path == "boot.hmem-first")] | length > 0' "$T/k.json" >/dev/null ||
	fail "boot test paths name the variant"
[ "$(jq '[.tests[] | select(.path | startswith("boot.")) | select(.status == "SKIP")] | length' "$T/k.json")" = 2 ] ||
	fail "the failing config's boots are SKIP"
owner_kcidb=$(jq -r --arg b "$(echo "$M" | jq -r '.configs[] | select(.point == "mmy") | .build.job_id')" '
	.tests[] | select(.build_id == "kmatrix:build-" + $b and .path == "cxl_dax_hmem.owner.subject")
	| "\(.misc.variant)=\(.misc.owner)"' "$T/k.json" | sort | tr '\n' ' ')
[ "$owner_kcidb" = "cxl-first=cxl hmem-first=hmem " ] || fail "mmy ownership per variant: $owner_kcidb"
jq -e '[.tests[] | select(.path == "cxl_dax_hmem.owner.control")] | length > 0 and all(.status == "PASS")' \
	"$T/k.json" >/dev/null || fail "control ranges match the expectation: PASS"
jq -e '[.tests[] | select(.path == "cxl_dax_hmem.owner.subject")] | all(.status == "DONE")' "$T/k.json" >/dev/null ||
	fail "subject ranges have no expectation: DONE"
pass "tests: $nboots boots by variant, ownership per range (mmy: cxl-first=cxl hmem-first=hmem)"

jq -e '.issues | length == 1 and (.[0] | .version == 1 and .culprit.code == true
	and .misc.signature == "ld-undefined:cxl_region_contains_resource:hmem.c" and (.report_url | test("#/signature/[0-9]+$")))' \
	"$T/k.json" >/dev/null || fail "one issue for the signature: $(jq -c .issues "$T/k.json")"
jq -e '(.incidents | length) == 1 and .incidents[0].issue_id == .issues[0].id
	and .incidents[0].build_id == ([.builds[] | select(.status == "FAIL")][0].id)' "$T/k.json" >/dev/null ||
	fail "one incident per build the signature hits"
pass "one issue per signature, one incident per build it hits"

# Stable ids: a second export has the same ids; another origin renames every one of them.
api GET "/api/v1/runs/$RUN/kcidb" >"$T/k2.json"
ids() { jq -c '[.checkouts, .builds, .tests, .issues, .incidents | .[].id]' "$1"; }
[ "$(ids "$T/k.json")" = "$(ids "$T/k2.json")" ] || fail "ids are stable across exports"
api GET "/api/v1/runs/$RUN/kcidb?origin=lab_2" >"$T/k3.json"
validate "$T/k3.json" >/dev/null || fail "export with another origin is valid"
jq -e '[.checkouts, .builds, .tests, .issues, .incidents | .[] | (.origin == "lab_2" and (.id | startswith("lab_2:")))]
	| all' "$T/k3.json" >/dev/null || fail "origin lab_2 on every object"
api GET "/api/v1/runs/$RUN/kcidb?origin=Lab-2" >/dev/null
expect_status 400 "an origin outside [a-z0-9_]+"
api GET "/api/v1/runs/99999/kcidb" >/dev/null
expect_status 404 "unknown run"
pass "ids stable across exports, origin option, bad origin 400, unknown run 404"

# The check can fail: a null, an extra field and a bad status are each refused.
jq '.builds[0].compiler = null' "$T/k.json" >"$T/bad1.json"
jq '.tests[0].extra_field = "x"' "$T/k.json" >"$T/bad2.json"
jq '.builds[0].status = "BROKEN"' "$T/k.json" >"$T/bad3.json"
jq '.builds[0].id = "no-origin-prefix"' "$T/k.json" >"$T/bad4.json"
jq '.builds[0].log_excerpt = "nul \u0000 byte"' "$T/k.json" >"$T/bad5.json"
for n in 1 2 3 4 5; do
	if validate "$T/bad$n.json" >"$T/bad$n.txt"; then fail "broken export $n accepted"; fi
done
grep -q "compiler: None is not of type 'string'" "$T/bad1.txt" || fail "the null is named: $(cat "$T/bad1.txt")"
grep -q "'extra_field' was unexpected" "$T/bad2.txt" || fail "the extra field is named: $(cat "$T/bad2.txt")"
grep -q "'BROKEN' is not one of" "$T/bad3.txt" || fail "the bad status is named: $(cat "$T/bad3.txt")"
grep -q "does not match" "$T/bad4.txt" || fail "the bad id is named: $(cat "$T/bad4.txt")"
grep -q "control character 0x00" "$T/bad5.txt" || fail "the NUL is named: $(cat "$T/bad5.txt")"
pass "broken exports (null, extra field, bad status, bad id, NUL) are rejected"

# kmatrixctl kcidb: to a file, and submitted to a receiver with a Bearer token.
"$KM_CTL" kcidb "$RUN" -o "$T/ctl.json" || fail "kmatrixctl kcidb -o"
[ "$(ids "$T/ctl.json")" = "$(ids "$T/k.json")" ] || fail "kmatrixctl writes the export"
validate "$T/ctl.json" >/dev/null || fail "the file kmatrixctl wrote is valid"
mkdir -p "$T/recv"
printf 'sekrit-%s\n' "$RANDOM" >"$T/kcidb.token"
/usr/bin/python3 "$KM_SOURCE_DIR/tests/tools/kcidb_receiver.py" --dir "$T/recv" --token "$(cat "$T/kcidb.token")" \
	--port-file "$T/recv/port" --pending 2 >>"$T/receiver.log" 2>&1 &
KM_PIDS+=("$!")
for _ in $(seq 1 100); do [ -s "$T/recv/port" ] && break; sleep 0.1; done
RECV="http://127.0.0.1:$(cat "$T/recv/port")"
"$KM_CTL" kcidb "$RUN" --submit "$RECV/submit" --token-file "$T/kcidb.token" >"$T/submit.out" 2>&1 ||
	fail "submission: $(cat "$T/submit.out")"
grep -q "^kcidb: submission ready: stored" "$T/submit.out" || fail "waits for the verdict: $(cat "$T/submit.out")"
[ "$(grep -c '^GET /status?id=1 auth=Bearer sekrit-' "$T/recv/requests.log")" = 3 ] ||
	fail "polled the status URL until ready: $(cat "$T/recv/requests.log")"
grep -q "^POST /submit auth=Bearer $(cat "$T/kcidb.token")$" "$T/recv/requests.log" || fail "POST with the Bearer token"
[ "$(ids "$T/recv/submission-1.json")" = "$(ids "$T/k.json")" ] || fail "the receiver got the export"
printf 'wrong\n' >"$T/wrong.token"
if "$KM_CTL" kcidb "$RUN" --submit "$RECV/submit" --token-file "$T/wrong.token" >"$T/submit2.out" 2>&1; then
	fail "a refused token is a failure"
fi
grep -q "HTTP 401" "$T/submit2.out" || fail "the refusal is shown: $(cat "$T/submit2.out")"
pass "kmatrixctl kcidb: -o FILE, --submit with a Bearer token, status polled until ready, 401 is a failure"
