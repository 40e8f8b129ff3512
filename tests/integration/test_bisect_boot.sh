#!/usr/bin/env bash
# Bisection of boots on the fixture tree, end to end: a real server and
# worker, real git history, real fixture boots, real SMTP on loopback.
#  1. an 8-commit push whose commit 5 makes HMEM claim the subject range in
#     a CXL window (hmem-no-defer): in variant cxl-first its owner changes
#     cxl -> hmem against the base; the run's comparison says so, the boot
#     bisection names commit 5 as 5/8 within ceil(log2 8) + 2 steps, each a
#     bisect job that built and booted the commit, good before 5 and bad
#     from 5 on; the API says what was bisected; the mail names 5/8;
#  2. a 6-commit push whose commit 3 makes cxl_pci oops at probe
#     (oops-cxl-pci): the boot newly FAILs, and its bisection names 3/6.
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
mkdir -p "$MATRICES"
cp "$FIXTURES/fixture-bisect-boot.matrix" "$FIXTURES/fixture.config" "$MATRICES/"
REPO="$T/linux"
BASE=$("$FIXTURES/make-repo.sh" "$REPO" --patch fix-reachable 2>"$T/make-repo.log") ||
	fail "make-repo.sh: $(tail -3 "$T/make-repo.log")"

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null TZ=UTC LC_ALL=C
export GIT_AUTHOR_NAME="Series Author" GIT_AUTHOR_EMAIL="author@example.org"
export GIT_COMMITTER_NAME="Series Author" GIT_COMMITTER_EMAIL="author@example.org"
COMMITS=0
g() { git -C "$REPO" -c commit.gpgsign=false "$@"; }
commit() {
	COMMITS=$((COMMITS + 1))
	GIT_AUTHOR_DATE="2026-02-01T00:00:00+00:00 + $COMMITS min" \
	GIT_COMMITTER_DATE="$(date -u -d "2026-02-01 00:00:00 UTC + $COMMITS min" '+%Y-%m-%dT%H:%M:%S+00:00')" \
		g commit -q -m "$1"
}
harmless() {
	echo "note $1" >>"$REPO/NOTES"
	g add NOTES
	commit "notes: line $1"
}
# patch NAME SUBJECT: a fixture patch as one commit of the series.
patch() {
	g apply "$FIXTURES/patches/$1.patch"
	g add -A
	commit "$2"
}

start_smtp_sink "$T/mail"
start_server --smtp-url="smtp://127.0.0.1:$SMTP_PORT" --public-url="http://farm.test:8080/" \
	--mail-from="kmatrix <kmatrix@farm.test>" --bisect-wait=300 --lease=30 --long-poll=2 --poll=0
start_worker w1 --jobs=2

submit() { # submit REF COMMIT: prints the run id
	api POST /api/v1/runs -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
		-d "{\"tree\":\"$REPO\",\"tree_name\":\"linux\",\"ref\":\"$1\",\"commit\":\"$2\",\"matrix\":\"fixture-bisect-boot\"}" |
		jq -r .id
	expect_status 201 "submit $1 at $2"
}
# mail_of RUN KIND: the file of the run's first message of that kind (waits for it).
mail_of() {
	local m=
	for _ in $(seq 1 150); do
		m=$(grep -l "^X-Kmatrix-Run: $1\b" "$T"/mail/msg-*.eml 2>/dev/null | xargs -r grep -l "^X-Kmatrix-Kind: $2" | head -1 || true)
		[ -n "$m" ] && break
		sleep 0.2
	done
	[ -n "$m" ] || fail "run $1: no $2 mail"
	echo "$m"
}
subject_of() { "$PY" -c 'import email,email.policy,sys; print(email.message_from_binary_file(open(sys.argv[1],"rb"),policy=email.policy.default)["Subject"])' "$1"; }
body_of() { "$PY" -c 'import email,email.policy,sys; print(email.message_from_binary_file(open(sys.argv[1],"rb"),policy=email.policy.default).get_content())' "$1"; }

# ---- 1. 8 commits, commit 5 changes the owner of the subject range ------------------------------------

