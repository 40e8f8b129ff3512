#!/usr/bin/env bash
# Configure stage on Debian's Linux 6.12 through the real server and worker:
# cxl-quick's 8 requests resolve with the tree's own Kconfig to 4 distinct
# configs; CXL_ACPI=y under CXL_BUS=m is clamped to m.
. "$(dirname "$0")/lib.sh"
prepare_test_tree
start_server --long-poll=2
start_worker kconf --kinds=configure

RUN=$("$KM_CTL" submit --tree="$TEST_TREE" --ref=master --matrix=cxl-quick)
deadline=$((SECONDS + 1800))
until [ "$(api GET "/api/v1/runs/$RUN" | jq -r .state)" = building ]; do
	[ $SECONDS -lt $deadline ] || fail "configure did not finish"
	state=$(jq -r .state "$T/body")
	[ "$state" != error ] || fail "configure ended in error: $(jq -r .message "$T/body")"
	sleep 2
done
R=$(api GET "/api/v1/runs/$RUN")
[ "$(echo "$R" | jq .counts.requests)" = 8 ] || fail "8 requests"
[ "$(echo "$R" | jq .counts.configs)" = 4 ] || fail "4 distinct configs, got $(echo "$R" | jq .counts.configs)"
[ "$(echo "$R" | jq .counts.clamped)" = 4 ] || fail "4 clamped requests, got $(echo "$R" | jq .counts.clamped)"
[ "$(echo "$R" | jq -r .commit_id)" = "$(git -C "$TEST_TREE" rev-parse master)" ] || fail "commit resolved from the ref"
pass "8 requests -> 4 distinct configs, 4 clamped, commit resolved"

M=$(api GET "/api/v1/runs/$RUN/matrix")
# Request "ymymy": DEV_DAX_HMEM=y CXL_BUS=m CXL_ACPI=y CXL_PCI=m CXL_REGION=y.
clamped=$(echo "$M" | jq -c '.requests[] | select(.point == "ymymy")')
[ "$(echo "$clamped" | jq .clamped)" = true ] || fail "ymymy is clamped: $clamped"
[ "$(echo "$clamped" | jq -c '[.clamp_diff[] | select(.axis) | {symbol, requested, effective}]')" = \
	'[{"symbol":"CXL_ACPI","requested":"y","effective":"m"}]' ] || fail "clamp difference: $clamped"
echo "$clamped" | jq -e '.clamp_diff[0].explanation | .checked
	and (.text | startswith("CXL_ACPI: requested y, got m — depends on CXL_BUS [=m]"))' >/dev/null ||
	fail "the clamp is explained from the tree's Kconfig and the explanation re-evaluates to m: $clamped"
cid=$(echo "$clamped" | jq .config_id)
[ "$(echo "$M" | jq -r --argjson c "$cid" '.configs[] | select(.id == $c) | .point')" = ymmmy ] ||
	fail "ymymy resolves to the config of ymmmy"
pass "DEV_DAX_HMEM=y CXL_BUS=m CXL_ACPI=y -> CXL_ACPI=m (clamped, explained: depends on CXL_BUS [=m]), same config as the CXL_ACPI=m request"

unclamped=$(echo "$M" | jq -c '.requests[] | select(.point == "mmmmn")')
[ "$(echo "$unclamped" | jq .clamped)" = false ] || fail "mmmmn is not clamped: $unclamped"
cid=$(echo "$unclamped" | jq .config_id)
C=$(api GET "/api/v1/configs/$cid")
[ "$(echo "$C" | jq -c .config.effective)" = \
	'{"DEV_DAX_HMEM":"m","CXL_BUS":"m","CXL_ACPI":"m","CXL_PCI":"m","CXL_REGION":"n"}' ] ||
	fail "effective values of mmmmn: $(echo "$C" | jq -c .config.effective)"
