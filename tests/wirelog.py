#!/usr/bin/env python3
"""wirelog.py - a TCP relay that keeps every byte it passes (tests only).

    wirelog.py READY-FILE LISTEN-PORT:TARGET-PORT:LOG-FILE ...

Listens on 127.0.0.1:LISTEN-PORT for each relay, connects each accepted
connection to 127.0.0.1:TARGET-PORT and appends the bytes of both
directions to LOG-FILE, as they pass.  Writes READY-FILE once every relay
listens.  tests/dqlite_tls.sh puts one between two machines' stunnel (the
wire: it must hold no clear text) and one between a node or sitemark and
its stunnel (the loopback of one machine: clear text, which shows that the
wire's check can find it)."""

import asyncio
import sys


async def pipe(reader, writer, log):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            log.write(data)
            log.flush()
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except OSError:
            pass


# The relayed connections' tasks, held here: asyncio's stream protocol lets
# go of a handler's task when its client disconnects (Python 3.11), and a
# task nobody holds may be collected while it still runs ("Task was
# destroyed but it is pending!"), leaving the other side of the relay open.
_tasks = set()


def relay_with(target, pipes):
    """A connection handler: each accepted connection joined to
    127.0.0.1:TARGET, and PIPES(reader, writer, up_reader, up_writer), the
    coroutines that pass the bytes, run to their end (also tests/slowproxy.py)."""

    async def run(reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            writer.close()
            return
        try:
            # one pipe's end or failure does not leave the others unawaited
            await asyncio.gather(*pipes(reader, writer, up_reader, up_writer),
                                 return_exceptions=True)
        finally:
            for w in (writer, up_writer):
                try:
                    w.close()
                except OSError:
                    pass

    def handle(reader, writer):
        task = asyncio.ensure_future(run(reader, writer))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)

    return handle


def relay(target, log):
    return relay_with(
        target, lambda r, w, ur, uw: (pipe(r, uw, log), pipe(ur, w, log))
    )


async def main():
    ready = sys.argv[1]
    servers = []
    for spec in sys.argv[2:]:
        listen, target, path = spec.split(":", 2)
        log = open(path, "ab")
        servers.append(await asyncio.start_server(relay(int(target), log), "127.0.0.1", int(listen)))
    with open(ready, "w") as f:
        f.write("ready\n")
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    asyncio.run(main())
