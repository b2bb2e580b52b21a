#!/usr/bin/python3
"""Writes the FIT fixtures of the FIT decoder's tests (tests/unit/test-fit.c and
tests/integration/test-fit-gpsbabel.py) into this folder, and prints what the decoder
should make of each good one. Standard library only; the outputs are committed, so run
it again only to change them:

    tests/data/import/make-fit.py

With gpsbabel installed it also converts a GPX and a TCX it writes into FIT
(run-gpsbabel.fit, ride-gpsbabel.fit): files from a writer other than ours.

The FIT layout follows the FIT protocol: a 12- or 14-byte header, definition and data
messages, and a CRC-16 over everything before it."""

import calendar
import math
import os
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIT_EPOCH = 631065600           # 1989-12-31T00:00:00Z in Unix time
EARTH_RADIUS_M = 6371008.8      # the decoder's

# base types: number, struct code, size, invalid value
ENUM = (0x00, 'B', None)
UINT8 = (0x02, 'B', None)
UINT16 = (0x84, 'H', None)
SINT32 = (0x85, 'i', None)
UINT32 = (0x86, 'I', None)
UINT32Z = (0x8C, 'I', None)
BYTE = (0x0D, 'B', None)
INVALID = {'B': 0xFF, 'H': 0xFFFF, 'i': 0x7FFFFFFF, 'I': 0xFFFFFFFF}

MESG_FILE_ID, MESG_SPORT, MESG_SESSION, MESG_LAP, MESG_RECORD, MESG_EVENT = 0, 12, 18, 19, 20, 21
MESG_ACTIVITY, MESG_FIELD_DESCRIPTION, MESG_DEVELOPER_DATA_ID = 34, 206, 207

CRC_TABLE = [0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
             0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400]


def crc16(data, crc=0):
    for byte in data:
        for nibble in (byte & 0x0F, byte >> 4):
            tmp = CRC_TABLE[crc & 0xF]
            crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ CRC_TABLE[nibble]
    return crc


def fit_time(iso):
    """FIT seconds of an ISO 8601 UTC time such as 2024-05-04T07:30:00Z."""
    return calendar.timegm(time.strptime(iso, '%Y-%m-%dT%H:%M:%SZ')) - FIT_EPOCH


def haversine_m(a, b):
    """Metres between two (lat, lon) in semicircles, as the decoder computes them."""
    deg = 180.0 / 2147483648.0
    rad = 3.14159265358979323846 / 180.0
    lat1, lon1 = a[0] * deg * rad, a[1] * deg * rad
    lat2, lon2 = b[0] * deg * rad, b[1] * deg * rad
    x, y = math.sin((lat2 - lat1) / 2), math.sin((lon2 - lon1) / 2)
    h = x * x + math.cos(lat1) * math.cos(lat2) * y * y
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(h, 1.0)))


