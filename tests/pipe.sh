#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Mailboxes read from a pipe: `zcat export.ics.gz | meetmig migrate ... -`
# and `meetmig plan ... <(zcat ...)`.  The format is told from a pipe's
# first octets; iCalendar is then read as it comes, and EWS XML, which its
# reader may read twice, is copied to TMPDIR first.  The outputs must be
# those of the same mailbox read from a file (but the CorrelationId, made
# from the mailbox names), the messages must name "standard input", no
# copy may be left, after an error or a kill too, and enqueue must refuse
# a pipe (its run would read it later, when it is gone) before it creates
# a store.  TAP.

set -u

. "$(dirname "$0")/lib.sh"

T=2026-11-21T09:00:00Z

mm_require_program
wd=$(mm_workdir pipe) || mm_bail "cannot make the work folder"
tmp=$wd/tmpdir
mkdir -p "$tmp"

# mm CMD...: meetmig in WD with TMPDIR private, stdin left to the caller.
mm() {
	(cd "$wd" && HOME="$wd/.home" XDG_STATE_HOME="$wd/.state" \
	    XDG_CONFIG_HOME="$wd/.config" TMPDIR="$tmp" "$MEETMIG" "$@")
}

# no_copy_left: the private TMPDIR is empty.
no_copy_left() {
	[ -z "$(ls -A "$tmp")" ]
}

# without_correlation FILE: FILE without its CorrelationId lines.
without_correlation() {
	grep -v CorrelationId "$1"
}

tap_plan 16

plan=(-i ashaw@contoso.com -c fixtures/coordinates.ini --now "$T")
common=("${plan[@]}" --no-store)

# 1-2: migrate from standard input writes what migrate from the file does.
mm migrate -q "${common[@]}" -o "$wd/file" fixtures/contoso-ashaw.ics \
    >"$wd/file.out" 2>&1
cat "$MM_SRCDIR/fixtures/contoso-ashaw.ics" |
    mm migrate -q "${common[@]}" -o "$wd/stdin" - >"$wd/stdin.out" 2>&1
status=$?
tap_result "$status" "migrate reads the mailbox from standard input (-)"
same=0
for f in $(mm_tree_files "$wd/file"); do
	case "$f" in
	*/status.json | */report.txt)
		cmp -s <(without_correlation "$wd/file/$f") \
		    <(without_correlation "$wd/stdin/$f") || same=1 ;;
	*)
		cmp -s "$wd/file/$f" "$wd/stdin/$f" || same=1 ;;
	esac
done
[ "$(mm_tree_files "$wd/file")" = "$(mm_tree_files "$wd/stdin")" ] || same=1
[ -n "$(mm_tree_files "$wd/file")" ] || same=1
tap_result $same "the same files, byte for byte (but the CorrelationId)"

# 3: plan of a process substitution (a /dev/fd pipe) sees what plan of the file
# sees; only the WHERE column's file name differs.
mm plan "${plan[@]}" fixtures/contoso-ashaw.ics >"$wd/plan-file" 2>&1
mm plan "${plan[@]}" <(cat "$MM_SRCDIR/fixtures/contoso-ashaw.ics") \
    >"$wd/plan-fd" 2>&1
sed -i 's|fixtures/contoso-ashaw\.ics:|MAILBOX:|' "$wd/plan-file"
sed -i 's|/dev/fd/[0-9]*:|MAILBOX:|; s|/proc/self/fd/[0-9]*:|MAILBOX:|' \
    "$wd/plan-fd"
cmp -s "$wd/plan-file" "$wd/plan-fd" && grep -q '^Updated.* MAILBOX:' "$wd/plan-fd"
ok=$?
tap_result $ok "plan reads a <(...) pipe as it reads the file"
[ $ok -eq 0 ] || diff "$wd/plan-file" "$wd/plan-fd" | tap_diag

# 4-5: EWS XML and UTF-16 iCalendar through a pipe: the format and the
# encoding are still told from the first octets.
mm plan "${plan[@]}" fixtures/ews/getitem-calendar.xml >"$wd/ews-file" 2>&1
cat "$MM_SRCDIR/fixtures/ews/getitem-calendar.xml" |
    mm plan "${plan[@]}" - >"$wd/ews-stdin" 2>&1
