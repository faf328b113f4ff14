# SPDX-License-Identifier: GPL-3.0-or-later
#
# Shared by the script tests (golden.sh, check-outputs.sh, check-man.sh):
# environment defaults, TAP output, private work folders and running the
# program in one.  Sourced by bash, never run.
#
# make check sets MEETMIG (the program), MM_SRCDIR, MM_BUILDDIR and PYTHON3;
# by hand the defaults below work from a build folder.  Tests write only
# under $MM_BUILDDIR/tests/tmp, so they run from a read-only source tree.

mm_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${MM_SRCDIR:=$(cd "$mm_here/.." && pwd)}"
: "${MM_BUILDDIR:=$(pwd)}"
: "${MEETMIG:=$MM_BUILDDIR/src/meetmig}"
: "${PYTHON3:=/usr/bin/python3}"
: "${MM_TIMEOUT:=300}"
LC_ALL=C.UTF-8
TZ=UTC
export MM_SRCDIR MM_BUILDDIR MEETMIG PYTHON3 LC_ALL TZ

# --- TAP ------------------------------------------------------------------

mm_tap_count=0
mm_tap_failed=0

tap_plan() {
	echo "1..$1"
}

# tap_result PASS NAME: PASS is 0 for ok (a shell status), anything else
# for not ok.
tap_result() {
	mm_tap_count=$((mm_tap_count + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $mm_tap_count - $2"
	else
		echo "not ok $mm_tap_count - $2"
		mm_tap_failed=$((mm_tap_failed + 1))
	fi
}

tap_skip() {
	mm_tap_count=$((mm_tap_count + 1))
	echo "ok $mm_tap_count - $1 # SKIP $2"
}

# Copies stdin to stdout as TAP diagnostics, at most $1 lines (default 40).
tap_diag() {
	head -n "${1:-40}" | sed 's/^/# /'
}

tap_exit() {
	[ "$mm_tap_failed" -eq 0 ]
	exit $?
}

mm_bail() {
	echo "Bail out! $*"
	exit 1
}

mm_require_program() {
	[ -x "$MEETMIG" ] || mm_bail "the program is not built: $MEETMIG"
}

# --- work folders ---------------------------------------------------------

mm_tmproot="$MM_BUILDDIR/tests/tmp"

# mm_workdir NAME: a fresh folder $MM_BUILDDIR/tests/tmp/NAME holding a
# symbolic link "fixtures" to the source fixtures and private home and state
# folders; prints its path.
mm_workdir() {
	local wd="$mm_tmproot/$1"
	if [ -e "$wd" ]; then
		chmod -R u+w "$wd" 2>/dev/null
		rm -rf "$wd"
	fi
	mkdir -p "$wd/.home" "$wd/.state" "$wd/.config" "$wd/.cache" || return 1
	ln -s "$MM_SRCDIR/fixtures" "$wd/fixtures" || return 1
	echo "$wd"
}

# mm_workdir_remove WD: removes a work folder (so make distcheck finds no
# file left behind).  tests/tmp itself stays: tests run in parallel.
mm_workdir_remove() {
	chmod -R u+w "$1" 2>/dev/null
	rm -rf "$1"
	return 0
}

# mm_run WD STDOUT STDERR [ARG...]: runs $MEETMIG ARG... in WD with stdin
# from /dev/null, HOME and the XDG folders inside WD (so the default status
# database is private), output to the files STDOUT and STDERR (absolute
# paths); returns the program's exit status.
mm_run() {
	local wd=$1 out=$2 err=$3
	shift 3
	local t=
	if command -v timeout >/dev/null 2>&1; then
		t="timeout -k 10 $MM_TIMEOUT"
	fi
	(
		cd "$wd" || exit 125
		HOME="$wd/.home" XDG_STATE_HOME="$wd/.state" \
		XDG_CONFIG_HOME="$wd/.config" XDG_CACHE_HOME="$wd/.cache" \
		XDG_DATA_HOME="$wd/.home/.local/share" \
		exec $t "$MEETMIG" "$@" </dev/null >"$out" 2>"$err"
	)
}

# mm_tree_files DIR: the regular files under DIR, relative, sorted (empty
# folders do not count: git cannot keep them).
mm_tree_files() {
	(cd "$1" && find . -type f | sed "s|^\./||" | LC_ALL=C sort)
}

# mm_tree_compare EXPECTED GOT: prints the differences between two trees of
# files (either may be missing: a missing tree has no files); returns 0 when
# they hold the same files with the same bytes.
mm_tree_compare() {
	local exp=$1 got=$2 rc=0 f
	local ef gf
	ef=$(mktemp) gf=$(mktemp)
	[ -d "$exp" ] && mm_tree_files "$exp" >"$ef"
	[ -d "$got" ] && mm_tree_files "$got" >"$gf"
	if ! cmp -s "$ef" "$gf"; then
		rc=1
		diff "$ef" "$gf" | sed -n 's/^< \(.*\)/missing: \1/p; s/^> \(.*\)/unexpected: \1/p'
	fi
	while IFS= read -r f; do
		if [ -f "$got/$f" ] && ! cmp -s "$exp/$f" "$got/$f"; then
			rc=1
			diff -u --label "expected/$f" --label "got/$f" "$exp/$f" "$got/$f"
		fi
	done <"$ef"
	rm -f "$ef" "$gf"
	return $rc
}
