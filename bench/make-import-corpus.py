#!/usr/bin/python3
"""Writes the import benchmark's corpus: N GPX 1.1 tracks of P points each (default
2,000 files of 1,000 points: 2 million track points), one point every 5 s along a
wandering path, as watches write them. Usage: make-import-corpus.py DIR [N [P]]"""

import datetime
import math
import os
import random
import sys


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    p = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    os.makedirs(out, exist_ok=True)
    rng = random.Random(42)
    start0 = datetime.datetime(2026, 1, 1, 7, 0, tzinfo=datetime.timezone.utc)
    for i in range(n):
        lat, lon, heading = 52.5 + rng.uniform(-0.1, 0.1), 13.4 + rng.uniform(-0.1, 0.1), rng.uniform(0, 360)
        t = start0 + datetime.timedelta(hours=8 * i)
        lines = ['<?xml version="1.0" encoding="UTF-8"?>',
                 '<gpx version="1.1" creator="limber bench" xmlns="http://www.topografix.com/GPX/1/1">',
                 f'<trk><name>Run {i}</name><type>running</type><trkseg>']
        for _ in range(p):
            heading += rng.uniform(-15, 15)
            step = 0.000015 * rng.uniform(0.8, 1.2)     # about 12 m per 5 s
            lat += step * math.cos(math.radians(heading))
            lon += step * math.sin(math.radians(heading)) / math.cos(math.radians(lat))
            lines.append(f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{35 + rng.uniform(-2, 2):.1f}</ele>'
                         f'<time>{t.strftime("%Y-%m-%dT%H:%M:%SZ")}</time></trkpt>')
            t += datetime.timedelta(seconds=5)
        lines.append('</trkseg></trk></gpx>')
        with open(os.path.join(out, f'run-{i:04d}.gpx'), 'w') as f:
            f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
