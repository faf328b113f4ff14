#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Keeps the manual (man/meetmig.1 and man/meetmig.conf.5) honest.  TAP:
#  - every command "meetmig --help" lists has a --help that exits 0 and an
#    entry in the COMMANDS section of meetmig.1, and every entry there is a
#    command of "meetmig --help";
#  - every option of every help text ("meetmig --help" and "meetmig COMMAND
#    --help": lines "  -x, --long=ARG" or "  --long", GLib style) is the tag
#    line (the line after .TP) of an entry in a subsection of OPTIONS whose
#    title names that command (".SS Options of migrate, plan and enqueue",
#    or "... every command"), with its short form if it has one; an option
#    that meetmig.1 does not document counts as documented when a tag line
#    of meetmig.conf.5 does;
#  - the reverse: every option of such an entry is in the help text of one
#    of the commands its subsection names;
#  - every reason code (src/select.h) is a tag in SELECTION and every tag
#    there is a reason code; every field of status.json and of "meetmig
#    status" (csv, json --meetings) is a tag in STATUS FIELDS, and every tag
#    there is such a field;
#  - both pages: "meetmig --version" is the version in .TH, mandoc -T lint
#    finds nothing to warn about (skipped without mandoc), man -l renders
#    them without a warning (skipped without man);
#  - every command of the EXAMPLES sections (.EX blocks) runs, one page at a
#    time in a fresh folder holding the fixtures, and exits 0, or with the
#    status N its line declares in a trailing roff comment \" exit N.

set -u

. "$(dirname "$0")/lib.sh"

page1="$MM_SRCDIR/man/meetmig.1"
page5="$MM_SRCDIR/man/meetmig.conf.5"
mm_require_program
for p in "$page1" "$page5"; do
	[ -f "$p" ] || mm_bail "no man page: $p"
done

wd=$(mm_workdir check-man) || mm_bail "cannot make a work folder"

