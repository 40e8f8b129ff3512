#!/usr/bin/env bash
# Bisection on the fixture tree, end to end: a real server and worker, real
# git history, real SMTP on loopback.
#  1. a 16-commit push whose commit 11 makes built-in HMEM call into the CXL
#     module: the run reports the new signature, the bisection names commit
#     11 as 11/16 in at most 6 builds, each step a leased job of kind bisect;
#     the report mail waits for it and carries "11/16" in its subject and
#     "bisected to" in its body;
#  2. an 8-commit push whose commits 3..5 break the build another way (a
#     compile error in built-in code) around the breaking commit 4: the
#     bisection reports the range 3..6 and why;
#  3. a force-push: the base run's commit is not an ancestor of the head, so
#     the merge-base is the good end and is built first;
#  4. a newer push to the ref cancels the bisection of the older one;
#  5. with --bisect-wait=0 the report goes out at once and the bisection
#     follows as a reply to it.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
FIXTURES="$KM_SOURCE_DIR/tests/fixtures"
for tool in kconfig-conf make gcc ld git jq curl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found (scripts/install-deps.sh)"; exit 77; }
done
if ! "$PY" -c 'import aiosmtpd' 2>/dev/null; then
	echo "SKIP: $PY cannot import aiosmtpd (apt-get install python3-aiosmtpd)"
	exit 77
fi

MATRICES="$T/matrices"
mkdir -p "$MATRICES" "$T/mail"
cp "$FIXTURES/fixture-bisect.matrix" "$FIXTURES/fixture.config" "$MATRICES/"
REPO="$T/linux"
BASE=$("$FIXTURES/make-repo.sh" "$REPO" --patch fix-reachable 2>"$T/make-repo.log") ||
	fail "make-repo.sh: $(tail -3 "$T/make-repo.log")"

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null TZ=UTC LC_ALL=C
export GIT_AUTHOR_NAME="Series Author" GIT_AUTHOR_EMAIL="author@example.org"
export GIT_COMMITTER_NAME="Series Author" GIT_COMMITTER_EMAIL="author@example.org"
COMMITS=0
g() { git -C "$REPO" -c commit.gpgsign=false "$@"; }
# commit SUBJECT: commits what is staged, with a fixed later date each time.
commit() {
	COMMITS=$((COMMITS + 1))
	GIT_AUTHOR_DATE="2026-02-01T00:00:00+00:00 + $COMMITS min" \
	GIT_COMMITTER_DATE="$(date -u -d "2026-02-01 00:00:00 UTC + $COMMITS min" '+%Y-%m-%dT%H:%M:%S+00:00')" \
		g commit -q -m "$1"
}
# harmless N: a one-line change of a file nothing builds.
harmless() {
	echo "note $1" >>"$REPO/NOTES"
	g add NOTES
	commit "notes: line $1"
}
breaking() {
	g apply "$FIXTURES/patches/break-reachable.patch"
	g add -A
	commit "cxl: Simplify the cxl_region_contains_resource() guard"
}

"$PY" "$KM_SOURCE_DIR/tests/tools/smtp_sink.py" --dir "$T/mail" --port-file "$T/smtp.port" >>"$T/sink.log" 2>&1 &
KM_PIDS+=("$!")
for _ in $(seq 1 100); do [ -s "$T/smtp.port" ] && break; sleep 0.1; done
[ -s "$T/smtp.port" ] || fail "smtp_sink.py did not start: $(tail -5 "$T/sink.log")"

start_server --smtp-url="smtp://127.0.0.1:$(cat "$T/smtp.port")" --public-url="http://farm.test:8080/" \
	--mail-from="kmatrix <kmatrix@farm.test>" --bisect-wait=300 --lease=30 --long-poll=2 --poll=0
start_worker w1 --jobs=2

submit() { # submit REF COMMIT: prints the run id
	api POST /api/v1/runs -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
		-d "{\"tree\":\"$REPO\",\"tree_name\":\"linux\",\"ref\":\"$1\",\"commit\":\"$2\",\"matrix\":\"fixture-bisect\"}" |
		jq -r .id
	expect_status 201 "submit $1 at $2"
}

# ---- 1. 16 commits, commit 11 breaks the link ----------------------------------------------------