RUN0=$(submit main "$BASE")
[ "$(wait_run "$RUN0")" = done ] || fail "base run $RUN0 did not finish done"
OWNER0=$(curl -s "$URL/api/v1/runs/$RUN0/matrix" | jq -r '[.. | objects | select(.variant? == "cxl-first") | .owner][0]')
[ "$OWNER0" = cxl ] || fail "the base does not boot with cxl owning the subject range in cxl-first (got $OWNER0)"
for i in $(seq 1 8); do
	if [ "$i" = 5 ]; then
		patch hmem-no-defer "dax/hmem: Claim Soft Reserved ranges without waiting for CXL"
	else
		harmless "$i"
	fi
done
HEAD8=$(g rev-parse HEAD)
C5=$(g rev-parse HEAD~3)
RUN1=$(submit main "$HEAD8")
[ "$(wait_run "$RUN1")" = done ] || fail "run $RUN1 did not finish done"
CMP=$(curl -s "$URL/api/v1/runs/$RUN1/compare")
[ "$(jq -c '[.boots[] | {variant, change, role, before, after}]' <<<"$CMP")" = \
	'[{"variant":"cxl-first","change":"owner","role":"subject","before":"cxl","after":"hmem"}]' ] ||
	fail "the comparison does not show the owner change: $(jq -c .boots <<<"$CMP")"
B=$(wait_bisections "$RUN1" 900)
echo "$B" | jq -c '.bisections[0] | {kind, boot, state, first_bad: .first_bad.label, steps_done, skips, max_steps, reason}'
[ "$(jq '.bisections | length' <<<"$B")" = 1 ] || fail "one bisection expected: $B"
[ "$(jq -r '.bisections[0] | "\(.kind) \(.signature) \(.boot.variant) \(.boot.role) \(.boot.before) \(.boot.after)"' <<<"$B")" = \
	"boot null cxl-first subject cxl hmem" ] || fail "the bisection does not say what it bisected: $B"
[ "$(jq -r '.bisections[0].boot.what' <<<"$B")" = "owner change of range subject (cxl → hmem) in variant cxl-first" ] ||
	fail "boot.what: $B"
[ "$(jq -r '.bisections[0].state' <<<"$B")" = found ] || fail "the boot bisection did not find the commit: $B"
[ "$(jq -r '.bisections[0].first_bad.id' <<<"$B")" = "$C5" ] || fail "first bad is not commit 5 ($C5): $B"
[ "$(jq -r '.bisections[0].first_bad.label' <<<"$B")" = 5/8 ] || fail "not labelled 5/8: $B"
[ "$(jq -r '.bisections[0].config_id' <<<"$B")" = "$(jq -r '.boots[0].config_id' <<<"$CMP")" ] ||
	fail "the bisection is not over the changed config"
