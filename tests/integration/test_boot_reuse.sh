#!/usr/bin/env bash
# The next push through one real worker: every config is built in its own
# build directory, and a config whose previous build read none of the files
# the push changed is not made again (its objects stand, its log is read
# again) and takes its boots from the earlier run instead of booting again,
# with the same verdicts and owners; the others are made and boot. After a
# toolchain change (the compiler says another version) every config is made
# and boots again.
. "$(dirname "$0")/lib.sh"
command -v kconfig-conf >/dev/null || { echo "SKIP: kconfig-conf missing (kconfig-frontends)"; exit 77; }

MATRICES=$T/matrices
mkdir -p "$MATRICES"
cp "$KM_SOURCE_DIR/tests/fixtures/fixture-small.matrix" "$KM_SOURCE_DIR/tests/fixtures/fixture.config" "$MATRICES/"
bash "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" "$T/linux" >/dev/null
# The system gcc under a version this test chooses: a toolchain upgrade without a new compiler.
mkdir -p "$T/toolchain"
echo "gcc (kmatrix test) 12.2.0" >"$T/toolchain/version"
printf '#!/bin/sh\n[ "$1" = --version ] && exec cat "%s"\nexec /usr/bin/gcc "$@"\n' "$T/toolchain/version" >"$T/toolchain/gcc"
chmod +x "$T/toolchain/gcc"
start_server --long-poll=2
PATH=$T/toolchain:$PATH start_worker w1 --jobs=2

RUN1=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-small)
[ "$(wait_run "$RUN1" 300)" = done ] || fail "run 1 did not end done"
# One build directory per config: the one built last in place (build/), the others kept under their hashes.
D=$T/work-w1/src/linux/x86_64-fixture-small
for h in $(api GET "/api/v1/runs/$RUN1/matrix" | jq -r '.configs[].hash[0:16]'); do
	[ -f "$D/$h/.config" ] || [ "$(cat "$D/build/.km-config")" = "$h" ] || fail "config $h has its own build directory"
done
[ "$(find "$D" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 9 ] || fail "9 build directories: $(ls "$D")"
pass "run 1: 9 configs in 9 build directories"
vmlinux_times() { # -> per config hash (16 digits): when its vmlinux was last written
	local h d
	for h in $(api GET "/api/v1/runs/$RUN1/matrix" | jq -r '.configs[].hash[0:16]'); do
		d=$D/$h
		[ "$(cat "$D/build/.km-config")" = "$h" ] && d=$D/build
		echo "$h $(stat -c %y "$d/vmlinux")"
	done | jq -Rn '[inputs | split(" ") | {key: .[0], value: .[1:] | join(" ")}] | from_entries'
}
vmlinux_times >"$T/vmlinux1.json"

# Push 2 changes drivers/dax/hmem/hmem.c only: the configs without DEV_DAX_HMEM do not compile it.
bash "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" "$T/linux" --patch grow-dax-hmem >/dev/null
RUN2=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-small)
[ "$(wait_run "$RUN2" 300)" = done ] || fail "run 2 did not end done"

configs() { # RUN -> per config: hash, effective HMEM, build status, build job, and the config's boots
	local run=$1
	for id in $(api GET "/api/v1/runs/$run/matrix" | jq '.configs[].id'); do
		api GET "/api/v1/configs/$id" | jq -c '{hash: .config.hash, hmem: .config.effective.DEV_DAX_HMEM, status: .build.status,
			build_job: .build.job_id, unchanged_since: .build.unchanged_since,
			boots: [.boots[] | {variant, status, wall_s, same_boot_as, same_boot_run, message,
				owners: [.ownership[] | "\(.range)=\(.owner)"]}]}'
	done | jq -s 'INDEX(.hash)'
}
configs "$RUN1" >"$T/run1.json"
configs "$RUN2" >"$T/run2.json"

