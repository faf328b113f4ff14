#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Keeps man/meetmig.1 honest.  TAP:
#  - "meetmig --help" and "meetmig COMMAND --help" succeed for every command
#    of the man page's COMMANDS section, and "meetmig --help" names each;
#  - every long option the help texts list (lines "  -x, --long=ARG" or
#    "  --long", GLib style) is documented in the man page, and every option
#    the man page documents (the tag line after a .TP, written \-\-long) is in
#    a help text: one line per option;
#  - mandoc -T lint finds nothing to warn about (skipped without mandoc);
#  - every command of the EXAMPLES section (.EX blocks) runs in a folder
#    holding the fixtures and exits 0, or with the status N its line
#    declares in a trailing roff comment \" exit N.

set -u

. "$(dirname "$0")/lib.sh"

page="$MM_SRCDIR/man/meetmig.1"
mm_require_program
[ -f "$page" ] || mm_bail "no man page: $page"

wd=$(mm_workdir check-man) || mm_bail "cannot make a work folder"

# roff text to plain text: the escapes the page uses.
unroff() {
	sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\(rs/\\/g' \
	    -e 's/\\e/\\/g' -e 's/\\&//g' -e 's/\\f[BIRP]//g'
}

# The lines of section $1 (between ".SH $1" and the next .SH).
section() {
	awk -v name="$1" '
		/^\.SH / { inside = ($0 == ".SH " name); next }
		inside { print }' "$page"
}

# Tag lines (the line after .TP) of standard input.
tags() {
	awk 'tp { print; tp = 0; next } /^\.TP/ { tp = 1 }'
}

commands=$(section COMMANDS | tags | sed -n 's/^\.B \([a-z][a-z-]*\).*/\1/p')
man_options=$(tags <"$page" | unroff | grep -o -e '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u)

# --- help texts ---------------------------------------------------------------

help_options=
run_help() {
	local label=$1
	shift
	mm_run "$wd" "$wd/help.out" "$wd/help.err" "$@"
	local rc=$?
	tap_result $rc "$label exits 0"
	[ $rc -eq 0 ] || tap_diag 10 <"$wd/help.err"
	help_options="$help_options
$(sed -n 's/^[[:space:]]\{1,\}\(-[[:alnum:]], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' "$wd/help.out")"
}

run_help "meetmig --help" --help
main_help=$(cat "$wd/help.out")
for cmd in $commands; do
	run_help "meetmig $cmd --help" "$cmd" --help
	if printf '%s\n' "$main_help" | grep -q -w -e "$cmd"; then
		tap_result 0 "meetmig --help names $cmd"
	else
		tap_result 1 "meetmig --help names $cmd"
	fi
done
help_options=$(printf '%s\n' "$help_options" | grep -v -e '^$' -e '^--help-' | LC_ALL=C sort -u)

for opt in $(printf '%s\n%s\n' "$help_options" "$man_options" | grep -v '^$' | LC_ALL=C sort -u); do
	in_help=$(printf '%s\n' "$help_options" | grep -c -x -e "$opt")
	in_man=$(printf '%s\n' "$man_options" | grep -c -x -e "$opt")
	if [ "$in_help" -gt 0 ] && [ "$in_man" -gt 0 ]; then
		tap_result 0 "$opt: in --help and in the man page"
	elif [ "$in_help" -gt 0 ]; then
		tap_result 1 "$opt: in --help but not in the man page"
	else
		tap_result 1 "$opt: in the man page but in no --help"
	fi
done

# --- mandoc -----------------------------------------------------------------------

if command -v mandoc >/dev/null 2>&1; then
	lint=$(mandoc -T lint -W warning "$page" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [ -z "$lint" ]
	tap_result $? "mandoc -T lint: no warnings"
	[ -n "$lint" ] && printf '%s\n' "$lint" | tap_diag 20
else
	tap_skip "mandoc -T lint" "mandoc is not installed"
fi

# --- examples ------------------------------------------------------------------------

# One command per line: continuation lines (ending in a backslash) joined,
# the expected status (default 0) before a tab.
examples=$(section EXAMPLES | awk '
	/^\.EX/ { ex = 1; next }
	/^\.EE/ { ex = 0; next }
	ex' | awk '
	{
		line = $0
		status = ""
		if (match(line, /[ \t]*\\" *exit +[0-9]+ *$/)) {
			status = substr(line, RSTART, RLENGTH)
			gsub(/[^0-9]/, "", status)
			line = substr(line, 1, RSTART - 1)
		}
		if (cont != "") {
			sub(/^[ \t]+/, "", line)
			line = cont " " line
		}
		if (line ~ /\\e$/) {
			cont = substr(line, 1, length(line) - 2)
			sub(/[ \t]+$/, "", cont)
			next
		}
		cont = ""
		print (status == "" ? 0 : status) "\t" line
	}' | unroff)

n=0
while IFS=$'\t' read -r want command; do
	[ -n "$command" ] || continue
	n=$((n + 1))
	(
		cd "$wd" || exit 125
		export HOME="$wd/.home" XDG_STATE_HOME="$wd/.state"
		meetmig() { "$MEETMIG" "$@"; }
		eval "$command"
	) </dev/null >"$wd/example.out" 2>"$wd/example.err"
	rc=$?
	[ "$rc" -eq "$want" ]
	tap_result $? "example $n exits $want: ${command:0:60}"
	if [ "$rc" -ne "$want" ]; then
		echo "exit status $rc"
		cat "$wd/example.err"
	fi | tap_diag 20
done <<<"$examples"
[ "$n" -gt 0 ]
tap_result $? "the EXAMPLES section has commands"

tap_plan "$mm_tap_count"
[ "$mm_tap_failed" -eq 0 ] && mm_workdir_remove "$wd"
tap_exit
