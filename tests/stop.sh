#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Stopping meetmig with a signal while it reads a mailbox: Ctrl-C (SIGINT
# to the whole process group) on migrate and on run -j 2, and SIGTERM to
# the run alone (kill PID), which passes it on to its workers.  Each must
# end with 128 + the signal and say so, leave no hidden file, put nothing
# half in place, and leave no request InProgress: the one being read goes
# back to Pending, without counting a retry.  The next run then finishes
# with the same files as a run that was never stopped.  And two processes
# writing into one folder: the second waits for the first.  TAP.

set -u

. "$(dirname "$0")/lib.sh"

T=2026-11-21T09:00:00Z
COPIES=100

mm_require_program
if ! command -v setsid >/dev/null 2>&1 ||
    ! env --default-signal=INT true 2>/dev/null; then
	echo "1..0 # SKIP needs setsid and env --default-signal"
	exit 77
fi
wd=$(mm_workdir stop) || mm_bail "cannot make a work folder"
out=$wd/.stdout
err=$wd/.stderr

# A mailbox that takes a while to read: the contoso fixture's meetings,
# COPIES times, each copy with its own UIDs.
awk -v copies=$COPIES '
	/^BEGIN:VEVENT/ { inside = 1 }
	!started && !inside { print; next }
	{ started = 1 }
	inside { event = event $0 "\n" }
	/^END:VEVENT/ { inside = 0 }
	END {
		for (c = 1; c <= copies; c++) {
			copy = event
			gsub(/\nUID:[^\r\n]*/, "&-" c, copy)
			printf "%s", copy
		}
		print "END:VCALENDAR"
	}' "$MM_SRCDIR/fixtures/contoso-ashaw.ics" >"$wd/big.ics" ||
    mm_bail "cannot make the big mailbox"
head -1 "$wd/big.ics" | grep -q '^BEGIN:VCALENDAR' ||
    mm_bail "the big mailbox is not iCalendar"

# leftovers DIR: the hidden files a run must never leave.
leftovers() {
	[ -d "$1" ] && find "$1" -name '.*' \( -name '*.part' -o -name '*.tmp-*' \) -print
}

# start ARG...: meetmig ARG... in the background, in a process group of its
# own (setsid), SIGINT not ignored (a background job has it ignored);
# stdout and stderr to $out and $err.  Sets $pid.
start() {
	(
		cd "$wd" && HOME="$wd/.home" XDG_STATE_HOME="$wd/.state" \
		exec setsid env --default-signal=INT "$MEETMIG" "$@" \
		    </dev/null >"$out" 2>"$err"
	) &
	pid=$!
}

