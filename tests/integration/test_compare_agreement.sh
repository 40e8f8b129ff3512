#!/usr/bin/env bash
# Two matrices on one branch: the dashboard (its own web/js/api.js), the API and the mail agree on
# which run a run is compared with and on what is new, fixed and still. A real server, worker and
# SMTP server (tests/tools/smtp_sink.py) on loopback; pushes go through the shipped post-receive hook.
#  1. main, good:   fixture-small and fixture-tiny run; no mail;
#  2. main, broken: each run is compared with the previous run of its own matrix, not with the
#                   other matrix's run in between; one report per new signature;
#  3. topic/fix, a new branch with the fix: compared with main's broken run (the branch it was made
#                   from); the signature is gone, and no notice goes out (none was reported there);
#  4. main, fixed:  compared with main's broken run; the signature is gone: one fixed notice.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
FIXTURES="$KM_SOURCE_DIR/tests/fixtures"
for tool in kconfig-conf make gcc ld git openssl jq curl node; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found (scripts/install-deps.sh)"; exit 77; }
done
"$PY" -c 'import aiosmtpd' 2>/dev/null || { echo "SKIP: $PY cannot import aiosmtpd (python3-aiosmtpd)"; exit 77; }

SECRET=$(openssl rand -hex 32)
MATRICES="$T/matrices"
mkdir -p "$MATRICES" "$T/mail"
cp "$FIXTURES/fixture-small.matrix" "$FIXTURES/fixture.config" "$MATRICES/"
# A second, build-only matrix on the same branch that never hits the link error.
cat >"$MATRICES/fixture-tiny.matrix" <<'EOF'
[matrix]
name     = fixture-tiny
arch     = x86_64
base     = tinyconfig
fragment = fixture.config
targets  = vmlinux modules

[axes]
DEV_DAX_HMEM = m n
CXL_BUS      = n
EOF
BARE="$T/linux.git"
git init -q --bare "$BARE"
cp "$KM_SOURCE_DIR/scripts/post-receive" "$BARE/hooks/post-receive"
chmod +x "$BARE/hooks/post-receive"
git -C "$BARE" config kmatrix.secret "$SECRET"
WORK="$T/work"
"$FIXTURES/make-repo.sh" "$WORK" --patch fix-reachable >"$T/make-repo.log" 2>&1 || fail "make-repo.sh"
cat >"$T/trees.conf" <<EOF
[tree linux]
url      = $BARE
secret   = $SECRET
branches = main topic/*
matrices = fixture-small fixture-tiny
base     = main
EOF
chmod 600 "$T/trees.conf"

start_smtp_sink "$T/mail"
start_server --trees="$T/trees.conf" --smtp-url="smtp://127.0.0.1:$SMTP_PORT" \
	--public-url=http://farm.test/ --mail-from=kmatrix@farm.test --long-poll=2 --poll=0
git -C "$BARE" config kmatrix.url "$URL"
start_worker w1

# push [REFSPEC]: pushes WORK to the bare repository; prints the ids of the runs the hook queued.
push() {
	git -C "$WORK" push -q "$BARE" "${1:-main}" >"$T/push.out" 2>&1 || fail "git push: $(cat "$T/push.out")"
	grep -o '"id":[0-9]*' "$T/push.out" | grep -o '[0-9]*' | sort -n | tr '\n' ' '
}
# Waits until every run given is done and the notifier looked at it.
settle() {
	local r
	for r in "$@"; do
		[ "$(wait_run "$r" 300)" = done ] || fail "run $r did not end done"
	done
	for r in "$@"; do
		for _ in $(seq 1 150); do
			[ "$(api GET "/api/v1/runs/$r/mail" | jq -r '.notify.state // empty')" = done ] && continue 2
			sleep 0.2
		done
		fail "the notifier did not look at run $r"
	done
	sleep 2
}
mails() { ls -1 "$T"/mail/msg-*.json 2>/dev/null | wc -l; }
# mailed RUN KIND: the signature ids the outbox holds for the run, of kind report or fixed.
mailed() {
	api GET "/api/v1/runs/$1/mail" | jq -c --arg k "$2" '[.mails[] | select(.kind == $k) | .signature_id] | sort'
}

# agree RUN BASE: the dashboard, the API and the notifier compare RUN with BASE and see the same changes.
agree() {
	local run=$1 want=$2 dash cmp rbase lbase
	dash=$(node "$KM_SOURCE_DIR/tests/integration/dashboard_compare.mjs" "$URL" "$run") ||
		fail "the dashboard's comparison of run $run"
	cmp=$(api GET "/api/v1/runs/$run/compare")
	rbase=$(api GET "/api/v1/runs/$run" | jq -c .base_run)
	lbase=$(grep -o "run=$run base=[0-9]* mails=" "$T/server.log" | tail -1 | sed 's/.*base=\([0-9]*\).*/\1/')
	[ "$lbase" = 0 ] && lbase=null
	[ "$(echo "$dash" | jq -c .base)" = "$want" ] || fail "run $run: the dashboard compares with $(echo "$dash" | jq .base), not $want"
	[ "$(echo "$cmp" | jq -c .base)" = "$want" ] || fail "run $run: the API compares with $(echo "$cmp" | jq .base), not $want"
	[ "$rbase" = "$want" ] || fail "run $run: the run's base_run is $rbase, not $want"
	[ "$lbase" = "$want" ] || fail "run $run: the mail compared with run $lbase, not $want"
	[ "$(api GET "/api/v1/runs?limit=100" | jq -c --argjson r "$run" '.runs[] | select(.id == $r) | .base_run')" = "$want" ] ||
		fail "run $run: the runs list gives another base"
	local api_view
	api_view=$(echo "$cmp" | jq -c '{base, configs: (reduce .configs[] as $c ({}; .[$c.change] += 1)),
		signatures: ([.signatures[] | select(.secondary | not) | {key: (.id | tostring), value: .change}] | from_entries)}')
	[ "$want" = null ] || [ "$(echo "$dash" | jq -cS .)" = "$(echo "$api_view" | jq -cS .)" ] ||
		fail "run $run: dashboard $dash, API $api_view"
	# The mail: a report for each new signature the run is first to show at its commit, a notice for gone ones.
	[ "$(mailed "$run" report)" = "$(echo "$cmp" | jq -c '[.signatures[] | select(.change == "new" and (.secondary | not)) | .id] | sort')" ] ||
		fail "run $run: reports for $(mailed "$run" report), new signatures: $(echo "$cmp" | jq -c .signatures)"
	echo "$cmp"
}

