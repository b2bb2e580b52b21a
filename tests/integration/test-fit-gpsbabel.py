#!/usr/bin/python3
"""The FIT decoder against gpsbabel, a FIT reader written by other people: for each good
FIT fixture, and for FIT files the installed gpsbabel writes from the GPX and TCX
sources next to them, gpsbabel's track (its points' times and positions) and what
limber's decoder prints (tests/unit/fit-dump.c) must agree: the same start time, the
same distance within 1%, and the same duration within a second (a session's elapsed
time may run past its last point by less than one).

gpsbabel takes a compressed timestamp's 5 bits as an offset from the last full
timestamp, where the FIT protocol makes them the time's low 5 bits (rolling over every
32 s), so its times are wrong after the first compressed record: the start is still
compared there, the duration is not.

Environment: LIMBER_FIT_DUMP (the fit-dump binary), LIMBER_SOURCE_ROOT. Exit status 0
pass, 77 skip (no gpsbabel), 1 failure."""

import calendar
import csv
import io
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

EARTH_RADIUS_M = 6371008.8      # the decoder's

GOOD = [
    'fit-run.fit',
    'fit-run-compressed.fit',
    'fit-developer.fit',
    'fit-bigendian.fit',
    'fit-records.fit',
    'fit-records-compressed.fit',
    'fit-ride.fit',
    'fit-multisport.fit',
    'run-gpsbabel.fit',
    'ride-gpsbabel.fit',
]
COMPRESSED = {'fit-run-compressed.fit', 'fit-records-compressed.fit'}
SOURCES = [('gpsbabel-run.gpx', 'gpx'), ('gpsbabel-ride.tcx', 'gtrnctr')]


def haversine_m(a, b):
    lat1, lon1, lat2, lon2 = (math.radians(x) for x in (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(h, 1.0)))


def gpsbabel_track(path):
    """[(unix seconds, lat, lon)] of the track gpsbabel reads from a FIT file."""
    out = subprocess.run(['gpsbabel', '-t', '-i', 'garmin_fit', '-f', path, '-o', 'unicsv', '-F', '-'],
                         check=True, capture_output=True, text=True, env={**os.environ, 'TZ': 'UTC'}).stdout
    points = []
    for row in csv.DictReader(io.StringIO(out)):
        t = calendar.timegm(time.strptime(f'{row["Date"]} {row["Time"]}', '%Y/%m/%d %H:%M:%S'))
        points.append((t, float(row['Latitude']), float(row['Longitude'])))
    return points


def limber(dump, path):
    """(kind, start µs, duration µs, distance m) from fit-dump."""
    r = subprocess.run([dump, path], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f'fit-dump refused {path}: {r.stderr.strip()}')
    kind, start, duration, distance = r.stdout.split()
    return kind, int(start), int(duration), float(distance)


def compare(dump, path, name):
    """The failures for one file, as strings; empty when limber and gpsbabel agree."""
    points = gpsbabel_track(path)
    if len(points) < 2:
        return [f'{name}: gpsbabel read {len(points)} points']
    kind, start, duration, distance = limber(dump, path)
    length = sum(haversine_m(a[1:], b[1:]) for a, b in zip(points, points[1:]))
    span = points[-1][0] - points[0][0]
    print(f'{name}: limber {kind} start {start // 1_000_000} duration {duration / 1e6:.3f} s '
          f'distance {distance:.2f} m; gpsbabel {len(points)} points from {points[0][0]}, '
          f'{span} s, {length:.2f} m')

    failures = []
    if start != points[0][0] * 1_000_000:
        failures.append(f'{name}: start {start} µs, gpsbabel\'s first point {points[0][0]} s')
    if abs(distance - length) > 0.01 * length:
        failures.append(f'{name}: distance {distance:.2f} m, gpsbabel\'s track {length:.2f} m (more than 1% apart)')
    if name not in COMPRESSED and not 0 <= duration - span * 1_000_000 < 1_000_000:
        failures.append(f'{name}: duration {duration} µs, gpsbabel\'s track {span} s')
    return failures


def main():
    if not shutil.which('gpsbabel'):
        print('gpsbabel is not installed: skipped')
        return 77
    dump = os.environ['LIMBER_FIT_DUMP']
    data = os.path.join(os.environ['LIMBER_SOURCE_ROOT'], 'tests', 'data', 'import')

    failures = []
    for name in GOOD:
        failures += compare(dump, os.path.join(data, name), name)
    with tempfile.TemporaryDirectory() as tmp:
        for source, fmt in SOURCES:
            fit = os.path.join(tmp, source + '.fit')
            subprocess.run(['gpsbabel', '-i', fmt, '-f', os.path.join(data, source), '-o', 'garmin_fit', '-F', fit],
                           check=True)
            failures += compare(dump, fit, f'{source} written by this gpsbabel')

    for f in failures:
        print(f'FAIL: {f}', file=sys.stderr)
    print(f'{len(GOOD) + len(SOURCES)} files, {len(failures)} failures')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
