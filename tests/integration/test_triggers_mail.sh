#!/usr/bin/env bash
# Push triggers and report mail, end to end: a bare repository with the shipped
# post-receive hook, a real server and worker building the fixture tree, and a
# real SMTP server (tests/tools/smtp_sink.py) on loopback.
#  1. a good push builds and mails nothing;
#  2. a breaking push: exactly one mail per new error signature, to the commit
#     author, the matrix's and the tree's recipients, with the subject, the
#     failing-config table, the first error lines, the condition and links
#     that work;
#  3. the same commit again (the hook's delivery replayed, then pushed to a new
#     branch): no second mail;
#  4. a fix: one "fixed" notice answering the report;
#  5. the SMTP server down while a run finishes: the mail waits in the outbox,
#     survives a server restart, goes out once the SMTP server is back, and is
#     never sent twice.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
FIXTURES="$KM_SOURCE_DIR/tests/fixtures"
for tool in kconfig-conf make gcc ld git openssl jq curl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found (scripts/install-deps.sh)"; exit 77; }
done
if ! "$PY" -c 'import aiosmtpd' 2>/dev/null; then
	echo "SKIP: $PY cannot import aiosmtpd (apt-get install python3-aiosmtpd)"
	exit 77
fi

SECRET=$(openssl rand -hex 32)
SMTP_PORT=$(free_port)
PUBLIC=http://farm.test:8080
MATRICES="$T/matrices"
mkdir -p "$MATRICES"
cp "$FIXTURES/fixture-small.matrix" "$FIXTURES/fixture.config" "$MATRICES/"

# The repository the developers push to, with the shipped hook.
BARE="$T/linux.git"
git init -q --bare "$BARE"
cp "$KM_SOURCE_DIR/scripts/post-receive" "$BARE/hooks/post-receive"
chmod +x "$BARE/hooks/post-receive"
git -C "$BARE" config kmatrix.secret "$SECRET"
WORK="$T/work"
"$FIXTURES/make-repo.sh" "$WORK" --patch fix-reachable >"$T/make-repo.log" 2>&1 || fail "make-repo.sh: $(tail -3 "$T/make-repo.log")"

cat >"$T/trees.conf" <<EOF
# The fixture tree, as the farm's trees file names it.
[tree linux]
url      = $BARE
secret   = $SECRET
branches = main topic/*
matrices = fixture-small
notify   = tree-list@example.org
base     = main
EOF
chmod 600 "$T/trees.conf"

# A real SMTP server on a fixed port, so it can go away and come back: smtp_sink.py binds a free
# port of its own choosing; this asks it for SMTP_PORT instead.
SINK_PID=
SINKS=0
start_sink() {
	SINKS=$((SINKS + 1))
	local dir="$T/mail$SINKS"
	mkdir -p "$dir"
	"$PY" - "$dir" "$SMTP_PORT" "$KM_SOURCE_DIR/tests/tools/smtp_sink.py" >>"$T/sink.log" 2>&1 <<'PYEOF' &
import asyncio, runpy, sys
directory, port, script = sys.argv[1], int(sys.argv[2]), sys.argv[3]
create_server = asyncio.BaseEventLoop.create_server
async def on_port(self, *args, **kwargs):
    kwargs.update(port=port, reuse_address=True)
    return await create_server(self, *args, **kwargs)
asyncio.BaseEventLoop.create_server = on_port
sys.argv = [script, "--dir", directory, "--port-file", directory + "/port"]
runpy.run_path(script, run_name="__main__")
PYEOF
	SINK_PID=$!
	KM_PIDS+=("$SINK_PID")
	for _ in $(seq 1 100); do
		[ -f "$dir/port" ] && return 0
		sleep 0.1
	done
	fail "smtp_sink.py did not start: $(tail -5 "$T/sink.log")"
}
stop_sink() {
	kill "$SINK_PID" 2>/dev/null || true
	wait "$SINK_PID" 2>/dev/null || true
}
nmails() {
	local n
	n=$(ls -1 "$T"/mail*/msg-*.json 2>/dev/null | wc -l)
	echo "$n"
}
wait_mails() {
	local want=$1 limit=${2:-30}
	for _ in $(seq 1 $((limit * 5))); do
		[ "$(nmails)" -ge "$want" ] && return 0
		sleep 0.2
	done
	fail "expected $want mails within ${limit}s, have $(nmails); outbox: $(curl -s "$URL/api/v1/runs/$3/mail")"
}
# The message that made JSON file $1: {"subject","message_id","in_reply_to","to","rcpt","body"}.
mailinfo() {
	"$PY" - "$1" <<'PYEOF'
import email, email.policy, json, sys
meta = json.load(open(sys.argv[1]))
msg = email.message_from_binary_file(open(sys.argv[1][:-5] + ".eml", "rb"), policy=email.policy.default)
print(json.dumps({"subject": str(msg["Subject"]), "message_id": str(msg["Message-ID"]),
                  "in_reply_to": str(msg["In-Reply-To"] or ""), "to": str(msg["To"]),
                  "auto": str(msg["Auto-Submitted"]), "rcpt": sorted(meta["rcpt_tos"]),
                  "body": msg.get_content()}))
PYEOF
}
# The newest message as mailinfo JSON.
last_mail() {
	local f
	f=$(ls -1t "$T"/mail*/msg-*.json | head -1)
	mailinfo "$f"
}

