#!/usr/bin/python3
"""The iCalendar feed as calendar clients see it: it parses in ical.js, python
icalendar, vobject, khal and libical, with one event per session; no VALARM rings
before its event was published; a re-plan that changes nothing leaves the file byte
for byte; a session moved by a busy event raises only its own SEQUENCE and
LAST-MODIFIED; a cancelled future session leaves the feed; and the HTTP server answers
as a subscribed client needs (200, 304, HEAD, 405, 404)."""

import datetime
import os
import re
import subprocess
import sys
import time
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'feed'))
import clients  # noqa: E402
import harness  # noqa: E402
from harness import USEC_PER_SEC, check, check_equal, check_in  # noqa: E402

MIN = 60 * USEC_PER_SEC
HOUR = 60 * MIN
DAY = 24 * HOUR
TZ = zoneinfo.ZoneInfo('Europe/Berlin')
NO_SUCH_SESSION = 'io.github.limber.Limber1.Error.NoSuchSession'

CONFIG = '''[schedule]
timezone = Europe/Berlin
{busy}
[smr]
per_week = {per_week}

[feed]
http = 127.0.0.1:0
'''


def next_week(now):
    """[start, end) of the ISO week after the one of now, in the feed's zone."""
    today = datetime.datetime.fromtimestamp(now / USEC_PER_SEC, TZ).date()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    return tuple(int(datetime.datetime.combine(monday + datetime.timedelta(days=k), datetime.time(), TZ).timestamp())
                 * USEC_PER_SEC for k in (0, 7))


def read_feed(path):
    """The feed as written, CRLFs kept."""
    with open(path, newline='') as f:
        return f.read()


def events_by_uid(text):
    """Each VEVENT's text, by UID."""
    out = {}
    for block in re.findall(r'BEGIN:VEVENT\r\n.*?END:VEVENT\r\n', text, re.S):
        uid = re.search(r'^UID:(.*)\r$', block, re.M).group(1)
        out[uid] = block
    return out


def prop(block, name):
    m = re.search(rf'^{name}[;:](.*)\r$', block, re.M)
    return m.group(1) if m else None


def instant(value):
    """µs since the epoch of a DTSTART;TZID=Europe/Berlin:... or a ...Z value."""
    text = value.split(':')[-1]
    t = datetime.datetime.strptime(text.rstrip('Z'), '%Y%m%dT%H%M%S')
    t = t.replace(tzinfo=datetime.timezone.utc if text.endswith('Z') else TZ)
    return int(t.timestamp()) * USEC_PER_SEC


def check_alarms(text, what):
    """[feed] alarm is the default 10 min: a planned session has its VALARM exactly when
    10 min before its start is no earlier than its LAST-MODIFIED, the moment this
    version of it was published; nothing else has one."""
    for uid, block in events_by_uid(text).items():
        start, published = instant(prop(block, 'DTSTART')), instant(prop(block, 'LAST-MODIFIED'))
        want = prop(block, 'X-LIMBER-STATUS') == 'planned' and start - 10 * MIN >= published
        check_equal('BEGIN:VALARM' in block, want, f'{what}: a VALARM in {uid} (start {prop(block, "DTSTART")}, '
                                                   f'published {prop(block, "LAST-MODIFIED")})')
        if want:
            check_equal(prop(block, 'TRIGGER'), '-PT10M', f'{what}: the TRIGGER of {uid}')


def curl(*args):
    r = subprocess.run(['curl', '-sS', '-D', '-', '-o', '-', *args], capture_output=True, timeout=30)
    if r.returncode != 0:
        raise harness.TestFailure(f'curl {args}: {r.stderr.decode()}')
    head, _, body = r.stdout.partition(b'\r\n\r\n')
    lines = head.decode().split('\r\n')
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (l.partition(':') for l in lines[1:])}
    return status, headers, body


