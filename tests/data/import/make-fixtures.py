#!/usr/bin/python3
"""Writes the activity files in this folder, which tests/unit/test-import-xml.c and
tests/integration/test-import-gpsbabel.py read. Run by hand after a change
(./make-fixtures.py); its outputs are committed. Python's standard library only, and
deterministic: the same bytes on every run.

It prints what each good file holds (start, elapsed time, the haversine length of its
points as written), which the unit test expects to the microsecond and the millimetre.

The good files:
  run.gpx               GPX 1.1 run: 9 km loop, a point every 5 s, elevation, two
                        segments around a 95 s stop; a waypoint and a metadata time
                        that are not part of the track
  run-gpx10.gpx         the same run as GPX 1.0
  ride.gpx              GPX 1.1 ride, <type>cycling</type>, times with milliseconds
                        and a +02:00 offset
  gadgetbridge-walk.gpx GPX 1.1 as Gadgetbridge writes it, the sport in a track
                        extension of a namespace of its own, heart rate per point
  run-laps.tcx          TCX run, three laps, the watch paused for 60 s in the second
  ride.tcx              TCX ride, one lap
  run.gpx.gz, run-laps.tcx.gz   gzipped copies, for the files plugin
The refused ones: no-time.gpx, empty-track.gpx, wrong-namespace.gpx, not-gpx.kml,
empty-activity.tcx; and the hostile ones, hostile-*.gpx: 100 000 levels of nesting,
billion laughs, an external entity naming /etc/passwd, an external DTD over http."""

import gzip
import math
import os
import random
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))

EARTH_RADIUS_M = 6371008.8      # as plugins/files/import-xml.h
M_PER_DEG_LAT = 111320.0


def haversine(lat1, lon1, lat2, lon2):
    rad = math.pi / 180.0
    sdlat = math.sin((lat2 - lat1) * rad / 2.0)
    sdlon = math.sin((lon2 - lon1) * rad / 2.0)
    a = sdlat * sdlat + math.cos(lat1 * rad) * math.cos(lat2 * rad) * sdlon * sdlon
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(min(a, 1.0)))


class Point:
    def __init__(self, t, lat, lon, ele):
        self.t = t                          # datetime, UTC
        self.lat = f'{lat:.7f}'             # as written, so the sums use what a reader reads
        self.lon = f'{lon:.7f}'
        self.ele = f'{ele:.1f}'


def loop(center, a, b, wobble):
    """A closed path around center (lat, lon): an ellipse of semi-axes a (east) and b
    (north) in metres, bent by wobble, densely sampled; returns positions in metres
    and their running lengths."""
    xy = []
    n = 20000
    for i in range(n + 1):
        th = 2 * math.pi * i / n
        x = a * math.cos(th) + wobble * math.sin(5 * th)
        y = b * math.sin(th) + 0.6 * wobble * math.cos(3 * th)
        xy.append((x, y))
    s = [0.0]
    for (x1, y1), (x2, y2) in zip(xy, xy[1:]):
        s.append(s[-1] + math.hypot(x2 - x1, y2 - y1))
    return center, xy, s


def at(path, dist):
    """The position (x, y) in metres at dist along the path, and the angle there."""
    _, xy, s = path
    dist = min(dist, s[-1])
    lo, hi = 0, len(s) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if s[mid] <= dist:
            lo = mid
        else:
            hi = mid
    f = 0.0 if s[hi] == s[lo] else (dist - s[lo]) / (s[hi] - s[lo])
    x = xy[lo][0] + f * (xy[hi][0] - xy[lo][0])
    y = xy[lo][1] + f * (xy[hi][1] - xy[lo][1])
    return x, y, 2 * math.pi * lo / (len(s) - 1)


def to_latlon(center, x, y):
    lat0, lon0 = center
    return lat0 + y / M_PER_DEG_LAT, lon0 + x / (M_PER_DEG_LAT * math.cos(math.radians(lat0)))