# Pushes WORK's main (or REF) to the bare repository; the hook's output goes to $T/push.out.
push() {
	git -C "$WORK" push -q "$BARE" "${1:-main}" >"$T/push.out" 2>&1 || fail "git push: $(cat "$T/push.out")"
}
# The run the hook reported queueing for the last push.
queued_run() {
	grep -o '"runs":\[{"id":[0-9]*' "$T/push.out" | grep -o '[0-9]*$' | tail -1
}
# wait_notified RUN: until the notifier looked at the finished run.
wait_notified() {
	for _ in $(seq 1 100); do
		[ "$(curl -s "$URL/api/v1/runs/$1/mail" | jq -r '.notify.state // empty')" = done ] && return 0
		sleep 0.2
	done
	fail "run $1 was not looked at by the notifier: $(curl -s "$URL/api/v1/runs/$1/mail")"
}

start_sink
# No bisection here (tests/integration/test_bisect.sh has its own): the report of step 2's
# two-commit push goes out at once and names the head commit, not a position in the series.
SERVER_OPTS=(--bisect-max=0 --trees="$T/trees.conf" --smtp-url="smtp://127.0.0.1:$SMTP_PORT" --public-url="$PUBLIC/"
	--mail-from="kmatrix <kmatrix@farm.test>" --lease=60 --long-poll=2 --poll=0)
start_server "${SERVER_OPTS[@]}"
git -C "$BARE" config kmatrix.url "$URL"
start_worker w1

# ---- 1. a good push ---------------------------------------------------------------------------------
push
grep -q "kmatrix: refs/heads/main .*: queued" "$T/push.out" || fail "hook did not queue: $(cat "$T/push.out")"
RUN1=$(queued_run)
[ -n "$RUN1" ] || fail "no run id in the hook's output: $(cat "$T/push.out")"
R=$(api GET "/api/v1/runs/$RUN1")
[ "$(echo "$R" | jq -r .trigger)" = hook ] || fail "run $RUN1 trigger: $(echo "$R" | jq -c .)"
[ "$(echo "$R" | jq -r .commit_id)" = "$(git -C "$WORK" rev-parse HEAD)" ] || fail "run $RUN1 is not of the pushed commit"
[ "$(wait_run "$RUN1" 300)" = done ] || fail "run $RUN1 did not end done"
wait_notified "$RUN1"
sleep 3
[ "$(nmails)" = 0 ] || fail "a good run sent mail"
pass "a good push through the post-receive hook builds run $RUN1 and mails nothing"

# ---- 2. a breaking push -----------------------------------------------------------------------------
# Two commits: one grows vmlinux wherever hmem.o is built in, the last one breaks the link.
"$FIXTURES/make-repo.sh" "$WORK" --patch grow-dax-hmem --patch break-reachable >>"$T/make-repo.log" 2>&1 ||
	fail "make-repo.sh grow, break"
