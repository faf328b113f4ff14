#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Fault injection: the disk fills up under meetmig.  Three ways:
#
#   1. tests/faultshim.c (LD_PRELOAD, built here with $CC; skipped without a
#      compiler): write(), fsync() or rename() fail with ENOSPC from the
#      N+1th call on, for every N a clean run reaches, in migrate and in a
#      queued request taken by run;
#   2. ulimit -f (no compiler needed): writes past a few KiB fail (EFBIG);
#   3. a small tmpfs, where unshare -rm may mount one: the real thing.
#
# Each faulty run must end with a run error (73/74) or, for a queued
# request, Failed with a retry; it must say what failed, leave no hidden
# .part or .tmp- file, and every file it left must be whole (the same bytes
# as a clean run's).  A later run without the fault, on the same output
# folder and the same store, must then complete: exit 0, the same files as
# a clean run, and the store saying Succeeded.  TAP.

set -u

. "$(dirname "$0")/lib.sh"

T=2026-11-21T09:00:00Z
T2=2026-11-21T09:05:00Z
MAILBOX=fixtures/contoso-ashaw.ics
MIGRATE=(migrate -q -i ashaw@contoso.com -c fixtures/coordinates.ini --now "$T")

mm_require_program
wd=$(mm_workdir faults) || mm_bail "cannot make the work folder"
err=$wd/.err
out=$wd/.out

# --- helpers ---------------------------------------------------------------

# leftovers DIR: prints the hidden files a run must never leave.
leftovers() {
	[ -d "$1" ] && find "$1" -name '.*' \( -name '*.part' -o -name '*.tmp-*' \) -print
}

# torn REF DIR: prints each file of DIR that is not byte for byte the file
# of the same name in REF (a file cut short, or one that must not exist).
torn() {
	local f
	[ -d "$2" ] || return 0
	(cd "$2" && find . -type f ! -name '*.db' ! -name '*.db-*') | while IFS= read -r f; do
		cmp -s "$1/$f" "$2/$f" || echo "not whole: ${f#./}"
	done
}

# run_under ENV... -- ARG...: meetmig ARG... in the work folder with the
# environment ENV (VAR=value words), through the shim (when there is one)
# with syncs made free; returns its status.
run_under() {
	local -a env=()
	[ -n "$shim" ] && env=(LD_PRELOAD="$shim" MM_FAULT_NOSYNC=1)
	while [ "$1" != "--" ]; do
		env+=("$1")
		shift
	done
	shift
	(
		[ "${#env[@]}" -eq 0 ] || export "${env[@]}"
		mm_run "$wd" "$out" "$err" "$@"
	)
}

# The message of a run that met a full disk.
FULL='(No space left on device|File too large|disk I/O error|database or disk is full)'

# check_fault NAME STATUS DIR REF: the checks of a faulty migrate run.  It
# may end with 0 only when nothing was lost: the last writes of a run are
# SQLite's checkpoint of the WAL into the store as it closes, and what
# they would have copied is safe in the WAL, which the next open reads.
check_fault() {
	local name=$1 status=$2 dir=$3 ref=$4 why=
	case $status in
	73|74)
		grep -q -E "^meetmig: .*$FULL" "$err" ||
		    why="no message saying what failed"
		;;
	0)
		[ -s "$err" ] && why="exit 0 after a message"
		[ -z "$why" ] && why=$(mm_tree_compare "$ref" "$dir")
		;;
	*) why="exit $status, not 73 or 74" ;;
	esac
	[ -z "$why" ] && why=$(leftovers "$dir"; torn "$ref" "$dir")
	tap_result $([ -z "$why" ]; echo $?) "$name: exit $status, the message says so, no half file"
	if [ -n "$why" ]; then
		echo "$why" | tap_diag 10
		tap_diag 5 <"$err"
	fi
}

# check_later NAME DIR REF STORE: a run without the fault completed.
check_later() {
	local name=$1 status=$2 dir=$3 ref=$4 store=$5 why=
	[ "$status" -eq 0 ] || why="exit $status"
	[ -z "$why" ] && why=$(leftovers "$dir"; mm_tree_compare "$ref" "$dir")
	if [ -z "$why" ] && [ -n "$store" ]; then
		mm_run "$wd" "$out" "$err" status --store "$store" --format csv ||
		    why="status cannot read the store"
		[ -z "$why" ] && ! grep -q ',Succeeded,' "$out" &&
		    why="the store has no Succeeded request"
	fi
	tap_result $([ -z "$why" ]; echo $?) "$name: a later run completes: exit 0, the same files, Succeeded"
	if [ -n "$why" ]; then
		echo "$why" | tap_diag 20
		tap_diag 5 <"$err"
	fi
}

