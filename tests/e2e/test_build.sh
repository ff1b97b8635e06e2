#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The build itself: a CFLAGS given on make's command line adds to the
# flags the build needs instead of replacing them (make CFLAGS=-O0 used
# to drop -Ibpf, -D_GNU_SOURCE and -Werror, and the build broke).
#
# Cheap on purpose: make -n prints the recipe of one object (a file that
# needs -Ibpf and -D_GNU_SOURCE), and that very command is run; no BPF
# object or skeleton is built.
#
# usage: tests/e2e/test_build.sh [BUILD_DIR]   (BUILD_DIR unused)
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# recipe CFLAGS: the command make would run for user/lang/policy.c
recipe() {
	make -n -B BUILD="$TMP/b" CFLAGS="$1" "$TMP/b/user/lang/policy.o" 2>&1 |
		grep -- ' -c user/lang/policy\.c '
}

line=$(recipe '-O1 -g0')
t_match "make CFLAGS=...: the user's flags reach the compiler" "$line" \
	'^[^ ]+ -O1 -g0 '
t_match "... followed by every flag the build needs" "$line" \
	"^[^ ]+ -O1 -g0 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -I$TMP/b -Ibpf( -Iuser/[a-z]+)+ -DBR_SOURCE_DIR=.* -DBR_DATADIR="
mkdir -p "$TMP/b/user/lang"
t_check "... and that command compiles" sh -c "$line"
t_check "... into an object" test -s "$TMP/b/user/lang/policy.o"
line=$(make -n -B BUILD="$TMP/b" "$TMP/b/user/lang/policy.o" 2>&1 | grep -- ' -c user/lang/policy\.c ')
t_match "no CFLAGS given: the default -O2 -g, then the required flags" "$line" \
	'^[^ ]+ -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE '

t_done
