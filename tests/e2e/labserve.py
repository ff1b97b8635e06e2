#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""labserve.py - the client side of test_lab_serve.sh: a device and a
control client speaking user/lab/labproto.h's lines to `lab serve`.

usage: labserve.py DIR CASE HOST4 HOST6 PORT
  DIR: the server's state directory (ca.pem, ctl)
Prints one line per fact, "name value", for the shell to compare. A
socket timeout only guards against a hang: no answer is a failed check.
"""
import os
import socket
import ssl
import struct
import sys
import time

GUARD_S = 20  # seconds before a missing answer counts as none


def connect(host, port, sni=None, ca=None):
    """A device's connection, TLS (with the SNI) when ca is given."""
    s = socket.create_connection((host, port), timeout=GUARD_S)
    if ca is None:
        return s
    ctx = ssl.create_default_context(cafile=ca)
    return ctx.wrap_socket(s, server_hostname=sni)


def read_line(s):
    out = b""
    while not out.endswith(b"\n"):
        b = s.recv(1)
        if not b:
            return out.decode() + "<eof>"
        out += b
    return out.decode().rstrip("\n")


def read_n(s, n):
    got = 0
    while got < n:
        b = s.recv(min(65536, n - got))
        if not b:
            break
        got += len(b)
    return got


def drain(s):
    """Bytes until the server closes (0 when it closed at once)."""
    got = 0
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return got
            got += len(b)
    except (ConnectionResetError, ssl.SSLError):
        return got


def ctl(d):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(GUARD_S)
    s.connect(os.path.join(d, "ctl"))
    return s


def case_get(d, h4, h6, port):
    ca = os.path.join(d, "ca.pem")
    for name, s in (("tls4", connect(h4, port, "www.apple.com", ca)),
                    ("tls6", connect(h6, port, "www.apple.com", ca)),
                    ("plain4", connect(h4, port)),
                    ("plain6", connect(h6, port))):
        s.sendall(b"GET 100000\nPING\n")
        print(name, read_n(s, 100000), read_line(s))
        s.close()


def case_chan(d, h4, h6, port):
    ca = os.path.join(d, "ca.pem")
    dev = connect(h4, port, "1-courier.push.apple.com", ca)
    dev.sendall(b"CHAN d7 apns\n")
    print("chan", read_line(dev))
    c = ctl(d)
    c.sendall(b"PUSH d7 apns 41 5\n")
    print("push_device", read_line(dev), read_n(dev, 5))
    print("push_ctl", read_line(c))
    c.sendall(b"PUSH d8 apns 42 5\n")
    print("nochan", read_line(c))
    dev.sendall(b"ACK 41\n")
    print("acked", read_line(c))
    dev.sendall(b"SEND 43 6\nhello\n")
    print("send", read_line(dev))
    dev.sendall(b"SEND 46 100000\n" + b"m" * 100000 + b"PING\n")
    print("send_big", read_line(dev), read_line(dev))
    # the device reconnects: the newer connection is the channel
    dev2 = connect(h6, port, "1-courier.push.apple.com", ca)
    dev2.sendall(b"CHAN d7 apns\n")
    print("chan2", read_line(dev2))
    c.sendall(b"PUSH d7 apns 44 3\n")
    print("push2_device", read_line(dev2), read_n(dev2, 3))
    print("push2_ctl", read_line(c))
    # the older one got nothing: its next line is the answer to a PING
    dev.sendall(b"PING\n")
    print("old_next", read_line(dev))
    # the channel's connection closed (by the server, for a bad line:
    # its end seen here, so the server is past it): no channel now
    dev2.sendall(b"BYE\n")
    drain(dev2)
    c.sendall(b"PUSH d7 apns 45 1\n")
    print("closed_chan", read_line(c))
    # a channel whose device resets its connection (SO_LINGER 0): the
    # server drops it when it reads the reset, which this side cannot
    # see; so ask until NOCHAN, at most GUARD_S seconds
    dev3 = connect(h4, port)
    dev3.sendall(b"CHAN d5 apns\n")
    read_line(dev3)
    dev3.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))
    dev3.close()
    answer = ""
    for i in range(GUARD_S * 10):
        c.sendall(b"PUSH d5 apns %d 1\n" % (100 + i))
        answer = read_line(c)
        if answer.startswith("NOCHAN"):
            break
        time.sleep(0.1)
    print("reset_chan", answer.split(" ")[0])
    dev.close()
    dev2.close()
    c.close()


def case_stall(d, h4, h6, port):
    ca = os.path.join(d, "ca.pem")
    idle = socket.create_connection((h4, port), timeout=GUARD_S)
    half = socket.create_connection((h4, port), timeout=GUARD_S)
    half.sendall(b"\x16\x03\x01")  # a TLS record begun, never finished
    hog = connect(h6, port, "video.example", ca)
    hog.sendall(b"GET 4000000\n")  # and never read
    hog.recv(1)  # its response has begun
    third = connect(h4, port, "www.apple.com", ca)
    third.sendall(b"GET 100000\nPING\n")
    print("third", read_n(third, 100000), read_line(third))
    for s in (idle, half, hog, third):
        s.close()


def case_udp(d, h4, h6, port):
    for fam, host in ((socket.AF_INET, h4), (socket.AF_INET6, h6)):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(GUARD_S)
        s.sendto(b"media", (host, port))
        data, src = s.recvfrom(2048)
        print("udp%d" % (4 if fam == socket.AF_INET else 6),
              data.decode(), src[0])
        s.close()


def case_bad(d, h4, h6, port):
    bad = connect(h4, port)
    bad.sendall(b"PING\nFETCH everything\n")
    print("bad", read_line(bad), drain(bad))
    bad = connect(h4, port)
    bad.sendall(b"GET " + b"9" * 200 + b"\n")
    print("long", drain(bad))
    good = connect(h4, port)
    good.sendall(b"PING\n")
    print("after", read_line(good))


def case_flood(d, h4, h6, port):
    """40 connections at once to a server short of files: each answered
    or refused (never left hanging), and the server serves after."""
    socks = [connect(h4, port) for _ in range(40)]
    for s in socks:
        s.sendall(b"PING\n")
    answered = refused = 0
    for s in socks:
        try:
            line = read_line(s)
        except ConnectionResetError:
            line = "<eof>"
        if line == "PONG":
            answered += 1
        elif line == "<eof>":
            refused += 1
        s.close()
    print("flood", answered + refused, "refused", refused)
    s = connect(h4, port)
    s.sendall(b"PING\n")
    print("after", read_line(s))


CASES = {"get": case_get, "chan": case_chan, "stall": case_stall,
         "udp": case_udp, "bad": case_bad,
         "flood": case_flood}

if __name__ == "__main__":
    d, case, h4, h6, port = sys.argv[1:6]
    CASES[case](d, h4, h6, int(port))
