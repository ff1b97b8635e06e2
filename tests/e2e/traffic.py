#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""traffic.py - the traffic of the end-to-end swap test, run inside the lab
namespaces (ip netns exec NS python3 tests/e2e/traffic.py ...).

  send DST PORTS RATE OUT    UDP datagrams to DST, the ports (comma
                             separated) in turn, RATE datagrams/s in all,
                             until SIGTERM; then writes what was sent to OUT
  recv PORTS OUT             counts the UDP datagrams arriving per port until
                             SIGTERM, drains the sockets, writes OUT
  listen PORTS               TCP on IPv4 and IPv6: accept and close, forever
  probe SHORT LONG TARGET... connects to every HOST:PORT:EXPECT at once
                             (EXPECT pass or drop) and prints, in order, one
                             word per target: pass (the handshake completed
                             or was refused: the SYN got through) or drop

A probe's deadline depends on what it expects, so neither way can flake: a
target expected to be dropped is given SHORT seconds (a passing SYN is
answered within a millisecond here, so a wrong pass still shows), one
expected to pass LONG seconds (a slow machine does not turn it into a drop).

Every datagram carries its port and a per-port sequence number, so the
receiver can tell a duplicate from a new datagram. Its payload is PAYLOAD
bytes: 74-byte Ethernet frames, the size the test expects in the counters.
"""
import errno
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time

PAYLOAD = 32
stop = False


def on_term(signum, frame):
    global stop
    stop = True


def ports_arg(arg):
    return [int(p) for p in arg.split(",")]


def write_json(path, obj):
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f)
    # Rename: the reader never sees a half-written file.
    os.rename(path + ".tmp", path)


def send(dst, ports, rate, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sent = {p: 0 for p in ports}
    errors = 0
    n = 0
    start = time.monotonic()
    while not stop:
        due = int((time.monotonic() - start) * rate)
        while n < due and not stop:
            port = ports[n % len(ports)]
            data = struct.pack("!HQ", port, sent[port])
            data += b"\0" * (PAYLOAD - len(data))
            try:
                s.sendto(data, (dst, port))
                sent[port] += 1
            except OSError:
                # Not sent, so not counted: the test compares what the
                # dataplane saw with what left this socket.
                errors += 1
                time.sleep(0.001)
            n += 1
        time.sleep(0.001)
    write_json(out, {"sent": {str(p): c for p, c in sent.items()},
                     "errors": errors, "payload": PAYLOAD})


def recv(ports, out):
    sel = selectors.DefaultSelector()
    got = {}
    seen = {}
    dups = 0
    for p in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # Root may exceed rmem_max: a swap storm must not overflow us.
        s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
        s.bind(("0.0.0.0", p))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, p)
        got[p] = 0
        seen[p] = set()

    def drain(s, p):
        nonlocal dups
        while True:
            try:
                data = s.recv(2048)
            except BlockingIOError:
                return
            got[p] += 1
            if len(data) >= 10:
                port, seq = struct.unpack("!HQ", data[:10])
                if seq in seen[p] or port != p:
                    dups += 1
                seen[p].add(seq)

    while not stop:
        for key, _ in sel.select(0.1):
            drain(key.fileobj, key.data)
    for key in list(sel.get_map().values()):
        drain(key.fileobj, key.data)
    write_json(out, {"received": {str(p): c for p, c in got.items()},
                     "duplicates": dups})


def listen(ports):
    sel = selectors.DefaultSelector()
    for p in ports:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", p))
        s.listen(1024)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    while not stop:
        for key, _ in sel.select(0.5):
            try:
                c, _ = key.fileobj.accept()
                c.close()
            except OSError:
                pass


def probe(short, long_, targets):
    results = []
    pending = {}
    sel = selectors.DefaultSelector()
    start = time.monotonic()
    for i, t in enumerate(targets):
        hostport, expect = t.rsplit(":", 1)
        host, port = hostport.rsplit(":", 1)
        host = host.strip("[]")
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((host, int(port)))
        results.append(None)
        if err in (0, errno.ECONNREFUSED):
            results[i] = "pass"
            s.close()
            continue
        if err != errno.EINPROGRESS:
            results[i] = "error:" + errno.errorcode.get(err, str(err))
            s.close()
            continue
        deadline = start + (short if expect == "drop" else long_)
        pending[s] = (i, deadline)
        sel.register(s, selectors.EVENT_WRITE)
    while pending:
        now = time.monotonic()
        for s, (i, deadline) in list(pending.items()):
            if now >= deadline:
                results[i] = "drop"
                sel.unregister(s)
                s.close()
                del pending[s]
        if not pending:
            break
        wait = min(d for _, d in pending.values()) - now
        for key, _ in sel.select(max(wait, 0)):
            s = key.fileobj
            i, _ = pending.pop(s)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err in (0, errno.ECONNREFUSED):
                results[i] = "pass"
            else:
                results[i] = "error:" + errno.errorcode.get(err, str(err))
            sel.unregister(s)
            s.close()
    print(" ".join(results))


def main(argv):
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "send" and len(argv) == 6:
        send(argv[2], ports_arg(argv[3]), float(argv[4]), argv[5])
    elif cmd == "recv" and len(argv) == 4:
        recv(ports_arg(argv[2]), argv[3])
    elif cmd == "listen" and len(argv) == 3:
        listen(ports_arg(argv[2]))
    elif cmd == "probe" and len(argv) >= 5:
        probe(float(argv[2]), float(argv[3]), argv[4:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