shim=

# --- references -------------------------------------------------------------

mm_run "$wd" "$out" "$err" "${MIGRATE[@]}" -o ref/out --store ref/s.db "$MAILBOX" ||
	mm_bail "the clean run fails: $(cat "$err")"
mm_run "$wd" "$out" "$err" "${MIGRATE[@]}" -o ref-nostore/out --no-store "$MAILBOX" ||
	mm_bail "the clean run without a store fails"
mm_run "$wd" "$out" "$err" enqueue -q -i ashaw@contoso.com -c fixtures/coordinates.ini \
    --now "$T" -o out --store ref-queue/q.db "$MAILBOX" &&
    mm_run "$wd" "$out" "$err" run -q --store ref-queue/q.db --now "$T2" \
    --retry-interval 1m ||
	mm_bail "the clean queued run fails"
# A queued request that failed once has RetryCount 1 in its report: only
# the updates and calendar.ics are compared for those.
mkdir -p "$wd/ref-queue/files"
cp -R "$wd/out/ashaw@contoso.com/updates" "$wd/out/ashaw@contoso.com/calendar.ics" \
    "$wd/ref-queue/files/"
rm -rf "$wd/out"

# --- 1. the shim ------------------------------------------------------------------

cc=${CC:-cc}
if command -v "$cc" >/dev/null 2>&1 &&
    $cc -shared -fPIC -o "$wd/faultshim.so" "$MM_SRCDIR/tests/faultshim.c" -ldl \
    2>"$wd/.cc"; then
	shim=$wd/faultshim.so
fi
# A sanitizer runtime wants to be first; the shim then comes second.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# count CALL [ENV... --] ARG...: how many CALLs a clean run of ARG...
# makes, in the process that makes the most (each counts its own).
count() {
	local call=$1
	local -a env=()
	shift
	case " $* " in
	*" -- "*)
		while [ "$1" != "--" ]; do
			env+=("$1")
			shift
		done
		shift
		;;
	esac
	rm -f "$wd/.count"
	run_under MM_FAULT_CALL="$call" MM_FAULT_AFTER=999999999 \
	    MM_FAULT_COUNT="$wd/.count" "${env[@]}" -- "$@" >/dev/null 2>&1
	{ echo 0; cat "$wd/.count" 2>/dev/null; } | sort -n | tail -n 1
}

# group_enqueue DIR: GROUP_SIZE requests for one user, each into its own
# output folder DIR/out/N.
GROUP_SIZE=8
group_enqueue() {
	local n
	for n in $(seq 1 $GROUP_SIZE); do
		run_under -- enqueue -q -i ashaw@contoso.com -c fixtures/coordinates.ini \
		    --now "$T" -o "$1/out/$n" --store "$1/q.db" "$MAILBOX" || return 1
	done
}

# group_files DIR: prints what differs from the reference in any of the
# GROUP_SIZE folders of DIR (updates and calendar.ics).
group_files() {
	local n
	for n in $(seq 1 $GROUP_SIZE); do
		rm -rf "$wd/$1/files"
		mkdir -p "$wd/$1/files"
		cp -R "$wd/$1/out/$n/ashaw@contoso.com/updates" \
		    "$wd/$1/out/$n/ashaw@contoso.com/calendar.ics" "$wd/$1/files/" 2>/dev/null
		mm_tree_compare "$wd/ref-queue/files" "$wd/$1/files" | sed "s|^|$n: |"
	done
}

