#!/usr/bin/env bash
# Bisection on Debian's Linux 6.12: a 3-commit series on master whose commit
# 2 is the seed's link error (tests/kernel/patches), over the one config of
# cxl-quick that fails with it (DEV_DAX_HMEM=y CXL_BUS=m CXL_REGION=y), with
# no boot. The matrix keeps cxl-quick's name, so every build (master, the
# head, each step) is an incremental build of the build directory the other
# kernel tests keep warm. The bisection must name commit 2 as 2/3, and the
# report mail, through real SMTP on loopback, carries it in subject and body.
. "$(dirname "$0")/lib.sh"
prepare_series
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || fail "python3-aiosmtpd is needed (scripts/install-deps.sh installs it)"

# cxl-quick reduced to its failing point, without [boot] and variants.
MATRICES="$T/matrices"
mkdir -p "$MATRICES" "$T/mail"
cp "$KM_SOURCE_DIR/matrices/cxl-dax-hmem.config" "$MATRICES/"
awk '
	/^\[/ { keep = ($0 == "[matrix]" || $0 == "[axes]" || $0 == "[notify]") }
	/^DEV_DAX_HMEM / { print "DEV_DAX_HMEM = y"; next }
	/^CXL_ACPI / { print "CXL_ACPI     = m"; next }
	/^CXL_REGION / { print "CXL_REGION   = y"; next }
	keep' "$KM_SOURCE_DIR/matrices/cxl-quick.matrix" >"$MATRICES/cxl-quick.matrix"

/usr/bin/python3 "$KM_SOURCE_DIR/tests/tools/smtp_sink.py" --dir "$T/mail" --port-file "$T/smtp.port" >>"$T/sink.log" 2>&1 &
KM_PIDS+=("$!")
for _ in $(seq 1 100); do [ -s "$T/smtp.port" ] && break; sleep 0.1; done
[ -s "$T/smtp.port" ] || fail "smtp_sink.py did not start: $(tail -5 "$T/sink.log")"
start_server --long-poll=2 --smtp-url="smtp://127.0.0.1:$(cat "$T/smtp.port")" --public-url="http://farm.test:8080/" \
	--mail-from="kmatrix <kmatrix@farm.test>" --bisect-wait=1800
start_worker kbisect --build-timeout=2400 --boot-slots=0

# Run A is the series branch at master (the push before the series): the base of run B.
start=$SECONDS
MASTER=$(git -C "$TEST_TREE" rev-parse master)
RUN_A=$("$KM_CTL" submit --tree="$TEST_TREE" --ref="$SERIES_BRANCH" --commit="$MASTER" --matrix=cxl-quick)
[ "$(wait_run "$RUN_A" 3000)" = done ] || fail "run A did not end done"
[ "$(api GET "/api/v1/runs/$RUN_A/matrix" | jq -r '[.configs[].build.status] | join(",")')" = PASS ] ||
	fail "master builds its one config"
echo "master: $((SECONDS - start)) s"

HEAD=$(git -C "$TEST_TREE" rev-parse "$SERIES_BRANCH")
C2=$(git -C "$TEST_TREE" rev-parse "$SERIES_BRANCH~1")
start=$SECONDS
RUN_B=$("$KM_CTL" submit --tree="$TEST_TREE" --ref="$SERIES_BRANCH" --commit="$HEAD" --matrix=cxl-quick)
[ "$(wait_run "$RUN_B" 3000)" = done ] || fail "run B did not end done"
echo "series head: $((SECONDS - start)) s"
B=
for _ in $(seq 1 1500); do
	B=$(curl -s "$URL/api/v1/runs/$RUN_B/bisections")
	case $(jq -r '.bisections[0].state // "none"' <<<"$B") in
	walking | stepping | none) sleep 1 ;;
	*) break ;;
	esac
done
echo "bisection: $((SECONDS - start)) s since the push"
jq -c '.bisections[0] | {state, first_bad, steps_done, max_steps, reason}' <<<"$B"
[ "$(jq -r '.bisections[0].state' <<<"$B")" = found ] || fail "the bisection did not find the commit: $B"
[ "$(jq -r '.bisections[0].first_bad.id' <<<"$B")" = "$C2" ] || fail "first bad is not commit 2 ($C2)"
[ "$(jq -r '.bisections[0].first_bad.label' <<<"$B")" = 2/3 ] || fail "not labelled 2/3"
[ "$(jq -r '.bisections[0].steps_done <= .bisections[0].max_steps' <<<"$B")" = true ] || fail "over the bound"
[ "$(jq -r '.bisections[0].base_run' <<<"$B")" = "$RUN_A" ] || fail "the base is not run A"
pass "bisected to commit 2 as 2/3 in $(jq -r '.bisections[0].steps_done' <<<"$B") builds"

MAIL=
for _ in $(seq 1 300); do
	MAIL=$(grep -l "^X-Kmatrix-Kind: report" "$T"/mail/msg-*.eml 2>/dev/null | head -1 || true)
	[ -n "$MAIL" ] && break
	sleep 0.2
done
[ -n "$MAIL" ] || fail "no report mail"
SUBJECT=$(/usr/bin/python3 -c 'import email,sys; print(email.message_from_binary_file(open(sys.argv[1],"rb"))["Subject"].replace("\n",""))' "$MAIL")
BODY=$(/usr/bin/python3 -c 'import email,sys; print(email.message_from_binary_file(open(sys.argv[1],"rb")).get_payload(decode=True).decode())' "$MAIL")
case "$SUBJECT" in
"[linux-test $SERIES_BRANCH 2/3] undefined reference to "*cxl_region_contains_resource*) ;;
*) fail "subject: $SUBJECT" ;;
esac
grep -q "bisected to ${C2:0:12} " <<<"$BODY" || fail "body does not name commit 2: $BODY"
pass "report mail: '$SUBJECT', body: $(grep "bisected to" <<<"$BODY" | head -1)"
