#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# A hostile local user against root: each attack of issue 10's security
# items runs as nobody (setpriv), then root runs blastradius, and the test
# checks that root touched nothing but its own.
#
#  1. load never empties what --pin-dir leads to: a symlink nobody planted
#     in a world-writable bpffs, another tool's directory, the bpffs root
#     (with and without a trailing slash);
#  2. the pin directory cannot be taken over: a directory nobody made
#     before the load, and one nobody re-creates in a loop while root's
#     load is held at its mkdir (strace delays it), after which nobody
#     tries to remove root's link pin;
#  3. output files (simulate --html and --write-pcap, replay --write)
#     never write through a symlink nobody planted, nor into a hard link.
#
# The bpffs is the test's own, mounted with bpffs's default mode 1777.
# Nothing is sent on any network: the XDP program is attached (generic
# mode) to a veth pair in a namespace of the test's own.
#
# usage: tests/e2e/test_security.sh BUILD_DIR   (as root)
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
BLASTRADIUS=$(realpath "$BUILD/blastradius")
. tests/e2e/lib.sh

ID=$(printf '%04x%02x' $((RANDOM)) $((RANDOM % 256)))
TMP=$(mktemp -d)
BPFFS="/run/blastradius-sec-$ID"
NS="br-$ID-sec"
POLICY=policies/examples/apns-port.policy
LOOP=""
# Unload whatever a load that should have been refused made (so that each
# check below stands on its own when run against a loader without the
# fixes).
unload_all() {
	local d

	for d in "$BPFFS"/*/; do
		[ -e "$d/state" ] && "$BLASTRADIUS" --pin-dir "$d" unload >/dev/null 2>&1
	done
	return 0
}
cleanup() {
	if [ -n "$LOOP" ]; then
		kill "$LOOP" 2>/dev/null
		wait "$LOOP" 2>/dev/null
	fi
	unload_all
	ip netns del "$NS" 2>/dev/null
	mountpoint -q "$BPFFS" && umount "$BPFFS"
	rmdir "$BPFFS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir -p "$BPFFS" && mount -t bpf bpf "$BPFFS"
ip netns add "$NS" && ip -n "$NS" link add d0 type veth peer name d1 &&
	ip -n "$NS" link set d0 up && ip -n "$NS" link set d1 up
chmod 755 "$TMP" # nobody works in a directory of its own below it

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
load_at() {
	"$BLASTRADIUS" --pin-dir "$1" --netns "$NS" load d0 "$POLICY" --mode generic --no-impact
}
xdp_on_d0() { ip -n "$NS" -d link show d0 | grep -c 'prog/xdp'; }

t_eq "the bpffs is world-writable and sticky (bpffs's default)" "$(stat -c %a "$BPFFS")" 1777

# ---- 1. load empties nothing it did not make --------------------------------
# A directory of root's, and a symlink to it planted by nobody where root's
# pin directory would be.
mkdir "$TMP/victim" && echo keep >"$TMP/victim/file"
nobody ln -s "$TMP/victim" "$BPFFS/state"
out=$(load_at "$BPFFS/state" 2>&1); rc=$?
t_eq "pin dir is nobody's symlink: load exits 1" "$rc" 1
t_match "... says it is a symbolic link, not followed" "$out" \
	"$BPFFS/state is a symbolic link: not followed"
t_eq "... the directory it points to keeps its file" "$(ls "$TMP/victim")" file
t_eq "... nothing attached" "$(xdp_on_d0)" 0
rm "$BPFFS/state"
unload_all

# Another tool's directory on the same bpffs, with its pin.
mkdir "$BPFFS/other"
bpftool map create "$BPFFS/other/its_map" type array key 4 value 4 entries 1 name its_map
out=$(load_at "$BPFFS/other" 2>&1); rc=$?
t_eq "pin dir is another tool's: load exits 1" "$rc" 1
t_match "... says it is not a blastradius directory" "$out" \
	"$BPFFS/other is not empty and holds no blastradius marker \\(its_map\\)"
out=$("$BLASTRADIUS" --pin-dir "$BPFFS/other" unload 2>&1); rc=$?
t_eq "... unload there exits 1" "$rc" 1
t_eq "... its pin is still there" "$(ls "$BPFFS/other" 2>&1)" its_map
unload_all

# The bpffs root itself, holding pins of others.
bpftool map create "$BPFFS/root_map" type array key 4 value 4 entries 1 name root_map
before=$(ls -A "$BPFFS" | sort | tr '\n' ' ')
for d in "$BPFFS/" "$BPFFS" "$BPFFS//"; do
	out=$(load_at "$d" 2>&1); rc=$?
	t_eq "--pin-dir $d (the bpffs root): load exits 1" "$rc" 1
	t_match "... says it never touches the root" "$out" \
		"$BPFFS is the root of a bpffs mount: .* never touches the root"
done
t_eq "the pins at the bpffs root are all there" "$(ls -A "$BPFFS" | sort | tr '\n' ' ')" "$before"
t_eq "... and nothing attached" "$(xdp_on_d0)" 0
unload_all

# ---- 2. the pin directory cannot be taken over ------------------------------
nobody mkdir -m 0777 "$BPFFS/taken"
out=$(load_at "$BPFFS/taken" 2>&1); rc=$?
t_eq "pin dir made by nobody beforehand: load exits 1" "$rc" 1
t_match "... says whose it is" "$out" "$BPFFS/taken is owned by uid 65534, not by this user"
t_eq "... nothing pinned into nobody's directory" "$(ls -A "$BPFFS/taken")" ""
t_eq "... nothing attached" "$(xdp_on_d0)" 0
unload_all
nobody rmdir "$BPFFS/taken" 2>/dev/null

# The race: nobody re-creates the directory whenever it is missing; root's
# load is held 0.3 s at each mkdir, so a loader that removes the directory
# and makes it again loses to the loop.
PIN="$BPFFS/raced"
if ! command -v strace >/dev/null; then
	t_ok "# SKIP the mkdir race: strace not installed"
else
	# Not through the function: $! must be the loop's own PID.
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh -c 'while :; do mkdir -m 0777 "$1" 2>/dev/null; sleep 0.01; done' sh "$PIN" \
		>/dev/null 2>&1 &
	LOOP=$!
	for i in $(seq 1 100); do [ -d "$PIN" ] && break; sleep 0.05; done
	strace -o /dev/null -e trace=mkdir,mkdirat -e inject=mkdir,mkdirat:delay_enter=300000 \
		"$BLASTRADIUS" --pin-dir "$PIN" --netns "$NS" load d0 "$POLICY" \
		--mode generic --no-impact >"$TMP/raced" 2>&1
	rc=$?
	# What nobody does next: remove whatever it can in "its" directory.
	nobody sh -c 'rm -f "$1"/* "$1"/link@* 2>/dev/null' sh "$PIN"
	kill "$LOOP"
	wait "$LOOP" 2>/dev/null
	LOOP=""
	if [ "$rc" -eq 0 ]; then
		t_eq "mkdir race: the load won, in a directory of root's, mode 0700" \
			"$(stat -c '%U %a' "$PIN")" "root 700"
		t_eq "... nobody could not detach root's censor" "$(xdp_on_d0)" 1
		t_match "... status still says loaded" \
			"$("$BLASTRADIUS" --pin-dir "$PIN" status 2>&1)" "^generation  1 "
		"$BLASTRADIUS" --pin-dir "$PIN" unload >/dev/null 2>&1
	else
		t_match "mkdir race: the load lost and refused nobody's directory" \
			"$(cat "$TMP/raced")" "$PIN is owned by uid 65534"
		t_eq "... nothing pinned into it" "$(ls -A "$PIN")" ""
		t_eq "... nothing attached" "$(xdp_on_d0)" 0
	fi
	[ -d "$PIN" ] && [ "$(stat -c %u "$PIN")" = 65534 ] && nobody rmdir "$PIN" 2>/dev/null
fi

# ---- 3. outputs never write through a link ----------------------------------
# A root-only file, and a directory of nobody's holding a symlink to it
# under the name root is asked to write.
echo "root only" >"$TMP/secret"
chmod 600 "$TMP/secret"
mkdir "$TMP/nob" && chown 65534:65534 "$TMP/nob"
sed -e 's/^scenario small/scenario tiny/' -e 's/^devices 300/devices 10/' \
	-e 's/^duration 2m/duration 20s/' tests/e2e/scenarios/small.scenario >"$TMP/tiny.scenario"
sim() { "$BLASTRADIUS" simulate --scenario "$TMP/tiny.scenario" --policy "$POLICY" "$@"; }
t_check "a capture to replay (simulate --write-pcap, a safe path)" sim --write-pcap "$TMP/in.pcapng"

secret_intact() {
	echo "$(head -n 1 "$TMP/secret" | head -c 32 | tr -d '\n' | tr -c '[:print:]' '?') $(stat -c '%a %h' "$TMP/secret")"
}
INTACT="root only 600 1"
writes=(
	"simulate --html|report.html|sim --html"
	"simulate --write-pcap|out.pcapng|sim --write-pcap"
	"replay --write|replay.pcapng|$BLASTRADIUS replay $TMP/in.pcapng --policy $POLICY --write"
)
for w in "${writes[@]}"; do
	IFS='|' read -r what name cmd <<<"$w"
	nobody ln -s "$TMP/secret" "$TMP/nob/$name"
	out=$($cmd "$TMP/nob/$name" 2>&1 >/dev/null); rc=$?
	t_eq "$what to nobody's symlink: exits 1" "$rc" 1
	t_match "... says the link is not followed" "$out" \
		"$TMP/nob/$name is a symbolic link: not followed"
	t_eq "... the root-only file it points to is untouched" "$(secret_intact)" "$INTACT"
	t_eq "... the link is left as it was" "$(readlink "$TMP/nob/$name")" "$TMP/secret"
	nobody rm "$TMP/nob/$name"
done

# A hard link to the root-only file under the output's name (as nobody
# could make with fs.protected_hardlinks=0; root makes it here): the
# output replaces the name, the file keeps its content.
for w in "${writes[@]}"; do
	IFS='|' read -r what name cmd <<<"$w"
	ln "$TMP/secret" "$TMP/nob/$name"
	$cmd "$TMP/nob/$name" >/dev/null 2>&1; rc=$?
	t_eq "$what to a hard link of a root-only file: writes" "$rc" 0
	t_eq "... the file keeps its content and mode (the name was replaced)" \
		"$(secret_intact)" "$INTACT"
	t_match "... the name now holds the output, a file of its own" \
		"$(stat -c '%h %s' "$TMP/nob/$name")" "^1 [1-9][0-9]*$"
	rm "$TMP/nob/$name"
done
t_eq "no temporary file left behind" "$(ls -A "$TMP/nob")" ""

t_done
