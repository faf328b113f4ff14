# SPDX-License-Identifier: GPL-3.0-or-later
#
# The seed inputs of each fuzz target: fixtures that already exist for the
# tests, named in place (never copied), and the dictionary that goes with
# them.  Sourced by tests/fuzz/run.sh and tests/fuzz-replay.sh, never run.

FUZZ_TARGETS="read_ics read_ews block coords directory links"

# fixtures_named SRCDIR GLOB: the fixture files named GLOB, fixtures/fuzz
# (what the fuzzers found) left out, one per line.
fixtures_named() {
	find "$1/fixtures" -path "$1/fixtures/fuzz" -prune -o \
	    -type f -name "$2" -print | LC_ALL=C sort
}

# fuzz_seeds SRCDIR TARGET: prints the seed files, one per line.
fuzz_seeds() {
	case $2 in
	read_ics) fixtures_named "$1" '*.ics' ;;
	read_ews) fixtures_named "$1" '*.xml' ;;
	block) find "$1/fixtures/unit/block" -type f | LC_ALL=C sort ;;
	coords) fixtures_named "$1" '*.ini' ;;
	directory) fixtures_named "$1" 'directory*.csv' ;;
	links) fixtures_named "$1" '*links*.csv' ;;
	esac
}

# fuzz_dict TARGET: the dictionary's name under tests/fuzz/, or nothing.
fuzz_dict() {
	case $1 in
	read_ics|block) echo ics.dict ;;
	read_ews) echo xml.dict ;;
	esac
}
