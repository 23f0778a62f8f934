#!/usr/bin/env python3
"""tests/smtpd.py - an SMTP server for the tests (Debian's python3-aiosmtpd).

    smtpd.py DIR [--cert CERT --key KEY] [--user USER --password PASSWORD]

Listens on 127.0.0.1 on a free port, written to DIR/port once it accepts;
its pid is the caller's to stop.  Each message taken goes into the Maildir
DIR/Maildir, its envelope (a JSON line) into DIR/envelopes.  With a
certificate it offers STARTTLS and requires it; with a user, AUTH (after
TLS).  How it behaves is read from DIR/control (JSON) at every command, so
that a test can change it while it runs:

    {"refuse": "SUBSTRING"}  answer 550 to a RCPT TO holding it
    {"relay_denied": true}   answer 554 5.7.1 (Postfix's relay access denied)
                             to every RCPT TO
    {"slow": SECONDS, "slow_count": N}
                             wait so long before answering DATA, for the
                             next N messages (all without slow_count)
    {"drop_count": N}        drop the connection after the data of the next
                             N messages, without an answer: not kept
    {"delay": SECONDS}       wait so long before every answer to DATA
    {"end": "REPLY"}         answer REPLY (e.g. "554 5.6.0 refused") to the
                             end of every message's data: not kept
    {"quit_hang": SECONDS, "quit_hang_count": N}
                             wait so long before answering QUIT, the next
                             N times (always without quit_hang_count)
"""
import argparse
import asyncio
import json
import mailbox
import os
import socket
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def control(d):
    try:
        with open(os.path.join(d, "control")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def save_control(d, c):
    tmp = os.path.join(d, "control.tmp")
    with open(tmp, "w") as f:
        json.dump(c, f)
    os.replace(tmp, os.path.join(d, "control"))


class Handler:
    def __init__(self, d):
        self.d = d

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        c = control(self.d)
        if c.get("relay_denied"):
            return "554 5.7.1 <%s>: Relay access denied" % address
        if c.get("refuse") and c["refuse"] in address:
            return "550 5.1.1 <%s>: recipient refused" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        c = control(self.d)
        if c.get("drop_count", 0) > 0:
            c["drop_count"] -= 1
            save_control(self.d, c)
            server.transport.close()
            return "421 dropped"  # never reaches the client
        if c.get("slow"):
            if "slow_count" in c:
                if c["slow_count"] > 0:
                    c["slow_count"] -= 1
                    save_control(self.d, c)
                    await asyncio.sleep(c["slow"])
            else:
                await asyncio.sleep(c["slow"])
        if c.get("delay"):
            await asyncio.sleep(c["delay"])
        if c.get("end"):
            return c["end"]
        # opened for each message: a test may empty the directory between runs
        md = mailbox.Maildir(os.path.join(self.d, "Maildir"), create=True)
        md.add(envelope.original_content or envelope.content)
        with open(os.path.join(self.d, "envelopes"), "a") as f:
            f.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                "at": time.time()}) + "\n")
        return "250 OK: kept"


    async def handle_QUIT(self, server, session, envelope):
        c = control(self.d)
        if c.get("quit_hang"):
            if "quit_hang_count" in c:
                if c["quit_hang_count"] <= 0:
                    return "221 Bye"
                c["quit_hang_count"] -= 1
                save_control(self.d, c)
            await asyncio.sleep(c["quit_hang"])
        return "221 Bye"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--user")
    ap.add_argument("--password")
    a = ap.parse_args()
    kw = {}
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
        kw.update(tls_context=ctx, require_starttls=True)
    if a.user:
        def auth(server, session, envelope, mechanism, data):
            ok = (isinstance(data, LoginPassword) and data.login.decode() == a.user
                  and data.password.decode() == a.password)
            return AuthResult(success=ok)
        kw.update(authenticator=auth, auth_required=True, auth_require_tls=bool(a.cert))
    port = free_port()
    ctl = Controller(Handler(a.dir), hostname="127.0.0.1", port=port,
                     server_hostname="localhost", **kw)
    ctl.start()
    with open(os.path.join(a.dir, "port.tmp"), "w") as f:
        f.write("%d\n" % port)
    os.replace(os.path.join(a.dir, "port.tmp"), os.path.join(a.dir, "port"))
    try:
        while True:
            time.sleep(3600)
    finally:
        ctl.stop()


if __name__ == "__main__":
    sys.exit(main())
