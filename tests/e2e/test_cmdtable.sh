#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# What the command table (user/cmd/cmdtable.c) generates, as a user meets it:
# --help and COMMAND --help (stdout, exit 0), usage errors (stderr, exit
# 2), the man page as man(1) renders it, and the bash completion driven
# from bash as readline would (COMP_WORDS, COMP_CWORD). That every option
# is in the help, the man page and README.md is tests/unit/test_cmdtable.c.
#
# usage: tests/e2e/test_cmdtable.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$(realpath "$BUILD/blastradius")
. tests/e2e/lib.sh

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ---- help and usage -------------------------------------------------------
out=$("$BR" --help 2>"$TMP/err"); rc=$?
t_eq "--help exits 0" "$rc" 0
t_eq "... on stdout only" "$(wc -c <"$TMP/err")" 0
t_match "... listing simulate's --csv" "$out" "\\[--csv\\]"
t_match "... and --markdown" "$out" "\\[--markdown F\\]"
for cmd in check load swap diff unload status stats simulate replay; do
	out=$("$BR" "$cmd" --help 2>"$TMP/err"); rc=$?
	t_eq "$cmd --help exits 0" "$rc" 0
	t_match "... with its usage on stdout" "$out" "^usage: blastradius $cmd"
	t_eq "... nothing on stderr" "$(wc -c <"$TMP/err")" 0
done
out=$("$BR" help replay); rc=$?
t_eq "help replay: replay's help" "$rc $(printf '%s\n' "$out" | head -n 1 | cut -d' ' -f1-3)" \
	"0 usage: blastradius replay"
out=$("$BR" simulate --no-such-option 2>&1 >/dev/null); rc=$?
t_eq "an unknown option is a usage error" "$rc" 2
t_match "... with the usage on stderr" "$out" "usage: blastradius simulate "
out=$("$BR" status extra 2>&1 >/dev/null); rc=$?
t_eq "status with an argument is a usage error" "$rc" 2

# ---- the man page ----------------------------------------------------------
MAN=$BUILD/blastradius.8
MANWIDTH=80 man -l "$MAN" >"$TMP/man" 2>"$TMP/err"; rc=$?
t_eq "man -l renders blastradius.8" "$rc $(wc -c <"$TMP/err")" "0 0"
# (justified: runs of blanks squeezed to one)
out=$(col -b <"$TMP/man" | sed 's/[[:space:]]\+/ /g')
t_match "... its name" "$out" "blastradius - censor-style blocking policies"
t_match "... replay's options" "$out" "--vxlan-port N"
t_eq "groff has no warning for it" \
	"$(groff -man -Tutf8 -ww -z "$MAN" 2>&1 | wc -l)" 0

# ---- the bash completion ----------------------------------------------------
mkdir -p "$TMP/dir/sub"
touch "$TMP/dir/a.policy" "$TMP/dir/b.txt" "$TMP/dir/c.pcap" \
	"$TMP/dir/d.pcapng" "$TMP/dir/e.scenario"
# complete WORD...: what the completion offers for the last word
complete_words() {
	(
		cd "$TMP/dir" || exit 1
		. "$OLDPWD/$BUILD/blastradius.bash" || exit 1
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_blastradius
		[ ${#COMPREPLY[@]} -eq 0 ] ||
			printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
	)
}
t_eq "completes a command" "$(complete_words blastradius sim)" "simulate "
t_eq "... a command after a global option and its argument" \
	"$(complete_words blastradius --pin-dir /x st)" "stats status "
t_eq "completes a command's option" \
	"$(complete_words blastradius simulate --sc)" "--scenario "
t_eq "... a global option after the command" \
	"$(complete_words blastradius simulate --js)" "--json "
t_eq "completes policy files (and directories)" \
	"$(complete_words blastradius check '')" "a.policy sub/ "
t_eq "... for an option that takes a policy" \
	"$(complete_words blastradius simulate --policy '')" "a.policy sub/ "
t_eq "completes captures" "$(complete_words blastradius replay '')" \
	"c.pcap d.pcapng sub/ "
t_eq "completes scenarios" \
	"$(complete_words blastradius simulate --scenario '')" "e.scenario sub/ "
t_eq "completes an option's choices" \
	"$(complete_words blastradius load --mode '')" "generic native "
t_eq "... none for a number" \
	"$(complete_words blastradius replay c.pcap --mtu '')" ""
t_match "completes interfaces" "$(complete_words blastradius unload '')" \
	"(^| )lo "

t_done
