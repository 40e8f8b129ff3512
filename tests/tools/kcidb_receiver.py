#!/usr/bin/python3
"""A small KCIDB submission service on loopback, for tests: POST /submit with
"Authorization: Bearer TOKEN" stores the JSON body as DIR/submission-N.json and
answers 200 {"id": "N", "message": "queued"}; GET /status?id=N (same token)
answers {"status": "processing"} the first --pending times, then "ready" when
the stored body is a JSON object with a version, "error" otherwise. A wrong or
missing token gets 401. Every request is logged to DIR/requests.log.

usage: kcidb_receiver.py --dir DIR --token TOKEN --port-file FILE [--pending N]
"""
import argparse
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

lock = threading.Lock()
state = {"n": 0, "polls": {}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--pending", type=int, default=2)
    args = ap.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            with open(os.path.join(args.dir, "requests.log"), "a", encoding="utf-8") as f:
                f.write("%s %s auth=%s\n" % (self.command, self.path, self.headers.get("Authorization")))

        def answer(self, code, obj):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def authorized(self):
            if self.headers.get("Authorization") != "Bearer " + args.token:
                self.answer(401, {"error": "bad token"})
                return False
            return True

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if not self.authorized():
                return
            if urlparse(self.path).path != "/submit":
                self.answer(404, {"error": "no such endpoint"})
                return
            with lock:
                state["n"] += 1
                n = state["n"]
            with open(os.path.join(args.dir, "submission-%d.json" % n), "wb") as f:
                f.write(body)
            self.answer(200, {"id": str(n), "message": "queued"})

        def do_GET(self):
            if not self.authorized():
                return
            url = urlparse(self.path)
            sid = (parse_qs(url.query).get("id") or [""])[0]
            path = os.path.join(args.dir, "submission-%s.json" % sid)
            if url.path != "/status" or not sid.isdigit() or not os.path.exists(path):
                self.answer(404, {"error": "unknown submission"})
                return
            with lock:
                polls = state["polls"].get(sid, 0)
                state["polls"][sid] = polls + 1
            if polls < args.pending:
                self.answer(200, {"status": "processing"})
                return
            try:
                with open(path, encoding="utf-8") as f:
                    doc = json.load(f)
                ok = isinstance(doc, dict) and "version" in doc
            except ValueError:
                ok = False
            self.answer(200, {"status": "ready" if ok else "error",
                              "message": "stored" if ok else "not a KCIDB document"})

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
        f.write(str(srv.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
