#!/usr/bin/env python3
"""Slow clients on loopback: COUNT connections from SOURCE to PORT, each sending
one header byte every INTERVAL seconds, for DURATION seconds; meanwhile a
client on 127.0.0.1 asks for /api/v1/health every second and prints how long
each answer took ("health N ms" or "health refused"). Stops by itself."""
import resource
import socket
import sys
import time

port, count, source, interval, duration = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 256), hard))

request = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4096
socks = []
for _ in range(count):
    s = socket.socket()
    s.setblocking(False)
    s.bind((source, 0))
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    socks.append(s)
print("opened %d slow connections from %s" % (len(socks), source), flush=True)

def health():
    t0 = time.monotonic()
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=1.0, source_address=("127.0.0.1", 0))
        c.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = c.recv(100)
        c.close()
        if not data.startswith(b"HTTP/1.1 200"):
            return "health refused"
        return "health %d ms" % ((time.monotonic() - t0) * 1000)
    except OSError:
        return "health refused"

start = time.monotonic()
sent = 0
next_byte = start
while time.monotonic() - start < duration:
    now = time.monotonic()
    if now >= next_byte:
        for s in socks:
            try:
                s.send(request[sent:sent + 1])
            except OSError:
                pass
        sent += 1
        next_byte = now + interval
    if now - start > interval:
        print(health(), flush=True)
    time.sleep(1.0)
held = 0
for s in socks:
    try:
        s.send(b"a")
        held += 1
    except OSError:
        pass
    s.close()
print("still open at the end: %d" % held, flush=True)
