#!/usr/bin/env bash
# Benchmark: the farm's bisection of a push against the naive way, on the
# same series, tree and config:
#
#   farm   a push of COMMITS commits whose commit BAD brings the seed's link
#          error: the run reports the new signature and bisects it with leased
#          bisect jobs, each an incremental build of the matrix's persistent
#          build directory with ccache (after one run of the base commit, as
#          a farm has run the branch before);
#   naive  `git bisect run` between the same ends with one clean build per
#          step (fresh O=, no ccache), the config being the farm's.
#
# Each harmless commit appends a comment to a compiled file (so every step
# recompiles something); commit BAD applies tests/kernel/patches/0001-*.
# With --fixture-owner the change is a boot's instead: commit BAD applies
# tests/fixtures/patches/hmem-no-defer.patch, so the owner of the subject
# range in variant cxl-first changes cxl -> hmem; the farm bisects the boot
# (each step a build and a boot), the naive way boots each clean build once.
#
# Usage: bench/bisect.sh [COMMITS] [BAD]                  Linux 6.12 (default 8 commits, commit 5 bad)
#        bench/bisect.sh --fixture [COMMITS] [BAD]        the fixture tree: checks the script in a minute
#        bench/bisect.sh --fixture-owner [COMMITS] [BAD]  the fixture tree, an owner change bisected
# Prints one table: builds and wall time of each way, and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
fixture=0 owner=0
case "${1:-}" in
--fixture) fixture=1; shift ;;
--fixture-owner) fixture=1 owner=1; shift ;;
esac
commits=${1:-8}
bad=${2:-5}
[ "$bad" -ge 1 ] && [ "$bad" -le "$commits" ] || { echo "usage: $0 [--fixture|--fixture-owner] [COMMITS] [BAD<=COMMITS]" >&2; exit 2; }
if [ $fixture = 1 ]; then
	build=${KM_BUILD:-build}
	export KM_SOURCE_DIR=$PWD KM_SERVER=$PWD/$build/server/kmatrix-server KM_WORKER=$PWD/$build/worker/kmatrix-worker \
		KM_CTL=$PWD/$build/ctl/kmatrixctl
	. tests/integration/lib.sh
	. bench/timing.sh
else
	. bench/lib.sh
fi
jobs=$(nproc)
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null TZ=UTC LC_ALL=C
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@localhost GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@localhost

# --- the tree, the series and the matrix --------------------------------------------------------
TREE=$T/linux
MATRICES=$T/matrices
mkdir -p "$MATRICES"
if [ $fixture = 1 ]; then
	tests/fixtures/make-repo.sh "$TREE" --patch fix-reachable >/dev/null
	patch=$PWD/tests/fixtures/patches/break-reachable.patch
	touched=drivers/cxl/core/port.c
	matrix=fixture-bisect
	cp tests/fixtures/fixture-bisect.matrix tests/fixtures/fixture.config "$MATRICES/"
	sed -i 's/^DEV_DAX_HMEM .*/DEV_DAX_HMEM = y/' "$MATRICES/fixture-bisect.matrix"
	make_args=()
	if [ $owner = 1 ]; then
		patch=$PWD/tests/fixtures/patches/hmem-no-defer.patch
		matrix=fixture-bisect-boot
		cp tests/fixtures/fixture-bisect-boot.matrix "$MATRICES/"
	fi
else
	git clone -q --shared "$LINUX" "$TREE"
	patch=$PWD/tests/kernel/patches/0001-dax-hmem-call-cxl-region.patch
	touched=drivers/cxl/core/port.c
	matrix=cxl-quick
	cp matrices/cxl-dax-hmem.config "$MATRICES/"
	awk '
		/^\[/ { keep = ($0 == "[matrix]" || $0 == "[axes]") }
		/^DEV_DAX_HMEM / { print "DEV_DAX_HMEM = y"; next }
		/^CXL_ACPI / { print "CXL_ACPI     = m"; next }
		/^CXL_REGION / { print "CXL_REGION   = y"; next }
		keep' matrices/cxl-quick.matrix >"$MATRICES/cxl-quick.matrix"
	make_args=(ARCH=x86_64)
fi
[ -f "$TREE/$touched" ] || fail "$touched is not in the tree"
targets=$(sed -n 's/^targets *= *\([^#]*\).*/\1/p' "$MATRICES/$matrix.matrix")
git -C "$TREE" checkout -q -B series
MASTER=$(git -C "$TREE" rev-parse HEAD)
for i in $(seq 1 "$commits"); do
	export GIT_AUTHOR_DATE="2026-03-01T00:$(printf %02d "$i"):00Z" GIT_COMMITTER_DATE="2026-03-01T00:$(printf %02d "$i"):00Z"
	if [ "$i" = "$bad" ]; then
		git -C "$TREE" am -q --committer-date-is-author-date "$patch"
	else
		echo "/* bench note $i */" >>"$TREE/$touched"
		git -C "$TREE" commit -q -am "cxl: note $i"
	fi
done
HEAD=$(git -C "$TREE" rev-parse HEAD)
BAD_ID=$(git -C "$TREE" rev-parse "HEAD~$((commits - bad))")
log "series: $commits commits on $(git -C "$TREE" log -1 --format=%h "$MASTER"), commit $bad = $(git -C "$TREE" log -1 --format='%h %s' "$BAD_ID")"

# --- the farm -----------------------------------------------------------------------------------
start_server --long-poll=2
if [ $owner = 1 ]; then
	start_worker bench --build-timeout=3600 # the comparison needs the boots
else
	start_worker bench --boot-slots=0 --build-timeout=3600
fi
submit() { "$KM_CTL" submit --tree="$TREE" --ref=series --commit="$1" --matrix="$matrix"; }
t0=$(now)
RUN_A=$(submit "$MASTER")
[ "$(wait_run "$RUN_A" 7200)" = done ] || fail "run of the base did not end done"
log "base run (the build directory's first build): $(secs "$t0" "$(now)") s"
t0=$(now)
RUN_B=$(submit "$HEAD")
[ "$(wait_run "$RUN_B" 7200)" = done ] || fail "run of the series did not end done"
head_s=$(secs "$t0" "$(now)")
for _ in $(seq 1 14400); do
	B=$(curl -s "$URL/api/v1/runs/$RUN_B/bisections")
	case $(jq -r '.bisections[0].state // "none"' <<<"$B") in
	walking | stepping | none) sleep 0.5 ;;
	*) break ;;
	esac
