#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Replays, for each fuzz target, every input kept under fixtures/fuzz/<target>/
# (crashes, leaks and hangs the fuzzers found, now fixed) and the target's
# seed fixtures through tests/fuzz/replay_<target>, the target built with the
# ordinary compiler around tests/fuzz/replay.c.  One TAP line per target; a
# crash, a sanitizer report (with --enable-sanitizers) or a replay that takes
# longer than MM_FUZZ_TIMEOUT seconds fails it.  A target whose replay
# program was not built is skipped.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fuzz/seeds.sh"

: "${MM_FUZZ_TIMEOUT:=120}"

set -- $FUZZ_TARGETS
tap_plan $#
wd=$(mm_workdir fuzz-replay) || mm_bail "cannot make a work folder"

for t in "$@"; do
	prog=$MM_BUILDDIR/tests/fuzz/replay_$t
	if [ ! -x "$prog" ]; then
		tap_skip "replay $t" "tests/fuzz/replay_$t not built"
		continue
	fi
	inputs=()
	while IFS= read -r f; do
		inputs+=("$f")
	done < <(fuzz_seeds "$MM_SRCDIR" "$t")
	crashes=$MM_SRCDIR/fixtures/fuzz/$t
	[ -d "$crashes" ] && inputs+=("$crashes")
	TMPDIR=$wd timeout "$MM_FUZZ_TIMEOUT" "$prog" "${inputs[@]}" >"$wd/$t.out" 2>"$wd/$t.err"
	rc=$?
	tap_result "$rc" "replay $t: $(cat "$wd/$t.out" 2>/dev/null)"
	if [ "$rc" -ne 0 ]; then
		echo "# exit $rc$([ "$rc" -eq 124 ] && echo ' (timeout)')"
		tap_diag 40 <"$wd/$t.err"
	fi
done
mm_workdir_remove "$wd"
tap_exit
