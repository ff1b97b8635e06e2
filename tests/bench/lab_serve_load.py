#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""lab_serve_load.py - N devices at once against `lab serve`: each opens
a TLS channel (its own SNI among 50 names), registers it (CHAN), takes
one push from the control socket and acknowledges it, then GETs 100,000
bytes. Prints the wall time of each phase. Run by lab_serve_load.sh.

usage: lab_serve_load.py STATEDIR HOST PORT N
"""
import asyncio
import os
import ssl
import sys
import time


async def device(i, host, port, ctx, registered):
    r, w = await asyncio.open_connection(
        host, port, ssl=ctx,
        server_hostname="%d-courier.push.apple.com" % (i % 50))
    w.write(b"CHAN d%d apns\n" % i)
    await w.drain()
    if await r.readline() != b"OK\n":
        raise RuntimeError("device %d: no OK for CHAN" % i)
    registered.append(i)
    _, pid, size = (await r.readline()).split()
    await r.readexactly(int(size))
    w.write(b"ACK " + pid + b"\nGET 100000\n")
    await w.drain()
    await r.readexactly(100000)
    w.close()


async def main(d, host, port, n):
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
    registered = []
    t0 = time.monotonic()
    tasks = [asyncio.create_task(device(i, host, port, ctx, registered))
             for i in range(n)]
    while len(registered) < n:
        await asyncio.sleep(0.01)
    t1 = time.monotonic()
    cr, cw = await asyncio.open_unix_connection(os.path.join(d, "ctl"))
    for i in range(n):
        cw.write(b"PUSH d%d apns %d 2000\n" % (i, i))
    await cw.drain()
    sent = acked = 0
    while sent < n or acked < n:
        line = await cr.readline()
        if line.startswith(b"SENT "):
            sent += 1
        elif line.startswith(b"ACKED "):
            acked += 1
        else:
            raise RuntimeError("control: %r" % line)
    t2 = time.monotonic()
    await asyncio.gather(*tasks)
    t3 = time.monotonic()
    print("%d devices: TLS channels up and registered in %.2f s; "
          "%d pushes sent and acknowledged in %.2f s; "
          "all done (each a GET of 100000 bytes) %.2f s after that"
          % (n, t1 - t0, n, t2 - t1, t3 - t2))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]),
                     int(sys.argv[4])))
