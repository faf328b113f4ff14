#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Golden tests: runs meetmig as each case in tests/golden/ says and compares
# what it printed, its exit status and every file it wrote with the
# expectations, byte for byte.  TAP, one line per case.
#
#     tests/golden.sh [NAME...]           compare (all cases, or the named ones)
#     MM_REGEN=1 tests/golden.sh [NAME...] rewrite the expectations (make regen)
#
# A case is a folder tests/golden/NAME/ holding
#
#   args       the program's arguments, one per line (spaces survive; an
#              empty line is an empty argument).  A line "---" starts the
#              arguments of a further run in the same work folder.  Output
#              goes to "-o out" (or below out/): only out/ is compared.
#   cmd        optional: words (one per line) put before the arguments of
#              every run, e.g. the subcommand; by default the first line of
#              args is the subcommand.
#   files/     optional: copied into the work folder before the first run.
#   expected/  stdout, stderr (each run's, one after the other, a line
#              "--- run N" before the second and later runs), status (one
#              exit status per run, one per line) and out/ (the whole output
#              tree; empty folders do not count).
#
# Each case runs in $MM_BUILDDIR/tests/tmp/NAME, which holds a link
# "fixtures" to the source fixtures and private HOME and XDG_STATE_HOME
# folders (so the default status database is the case's own); stdin is
# /dev/null.  Paths in the program's messages are therefore relative
# (fixtures/..., out/...), and an expectation that names the work folder or
# the source folder is refused.  The work folder is removed when the case
# passes and kept for inspection when it fails.

set -u

. "$(dirname "$0")/lib.sh"

golden="$MM_SRCDIR/tests/golden"
regen=${MM_REGEN:-}

cases=()
if [ $# -gt 0 ]; then
	for name in "$@"; do
		name=${name%/}
		cases+=("${name##*/}")
	done
else
	for dir in "$golden"/*/; do
		[ -f "$dir/args" ] && cases+=("$(basename "$dir")")
	done
fi

tap_plan "${#cases[@]}"
mm_require_program

# run_case NAME: runs one case; returns 0 when it passes.  Writes the
# result to $wd/.result and explanations to $wd/.why.
run_case() {
	local name=$1 case="$golden/$1"
	local -a prefix=() args=()
	local line run=1 status

	wd=$(mm_workdir "$name") || return 1
	local res="$wd/.result" why="$wd/.why"
	mkdir -p "$res"
	: >"$res/stdout"
	: >"$res/stderr"
	: >"$res/status"
	: >"$why"

	if [ ! -f "$case/args" ]; then
		echo "no such case: $case" >"$why"
		return 1
	fi
	if [ -f "$case/cmd" ]; then
		while IFS= read -r line || [ -n "$line" ]; do
			prefix+=("$line")
		done <"$case/cmd"
	fi
	if [ -d "$case/files" ]; then
		cp -R "$case/files/." "$wd/"
	fi
	# What the work folder holds before the runs: anything else is the
	# program's doing and must be under out/.
	local before
	before=$(cd "$wd" && ls -A | LC_ALL=C sort)

	one_run() {
		if [ "$run" -gt 1 ]; then
			echo "--- run $run" >>"$res/stdout"
			echo "--- run $run" >>"$res/stderr"
		fi
		mm_run "$wd" "$wd/.out.$run" "$wd/.err.$run" "${prefix[@]}" "${args[@]}"
		status=$?
		cat "$wd/.out.$run" >>"$res/stdout"
		cat "$wd/.err.$run" >>"$res/stderr"
		rm -f "$wd/.out.$run" "$wd/.err.$run"
		echo "$status" >>"$res/status"
		run=$((run + 1))
		args=()
	}

	while IFS= read -r line || [ -n "$line" ]; do
		if [ "$line" = "---" ]; then
			one_run
		else
			args+=("$line")
		fi
	done <"$case/args"
	one_run

	local after stray
	after=$(cd "$wd" && ls -A | LC_ALL=C sort)
	stray=$(comm -13 <(echo "$before") <(echo "$after") | grep -v -x -e out -e .result -e .why)
	if [ -n "$stray" ]; then
		echo "files written outside out/: $stray" >>"$why"
	fi
	[ -d "$wd/out" ] && mv "$wd/out" "$res/out"
	# A status database is binary, holds absolute input paths by design
	# and is checked by tests/store.sh: golden cases compare the rest.
	[ -d "$res/out" ] && find "$res/out" \( -name '*.db' -o -name '*.db-wal' \
	    -o -name '*.db-shm' \) -exec rm -f {} +

	# Expectations must hold on any machine.
	if grep -r -l -F -e "$wd" -e "$MM_SRCDIR" -e "$MM_BUILDDIR/" "$res" >>"$why" 2>/dev/null; then
		echo "the files above name a folder of this machine (paths must be relative)" >>"$why"
	fi

	if [ -n "$regen" ]; then
		[ -s "$why" ] && return 1
		rm -rf "$case/expected"
		cp -R "$res" "$case/expected"
		return 0
	fi
	if [ ! -d "$case/expected" ]; then
		echo "no expectations yet: run make regen and read the diff" >>"$why"
		return 1
	fi
	mm_tree_compare "$case/expected" "$res" >>"$why"
	[ ! -s "$why" ]
}

for name in "${cases[@]}"; do
	wd=
	if run_case "$name"; then
		tap_result 0 "$name"
		[ -n "$wd" ] && mm_workdir_remove "$wd"
	else
		tap_result 1 "$name"
		[ -n "$wd" ] && [ -s "$wd/.why" ] && tap_diag 40 <"$wd/.why"
		[ -n "$wd" ] && echo "# work folder kept: tests/tmp/$name"
	fi
done
tap_exit
