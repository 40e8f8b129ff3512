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
