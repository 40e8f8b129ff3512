#!/usr/bin/env bash
# Benchmark: what an empty ccache costs the farm's first build, and what it
# gives back on the next ones. One config of the matrix (default mymmn of
# cxl-dax-hmem) built cold, then three neighbours built on from it the way the
# worker does (one build directory, the nearest config's), three ways in the
# same run with the farm's make line: without ccache, with an empty ccache in
# preprocessor mode (how the worker runs it), and with an empty ccache in
# depend mode (no preprocessor run on a miss, and no preprocessed hit after),
# and the worker's way (depend mode for a build from an empty directory,
# preprocessor mode for the builds that go on from one). Prints wall and CPU
# seconds, their ratio to the builds without ccache, and ccache's hits.
# KM_BENCH_MODES picks modes (default "plain pre dep worker"; plain is needed).
#
# Usage: bench/ccache-first-build.sh [MATRIX] [POINT]   (about 25 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
matrix=${1:-cxl-dax-hmem}
point=${2:-mymmn}
. bench/lib.sh
targets=$(sed -n 's/^targets *= *\([^#]*\).*/\1/p' "matrices/$matrix.matrix")
axes=$(awk '/^\[axes\]/ { on = 1; next } /^\[/ { on = 0 } on && /=/ { print $1 }' "matrices/$matrix.matrix")

# POINT DIR: the point's config, resolved the farm's way: tinyconfig, the fragment, the values, olddefconfig.
config_of() {
	local p=$1 out=$2 i=0
	make -s -C "$LINUX" O="$out" ARCH=x86_64 tinyconfig >/dev/null
	cat "matrices/$matrix.config" >>"$out/.config"
	for sym in $axes; do
		v=${p:$i:1}
		if [ "$v" = n ]; then echo "# CONFIG_$sym is not set"; else echo "CONFIG_$sym=$v"; fi >>"$out/.config"
		i=$((i + 1))
	done
	make -s -C "$LINUX" O="$out" ARCH=x86_64 olddefconfig >/dev/null 2>&1
	cp "$out/.config" "$T/$p.config"
}
# The chain after the cold build: B and C each one axis away from A, D one from both (the farm's
# nearest-first order gives such squares); D goes on from C, and B's half of D was compiled in B.
A=$point
B=y${A:1}
C=${A:0:2}y${A:3}
D=y${A:1:1}y${A:3}
for p in $A $B $C $D; do config_of "$p" "$T/cfg-$p"; done

# MODE CC [ENV...]: the cold build of A, then B from A, C from A, D from C, in one fixed build
# directory as the worker keeps them (renamed in and out); prints "cold_wall cold_cpu chain_wall chain_cpu".
run_mode() {
	local mode=$1 cc=$2 dir=$T/build cold chain_w=0 chain_c=0
	shift 2
	step() { # POINT [ENV...]: one build of POINT's config in $dir; prints "wall cpu"
		local p=$1
		shift
		cp "$T/$p.config" "$dir/.config"
		/usr/bin/time -f "%e %U %S" -o "$T/time" env "$@" CCACHE_BASEDIR="$T" CCACHE_NOHASHDIR=1 \
			make -s -C "$LINUX" O="$dir" ARCH=x86_64 CC="$cc" -j"$(nproc)" KBUILD_BUILD_TIMESTAMP=2026-01-01 \
			KBUILD_BUILD_USER=kmatrix KBUILD_BUILD_HOST=kmatrix $targets >>"$T/$mode.log" 2>&1 ||
			fail "$mode: the build of $p failed"
		awk '{ printf "%.1f %.1f\n", $1, $2 + $3 }' "$T/time"
	}
	rm -rf "$dir" "$T/keep"
	mkdir -p "$dir"
	cold=$(step "$A" "$@" $cold_extra)
	cp -a "$dir" "$T/keep"
	for p in "$B" "-" "$C" "$D"; do
		if [ "$p" = - ]; then rm -rf "$dir" && mv "$T/keep" "$dir" && continue; fi
		read -r w c < <(step "$p" "$@")
		chain_w=$(echo "$chain_w + $w" | bc) chain_c=$(echo "$chain_c + $c" | bc)
	done
	rm -rf "$dir"
	echo "$cold $chain_w $chain_c"
}
# MODE: its row. cold_extra is the environment of the cold build alone.
measure() {
	cold_extra=
	case $1 in
	plain) log "without ccache: cold $A, then $B, $C, $D" >&2; run_mode plain gcc ;;
	pre) log "empty ccache, preprocessor mode" >&2; run_mode pre "ccache gcc" CCACHE_DIR="$T/cache-pre" ;;
	dep) log "empty ccache, depend mode" >&2; run_mode dep "ccache gcc" CCACHE_DIR="$T/cache-dep" CCACHE_DEPEND=1 ;;
	worker)
		log "empty ccache, the worker's way: depend mode for the cold build, preprocessor mode after" >&2
		cold_extra=CCACHE_DEPEND=1
		run_mode worker "ccache gcc" CCACHE_DIR="$T/cache-worker" ;;
	*) fail "unknown mode $1" ;;
	esac
}
declare -A label=([plain]="no ccache" [pre]="empty ccache, preprocessor mode" [dep]="empty ccache, depend mode"
	[worker]="empty ccache, depend cold, then preprocessor")
modes=${KM_BENCH_MODES:-plain pre dep worker}
[[ " $modes " == *" plain "* ]] || fail "KM_BENCH_MODES needs plain: the ratios are to it"
declare -A res
for mode in $modes; do res[$mode]=$(measure "$mode"); done
read -r plain_wall plain_cpu plain_chain_w plain_chain_c <<<"${res[plain]}"

ratio() { printf "%.2f" "$(echo "$1 / $2" | bc -l)"; }
hits() { CCACHE_DIR=$1 ccache --print-stats | awk -F'\t' '$1 == "direct_cache_hit" { d = $2 } $1 == "preprocessed_cache_hit" { p = $2 } $1 == "cache_miss" { m = $2 } END { printf "%d direct + %d preprocessed / %d", d, p, d + p + m }'; }
echo
echo "matrix $matrix, targets: $targets ($(nproc) CPUs, $(ccache --version | head -1))"
echo "cold build of $A, then $B and $C from $A's directory and $D from $C's (what the farm's order does)"
printf "%-46s %8s %8s %10s %10s %8s %11s %s\n" "" "cold s" "CPU s" "wall/plain" "CPU/plain" "chain s" "chain/plain" "ccache over the four builds"
for mode in $modes; do
	read -r w c cw cc <<<"${res[$mode]}"
	h=
	[ "$mode" = plain ] || h=$(hits "$T/cache-$mode")
	printf "%-46s %8s %8s %10s %10s %8s %11s %s\n" "${label[$mode]}" "$w" "$c" "$(ratio "$w" "$plain_wall")" \
		"$(ratio "$c" "$plain_cpu")" "$cw" "$(ratio "$cw" "$plain_chain_w")" "$h"
done