# A slow disk: each flush takes 300 ms, so a worker of run has the next
# requests prepared before its publisher is free, and publishes them
# together, sharing the two flushes.  Fewer flushes of the output folders
# than two a request, the files of each as when it runs alone, and a
# rename that fails in one folder of a group fails that request only.
group_cases() {
	local d=group-slow status why syncs
	group_enqueue "$d" || mm_bail "cannot enqueue $d"
	rm -f "$wd/.count"
	run_under MM_FAULT_SYNC_DELAY=300 MM_FAULT_CALL=fsync \
	    MM_FAULT_AFTER=999999999 MM_FAULT_PATH="/$d/out/" \
	    MM_FAULT_COUNT="$wd/.count" -- run -q -j 1 --store "$d/q.db" --now "$T2"
	status=$?
	syncs=$(awk '{ n += $1 } END { print n + 0 }' "$wd/.count" 2>/dev/null)
	why=
	[ "$status" -eq 0 ] || why="exit $status"
	[ -z "$why" ] && [ "$syncs" -ge $((2 * GROUP_SIZE)) ] &&
	    why="$syncs flushes of the output folders for $GROUP_SIZE requests"
	[ -z "$why" ] && [ "$syncs" -eq 0 ] && why="no flush counted"
	tap_result $([ -z "$why" ]; echo $?) "a slow disk: $GROUP_SIZE requests published with $syncs flushes, not $((2 * GROUP_SIZE))"
	[ -z "$why" ] || { echo "$why" | tap_diag 5; tap_diag 5 <"$err"; }
	why=$(group_files "$d"; leftovers "$wd/$d/out")
	if [ -z "$why" ]; then
		mm_run "$wd" "$out" "$err" status --summary-only --format csv \
		    --store "$d/q.db" && grep -qx "Succeeded,$GROUP_SIZE" "$out" ||
		    why="the store does not say Succeeded for all $GROUP_SIZE"
	fi
	tap_result $([ -z "$why" ]; echo $?) "a slow disk: the files of each request as published alone, all Succeeded"
	[ -z "$why" ] || echo "$why" | tap_diag 20

	d=group-fail
	group_enqueue "$d" || mm_bail "cannot enqueue $d"
	run_under MM_FAULT_SYNC_DELAY=300 MM_FAULT_CALL=rename \
	    MM_FAULT_PATH="/$d/out/3/" -- run -q -j 1 --store "$d/q.db" --now "$T2" \
	    --retry-interval 1m
	status=$?
	why=
	[ "$status" -eq 1 ] || why="exit $status, not 1 (a request Failed)"
	[ -z "$why" ] && why=$(leftovers "$wd/$d/out")
	if [ -z "$why" ]; then
		mm_run "$wd" "$out" "$err" status --summary-only --format csv \
		    --store "$d/q.db" && grep -qx "Succeeded,$((GROUP_SIZE - 1))" "$out" &&
		    grep -qx "Failed,1" "$out" ||
		    why="the store does not say $((GROUP_SIZE - 1)) Succeeded and 1 Failed: $(tr '\n' ' ' <"$out")"
	fi
	[ -z "$why" ] && [ -e "$wd/$d/out/3/ashaw@contoso.com/status.json" ] &&
	    why="the failed request left a status.json"
	[ -z "$why" ] && why=$(group_files "$d" | grep -v '^3: ')
	tap_result $([ -z "$why" ]; echo $?) "a rename fails in one folder of a group: that request alone Failed, no leftover"
	[ -z "$why" ] || { echo "$why" | tap_diag 20; tap_diag 5 <"$err"; }
	[ "$mm_tap_failed" -eq 0 ] && rm -rf "${wd:?}/group-slow" "${wd:?}/group-fail"
}

# scope_path SCOPE DIR: the MM_FAULT_PATH of a queued case in DIR.
scope_path() {
	[ "$1" = outputs ] && echo "/$2/out/"
}

# queue_case CALL N SCOPE: a queued request whose run meets a full disk
# (CALL fails after N calls, in SCOPE), then its retry on the schedule.
queue_case() {
	local call=$1 n=$2 scope=$3 d=queue-$1-$3-$2 status why name
	name="queued, $call fails after $n ($scope)"
	run_under -- enqueue -q -i ashaw@contoso.com -c fixtures/coordinates.ini \
	    --now "$T" -o "$d/out" --store "$d/q.db" "$MAILBOX"
	run_under MM_FAULT_CALL="$call" MM_FAULT_AFTER="$n" \
	    MM_FAULT_PATH="$(scope_path "$scope" "$d")" -- \
	    run --store "$d/q.db" --now "$T" --retry-interval 1m
	status=$?
	why=
	# The request Failed with a retry: 1; the store failed: a run error;
	# only the checkpoint at close failed: 0, nothing lost.
	case $status in
	1|74)
		cat "$out" "$err" | grep -q -E "$FULL" || why="nothing says what failed"
		;;
	0)
		[ -s "$err" ] && why="exit 0 after a message"
		;;
	*) why="exit $status, not 1 or 74" ;;
	esac
	[ "$scope" = outputs ] && [ "$status" != 1 ] && why="exit $status, not 1 (Failed, to retry)"
	[ -z "$why" ] && why=$(leftovers "$wd/$d/out")
	tap_result $([ -z "$why" ]; echo $?) "$name: exit $status, the message says so, no leftover"
	[ -z "$why" ] || { echo "$why" | tap_diag 10; tap_diag 5 <"$err"; tap_diag 5 <"$out"; }

	run_under -- run -q --store "$d/q.db" --now "$T2" --retry-interval 1m
	status=$?
	why=
	[ "$status" -eq 0 ] || why="exit $status"
	if [ -z "$why" ]; then
		mkdir -p "$wd/$d/files"
		cp -R "$wd/$d/out/ashaw@contoso.com/updates" \
		    "$wd/$d/out/ashaw@contoso.com/calendar.ics" "$wd/$d/files/" 2>/dev/null
		why=$(leftovers "$wd/$d/out"; mm_tree_compare "$wd/ref-queue/files" "$wd/$d/files")
	fi
	if [ -z "$why" ]; then
		mm_run "$wd" "$out" "$err" status --store "$d/q.db" --format csv &&
		    grep -q ',Succeeded,' "$out" || why="the store does not say Succeeded"
	fi
	tap_result $([ -z "$why" ]; echo $?) "$name: the retry completes from the store"
	[ -z "$why" ] || { echo "$why" | tap_diag 20; tap_diag 5 <"$err"; }
	[ "$mm_tap_failed" -eq 0 ] && rm -rf "${wd:?}/$d"
}