text=$(curl -s "$URL/api/v1/configs/$cid/config")
grep -qx 'CONFIG_DEV_DAX_HMEM=m' <<<"$text" || fail ".config has DEV_DAX_HMEM=m"
grep -qx '# CONFIG_CXL_REGION is not set' <<<"$text" || fail ".config has CXL_REGION unset"
pass "unclamped request mmmmn keeps its values; its .config is served"
[ "$(echo "$R" | jq .counts.build.queued)" = 4 ] || fail "one build job per distinct config"
pass "one build job queued per distinct config"

# The run says how Kconfig was run: one parse for the whole run, checked against make.
msg=$(echo "$R" | jq -r .configure_job.message)
[[ $msg == "8 requests resolved with one Kconfig parse in "*"re-checked with make olddefconfig, same hashes" ]] ||
	fail "configure used the batch driver and checked it: $msg"
pass "configure: $msg"

# Both ways on the same tree: cxl-quick and a 16-request sample of cxl-dax-hmem
# (with clamps: CXL_ACPI=y under CXL_BUS=m) resolve to the same hashes with the
# batch driver and with one make olddefconfig per request.
MATRICES=$T/matrices
mkdir -p "$MATRICES"
cp "$KM_SOURCE_DIR"/matrices/* "$MATRICES/"
awk '/^\[axes\]/ { print; print "DEV_DAX_HMEM = y m\nCXL_BUS      = y m\nCXL_ACPI     = y m\nCXL_PCI      = y n\nCXL_REGION   = y"; skip = 1; next }
	/^\[/ { skip = 0 } !skip' "$KM_SOURCE_DIR/matrices/cxl-dax-hmem.matrix" |
	sed 's/^name     = cxl-dax-hmem$/name     = cxl-sample16/' >"$MATRICES/cxl-sample16.matrix"
stop_server
start_server --long-poll=2
start_worker kbatch --kinds=configure

# request point -> config hash, once the run has configured
hashes_of() {
	local run=$1 deadline=$((SECONDS + 1800))
	until [ "$(api GET "/api/v1/runs/$run" | jq -r .state)" = building ]; do
		[ $SECONDS -lt $deadline ] || fail "configure of run $run did not finish"
		[ "$(jq -r .state "$T/body")" != error ] || fail "configure of run $run ended in error"
		sleep 2
	done
	api GET "/api/v1/runs/$run/matrix" | jq -S '(.configs | map({(.id | tostring): .hash}) | add) as $h
		| [.requests[] | {point, hash: $h[.config_id | tostring]}] | sort_by(.point)'
}
for matrix in cxl-quick cxl-sample16; do
	run=$("$KM_CTL" submit --tree="$TEST_TREE" --ref=master --matrix=$matrix)
	hashes_of "$run" >"$T/batch-$matrix.json"
	[[ $(api GET "/api/v1/runs/$run" | jq -r .configure_job.message) == *"one Kconfig parse"* ]] ||
		fail "$matrix: batch driver used"
done
[ "$(jq length "$T/batch-cxl-sample16.json")" = 16 ] || fail "16 requests in the sample"
kill "$LAST_WORKER_PID"
wait "$LAST_WORKER_PID" 2>/dev/null || true
start_worker kmake --kinds=configure --kconfig=make
for matrix in cxl-quick cxl-sample16; do
	run=$("$KM_CTL" submit --tree="$TEST_TREE" --ref=master --matrix=$matrix)
	hashes_of "$run" >"$T/make-$matrix.json"
	[[ $(api GET "/api/v1/runs/$run" | jq -r .configure_job.message) == *"with make olddefconfig"*"--kconfig=make"* ]] ||
		fail "$matrix: make per request"
	diff "$T/batch-$matrix.json" "$T/make-$matrix.json" >&2 || fail "$matrix: batch and make hashes differ"
done
pass "cxl-quick (8) and a 16-request cxl-dax-hmem sample: the same hash for every request with the batch driver and with make olddefconfig"
