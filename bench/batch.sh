#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# make bench, second part: meetmig run over a batch of users with small
# mailboxes with -j 1 and with -j 2, each on a fresh store, and the ratio
# of their median wall times (goal: -j 2 at least 1.7 times faster on two
# cores).  The two take turns BENCH_RUNS times, so that a machine whose
# speed drifts during the bench slows both alike.  Beside them, measured
# in the same turns, the machine's own two-core speed-up: two CPU-bound
# meetmig plan jobs at once against one after the other, the most any
# two-worker run can gain here.  Then -j 1 held to one core with taskset,
# shown beside it.  Each user is the quick-start mailbox with its
# organizer renamed, so every request has its own output folder.
#
# Environment: MEETMIG, MM_SRCDIR, MM_BUILDDIR (set by make bench);
# BENCH_USERS (default 1000), BENCH_RUNS (3), BENCH_STRICT=1 exits 1 when
# the goal is not met.  Never part of make check.

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

# median X...: the median of the numbers X.
median() {
	printf '%s\n' "$@" | sort -n |
	    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A / B with two decimals.
ratio() {
	echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'
}

# run_batch JOBS NAME [PREFIX...]: wall seconds of meetmig run -j JOBS over
# the batch, on a fresh store, in bench/tmp/batch-NAME (kept until make
# bench ends: deleting thousands of files makes the next run's file
# creation slower on some file systems).  Fails unless every user has its
# status.json.
run_batch() {
	jobs=$1
	work="$MM_BUILDDIR/bench/tmp/batch-$2"
	shift 2
	rm -rf "$work" && mkdir -p "$work" || exit 1
	"$MEETMIG" enqueue --store "$work/s.db" --users "$data/users.csv" \
	    -c "$data/coordinates.ini" --now "$now" -o "$work/out" \
	    >/dev/null 2>&1 || { echo "enqueue failed" >&2; exit 1; }
	wall "$@" "$MEETMIG" run -q -j "$jobs" --store "$work/s.db" --now "$now"
	processed=$(find "$work/out" -name status.json | wc -l)
	[ "$processed" -eq "$users" ] || {
		echo "run -j $jobs: $processed of $users users processed" >&2; exit 1; }
}

# plan_job: meetmig plan over every mailbox of the batch, three times: CPU
# only (the files are in the page cache; plan writes nothing).
plan_job() {
	for k in 1 2 3; do
		(cd "$data" && "$MEETMIG" plan -i user1@contoso.com \
		    -c coordinates.ini --now "$now" user*.ics) || return 1
	done
}

# plan_pair: plan_job twice at once (the machine's two cores, if it has
# them, each taking one).
plan_pair() {
	plan_job >/dev/null 2>&1 &
	plan_job >/dev/null 2>&1
	first=$?
	wait $! && [ "$first" = 0 ]
}

runs=${BENCH_RUNS:-3}
t1s= t2s= serials= pairs=
i=1
while [ "$i" -le "$runs" ]; do
	t1s="$t1s $(run_batch 1 "j1-$i")" || exit 1
	t2s="$t2s $(run_batch 2 "j2-$i")" || exit 1
	one=$(wall plan_job) && two=$(wall plan_job) && pair=$(wall plan_pair) || {
		echo "meetmig plan failed on the batch" >&2; exit 1; }
	serials="$serials $(echo "$one $two" | awk '{ printf "%.2f", $1 + $2 }')"
	pairs="$pairs $pair"
	i=$((i + 1))
done
t1=$(median $t1s)
t2=$(median $t2s)
machine=$(ratio "$(median $serials)" "$(median $pairs)")
# A worker publishes one request while it prepares the next, so -j 1
# already uses a second core for part of its time: -j 1 held to one core
# tells how the work scales with cores (shown, not a goal).
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
	t1c=$(run_batch 1 j1-one-core taskset -c 0) || exit 1
else
	t1c=
fi
# Deleted by make bench when everything is measured (bench/run.sh --clean).

echo
echo "meetmig run over $users users (quick-start mailbox each), $(nproc) cores;"
echo "median of $runs runs, -j 1 and -j 2 taking turns"
printf '  -j 1  %8.2f s  %7.1f users/s  (runs:%s)\n' "$t1" \
    "$(echo "$users $t1" | awk '{ printf "%.1f", $1 / $2 }')" "$t1s"
printf '  -j 2  %8.2f s  %7.1f users/s  (runs:%s)\n' "$t2" \
    "$(echo "$users $t2" | awk '{ printf "%.1f", $1 / $2 }')" "$t2s"
ratio=$(ratio "$t1" "$t2")
if echo "$ratio" | awk '{ exit !($1 >= 1.7) }'; then
	verdict=MET
else
	verdict="NOT MET"
fi
printf '  run -j 2 speed-up over -j 1 (>= 1.7)  %s  %s\n' "$verdict" "$ratio"
printf '  the machine: two CPU-bound meetmig plan jobs at once %s times faster\n' \
    "$machine"
printf '    than one after the other (runs:%s s against%s s);\n' "$pairs" \
    "$serials"
printf '    run -j 2 gains %s%% of what two cores give here\n' \
    "$(echo "$ratio $machine" | awk '{ printf "%.0f", 100 * $1 / $2 }')"
if [ -n "$t1c" ]; then
	printf '  -j 1 on one core  %8.2f s  %7.1f users/s; -j 2 over it: %s\n' \
	    "$t1c" "$(echo "$users $t1c" | awk '{ printf "%.1f", $1 / $2 }')" \
	    "$(ratio "$t1c" "$t2")"
fi
if [ "${BENCH_STRICT:-0}" = 1 ] && [ "$verdict" != MET ]; then
	exit 1
fi
exit 0