BREAK=$(git -C "$WORK" rev-parse HEAD)
push
RUN2=$(queued_run)
[ -n "$RUN2" ] && [ "$RUN2" != "$RUN1" ] || fail "no new run for the breaking push: $(cat "$T/push.out")"
[ "$(wait_run "$RUN2" 300)" = done ] || fail "run $RUN2 did not end done"
wait_notified "$RUN2"
SIGS=$(api GET "/api/v1/runs/$RUN2/signatures")
NEW=$(api GET "/api/v1/runs/$RUN2/compare?base=$RUN1" |
	jq '[.signatures[] | select(.change == "new" and (.secondary | not))] | length')
[ "$NEW" -ge 1 ] || fail "run $RUN2 has no new primary signature: $SIGS"
wait_mails "$NEW" 30 "$RUN2"
sleep 3
[ "$(nmails)" = "$NEW" ] || fail "expected exactly $NEW mail(s) (one per new signature), got $(nmails)"
SIG=$(echo "$SIGS" | jq '[.signatures[] | select(.type == "ld-undefined")][0].id')
CFG=$(echo "$SIGS" | jq '[.signatures[] | select(.type == "ld-undefined")][0].config_ids[0]')
M=$(last_mail)
[ "$(echo "$M" | jq -c .rcpt)" = '["bob@example.org","cxl-list@example.org","tree-list@example.org"]' ] ||
	fail "recipients: $(echo "$M" | jq -c .rcpt)"
echo "$M" | jq -r .to | grep -q "Bob Breaker <bob@example.org>" || fail "To: $(echo "$M" | jq -r .to)"
SUBJECT=$(echo "$M" | jq -r .subject)
[ "$SUBJECT" = "[linux main ${BREAK:0:7}] undefined reference to \`cxl_region_contains_resource'" ] ||
	fail "subject: $SUBJECT"
[ "$(echo "$M" | jq -r .message_id)" = "<kmatrix.run-$RUN2.sig-$SIG@farm.test>" ] ||
	fail "Message-ID: $(echo "$M" | jq -r .message_id)"
[ "$(echo "$M" | jq -r .auto)" = auto-generated ] || fail "Auto-Submitted missing"
BODY=$(echo "$M" | jq -r .body)
echo "$BODY" >"$T/report.txt"
grep -Eq '^ +DEV_DAX_HMEM +CXL_BUS +CXL_REGION +status +config' "$T/report.txt" || fail "no table header: $BODY"
grep -Eq "^ +\* +y +m +y +FAIL +#$CFG\$" "$T/report.txt" || fail "failing config not marked in the table: $BODY"
[ "$(grep -Ec '^ +\* ' "$T/report.txt")" = 1 ] || fail "exactly the one failing config is marked: $BODY"
[ "$(grep -Ec '^ +[ymn] +[ymn] +[ymn] +PASS +#[0-9]+$' "$T/report.txt")" = 8 ] || fail "8 passing rows: $BODY"
grep -q "^and found a new link error in 1 of them:" "$T/report.txt" || fail "no summary line: $BODY"
grep -q "undefined reference to \`cxl_region_contains_resource'" "$T/report.txt" || fail "no error lines: $BODY"
grep -q "hmem_register_device" "$T/report.txt" || fail "first error lines missing: $BODY"
# In fixture-small CXL_BUS=n clamps CXL_REGION to n, so the simplest condition needs no CXL_BUS term.
grep -A2 "It fails whenever:" "$T/report.txt" | grep -Eq "^ +DEV_DAX_HMEM=y ∧ (CXL_BUS=m ∧ )?CXL_REGION=y\$" ||
	fail "no failure condition: $BODY"
grep -q "Diagnosis:" "$T/report.txt" || fail "no diagnosis: $BODY"
grep -q "cxl_core" "$T/report.txt" || fail "diagnosis does not name the providing module: $BODY"
# The configs whose vmlinux grew by 40 KiB or more: exactly the passing ones with hmem.o built in (48 KiB of data).
grep -A8 "^Size changes against the base run" "$T/report.txt" | grep -E "^  DEV_DAX_HMEM=" | sort >"$T/grew.txt" || true
printf '  DEV_DAX_HMEM=y CXL_BUS=%s CXL_REGION=n\n' m n | sort | cmp -s - "$T/grew.txt" ||
	fail "size changes name the passing configs with hmem.o built in: $(cat "$T/grew.txt") in $BODY"
