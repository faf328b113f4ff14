#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Writes a large synthetic mailbox for the benchmark (bench/run.sh): an
# Outlook-like .ics export, or the same meetings as an EWS GetItem SOAP dump.
#
# The meetings are built from the block layouts, folding, escaping, time
# zones and identifiers of fixtures/make-fixtures.py (imported, so the bench
# measures the layouts the golden tests check): CRLF lines folded at 75
# octets on UTF-8 boundaries, VTIMEZONEs "W. Europe Standard Time", "Pacific
# Standard Time" and "China Standard Time" from 1601 written once at the top,
# Outlook Global Object IDs as UIDs, DESCRIPTION plus X-ALT-DESC Word HTML,
# Skype for Business blocks (137-period rules, OutJoinLink, [!OC([lcid])!]),
# Teams 2020-23 and 2024 blocks (80-underscore rules, the inner 32-underscore
# rule) with their X-MICROSOFT-* properties, pasted blocks without markers,
# edited blocks, meetings without a block, cancellations, weekly and daily
# series with EXDATEs and moved occurrences (RECURRENCE-ID components right
# after their master), long-tail attendee counts and mixed-script text
# (Latin, accented, CJK, Arabic, emoji).
#
# About 60% of the meetings are organized by ashaw@contoso.com, and with
# --now 2026-11-21T09:00:00Z about 17% are selected for migration.  The
# output is a pure function of (--count, --seed, --format): the random
# generator is seeded, nothing depends on the clock, and meetings are written
# one at a time as they are made, so 500,000 of them never sit in memory.
#
#     gen-mailbox.py -n 100000 -o mailbox.ics --links links.csv
#     gen-mailbox.py -n 100000 --format ews -o mailbox.xml
#
# --links writes the Teams provisioning CSV (the columns of teams-links.csv)
# for the organizer's future Teams meetings, as `meetmig plan
# --provisioning-csv` and a provisioning script would produce it.  A summary
# (meetings, components, octets, the expected selection) goes to stderr.

import argparse
import base64
import datetime
import hashlib
import importlib.util
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The source tree may be read-only (make distcheck): no __pycache__ there.
sys.dont_write_bytecode = True


