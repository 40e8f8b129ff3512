#!/usr/bin/env bash
# Run views are rendered once per change of their run: repeats carry the same ETag and body,
# If-None-Match with it answers 304 without a body, and any change of the run (a job leased,
# a result) gives a new ETag and the new body at once.
. "$(dirname "$0")/lib.sh"

MATRICES="$T/matrices"
mkdir -p "$MATRICES"
cp "$KM_SOURCE_DIR/tests/fixtures/tiny.matrix" "$MATRICES/"
start_server --long-poll=1
W1=$("$KM_CTL" worker-add w1)
RUN=$("$KM_CTL" submit --tree=/srv/git/linux.git --ref=main --matrix=tiny)

# get PATH [ETAG]: the status, then the ETag; the body goes to $T/view.
get() {
	local etag
	rm -f "$T/view"
	curl -s -D "$T/headers" -o "$T/view" -w '%{http_code}' ${2:+-H "If-None-Match: $2"} "$URL$1"
	etag=$(awk 'tolower($1) == "etag:" {print $2}' "$T/headers" | tr -d '\r')
	echo " $etag"
}

for view in "" /matrix /signatures /compare; do
	P="/api/v1/runs/$RUN$view"
	read -r st1 e1 <<<"$(get "$P")"
	cp "$T/view" "$T/first"
	read -r st2 e2 <<<"$(get "$P")"
	[ "$st1 $st2" = "200 200" ] && [ -n "$e1" ] && [ "$e1" = "$e2" ] || fail "$P: repeat gives $st1 $e1, $st2 $e2"
	cmp -s "$T/first" "$T/view" || fail "$P: a repeat answered another body"
	read -r st3 e3 <<<"$(get "$P" "$e1")"
	[ "$st3" = 304 ] && [ "$e3" = "$e1" ] && [ ! -s "$T/view" ] || fail "$P: If-None-Match gives $st3 $e3 $(head -c 80 "$T/view")"
	echo "$P $e1" >>"$T/etags"
done
pass "each run view answers repeats with one ETag and body, and 304 to If-None-Match"

JOB=$(api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" -d '{"kinds":["configure"],"wait":0}')
echo "$JOB" | jq -e .job.id >/dev/null || fail "claim: $JOB"
while read -r P e1; do
	read -r st e2 <<<"$(get "$P" "$e1")"
	[ "$st" = 200 ] && [ "$e2" != "$e1" ] || fail "$P after a claim: $st $e2 (was $e1)"
done <"$T/etags"
get "/api/v1/runs/$RUN" >/dev/null
[ "$(jq .counts.configure.running "$T/view")" = 1 ] || fail "the run view after a claim: $(jq -c .counts "$T/view")"
pass "a leased job changes every view's ETag and the body is the new one"
