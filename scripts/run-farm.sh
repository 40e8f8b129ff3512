#!/usr/bin/env bash
# The first-run command: installs what is needed, builds kmatrix, turns Debian's
# linux-source-6.12 into a local git tree, starts the server (embedded sqlite) and
# one local worker, submits a matrix and shows its progress. The dashboard stays
# up afterwards until Ctrl-C.
#
# Usage: scripts/run-farm.sh [--full] [--matrix=NAME] [--tree=PATH|URL] [--ref=REF]
#                            [--port=N] [--no-wait]
#   --full        the whole cxl-dax-hmem matrix (162 requests, 81 kernels, 243 boots; measured on
#                 2 shared cores: first build ~5-7 min, then ~20 s a kernel: ~38-45 min, 6.7-7.1x a cold build)
#   --matrix=NAME any matrix of matrices/ (default: cxl-quick, sized for a laptop)
#   --tree, --ref your own kernel tree and branch instead of Debian's 6.12
#   --port        dashboard port (default 8080)
#   --no-wait     submit and return; server and worker keep running in the background
# State lives in $(scripts/cache-dir.sh)/farm: a second run reuses the tree,
# the build directory and ccache.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD

matrix=cxl-quick
tree=
ref=master
port=8080
wait=1
for arg in "$@"; do
	case "$arg" in
	--full) matrix=cxl-dax-hmem ;;
	--matrix=*) matrix=${arg#*=} ;;
	--tree=*) tree=${arg#*=} ;;
	--ref=*) ref=${arg#*=} ;;
	--port=*) port=${arg#*=} ;;
	--no-wait) wait=0 ;;
	-h | --help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "run-farm: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
	esac
done

home=$(scripts/cache-dir.sh)
farm=$home/farm
mkdir -p "$farm"

echo "== installing packages (apt-get)"
scripts/install-deps.sh
echo "== building kmatrix"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
if [ -z "$tree" ]; then
	echo "== preparing the Linux 6.12 git tree (once; a few minutes)"
	tree=$(KM_LINUX_TREE=$home/linux-6.12 scripts/linux-tree.sh)
fi

url=http://127.0.0.1:$port
pids=()
stop() {
	echo
	echo "== stopping server and worker"
	kill "${pids[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
}

echo "== starting the server on $url (log: $farm/server.log)"
build/server/kmatrix-server --port="$port" --data-dir="$farm/data" --matrices-dir="$src/matrices" \
	--web-dir="$src/web" >>"$farm/server.log" 2>&1 &
pids+=($!)
[ "$wait" = 1 ] && trap stop EXIT INT TERM
for _ in $(seq 1 100); do
	curl -sf "$url/api/v1/health" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -sf "$url/api/v1/health" >/dev/null || { echo "run-farm: the server did not start; see $farm/server.log" >&2; exit 1; }
export KMATRIX_URL=$url KMATRIX_ADMIN_TOKEN
KMATRIX_ADMIN_TOKEN=$(cat "$farm/data/admin.token")

if [ ! -s "$farm/worker.token" ]; then
	build/ctl/kmatrixctl worker-add "local-$(hostname)" >"$farm/worker.token"
fi
echo "== starting a local worker (log: $farm/worker.log)"
build/worker/kmatrix-worker --server="$url" --token-file="$farm/worker.token" --work-dir="$farm/work" \
	--ccache-dir="$home/ccache" --name=local >>"$farm/worker.log" 2>&1 &
pids+=($!)

run=$(build/ctl/kmatrixctl submit --tree="$tree" --ref="$ref" --matrix="$matrix")
echo
echo "   dashboard: $url/#/run/$run"
echo
if [ "$wait" = 0 ]; then
	echo "run $run submitted; server and worker keep running (pids ${pids[*]})"
	trap - EXIT
	exit 0
fi
build/ctl/kmatrixctl watch "$run" || true
build/ctl/kmatrixctl status "$run"
echo
echo "   dashboard: $url/#/run/$run   (Ctrl-C stops the farm)"
wait
