#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# meetmig status --format html, as a person would see it.  A private store
# gets the batch of fixtures/batch/users.csv (two users succeed, one fails
# a meeting, one has no mailbox yet) and one user whose identity is hostile
# markup with a long unbroken address, all at --now 2026-11-21T09:00:00Z.
# TAP:
#  - the page: one self-contained document (no external asset, no script),
#    UTF-8 with its meta charset, elements properly nested, every value
#    escaped, the counts in its title, charts before the table, Failed users
#    first with their LastMessage, the same bytes on a second run, filters
#    and --summary-only honoured;
#  - in a real browser (headless Chromium): the screenshot is produced at
#    1280x1600 and shows the red and green bars of the charts, the DOM's
#    text holds what the page says, and nothing is wider than the window.
#    Without Chromium (apt-get install chromium) these lines are skipped,
#    the others still run.

set -u

. "$(dirname "$0")/lib.sh"

mm_require_program

T=2026-11-21T09:00:00Z
wd=$(mm_workdir html-report) || mm_bail "cannot make a work folder"
page=$wd/status.html
# Markup to escape, and an address too long for its column unless it wraps.
hostile='<script>alert(1)</script> & Åsa "Östberg" <asa.ostberg.with.a.very.long.mailbox.name.that.never.breaks@emea.subsidiary.contoso.com>'

mm() {
	mm_run "$wd" "$wd/.stdout" "$wd/.stderr" "$@"
}

# check NAME: the status of the previous command as a TAP line.
check() {
	tap_result $? "$1"
}

mm enqueue --users fixtures/batch/users.csv --now $T -o out --store s.db
check "enqueue the batch" || tap_diag 10 <"$wd/.stderr"
mm enqueue -i "$hostile" --now $T -o out --store s.db fixtures/batch/no-such.ics
check "enqueue a user whose identity is markup" || tap_diag 10 <"$wd/.stderr"
mm run --now $T --store s.db
[ $? -eq 1 ]
check "run: exit 1 (some users fail)" || tap_diag 10 <"$wd/.stderr"

mm status --format html --store s.db
check "status --format html: exit 0" || tap_diag 10 <"$wd/.stderr"
cp "$wd/.stdout" "$page"
[ ! -s "$wd/.stderr" ]
check "status --format html: nothing on stderr"

mm status --format html --store s.db
cmp -s "$wd/.stdout" "$page"
check "a second run gives the same bytes"

# The static checks, in Python: one function per line of TAP.
"$PYTHON3" - "$page" "$hostile" <<'EOF' >"$wd/.tap"
import html.parser, re, sys

path, hostile = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
results = []

def check(ok, name, diag=""):
    results.append((bool(ok), name, diag))

try:
    text = raw.decode("utf-8")
    check(True, "the page is UTF-8")
except UnicodeDecodeError as e:
    text = raw.decode("utf-8", "replace")
    check(False, "the page is UTF-8", str(e))

check(text.startswith("<!DOCTYPE html>\n"), "it starts with <!DOCTYPE html>")
check('<meta charset="utf-8">' in text, "it declares <meta charset=\"utf-8\">")
check("\ufffd" not in text, "no U+FFFD in the page")
external = re.findall(r'(?i)<script|<link|<img|<iframe|<object|\bsrc=|\bhref=|url\(|@import', text)
check(not external, "self-contained: no script, link, image, src, href, url() or @import",
      " ".join(sorted(set(external))))

VOID = {"meta", "br", "col", "img", "hr", "input", "link", "wbr"}

