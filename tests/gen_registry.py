#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Write a dump shaped like the public Roskomnadzor registry ("z-i").

The format (docs/REGISTRY.md): windows-1251, LF,
';'-separated, no quoting; a first line "Updated: ..."; then rows of IPs
(joined by " | "), domain, URLs (joined by " | "), issuing body, decision
number, date. The rows hold every corner of the format: IPv4 hosts and
prefixes, IPv6 in full and compressed spellings, IDN Cyrillic names in
windows-1251 (some in upper case), "*." names, empty domains, rows of many
IPs, decision numbers holding ';', repeated addresses and names; and, with
--malformed K, K lines import-registry must refuse, each with its line.

Seeded (splitmix64, the model's generator): same arguments, same bytes.
Unique addresses and names are made by construction (odd multipliers are
bijections modulo a power of two), so 20M addresses need no set in memory.

--expect F writes what import-registry must count as JSON; with
--elements it also lists every element the sets must hold, each made
here independently of blastradius (ipaddress, Python's punycode codec).
"""

import argparse
import ipaddress
import json
import sys

M64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & M64

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n


CYR = "абвгдежзиклмнопрстуфхцчшщыэюяё"  # label digits for IDN names
BODIES = ["Генпрокуратура", "Мосгорсуд", "ФНС", "Роскомнадзор"]


def v4_host(i):
    return (i * 0x9E3779B1 + 0x01000000) & 0xFFFFFFFF


def v4_text(a):
    return "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)


def cyr_label(k):
    s = ""
    while True:
        s += CYR[k % len(CYR)]
        k //= len(CYR)
        if not k:
            return s


class Dump:
    def __init__(self, args):
        self.rng = SplitMix64(args.seed)
        self.n = {"h4": 0, "p24": 0, "p22": 0, "h6": 0, "p6": 0, "dom": 0}
        self.last_h4 = None
        self.last_dom = None
        self.elements = args.elements
        self.v4 = set()
        self.v6 = set()
        self.doms = set()
        self.urls = 0

    def address(self):
        r = self.rng.below(100)
        if r < 3 and self.last_h4:
            return self.last_h4  # a repeat: counted once
        if r < 90:
            t = v4_text(v4_host(self.n["h4"]))
            self.n["h4"] += 1
            self.last_h4 = t
            if self.elements:
                self.v4.add(t)
            return t
        if r < 94:
            if r < 92:
                p = ((self.n["p24"] * 0x9E3779 + 0x0A0000) & 0xFFFFFF) << 8
                self.n["p24"] += 1
                t = "%s/24" % v4_text(p)
            else:
                p = ((self.n["p22"] * 0x1E3779 + 0x0B0000) & 0x3FFFFF) << 10
                self.n["p22"] += 1
                t = "%s/22" % v4_text(p)
            if self.elements:
                self.v4.add(t)
            return t
        if r < 98:
            i = self.n["h6"]
            self.n["h6"] += 1
            g = [(i >> s) & 0xFFFF for s in (48, 32, 16, 0)]
            if i % 2:
                t = "2001:0db8:0000:0000:%04x:%04x:%04x:%04x" % tuple(g)
            else:
                t = "2001:db8::%x:%x:%x:%x" % tuple(g)
            if self.elements:
                self.v6.add(ipaddress.IPv6Address(t).compressed)
            return t
        j = self.n["p6"]
        self.n["p6"] += 1
        t = "2a02:6b8:%x:%x::/64" % (j >> 16, j & 0xFFFF)
        if self.elements:
            self.v6.add(ipaddress.IPv6Network(t).compressed)
        return t

    def domain(self):
        r = self.rng.below(100)
        if r < 20:
            return ""
        if r < 25 and self.last_dom:
            return self.last_dom.upper()  # the same name, counted once
        k = self.n["dom"]
        self.n["dom"] += 1
        if r < 70:
            d, want = "site%d.example%d.ru" % (k, k % 7), None
        elif r < 75:
            d, want = "*.w%d.example.net" % k, None
        else:
            lab = cyr_label(k)
            d = "%s.рф" % lab
            want = "xn--%s.xn--p1ai" % lab.encode("punycode").decode()
            if r < 80:
                d = d.upper()
        self.last_dom = d
        if self.elements:
            self.doms.add(want or d.lower())
        return d

    def row(self, n_addrs):
        ips = " | ".join(self.address() for _ in range(n_addrs))
        dom = self.domain()
        host = dom.lstrip("*.") or "example.org"
        urls = " | ".join("http://%s/p%d" % (host, u)
                          for u in range(self.rng.below(4)))
        body = BODIES[self.rng.below(len(BODIES))]
        dec = "27-31-2020/Ид%d-20" % self.rng.below(10000)
        if self.rng.below(20) == 0:
            dec += ";2"  # a decision number holding ';'
        f = [ips, dom, urls, body, dec, "2020-01-%02d" % (1 + self.rng.below(28))]
        line = ";".join(f)
        g = line.split(";")
        joined = ";".join(g[2:-3])  # the URLs as the format is read
        self.urls += len([u for u in joined.split("|") if u.strip()])
        return line


MALFORMED = [
    ("bad IP", "256.1.1.1;x.ru;;ФНС;1;2020-01-01"),
    ("bad CIDR", "10.0.0.0/33;x.ru;;ФНС;1;2020-01-01"),
    ("bad CIDR", "10.0.0.1/8;x.ru;;ФНС;1;2020-01-01"),
    ("too few fields", "1.2.3.4;x.ru"),
    ("bad domain", "1.2.3.4;bad domain!.ru;;ФНС;1;2020-01-01"),
    ("bad encoding", None),  # a 0x98 byte, unassigned in windows-1251
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--addrs", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--malformed", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--expect")
    ap.add_argument("--elements", action="store_true")
    args = ap.parse_args()

    d = Dump(args)
    total = args.rows + args.malformed
    bad_at = {(m + 1) * total // (args.malformed + 1): m
              for m in range(args.malformed)}
    bad_lines = []
    first = min(64, args.addrs)  # one row of many IPs
    rest, rows_rest = args.addrs - first, max(args.rows - 1, 1)
    good = 0
    with open(args.out, "wb") as out:
        out.write(b"Updated: 2026-11-30 12:00:00 +0000\n")
        for pos in range(total):
            if pos in bad_at:
                kind, text = MALFORMED[bad_at[pos] % len(MALFORMED)]
                raw = (text.encode("cp1251") if text else
                       b"1.2.3.4;x\x98y.ru;;b;1;2020-01-01")
                out.write(raw + b"\n")
                bad_lines.append({"line": pos + 2, "kind": kind})
                continue
            if good == 0:
                n = first
            else:
                n = ((good * rest) // rows_rest -
                     ((good - 1) * rest) // rows_rest)
            good += 1
            out.write(d.row(n).encode("cp1251") + b"\n")
    n = d.n
    expect = {
        "rows": total,
        "ipv4_addresses": n["h4"], "ipv4_prefixes": n["p24"] + n["p22"],
        "ipv6_addresses": n["h6"], "ipv6_prefixes": n["p6"],
        "domains": n["dom"], "urls_ignored": d.urls,
        "error_lines": len(bad_lines), "errors": bad_lines,
    }
    if args.elements:
        expect["addrs"] = sorted(d.v4 | d.v6)
        expect["domain_elements"] = sorted(d.doms)
    if args.expect:
        with open(args.expect, "w") as f:
            json.dump(expect, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
