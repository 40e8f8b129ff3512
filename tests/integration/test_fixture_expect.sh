#!/usr/bin/env bash
# Matrix expectations end to end on the fixture tree, with the real server, worker and SMTP server
# (tests/tools/smtp_sink.py) on loopback:
#  1. a `never` rule Kconfig does not enforce is reported for exactly the violating configs, with
#     the requests that reached them and the `depends on` that let them, its failure condition,
#     and a report mail;
#  2. an ownership rule violated in one variant only is reported for that variant only;
#  3. a variant booted 4 times with parallel loading, on a fixture kernel that alternates its
#     probe order, shows `race` with its counts, keeps one console per distinct outcome and is
#     a finding of its own;
#  4. a commit adding the missing `depends on`: the rule holds, the finding is gone and a
#     "fixed" notice answers the report.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
FIXTURES="$KM_SOURCE_DIR/tests/fixtures"
for tool in kconfig-conf make gcc ld git jq curl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found (scripts/install-deps.sh)"; exit 77; }
done
"$PY" -c 'import aiosmtpd' 2>/dev/null || { echo "SKIP: $PY cannot import aiosmtpd (python3-aiosmtpd)"; exit 77; }

MATRICES="$T/matrices"
mkdir -p "$MATRICES"
cp "$FIXTURES/fixture-expect.matrix" "$FIXTURES/fixture.config" "$MATRICES/"
"$FIXTURES/make-repo.sh" "$T/linux" --patch fix-reachable >"$T/make-repo.log" 2>&1 || fail "make-repo.sh"

start_smtp_sink "$T/mail"
start_server --smtp-url="smtp://127.0.0.1:$SMTP_PORT" --public-url="http://farm.test/" \
	--mail-from="kmatrix <kmatrix@farm.test>" --long-poll=2 --poll=0
start_worker w1

nmails() { ls -1 "$T"/mail/msg-*.json 2>/dev/null | wc -l; }
wait_mails() {
	for _ in $(seq 1 150); do
		[ "$(nmails)" -ge "$1" ] && return 0
		sleep 0.2
	done
	fail "expected $1 mails, have $(nmails): $(curl -s "$URL/api/v1/runs/$2/mail")"
}
# The body of the mail whose subject contains $1.
mail_body() {
	"$PY" - "$T/mail" "$1" <<'PYEOF'
import email, email.policy, glob, sys
for f in sorted(glob.glob(sys.argv[1] + "/msg-*.eml")):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    if sys.argv[2] in str(m["Subject"]):
        print("Subject: " + str(m["Subject"]) + "\nIn-Reply-To: " + str(m["In-Reply-To"] or "") + "\n")
        print(m.get_content())
PYEOF
}

# ---- 1. the never rule ------------------------------------------------------------------------
RUN=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-expect)
[ "$(wait_run "$RUN" 300)" = done ] || fail "run $RUN did not end done"
api GET "/api/v1/runs/$RUN/matrix" >"$T/matrix.json"
api GET "/api/v1/runs/$RUN/signatures" >"$T/sigs.json"
[ "$(jq '.configs | length' "$T/matrix.json")" = 8 ] || fail "8 configs, got $(jq '.configs | length' "$T/matrix.json")"
[ "$(jq '[.configs[] | select(.build.status != "PASS")] | length' "$T/matrix.json")" = 0 ] || fail "every config builds"

sig() { jq -c --arg s "$1" '.signatures[] | select(.signature == $s)' "$T/sigs.json"; }
NEVER=$(sig expect:fixture-expect:hmem-cxl-together)
[ -n "$NEVER" ] || fail "no finding for hmem-cxl-together: $(jq -c '[.signatures[].signature]' "$T/sigs.json")"
[ "$(echo "$NEVER" | jq -r .type)" = expect ] || fail "finding type: $NEVER"
got=$(jq -c --argjson ids "$(echo "$NEVER" | jq -c .config_ids)" \
	'[.configs[] | select(.id as $i | $ids | index($i)) | .point] | sort' "$T/matrix.json")
want=$(jq -c '[.configs[] | select(.effective.DEV_DAX_HMEM == "y"
	and (.effective.CXL_ACPI == "m" or .effective.CXL_PCI == "m")) | .point] | sort' "$T/matrix.json")
