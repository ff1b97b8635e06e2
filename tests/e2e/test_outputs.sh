#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# What blastradius prints, held to the byte (issue 11: a refactor must
# not change a figure). The fixtures in tests/outputs/ are what the code
# printed when they were last written:
#
# - simulate --json: the built-in default scenario against every shipped
#   policy (what `make demo` and most users run);
# - simulate --csv: every shipped policy against the small test scenario;
# - replay --json: every capture of the capture suite, with the policy
#   and options of its .expect (tests/captures/README.md);
# - stats --json and stats --prometheus of a live instance (generic XDP
#   on a veth in a namespace of its own) after a fixed sequence of frames:
#   a capture's frames pushed through the pinned programs with `bpftool
#   prog run`, so the counters hold exactly those and nothing the kernel
#   sends by itself.
#
# A change that alters an output on purpose rewrites the fixtures
# (`tests/e2e/test_outputs.sh BUILD --update`) and says why in its commit
# message; the diff of tests/outputs/ shows what moved.
#
# usage: tests/e2e/test_outputs.sh BUILD_DIR [--update]   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
UPDATE=${2:-}
BR=$(realpath "$BUILD/blastradius")
. tests/e2e/lib.sh
# this tree's catalog, whatever is installed
export BLASTRADIUS_CATALOG=$PWD/policies/catalog
OUT=tests/outputs
ID=brout-$$-$RANDOM
NS=$ID
BPFFS=/run/$ID
PIN=$BPFFS/state
TMP=$(mktemp -d "/tmp/$ID.XXXXXX")
cleanup() {
	"$BR" --pin-dir "$PIN" unload >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	umount "$BPFFS" 2>/dev/null
	rmdir "$BPFFS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# same NAME FILE: FILE is what tests/outputs/NAME holds (or becomes it)
same() {
	local want=$OUT/$1

	if [ "$UPDATE" = --update ]; then
		mkdir -p "$(dirname "$want")"
		cp "$2" "$want"
		t_ok "$1: written"
	elif [ ! -f "$want" ]; then
		t_fail "$1: the same as before" "no fixture $want (--update writes it)"
	elif cmp -s "$2" "$want"; then
		t_ok "$1: the same as before"
	else
		t_fail "$1: the same as before" \
			"$(diff -u "$want" "$2" | head -20)"
	fi
}

# ---- simulate --------------------------------------------------------------
"$BR" --json simulate >"$TMP/simulate.json" 2>"$TMP/err" ||
	t_fail "simulate --json runs" "$(cat "$TMP/err")"
same simulate-default.json "$TMP/simulate.json"
"$BR" simulate --csv --scenario tests/e2e/scenarios/small.scenario \
	>"$TMP/simulate.csv" 2>"$TMP/err" ||
	t_fail "simulate --csv runs" "$(cat "$TMP/err")"
same simulate-small.csv "$TMP/simulate.csv"

# ---- replay: every capture of the suite, as its .expect replays it ---------
for exp in tests/captures/*.expect; do
	name=$(basename "$exp" .expect)
	cap=$(awk '$1 == "capture" { print $2 }' "$exp")
	[ -n "$cap" ] || cap=$(ls tests/captures/"$name".pcap* 2>/dev/null | head -n 1)
	[ -n "$cap" ] && [ "${cap#tests/}" = "$cap" ] && cap=tests/captures/$cap
	policy=$(awk '$1 == "policy" { print $2 }' "$exp")
	# shellcheck disable=SC2046 # option lines are split on spaces
	"$BR" --json replay "$cap" --policy "$policy" \
		$(awk '$1 == "option" { $1 = ""; print }' "$exp") \
		>"$TMP/replay.json" 2>/dev/null
	same "replay/$name.json" "$TMP/replay.json"
done

# ---- stats of a live instance after a fixed sequence -----------------------
# links left down: nothing but the pushed frames reaches the program
mkdir -p "$BPFFS" && mount -t bpf bpf "$BPFFS" && chmod 700 "$BPFFS" &&
	ip netns add "$NS" &&
	ip -n "$NS" link add v0 type veth peer name v1 ||
	t_fail "a namespace and a bpffs for the live instance"
"$BR" --pin-dir "$PIN" --netns "$NS" load v0 \
	policies/examples/sni-courier-drop.policy --mode generic --no-impact \
	>/dev/null || t_fail "load"
# the frames of a capture, each through the program of its side: the
# subscriber's (198.18.0.2) and the upstream's
python3 - "$PIN" tests/captures/evasion-5d-trailing-dot.pcap "$TMP" <<'EOF' ||
import os, struct, subprocess, sys
pin, cap, tmp = sys.argv[1:4]
d = open(cap, 'rb').read()
e = '<' if struct.unpack('<I', d[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else '>'
off, n = 24, 0
while off + 16 <= len(d):
    incl = struct.unpack(e + 'IIII', d[off:off + 16])[2]
    frame = d[off + 16:off + 16 + incl]
    off += 16 + incl
    n += 1
    path = os.path.join(tmp, 'frame%d' % n)
    open(path, 'wb').write(frame)
    prog = 'prog_subscriber' if frame[26:30] == bytes([198, 18, 0, 2]) \
        else 'prog_upstream'
    subprocess.run(['bpftool', 'prog', 'run', 'pinned',
                    os.path.join(pin, prog), 'data_in', path, 'repeat', '1'],
                   check=True, capture_output=True)
EOF
	t_fail "the capture's frames through the pinned programs"
"$BR" --pin-dir "$PIN" --json stats >"$TMP/stats.json"
same stats.json "$TMP/stats.json"
# the commit's time and this run's namespace are all that move
"$BR" --pin-dir "$PIN" stats --prometheus |
	sed -e 's/^\(blastradius_generation_start_time_seconds\) .*/\1 TIME/' \
		-e "s/netns=\"$NS\"/netns=\"NS\"/" >"$TMP/stats.prom"
same stats.prom "$TMP/stats.prom"

t_done
