#!/usr/bin/env bash
# A shared ccache across worker directories through ccache's own Redis remote
# storage (--ccache-remote): worker A builds the small fixture matrix, then
# worker B - another work directory, an empty local ccache - builds the same
# configs again and gets them from Redis.  Checks that CCACHE_BASEDIR (the
# work dir) and CCACHE_NOHASHDIR let different work dirs share hits.
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null || { echo "SKIP: redis-server missing (Debian package redis-server)"; exit 77; }
command -v kconfig-conf >/dev/null || { echo "SKIP: kconfig-conf missing (kconfig-frontends)"; exit 77; }

# A Redis of our own on a free loopback port, no persistence.
RPORT=$(free_port)
mkdir -p "$T/redis"
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$T/redis" \
	>>"$T/redis.log" 2>&1 &
KM_PIDS+=("$!")
for _ in $(seq 1 50); do
	[ "$(redis-cli -p "$RPORT" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
[ "$(redis-cli -p "$RPORT" ping 2>/dev/null)" = PONG ] || fail "redis-server did not start: $(tail -5 "$T/redis.log")"
REMOTE=redis://127.0.0.1:$RPORT

MATRICES=$T/matrices
mkdir -p "$MATRICES"
cp "$KM_SOURCE_DIR/tests/fixtures/fixture-small.matrix" "$KM_SOURCE_DIR/tests/fixtures/fixture.config" "$MATRICES/"
bash "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" "$T/linux" >/dev/null
start_server --long-poll=2

# stats DIR KEY: one counter of a local ccache directory.
stats() {
	CCACHE_DIR=$1 ccache --print-stats | awk -F'\t' -v k="$2" '$1 == k { print $2 }'
}

# run_matrix: submits the fixture matrix, waits for it; prints the run id.
run_matrix() {
	local run
	run=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-small)
	[ "$(wait_run "$run" 300)" = done ] || fail "run $run did not end done"
	echo "$run"
}

# builds RUN: one line per config: id worker status ccache_hits ccache_misses.
builds() {
	local id
	for id in $(api GET "/api/v1/runs/$1/matrix" | jq '.configs[].id'); do
		api GET "/api/v1/configs/$id" |
			jq -r '[.config.id, .build.worker, .build.status, .build.ccache_hits, .build.ccache_misses,
				.build.ccache_remote_hits] | @tsv'
	done
}

sum() { awk -v c="$1" '{ s += $c } END { print s + 0 }'; }

# Worker A: its own work dir and local ccache, with the shared remote storage.
KM_WORK_DIR=$T/work-a KM_CCACHE_DIR=$T/ccache-a start_worker a --jobs=2 --ccache-remote="$REMOTE"
PID_A=$LAST_WORKER_PID
RUN1=$(run_matrix)
builds "$RUN1" >"$T/builds1"
[ "$(wc -l <"$T/builds1")" = 9 ] || fail "9 configs in run 1: $(cat "$T/builds1")"
[ "$(cut -f2 "$T/builds1" | sort -u)" = a ] || fail "worker a built everything in run 1"
[ "$(awk '$3 == "FAIL"' "$T/builds1" | wc -l)" = 1 ] || fail "one config (ymy) fails to link in run 1"
misses1=$(sum 5 <"$T/builds1")
hits1=$(sum 4 <"$T/builds1")
[ "$misses1" -gt 0 ] || fail "run 1 compiled something (ccache misses $misses1)"
keys=$(redis-cli -p "$RPORT" dbsize)
[ "$keys" -gt 0 ] || fail "worker a wrote its results to Redis"
[ "$(stats "$T/ccache-a" remote_storage_write)" -gt 0 ] || fail "ccache of worker a reports remote writes"
grep -q "ccache_remote=on" "$T/worker-a.log" || fail "worker a logs that the remote storage is on"
pass "worker a: 9 builds, ccache misses $misses1 hits $hits1, $keys keys in Redis"