def record(path, start, step, speed, stops, rng, ele0, jitter=1.2):
    """Samples a person moving along path every step seconds at speed(t) m/s, until the
    loop is closed. stops: {distance: seconds} where they stand still and the device
    pauses (a new segment). Returns a list of segments, each a list of Points."""
    total = path[2][-1]
    segments = [[]]
    t = 0.0
    dist = 0.0
    pending = sorted(stops.items())
    while True:
        x, y, th = at(path, dist)
        x += rng.gauss(0, jitter)
        y += rng.gauss(0, jitter)
        lat, lon = to_latlon(path[0], x, y)
        ele = ele0 + 6 * math.sin(th) + 3 * math.sin(4 * th) + rng.uniform(-0.3, 0.3)
        segments[-1].append(Point(start + timedelta(seconds=t), lat, lon, ele))
        if dist >= total:
            return segments
        if pending and dist >= pending[0][0]:
            t += pending[0][1]
            pending.pop(0)
            segments.append([])
        dist += speed(t) * step
        t += step


def length(segments):
    d = 0.0
    for seg in segments:
        for p, q in zip(seg, seg[1:]):
            d += haversine(float(p.lat), float(p.lon), float(q.lat), float(q.lon))
    return d


def zulu(t):
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def usec(t):
    return (t - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)


def write(name, text):
    with open(os.path.join(HERE, name), 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)


def write_gz(name, source):
    with open(os.path.join(HERE, source), 'rb') as f:
        data = f.read()
    with open(os.path.join(HERE, name), 'wb') as f:
        with gzip.GzipFile(filename='', mode='wb', fileobj=f, mtime=0) as gz:
            gz.write(data)


def summary(name, kind, segments):
    pts = [p for seg in segments for p in seg]
    first = min(p.t for p in pts)
    last = max(p.t for p in pts)
    print(f'{name}: kind {kind}, start {usec(first)} µs ({first.isoformat()}), '
          f'duration {usec(last) - usec(first)} µs, {len(pts)} points, '
          f'distance {length(segments):.6f} m')


def trkpts(segments, indent, fmt_time, extra=lambda p: ''):
    out = []
    for seg in segments:
        out.append(f'{indent}<trkseg>\n')
        for p in seg:
            out.append(f'{indent}  <trkpt lat="{p.lat}" lon="{p.lon}"><ele>{p.ele}</ele>'
                       f'<time>{fmt_time(p.t)}</time>{extra(p)}</trkpt>\n')
        out.append(f'{indent}</trkseg>\n')
    return ''.join(out)


GPX11_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<gpx version="1.1" creator="{creator}" xmlns="http://www.topografix.com/GPX/1/1"'
              ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
              ' xsi:schemaLocation="http://www.topografix.com/GPX/1/1'
              ' http://www.topografix.com/GPX/1/1/gpx.xsd"{extra_ns}>\n')


def run_gpx():
    rng = random.Random(20240512)
    path = loop((48.1517, 11.5921), 1650.0, 950.0, 40.0)
    start = datetime(2024, 5, 12, 6, 30, 0, tzinfo=timezone.utc)
    segments = record(path, start, 5, lambda t: 3.1 + 0.25 * math.sin(t / 300), {4500.0: 95}, rng, 515.0)

    gpx11 = (GPX11_HEAD.format(creator='limber make-fixtures.py', extra_ns='') +
             '  <metadata>\n    <name>Morning run</name>\n'
             '    <time>2024-05-12T08:02:41Z</time>\n  </metadata>\n'
             f'  <wpt lat="{segments[0][0].lat}" lon="{segments[0][0].lon}">'
             '<time>2024-05-12T06:10:00Z</time><name>Car park</name></wpt>\n'
             '  <trk>\n    <name>Morning run</name>\n    <type>running</type>\n' +
             trkpts(segments, '    ', zulu) + '  </trk>\n</gpx>\n')
    write('run.gpx', gpx11)
    write_gz('run.gpx.gz', 'run.gpx')

    gpx10 = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<gpx version="1.0" creator="limber make-fixtures.py"'
             ' xmlns="http://www.topografix.com/GPX/1/0"'
             ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
             ' xsi:schemaLocation="http://www.topografix.com/GPX/1/0'
             ' http://www.topografix.com/GPX/1/0/gpx.xsd">\n'
             '  <time>2024-05-12T08:02:41Z</time>\n'
             '  <trk>\n    <name>Morning run</name>\n' +
             trkpts(segments, '    ', zulu) + '  </trk>\n</gpx>\n')
    write('run-gpx10.gpx', gpx10)
    summary('run.gpx', 'run', segments)
    summary('run-gpx10.gpx', 'other', segments)


