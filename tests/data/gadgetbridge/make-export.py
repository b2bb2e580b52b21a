#!/usr/bin/python3
"""Writes the Gadgetbridge database exports the gadgetbridge plugin's test reads.

  make-export.py                       rewrites export.db and other-schema.db next to
                                       this script (both committed)
  make-export.py --export PATH         an export like export.db
  make-export.py --export PATH --new   the same plus one newer workout (NEW_WORKOUT)
  make-export.py --other-schema PATH   a database of another schema

The tables are Gadgetbridge's own, as its greenDAO generator (GBDaoGenerator.java:
addActivitySummary, addDevice, addUserInfo) creates them, in its SQL spelling; _id is
INTEGER PRIMARY KEY without AUTOINCREMENT there. The file is in WAL mode like the
database of an Android app, and has no -wal file left, like an exported copy.

The rows: one workout of each kind the plugin maps, with known times and distances
(WORKOUTS, which the test imports), and the rows it must skip or read without a
distance. Only the Python standard library."""

import argparse
import json
import os
import sqlite3

MIN = 60 * 1000                         # ms
HOUR = 60 * MIN
# Monday 2024-05-06 07:00:00 UTC: every workout is well in the past.
BASE = 1714978800 * 1000
FUTURE = 4102444800 * 1000              # 2100-01-01

DEVICE_ID = 1
USER_ID = 1

# Gadgetbridge's ActivityKind codes.
RUNNING, WALKING, SWIMMING, CYCLING, TREADMILL = 0x10, 0x20, 0x40, 0x80, 0x100
YOGA, STRENGTH_TRAINING, HIKING = 0x4000, 0x200000, 0x400000
OUTDOOR_RUNNING, TENNIS = 0x040000b1, 0x0400000b


def summary(distance=None, active_seconds=None, unit='meters'):
    """SUMMARY_DATA as Gadgetbridge writes it: name -> {value, unit}."""
    data = {}
    if active_seconds is not None:
        data['activeSeconds'] = {'value': active_seconds, 'unit': 'seconds'}
    data['caloriesBurnt'] = {'value': 321, 'unit': 'calories_unit'}
    if distance is not None:
        data['distanceMeters'] = {'value': distance, 'unit': unit}
    data['averageHR'] = {'value': 131, 'unit': 'bpm'}
    return json.dumps(data)