[ "$(grep -Ec '^      [0-9]+ -> [0-9]+ bytes \(\+4[89]\.[0-9] KiB, \+[0-9.]+ %\)$' "$T/report.txt")" = 2 ] ||
	fail "each grown config says by how much: $BODY"
grep -q "dashboard: *$PUBLIC/#/run/$RUN2\$" "$T/report.txt" || fail "dashboard link: $BODY"
grep -q "\.config: *$PUBLIC/api/v1/configs/$CFG/config\$" "$T/report.txt" || fail ".config link: $BODY"
REPRO=$(grep -o "reproducer: *$PUBLIC/api/v1/jobs/[0-9]*/artifacts/reproducer.sh" "$T/report.txt" | sed 's/^reproducer: *//')
[ -n "$REPRO" ] || fail "reproducer link: $BODY"
curl -sf "$URL${REPRO#"$PUBLIC"}" | grep -q make || fail "the reproducer link does not serve the script"
curl -sf "$URL/api/v1/configs/$CFG/config" | grep -q '^CONFIG_DEV_DAX_HMEM=y' || fail "the .config link does not serve it"
# Like the kernel's build robots: the tags for the fix, and every error of the failing configs, new ones marked.
grep -qx "| Reported-by: kmatrix <kmatrix@farm.test>" "$T/report.txt" || fail "no Reported-by tag: $BODY"
grep -qx "| Closes: $PUBLIC/#/signature/$SIG" "$T/report.txt" || fail "no Closes tag: $BODY"
grep -B3 "^| Reported-by:" "$T/report.txt" | tr '\n' ' ' | grep -q "If you fix the issue in a separate patch or commit" ||
	fail "no sentence on when to add the tags: $BODY"
grep -A4 "^All errors (new ones prefixed by >>):" "$T/report.txt" |
	grep -qx ">> hmem.c: undefined reference to \`cxl_region_contains_resource'" || fail "no >> list: $BODY"
[ "$(grep -c '^>> ' "$T/report.txt")" = "$NEW" ] || fail "every new error is marked, nothing else: $BODY"
curl -sf "$URL/api/v1/signatures/$SIG" | jq -e --arg s "$SIG" '.signature.id == ($s | tonumber)' >/dev/null ||
	fail "the Closes: page's signature exists"
REPORT_ID=$(echo "$M" | jq -r .message_id)
pass "breaking push: $NEW mail(s) for $NEW new signature(s), to the author, the matrix's and the tree's recipients, with the fix's tags, table, >> error list, condition, diagnosis and working links"

# ---- 3. the same commit again -------------------------------------------------------------------------
(cd "$BARE" && echo "$(git -C "$WORK" rev-parse HEAD~1) $BREAK refs/heads/main" | GIT_DIR=. ./hooks/post-receive) \
	>"$T/push.out" 2>&1
grep -q '"status":"ignored"' "$T/push.out" || fail "replayed delivery: $(cat "$T/push.out")"
[ "$(api GET "/api/v1/runs?limit=100" | jq ".runs | length")" = 2 ] || fail "a replayed delivery made a run"
push main:refs/heads/topic/again
RUN3=$(queued_run)
[ -n "$RUN3" ] || fail "no run for the new branch: $(cat "$T/push.out")"
[ "$(wait_run "$RUN3" 300)" = done ] || fail "run $RUN3 did not end done"
wait_notified "$RUN3"
sleep 3
[ "$(nmails)" = "$NEW" ] || fail "the same commit was reported again ($(nmails) mails)"
[ "$(api GET "/api/v1/runs/$RUN3/mail" | jq '.mails | length')" = 0 ] || fail "run $RUN3 queued mail"
pass "the same commit again (replayed hook delivery: ignored; pushed to a new branch: run $RUN3): no second mail"