def ride_gpx():
    rng = random.Random(20240601)
    path = loop((52.5163, 13.3777), 4900.0, 3100.0, 120.0)
    start = datetime(2024, 6, 1, 7, 15, 0, 250000, tzinfo=timezone.utc)
    segments = record(path, start, 5, lambda t: 7.2 + 1.1 * math.sin(t / 420), {}, rng, 40.0, jitter=1.5)
    plus2 = timezone(timedelta(hours=2))

    def local(t):
        return t.astimezone(plus2).isoformat(timespec='milliseconds')

    write('ride.gpx', GPX11_HEAD.format(creator='limber make-fixtures.py', extra_ns='') +
          '  <trk>\n    <name>Saturday ride</name>\n    <type>cycling</type>\n' +
          trkpts(segments, '    ', local) + '  </trk>\n</gpx>\n')
    summary('ride.gpx', 'ride', segments)


def gadgetbridge_gpx():
    rng = random.Random(20240514)
    path = loop((50.9375, 6.9603), 520.0, 300.0, 15.0)
    start = datetime(2024, 5, 14, 17, 2, 11, tzinfo=timezone.utc)
    segments = record(path, start, 5, lambda t: 1.35 + 0.1 * math.sin(t / 200), {}, rng, 55.0, jitter=2.0)

    def hr(p):
        return ('<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>'
                f'{96 + int(p.t.timestamp()) % 17}</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions>')

    # The sport's namespace is a stand-in: the parser goes by the element's local name.
    ns = (' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"'
          ' xmlns:opentracks="http://opentracksapp.com/xmlschemas/v1"'
          ' xmlns:gb="https://gadgetbridge.org/xmlschemas/activity/v1"')
    write('gadgetbridge-walk.gpx', GPX11_HEAD.format(creator='Gadgetbridge', extra_ns=ns) +
          '  <metadata>\n    <name>Walk</name>\n    <author>\n      <name>Gadgetbridge</name>\n'
          '    </author>\n    <time>2024-05-14T19:40:03Z</time>\n  </metadata>\n'
          '  <trk>\n    <extensions>\n'
          '      <opentracks:trackid>6f1f2a9e-0c4b-4d52-9a53-8b0f3f7c2d11</opentracks:trackid>\n'
          '      <opentracks:typeTranslated>Spaziergang</opentracks:typeTranslated>\n'
          '      <gb:activity>walking</gb:activity>\n'
          '    </extensions>\n' +
          trkpts(segments, '    ', zulu, hr) + '  </trk>\n</gpx>\n')
    summary('gadgetbridge-walk.gpx', 'walk', segments)


def refused_gpx():
    head = GPX11_HEAD.format(creator='limber make-fixtures.py', extra_ns='')
    write('no-time.gpx', head +
          '  <trk>\n    <name>Planned route</name>\n    <type>hiking</type>\n    <trkseg>\n' +
          ''.join(f'      <trkpt lat="{47.4 + i * 0.0003:.7f}" lon="{10.98 + i * 0.0002:.7f}">'
                  f'<ele>{900 + i * 3}.0</ele></trkpt>\n' for i in range(20)) +
          '    </trkseg>\n  </trk>\n</gpx>\n')
    write('empty-track.gpx', head +
          '  <metadata>\n    <time>2024-05-12T06:30:00Z</time>\n  </metadata>\n'
          '  <trk>\n    <name>Nothing recorded</name>\n    <type>running</type>\n'
          '    <trkseg>\n    </trkseg>\n  </trk>\n</gpx>\n')
    write('wrong-namespace.gpx', '<?xml version="1.0" encoding="UTF-8"?>\n'
          '<gpx version="1.1" creator="limber make-fixtures.py" xmlns="http://www.topografix.com/GPX/1/2">\n'
          '  <trk>\n    <trkseg>\n'
          '      <trkpt lat="48.1" lon="11.5"><time>2024-05-12T06:30:00Z</time></trkpt>\n'
          '      <trkpt lat="48.2" lon="11.5"><time>2024-05-12T07:30:00Z</time></trkpt>\n'
          '    </trkseg>\n  </trk>\n</gpx>\n')
    write('not-gpx.kml', '<?xml version="1.0" encoding="UTF-8"?>\n'
          '<kml xmlns="http://www.opengis.net/kml/2.2">\n  <Document>\n    <Placemark>\n'
          '      <name>Morning run</name>\n      <TimeSpan><begin>2024-05-12T06:30:00Z</begin>'
          '<end>2024-05-12T07:20:00Z</end></TimeSpan>\n'
          '      <LineString><coordinates>11.5,48.1 11.6,48.1</coordinates></LineString>\n'
          '    </Placemark>\n  </Document>\n</kml>\n')