def load_fixture_module():
    path = os.path.join(HERE, '..', 'fixtures', 'make-fixtures.py')
    spec = importlib.util.spec_from_file_location('make_fixtures', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


F = load_fixture_module()

NOW = datetime.datetime(2026, 11, 21, 9, 0, 0)
PAST_FROM = datetime.datetime(2019, 1, 1)
FUTURE_TO = datetime.datetime(2028, 12, 31)

WEU = F.WEU
PST = F.PST
CST = 'China Standard Time'
UTC = None

VTIMEZONES = dict(F.VTIMEZONES)
VTIMEZONES[CST] = ['BEGIN:VTIMEZONE', 'TZID:' + CST,
                   'BEGIN:STANDARD', 'DTSTART:16010101T000000', 'TZOFFSETFROM:+0800',
                   'TZOFFSETTO:+0800', 'END:STANDARD', 'END:VTIMEZONE']

TZ_DISPLAY = {
    WEU: '(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna',
    PST: '(UTC-08:00) Pacific Time (US &amp; Canada)',
    CST: '(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi',
    UTC: '(UTC) Coordinated Universal Time',
}
TZ_ID = {WEU: WEU, PST: PST, CST: CST, UTC: 'UTC'}

# --- time -------------------------------------------------------------------


def sunday_on_or_before(day):
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


def last_sunday(year, month):
    first_next = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return sunday_on_or_before(first_next - datetime.timedelta(days=1))


def nth_sunday(year, month, n):
    first = datetime.date(year, month, 1)
    return first + datetime.timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def utc_offset_hours(local, tz):
    """The offset of local wall time LOCAL in TZ, by the rules of the
    VTIMEZONEs this file writes (RFC 5545 3.6.5)."""
    if tz is UTC:
        return 0
    if tz == CST:
        return 8
    y = local.year
    if tz == WEU:
        start = datetime.datetime.combine(last_sunday(y, 3), datetime.time(2))
        end = datetime.datetime.combine(last_sunday(y, 10), datetime.time(3))
        return 2 if start <= local < end else 1
    start = datetime.datetime.combine(nth_sunday(y, 3, 2), datetime.time(2))
    end = datetime.datetime.combine(nth_sunday(y, 11, 1), datetime.time(2))
    return -7 if start <= local < end else -8


def to_utc(local, tz):
    return local - datetime.timedelta(hours=utc_offset_hours(local, tz))


def ical_local(dt, tz):
    return dt.strftime('%Y%m%dT%H%M%S') + ('Z' if tz is UTC else '')


def xml_utc(dt):
    return dt.strftime('%Y-%m-%dT%H:%M:%SZ')


# --- text --------------------------------------------------------------------

SENTENCES = [
    'Hi all, let\u2019s go through the plan for next quarter.',
    'Agenda: 1. numbers; 2. hiring, budget; 3. open questions.',
    'Please read the attached notes before the call and add your topics to the OneNote page.',
    'We will review the roadmap, the risks and the dependencies on the platform team.',
    'Réunion d\u2019équipe : ordre du jour, budget, façade, crème brûlée \u2014 à bientôt.',
    'Grüße aus München! Wir besprechen die Größenplanung und die Übergabe an das Ops-Team.',
    'Åsa, Zoë and Łukasz will present the results from the Göteborg pilot.',
    '大家好，请查看附件中的季度计划。我们将讨论销售目标、招聘和预算。',
    '会议纪要将在会后发送。如有问题，请随时联系王芳。',
    '\u200fمرحباً بالجميع، جدول الأعمال: الميزانية؛ التوظيف، الخطة.',
    '\u200fملاحظة: سيتم إرسال العرض التقديمي بعد الاجتماع \u2014 شكراً',
    'Bring snacks \U0001F355\U0001F369 and your ideas \U0001F4A1 \u2014 see you there \U0001F973',
    'Status: green \u2705, risks: amber \u26A0\ufe0f, dependencies: blocked \u274C.',
    '佐藤さん、資料の準備をお願いします。よろしくお願いいたします。',
    'Дмитрий покажет результаты тестирования производительности.',
    'Notes from last time: \\\\fs01\\plans\\notes.docx (read-only).',
    'Costs: \u20ac 12,400; travel \u00a3 3,100; misc. \u00a5 85,000.',
    'If you cannot attend, please send a delegate or reply with your update by e-mail.',
    'Family \U0001F468\u200d\U0001F469\u200d\U0001F467 day planning; flags \U0001F1F8\U0001F1EA \U0001F1EF\U0001F1F5.',
    'Thanks,',
]
CLOSINGS = ['Thanks, Alex', 'Best regards', 'Mit freundlichen Grüßen', '谢谢！',
            '\u200fمع أطيب التحيات', 'Cheers \U0001F44B\U0001F3FD']
SUBJECTS = [
    'Weekly team sync', 'Q{q} planning', 'Design review \u2013 mobile app', '1:1',
    'Vendor sync with Fabrikam', 'Sprint planning', 'Retrospective', 'Budget review',
    'Réunion d\u2019équipe', 'Größenplanung', '季度规划会议 \U0001F680', 'اجتماع الفريق الأسبوعي',
    'Roadmap deep dive', 'Customer call \u2014 Contoso Pharma', 'Town hall', 'Hiring loop debrief',
    'Architecture board', 'Incident review \u26A0\ufe0f', 'Onboarding session', 'Offsite prep',
]
ROOMS = ['Conf Room 4/201 (12)', 'Room 2.14 \u00abGöteborg\u00bb', '会议室 3A', 'Cafeteria']

ALEX = F.ALEX
NAMED = [F.ASA, F.JORDAN, F.WANG, F.LAYLA, F.DMITRI, F.NGOZI, F.ROBIN, F.KENJI, F.ZOE]
CROWD = F.crowd(400)
OTHER_ORGANIZERS = [F.ASA, F.JORDAN, F.WANG, F.LAYLA, F.DMITRI, F.NGOZI, F.ROBIN, F.KENJI]

# --- what one meeting is ---------------------------------------------------------


class Meeting:
    """The plan of one meeting (a series with its exceptions, or a single
    event), made from the random stream, before any format is written."""
    __slots__ = ('index', 'name', 'organizer', 'is_alex', 'kind', 'lang', 'body_lang',
                 'rtl', 'edited', 'dialin', 'status', 'tz', 'start', 'duration',
                 'freq', 'interval', 'count', 'until_index', 'exdates', 'exceptions',
                 'attendees', 'summary', 'location', 'pre', 'post', 'sequence',
                 'sfb', 'teams', 'future', 'addin', 'owa')


def pick_start(rng, future_share):
    if rng.random() < future_share:
        lo, hi = NOW, FUTURE_TO
    else:
        lo, hi = PAST_FROM, NOW
    days = (hi - lo).days
    day = (lo + datetime.timedelta(days=rng.randrange(days))).date()
    # Meetings fall on working days.
    if day.weekday() >= 5:
        day -= datetime.timedelta(days=day.weekday() - 4)
    minutes = 8 * 60 + 30 * rng.randrange(20)
    return datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60))


