#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# A hostile local user against root: each attack of issue 10's security
# items runs as nobody (setpriv), then root runs blastradius, and the test
# checks that root touched nothing but its own.
#
#  3. output files (simulate --html and --write-pcap, replay --write)
#     never write through a symlink nobody planted, nor into a hard link.
#
# usage: tests/e2e/test_security.sh BUILD_DIR   (as root)
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
BLASTRADIUS=$(realpath "$BUILD/blastradius")
. tests/e2e/lib.sh

TMP=$(mktemp -d)
POLICY=policies/examples/apns-port.policy
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
chmod 755 "$TMP" # nobody works in a directory of its own below it

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

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
