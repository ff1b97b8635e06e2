#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The command line without traffic: check's messages and exit codes, JSON
# output, privilege and state errors, and a policy too large for its maps
# rejected before anything is pinned. Then the loader's robustness on veth
# pairs in a namespace of the test's own: a damaged instance, a namespace
# name too long for the interface record, unload with a link pin gone, a
# stopped process holding the instance lock, a deleted interface, and a
# native attach refused for the MTU.
#
# usage: tests/e2e/test_cli.sh BUILD_DIR   (as root)
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
BLASTRADIUS=$(realpath "$BUILD/blastradius")
. tests/e2e/lib.sh

ID=$(printf '%04x%02x' $((RANDOM)) $((RANDOM % 256)))
TMP=$(mktemp -d)
BPFFS="/run/blastradius-cli-$ID"
cleanup() {
	mountpoint -q "$BPFFS" && umount "$BPFFS"
	rmdir "$BPFFS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
mkdir -p "$BPFFS" && mount -t bpf bpf "$BPFFS"
PIN="$BPFFS/state"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# ---- check ------------------------------------------------------------------
out=$("$BLASTRADIUS" check policies/examples/apns-port.policy 2>&1); rc=$?
t_eq "check of a valid policy exits 0" "$rc" 0
t_match "check prints a one-line summary" "$out" \
	'^policies/examples/apns-port.policy: ok: policy apns-port, 1 rule, .*default pass, targets apns$'
out=$("$BLASTRADIUS" check policies/youtube-throttle-2024.policy 2>&1)
t_match "... with the rules that open QUIC Initials, when there are" "$out" \
	', 1 domain key, 1 rule opening QUIC Initials, default pass,'
out=$("$BLASTRADIUS" check policies/examples/ja4-chrome-hosters.policy 2>&1)
t_match "... and the distinct JA4 prints listed" "$out" \
	', [0-9]+ address classes, [1-9][0-9]* JA4 prints?, default pass'
out=$("$BLASTRADIUS" --json check policies/youtube-throttle-2024.policy 2>&1)
t_eq "... the same in JSON" "$(jq -c '.policies[0] | [.ja4_prints, .quic_sni_rules]' <<<"$out")" '[0,1]'

cat >"$TMP/bad.policy" <<'P'
policy bad
default pass
rule tcp daddr 198.18.1.0/15 dport 5223 drop
rule udp dport 70000 drop
rule tcp dport 443 reject
P
out=$("$BLASTRADIUS" check "$TMP/bad.policy" 2>&1); rc=$?
t_eq "check of a broken policy exits 1" "$rc" 1
t_match "host bits error with its position" "$out" \
	"^$TMP/bad.policy:3:16: prefix 198.18.1.0/15 has host bits set \\(did you mean 198.18.0.0/15\\?\\)$"
t_match "port range error with its position" "$out" "^$TMP/bad.policy:4:16: "
t_match "unknown action error with its position" "$out" "^$TMP/bad.policy:5:20: unknown action"
t_eq "every error reported, one per line" "$(printf '%s\n' "$out" | grep -c "^$TMP/bad.policy:[0-9]*:[0-9]*: ")" 3

js=$("$BLASTRADIUS" --json check "$TMP/bad.policy" policies/examples/apns-port.policy)
t_eq "check --json: overall not ok" "$(echo "$js" | jq .ok)" false
t_eq "check --json: errors with line and col" \
	"$(echo "$js" | jq -c '.policies[0].errors[0] | [.line, .col]')" "[3,16]"
t_eq "check --json: the valid policy is ok" "$(echo "$js" | jq '.policies[1].ok')" true

out=$("$BLASTRADIUS" check "$TMP/missing.policy" 2>&1); rc=$?
t_eq "check of a missing file exits 1" "$rc" 1
t_match "missing file named in the message" "$out" "missing.policy"

crowded_msg=$(crowded_policy "$TMP")
out=$("$BLASTRADIUS" check "$TMP/crowded.policy" 2>&1); rc=$?
t_eq "check of a too-large policy exits 1" "$rc" 1
t_match "too large: positioned at the set" "$out" "$crowded_msg"

# ---- inputs: regular files only, capped, refused where they are named -----
# timeout: a command that blocks on a FIFO or reads /dev/zero forever
# fails its check (exit 124) instead of stopping the suite.
mkfifo "$TMP/fifo.policy"
out=$(timeout 20 "$BLASTRADIUS" check "$TMP/fifo.policy" 2>&1); rc=$?
t_eq "check of a FIFO exits 1 without waiting for a writer" "$rc" 1
t_match "... and says what it is" "$out" \
	"^$TMP/fifo.policy: cannot open: not a regular file \\(a FIFO\\)$"
out=$(timeout 20 "$BLASTRADIUS" check /dev/zero 2>&1); rc=$?
t_eq "check of /dev/zero exits 1 without reading it" "$rc" 1
t_match "... and says what it is" "$out" \
	"^/dev/zero: cannot open: not a regular file \\(a character device\\)$"
truncate -s 300M "$TMP/huge.set"
printf 'policy p\ninclude "/dev/zero"\ninclude "fifo.policy"\ninclude "huge.set"\n' \
	>"$TMP/inc.policy"
out=$(timeout 20 "$BLASTRADIUS" check "$TMP/inc.policy" 2>&1); rc=$?
t_eq "check with /dev/zero, a FIFO and 300 MB as includes exits 1" "$rc" 1
t_match "/dev/zero refused at its include's position" "$out" \
	"^$TMP/inc.policy:2:9: cannot open \"/dev/zero\": not a regular file \\(a character device\\)$"
t_match "the FIFO refused at its include's position" "$out" \
	"^$TMP/inc.policy:3:9: cannot open \"fifo.policy\": not a regular file \\(a FIFO\\)$"
t_match "over the size cap refused at its include's position" "$out" \
	"^$TMP/inc.policy:4:9: cannot open \"huge.set\": larger than 256 MiB \\(314572800 bytes\\)$"
out=$(timeout 20 "$BLASTRADIUS" diff policies/examples/apns-port.policy "$TMP/fifo.policy" 2>&1); rc=$?
t_eq "diff with a FIFO exits 2 (trouble)" "$rc" 2
t_match "... naming the FIFO" "$out" "^$TMP/fifo.policy: cannot open: not a regular file"
printf 'scenario s\ndevices 10\nplatform ios 50%%, android 50%%\nduration 1m\nat 10s policy "fifo.policy"\n' \
	>"$TMP/fifo.scenario"
out=$(timeout 20 "$BLASTRADIUS" simulate --no-policy --scenario "$TMP/fifo.scenario" 2>&1); rc=$?
t_eq "simulate with a FIFO as a timeline policy exits 1" "$rc" 1
t_match "... refused at its at statement" "$out" \
	"^$TMP/fifo.scenario:5:15: cannot open \"fifo.policy\": not a regular file \\(a FIFO\\)$"

# an unrelated file as an include: one message, its contents not echoed
printf 'policy p\ninclude "%s/Makefile"\n' "$PWD" >"$TMP/make.policy"
out=$("$BLASTRADIUS" check "$TMP/make.policy" 2>&1); rc=$?
t_eq "check with the Makefile as an include exits 1" "$rc" 1
t_eq "... with one message" "$(printf '%s\n' "$out" | wc -l)" 1
t_match "... at the include, saying what the file starts with" "$out" \
	"^$TMP/make.policy:2:9: \"$PWD/Makefile\" is not a set file: it starts with \"BUILD\" at line [0-9]+ "

# a million errors: the first 100 reported, then one "too many errors"
yes x | head -n 1000000 >"$TMP/garbage.policy"
out=$(timeout 60 "$BLASTRADIUS" check "$TMP/garbage.policy" 2>&1); rc=$?
t_eq "check of a file of a million errors exits 1" "$rc" 1
t_eq "... with 100 errors and one more line" "$(printf '%s\n' "$out" | wc -l)" 101
t_match "... that says it stopped, and where" "$(printf '%s\n' "$out" | tail -n 1)" \
	"^$TMP/garbage.policy:101:1: too many errors, stopping here \\(at most 100 are reported\\)$"
t_eq "check --json lists as many" \
	"$(timeout 60 "$BLASTRADIUS" --json check "$TMP/garbage.policy" | jq '.policies[0].errors | length')" 101

# ---- simulate --seed: read as the scenario's seed statement is -----------
# (a missing scenario after it: an accepted seed ends in exit 1, not 2)
for bad in -1 "" 0x10 " 5" 7x 18446744073709551616; do
	out=$("$BLASTRADIUS" simulate --no-policy --seed "$bad" \
		--scenario "$TMP/missing.scenario" 2>&1); rc=$?
	t_eq "simulate --seed \"$bad\" is a usage error" "$rc" 2
	t_match "... saying why" "$out" \
		"^blastradius: --seed \"$bad\": (not a number \\(digits only|too large \\(at most 18446744073709551615)"
done
out=$("$BLASTRADIUS" simulate --no-policy --seed 18446744073709551615 \
	--scenario "$TMP/missing.scenario" 2>&1); rc=$?
t_eq "simulate --seed 2^64-1 is accepted (then the missing scenario: 1)" "$rc" 1

# ---- commands and privileges ----------------------------------------------
"$BLASTRADIUS" frobnicate >/dev/null 2>&1; rc=$?
t_eq "unknown command exits 2" "$rc" 2
t_match "help lists the commands" "$("$BLASTRADIUS" --help)" "load +DEV\\[:ROLE\\]"
out=$(nobody "$BLASTRADIUS" --pin-dir "$PIN" status 2>&1); rc=$?
t_eq "status without privileges exits 1" "$rc" 1
t_match "missing privileges said clearly" "$out" "permission denied: .*needs root"
out=$(nobody "$BLASTRADIUS" --pin-dir "$PIN" load lo policies/examples/apns-port.policy 2>&1)
t_match "load without privileges said clearly" "$out" "permission denied: .*needs root"
# before anything else: a catalog it cannot read (a clone in a private
# home) must not hide why
for cmd in "load lo" swap; do
	out=$(nobody "$BLASTRADIUS" --pin-dir "$PIN" --catalog "$TMP/unreadable" \
		$cmd policies/examples/apns-port.policy 2>&1)
	t_match "${cmd%% *} without privileges says so before reading the catalog" \
		"$out" "^blastradius: permission denied: .*needs root"
done
out=$("$BLASTRADIUS" --pin-dir "$PIN" stats 2>&1); rc=$?
t_eq "stats when not loaded exits 1" "$rc" 1
t_match "not loaded said clearly" "$out" "not loaded: nothing pinned at $PIN"
out=$("$BLASTRADIUS" --pin-dir "/tmp/not-bpffs-$ID/x" load lo policies/examples/apns-port.policy 2>&1)
t_match "a pin dir off bpffs is refused" "$out" "is not on a bpffs"

out=$("$BLASTRADIUS" --pin-dir "$PIN" load lo "$TMP/crowded.policy" 2>&1); rc=$?
t_eq "load of a too-large policy exits 1" "$rc" 1
t_match "load says why" "$out" "policy too large for its map"
t_eq "load of a too-large policy leaves nothing pinned" "$(ls -A "$PIN" 2>/dev/null | wc -l)" 0
t_fails "and no state directory" test -e "$PIN"
out=$("$BLASTRADIUS" --pin-dir "$PIN" load "$TMP/bad.policy" 2>&1); rc=$?
t_eq "load without an interface is a usage error" "$rc" 2

# ---- a damaged instance is reported as such and unload clears it ----------
NS="br-$ID-cli"
ip netns add "$NS" && ip -n "$NS" link add d0 type veth peer name d1 && ip -n "$NS" link set d0 up
trap 'ip netns del "$NS" 2>/dev/null; cleanup' EXIT
t_check "load on a veth inside a namespace (generic)" \
	"$BLASTRADIUS" --pin-dir "$PIN" --netns "$NS" load d0 policies/examples/apns-port.policy --mode generic
rm "$PIN/grace"
out=$("$BLASTRADIUS" --pin-dir "$PIN" status 2>&1); rc=$?
t_eq "status of a damaged instance exits 1" "$rc" 1
t_match "damaged instance said as such, not 'not loaded'" "$out" "incomplete instance .*unload removes it"
t_check "unload removes a damaged instance" "$BLASTRADIUS" --pin-dir "$PIN" unload
t_eq "its XDP program is detached" "$(ip -n "$NS" -d link show d0 | grep -c 'prog/xdp')" 0
t_fails "and its state directory is gone" test -e "$PIN"

xdp_on() { ip -n "$1" -d link show "$2" | grep -c 'prog/xdp'; }
load_d0() { "$BLASTRADIUS" --pin-dir "$PIN" --netns "$NS" load d0 policies/examples/apns-port.policy --mode generic --no-impact "$@"; }

# ---- a namespace name longer than the interface record holds --------------
# Cut in the record, unload looked for another link pin, said "unloaded"
# and left XDP attached: refused at load now, with why.
LONG="br-$ID-$(printf 'n%.0s' $(seq 1 60))"
ip netns add "$LONG" && ip -n "$LONG" link add l0 type veth peer name l1 && ip -n "$LONG" link set l0 up
trap 'ip netns del "$NS" 2>/dev/null; ip netns del "$LONG" 2>/dev/null; cleanup' EXIT
out=$("$BLASTRADIUS" --pin-dir "$PIN" --netns "$LONG" load l0 policies/examples/apns-port.policy \
	--mode generic --no-impact 2>&1); rc=$?
t_eq "load in a namespace named with ${#LONG} characters exits 1" "$rc" 1
t_match "says the name is too long, and the limit" "$out" \
	"network namespace name $LONG is ${#LONG} characters long: at most 63"
t_eq "nothing attached in that namespace" "$(xdp_on "$LONG" l0)" 0
t_fails "nothing pinned" test -e "$PIN"
"$BLASTRADIUS" --pin-dir "$PIN" unload >/dev/null 2>&1

# ---- unload never says "unloaded" while the program is still attached -----
# The link pin renamed by hand: nothing but the XDP query can tell unload
# that the interface still runs the program.
t_check "load on d0" load_d0
mv "$PIN/link@$NS@d0" "$PIN/held"
out=$("$BLASTRADIUS" --pin-dir "$PIN" unload 2>&1); rc=$?
attached=$(xdp_on "$NS" d0)
t_eq "unload with the link pin renamed: exit 0 only if d0 runs no XDP" \
	"$([ "$rc" -ne 0 ] || [ "$attached" -eq 0 ] && echo consistent)" consistent
t_eq "the program is detached from d0 anyway (the link found by its program)" "$attached" 0
t_eq "unload exits 1: the renamed pin is not blastradius's to remove" "$rc" 1
t_match "says what is left in the directory" "$out" "$PIN also holds what blastradius did not pin there \\(held\\)"
rm "$PIN/held"
t_check "once it is gone, unload removes the rest" "$BLASTRADIUS" --pin-dir "$PIN" unload
t_fails "and the state directory" test -e "$PIN"

# ---- a process holding the lock: named, and waited for a bounded time -----
# A stopped process holds the instance lock (as a SIGSTOPped swap would):
# swap and unload give up after --wait (default 10 s), naming it.
t_check "load on d0" load_d0
python3 -c 'import fcntl, os, signal, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
signal.pause()' "$PIN" >"$TMP/holder" &
HOLDER=$!
trap 'kill -9 $HOLDER 2>/dev/null; ip netns del "$NS" 2>/dev/null; ip netns del "$LONG" 2>/dev/null; cleanup' EXIT
for i in $(seq 1 100); do grep -q locked "$TMP/holder" && break; sleep 0.05; done
kill -STOP "$HOLDER"
out=$(timeout 60 "$BLASTRADIUS" --pin-dir "$PIN" --wait 1 swap --no-impact policies/examples/apns-port.policy 2>&1); rc=$?
t_eq "swap --wait 1 while a stopped process holds the lock: exits 1" "$rc" 1
t_match "names the holder, its command and that it is stopped" "$out" \
	"$PIN is locked by PID $HOLDER \\(([^ ]*/)?python3 -c .*, stopped: kill -CONT it, or end it\\): gave up after 1.0 s"
out=$(timeout 60 "$BLASTRADIUS" --pin-dir "$PIN" unload 2>&1); rc=$?
t_eq "unload with the default wait gives up too (exit 1, no hang)" "$rc" 1
t_match "after 10 s" "$out" "locked by PID $HOLDER .*gave up after 10.0 s"
t_eq "and changed nothing" "$(xdp_on "$NS" d0)" 1
{ kill -9 "$HOLDER"; wait "$HOLDER"; } 2>/dev/null
t_check "once it is gone, unload works" "$BLASTRADIUS" --pin-dir "$PIN" unload

# ---- status of an interface deleted since the load ------------------------
ip -n "$NS" link add g0 type veth peer name g1 && ip -n "$NS" link set g0 up
t_check "load on d0 and g0" "$BLASTRADIUS" --pin-dir "$PIN" --netns "$NS" load d0 g0 \
	policies/examples/apns-port.policy --mode generic --no-impact
ip -n "$NS" link del g0
out=$("$BLASTRADIUS" --pin-dir "$PIN" status 2>&1)
t_match "status marks the deleted interface gone" "$out" "g0 in $NS \\(subscriber, generic\\): gone, the interface was deleted"
t_match "and the other one attached, as before" "$out" "d0 in $NS \\(subscriber, generic\\)$"
t_eq "status --json: each interface's state" \
	"$("$BLASTRADIUS" --pin-dir "$PIN" --json status | jq -c '[.interfaces[] | .name + ":" + .state]')" \
	'["d0:attached","g0:gone"]'
t_check "unload g0 forgets it" "$BLASTRADIUS" --pin-dir "$PIN" --netns "$NS" unload g0
t_eq "status lists d0 only" "$("$BLASTRADIUS" --pin-dir "$PIN" --json status | jq -c '[.interfaces[].name]')" '["d0"]'
t_check "unload" "$BLASTRADIUS" --pin-dir "$PIN" unload

# ---- the censor's tables: their size at load, in status ------------------
out=$("$BLASTRADIUS" --pin-dir "$PIN" --netns "$NS" load d0 \
	policies/examples/apns-port.policy --mode generic --no-impact \
	--flow-table 1000000000 2>&1); rc=$?
t_eq "load --flow-table beyond its limit: exit 2" "$rc" 2
t_match "says the limits" "$out" \
	'--flow-table: a number of entries from 64 to 16777216, not "1000000000"'
for bad in 0 63 -5 12k "" 0x100; do
	"$BLASTRADIUS" --pin-dir "$PIN" --netns "$NS" load d0 \
		policies/examples/apns-port.policy --hello-table "$bad" \
		>/dev/null 2>&1
	t_eq "load --hello-table \"$bad\": exit 2" "$?" 2
done
t_eq "and nothing was loaded" "$(xdp_on "$NS" d0)" 0
t_check "load with the default tables" load_d0
t_eq "status --json: the default tables" \
	"$("$BLASTRADIUS" --pin-dir "$PIN" --json status | jq -c '[.flow_table, .hello_table]')" \
	'[131072,16384]'
t_check "unload" "$BLASTRADIUS" --pin-dir "$PIN" unload
t_check "load --flow-table 4096 --hello-table 256" "$BLASTRADIUS" \
	--pin-dir "$PIN" --netns "$NS" load d0 policies/examples/apns-port.policy \
	--mode generic --no-impact --flow-table 4096 --hello-table 256
t_match "status says them" "$("$BLASTRADIUS" --pin-dir "$PIN" status)" \
	'^tables +4096 flows, 256 hellos being read$'
t_check "unload" "$BLASTRADIUS" --pin-dir "$PIN" unload

# ---- native XDP on a veth whose MTU is over the page a frame must fit ------
ip -n "$NS" link add m0 mtu 4000 type veth peer name m1 mtu 4000 &&
	ip -n "$NS" link set m0 up && ip -n "$NS" link set m1 up
out=$("$BLASTRADIUS" --pin-dir "$PIN" --netns "$NS" load m0 policies/examples/apns-port.policy \
	--mode native --no-impact 2>&1); rc=$?
t_eq "native load on a veth with MTU 4000 exits 1" "$rc" 1
t_match "says the MTU is the reason, and the two ways out" "$out" \
	"cannot attach to m0 in native mode: .*its MTU is 4000.*Lower the MTU .* or use --mode generic"
t_fails "nothing pinned" test -e "$PIN"
t_check "generic mode takes it" "$BLASTRADIUS" --pin-dir "$PIN" --netns "$NS" load m0 \
	policies/examples/apns-port.policy --mode generic --no-impact
"$BLASTRADIUS" --pin-dir "$PIN" unload >/dev/null

# ---- what reaches the terminal is printable --------------------------------
# A file name with an escape sequence in it: every command shows it as
# \x1b, none writes the ESC byte itself.
ESC=$(printf '\033')
has_esc() { printf '%s' "$1" | grep -q "$ESC"; }
EP="$TMP/x${ESC}[2J.policy"
cp policies/examples/apns-port.policy "$EP"
out=$("$BLASTRADIUS" check "$EP" 2>&1)
t_fails "check writes no raw ESC" has_esc "$out"
t_match "... and shows it escaped" "$out" '^.*/x\\x1b\[2J\.policy: ok: '
printf 'policy "bad\033[2J"\n' >"$EP"
out=$("$BLASTRADIUS" check "$EP" 2>&1)
t_fails "check's errors write no raw ESC" has_esc "$out"
t_match "... and show it escaped" "$out" \
	'^.*/x\\x1b\[2J\.policy:1:12: control character "\\x1b" in string$'
cp policies/examples/apns-port.policy "$EP"
out=$("$BLASTRADIUS" diff "$EP" policies/examples/https-port.policy 2>&1)
t_fails "diff writes no raw ESC" has_esc "$out"
t_match "... and shows it escaped" "$out" '^--- .*/x\\x1b\[2J\.policy \(policy apns-port\)$'
t_check "load a policy from that file" \
	"$BLASTRADIUS" --pin-dir "$PIN" --netns "$NS" load d0 "$EP" --mode generic --no-impact
out=$("$BLASTRADIUS" --pin-dir "$PIN" status 2>&1)
t_fails "status writes no raw ESC" has_esc "$out"
t_match "... and shows it escaped" "$out" '^policy +apns-port \(.*/x\\x1b\[2J\.policy\)$'
out=$("$BLASTRADIUS" --pin-dir "$PIN" stats --no-attribution 2>&1)
t_fails "stats writes no raw ESC" has_esc "$out"
t_match "... and shows it escaped" "$out" '^generation 1: policy apns-port \(.*/x\\x1b\[2J\.policy\)$'
t_check "unload" "$BLASTRADIUS" --pin-dir "$PIN" unload

t_done