def pick_attendees(rng, organizer_is_alex):
    r = rng.random()
    if r < 0.95:
        n = min(15, 2 + int(rng.expovariate(1 / 3.5)))
    elif r < 0.99:
        n = rng.randrange(16, 100)
    else:
        n = rng.randrange(100, 401)
    named = [p for p in NAMED if rng.random() < 0.12][:3]
    people = [(p, 'req') for p in named]
    if not organizer_is_alex:
        people.insert(0, (ALEX, 'req'))
    rest = max(0, n - len(people))
    rest = min(rest, len(CROWD))
    first = rng.randrange(len(CROWD) - rest + 1)
    for k in range(first, first + rest):
        people.append((CROWD[k], 'opt' if k % 9 == 4 else 'req'))
    if rng.random() < 0.15:
        people.append(((ROOMS[rng.randrange(len(ROOMS))], 'room%d@contoso.com'
                        % rng.randrange(100, 999)), 'room'))
    return people


def plan(index, seed, rng, future_share):
    m = Meeting()
    m.index = index
    m.name = 'bench-%d-%d' % (seed, index)
    m.is_alex = rng.random() < 0.60
    if m.is_alex:
        m.organizer = ALEX
    else:
        m.organizer = OTHER_ORGANIZERS[rng.randrange(len(OTHER_ORGANIZERS))]
    # The organizer's own items include appointments (no attendees, a line
    # of text); the meetings of others reach the mailbox as invitations.
    r = rng.random()
    if not m.is_alex:
        r = 0.22 + r * 0.78
    if r < 0.22:
        m.kind = 'appointment'
    elif r < 0.28 + (0 if m.is_alex else 0.30):
        m.kind = 'none'
    elif r < 0.56 + (0 if m.is_alex else 0.13):
        m.kind = 'sfb'
    elif r < 0.75 + (0 if m.is_alex else 0.07):
        m.kind = 'teams2020'
    elif r < 0.94:
        m.kind = 'teams2024'
    else:
        m.kind = 'pasted-sfb' if rng.random() < 0.5 else 'pasted-teams'
    m.owa = rng.random() < 0.4
    m.addin = m.kind in ('sfb', 'teams2020', 'teams2024')
    m.lang, m.body_lang, m.rtl = 'en-US', 'EN-US', False
    if m.kind == 'sfb' and rng.random() < 0.10:
        m.lang, m.body_lang = 'zh-CN', 'ZH-CN'
    elif m.kind == 'teams2020' and rng.random() < 0.08:
        m.lang, m.body_lang, m.rtl = 'ar-SA', 'AR-SA', True
    m.edited = rng.random() < 0.03
    m.dialin = rng.random() < 0.4
    m.status = 'CANCELLED' if rng.random() < 0.03 else 'CONFIRMED'
    r = rng.random()
    m.tz = WEU if r < 0.55 else PST if r < 0.80 else CST if r < 0.92 else UTC
    m.start = pick_start(rng, future_share)
    m.duration = datetime.timedelta(minutes=30 * rng.choice((1, 1, 2, 2, 2, 3, 4)))
    m.freq, m.interval, m.count, m.until_index = None, 1, None, None
    m.exdates, m.exceptions = [], []
    r = rng.random()
    if r < 0.18:
        m.freq = 'WEEKLY'
        m.interval = 1 if rng.random() < 0.8 else 2
        end = rng.random()
        if end < 0.40:
            m.count = rng.randrange(4, 41)
        elif end < 0.85:
            m.until_index = rng.randrange(3, 60)
    elif r < 0.23:
        m.freq = 'DAILY'
        m.count = rng.randrange(5, 21)
    if m.freq:
        last = m.count - 1 if m.count else m.until_index if m.until_index else 40
        picks = list(range(1, last))
        rng.shuffle(picks)
        m.exdates = sorted(picks[:rng.choice((0, 0, 1, 2, 3))])
        moved = picks[3:3 + rng.choice((0, 0, 1, 1, 2))]
        for k in sorted(moved):
            shift = datetime.timedelta(days=1) if rng.random() < 0.5 \
                else datetime.timedelta(hours=2)
            m.exceptions.append((k, shift))
    if m.kind == 'appointment':
        m.attendees = []
    else:
        m.attendees = pick_attendees(rng, m.is_alex)
    subject = SUBJECTS[rng.randrange(len(SUBJECTS))]
    m.summary = subject.replace('{q}', str(1 + index % 4))
    m.location = (F.SKYPE_LOCATION if m.kind in ('sfb', 'pasted-sfb') else
                  F.TEAMS_LOCATION if m.kind.startswith(('teams', 'pasted'))
                  else ROOMS[rng.randrange(len(ROOMS))])
    npre = 1 if m.kind == 'appointment' else rng.choice((1, 1, 2, 2, 3, 4))
    m.pre = [SENTENCES[rng.randrange(len(SENTENCES))] for _ in range(npre)]
    m.post = [] if rng.random() < 0.7 or m.kind == 'appointment' \
        else ['', CLOSINGS[rng.randrange(len(CLOSINGS))]]
    m.sequence = rng.choice((0, 0, 0, 1, 1, 2, 3))
    if m.kind in ('sfb', 'pasted-sfb'):
        if m.is_alex:
            m.sfb = F.Sfb(m.name if m.kind == 'sfb' else m.name + ' source')
        else:
            m.sfb = F.Sfb(m.name, user=m.organizer[1].split('@')[0])
    else:
        m.sfb = None
    if m.kind in ('teams2020', 'teams2024', 'pasted-teams'):
        if m.is_alex:
            m.teams = F.Teams(m.name if m.kind != 'pasted-teams' else m.name + ' source')
        else:
            m.teams = F.Teams(m.name, F.guid('oid ' + m.organizer[1]), m.organizer[1])
    else:
        m.teams = None
    m.future = is_future(m)
    return m


