#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""quic_compare.py - the kernel's reading of QUIC Initials against tshark's,
and both against what the clients sent.

usage: quic_compare.py SOURCE EXPECT POLICY TSHARK REPLAY CONTROL

SOURCE   the capture's label in the check names (lab, simulate, model).
EXPECT   one line per client connection, in the order they ran:
           quic  SOURCE  BATCH  NAME  VERSION  FLAGS
         NAME as the client put it on the wire; VERSION v1, v2 or v2draft;
         FLAGS a comma list or -: split (the hello spans two Initials),
         unread (a version whose Initial keys neither reader knows).
         Lines of other sources are skipped. For SOURCE simulate there are
         none: the model labels each Initial it writes (its pcapng
         comment, "step=quic-initial ... sni=NAME"), and those labels are
         what its clients were asked to send.
POLICY   the policy replay ran: one rule per line 'rule "..." quic sni NAME
         drop', numbered from 0 in order.
CONTROL  the names sent that no rule is meant to name, comma-separated, or
         -: the kernel must read them and match nothing. Every other name
         sent must have its rule in POLICY, and POLICY no other rule.
TSHARK   tshark -T fields over the capture, the fields of FIELDS below.
REPLAY   the comments of replay --write's pcapng, one a line: "frame N:
         ROLE VERDICT, rule R, action A[, quic_opened quic_sni ...]...".
         The verdict, the rule and the opener's counters come from the XDP
         program (the counter block before and after each frame); replay's
         own reading of the name, after "; ", is not used.