# ---- 1. main, good ---------------------------------------------------------------------------------------
read -r A1 B1 <<<"$(push)"
[ -n "$B1" ] || fail "the push did not queue two runs: $(cat "$T/push.out")"
settle "$A1" "$B1"
[ "$(mails)" = 0 ] || fail "a good push sent mail"
agree "$A1" null >/dev/null
agree "$B1" null >/dev/null
pass "a good push runs both matrices (runs $A1, $B1); nothing to compare with, no mail"

# ---- 2. main, broken -------------------------------------------------------------------------------------
"$FIXTURES/make-repo.sh" "$WORK" --patch break-reachable >>"$T/make-repo.log" 2>&1 || fail "make-repo.sh break"
read -r A2 B2 <<<"$(push)"
settle "$A2" "$B2"
C=$(agree "$A2" "$A1")
[ "$(echo "$C" | jq '[.configs[] | select(.change == "new-failure")] | length')" = 1 ] || fail "run $A2: one new failure: $C"
[ "$(echo "$C" | jq '[.signatures[] | select(.change == "new" and (.secondary | not))] | length')" = 1 ] ||
	fail "run $A2: one new signature: $C"
SIG=$(echo "$C" | jq '[.signatures[] | select(.change == "new" and (.secondary | not))][0].id')
C=$(agree "$B2" "$B1")
[ "$(echo "$C" | jq '[.configs[] | select(.change != "still-passing")] | length')" = 0 ] || fail "run $B2: all still passing: $C"
[ "$(mails)" = 1 ] || fail "expected one report, have $(mails) mails"
pass "a breaking push: run $A2 against $A1 and $B2 against $B1 everywhere; one new failure, one new signature, one report"

# ---- 3. a new branch with the fix ------------------------------------------------------------------------
"$FIXTURES/make-repo.sh" "$WORK" --patch fix-reachable >>"$T/make-repo.log" 2>&1 || fail "make-repo.sh fix"
read -r A3 B3 <<<"$(push main:refs/heads/topic/fix)"
settle "$A3" "$B3"
C=$(agree "$A3" "$A2")
[ "$(echo "$C" | jq '[.configs[] | select(.change == "fixed")] | length')" = 1 ] || fail "run $A3: one fixed config: $C"
[ "$(echo "$C" | jq --argjson s "$SIG" '[.signatures[] | select(.id == $s)][0].change')" = '"gone"' ] ||
	fail "run $A3: the signature is gone: $C"
agree "$B3" "$B2" >/dev/null
[ "$(mailed "$A3" fixed)" = '[]' ] || fail "a fixed notice on a branch that never had the report"
pass "a new branch (runs $A3, $B3) is compared with the branch it was made from, everywhere: the config is fixed"

# ---- 4. main, fixed --------------------------------------------------------------------------------------
read -r A4 B4 <<<"$(push)"
settle "$A4" "$B4"
C=$(agree "$A4" "$A2")
[ "$(echo "$C" | jq '[.configs[] | select(.change == "fixed")] | length')" = 1 ] || fail "run $A4: one fixed config: $C"
[ "$(mailed "$A4" fixed)" = "[$SIG]" ] || fail "run $A4: one fixed notice for signature $SIG: $(mailed "$A4" fixed)"
agree "$B4" "$B2" >/dev/null
[ "$(mails)" = 2 ] || fail "expected the report and one fixed notice, have $(mails) mails"
pass "the fix on main: runs $A4, $B4 against $A2, $B2 everywhere; the signature is gone, one fixed notice"