sed -i 's|fixtures/ews/getitem-calendar\.xml|MAILBOX|' "$wd/ews-file"
sed -i 's|standard input|MAILBOX|' "$wd/ews-stdin"
cmp -s "$wd/ews-file" "$wd/ews-stdin" && grep -q '^Updated' "$wd/ews-stdin"
tap_result $? "EWS XML from standard input"
mm plan -i aostberg@contoso.com -c fixtures/coordinates.ini --now "$T" \
    fixtures/encoding/utf16le-bom.ics >"$wd/u16-file" 2>&1
cat "$MM_SRCDIR/fixtures/encoding/utf16le-bom.ics" |
    mm plan -i aostberg@contoso.com -c fixtures/coordinates.ini --now "$T" - \
    >"$wd/u16-stdin" 2>&1
sed -i 's|fixtures/encoding/utf16le-bom\.ics|MAILBOX|' "$wd/u16-file"
sed -i 's|standard input|MAILBOX|' "$wd/u16-stdin"
cmp -s "$wd/u16-file" "$wd/u16-stdin" && [ -s "$wd/u16-stdin" ]
ok=$?
tap_result $ok "UTF-16 iCalendar from standard input"
[ $ok -eq 0 ] || diff "$wd/u16-file" "$wd/u16-stdin" | tap_diag

# 6: the temporary copies are gone.
no_copy_left
tap_result $? "no copy is left in TMPDIR"

# 7-8: bad data from a pipe is named "standard input"; the copy goes too.
printf 'not a calendar\r\n' |
    mm plan "${plan[@]}" - >"$wd/bad.out" 2>"$wd/bad.err"
status=$?
[ "$status" -eq 65 ] &&
    grep -q '^meetmig: standard input: not iCalendar data' "$wd/bad.err"
ok=$?
tap_result $ok "bad data from standard input: 65, named standard input"
[ $ok -eq 0 ] || { echo "status $status"; cat "$wd/bad.err"; } | tap_diag
no_copy_left
tap_result $? "no copy is left after the error"

# 9: an empty pipe is an error, not an empty mailbox.
mm plan "${plan[@]}" - </dev/null >/dev/null 2>"$wd/empty.err"
status=$?
[ "$status" -eq 65 ] && grep -q 'standard input' "$wd/empty.err"
tap_result $? "an empty standard input: 65"

# 10: a full disk while EWS XML is copied (the EWS reader may read its
# input twice, so a pipe of it is copied to TMPDIR): 74, said, and the
# copy removed (tests/faultshim.c makes the writes to the copy fail).
cc=${CC:-cc}
if command -v "$cc" >/dev/null 2>&1 &&
    $cc -shared -fPIC -o "$wd/faultshim.so" "$MM_SRCDIR/tests/faultshim.c" -ldl \
    2>"$wd/.cc"; then
	# A sanitizer's runtime must come first: the shim is preloaded after it.
	cat "$MM_SRCDIR/fixtures/ews/getitem-calendar.xml" |
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    LD_PRELOAD="$wd/faultshim.so" MM_FAULT_CALL=write \
	    MM_FAULT_PATH=meetmig-input- mm plan "${plan[@]}" - \
	    >/dev/null 2>"$wd/full.err"
	status=$?
	[ "$status" -eq 74 ] && grep -q '^meetmig: cannot copy standard input to a temporary file in .*: No space left on device$' "$wd/full.err" &&
	    no_copy_left
	ok=$?
	tap_result $ok "a full disk while copying: 74, said, no copy left"
	[ $ok -eq 0 ] || { echo "status $status"; cat "$wd/full.err"; ls -A "$tmp"; } | tap_diag
else
	tap_skip "a full disk while copying" "no compiler for tests/faultshim.c"
fi

# 11-12: while a named pipe is read (Linux: /proc/PID/fd tells what the
# process holds), iCalendar is read as it comes, with no copy at all, and
# EWS XML's copy has no name, so a meetmig killed then (SIGKILL, or a
# second Ctrl-C) leaves nothing in TMPDIR either.
# copies_held FIXTURE: "NAMED HELD" while meetmig reads FIXTURE from a
# named pipe kept open: the names in TMPDIR, and the number of copies the
# process holds open; then the process is killed.
copies_held() {
	local victim= named held
	rm -f "$wd/fifo" && mkfifo "$wd/fifo" || return 1
	mm plan -i pipe-kill@contoso.com -c fixtures/coordinates.ini \
	    --now "$T" "$wd/fifo" >/dev/null 2>&1 &
	exec 3>"$wd/fifo"
	cat "$MM_SRCDIR/fixtures/$1" >&3
	for _ in $(seq 50); do
		victim=$(pgrep -f "plan -i pipe-kill@contoso.com") && break
		sleep 0.1
	done
	sleep 0.5
	named=$(ls -A "$tmp")
	held=$(ls -l "/proc/$victim/fd" 2>/dev/null | grep -c meetmig-input-)
	[ -n "$victim" ] && kill -KILL $victim
	exec 3>&-
	wait
	[ -n "$victim" ] && echo "${named:--} $held"
}
if [ -d /proc/self/fd ] && command -v pgrep >/dev/null 2>&1 &&
    command -v mkfifo >/dev/null 2>&1; then
	got=$(copies_held contoso-ashaw.ics)
	[ "$got" = "- 0" ] && no_copy_left
	tap_result $? "iCalendar from a pipe is read as it comes, no copy ($got)"
	got=$(copies_held ews/getitem-calendar.xml)
	[ "$got" = "- 1" ] && no_copy_left
	tap_result $? "EWS XML's copy has no name: nothing left after SIGKILL ($got)"
