# SPDX-License-Identifier: GPL-3.0-or-later
#
# The seed inputs of each fuzz target: fixtures that already exist for the
# tests, named in place (never copied), and the dictionary that goes with
# them.  Sourced by tests/fuzz/run.sh and tests/fuzz-replay.sh, never run.

FUZZ_TARGETS="read_ics read_ews block coords directory links"

# fuzz_seeds SRCDIR TARGET: prints the seed files, one per line.
fuzz_seeds() {
	local s=$1
	case $2 in
	read_ics)
		find "$s/fixtures" -path "$s/fixtures/fuzz" -prune -o \
		    -type f -name '*.ics' -print | LC_ALL=C sort ;;
	read_ews)
		find "$s/fixtures" -path "$s/fixtures/fuzz" -prune -o \
		    -type f -name '*.xml' -print | LC_ALL=C sort ;;
	block)
		find "$s/fixtures/unit/block" -type f | LC_ALL=C sort ;;
	coords)
		find "$s/fixtures" -path "$s/fixtures/fuzz" -prune -o \
		    -type f -name '*.ini' -print | LC_ALL=C sort ;;
	directory)
		find "$s/fixtures" -path "$s/fixtures/fuzz" -prune -o \
		    -type f -name 'directory*.csv' -print | LC_ALL=C sort ;;
	links)
		find "$s/fixtures" -path "$s/fixtures/fuzz" -prune -o \
		    -type f -name '*links*.csv' -print | LC_ALL=C sort ;;
	esac
}

# fuzz_dict TARGET: the dictionary's name under tests/fuzz/, or nothing.
fuzz_dict() {
	case $1 in
	read_ics|block) echo ics.dict ;;
	read_ews) echo xml.dict ;;
	esac
}
