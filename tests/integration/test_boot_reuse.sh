#!/usr/bin/env bash
# The next push through one real worker: every config is rebuilt in its own
# build directory, and a config whose previous build read none of the files
# the push changed takes its boots from the earlier run instead of booting
# again, with the same verdicts and owners; the others boot.
. "$(dirname "$0")/lib.sh"
command -v kconfig-conf >/dev/null || { echo "SKIP: kconfig-conf missing (kconfig-frontends)"; exit 77; }

MATRICES=$T/matrices
mkdir -p "$MATRICES"
cp "$KM_SOURCE_DIR/tests/fixtures/fixture-small.matrix" "$KM_SOURCE_DIR/tests/fixtures/fixture.config" "$MATRICES/"
bash "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" "$T/linux" >/dev/null
start_server --long-poll=2
start_worker w1 --jobs=2

RUN1=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-small)
[ "$(wait_run "$RUN1" 300)" = done ] || fail "run 1 did not end done"
# One build directory per config: the one built last in place (build/), the others kept under their hashes.
D=$T/work-w1/src/linux/x86_64-fixture-small
for h in $(api GET "/api/v1/runs/$RUN1/matrix" | jq -r '.configs[].hash[0:16]'); do
	[ -f "$D/$h/.config" ] || [ "$(cat "$D/build/.km-config")" = "$h" ] || fail "config $h has its own build directory"
done
[ "$(find "$D" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 9 ] || fail "9 build directories: $(ls "$D")"
pass "run 1: 9 configs in 9 build directories"

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

jq -e --slurpfile old "$T/run1.json" '
	[.[] | select(.status == "PASS")] | length > 0 and all(
		if .hmem == "n" then .unchanged_since == $old[0][.hash].build_job
		else .unchanged_since == null end)' "$T/run2.json" >/dev/null ||
	fail "exactly the passing configs without DEV_DAX_HMEM are unchanged since run 1's build: $(jq -c 'map_values({hmem, status, unchanged_since})' "$T/run2.json")"
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

# The artifacts of a taken boot are the booted job's: its console is there.
job=$(sqlite3 -readonly "$T/data/kmatrix.db" "SELECT id FROM jobs WHERE run_id = $RUN2 AND kind = 'boot'
	AND same_boot_as IN (SELECT id FROM jobs WHERE run_id = $RUN1) LIMIT 1")
curl -sf "$URL/api/v1/jobs/$job/artifacts/console.log" | grep -q . || fail "boot job $job serves the console of the boot it took"
pass "a taken boot serves the console of the boot it was taken from"
