#!/usr/bin/env bash
# The worker protocol against a real server on loopback, driven with curl:
# claim, lease expiry and requeue, idempotent results, foreign and expired
# leases, bad tokens, oversized and malformed bodies; nothing may be lost.
. "$(dirname "$0")/lib.sh"

MATRICES="$T/matrices"
mkdir -p "$MATRICES"
cp "$KM_SOURCE_DIR/tests/fixtures/tiny.matrix" "$MATRICES/"
start_server --lease=5 --long-poll=2

W1=$("$KM_CTL" worker-add w1)
W2=$("$KM_CTL" worker-add w2)
RUN=$("$KM_CTL" submit --tree=/srv/git/linux.git --ref=main --matrix=tiny)
[ "$RUN" = 1 ] || fail "first run id is $RUN"
[ "$(api GET /api/v1/runs/1 | jq .counts.requests)" = 6 ] || fail "6 requests expected"
pass "submit expands 3x2 axes into 6 requests"

api POST /api/v1/jobs/claim -H "Authorization: Bearer nope" -d '{}' >/dev/null
expect_status 401 "claim with a bad token"
api POST /api/v1/jobs/claim -d '{}' >/dev/null
expect_status 401 "claim without a token"
api POST /api/v1/runs -H "Authorization: Bearer $W1" -d '{"tree":"x","matrix":"tiny"}' >/dev/null
expect_status 401 "a worker token is not an admin token"
pass "bad tokens refused with 401"

api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" -d '{"wait":1' >/dev/null
expect_status 400 "malformed claim body"
grep -q "malformed JSON at line 1" "$T/body" || fail "malformed JSON message: $(cat "$T/body")"
head -c 40000000 /dev/zero | tr '\0' 'x' >"$T/big"
api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" --data-binary @"$T/big" >/dev/null
expect_status 413 "oversized body"
api GET /api/v1/runs/abc >/dev/null
expect_status 400 "non-numeric id"
api GET /api/v1/runs/99 >/dev/null
expect_status 404 "unknown run"
pass "malformed, oversized and invalid requests refused with clear errors"

JOB=$(api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" -d '{"kinds":["configure"]}')
expect_status 200 "claim"
JOB_ID=$(echo "$JOB" | jq .job.id)
LEASE1=$(echo "$JOB" | jq -r .lease.id)
[ "$(echo "$JOB" | jq '.job.requests | length')" = 6 ] || fail "configure job carries its requests"
[ "$(echo "$JOB" | jq -r .job.matrix.name)" = tiny ] || fail "job carries the matrix bundle"
api POST /api/v1/jobs/claim -H "Authorization: Bearer $W2" -d '{"wait":0}' >/dev/null
expect_status 204 "nothing else queued"
pass "claim leases the configure job; a second claim gets 204"

# Let the lease expire: the sweeper requeues it and another worker takes it.
sleep 9
[ "$(api GET /api/v1/runs/1 | jq -r .state)" = queued ] || fail "run back to queued after lease expiry"
JOB2=$(api POST /api/v1/jobs/claim -H "Authorization: Bearer $W2" -d '{"kinds":["configure"]}')
expect_status 200 "reclaim"
[ "$(echo "$JOB2" | jq .job.id)" = "$JOB_ID" ] || fail "the same job is handed out again"
LEASE2=$(echo "$JOB2" | jq -r .lease.id)
[ "$LEASE1" != "$LEASE2" ] || fail "a new lease"
pass "expired lease requeues the job and another worker claims it"

# The first worker comes back late: its lease is foreign now.
cfg_text=$'CONFIG_A=y\nCONFIG_B=y\n'
hash=$(printf '%s' "$cfg_text" | sha256sum | cut -d' ' -f1)
result() {
	jq -n --arg lease "$1" --arg text "$cfg_text" --arg hash "$hash" '{
		lease: $lease, status: "PASS", commit: "0123456789abcdef0123456789abcdef01234567",
		configs: [{hash: $hash, point: "yy", text: $text}],
		requests: [range(0; 6) | {idx: ., hash: $hash}] }'
}
api POST "/api/v1/jobs/$JOB_ID/result" -H "Authorization: Bearer $W1" -d "$(result "$LEASE1")" >/dev/null
expect_status 409 "result under a foreign lease"
grep -q "not the job's current lease" "$T/body" || fail "foreign lease message: $(cat "$T/body")"
pass "result under a foreign lease refused with 409"

