#!/usr/bin/env python3
"""tests/smsgw.py - an HTTP server standing in for the SMS gateway.

    smsgw.py DIR

Listens on 127.0.0.1 on a free port, written to DIR/port once it accepts.
Every request is recorded as a JSON line in DIR/requests (method, path,
headers, body) before it is answered, as DIR/control (JSON) says:

    {"status": CODE}                 answer CODE (default 200)
    {"sleep": SECONDS, "sleep_count": N}
                                     wait so long first, for the next N
                                     requests (all without sleep_count)
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

D = sys.argv[1]
LOCK = threading.Lock()


def control():
    try:
        with open(os.path.join(D, "control")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        with LOCK:
            c = control()
            wait = 0
            if c.get("sleep"):
                if "sleep_count" in c:
                    if c["sleep_count"] > 0:
                        c["sleep_count"] -= 1
                        with open(os.path.join(D, "control"), "w") as f:
                            json.dump(c, f)
                        wait = c["sleep"]
                else:
                    wait = c["sleep"]
            status = int(c.get("status", 200))
        if wait:
            time.sleep(wait)
        rec = {"method": "POST", "path": self.path, "headers": dict(self.headers.items()),
               "body": body, "status": status, "slept": wait, "at": time.time()}
        with LOCK, open(os.path.join(D, "requests"), "a") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        out = b'{"ok": %s}' % (b"true" if status < 300 else b"false")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)
        except OSError:
            pass


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(D, "port.tmp"), "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.replace(os.path.join(D, "port.tmp"), os.path.join(D, "port"))
srv.serve_forever()