[ "$got" = "$want" ] && [ "$(echo "$got" | jq length)" = 3 ] || fail "violating configs: $got, expected $want"
[ "$(echo "$NEVER" | jq -r .condition.text)" = "(DEV_DAX_HMEM=y ∧ CXL_ACPI=m) ∨ (DEV_DAX_HMEM=y ∧ CXL_PCI=m)" ] || fail "condition of the finding: $(echo "$NEVER" | jq -c .condition)"
for s in region-for-dax hmem-builds hmem-owns-control; do
	[ -z "$(sig "expect:fixture-expect:$s")" ] || fail "rule $s holds but was reported: $(sig "expect:fixture-expect:$s")"
done
cid=$(echo "$NEVER" | jq '.config_ids[0]')
C=$(api GET "/api/v1/configs/$cid")
X=$(echo "$C" | jq -r '.findings[] | select(.rule == "hmem-cxl-together") | .explanation')
grep -q "^Kconfig allowed a forbidden combination: never DEV_DAX_HMEM=y && (CXL_ACPI=m || CXL_PCI=m)" <<<"$X" ||
	fail "explanation head: $X"
grep -q "^Requests that reached it:" <<<"$X" && grep -q "^  DEV_DAX_HMEM=y CXL_BUS=m " <<<"$X" ||
	fail "explanation lists the requests: $X"
grep -q "^DEV_DAX_HMEM \[=y\]: depends on EFI_SOFT_RESERVE \[=y\] (drivers/dax/Kconfig:18).*none of them names CXL_ACPI, CXL_PCI, so Kconfig lets DEV_DAX_HMEM be y whatever they are" <<<"$X" ||
	fail "explanation names the depends on that let it: $X"
[ "$(echo "$C" | jq -r '.findings[] | select(.rule == "hmem-cxl-together") | .kind')" = build ] ||
	fail "a config rule's finding is on the config's build: $(echo "$C" | jq -c .findings)"
pass "never rule: exactly the $(echo "$got" | jq length) violating configs $got, explained by the requests and DEV_DAX_HMEM's depends on"

# ---- 2. an ownership rule violated in one variant -----------------------------------------------
OWN=$(sig expect:fixture-expect:cxl-owns-subject)
[ -n "$OWN" ] || fail "no finding for cxl-owns-subject"
owner() { jq -r --arg p "$1" --arg v "$2" '.configs[] | select(.point == $p) | .boots[] | select(.variant == $v) | .owner' "$T/matrix.json"; }
[ "$(owner mmmmy cxl-first)" = cxl ] && [ "$(owner mmmmy hmem-first)" = hmem ] ||
	fail "all-modular: cxl-first $(owner mmmmy cxl-first), hmem-first $(owner mmmmy hmem-first)"
variants=$(jq -c '[.configs[].findings[] | select(.rule == "cxl-owns-subject") | .variant] | unique' "$T/matrix.json")
[ "$variants" = '["hmem-first"]' ] || fail "cxl-owns-subject reported for variants $variants"
got=$(jq -c '[.configs[] | select(any(.findings[]; .rule == "cxl-owns-subject")) | .point] | sort' "$T/matrix.json")
want=$(jq -c '[.configs[] | select(.effective.DEV_DAX_HMEM == "m" and .effective.CXL_ACPI != "n"
	and any(.boots[]; .variant == "hmem-first" and .owner != "cxl")) | .point] | sort' "$T/matrix.json")
[ "$got" = "$want" ] && [ "$(echo "$got" | jq length)" -ge 1 ] || fail "ownership findings in $got, expected $want"
jq -e '[.configs[].findings[] | select(.rule == "cxl-owns-subject") | .explanation]
	| all(startswith("Variant hmem-first: the subject range is owned by hmem, expected cxl because DEV_DAX_HMEM [=m] = m"))' \
	"$T/matrix.json" >/dev/null || fail "ownership explanation: $(jq -c '[.configs[].findings[] | select(.rule == "cxl-owns-subject")][0]' "$T/matrix.json")"
pass "ownership rule: violated in hmem-first only ($got), held in cxl-first"

# ---- 3. repetition shows the race ---------------------------------------------------------------
racing=$(jq -c '[.configs[] | select(any(.boots[]; .variant == "race" and .owner == "race")) | .point] | sort' "$T/matrix.json")
differ=$(jq -c '[.configs[] | select(([.boots[] | select(.variant == "cxl-first" or .variant == "hmem-first") | .owner]
	| unique | length) > 1) | .point] | sort' "$T/matrix.json")
[ "$racing" = "$differ" ] && [ "$(echo "$racing" | jq length)" -ge 1 ] ||
	fail "race where the probe order changes the owner: $racing, expected $differ"