def occurrence(m, k):
    step = datetime.timedelta(days=k * (7 * m.interval if m.freq == 'WEEKLY' else 1))
    return m.start + step


def last_index(m):
    """The index of the last occurrence, or None for a series with no end."""
    if not m.freq:
        return 0
    if m.count:
        return m.count - 1
    return m.until_index


def is_future(m):
    """Whether an occurrence of M ends after NOW (UTC), by the rules the tool
    applies: EXDATEs removed, moved occurrences at their new time."""
    last = last_index(m)
    if last is None:
        return True
    ends = []
    moved = dict(m.exceptions)
    for k in range(last, -1, -1):
        if k in m.exdates:
            continue
        start = occurrence(m, k) + moved.get(k, datetime.timedelta(0))
        ends.append(to_utc(start + m.duration, m.tz))
        break
    for k, shift in m.exceptions:
        ends.append(to_utc(occurrence(m, k) + shift + m.duration, m.tz))
    return any(e > NOW for e in ends)


def selected(m):
    """What meetmig is expected to migrate (DESIGN.md, selection rules)."""
    return (m.is_alex and m.status != 'CANCELLED' and m.future and m.addin
            and distinct_attendees(m) + 1 <= 250)


def distinct_attendees(m):
    return len(m.attendees)


def rrule(m):
    parts = ['FREQ=' + m.freq]
    if m.count:
        parts.append('COUNT=%d' % m.count)
    elif m.until_index is not None:
        until = to_utc(occurrence(m, m.until_index), m.tz)
        parts.append('UNTIL=' + until.strftime('%Y%m%dT%H%M%SZ'))
    parts.append('INTERVAL=%d' % m.interval)
    if m.freq == 'WEEKLY':
        parts.append('BYDAY=' + ('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU')[m.start.weekday()])
        parts.append('WKST=SU')
    return ';'.join(parts)


# --- bodies --------------------------------------------------------------------


def block_of(m, edited):
    line = 'Updated by the organizer: bring the slides \U0001F4CE' if edited else None
    if m.kind == 'sfb':
        return F.sfb_block(m.sfb, m.lang, True, line)
    if m.kind == 'pasted-sfb':
        return F.sfb_block(m.sfb, 'en-US', False)
    if m.kind == 'teams2020':
        return F.teams2020_block(m.teams, m.lang, m.dialin, line)
    if m.kind == 'teams2024':
        return F.teams2024_block(m.teams, 'en-US')
    if m.kind == 'pasted-teams':
        return F.teams2020_block(m.teams, 'en-US', False)
    return None


OWA_HEAD = ('<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; '
            'charset=utf-8">\n</head>\n<body>\n<div>')
OWA_TAIL = '</div>\n</body>\n</html>\n'


def bodies(m, pre):
    """DESCRIPTION and X-ALT-DESC: Word's HTML (Outlook desktop) or the
    lighter document Outlook on the web writes; an appointment made in
    Outlook on the web has no HTML alternative at all."""
    if m.kind == 'appointment':
        return F.body(pre, html=not m.owa)
    text, html = F.body(pre, block_of(m, m.edited), m.post, m.body_lang, m.rtl)
    if m.owa:
        start = html.index('<div class="WordSection1">') + len('<div class="WordSection1">')
        html = OWA_HEAD + html[start:-len(F.WORD_TAIL)] + '\n' + OWA_TAIL
    return text, html


def xprops(m):
    if not m.addin:
        return ()
    return m.sfb.xprops() if m.sfb else m.teams.xprops()


# --- iCalendar -----------------------------------------------------------------------

ATTENDEE_CACHE = {}


