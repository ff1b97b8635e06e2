#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""evade.py - the attacker and the witnesses of the evasion lab
(tests/e2e/test_evasion.sh), run inside the lab's namespaces with
ip netns exec. Standard library only.

Server side (the server namespace):
  tls-serve CERT KEY LOG PORT   OpenSSL (Python's ssl) on TCP PORT, IPv4 and
                                IPv6, one thread per connection. Appends to
                                LOG "data PEERPORT HEX" when a connection's
                                first bytes arrive and "sni PEERPORT NAME"
                                when OpenSSL has parsed a whole ClientHello
                                naming NAME: the proof a hello got through.
  udp-witness LOG PORT...       a raw socket per family: appends
                                "udp SRC SPORT DPORT LEN HEX" for every UDP
                                datagram to one of the PORTs, as the kernel
                                delivers it (after reassembly), whoever else
                                listens on the port (gtlsserver, dnsmasq).

Client side (the client namespace). A user-space TCP stack on an AF_PACKET
socket, for the attacks that need control of every segment; the client
kernel's own bare RSTs from ports 50000-59999 are dropped by the test
(nftables), so it leaves alone the connections it knows nothing of:
  tcp CASE --sport P --name NAME...   one victim per NAME (ports P, P+1,
                                ...), each prints "PORT NAME synack|nosynack
                                acked|unacked". CASE: plain, ooo, decoy-ttl,
                                decoy-csum, decoy-window, decoy-ack, dopts9,
                                syn-frag, ext300, frag-hello, frag-http,
                                midstream, flood-wait, flood-retx,
                                pending-flood (see CASES below)
  tls-big --name NAME --size N  a kernel TCP socket sends a ClientHello
                                padded to N bytes in one write (a GSO
                                super-frame on a veth with TSO); prints its
                                local port
  udp-pre KIND --sport P        one datagram from port P to DST:443 through
                                a kernel socket: KIND junk (16 bytes of
                                text), 0rtt (a QUIC v1 0-RTT long header),
                                grease (an Initial-shaped packet of version
                                0x1a2a3a4a)
  udp-frag --sport P --size N --frag F
                                a datagram of N bytes of text to DST:DPORT in
                                IP fragments of F bytes
  dns-frag --sport P --qname Q --frag F
                                a DNS query for Q padded with EDNS(0) to 300
                                bytes, sent in IP fragments of F bytes (the
                                question in the first one); prints the
                                answer: "STATUS TYPE=DATA..." or "timeout"
Common client options: --dst ADDR --dport PORT --gw-mac MAC (the router's
MAC on the link) --if IFNAME (eth0).
"""
import argparse
import ctypes
import os
import random
import select
import socket
import ssl
import struct
import sys
import threading
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4
SO_ATTACH_FILTER = 26

SYN, RST, PSH, ACK = 0x02, 0x04, 0x08, 0x10

# The lab's addresses (scripts/lab.sh); spoofed flood sources come from
# 198.18.128.0/17: inside the lab's range, routed nowhere, so the server's
# answers to them die at its own routing table.
CLIENT = {4: "198.18.0.2", 6: "2001:db8:1::2"}
SERVER = {4: "198.19.0.2", 6: "2001:db8:2::2"}
MSS = 1400


def log_line(path, text):
    with open(path, "a") as f:
        f.write(text + "\n")


# ---- servers -----------------------------------------------------------

def tls_serve(cert, key, log, port):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lock = threading.Lock()

    def note(text):
        with lock:
            log_line(log, text)

    def on_sni(sslsock, name, _ctx):
        try:
            peer = sslsock.getpeername()[1]
        except OSError:
            peer = 0
        note("sni %d %s" % (peer, name))

    ctx.sni_callback = on_sni
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.bind(("::", port))
    ls.listen(1024)

    def serve(c, peer):
        try:
            c.settimeout(10)
            first = c.recv(16, socket.MSG_PEEK)
            if not first:
                return
            note("data %d %s" % (peer, first.hex()))
            s = ctx.wrap_socket(c, server_side=True)
            s.recv(1)
        except ssl.SSLError as e:
            note("tls-error %d %s" % (peer, e.reason))
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, a = ls.accept()
        threading.Thread(target=serve, args=(c, a[1]), daemon=True).start()


def udp_witness(log, ports):
    socks = [socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_UDP)
             for af in (socket.AF_INET, socket.AF_INET6)]
    with open(log, "a") as f:
        while True:
            for s in select.select(socks, [], [])[0]:
                d, a = s.recvfrom(65535)
                if s.family == socket.AF_INET:
                    d = d[(d[0] & 15) * 4:]
                if len(d) < 8:
                    continue
                sport, dport, ulen = struct.unpack("!HHH", d[:6])
                if dport in ports:
                    f.write("udp %s %d %d %d %s\n" % (a[0], sport, dport,
                                                      ulen - 8, d[8:24].hex()))
                    f.flush()


# ---- packets -----------------------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def l4_csum(src, dst, proto, l4):
    if len(src) == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, proto, len(l4))
    else:
        pseudo = src + dst + struct.pack("!IxxxB", len(l4), proto)
    return csum(pseudo + l4)


def ip4(src, dst, proto, payload, ttl=64, ident=0, off=0, mf=False, df=False):
    fl = (0x2000 if mf else 0) | (0x4000 if df else 0) | (off >> 3)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, fl,
                    ttl, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ip6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, hlim,
                       src, dst) + payload


def dest_opts(n, proto):
    """n Destination Options headers of 8 bytes (one PadN each), then proto."""
    out = b""
    for i in range(n):
        nxt = 60 if i < n - 1 else proto
        out += bytes([nxt, 0, 1, 4, 0, 0, 0, 0])
    return out


def ip_packets(src, dst, proto, l4, ttl=64, frag=0, dopts=0):
    """The IP packet(s) carrying l4: whole, or in fragments of frag bytes."""
    v6 = len(src) == 16
    ident = random.getrandbits(32 if v6 else 16)
    if not frag:
        if not v6:
            return [ip4(src, dst, proto, l4, ttl, ident, df=True)]
        if dopts:
            return [ip6(src, dst, 60, dest_opts(dopts, proto) + l4, ttl)]
        return [ip6(src, dst, proto, l4, ttl)]
    out = []
    for off in range(0, len(l4), frag):
        piece = l4[off:off + frag]
        more = off + frag < len(l4)
        if v6:
            fh = struct.pack("!BBHI", proto, 0, off | int(more), ident)
            out.append(ip6(src, dst, 44, fh + piece, ttl))
        else:
            out.append(ip4(src, dst, proto, piece, ttl, ident, off, more))
    return out


def tcp_seg(src, dst, sport, dport, seq, ack, flags, data=b"", opts=b"",
            badsum=False):
    assert len(opts) % 4 == 0
    hl = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                    ack & 0xFFFFFFFF, hl << 4, flags, 64240, 0, 0) + opts
    c = l4_csum(src, dst, 6, h + data)
    if badsum:
        c ^= 0x5A5A
    return h[:16] + struct.pack("!H", c) + h[18:] + data


def udp_dgram(src, dst, sport, dport, data):
    h = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    c = l4_csum(src, dst, 17, h + data) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + data


def parse_frame(f):
    """(src, dst, proto, l4 bytes) of an IPv4/IPv6 frame, None otherwise."""
    et = struct.unpack("!H", f[12:14])[0]
    p = f[14:]
    if et == ETH_P_IP and len(p) >= 20:
        ihl = (p[0] & 15) * 4
        tot = struct.unpack("!H", p[2:4])[0]
        if struct.unpack("!H", p[6:8])[0] & 0x3FFF:
            return None  # a fragment: nothing here for the TCP client
        return p[12:16], p[16:20], p[9], p[ihl:tot]
    if et == ETH_P_IPV6 and len(p) >= 40:
        plen = struct.unpack("!H", p[4:6])[0]
        return p[8:24], p[24:40], p[6], p[40:40 + plen]
    return None


class Link:
    """Frames out of and into one interface, bypassing the kernel's TCP."""

    def __init__(self, ifname, gw_mac):
        self.ifname = ifname
        self.dmac = bytes.fromhex(gw_mac.replace(":", ""))
        with open("/sys/class/net/%s/address" % ifname) as f:
            self.smac = bytes.fromhex(f.read().strip().replace(":", ""))
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        self.tx.bind((ifname, 0))
        self.tx.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                socket.htons(ETH_P_ALL))
        self.rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self._only_incoming(self.rx)
        self.rx.bind((ifname, ETH_P_ALL))

    @staticmethod
    def _only_incoming(s):
        # classic BPF: ld pkttype; jeq OUTGOING ? drop : accept. A flood
        # of our own frames must not crowd the server's answers out.
        prog = [(0x20, 0, 0, 0xFFFFF004), (0x15, 0, 1, PACKET_OUTGOING),
                (0x06, 0, 0, 0), (0x06, 0, 0, 0x40000)]
        code = b"".join(struct.pack("HBBI", *i) for i in prog)
        buf = ctypes.create_string_buffer(code)
        fprog = struct.pack("HL", len(prog), ctypes.addressof(buf))
        s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)

    def send(self, packets):
        for p in packets:
            et = ETH_P_IPV6 if p[0] >> 4 == 6 else ETH_P_IP
            self.tx.send(self.dmac + self.smac + struct.pack("!H", et) + p)

    def recv(self, timeout):
        """The next incoming IP packet (src, dst, proto, l4) or None."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.rx], [], [], left)[0]:
                return None
            r = parse_frame(self.rx.recv(65535))
            if r:
                return r


class Tcp:
    """One connection of the user-space client: just enough TCP to open
    it, put segments on the wire as an attack needs them, and retransmit
    what the server has not acknowledged, as a real stack would."""

    def __init__(self, link, fam, sport, dport, dst=None):
        self.link = link
        af = socket.AF_INET6 if fam == 6 else socket.AF_INET
        self.src = socket.inet_pton(af, CLIENT[fam])
        self.dst = socket.inet_pton(af, dst or SERVER[fam])
        self.sport, self.dport = sport, dport
        self.iss = random.getrandbits(32)
        self.irs = None
        self.acked = 0  # client bytes the server acknowledged
        self.sent = 0
        self.answered = False  # the server sent data (its ServerHello)

    def seg(self, flags, off=0, data=b"", ack=None, opts=b"", badsum=False,
            seq=None):
        if seq is None:
            seq = self.iss + 1 + off if not flags & SYN else self.iss
        if ack is None:
            ack = self.irs + 1 if self.irs is not None else 0
        return tcp_seg(self.src, self.dst, self.sport, self.dport, seq, ack,
                       flags, data, opts, badsum)

    def tx(self, l4, ttl=64, frag=0, dopts=0):
        self.link.send(ip_packets(self.src, self.dst, 6, l4, ttl, frag, dopts))

    def ours(self, r):
        if not r or r[2] != 6 or r[0] != self.dst or r[1] != self.src:
            return None
        sp, dp, seq, ack, doff, flags = struct.unpack("!HHIIBB", r[3][:14])
        if sp != self.dport or dp != self.sport:
            return None
        if len(r[3]) > (doff >> 4) * 4:
            self.answered = True
        return seq, ack, flags

    def pump(self, timeout):
        """Read the server's segments for timeout seconds (or until all
        sent bytes are acknowledged)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            t = self.ours(self.link.recv(end - time.monotonic()))
            if not t or self.irs is None or not t[2] & ACK:
                continue
            n = (t[1] - self.iss - 1) & 0xFFFFFFFF
            if n < 0x80000000 and n > self.acked:
                self.acked = n
            if self.sent and self.acked >= self.sent:
                return

    def syn(self, frag=0):
        # MSS, window scale, SACK permitted (12 bytes with the NOPs)
        opts = struct.pack("!BBH", 2, 4, MSS) + bytes([1, 3, 3, 7, 1, 1, 4, 2])
        self.tx(self.seg(SYN, opts=opts), frag=frag)

    def handshake(self, frag=0):
        for _ in range(3):
            self.syn(frag)
            end = time.monotonic() + 1
            while time.monotonic() < end:
                t = self.ours(self.link.recv(end - time.monotonic()))
                if t and t[2] & (SYN | ACK) == SYN | ACK and \
                        t[1] == (self.iss + 1) & 0xFFFFFFFF:
                    self.irs = t[0]
                    self.tx(self.seg(ACK))
                    return True
        return False

    def data(self, off, data, **kw):
        self.tx(self.seg(PSH | ACK, off, data), **kw)

    def deliver(self, data, first_wait=0.3, wait=0.3, tries=3, **kw):
        """See that data (the stream from its first byte) gets
        acknowledged: first listen first_wait seconds for the server's
        acknowledgements of what an attack sent, then send from the first
        byte it has not acknowledged, in order, as a real stack
        retransmits; tries times at most."""
        self.sent = max(self.sent, len(data))
        self.pump(first_wait)
        for _ in range(tries):
            if self.acked >= len(data):
                return True
            for off in range(self.acked, len(data), MSS):
                self.data(off, data[off:off + MSS], **kw)
            self.pump(wait)
        return self.acked >= len(data)

    def close(self):
        """Reset the connection once the server answered (or did not in
        a second): a reset any earlier could cut the server's handshake
        short before OpenSSL has read the hello."""
        end = time.monotonic() + 1
        while self.acked and not self.answered and time.monotonic() < end:
            self.ours(self.link.recv(end - time.monotonic()))
        # RST|ACK: the test's nftables rule drops the client kernel's
        # bare RSTs only; this one must reach the server to free its socket.
        self.tx(self.seg(RST | ACK, self.sent))


