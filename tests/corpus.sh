#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs `meetmig plan` over every public real-world sample of the shared
# corpus (iCalendar and EWS XML) (kept beside the project, not in it) and compares the plan with the
# expectation in tests/corpus/, so that each verdict on real Outlook and
# Exchange data is one a person has read.  MM_REGEN=1 rewrites them.
# Skips where the shared corpus is absent (a TAP plan of 0 with SKIP: the
# TAP driver counts exit status 77 as an error).

: "${MEETMIG:?}" "${MM_SRCDIR:?}" "${MM_BUILDDIR:?}"
corpus="$MM_SRCDIR/../shared/corpus/public"
if [ ! -d "$corpus" ]; then
	echo "1..0 # SKIP shared corpus not present"
	exit 0
fi

# The organizer each sample is planned for: the one it names, so that the
# later rules are reached.
identity_for() {
	case "$1" in
	*outlook_invitation.ics|*outlook_reschedule.ics|*reoccuring_onlyone.ics)
		echo l.kneschke@caldav.org ;;
	*outlook_external_invitation.ics) echo name@example.com ;;
	*) echo ashaw@contoso.com ;;
	esac
}

work="$MM_BUILDDIR/tests/tmp/corpus"
rm -rf "$work" && mkdir -p "$work" || exit 99
ln -s "$corpus" "$work/corpus"
ln -s "$corpus/../public-ews" "$work/public-ews"

n=0 failed=0
for path in "$corpus"/*/*.ics "$corpus"/../public-ews/*.xml; do
	rel=${path#"$corpus"/}
	rel=${rel#../}
	name=$(printf '%s' "$rel" | tr '/' '_')
	expected="$MM_SRCDIR/tests/corpus/$name.plan"
	n=$((n + 1))
	# Planned at two reference times: most samples are years old, so the
	# earlier one lets them reach the rules after Past.
	(cd "$work" && : >out &&
	 for now in 2026-11-21T09:00:00Z 2010-01-01T00:00:00Z; do
		echo "--- now $now" >>out
		"$MEETMIG" plan -i "$(identity_for "$rel")" --now "$now" \
		    "$(case "$rel" in public-ews/*) echo "$rel" ;; *) echo "corpus/$rel" ;; esac)" \
		    >>out 2>err </dev/null
		echo "exit $?" >>out; cat err >>out
	 done)
	if [ -n "${MM_REGEN:-}" ]; then
		cp "$work/out" "$expected"
		echo "ok $n - $rel # regenerated"
	elif [ -f "$expected" ] && cmp -s "$work/out" "$expected"; then
		echo "ok $n - $rel"
	else
		echo "not ok $n - $rel"
		diff -u "$expected" "$work/out" 2>&1 | head -40 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