RUN0=$(submit main "$BASE")
[ "$(wait_run "$RUN0")" = done ] || fail "base run $RUN0 did not finish done"
for i in $(seq 1 16); do
	if [ "$i" = 11 ]; then breaking; else harmless "$i"; fi
done
HEAD16=$(g rev-parse HEAD)
C11=$(g rev-parse HEAD~5)
RUN1=$(submit main "$HEAD16")
[ "$(wait_run "$RUN1")" = done ] || fail "run $RUN1 did not finish done"
[ "$(curl -s "$URL/api/v1/runs/$RUN1/compare" | jq '[.signatures[] | select(.change == "new" and .secondary == false)] | length')" -ge 1 ] ||
	fail "run $RUN1 reports no new signature against run $RUN0"
B=$(wait_bisections "$RUN1")
echo "$B" | jq -c '.bisections[0] | {state, first_bad, steps_done, skips, max_steps, reason}'
[ "$(jq -r '.bisections[0].state' <<<"$B")" = found ] || fail "bisection did not find the commit: $B"
[ "$(jq -r '.bisections[0].first_bad.id' <<<"$B")" = "$C11" ] || fail "first bad is not commit 11 ($C11): $B"
[ "$(jq -r '.bisections[0].first_bad.label' <<<"$B")" = 11/16 ] || fail "not labelled 11/16: $B"
STEPS=$(jq -r '.bisections[0].steps_done' <<<"$B")
[ "$STEPS" -le 6 ] || fail "$STEPS builds, more than 6"
[ "$(jq -r '.bisections[0].base_run' <<<"$B")" = "$RUN0" ] || fail "the bisection's base is not run $RUN0"
pass "16 commits: bisected to commit 11 as 11/16 in $STEPS builds"

# Each step is an ordinary job of kind bisect, with its build log and a reproducer at its commit.
for job in $(jq -r '.bisections[0].steps[] | select(.op == "step") | .job_id' <<<"$B"); do
	[ "$(curl -s "$URL/api/v1/jobs/$job" | jq -r .kind)" = bisect ] || fail "step job $job is not kind bisect"
done
REPRO=$(jq -r '.bisections[0].reproducer' <<<"$B")
[ "$REPRO" != null ] || fail "no reproducer at the first bad commit"
grep -q "$C11" <<<"$(curl -sf "$URL$REPRO")" || fail "the reproducer $REPRO does not check out $C11"
[ "$(curl -s "$URL/api/v1/signatures/$(jq -r '.bisections[0].signature.id' <<<"$B")" |
	jq -r '.bisections[0].first_bad.label')" = 11/16 ] || fail "the signature does not show its bisection"
pass "steps are bisect jobs; the reproducer builds commit 11; the signature shows the bisection"

# The report waited for the bisection: one report, tagged like the 0-day robot.
MAIL=
for _ in $(seq 1 150); do
	MAIL=$(grep -l "^X-Kmatrix-Kind: report" "$T"/mail/msg-*.eml 2>/dev/null | head -1 || true)
	[ -n "$MAIL" ] && break
	sleep 0.2
done
[ -n "$MAIL" ] || fail "no report mail"
SUBJECT=$("$PY" -c 'import email,sys; print(email.message_from_binary_file(open(sys.argv[1],"rb"))["Subject"].replace("\n",""))' "$MAIL")
BODY=$("$PY" -c 'import email,sys; m=email.message_from_binary_file(open(sys.argv[1],"rb")); print(m.get_payload(decode=True).decode())' "$MAIL")
case "$SUBJECT" in
"[linux main 11/16] "*) ;;
*) fail "subject without the patch position: $SUBJECT" ;;
esac
grep -q "bisected to ${C11:0:12} cxl: Simplify the cxl_region_contains_resource() guard" <<<"$BODY" ||
	fail "body does not say what it was bisected to: $BODY"
[ "$(grep -l "^X-Kmatrix-Kind: report" "$T"/mail/msg-*.eml | wc -l)" = 1 ] || fail "more than one report"
pass "report mail: '$SUBJECT', body says bisected to ${C11:0:12}"