Prints "PASS<TAB>name" or "FAIL<TAB>name<TAB>detail" per check, and
"NOTE<TAB>text" for what is worth knowing but not checked, for
test_quic_differential.sh. Frames are tshark's numbers.
"""
import re
import sys

from checks import as_read, check, results

FIELDS = [
    "frame.number", "udp.stream", "udp.dstport", "quic.version",
    "quic.long.packet_type", "quic.long.packet_type_v2", "quic.frame_type",
    "quic.crypto.offset", "tls.handshake.type",
    "tls.handshake.extensions_server_name", "frame.protocols",
    "frame.comment",
]
SERVER_PORT = "443"
V1, V2, V2DRAFT = "0x00000001", "0x6b3343cf", "0x709a50c4"
VERSION_OF = {"v1": V1, "v2": V2, "v2draft": V2DRAFT}
notes = []


def first(value):
    return value.split(",")[0] if value else ""


def read_expect(path, source):
    runs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            col = line.rstrip("\n").split("\t")
            if col[0] != "quic" or col[1] != source:
                continue
            runs.append({"batch": col[2], "name": col[3],
                         "version": VERSION_OF[col[4]],
                         "flags": set() if col[5] == "-"
                         else set(col[5].split(","))})
    return runs


def read_policy(path):
    """[name, ...] of the quic sni rules, by rule number."""
    names = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'\s*rule\s+"[^"]*"\s+quic\s+sni\s+(\S+)\s+drop',
                         line)
            if m:
                names.append(as_read(m.group(1)))
            elif line.lstrip().startswith("rule"):
                raise ValueError("policy: not a quic sni rule: " + line)
    return names


def read_tshark(path):
    rows = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            # the comment, last, may hold tabs of its own: keep it whole
            col = line.rstrip("\n").split("\t", len(FIELDS) - 1)
            col += [""] * (len(FIELDS) - len(col))
            row = dict(zip(FIELDS, col))
            rows[int(row["frame.number"])] = row
    return rows


COMMENT = re.compile(r"^frame (\d+): (\S+) (\S+), rule ([^,]+), action "
                     r"([^,;]+)((?:, quic_[a-z]+(?: quic_[a-z]+)*)?)")


def read_replay(path):
    """{frame: {verdict, rule (int or None), opener: set}}: the first
    comment of each frame (a forged reply's comment is another line)."""
    out = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            m = COMMENT.match(line.rstrip("\n"))
            if not m:
                continue
            frame = int(m.group(1))
            if frame in out:
                continue
            rule = m.group(4)
            out[frame] = {
                "verdict": m.group(3),
                "rule": int(rule) if rule.isdigit() else None,
                "opener": set(m.group(6).lstrip(", ").split()),
            }
    return out


def client_initial(r):
    """The version of the frame's first QUIC packet when it is a client's
    Initial (its long-header type as its version encodes it), else None.
    tshark does not know the v2 draft: it shows its Initial (type 0b01)
    as a v1 0-RTT."""
    if r["udp.dstport"] != SERVER_PORT:
        return None
    ver = first(r["quic.version"])
    if ver == V1 and first(r["quic.long.packet_type"]) == "0":
        return ver
    if ver == V2 and first(r["quic.long.packet_type_v2"]) == "1":
        return ver
    if ver == V2DRAFT and first(r["quic.long.packet_type"]) == "1":
        return ver
    return None


def main():
    source = sys.argv[1]
    runs = read_expect(sys.argv[2], source)
    rules = read_policy(sys.argv[3])
    rows = read_tshark(sys.argv[4])
    kernel = read_replay(sys.argv[5])
    control = set() if sys.argv[6] == "-" else \
        {as_read(n) for n in sys.argv[6].split(",")}
    tag = source + ": "
    # An ICMP error quoting a datagram shows the quoted datagram's fields
    # and stream in tshark's view; it is no datagram of the flow (the
    # program judges it alone).
    for r in rows.values():
        if ":icmp" in r["frame.protocols"]:
            for k in FIELDS[1:-2]:
                r[k] = ""

    initials = {f: v for f, r in rows.items()
                if (v := client_initial(r)) is not None}
    decrypted = {f for f in initials if rows[f]["quic.frame_type"]}
    hellos = {f: rows[f]["tls.handshake.extensions_server_name"] or "-"
              for f in initials
              if "1" in rows[f]["tls.handshake.type"].split(",")}
    streams = {}
    for f in sorted(rows):
        if rows[f]["udp.stream"]:
            streams.setdefault(rows[f]["udp.stream"], []).append(f)
    stream_of = {f: rows[f]["udp.stream"] for f in rows}
    flow_initials = {}
    for f in sorted(initials):
        flow_initials.setdefault(stream_of[f], []).append(f)

    # ---- every frame judged -------------------------------------------
    missing = [f for f in rows if f not in kernel]
    check(tag + "replay judged every frame of the capture (%d)" % len(rows),
          ["frames without a verdict: %s" % missing[:20]] if missing or
          not rows else [])

    # ---- what the clients were asked to send --------------------------
    # runs: (name asked, version, flags) in the order of their flows
    if source == "simulate":
        asked = []
        for f in sorted(initials):
            # the first Initial of each run (not "quic-initial-2")
            m = re.search(r"step=quic-initial\s.*\bsni=(\S+)",
                          rows[f]["frame.comment"])
            if m:
                asked.append((f, {"batch": "model", "name": m.group(1),
                                  "version": initials[f], "flags": set()}))
        runs = [run for _, run in asked]
    # the flows in order of their first client Initial: one per run
    flows = sorted(flow_initials, key=lambda s: flow_initials[s][0])
    probs = []
    if len(flows) != len(runs) or not runs:
        probs.append("%d flows with a client Initial, %d client runs"
                     % (len(flows), len(runs)))
    check(tag + "one QUIC connection in the capture per client run (%d runs)"
          % len(runs), probs)
    run_of = dict(zip(flows, runs))

    sent = {as_read(run["name"]) for run in runs}
    want_rules = sent - control
    probs = ["%s is sent and meant to have a rule; the policy has none"
             % n for n in sorted(want_rules - set(rules))]
    probs += ["the policy names %s, which no client sends or which is a "
              "control" % n for n in sorted(set(rules) - want_rules)]
    probs += ["control %s is not sent" % n for n in sorted(control - sent)]
    check(tag + "the policy names every name sent but the controls (%d "
          "rules, %d controls)" % (len(rules), len(control)), probs)

    probs = []
    n_read = 0
    for s, run in run_of.items():
        fi = flow_initials[s]
        got_ver = initials[fi[0]]
        if got_ver != run["version"]:
            probs.append("%s %s: version %s, asked %s" % (
                run["batch"], run["name"], got_ver, run["version"]))
        names = [hellos[f] for f in fi if f in hellos]
        want = [] if "unread" in run["flags"] else [run["name"]]
        n_read += len(names)
        if names != want:
            probs.append("%s %s (%s): tshark reads %s" % (
                run["batch"], run["name"], run["version"], names or "nothing"))
    check(tag + "tshark reads one ClientHello per connection, with the name "
          "and QUIC version each client was asked to send (%d hellos)"
          % n_read, probs)

    split = {s for s, run in run_of.items() if "split" in run["flags"]}
    unread = {s for s, run in run_of.items() if "unread" in run["flags"]}
    probs = []
    for s in sorted(split, key=int):
        fi = flow_initials[s]
        hf = [f for f in fi if f in hellos]
        crypto_frames = [f for f in fi if f <= (hf or [0])[0] and
                         rows[f]["quic.crypto.offset"]]
        if len(crypto_frames) < 2:
            probs.append("%s: the hello's CRYPTO data in frames %s" % (
                run_of[s]["name"], crypto_frames))
    check(tag + "every hello of the split batch spans 2+ client Initials in "
          "tshark's view (%d)" % len(split), probs)

    # ---- the kernel's reading, frame by frame --------------------------
    # The split hellos (a ClientHello in two Initials) are held apart:
    # their own checks, at the end, say what reassembly must do.
    def opener(f):
        return kernel.get(f, {"opener": set()})["opener"]

    k_sni = {f for f in kernel if "quic_sni" in opener(f)}
    k_opened = {f for f in kernel if "quic_opened" in opener(f)}
    k_unopened = {f for f in kernel if "quic_unopened" in opener(f)}
    probs = []
    for f in sorted(set(hellos) | k_sni):
        if f not in k_sni:
            probs.append("frame %d: tshark reads %s, the kernel no name "
                         "(opener: %s)" % (f, hellos[f],
                                           " ".join(opener(f)) or "-"))
        elif f not in hellos:
            probs.append("frame %d: the kernel read a name, tshark no "
                         "ClientHello" % f)
    check(tag + "the kernel counts quic_sni on exactly the frames where "
          "tshark completes a ClientHello (%d)" % len(hellos), probs)

    probs = ["frame %d: opened by the kernel, not a client Initial tshark "
             "decrypts" % f for f in sorted(k_opened - decrypted)]
    probs += ["frame %d: quic_sni without quic_opened" % f
              for f in sorted(k_sni - k_opened)]
    check(tag + "every Initial the kernel opened is one tshark decrypts (%d "
          "opened, %d decrypted)" % (len(k_opened), len(decrypted)), probs)

    # Nothing tshark decrypts is left unopened, the split batch's Initials
    # included; an Initial without CRYPTO data (the client's ACK of the
    # server's Initial, under the server's connection ID: keys the
    # kernel cannot derive) comes after the hello was read, when the
    # flow is decided and its Initials are no longer opened.
    probs = ["frame %d: quic_unopened, a %s Initial tshark %s" % (
        f, initials.get(f, "non-"),
        "decrypts" if f in decrypted else "does not decrypt")
        for f in sorted(k_unopened) if stream_of.get(f) not in unread]
    check(tag + "the kernel leaves unopened no Initial but those of "
          "versions without known keys", probs)

    # ---- the rules: which flow the kernel decided, on which frame ------
    probs = []
    n_ruled = n_control = 0
    for s, run in run_of.items():
        if s in split:
            continue
        name = as_read(run["name"])
        hf = [f for f in flow_initials[s] if f in hellos]
        ruled = [f for f in streams[s] if kernel.get(f, {}).get("rule")
                 is not None]
        if name in control or "unread" in run["flags"]:
            n_control += 1
            if ruled:
                probs.append("%s %s: rule %d on frames %s, no rule wanted" % (
                    run["batch"], run["name"], kernel[ruled[0]]["rule"],
                    ruled[:5]))
            continue
        n_ruled += 1
        if name not in rules:
            probs.append("%s %s: no rule names it" % (run["batch"],
                                                      run["name"]))
            continue
        want = rules.index(name)
        after = [f for f in streams[s] if hf and f >= hf[0]]
        if not hf or ruled != after or \
           {kernel[f]["rule"] for f in ruled} != {want}:
            probs.append("%s %s: tshark's hello on frame %s; the kernel's "
                         "rules from frame %s: %s, want rule %d from there "
                         "on" % (run["batch"], run["name"],
                                 hf[0] if hf else "-",
                                 ruled[0] if ruled else "-",
                                 sorted({kernel[f]["rule"] for f in ruled}),
                                 want))
    for f in kernel:
        r = kernel[f]["rule"]
        if r is not None and stream_of.get(f) not in run_of:
            probs.append("frame %d: rule %d outside any QUIC connection"
                         % (f, r))
    check(tag + "the kernel decides each named flow on the frame where "
          "tshark completes its hello, by the rule naming it, and keeps the "
          "flow's verdict after; flows of other names match no rule (%d "
          "named, %d without a rule)" % (n_ruled, n_control), probs)
    if source == "lab":
        check(tag + "the capture holds control flows (sent, in no rule, "
              "or unread)", [] if n_control and n_ruled else
              ["%d named, %d control" % (n_ruled, n_control)])

    probs = []
    for s in sorted(unread, key=int):
        first_initial = flow_initials[s][0]
        if "quic_unopened" not in opener(first_initial):
            probs.append("%s: frame %d, opener %s" % (
                run_of[s]["name"], first_initial,
                " ".join(opener(first_initial)) or "-"))
    if source == "lab" and not unread:
        probs.append("no connection of a version without known keys")
    if unread or source == "lab":
        check(tag + "Initials of the v2 draft: tshark reads no hello, the "
              "kernel counts them quic_unopened (%d)" % len(unread), probs)

    # ---- cross-Initial hellos: the reassembly's expectation -----------
    if split:
        probs = []
        for s in sorted(split, key=int):
            run = run_of[s]
            hf = [f for f in flow_initials[s] if f in hellos]
            got = sorted(f for f in streams[s] if f in k_sni)
            if got != hf:
                probs.append("%s: tshark completes the hello on frame %s, "
                             "the kernel quic_sni on %s (opener per Initial:"
                             " %s)" % (run["name"], hf, got or "none", [
                                 "%d:%s" % (f, "+".join(sorted(opener(f)))
                                            or "-")
                                 for f in flow_initials[s]]))
        check(tag + "CROSS-INITIAL HELLO: the kernel "
              "reads the name on the Initial that completes the hello, as "
              "tshark does (%d)" % len(split), probs)
        probs = []
        for s in sorted(split, key=int):
            run = run_of[s]
            name = as_read(run["name"])
            hf = [f for f in flow_initials[s] if f in hellos]
            ruled = [f for f in streams[s]
                     if kernel.get(f, {}).get("rule") is not None]
            after = [f for f in streams[s] if hf and f >= hf[0]]
            want = None if name in control else \
                rules.index(name) if name in rules else -1
            rset = {kernel[f]["rule"] for f in ruled}
            ok = (ruled == after and rset == {want}) if want is not None \
                else not ruled
            if not ok:
                probs.append("%s: hello on frame %s, rules %s from frame %s"
                             % (run["name"], hf[0] if hf else "-",
                                sorted(rset), ruled[0] if ruled else "-"))
        check(tag + "CROSS-INITIAL HELLO: the rule naming "
              "it decides the flow from that Initial on (%d)" % len(split),
              probs)

    print("\n".join(results + ["NOTE\t" + n for n in notes]))


if __name__ == "__main__":
    main()