# points COUNT: the N to fail after, 0 to COUNT-1: every one with
# MM_FAULTS_EVERY=1, else about 12 of them spread evenly (and the last).
points() {
	local count=$1 step=1 n=0
	if [ -z "${MM_FAULTS_EVERY:-}" ] && [ "$count" -gt 12 ]; then
		step=$(( (count + 11) / 12 ))
	fi
	while [ "$n" -lt "$count" ]; do
		echo "$n"
		n=$((n + step))
	done
	[ $(( (count - 1) % step )) -eq 0 ] || [ "$count" -eq 0 ] || echo $((count - 1))
}

calls="write fsync rename"
# Where a queued request meets the full disk: anywhere (the store too), or
# only in its output folder (the worker's request fails, the store is fine).
scopes="anywhere outputs"
declare -A migrate_points queue_points
tests=0
if [ -n "$shim" ]; then
	for call in $calls; do
		migrate_points[$call]=$(points "$(count "$call" "${MIGRATE[@]}" \
		    -o "count-$call/out" --store "count-$call/s.db" "$MAILBOX")")
		tests=$((tests + 2 * $(echo ${migrate_points[$call]} | wc -w)))
		for scope in $scopes; do
			c=count-$call-$scope
			run_under -- enqueue -q -i ashaw@contoso.com -c fixtures/coordinates.ini \
			    --now "$T" -o "$c/out" --store "$c/q.db" "$MAILBOX"
			queue_points[$call-$scope]=$(points "$(count "$call" \
			    MM_FAULT_PATH="$(scope_path "$scope" "$c")" -- \
			    run -q --store "$c/q.db" --now "$T")")
			tests=$((tests + 2 * $(echo ${queue_points[$call-$scope]} | wc -w)))
		done
	done
	tests=$((tests + 3))
fi

# --- 2 and 3: ulimit -f and tmpfs -------------------------------------------------

fsize_kib="1 4 8 16 32"
tests=$((tests + 2 * $(echo $fsize_kib | wc -w)))
tmpfs_kib="32 64 128 192"
have_tmpfs=
if command -v unshare >/dev/null 2>&1 &&
    unshare -rm sh -c "mount -t tmpfs -o size=64k tmpfs '$wd/.home'" 2>/dev/null; then
	have_tmpfs=1
fi
tests=$((tests + 2 * $(echo $tmpfs_kib | wc -w)))
[ -n "$shim" ] || tests=$((tests + 1))

tap_plan "$tests"

if [ -n "$shim" ]; then
	for call in $calls; do
		for n in ${migrate_points[$call]}; do
			d=migrate-$call-$n
			run_under MM_FAULT_CALL="$call" MM_FAULT_AFTER="$n" \
			    -- "${MIGRATE[@]}" -o "$d/out" --store "$d/s.db" "$MAILBOX"
			check_fault "migrate, $call fails after $n" $? "$wd/$d/out" "$wd/ref/out"
			run_under -- "${MIGRATE[@]}" -o "$d/out" --store "$d/s.db" "$MAILBOX"
			check_later "migrate, $call fails after $n" $? "$wd/$d/out" "$wd/ref/out" "$d/s.db"
			[ "$mm_tap_failed" -eq 0 ] && rm -rf "${wd:?}/$d"
		done
		for scope in $scopes; do
			for n in ${queue_points[$call-$scope]}; do
				queue_case "$call" "$n" "$scope"
			done
		done
	done
	group_cases