class Fit:
    """Definition and data messages, in the order written; bytes() adds header and CRC."""

    def __init__(self):
        self.body = bytearray()
        self.defs = {}
        self.last_ts = None

    def define(self, local, mesg, fields, arch=0, dev_fields=None):
        """fields: (number, base type) or (number, base type, size) for arrays and strings;
        dev_fields: (number, size, developer data index)."""
        fields = [(f[0], f[1], f[2] if len(f) > 2 else struct.calcsize(f[1][1])) for f in fields]
        header = 0x40 | local | (0x20 if dev_fields is not None else 0)
        order = '>' if arch else '<'
        self.body += bytes([header, 0, arch]) + struct.pack(order + 'H', mesg) + bytes([len(fields)])
        for number, base, size in fields:
            self.body += bytes([number, size, base[0]])
        if dev_fields is not None:
            self.body += bytes([len(dev_fields)])
            for d in dev_fields:
                self.body += bytes(d)
        self.defs[local] = (mesg, fields, order, dev_fields or [])

    def data(self, local, values, dev=b'', compressed=False):
        """values: by field number; a missing one is written as FIT's invalid value."""
        mesg, fields, order, dev_fields = self.defs[local]
        ts = values.get(253)
        if compressed:
            ts = values[253]
            assert 0 <= ts - self.last_ts < 32, 'a compressed timestamp covers 31 s at most'
            out = bytearray([0x80 | local << 5 | (ts & 0x1F)])
        else:
            out = bytearray([local])
        for number, base, size in fields:
            v = values.get(number)
            if base[1] == 'B' and size > 1:         # strings and byte arrays
                out += (v or b'').ljust(size, b'\0')[:size]
            else:
                out += struct.pack(order + base[1], INVALID[base[1]] if v is None else v)
        assert len(dev) == sum(d[1] for d in dev_fields)
        out += dev
        if ts is not None:
            self.last_ts = ts
        self.body += out

    def raw(self, b):
        self.body += b

    def bytes(self, header_size=14, header_crc=True, data_size=None):
        size = len(self.body) if data_size is None else data_size
        header = bytearray(struct.pack('<BBHI4s', header_size, 0x20, 2132, size, b'.FIT'))
        if header_size == 14:
            header += struct.pack('<H', crc16(header) if header_crc else 0)
        out = header + self.body
        return bytes(out + struct.pack('<H', crc16(out)))


def track(start, n, lat0, lon0, speed, intervals, pause_at=None, pause=0):
    """n points from start (FIT seconds): (time, lat, lon in semicircles, cumulative cm),
    a gently curving line at speed m/s, one interval after another from intervals, with
    one pause of pause seconds before point pause_at."""
    points, t, lat, lon, cum = [], start, lat0, lon0, 0.0
    for i in range(n):
        if i > 0:
            dt = intervals[i % len(intervals)]
            t += dt + (pause if i == pause_at else 0)
            heading = i * 0.07
            step = speed * dt
            lat += step * math.cos(heading) / 111320.0
            lon += step * math.sin(heading) / (111320.0 * math.cos(math.radians(lat)))
        sc = (round(lat * 2147483648.0 / 180.0), round(lon * 2147483648.0 / 180.0))
        if points:
            cum += haversine_m(points[-1][1:3], sc)
        points.append((t, sc[0], sc[1], round(cum * 100)))
    return points


RECORD_FIELDS = [(253, UINT32), (0, SINT32), (1, SINT32), (5, UINT32), (3, UINT8)]
SESSION_FIELDS = [(253, UINT32), (2, UINT32), (5, ENUM), (6, ENUM), (7, UINT32), (8, UINT32), (9, UINT32), (11, UINT16)]


def record_values(p, i):
    return {253: p[0], 0: p[1], 1: p[2], 5: p[3], 3: 120 + i % 40}


def file_id(fit, created, local=0, arch=0):
    fit.define(local, MESG_FILE_ID, [(0, ENUM), (1, UINT16), (2, UINT16), (3, UINT32Z), (4, UINT32)], arch=arch)
    fit.data(local, {0: 4, 1: 255, 2: 1, 3: 4242, 4: created})


def timer_start(fit, ts, local=1):
    fit.define(local, MESG_EVENT, [(253, UINT32), (0, ENUM), (1, ENUM)])
    fit.data(local, {253: ts, 0: 0, 1: 0})


def session(fit, points, sport, elapsed_ms, timer_ms, local=3, arch=0, write_elapsed=True, dev_fields=None, dev=b''):
    fields = SESSION_FIELDS if write_elapsed else [f for f in SESSION_FIELDS if f[0] != 7]
    fit.define(local, MESG_SESSION, fields, arch=arch, dev_fields=dev_fields)
    fit.data(local, {253: points[-1][0], 2: points[0][0], 5: sport, 6: 0, 7: elapsed_ms, 8: timer_ms,
                     9: points[-1][3] - points[0][3], 11: 321}, dev=dev)


