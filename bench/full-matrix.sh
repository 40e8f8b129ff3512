#!/usr/bin/env bash
# Benchmark: the whole cxl-dax-hmem matrix (162 requests, 81 configs, 243
# boots) through the server and one worker on the real Linux 6.12 tree, from an
# empty build directory and an empty ccache, against yardsticks measured in the
# same run on the same machine:
#
#   cold      one clean build of one of the matrix's configs (fresh O=, no ccache)
#   configure every request with one `make olddefconfig` (a worker with
#             --kconfig=make) against the farm's batch resolver: time per
#             request, and the same hash for every request
#   full      the farm's run of the whole matrix: configure, builds, boots
#   push 2    a second push with the seed's change (region.c and hmem.c, a new
#             include/cxl/cxl.h: tests/kernel/patches/0001-*)
#   names     with ccache warm, the first build of the same source under a
#             second tree name, and of a second matrix: ccache hit rates
#   naive     one clean build per request with ccache warm (TuxMake's way),
#             on a sample of requests, extrapolated to all requests
#
# Usage: bench/full-matrix.sh [MATRIX] [NAIVE_SAMPLE]   (default cxl-dax-hmem 2)
# Prints one table with the issue's ratios. Takes about 1.5 h on 2 cores for
# cxl-dax-hmem; cxl-quick checks the script in ~20 min.
# KM_BENCH_SKIP="makeconf names naive" leaves those parts out (their rows say
# so): the pushes alone, against the cold build, in about an hour.
set -euo pipefail
cd "$(dirname "$0")/.."
matrix=${1:-cxl-dax-hmem}
sample=${2:-2}
. bench/lib.sh
jobs=$(nproc)
targets=$(sed -n 's/^targets *= *\([^#]*\).*/\1/p' "matrices/$matrix.matrix")
# CPU seconds of a process and of every child it has waited for (make and its compilers, QEMU).
tree_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13 + $14 + $15) / hz }' "/proc/$1/stat"; }
skip=" ${KM_BENCH_SKIP:-} "
skipped() { [[ $skip == *" $1 "* ]]; }

# The bench's own tree: master as shipped, and a branch with the seed's change.
TREE=$T/linux
git clone -q --shared "$LINUX" "$TREE"
git -C "$TREE" checkout -q -b push2 master
GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@localhost GIT_COMMITTER_DATE=2026-01-01T00:00:00Z \
	git -C "$TREE" am -q --committer-date-is-author-date "$PWD/tests/kernel/patches/0001-dax-hmem-call-cxl-region.patch"
git -C "$TREE" checkout -q master
git -C "$TREE" diff --stat master push2 | tail -1 | sed 's/^/push 2 changes:/'

# --- configure, the make way: one make olddefconfig per request -------------------------------
if skipped makeconf; then
	log "configure the make way: skipped"
else
	log "configure with make olddefconfig per request"
	start_server --long-poll=2 --lease=600
	start_worker makeconf --kinds=configure --kconfig=make --work-dir="$T/work-makeconf"
	t0=$(now)
	run=$("$KM_CTL" submit --tree="$TREE" --ref=master --matrix="$matrix")
	wait_state "$run" building booting done
	make_conf=$(secs "$t0" "$(now)")
	hashes "$run" >"$T/make.hashes"
	requests=$(wc -l <"$T/make.hashes")
	make_conf_job=$(conf_secs "$run")
	kill "$LAST_WORKER_PID"
	wait "$LAST_WORKER_PID" 2>/dev/null || true
	stop_server
	rm -rf "$T/data" "$T/work-makeconf"
fi

