#!/usr/bin/env bash
# Small rules: a build that ends in ERROR because its leases expired gets
# boot MISS rows like a reported ERROR; GET /runs/{id}/mail shows recipients'
# addresses to the admin only.
. "$(dirname "$0")/lib.sh"

MATRICES="$T/matrices"
mkdir -p "$MATRICES"
cat >"$MATRICES/tinyboot.matrix" <<'M'
[matrix]
name = tinyboot
arch = x86_64
base = tinyconfig
[axes]
A = y n
[boot]
exec    = {kernel} {append}
timeout = 6
[variant one]
load = a
[variant two]
load = b
M
start_server --lease=5 --max-attempts=1
W1=$("$KM_CTL" worker-add w1)
RUN=$("$KM_CTL" submit --tree=/srv/git/linux.git --ref=main --matrix=tinyboot)
J=$(api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" -d '{"kinds":["configure"]}')
JOB=$(echo "$J" | jq .job.id)
LEASE=$(echo "$J" | jq -r .lease.id)
cfg_text=$'CONFIG_A=y\n'
hash=$(printf '%s' "$cfg_text" | sha256sum | cut -d' ' -f1)
jq -n --arg lease "$LEASE" --arg text "$cfg_text" --arg hash "$hash" '{lease: $lease, status: "PASS",
	configs: [{hash: $hash, point: "y", text: $text}], requests: [range(0; 2) | {idx: ., hash: $hash}]}' >"$T/res"
api POST "/api/v1/jobs/$JOB/result" -H "Authorization: Bearer $W1" --data-binary @"$T/res" >/dev/null
expect_status 200 "configure result"
B=$(api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" -d '{"kinds":["build"]}')
BID=$(echo "$B" | jq .job.id)
CONFIG=$(echo "$B" | jq .job.config.id)
for _ in $(seq 1 60); do
	[ "$(api GET "/api/v1/jobs/$BID" | jq -r .status)" = ERROR ] && break
	sleep 0.25
done
[ "$(api GET "/api/v1/jobs/$BID" | jq -r .status)" = ERROR ] || fail "the build did not end as ERROR"
state=$(wait_run "$RUN" 10)
[ "$state" = done ] || fail "run state $state"
boots=$(api GET "/api/v1/configs/$CONFIG" | jq -c '[.boots[] | .status] | sort')
[ "$boots" = '["MISS","MISS"]' ] || fail "boots of a build whose lease expired: $boots"
pass "a build ended as ERROR by lease expiry gets a MISS boot per variant"

python3 - "$T/data/kmatrix.db" "$RUN" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], timeout=10)
run = int(sys.argv[2])
tree = c.execute("SELECT tree_id FROM runs WHERE id = ?", (run,)).fetchone()[0]
c.execute("INSERT INTO signatures (signature, type, message, first_seen) VALUES ('s', 'compile', 'm', 0)")
sig = c.execute("SELECT id FROM signatures WHERE signature = 's'").fetchone()[0]
now = int(time.time())
c.execute("INSERT INTO mail_outbox (message_id, kind, run_id, tree_id, ref, signature_id, subject, body, headers,"
          " state, next_attempt, created_at) VALUES ('<m@x>', 'report', ?, ?, 'refs/heads/main', ?, 's', 'b', '[]',"
          " 'sent', ?, ?)", (run, tree, sig, now, now))
c.execute("INSERT INTO mail_recipients (outbox_id, address, mailbox, state) VALUES (1, 'jane@example.org',"
          " 'Jane <jane@example.org>', 'sent')")
c.commit()
PY
out=$(api GET "/api/v1/runs/$RUN/mail")
expect_status 200 "mail view"
echo "$out" | grep -q "jane@example.org" && fail "the public mail view shows addresses: $out"
[ "$(echo "$out" | jq -r '.mails[0].recipients[0].state')" = sent ] || fail "recipient state: $out"
out=$(api GET "/api/v1/runs/$RUN/mail" -H "Authorization: Bearer $ADMIN")
[ "$(echo "$out" | jq -r '.mails[0].recipients[0].address')" = jane@example.org ] || fail "admin view: $out"
pass "recipient addresses in the mail view need the admin token"