class Nesting(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.texts, self.tags = [], [], [], []
        self.in_style = False
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "style":
            self.in_style = True
        if tag not in VOID:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
        else:
            self.stack.pop()
    def handle_data(self, data):
        if not self.in_style:
            self.texts.append(data)

p = Nesting()
p.feed(text)
p.close()
check(not p.errors and not p.stack, "every element is closed in order",
      "; ".join(p.errors[:5] + ["unclosed: " + " ".join(p.stack)] if p.stack else p.errors[:5]))
plain = "".join(p.texts)

title = re.search(r"<title>(.*?)</title>", text, re.S)
check(title and title.group(1) == "meetmig status: 5 users: 3 Failed, 2 Succeeded",
      "the title has the counts", title.group(1) if title else "no title")

escaped = hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
check(escaped in text and hostile not in text, "the identity is escaped")
check(hostile in plain, "the identity reads as it was given")

order = [plain.find(s) for s in ("Users by state", "Meetings by result and reason", "Users\n")]
check(-1 not in order and order == sorted(order), "charts first, then the users", str(order))

bars = re.findall(r'<span class="label">([^<]*)</span>.*?<span class="n">(\d+)</span>', text)
bars = dict(bars)
check(bars.get("Failed") == "3" and bars.get("Succeeded") == "2" and bars.get("Pending") == "0",
      "users by state: 3 Failed, 2 Succeeded, 0 Pending", str(bars))
check(bars.get("Updated") == "7" and bars.get("Failed: NoCoordinates") == "1"
      and bars.get("Skipped: NotOrganizer") == "17",
      "meetings: 7 Updated, 1 NoCoordinates, 17 NotOrganizer", str(bars))

rows = re.findall(r'<tr class="user (\w+)">.*?</td><td>(.*?)(?:<span|</td>)', text)
states = [s for s, _ in rows]
check(states == ["Failed"] * 3 + ["Succeeded"] * 2, "Failed users first", str(states))
users = [u for _, u in rows]
check(users[:2] == ["Shaw, Robin", "jpatel@contoso.com"]
      and users[3:] == ["ashaw@contoso.com", "aostberg@contoso.com"],
      "in the order they were enqueued within a state", str(users))

messages = re.findall(r'<tr class="message (\w+)">', text)
check(messages == ["Failed"] * 3, "one LastMessage row per Failed user", str(messages))
check("NoCoordinates: no Teams join link" in plain and "fixtures/batch/jpatel.ics: No such file" in plain,
      "the LastMessages are there")
check("Next retry: due 2026-11-21T11:40:00Z" in plain, "the next retry is there")

for ok, name, diag in results:
    print(("ok" if ok else "not ok") + " - " + name)
    if not ok and diag:
        print("# " + diag.replace("\n", "\n# "))
EOF
while IFS= read -r line; do
	case $line in
	"ok - "*) tap_result 0 "${line#ok - }" ;;
	"not ok - "*) tap_result 1 "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <"$wd/.tap"

mm status --format html --state Succeeded --store s.db
grep -q '<title>meetmig status: 2 users: 2 Succeeded</title>' "$wd/.stdout" &&
    grep -q 'Only requests with state Succeeded' "$wd/.stdout" &&
    ! grep -q 'class="user Failed"' "$wd/.stdout"
check "--state Succeeded: only those, and the page says so"

mm status --format html --summary-only --store s.db
grep -q 'id="users-by-state"' "$wd/.stdout" && ! grep -q '<table' "$wd/.stdout"
check "--summary-only: the state chart, no table"

mm status --format html --meetings --store s.db
[ $? -eq 64 ]
check "--meetings goes with json only: exit 64"

# --- in a browser ---------------------------------------------------------

# MM_CHROMIUM names the browser; set and empty, it skips these checks.
if [ -z "${MM_CHROMIUM+set}" ]; then
	MM_CHROMIUM=
	for b in chromium chromium-browser; do
		if command -v "$b" >/dev/null 2>&1; then
			MM_CHROMIUM=$b
			break
		fi
	done
fi
browser=$MM_CHROMIUM

