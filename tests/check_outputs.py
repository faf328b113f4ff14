#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent checks of everything meetmig writes.

Runs "meetmig migrate" over every fixture mailbox (fixture coordinates and
directory, --now 2026-11-21T09:00:00Z, one output folder per run) and checks
each file it produced with nothing but Python and python3-icalendar, so the
checks share no code and no assumption with the program:

 1. every updated event (input and output VEVENTs matched by UID and
    RECURRENCE-ID): DESCRIPTION and X-ALT-DESC, unfolded and unescaped, are
    byte-identical to the input's outside the block (the block found by a
    rule of our own: from the first rule line of >= 100 periods or >= 64
    underscores to the last, in HTML widened to the enclosing element); every
    other property line is byte-identical, except SEQUENCE (the input's + 1),
    X-MICROSOFT-CDO-APPT-SEQUENCE (likewise), DTSTAMP (--now) and the
    X-MICROSOFT-* online meeting properties;
 2. no file holds U+FFFD, a stray BOM, or a mojibake sequence ("ï»¿",
    "ï¿½", "Ã©"-style double encoding) more often than its input did;
 3. every physical line of every .ics, and of the text/calendar part of
    every .eml, is at most 75 octets, ends with CRLF and is valid UTF-8 on its
    own;
 4. every .ics parses with icalendar, updates have METHOD:REQUEST and only
    UIDs of the input;
 5. every .eml parses with the email package: From is the organizer, every
    attendee is in To or Cc, Subject is the input SUMMARY, the text/plain part
    is the DESCRIPTION, the text/calendar part parses and has METHOD:REQUEST.

and for the updated events of the updates it also checks that

 6. the X-MICROSOFT properties agree with the new block: every join URL in
    the block (Skype meet URLs, Teams meetup-join, /meet/ and teams.live.com
    links) is the join URL the properties name, and the Teams "cid" is the
    join URL's thread;

and for every run that wrote a calendar.ics that

 7. a second run over it with the same arguments migrates nothing: every
    meeting is skipped as AlreadyMigrated.

Arguments: every mailbox runs with the fixture directory and --now, and
with the coordinates of its folder (FOLDER/coordinates.ini when there is
one, else fixtures/coordinates.ini).  A file NAME.args beside NAME.ics
lists the runs of that mailbox instead, one per line: the line's words are
added to those arguments (an empty line adds nothing; "-c FILE" replaces
the coordinates; "#" starts a comment line).

Prints TAP, one line per check and file (or event).  Unfolding for the byte
comparisons is done here on raw octets: python3-icalendar 4.0.3 decodes
lines before joining them.
"""

import email
import email.policy
import json
import os
import re
import urllib.parse
import subprocess
import sys

try:
    import icalendar
except ImportError:
    print('1..0 # SKIP python3-icalendar is missing')
    sys.exit(0)

NOW = '2026-11-21T09:00:00Z'
NOW_BASIC = '20261121T090000Z'
MEETMIG = os.environ.get('MEETMIG', '')
SRCDIR = os.environ.get('MM_SRCDIR', os.path.join(os.path.dirname(__file__), '..'))
BUILDDIR = os.environ.get('MM_BUILDDIR', os.getcwd())
TIMEOUT = int(os.environ.get('MM_TIMEOUT', '300'))

# Properties an update may change (check 1).  Everything else of an updated
# VEVENT must be kept byte for byte.
MAY_CHANGE = {b'SEQUENCE', b'DTSTAMP', b'X-MICROSOFT-CDO-APPT-SEQUENCE', b'DESCRIPTION',
              b'X-ALT-DESC'}
ONLINE_PREFIXES = (b'X-MICROSOFT-SKYPETEAMS', b'X-MICROSOFT-ONLINEMEETING',
                   b'X-MICROSOFT-SCHEDULINGSERVICE')
# LOCATION may follow the new block only where it named the online meeting
# itself (a room the organizer typed must stay), and then in its own
# language: English in, English out.
ONLINE_LOCATIONS = {
    b'Skype Meeting': b'Microsoft Teams Meeting',
    'Réunion Skype'.encode(): 'Réunion Microsoft Teams'.encode(),
    b'Skype-Besprechung': b'Microsoft Teams-Besprechung',
    'Skype-møde'.encode(): 'Microsoft Teams-møde'.encode(),
    'Reunión de Skype'.encode(): 'Reunión de Microsoft Teams'.encode(),
    'Skype 会议'.encode(): 'Microsoft Teams 会议'.encode(),
    'Skype 会議'.encode(): 'Microsoft Teams 会議'.encode(),
}
LOCATION_PROPS = (b'LOCATION', b'X-MICROSOFT-LOCATIONS',
                  b'X-MICROSOFT-LOCATIONDISPLAYNAME')

# Mailboxes that are not calendar data at all, or not valid text: the exit
# statuses they may end with.
SPECIAL_STATUS = {
    'encoding/hello.ics': {65},
    'encoding/empty.ics': {65},
    'encoding/not-calendar.csv': {65},
    'encoding/invalid-utf16.ics': {1, 65},
    'reasons/InvalidData-utf8.ics': {1, 65},
}

# Mailboxes whose second run is known not to be idempotent, and why: each
# is a bug to fix, listed so that check 7 guards every other mailbox.
RERUN_KNOWN_BAD = {
    # Tag soup before the block ('<b href="x' never closed): the new
    # block's first element is read as part of that tag, so the second run
    # finds the block one element later and splices it again.
    'hostile/html-unbalanced.ics',
}

# --- TAP -----------------------------------------------------------------

count = 0
failed = 0


def tap(ok, name, diag=None):
    global count, failed
    count += 1
    print('%s %d - %s' % ('ok' if ok else 'not ok', count, name))
    if not ok:
        failed += 1
        if diag:
            for line in str(diag).splitlines()[:40]:
                print('# ' + line)
    sys.stdout.flush()
    return ok


# --- iCalendar on octets -----------------------------------------------------------

def decode_input(data):
    """The mailbox as UTF-8 octets: a BOM removed, UTF-16 converted.
    Invalid UTF-16 is kept as far as it goes (surrogatepass)."""
    if data.startswith(b'\xef\xbb\xbf'):
        return data[3:]
    if data.startswith(b'\xff\xfe'):
        return data[2:].decode('utf-16-le', 'surrogatepass').encode('utf-8', 'surrogatepass')
    if data.startswith(b'\xfe\xff'):
        return data[2:].decode('utf-16-be', 'surrogatepass').encode('utf-8', 'surrogatepass')
    return data


def unfold(data):
    """Logical lines of an iCalendar stream, unfolded on raw octets
    (RFC 5545 3.1), CRLF or LF."""
    data = re.sub(rb'\r?\n[ \t]', b'', data)
    return [l for l in re.split(rb'\r?\n', data) if l != b'']


def split_prop(line):
    """(NAME upper-case, params, value) of a logical line; the value starts
    after the first ':' outside double quotes."""
    quoted = False
    for i, c in enumerate(line):
        if c == 0x22:
            quoted = not quoted
        elif c == 0x3A and not quoted:
            head, value = line[:i], line[i + 1:]
            break
    else:
        head, value = line, b''
    name = re.split(rb'[;]', head, 1)[0].upper()
    return name, head[len(name):], value


def unescape(value):
    """iCalendar TEXT unescaping on octets."""
    return re.sub(rb'\\([nN\\,;:])',
                  lambda m: b'\n' if m.group(1) in b'nN' else m.group(1), value)


class Event:
    def __init__(self, lines):
        self.lines = lines      # logical lines between BEGIN:VEVENT and END:VEVENT
        self.top = []           # (name, params, value, line) of the VEVENT itself
        depth = 0
        for line in lines:
            name, params, value = split_prop(line)
            if name == b'BEGIN':
                depth += 1
            elif name == b'END':
                depth -= 1
            elif depth == 0:
                self.top.append((name, params, value, line))
        self.uid = self.first(b'UID')
        rid = [l for (n, _, _, l) in self.top if n == b'RECURRENCE-ID']
        self.rid = rid[0] if rid else None

    def first(self, name):
        for n, _, v, _ in self.top:
            if n == name:
                return v
        return None

    def key(self):
        return (self.uid, self.rid)

    def label(self):
        uid = (self.uid or b'?').decode('ascii', 'replace')
        tail = uid[-8:]
        if self.rid:
            return '%s@%s' % (tail, self.rid.split(b':')[-1].decode('ascii', 'replace'))
        return tail


def parse_ics(data):
    """(properties of VCALENDAR, [Event]) of UTF-8 octets."""
    cal_props, events = [], []
    stack, cur = [], None
    for line in unfold(data):
        name, _, value = split_prop(line)
        if name == b'BEGIN':
            stack.append(value.upper())
            if value.upper() == b'VEVENT' and len(stack) == 2:
                cur = []
                continue
        elif name == b'END':
            if stack:
                stack.pop()
            if value.upper() == b'VEVENT' and len(stack) == 1 and cur is not None:
                events.append(Event(cur))
                cur = None
                continue
        if cur is not None:
            cur.append(line)
        elif len(stack) == 1:
            cal_props.append((name, value))
    return cal_props, events


# --- the block, found our own way ----------------------------------------------------

TEXT_RULE = re.compile(rb'^[ \t]*(\.{100,}|_{64,})[ \t\r]*$', re.M)
HTML_RULE = re.compile(rb'\.{100,}|_{64,}')
TAG = re.compile(rb'<(/?)(div|p)\b[^>]*>', re.I)


def text_extent(text):
    rules = list(TEXT_RULE.finditer(text))
    if not rules:
        return None
    return rules[0].start(), (rules[-1].end() if len(rules) > 1 else len(text))


def html_elements(html):
    """(start, end, open tag) of every div and p element, by a simple tag
    stack (unclosed elements end at the end of the document)."""
    out, stack = [], []
    for m in TAG.finditer(html):
        kind = m.group(2).lower()
        if not m.group(1):
            stack.append((kind, m.start(), m.group(0)))
            continue
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][0] == kind:
                _, start, tag = stack.pop(i)
                out.append((start, m.end(), tag))
                del stack[i:]
                break
    for _, start, tag in stack:
        out.append((start, len(html), tag))
    return out


def html_extent(html):
    rules = list(HTML_RULE.finditer(html))
    if not rules:
        return None
    a, b = rules[0].start(), (rules[-1].end() if len(rules) > 1 else len(html))
    elements = html_elements(html)
    for pos in (rules[0].start(), rules[-1].start()):
        around = [e for e in elements if e[0] <= pos < e[1]]
        if not around:
            continue
        inner = max(around, key=lambda e: e[0])
        chosen = [inner] + [e for e in around if b'me-email-text' in e[2]]
        a = min([a] + [e[0] for e in chosen])
        b = max([b] + [e[1] for e in chosen])
    return a, b


def confined(old, new, extent):
    """None when NEW differs from OLD only inside EXTENT of OLD, else a
    description of the first change outside it."""
    a, b = extent
    n = min(len(old), len(new))
    pre = 0
    while pre < n and old[pre] == new[pre]:
        pre += 1
    suf = 0
    while suf < n - pre and old[len(old) - 1 - suf] == new[len(new) - 1 - suf]:
        suf += 1
    if pre < a:
        return 'changed at octet %d, before the block (octet %d):\n  old: %r\n  new: %r' % (
            pre, a, old[max(0, pre - 30):pre + 50], new[max(0, pre - 30):pre + 50])
    if len(old) - suf > b:
        end = len(old) - suf
        return 'changed at octet %d, after the block (ends at %d):\n  old: %r\n  new: %r' % (
            end, b, old[max(0, end - 50):end + 30], new[max(0, len(new) - suf - 50):len(new) - suf + 30])
    return None


# --- check 1: an updated event against its input ------------------------------------------

def check_event(where, old, new):
    problems = []
    for name in (b'SEQUENCE', b'X-MICROSOFT-CDO-APPT-SEQUENCE'):
        ov, nv = old.first(name), new.first(name)
        if name == b'SEQUENCE' and ov is None:
            ov = b'0'
        if ov is None:
            continue
        try:
            if nv is None or int(nv) != int(ov) + 1:
                problems.append('%s: %s, expected %d' % (name.decode(), nv, int(ov) + 1))
        except ValueError:
            problems.append('%s: not a number: %r' % (name.decode(), nv))
    if new.first(b'DTSTAMP') != NOW_BASIC.encode():
        problems.append('DTSTAMP: %r, expected %s' % (new.first(b'DTSTAMP'), NOW_BASIC))

    old_location = unescape(old.first(b'LOCATION') or b'')
    new_location = unescape(new.first(b'LOCATION') or b'')
    location_moves = old_location in ONLINE_LOCATIONS
    if location_moves and new_location not in (old_location,
                                               ONLINE_LOCATIONS[old_location]):
        problems.append('LOCATION %r became %r' % (old_location, new_location))

    def kept(ev):
        return [l for (n, _, _, l) in ev.top
                if n not in MAY_CHANGE and not n.startswith(ONLINE_PREFIXES)
                and not (location_moves and n in LOCATION_PROPS)]

    def nested(ev):
        out, depth = [], 0
        for line in ev.lines:
            n = split_prop(line)[0]
            if n == b'BEGIN':
                depth += 1
            if depth:
                out.append(line)
            if n == b'END':
                depth -= 1
        return out
    ok_, nk = kept(old) + nested(old), kept(new) + nested(new)
    if ok_ != nk:
        gone = [l for l in ok_ if l not in nk]
        added = [l for l in nk if l not in ok_]
        problems.append('other properties differ:' + ''.join(
            '\n  - %r' % l[:100] for l in gone[:5]) + ''.join('\n  + %r' % l[:100] for l in added[:5])
            + ('' if gone or added else '\n  (same lines, another order)'))

    for name, extent_of in ((b'DESCRIPTION', text_extent), (b'X-ALT-DESC', html_extent)):
        ov, nv = old.first(name), new.first(name)
        if ov is None and nv is None:
            continue
        if ov is None or nv is None:
            problems.append('%s: %s in the output' % (name.decode(),
                                                     'missing' if nv is None else 'added'))
            continue
        ot, nt = unescape(ov), unescape(nv)
        ext = extent_of(ot)
        if ext is None:
            if ot != nt:
                problems.append('%s: changed, and the input has no block' % name.decode())
            continue
        if extent_of(nt) is None:
            problems.append('%s: no block in the output' % name.decode())
        why = confined(ot, nt, ext)
        if why:
            problems.append('%s: %s' % (name.decode(), why))
    return tap(not problems, '%s: event %s unchanged outside the block' % (where, old.label()),
               '\n'.join(problems))


# --- check 2: mojibake ------------------------------------------------------------------------

MOJIBAKE = [
    ('U+FFFD', re.compile('\ufffd')),
    ('BOM inside', re.compile('\ufeff')),
    ('BOM as Windows-1252', re.compile('\u00ef\u00bb\u00bf')),
    ('U+FFFD as Windows-1252', re.compile('\u00ef\u00bf\u00bd')),
    # A UTF-8 lead byte and a continuation byte read as Latin-1 or
    # Windows-1252 ("Ã©" for "é", "â€”" for "—").
    ('double encoding', re.compile(
        '[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192'
        '\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030'
        '\u2039\u203a\u20ac\u2122]')),
]


def mojibake_counts(text):
    return {name: len(rx.findall(text)) for name, rx in MOJIBAKE}


def check_mojibake(where, texts, limits):
    problems = []
    for part, text in texts:
        for name, n in mojibake_counts(text).items():
            if n > limits[name]:
                problems.append('%s: %d x %s (input: %d)' % (part, n, name, limits[name]))
    return tap(not problems, '%s: no mojibake the input did not have' % where,
               '\n'.join(problems))


# --- check 3: physical lines --------------------------------------------------------------------

def check_lines(where, data):
    problems = []
    if not data.endswith(b'\r\n'):
        problems.append('does not end with CRLF')
    lines = data.split(b'\r\n')
    if lines and lines[-1] == b'':
        lines.pop()
    for i, line in enumerate(lines, 1):
        if b'\n' in line or b'\r' in line:
            problems.append('line %d: a bare CR or LF' % i)
        if len(line) > 75:
            problems.append('line %d: %d octets' % (i, len(line)))
        try:
            line.decode('utf-8')
        except UnicodeDecodeError as e:
            problems.append('line %d: not UTF-8 on its own (%s): %r' % (i, e.reason, line[-20:]))
        if len(problems) > 10:
            break
    return tap(not problems, '%s: lines <= 75 octets, CRLF, UTF-8' % where, '\n'.join(problems))


# --- check 4: icalendar --------------------------------------------------------------------------

def check_icalendar(where, data, is_update, input_uids):
    problems = []
    try:
        cal = icalendar.Calendar.from_ical(data.decode('utf-8'))
        events = cal.walk('VEVENT')
        if is_update and not events:
            problems.append('no VEVENT')
        if is_update and str(cal.get('METHOD', '')).upper() != 'REQUEST':
            problems.append('METHOD is %r, not REQUEST' % str(cal.get('METHOD', '')))
        for ev in events:
            uid = str(ev.get('UID', '')).encode('utf-8')
            if uid not in input_uids:
                problems.append('UID %r is not in the input' % uid[:40])
    except Exception as e:  # icalendar raises ValueError and friends
        problems.append('icalendar cannot parse it: %s' % e)
    return tap(not problems, '%s: parses, %s' % (where, 'METHOD:REQUEST' if is_update else 'UIDs known'),
               '\n'.join(problems))


# --- check 5: the message ------------------------------------------------------------------------

def address_of(value):
    v = value.decode('utf-8', 'replace')
    return re.sub(r'^(mailto|sip):', '', v, flags=re.I).strip().casefold()


def load_aliases():
    """Every address of Alex Shaw in the fixture directory, case-folded."""
    import csv
    path = os.path.join(SRCDIR, 'fixtures', 'directory.csv')
    with open(path, encoding='utf-8-sig', newline='') as f:
        rows = list(csv.reader(line for line in f if not line.startswith('#TYPE')))
    head, out = rows[0], set()
    for row in rows[1:]:
        r = dict(zip(head, row))
        if r.get('SamAccountName') != 'ashaw':
            continue
        for v in [r['mail'], r['UserPrincipalName'], r['msRTCSIP-PrimaryUserAddress'],
                  r['legacyExchangeDN']] + r['proxyAddresses'].split(';'):
            v = re.sub(r'^(smtp|sip|x500):', '', v, flags=re.I)
            if v:
                out.add(v.casefold())
    return out


ALIASES = load_aliases()


def check_message(where, data, update_events, input_events):
    problems = []
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as e:
        return tap(False, '%s: parses as a message' % where, str(e))
    if msg.defects:
        problems.append('defects: %s' % msg.defects)
    master = ([e for e in update_events if e.rid is None] or update_events or [None])[0]
    if master is None:
        return tap(False, '%s: a message matching its .ics' % where, 'no update .ics beside it')
    organizer = None
    for n, _, v, _ in master.top:
        if n == b'ORGANIZER':
            organizer = address_of(v)
    try:
        senders = [a.addr_spec.casefold() for a in msg['From'].addresses]
    except Exception:
        senders = []
    if organizer in ALIASES:
        if not any(s in ALIASES for s in senders):
            problems.append('From %s is not the organizer %s' % (senders, organizer))
    elif organizer not in senders:
        problems.append('From %s is not the organizer %s' % (senders, organizer))

    recipients = set()
    for h in ('To', 'Cc'):
        try:
            recipients |= {a.addr_spec.casefold() for a in msg[h].addresses} if msg[h] else set()
        except Exception as e:
            problems.append('%s: %s' % (h, e))
    missing = []
    for ev in update_events:
        for n, _, v, _ in ev.top:
            if n != b'ATTENDEE' or not v.lower().startswith(b'mailto:'):
                continue
            a = address_of(v)
            if a == organizer or (organizer in ALIASES and a in ALIASES):
                continue
            if a not in recipients and a not in missing:
                missing.append(a)
    if missing:
        problems.append('%d attendees not in To/Cc: %s' % (len(missing), ', '.join(missing[:5])))

    old = input_events.get(master.key())
    if old is not None:
        summary = unescape(old.first(b'SUMMARY') or b'').decode('utf-8', 'replace')
        if str(msg['Subject']) != summary:
            problems.append('Subject %r is not the SUMMARY %r' % (str(msg['Subject']), summary))

    plain, calendar = None, None
    for part in msg.walk():
        ct = part.get_content_type()
        if ct == 'text/plain' and plain is None:
            plain = part.get_content()
        elif ct == 'text/calendar' and calendar is None:
            calendar = part.get_payload(decode=True)
    desc = master.first(b'DESCRIPTION')
    if plain is None:
        problems.append('no text/plain part')
    elif desc is not None:
        want = unescape(desc).decode('utf-8', 'replace').replace('\r\n', '\n').rstrip('\n')
        got = plain.replace('\r\n', '\n').rstrip('\n')
        if got != want:
            i = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]),
                     min(len(got), len(want)))
            problems.append('text/plain differs from DESCRIPTION at %d:\n  got:  %r\n  want: %r'
                            % (i, got[max(0, i - 20):i + 40], want[max(0, i - 20):i + 40]))
    if calendar is None:
        problems.append('no text/calendar part')
    else:
        try:
            cal = icalendar.Calendar.from_ical(calendar.decode('utf-8'))
            if str(cal.get('METHOD', '')).upper() != 'REQUEST':
                problems.append('text/calendar: METHOD is not REQUEST')
        except Exception as e:
            problems.append('text/calendar does not parse: %s' % e)
    tap(not problems, '%s: From, To/Cc, Subject, text/plain and text/calendar agree' % where,
        '\n'.join(problems))
    return calendar, msg


# --- the runs --------------------------------------------------------------------------------------

def mailboxes():
    root = os.path.join(SRCDIR, 'fixtures')
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        # hostile/: its golden cases and tests/hostile.sh check those runs.
        dirnames[:] = sorted(d for d in dirnames if d not in ('unit', 'hostile'))
        for f in sorted(filenames):
            rel = os.path.relpath(os.path.join(dirpath, f), root)
            if f.endswith('.ics') or rel == 'encoding/not-calendar.csv':
                out.append(rel)
    return sorted(out)


def run_variants(mailbox):
    """The extra arguments of each run of MAILBOX: [[]], or the lines of
    its .args file."""
    path = os.path.join(SRCDIR, 'fixtures', mailbox[:mailbox.rindex('.')] + '.args')
    if not os.path.exists(path):
        return [[]]
    with open(path, encoding='utf-8') as f:
        return [line.split() for line in f.read().split('\n')[:-1]
                if not line.startswith('#')]


def runs():
    base = ['-i', 'ashaw@contoso.com', '-d', 'fixtures/directory.csv',
            '-c', 'fixtures/coordinates.ini', '--now', NOW]
    out = []
    for m in mailboxes():
        folder = os.path.dirname(m)
        args = list(base)
        if folder and os.path.exists(os.path.join(SRCDIR, 'fixtures', folder,
                                                  'coordinates.ini')):
            args[args.index('-c') + 1] = 'fixtures/%s/coordinates.ini' % folder
        for words in run_variants(m):
            run, extra = list(args), list(words)
            if '-c' in extra:
                i = extra.index('-c')
                run[run.index('-c') + 1] = extra[i + 1]
                del extra[i:i + 2]
            out.append((' '.join([m] + words), m, run + extra))
    out.append(('contoso-ashaw.ics -t teams', 'contoso-ashaw.ics', base + ['-t', 'teams']))
    out.append(('unicode.ics -t teams', 'unicode.ics', base + ['-t', 'teams']))
    out.append(('reasons/PastedBlock.ics --include-pasted', 'reasons/PastedBlock.ics',
                base + ['--include-pasted']))
    return out


def workdir():
    wd = os.path.join(BUILDDIR, 'tests', 'tmp', 'check-outputs')
    if os.path.exists(wd):
        subprocess.run(['rm', '-rf', wd], check=True)
    os.makedirs(os.path.join(wd, '.home'))
    os.makedirs(os.path.join(wd, '.state'))
    os.symlink(os.path.join(os.path.abspath(SRCDIR), 'fixtures'), os.path.join(wd, 'fixtures'))
    return wd


def check_run(wd, n, label, mailbox, args):
    out = 'out/%02d' % n
    env = dict(os.environ, HOME=os.path.join(wd, '.home'),
               XDG_STATE_HOME=os.path.join(wd, '.state'))
    argv = [MEETMIG, 'migrate'] + args + ['-o', out, 'fixtures/' + mailbox]
    try:
        p = subprocess.run(argv, cwd=wd, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        status, err = p.returncode, p.stderr.decode('utf-8', 'replace')
    except subprocess.TimeoutExpired:
        status, err = 'timeout', ''
    allowed = SPECIAL_STATUS.get(mailbox, {0, 1})
    tap(status in allowed, '%s: migrate exits with %s' % (label, status),
        'expected one of %s\n%s' % (sorted(allowed), err))

    with open(os.path.join(SRCDIR, 'fixtures', mailbox), 'rb') as f:
        raw = decode_input(f.read())
    _, in_events = parse_ics(raw)
    inputs = {e.key(): e for e in in_events}
    input_uids = {e.uid for e in in_events}
    limits = mojibake_counts(b'\n'.join(unfold(raw)).decode('utf-8', 'surrogateescape'))

    root = os.path.join(wd, out)
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        files += [os.path.join(dirpath, f) for f in sorted(filenames)]
    if status in (0, 1) and not any(f.endswith('status.json') for f in files):
        tap(False, '%s: status.json written' % label)

    calendars = [f for f in files if f.endswith(os.sep + 'calendar.ics')]
    for path in files:
        rel = os.path.relpath(path, root)
        where = '%s: %s' % (label, rel)
        with open(path, 'rb') as f:
            data = f.read()
        if rel.endswith('status.json'):
            check_status(where, os.path.dirname(path), data)
        if rel.endswith('.ics'):
            check_ics(where, rel, data, inputs, input_uids, limits)
        elif rel.endswith('.eml'):
            check_eml(where, path, data, inputs, limits)
        else:
            try:
                text = data.decode('utf-8')
            except UnicodeDecodeError as e:
                tap(False, '%s: valid UTF-8' % where, str(e))
                continue
            check_mojibake(where, [(rel, text)], limits)
    for path in calendars if mailbox not in RERUN_KNOWN_BAD else ():
        check_rerun(wd, label, args, os.path.relpath(path, wd), out + '-rerun')


def check_rerun(wd, label, args, calendar, out):
    """Check 7: migrate CALENDAR (a first run's calendar.ics) again."""
    env = dict(os.environ, HOME=os.path.join(wd, '.home'),
               XDG_STATE_HOME=os.path.join(wd, '.state'))
    argv = [MEETMIG, 'migrate'] + args + ['-o', out, calendar]
    problems = []
    try:
        p = subprocess.run(argv, cwd=wd, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        if p.returncode != 0:
            problems.append('exit status %d\n%s' % (p.returncode,
                                                    p.stderr.decode('utf-8', 'replace')))
    except subprocess.TimeoutExpired:
        problems.append('timeout')
    statuses = []
    for dirpath, _, filenames in os.walk(os.path.join(wd, out)):
        statuses += [os.path.join(dirpath, f) for f in filenames if f == 'status.json']
    if not problems and len(statuses) != 1:
        problems.append('%d status.json files' % len(statuses))
    if not problems:
        with open(statuses[0], 'rb') as f:
            st = json.loads(f.read().decode('utf-8'))
        for m in st.get('Meetings', []):
            if m.get('Result') != 'Skipped' or m.get('Reason') != 'AlreadyMigrated':
                problems.append('%s: %s %s' % (m.get('Subject'), m.get('Result'),
                                               m.get('Reason')))
        if not st.get('Meetings'):
            problems.append('no meeting read back')
    tap(not problems, '%s: a second run over %s migrates nothing'
        % (label, os.path.basename(calendar)), '\n'.join(problems))


def check_status(where, folder, data):
    problems = []
    try:
        st = json.loads(data.decode('utf-8'))
        listed = set()
        for m in st.get('Meetings', []):
            for o in m.get('Outputs') or []:
                listed.add(o)
                if not os.path.isfile(os.path.join(folder, o)):
                    problems.append('%s is listed but missing' % o)
        upd = os.path.join(folder, 'updates')
        if os.path.isdir(upd):
            for f in sorted(os.listdir(upd)):
                if 'updates/' + f not in listed:
                    problems.append('updates/%s is not listed in Outputs' % f)
    except (ValueError, UnicodeDecodeError, AttributeError) as e:
        problems.append('not a status object: %s' % e)
    tap(not problems, '%s: parses, Outputs match the files' % where, '\n'.join(problems))


URL_RE = re.compile(rb'https?://[^\s<>"\\]+')
# Join URLs: Skype meet URLs (without "?sl=1"), Teams meetup-join, /meet/
# and teams.live.com links.
JOIN_URL_RE = re.compile(
    rb'https://[a-z0-9.-]*teams\.(?:microsoft\.com|live\.com)/(?:l/meetup-join/|meet/)'
    rb'[^\s<>"\\]+'
    rb'|https?://(?:meet\.lync\.com/(?:[^/\s<>"\\?#]+/){1,2}'
    rb'|meet\.[a-z0-9.-]+/[^/\s<>"\\?#]+/|[a-z0-9.-]+/meet/[^/\s<>"\\?#]+/)'
    rb'[A-Za-z0-9]+(?=[\s<>"\\?#]|$)', re.I)


def check_properties_agree(where, ev):
    """The X-MICROSOFT properties clients read before the body name the URLs
    of the new block: its join URL, and for Teams the thread id as "cid"."""
    body = unescape(ev.first(b'DESCRIPTION') or b'')
    urls = set(u.replace(b'&amp;', b'&') for u in URL_RE.findall(body))
    html = unescape(ev.first(b'X-ALT-DESC') or b'')
    urls |= set(u.replace(b'&amp;', b'&') for u in URL_RE.findall(html))
    problems = []
    for name in (b'X-MICROSOFT-SKYPETEAMSMEETINGURL',
                 b'X-MICROSOFT-ONLINEMEETINGEXTERNALLINK'):
        value = ev.first(name)
        if value is not None and unescape(value) not in urls:
            problems.append('%s %s is no URL of the body' % (
                name.decode(), unescape(value).decode('utf-8', 'replace')))
    # Every join URL of the new block is the one the properties name.
    named = set(unescape(ev.first(n)) for n in (b'X-MICROSOFT-SKYPETEAMSMEETINGURL',
                                                 b'X-MICROSOFT-ONLINEMEETINGEXTERNALLINK')
                if ev.first(n) is not None)
    for text, extent_of in ((body, text_extent), (html, html_extent)):
        ext = extent_of(text)
        if ext is None or not named:
            continue
        for u in JOIN_URL_RE.findall(text[ext[0]:ext[1]]):
            u = u.replace(b'&amp;', b'&')
            if u not in named:
                problems.append('join URL %s of the block is not the one the '
                                'X-MICROSOFT properties name (%s)' % (
                                    u.decode('utf-8', 'replace'),
                                    b', '.join(sorted(named)).decode('utf-8', 'replace')))
    props = ev.first(b'X-MICROSOFT-SKYPETEAMSPROPERTIES')
    join = ev.first(b'X-MICROSOFT-SKYPETEAMSMEETINGURL')
    if props is not None and join is not None:
        m = re.search(rb'"cid"\s*:\s*"([^"]*)"', unescape(props))
        thread = re.search(rb'/l/meetup-join/([^/?#]+)', unescape(join))
        if m and thread:
            want = urllib.parse.unquote_to_bytes(thread.group(1))
            if m.group(1) != want:
                problems.append('SKYPETEAMSPROPERTIES cid %s is not the join '
                                'URL thread %s' % (m.group(1).decode(), want.decode()))
    return tap(not problems, '%s: event %s X-MICROSOFT properties agree with the block'
               % (where, ev.label()), '\n'.join(problems))


def check_ics(where, rel, data, inputs, input_uids, limits):
    check_lines(where, data)
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError:
        text = data.decode('utf-8', 'surrogateescape')
    check_mojibake(where, [(rel, text)], limits)
    is_update = rel.split(os.sep)[-2:-1] == ['updates']
    check_icalendar(where, data, is_update, input_uids)
    _, events = parse_ics(data)
    for ev in events:
        old = inputs.get(ev.key())
        if old is None:
            tap(False, '%s: event %s is in the input' % (where, ev.label()))
        elif not is_update and old.lines == ev.lines:
            tap(True, '%s: event %s unchanged' % (where, ev.label()))
        else:
            check_event(where, old, ev)
            if is_update:
                check_properties_agree(where, ev)


def check_eml(where, path, data, inputs, limits):
    sibling = path[:-4] + '.ics'
    events = []
    if os.path.exists(sibling):
        with open(sibling, 'rb') as f:
            events = parse_ics(f.read())[1]
    calendar, msg = check_message(where, data, events, inputs) or (None, None)
    if calendar is not None:
        check_lines(where + ' text/calendar', calendar)
    if msg is not None:
        texts = [('Subject', str(msg['Subject'] or ''))]
        for part in msg.walk():
            if part.get_content_maintype() == 'text':
                try:
                    texts.append((part.get_content_type(), part.get_content()))
                except (LookupError, UnicodeError) as e:
                    tap(False, '%s: %s decodes' % (where, part.get_content_type()), str(e))
        check_mojibake(where, texts, limits)


def main():
    if not MEETMIG or not os.access(MEETMIG, os.X_OK):
        print('Bail out! the program is not built: %s' % MEETMIG)
        return 1
    wd = workdir()
    for n, (label, mailbox, args) in enumerate(runs(), 1):
        check_run(wd, n, label, mailbox, args)
    print('1..%d' % count)
    if failed == 0:
        subprocess.run(['rm', '-rf', wd])
    else:
        print('# work folder kept: tests/tmp/check-outputs')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