# roff text to plain text: the escapes the pages use.
unroff() {
	sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\(rs/\\/g' \
	    -e 's/\\e/\\/g' -e 's/\\&//g' -e 's/\\f[BIRP]//g'
}

# section PAGE NAME: the lines of section NAME (up to the next .SH).
section() {
	awk -v name="$2" '
		/^\.SH / {
			title = substr($0, 5)
			gsub(/"/, "", title)
			inside = (title == name)
			next
		}
		inside { print }' "$1"
}

# Tag lines (the line after .TP) of standard input.
tags() {
	awk 'tp { print; tp = 0; next } /^\.TP/ { tp = 1 }'
}

# The long options of standard input, one per line.
long_options() {
	grep -o -e '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u
}

# Prints "yes" when word $1 is one of the words of $2.
has_word() {
	case " $(printf '%s' "$2" | tr -c '[:alnum:]-' ' ') " in
	*" $1 "*) echo yes ;;
	esac
}

check() {
	tap_result $? "$1"
}

# --- commands -------------------------------------------------------------------

# label CMD: "meetmig" for the program itself, else "meetmig CMD".
label() {
	if [ "$1" = meetmig ]; then echo meetmig; else echo "meetmig $1"; fi
}

# help_of CMD: runs "meetmig CMD --help" (CMD "meetmig": "meetmig --help")
# into $wd/help-CMD.txt and its options, "long short" per line, into
# $wd/help-CMD.opts.
help_of() {
	local cmd=$1 rc
	if [ "$cmd" = meetmig ]; then
		mm_run "$wd" "$wd/help-$cmd.txt" "$wd/help.err" --help
	else
		mm_run "$wd" "$wd/help-$cmd.txt" "$wd/help.err" "$cmd" --help
	fi
	rc=$?
	tap_result $rc "$(label "$cmd") --help exits 0"
	[ $rc -eq 0 ] || tap_diag 10 <"$wd/help.err"
	sed -n 's/^[[:space:]]\{1,\}\(-\([[:alnum:]]\), \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\3 \2/p' \
	    "$wd/help-$cmd.txt" | grep -v -e '^--help-' >"$wd/help-$cmd.opts"
}

# same_set NAME WANTED GOT: one TAP line per word of each missing from the other.
same_set() {
	local name=$1 wanted=$2 got=$3 w
	for w in $wanted; do
		printf '%s\n' "$got" | grep -q -x -e "$w"
		check "$name: $w is documented"
	done
	for w in $got; do
		printf '%s\n' "$wanted" | grep -q -x -e "$w"
		check "$name: $w is documented and exists"
	done
}

help_of meetmig
commands=$(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' "$wd/help-meetmig.txt")
[ -n "$commands" ]
check "meetmig --help lists commands"
man_commands=$(section "$page1" COMMANDS | tags | sed -n 's/^\.B \([a-z][a-z-]*\).*/\1/p')
for cmd in $commands; do
	help_of "$cmd"
done
same_set "COMMANDS of meetmig.1" "$commands" "$man_commands"

# --- options ----------------------------------------------------------------------

# "title<TAB>tag" for every entry of the OPTIONS subsections of meetmig.1.
section "$page1" OPTIONS | awk '
	/^\.SS / { title = substr($0, 5); gsub(/"/, "", title); next }
	tp { print title "\t" $0; tp = 0; next }
	/^\.TP/ { tp = 1 }' | unroff >"$wd/entries"
conf_options=$(tags <"$page5" | unroff | long_options)

# names CMD TITLE: whether a subsection title covers command CMD.
names() {
	[ -n "$(has_word "$1" "$2")" ] || case $2 in *"every command"*) true ;; *) false ;; esac
}

for cmd in meetmig $commands; do
	while read -r long short; do
		[ -n "$long" ] || continue
		found= short_ok=
		while IFS=$'\t' read -r title tag; do
			names "$cmd" "$title" || continue
			if printf '%s\n' "$tag" | long_options | grep -q -x -e "$long"; then
				found=yes
				if [ -z "$short" ] || [ -n "$(has_word "-$short" "$tag")" ]; then
					short_ok=yes
				fi
			fi
		done <"$wd/entries"
		if [ -z "$found" ] && printf '%s\n' "$conf_options" | grep -q -x -e "$long"; then
			found=yes short_ok=yes
		fi
		name="$(label "$cmd") $long"
		[ -n "$found" ]
		check "$name: documented under a subsection of OPTIONS naming ${cmd}"
		if [ -n "$short" ]; then
			[ -n "$short_ok" ]
			check "$name: documented with its short form -$short"
		fi
	done <"$wd/help-$cmd.opts"
done

while IFS=$'\t' read -r title tag; do
	for long in $(printf '%s\n' "$tag" | long_options); do
		covered=
		for cmd in meetmig $commands; do
			names "$cmd" "$title" || continue
			covered=yes
			if grep -q -e "^$long " "$wd/help-$cmd.opts"; then
				covered=found
				break
			fi
		done
		[ "$covered" = found ]
		check "\"$title\" $long: in the help of a command it names"
	done
done <"$wd/entries"

# --- reason codes and status fields ----------------------------------------------------

# tag_words PAGE SECTION: the first word of each tag line of a section.
tag_words() {
	section "$1" "$2" | tags | unroff | sed -n 's/^\.[BIR]\{1,2\} \([A-Za-z][A-Za-z0-9]*\).*/\1/p' |
	    LC_ALL=C sort -u
}

reasons=$(sed -n 's|^[[:space:]]*MM_REASON_[A-Z_]*,[[:space:]]*/\* \([A-Za-z]*\) .*|\1|p; s|^[[:space:]]*MM_REASON_[A-Z_]*,[[:space:]]*/\* \([A-Za-z]*\) \*/|\1|p' \
    "$MM_SRCDIR/src/select.h" | LC_ALL=C sort -u)
[ "$(printf '%s\n' "$reasons" | grep -c .)" -ge 10 ]
check "src/select.h names the reason codes"
same_set "SELECTION" "$reasons" "$(tag_words "$page1" SELECTION)"

T=2026-11-21T09:00:00Z
mm_run "$wd" "$wd/fields.out" "$wd/fields.err" migrate -i ashaw@contoso.com \
    -c fixtures/coordinates.ini --now $T -o fields --store fields.db \
    fixtures/contoso-ashaw.ics &&
mm_run "$wd" "$wd/fields.csv" "$wd/fields.err" status --store fields.db --format csv &&
mm_run "$wd" "$wd/fields.json" "$wd/fields.err" status --store fields.db --format json --meetings
check "a migration and its status for the field names" || tap_diag 10 <"$wd/fields.err"
fields=$({
	head -n 1 "$wd/fields.csv" | tr ',' '\n'
	"$PYTHON3" - "$wd/fields/ashaw@contoso.com/status.json" "$wd/fields.json" <<'EOF'
import json, sys

def keys(value):
    if isinstance(value, dict):
        for k, v in value.items():
            print(k)
            keys(v)
    elif isinstance(value, list):
        for v in value:
            keys(v)

for path in sys.argv[1:]:
    keys(json.load(open(path, encoding="utf-8")))
EOF
} | tr -d '\r' | LC_ALL=C sort -u)
same_set "STATUS FIELDS" "$fields" "$(tag_words "$page1" "STATUS FIELDS")"

# --- the pages ----------------------------------------------------------------------------

version=$("$MEETMIG" --version)
for page in "$page1" "$page5"; do
	name=$(basename "$page")
	th=$(sed -n 's/^\.TH [^ ]* [^ ]* [^ ]* "\([^"]*\)".*/\1/p' "$page")
	[ "$th" = "$version" ]
	check "$name: .TH says \"$th\", meetmig --version \"$version\""

	if command -v mandoc >/dev/null 2>&1; then
		lint=$(mandoc -T lint -W warning "$page" 2>&1)
		rc=$?
		[ $rc -eq 0 ] && [ -z "$lint" ]
		check "$name: mandoc -T lint finds nothing"
		[ -n "$lint" ] && printf '%s\n' "$lint" | tap_diag 20
	else
		tap_skip "$name: mandoc -T lint" "mandoc is not installed"
	fi

	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 MANPAGER=cat PAGER=cat man -l "$page" >"$wd/man.out" 2>"$wd/man.err" </dev/null
		rc=$?
		[ $rc -eq 0 ] && [ ! -s "$wd/man.err" ] && [ -s "$wd/man.out" ]
		check "$name: man -l renders it without a warning"
		tap_diag 10 <"$wd/man.err"
	else
		tap_skip "$name: man -l" "man is not installed"
	fi
done

# --- examples ------------------------------------------------------------------------------

# examples PAGE: one command per line, continuation lines (ending in a
# backslash) joined, the expected status (default 0) before a tab.
examples() {
	section "$1" EXAMPLES | awk '
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
	}' | unroff
}

for page in "$page1" "$page5"; do
	name=$(basename "$page")
	ex=$(mm_workdir "check-man-$name") || mm_bail "cannot make a work folder"
	n=0
	while IFS=$'\t' read -r want command; do
		[ -n "$command" ] || continue
		n=$((n + 1))
		(
			cd "$ex" || exit 125
			export HOME="$ex/.home" XDG_STATE_HOME="$ex/.state"
			meetmig() { "$MEETMIG" "$@"; }
			eval "$command"
		) </dev/null >"$wd/example.out" 2>"$wd/example.err"
		rc=$?
		[ "$rc" -eq "$want" ]
		tap_result $? "$name example $n exits $want: ${command:0:60}"
		if [ "$rc" -ne "$want" ]; then
			echo "exit status $rc"
			cat "$wd/example.err"
		fi | tap_diag 20
	done < <(examples "$page")
	[ "$n" -gt 0 ]
	check "$name: the EXAMPLES section has commands"
	[ "$mm_tap_failed" -eq 0 ] && mm_workdir_remove "$ex"
done

tap_plan "$mm_tap_count"
[ "$mm_tap_failed" -eq 0 ] && mm_workdir_remove "$wd"
tap_exit
