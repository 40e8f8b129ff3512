#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz/fuzz_*.c) for SECONDS each, from a
# copy of its corpus, and prints executions and crashes per target. Crash
# inputs are kept in OUT/crashes/<name>/ (add them to tests/fuzz/corpus/<name>/
# once fixed).
#
# Usage: bench/fuzz.sh SECONDS [BUILD_DIR] [TARGET...]   (default build-fuzz: clang -DKM_FUZZ=ON, ASan/UBSan)
# FUZZ_MAX_LEN (default 16384) bounds new inputs; FUZZ_OUT (default BUILD_DIR/fuzz-out) keeps corpora between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: bench/fuzz.sh SECONDS [BUILD_DIR] [TARGET...]}
build=${2:-build-fuzz}
shift $(($# < 2 ? $# : 2))
command -v clang >/dev/null || { echo "clang is missing" >&2; exit 2; }
CC=clang cmake -S . -B "$build" -DKM_FUZZ=ON -DKM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
targets=("$@")
if [ ${#targets[@]} = 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		targets+=("$(basename "$f" .c)")
	done
fi
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null

out=${FUZZ_OUT:-$build/fuzz-out}
printf '%-22s %12s %10s %8s\n' target execs execs/s crashes
for t in "${targets[@]}"; do
	name=${t#fuzz_}
	mkdir -p "$out/corpus/$name" "$out/crashes/$name"
	cp -n tests/fuzz/corpus/"$name"/* "$out/corpus/$name/" 2>/dev/null || true
	log="$out/$name.log"
	# -fork keeps going after a crash, so one run counts every crash it finds.
	"$build/tests/$t" -max_total_time="$seconds" -fork=1 -ignore_crashes=1 -rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-16384}" \
		-artifact_prefix="$out/crashes/$name/" "$out/corpus/$name" >"$log" 2>&1 || true
	execs=$(grep -o '^#[0-9]*' "$log" | tr -d '#' | sort -n | tail -1 || true)
	crashes=$(find "$out/crashes/$name" -type f | wc -l)
	printf '%-22s %12s %10s %8s\n' "$name" "${execs:-0}" "$(( ${execs:-0} / seconds ))" "$crashes"
done