# chrome OUT ARG... URL: headless Chromium with a profile of its own, no
# network of its own making; its output to OUT.
chrome() {
	local out=$1 profile rc
	shift
	profile=$(mktemp -d "$wd/.chromium.XXXXXX") || return 1
	timeout -k 10 120 "$browser" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$profile" --window-size=1280,1600 "$@" \
	    >"$out" 2>"$out.err" </dev/null
	rc=$?
	rm -rf "$profile"
	return $rc
}

browser_checks=5
if [ -z "$browser" ]; then
	for i in $(seq $browser_checks); do
		tap_skip "browser check $i" "Chromium is not installed"
	done
else
	shot=$wd/status.png
	chrome "$wd/.shot" --screenshot="$shot" "file://$page"
	[ -s "$shot" ]
	check "$browser draws a screenshot" || tap_diag 10 <"$wd/.shot.err"

	# Size, and pixels of the Failed red and Succeeded green bars.
	"$PYTHON3" - "$shot" >"$wd/.png" 2>&1 <<'EOF'
import struct, sys, zlib

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, head = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        head = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
width, height, depth, ctype = head[:4]
assert depth == 8 and ctype in (2, 6), "unexpected PNG type %d/%d" % (depth, ctype)
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
counts = {"red": 0, "green": 0}
want = {"red": (0xc6, 0x28, 0x28), "green": (0x2e, 0x7d, 0x32)}
i = 0
for y in range(height):
    f = raw[i]
    line = bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1:
            line[x] = (line[x] + a) & 255
        elif f == 2:
            line[x] = (line[x] + b) & 255
        elif f == 3:
            line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[x] = (line[x] + pr) & 255
    for x in range(0, stride, bpp):
        px = line[x:x + 3]
        for k, (r, g, bl) in want.items():
            if abs(px[0] - r) <= 12 and abs(px[1] - g) <= 12 and abs(px[2] - bl) <= 12:
                counts[k] += 1
    prev = line
print("%dx%d red=%d green=%d" % (width, height, counts["red"], counts["green"]))
EOF
	read -r size colours <"$wd/.png"
	[ "$size" = 1280x1600 ]
	check "the screenshot is 1280x1600" || tap_diag 5 <"$wd/.png"
	red=$(sed -n 's/.*red=\([0-9]*\).*/\1/p' "$wd/.png")
	green=$(sed -n 's/.*green=\([0-9]*\).*/\1/p' "$wd/.png")
	[ "${red:-0}" -gt 2000 ] && [ "${green:-0}" -gt 2000 ]
	check "the screenshot shows red and green bars ($colours)"

	chrome "$wd/.dom" --dump-dom "file://$page"
	missing=
	for want in "Meeting migration status" "Users by state" \
	    "Meetings by result and reason" "Failed: NoCoordinates" \
	    "Skipped: NotOrganizer" "LastMessage:" "Shaw, Robin" \
	    "rshaw@contoso.com" "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Åsa" \
	    "Next retry:"; do
		grep -q -F -e "$want" "$wd/.dom" || missing="$missing [$want]"
	done
	[ -z "$missing" ]
	check "the browser's DOM holds the page's text" || echo "missing:$missing" | tap_diag 5

	# A copy with a probe that writes the page's width into the DOM: the
	# page itself needs no script.
	sed 's|</body>|<script>document.body.setAttribute("data-width", document.documentElement.scrollWidth + "x" + document.documentElement.clientWidth)</script></body>|' \
	    "$page" >"$wd/probe.html"
	chrome "$wd/.probe" --dump-dom "file://$wd/probe.html"
	width=$(sed -n 's/.*data-width="\([0-9]*x[0-9]*\)".*/\1/p' "$wd/.probe")
	scroll=${width%x*} client=${width#*x}
	[ -n "$width" ] && [ "$scroll" -le "$client" ] && [ "$client" -le 1280 ]
	check "no horizontal scroll at 1280 pixels (scroll width x window: ${width:-none})"
fi

tap_plan "$mm_tap_count"
[ "$mm_tap_failed" -eq 0 ] && mm_workdir_remove "$wd"
tap_exit