# (_id, NAME, START_TIME, END_TIME, ACTIVITY_KIND, SUMMARY_DATA) and what limber
# should make of it: (kind, start ms, duration ms, distance m), or None when skipped.
ROWS = [
    (1, 'Morning run', BASE, BASE + 45 * MIN, RUNNING, summary(10012.5, 2700),
     ('run', BASE, 45 * MIN, 10012.5)),
    (2, 'Walk to work', BASE + 1 * 24 * HOUR, BASE + 1 * 24 * HOUR + 30 * MIN, WALKING, summary(2500, 1800),
     ('walk', BASE + 1 * 24 * HOUR, 30 * MIN, 2500.0)),
    (3, 'Pool', BASE + 2 * 24 * HOUR, BASE + 2 * 24 * HOUR + 40 * MIN, SWIMMING, summary(1500),
     ('swim', BASE + 2 * 24 * HOUR, 40 * MIN, 1500.0)),
    (4, 'Evening ride', BASE + 3 * 24 * HOUR, BASE + 3 * 24 * HOUR + 90 * MIN, CYCLING, summary(42000.75),
     ('ride', BASE + 3 * 24 * HOUR, 90 * MIN, 42000.75)),
    (5, 'Treadmill', BASE + 4 * 24 * HOUR, BASE + 4 * 24 * HOUR + 30 * MIN, TREADMILL, summary(5000),
     ('run', BASE + 4 * 24 * HOUR, 30 * MIN, 5000.0)),
    (6, 'Ridge hike', BASE + 5 * 24 * HOUR, BASE + 5 * 24 * HOUR + 3 * HOUR, HIKING, summary(12000),
     ('hike', BASE + 5 * 24 * HOUR, 3 * HOUR, 12000.0)),
    # No distance at all: yoga says none, strength training has no SUMMARY_DATA.
    (7, 'Yoga', BASE + 6 * 24 * HOUR, BASE + 6 * 24 * HOUR + 60 * MIN, YOGA, summary(None, 3600),
     ('yoga', BASE + 6 * 24 * HOUR, 60 * MIN, 0.0)),
    (8, None, BASE + 7 * 24 * HOUR, BASE + 7 * 24 * HOUR + 50 * MIN, STRENGTH_TRAINING, None,
     ('strength', BASE + 7 * 24 * HOUR, 50 * MIN, 0.0)),
    # A newer Gadgetbridge code, and one that is none of limber's kinds.
    (9, 'Outdoor run', BASE + 8 * 24 * HOUR, BASE + 8 * 24 * HOUR + 25 * MIN, OUTDOOR_RUNNING, summary(4000),
     ('run', BASE + 8 * 24 * HOUR, 25 * MIN, 4000.0)),
    (10, 'Tennis', BASE + 9 * 24 * HOUR, BASE + 9 * 24 * HOUR + 60 * MIN, TENNIS, summary(None),
     ('other', BASE + 9 * 24 * HOUR, 60 * MIN, 0.0)),
    # Broken JSON: the workout counts, its distance is unknown.
    (11, 'Broken summary', BASE + 10 * 24 * HOUR, BASE + 10 * 24 * HOUR + 20 * MIN, RUNNING,
     '{"distanceMeters": {"value": 3000.0, "unit": "met',
     ('run', BASE + 10 * 24 * HOUR, 20 * MIN, 0.0)),
    # A distance in another unit is not taken for metres.
    (12, 'Feet', BASE + 11 * 24 * HOUR, BASE + 11 * 24 * HOUR + 20 * MIN, WALKING, summary(6000, unit='feet'),
     ('walk', BASE + 11 * 24 * HOUR, 20 * MIN, 0.0)),
    # Skipped: ends before it starts, lasts nothing, ends in the future.
    (13, 'Backwards', BASE + 12 * 24 * HOUR, BASE + 12 * 24 * HOUR - 10 * MIN, RUNNING, summary(1000), None),
    (14, 'Instant', BASE + 13 * 24 * HOUR, BASE + 13 * 24 * HOUR, WALKING, summary(0), None),
    (15, 'Future', FUTURE, FUTURE + 30 * MIN, RUNNING, summary(5000), None),
]

# The row a later export adds.
NEW_WORKOUT = (16, 'New ride', BASE + 14 * 24 * HOUR, BASE + 14 * 24 * HOUR + 75 * MIN, CYCLING, summary(30500.25),
               ('ride', BASE + 14 * 24 * HOUR, 75 * MIN, 30500.25))

# What limber should list after reading export.db, in start order.
WORKOUTS = sorted((r[6] for r in ROWS if r[6]), key=lambda w: w[1])
SKIPPED_IDS = [r[0] for r in ROWS if r[6] is None]