def test(ctx):
    lint = os.environ['LIMBER_ICAL_LINT']
    bus = ctx.bus()
    d = ctx.daemon(bus, config=CONFIG.format(busy='', per_week=2)).start()

    # Training to plan around: a long run yesterday morning, a walk two days ago.
    now = harness.now_usec()
    d.call('LogActivity', 'sttda{sv}', 'run', now - DAY - 2 * HOUR, 95 * MIN, 18400.0, 0)
    d.call('LogActivity', 'sttda{sv}', 'walk', now - 2 * DAY, 30 * MIN, 2600.0, 0)

    feed_path = d.get_property('FeedPath')
    check_equal(feed_path, os.path.join(d.data_dir, 'limber.ics'), 'FeedPath')
    text = read_feed(feed_path)
    sessions = d.call('ListSessions', 'tt', 0, 0)[0]
    check(len(sessions) >= 4, f'too few sessions planned: {sessions}')

    # Every client reads the same events: one per session, UIDs from the session ids.
    seen = clients.parse_all(feed_path, lint, ctx.root)
    uids = sorted(uid for uid, *_ in seen)
    ids = sorted(s[0] for s in sessions)
    check_equal([u.split('@')[0] for u in uids], ids, 'event UIDs against ListSessions ids')
    starts = {u.split('@')[0]: start for u, start, *_ in seen}
    for sid, kind, status, title, start, end, seq in sessions:
        utc = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(start // USEC_PER_SEC))
        check_equal(starts[sid], utc, f'start of {sid} in the feed')
    check_alarms(text, 'the first feed')

    for line in ('VERSION:2.0', 'X-WR-CALNAME:Limber', 'NAME:Limber', 'TZID:Europe/Berlin',
                 'REFRESH-INTERVAL;VALUE=DURATION:PT1H', 'X-PUBLISHED-TTL:PT1H'):
        check_in(line + '\r\n', text, 'the feed')
    check('freeassociation' not in text, 'a libical TZID prefix is left in the feed')
    check('METHOD:' not in text, 'the feed has a METHOD')
    check_equal(len(re.findall(r'^DTSTART;TZID=Europe/Berlin:', text, re.M)), len(sessions),
                'DTSTARTs with the plain TZID')
    check(int(re.search(r'TZOFFSETFROM', text) is not None), 'VTIMEZONE without offsets')
    check(text.count('BEGIN:STANDARD') <= 4, 'the VTIMEZONE was not truncated')

    # A re-plan with no change leaves the file as it was, down to its inode.
    before = os.stat(feed_path)
    d.call('Replan')
    check_equal(read_feed(feed_path), text, 'feed after a re-plan with no change')
    check_equal(os.stat(feed_path).st_ino, before.st_ino, 'feed inode after a re-plan with no change')

    # A busy event over the first 5 minutes of a future weekly session moves only it.
    # The session is next week's first weekly one: next week lies whole in the horizon
    # whatever today is, no training of this week plans anything in it, and it is the
    # one that fewer sessions a week keeps, below.
    week = next_week(now)
    later = sorted((s for s in sessions if s[0].startswith('weekly_') and week[0] <= s[4] < week[1]),
                   key=lambda s: s[4])
    check(later, f'no weekly session next week: {sessions}')
    moved_id, _, _, _, start, end, seq = later[0]
    busy = os.path.join(ctx.root, 'work.ics')
    stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(start // USEC_PER_SEC))
    stamp_end = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime((start + 5 * MIN) // USEC_PER_SEC))
    with open(busy, 'w') as f:
        f.write('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\nBEGIN:VEVENT\r\n'
                f'UID:meeting@test\r\nDTSTAMP:{stamp}\r\nDTSTART:{stamp}\r\nDTEND:{stamp_end}\r\n'
                'SUMMARY:Meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n')
    old = events_by_uid(text)
    time.sleep(1.1)     # LAST-MODIFIED has whole seconds: let it be able to rise
    d.write_config(CONFIG.format(busy=f'busy = {busy}', per_week=2))
    d.call('Reload')
    text2 = read_feed(feed_path)
    new = events_by_uid(text2)
    check_equal(sorted(new), sorted(old), 'UIDs after moving one session')
    moved = [u for u in old if old[u] != new[u]]
    check_equal([u.split('@')[0] for u in moved], [moved_id], 'events that changed')
    m_old, m_new = old[moved[0]], new[moved[0]]
    check_equal(int(prop(m_new, 'SEQUENCE')), int(prop(m_old, 'SEQUENCE')) + 1, 'SEQUENCE of the moved event')
    check(prop(m_new, 'LAST-MODIFIED') > prop(m_old, 'LAST-MODIFIED'),
          'LAST-MODIFIED of the moved event did not rise')
    check_equal(prop(m_new, 'DTSTAMP'), prop(m_new, 'LAST-MODIFIED'), 'DTSTAMP of the moved event')
    session = {k: v['data'] for k, v in d.call('GetSession', 's', moved_id)[0].items()}
    check_equal(session['Start'], start + 5 * MIN, 'start of the moved session')
    check_equal(session['Sequence'], seq + 1, 'Sequence of the moved session')
    check(session['Steps'] and session['Title'], f'GetSession without steps or title: {session}')
    clients.parse_all(feed_path, lint, ctx.root)
    check_alarms(text2, 'the feed after a move')

    # Fewer sessions a week: the second weekly session of each week leaves the feed,
    # and the bus says so.
    monitor = harness.Monitor(bus, ctx.root)
    d.write_config(CONFIG.format(busy=f'busy = {busy}', per_week=1))
    d.call('Reload')
    harness.wait_until(lambda: monitor.signals('SessionsChanged', harness.INTERFACE, harness.OBJECT_PATH), 10,
                       what='SessionsChanged after fewer sessions a week')
    text3 = read_feed(feed_path)
    gone = sorted(set(new) - set(events_by_uid(text3)))
    check(gone and all(u.startswith('weekly_') for u in gone), f'no weekly session left the feed: {gone}')
    remaining = [s[0] for s in d.call('ListSessions', 'tt', 0, 0)[0]]
    for u in gone:
        check(u.split('@')[0] not in remaining, f'{u} still listed by ListSessions')
    check(moved_id in remaining, f'{moved_id}, the first of its week, was cancelled: {remaining}')
    # A cancelled session is gone from GetSession and the outcome methods too, which say
    # what became of it.
    cancelled_id = gone[0].split('@')[0]
    for method, signature, *args in (('GetSession', 's'), ('CompleteSession', 's'), ('SkipSession', 's'),
                                     ('SnoozeSession', 'st', 0)):
        e = d.call_error(method, signature, cancelled_id, *args)
        check_equal(e.name, NO_SUCH_SESSION, f'error of {method} on the cancelled {cancelled_id}')
        check_equal(e.message, f"Session '{cancelled_id}' was cancelled: no rule plans it any more",
                    f'message of {method} on the cancelled {cancelled_id}')
    check_equal(d.call_error('GetSession', 's', 'weekly_20000103_0').message, "No session 'weekly_20000103_0'",
                'message of GetSession on an id never known')
    clients.parse_all(feed_path, lint, ctx.root)

    # The calendar changes on disk, replaced by rename as editors do: limberd sees it
    # with no reload, and the session returns to its slot.
    with open(busy + '.tmp', 'w') as f:
        f.write('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\nEND:VCALENDAR\r\n')
    os.rename(busy + '.tmp', busy)
    harness.wait_until(lambda: d.call('GetSession', 's', moved_id)[0]['Start']['data'] == start, 10,
                       what=f'{moved_id} back at its first start after the calendar changed')
    text3 = read_feed(feed_path)
    clients.parse_all(feed_path, lint, ctx.root)

    # HTTP: what Thunderbird, Evolution and ICSx5 do with a subscription.
    url = d.get_property('FeedUrl')
    check(re.fullmatch(r'http://127\.0\.0\.1:\d+/[0-9a-f]{32}/limber\.ics', url), f'FeedUrl {url!r}')
    status, headers, body = curl(url)
    check_equal(status, 200, 'GET status')
    check_equal(headers.get('content-type'), 'text/calendar; charset=utf-8', 'Content-Type')
    check_equal(body.decode(), text3, 'served feed against the file')
    etag = headers.get('etag', '')
    check(re.fullmatch(r'"[^"]+"', etag), f'ETag {etag!r} is not strong')
    check('last-modified' in headers, 'no Last-Modified')
    status, headers, body = curl('-H', f'If-None-Match: {etag}', url)
    check_equal((status, body), (304, b''), 'conditional GET with the ETag')
    status, headers, body = curl('-I', url)
    check_equal(status, 200, 'HEAD status')
    check_equal(headers.get('content-length'), str(len(text3.encode())), 'HEAD Content-Length')
    status, headers, body = curl('-X', 'PUT', '--data-binary', 'BEGIN:VCALENDAR', url)
    check_equal(status, 405, 'PUT status')
    check_in('GET', headers.get('allow', ''), 'Allow of the 405')
    wrong = re.sub(r'/[0-9a-f]{32}/', '/' + '0' * 32 + '/', url)
    check_equal(curl(wrong)[0], 404, 'GET with a wrong token')
    check_equal(read_feed(feed_path), text3, 'the feed after the HTTP requests')

    check_equal(d.stop(), 0, 'exit status')
    test_port_in_use_and_routines(ctx, lint)


def test_port_in_use_and_routines(ctx, lint):
    """A taken port costs the HTTP server, not the daemon or the file; a user's routine
    replaces the shipped one of the same name."""
    import socket
    taken = socket.socket()
    taken.bind(('127.0.0.1', 0))
    taken.listen()
    port = taken.getsockname()[1]

    routines = os.path.join(ctx.xdg_env()['XDG_CONFIG_HOME'], 'limber', 'routines')
    os.makedirs(routines, exist_ok=True)
    with open(os.path.join(routines, 'weekly.ini'), 'w') as f:
        f.write('[routine]\ntitle = My own rolling\nregions = back\n[steps]\nstep = Roll the back.\n')

    bus = ctx.bus()
    d = ctx.daemon(bus, config=f'[feed]\nhttp = 127.0.0.1:{port}\n').start()
    check_equal(d.get_property('FeedUrl'), '', 'FeedUrl with the port taken')
    d.wait_stderr(rf'<4>Cannot serve the feed on 127\.0\.0\.1:{port}.*the feed file still works')
    feed_path = d.get_property('FeedPath')
    text = read_feed(feed_path)
    check_in('SUMMARY:My own rolling\r\n', text, 'the feed with a user routine')
    check_in('1. Roll the back.', text.replace('\r\n ', ''), 'the user routine\'s steps in the feed')
    clients.parse_all(feed_path, lint, ctx.root)
    check(d.running, 'limberd stopped with the port taken')
    check_equal(d.stop(), 0, 'exit status with the port taken')
    taken.close()


if __name__ == '__main__':
    harness.main(test)
