#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# make bench, third part: peak memory reading EWS XML does not grow with the
# dump.  Generates a 10 MB and a 1 GB dump of the same kind of meetings
# (bench/gen-mailbox.py --format ews), reads each with `meetmig plan` (the
# reader and the selection, no output) and with `meetmig migrate`, and
# compares peak RSS (goal for reading: the 1 GB figure within 20% of the
# 10 MB one).  Needs /usr/bin/time.  Never part of make check.
#
# Environment: MEETMIG, MM_SRCDIR, MM_BUILDDIR (set by make bench);
# PYTHON3; BENCH_STRICT=1 exits 1 when the goal is not met.

set -u

: "${MEETMIG:?}" "${MM_SRCDIR:?}"
MM_BUILDDIR=${MM_BUILDDIR:-$(pwd)}
PYTHON3=${PYTHON3:-/usr/bin/python3}
data="$MM_BUILDDIR/bench/data"
work="$MM_BUILDDIR/bench/tmp/ews-memory"
now=2026-11-21T09:00:00Z
mkdir -p "$data" || exit 1

if [ ! -x /usr/bin/time ]; then
	echo "ews-memory: /usr/bin/time is missing (Debian package time)" >&2
	exit 1
fi

# About 13.9 KB a meeting: 720 meetings make 10 MB, 72,000 make 1 GB.
for n in 720 72000; do
	f="$data/ews-memory-$n.xml"
	[ -f "$f" ] || "$PYTHON3" "$MM_SRCDIR/bench/gen-mailbox.py" -n "$n" \
	    --format ews -o "$f" 2>/dev/null || { echo "cannot generate $f" >&2; exit 1; }
done

# Peak RSS in KiB of one command.
peak() {
	/usr/bin/time -f '%M' -o "$work/time" "$@" >/dev/null 2>&1
	tail -n 1 "$work/time"
}

rm -rf "$work" && mkdir -p "$work" || exit 1
small="$data/ews-memory-720.xml"
big="$data/ews-memory-72000.xml"
plan_small=$(peak "$MEETMIG" plan -i ashaw@contoso.com --now "$now" "$small")
plan_big=$(peak "$MEETMIG" plan -i ashaw@contoso.com --now "$now" "$big")
mig_small=$(peak "$MEETMIG" migrate --no-store -q -i ashaw@contoso.com \
    --now "$now" --format ics,eml,ews -o "$work/out-small" "$small")
mig_big=$(peak "$MEETMIG" migrate --no-store -q -i ashaw@contoso.com \
    --now "$now" --format ics,eml,ews -o "$work/out-big" "$big")
rm -rf "$work"

ratio() { echo "$1 $2" | awk '{ printf "%.2f", $2 / $1 }'; }
echo
echo "EWS XML peak RSS (KiB): $(wc -c <"$small") octets against $(wc -c <"$big")"
printf '  plan     %8s  %8s  ratio %s\n' "$plan_small" "$plan_big" \
    "$(ratio "$plan_small" "$plan_big")"
printf '  migrate  %8s  %8s  ratio %s\n' "$mig_small" "$mig_big" \
    "$(ratio "$mig_small" "$mig_big")"
r=$(ratio "$plan_small" "$plan_big")
if echo "$r" | awk '{ exit !($1 <= 1.2) }'; then
	verdict=MET
else
	verdict="NOT MET"
fi
printf '  reading 1 GB within 20%% of 10 MB  %s  %s\n' "$verdict" "$r"
if [ "${BENCH_STRICT:-0}" = 1 ] && [ "$verdict" != MET ]; then
	exit 1
fi
exit 0
