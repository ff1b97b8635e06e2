#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Write a pcap of IPv4 TCP SYNs to port 443, one per destination given,
from 10.1.0.2, source ports 40000 on, with correct checksums: what the
registry tests replay through an imported policy.

usage: syn_pcap.py OUT.pcap DST...
"""
import socket
import struct
import sys


def csum(b):
    b += b"\0" * (len(b) % 2)
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF


def syn(dst, sport):
    s, d = socket.inet_aton("10.1.0.2"), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, 443, 1, 0, 5 << 4, 2, 65535, 0, 0)
    c = csum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6,
                     0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp


def main():
    with open(sys.argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, dst in enumerate(sys.argv[2:]):
            fr = syn(dst, 40000 + i)
            f.write(struct.pack("<IIII", 1 + i, 0, len(fr), len(fr)) + fr)


if __name__ == "__main__":
    main()
