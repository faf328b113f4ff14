#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The hostile inputs too big to commit (fixtures/hostile/README): lines of
# 10 and 17 MB, 100,000 attendees, XML nested 100,000 deep, EWS bodies of 9
# and 10 MB.  fixtures/hostile/make-hostile.py --big writes them into the
# work folder; each goes through meetmig migrate with time (timeout) and
# memory (ulimit -v) bounded, and the test checks the exit status, the
# message on stderr (file, line and UID where it makes sense), the output
# tree (no half-written file, no hidden leftover) and what was written (no
# U+FFFD, no control character, iCalendar lines of at most 75 octets).  The
# smaller hostile inputs are golden cases (tests/golden/hostile-*).  TAP.

set -u

. "$(dirname "$0")/lib.sh"

# A hang is a failure: each case runs in a second or two.
MM_TIMEOUT=60
# Address space for one run, in KiB: a limit that is hit is a failure.
: "${MM_HOSTILE_VMEM:=1048576}"

# name | arguments after migrate's common ones (inputs under big/) | exit
# status | stderr (ERE matching the one error, or "" for none; warnings
# may follow) | updates written (or "-": a run error, checked over an
# earlier run's output) | report.txt must match (ERE, optional)
O=fixtures/hostile/one-meeting.ics
cases=(
	'xprop-10mb|big/long-line-10mb-xprop.ics|0||2|'
	'description-10mb|big/long-line-10mb-description.ics|1|^meetmig: big/long-line-10mb-description\.ics:21: meeting 0400[0-9A-F]+: InvalidData: DESCRIPTION longer than 8388608 octets \(big/long-line-10mb-description\.ics:25\)$|1|^Failed +InvalidData .* A 10 MB DESCRIPTION$'
	'event-line-17mb|big/long-line-17mb-event.ics|1|^meetmig: big/long-line-17mb-event\.ics:21: meeting 0400[0-9A-F]+: InvalidData: line longer than MM_LIMIT_LINE_LENGTH \(16777216 octets\) \(big/long-line-17mb-event\.ics:67\)$|1|'
	'calendar-line-17mb|big/long-line-17mb-calendar.ics|65|^meetmig: line longer than MM_LIMIT_LINE_LENGTH \(16777216 octets\) \(big/long-line-17mb-calendar\.ics:5\)$|-|'
	'line-17mb-after-meetings|big/long-line-17mb-after-meetings.ics|65|^meetmig: line longer than MM_LIMIT_LINE_LENGTH \(16777216 octets\) \(big/long-line-17mb-after-meetings\.ics:283\)$|-|'
	'no-line-end-17mb|big/long-line-17mb-no-lf.ics|65|^meetmig: big/long-line-17mb-no-lf\.ics: not iCalendar data: first line is not BEGIN:VCALENDAR$|-|'
	'file-17gib|big/sparse-17gib.ics|65|^meetmig: input larger than MM_LIMIT_FILE_SIZE \(17179869184 octets\) \(big/sparse-17gib\.ics\)$|-|'
	'attendees-100000|big/attendees-100000.ics|1|^meetmig: big/attendees-100000\.ics:21: meeting 0400[0-9A-F]+: InvalidData: more than MM_LIMIT_PROPS_PER_EVENT \(20000\) lines in one VEVENT \(big/attendees-100000\.ics:40021\)$|1|^Failed +InvalidData .* A hundred thousand guests$'
	'attendees-15000|--max-attendees 20000 big/attendees-15000.ics|0||1|^Skipped +TooManyAttendees .* Fifteen thousand guests$'
	'series-5001|big/series-5001.ics|1|^meetmig: big/series-5001\.ics:21: meeting 0400[0-9A-F]+: InvalidData: more than MM_LIMIT_EVENTS_PER_SERIES \(5000\) VEVENTs for one UID \(big/series-5001\.ics:[0-9]+\)$|1|^Failed +InvalidData .* Five thousand exceptions$'
	'csv-field-2mb|-d big/directory-field-2mb.csv '"$O"'|65|^meetmig: CSV field longer than 1048576 octets \(big/directory-field-2mb\.csv:3\)$|-|'
	'csv-rows-2000001|-d big/directory-2000001-rows.csv '"$O"'|65|^meetmig: CSV file has more than 2000000 rows \(big/directory-2000001-rows\.csv:2000002\)$|-|'
	'ews-attendees-100000|big/ews-attendees-100000.xml|0||1|^Skipped +TooManyAttendees .* A hundred thousand guests$'
	'ews-deep-100000|big/ews-deep-100000.xml|65|^meetmig: XML elements nested deeper than MM_LIMIT_XML_DEPTH \(256\) \(big/ews-deep-100000\.xml:11\)$|-|'
	'ews-body-9mb|big/ews-body-9mb.xml|1|^meetmig: big/ews-body-9mb\.xml:9: meeting 0400[0-9A-F]+: InvalidData: body larger than MM_LIMIT_BODY_SIZE \(8388608 octets\) \(big/ews-body-9mb\.xml:9, UID 0400[0-9A-F]+\)$|1|^Failed +InvalidData .* A 9 MB body$'
	'ews-body-10mb|big/ews-body-10mb.xml|1|^meetmig: big/ews-body-10mb\.xml:9: meeting meetmig-ews-[0-9a-f]+: InvalidData: CalendarItem started at line 9 cannot be read: .*huge text node.*; it and the items after it are not read \(big/ews-body-10mb\.xml:48\)$|0|^Failed +InvalidData .* A 10 MB body$'
)

