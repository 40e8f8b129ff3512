#!/usr/bin/env python3
"""Load on a kmatrix server over loopback, bounded in time.

WORKERS simulated workers (each on its own connection, spread over source
addresses 127.0.1.1-25 as machines would be) heartbeat every 10 s and
long-poll for jobs; configure jobs are answered at once, build jobs are held
so that results arrive at RESULTS per second, their leases extended every
third of the lease; a dashboard client polls run views at VIEWS per second.
At the end: requests per route with p50/p99/max latency, refused requests
(any status not expected), leases lost (409 on an extension or a result).

Usage: load.py URL ADMIN_TOKEN TOKENS_FILE SECONDS [WORKERS RESULTS VIEWS LEASE]
"""
import asyncio
import hashlib
import json
import random
import sys
import time

url, admin, tokens_file, duration = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
nworkers = int(sys.argv[5]) if len(sys.argv) > 5 else 500
results_per_s = float(sys.argv[6]) if len(sys.argv) > 6 else 20
views_per_s = float(sys.argv[7]) if len(sys.argv) > 7 else 50
lease_s = float(sys.argv[8]) if len(sys.argv) > 8 else 30
host, port = url.split("//")[1].split(":")
port = int(port)
tokens = open(tokens_file).read().split()
hold = nworkers / results_per_s  # seconds a build is held so that results arrive at the rate

lat = {}        # route -> [seconds]
refused = {}    # "route status" -> count
lost = 0
results = 0
stop_at = time.monotonic() + duration
runs = []


class Conn:
    def __init__(self, source):
        self.source = source
        self.r = self.w = None

    async def request(self, route, method, path, body=None, headers=(), timeout=60):
        data = json.dumps(body).encode() if body is not None else b""
        head = "%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n" % (method, path, len(data))
        for h in headers:
            head += h + "\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        for attempt in range(2):
            try:
                if self.w is None:
                    self.r, self.w = await asyncio.wait_for(asyncio.open_connection(
                        host, port, local_addr=(self.source, 0)), 10)
                t0 = time.monotonic()
                self.w.write(head.encode() + b"\r\n" + data)
                await self.w.drain()
                status_line = await asyncio.wait_for(self.r.readline(), timeout)
                if not status_line:
                    raise ConnectionError("closed")
                status = int(status_line.split()[1])
                length, close = 0, False
                while True:
                    line = await self.r.readline()
                    if line in (b"\r\n", b""):
                        break
                    k, _, v = line.decode().partition(":")
                    if k.lower() == "content-length":
                        length = int(v)
                    if k.lower() == "connection" and "close" in v.lower():
                        close = True
                payload = await self.r.readexactly(length) if length else b""
                lat.setdefault(route, []).append(time.monotonic() - t0)
                if close:
                    self.w.close()
                    self.w = None
                return status, payload
            except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.TimeoutError) as e:
                if self.w is not None:
                    self.w.close()
                self.w = None
                if attempt == 1:
                    refused[route + " " + type(e).__name__] = refused.get(route + " " + type(e).__name__, 0) + 1
                    return 0, b""
        return 0, b""


def expect(route, status, ok):
    if status not in ok:
        key = "%s %d" % (route, status)
        refused[key] = refused.get(key, 0) + 1
        return False
    return True


def config_text(point):
    lines = ["CONFIG_A%d=y" % i for i, v in enumerate(point) if v == "y"] + ["CONFIG_BASE=y"]
    return "".join(l + "\n" for l in sorted(lines, key=lambda l: l.split("=")[0]))


