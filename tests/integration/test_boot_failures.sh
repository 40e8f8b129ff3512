#!/usr/bin/env bash
# Boot failures through the real server and worker on the fixture tree: a
# guest that hangs is killed at the timeout with all its processes and the
# result says so; a panic and an oops are the kernel's FAIL with their first
# lines; none of them is mistaken for an infrastructure ERROR. A failing
# boot keeps the build's vmlinux as an artifact (for decode_stacktrace.sh);
# the worker keeps only its newest --boot-stages staged builds.
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
start_worker w1 --jobs=2 --boot-stages=2

boot_of() {
	local run=$1
	[ "$(wait_run "$run" 300)" = done ] || fail "run $run did not end done"
	local cid
	cid=$(api GET "/api/v1/runs/$run/matrix" | jq '.configs[0].id')
	api GET "/api/v1/configs/$cid" | jq -c '.boots[0] + {build_job: .build.job_id}'
}

# The failing boot's vmlinux artifact is the very vmlinux its build linked.
vmlinux_kept() {
	local b=$1 matrix=$2 job
	job=$(echo "$b" | jq -r .job_id)
	echo "$b" | jq -e '.artifacts.vmlinux' >/dev/null || fail "a failing boot keeps vmlinux: $b"
	curl -sf -o "$T/vmlinux.$matrix" "$URL/api/v1/jobs/$job/artifacts/vmlinux" || fail "vmlinux of boot job $job"
	# The matrix has one config: its build directory is the only one under x86_64-MATRIX.
	set -- "$T/work-w1/src/linux/x86_64-$matrix"/*/vmlinux
	[ $# -eq 1 ] && [ -f "$1" ] || fail "one build directory for $matrix: $*"
	cmp -s "$T/vmlinux.$matrix" "$1" ||
		fail "the kept vmlinux of $matrix is not the one its build linked"
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
vmlinux_kept "$B" boot-hang
pass "hung guest: killed at the timeout with its whole process group; FAIL with the reason, vmlinux kept"

B=$(boot_of "$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=boot-panic)")
[ "$(echo "$B" | jq -r .status)" = FAIL ] || fail "a panic is FAIL: $B"
echo "$B" | jq -r .details.panic | grep -q "Kernel panic - not syncing" || fail "the panic's first lines are kept: $B"
vmlinux_kept "$B" boot-panic
pass "panic: FAIL with the panic's first lines, vmlinux kept"

B=$(boot_of "$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=boot-oops)")
[ "$(echo "$B" | jq -r .status)" = FAIL ] || fail "an oops is FAIL: $B"
echo "$B" | jq -r .details.oops | grep -q "BUG: kernel NULL pointer dereference" || fail "the oops' first lines are kept: $B"
vmlinux_kept "$B" boot-oops
pass "oops: FAIL with the oops' first lines, vmlinux kept"

# Three builds staged their boot inputs; --boot-stages=2 keeps the newest two.
stages=$(ls "$T/work-w1/boots")
[ "$(echo "$stages" | wc -l)" = 2 ] || fail "two boot stages kept, found: $stages"
newest=$(echo "$B" | jq -r .build_job)
echo "$stages" | grep -qx "job-$newest" || fail "the newest build's stage (job-$newest) is kept: $stages"
pass "boot stages: only the newest --boot-stages builds stay on the worker"
