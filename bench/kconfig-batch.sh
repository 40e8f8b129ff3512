#!/usr/bin/env bash
# Benchmark: resolving a matrix's requests with one Kconfig parse (the
# worker's batch driver, run by make the way the configure job runs it)
# against one `make olddefconfig` per request, side by side on the real Linux
# 6.12 tree: ROUNDS rounds of (all requests the batch way, SAMPLE requests the
# make way), so both see the same machine. Prints the time per request of each
# way, their ratio per round, and whether the sample's hashes agree.
#
# Usage: bench/kconfig-batch.sh [MATRIX] [SAMPLE] [ROUNDS]   (default cxl-dax-hmem 8 3)
set -euo pipefail
cd "$(dirname "$0")/.."
matrix=${1:-cxl-dax-hmem}
sample=${2:-8}
rounds=${3:-3}
. bench/lib.sh
jobs=$(nproc)
cfg=$T/kconfig
mkdir -p "$cfg/in" "$cfg/out"
make -s -C "$LINUX" O="$cfg" ARCH=x86_64 tinyconfig >/dev/null
cp "$cfg/.config" "$T/tiny.config"

# Every request's input, as the configure job writes it: base + fragment + the point's values.
axes=$(awk '/^\[axes\]/ { on = 1; next } /^\[/ { on = 0 } on && /=/ { print $1 }' "matrices/$matrix.matrix")
values=$(awk '/^\[axes\]/ { on = 1; next } /^\[/ { on = 0 } on && /=/ { $1 = ""; $2 = ""; print }' "matrices/$matrix.matrix")
points=("")
while read -r vals; do
	next=()
	for p in "${points[@]}"; do for v in $vals; do next+=("$p$v"); done; done
	points=("${next[@]}")
done <<<"$values"
: >"$cfg/batch.list"
for p in "${points[@]}"; do
	{
		cat "$T/tiny.config" "matrices/cxl-dax-hmem.config"
		i=0
		for sym in $axes; do
			v=${p:$i:1}
			if [ "$v" = n ]; then echo "# CONFIG_$sym is not set"; else echo "CONFIG_$sym=$v"; fi
			i=$((i + 1))
		done
	} >"$cfg/in/$p"
	printf '%s\t%s\n' "$cfg/in/$p" "$cfg/out/$p" >>"$cfg/batch.list"
done
n=${#points[@]}

# The driver, compiled against the tree's own Kconfig objects, and make's shell that runs it in place of conf.
objs=$(sed -n '/^common-objs/,/[^\\]$/p' "$LINUX/scripts/kconfig/Makefile" | tr ' \t\\' '\n\n\n' | grep '\.o$' |
	sed "s|^|$cfg/scripts/kconfig/|")
gcc -O2 -I"$LINUX/scripts/kconfig" -I"$LINUX/scripts/include" -I"$cfg/scripts/kconfig" -o "$cfg/kmatrix-kconfig" \
	worker/kconfig_batch/kmatrix-kconfig.c $objs
cat >"$cfg/shell.sh" <<'EOF'
#!/bin/sh
case "$1" in -c|-ec) case "$2" in scripts/kconfig/conf\ *--olddefconfig*) exec "$KMATRIX_KCONFIG_DRIVER" $2 ;; esac ;; esac
exec /bin/sh "$@"
EOF
chmod +x "$cfg/shell.sh"

norm() { grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$1" | sort | sha256sum | cut -c1-16; }
echo "matrix $matrix: $n requests; make olddefconfig on a sample of $sample; $rounds rounds; $jobs CPUs"
printf "%-6s %14s %14s %8s\n" round "batch s/req" "make s/req" ratio
same=0
checked=0
for r in $(seq 1 "$rounds"); do
	rm -f "$cfg"/out/*
	t0=$(now)
	KMATRIX_KCONFIG_DRIVER=$cfg/kmatrix-kconfig KMATRIX_KCONFIG_BATCH=$cfg/batch.list KMATRIX_KCONFIG_JOBS=$jobs \
		make -s -C "$LINUX" O="$cfg" ARCH=x86_64 SHELL="$cfg/shell.sh" olddefconfig >/dev/null 2>&1
	batch=$(echo "($(now) - $t0) / $n" | bc -l)
	[ "$(ls "$cfg/out" | wc -l)" = "$n" ] || fail "the batch wrote $(ls "$cfg/out" | wc -l) of $n configs"
	t0=$(now)
	for p in $(printf '%s\n' "${points[@]}" | shuf -n "$sample"); do
		cp "$cfg/in/$p" "$cfg/.config"
		make -s -C "$LINUX" O="$cfg" ARCH=x86_64 olddefconfig >/dev/null 2>&1
		checked=$((checked + 1))
		[ "$(norm "$cfg/.config")" = "$(norm "$cfg/out/$p")" ] && same=$((same + 1))
	done
	mk=$(echo "($(now) - $t0) / $sample" | bc -l)
	printf "%-6s %14.4f %14.4f %7.1fx\n" "$r" "$batch" "$mk" "$(echo "$mk / $batch" | bc -l)"
done
echo "sample configs with the same normalized content both ways: $same/$checked"