else
	tap_skip "iCalendar from a pipe is read as it comes" "no /proc/self/fd, pgrep or mkfifo"
	tap_skip "EWS XML's copy has no name" "no /proc/self/fd, pgrep or mkfifo"
fi

# 13: a stream with no line end at all (cat /dev/zero) is refused once its
# first line is past MM_LIMIT_LINE_LENGTH, while it still flows: not read
# to MM_LIMIT_FILE_SIZE (16 GiB) first.
if command -v mkfifo >/dev/null 2>&1 && rm -f "$wd/fifo" &&
    mkfifo "$wd/fifo"; then
	mm plan "${plan[@]}" "$wd/fifo" >/dev/null 2>"$wd/endless.err" &
	reader=$!
	exec 4>"$wd/fifo"
	# 64 MiB of octets with no line end, written while it reads them.
	head -c 67108864 /dev/zero >&4 2>/dev/null
	gone=1
	for _ in $(seq 100); do
		kill -0 "$reader" 2>/dev/null || { gone=0; break; }
		sleep 0.1
	done
	exec 4>&-
	wait "$reader"
	status=$?
	[ "$gone" -eq 0 ] && [ "$status" -eq 65 ] &&
	    grep -q 'first line is not BEGIN:VCALENDAR' "$wd/endless.err"
	ok=$?
	tap_result $ok "a stream with no line end is refused while it flows"
	[ $ok -eq 0 ] || { echo "ended by itself: $gone, status $status"; cat "$wd/endless.err"; } | tap_diag
else
	tap_skip "a stream with no line end is refused while it flows" "no mkfifo"
fi

# 14-16: enqueue refuses a pipe: its run reads the mailbox later.
mm enqueue --store "$wd/q.db" -i ashaw@contoso.com \
    -c fixtures/coordinates.ini -o "$wd/queued" - \
    <"$MM_SRCDIR/fixtures/contoso-ashaw.ics" >/dev/null 2>"$wd/q1.err"
status=$?
[ "$status" -eq 64 ] && grep -q 'standard input cannot be queued' "$wd/q1.err" &&
    [ ! -e "$wd/q.db" ]
ok=$?
tap_result $ok "enqueue - : 64 and no store created"
[ $ok -eq 0 ] || { echo "status $status"; cat "$wd/q1.err"; } | tap_diag
mm enqueue --store "$wd/q.db" -i ashaw@contoso.com \
    -c fixtures/coordinates.ini -o "$wd/queued" \
    <(cat "$MM_SRCDIR/fixtures/contoso-ashaw.ics") >/dev/null 2>"$wd/q2.err"
status=$?
[ "$status" -eq 64 ] && grep -q 'cannot be queued' "$wd/q2.err"
tap_result $? "enqueue of a <(...) pipe: 64"
printf 'identity,mailbox\nashaw@contoso.com,/dev/stdin\n' >"$wd/users.csv"
mm enqueue --store "$wd/q.db" --users users.csv -c fixtures/coordinates.ini \
    -o "$wd/queued" </dev/null >/dev/null 2>"$wd/q3.err"
status=$?
[ "$status" -eq 65 ] &&
    grep -q 'users.csv:2: /dev/stdin cannot be queued' "$wd/q3.err" &&
    grep -q 'nothing was enqueued' "$wd/q3.err"
ok=$?
tap_result $ok "a users CSV row naming a device: 65, the row named"
[ $ok -eq 0 ] || { echo "status $status"; cat "$wd/q3.err"; } | tap_diag

[ "$mm_tap_failed" -eq 0 ] && mm_workdir_remove "$wd"
tap_exit