TCX_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<TrainingCenterDatabase'
            ' xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"'
            ' xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
            ' xsi:schemaLocation="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2'
            ' http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd">\n')
TCX_TAIL = ('    <Creator xsi:type="Device_t">\n      <Name>Forerunner 255</Name>\n'
            '      <UnitId>3412345678</UnitId>\n      <ProductID>3992</ProductID>\n'
            '    </Creator>\n  </Activity>\n  </Activities>\n</TrainingCenterDatabase>\n')


def tcx_laps(laps, cadence):
    """laps: [(points, timer seconds)]; writes the laps with running totals of the
    haversine distance per trackpoint, as a watch does, and returns the XML, the sum of
    the laps' DistanceMeters as written, and the list of all points."""
    out = []
    cum = 0.0
    prev = None
    total = 0.0
    everything = []
    for pts, timer in laps:
        lap_start = cum
        rows = []
        for p in pts:
            if prev is not None:
                cum += haversine(float(prev.lat), float(prev.lon), float(p.lat), float(p.lon))
            prev = p
            rows.append(f'          <Trackpoint>\n'
                        f'            <Time>{zulu(p.t)}</Time>\n'
                        f'            <Position>\n'
                        f'              <LatitudeDegrees>{p.lat}</LatitudeDegrees>\n'
                        f'              <LongitudeDegrees>{p.lon}</LongitudeDegrees>\n'
                        f'            </Position>\n'
                        f'            <AltitudeMeters>{p.ele}</AltitudeMeters>\n'
                        f'            <DistanceMeters>{cum:.2f}</DistanceMeters>\n'
                        f'            <HeartRateBpm><Value>{130 + int(p.t.timestamp()) % 23}</Value></HeartRateBpm>\n'
                        f'            <Extensions><ns3:TPX><ns3:{cadence}>{80 + int(p.t.timestamp()) % 7}'
                        f'</ns3:{cadence}></ns3:TPX></Extensions>\n'
                        f'          </Trackpoint>\n')
        lap_distance = f'{cum - lap_start:.2f}'
        total += float(lap_distance)
        everything += pts
        out.append(f'      <Lap StartTime="{zulu(pts[0].t)}">\n'
                   f'        <TotalTimeSeconds>{timer:.1f}</TotalTimeSeconds>\n'
                   f'        <DistanceMeters>{lap_distance}</DistanceMeters>\n'
                   f'        <Calories>{int(float(lap_distance) / 15)}</Calories>\n'
                   f'        <Intensity>Active</Intensity>\n'
                   f'        <TriggerMethod>Distance</TriggerMethod>\n'
                   f'        <Track>\n' + ''.join(rows) + '        </Track>\n      </Lap>\n')
    return ''.join(out), total, everything


def tcx_summary(name, kind, pts, total):
    first, last = pts[0].t, pts[-1].t
    print(f'{name}: kind {kind}, start {usec(first)} µs ({first.isoformat()}), '
          f'duration {usec(last) - usec(first)} µs, {len(pts)} points, '
          f'laps total {total:.2f} m, trackpoints {length([pts]):.6f} m')


