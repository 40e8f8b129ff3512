#!/usr/bin/env bash
# Results are checked as a whole before anything is recorded: every request
# index exactly once, full hex commit ids; text is stored without control
# characters and cut without splitting a UTF-8 character, and so are errors.
. "$(dirname "$0")/lib.sh"

MATRICES="$T/matrices"
mkdir -p "$MATRICES"
printf '[matrix]\nname = tiny\narch = x86_64\nbase = tinyconfig\n[axes]\nA = y m n\nB = y n\n' >"$MATRICES/tiny.matrix"
start_server --lease=60
W1=$("$KM_CTL" worker-add w1)
RUN=$("$KM_CTL" submit --tree=/srv/git/linux.git --ref=main --matrix=tiny)
J=$(api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" -d '{"kinds":["configure"]}')
JOB=$(echo "$J" | jq .job.id)
LEASE=$(echo "$J" | jq -r .lease.id)
cfg_text=$'CONFIG_A=y\nCONFIG_B=y\n'
hash=$(printf '%s' "$cfg_text" | sha256sum | cut -d' ' -f1)
result() { # result JQ-FILTER: a valid configure result changed by the filter
	jq -n --arg lease "$LEASE" --arg text "$cfg_text" --arg hash "$hash" '{
		lease: $lease, status: "PASS", commit: "0123456789abcdef0123456789abcdef01234567",
		configs: [{hash: $hash, point: "yy", text: $text}],
		requests: [range(0; 6) | {idx: ., hash: $hash}] }' | jq "$1"
}
post() {
	api POST "/api/v1/jobs/$JOB/result" -H "Authorization: Bearer $W1" -d "$(result "$1")" >/dev/null
}
nothing_recorded() {
	R=$(api GET "/api/v1/runs/$RUN")
	[ "$(echo "$R" | jq .counts.configs)" = 0 ] || fail "$1: configs recorded: $(echo "$R" | jq -c .counts)"
	[ "$(echo "$R" | jq -r .commit_id)" = null ] || fail "$1: commit recorded: $(echo "$R" | jq -r .commit_id)"
	[ "$(api GET "/api/v1/jobs/$JOB" | jq -r .state)" = running ] || fail "$1: the job changed"
}

post '.requests |= map(.idx = 0)'
expect_status 400 "six requests all idx 0"
grep -q "mapped twice" "$T/body" || fail "duplicate index message: $(cat "$T/body")"
nothing_recorded "duplicate indexes"
post '.requests[5].idx = 6'
expect_status 400 "an index out of range"
post '.requests |= .[0:5] + [.[4]]'
expect_status 400 "a request left out, another twice"
nothing_recorded "indexes out of range"
pass "a configure result must map every request index exactly once"

for c in 'zz<script>alert(1)</script>' 0123456 0123456789ABCDEF0123456789ABCDEF01234567 \
	0123456789abcdef0123456789abcdef0123456 0123456789abcdef0123456789abcdef01234567aa; do
	post ".commit = \"$c\""
	expect_status 400 "commit '$c'"
	nothing_recorded "commit $c"
done
pass "commit ids must be 40 or 64 lower-case hex digits"

long=$(printf 'é%.0s' $(seq 1 1500))
post ".subject = \"bad\\r\\u001b[31mred\\u0007 $long\" | .author_name = \"A\\nB\\u0001C\""
expect_status 200 "result with control characters"
R=$(api GET "/api/v1/runs/$RUN")
subject=$(echo "$R" | jq -r .subject)
[[ "$subject" == "bad[31mred é"* ]] || fail "control characters kept in the subject: $(echo "$R" | jq .subject | head -c 80)"
bytes=$(echo "$R" | jq -j .subject | wc -c)
[ "$bytes" -le 1024 ] && [ "$bytes" -ge 1020 ] || fail "subject is $bytes bytes, expected cut to 1024"
echo "$R" | jq -j .subject | iconv -f UTF-8 -t UTF-8 >/dev/null || fail "the cut subject is not valid UTF-8"
[ "$(echo "$R" | jq -r .author_name)" = ABC ] || fail "author name: $(echo "$R" | jq .author_name)"
pass "control characters are dropped from stored text and long text is cut on a character boundary"

# An error message that quotes a cut of the input never splits a character.
name="a$(printf 'é%.0s' $(seq 1 40))"
code=$(curl -s -o "$T/body" -w '%{http_code}' "$URL/api/v1/jobs/$JOB/artifacts/$name")
[ "$code" = 400 ] || fail "bad artifact name: $code $(cat "$T/body")"
jq -e '.error | test("not valid")' "$T/body" >/dev/null || fail "the error is not readable: $(cat "$T/body")"
pass "errors quoting cut input stay valid UTF-8"

# A build result whose optional error fields are null is taken as before.
B=$(api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" -d '{"kinds":["build"]}')
BID=$(echo "$B" | jq .job.id)
BLEASE=$(echo "$B" | jq -r .lease.id)
api POST "/api/v1/jobs/$BID/result" -H "Authorization: Bearer $W1" -d "$(jq -n --arg l "$BLEASE" '{lease: $l,
	status: "FAIL", errors: [{signature: "ld:undefined:x", type: "link", message: "undefined reference to x",
	symbol: null, file: null, first_lines: null, count: 1}]}')" >/dev/null
expect_status 200 "build result with null optional fields"
[ "$(api GET "/api/v1/jobs/$BID" | jq -r .status)" = FAIL ] || fail "the build's result was not recorded"
pass "build errors: optional fields may be null"