api POST "/api/v1/jobs/$JOB_ID/result" -H "Authorization: Bearer $W2" \
	-d "$(result "$LEASE2" | jq '.configs[0].hash = "00"')" >/dev/null
expect_status 400 "result with a wrong hash"
[ "$(api GET /api/v1/runs/1 | jq .counts.configs)" = 0 ] || fail "refused result left no configs"
pass "inconsistent result refused and nothing recorded"

api POST "/api/v1/jobs/$JOB_ID/result" -H "Authorization: Bearer $W2" -d "$(result "$LEASE2")" >/dev/null
expect_status 200 "result"
[ "$(jq .recorded "$T/body")" = true ] || fail "first result recorded"
api POST "/api/v1/jobs/$JOB_ID/result" -H "Authorization: Bearer $W2" -d "$(result "$LEASE2")" >/dev/null
expect_status 200 "repeated result"
[ "$(jq .duplicate "$T/body")" = true ] || fail "repeat recognised as duplicate"
R=$(api GET /api/v1/runs/1)
[ "$(echo "$R" | jq .counts.configs)" = 1 ] || fail "one config after two posts"
[ "$(echo "$R" | jq .counts.clamped)" = 5 ] || fail "5 clamped requests: $(echo "$R" | jq .counts)"
[ "$(echo "$R" | jq .counts.build.queued)" = 1 ] || fail "one build job queued"
[ "$(echo "$R" | jq -r .state)" = building ] || fail "run is building"
M=$(api GET /api/v1/runs/1/matrix)
[ "$(echo "$M" | jq '[.requests[] | select(.clamped)] | length')" = 5 ] || fail "matrix view clamps"
[ "$(echo "$M" | jq -r '.requests[1].clamp_diff[0] | "\(.symbol):\(.requested)->\(.effective)"')" = "B:n->y" ] ||
	fail "clamp difference of request 1: $(echo "$M" | jq -c .requests[1])"
pass "result is idempotent: the repeat changes nothing; requests map to the config with clamp differences"