def run_tcx():
    rng = random.Random(20240516)
    path = loop((53.5600, 9.9970), 1250.0, 600.0, 25.0)
    start = datetime(2024, 5, 16, 18, 5, 0, tzinfo=timezone.utc)
    # A new segment where the watch paused: 60 s without points, in the second lap.
    segs = record(path, start, 5, lambda t: 2.9 + 0.2 * math.sin(t / 250), {2900.0: 60}, rng, 12.0)
    pts = [p for s in segs for p in s]
    # Laps split at 2 km and 4 km of the running haversine total.
    cum, bounds = 0.0, []
    for i in range(1, len(pts)):
        cum += haversine(float(pts[i - 1].lat), float(pts[i - 1].lon), float(pts[i].lat), float(pts[i].lon))
        if len(bounds) < 2 and cum >= 2000.0 * (len(bounds) + 1):
            bounds.append(i + 1)
    lap_pts = [pts[:bounds[0]], pts[bounds[0]:bounds[1]], pts[bounds[1]:]]
    laps = []
    for k, lp in enumerate(lap_pts):
        end = lap_pts[k + 1][0].t if k + 1 < len(lap_pts) else lp[-1].t
        timer = (end - lp[0].t).total_seconds() - (60 if k == 1 else 0)
        laps.append((lp, timer))
    xml, total, everything = tcx_laps(laps, 'RunCadence')
    text = (TCX_HEAD + '  <Activities>\n    <Activity Sport="Running">\n'
            f'      <Id>{zulu(start)}</Id>\n' + xml + TCX_TAIL)
    write('run-laps.tcx', text)
    write_gz('run-laps.tcx.gz', 'run-laps.tcx')
    tcx_summary('run-laps.tcx', 'run', everything, total)
    print(f'  timer times {[t for _, t in laps]}, sum {sum(t for _, t in laps)} s')


def ride_tcx():
    rng = random.Random(20240520)
    path = loop((45.4642, 9.1900), 2600.0, 1700.0, 60.0)
    start = datetime(2024, 5, 20, 16, 40, 0, tzinfo=timezone.utc)
    segs = record(path, start, 5, lambda t: 6.4 + 0.9 * math.sin(t / 380), {}, rng, 120.0, jitter=1.5)
    pts = segs[0]
    timer = (pts[-1].t - pts[0].t).total_seconds()
    xml, total, everything = tcx_laps([(pts, timer)], 'Speed')
    write('ride.tcx', TCX_HEAD + '  <Activities>\n    <Activity Sport="Biking">\n'
          f'      <Id>{zulu(start)}</Id>\n' + xml + TCX_TAIL)
    tcx_summary('ride.tcx', 'ride', everything, total)


def empty_tcx():
    write('empty-activity.tcx', TCX_HEAD + '  <Activities>\n    <Activity Sport="Running">\n'
          '      <Id>2024-05-18T07:00:00Z</Id>\n' + TCX_TAIL)


def hostile():
    head = GPX11_HEAD.format(creator='limber make-fixtures.py', extra_ns='')
    track = ('  <trk>\n    <name>&xxe;</name>\n    <type>&xxe;</type>\n    <trkseg>\n'
             '      <trkpt lat="48.1" lon="11.5"><time>2024-05-12T06:30:00Z</time></trkpt>\n'
             '      <trkpt lat="48.2" lon="11.5"><time>2024-05-12T07:30:00Z</time></trkpt>\n'
             '    </trkseg>\n  </trk>\n</gpx>\n')
    depth = 100000
    write('hostile-deep-nesting.gpx', head.rstrip('\n') + '<e>' * depth + '</e>' * depth + '</gpx>\n')

    lol = ''.join(f'  <!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">\n' for i in range(1, 10))
    write('hostile-billion-laughs.gpx', '<?xml version="1.0" encoding="UTF-8"?>\n'
          '<!DOCTYPE gpx [\n  <!ENTITY lol0 "lol">\n' + lol + ']>\n' +
          head.split('\n', 1)[1] + track.replace('&xxe;', '&lol9;'))

    write('hostile-xxe.gpx', '<?xml version="1.0" encoding="UTF-8"?>\n'
          '<!DOCTYPE gpx [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n' +
          head.split('\n', 1)[1] + track)

    # .invalid never resolves (RFC 2606); the unit test also points one at a socket of
    # its own to see that nothing connects.
    write('hostile-external-dtd.gpx', '<?xml version="1.0" encoding="UTF-8"?>\n'
          '<!DOCTYPE gpx SYSTEM "http://limber.invalid/gpx.dtd">\n' +
          head.split('\n', 1)[1] + track.replace('&xxe;', 'External DTD'))


def main():
    run_gpx()
    ride_gpx()
    gadgetbridge_gpx()
    refused_gpx()
    run_tcx()
    ride_tcx()
    empty_tcx()
    hostile()


if __name__ == '__main__':
    main()