# ---- ClientHellos ------------------------------------------------------

def client_hello(name):
    """A real OpenSSL ClientHello naming name, made without a socket."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=name)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def hello_split(rec):
    """(fixed part, [(ext type, data)]) of a one-record ClientHello."""
    h = rec[9:]
    p = 34
    p += 1 + h[p]
    p += 2 + int.from_bytes(h[p:p + 2], "big")
    p += 1 + h[p]
    head, p = h[:p], p + 2
    exts = []
    while p + 4 <= len(h):
        t, n = struct.unpack("!HH", h[p:p + 4])
        exts.append((t, h[p + 4:p + 4 + n]))
        p += 4 + n
    return head, exts


def hello_join(head, exts):
    e = b"".join(struct.pack("!HH", t, len(d)) + d for t, d in exts)
    h = head + struct.pack("!H", len(e)) + e
    hs = b"\x01" + len(h).to_bytes(3, "big") + h
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def hello_tiny_exts(name, n):
    """The hello with n empty extensions of unassigned types (0x7000 + i:
    servers ignore unknown types) ahead of the real ones, server_name
    among them."""
    head, exts = hello_split(client_hello(name))
    return hello_join(head, [(0x7000 + i, b"") for i in range(n)] + exts)


def hello_padded(name, size):
    """The hello grown to size bytes with a padding extension (RFC 7685)."""
    head, exts = hello_split(client_hello(name))
    exts = [e for e in exts if e[0] != 21]
    base = len(hello_join(head, exts))
    return hello_join(head, exts + [(21, bytes(max(0, size - base - 4)))])


# ---- TCP cases ---------------------------------------------------------

DECOY = "decoy.example.net"


def http_request(name):
    return ("GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: evade\r\n"
            "Accept: */*\r\nX-Pad: %s\r\n\r\n" % (name, "x" * 300)).encode()


def payload_of(case, name):
    """What a victim of case sends for name: its ClientHello, or for
    frag-http a plain HTTP request."""
    if case == "ext300":
        return hello_tiny_exts(name, 300)
    if case == "frag-http":
        return http_request(name)
    return client_hello(name)


def send_hello(v, case, hello):
    """The attack of case on one open connection, then the hello delivered
    (retransmitted until acknowledged, or given up on)."""
    first_wait, kw = 0, {}
    if case == "ooo":
        # the hello in two segments, the later one first; then the whole
        # hello again, in order, as a stack whose retransmission timer
        # fired would send it
        v.data(40, hello[40:])
        time.sleep(0.05)
        v.data(0, hello[:40])
        time.sleep(0.2)
        v.data(0, hello)
        first_wait = 0.3
    elif case.startswith("decoy-"):
        # a hello for another name first, at the same place in the stream
        # unless said, made to die between the censor and the server
        d = client_hello(DECOY)
        kind = case[6:]
        if kind == "ttl":
            v.data(0, d, ttl=1)  # the hop limit over IPv6
        elif kind == "csum":
            v.tx(v.seg(PSH | ACK, 0, d, badsum=True))
        elif kind == "window":
            v.tx(v.seg(PSH | ACK, 0x40000000, d))
        elif kind == "ack":  # acknowledges bytes the server never sent
            v.tx(v.seg(PSH | ACK, 0, d, ack=v.irs + 1 + 0x20000000))
        time.sleep(0.05)
        v.data(0, hello)
        first_wait = 0.3
    elif case == "dopts9":
        # IPv6 with 9 destination-option headers, one more than the
        # censor's parser walks
        kw = {"dopts": 9}
    elif case == "frag-hello":
        kw = {"frag": 256}
    elif case == "frag-http":
        kw = {"frag": 128}
    v.deliver(hello, first_wait=first_wait, **kw)


def signal_and_wait(a):
    open(a.ready, "w").close()
    end = time.monotonic() + 60
    while not os.path.exists(a.go):
        if time.monotonic() > end:
            raise SystemExit("evade: no %s after 60 s" % a.go)
        time.sleep(0.05)


def syn_flood(link, n, dport):
    """n SYNs from random sources in 198.18.128.0/17 and random ports: each
    a new flow for the censor's table. Returns when all are sent."""
    dst = socket.inet_aton(SERVER[4])
    batch = []
    for i in range(n):
        src = bytes([198, 18, 128 | random.getrandbits(7),
                     random.getrandbits(8)])
        l4 = tcp_seg(src, dst, 1024 + random.getrandbits(15) +
                     random.getrandbits(14), dport, random.getrandbits(32),
                     0, SYN)
        batch.append(ip4(src, dst, 6, l4, 64, i & 0xFFFF, df=True))
        if len(batch) == 256:
            link.send(batch)
            batch = []
    link.send(batch)


