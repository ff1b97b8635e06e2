#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Run every test: host unit tests (cmocka), dataplane fixtures through
# BPF_PROG_TEST_RUN (cmocka, root), end-to-end namespace tests (TAP, root).
# Adds up the cases and closes with "N passed, N failed".
#
# usage: tests/run.sh [BUILD_DIR]
set -u
# Root tools (ip, sysctl, bpftool) live in sbin, which a bare PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/.."
BUILD=${1:-build}
passed=0
failed=0
suites_failed=""

if [ "$(id -u)" -ne 0 ]; then
	echo "tests need root (BPF, XDP attach, network namespaces)" >&2
	exit 1
fi

# cmocka: "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), ..."
run_cmocka() {
	local bin=$1 out rc p f

	echo "== $bin"
	out=$("$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	# A binary may run several groups: add up every group's line.
	p=$(printf '%s\n' "$out" | awk '/^\[  PASSED  \] [0-9]+ test/ { n += $4; seen = 1 } END { if (seen) print n }')
	f=$(printf '%s\n' "$out" | awk '/^\[  FAILED  \] [0-9]+ test/ { n += $4; seen = 1 } END { if (seen) print n }')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" -ne 0 ] || [ -z "$p" ]; then
		suites_failed="$suites_failed $bin"
		[ -z "$f" ] && failed=$((failed + 1))
	fi
}

# TAP: "ok N - ..." / "not ok N - ..."; run_tap SCRIPT [ARGS] (BUILD first)
run_tap() {
	local script=$1 out rc p f

	shift
	echo "== $script"
	out=$("$script" "$BUILD" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ]; then
		suites_failed="$suites_failed $script"
		[ "$f" -eq 0 ] && failed=$((failed + 1))
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && run_cmocka "$t"
done
# Checks of the source tree itself (tests/static).
for t in tests/static/test_*; do
	run_tap "$t"
done
# A short bounded run of every extractor's fuzz target (make fuzz: longer).
run_tap scripts/fuzz.sh "${FUZZ_TEST_SECONDS:-10}"
for t in tests/e2e/test_*.sh; do
	run_tap "$t"
done

echo
[ -n "$suites_failed" ] && echo "failing suites:$suites_failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ -z "$suites_failed" ]
