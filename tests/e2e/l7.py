#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""l7.py - the servers and senders of the end-to-end L7 test
(tests/e2e/test_l7.sh), run inside the lab namespaces
(ip netns exec NS python3 tests/e2e/l7.py ...).

  tls-serve CERT KEY FILE PORT [RECORD]
                                 TLS on IPv4 and IPv6, one thread per
                                 connection (a connection the censor stalls
                                 never blocks the next one): reads an HTTP
                                 request, answers 200 with FILE, whatever the
                                 path and the server name (FILE a directory:
                                 its file named as the path's last part, 404
                                 if none); then waits for the client to
                                 close, so the kernel never has to send the
                                 tail of FILE from an orphaned socket. With
                                 RECORD, the answer goes in TLS records of at
                                 most RECORD bytes (one write each), as
                                 servers that size records to a segment send
  udp-recv PORT OUT              appends "LENGTH FIRST-BYTE-HEX SOURCE" to OUT
                                 for every UDP datagram to PORT (IPv4 and
                                 IPv6), until killed
  udp-send DST PORT KIND         sends one datagram from a new socket (a new
                                 flow): KIND "quic" is a QUIC v1 Initial
                                 padded to 1200 bytes, "plain" 16 bytes of
                                 text
  udp-flood DST PORT BPS SECONDS SIZE
                                 sends SIZE-byte datagrams at BPS bits/s of IP
                                 packets (SIZE + 28 bytes each) for SECONDS;
                                 prints how many
  udp-count PORT MAXWAIT         counts the datagrams to PORT until one second
                                 of silence after the first (MAXWAIT seconds
                                 at most); prints "DATAGRAMS IP-BYTES SPAN"
  udp-echo ADDR PORT             sends every UDP datagram to ADDR:PORT back
                                 to its sender, until killed
  udp-ask DST PORT KIND          sends one datagram from a new socket (a new
                                 flow) and prints the length and first byte
                                 of the answer, "none" after a second
                                 without one: KIND "plain" is 16 bytes of
                                 text, "stun0801" a STUN message of
                                 WhatsApp's type 0x0801 (RFC 5389 framing,
                                 the magic cookie, one 4-byte attribute
                                 0x4000 as nDPI reads WhatsApp's)
"""
import os
import socket
import ssl
import sys
import threading
import time


def listener6(kind, port):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    return s


def answer(path, req):
    """The HTTP answer to request req from path (a file or a directory)."""
    if os.path.isdir(path):
        name = req.split(b" ")[1].split(b"/")[-1].decode(errors="replace") \
            if req.count(b" ") >= 2 else ""
        full = os.path.join(path, name)
        if not name or not os.path.isfile(full):
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n" \
                b"Connection: close\r\n\r\n"
        path = full
    with open(path, "rb") as f:
        body = f.read()
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
            + body)


def tls_serve(cert, key, path, port, record=0):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ls = listener6(socket.SOCK_STREAM, port)
    ls.listen(64)

    def serve(c):
        try:
            c.settimeout(300)
            s = ctx.wrap_socket(c, server_side=True)
            req = b""
            while b"\r\n\r\n" not in req:
                d = s.recv(4096)
                if not d:
                    return
                req += d
            out = answer(path, req)
            step = record or len(out)
            for i in range(0, len(out), step):
                s.sendall(out[i:i + step])
            while s.recv(4096):
                pass
        except (OSError, ssl.SSLError):
            pass
        finally:
            c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def udp_recv(port, out):
    s = listener6(socket.SOCK_DGRAM, port)
    with open(out, "a") as f:
        while True:
            d, a = s.recvfrom(65535)
            f.write("%d %s %s\n" % (len(d), d[:1].hex(), a[0]))
            f.flush()


def quic_initial():
    # Long header, type Initial, packet number length 1 (RFC 9000 17.2.2):
    # flags, version 1, DCID length 8 and DCID, SCID length 0, token
    # length 0, then Length (a 2-byte varint) over the rest: packet number
    # and payload, random (a real one is encrypted anyway).
    head = bytes([0xC0]) + (1).to_bytes(4, "big") + bytes([8]) + \
        os.urandom(8) + bytes([0, 0])
    rest = 1200 - len(head) - 2
    return head + (0x4000 | rest).to_bytes(2, "big") + os.urandom(rest)


def udp_send(dst, port, kind):
    d = quic_initial() if kind == "quic" else b"hello, not quic\n"
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.sendto(d, (dst, port))
    print(len(d))


def udp_echo(addr, port):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        d, a = s.recvfrom(65535)
        s.sendto(d, a)


def udp_ask(dst, port, kind):
    if kind == "stun0801":
        d = (0x0801).to_bytes(2, "big") + (8).to_bytes(2, "big") + \
            (0x2112A442).to_bytes(4, "big") + os.urandom(12) + \
            (0x4000).to_bytes(2, "big") + (4).to_bytes(2, "big") + \
            os.urandom(4)
    else:
        d = b"hello, not stun\n"
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    s.sendto(d, (dst, port))
    try:
        r = s.recv(65535)
        print(len(r), r[:1].hex())
    except socket.timeout:
        print("none")


def udp_flood(dst, port, bps, seconds, size):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    gap = (size + 28) * 8 / bps
    d = b"x" * size
    t0 = time.monotonic()
    n = 0
    while n * gap <= seconds:
        wait = t0 + n * gap - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        s.sendto(d, (dst, port))
        n += 1
    print(n)


def udp_count(port, maxwait):
    s = listener6(socket.SOCK_DGRAM, port)
    n = nbytes = 0
    first = last = None
    deadline = time.monotonic() + maxwait
    while time.monotonic() < deadline:
        s.settimeout(1.0 if first else max(0.1, deadline - time.monotonic()))
        try:
            d = s.recv(65535)
        except socket.timeout:
            if first:
                break
            continue
        last = time.monotonic()
        first = first or last
        n += 1
        nbytes += len(d) + 28
    print(n, nbytes, "%.6f" % ((last - first) if first else 0))


def main(a):
    if a[:1] == ["tls-serve"] and len(a) in (5, 6):
        tls_serve(a[1], a[2], a[3], int(a[4]), int(a[5]) if len(a) == 6 else 0)
    elif a[:1] == ["udp-recv"] and len(a) == 3:
        udp_recv(int(a[1]), a[2])
    elif a[:1] == ["udp-send"] and len(a) == 4:
        udp_send(a[1], int(a[2]), a[3])
    elif a[:1] == ["udp-flood"] and len(a) == 6:
        udp_flood(a[1], int(a[2]), float(a[3]), float(a[4]), int(a[5]))
    elif a[:1] == ["udp-count"] and len(a) == 3:
        udp_count(int(a[1]), float(a[2]))
    elif a[:1] == ["udp-echo"] and len(a) == 3:
        udp_echo(a[1], int(a[2]))
    elif a[:1] == ["udp-ask"] and len(a) == 4:
        udp_ask(a[1], int(a[2]), a[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
