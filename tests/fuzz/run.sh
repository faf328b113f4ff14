#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs one libFuzzer target of a build configured with --enable-fuzzing (see
# tests/fuzz/README), from that build folder:
#
#   tests/fuzz/run.sh TARGET [SECONDS] [LIBFUZZER-OPTION...]
#
# The seeds are the target's fixtures (tests/fuzz/seeds.sh), read in place;
# what the fuzzer learns goes to tests/fuzz/corpus/TARGET/ and what it finds
# (crash-*, leak-*, timeout-*, oom-*) to tests/fuzz/artifacts/TARGET/, both
# in the build folder.  The final statistics close the log on stderr.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/seeds.sh"
srcdir=$(cd "$here/../.." && pwd)

if [ $# -lt 1 ]; then
	echo "usage: $0 TARGET [SECONDS] [OPTION...]; targets: $FUZZ_TARGETS" >&2
	exit 64
fi
t=$1
secs=${2:-600}
shift $(( $# >= 2 ? 2 : 1 ))
prog=tests/fuzz/fuzz_$t
if [ ! -x "$prog" ]; then
	echo "$0: $prog not built (configure with --enable-fuzzing CC=clang)" >&2
	exit 66
fi
mkdir -p "tests/fuzz/corpus/$t" "tests/fuzz/artifacts/$t" || exit 73
# libFuzzer takes corpus folders as arguments, and single seed files only
# through -seed_inputs (a comma-separated list, here in a file).
seeds=tests/fuzz/corpus/$t.seeds
fuzz_seeds "$srcdir" "$t" | paste -sd, - | tr -d "\n" >"$seeds" || exit 73
dict=$(fuzz_dict "$t")
exec "$prog" ${dict:+-dict="$here/$dict"} \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=1000000 \
    -print_final_stats=1 -artifact_prefix="tests/fuzz/artifacts/$t/" \
    -seed_inputs=@"$seeds" "$@" "tests/fuzz/corpus/$t"
