#!/usr/bin/env python3
"""slowproxy.py - a TCP relay that delays what it passes (tests only).

    slowproxy.py SETTINGS-FILE READY-FILE LISTEN-PORT:TARGET-PORT ...

Listens on 127.0.0.1:LISTEN-PORT for each relay and connects each accepted
connection to 127.0.0.1:TARGET-PORT.  Every chunk read from either side is
written to the other DELAY_MS after it arrived (a link's latency: a round
trip through the relay costs twice the delay), and no faster than RATE
bytes a second when RATE is set; the order of the bytes is kept.

SETTINGS-FILE holds lines of KEY=VALUE, read at the start and again on
SIGHUP (then READY-FILE is written anew with the number of the reading):

    delay_ms=N   the delay of each chunk (default 0)
    rate=N       bytes a second in each direction of a connection (0: no limit)
    only=KIND    which connections are slowed: all (default), client (a
                 dqlite client: sitemark, tests/dq_sql) or raft (a node's
                 connection to a peer, whose first request after the
                 handshake is CONNECT, type 11)
    match=TEXT   only chunks from the connecting side that hold TEXT (and
                 what follows them on that connection) are slowed, e.g.
                 match=COMMIT: a transaction's commit arrives late

Writes READY-FILE ("ready N") once every relay listens, and a line on
stderr for each connection once it knows its kind.  The tests stop it
by its pid (SIGTERM)."""

import asyncio
import signal
import socket
import sys
import time

from wirelog import relay_with  # beside this file

RAFT_CONNECT = 11  # dqlite's request type of a peer's replication stream


class Settings:
    def __init__(self, path, ready):
        self.path = path
        self.ready = ready
        self.generation = 0
        self.delay = 0.0
        self.rate = 0
        self.only = "all"
        self.match = b""

    def load(self):
        values = {}
        with open(self.path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    key, _, value = line.partition("=")
                    values[key.strip()] = value.strip()
        self.delay = float(values.get("delay_ms", "0")) / 1000.0
        self.rate = int(values.get("rate", "0"))
        self.only = values.get("only", "all")
        self.match = values.get("match", "").encode()
        self.generation += 1
        with open(self.ready, "w") as f:
            f.write("ready %d\n" % self.generation)


class Connection:
    """Both directions of one relayed connection and what kind it is."""

    def __init__(self, settings):
        self.settings = settings
        self.head = b""  # the connecting side's first 16 bytes
        self.kind = asyncio.get_running_loop().create_future()
        self.matched = False

    def saw(self, data):
        if not self.kind.done():
            self.head += data[: 16 - len(self.head)]
            if len(self.head) >= 16:
                self.kind.set_result("raft" if self.head[12] == RAFT_CONNECT else "client")
                print("a %s connection" % self.kind.result(), file=sys.stderr, flush=True)

    def closed(self):
        if not self.kind.done():
            self.kind.set_result("client")

    async def slowed(self, data, upstream):
        s = self.settings
        kind = await self.kind
        if s.only != "all" and s.only != kind:
            return False
        if s.match:
            if upstream and s.match in data:
                self.matched = True
            return self.matched
        return True


def quick_ack(sock):
    """Acknowledge what was read at once, as sitemark's client does (a node
    does not set TCP_NODELAY: its next piece would wait for a delayed
    acknowledgement, 40 ms on Linux, which a link does not add)."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    except (AttributeError, OSError):
        pass


async def read_side(reader, queue, conn, upstream, sock):
    try:
        while True:
            data = await reader.read(65536)
            quick_ack(sock)
            if not data:
                break
            if upstream:
                conn.saw(data)
            queue.put_nowait((time.monotonic(), data))
    except (ConnectionError, OSError):
        pass
    finally:
        if upstream:
            conn.closed()
        queue.put_nowait((time.monotonic(), None))


async def write_side(queue, writer, conn, upstream):
    s = conn.settings
    free_at = 0.0  # when the rate allows the next byte
    try:
        while True:
            arrived, data = await queue.get()
            if data is None:
                break
            if await conn.slowed(data, upstream):
                due = arrived + s.delay
                if s.rate > 0:
                    due = max(due, free_at)
                    free_at = due + len(data) / s.rate
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            if writer.can_write_eof():
                writer.write_eof()
            await writer.drain()
        except (ConnectionError, OSError):
            pass


def relay(target, settings):
    def pipes(reader, writer, up_reader, up_writer):
        conn = Connection(settings)
        up, down = asyncio.Queue(), asyncio.Queue()
        return (
            read_side(reader, up, conn, True, writer.get_extra_info("socket")),
            write_side(up, up_writer, conn, True),
            read_side(up_reader, down, conn, False, up_writer.get_extra_info("socket")),
            write_side(down, writer, conn, False),
        )

    return relay_with(target, pipes)


async def main():
    settings = Settings(sys.argv[1], sys.argv[2])
    servers = []
    for spec in sys.argv[3:]:
        listen, target = spec.split(":", 1)
        servers.append(
            await asyncio.start_server(relay(int(target), settings), "127.0.0.1", int(listen))
        )
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, settings.load)
    settings.load()  # and READY-FILE: every relay listens
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    asyncio.run(main())