def activity(fit, ts, n_sessions=1, local=4):
    fit.define(local, MESG_ACTIVITY, [(253, UINT32), (1, UINT16), (2, ENUM)])
    fit.data(local, {253: ts, 1: n_sessions, 2: 0})


RUN = track(fit_time('2024-05-04T07:30:00Z'), 60, 48.137, 11.575, 3.1, [1, 2, 3, 5, 7, 4], pause_at=40, pause=45)
RUN_ELAPSED_MS = (RUN[-1][0] - RUN[0][0]) * 1000 + 450
RUN_TIMER_MS = RUN_ELAPSED_MS - 45000


def run_fit():
    fit = Fit()
    file_id(fit, RUN[0][0])
    timer_start(fit, RUN[0][0])
    fit.define(2, MESG_RECORD, RECORD_FIELDS)
    for i, p in enumerate(RUN):
        fit.data(2, record_values(p, i))
    session(fit, RUN, 1, RUN_ELAPSED_MS, RUN_TIMER_MS)
    activity(fit, RUN[-1][0])
    return fit


def run_compressed_fit():
    """Records after the first carry a compressed timestamp, except after the pause,
    which is too long for one. The first has a full one though the timer event before it
    would do: gpsbabel adds a compressed offset to the last full timestamp instead of
    taking it as the time's low 5 bits, so this keeps its start right."""
    fit = Fit()
    file_id(fit, RUN[0][0])
    timer_start(fit, RUN[0][0])
    fit.define(0, MESG_RECORD, RECORD_FIELDS)
    fit.define(2, MESG_RECORD, [f for f in RECORD_FIELDS if f[0] != 253])
    for i, p in enumerate(RUN):
        if i > 0 and p[0] - fit.last_ts < 32:
            fit.data(2, record_values(p, i), compressed=True)
        else:
            fit.data(0, record_values(p, i))
    session(fit, RUN, 1, RUN_ELAPSED_MS, RUN_TIMER_MS)
    activity(fit, RUN[-1][0])
    return fit


def developer_fit():
    """Developer fields in file_id, record and session definitions: their bytes look like
    record headers (0x40, 0x41, 0x82) and are at odd sizes, so a decoder that does not
    skip them falls out of step."""
    fit = Fit()
    file_id(fit, RUN[0][0])
    fit.define(5, MESG_DEVELOPER_DATA_ID, [(1, BYTE, 16), (3, UINT8)])
    fit.data(5, {1: bytes(range(16)), 3: 0})
    fit.define(6, MESG_FIELD_DESCRIPTION, [(0, UINT8), (1, UINT8), (2, UINT8), (3, (0x07, 'B', None), 16)])
    fit.data(6, {0: 0, 1: 0, 2: 0x84, 3: b'power'})
    fit.data(6, {0: 0, 1: 1, 2: 0x07, 3: b'note'})
    timer_start(fit, RUN[0][0])
    fit.define(2, MESG_RECORD, RECORD_FIELDS, dev_fields=[(0, 2, 0), (1, 5, 0)])
    for i, p in enumerate(RUN):
        fit.data(2, record_values(p, i), dev=bytes([0x40, 0x41, 0x82, 0x40, 0x0F, 0x00, i & 0xFF]))
    session(fit, RUN, 1, RUN_ELAPSED_MS, RUN_TIMER_MS, dev_fields=[(1, 3, 0)], dev=b'\x41\x00\x00')
    activity(fit, RUN[-1][0])
    return fit


def bigendian_fit():
    fit = Fit()
    file_id(fit, RUN[0][0], arch=1)
    timer_start(fit, RUN[0][0])
    fit.define(2, MESG_RECORD, RECORD_FIELDS, arch=1)
    for i, p in enumerate(RUN):
        fit.data(2, record_values(p, i))
    session(fit, RUN, 1, RUN_ELAPSED_MS, RUN_TIMER_MS, arch=1)
    activity(fit, RUN[-1][0])
    return fit