SCHEMA = [
    'CREATE TABLE android_metadata (locale TEXT)',
    'CREATE TABLE "USER" ("_id" INTEGER PRIMARY KEY ,"NAME" TEXT NOT NULL ,"BIRTHDAY" INTEGER NOT NULL ,'
    '"GENDER" INTEGER NOT NULL )',
    'CREATE TABLE "DEVICE" ("_id" INTEGER PRIMARY KEY ,"NAME" TEXT NOT NULL ,"MANUFACTURER" TEXT NOT NULL ,'
    '"IDENTIFIER" TEXT NOT NULL UNIQUE ,"TYPE" INTEGER NOT NULL ,"TYPE_NAME" TEXT NOT NULL ,"MODEL" TEXT,'
    '"ALIAS" TEXT,"PARENT_FOLDER" TEXT)',
    'CREATE TABLE "BASE_ACTIVITY_SUMMARY" ("_id" INTEGER PRIMARY KEY ,"NAME" TEXT,"START_TIME" INTEGER NOT NULL ,'
    '"END_TIME" INTEGER NOT NULL ,"ACTIVITY_KIND" INTEGER NOT NULL ,"BASE_LONGITUDE" INTEGER,'
    '"BASE_LATITUDE" INTEGER,"BASE_ALTITUDE" INTEGER,"GPX_TRACK" TEXT,"RAW_DETAILS_PATH" TEXT,'
    '"DEVICE_ID" INTEGER NOT NULL ,"USER_ID" INTEGER NOT NULL ,"SUMMARY_DATA" TEXT,"RAW_SUMMARY_DATA" BLOB)',
]


def _fresh(path):
    for suffix in ('', '-wal', '-shm', '-journal'):
        try:
            os.unlink(path + suffix)
        except FileNotFoundError:
            pass
    db = sqlite3.connect(path)
    db.execute('PRAGMA journal_mode=WAL')
    return db


def write_export(path, new=False):
    db = _fresh(path)
    with db:
        for sql in SCHEMA:
            db.execute(sql)
        db.execute("INSERT INTO android_metadata VALUES ('en_US')")
        db.execute('INSERT INTO "USER" VALUES (?, ?, ?, ?)', (USER_ID, 'gadgetbridge-user', 473385600000, 2))
        db.execute('INSERT INTO "DEVICE" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
                   (DEVICE_ID, 'Amazfit Bip', 'Huami', 'C8:0F:10:00:00:01', 14, 'AMAZFITBIP', None, None, None))
        for _id, name, start, end, kind, data, _expected in ROWS + ([NEW_WORKOUT] if new else []):
            gpx = f'/storage/emulated/0/Android/data/nodomain.freeyourgadget.gadgetbridge/files/{_id}.gpx'
            db.execute('INSERT INTO "BASE_ACTIVITY_SUMMARY" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                       (_id, name, start, end, kind, 13404000, 52520000, 34, gpx, None,
                        DEVICE_ID, USER_ID, data, bytes([_id, 0, 0, 0, 0xa5])))
    db.close()      # the last connection checkpoints and removes the -wal file


def write_other_schema(path):
    """A database without workout summaries: the activity samples of an old export."""
    db = _fresh(path)
    with db:
        db.execute('CREATE TABLE android_metadata (locale TEXT)')
        db.execute('CREATE TABLE "MI_BAND_ACTIVITY_SAMPLE" ("TIMESTAMP" INTEGER NOT NULL ,"DEVICE_ID" INTEGER NOT NULL ,'
                   '"USER_ID" INTEGER NOT NULL ,"RAW_INTENSITY" INTEGER NOT NULL ,"STEPS" INTEGER NOT NULL ,'
                   '"RAW_KIND" INTEGER NOT NULL ,"HEART_RATE" INTEGER NOT NULL ,PRIMARY KEY ("TIMESTAMP" ,"DEVICE_ID" ))')
        for i in range(10):
            db.execute('INSERT INTO "MI_BAND_ACTIVITY_SAMPLE" VALUES (?, 1, 1, 40, 80, 1, 90)', (BASE // 1000 + 60 * i,))
    db.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--export', metavar='PATH')
    parser.add_argument('--new', action='store_true', help='add NEW_WORKOUT to --export')
    parser.add_argument('--other-schema', metavar='PATH')
    args = parser.parse_args()
    if not args.export and not args.other_schema:
        here = os.path.dirname(os.path.abspath(__file__))
        args.export = os.path.join(here, 'export.db')
        args.other_schema = os.path.join(here, 'other-schema.db')
    if args.export:
        write_export(args.export, args.new)
    if args.other_schema:
        write_other_schema(args.other_schema)


if __name__ == '__main__':
    main()
