#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Independent checks of every file meetmig writes for the fixture mailboxes:
# see tests/check_outputs.py.  Needs python3 with the icalendar module
# (Debian: python3-icalendar); skipped without it.

set -u

. "$(dirname "$0")/lib.sh"

if ! "$PYTHON3" -c 'import icalendar' >/dev/null 2>&1; then
	echo "1..0 # SKIP $PYTHON3 has no icalendar module (python3-icalendar)"
	exit 0
fi
exec "$PYTHON3" "$MM_SRCDIR/tests/check_outputs.py"