WALK = track(fit_time('2024-06-01T18:05:00Z'), 50, 52.52, 13.405, 1.4, [3, 4, 5, 2, 6])


def records_fit():
    """No session: start, duration and distance from the records; the sport from a
    sport message."""
    fit = Fit()
    file_id(fit, WALK[0][0])
    fit.define(1, MESG_SPORT, [(0, ENUM), (1, ENUM)])
    fit.data(1, {0: 11, 1: 0})
    fit.define(2, MESG_RECORD, RECORD_FIELDS)
    for i, p in enumerate(WALK):
        fit.data(2, record_values(p, i))
    return fit


HIKE = track(fit_time('2024-06-02T06:45:10Z'), 70, 47.42, 10.98, 1.1, [7, 9, 11, 13, 5, 3], pause_at=30, pause=90)


def records_compressed_fit():
    """No session and no distance field: the length of the track; compressed timestamps
    that roll over every 32 s."""
    fit = Fit()
    file_id(fit, HIKE[0][0])
    fit.define(0, MESG_RECORD, [(253, UINT32), (0, SINT32), (1, SINT32)])
    fit.define(1, MESG_RECORD, [(0, SINT32), (1, SINT32)])
    for p in HIKE:
        values = {253: p[0], 0: p[1], 1: p[2]}
        if fit.last_ts is not None and p[0] - fit.last_ts < 32:
            fit.data(1, values, compressed=True)
        else:
            fit.data(0, values)
    return fit


RIDE = track(fit_time('2024-05-05T15:00:00Z'), 80, 50.94, 6.96, 8.0, [2, 3, 4, 5])


def ride_fit():
    """A 12-byte header; the session without total_elapsed_time, so its end timestamp
    minus its start_time counts."""
    fit = Fit()
    file_id(fit, RIDE[0][0])
    fit.define(2, MESG_RECORD, RECORD_FIELDS)
    for i, p in enumerate(RIDE):
        fit.data(2, record_values(p, i))
    session(fit, RIDE, 2, None, (RIDE[-1][0] - RIDE[0][0]) * 1000 - 30000, write_elapsed=False)
    activity(fit, RIDE[-1][0])
    return fit


MULTI = track(fit_time('2024-07-14T09:00:00Z'), 90, 45.76, 4.84, 6.0, [2, 3, 4])
MULTI_SPLIT = 50


def multisport_fit():
    """Two sessions, a ride then a run, over one continuous track; a 14-byte header with
    its CRC left 0."""
    fit = Fit()
    file_id(fit, MULTI[0][0])
    fit.define(2, MESG_RECORD, RECORD_FIELDS)
    for i, p in enumerate(MULTI):
        fit.data(2, record_values(p, i))
        if i == MULTI_SPLIT:
            leg = MULTI[:MULTI_SPLIT + 1]
            session(fit, leg, 2, (leg[-1][0] - leg[0][0]) * 1000, (leg[-1][0] - leg[0][0]) * 1000)
    leg = MULTI[MULTI_SPLIT:]
    session(fit, leg, 1, (leg[-1][0] - leg[0][0]) * 1000 + 999, (leg[-1][0] - leg[0][0]) * 1000)
    activity(fit, MULTI[-1][0], n_sessions=2)
    return fit


def no_timestamps_fit():
    fit = Fit()
    fit.define(0, MESG_FILE_ID, [(0, ENUM), (1, UINT16)])
    fit.data(0, {0: 4, 1: 255})
    fit.define(2, MESG_RECORD, [(0, SINT32), (1, SINT32), (5, UINT32)])
    for p in RUN[:10]:
        fit.data(2, {0: p[1], 1: p[2], 5: p[3]})
    return fit


