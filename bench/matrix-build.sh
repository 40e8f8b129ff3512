#!/usr/bin/env bash
# Benchmark: compile cost of a matrix on the real kernel, the farm's way against
# the naive way.
#
#   farm:  distinct configs only, one persistent build directory, nearest-config
#          order, ccache (cold: a fresh build dir and a fresh, empty ccache)
#   naive: one clean build per request (fresh O=, no ccache), measured on a
#          sample of SAMPLE requests and extrapolated to all requests
#
# Usage: bench/matrix-build.sh [MATRIX] [SAMPLE]   (default cxl-quick 1)
# Prints CPU-seconds and wall time of both ways and their ratios. Takes
# ~15 min for cxl-quick on 2 cores; cxl-dax-hmem takes hours.
set -euo pipefail
cd "$(dirname "$0")/.."
matrix=${1:-cxl-quick}
sample=${2:-1}
. bench/lib.sh
jobs=$(nproc)

echo "== farm way: $matrix through server and worker (fresh build dir, empty ccache)"
export KM_CCACHE_DIR=$T/ccache
start_server --long-poll=2
start_worker bench --jobs="$jobs" --build-timeout=7200
run=$("$KM_CTL" submit --tree="$LINUX" --ref=master --matrix="$matrix")
# Builds only: boots are not part of the compile cost.
while :; do
	counts=$(curl -s "$URL/api/v1/runs/$run" | jq -c .counts.build)
	state=$(curl -s "$URL/api/v1/runs/$run" | jq -r .state)
	[ "$state" = booting ] || [ "$state" = done ] && break
	[ "$state" = error ] && fail "run errored"
	sleep 5
done
curl -s "$URL/api/v1/runs/$run/matrix" >"$T/m.json"
requests=$(jq '.requests | length' "$T/m.json")
configs=$(jq '.configs | length' "$T/m.json")
farm_cpu=0
farm_wall=0
for id in $(jq '.configs[].id' "$T/m.json"); do
	b=$(curl -s "$URL/api/v1/configs/$id" | jq -c .build)
	farm_cpu=$(echo "$farm_cpu + $(echo "$b" | jq .cpu_s)" | bc)
	farm_wall=$(echo "$farm_wall + $(echo "$b" | jq .wall_s)" | bc)
	echo "  config $(curl -s "$URL/api/v1/configs/$id" | jq -r .config.point): $(echo "$b" | jq -r '"\(.status) wall \(.wall_s|floor) s cpu \(.cpu_s|floor) s ccache \(.ccache_hits)/\(.ccache_hits + .ccache_misses)"')"
done
kill "$LAST_WORKER_PID" 2>/dev/null || true

echo "== naive way: clean build per request, no ccache, sample of $sample"
targets=$(sed -n 's/^targets *= *\([^#]*\).*/\1/p' "matrices/$matrix.matrix")
targets=${targets:-vmlinux}
naive_cpu=0
naive_wall=0
for point in $(jq -r '.requests[].point' "$T/m.json" | shuf -n "$sample" --random-source=<(yes)); do
	cid=$(jq --arg p "$point" '.requests[] | select(.point == $p) | .config_id' "$T/m.json")
	out=$T/naive-$point
	mkdir -p "$out"
	curl -s "$URL/api/v1/configs/$cid/config" >"$out/.config"
	/usr/bin/time -f "%e %U %S" -o "$T/time" make -s -C "$LINUX" O="$out" ARCH=x86_64 olddefconfig >/dev/null
	/usr/bin/time -f "%e %U %S" -o "$T/time" make -s -C "$LINUX" O="$out" ARCH=x86_64 -j"$jobs" $targets \
		>"$T/naive.log" 2>&1 || true
	read -r wall user sys <"$T/time"
	echo "  request $point: wall $wall s cpu $(echo "$user + $sys" | bc) s"
	naive_cpu=$(echo "$naive_cpu + $user + $sys" | bc)
	naive_wall=$(echo "$naive_wall + $wall" | bc)
	rm -rf "$out"
done
naive_cpu_all=$(echo "scale=1; $naive_cpu / $sample * $requests" | bc)
naive_wall_all=$(echo "scale=1; $naive_wall / $sample * $requests" | bc)

echo
echo "matrix $matrix: $requests requests, $configs distinct configs"
printf "farm : compile CPU %8.1f s   wall %8.1f s   (measured, all %d configs)\n" "$farm_cpu" "$farm_wall" "$configs"
printf "naive: compile CPU %8.1f s   wall %8.1f s   (mean of %d clean builds x %d requests)\n" "$naive_cpu_all" \
	"$naive_wall_all" "$sample" "$requests"
printf "ratio: CPU %.1fx   wall %.1fx in favour of the farm\n" "$(echo "$naive_cpu_all / $farm_cpu" | bc -l)" \
	"$(echo "$naive_wall_all / $farm_wall" | bc -l)"
