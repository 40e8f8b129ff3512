#!/usr/bin/env bash
# Benchmark of the server on loopback: claim->result cycles per second (one
# worker connection, build jobs of a 162-request run) and GETs per second of a
# 162-request run's matrix view (wrk, 4 connections, 3 x 4 s), each beside the
# same machine's ceiling: for the GETs a minimal libmicrohttpd handler
# answering the same bytes from memory (bench/ceiling_http.c), for the cycles
# a bare sqlite WAL loop doing the same transactions on a copy of the
# server's database (bench/ceiling_sqlite.c).
#
# Usage: bench/protocol.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -x "$build/server/kmatrix-server" ] || { echo "build first: cmake -S . -B $build && cmake --build $build" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-deps.sh installs it" >&2; exit 2; }

T=$(mktemp -d)
CEILING=
trap 'kill $SERVER $CEILING 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
cc -O2 -o "$T/ceiling_http" bench/ceiling_http.c $(pkg-config --cflags --libs libmicrohttpd)
cc -O2 -o "$T/ceiling_sqlite" bench/ceiling_sqlite.c $(pkg-config --cflags --libs sqlite3)
mkdir -p "$T/m"
cat >"$T/m/bench.matrix" <<'M'
[matrix]
name = bench
arch = x86_64
base = tinyconfig
[axes]
DEV_DAX_HMEM = y m n
CXL_BUS      = y m n
CXL_ACPI     = y m n
CXL_PCI      = y m n
CXL_REGION   = y n
[boot]
exec = {kernel} {append}
[variant cxl-first]
load = cxl_acpi cxl_pci dax_hmem
M
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$build/server/kmatrix-server" --port="$port" --data-dir="$T/data" --matrices-dir="$T/m" --web-dir=web \
	--log-level=warn >"$T/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done

cat >"$T/cycles.py" <<'PY'
import hashlib, http.client, json, sys, time
port, admin = int(sys.argv[1]), sys.argv[2]
c = http.client.HTTPConnection("127.0.0.1", port)
def call(method, path, body=None, token=admin):
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = c.getresponse(); data = r.read()
    return r.status, (json.loads(data) if data else None)
st, w = call("POST", "/api/v1/workers", {"name": "bench"}); token = w["token"]
runs = 3
for _ in range(runs):
    st, run = call("POST", "/api/v1/runs", {"tree": "/srv/linux.git", "ref": "bench-%d" % _, "matrix": "bench"})
    st, job = call("POST", "/api/v1/jobs/claim", {"kinds": ["configure"]}, token)
    reqs = job["job"]["requests"]
    configs, mapping = [], []
    for r in reqs:
        # A realistic config: ~1,500 symbols, the point's values among them.
        lines = ["CONFIG_SYM_%04d=y" % i for i in range(1500)]
        for axis, v in zip(["DEV_DAX_HMEM", "CXL_BUS", "CXL_ACPI", "CXL_PCI", "CXL_REGION"], r["point"]):
            lines.append("CONFIG_%s=%s" % (axis, v) if v != "n" else "# CONFIG_%s is not set" % axis)
        norm = "".join(l + "\n" for l in sorted(lines, key=lambda l: l.split("CONFIG_")[1].split("=")[0].split(" ")[0]))
        h = hashlib.sha256(norm.encode()).hexdigest()
        configs.append({"hash": h, "point": r["point"], "text": norm})
        mapping.append({"idx": r["idx"], "hash": h})
    st, _ = call("POST", "/api/v1/jobs/%d/result" % job["job"]["id"],
                 {"lease": job["lease"]["id"], "status": "PASS", "commit": "0" * 40,
                  "configs": configs, "requests": mapping}, token)
    assert st == 200, st
print(token)
sys.stdout.flush()
sys.stdin.readline()  # the database is copied for the ceiling meanwhile
c.close()  # the server may have closed it as idle (--conn-timeout) while the ceiling ran
c = http.client.HTTPConnection("127.0.0.1", port)
n, t0 = 0, time.time()
while True:
    st, job = call("POST", "/api/v1/jobs/claim", {"kinds": ["build"], "wait": 0}, token)
    if st == 204:
        break
    st, _ = call("POST", "/api/v1/jobs/%d/result" % job["job"]["id"],
                 {"lease": job["lease"]["id"], "status": "FAIL", "wall_s": 1.0,
                  "errors": [{"type": "ld-undefined", "signature": "ld-undefined:x:hmem.c", "message": "x"}]}, token)
    assert st == 200, st
    n += 1
dt = time.time() - t0
print("%d %.3f" % (n, dt))
PY
# The cycles run once the database with its queued builds has been copied for the ceiling.
coproc CYCLES { python3 "$T/cycles.py" "$port" "$(cat "$T/data/admin.token")"; }
read -r _token <&"${CYCLES[0]}"
read -r cn cs < <("$T/ceiling_sqlite" "$T/data/kmatrix.db" "$T/ceiling.db")
echo >&"${CYCLES[1]}"
read -r n s <&"${CYCLES[0]}"
wait "$CYCLES_PID" 2>/dev/null || true

rate() { python3 -c "import sys; print('%.1f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
pct() { python3 -c "import sys; print('%.0f' % (100 * float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
gets() { wrk -t2 -c4 -d4s "$@" | awk '/Requests\/sec/ {print $2}'; }
mean() { python3 -c "import sys; v = [float(x) for x in sys.argv[1:]]; print('%.0f' % (sum(v) / len(v)))" "$@"; }
server_cycles=$(rate "$n" "$s")
sqlite_cycles=$(rate "$cn" "$cs")
echo "claim->result: $server_cycles cycles/s ($n builds; nearest-config choice over up to 162 queued builds of ~1,500 symbols)"
echo "   sqlite WAL ceiling, same transactions: $sqlite_cycles cycles/s -> $(pct "$server_cycles" "$sqlite_cycles")% of it"

VIEW="http://127.0.0.1:$port/api/v1/runs/1/matrix"
curl -sf -D "$T/headers" -o "$T/matrix.json" "$VIEW"
etag=$(awk 'tolower($1) == "etag:" {print $2}' "$T/headers" | tr -d '\r')
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$T/ceiling_http" "$cport" "$T/matrix.json" &
CEILING=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$cport/" && break; sleep 0.1; done
# Alternated in short rounds, so a change of the machine's load falls on both alike.
view= revalidated= ceiling=
for _ in 1 2 3; do
	view="$view $(gets "$VIEW")"
	revalidated="$revalidated $(gets -H "If-None-Match: $etag" "$VIEW")"
	ceiling="$ceiling $(gets "http://127.0.0.1:$cport/")"
done
view=$(mean $view) revalidated=$(mean $revalidated) ceiling=$(mean $ceiling)
echo "GET /api/v1/runs/1/matrix (162 requests, 162 configs, $(wc -c <"$T/matrix.json") bytes): $view requests/s"
echo "   with If-None-Match (304): $revalidated requests/s"
echo "   libmicrohttpd ceiling, same bytes from memory: $ceiling requests/s -> $(pct "$view" "$ceiling")% of it"