def attendee_bytes(person, kind):
    key = (person, kind)
    data = ATTENDEE_CACHE.get(key)
    if data is None:
        data = F.render([F.attendee_line(person, kind)])
        ATTENDEE_CACHE[key] = data
    return data


def ics_vevent(m, start, end, pre, recurrence_id=None, rrule_value=None, exdates=()):
    text, html = bodies(m, pre)
    tz = m.tz
    lines = F.vevent(m.name, m.summary, ical_local(start, tz), ical_local(end, tz), tz=tz,
                     organizer=m.organizer, desc=text, html=html, rrule=rrule_value,
                     exdates=exdates, recurrence_id=recurrence_id, status=m.status,
                     sequence=m.sequence, location=m.location, online=xprops(m),
                     lang=m.lang)
    head = F.render(lines[:2])
    atts = b''.join(attendee_bytes(p, k) for p, k in m.attendees)
    return head + atts + F.render(lines[2:])


def ics_meeting(m):
    end = m.start + m.duration
    if not m.freq:
        return ics_vevent(m, m.start, end, m.pre), 1
    exdates = [ical_local(occurrence(m, k), m.tz) for k in m.exdates]
    out = [ics_vevent(m, m.start, end, m.pre, rrule_value=rrule(m), exdates=exdates)]
    for k, shift in m.exceptions:
        orig = occurrence(m, k)
        start = orig + shift
        pre = ['Moved this week.'] + m.pre[:2]
        out.append(ics_vevent(m, start, start + m.duration, pre,
                              recurrence_id=ical_local(orig, m.tz)))
    return b''.join(out), len(out)


def ics_header():
    lines = ['BEGIN:VCALENDAR', 'METHOD:PUBLISH',
             'PRODID:Microsoft Exchange Server 2010', 'VERSION:2.0',
             'X-WR-CALNAME:Calendar']
    for tz in (WEU, PST, CST):
        lines += VTIMEZONES[tz]
    return F.render(lines)


def ics_footer():
    return F.render(['END:VCALENDAR'])


# --- EWS ---------------------------------------------------------------------------

NS_T = 'http://schemas.microsoft.com/exchange/services/2006/types'
NS_M = 'http://schemas.microsoft.com/exchange/services/2006/messages'
EWS_HEADER = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">\n'
    '  <s:Header>\n'
    '    <h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" '
    'MinorBuildNumber="6" Version="V2017_07_11" xmlns:h="%s" xmlns="%s" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>\n'
    '  </s:Header>\n'
    '  <s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n'
    '    <m:GetItemResponse xmlns:m="%s" xmlns:t="%s">\n'
    '      <m:ResponseMessages>\n') % (NS_T, NS_T, NS_M, NS_T)
EWS_FOOTER = ('      </m:ResponseMessages>\n'
              '    </m:GetItemResponse>\n'
              '  </s:Body>\n'
              '</s:Envelope>\n')
WEEKDAYS = ('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday')


def xesc(s):
    return (s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
            .replace('"', '&quot;').replace('\r', '&#xD;'))


def item_id(name, salt):
    d = hashlib.sha256((salt + '/' + name).encode('utf-8')).digest()
    return 'AAMkAG' + base64.b64encode(d[:30]).decode()


def ews_mailbox(person, ind, mtype='Mailbox'):
    return ('%s<t:Mailbox>\n%s  <t:Name>%s</t:Name>\n%s  <t:EmailAddress>%s</t:EmailAddress>\n'
            '%s  <t:RoutingType>SMTP</t:RoutingType>\n%s  <t:MailboxType>%s</t:MailboxType>\n'
            '%s</t:Mailbox>\n' % (ind, ind, xesc(person[0]), ind, xesc(person[1]), ind, ind,
                                  mtype, ind))


EWS_ATTENDEE_CACHE = {}


def ews_attendee(person):
    s = EWS_ATTENDEE_CACHE.get(person)
    if s is None:
        ind = '                  '
        s = ('                <t:Attendee>\n' + ews_mailbox(person, ind) + ind
             + '<t:ResponseType>Unknown</t:ResponseType>\n                </t:Attendee>\n')
        EWS_ATTENDEE_CACHE[person] = s
    return s


def ews_attendees(m):
    groups = {'req': [], 'opt': [], 'room': []}
    for person, kind in m.attendees:
        groups['req' if kind not in groups else kind].append(person)
    out = []
    for tag, kind in (('RequiredAttendees', 'req'), ('OptionalAttendees', 'opt'),
                      ('Resources', 'room')):
        if groups[kind]:
            out.append('              <t:%s>\n' % tag)
            out += [ews_attendee(p) for p in groups[kind]]
            out.append('              </t:%s>\n' % tag)
    return ''.join(out)