# reading DIR: waits (up to a minute) until a hidden file appears under
# DIR: the run is inside a mailbox, past its signal handlers.
reading() {
	for _ in $(seq 1200); do
		[ -n "$(leftovers "$1")" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# stopped: waits for the run; sets $rc to its exit status.
stopped() {
	rc=0
	wait "$pid" || rc=$?
}

# check NAME WANT RC: the exit status.
check_status() {
	tap_result $([ "$3" -eq "$2" ]; echo $?) "$1: exit $2"
	[ "$3" -eq "$2" ] || { echo "# got $3"; tap_diag 10 <"$err"; }
}

MIGRATE=(migrate -q -i ashaw@contoso.com -c fixtures/coordinates.ini --now $T)

# --- migrate, Ctrl-C ------------------------------------------------------------

mm_run "$wd" "$out" "$err" "${MIGRATE[@]}" -o ref --no-store big.ics
tap_result $? "migrate the big mailbox, for reference"

start "${MIGRATE[@]}" -o m --store m.db big.ics
if reading "$wd/m"; then
	kill -INT -- -"$pid"
	stopped
else
	stopped
	echo "# migrate was not caught reading (exit $rc)"
fi
check_status "migrate stopped by SIGINT" 130 "$rc"
grep -q '^meetmig: stopped by SIGINT while reading .*big.ics: nothing was put in place$' "$err"
tap_result $? "migrate stopped: it says so"
tap_diag 5 <"$err"
why=$(leftovers "$wd/m")
[ -z "$why" ] && [ -e "$wd/m/ashaw@contoso.com/status.json" ] &&
    why="a status.json was put in place"
[ -z "$why" ] && [ -n "$(ls "$wd/m/ashaw@contoso.com/updates" 2>/dev/null)" ] &&
    why="updates were put in place"
tap_result $([ -z "$why" ]; echo $?) "migrate stopped: nothing half written, nothing in place"
[ -z "$why" ] || echo "$why" | tap_diag 10
mm_run "$wd" "$out" "$err" status --format csv --store m.db
[ "$(wc -l <"$out")" -le 1 ]
tap_result $? "migrate stopped: no attempt recorded in the store"
: >"$wd/.diff"
mm_run "$wd" "$out" "$err" "${MIGRATE[@]}" -o m --store m.db big.ics &&
    mm_tree_compare "$wd/ref" "$wd/m" >"$wd/.diff"
tap_result $? "migrate again: the same files as a run never stopped"
tap_diag 20 <"$wd/.diff"

# --- two processes, one folder --------------------------------------------------

# A migrate by hand while another meetmig writes the same user's folder
# waits for it, says so, and both end with the same files.
start "${MIGRATE[@]}" -o c --no-store big.ics
reading "$wd/c"
mm_run "$wd" "$wd/.out2" "$wd/.err2" "${MIGRATE[@]}" -o c --no-store big.ics
check_status "a second migrate into a folder being written" 0 $?
grep -q '^meetmig: warning: c/ashaw@contoso.com is being written by another meetmig process: waiting for it to finish$' "$wd/.err2"
tap_result $? "the second migrate says it waits"
tap_diag 5 <"$wd/.err2"
stopped
check_status "the first migrate" 0 "$rc"
: >"$wd/.diff"
[ -z "$(leftovers "$wd/c")" ] && mm_tree_compare "$wd/ref" "$wd/c" >"$wd/.diff"
tap_result $? "two migrates into one folder: no hidden file left, the files of one"
tap_diag 20 <"$wd/.diff"

# --- run -j 2 -------------------------------------------------------------------

REQUESTS=4
enqueue() {
	local n
	for n in $(seq $REQUESTS); do
		mm_run "$wd" "$out" "$err" enqueue -q -i ashaw@contoso.com \
		    -c fixtures/coordinates.ini --now $T -o "q/$n" --store "$1" \
		    big.ics || return 1
	done
}

enqueue ref.db || mm_bail "cannot enqueue"
mm_run "$wd" "$out" "$err" run -q -j 2 --now $T --store ref.db &&
    mv "$wd/q" "$wd/q-ref"
tap_result $? "an uninterrupted run of $REQUESTS requests"

# stop_run NAME SIGNAL WHOM: a run -j 2 stopped by SIGNAL sent to WHOM
# (group: the process group, as Ctrl-C; parent: the run alone), then a
# run that finishes the job.
stop_run() {
	local name=$1 sig=$2 whom=$3 want left= why
	case $sig in
	INT) want=130 ;;
	TERM) want=143 ;;
	esac
	rm -rf "$wd/q" "$wd"/s.db*
	enqueue s.db || mm_bail "cannot enqueue"
	start run -j 2 --now $T --store s.db
	if reading "$wd/q/1"; then
		if [ "$whom" = group ]; then
			kill -"$sig" -- -"$pid"
		else
			kill -"$sig" "$pid"
		fi
		stopped
	else
		stopped
		echo "# run was not caught reading (exit $rc)"
	fi
	check_status "$name" "$want" "$rc"
	grep -q "^meetmig: SIG$sig: stopping: " "$err" &&
	    left=$(sed -n "s/^stopped by SIG$sig: \([0-9]*\) requests\{0,1\} left for the next run$/\1/p" "$out") &&
	    [ -n "$left" ] && [ "$left" -ge 1 ]
	tap_result $? "$name: it says so, and how many requests are left (${left:-none})"
	tap_diag 10 <"$err"
	why=$(leftovers "$wd/q")
	if [ -z "$why" ]; then
		mm_run "$wd" "$out" "$err" status --summary-only --format csv --store s.db
		grep -qx 'InProgress,0' "$out" && grep -qx "Pending,$left" "$out" ||
		    why="the store: $(tr '\n' ' ' <"$out")"
	fi
	if [ -z "$why" ]; then
		mm_run "$wd" "$out" "$err" status --format csv --store s.db
		awk -F, '$7 == "Pending" && $12 != 0 { bad = 1 } END { exit !bad }' \
		    "$out" && why="a request given back counts a retry"
		grep -q ",Pending,.*given back: stopped by SIG$sig while reading " \
		    "$out" || why="no Pending request says it was given back"
	fi
	tap_result $([ -z "$why" ]; echo $?) "$name: no hidden file left, none InProgress, the rest Pending"
	[ -z "$why" ] || echo "$why" | tap_diag 10
	: >"$wd/.diff"
	mm_run "$wd" "$out" "$err" run -q -j 2 --now $T --store s.db &&
	    mm_run "$wd" "$out" "$err" status --summary-only --format csv \
	    --store s.db && grep -qx "Succeeded,$REQUESTS" "$out" &&
	    mm_tree_compare "$wd/q-ref" "$wd/q" >"$wd/.diff"
	tap_result $? "$name, then run again: all Succeeded, the files of a run never stopped"
	tap_diag 20 <"$wd/.diff"
}

stop_run "run -j 2, Ctrl-C" INT group
stop_run "run -j 2, SIGTERM to the run alone" TERM parent

tap_plan "$mm_tap_count"
[ "$mm_tap_failed" -eq 0 ] && mm_workdir_remove "$wd"
tap_exit