done
[ "$(jq -r '.bisections[0].state' <<<"$B")" = found ] || fail "the bisection did not conclude: $(jq -c '.bisections[0] | {state, reason}' <<<"$B")"
farm_s=$(jq -r '.bisections[0] | .finished_at - .created_at' <<<"$B")
farm_builds=$(jq -r '.bisections[0].steps_done' <<<"$B")
farm_id=$(jq -r '.bisections[0].first_bad.id' <<<"$B")
farm_label=$(jq -r '.bisections[0].first_bad.label' <<<"$B")
config=$(jq -r '.bisections[0].config_id' <<<"$B")
steps_word=builds
[ $owner = 1 ] && steps_word="builds and boots"
log "farm: head run $head_s s, bisection $farm_s s, $farm_builds $steps_word -> $farm_label"
curl -sf "$URL/api/v1/configs/$config/config" >"$T/bisect.config"
stop_server

# --- the naive way: git bisect run, one clean build per step ----------------------------------------
cat >"$T/step.sh" <<EOF
#!/bin/bash
# One clean build of the farm's config at the checked-out commit: 0 good, 1 bad, 125 skip.
echo x >>"$T/naive-steps"
rm -rf "$T/naive-out"
mkdir -p "$T/naive-out"
cp "$T/bisect.config" "$T/naive-out/.config"
make -s -C "$TREE" O="$T/naive-out" ${make_args[*]} olddefconfig >/dev/null 2>&1 || exit 125
EOF
if [ $owner = 1 ]; then
	# The fixture image boots itself, in cxl-first's load order; the subject range's owner decides.
	cat >>"$T/step.sh" <<EOF
make -C "$TREE" O="$T/naive-out" -j$jobs $targets >"$T/naive.log" 2>&1 || exit 125
"$T/naive-out/arch/x86/boot/bzImage" console=ttyS0 kmatrix.load=cxl_acpi,cxl_pci,dax_hmem kmatrix.modprobe=busybox >"$T/naive-console.log" 2>&1 || exit 125
grep -q "role=subject owner=cxl " "$T/naive-console.log" && exit 0
grep -q "role=subject owner=hmem " "$T/naive-console.log" && exit 1
exit 125
EOF
else
	cat >>"$T/step.sh" <<EOF
if make -C "$TREE" O="$T/naive-out" ${make_args[*]} -j$jobs $targets >"$T/naive.log" 2>&1; then exit 0; fi
grep -q "undefined reference to .cxl_region_contains_resource" "$T/naive.log" && exit 1
exit 125
EOF
fi
chmod +x "$T/step.sh"
: >"$T/naive-steps"
t0=$(now)
git -C "$TREE" bisect start "$HEAD" "$MASTER" >/dev/null
git -C "$TREE" bisect run "$T/step.sh" >"$T/bisect-run.log" 2>&1 || fail "git bisect run: $(tail -5 "$T/bisect-run.log")"
naive_s=$(secs "$t0" "$(now)")
naive_id=$(sed -n 's/^\([0-9a-f]\{40\}\) is the first bad commit.*/\1/p' "$T/bisect-run.log" | head -1)
naive_builds=$(wc -l <"$T/naive-steps")
git -C "$TREE" bisect reset -q >/dev/null 2>&1 || true
[ "$naive_id" = "$BAD_ID" ] || fail "git bisect named $naive_id, not commit $bad ($BAD_ID)"
[ "$farm_id" = "$BAD_ID" ] || fail "the farm named $farm_id, not commit $bad ($BAD_ID)"

# --- the table ----------------------------------------------------------------------------------
printf '\nbisection of %s commits on %s, first bad commit %s (%s), config %s\n' "$commits" \
	"$([ $fixture = 1 ] && echo "the fixture tree" || echo "Linux 6.12")" "$farm_label" "${BAD_ID:0:12}" "$matrix"
printf '%-44s %12s %12s %8s\n' "" farm naive "naive/farm"
printf '%-44s %12s %12s %8s\n' "$steps_word" "$farm_builds" "$naive_builds" "$(echo "scale=2; $naive_builds / $farm_builds" | bc)"
ratio=n/a
[ "$farm_s" -gt 0 ] && ratio=$(echo "scale=1; $naive_s / $farm_s" | bc)
printf '%-44s %12.0f %12.0f %8s\n' "wall time (s)" "$farm_s" "$naive_s" "$ratio"
printf '%-44s %12s %12s\n' "answer" "${farm_id:0:12}" "${naive_id:0:12}"
printf '(farm: incremental builds in the persistent build directory with ccache, after one run of the base;\n'
printf ' naive: git bisect run, fresh O= and no ccache per step; the series head run took %.0f s)\n' "$head_s"