def pending_flood(link, n, dport):
    """n flows (spoofed, as syn_flood) that each send a SYN and then the
    first 100 bytes of a ClientHello: n hellos in progress."""
    dst = socket.inet_aton(SERVER[4])
    part = client_hello("partial.example.org")[:100]
    batch = []
    for i in range(n):
        src = bytes([198, 18, 128 | random.getrandbits(7),
                     random.getrandbits(8)])
        sport = 1024 + random.getrandbits(15) + random.getrandbits(14)
        isn = random.getrandbits(32)
        batch.append(ip4(src, dst, 6, tcp_seg(src, dst, sport, dport, isn,
                                              0, SYN), 64, 0, df=True))
        batch.append(ip4(src, dst, 6, tcp_seg(src, dst, sport, dport,
                                              isn + 1, 1, PSH | ACK, part),
                         64, 0, df=True))
        if len(batch) >= 256:
            link.send(batch)
            batch = []
    link.send(batch)


def tcp_case(a):
    """One victim per name, on ports sport, sport + 1, ...; the flood and
    mid-stream cases handshake them all first, then act on all at once."""
    link = Link(a.ifname, a.gw_mac)
    fam = 6 if a.v6 else 4
    c = a.case
    victims = [Tcp(link, fam, a.sport + i, a.dport, a.dst)
               for i in range(len(a.name))]
    payload = {v: payload_of(c, n) for v, n in zip(victims, a.name)}
    # syn-frag: the SYN in 8-byte IP fragments, which the server
    # reassembles; the censor's flow stage never sees a SYN
    ok = {v: v.handshake(frag=8 if c == "syn-frag" else 0) for v in victims}
    live = [v for v in victims if ok[v]]

    if c == "midstream":
        # the harness loads (or restarts) the censor meanwhile
        signal_and_wait(a)
    if c == "flood-wait":
        # the victims wait between handshake and hello while the flood
        # fills the censor's flow table
        syn_flood(link, a.flood, a.dport)
        time.sleep(0.2)
    elif c == "flood-retx":
        # a hello that is dropped; the flood; the hello's retransmission
        for v in live:
            v.data(0, payload[v])
            v.sent = len(payload[v])
            v.pump(0.5)
        signal_and_wait(a)
        syn_flood(link, a.flood, a.dport)
        time.sleep(0.2)
    elif c == "pending-flood":
        # the hello's first 100 bytes (a parse in progress), the flood of
        # partial hellos, then the rest
        for v in live:
            v.data(0, payload[v][:100])
        time.sleep(0.1)
        pending_flood(link, a.flood, a.dport)
        time.sleep(0.2)
        for v in live:
            v.data(100, payload[v][100:])
    for v in live:
        if c in ("flood-wait", "flood-retx", "pending-flood", "midstream"):
            v.deliver(payload[v], first_wait=0 if c != "pending-flood"
                      else 0.3)
        else:
            send_hello(v, c, payload[v])

    for v, name in zip(victims, a.name):
        v.close()
        print(v.sport, name, "synack" if ok[v] else "nosynack",
              "acked" if v.sent and v.acked >= v.sent else "unacked")
    return 0


