#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The Python reference job of the benchmark: what a short script does with
# python3-icalendar for the same task as `meetmig migrate`.  It parses the
# whole .ics file into one tree, selects the meetings the user organizes that
# are not cancelled, have an occurrence ending after --now and carry an
# online-meeting block with an add-in marker, replaces the text between the
# block's rules in DESCRIPTION and X-ALT-DESC with a new block, bumps
# SEQUENCE, sets DTSTAMP, and writes one .ics per meeting (the master and its
# future exceptions, with the file's VTIMEZONEs).
#
# It is the comparison point, not a second implementation: it holds the whole
# calendar in memory, re-serializes every property it writes, and knows far
# fewer layouts than meetmig.  It is slow and memory-hungry on purpose; run it
# on small mailboxes only and extrapolate.
#
#     reference_icalendar.py -i ashaw@contoso.com --now 2026-11-21T09:00:00Z \
#         mailbox.ics OUTDIR
#
# It prints one summary line (meetings, selected, written) on stderr.

import argparse
import datetime
import hashlib
import html
import os
import sys

import icalendar
from dateutil import rrule as du_rrule

DOTS = '.' * 137
RULE80 = '_' * 80
MARKERS = ('X-MICROSOFT-SKYPETEAMSMEETINGURL', 'X-MICROSOFT-ONLINEMEETINGCONFLINK',
           'X-MICROSOFT-ONLINEMEETINGEXTERNALLINK')

NEW_SFB = [DOTS, 'Join Skype Meeting<https://meet.contoso.com/ashaw/NEWKEY01>',
           'Join by phone', '+1 425 555 0100 (Redmond)', 'Conference ID: 1234567', DOTS]
NEW_TEAMS = [RULE80, 'Microsoft Teams meeting',
             'Join on your computer, mobile app or room device',
             'Click here to join the meeting<https://teams.microsoft.com/l/meetup-join/new>',
             'Meeting ID: 123 456 789 00', 'Passcode: NeWpAs', RULE80]


def as_utc(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc)
    return datetime.datetime(value.year, value.month, value.day,
                             tzinfo=datetime.timezone.utc)


def occurrence_ends(master):
    """UTC ends of the series' occurrences, or None when it never ends."""
    start = master.decoded('DTSTART')
    end = master.decoded('DTEND') if 'DTEND' in master else start
    duration = end - start
    rule = master.get('RRULE')
    if rule is None:
        return [as_utc(end)]
    if 'COUNT' not in rule and 'UNTIL' not in rule:
        return None
    text = rule.to_ical().decode('ascii')
    series = du_rrule.rrulestr(text, dtstart=start, forceset=True, ignoretz=False)
    exdates = master.get('EXDATE', [])
    if not isinstance(exdates, list):
        exdates = [exdates]
    for group in exdates:
        for d in group.dts:
            series.exdate(d.dt)
    return [as_utc(s + duration) for s in series]


def is_future(master, exceptions, now):
    ends = occurrence_ends(master)
    if ends is None:
        return True
    if any(e > now for e in ends):
        return True
    return any(as_utc(x.decoded('DTEND')) > now for x in exceptions if 'DTEND' in x)


def block_kind(text):
    if DOTS in text:
        return 'sfb'
    if RULE80 in text:
        return 'teams'
    return None


def replace_between(text, rule, new):
    first = text.find(rule)
    last = text.rfind(rule)
    if first < 0 or last == first:
        return text
    return text[:first] + new + text[last + len(rule):]


def rewrite(event, kind, now):
    new = NEW_SFB if kind == 'sfb' else NEW_TEAMS
    rule = DOTS if kind == 'sfb' else RULE80
    desc = str(event.get('DESCRIPTION', ''))
    if desc:
        event['DESCRIPTION'] = replace_between(desc, rule, '\n'.join(new))
    alt = event.get('X-ALT-DESC')
    if alt is not None:
        params = alt.params
        body = replace_between(str(alt), rule, '<br>\n'.join(html.escape(x) for x in new))
        del event['X-ALT-DESC']
        event.add('X-ALT-DESC', body, parameters=params)
    sequence = int(event.get('SEQUENCE', 0)) + 1
    for name in ('SEQUENCE', 'X-MICROSOFT-CDO-APPT-SEQUENCE', 'DTSTAMP'):
        if name in event:
            del event[name]
    event.add('SEQUENCE', sequence)
    event.add('X-MICROSOFT-CDO-APPT-SEQUENCE', str(sequence))
    event.add('DTSTAMP', now)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('-i', '--identity', required=True)
    ap.add_argument('--now', required=True)
    ap.add_argument('--max-attendees', type=int, default=250)
    ap.add_argument('mailbox')
    ap.add_argument('outdir')
    args = ap.parse_args()
    now = datetime.datetime.strptime(args.now, '%Y-%m-%dT%H:%M:%SZ').replace(
        tzinfo=datetime.timezone.utc)
    me = 'mailto:' + args.identity.lower()

    with open(args.mailbox, 'rb') as f:
        cal = icalendar.Calendar.from_ical(f.read())
    zones = list(cal.walk('VTIMEZONE'))
    series = {}
    for event in cal.walk('VEVENT'):
        series.setdefault(str(event.get('UID')), []).append(event)

    os.makedirs(args.outdir, exist_ok=True)
    selected = written = 0
    for uid, events in series.items():
        masters = [e for e in events if 'RECURRENCE-ID' not in e]
        master = masters[0] if masters else events[0]
        exceptions = [e for e in events if 'RECURRENCE-ID' in e]
        if str(master.get('ORGANIZER', '')).lower() != me:
            continue
        if str(master.get('STATUS', '')).upper() == 'CANCELLED':
            continue
        if not is_future(master, exceptions, now):
            continue
        kind = block_kind(str(master.get('DESCRIPTION', '')))
        if kind is None:
            continue
        alt = str(master.get('X-ALT-DESC', ''))
        if not any(m in master for m in MARKERS) and 'OutJoinLink' not in alt \
                and '[!OC(' not in alt:
            continue
        attendees = master.get('ATTENDEE', [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        if len({str(a).lower() for a in attendees} - {me}) + 1 > args.max_attendees:
            continue
        selected += 1
        out = icalendar.Calendar()
        out.add('PRODID', '-//meetmig bench//python reference//EN')
        out.add('VERSION', '2.0')
        out.add('METHOD', 'REQUEST')
        for z in zones:
            out.add_component(z)
        for event in [master] + exceptions:
            if event is not master and as_utc(event.decoded('DTEND')) <= now:
                continue
            rewrite(event, kind, now)
            out.add_component(event)
        name = '%04d-%s.ics' % (selected, hashlib.sha256(uid.encode()).hexdigest()[:12])
        with open(os.path.join(args.outdir, name), 'wb') as f:
            f.write(out.to_ical())
        written += 1
    sys.stderr.write('reference_icalendar: %d meetings, %d selected, %d written\n'
                     % (len(series), selected, written))


if __name__ == '__main__':
    main()
