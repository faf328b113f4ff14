#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# make bench: measures meetmig's speed and memory against baselines on
# synthetic mailboxes (bench/README).  For each size it runs, BENCH_RUNS
# times each, and reports the median wall and CPU time and the highest peak
# RSS:
#
#   meetmig            meetmig migrate, the whole job: .ics in; updates,
#                      calendar.ics, status.json, report.txt out (--no-store),
#                      into a fresh folder on the build's file system
#                      (all deleted when make bench ends; see measure())
#   meetmig-store      the same job recording the request in a store, as
#                      migrate does by default (its peak RSS counts for the
#                      memory goal too)
#   libical-stream     bench/baseline_libical.c: each VEVENT parsed alone and
#                      serialized again with libical (the floor for a
#                      streaming reader and writer)
#   python-icalendar   bench/reference_icalendar.py, the script a person
#                      would write (sizes up to BENCH_PY_MAX only; larger
#                      sizes are extrapolated from the largest one run, and
#                      say so)
#   cat                cat FILE > /dev/null (the page cache floor)
#
# It also writes the EWS dump of each size up to BENCH_EWS_MAX and runs
# bench/baseline_xmlreader.c on it, and meetmig reading it (ews-xmlreader,
# ews-meetmig).
#
# Environment: MEETMIG, MM_SRCDIR, MM_BUILDDIR (set by make bench);
# BENCH_SIZES (default "1000 10000 100000 500000": every goal in one run;
# BENCH_QUICK=1 leaves 500000 out), BENCH_GOAL_SIZE (100000: the size the
# time goals are judged at, the largest run when it did not run; python
# at its largest real run), BENCH_RUNS (3), BENCH_RUNS_BIG (runs
# at 500000 and more, 1), BENCH_PY_MAX (10000), BENCH_EWS_MAX (100000; 0
# for no EWS), BENCH_TIMEOUT
# (seconds per command, 3600), BENCH_STRICT=1 exits 1 when a goal is not
# met, CC, PKG_CONFIG, PYTHON3 (/usr/bin/python3, which has
# python3-icalendar).
#
# Mailboxes are cached in $MM_BUILDDIR/bench/data and made only when
# missing: the generator is deterministic, so a cached file is the file it
# would write again.  Never part of make check.

set -u

here=$(cd "$(dirname "$0")" && pwd)
MM_SRCDIR=${MM_SRCDIR:-$(cd "$here/.." && pwd)}
MM_BUILDDIR=${MM_BUILDDIR:-$(pwd)}
MEETMIG=${MEETMIG:-$MM_BUILDDIR/src/meetmig}
PYTHON3=${PYTHON3:-/usr/bin/python3}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	BENCH_SIZES=${BENCH_SIZES:-1000 10000 100000}
else
	BENCH_SIZES=${BENCH_SIZES:-1000 10000 100000 500000}
fi
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_GOAL_SIZE=${BENCH_GOAL_SIZE:-100000}
BENCH_RUNS_BIG=${BENCH_RUNS_BIG:-1}
BENCH_PY_MAX=${BENCH_PY_MAX:-10000}
BENCH_EWS_MAX=${BENCH_EWS_MAX:-100000}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-3600}
BENCH_STRICT=${BENCH_STRICT:-0}
NOW=2026-11-21T09:00:00Z
IDENTITY=ashaw@contoso.com
LC_ALL=C.UTF-8
TZ=UTC
export LC_ALL TZ

bench=$MM_BUILDDIR/bench
data=$bench/data
bin=$bench/bin
work=$bench/tmp
results=$bench/results.txt
rows=$bench/results.tsv

die() {
	echo "bench: $*" >&2
	exit 2
}

[ -x "$MEETMIG" ] || die "no meetmig at $MEETMIG (run make first)"
[ -x "$PYTHON3" ] || die "no $PYTHON3"
mkdir -p "$data" "$bin" "$work" || die "cannot create $bench"
# The output folders of every run, and batch.sh's, go only when the whole
# bench is over (see measure()): make bench ends with run.sh --clean.
if [ "${1:-}" = --clean ]; then
	rm -rf "$work"/out.* "$work"/batch-j*
	exit 0
fi

# --- the timer ------------------------------------------------------------------