# ---- kernel sockets and fragments --------------------------------------

def tls_big(a):
    fam = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect((a.dst, a.dport))
    print(s.getsockname()[1], flush=True)
    s.sendall(hello_padded(a.name[0], a.size))
    try:
        s.recv(1)
    except OSError:
        pass
    s.close()
    return 0


def quic_long(first, version, fill=1200):
    """A long-header packet: DCID and SCID of 8 bytes, for an Initial a
    zero-length token, a 2-byte Length and random bytes in place of the
    protected packet number and payload (RFC 9000 §17.2)."""
    h = bytes([first]) + struct.pack("!I", version) + b"\x08" + \
        os.urandom(8) + b"\x08" + os.urandom(8)
    if (first & 0x30) == 0:
        h += b"\x00"  # token length
    rest = fill - len(h) - 2
    return h + struct.pack("!H", 0x4000 | rest) + os.urandom(rest)


def udp_pre(a):
    kinds = {"junk": b"hello, not quic\n", "0rtt": quic_long(0xD0, 1),
             "grease": quic_long(0xC0, 0x1A2A3A4A)}
    fam = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((CLIENT[6 if fam == socket.AF_INET6 else 4], a.sport))
    s.sendto(kinds[a.kind], (a.dst, a.dport))
    time.sleep(0.2)
    s.close()
    return 0