rcid=$(jq --arg p mmmmy '.configs[] | select(.point == $p) | .id' "$T/matrix.json")
RC=$(api GET "/api/v1/configs/$rcid")
B=$(echo "$RC" | jq -c '.boots[] | select(.variant == "race")')
[ "$(echo "$B" | jq -r '.ownership[] | select(.role == "subject") | .evidence')" = "cxl 2 / hmem 2" ] ||
	fail "race counts: $(echo "$B" | jq -c .ownership)"
[ "$(echo "$B" | jq -r '.ownership[] | select(.role == "control") | .owner')" = hmem ] || fail "control range does not race: $B"
[ "$(echo "$B" | jq -c '[.details.repeats[].boot]')" = "[1,2,3,4]" ] || fail "4 boots: $(echo "$B" | jq -c .details.repeats)"
[ "$(echo "$B" | jq -c '[.artifacts | keys[] | select(startswith("console"))] | sort')" = '["console-2.log","console.log"]' ] ||
	fail "one console per distinct outcome: $(echo "$B" | jq -c .artifacts)"
jq=$(echo "$B" | jq .job_id)
grep -q "role=subject owner=hmem" <<<"$(curl -s "$URL/api/v1/jobs/$jq/artifacts/console-2.log")" || fail "console-2.log is the hmem boot"
grep -q "role=subject owner=cxl" <<<"$(curl -s "$URL/api/v1/jobs/$jq/artifacts/console.log")" || fail "console.log is the cxl boot"
RACE=$(sig race:fixture-expect:race:subject)
[ "$(echo "$RACE" | jq -r .type)" = race ] || fail "race finding: $RACE"
[ "$(echo "$RC" | jq -r '.findings[] | select(.type == "race") | .explanation')" = \
	"Repeated boots of variant race disagree about the owner of the subject range: cxl 2 / hmem 2" ] ||
	fail "race explanation: $(echo "$RC" | jq -c .findings)"
[ "$(jq -r --arg p mmmmy '.configs[] | select(.point == $p) | .boots[] | select(.variant == "cxl-first") | .owner' "$T/matrix.json")" = cxl ] ||
	fail "a single boot per variant sees no race"
pass "repeat = 4 with parallel loading: race ($racing) with counts cxl 2 / hmem 2, two consoles kept"

# The report mail of the never rule carries the explanation.
wait_mails 1 "$RUN"
sleep 3
body=$(mail_body "rule 'hmem-cxl-together' is violated")
[ -n "$body" ] || fail "no report for hmem-cxl-together: $(ls "$T/mail")"
grep -q "none of them names CXL_ACPI, CXL_PCI" <<<"$body" || fail "mail explains the violation: $body"
REPORT_ID=$(curl -s "$URL/api/v1/runs/$RUN/mail" -H "Authorization: Bearer $ADMIN" |
	jq -r --argjson s "$(echo "$NEVER" | jq .id)" '.mails[] | select(.signature_id == $s) | .message_id')
[ -n "$REPORT_ID" ] || fail "outbox has the report: $(curl -s "$URL/api/v1/runs/$RUN/mail" -H "Authorization: Bearer $ADMIN")"
pass "a report mail for the violated rule, with its explanation ($(nmails) mails for $(jq '[.signatures[] | select(.secondary | not)] | length' "$T/sigs.json") findings)"

# ---- 4. the missing depends on --------------------------------------------------------------------
before=$(nmails)
"$FIXTURES/make-repo.sh" "$T/linux" --patch hmem-depends-cxl >>"$T/make-repo.log" 2>&1 || fail "make-repo.sh fix"
RUN2=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-expect)
[ "$(wait_run "$RUN2" 300)" = done ] || fail "run $RUN2 did not end done"
api GET "/api/v1/runs/$RUN2/signatures" >"$T/sigs.json"
[ -z "$(sig expect:fixture-expect:hmem-cxl-together)" ] || fail "the rule still fails after the fix"
CMP=$(api GET "/api/v1/runs/$RUN2/compare")
[ "$(echo "$CMP" | jq -r --argjson s "$(echo "$NEVER" | jq .id)" '.signatures[] | select(.id == $s) | .change')" = gone ] ||
	fail "the finding is gone in the comparison: $(echo "$CMP" | jq -c .signatures)"
wait_mails $((before + 1)) "$RUN2"
sleep 3
fixed=$(mail_body "Re: ")
grep -q "In-Reply-To: $REPORT_ID" <<<"$fixed" || fail "fixed notice answers the report $REPORT_ID: $fixed"
[ "$(nmails)" = $((before + 1)) ] || fail "exactly one fixed notice, have $(($(nmails) - before)) new mails"
pass "after the depends on: rule holds, finding gone, one fixed notice in reply to the report"
