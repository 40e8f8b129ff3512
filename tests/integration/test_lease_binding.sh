#!/usr/bin/env bash
# A lease is one attempt of one worker: results, extensions and uploads under
# an earlier attempt's lease or another worker's are refused with 409 and leave
# nothing; concurrent uploads of one name leave a file matching its recorded
# size and SHA-256.
. "$(dirname "$0")/lib.sh"

MATRICES="$T/matrices"
mkdir -p "$MATRICES"
printf '[matrix]\nname = tiny\narch = x86_64\nbase = tinyconfig\n[axes]\nA = y n\n' >"$MATRICES/tiny.matrix"
start_server --lease=60
W1=$("$KM_CTL" worker-add w1)
W2=$("$KM_CTL" worker-add w2)
"$KM_CTL" submit --tree=/srv/git/linux.git --ref=main --matrix=tiny >/dev/null

put() { # put TOKEN LEASE FILE [NAME]: prints the status
	curl -s -o "$T/put.body" -w '%{http_code}' -X PUT --data-binary @"$3" -H "Authorization: Bearer $1" \
		-H "X-Lease: $2" "$URL/api/v1/jobs/$JOB/artifacts/${4:-configure.log}"
}
stored() { # the stored file of an artifact
	python3 - "$T/data/kmatrix.db" "$JOB" "${1:-configure.log}" <<'PY'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
row = c.execute("SELECT path, size, sha256 FROM artifacts WHERE job_id = ? AND name = ?",
                (int(sys.argv[2]), sys.argv[3])).fetchone()
print(" ".join(str(x) for x in row) if row else "none")
PY
}

J=$(api POST /api/v1/jobs/claim -H "Authorization: Bearer $W1" -d '{"kinds":["configure"]}')
JOB=$(echo "$J" | jq .job.id)
L1=$(echo "$J" | jq -r .lease.id)
echo attempt-1 >"$T/a1"
[ "$(put "$W1" "$L1" "$T/a1")" = 201 ] || fail "upload under a live lease: $(cat "$T/put.body")"
api POST "/api/v1/jobs/$JOB/result" -H "Authorization: Bearer $W1" \
	-d "{\"lease\":\"$L1\",\"status\":\"ERROR\",\"message\":\"disk full\",\"retryable\":true}" >/dev/null
expect_status 200 "retryable ERROR"
J=$(api POST /api/v1/jobs/claim -H "Authorization: Bearer $W2" -d '{"kinds":["configure"]}')
[ "$(echo "$J" | jq .job.id)" = "$JOB" ] || fail "the requeued job goes to w2: $J"
L2=$(echo "$J" | jq -r .lease.id)
echo attempt-2 >"$T/a2"
[ "$(put "$W2" "$L2" "$T/a2")" = 201 ] || fail "attempt 2 upload: $(cat "$T/put.body")"

echo attempt-1-late >"$T/late"
code=$(put "$W1" "$L1" "$T/late")
[ "$code" = 409 ] || fail "late upload of attempt 1: expected 409, got $code: $(cat "$T/put.body")"
read -r path size sha < <(stored)
[ "$(cat "$T/data/$path")" = attempt-2 ] || fail "attempt 1's late upload changed the file: $(cat "$T/data/$path")"
[ "$sha" = "$(sha256sum "$T/a2" | cut -d' ' -f1)" ] || fail "recorded digest is not attempt 2's"
pass "an earlier attempt's upload is refused with 409 and the file stays attempt 2's"

code=$(put "$W1" "$L2" "$T/late")
[ "$code" = 409 ] || fail "w1 uploading under w2's lease: expected 409, got $code"
grep -q "another worker" "$T/put.body" || fail "the refusal says why: $(cat "$T/put.body")"
api POST "/api/v1/jobs/$JOB/lease" -H "Authorization: Bearer $W1" -d "{\"lease\":\"$L2\"}" >/dev/null
expect_status 409 "w1 extending w2's lease"
api POST "/api/v1/jobs/$JOB/lease" -H "Authorization: Bearer $W2" -d "{\"lease\":\"$L1\"}" >/dev/null
expect_status 409 "extending attempt 1's lease"
api POST "/api/v1/jobs/$JOB/result" -H "Authorization: Bearer $W1" \
	-d "{\"lease\":\"$L2\",\"status\":\"ERROR\",\"message\":\"hijack\"}" >/dev/null
expect_status 409 "w1 posting a result under w2's lease"
[ "$(api GET "/api/v1/jobs/$JOB" | jq -r .state)" = running ] || fail "a refused result changed the job"
pass "another worker's lease is refused for uploads, extensions and results"

# Concurrent uploads of one name: each goes to its own file, renamed with its record.
for i in $(seq 1 8); do
	head -c $((1024 * 1024 + i * 4099)) /dev/urandom >"$T/c$i"
done
pids=()
for i in $(seq 1 8); do
	put "$W2" "$L2" "$T/c$i" big.bin >"$T/code$i" &
	pids+=("$!")
done
wait "${pids[@]}"
for i in $(seq 1 8); do
	[ "$(cat "$T/code$i")" = 201 ] || fail "concurrent upload $i: $(cat "$T/code$i")"
done
read -r path size sha < <(stored big.bin)
[ "$(stat -c %s "$T/data/$path")" = "$size" ] || fail "stored size $(stat -c %s "$T/data/$path") != recorded $size"
[ "$(sha256sum "$T/data/$path" | cut -d' ' -f1)" = "$sha" ] || fail "stored file does not match its recorded digest"
left=$(find "$T/data/artifacts" -name '.upload-*' | wc -l)
[ "$left" = 0 ] || fail "$left spool file(s) left behind"
pass "8 concurrent uploads of one name: the stored file matches its recorded size and digest, no temp files left"
