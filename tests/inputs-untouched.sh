#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# meetmig reads its inputs and never writes them: mailboxes (iCalendar and
# EWS XML, good and hostile), the coordinates, the Teams links, the user
# directory and the users CSV of enqueue go into a folder of their own,
# every command that reads them runs, and afterwards every file there has
# the same bytes (SHA-256), size, modification time and mode, and the
# folder holds the same names.  The folder and its files are made
# read-only; as root that proves nothing, so tests/faultshim.c (LD_PRELOAD,
# when a compiler can build it) refuses and reports any open for writing,
# creation, rename or removal there.  TAP.

set -u

. "$(dirname "$0")/lib.sh"

T=2026-11-21T09:00:00Z
T2=2026-11-21T09:05:00Z

mm_require_program
wd=$(mm_workdir inputs-untouched) || mm_bail "cannot make the work folder"
in=$wd/in
mkdir -p "$in"
for f in contoso-ashaw.ics unicode.ics coordinates.ini teams-links.csv directory.csv \
    ews/getitem-calendar.xml ews/truncated-file.xml encoding/utf16le-bom.ics \
    hostile/invalid-utf8.ics hostile/truncated-in-block.ics hostile/uid-paths.ics \
    hostile/ews-truncated-in-body.xml hostile/ews-xxe.xml; do
	cp "$MM_SRCDIR/fixtures/$f" "$in/" || mm_bail "cannot copy fixtures/$f"
done
printf '%s\r\n' 'identity,mailbox,coordinates,directory' \
    'ashaw@contoso.com,contoso-ashaw.ics,coordinates.ini,directory.csv' \
    'aostberg@contoso.com,unicode.ics;uid-paths.ics,coordinates.ini,directory.csv' \
    >"$in/users.csv"

# The names, and for each file its hash, size, time and mode.
snapshot() {
	(
		cd "$in" || exit 1
		ls -A | LC_ALL=C sort
		for f in $(ls -A | LC_ALL=C sort); do
			printf '%s %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" \
			    "$(stat -c '%s %Y %a' "$f") $f"
		done
	)
}

# Time stamps in the past, so that a write within the same second shows.
touch -d '2026-01-02 03:04:05' "$in"/*
chmod a-w "$in"/*
before=$(snapshot)
chmod a-w "$in"

shim=
cc=${CC:-cc}
if command -v "$cc" >/dev/null 2>&1 &&
    $cc -shared -fPIC -o "$wd/faultshim.so" "$MM_SRCDIR/tests/faultshim.c" -ldl \
    2>"$wd/.cc"; then
	shim=$wd/faultshim.so
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
log=$wd/.refused
: >"$log"
physical_in=$(cd "$in" && pwd -P)

# The commands, each with the exit statuses it may end with.  Paths are
# relative to the work folder.
common=(-c in/coordinates.ini -d in/directory.csv --now "$T")
runs=(
	"0|migrate -i ashaw@contoso.com ${common[*]} -o out/ics in/contoso-ashaw.ics"
	"1|migrate -i ashaw@contoso.com ${common[*]} -t teams -o out/teams in/contoso-ashaw.ics in/unicode.ics"
	"0|migrate -i ashaw@contoso.com ${common[*]} --format ics,eml,ews -o out/ews in/getitem-calendar.xml"
	"0|migrate -i ashaw@contoso.com ${common[*]} -o out/utf16 in/utf16le-bom.ics"
	"1|migrate -i ashaw@contoso.com ${common[*]} -o out/hostile in/invalid-utf8.ics in/truncated-in-block.ics in/uid-paths.ics"
	"1|migrate -i ashaw@contoso.com ${common[*]} -o out/ews-hostile in/truncated-file.xml in/ews-truncated-in-body.xml"
	"65|migrate -i ashaw@contoso.com ${common[*]} -o out/xxe in/ews-xxe.xml"
	"0|plan -i ashaw@contoso.com ${common[*]} -t teams --provisioning-csv out/provisioning.csv in/contoso-ashaw.ics"
	"0|enqueue --users in/users.csv -o out/queue --now $T --store out/s.db"
	"1|run --store out/s.db --now $T"
	"0|run --store out/s.db --now $T2"
	"0|status --store out/s.db --format json"
)

tap_plan $(( ${#runs[@]} * 2 + 1 ))

mkdir -p "$wd/out"
for r in "${runs[@]}"; do
	want=${r%%|*}
	cmd=${r#*|}
	# shellcheck disable=SC2086 # the words of the command
	if [ -n "$shim" ]; then
		(
			export LD_PRELOAD="$shim" MM_FAULT_READONLY="$physical_in" MM_FAULT_LOG="$log"
			mm_run "$wd" "$wd/.out" "$wd/.err" $cmd
		)
	else
		mm_run "$wd" "$wd/.out" "$wd/.err" $cmd
	fi
	status=$?
	tap_result $([ "$status" = "$want" ]; echo $?) "${cmd%% *} ${cmd##* }: exit $status (want $want)"
	[ "$status" = "$want" ] || tap_diag 10 <"$wd/.err"
	if grep -q '^faultshim:' "$wd/.err"; then
		tap_result 1 "${cmd%% *} ${cmd##* }: no write access to the inputs"
		grep '^faultshim:' "$wd/.err" | tap_diag 10
	elif [ -n "$shim" ]; then
		tap_result 0 "${cmd%% *} ${cmd##* }: no write access to the inputs"
	else
		tap_skip "${cmd%% *} ${cmd##* }: no write access to the inputs" \
		    "no C compiler ($cc) for tests/faultshim.c"
	fi
done

after=$(snapshot)
chmod u+w "$in" "$in"/*
diff -u --label before --label after <(echo "$before") <(echo "$after") >"$wd/.diff"
tap_result $? "inputs: the same names, bytes, sizes, times and modes as before the runs"
tap_diag 40 <"$wd/.diff"
[ -s "$log" ] && tap_diag 20 <"$log"

[ "$mm_tap_failed" -eq 0 ] && mm_workdir_remove "$wd"
tap_exit