async def worker(i, token):
    global lost, results
    c = Conn("127.0.1.%d" % (1 + i % 25))
    auth = ("Authorization: Bearer " + token,)
    next_beat = 0.0
    await asyncio.sleep(random.uniform(0, 10))
    while time.monotonic() < stop_at:
        if time.monotonic() >= next_beat:
            s, _ = await c.request("POST /worker/heartbeat", "POST", "/api/v1/worker/heartbeat",
                                   {"hostname": "sim%d" % i, "version": "load", "cores": 2}, auth)
            expect("POST /worker/heartbeat", s, (200,))
            next_beat = time.monotonic() + 10
        s, p = await c.request("POST /jobs/claim", "POST", "/api/v1/jobs/claim", {"wait": 5}, auth)
        if not expect("POST /jobs/claim", s, (200, 204)) or s == 204:
            continue
        j = json.loads(p)
        job, lease = j["job"], j["lease"]["id"]
        jid = job["id"]
        if job["kind"] == "configure":
            configs, reqs = {}, []
            for r in job["requests"]:
                text = config_text(r["point"])
                h = hashlib.sha256(text.encode()).hexdigest()
                configs[h] = {"hash": h, "point": r["point"], "text": text}
                reqs.append({"idx": r["idx"], "hash": h})
            res = {"lease": lease, "status": "PASS", "commit": "ab" * 20, "subject": "load",
                   "configs": list(configs.values()), "requests": reqs}
        else:
            end = time.monotonic() + random.uniform(0.5, 1.5) * hold
            while time.monotonic() < end and time.monotonic() < stop_at:
                await asyncio.sleep(min(lease_s / 3, end - time.monotonic()))
                if time.monotonic() >= next_beat:
                    s, _ = await c.request("POST /worker/heartbeat", "POST", "/api/v1/worker/heartbeat", {}, auth)
                    expect("POST /worker/heartbeat", s, (200,))
                    next_beat = time.monotonic() + 10
                s, _ = await c.request("POST /jobs/{}/lease", "POST", "/api/v1/jobs/%d/lease" % jid,
                                       {"lease": lease}, auth)
                if s == 409:
                    lost += 1
                expect("POST /jobs/{}/lease", s, (200,))
            res = {"lease": lease, "status": "PASS", "wall_s": 1.0, "warnings": 0, "log_lines": 10,
                   "ccache": {"hits": 1, "misses": 1}}
        s, _ = await c.request("POST /jobs/{}/result", "POST", "/api/v1/jobs/%d/result" % jid, res, auth)
        if s == 409:
            lost += 1
        if expect("POST /jobs/{}/result", s, (200,)) and job["kind"] == "build":
            results += 1


async def dashboard(k, clients):
    """One of CLIENTS dashboard clients, each polling at VIEWS/CLIENTS per second."""
    c = Conn("127.0.0.1")
    n = k
    while time.monotonic() < stop_at:
        t0 = time.monotonic()
        run = random.choice(runs)
        route, path = [("GET /runs/{}", "/api/v1/runs/%d" % run),
                       ("GET /runs/{}/matrix", "/api/v1/runs/%d/matrix" % run),
                       ("GET /runs", "/api/v1/runs?limit=20")][n % 3]
        n += 1
        s, _ = await c.request(route, "GET", path)
        expect(route, s, (200,))
        await asyncio.sleep(max(0, clients / views_per_s - (time.monotonic() - t0)))


async def main():
    c = Conn("127.0.0.1")
    # Enough builds for the whole run: RESULTS/s for SECONDS, in runs of 256 configs.
    for k in range(int(results_per_s * duration / 256) + 2):
        s, p = await c.request("POST /runs", "POST", "/api/v1/runs",
                               {"tree": "/srv/git/linux.git", "ref": "refs/heads/load-%d" % k,
                                "commit": "ab" * 20, "matrix": "load"}, ("Authorization: Bearer " + admin,))
        if s != 201:
            sys.exit("submit failed: %d %s" % (s, p[:200]))
        runs.append(json.loads(p)["id"])
    t0 = time.monotonic()
    clients = max(1, int(views_per_s // 10))
    await asyncio.gather(*[dashboard(k, clients) for k in range(clients)],
                         *[worker(i, tokens[i]) for i in range(nworkers)])
    took = time.monotonic() - t0
    views = sum(len(lat.get(r, [])) for r in ("GET /runs", "GET /runs/{}", "GET /runs/{}/matrix"))
    print("duration %.0f s, %d workers, build results %d (%.1f/s), dashboard views %.1f/s, leases lost %d" % (
        took, nworkers, results, results / took, views / took, lost))
    print("%-26s %8s %9s %9s %9s" % ("route", "requests", "p50 ms", "p99 ms", "max ms"))
    for route in sorted(lat):
        v = sorted(lat[route])
        print("%-26s %8d %9.1f %9.1f %9.1f" % (route, len(v), v[len(v) // 2] * 1e3,
                                              v[min(len(v) - 1, int(len(v) * 0.99))] * 1e3, v[-1] * 1e3))
    print("refused or failed: %s" % (json.dumps(refused) if refused else "none"))
    sys.exit(1 if refused or lost else 0)

asyncio.run(main())
