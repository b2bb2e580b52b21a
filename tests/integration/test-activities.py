#!/usr/bin/python3
"""LogActivity and ListActivities: what goes in comes back out, ranges are half-open
[from, until) with until = 0 unbounded, source + external_id is idempotent, and every
bad argument gets org.freedesktop.DBus.Error.InvalidArgs naming the argument while
the daemon runs on."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ERROR_INVALID_ARGS, USEC_PER_SEC, check, check_equal, check_in, extra_args  # noqa: E402

MIN = 60 * USEC_PER_SEC
HOUR = 60 * MIN
DAY = 24 * HOUR


def log_activity(d, kind, start, duration, distance, extra=None):
    return d.call('LogActivity', 'sttda{sv}', kind, start, duration, distance,
                  *extra_args(extra or {}))[0]


def list_activities(d, since, until):
    return d.call('ListActivities', 'tt', since, until)[0]


def test(ctx):
    bus = ctx.bus()
    d = ctx.daemon(bus).start()

    check_equal(list_activities(d, 0, 0), [], 'activities of a new database')

    # Three days ago at a whole second, so the values are easy to read in a failure.
    base = (harness.now_usec() // USEC_PER_SEC) * USEC_PER_SEC - 3 * DAY
    run = ('run', base, 45 * MIN, 10000.5, {'source': ('s', 'garmin'), 'external_id': ('s', 'run-1'),
                                            'title': ('s', 'Morning run')})
    walk = ('walk', base + HOUR, 30 * MIN, 2500.0, {})
    ride = ('ride', base + 2 * HOUR, 90 * MIN, 0.0, {'source': ('s', 'wahoo'), 'ignored_key': ('i', 7)})

    ids = {}
    for kind, start, duration, distance, extra in (run, walk, ride):
        ids[kind] = log_activity(d, kind, start, duration, distance, extra)
        check(re.fullmatch(r'[0-9a-f]{32}', ids[kind]), f'id of the {kind}: {ids[kind]!r}')
    check_equal(len(set(ids.values())), 3, 'distinct ids')

    expected = [
        [ids['run'], 'garmin', 'run', base, 45 * MIN, 10000.5],
        [ids['walk'], 'dbus', 'walk', base + HOUR, 30 * MIN, 2500.0],   # default source
        [ids['ride'], 'wahoo', 'ride', base + 2 * HOUR, 90 * MIN, 0.0],
    ]
    check_equal(list_activities(d, 0, 0), expected, 'ListActivities(0, 0)')

    # Ranges: [from, until), until = 0 without bound, oldest first.
    check_equal(list_activities(d, base, base + 1), expected[:1], 'ListActivities(start, start + 1)')
    check_equal(list_activities(d, base, base + HOUR), expected[:1], 'until is exclusive')
    check_equal(list_activities(d, base + 1, 0), expected[1:], 'from after the first start')
    check_equal(list_activities(d, base + HOUR, base + 2 * HOUR + 1), expected[1:], 'a closed range')
    check_equal(list_activities(d, base + 2 * HOUR + 1, 0), [], 'from after the last start')
    check_equal(list_activities(d, base + HOUR, base + HOUR), [], 'an empty range (until == from)')
    check_equal(list_activities(d, 0, 2**64 - 1), expected, 'until = 2^64-1')
    check_equal(list_activities(d, 2**64 - 1, 0), [], 'from = 2^64-1')
    e = d.call_error('ListActivities', 'tt', base + HOUR, base)
    check_equal(e.name, ERROR_INVALID_ARGS, 'error for until < from')
    check_in("'until'", e.message, 'message for until < from')

    # Idempotent on source + external_id: the first id comes back, nothing new stored,
    # even when the other fields differ.
    again = log_activity(d, 'run', base, 45 * MIN, 10000.5, run[4])
    check_equal(again, ids['run'], 'id of a repeated source + external_id')
    other = log_activity(d, 'walk', base + 3 * HOUR, 20 * MIN, 1.0,
                         {'source': ('s', 'garmin'), 'external_id': ('s', 'run-1')})
    check_equal(other, ids['run'], 'id of the same source + external_id with other fields')
    check_equal(list_activities(d, 0, 0), expected, 'activities after repeating an external_id')

    # The same external_id from another source is another activity.
    strava = log_activity(d, 'run', base, 45 * MIN, 10000.5,
                          {'source': ('s', 'strava'), 'external_id': ('s', 'run-1')})
    check(strava not in ids.values(), 'same external_id from another source got an existing id')

    # Without external_id, two identical calls are two activities.
    yoga = ('yoga', base + 4 * HOUR, 20 * MIN, 0.0, {})
    y1 = log_activity(d, *yoga)
    y2 = log_activity(d, *yoga)
    check(y1 != y2, 'two identical activities without external_id got the same id')
    listed = list_activities(d, base + 4 * HOUR, base + 4 * HOUR + 1)
    check_equal(sorted(a[0] for a in listed), sorted([y1, y2]), 'both identical activities listed')
    all_before = list_activities(d, 0, 0)
    check_equal(len(all_before), 6, 'number of activities stored')

    # Every bad argument: InvalidArgs naming the argument, nothing stored.
    now = harness.now_usec()
    far_future = now + 365 * DAY
    bad = [
        ('unknown kind', ('skydiving', base, 10 * MIN, 0.0, {}), 'kind'),
        ('zero duration', ('run', base, 0, 0.0, {}), 'duration'),
        ('negative duration', ('run', base, 2**64 - 1000, 0.0, {}), 'duration'),
        ('start in the far future', ('run', far_future, 10 * MIN, 0.0, {}), 'start'),
        ('start 0', ('run', 0, 10 * MIN, 0.0, {}), 'start'),
        ('NaN distance', ('run', base, 10 * MIN, float('nan'), {}), 'distance_m'),
        ('infinite distance', ('run', base, 10 * MIN, float('inf'), {}), 'distance_m'),
        ('negative distance', ('run', base, 10 * MIN, -5.0, {}), 'distance_m'),
        ("'source' not a string", ('run', base, 10 * MIN, 0.0, {'source': ('i', 42)}), 'extra'),
        ("empty 'source'", ('run', base, 10 * MIN, 0.0, {'source': ('s', '')}), 'extra'),
    ]
    for what, (kind, start, duration, distance, extra), arg in bad:
        e = d.call_error('LogActivity', 'sttda{sv}', kind, start, duration, distance, *extra_args(extra))
        check_equal(e.name, ERROR_INVALID_ARGS, f'error name for {what}')
        check_in(f"'{arg}'", e.message, f'error message for {what}')
        if arg == 'extra':
            check_in("'source'", e.message, f'error message for {what}')
        check(d.running, f'limberd died after {what}')
    check_equal(list_activities(d, 0, 0), all_before, 'activities after the rejected calls')

    # Still serving, and stops cleanly.
    check(d.get_property('Version'), 'Version after the bad calls')
    check_equal(d.stop(), 0, 'exit status after SIGTERM')


if __name__ == '__main__':
    harness.main(test)
