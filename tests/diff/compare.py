#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""compare.py - l7dump against tshark, and both against what the clients sent.

usage: compare.py EXPECT L7DUMP TSHARK_OFF TSHARK_ON

EXPECT      one line per client run, in the order they ran:
              tls  BATCH  NAME|-  FLAGS      (FLAGS: comma list or -:
                                              split, recfrag, refused)
              dns  BATCH  QNAME   QTYPE  STATUS
            NAME and QNAME as the client put them on the wire ("." root).
L7DUMP      l7dump's output (see l7dump.c).
TSHARK_*    tshark -T fields, tab-separated, one line per frame, with the
            fields of FIELDS below, TCP reassembly off and on.

Prints one check per line, "PASS<TAB>name" or "FAIL<TAB>name<TAB>detail",
for test_differential.sh to turn into TAP. Frames are tshark's numbers.

The clients run one after the other, so the n-th ClientHello (or query) in
the capture is the n-th TLS (or DNS) run: that is how a hello is matched
to what its client was asked to send.
"""
import sys

from checks import as_read, check, results

FIELDS = [
    "frame.number", "tcp.stream", "tcp.dstport", "tcp.len", "tcp.payload",
    "tls.handshake.type", "tls.handshake.extensions_server_name",
    "udp.dstport", "dns.flags.response", "dns.qry.name", "dns.qry.type",
]
TLS_PORT = "443"


def read_expect(path):
    tls, dns = [], []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            col = line.rstrip("\n").split("\t")
            if col[0] == "tls":
                flags = set() if col[3] == "-" else set(col[3].split(","))
                tls.append({"batch": col[1], "name": col[2], "flags": flags})
            elif col[0] == "dns":
                dns.append({"batch": col[1], "qname": col[2],
                            "qtype": col[3], "status": col[4]})
    return tls, dns


def read_l7dump(path):
    sni, dns = {}, {}
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            col = line.rstrip("\n").split("\t")
            frame = int(col[0])
            if col[1] == "sni":
                sni[frame] = {
                    "name": col[2], "result": col[3],
                    "flags": set(col[4].split(",")) - {"-"},
                    "segs": int(col[5]), "first": int(col[6]),
                    "name_frame": None if col[7] == "-" else int(col[7]),
                }
            elif col[1] == "dns":
                dns[frame] = {"qname": col[2], "qtype": col[3],
                              "status": col[4]}
            else:
                raise ValueError("l7dump: unknown line: " + line)
    return sni, dns


def read_tshark(path):
    rows = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            col = line.rstrip("\n").split("\t")
            col += [""] * (len(FIELDS) - len(col))
            row = dict(zip(FIELDS, col))
            rows[int(row["frame.number"])] = row
    return rows


def hellos(rows):
    """{frame: server_name or "-"} of the frames where a ClientHello ends."""
    out = {}
    for frame, r in rows.items():
        if r["tcp.stream"] and "1" in r["tls.handshake.type"].split(","):
            out[frame] = r["tls.handshake.extensions_server_name"] or "-"
    return out


def queries(rows):
    """{frame: (qname, qtype)} of the DNS queries over UDP to port 53."""
    out = {}
    for frame, r in rows.items():
        if r["udp.dstport"] == "53" and \
           r["dns.flags.response"] in ("0", "False"):
            name = r["dns.qry.name"]
            out[frame] = ("." if name == "<Root>" else name, r["dns.qry.type"])
    return out


def client_segments(rows, frame):
    """tshark's view of a hello that ends on frame: the client's payload
    segments of that stream up to it, as (frame, bytes) in order."""
    stream = rows[frame]["tcp.stream"]
    segs = []
    for f in sorted(rows):
        r = rows[f]
        if f > frame:
            break
        if r["tcp.stream"] == stream and r["tcp.dstport"] == TLS_PORT and \
           r["tcp.len"] not in ("", "0"):
            segs.append((f, bytes.fromhex(r["tcp.payload"].replace(":", ""))))
    return segs


def name_end_frame(segs, name):
    """The frame holding the last byte of the host_name entry (type 0,
    length, name) in the client's stream; None when it is not there in
    one piece (a record header inside it)."""
    stream = b"".join(s for _, s in segs)
    raw = name.encode()
    at = stream.find(b"\x00" + len(raw).to_bytes(2, "big") + raw)
    if at < 0:
        return None
    end = at + 3 + len(raw)
    for frame, s in segs:
        if end <= len(s):
            return frame
        end -= len(s)
    return None


def tshark_text(name):
    """A name as tshark's fields show it: tshark reads server_name as
    ASCII and prints each byte outside it as U+FFFD (a tshark display
    matter: the bytes on the wire are the client's UTF-8)."""
    return "".join(c if ord(c) < 128 else "\ufffd" * len(c.encode())
                   for c in name)


def main():
    exp_tls, exp_dns = read_expect(sys.argv[1])
    l7_sni, l7_dns = read_l7dump(sys.argv[2])
    off = read_tshark(sys.argv[3])
    on = read_tshark(sys.argv[4])

    off_hellos = hellos(off)
    on_hellos = hellos(on)
    n_tls = len(exp_tls)

    # ---- counts: a capture that lost everything must fail ------------
    check("TLS: tshark (reassembly on) finds one ClientHello per client "
          "run (%d runs)" % n_tls,
          [] if len(on_hellos) == n_tls and n_tls else
          ["tshark found %d, clients ran %d" % (len(on_hellos), n_tls)])
    check("TLS: l7dump reports one hello per client run (%d runs)" % n_tls,
          [] if len(l7_sni) == n_tls and n_tls else
          ["l7dump reported %d, clients ran %d" % (len(l7_sni), n_tls)])

    # Runs in order, matched to hellos in frame order.
    run_of = {}
    for run, frame in zip(exp_tls, sorted(on_hellos)):
        run_of[frame] = run
    refused = {f for f, run in run_of.items() if "refused" in run["flags"]}

    # ---- single-segment hellos: tshark without reassembly -------------
    # tshark with TCP reassembly off dissects a ClientHello only when its
    # record is whole in one segment; the hellos split over segments show
    # nothing there and are compared with the reassembling run below.
    probs = []
    for f, name in sorted(off_hellos.items()):
        if f in refused:
            continue  # names blastradius refuses by design: checked below
        got = l7_sni.get(f)
        if not got:
            probs.append("frame %d: tshark %s, l7dump nothing" % (f, name))
        elif got["name"] != as_read(name) or got["segs"] != 1:
            probs.append("frame %d: tshark %s, l7dump %s in %d segments"
                         % (f, name, got["name"], got["segs"]))
    for f, got in sorted(l7_sni.items()):
        if got["segs"] == 1 and f not in off_hellos:
            probs.append("frame %d: l7dump %s in one segment, tshark (no "
                         "reassembly) no ClientHello" % (f, got["name"]))
    if not off_hellos:
        probs.append("tshark (no reassembly) found no ClientHello at all")
    check("TLS single-segment hellos: l7dump's SNI equals tshark's "
          "(reassembly off) on the same frame (%d frames)" % len(off_hellos),
          probs)

    # ---- every hello: tshark with reassembly ---------------------------
    probs = []
    for f, name in sorted(on_hellos.items()):
        if f in refused:
            continue
        got = l7_sni.get(f)
        if not got:
            near = [g for g in l7_sni if abs(g - f) < 8]
            probs.append("frame %d (stream %s): tshark completes %s, l7dump "
                         "nothing (l7dump lines near: %s)"
                         % (f, on[f]["tcp.stream"], name, near))
        elif got["name"] != as_read(name):
            probs.append("frame %d: tshark %s, l7dump %s (%s)"
                         % (f, name, got["name"], got["result"]))
    for f in sorted(set(l7_sni) - set(on_hellos)):
        probs.append("frame %d: l7dump %s, tshark (reassembly) no ClientHello"
                     " ends there" % (f, l7_sni[f]["name"]))
    check("TLS all hellos: l7dump finishes on the frame where tshark "
          "(reassembly on) completes the ClientHello, same SNI (%d)"
          % len(on_hellos), probs)

    # ---- segments: what l7dump fed is what tshark saw -----------------
    probs = []
    split = later = 0
    for f in sorted(on_hellos):
        got = l7_sni.get(f)
        segs = client_segments(on, f)
        if len(segs) > 1:
            split += 1
        if not got:
            probs.append("frame %d: l7dump nothing" % f)
        elif got["first"] != segs[0][0] or got["segs"] != len(segs):
            probs.append("frame %d: tshark %d segments from frame %d, l7dump "
                         "%d from frame %d" % (f, len(segs), segs[0][0],
                                               got["segs"], got["first"]))
    check("TLS segments: l7dump fed each hello in the client segments tshark "
          "shows, from the same first frame (%d hellos split over 2+ "
          "segments)" % split, probs)

    # ---- the SNI in a later segment -----------------------------------
    probs = []
    for f, name in sorted(on_hellos.items()):
        got = l7_sni.get(f)
        if name == "-" or f in refused:
            continue
        segs = client_segments(on, f)
        end_frame = name_end_frame(segs, name)
        if end_frame is None:
            probs.append("frame %d: %s not found in one piece in the stream"
                         % (f, name))
            continue
        want = end_frame != segs[0][0]
        later += want
        if not got:
            probs.append("frame %d: l7dump nothing" % f)
        elif want != ("later" in got["flags"]) or \
           got["name_frame"] != end_frame:
            probs.append("frame %d: %s ends in frame %d (%s segment), "
                         "l7dump: completed on frame %s, flags %s"
                         % (f, name, end_frame, "a later" if want else
                            "the first", got["name_frame"],
                            ",".join(sorted(got["flags"])) or "-"))
    check("TLS: l7dump's 'SNI in a later segment' flag agrees with where the "
          "name sits in tshark's segments (%d later)" % later, probs)
    check("TLS: the capture holds flows with the SNI in a later segment",
          [] if later else ["no hello had its name past the first segment"])

    # ---- what the clients were asked to send --------------------------
    probs = []
    for f, run in sorted(run_of.items()):
        got = l7_sni.get(f)
        tname = on_hellos[f]
        if tname != tshark_text(run["name"]):
            probs.append("run %s %s: tshark shows %s" %
                         (run["batch"], run["name"], tname))
        if "refused" in run["flags"]:
            continue
        if not got:
            continue
        want = as_read(run["name"])
        result = "no-sni" if run["name"] == "-" else "sni"
        if got["name"] != want or got["result"] != result:
            probs.append("run %s %s: l7dump %s (%s)" % (
                run["batch"], run["name"], got["name"], got["result"]))
    check("TLS: the SNI equals what each client sent (tshark exact case, "
          "l7dump folded to lowercase)", probs)
    probs = ["frame %d: %s" % (f, g["name"]) for f, g in sorted(l7_sni.items())
             if g["name"] != g["name"].lower()]
    check("TLS: every SNI l7dump reports is lowercase", probs)

    probs = []
    n_split = 0
    for f, run in sorted(run_of.items()):
        got = l7_sni.get(f, {"flags": set()})
        if "split" in run["flags"]:
            n_split += 1
            if len(client_segments(on, f)) < 2:
                probs.append("run %s %s: one segment" %
                             (run["batch"], run["name"]))
        if ("recfrag" in run["flags"]) != ("recfrag" in got["flags"]):
            probs.append("run %s %s: recfrag expected %s, l7dump flags %s" % (
                run["batch"], run["name"], "recfrag" in run["flags"],
                ",".join(sorted(got["flags"])) or "-"))
    if not n_split:
        probs.append("no run was meant to split its hello")
    check("TLS: every hello of the low-MTU and large-hello batches spans 2+ "
          "segments (%d), record fragmentation flagged exactly for the "
          "-max_send_frag runs" % n_split, probs)

    # Names that are no hostname (an empty label, '*', a space, raw
    # UTF-8) are refused by design: tshark shows them,
    # blastradius ends the parse with bad-sni, so the policy's default
    # applies. The one place where the two are meant to disagree; the
    # comparisons above skip these runs.
    probs = []
    for f in sorted(refused):
        got = l7_sni.get(f)
        if not got or got["result"] != "malformed:bad-sni":
            probs.append("frame %d (%s): l7dump %s" % (
                f, on_hellos[f], got["result"] if got else "nothing"))
    if not refused:
        probs.append("no run with a refused name was captured")
    check("TLS: names blastradius refuses by design (empty label, '*', "
          "space, UTF-8): tshark shows them, l7dump says "
          "malformed:bad-sni (%d)" % len(refused),
          probs)

    # ---- DNS -----------------------------------------------------------
    tq = queries(off)
    n_dns = len(exp_dns)
    check("DNS: tshark finds one query per dig/kdig run (%d runs)" % n_dns,
          [] if len(tq) == n_dns and n_dns else
          ["tshark found %d, clients ran %d" % (len(tq), n_dns)])
    check("DNS: l7dump reports one query per dig/kdig run (%d runs)" % n_dns,
          [] if len(l7_dns) == n_dns and n_dns else
          ["l7dump reported %d, clients ran %d" % (len(l7_dns), n_dns)])
    probs = []
    for f, (qname, qtype) in sorted(tq.items()):
        got = l7_dns.get(f)
        if not got:
            probs.append("frame %d: tshark %s/%s, l7dump nothing"
                         % (f, qname, qtype))
        elif got["qname"] != qname.lower() or got["qtype"] != qtype:
            probs.append("frame %d: tshark %s/%s, l7dump %s/%s (%s)" % (
                f, qname, qtype, got["qname"], got["qtype"], got["status"]))
    for f in sorted(set(l7_dns) - set(tq)):
        probs.append("frame %d: l7dump %s, tshark no query"
                     % (f, l7_dns[f]["qname"]))
    check("DNS: on every query frame l7dump's qname equals tshark's "
          "(case-insensitively) and the types agree (%d)" % len(tq), probs)
    probs = ["frame %d: %s" % (f, g["qname"])
             for f, g in sorted(l7_dns.items())
             if g["qname"] != g["qname"].lower()]
    check("DNS: every qname l7dump reports is lowercase", probs)
    probs = []
    for run, f in zip(exp_dns, sorted(tq)):
        qname, qtype = tq[f]
        got = l7_dns.get(f, {"status": "nothing"})
        if (qname, qtype) != (run["qname"], run["qtype"]):
            probs.append("run %s %s/%s: tshark %s/%s" % (
                run["batch"], run["qname"], run["qtype"], qname, qtype))
        if got["status"] != run["status"]:
            probs.append("run %s %s: l7dump %s, want %s" % (
                run["batch"], run["qname"], got["status"], run["status"]))
    check("DNS: names and types equal what each client asked (tshark exact "
          "case); a label holding a dot is unmatchable, the rest queries",
          probs)

    print("\n".join(results))


if __name__ == "__main__":
    main()
