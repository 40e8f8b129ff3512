#!/usr/bin/env bash
# Benchmark: ccache keys do not depend on names. With the ccache warm for a
# matrix of a tree, the first build of the same source under a second tree
# name, and under a second matrix name, in fresh build directories: their
# ccache hit rates (the goal is at least 90 %).
#
# Usage: bench/ccache-names.sh [MATRIX]   (default cxl-quick)
# Uses the real-kernel tests' ccache and work directory when they exist, so
# the warm-up build is usually a hit already.
set -euo pipefail
cd "$(dirname "$0")/.."
matrix=${1:-cxl-quick}
. bench/lib.sh
export KM_CCACHE_DIR=${KM_CCACHE_DIR:-$cache/ccache}
export KM_WORK_DIR=${KM_WORK_DIR:-$cache/bench-names-work}
MATRICES=$T/matrices
mkdir -p "$MATRICES"
cp matrices/* "$MATRICES/"
sed "s/^name *= *$matrix\$/name     = $matrix-second/" "matrices/$matrix.matrix" >"$MATRICES/$matrix-second.matrix"
start_server --long-poll=2
start_worker names --build-timeout=7200

pct() { echo "scale=1; 100 * $1 / ($1 + $2)" | bc; }
row() { printf "| %-44s | %-6s | %6s | %7s | %6s |\n" "$@"; }

read -r h0 m0 w0 p0 <<<"$(first_build "$("$KM_CTL" submit --tree="$LINUX" --ref=master --matrix="$matrix" --tree-name=bench-first-name)")"
read -r h1 m1 w1 p1 <<<"$(first_build "$("$KM_CTL" submit --tree="$LINUX" --ref=master --matrix="$matrix" --tree-name=bench-second-name)")"
read -r h2 m2 w2 p2 <<<"$(first_build "$("$KM_CTL" submit --tree="$LINUX" --ref=master --matrix="$matrix-second" --tree-name=bench-first-name)")"
row "first build of" config "wall s" hits "rate"
row "--------------------------------------------" ------ ------ ------- ------
row "$matrix, tree bench-first-name (warm-up)" "$p0" "$w0" "$h0/$((h0 + m0))" "$(pct "$h0" "$m0") %"
row "$matrix, a second tree name" "$p1" "$w1" "$h1/$((h1 + m1))" "$(pct "$h1" "$m1") %"
row "$matrix-second, a second matrix name" "$p2" "$w2" "$h2/$((h2 + m2))" "$(pct "$h2" "$m2") %"
