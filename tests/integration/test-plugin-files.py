#!/usr/bin/python3
"""The files plugin: workouts dropped into a watched folder become activities, once.

Files already there at start are imported; a file written in place in several chunks
and a file moved in are each imported once; the same bytes under another name are not
imported again; a malformed file is reported (log and the Rejected property) and not
read again until it changes, and leaves Rejected when fixed; a gzipped GPX is read; and
a run dropped in the inbox gets its SMR session in the plan and the feed."""

import datetime
import gzip
import math
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import USEC_PER_SEC, check, check_equal, check_in  # noqa: E402

MIN = 60 * USEC_PER_SEC


def gpx_run(start, minutes, km, sport='running'):
    """A GPX 1.1 run out and back along a meridian: km long, one point every 10 s."""
    n = minutes * 6
    lat0, lon = 52.52, 13.40
    half = km / 2 / 111.195     # degrees of latitude for half the distance
    points = []
    for i in range(n + 1):
        f = i / n
        lat = lat0 + (half * 2 * f if f <= 0.5 else half * 2 * (1 - f))
        t = start + datetime.timedelta(seconds=10 * i)
        points.append(f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><time>{t.strftime("%Y-%m-%dT%H:%M:%SZ")}</time></trkpt>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">\n'
            f'<trk><name>Test</name><type>{sport}</type><trkseg>\n' + '\n'.join(points) +
            '\n</trkseg></trk></gpx>\n')


def activities(d):
    return d.call('ListActivities', 'tt', 0, 0)[0]


def rejected(d):
    return [tuple(r) for r in d.get_property('Rejected')]


def test(ctx):
    plugin = os.path.join(os.environ['LIMBER_BUILD_ROOT'], 'plugins', 'files', 'files.so')
    inbox = os.path.join(ctx.root, 'inbox')
    elsewhere = os.path.join(ctx.root, 'elsewhere')
    os.makedirs(inbox)
    os.makedirs(elsewhere)
    now = harness.now_datetime()

    # One file waits in the inbox before limberd starts.
    with open(os.path.join(inbox, 'before.gpx'), 'w') as f:
        f.write(gpx_run(now - datetime.timedelta(days=3), 40, 8.0))

    bus = ctx.bus()
    d = ctx.daemon(bus, config=f'[schedule]\ntimezone = Europe/Berlin\n[plugin.files]\npaths = {inbox}\n'
                               '[feed]\nhttp = off\n')
    shutil.copy(plugin, d.plugin_dir)
    d.start()
    check_equal(dict(map(tuple, d.get_property('Plugins'))).get('files'), 'running', 'the files plugin')
    harness.wait_until(lambda: len(activities(d)) == 1, 10, what='the file already in the inbox')
    a = activities(d)[0]
    check_equal((a[1], a[2], a[3], a[4]),
                ('files', 'run', int((now - datetime.timedelta(days=3)).timestamp()) * USEC_PER_SEC, 40 * MIN),
                'the imported run')
    check(abs(a[5] - 8000) < 80, f'distance {a[5]} m, expected 8 km within 1%')

    # Written in place in three chunks, with pauses: imported once, when it is closed.
    text = gpx_run(now - datetime.timedelta(days=2), 50, 10.0, 'cycling')
    with open(os.path.join(inbox, 'chunks.gpx'), 'w') as f:
        for i in range(3):
            f.write(text[i * len(text) // 3:(i + 1) * len(text) // 3])
            f.flush()
            time.sleep(0.2)
    harness.wait_until(lambda: len(activities(d)) == 2, 10, what='the file written in chunks')
    check_equal(activities(d)[1][2], 'ride', 'the kind from <type>cycling</type>')

    # Moved in from elsewhere: imported once.
    moved = os.path.join(elsewhere, 'moved.gpx.gz')
    with gzip.open(moved, 'wt') as f:
        f.write(gpx_run(now - datetime.timedelta(days=1, hours=2), 30, 5.0, 'walking'))
    os.rename(moved, os.path.join(inbox, 'moved.gpx.gz'))
    harness.wait_until(lambda: len(activities(d)) == 3, 10, what='the gzipped file moved in')
    check_equal(activities(d)[2][2], 'walk', 'the kind of the gzipped walk')

    # The same bytes again under another name, and the same file closed again: nothing new.
    shutil.copy(os.path.join(inbox, 'chunks.gpx'), os.path.join(elsewhere, 'copy.gpx'))
    os.rename(os.path.join(elsewhere, 'copy.gpx'), os.path.join(inbox, 'copy.gpx'))
    with open(os.path.join(inbox, 'chunks.gpx'), 'a'):
        pass
    time.sleep(1)
    check_equal(len(activities(d)), 3, 'activities after the same content again')

    # A malformed file: reported by name and reason, listed, and left alone until it changes.
    bad = os.path.join(inbox, 'broken.gpx')
    with open(bad, 'w') as f:
        f.write(text[:len(text) // 2])
    harness.wait_until(lambda: any(w == bad for w, _ in rejected(d)), 10, what='the broken file in Rejected')
    reason = dict(rejected(d))[bad]
    check(reason, 'an empty reason')
    d.wait_stderr(rf'<4>plugin files: {re.escape(bad)}: .*not imported')
    lines = d.stderr().count(f'{bad}:')
    with open(bad, 'a'):
        pass            # closed again, same content
    time.sleep(1)
    check_equal(d.stderr().count(f'{bad}:'), lines, 'log lines about the unchanged broken file')
    with open(bad, 'w') as f:   # fixed
        f.write(gpx_run(now - datetime.timedelta(hours=30), 45, 9.0))
    harness.wait_until(lambda: len(activities(d)) == 4, 10, what='the fixed file imported')
    check_equal(rejected(d), [], 'Rejected after the fix')

    # A run dropped in the inbox that ended an hour ago: its SMR session is planned
    # (this evening, or the next morning when the evening is past) and is in the feed.
    with open(os.path.join(elsewhere, 'today.gpx'), 'w') as f:
        f.write(gpx_run(now - datetime.timedelta(minutes=150), 95, 18.4))
    os.rename(os.path.join(elsewhere, 'today.gpx'), os.path.join(inbox, 'today.gpx'))
    harness.wait_until(lambda: any(s[0].startswith('workout_') for s in d.call('ListSessions', 'tt', 0, 0)[0]), 10,
                       what='the SMR session after the run')
    workout = [s for s in d.call('ListSessions', 'tt', 0, 0)[0] if s[0].startswith('workout_')][0]
    reason = d.call('GetSession', 's', workout[0])[0]['Reason']['data']
    check_in('18.4 km run', reason, 'the session\'s reason')
    feed = harness.read_text(d.get_property('FeedPath'))
    check_in(f'UID:{workout[0]}@', feed, 'the feed')
    check_equal(d.stop(), 0, 'exit status')


if __name__ == '__main__':
    harness.main(test)
