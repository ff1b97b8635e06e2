#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Run every libFuzzer target in BUILD/fuzz for SECONDS each, starting from
# the seed corpus in tests/fuzz/corpus/NAME (read, never written: new inputs
# go to a temporary directory). Prints one TAP line per target; a crash,
# leak or sanitizer report fails it and leaves the reproducer in build/.
#
# usage: scripts/fuzz.sh BUILD SECONDS
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SECONDS_EACH=${2:-300}
n=0
failed=0

for bin in "$BUILD"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	n=$((n + 1))
	work=$(mktemp -d)
	seeds="tests/fuzz/corpus/${name#fuzz_}"
	[ -d "$seeds" ] || seeds=""
	if "$bin" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 \
		-artifact_prefix="$BUILD/fuzz/$name-" "$work" $seeds \
		>"$BUILD/fuzz/$name.log" 2>&1; then
		echo "ok $n - fuzz $name for ${SECONDS_EACH}s ($(grep -o 'Done [0-9]* runs' "$BUILD/fuzz/$name.log" | tail -n1))"
	else
		failed=$((failed + 1))
		echo "not ok $n - fuzz $name"
		tail -n 30 "$BUILD/fuzz/$name.log" | sed 's/^/#   /'
	fi
	rm -rf "$work"
done
echo "1..$n"
[ "$failed" -eq 0 ]