unchanged_without_hmem() { # OLD.json NEW.json: exactly the passing configs without DEV_DAX_HMEM are unchanged since OLD
	jq -e --slurpfile old "$1" '
		[.[] | select(.status == "PASS")] | length > 0 and all(
			if .hmem == "n" then .unchanged_since == $old[0][.hash].build_job
			else .unchanged_since == null end)' "$2" >/dev/null ||
		fail "exactly the passing configs without DEV_DAX_HMEM are unchanged since $(basename "$1" .json)'s build: $(jq -c 'map_values({hmem, status, unchanged_since})' "$2")"
}
unchanged_without_hmem "$T/run1.json" "$T/run2.json"
reused=$(jq '[.[] | select(.hmem == "n") | .boots[]] | length' "$T/run2.json")
[ "$reused" = 6 ] || fail "3 configs without DEV_DAX_HMEM, 2 variants each: $reused boots"
jq -e --argjson run1 "$RUN1" '
	all(.[] | select(.hmem == "n") | .boots[];
		.same_boot_run == $run1 and .wall_s == 0 and (.message | startswith("not booted again: build job")))' \
	"$T/run2.json" >/dev/null ||
	fail "their boots are taken from run 1, without booting: $(jq -c '[.[] | select(.hmem == "n") | .boots[]]' "$T/run2.json")"
# The same verdicts and owners as run 1's boots of the same config and variant.
jq -e --slurpfile old "$T/run1.json" '
	[.[] | select(.hmem == "n") | . as $c | .boots[] | . as $b
		| ($old[0][$c.hash].boots[] | select(.variant == $b.variant)) as $o
		| $o.status == $b.status and $o.owners == $b.owners and ($b.owners | length) > 0] | length == 6 and all' \
	"$T/run2.json" >/dev/null ||
	fail "the taken boots keep run 1's verdicts and owners"
pass "run 2: the 3 configs the push did not touch take run 1's 6 boots, verdicts and owners"

