#!/usr/bin/python3
"""limberd plans around a Google Calendar export (tests/data/busy/google-export.ics),
whose events all carry an empty DESCRIPTION and LOCATION, as Google writes them.

limberd runs under libfaketime with the timerfd shim (as in test-time) on a clock
frozen at Monday 2026-12-07 10:00 Berlin, written as seconds since the epoch
(FAKETIME_FMT=%s). The config asks for an SMR session every evening (per_week 7,
min_gap 1d) and a walk every midday of this week (weekly_minutes 210: seven 30 min
walks, nothing logged); every other rule keeps its default: evening window
18:30-21:00, 15 min; walks 12:00-13:30, 30 min; a 14-day horizon; sessions on the
5-minute grid, in the earliest free slot.

The busy instances of the export are written out below by hand from the file, and the
plan is checked against them and against the rules, never against what limberd says:
  - no session overlaps a busy instance;
  - the TRANSPARENT evening, the CANCELLED dinner, the class's EXDATE'd evening and the
    transparent all-day birthday do not block: a session starts there at 18:30;
  - the class moved by RECURRENCE-ID blocks its new time, not its old one;
  - the busy all-day Saturday gets no session at all;
  - limberd logs no warning or worse, and in particular nothing about the calendar."""

import datetime
import os
import re
import shutil
import sys
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import USEC_PER_SEC, check, check_equal  # noqa: E402

TZ = 'Europe/Berlin'
ZONE = zoneinfo.ZoneInfo(TZ)
EXPORT = os.path.join(os.environ['LIMBER_SOURCE_ROOT'], 'tests', 'data', 'busy', 'google-export.ics')
HORIZON_DAYS = 14


def at(text):
    """µs since the epoch of 'YYYY-MM-DD HH:MM' in Berlin."""
    dt = datetime.datetime.strptime(text, '%Y-%m-%d %H:%M').replace(tzinfo=ZONE)
    return int(dt.timestamp()) * USEC_PER_SEC


def fmt(t):
    return datetime.datetime.fromtimestamp(t / USEC_PER_SEC, ZONE).strftime('%a %Y-%m-%d %H:%M')


NOW = at('2026-12-07 10:00')

# Every busy instance of the export from a day before now to past the horizon, in
# Berlin time. The class (Tuesdays and Thursdays 18:00-20:00 since 2026-11-03) has an
# EXDATE on Tuesday 12-08, and its Tuesday 12-15 moved to Wednesday 12-16 18:15-20:15.
BUSY = [
    ('2026-12-07 18:30', '2026-12-07 20:30', 'Dinner with Anna'),
    ('2026-12-10 18:00', '2026-12-10 20:00', 'Spanish B1 evening class'),
    ('2026-12-11 12:00', '2026-12-11 13:00', 'Team lunch (in UTC in the file)'),
    ('2026-12-12 00:00', '2026-12-13 00:00', 'Ski day in Garmisch (all day, OPAQUE)'),
    ('2026-12-16 18:15', '2026-12-16 20:15', 'Spanish B1 evening class (moved from Tuesday)'),
    ('2026-12-17 18:00', '2026-12-17 20:00', 'Spanish B1 evening class'),
    ('2026-12-22 18:00', '2026-12-22 20:00', 'Spanish B1 evening class'),
]

# The plan the rules make around BUSY: (kind, local start) of every session.
EXPECTED = [
    ('cardio', '2026-12-07 12:00'),
    ('smr', '2026-12-07 20:30'),     # after the dinner
    ('cardio', '2026-12-08 12:00'),
    ('smr', '2026-12-08 18:30'),     # the class's EXDATE
    ('cardio', '2026-12-09 12:00'),
    ('smr', '2026-12-09 18:30'),     # "Maybe cinema" 18:00-21:00 is TRANSPARENT
    ('cardio', '2026-12-10 12:00'),
    ('smr', '2026-12-10 20:00'),     # after the class
    ('cardio', '2026-12-11 13:00'),  # after the lunch
    ('smr', '2026-12-11 18:30'),     # "Team Christmas dinner" 18:00-21:00 is CANCELLED
    # Saturday 12-12 is busy all day: neither a walk nor a session.
    ('cardio', '2026-12-13 12:00'),  # the all-day birthday is TRANSPARENT
    ('smr', '2026-12-13 18:30'),
    ('smr', '2026-12-14 18:30'),
    ('smr', '2026-12-15 18:30'),     # the class moved away from this evening
    ('smr', '2026-12-16 20:15'),     # after the moved class
    ('smr', '2026-12-17 20:00'),
    ('smr', '2026-12-18 18:30'),
    ('smr', '2026-12-19 18:30'),
    ('smr', '2026-12-20 18:30'),
]
DURATION = {'smr': 15 * 60 * USEC_PER_SEC, 'cardio': 30 * 60 * USEC_PER_SEC}


def test(ctx):
    libfaketime = harness.find_libfaketime()
    if not libfaketime:
        raise harness.Skip('libfaketime is not installed (Debian package faketime)')

    calendar = os.path.join(ctx.root, 'google.ics')
    shutil.copyfile(EXPORT, calendar)
    config = (f'[schedule]\ntimezone = {TZ}\nbusy = {calendar}\n'
              '[smr]\nper_week = 7\nmin_gap = 1d\n'
              '[cardio]\nweekly_minutes = 210\n'
              '[feed]\nhttp = off\n[mobility]\nnotify = false\n')
    clock = harness.FrozenClock(ctx, libfaketime, NOW)
    d = ctx.daemon(ctx.bus(), config=config, env=clock.env(TZ), args=['--verbose']).start()

    sessions = d.call('ListSessions', 'tt', NOW, NOW + HORIZON_DAYS * 24 * 3600 * USEC_PER_SEC)[0]
    for sid, kind, status, _title, start, end, _seq in sessions:
        harness.log(f'    {sid:22} {kind:8} {status:9} {fmt(start)} - {fmt(end)[-5:]}')
    planned = [s for s in sessions if s[2] == 'planned']
    check_equal(len(planned), len(sessions), 'sessions that are not planned, with nothing done yet')

    busy = [(at(a), at(b), what) for a, b, what in BUSY]
    for sid, _kind, _status, _title, start, end, _seq in planned:
        for b0, b1, what in busy:
            check(end <= b0 or start >= b1,
                  f'{sid} {fmt(start)}-{fmt(end)[-5:]} overlaps the busy "{what}" {fmt(b0)}-{fmt(b1)[-5:]}')

    got = sorted((s[4], s[1], s[5] - s[4]) for s in planned)
    want = sorted((at(t), kind, DURATION[kind]) for kind, t in EXPECTED)
    check_equal([(fmt(t), k, n) for t, k, n in got], [(fmt(t), k, n) for t, k, n in want],
                'the plan around the export (start, kind, length)')

    # Warnings are <4>, errors <3> and worse; debug lines (--verbose) may say what
    # libical could not read.
    bad = [line for line in d.stderr().splitlines() if re.match(r'<[0-4]>', line)]
    check_equal(bad, [], 'limberd\'s warnings and errors')
    harness.log('limberd about the calendar:\n' +
                '\n'.join(line for line in d.stderr().splitlines() if 'google.ics' in line))
    check_equal(d.stop(), 0, 'limberd exit status')


if __name__ == '__main__':
    harness.main(test)