STEPS=$(jq -r '.bisections[0].steps_done' <<<"$B")
[ "$STEPS" -le 5 ] || fail "$STEPS steps, more than ceil(log2 8) + 2 = 5"
[ "$(jq -r '.bisections[0].base_run' <<<"$B")" = "$RUN0" ] || fail "the bisection's base is not run $RUN0"
# Every verdict is what the boot at that position shows: cxl before commit 5, hmem from 5 on.
for row in $(jq -r '.bisections[0].steps[] | select(.op == "step") | "\(.position):\(.verdict)"' <<<"$B"); do
	pos=${row%%:*} verdict=${row#*:}
	if [ "$pos" -lt 5 ]; then want=good; else want=bad; fi
	[ "$verdict" = "$want" ] || fail "step at position $pos is $verdict, expected $want: $B"
done
jq -r '.bisections[0].steps[] | select(.op == "step") | .reason' <<<"$B" | grep -q "range subject owned by" ||
	fail "the steps do not say who owned the range: $B"
pass "owner change: bisected to commit 5 as 5/8 in $STEPS builds and boots"

# Each step is a bisect job that built and booted: its console names the owner it judged.
for row in $(jq -r '.bisections[0].steps[] | select(.op == "step") | "\(.job_id):\(.verdict)"' <<<"$B"); do
	job=${row%%:*} verdict=${row#*:}
	[ "$(curl -s "$URL/api/v1/jobs/$job" | jq -r .kind)" = bisect ] || fail "step job $job is not kind bisect"
	CONSOLE=$(curl -sf "$URL/api/v1/jobs/$job/artifacts/console.log") || fail "step job $job has no console.log"
	if [ "$verdict" = bad ]; then want=hmem; else want=cxl; fi
	grep -q "role=subject owner=$want " <<<"$CONSOLE" || fail "step job $job ($verdict) did not boot with $want owning the range"
done
REPRO=$(jq -r '.bisections[0].reproducer' <<<"$B")
if [ "$REPRO" != null ]; then
	curl -sf "$URL$REPRO" >/dev/null || fail "the boot reproducer $REPRO is not there"
fi
pass "steps are bisect jobs that booted; their consoles show the owners the verdicts name"

# The mail: on its own (no error is new), tagged 5/8, saying what changed and where it was bisected to.
MAIL=$(mail_of "$RUN1" bisect)
SUBJECT=$(subject_of "$MAIL")
[ "$SUBJECT" = "[linux main 5/8] owner change of range subject (cxl → hmem) in variant cxl-first" ] ||
	fail "subject: $SUBJECT"
BODY=$(body_of "$MAIL")
grep -qF "The owner change of range subject (cxl → hmem) in variant cxl-first was bisected to this commit (patch 5/8 of the push, $STEPS builds and boots):" <<<"$BODY" ||
	fail "the body does not say what was bisected: $BODY"
grep -qF "bisected to ${C5:0:12} dax/hmem: Claim Soft Reserved ranges without waiting for CXL" <<<"$BODY" ||
	fail "the body does not name commit 5: $BODY"
[ -z "$(grep -l "^X-Kmatrix-Run: $RUN1\b" "$T"/mail/msg-*.eml | xargs -r grep -l "^X-Kmatrix-Kind: report")" ] ||
	fail "a report went out for a run with no new error"
pass "mail: '$SUBJECT'"

# ---- 2. 6 commits, commit 3 makes the boot oops: a new FAIL ---------------------------------------------
g checkout -q -b oops "$BASE"
RUN2=$(submit oops "$BASE")
[ "$(wait_run "$RUN2")" = done ] || fail "base run $RUN2 of oops did not finish done"
harmless o1
harmless o2
patch oops-cxl-pci "cxl/pci: Keep the memdev id stable across a rebind"
harmless o4
harmless o5
harmless o6
C3=$(g rev-parse HEAD~3)
RUN3=$(submit oops "$(g rev-parse HEAD)")
[ "$(wait_run "$RUN3")" = done ] || fail "run $RUN3 did not finish done"
[ "$(curl -s "$URL/api/v1/runs/$RUN3/compare" | jq -c '[.boots[] | {change, before, after}]')" = \
	'[{"change":"new-failure","before":"PASS","after":"FAIL"}]' ] || fail "the comparison does not show the new boot failure"
B=$(wait_bisections "$RUN3" 900)
echo "$B" | jq -c '.bisections[0] | {kind, boot, state, first_bad: .first_bad.label, steps_done, max_steps}'
[ "$(jq -r '.bisections[0] | "\(.kind) \(.boot.role) \(.boot.what)"' <<<"$B")" = "boot null boot failure in variant cxl-first" ] ||
	fail "the bisection is not of the boot failure: $B"
[ "$(jq -r '.bisections[0].first_bad.id + " " + .bisections[0].first_bad.label' <<<"$B")" = "$C3 3/6" ] ||
	fail "not bisected to commit 3 of 6: $B"
[ "$(jq -r '.bisections[0].steps_done <= 5' <<<"$B")" = true ] || fail "over ceil(log2 6) + 2 steps: $B"
jq -r '.bisections[0].steps[] | select(.verdict == "bad") | .reason' <<<"$B" | grep -q "the boot fails" ||
	fail "a bad step does not say the boot fails: $B"
SUBJECT=$(subject_of "$(mail_of "$RUN3" bisect)")
[ "$SUBJECT" = "[linux oops 3/6] boot failure in variant cxl-first" ] || fail "subject: $SUBJECT"
pass "new boot failure: bisected to commit 3 as 3/6 ('$SUBJECT')"