# Build job: worker 1 gets it; it dies (never reports); the job comes back; after the attempts it is ERROR.
for attempt in 1 2 3; do
	B=$(api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" -d '{"kinds":["build"]}')
	expect_status 200 "build claim $attempt"
	BLEASE=$(echo "$B" | jq -r .lease.id)
	BID=$(echo "$B" | jq .job.id)
	echo "$B" | jq -e --arg t "$cfg_text" '.job.config.text == $t' >/dev/null || fail "build job carries the config"
	if [ "$attempt" = 1 ]; then
		api POST "/api/v1/jobs/$BID/lease" -H "Authorization: Bearer $W1" -d "{\"lease\":\"$BLEASE\"}" >/dev/null
		expect_status 200 "lease extension"
		echo "log line <script>alert(1)</script>" >"$T/log"
		api PUT "/api/v1/jobs/$BID/artifacts/build.log" -H "Authorization: Bearer $W1" -H "X-Lease: $BLEASE" \
			--data-binary @"$T/log" >/dev/null
		expect_status 201 "artifact upload"
		api PUT "/api/v1/jobs/$BID/artifacts/Build.LOG" -H "Authorization: Bearer $W1" -H "X-Lease: $BLEASE" \
			--data-binary @"$T/log" >/dev/null
		expect_status 400 "invalid artifact name"
		api PUT "/api/v1/jobs/$BID/artifacts/..%2f..%2fx" -H "Authorization: Bearer $W1" -H "X-Lease: $BLEASE" \
			--data-binary @"$T/log" >/dev/null
		expect_status 404 "path traversal in an artifact name"
	fi
	sleep 9
done
J=$(api GET "/api/v1/jobs/$BID")
[ "$(echo "$J" | jq -r .status)" = ERROR ] || fail "build ends as ERROR after 3 lost leases: $J"
[ "$(echo "$J" | jq -r .attempts)" = 3 ] || fail "3 attempts"
curl -s "$URL/api/v1/jobs/$BID/artifacts/build.log" | grep -q '<script>' || fail "artifact kept after requeue"
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$URL/api/v1/jobs/$BID/artifacts/build.log")
[[ "$ctype" == text/plain* ]] || fail "logs are served as text/plain, got $ctype"
[ "$(api GET /api/v1/runs/1 | jq -r .state)" = done ] || fail "run done once nothing is left"
pass "a worker that keeps dying: lease expiry requeues, then the job ends as ERROR (never FAIL)"

# Restart the server: the queue and results are still there.
RUN2=$("$KM_CTL" submit --tree=/srv/git/linux.git --ref=main --matrix=tiny)
stop_server
start_server --lease=5 --long-poll=2
[ "$(api GET "/api/v1/runs/$RUN2" | jq -r .state)" = queued ] || fail "queued run survives a restart"
[ "$(api GET /api/v1/runs/1 | jq .counts.configs)" = 1 ] || fail "results survive a restart"
api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" -d '{"kinds":["configure"]}' >/dev/null
expect_status 200 "claim after restart"
pass "server restarts into the same queue"

# A newer push to the same ref supersedes the queued work of the older run.
RUN3=$("$KM_CTL" submit --tree=/srv/git/linux.git --ref=main --matrix=tiny)
[ "$(api GET "/api/v1/runs/$RUN2" | jq -r .state)" = superseded ] || fail "older run superseded"
[ "$(api GET "/api/v1/runs/$RUN2" | jq .superseded_by)" = "$RUN3" ] || fail "superseded_by points at the new run"
pass "a new run of the same ref supersedes the older one"

# Revoking a worker: its token is refused at once, the job it holds goes back
# in the queue for another worker, and its name can be given a new token.
J=$(api POST /api/v1/jobs/claim -H "Authorization: Bearer $W2" -d '{"kinds":["configure"]}')
expect_status 200 "claim before the revocation"
RJ=$(echo "$J" | jq .job.id)
RLEASE=$(echo "$J" | jq -r .lease.id)
W2_ID=$(api GET /api/v1/workers | jq '.workers[] | select(.name == "w2") | .id')
api POST /api/v1/workers/w2/revoke -H "Authorization: Bearer $W1" -d '{}' >/dev/null
expect_status 401 "a worker cannot revoke another"
out=$("$KM_CTL" worker-revoke w2) || fail "worker-revoke failed"
[ "$out" = "worker w2 revoked; 1 running job(s) back in the queue" ] || fail "worker-revoke said: $out"
api POST /api/v1/worker/heartbeat -H "Authorization: Bearer $W2" -d '{}' >/dev/null
expect_status 401 "a revoked token"
grep -q "worker 'w2' was revoked" "$T/body" || fail "the refusal says why: $(cat "$T/body")"
api POST "/api/v1/jobs/$RJ/result" -H "Authorization: Bearer $W2" \
	-d "{\"lease\":\"$RLEASE\",\"status\":\"ERROR\",\"message\":\"late\"}" >/dev/null
expect_status 401 "a result from a revoked worker"
[ "$(api GET "/api/v1/jobs/$RJ" | jq -r .state)" = queued ] || fail "the revoked worker's job is queued again"
J=$(api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" -d '{"kinds":["configure"]}')
[ "$(echo "$J" | jq .job.id)" = "$RJ" ] || fail "another worker takes the revoked worker's job: $J"
api POST /api/v1/workers/nobody/revoke -H "Authorization: Bearer $ADMIN" -d '{}' >/dev/null
expect_status 404 "revoking an unknown worker"
"$KM_CTL" worker-add w1 >/dev/null 2>&1 && fail "a live worker's name cannot be added twice"
NEW_W2=$("$KM_CTL" worker-add w2) || fail "a revoked name gets a new token"
api POST /api/v1/jobs/claim -H "Authorization: Bearer $NEW_W2" -d '{"wait":0}' >/dev/null
expect_status 204 "the new token works"
api POST /api/v1/jobs/claim -H "Authorization: Bearer $W2" -d '{"wait":0}' >/dev/null
expect_status 401 "the old token stays refused"
W=$(api GET /api/v1/workers | jq -c '.workers[] | select(.name == "w2")')
[ "$(echo "$W" | jq .id)" = "$W2_ID" ] && [ "$(echo "$W" | jq .revoked_at)" = null ] ||
	fail "the worker keeps its id and history and is no longer revoked: $W"
pass "a revoked worker is refused at once, its job is requeued for another, its name gets a new token"