# The configs that compile hmem.c boot again, on the worker.
jq -e --argjson run2 "$RUN2" '[.[] | select(.hmem != "n" and .status == "PASS") | .boots[]] | length > 0 and
	all((.same_boot_run == null or .same_boot_run == $run2) and ((.message // "") | startswith("not booted again") | not))' \
	"$T/run2.json" >/dev/null || fail "the touched configs boot again: $(jq -c '[.[] | select(.hmem != "n") | .boots[]]' "$T/run2.json")"
booted=$(sqlite3 -readonly "$T/data/kmatrix.db" "SELECT COUNT(*) FROM jobs WHERE run_id = $RUN2 AND kind = 'boot'
	AND worker_id IS NOT NULL")
want=$(jq '[.[] | select(.hmem != "n" and .status == "PASS") | .boots[] | select(.same_boot_as == null)] | length' "$T/run2.json")
[ "$booted" = "$want" ] && [ "$want" -gt 0 ] || fail "the worker booted exactly the touched configs' boots: $booted, want $want"
pass "run 2: the 6 configs that compile hmem.c were rebuilt and $booted boots ran"

# Make did not run for the configs the push did not touch: their vmlinux is the one run 1 wrote (a make
# would relink it for the new commit's timestamp), their log says so and gives run 1's warnings again.
vmlinux_times >"$T/vmlinux2.json"
jq -e --slurpfile t1 "$T/vmlinux1.json" --slurpfile t2 "$T/vmlinux2.json" '
	all(.[] | select(.status == "PASS"); ($t1[0][.hash[0:16]] == $t2[0][.hash[0:16]]) == (.hmem == "n"))' \
	"$T/run2.json" >/dev/null ||
	fail "exactly the untouched configs keep run 1's vmlinux: $(jq -c . "$T/vmlinux1.json") then $(jq -c . "$T/vmlinux2.json")"
build_log() { curl -sf "$URL/api/v1/jobs/$1/artifacts/build.log"; }
for row in $(jq -r '.[] | select(.status == "PASS") | "\(.hash):\(.hmem):\(.build_job)"' "$T/run2.json"); do
	IFS=: read -r h hmem job <<<"$row"
	old=$(jq --arg h "$h" '.[$h].build_job' "$T/run1.json")
	if [ "$hmem" = n ]; then
		build_log "$job" | head -1 | grep -q "^kmatrix: make was not run. This directory holds the objects of build job $old (commit $(git -C "$T/linux" rev-parse --short=12 main~1))" ||
			fail "build job $job says make was not run: $(build_log "$job" | head -2)"
		[ "$(api GET "/api/v1/configs/$(api GET "/api/v1/runs/$RUN2/matrix" | jq --arg h "$h" '.configs[] | select(.hash == $h) | .id')" |
			jq -r .build.message)" = "not built again: the objects of build job $old (commit $(git -C "$T/linux" rev-parse --short=12 main~1)) stand" ] ||
			fail "build job $job's message: $(jq -c .build "$T/body")"
	else
		! build_log "$job" | grep -q "make was not run" || fail "build job $job ran make"
	fi
done
warnings() { for id in $(api GET "/api/v1/runs/$1/matrix" | jq '.configs[].id'); do api GET "/api/v1/configs/$id" |
	jq -c '{(.config.hash): .build.warnings}'; done | jq -s add; }
warnings "$RUN1" >"$T/warnings1.json"
warnings "$RUN2" >"$T/warnings2.json"
jq -e --slurpfile r2 "$T/run2.json" --slurpfile w2 "$T/warnings2.json" '
	[to_entries[] | select($r2[0][.key].hmem == "n") | .value == $w2[0][.key]] | length == 3 and all' \
	"$T/warnings1.json" >/dev/null ||
	fail "the configs not made again report run 1's warnings: $(jq -c . "$T/warnings1.json") then $(jq -c . "$T/warnings2.json")"
pass "run 2: make did not run for the 3 untouched configs; their logs say so and keep run 1's warnings"

# The artifacts of a taken boot are the booted job's: its console is there.
job=$(sqlite3 -readonly "$T/data/kmatrix.db" "SELECT id FROM jobs WHERE run_id = $RUN2 AND kind = 'boot'
	AND same_boot_as IN (SELECT id FROM jobs WHERE run_id = $RUN1) LIMIT 1")
curl -sf "$URL/api/v1/jobs/$job/artifacts/console.log" | grep -q . || fail "boot job $job serves the console of the boot it took"
pass "a taken boot serves the console of the boot it was taken from"

# A toolchain change: the same files, but the compiler says another version. Every config is made again
# and boots again, the untouched ones too.
echo "gcc (kmatrix test) 12.3.0" >"$T/toolchain/version"
echo "/* a comment only */" >>"$T/linux/drivers/dax/hmem/hmem.c"
git -C "$T/linux" -c user.name=t -c user.email=t@example.org commit -q -am "dax/hmem: Add a comment"
RUN3=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-small)
[ "$(wait_run "$RUN3" 300)" = done ] || fail "run 3 did not end done"
configs "$RUN3" >"$T/run3.json"
jq -e '[.[] | select(.status == "PASS")] | length > 0 and all(.[] | select(.status == "PASS");
	.unchanged_since == null and all(.boots[]; (.message // "") | startswith("not booted again") | not))' \
	"$T/run3.json" >/dev/null || fail "after the toolchain change every config boots again: $(jq -c . "$T/run3.json")"
for job in $(jq '.[] | select(.hmem == "n" and .status == "PASS") | .build_job' "$T/run3.json"); do
	! build_log "$job" | grep -q "make was not run" || fail "build job $job ran make after the toolchain change"
done
grep -q "made its objects with another toolchain or make command" "$T/worker-w1.log" ||
	fail "the worker log says why the untouched configs were made again"
pass "run 3: after a toolchain change the untouched configs are made and boot again"

# A new header of a name the CXL drivers read (drivers/cxl/cxl.h), that no include of theirs finds: only the
# configs that compile hmem.c, which now includes it, are made again.
bash "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" "$T/linux" --patch new-cxl-header >/dev/null
RUN4=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-small)
[ "$(wait_run "$RUN4" 300)" = done ] || fail "run 4 did not end done"
configs "$RUN4" >"$T/run4.json"
unchanged_without_hmem "$T/run3.json" "$T/run4.json"
# Among them configs with the CXL drivers, which read drivers/cxl/cxl.h: a new cxl.h does not touch them.
for id in $(api GET "/api/v1/runs/$RUN4/matrix" | jq '.configs[].id'); do
	api GET "/api/v1/configs/$id" | jq -c '{hmem: .config.effective.DEV_DAX_HMEM, bus: .config.effective.CXL_BUS,
		unchanged: (.build.unchanged_since != null)}'
done | jq -se 'any(.[]; .hmem == "n" and .bus == "m" and .unchanged)' >/dev/null ||
	fail "a config with the CXL drivers and without DEV_DAX_HMEM is untouched by the new cxl.h"
pass "run 4: a new cxl.h no include of the CXL drivers finds leaves their configs unchanged"
