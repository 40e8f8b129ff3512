#!/usr/bin/env bash
# Boot failures through the real server and worker on the fixture tree: a
# guest that hangs is killed at the timeout with all its processes and the
# result says so; a panic and an oops are the kernel's FAIL with their first
# lines; none of them is mistaken for an infrastructure ERROR.
. "$(dirname "$0")/lib.sh"

MATRICES=$T/matrices
mkdir -p "$MATRICES"
cp "$KM_SOURCE_DIR/tests/fixtures/fixture.config" "$MATRICES/"
for kind in hang panic oops; do
	cat >"$MATRICES/boot-$kind.matrix" <<M
[matrix]
name     = boot-$kind
arch     = x86_64
base     = tinyconfig
fragment = fixture.config
targets  = vmlinux modules bzImage
[axes]
DEV_DAX_HMEM = m
CXL_BUS      = m
[boot]
exec    = {kernel} {append}
append  = console=ttyS0 fixture.$kind
timeout = 6
[variant cxl-first]
load     = cxl_acpi cxl_pci dax_hmem
M
done
bash "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" "$T/linux" >/dev/null
start_server --long-poll=2
start_worker w1 --jobs=2

boot_of() {
	local run=$1
	[ "$(wait_run "$run" 300)" = done ] || fail "run $run did not end done"
	local cid
	cid=$(api GET "/api/v1/runs/$run/matrix" | jq '.configs[0].id')
	api GET "/api/v1/configs/$cid" | jq -c '.boots[0]'
}

start=$SECONDS
B=$(boot_of "$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=boot-hang)")
[ "$(echo "$B" | jq -r .status)" = FAIL ] || fail "a hung guest is the kernel's FAIL: $B"
echo "$B" | jq -r .message | grep -qi "timed out\|hung\|timeout" || fail "the result says it hung: $B"
[ $((SECONDS - start)) -lt 120 ] || fail "the hang was cut at the timeout"
# One boot with its retry at most, each killed at 6 s: no fixture process may survive.
sleep 1
if pgrep -f "fixture.hang" >/dev/null; then
	pgrep -af "fixture.hang" >&2
	fail "a hung guest's processes survived the timeout"
fi
pass "hung guest: killed at the timeout with its whole process group; FAIL with the reason"

B=$(boot_of "$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=boot-panic)")
[ "$(echo "$B" | jq -r .status)" = FAIL ] || fail "a panic is FAIL: $B"
echo "$B" | jq -r .details.panic | grep -q "Kernel panic - not syncing" || fail "the panic's first lines are kept: $B"
pass "panic: FAIL with the panic's first lines"

B=$(boot_of "$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=boot-oops)")
[ "$(echo "$B" | jq -r .status)" = FAIL ] || fail "an oops is FAIL: $B"
echo "$B" | jq -r .details.oops | grep -q "BUG: kernel NULL pointer dereference" || fail "the oops' first lines are kept: $B"
pass "oops: FAIL with the oops' first lines"