# Worker A goes away; worker B starts with nothing: an empty work dir (a new clone,
# a new build directory: every object is compiled again) and an empty local ccache.
kill "$PID_A"
wait "$PID_A" 2>/dev/null || true
[ ! -e "$T/work-b" ] && [ ! -e "$T/ccache-b" ] || fail "worker b starts empty"
KM_WORK_DIR=$T/work-b KM_CCACHE_DIR=$T/ccache-b start_worker b --jobs=2 --ccache-remote="$REMOTE"
PID_B=$LAST_WORKER_PID
RUN2=$(run_matrix)
[ "$RUN2" != "$RUN1" ] || fail "a second run"
builds "$RUN2" >"$T/builds2"
[ "$(wc -l <"$T/builds2")" = 9 ] || fail "9 configs in run 2: $(cat "$T/builds2")"
[ "$(cut -f2 "$T/builds2" | sort -u)" = b ] || fail "worker b built everything in run 2: $(cat "$T/builds2")"
[ "$(awk '$3 == "FAIL"' "$T/builds2" | wc -l)" = 1 ] || fail "the same config fails in run 2"
[ -n "$(find "$T"/work-b/src/*/x86_64-* -name '*.o' -print -quit)" ] || fail "run 2 was built in worker b's own build directory"
hits2=$(sum 4 <"$T/builds2")
misses2=$(sum 5 <"$T/builds2")
remote_b=$(stats "$T/ccache-b" remote_storage_hit)
local_b=$(stats "$T/ccache-b" local_storage_hit)
echo "run 2 (worker b): ccache hits $hits2 misses $misses2; b's ccache: remote_storage_hit $remote_b local_storage_hit $local_b"
[ "$hits2" -gt 0 ] || fail "worker b's builds hit the cache (hits $hits2, misses $misses2)"
# b's local cache started empty: everything it hit on its first compile of an object came from Redis.
[ "$remote_b" -gt 0 ] || fail "b's hits came from the remote storage (remote_storage_hit $remote_b)"
[ "$remote_b" -le "$hits2" ] || fail "remote hits ($remote_b) are among the reported hits ($hits2)"
# A config compiled by worker a is a hit for worker b: b's first build compiles every
# object in a fresh directory, and each of those objects a compiled too.
first=$(api GET "/api/v1/runs/$RUN2/matrix" | jq '[.configs[] | select(.build.job_id != null)] | min_by(.build.job_id) | .id')
fh=$(awk -v id="$first" '$1 == id { print $4 }' "$T/builds2")
fm=$(awk -v id="$first" '$1 == id { print $5 }' "$T/builds2")
[ "$fh" -gt 0 ] && [ "$fm" = 0 ] || fail "worker b's first build (config $first) is all hits: hits $fh misses $fm"
# The worker counts remote hits per build too (its log), and the server keeps them with the build.
remote_logged=$(grep -o 'remote_hits=[0-9]*' "$T/worker-b.log" | cut -d= -f2 | sum 1)
[ "$remote_logged" = "$remote_b" ] || fail "worker b logs $remote_logged remote hits, ccache says $remote_b"
remote_api=$(sum 6 <"$T/builds2")
[ "$remote_api" = "$remote_b" ] || fail "the API shows $remote_api remote hits for run 2, ccache says $remote_b"
[ "$misses2" -lt "$misses1" ] || fail "fewer compiles in run 2 ($misses2) than in run 1 ($misses1)"
pass "worker b (new work dir, empty local ccache): $hits2 hits ($remote_b from Redis), $misses2 misses; first build $fh/$fh"

# A remote storage that cannot be reached does not fail builds (ccache goes on
# locally) but must not go unnoticed: the worker warns about it.
kill "$PID_B"
wait "$PID_B" 2>/dev/null || true
grep -q "remote storage failed" "$T/worker-a.log" "$T/worker-b.log" && fail "no remote storage failures with Redis up"
KM_WORK_DIR=$T/work-c KM_CCACHE_DIR=$T/ccache-c start_worker c --jobs=2 --ccache-remote="redis://127.0.0.1:$(free_port)"
RUN3=$(run_matrix)
builds "$RUN3" >"$T/builds3"
[ "$(cut -f2 "$T/builds3" | sort -u)" = c ] || fail "worker c built everything in run 3"
[ "$(awk '$3 == "FAIL"' "$T/builds3" | wc -l)" = 1 ] || fail "the same config fails in run 3"
[ "$(sum 4 <"$T/builds3")" = 0 ] && [ "$(sum 5 <"$T/builds3")" -gt 0 ] || fail "no remote: worker c compiled everything"
grep -q "ccache remote storage failed [0-9]* times: check --ccache-remote" "$T/worker-c.log" ||
	fail "worker c warns that its remote storage fails"
pass "an unreachable remote storage: builds still pass or fail as before, and the worker warns"
