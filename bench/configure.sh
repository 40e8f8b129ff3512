#!/usr/bin/env bash
# Benchmark and census of the configure stage on Debian's Linux 6.12: submits a
# matrix (default: the full cxl-dax-hmem, 162 requests) to a configure-only
# worker and prints requests, distinct configs, clamped requests, the configure
# job's wall time, and how many clamped symbols carry an explanation that
# re-evaluates to the effective value.
#
# Usage: bench/configure.sh [MATRIX]
set -euo pipefail
cd "$(dirname "$0")/.."
matrix=${1:-cxl-dax-hmem}
. bench/lib.sh
export KM_WORK_DIR=$cache/bench-configure-work

start_server --long-poll=2
start_worker kconf --kinds=configure --configure-timeout=1200
run=$("$KM_CTL" submit --tree="$LINUX" --ref=master --matrix="$matrix")
until [ "$(curl -s "$URL/api/v1/runs/$run" | jq -r .state)" = building ]; do
	[ "$(curl -s "$URL/api/v1/runs/$run" | jq -r .state)" != error ] || fail "configure failed"
	sleep 5
done
job=$(curl -s "$URL/api/v1/jobs/1")
curl -s "$URL/api/v1/runs/$run/matrix" >"$T/m.json"
echo "matrix $matrix on $(git -C "$LINUX" log -1 --format=%s)"
echo "requests:          $(jq '.requests | length' "$T/m.json")"
echo "distinct configs:  $(jq '.configs | length' "$T/m.json")"
echo "clamped requests:  $(jq '[.requests[] | select(.clamped)] | length' "$T/m.json")"
echo "configure wall:    $(echo "$job" | jq '.finished_at - .started_at') s (one job: checkout + base config + every request)"
echo "configure job:     $(curl -s "$URL/api/v1/runs/$run" | jq -r .configure_job.message)"
echo "clamped symbols explained and re-checked: $(jq '[.requests[].clamp_diff[] | select(.axis and .explanation.checked == true)] | length' "$T/m.json") / $(jq '[.requests[].clamp_diff[] | select(.axis)] | length' "$T/m.json")"
echo "distinct explanations:"
jq -r '[.requests[].clamp_diff[] | select(.axis) | .explanation.text] | group_by(.) | map("  \(length) x \(.[0])") | .[]' "$T/m.json"
