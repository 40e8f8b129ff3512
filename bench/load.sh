#!/usr/bin/env bash
# Load test on loopback: 500 simulated workers heartbeating every 10 s and
# long-polling for jobs, build results at 20/s, the dashboard's run views at
# 50 requests/s, for SECONDS (default 300). Prints requests and p50/p99/max
# latency per route, build results per second, leases lost, refused requests,
# and whether the server expired any lease; exits 1 if anything was refused
# or lost. Workers come from 127.0.1.1-25 (20 each), as machines would.
#
# Usage: bench/load.sh [SECONDS] [BUILD_DIR] [WORKERS RESULTS_PER_S VIEWS_PER_S]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
build=${2:-build}
workers=${3:-500}
rate=${4:-20}
views=${5:-50}
lease=30
[ -x "$build/server/kmatrix-server" ] || { echo "build first: cmake -S . -B $build && cmake --build $build" >&2; exit 2; }
python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.1.1", 0))' ||
	{ echo "127.0.1.1 is not usable as a source address" >&2; exit 2; }

T=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p "$T/m"
{
	printf '[matrix]\nname = load\narch = x86_64\nbase = tinyconfig\n[axes]\n'
	for i in 0 1 2 3 4 5 6 7; do printf 'A%d = y n\n' "$i"; done
} >"$T/m/load.matrix"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ulimit -n "$(ulimit -Hn)"
"$build/server/kmatrix-server" --port="$port" --data-dir="$T/data" --matrices-dir="$T/m" --web-dir=web \
	--lease=$lease --long-poll=5 >"$T/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
	curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
	sleep 0.1
done
export KMATRIX_URL="http://127.0.0.1:$port" KMATRIX_ADMIN_TOKEN=$(cat "$T/data/admin.token")
for i in $(seq 1 "$workers"); do
	"$build/ctl/kmatrixctl" worker-add "sim$i"
done >"$T/tokens"
rc=0
python3 bench/load.py "$KMATRIX_URL" "$KMATRIX_ADMIN_TOKEN" "$T/tokens" "$seconds" "$workers" "$rate" "$views" \
	"$lease" || rc=$?
expired=$(grep -c "leases expired" "$T/server.log" || true)
echo "server: lease expiries logged: $expired; peak RSS $(awk '/^VmHWM/ {print $2, $3}' "/proc/$SERVER/status")"
[ "$expired" = 0 ] || rc=1
exit $rc
