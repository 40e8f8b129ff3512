#!/usr/bin/env bash
# Another process holds the database's write lock for 20 s, at start-up and
# mid-run: the server starts and answers, GET /health says the lease sweeper
# is stalled, and once the lock is gone the sweeper requeues an expired lease
# within one lease period and /health is ok again.
. "$(dirname "$0")/lib.sh"

MATRICES="$T/matrices"
mkdir -p "$MATRICES"
printf '[matrix]\nname = tiny\narch = x86_64\nbase = tinyconfig\n[axes]\nA = y n\n' >"$MATRICES/tiny.matrix"
LEASE=5
start_server --lease=$LEASE
W1=$("$KM_CTL" worker-add w1)
"$KM_CTL" submit --tree=/srv/git/linux.git --ref=main --matrix=tiny >/dev/null
DB="$T/data/kmatrix.db"

claim() {
	JOB=$(api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" -d '{"kinds":["configure"]}' | jq .job.id)
	expect_status 200 "claim"
}
lock() { # lock SECONDS: in the background; returns once the lock is held
	python3 "$KM_SOURCE_DIR/tests/tools/db_lock.py" "$DB" "$1" >"$T/lock.log" 2>&1 &
	LOCK_PID=$!
	for _ in $(seq 1 50); do
		grep -q locked "$T/lock.log" && return 0
		sleep 0.1
	done
	fail "could not lock the database: $(cat "$T/lock.log")"
}
# watch_lock: polls /health until the lock is released; sets STALLED when the sweeper was reported stalled.
watch_lock() {
	STALLED=0
	while kill -0 "$LOCK_PID" 2>/dev/null; do
		h=$(curl -s -m 2 "$URL/api/v1/health" || true)
		if [ "$(echo "$h" | jq -r '.loops.sweeper.stalled' 2>/dev/null)" = true ]; then
			STALLED=1
			[ "$(echo "$h" | jq -r .status)" = degraded ] || fail "a stalled loop but status: $h"
		fi
		sleep 1
	done
	wait "$LOCK_PID"
	RELEASED=$(date +%s.%N)
}
requeued_within() { # the job is queued again within SECONDS of the lock's release
	local state
	while :; do
		state=$(api GET "/api/v1/jobs/$JOB" | jq -r .state)
		[ "$state" = queued ] && break
		if awk -v now="$(date +%s.%N)" -v r="$RELEASED" -v l="$1" 'BEGIN { exit !(now - r > l) }'; then
			fail "job $JOB still $state $1 s after the lock was released"
		fi
		sleep 0.2
	done
	awk -v now="$(date +%s.%N)" -v r="$RELEASED" 'BEGIN { printf "%.1f", now - r }'
}

# At start-up: the server is stopped with a job leased, starts while the lock is held.
claim
stop_server
lock 20
start_server --lease=$LEASE
watch_lock
[ "$STALLED" = 1 ] || fail "/health never reported the sweeper stalled during the 20 s lock"
took=$(requeued_within $LEASE)
h=$(curl -s "$URL/api/v1/health")
[ "$(echo "$h" | jq -r .status)" = ok ] || fail "/health after the lock: $h"
pass "locked for 20 s at start-up: server up, sweeper reported stalled, lease requeued ${took}s after the lock went"

# Mid-run, on a keep-alive connection that meets the lock first.
claim
lock 20
curl -s -o /dev/null -w '%{http_code}' -m 30 -X POST "$URL/api/v1/jobs/$JOB/lease" \
	-H "Authorization: Bearer $W1" -d '{"lease":"x"}' >"$T/code" &
CURL_PID=$!
watch_lock
wait "$CURL_PID" || true
code=$(cat "$T/code")
[ "$STALLED" = 1 ] || fail "/health never reported the sweeper stalled during the mid-run lock"
took=$(requeued_within $LEASE)
[ "$(echo "$(curl -s "$URL/api/v1/health")" | jq -r .status)" = ok ] || fail "/health not ok after the lock"
api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" -d '{"kinds":["configure"]}' >/dev/null
expect_status 200 "claim after the lock"
pass "locked for 20 s mid-run: a request during the lock got $code, the lease was requeued ${took}s after"