def ews_props(m):
    if not m.addin:
        return []
    if m.sfb:
        c = m.sfb
        user = m.organizer[1]
        return [('OnlineMeetingExternalLink', c.url), ('OnlineMeetingInternalLink', c.url),
                ('OnlineMeetingConfLink', 'conf:sip:%s;gruu;opaque=app:conf:focus:id:%s'
                 % (user, c.key)),
                ('OnlineMeetingConferenceId', c.conference_id)]
    t = m.teams
    return [('SkypeTeamsMeetingUrl', t.join),
            ('SkypeTeamsProperties', '{"cid":"%s","private":true,"type":0,"mid":0,"rid":0,'
             '"uid":null}' % t.thread),
            ('OnlineMeetingConfLink', 'conf:%s;gruu;opaque=app:conf:focus:id:teams:2:0!%s!%s!%s'
             % (t.sip, t.thread, t.oid.replace('-', ''), F.TENANT_ID.replace('-', '')))]


def ews_occ(tag, m, k, shift=datetime.timedelta(0), ind='              '):
    orig = occurrence(m, k)
    start = orig + shift
    return ('%s<t:%s>\n%s  <t:ItemId Id="%s" ChangeKey="%s"/>\n'
            '%s  <t:Start>%s</t:Start>\n%s  <t:End>%s</t:End>\n'
            '%s  <t:OriginalStart>%s</t:OriginalStart>\n%s</t:%s>\n'
            % (ind, tag, ind, item_id(m.name + '/%d' % k, 'occ'), item_id(m.name, 'ck')[:20],
               ind, xml_utc(to_utc(start, m.tz)), ind,
               xml_utc(to_utc(start + m.duration, m.tz)), ind,
               xml_utc(to_utc(orig, m.tz)), ind, tag))


def ews_recurrence(m):
    i = '              '
    off = utc_offset_hours(m.start, m.tz)
    date = m.start.strftime('%Y-%m-%d') + ('%+03d:00' % off if m.tz is not UTC else 'Z')
    if m.freq == 'WEEKLY':
        pattern = ('%s  <t:WeeklyRecurrence>\n%s    <t:Interval>%d</t:Interval>\n'
                   '%s    <t:DaysOfWeek>%s</t:DaysOfWeek>\n'
                   '%s    <t:FirstDayOfWeek>Sunday</t:FirstDayOfWeek>\n'
                   '%s  </t:WeeklyRecurrence>\n'
                   % (i, i, m.interval, i, WEEKDAYS[m.start.weekday()], i, i))
    else:
        pattern = ('%s  <t:DailyRecurrence>\n%s    <t:Interval>1</t:Interval>\n'
                   '%s  </t:DailyRecurrence>\n' % (i, i, i))
    if m.count:
        rng = ('%s  <t:NumberedRecurrence>\n%s    <t:StartDate>%s</t:StartDate>\n'
               '%s    <t:NumberOfOccurrences>%d</t:NumberOfOccurrences>\n'
               '%s  </t:NumberedRecurrence>\n' % (i, i, date, i, m.count, i))
    elif m.until_index is not None:
        until = occurrence(m, m.until_index)
        rng = ('%s  <t:EndDateRecurrence>\n%s    <t:StartDate>%s</t:StartDate>\n'
               '%s    <t:EndDate>%s</t:EndDate>\n%s  </t:EndDateRecurrence>\n'
               % (i, i, date, i, until.strftime('%Y-%m-%d')
                  + ('%+03d:00' % utc_offset_hours(until, m.tz) if m.tz is not UTC else 'Z'),
                  i))
    else:
        rng = ('%s  <t:NoEndRecurrence>\n%s    <t:StartDate>%s</t:StartDate>\n'
               '%s  </t:NoEndRecurrence>\n' % (i, i, date, i))
    out = [i + '<t:Recurrence>\n', pattern, rng, i + '</t:Recurrence>\n',
           ews_occ('FirstOccurrence', m, 0)]
    last = last_index(m)
    if last is not None:
        out.append(ews_occ('LastOccurrence', m, last))
    if m.exceptions:
        out.append(i + '<t:ModifiedOccurrences>\n')
        out += [ews_occ('Occurrence', m, k, shift, i + '  ') for k, shift in m.exceptions]
        out.append(i + '</t:ModifiedOccurrences>\n')
    if m.exdates:
        out.append(i + '<t:DeletedOccurrences>\n')
        for k in m.exdates:
            out.append('%s  <t:DeletedOccurrence>\n%s    <t:Start>%s</t:Start>\n'
                       '%s  </t:DeletedOccurrence>\n'
                       % (i, i, xml_utc(to_utc(occurrence(m, k), m.tz)), i))
        out.append(i + '</t:DeletedOccurrences>\n')
    return ''.join(out)