# --- one cold build of one config: fresh O=, no ccache -----------------------------------------
if skipped makeconf; then
	# The same point the make side would pick: the smallest value of every axis.
	point=$(awk '/^\[axes\]/ { on = 1; next } /^\[/ { on = 0 }
		on && /=/ { split($0, kv, "="); n = split(kv[2], v, " "); m = v[1]; for (i = 2; i <= n; i++) if (v[i] < m) m = v[i]; printf "%s", m }
		END { print "" }' "matrices/$matrix.matrix")
else
	point=$(awk '{print $1}' "$T/make.hashes" | sort -u | head -1)
fi
log "cold build of $point (fresh build directory, no ccache)"
out=$T/cold
mkdir -p "$out"
make -s -C "$TREE" O="$out" ARCH=x86_64 tinyconfig >/dev/null
cat "matrices/cxl-dax-hmem.config" >>"$out/.config"
axes=$(awk '/^\[axes\]/ { on = 1; next } /^\[/ { on = 0 } on && /=/ { print $1 }' "matrices/$matrix.matrix")
i=0
for sym in $axes; do
	echo "CONFIG_$sym=${point:$i:1}" | sed 's/=n$/ is not set/; s/^CONFIG_\(.*\) is not set/# CONFIG_\1 is not set/' >>"$out/.config"
	i=$((i + 1))
done
make -s -C "$TREE" O="$out" ARCH=x86_64 olddefconfig >/dev/null 2>&1
t0=$(now)
/usr/bin/time -f '%U %S' -o "$T/cold.time" make -s -C "$TREE" O="$out" ARCH=x86_64 -j"$jobs" $targets >"$T/cold.log" 2>&1 ||
	fail "cold build failed: $(tail -5 "$T/cold.log")"
cold=$(secs "$t0" "$(now)")
cold_cpu=$(awk '{ print $1 + $2 }' "$T/cold.time")
# Make's fixed work in every incremental build, in the same directory: a make with nothing to do
# (Kbuild's walk, its compiler probes, the vmlinux and modules checks), and syncconfig alone (the
# Kconfig parse with its $(shell) probes, which a changed .config costs on top).
/usr/bin/time -f '%e %U %S' -o "$T/noop.time" make -s -C "$TREE" O="$out" ARCH=x86_64 -j"$jobs" $targets >/dev/null 2>&1 ||
	fail "no-op make failed"
touch "$out/.config"
/usr/bin/time -f '%e %U %S' -o "$T/sync.time" make -s -C "$TREE" O="$out" ARCH=x86_64 syncconfig >/dev/null 2>&1 ||
	fail "syncconfig failed"
read -r noop_wall noop_cpu <<<"$(awk '{ print $1, $2 + $3 }' "$T/noop.time")"
read -r sync_wall sync_cpu <<<"$(awk '{ print $1, $2 + $3 }' "$T/sync.time")"
rm -rf "$out"
log "cold build: $cold s"

# --- the farm: the full matrix, empty build directory and empty ccache ------------------------
export KM_CCACHE_DIR=$T/ccache
start_server --long-poll=2
start_worker farm --work-dir="$T/work-farm" --build-timeout=7200
log "full matrix through the farm"
cpu0=$(tree_cpu "$LAST_WORKER_PID")
t0=$(now)
run1=$("$KM_CTL" submit --tree="$TREE" --ref=master --matrix="$matrix")
wait_state "$run1" done
full=$(secs "$t0" "$(now)")
cpu1=$(tree_cpu "$LAST_WORKER_PID")
hashes "$run1" >"$T/farm.hashes"
if skipped makeconf; then
	requests=$(wc -l <"$T/farm.hashes")
	same="not measured"
else
	same="$(comm -12 "$T/make.hashes" "$T/farm.hashes" | wc -l)/$requests"
fi
farm_conf_job=$(conf_secs "$run1")
conf_msg=$(db "SELECT message FROM jobs WHERE run_id = $run1 AND kind = 'configure'")
stats() { # RUN -> builds build_s boots boot_s hits misses
	db "SELECT (SELECT COUNT(*) || ' ' || printf('%.0f', SUM(b.wall_s)) || ' ' FROM builds b JOIN jobs j ON j.id = b.job_id WHERE j.run_id = $1)
		|| (SELECT COUNT(*) || ' ' || printf('%.0f', COALESCE(SUM(o.wall_s), 0)) FROM boots o JOIN jobs j ON j.id = o.job_id WHERE j.run_id = $1 AND o.wall_s > 0)
		|| (SELECT ' ' || SUM(b.ccache_hits) || ' ' || SUM(b.ccache_misses) FROM builds b JOIN jobs j ON j.id = b.job_id WHERE j.run_id = $1)"
}
# A run's build jobs' seconds besides make, from the worker's log: prepare (checkout, build directory) and outputs (uploads, boot staging).
phases() { # RUN -> prepare_s outputs_s
	db "SELECT id FROM jobs WHERE run_id = $1 AND kind = 'build'" >"$T/build-jobs.$1"
	awk 'NR == FNR { want["job=" $1] = 1; next }
		/ build phases: / { for (i = 1; i <= NF; i++) if ($i in want) { p += $(i + 4); o += $(i + 10) } }
		END { printf "%.0f %.0f\n", p, o }' "$T/build-jobs.$1" "$T/worker-farm.log"
}
read -r f_builds f_build_s f_boots f_boot_s f_hits f_misses <<<"$(stats "$run1")"
read -r f_prep_s f_out_s <<<"$(phases "$run1")"
f_shared=$(db "SELECT COUNT(*) FROM jobs WHERE run_id = $run1 AND kind = 'boot' AND same_boot_as IS NOT NULL")
f_status=$(db "SELECT kind || ' ' || status || ' ' || COUNT(*) FROM jobs WHERE run_id = $run1 GROUP BY kind, status" | tr '\n' ',')
log "full matrix: $full s ($f_status)"

# --- second push: one changed file -------------------------------------------------------------
log "second push (the seed's change)"
t0=$(now)
run2=$("$KM_CTL" submit --tree="$TREE" --ref=push2 --matrix="$matrix")
wait_state "$run2" done
push2=$(secs "$t0" "$(now)")
cpu2=$(tree_cpu "$LAST_WORKER_PID")
read -r p_builds p_build_s p_boots p_boot_s p_hits p_misses <<<"$(stats "$run2")"
read -r p_prep_s p_out_s <<<"$(phases "$run2")"
p_fail=$(db "SELECT COUNT(*) FROM jobs WHERE run_id = $run2 AND kind = 'build' AND status = 'FAIL'")
# Builds whose objects stood (make not run) and boots taken from run 1, both for configs the change does not touch.
p_unmade=$(db "SELECT COUNT(*) FROM builds b JOIN jobs j ON j.id = b.job_id WHERE j.run_id = $run2 AND COALESCE(b.message, j.message) LIKE 'not built again:%'")
p_taken=$(db "SELECT COUNT(*) FROM jobs WHERE run_id = $run2 AND kind = 'boot' AND same_boot_as IN (SELECT id FROM jobs WHERE run_id = $run1)")
log "second push: $push2 s, $p_fail builds fail"

# --- ccache across names: the same source under another tree name, and another matrix ----------
other_matrix=cxl-quick
[ "$matrix" = cxl-quick ] && other_matrix=cxl-dax-hmem
if skipped names; then
	log "ccache across names: skipped"
else
	log "first build under a second tree name"
	run3=$("$KM_CTL" submit --tree="$TREE" --ref=master --matrix="$matrix" --tree-name=bench-second-name)
	read -r n_hits n_misses _ _ <<<"$(first_build "$run3")"
	log "first build of a second matrix ($other_matrix)"
	run4=$("$KM_CTL" submit --tree="$TREE" --ref=master --matrix="$other_matrix")
	read -r m_hits m_misses _ _ <<<"$(first_build "$run4")"
fi
kill "$LAST_WORKER_PID"
wait "$LAST_WORKER_PID" 2>/dev/null || true

# --- naive: one clean build per request, ccache warm ---------------------------------------------
if skipped naive; then
	log "naive way: skipped"
else
	log "naive way: clean build per request with warm ccache, sample of $sample"
	naive=0
	for p in $(awk '{print $1}' "$T/farm.hashes" | shuf -n "$sample" --random-source=<(yes)); do
		cid=$(curl -s "$URL/api/v1/runs/$run1/matrix" | jq --arg p "$p" '.requests[] | select(.point == $p) | .config_id')
		out=$T/naive/$p
		mkdir -p "$out"
		curl -s "$URL/api/v1/configs/$cid/config" >"$out/.config"
		t0=$(now)
		make -s -C "$TREE" O="$out" ARCH=x86_64 olddefconfig >/dev/null 2>&1
		# The tree is $T/linux and the build directory $T/naive-POINT: with $T as the base
		# directory every compiler command says ../linux/..., as the farm's do, so the
		# farm's warm ccache serves the clean build (without it nothing would hit).
		CCACHE_DIR=$T/ccache CCACHE_BASEDIR=$T CCACHE_NOHASHDIR=1 make -s -C "$TREE" O="$out" ARCH=x86_64 \
			CC="ccache gcc" -j"$jobs" $targets >"$T/naive.log" 2>&1 || true
		w=$(secs "$t0" "$(now)")
		log "  naive $p: $w s ($(CCACHE_DIR=$T/ccache ccache --print-stats | awk '$1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { h += $2 } $1 == "cache_miss" { m = $2 } END { print h " hits, " m " misses in the cache so far" }'))"
		naive=$(echo "$naive + $w" | bc)
		rm -rf "$out"
	done
	naive_all=$(echo "scale=1; $naive / $sample * $requests" | bc)
fi

pct() { echo "scale=1; 100 * $1 / ($1 + $2)" | bc; }
ratio() { printf "%.2f" "$(echo "$1 / $2" | bc -l)"; }
per_farm=$(echo "scale=3; $farm_conf_job / $requests" | bc)
# A skipped part's rows say so instead of a figure.
if skipped makeconf; then per_make=skipped speedup=skipped; else
	per_make=$(echo "scale=3; $make_conf_job / $requests" | bc)
	speedup="$(ratio "$per_make" "$per_farm")x"
fi
if skipped names; then n_rate=skipped m_rate=skipped; else
	n_rate="$(pct "$n_hits" "$n_misses") %" m_rate="$(pct "$m_hits" "$m_misses") %"
fi
if skipped naive; then naive_ratio=skipped; naive_all=skipped; else naive_ratio="$(ratio "$naive_all" "$full")x"; fi
echo
echo "matrix $matrix: $requests requests, $f_builds configs built, $f_boots boots ($(nproc) CPUs, one worker)"
echo "farm configure: $conf_msg"
printf "| %-52s | %12s | %-28s |\n" "figure" "value" "goal"
printf "|%s|%s|%s|\n" "$(printf -- '-%.0s' {1..54})" "$(printf -- '-%.0s' {1..14})" "$(printf -- '-%.0s' {1..30})"
row() { printf "| %-52s | %12s | %-28s |\n" "$1" "$2" "$3"; }
row "cold build of $point (no ccache), s" "$cold" ""
row "  its CPU time (user + system), s" "$cold_cpu" ""
row "  a no-op make in its directory, s (CPU s)" "$noop_wall ($noop_cpu)" ""
row "  syncconfig alone in its directory, s (CPU s)" "$sync_wall ($sync_cpu)" ""
row "configure per request: make olddefconfig, s" "$per_make" ""
row "configure per request: farm (whole resolution / requests), s" "$per_farm" ""
row "configure speed-up (make / farm)" "$speedup" ">= 20x"
row "requests with the same hash both ways" "$same" "all"
row "full matrix wall (submit to done), s" "$full" ""
row "  builds: sum of build job walls, s" "$f_build_s" ""
row "  build jobs besides make: prepare / outputs, s" "$f_prep_s / $f_out_s" ""
row "  boots: sum of boot job walls, s" "$f_boot_s" ""
row "  boots booted / shared with another variant" "$f_boots / $f_shared" ""
row "  ccache hit rate over all builds" "$(pct "$f_hits" "$f_misses") %" ""
f_cpu=$(echo "$cpu1 - $cpu0" | bc)
row "  CPU time of the worker and its children, s" "$f_cpu" ""
row "  cores busy: CPU time / ($jobs x wall)" "$(echo "scale=0; 100 * $f_cpu / ($jobs * $full)" | bc) %" ""
row "  floor on $jobs cores: CPU time / $jobs / cold build" "$(ratio "$(echo "$f_cpu / $jobs" | bc -l)" "$cold")x" ""
row "full matrix / cold build" "$(ratio "$full" "$cold")x" "<= 5x"
row "second push wall, s" "$push2" ""
row "  builds / boots job walls, s" "$p_build_s / $p_boot_s" ""
row "  builds not made again / boots taken from the first push" "$p_unmade / $p_taken" ""
row "  build jobs besides make: prepare / outputs, s" "$p_prep_s / $p_out_s" ""
row "  CPU time of the worker and its children, s" "$(echo "$cpu2 - $cpu1" | bc)" ""
row "second push / cold build" "$(ratio "$push2" "$cold")x" "<= 1.5x"
row "first build, second tree name: ccache hits" "$n_rate" ">= 90 %"
row "first build, second matrix ($other_matrix): ccache hits" "$m_rate" ">= 90 %"
row "naive: clean build per request, warm ccache, s (x$requests)" "$naive_all" ""
row "naive / farm full matrix" "$naive_ratio" ">= 30x"
