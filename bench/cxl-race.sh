#!/usr/bin/env bash
# Measurement: does Linux 6.12 under QEMU show the HMEM/CXL probe race when the
# CXL modules load concurrently with dax_hmem?
#
# Boots the all-modular config with regions (DEV_DAX_HMEM=m, CXL_BUS/ACPI/PCI=m,
# CXL_REGION=y, the one where load order decides the owner) with the shipped
# `parallel` variant of cxl-dax-hmem (every modprobe started at once, in the
# order dax_hmem cxl_acpi cxl_pci) REPEAT times, beside cxl-first and hmem-first
# once each, through the real server and worker. The matrix is a one-point
# slice named cxl-quick, so it reuses the kernel tests' build directory and
# ccache: run it under their lock,
#   flock /var/cache/kmatrix/kernel-tests.lock nice -n 19 bench/cxl-race.sh [REPEAT]
# SMP=2 in the environment boots with two virtual CPUs.
# Prints the owner of the subject range per boot variant and, for the repeated
# one, the counts ("race" with "hmem N / cxl M" when the boots disagreed).
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=${1:-10}
. bench/lib.sh
export KM_WORK_DIR=$cache/kernel-test-work KM_CCACHE_DIR=$cache/ccache
TEST_TREE=$cache/linux-test
[ -d "$TEST_TREE/.git" ] || { echo "run the kernel tests once first ($TEST_TREE)" >&2; exit 2; }

MATRICES=$T/matrices
mkdir -p "$MATRICES"
cp matrices/cxl-dax-hmem.config matrices/cxl-ownership.sh "$MATRICES/"
{
	sed -n '/^\[matrix\]/,/^\[axes\]/p' matrices/cxl-dax-hmem.matrix | sed '$d' | sed 's/^name .*/name     = cxl-quick/'
	printf '[axes]\nDEV_DAX_HMEM = m\nCXL_BUS = m\nCXL_ACPI = m\nCXL_PCI = m\nCXL_REGION = y\n\n'
	sed -n '/^\[boot\]/,/^\[variant kmod\]/p' matrices/cxl-dax-hmem.matrix | sed '$d'
	printf '[variant parallel]\nload = dax_hmem cxl_acpi cxl_pci\nparallel = yes\nrepeat = %s\n' "$repeat"
} >"$MATRICES/cxl-quick.matrix"
# SMP=N boots the guests with N virtual CPUs instead of the shipped one, so the
# parallel modprobes can run at the same time (TCG runs one host thread per vCPU).
smp=${SMP:-1}
sed -i "s/-smp 1 /-smp $smp /" "$MATRICES/cxl-quick.matrix"
grep -q -- "-smp $smp " "$MATRICES/cxl-quick.matrix" || fail "no -smp in the shipped qemu line"
start_server --long-poll=2
start_worker kbuild --build-timeout=2400
start=$SECONDS
RUN=$("$KM_CTL" submit --tree="$TEST_TREE" --ref=master --matrix=cxl-quick)
[ "$(wait_run "$RUN" 3000)" = done ] || fail "run did not end done"
cid=$(curl -s "$URL/api/v1/runs/$RUN/matrix" | jq '.configs[0].id')
C=$(curl -s "$URL/api/v1/configs/$cid")
echo "linux $(git -C "$TEST_TREE" describe --tags 2>/dev/null || git -C "$TEST_TREE" rev-parse --short HEAD), QEMU TCG -smp $smp, run $RUN in $((SECONDS - start)) s"
echo "$C" | jq -r '.boots[] | "\(.variant): status \(.status), subject owner \(.ownership[] | select(.role == "subject") | "\(.owner) (\(.evidence))")"'
echo "$C" | jq -r '.boots[] | select(.variant == "parallel") | "parallel boots: \([.details.repeats[] | .status] | join(" ")); consoles kept: \([.artifacts | keys[] | select(startswith("console"))] | join(" "))"'