def lying_field_fit():
    """Its record definition promises 200 bytes; the data ends one byte short of them,
    with the CRC's two bytes still to come."""
    fit = Fit()
    file_id(fit, RUN[0][0])
    fit.define(2, MESG_RECORD, [(253, UINT32), (2, BYTE, 196)])
    fit.raw(bytes([2]) + struct.pack('<I', RUN[0][0]) + b'\0' * 195)
    return fit


def undefined_local_fit():
    fit = Fit()
    file_id(fit, RUN[0][0])
    fit.define(2, MESG_RECORD, RECORD_FIELDS)
    fit.data(2, record_values(RUN[0], 0))
    fit.raw(bytes([3]) + b'\0' * 8)
    return fit


def compressed_first_fit():
    """A compressed timestamp with no full one before it to count from."""
    fit = Fit()
    fit.define(0, MESG_FILE_ID, [(0, ENUM)])
    fit.data(0, {0: 4})
    fit.define(1, MESG_RECORD, [(0, SINT32), (1, SINT32)])
    fit.raw(bytes([0x80 | 1 << 5 | 7]) + struct.pack('<ii', RUN[0][1], RUN[0][2]))
    return fit


def relative_time_fit():
    """Timestamps below 0x10000000 count from the device's power-on: no dates."""
    fit = Fit()
    fit.define(2, MESG_RECORD, RECORD_FIELDS)
    for i, p in enumerate(RUN[:5]):
        fit.data(2, record_values((p[0] - RUN[0][0] + 1000,) + p[1:], i))
    return fit


def bad_architecture_fit():
    fit = Fit()
    file_id(fit, RUN[0][0])
    fit.raw(bytes([0x42, 0, 2, MESG_RECORD, 0, 1, 253, 4, 0x86]))
    return fit


def gpx(points, name, kind):
    def iso(t):
        return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t + FIT_EPOCH))
    pts = ''.join(f'   <trkpt lat="{p[1] * 180.0 / 2147483648.0:.7f}" lon="{p[2] * 180.0 / 2147483648.0:.7f}">'
                  f'<ele>{500 + i % 7}</ele><time>{iso(p[0])}</time></trkpt>\n' for i, p in enumerate(points))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<gpx version="1.1" creator="limber make-fit.py" xmlns="http://www.topografix.com/GPX/1/1">\n'
            f' <trk><name>{name}</name><type>{kind}</type><trkseg>\n{pts} </trkseg></trk>\n</gpx>\n')


def tcx(points, sport):
    def iso(t):
        return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t + FIT_EPOCH))
    pts = ''.join(f'      <Trackpoint><Time>{iso(p[0])}</Time><Position>'
                  f'<LatitudeDegrees>{p[1] * 180.0 / 2147483648.0:.7f}</LatitudeDegrees>'
                  f'<LongitudeDegrees>{p[2] * 180.0 / 2147483648.0:.7f}</LongitudeDegrees></Position>'
                  f'<DistanceMeters>{p[3] / 100:.2f}</DistanceMeters></Trackpoint>\n' for p in points)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">\n'
            f' <Activities><Activity Sport="{sport}"><Id>{iso(points[0][0])}</Id>\n'
            f'  <Lap StartTime="{iso(points[0][0])}"><TotalTimeSeconds>{points[-1][0] - points[0][0]}</TotalTimeSeconds>'
            f'<DistanceMeters>{points[-1][3] / 100:.2f}</DistanceMeters><Calories>0</Calories>'
            '<Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod>\n'
            f'   <Track>\n{pts}   </Track>\n  </Lap>\n </Activity></Activities>\n</TrainingCenterDatabase>\n')


def write(name, data):
    with open(os.path.join(HERE, name), 'wb') as f:
        f.write(data)