timer=gnu
if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "bench: installing the Debian package time for /usr/bin/time" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >/dev/null 2>&1 ||
		    { apt-get update -q >/dev/null 2>&1 &&
		      DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >/dev/null 2>&1; }
	fi
	if [ ! -x /usr/bin/time ]; then
		echo "bench: /usr/bin/time missing: wall time only, no peak RSS" >&2
		timer='date'
	fi
fi
limit=
if command -v timeout >/dev/null 2>&1; then
	limit="timeout $BENCH_TIMEOUT"
fi

# run_timed OUTFILE LOG CMD...: runs CMD once, writes
# "wall_s rss_kb cpu_s status" (cpu = user + system).
run_timed() {
	rt_out=$1 rt_log=$2
	shift 2
	if [ $timer = gnu ]; then
		$limit /usr/bin/time -f '%e %M %U %S' -o "$rt_out.t" "$@" >"$rt_log" 2>&1
		rt_st=$?
		rt_t=$(tail -n 1 "$rt_out.t" |
		    awk 'NF == 4 { printf "%s %s %.2f", $1, $2, $3 + $4 }')
		[ -n "$rt_t" ] || rt_t="0 0 0"   # killed: time wrote no figures
		echo "$rt_t $rt_st" >"$rt_out"
		rm -f "$rt_out.t"
	else
		rt_t0=$(date +%s.%N)
		$limit "$@" >"$rt_log" 2>&1
		rt_st=$?
		rt_t1=$(date +%s.%N)
		echo "$(awk -v a="$rt_t0" -v b="$rt_t1" 'BEGIN { printf "%.2f", b - a }') 0 0 $rt_st" \
		    >"$rt_out"
	fi
}

# run_in DIR OUTFILE LOG CMD...: run_timed with @OUT@ in CMD replaced by DIR.
run_in() {
	ri_dir=$1 ri_out=$2 ri_log=$3
	shift 3
	for ri_a do
		shift
		case $ri_a in
		*@OUT@*) ri_a=$(printf '%s' "$ri_a" | sed "s|@OUT@|$ri_dir|g") ;;
		esac
		set -- "$@" "$ri_a"
	done
	run_timed "$ri_out" "$ri_log" "$@"
}

# --- the baselines ----------------------------------------------------------------

build() {
	name=$1 pkg=$2
	src=$here/$name.c
	exe=$bin/$name
	if [ ! -x "$exe" ] || [ -n "$(find "$src" -newer "$exe")" ]; then
		# shellcheck disable=SC2046
		$CC -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra \
		    $($PKG_CONFIG --cflags "$pkg") "$src" -o "$exe" \
		    $($PKG_CONFIG --libs "$pkg") || die "cannot build $name"
	fi
}
build baseline_libical libical
build baseline_xmlreader libxml-2.0

# --- the mailboxes -----------------------------------------------------------------

mailbox() {
	n=$1 fmt=$2
	if [ "$fmt" = ics ]; then
		f=$data/mailbox-$n.ics
		if [ ! -f "$f" ] || [ ! -f "$data/links-$n.csv" ]; then
			echo "bench: writing the $n-meeting mailbox" >&2
			"$PYTHON3" "$here/gen-mailbox.py" -n "$n" -o "$f" \
			    --links "$data/links-$n.csv" 2>"$data/mailbox-$n.gen.txt" ||
			    die "gen-mailbox.py failed for $n"
		fi
		sed "s|^links = .*|links = links-$n.csv|" \
		    "$MM_SRCDIR/fixtures/coordinates.ini" >"$data/coordinates-$n.ini"
	else
		f=$data/mailbox-$n.xml
		if [ ! -f "$f" ]; then
			echo "bench: writing the $n-meeting EWS dump" >&2
			"$PYTHON3" "$here/gen-mailbox.py" -n "$n" --format ews -o "$f" \
			    2>"$data/mailbox-$n.ews.gen.txt" ||
			    die "gen-mailbox.py --format ews failed for $n"
		fi
	fi
}

# --- measuring ----------------------------------------------------------------------

failures=0