# Five checks a case, one more where the report is checked.
plan=$(( ${#cases[@]} * 5 ))
for c in "${cases[@]}"; do
	[ -n "${c##*|}" ] && plan=$((plan + 1))
done

if [ ! -x "$PYTHON3" ] && ! command -v "$PYTHON3" >/dev/null 2>&1; then
	echo "1..0 # SKIP no $PYTHON3 to write the inputs"
	exit 0
fi
tap_plan "$plan"
mm_require_program

wd=$(mm_workdir hostile) || mm_bail "cannot make the work folder"
"$PYTHON3" "$MM_SRCDIR/fixtures/hostile/make-hostile.py" --big "$wd/big" ||
	mm_bail "make-hostile.py --big failed"
# A file over MM_LIMIT_FILE_SIZE costs nothing as a sparse file; where one
# cannot be made, its case is skipped.
truncate -s 17G "$wd/big/sparse-17gib.ics" 2>/dev/null ||
	rm -f "$wd/big/sparse-17gib.ics"

# A sanitizer reserves terabytes of address space: no ulimit -v then.
vmem=$MM_HOSTILE_VMEM
if command -v ldd >/dev/null 2>&1 &&
    ldd "$MEETMIG" 2>/dev/null | grep -q -e libasan -e libtsan -e libmsan; then
	vmem=unlimited
fi

# migrate_in DIR OUT ERR ARG...: meetmig migrate ARG... (paths relative to
# the work folder) into DIR, bounded in memory; returns its exit status.
migrate_in() {
	local dir=$1 out=$2 err=$3
	shift 3
	(
		ulimit -v "$vmem" 2>/dev/null
		mm_run "$wd" "$out" "$err" migrate -i ashaw@contoso.com \
		    -c fixtures/coordinates.ini --now 2026-11-21T09:00:00Z \
		    --no-store -o "$dir" "$@"
	)
}

# fingerprints ARG...: the fingerprint of every big/ input among ARG...
fingerprints() {
	local a
	for a in "$@"; do
		case $a in
		big/*) fingerprint "$wd/$a" ;;
		esac
	done
}

# check_written DIR: prints what is wrong with the files under DIR (no
# output when all is well): hidden leftovers, U+FFFD, control characters,
# iCalendar lines over 75 octets.
check_written() {
	find "$1" -name '.*' \( -name '*.part' -o -name '*.tmp-*' \) |
	    sed 's/^/leftover: /'
	find "$1" -type f -exec perl -e '
		for my $f (@ARGV) {
			open(my $h, "<", $f) or die "$f: $!";
			local $/; my $d = <$h>;
			print "U+FFFD in $f\n" if $d =~ /\xef\xbf\xbd/;
			print "control character in $f\n"
			    if $d =~ /\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
			if ($f =~ /\.ics$/) {
				for (split /\r\n/, $d) {
					if (length($_) > 75) {
						print "line over 75 octets in $f\n";
						last;
					}
				}
			}
		}' {} +
}

# fingerprint FILE: size, time and, below 1 GiB, the SHA-256 of FILE.
fingerprint() {
	stat -c '%s %Y' "$1"
	[ "$(stat -c %s "$1")" -lt $((1 << 30)) ] && sha256sum <"$1"
}

# The files of DIR that count: regular files, relative, sorted.
files_of() {
	[ -d "$1" ] && (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
}

for c in "${cases[@]}"; do
	IFS='|' read -r name argv want_status want_err want_updates want_report <<<"$c"
	read -r -a args <<<"$argv"
	out="out/$name"
	user="$wd/$out/ashaw@contoso.com"

	missing=
	for a in "${args[@]}"; do
		case $a in
		big/*) [ -e "$wd/$a" ] || missing=$a ;;
		esac
	done
	if [ -n "$missing" ]; then
		for k in 1 2 3 4 5; do
			tap_skip "$name: check $k" "cannot make a sparse file here"
		done
		[ -n "$want_report" ] && tap_skip "$name: report" "cannot make a sparse file here"
		continue
	fi
	input_hash=$(fingerprints "${args[@]}")

	# A run error must leave an earlier run's output as it was.
	before=
	if [ "$want_status" -ge 64 ]; then
		migrate_in "$out" "$wd/.out" "$wd/.err" "$O"
		before=$(cd "$wd/$out" && find . -type f -exec sha256sum {} + | LC_ALL=C sort)
	fi

	start=$(date +%s.%N)
	migrate_in "$out" "$wd/.out" "$wd/.err" "${args[@]}"
	status=$?
	elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

	tap_result $([ "$status" = "$want_status" ]; echo $?) \
	    "$name: exit $status in ${elapsed}s (want $want_status)"
	[ "$status" = "$want_status" ] || tap_diag 10 <"$wd/.err"

	if [ -z "$want_err" ]; then
		[ ! -s "$wd/.err" ]
		ok=$?
		tap_result "$ok" "$name: nothing on stderr"
	else
		# Warnings may follow ("items from there on are not read").
		[ "$(grep -c -v '^meetmig: warning: ' "$wd/.err")" -eq 1 ] &&
		    grep -E -q -e "$want_err" "$wd/.err"
		ok=$?
		tap_result "$ok" "$name: one error naming the file, the line and the meeting"
	fi
	[ "$ok" -eq 0 ] || { tap_diag 5 <"$wd/.err"; echo "# want: ${want_err:-nothing}"; }

	got=$(files_of "$user")
	if [ "$want_updates" = "-" ]; then
		if [ -n "$before" ]; then
			after=$(cd "$wd/$out" && find . -type f -exec sha256sum {} + | LC_ALL=C sort)
			[ "$before" = "$after" ]
		else
			[ -z "$got" ]
		fi
	else
		want=$(
			[ "$want_updates" -gt 0 ] && echo calendar.ics
			echo report.txt
			echo status.json
		)
		[ "$(echo "$got" | grep -v '^updates/')" = "$want" ] &&
		    [ "$(echo "$got" | grep -c '^updates/[0-9]\{4\}-[0-9a-f]\{12\}\.ics$')" -eq "$want_updates" ] &&
		    [ "$(echo "$got" | grep -c '^updates/[0-9]\{4\}-[0-9a-f]\{12\}\.eml$')" -eq "$want_updates" ] &&
		    [ "$(echo "$got" | grep -c '^updates/')" -eq $((want_updates * 2)) ]
	fi
	ok=$?
	if [ -n "$before" ]; then
		tap_result "$ok" "$name: the earlier run's output is left as it was"
	else
		tap_result "$ok" "$name: the output tree holds $want_updates update(s) and no other file"
	fi
	[ "$ok" -eq 0 ] || echo "$got" | tap_diag 20

	problems=$( [ -d "$wd/$out" ] && check_written "$wd/$out")
	tap_result $([ -z "$problems" ]; echo $?) \
	    "$name: no leftover, no U+FFFD, no control character, short lines"
	[ -z "$problems" ] || echo "$problems" | tap_diag 10

	# The input is read, never written.
	tap_result $([ "$(fingerprints "${args[@]}")" = "$input_hash" ]; echo $?) \
	    "$name: the input is not modified"

	if [ -n "$want_report" ]; then
		grep -E -q -e "$want_report" "$user/report.txt" 2>/dev/null
		ok=$?
		tap_result "$ok" "$name: report.txt says so"
		[ "$ok" -eq 0 ] || [ ! -f "$user/report.txt" ] || tap_diag 30 <"$user/report.txt"
	fi
done

echo "# each run bounded by timeout ${MM_TIMEOUT}s and ${vmem} KiB of address space"
[ "$mm_tap_failed" -eq 0 ] && mm_workdir_remove "$wd"
tap_exit