else
	tap_skip "faultshim" "no C compiler ($cc) to build tests/faultshim.c: $(head -1 "$wd/.cc" 2>/dev/null)"
fi

# --- 2. ulimit -f: a file may not grow past a few KiB ---------------------------------

for kib in $fsize_kib; do
	d=fsize-$kib
	(
		# SIGXFSZ ignored: the write fails with EFBIG instead.
		trap '' XFSZ
		ulimit -f "$kib"
		mm_run "$wd" "$out" "$err" "${MIGRATE[@]}" -o "$d/out" --no-store "$MAILBOX"
	)
	check_fault "files limited to $kib KiB" $? "$wd/$d/out" "$wd/ref-nostore/out"
	run_under -- "${MIGRATE[@]}" -o "$d/out" --no-store "$MAILBOX"
	check_later "files limited to $kib KiB" $? "$wd/$d/out" "$wd/ref-nostore/out" ""
	[ "$mm_tap_failed" -eq 0 ] && rm -rf "${wd:?}/$d"
done

# --- 3. a tmpfs that fills up, then grows --------------------------------------------

for kib in $tmpfs_kib; do
	name="a $kib KiB tmpfs"
	if [ -z "$have_tmpfs" ]; then
		tap_skip "$name: full" "cannot mount a tmpfs (unshare -rm)"
		tap_skip "$name: grown" "cannot mount a tmpfs (unshare -rm)"
		continue
	fi
	d=tmpfs-$kib
	mkdir -p "$wd/$d/disk" "$wd/$d/copy"
	# Both runs in one mount namespace: the tmpfs lives as long as it.
	# What each run left is copied out for the checks.
	unshare -rm bash -c '
		. "$1/tests/lib.sh"
		wd=$2 d=$3 kib=$4
		shift 4
		mount -t tmpfs -o size=${kib}k tmpfs "$wd/$d/disk" || exit 125
		mm_run "$wd" "$wd/.out" "$wd/.err" "$@" -o "$d/disk/out" --store "$d/disk/s.db" fixtures/contoso-ashaw.ics
		echo $? >"$wd/$d/status1"
		cp "$wd/.err" "$wd/$d/err1"
		cp -R "$wd/$d/disk/out" "$wd/$d/copy/out1" 2>/dev/null
		mount -o remount,size=16m "$wd/$d/disk" || exit 125
		mm_run "$wd" "$wd/.out" "$wd/.err" "$@" -o "$d/disk/out" --store "$d/disk/s.db" fixtures/contoso-ashaw.ics
		echo $? >"$wd/$d/status2"
		cp -R "$wd/$d/disk/out" "$wd/$d/copy/out2" 2>/dev/null
		mm_run "$wd" "$wd/.out" "$wd/.err" status --store "$d/disk/s.db" --format csv
		echo $? >"$wd/$d/status3"
		cp "$wd/.out" "$wd/$d/store.csv"
	' tmpfs "$MM_SRCDIR" "$wd" "$d" "$kib" "${MIGRATE[@]}"
	cp "$wd/$d/err1" "$err" 2>/dev/null
	status1=$(cat "$wd/$d/status1" 2>/dev/null || echo none)
	if [ "$status1" = 0 ]; then
		# Enough room after all: nothing to check but the files.
		why=$(mm_tree_compare "$wd/ref/out" "$wd/$d/copy/out1")
		tap_result $([ -z "$why" ]; echo $?) "$name: room enough, the same files"
	else
		check_fault "$name: full" "$status1" "$wd/$d/copy/out1" "$wd/ref/out"
	fi
	status2=$(cat "$wd/$d/status2" 2>/dev/null || echo none)
	why=
	[ "$status2" = 0 ] || why="exit $status2"
	[ -z "$why" ] && why=$(leftovers "$wd/$d/copy/out2"; mm_tree_compare "$wd/ref/out" "$wd/$d/copy/out2")
	[ -z "$why" ] && { [ "$(cat "$wd/$d/status3")" = 0 ] && grep -q ',Succeeded,' "$wd/$d/store.csv"; } ||
	    [ -n "$why" ] || why="the store does not say Succeeded"
	tap_result $([ -z "$why" ]; echo $?) "$name: grown, a later run completes: exit 0, the same files, Succeeded"
	[ -z "$why" ] || echo "$why" | tap_diag 20
	[ "$mm_tap_failed" -eq 0 ] && rm -rf "${wd:?}/$d"
done

[ "$mm_tap_failed" -eq 0 ] && mm_workdir_remove "$wd"
tap_exit