def main():
    good = {
        'fit-run.fit': run_fit().bytes(),
        'fit-run-compressed.fit': run_compressed_fit().bytes(),
        'fit-developer.fit': developer_fit().bytes(),
        'fit-bigendian.fit': bigendian_fit().bytes(),
        'fit-records.fit': records_fit().bytes(),
        'fit-records-compressed.fit': records_compressed_fit().bytes(),
        'fit-ride.fit': ride_fit().bytes(header_size=12),
        'fit-multisport.fit': multisport_fit().bytes(header_crc=False),
    }
    run = good['fit-run.fit']
    bad_crc = bytearray(run)
    bad_crc[200] ^= 0x01
    bad_header_crc = bytearray(run)
    bad_header_crc[12] ^= 0x01
    bad = {
        'fit-no-timestamps.fit': no_timestamps_fit().bytes(),
        'fit-truncated.fit': run[:len(run) * 3 // 5],
        'fit-bad-crc.fit': bytes(bad_crc),
        'fit-bad-header-crc.fit': bytes(bad_header_crc),
        'fit-lying-size.fit': run_fit().bytes(data_size=0xFFFFFFF0),
        'fit-lying-field.fit': lying_field_fit().bytes(),
        'fit-undefined-local.fit': undefined_local_fit().bytes(),
        'fit-compressed-first.fit': compressed_first_fit().bytes(),
        'fit-relative-time.fit': relative_time_fit().bytes(),
        'fit-bad-architecture.fit': bad_architecture_fit().bytes(),
    }
    for name, data in {**good, **bad}.items():
        write(name, data)

    write('gpsbabel-run.gpx', gpx(RUN, 'Morning run', 'running').encode())
    write('gpsbabel-ride.tcx', tcx(RIDE, 'Biking').encode())
    if shutil.which('gpsbabel'):
        subprocess.run(['gpsbabel', '-i', 'gpx', '-f', os.path.join(HERE, 'gpsbabel-run.gpx'),
                        '-o', 'garmin_fit', '-F', os.path.join(HERE, 'run-gpsbabel.fit')], check=True)
        subprocess.run(['gpsbabel', '-i', 'gtrnctr', '-f', os.path.join(HERE, 'gpsbabel-ride.tcx'),
                        '-o', 'garmin_fit', '-F', os.path.join(HERE, 'ride-gpsbabel.fit')], check=True)
    else:
        print('make-fit.py: no gpsbabel, run-gpsbabel.fit and ride-gpsbabel.fit left as they are',
              file=sys.stderr)

    # What the decoder should make of the good files (start in Unix seconds).
    def show(name, start, duration_ms, cm=None, metres=None):
        dist = f'{cm / 100:.2f} m' if cm is not None else f'{metres:.6f} m (track length)'
        print(f'{name}: {size_of(name)} bytes, start {start + FIT_EPOCH}, duration {duration_ms} ms, {dist}')

    def size_of(name):
        return os.path.getsize(os.path.join(HERE, name))

    for name in ('fit-run.fit', 'fit-run-compressed.fit', 'fit-developer.fit', 'fit-bigendian.fit'):
        show(name, RUN[0][0], RUN_ELAPSED_MS, cm=RUN[-1][3])
    show('fit-records.fit', WALK[0][0], (WALK[-1][0] - WALK[0][0]) * 1000, cm=WALK[-1][3])
    show('fit-records-compressed.fit', HIKE[0][0], (HIKE[-1][0] - HIKE[0][0]) * 1000,
         metres=sum(haversine_m(a[1:3], b[1:3]) for a, b in zip(HIKE, HIKE[1:])))
    show('fit-ride.fit', RIDE[0][0], (RIDE[-1][0] - RIDE[0][0]) * 1000, cm=RIDE[-1][3])
    show('fit-multisport.fit', MULTI[0][0], (MULTI[-1][0] - MULTI[0][0]) * 1000 + 999, cm=MULTI[-1][3])
    for name in ('fit-truncated.fit', 'fit-lying-field.fit', 'fit-undefined-local.fit'):
        print(f'{name}: {size_of(name)} bytes')


if __name__ == '__main__':
    main()