# ---- 2. the middle breaks another way: a range ------------------------------------------------------
g checkout -q -b range "$BASE"
RUN2=$(submit range "$BASE")
[ "$(wait_run "$RUN2")" = done ] || fail "base run $RUN2 of range did not finish done"
harmless r1
harmless r2
sed -i '1i #error "work in progress"' "$REPO/init/main.c"
g add -A
commit "init: start the rework"
breaking
harmless r5
sed -i '1d' "$REPO/init/main.c"
g add -A
commit "init: finish the rework"
harmless r7
harmless r8
RUN3=$(submit range "$(g rev-parse HEAD)")
[ "$(wait_run "$RUN3")" = done ] || fail "run $RUN3 did not finish done"
B=$(wait_bisections "$RUN3")
echo "$B" | jq -c '.bisections[0] | {state, range, steps_done, skips, max_steps, reason}'
[ "$(jq -r '.bisections[0].state' <<<"$B")" = range ] || fail "not a range: $B"
[ "$(jq -r '.bisections[0].range.first.position' <<<"$B")" = 3 ] || fail "range does not start at 3: $B"
[ "$(jq -r '.bisections[0].range.last.position' <<<"$B")" = 6 ] || fail "range does not end at 6: $B"
[ "$(jq -r '.bisections[0].steps_done <= .bisections[0].max_steps' <<<"$B")" = true ] || fail "over the bound: $B"
jq -r '.bisections[0].reason' <<<"$B" | grep -q "skipped" || fail "the range does not say why: $B"
jq -r '.bisections[0].steps[] | select(.verdict == "skip") | .reason' <<<"$B" | grep -q "fails another way" ||
	fail "a skipped step does not say how it failed: $B"
pass "middle commits broken another way: range 3..6 of 8 ($(jq -r '.bisections[0].reason' <<<"$B"))"

# ---- 3. a force-push: the merge-base is the good end, built first ---------------------------------------
g checkout -q -b rebase "$BASE"
harmless old1
RUN_OLD=$(submit rebase "$(g rev-parse HEAD)")
[ "$(wait_run "$RUN_OLD")" = done ] || fail "run $RUN_OLD of rebase did not finish done"
g reset -q --hard "$BASE"
harmless n1
breaking
harmless n3
harmless n4
C2=$(g rev-parse HEAD~2)
RUN_NEW=$(submit rebase "$(g rev-parse HEAD)")
[ "$(wait_run "$RUN_NEW")" = done ] || fail "run $RUN_NEW did not finish done"
B=$(wait_bisections "$RUN_NEW")
echo "$B" | jq -c '.bisections[0] | {state, good_commit, good_checked, first_bad: .first_bad.label, steps: [.steps[] | select(.op == "step") | {position, verdict}]}'
[ "$(jq -r '.bisections[0].good_commit' <<<"$B")" = "$BASE" ] || fail "the good end is not the merge-base: $B"
[ "$(jq -r '.bisections[0].good_checked' <<<"$B")" = false ] || fail "the merge-base was taken as known good: $B"
[ "$(jq -r '[.bisections[0].steps[] | select(.op == "step")][0] | "\(.position) \(.verdict)"' <<<"$B")" = "0 good" ] ||
	fail "the merge-base was not built first: $B"
[ "$(jq -r '.bisections[0].first_bad.id + " " + .bisections[0].first_bad.label' <<<"$B")" = "$C2 2/4" ] ||
	fail "not bisected to commit 2 of 4: $B"
pass "force-push: the merge-base ${BASE:0:12} was built first (good), then bisected to 2/4"

# ---- 4. a newer push cancels the bisection of the older one -------------------------------------------
kill "$LAST_WORKER_PID"
wait "$LAST_WORKER_PID" 2>/dev/null || true
g checkout -q -b cancel "$BASE"
RUN4=$(submit cancel "$BASE")
start_worker w2 --jobs=2 --max-jobs=3 # configure and two builds: the walk stays queued
[ "$(wait_run "$RUN4")" = done ] || fail "base run $RUN4 of cancel did not finish done"
breaking
harmless c2
wait "$LAST_WORKER_PID" 2>/dev/null || true
start_worker w3 --jobs=2 --max-jobs=3
RUN5=$(submit cancel "$(g rev-parse HEAD)")
[ "$(wait_run "$RUN5")" = done ] || fail "run $RUN5 did not finish done"
wait "$LAST_WORKER_PID" 2>/dev/null || true
[ "$(curl -s "$URL/api/v1/runs/$RUN5/bisections" | jq -r '.bisections[0].state')" = walking ] ||
	fail "run $RUN5's bisection is not waiting for its walk"