def dns_query(qname, size):
    q = struct.pack("!HHHHHH", random.getrandbits(16), 0x0100, 1, 0, 0, 1)
    for label in qname.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", 1, 1)
    pad = max(0, size - len(q) - 11 - 4)
    return q + b"\0" + struct.pack("!HHIH", 41, 1232, 0, 4 + pad) + \
        struct.pack("!HH", 12, pad) + bytes(pad)


def dns_skip_name(m, p):
    while p < len(m):
        n = m[p]
        if n & 0xC0 == 0xC0:
            return p + 2
        if n == 0:
            return p + 1
        p += 1 + n
    return p


def dns_answer(m):
    """'STATUS TYPE=DATA...' as tests/e2e/test_l7.sh's dig_q prints it."""
    codes = {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}
    flags, qd, an = struct.unpack("!HHH", m[2:8])
    out = [codes.get(flags & 15, "RCODE%d" % (flags & 15))]
    p = 12
    for _ in range(qd):
        p = dns_skip_name(m, p) + 4
    for _ in range(an):
        p = dns_skip_name(m, p)
        t, _, _, n = struct.unpack("!HHIH", m[p:p + 10])
        d = m[p + 10:p + 10 + n]
        if t == 1:
            out.append("A=" + socket.inet_ntop(socket.AF_INET, d))
        elif t == 28:
            out.append("AAAA=" + socket.inet_ntop(socket.AF_INET6, d))
        p += 10 + n
    return " ".join(out)


