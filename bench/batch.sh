#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# make bench, second part: meetmig run over a batch of users with small
# mailboxes, once with -j 1 and once with -j 2 on fresh stores, and the
# ratio of their wall times (goal: -j 2 at least 1.7 times faster on two
# cores); then -j 1 held to one core with taskset, shown beside it.  Each user is the quick-start mailbox with its organizer renamed,
# so every request has its own output folder.
#
# Environment: MEETMIG, MM_SRCDIR, MM_BUILDDIR (set by make bench);
# BENCH_USERS (default 1000), BENCH_STRICT=1 exits 1 when the goal is not
# met.  Never part of make check.

set -u

: "${MEETMIG:?}" "${MM_SRCDIR:?}"
MM_BUILDDIR=${MM_BUILDDIR:-$(pwd)}
users=${BENCH_USERS:-1000}
data="$MM_BUILDDIR/bench/data/batch-$users"
now=2026-11-21T09:00:00Z

if [ ! -f "$data/users.csv" ]; then
	rm -rf "$data" && mkdir -p "$data" || exit 1
	echo "identity,mailbox" >"$data/users.csv.tmp"
	i=1
	while [ "$i" -le "$users" ]; do
		sed "s/ashaw@contoso\.com/user$i@contoso.com/g" \
		    "$MM_SRCDIR/fixtures/contoso-ashaw.ics" >"$data/user$i.ics"
		echo "user$i@contoso.com,user$i.ics" >>"$data/users.csv.tmp"
		i=$((i + 1))
	done
	cp "$MM_SRCDIR/fixtures/coordinates.ini" "$MM_SRCDIR/fixtures/teams-links.csv" \
	    "$data/"
	mv "$data/users.csv.tmp" "$data/users.csv"
fi

# Wall seconds of one command, as a decimal (date +%s.%N).
wall() {
	start=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	status=$?
	end=$(date +%s.%N)
	echo "$start $end" | awk '{ printf "%.2f\n", $2 - $1 }'
	return $status
}

# run_batch JOBS NAME [PREFIX...]: wall seconds of meetmig run -j JOBS over
# the batch, on a fresh store, in bench/tmp/batch-NAME.
run_batch() {
	jobs=$1
	work="$MM_BUILDDIR/bench/tmp/batch-$2"
	shift 2
	rm -rf "$work" && mkdir -p "$work" || exit 1
	"$MEETMIG" enqueue --store "$work/s.db" --users "$data/users.csv" \
	    -c "$data/coordinates.ini" --now "$now" -o "$work/out" \
	    >/dev/null 2>&1 || { echo "enqueue failed" >&2; exit 1; }
	wall "$@" "$MEETMIG" run -q -j "$jobs" --store "$work/s.db" --now "$now"
}

t1=$(run_batch 1 j1)
t2=$(run_batch 2 j2)
# A worker publishes one request while it prepares the next, so -j 1
# already uses a second core for part of its time: -j 1 held to one core
# tells how the work scales with cores (shown, not a goal).
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
	t1c=$(run_batch 1 j1-one-core taskset -c 0)
else
	t1c=
fi
done1=$(find "$MM_BUILDDIR/bench/tmp/batch-j1/out" -name status.json | wc -l)
done2=$(find "$MM_BUILDDIR/bench/tmp/batch-j2/out" -name status.json | wc -l)
# Deleted by make bench when everything is measured (bench/run.sh --clean):
# thousands of files freed now would slow the file creation measured next.

echo
echo "meetmig run over $users users (quick-start mailbox each), $(nproc) cores"
printf '  -j 1  %8.2f s  %7.1f users/s  (%s status.json)\n' "$t1" \
    "$(echo "$users $t1" | awk '{ printf "%.1f", $1 / $2 }')" "$done1"
printf '  -j 2  %8.2f s  %7.1f users/s  (%s status.json)\n' "$t2" \
    "$(echo "$users $t2" | awk '{ printf "%.1f", $1 / $2 }')" "$done2"
ratio=$(echo "$t1 $t2" | awk '{ printf "%.2f", $1 / $2 }')
if echo "$ratio" | awk '{ exit !($1 >= 1.7) }'; then
	verdict=MET
else
	verdict="NOT MET"
fi
printf '  run -j 2 speed-up over -j 1 (>= 1.7)  %s  %s\n' "$verdict" "$ratio"
if [ -n "$t1c" ]; then
	printf '  -j 1 on one core  %8.2f s  %7.1f users/s; -j 2 over it: %s\n' \
	    "$t1c" "$(echo "$users $t1c" | awk '{ printf "%.1f", $1 / $2 }')" \
	    "$(echo "$t1c $t2" | awk '{ printf "%.2f", $1 / $2 }')"
fi
[ "$done1" -eq "$users" ] && [ "$done2" -eq "$users" ] || {
	echo "  not every user was processed" >&2; exit 1; }
if [ "${BENCH_STRICT:-0}" = 1 ] && [ "$verdict" != MET ]; then
	exit 1
fi
exit 0
