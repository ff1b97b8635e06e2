#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# simlabels.py - check a `simulate --write-pcap` capture against its labels.
#
# Reads tshark's fields for every frame (on stdin, tab-separated, in the
# order of FIELDS below) and checks that each frame carries a label and is
# what the label says: the protocol and server port, and for a ClientHello,
# a QUIC Initial or a DNS query, the server name or query name tshark
# decodes (a hello over two segments or two Initials on the second). Prints "PASS name" / "FAIL name: why" lines.
import sys

FIELDS = ["frame.comment", "ip.proto", "ipv6.nxt", "tcp.srcport",
          "tcp.dstport", "udp.srcport", "udp.dstport",
          "tls.handshake.extensions_server_name", "dns.qry.name",
          "quic.version"]


def label_of(comment):
    out = {}
    for part in comment.split():
        if "=" in part:
            k, v = part.split("=", 1)
            out[k] = v
    return out


def main():
    frames = unlabelled = 0
    bad = []
    split = set()
    seen = {"sni": 0, "qname": 0, "quic": 0, "tcp": 0, "udp": 0}
    for line in sys.stdin:
        f = dict(zip(FIELDS, line.rstrip("\n").split("\t")))
        frames += 1
        if not f.get("frame.comment"):
            unlabelled += 1
            continue
        lab = label_of(f["frame.comment"])
        proto = f.get("ip.proto") or f.get("ipv6.nxt")
        want = {"tcp": "6", "udp": "17"}.get(lab.get("proto"))
        if proto != want:
            bad.append((frames, f"proto {proto}, label {lab.get('proto')}"))
            continue
        seen[lab["proto"]] += 1
        p = "tcp" if want == "6" else "udp"
        ports = {f.get(p + ".srcport"), f.get(p + ".dstport")}
        if lab.get("port") not in ports:
            bad.append((frames, f"ports {ports}, label {lab.get('port')}"))
            continue
        if "sni" in lab:
            got = f.get("tls.handshake.extensions_server_name", "")
            key = (lab.get("dev"), lab.get("act", lab.get("job")),
                   lab.get("flow"))
            if lab.get("step") in ("client-hello", "quic-initial") \
                    and not got:
                # the first of two segments, or of two Initials: tshark
                # names the hello on the second, which must follow
                split.add(key)
                continue
            if got != lab["sni"]:
                bad.append((frames, f"sni {got!r}, label {lab['sni']!r}"))
                continue
            split.discard(key)
            seen["sni"] += 1
            if lab.get("step") in ("quic-initial", "quic-initial-2"):
                if not f.get("quic.version"):
                    bad.append((frames, "no QUIC version decoded"))
                    continue
                seen["quic"] += 1
        if "qname" in lab:
            got = f.get("dns.qry.name", "")
            if got.lower() != lab["qname"]:
                bad.append((frames, f"qname {got!r}, label {lab['qname']!r}"))
                continue
            seen["qname"] += 1
    ok = True

    def check(name, cond, why=""):
        nonlocal ok
        print(("PASS " + name) if cond else ("FAIL " + name + ": " + why))
        ok = ok and cond

    check(f"{frames} frames, each with a label", frames > 1000 and
          not unlabelled, f"{unlabelled} of {frames} unlabelled")
    check("every frame is what its label says", not bad,
          "; ".join(f"frame {n}: {why}" for n, why in bad[:5]) +
          f" ({len(bad)} in all)")
    check(f"{seen['sni']} server names decoded as labelled "
          f"({seen['quic']} in QUIC Initials)",
          seen["sni"] > 100 and seen["quic"] > 10, str(seen))
    check("every hello split in two is named on its second segment "
          "or Initial",
          not split, f"{len(split)} never completed")
    check(f"{seen['qname']} DNS query names decoded as labelled",
          seen["qname"] > 100, str(seen))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