harmless c3
RUN6=$(submit cancel "$(g rev-parse HEAD)")
B=$(curl -s "$URL/api/v1/runs/$RUN5/bisections")
[ "$(jq -r '.bisections[0].state' <<<"$B")" = cancelled ] || fail "the older bisection was not cancelled: $B"
jq -r '.bisections[0].reason' <<<"$B" | grep -q "superseded by run $RUN6" || fail "no reason: $B"
[ "$(jq -r '.bisections[0].steps[0].state' <<<"$B")" = cancelled ] || fail "its queued walk was not cancelled: $B"
pass "a newer push (run $RUN6) cancelled the bisection of run $RUN5 and its queued walk"

# ---- 5. a bisection that ends after the report went out is a reply to it ---------------------------------
stop_server
start_server --smtp-url="smtp://127.0.0.1:$(cat "$T/smtp.port")" --public-url="http://farm.test:8080/" \
	--mail-from="kmatrix <kmatrix@farm.test>" --bisect-wait=0 --lease=30 --long-poll=2 --poll=0
start_worker w4 --jobs=2
g checkout -q -b late "$BASE"
RUN_L0=$(submit late "$BASE")
[ "$(wait_run "$RUN_L0")" = done ] || fail "base run $RUN_L0 of late did not finish done"
harmless l1
breaking
harmless l3
C2=$(g rev-parse HEAD~1)
RUN_L=$(submit late "$(g rev-parse HEAD)")
[ "$(wait_run "$RUN_L")" = done ] || fail "run $RUN_L did not finish done"
B=$(wait_bisections "$RUN_L")
[ "$(jq -r '.bisections[0].first_bad.id + " " + .bisections[0].first_bad.label' <<<"$B")" = "$C2 2/3" ] ||
	fail "not bisected to commit 2 of 3: $B"
REPORT= REPLY=
for _ in $(seq 1 150); do
	REPORT=$(grep -l "^X-Kmatrix-Run: $RUN_L[^0-9]" "$T"/mail/msg-*.eml 2>/dev/null | xargs -r grep -l "^X-Kmatrix-Kind: report" | head -1 || true)
	REPLY=$(grep -l "^X-Kmatrix-Run: $RUN_L[^0-9]" "$T"/mail/msg-*.eml 2>/dev/null | xargs -r grep -l "^X-Kmatrix-Kind: bisect" | head -1 || true)
	[ -n "$REPORT" ] && [ -n "$REPLY" ] && break
	sleep 0.2
done
[ -n "$REPORT" ] && [ -n "$REPLY" ] || fail "run $RUN_L: report ($REPORT) and bisection reply ($REPLY) expected"
hdr() { "$PY" -c 'import email,sys; print((email.message_from_binary_file(open(sys.argv[1],"rb"))[sys.argv[2]] or "").replace("\n",""))' "$1" "$2"; }
[ "$(hdr "$REPLY" In-Reply-To)" = "$(hdr "$REPORT" Message-ID)" ] || fail "the reply does not answer the report"
case "$(hdr "$REPORT" Subject)" in *" 2/3] "*) fail "the report went out before the bisection ended, yet names 2/3" ;; esac
case "$(hdr "$REPLY" Subject)" in
"Re: [linux late 2/3] "*) ;;
*) fail "reply subject: $(hdr "$REPLY" Subject)" ;;
esac
# Read whole before grep: grep -q leaving early would break the pipe under pipefail.
BODY=$("$PY" -c 'import email,sys; print(email.message_from_binary_file(open(sys.argv[1],"rb")).get_payload(decode=True).decode())' "$REPLY")
grep -q "bisected to ${C2:0:12} " <<<"$BODY" || fail "the reply does not say what it was bisected to: $BODY"
pass "--bisect-wait=0: the report went out at once, the bisection followed as a reply ('$(hdr "$REPLY" Subject)')"
