#!/usr/bin/env bash
# Starts a kmatrix server filled with seeded CXL/DAX runs, for working on the dashboard:
#   tests/browser/dev-server.sh [BUILD_DIR] [PORT]     (then open http://127.0.0.1:PORT/)
# Data lives in ${KM_DEV_DIR:-/var/tmp/kmatrix-dev}, wiped on each start. Ctrl-C stops the server.
# KM_LIVE=1 keeps the last run going slowly, to watch live progress.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
port=${2:-8088}
dir=${KM_DEV_DIR:-/var/tmp/kmatrix-dev}

rm -rf "$dir"
mkdir -p "$dir/matrices"
cp "$src/matrices/cxl-dax-hmem.matrix" "$src/matrices/cxl-quick.matrix" "$src/matrices/cxl-dax-hmem.config" \
	"$dir/matrices/"
# The shipped guest check script, or a stand-in when it is not there (nothing is booted here).
if [ -f "$src/matrices/cxl-ownership.sh" ]; then
	cp "$src/matrices/cxl-ownership.sh" "$dir/matrices/"
else
	printf '#!/bin/sh\necho KMATRIX done\n' >"$dir/matrices/cxl-ownership.sh"
fi

"$build/server/kmatrix-server" --port="$port" --data-dir="$dir/data" --matrices-dir="$dir/matrices" \
	--web-dir="$src/web" --lease=3600 --poll=0 >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 1 100); do
	curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
	sleep 0.1
done
live=()
[ "${KM_LIVE:-0}" = 1 ] && live=(--live)
node "$here/seed.mjs" --url="http://127.0.0.1:$port" --token="$(cat "$dir/data/admin.token")" "${live[@]}"
echo "dashboard: http://127.0.0.1:$port/   (server log: $dir/server.log)"
wait $server
