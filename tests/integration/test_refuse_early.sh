#!/usr/bin/env bash
# Requests are judged on their headers: a bad token, a missing signature or an
# oversized Content-Length is refused before the body is read (no 100 Continue,
# the connection closed), so hostile uploads cost the server no memory; bodies
# sent where none is taken are refused; ids are read strictly.
. "$(dirname "$0")/lib.sh"

start_server
W1=$("$KM_CTL" worker-add w1)

hwm() { awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status"; }

# A sparse 120 MiB file: cheap to make, read like any other.
truncate -s 120M "$T/big"
before=$(hwm)
for i in 1 2 3; do
	code=$(curl -s -o "$T/body" -w '%{http_code}' -X PUT -T "$T/big" -H "Authorization: Bearer wrong-$i" \
		-H "X-Lease: x" "$URL/api/v1/jobs/1/artifacts/big.bin" 2>/dev/null || true)
	[ "$code" = 401 ] || fail "PUT $i with a bad token: expected 401, got $code: $(cat "$T/body")"
done
after=$(hwm)
grow=$(( (after - before) / 1024 ))
echo "VmHWM before=${before}kB after=${after}kB"
[ "$grow" -le 4 ] || fail "three 120 MiB PUTs with a bad token grew the server's peak RSS by $grow MiB"
pass "three 120 MiB PUTs with a bad token: 401 each, peak RSS grew $grow MiB"

# Expect: 100-continue is not answered 100 when the request will be refused.
curl -sv -o /dev/null -X PUT -T "$T/big" -H "Authorization: Bearer wrong" -H "Expect: 100-continue" \
	"$URL/api/v1/jobs/1/artifacts/big.bin" 2>"$T/trace" || true
grep -q "< HTTP/1.1 401" "$T/trace" || fail "no 401 for an Expect: 100-continue PUT: $(cat "$T/trace")"
! grep -q "HTTP/1.1 100" "$T/trace" || fail "100 Continue sent to a request with a bad token"
grep -qi "< Connection: close" "$T/trace" || fail "the refusal does not close the connection"
pass "a refused request gets no 100 Continue and the connection is closed"

# A declared length over the limit is refused at once, even from a valid worker.
code=$(python3 - "$PORT" "$W1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(("PUT /api/v1/jobs/1/artifacts/x.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "X-Lease: nope\r\nContent-Length: 10000000000\r\nExpect: 100-continue\r\n\r\n" % sys.argv[2]).encode())
print(s.recv(200).decode(errors="replace").split("\r\n")[0])
PY
)
[[ "$code" == "HTTP/1.1 4"* ]] || fail "10 GB Content-Length: got '$code'"
code=$(python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\nX-Hub-Signature-256: sha256=00\r\n\r\n")
print(s.recv(200).decode(errors="replace").split("\r\n")[0])
PY
)
[[ "$code" == "HTTP/1.1 413 "* ]] || fail "100 MB webhook: got '$code'"
code=$(python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
print(s.recv(200).decode(errors="replace").split("\r\n")[0])
PY
)
[[ "$code" == "HTTP/1.1 401 "* ]] || fail "webhook without a signature header: got '$code'"
pass "over-limit lengths refused with 413 and unsigned webhooks with 401 on their headers"

api GET /api/v1/health --data 'hello' >/dev/null
expect_status 413 "a body on GET /health"
api GET /api/v1/runs -H 'Transfer-Encoding: chunked' --data 'hello' >/dev/null
expect_status 413 "a chunked body on GET /runs"
pass "a body where none is taken is refused with 413, not dropped"

RUN=$("$KM_CTL" submit --tree=/srv/git/linux.git --ref=main --matrix=cxl-quick)
for id in "%201" "+1" "01" "1%20" "-1" "0" "1e0" "99999999999999999999"; do
	api GET "/api/v1/runs/$id" >/dev/null
	expect_status 400 "run id '$id'"
done
api GET "/api/v1/runs/$RUN" >/dev/null
expect_status 200 "run id $RUN"
pass "ids are whole numbers without sign, space or leading zero"
