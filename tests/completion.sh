#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The bash completion (completion/meetmig), as bash calls it: COMP_WORDS
# and COMP_CWORD set, the function run, COMPREPLY compared with what a user
# should be offered.  Each case runs twice: with bash-completion's helpers
# loaded (when /usr/share/bash-completion/bash_completion is there) and
# without them.  TAP.

set -u

. "$(dirname "$0")/lib.sh"

mm_require_program
script="$MM_SRCDIR/completion/meetmig"
[ -f "$script" ] || mm_bail "no completion script: $script"
wd=$(mm_workdir completion) || mm_bail "cannot make a work folder"

helpers=
for f in /usr/share/bash-completion/bash_completion; do
	[ -f "$f" ] && helpers=$f
done

# complete_line MODE LINE: what completing at the end of LINE offers, one
# per line, sorted.  MODE "plain" or "helpers".
complete_line() {
	local mode=$1 line=$2
	(
		cd "$wd" || exit 125
		if [ "$mode" = helpers ]; then
			# shellcheck disable=SC1090
			. "$helpers" >/dev/null 2>&1
		fi
		# shellcheck disable=SC1090
		. "$script"
		# Split as readline does with the default COMP_WORDBREAKS.
		read -r -a COMP_WORDS <<<"$(printf '%s' "$line" | sed 's/=/ = /g')"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		[[ $line == *= ]] && COMP_WORDS+=("")
		COMP_WORDS[0]=$MEETMIG
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$MEETMIG${line#meetmig}"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		_meetmig meetmig "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf '%s\n' "${COMPREPLY[@]}"
	) 2>"$wd/stderr" | grep -v '^$' | LC_ALL=C sort
}

# case LINE WANT: WANT (space separated) must be what is offered; a WANT
# ending in "..." must be among what is offered.
case_() {
	local line=$1 want=$2 mode got ok
	for mode in plain helpers; do
		if [ "$mode" = helpers ] && [ -z "$helpers" ]; then
			tap_skip "[$mode] '$line'" "bash-completion is not installed"
			continue
		fi
		got=$(complete_line "$mode" "$line" | tr '\n' ' ' | sed 's/ $//')
		if [[ $want == *... ]]; then
			ok=0
			for w in ${want%...}; do
				[[ " $got " == *" $w "* ]] || ok=1
			done
		else
			[ "$got" = "$want" ]
			ok=$?
		fi
		tap_result $ok "[$mode] '$line' offers $want"
		[ $ok -eq 0 ] || { echo "got: $got"; cat "$wd/stderr"; } | tap_diag 10
	done
}

case_ "meetmig " "enqueue migrate plan run status"
case_ "meetmig st" "status"
case_ "meetmig -" "--help --version"
case_ "meetmig run --" "--help --jobs= --max-retries= --now= --quiet --retry-interval= --store="
case_ "meetmig status --format " "csv html json list table"
case_ "meetmig status --format=h" "html"
case_ "meetmig status --state F" "Failed"
case_ "meetmig migrate -s " "all sfb teams"
case_ "meetmig plan --target-meeting-type " "current teams"
case_ "meetmig migrate --format ics," "ics,eml ics,ews"
case_ "meetmig migrate --format=eml,ics," "eml,ics,ews"
case_ "meetmig migrate --no-" "--no-store"
case_ "meetmig plan --prov" "--provisioning-csv="
case_ "meetmig enqueue --us" "--users="
case_ "meetmig migrate -c fixtures/coord" "fixtures/coordinates.ini"
case_ "meetmig enqueue --users fixtures/batch/" "fixtures/batch/users.csv"
case_ "meetmig migrate -i ashaw@contoso.com fixtures/contoso" "fixtures/contoso-ashaw.ics"
case_ "meetmig migrate -o fixtures/rea" "fixtures/reasons"

tap_plan "$mm_tap_count"
[ "$mm_tap_failed" -eq 0 ] && mm_workdir_remove "$wd"
tap_exit