def ews_item(m, start, pre, item_type, recurrence_k=None):
    text, html = bodies(m, pre)
    body_type = 'HTML' if html is not None else 'Text'
    body = (html if html is not None else text).replace('\n', '\r\n')
    uid = F.global_object_id(m.name)
    i = '              '
    key = m.name if recurrence_k is None else '%s/%d' % (m.name, recurrence_k)
    out = ['            <t:CalendarItem>\n',
           '%s<t:ItemId Id="%s" ChangeKey="%s"/>\n' % (i, item_id(key, 'item'),
                                                       item_id(key, 'ck')[:20]),
           i + '<t:ItemClass>IPM.Appointment</t:ItemClass>\n',
           '%s<t:Subject>%s</t:Subject>\n' % (i, xesc(m.summary)),
           '%s<t:Body BodyType="%s" IsTruncated="false">%s</t:Body>\n' % (i, body_type,
                                                                        xesc(body)),
           i + '<t:DateTimeReceived>2026-10-01T08:00:00Z</t:DateTimeReceived>\n',
           i + '<t:HasAttachments>false</t:HasAttachments>\n']
    for name, value in ews_props(m):
        out.append('%s<t:ExtendedProperty>\n%s  <t:ExtendedFieldURI DistinguishedPropertySetId='
                   '"PublicStrings" PropertyName="%s" PropertyType="String"/>\n'
                   '%s  <t:Value>%s</t:Value>\n%s</t:ExtendedProperty>\n'
                   % (i, i, name, i, xesc(value), i))
    out.append('%s<t:Culture>%s</t:Culture>\n' % (i, m.lang))
    out.append('%s<t:UID>%s</t:UID>\n' % (i, uid))
    orig = None
    if recurrence_k is not None:
        orig = to_utc(occurrence(m, recurrence_k), m.tz)
        out.append('%s<t:RecurrenceId>%s</t:RecurrenceId>\n' % (i, xml_utc(orig)))
    out.append(i + '<t:DateTimeStamp>2026-11-20T16:30:00Z</t:DateTimeStamp>\n')
    out.append('%s<t:Start>%s</t:Start>\n' % (i, xml_utc(to_utc(start, m.tz))))
    out.append('%s<t:End>%s</t:End>\n' % (i, xml_utc(to_utc(start + m.duration, m.tz))))
    if orig is not None:
        out.append('%s<t:OriginalStart>%s</t:OriginalStart>\n' % (i, xml_utc(orig)))
    out += [i + '<t:IsAllDayEvent>false</t:IsAllDayEvent>\n',
            i + '<t:LegacyFreeBusyStatus>Busy</t:LegacyFreeBusyStatus>\n',
            '%s<t:Location>%s</t:Location>\n' % (i, xesc(m.location)),
            i + '<t:IsMeeting>true</t:IsMeeting>\n',
            '%s<t:IsCancelled>%s</t:IsCancelled>\n' % (
                i, 'true' if m.status == 'CANCELLED' else 'false'),
            '%s<t:IsRecurring>%s</t:IsRecurring>\n' % (i, 'false' if not m.freq else 'true'),
            i + '<t:MeetingRequestWasSent>true</t:MeetingRequestWasSent>\n',
            i + '<t:IsResponseRequested>true</t:IsResponseRequested>\n',
            '%s<t:CalendarItemType>%s</t:CalendarItemType>\n' % (i, item_type),
            '%s<t:MyResponseType>%s</t:MyResponseType>\n' % (
                i, 'Organizer' if m.is_alex else 'Accept'),
            i + '<t:Organizer>\n' + ews_mailbox(m.organizer, i + '  ') + i + '</t:Organizer>\n',
            ews_attendees(m),
            '%s<t:Duration>PT%dM</t:Duration>\n' % (i, m.duration.seconds // 60),
            '%s<t:TimeZone>%s</t:TimeZone>\n' % (i, TZ_DISPLAY[m.tz]),
            '%s<t:AppointmentSequenceNumber>%d</t:AppointmentSequenceNumber>\n' % (
                i, m.sequence),
            '%s<t:AppointmentState>%d</t:AppointmentState>\n' % (
                i, 7 if m.status == 'CANCELLED' else 1 if m.is_alex else 3)]
    if item_type == 'RecurringMaster':
        out.append(ews_recurrence(m))
    out += ['%s<t:StartTimeZone Id="%s" Name="%s"/>\n' % (i, TZ_ID[m.tz], TZ_DISPLAY[m.tz]),
            '%s<t:IsOnlineMeeting>%s</t:IsOnlineMeeting>\n' % (
                i, 'true' if m.addin else 'false'),
            '%s<t:StartTimeZoneId>%s</t:StartTimeZoneId>\n' % (i, TZ_ID[m.tz])]
    if m.addin:
        url = m.sfb.url if m.sfb else m.teams.join
        out.append('%s<t:JoinOnlineMeetingUrl>%s</t:JoinOnlineMeetingUrl>\n' % (i, xesc(url)))
    out.append('%s<t:IsOrganizer>%s</t:IsOrganizer>\n' % (i, 'true' if m.is_alex else 'false'))
    out.append('            </t:CalendarItem>\n')
    return ('        <m:GetItemResponseMessage ResponseClass="Success">\n'
            '          <m:ResponseCode>NoError</m:ResponseCode>\n'
            '          <m:Items>\n' + ''.join(out) + '          </m:Items>\n'
            '        </m:GetItemResponseMessage>\n')


def ews_meeting(m):
    if not m.freq:
        return ews_item(m, m.start, m.pre, 'Single').encode('utf-8'), 1
    out = [ews_item(m, m.start, m.pre, 'RecurringMaster')]
    for k, shift in m.exceptions:
        pre = ['Moved this week.'] + m.pre[:2]
        out.append(ews_item(m, occurrence(m, k) + shift, pre, 'Exception', k))
    return ''.join(out).encode('utf-8'), len(out)


# --- main ----------------------------------------------------------------------------


def links_row(m):
    t = F.Teams('new ' + m.name)
    return ','.join([F.global_object_id(m.name), '', t.join, t.meeting_id, t.passcode,
                     t.conference_id, t.dialin]) + '\r\n'


def open_output(path):
    if path == '-':
        return sys.stdout.buffer, None
    # Only a regular file is written under a temporary name and renamed:
    # renaming over /dev/null or a pipe would replace it.
    if os.path.exists(path) and not os.path.isfile(path):
        return open(path, 'wb', buffering=1 << 20), None
    tmp = path + '.tmp'
    return open(tmp, 'wb', buffering=1 << 20), tmp


def main():
    ap = argparse.ArgumentParser(description='Write a synthetic mailbox for the benchmark.')
    ap.add_argument('-n', '--count', type=int, required=True, help='meetings to write')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--format', choices=('ics', 'ews'), default='ics')
    ap.add_argument('-o', '--output', default='-', help='file (written whole, then renamed)')
    ap.add_argument('--links', help='also write the Teams provisioning CSV here')
    ap.add_argument('--future-share', type=float, default=0.46,
                    help='share of single meetings that start after --now (tunes selection)')
    args = ap.parse_args()
    if args.count < 1:
        ap.error('--count must be at least 1')

    rng = random.Random(args.seed)
    out, tmp = open_output(args.output)
    links, links_tmp = (None, None) if not args.links else open_output(args.links)
    if links:
        links.write(b'uid,recurrence_id,join_url,meeting_id,passcode,conference_id,'
                    b'dialin_url\r\n')
    octets = 0
    components = 0
    counts = {'alex': 0, 'selected': 0, 'future': 0, 'series': 0, 'links': 0}
    head = ics_header() if args.format == 'ics' else EWS_HEADER.encode('utf-8')
    out.write(head)
    octets += len(head)
    for index in range(args.count):
        m = plan(index, args.seed, rng, args.future_share)
        data, n = ics_meeting(m) if args.format == 'ics' else ews_meeting(m)
        out.write(data)
        octets += len(data)
        components += n
        counts['alex'] += m.is_alex
        counts['future'] += m.future
        counts['series'] += bool(m.freq)
        if selected(m):
            counts['selected'] += 1
            if links and m.teams:
                links.write(links_row(m).encode('utf-8'))
                counts['links'] += 1
    tail = ics_footer() if args.format == 'ics' else EWS_FOOTER.encode('utf-8')
    out.write(tail)
    octets += len(tail)
    for f, t, final in ((out, tmp, args.output), (links, links_tmp, args.links)):
        if f is None:
            continue
        if f is sys.stdout.buffer:
            f.flush()
            continue
        f.close()
        if t:
            os.replace(t, final)
    n = args.count
    sys.stderr.write(
        'gen-mailbox: %d meetings (%d %s), %d octets (%.2f KB a meeting); organizer '
        'ashaw@contoso.com %.1f%%, series %.1f%%, future %.1f%%, expected selected %d '
        '(%.1f%%), Teams links %d\n'
        % (n, components, 'VEVENTs' if args.format == 'ics' else 'items', octets,
           octets / n / 1000.0, 100.0 * counts['alex'] / n, 100.0 * counts['series'] / n,
           100.0 * counts['future'] / n, counts['selected'], 100.0 * counts['selected'] / n,
           counts['links']))


if __name__ == '__main__':
    main()