def frag_send(a, payload):
    """payload as one UDP datagram from a.sport, in IP fragments."""
    fam = 6 if ":" in a.dst else 4
    af = socket.AF_INET6 if fam == 6 else socket.AF_INET
    src = socket.inet_pton(af, CLIENT[fam])
    dst = socket.inet_pton(af, a.dst)
    link = Link(a.ifname, a.gw_mac)
    link.send(ip_packets(src, dst, 17, udp_dgram(src, dst, a.sport, a.dport,
                                                 payload), frag=a.frag))


def udp_frag(a):
    frag_send(a, (b"plain text, not QUIC, in fragments. " * 64)[:a.size])
    return 0


def dns_frag(a):
    fam = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((CLIENT[6 if fam == socket.AF_INET6 else 4], a.sport))
    s.settimeout(2)
    frag_send(a, dns_query(a.qname, 300))
    try:
        print(dns_answer(s.recv(65535)))
    except socket.timeout:
        print("timeout")
    return 0


CASES = ("plain", "ooo", "decoy-ttl", "decoy-csum", "decoy-window",
         "decoy-ack", "dopts9", "syn-frag", "ext300", "frag-hello",
         "frag-http", "midstream", "flood-wait", "flood-retx",
         "pending-flood")


def main(argv):
    if argv[:1] == ["tls-serve"] and len(argv) == 5:
        tls_serve(argv[1], argv[2], argv[3], int(argv[4]))
        return 0
    if argv[:1] == ["udp-witness"] and len(argv) >= 3:
        udp_witness(argv[1], {int(p) for p in argv[2:]})
        return 0
    ap = argparse.ArgumentParser(prog="evade.py", description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("command", choices=("tcp", "tls-big", "udp-pre",
                                        "udp-frag", "dns-frag"))
    ap.add_argument("case", nargs="?", help="tcp: one of " + ", ".join(CASES)
                    + "; udp-pre: junk, 0rtt, grease")
    ap.add_argument("--if", dest="ifname", default="eth0")
    ap.add_argument("--gw-mac")
    ap.add_argument("--dst", default=SERVER[4])
    ap.add_argument("--dport", type=int, default=443)
    ap.add_argument("--sport", type=int, default=50000)
    ap.add_argument("--name", action="append", default=[])
    ap.add_argument("--v6", action="store_true")
    ap.add_argument("--flood", type=int, default=0)
    ap.add_argument("--ready", help="file made when the handshakes are done")
    ap.add_argument("--go", help="file to wait for before the hellos")
    ap.add_argument("--size", type=int, default=3000)
    ap.add_argument("--frag", type=int, default=64)
    ap.add_argument("--qname")
    a = ap.parse_args(argv)
    if a.v6 and a.dst == SERVER[4]:
        a.dst = SERVER[6]
    if a.command == "tcp":
        if a.case not in CASES or not a.name or not a.gw_mac:
            ap.error("tcp needs a CASE, --name and --gw-mac")
        return tcp_case(a)
    if a.command == "tls-big":
        return tls_big(a)
    if a.command == "udp-pre":
        a.kind = a.case
        return udp_pre(a)
    if a.command == "udp-frag":
        return udp_frag(a)
    return dns_frag(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
