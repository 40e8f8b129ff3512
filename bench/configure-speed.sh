#!/usr/bin/env bash
# Benchmark of goal 2 alone: the configure job of a whole matrix (default
# cxl-dax-hmem, 162 requests) through the server and a configure-only worker,
# the farm's way and one `make olddefconfig` per request (a worker with
# --kconfig=make), side by side in one run, each from a fresh work directory
# (so each builds scripts/kconfig first, as a new worker would). The farm's
# way runs a second time on its now warm directory (what every later push
# sees). Prints the job's seconds per request each way, their ratio, the
# farm's phases, and how many requests got the same hash both ways.
#
# Usage: bench/configure-speed.sh [MATRIX]   (about 10 min for cxl-dax-hmem on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
matrix=${1:-cxl-dax-hmem}
. bench/lib.sh

# SIDE WORKER-ARGS...: one configure run on a fresh server; sets side_secs, side_msg and $T/SIDE.hashes.
configure_side() {
	local side=$1 run
	shift
	start_server --long-poll=2 --lease=1200
	start_worker "$side" --kinds=configure --configure-timeout=1200 "$@"
	run=$("$KM_CTL" submit --tree="$LINUX" --ref=master --matrix="$matrix")
	wait_state "$run" building booting done
	hashes "$run" >"$T/$side.hashes"
	side_secs=$(conf_secs "$run")
	side_msg=$(db "SELECT message FROM jobs WHERE run_id = $run AND kind = 'configure'")
	kill "$LAST_WORKER_PID"
	wait "$LAST_WORKER_PID" 2>/dev/null || true
	stop_server
	rm -rf "$T/data"
}

log "the make way: one make olddefconfig per request"
configure_side make --kconfig=make --work-dir="$T/work-make"
make_secs=$side_secs
log "$side_msg"
log "the farm's way, fresh work directory"
configure_side farm --work-dir="$T/work-farm"
farm_secs=$side_secs farm_msg=$side_msg
log "$side_msg"
log "the farm's way again, warm work directory"
configure_side farm-warm --work-dir="$T/work-farm"
warm_secs=$side_secs
log "$side_msg"

requests=$(wc -l <"$T/make.hashes")
same=$(comm -12 "$T/make.hashes" "$T/farm.hashes" | wc -l)
same_warm=$(comm -12 "$T/make.hashes" "$T/farm-warm.hashes" | wc -l)
per() { echo "scale=4; $1 / $requests" | bc; }
ratio() { printf "%.1f" "$(echo "$1 / $2" | bc -l)"; }
echo
echo "matrix $matrix: $requests requests on $(git -C "$LINUX" log -1 --format=%s) ($(nproc) CPUs)"
echo "farm (fresh): $farm_msg"
printf "%-46s %10s %10s %8s\n" "" "job s" "s/request" "same"
printf "%-46s %10s %10s %8s\n" "make olddefconfig per request" "$make_secs" "$(per "$make_secs")" ""
printf "%-46s %10s %10s %8s\n" "farm, fresh work directory" "$farm_secs" "$(per "$farm_secs")" "$same/$requests"
printf "%-46s %10s %10s %8s\n" "farm, warm work directory" "$warm_secs" "$(per "$warm_secs")" "$same_warm/$requests"
echo "configure speed-up (make / farm): fresh $(ratio "$make_secs" "$farm_secs")x, warm $(ratio "$make_secs" "$warm_secs")x (goal >= 20x)"
[ "$same" = "$requests" ] && [ "$same_warm" = "$requests" ] || fail "the two ways disagree on some requests"
