#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# A registry of 20 million IPv4 addresses and prefixes, the order of what
# Roskomnadzor blocked in April 2018 (issue 15): its policy compiles, every
# probe gets the kernel's verdict it should (replay: a private instance,
# the program run by BPF_PROG_TEST_RUN), and it swaps into an instance
# attached to a veth, whose swap line says what its sets take.
#
# The set is written here with awk, not by tests/gen_registry.py (20M rows
# of Python take minutes): 19,000,000 distinct hosts i * 40503 + 16777216
# mod 2^32 (an odd multiplier: a bijection) and 1,000,000 /24s j * 2731 +
# 65536 mod 2^24, outside 100.64.0.0/10 (the probes that must pass) and
# 198.18.0.0/15 (the lab's); then the probe prefixes, in two set files
# (each under the language's 256 MiB cap).
#
# usage: tests/e2e/test_registry_scale.sh BUILD_DIR   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BLASTRADIUS=$(realpath "$BUILD/blastradius")
. tests/e2e/lib.sh

TMP=$(mktemp -d)
NS="brscale-$$-$(date +%s)"
PIN="/run/$NS"
cleanup() {
	[ -d "$PIN/state" ] && ip netns exec "$NS" "$BLASTRADIUS" \
		--pin-dir "$PIN/state" unload >/dev/null 2>&1
	umount "$PIN" 2>/dev/null
	rmdir "$PIN" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# write_part P: set file P: half the hosts, and in the second the /24s and
# the probes; its element count and skipped count to count$P.
write_part() {
	awk -v part="$1" 'function out(a, len) {
		a1 = int(a / 16777216); a2 = int(a / 65536) % 256
		if (a1 == 100 && a2 >= 64 && a2 < 128) { skipped++; return }
		if (a1 == 198 && (a2 == 18 || a2 == 19)) { skipped++; return }
		printf "%d.%d.%d.%d%s\n", a1, a2, int(a / 256) % 256, a % 256, len
		n++
	}
	BEGIN {
		printf "set reg%d addr {\n", part
		lo = part == 1 ? 0 : 9500000; hi = part == 1 ? 9500000 : 19000000
		for (i = lo; i < hi; i++)
			out((i * 40503 + 16777216) % 4294967296, "")
		if (part == 2) {
			for (j = 0; j < 1000000; j++)
				out(((j * 2731 + 65536) % 16777216) * 256, "/24")
			print "198.18.77.1"; print "198.19.99.0/24"; n += 2
		}
		print "}"
		printf "%d %d\n", n, skipped > "/dev/stderr"
	}' >"$TMP/reg$1.set" 2>"$TMP/count$1"
}
write_part 1
write_part 2
n1=$(cut -d' ' -f1 "$TMP/count1")
n2=$(cut -d' ' -f1 "$TMP/count2")
total=$((n1 + n2))
printf 'policy registry-20m\ninclude "reg1.set"\ninclude "reg2.set"\nrule "part 1" tcp daddr @reg1 drop\nrule "part 2" tcp daddr @reg2 drop\n' \
	>"$TMP/reg.policy"
t_eq "the set holds 20M addresses and prefixes, less the probe ranges" \
	"$((total > 19900000 && total <= 20000000))" 1

out=$("$BLASTRADIUS" check "$TMP/reg.policy" 2>&1); rc=$?
t_eq "check accepts the 20M policy" "$rc" 0
t_match "... all of its elements" "$out" "ok: policy registry-20m, 2 rules, 2 named sets, $total elements,"

# SYNs to members of both parts (hosts and /24s, first, middle and last
# written), to the probes, and to 100.64/10 (in no set).
# shellcheck disable=SC2046 # one address a word
python3 tests/e2e/syn_pcap.py "$TMP/syn.pcap" $(python3 - <<'PY'
import socket, struct
def host(i):
    return (i * 40503 + 16777216) % 2**32
def text(a):
    return socket.inet_ntoa(struct.pack("!I", a))
def skip(a):
    return (a >> 24 == 100 and 64 <= (a >> 16) & 255 < 128) or \
           (a >> 24 == 198 and (a >> 16) & 255 in (18, 19))
members = [host(i) for i in (0, 1, 9499999, 9500000, 12345678, 18999999)]
members += [((j * 2731 + 65536) % 2**24) * 256 + 77 for j in (0, 500000, 999999)]
members = [text(a) for a in members if not skip(a)]
outside = ["100.64.0.1", "100.100.7.9", "100.127.255.254", "198.18.77.2"]
probes = ["198.18.77.1", "198.19.99.200"]
print(" ".join(members + probes + outside))
PY
)
verdicts=$("$BLASTRADIUS" --json replay --policy "$TMP/reg.policy" "$TMP/syn.pcap" |
	python3 -c 'import json,sys
print(" ".join(f["verdict"] for f in json.load(sys.stdin)["flows"]))')
t_eq "replay: 9 members and 2 probes dropped, 4 outside passed" "$verdicts" \
	"drop drop drop drop drop drop drop drop drop drop drop pass pass pass pass"

# Swapped into an instance on a veth: the sets' memory in the swap's line.
ip netns add "$NS" &&
	ip -n "$NS" link add va type veth peer name vb &&
	ip -n "$NS" link set va up && ip -n "$NS" link set vb up &&
	mkdir -p "$PIN" && mount -t bpf bpf "$PIN" ||
	t_fail "a namespace with a veth and a bpffs"
printf 'policy small\nrule tcp dport 5223 drop\n' >"$TMP/small.policy"
t_check "load a small policy on the veth" ip netns exec "$NS" "$BLASTRADIUS" \
	--pin-dir "$PIN/state" load va:subscriber "$TMP/small.policy" --no-impact
sets=$(ip netns exec "$NS" "$BLASTRADIUS" --pin-dir "$PIN/state" --json swap \
	--no-impact "$TMP/reg.policy" | jq -c '[.generation, .sets.v4_prefixes, .sets.bytes > 0]')
t_eq "the 20M policy swaps in; its prefixes and line memory reported" \
	"$sets" "[2,$total,true]"
t_match "the 20M policy is in force" \
	"$(ip netns exec "$NS" "$BLASTRADIUS" --pin-dir "$PIN/state" status)" \
	"policy +registry-20m"
t_check "and swaps out again" ip netns exec "$NS" "$BLASTRADIUS" \
	--pin-dir "$PIN/state" swap --no-impact "$TMP/small.policy"
t_done