# ---- 4. a fix -------------------------------------------------------------------------------------------
"$FIXTURES/make-repo.sh" "$WORK" --patch fix-reachable >>"$T/make-repo.log" 2>&1 || fail "make-repo.sh fix"
FIX=$(git -C "$WORK" rev-parse HEAD)
push
RUN4=$(queued_run)
[ "$(wait_run "$RUN4" 300)" = done ] || fail "run $RUN4 did not end done"
wait_notified "$RUN4"
wait_mails $((NEW + 1)) 30 "$RUN4"
sleep 3
[ "$(nmails)" = $((NEW + 1)) ] || fail "expected one fixed notice, have $(nmails) mails"
M=$(last_mail)
[ "$(echo "$M" | jq -r .subject)" = "Re: $SUBJECT" ] || fail "fixed subject: $(echo "$M" | jq -r .subject)"
[ "$(echo "$M" | jq -r .in_reply_to)" = "$REPORT_ID" ] || fail "fixed notice does not answer the report"
[ "$(echo "$M" | jq -r .message_id)" = "<kmatrix.fixed.run-$RUN4.sig-$SIG@farm.test>" ] || fail "fixed Message-ID"
[ "$(echo "$M" | jq -c .rcpt)" = '["bob@example.org","cxl-list@example.org","tree-list@example.org"]' ] ||
	fail "fixed notice recipients: $(echo "$M" | jq -c .rcpt)"
echo "$M" | jq -r .body | grep -q "fixed in: *$FIX" || fail "fixed body: $(echo "$M" | jq -r .body)"
pass "a fix: one \"fixed\" notice in reply to the report"

# ---- 5. the SMTP server down ----------------------------------------------------------------------------
stop_sink
"$FIXTURES/make-repo.sh" "$WORK" --patch break-reachable >>"$T/make-repo.log" 2>&1 || fail "make-repo.sh break again"
BREAK2=$(git -C "$WORK" rev-parse HEAD)
push
RUN5=$(queued_run)
[ "$(wait_run "$RUN5" 300)" = done ] || fail "run $RUN5 did not end done"
wait_notified "$RUN5"
for _ in $(seq 1 100); do
	O=$(api GET "/api/v1/runs/$RUN5/mail")
	[ "$(echo "$O" | jq '.mails[0].attempts // 0')" -ge 1 ] && break
	sleep 0.2
done
[ "$(echo "$O" | jq -r '.mails[0].state')" = pending ] || fail "mail while SMTP is down: $O"
echo "$O" | jq -r '.mails[0].last_error' | grep -qi "connect" || fail "no delivery error recorded: $O"
grep -q "mail=.* attempt=1 failed, retry in" "$T/server.log" || fail "the failed delivery is not logged"
# The outbox survives a restart of the server while the SMTP server is still down.
kill "$LAST_WORKER_PID" 2>/dev/null || true
stop_server
start_server "${SERVER_OPTS[@]}"
[ "$(api GET "/api/v1/runs/$RUN5/mail" | jq -r '.mails[0].state')" = pending ] || fail "pending mail lost in a restart"
start_sink
wait_mails $((NEW + 2)) 90 "$RUN5"
M=$(last_mail)
[ "$(echo "$M" | jq -r .message_id)" = "<kmatrix.run-$RUN5.sig-$SIG@farm.test>" ] || fail "late mail: $(echo "$M" | jq -c 'del(.body)')"
[ "$(echo "$M" | jq -r .subject)" = "[linux main ${BREAK2:0:7}] undefined reference to \`cxl_region_contains_resource'" ] ||
	fail "late mail subject: $(echo "$M" | jq -r .subject)"
O=$(api GET "/api/v1/runs/$RUN5/mail")
[ "$(echo "$O" | jq -r '.mails[0].state')" = sent ] || fail "outbox after delivery: $O"
# Nothing is sent twice, also across another restart.
stop_server
start_server "${SERVER_OPTS[@]}"
sleep 5
[ "$(nmails)" = $((NEW + 2)) ] || fail "a mail was sent twice: $(nmails) mails"
[ "$(ls -1 "$T"/mail*/msg-*.eml | xargs grep -h '^Message-ID:' | sort | uniq -d)" = "" ] || fail "duplicate Message-IDs"
pass "SMTP down: the mail waits in the outbox ($(echo "$O" | jq '.mails[0].attempts') failed attempt(s)), survives a restart, goes out once the server is back, once"
