#!/usr/bin/python3
"""limber's GPX and TCX parsers against gpsbabel, a second reader of the same files.

For each good file in tests/data/import, gpsbabel reads it and writes a TCX activity
(-o gtrnctr,course=0), in which it computes each track's start (Lap StartTime),
elapsed time (TotalTimeSeconds) and length (DistanceMeters). import-dump prints what
limber's parser says. They must agree: the same start to the microsecond, the same
elapsed time to the second (gpsbabel writes whole seconds), the same distance within
1%. The distances differ by design by about 0.1%: gpsbabel uses the equatorial radius
(6378137 m), limber the mean one (6371008.8 m); and gpsbabel measures across the gap
between two segments of a track, which limber does not.

Then the other way round: limber reads what gpsbabel writes, GPX 1.0, GPX 1.1 and TCX,
and finds the same activity: the same start and elapsed time; from GPX the same length
(gpsbabel keeps the points and segments) and, from GPX 1.1, the same kind; from TCX
gpsbabel's own distance, to the centimetre.

Skipped (77) without gpsbabel. Environment: LIMBER_SOURCE_ROOT, LIMBER_IMPORT_DUMP."""

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

EXIT_SKIP = 77
TCX_NS = '{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}'

# file, gpsbabel's input format, the kind limber gives it
FIXTURES = [
    ('run.gpx', 'gpx', 'run'),
    ('run-gpx10.gpx', 'gpx', 'other'),
    ('ride.gpx', 'gpx', 'ride'),
    ('gadgetbridge-walk.gpx', 'gpx', 'walk'),
    ('run-laps.tcx', 'gtrnctr', 'run'),
    ('ride.tcx', 'gtrnctr', 'ride'),
]

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print(f'FAIL: {msg}', flush=True)


def usec(text):
    """An xsd:dateTime as gpsbabel writes it (UTC, optional fraction) in µs."""
    d = datetime.fromisoformat(text.replace('Z', '+00:00')) - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


def run(args, what):
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f'{what} failed ({p.returncode}): {" ".join(args)}\n{p.stderr}')
    return p.stdout


def limber(dump, path):
    """What import-dump prints, as a dict (sport last, as it may hold spaces)."""
    line = run([dump, path], 'import-dump').strip()
    head, _, sport = line.partition(' sport=')
    d = dict(kv.split('=', 1) for kv in head.split())
    return {'kind': d['kind'], 'sport': sport, 'start': int(d['start_usec']),
            'duration': int(d['duration_usec']), 'distance': float(d['distance_m'])}


def gpsbabel_summary(path, fmt):
    """gpsbabel's start, elapsed time and length of the file's tracks, from the TCX
    activity it writes: one lap per track."""
    tcx = run(['gpsbabel', '-t', '-i', fmt, '-f', path, '-o', 'gtrnctr,course=0', '-F', '-'], 'gpsbabel')
    laps = ET.fromstring(tcx).findall(f'.//{TCX_NS}Activity/{TCX_NS}Lap')
    if not laps:
        raise RuntimeError(f'gpsbabel wrote no laps for {path}:\n{tcx[:2000]}')
    starts = [usec(lap.get('StartTime')) for lap in laps]
    ends = [s + round(float(lap.findtext(f'{TCX_NS}TotalTimeSeconds')) * 1e6) for s, lap in zip(starts, laps)]
    return {'start': min(starts), 'duration': max(ends) - min(starts),
            'distance': sum(float(lap.findtext(f'{TCX_NS}DistanceMeters')) for lap in laps)}


def main():
    if not shutil.which('gpsbabel'):
        print('SKIP: gpsbabel not found')
        return EXIT_SKIP
    data = os.path.join(os.environ['LIMBER_SOURCE_ROOT'], 'tests', 'data', 'import')
    dump = os.environ['LIMBER_IMPORT_DUMP']
    print(run(['gpsbabel', '-V'], 'gpsbabel -V').strip())

    with tempfile.TemporaryDirectory(prefix='limber-gpsbabel-') as tmp:
        for name, fmt, kind in FIXTURES:
            path = os.path.join(data, name)
            ours = limber(dump, path)
            theirs = gpsbabel_summary(path, fmt)
            ratio = theirs['distance'] / ours['distance']
            print(f'{name}: limber {ours["kind"]} start {ours["start"]} duration {ours["duration"]} '
                  f'distance {ours["distance"]:.3f} m; gpsbabel start {theirs["start"]} '
                  f'duration {theirs["duration"]} distance {theirs["distance"]:.2f} m (x{ratio:.5f})', flush=True)
            check(ours['kind'] == kind, f'{name}: kind {ours["kind"]}, expected {kind}')
            check(ours['start'] == theirs['start'], f'{name}: start {ours["start"]} µs, gpsbabel {theirs["start"]}')
            check(abs(ours['duration'] - theirs['duration']) <= 1_000_000,
                  f'{name}: duration {ours["duration"]} µs, gpsbabel {theirs["duration"]}')
            check(ours['distance'] > 0 and abs(ratio - 1) < 0.01,
                  f'{name}: distance {ours["distance"]} m, gpsbabel {theirs["distance"]} m')

            # What gpsbabel writes, limber reads.
            for out_fmt, suffix in (('gpx,gpxver=1.0', '.gpx'), ('gpx,gpxver=1.1', '.gpx'),
                                    ('gtrnctr,course=0,sport=Running', '.tcx')):
                out = os.path.join(tmp, f'{name}.{out_fmt.split(",")[0]}{out_fmt.count("1.0")}{suffix}')
                run(['gpsbabel', '-t', '-i', fmt, '-f', path, '-o', out_fmt, '-F', out], 'gpsbabel')
                again = limber(dump, out)
                what = f'{name} via gpsbabel -o {out_fmt}'
                check(again['start'] == ours['start'], f'{what}: start {again["start"]}, expected {ours["start"]}')
                check(abs(again['duration'] - ours['duration']) <= 1_000_000,
                      f'{what}: duration {again["duration"]}, expected {ours["duration"]}')
                if suffix == '.tcx':
                    check(again['kind'] == 'run', f'{what}: kind {again["kind"]}')
                    check(abs(again['distance'] - theirs['distance']) < 0.01,
                          f'{what}: distance {again["distance"]}, gpsbabel says {theirs["distance"]}')
                else:
                    # the same points, segments and <type>: the same length but for the
                    # rounding of import-dump's output
                    check(abs(again['distance'] / ours['distance'] - 1) < 1e-5,
                          f'{what}: distance {again["distance"]}, expected {ours["distance"]}')
                    if fmt == 'gpx' and out_fmt.endswith('1.1'):
                        check(again['kind'] == ours['kind'], f'{what}: kind {again["kind"]}, expected {ours["kind"]}')

    if failures:
        print(f'FAIL: {len(failures)} checks failed')
        return 1
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