# median X...: the median of the numbers X.
median() {
	printf '%s\n' "$@" | sort -n |
	    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure SIZE FILE PATH CMD...: BENCH_RUNS runs; appends a row to $rows.
# CMD may use @OUT@ for a fresh output folder.  The folders are deleted
# when make bench ends (run.sh --clean), not after each run: ext4 without
# a journal skips every inode freed in the last minutes when it allocates
# one, and a run creating 36,000 files just after 36,000 were deleted spent
# more time in that search (in the kernel) than in meetmig.
measure() {
	n=$1 file=$2 path=$3
	shift 3
	bytes=$(wc -c <"$file")
	walls='' cpus='' rss=0 st=0 i=1
	runs=$BENCH_RUNS
	[ "$n" -ge 500000 ] && runs=$BENCH_RUNS_BIG
	while [ "$i" -le "$runs" ]; do
		o=$(mktemp -d "$work/out.XXXXXX")
		log=$work/$path-$n.log
		run_in "$o/out" "$work/t" "$log" "$@"
		read -r w r c s <"$work/t"
		walls="$walls $w"
		cpus="$cpus $c"
		[ "$r" -gt "$rss" ] && rss=$r
		if [ "$s" != 0 ] && [ "$s" != "${ok_status:-0}" ]; then
			st=$s
		fi
		i=$((i + 1))
	done
	# shellcheck disable=SC2086 # the lists split on purpose
	med=$(median $walls)
	# shellcheck disable=SC2086
	cmed=$(median $cpus)
	if [ "$path" = ews-meetmig ] && [ "$st" = 65 ]; then
		echo "bench: meetmig does not read this EWS dump yet (exit 65, log: $log)" >&2
	elif [ "$st" != 0 ]; then
		echo "bench: $path on $n meetings exited with status $st (log: $log)" >&2
		failures=$((failures + 1))
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$path" "$med" "$rss" "$bytes" "$st" \
	    "$cmed" "$runs" >>"$rows"
}

: >"$rows"
notes=$work/notes
: >"$notes"
for n in $BENCH_SIZES; do
	mailbox "$n" ics
	ics=$data/mailbox-$n.ics
	echo "bench: $n meetings ($(wc -c <"$ics") octets): measuring" >&2
	cat "$ics" >/dev/null   # warm the page cache: every path reads from memory
	ok_status=1
	measure "$n" "$ics" meetmig "$MEETMIG" migrate -i "$IDENTITY" \
	    -c "$data/coordinates-$n.ini" --now "$NOW" "$ics" -o @OUT@ --no-store
	# What meetmig decided (its summary line in the log of the last run),
	# next to what the generator expects.
	head -n 1 "$work/meetmig-$n.log" >"$work/summary"
	printf '%s meetings: meetmig said "%s"; %s\n' "$n" "$(cat "$work/summary")" \
	    "$(sed 's/^gen-mailbox: //' "$data/mailbox-$n.gen.txt")" >>"$notes"
	measure "$n" "$ics" meetmig-store "$MEETMIG" migrate -q -i "$IDENTITY" \
	    -c "$data/coordinates-$n.ini" --now "$NOW" "$ics" -o @OUT@ \
	    --store @OUT@.db
	ok_status=0
	measure "$n" "$ics" libical-stream "$bin/baseline_libical" "$ics"
	if [ "$n" -le "$BENCH_PY_MAX" ]; then
		measure "$n" "$ics" python-icalendar "$PYTHON3" "$here/reference_icalendar.py" \
		    -i "$IDENTITY" --now "$NOW" "$ics" @OUT@
	fi
	# shellcheck disable=SC2016 # $1 is the inner shell's
	measure "$n" "$ics" cat sh -c 'exec cat "$1" >/dev/null' cat "$ics"
	if [ "$n" -le "$BENCH_EWS_MAX" ]; then
		mailbox "$n" ews
		xml=$data/mailbox-$n.xml
		cat "$xml" >/dev/null
		ok_status=0
		measure "$n" "$xml" ews-xmlreader "$bin/baseline_xmlreader" "$xml"
		ok_status=1
		measure "$n" "$xml" ews-meetmig "$MEETMIG" migrate -q -i "$IDENTITY" \
		    -c "$data/coordinates-$n.ini" --now "$NOW" "$xml" -o @OUT@ --no-store
	fi
done

# --- the report -----------------------------------------------------------------------

awk -F '\t' -v pymax="$BENCH_PY_MAX" -v sizes="$BENCH_SIZES" -v goal="$BENCH_GOAL_SIZE" '
function mb(x) { return x / 1e6 }
# usable(N, A, B, REAL): wall[N, A] / wall[N, B] can be judged (REAL: both
# measured, not extrapolated).
function usable(n, a, b, real) {
	return have[n, a] && have[n, b] && wall[n, b] > 0 && st[n, a] == 0 &&
	    (!real || (have[n, a] == 1 && have[n, b] == 1))
}
# judged(A, B, REAL): the size a goal on wall[A] / wall[B] is judged at:
# the goal size if it ran, else the largest that did; 0 for none.
function judged(a, b, real,    i, best) {
	if (usable(goal, a, b, real)) return goal
	best = 0
	for (i = 1; i <= ns; i++)
		if (usable(size[i], a, b, real) && size[i] + 0 > best + 0) best = size[i]
	return best
}
# others(A, B, N, REAL): the ratio at the sizes other than N, shown.
function others(a, b, n, real,    i, m, line) {
	line = ""
	for (i = 1; i <= ns; i++) {
		m = size[i]
		if (m == n || !usable(m, a, b, 0)) continue
		line = line (line == "" ? "" : ", ") \
		    sprintf(real ? "%.1f at %d" : "%.2f at %d", wall[m, a] / wall[m, b], m) \
		    (have[m, a] == 2 || have[m, b] == 2 ? " (extrapolated)" : "")
	}
	if (line != "") printf "      other sizes: %s\n", line
}
{
	n = $1; p = $2; wall[n, p] = $3; rss[n, p] = $4; bytes[n, p] = $5; st[n, p] = $6
	cpu[n, p] = $7; nruns[n, p] = $8
	have[n, p] = 1
	if (p == "python-icalendar" && n + 0 > pyn + 0) pyn = n
}
END {
	ns = split(sizes, size, " ")
	# python beyond BENCH_PY_MAX: the largest run, scaled by size.
	for (i = 1; i <= ns; i++) {
		n = size[i]
		if (!have[n, "python-icalendar"] && pyn != "") {
			wall[n, "python-icalendar"] = wall[pyn, "python-icalendar"] * n / pyn
			cpu[n, "python-icalendar"] = cpu[pyn, "python-icalendar"] * n / pyn
			nruns[n, "python-icalendar"] = "-"
			bytes[n, "python-icalendar"] = bytes[n, "meetmig"]
			rss[n, "python-icalendar"] = rss[pyn, "python-icalendar"] * bytes[n, "meetmig"] / \
			    bytes[pyn, "python-icalendar"]
			have[n, "python-icalendar"] = 2
		}
	}
	printf "meetmig benchmark: median wall and CPU (user + system) time of the runs, highest peak RSS\n\n"
	printf "%9s  %-31s %4s %9s %9s %12s %9s %10s\n", "meetings", "path", "runs", "wall s", "cpu s", \
	    "meetings/s", "MB/s", "RSS MiB"
	np = split("meetmig meetmig-store libical-stream python-icalendar cat ews-xmlreader " \
	    "ews-meetmig", paths, " ")
	for (i = 1; i <= ns; i++) {
		n = size[i]
		for (j = 1; j <= np; j++) {
			p = paths[j]
			if (!have[n, p]) continue
			w = wall[n, p]; r = rss[n, p] / 1024
			label = p
			if (have[n, p] == 2) label = p " (extrapolated)"
			else if (st[n, p] != 0) label = p " (exit " st[n, p] ")"
			if (w > 0 && st[n, p] == 0)
				printf "%9d  %-31s %4s %9.2f %9.2f %12.0f %9.1f %10s\n", n, label, nruns[n, p], w, \
				    cpu[n, p], n / w, mb(bytes[n, p]) / w, (r > 0 ? sprintf("%.1f", r) : "n/a")
			else
				printf "%9d  %-31s %4s %9.2f %9.2f %12s %9s %10s\n", n, label, nruns[n, p], w, \
				    cpu[n, p], "-", "-", (r > 0 ? sprintf("%.1f", r) : "n/a")
		}
	}
	printf "\ngoals (judged at %d meetings where that size ran; the other sizes are\n", goal
	printf "shown beside: wall times of a few seconds or less move by a tenth from\n"
	printf "run to run)\n"
	all = 1
	n = judged("meetmig", "libical-stream", 0)
	if (n) {
		q = wall[n, "meetmig"] / wall[n, "libical-stream"]
		qc = cpu[n, "libical-stream"] > 0 ? cpu[n, "meetmig"] / cpu[n, "libical-stream"] : 0
		printf "  %-56s %-8s %.2f (cpu time %.2f)\n", sprintf("meetmig / libical-stream time at %d (<= 1.0)", n), \
		    (q <= 1.0 ? "MET" : "NOT MET"), q, qc
		if (q > 1.0) all = 0
		others("meetmig", "libical-stream", n, 0)
	}
	# python against its largest real run, not an extrapolated one.
	n = judged("python-icalendar", "meetmig", 1)
	if (n) {
		q = wall[n, "python-icalendar"] / wall[n, "meetmig"]
		printf "  %-56s %-8s %.1f\n", sprintf("meetmig / python throughput at %d (>= 15)", n), \
		    (q >= 15 ? "MET" : "NOT MET"), q
		if (q < 15) all = 0
		others("python-icalendar", "meetmig", n, 1)
	}
	if (have[100000, "meetmig"] && have[500000, "meetmig"] && wall[100000, "meetmig"] > 0) {
		q = wall[500000, "meetmig"] / wall[100000, "meetmig"]
		qc = cpu[100000, "meetmig"] > 0 ? cpu[500000, "meetmig"] / cpu[100000, "meetmig"] : 0
		printf "  %-56s %-8s %.2f (cpu time %.2f)\n", "meetmig time 500000 / 100000 (<= 5.5)", \
		    (q <= 5.5 ? "MET" : "NOT MET"), q, qc
		if (q > 5.5) all = 0
	} else {
		printf "  %-56s %s\n", "meetmig time 500000 / 100000 (<= 5.5)", \
		    "not run (BENCH_SIZES lacks 100000 or 500000)"
	}
	n = judged("ews-meetmig", "ews-xmlreader", 0)
	if (n) {
		q = wall[n, "ews-meetmig"] / wall[n, "ews-xmlreader"]
		qc = cpu[n, "ews-xmlreader"] > 0 ? cpu[n, "ews-meetmig"] / cpu[n, "ews-xmlreader"] : 0
		printf "  %-56s %-8s %.2f (cpu time %.2f)\n", \
		    sprintf("EWS: meetmig / xmlTextReader loop time at %d (<= 2.5)", n), \
		    (q <= 2.5 ? "MET" : "NOT MET"), q, qc
		if (q > 2.5) all = 0
		others("ews-meetmig", "ews-xmlreader", n, 0)
	}
	worst = 0
	for (i = 1; i <= ns; i++) {
		n = size[i]
		if (have[n, "meetmig"] && rss[n, "meetmig"] > worst) { worst = rss[n, "meetmig"]; wn = n }
		if (have[n, "meetmig-store"] && rss[n, "meetmig-store"] > worst) {
			worst = rss[n, "meetmig-store"]; wn = n
		}
	}
	if (worst > 0) {
		printf "  %-56s %-8s %.1f MiB at %d\n", "meetmig peak RSS at every size (<= 64 MiB)", \
		    (worst / 1024 <= 64 ? "MET" : "NOT MET"), worst / 1024, wn
		if (worst / 1024 > 64) all = 0
	} else {
		printf "  %-56s %s\n", "meetmig peak RSS at every size (<= 64 MiB)", "not measured (no /usr/bin/time)"
	}
	print (all ? "ALL MET" : "SOME NOT MET") > "/dev/stderr"
}' "$rows" >"$results" 2>"$work/verdict"

{
	cat "$results"
	echo
	echo "mailboxes"
	sed 's/^/  /' "$notes"
} | tee "$results.tmp"
mv "$results.tmp" "$results"
echo "bench: results in $results" >&2

[ "$failures" = 0 ] || exit 1
if [ "$BENCH_STRICT" = 1 ] && [ "$(cat "$work/verdict")" != "ALL MET" ]; then
	exit 1
fi
exit 0
