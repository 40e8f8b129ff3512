#!/usr/bin/env bash
# 1,000 slow connections from one address (127.0.0.2, one header byte every
# 3 s) do not stop a client on 127.0.0.1 from being served within 1 s: the
# per-address cap keeps them from taking every connection and thread.
. "$(dirname "$0")/lib.sh"

python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	fail "127.0.0.2 is not usable as a source address on this machine"
start_server
python3 "$KM_SOURCE_DIR/tests/tools/slowloris.py" "$PORT" 1000 127.0.0.2 3 14 >"$T/slow.log" 2>&1 ||
	fail "slow client script failed: $(tail -5 "$T/slow.log")"
cat "$T/slow.log"
n=$(grep -c '^health ' "$T/slow.log")
[ "$n" -ge 8 ] || fail "only $n health checks made"
grep -q '^health refused' "$T/slow.log" && fail "a health check on 127.0.0.1 was refused"
slowest=$(grep -o '^health [0-9]*' "$T/slow.log" | awk '{print $2}' | sort -n | tail -1)
[ "$slowest" -lt 1000 ] || fail "slowest health check took $slowest ms"
held=$(awk '/still open/ {print $NF}' "$T/slow.log")
pass "1000 slow connections from 127.0.0.2 ($held held open at the end): $n health checks from 127.0.0.1, slowest $slowest ms"
