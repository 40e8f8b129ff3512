#!/usr/bin/env bash
# A captured, correctly signed older push sent again after a newer one is
# recorded (a run of its commit) but supersedes nothing: the newer run stays.
. "$(dirname "$0")/lib.sh"

for tool in openssl jq; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool not found"
done
MATRICES="$T/matrices"
mkdir -p "$MATRICES"
printf '[matrix]\nname = tiny\narch = x86_64\nbase = tinyconfig\n[axes]\nA = y n\n' >"$MATRICES/tiny.matrix"
SECRET=$(openssl rand -hex 32)
printf '[tree gh]\nurl = https://github.com/jdoe/linux.git\nsecret = %s\nbranches = main\nmatrices = tiny\n' \
	"$SECRET" >"$T/trees.conf"
chmod 600 "$T/trees.conf"
start_server --trees="$T/trees.conf" --poll=0

A=1111111111111111111111111111111111111111
B=2222222222222222222222222222222222222222
Z=0000000000000000000000000000000000000000
push() { # push FILE BEFORE AFTER: writes the payload to FILE and posts it signed
	jq --arg b "$2" --arg a "$3" '.ref = "refs/heads/main" | .before = $b | .after = $a | .created = false' \
		"$KM_SOURCE_DIR/tests/unit/data/webhook/github-push.json" >"$1"
	send "$1"
}
send() {
	api POST /api/v1/webhook -H 'Content-Type: application/json' -H "X-GitHub-Event: push" \
		-H "X-GitHub-Delivery: $(basename "$1")" \
		-H "X-Hub-Signature-256: sha256=$(openssl dgst -sha256 -hmac "$SECRET" <"$1" | sed 's/^.*= *//')" \
		--data-binary @"$1"
}
state() { api GET "/api/v1/runs/$1" | jq -r .state; }

RA=$(push "$T/push-a" "$Z" "$A" | jq '.runs[0].id')
expect_status 202 "push of A"
RB=$(push "$T/push-b" "$A" "$B" | jq '.runs[0].id')
expect_status 202 "push of B"
[ "$(state "$RA")" = superseded ] || fail "B's push supersedes A's run"
R=$(send "$T/push-a")
expect_status 202 "the replayed push of A"
RR=$(echo "$R" | jq '.runs[0].id')
[ "$RR" != null ] && [ "$RR" != "$RB" ] || fail "the replay is recorded as a run: $R"
[ "$(state "$RB")" = queued ] || fail "the replayed older push superseded the newer run $RB: $(state "$RB")"
[ "$(echo "$R" | jq .runs[0].replay)" = true ] || fail "the reply says it is a replay: $R"
[ "$(api GET "/api/v1/runs/$RR" | jq -r .commit_id)" = "$A" ] || fail "the replay's run is of commit A"
pass "a replayed older push is recorded as run $RR and leaves the newer run $RB queued"

# A new push after B still supersedes as before.
C=3333333333333333333333333333333333333333
RC=$(push "$T/push-c" "$B" "$C" | jq '.runs[0].id')
[ "$(state "$RB")" = superseded ] || fail "a newer push C supersedes B"
[ "$(state "$RC")" = queued ] || fail "C's run queued"
pass "a genuinely newer push still supersedes"
