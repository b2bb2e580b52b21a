#!/usr/bin/python3
"""The plan over weeks as people live them, through limberd and its database, on a
clock of the test's own (libfaketime, frozen, moved by the test):

- a database written by the schema before sessions kept their local day is migrated,
  and its planned sessions stay as they were;
- a trip from Berlin to Tokyo: the done after-run session of a run that the new zone
  puts on another day is not asked for again, and next weeks' sessions stay on their
  local evenings, also after a restart;
- a user who answers nothing: each missed session is replaced once, on another day, a
  replacement is not replaced, and Unplaced then says the week is not asked again;
- a first run on a Thursday: limberd keeps that moment in its database, once, and the
  week asks only for its share (4 of 7 days), across a restart, until the next week
  asks in full; a migrated database's first run is its earliest record."""

import datetime
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import USEC_PER_SEC, at, check, check_equal  # noqa: E402

MIN = 60 * USEC_PER_SEC

CONFIG = '''[schedule]
timezone = {zone}
[smr]
per_week = 2
[cardio]
weekly_minutes = 0
[mobility]
notify = false
[feed]
http = off
'''

# The sessions table as schema version 1 wrote it.
SCHEMA_1 = '''
CREATE TABLE activities (id TEXT PRIMARY KEY, source TEXT NOT NULL, external_id TEXT, kind TEXT NOT NULL,
  title TEXT, start_us INTEGER NOT NULL, duration_us INTEGER NOT NULL CHECK (duration_us > 0),
  distance_m REAL NOT NULL DEFAULT 0, created_us INTEGER NOT NULL, UNIQUE (source, external_id));
CREATE INDEX activities_start ON activities (start_us);
CREATE TABLE desk_spans (id INTEGER PRIMARY KEY, state TEXT NOT NULL CHECK (state IN ('active', 'idle')),
  start_us INTEGER NOT NULL, end_us INTEGER CHECK (end_us IS NULL OR end_us >= start_us));
CREATE INDEX desk_spans_start ON desk_spans (start_us);
CREATE TABLE sessions (id TEXT PRIMARY KEY, kind TEXT NOT NULL, rule TEXT NOT NULL, day INTEGER NOT NULL,
  slot INTEGER NOT NULL, routine TEXT NOT NULL, title TEXT, reason TEXT NOT NULL, start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL CHECK (end_us > start_us), status TEXT NOT NULL, sequence INTEGER NOT NULL DEFAULT 0,
  last_modified_us INTEGER NOT NULL, created_us INTEGER NOT NULL);
CREATE INDEX sessions_start ON sessions (start_us);
CREATE TABLE outcomes (id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  outcome TEXT NOT NULL CHECK (outcome IN ('completed', 'skipped', 'snoozed', 'missed')),
  at_us INTEGER NOT NULL, snooze_us INTEGER);
CREATE INDEX outcomes_session ON outcomes (session_id);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
PRAGMA user_version = 1;
'''



def epoch_day(y, m, d):
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days


def sessions(d):
    """{id: (kind, status, start, sequence)} of ListSessions."""
    return {s[0]: (s[1], s[2], s[4], s[6]) for s in d.call('ListSessions', 'tt', 0, 0)[0]}


def starting(d, prefix):
    return {k: v for k, v in sessions(d).items() if k.startswith(prefix)}


def start_daemon(ctx, bus, clock, zone, state_dir=None):
    return ctx.daemon(bus, config=CONFIG.format(zone=zone), state_dir=state_dir,
                      command_prefix=clock.prefix(zone)).start()


def test_migration(ctx, libfaketime):
    """A schema-1 database with this week's two sessions planned by an older limberd."""
    berlin = 'Europe/Berlin'
    clock = harness.FrozenClock(ctx, libfaketime, at(berlin, 2026, 11, 23, 10, 0))
    state = os.path.join(ctx.root, 'migration-state')
    os.makedirs(state)
    db = sqlite3.connect(os.path.join(state, 'limber.db'))
    db.executescript(SCHEMA_1)
    stamp = at(berlin, 2026, 11, 23, 9, 0)
    for sid, day, start, reason in (
            ('weekly_20261123_0', 23, at(berlin, 2026, 11, 23, 18, 30), '1st SMR session of the week'),
            ('weekly_20261123_1', 25, at(berlin, 2026, 11, 25, 18, 30), '2nd SMR session of the week')):
        db.execute('INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                   (sid, 'smr', 'weekly', epoch_day(2026, 11, 23), int(sid[-1]), 'weekly', None, reason, start,
                    start + 15 * MIN, 'planned', 0, stamp, stamp))
    db.commit()
    db.close()

    bus = ctx.bus()
    d = start_daemon(ctx, bus, clock, berlin, state_dir=state)
    got = starting(d, 'weekly_20261123_')
    check_equal(got, {'weekly_20261123_0': ('smr', 'planned', at(berlin, 2026, 11, 23, 18, 30), 0),
                      'weekly_20261123_1': ('smr', 'planned', at(berlin, 2026, 11, 25, 18, 30), 0)},
                'the week planned by schema 1, after the migration')
    last_modified = {k: v['data'] for k, v in d.call('GetSession', 's', 'weekly_20261123_1')[0].items()}
    check_equal(last_modified['LastModified'], stamp, 'LAST-MODIFIED of a migrated session')
    check_equal(d.stop(), 0, 'exit status')

    db = sqlite3.connect(os.path.join(state, 'limber.db'))
    check_equal(db.execute('PRAGMA user_version').fetchone()[0], 2, 'schema version after the migration')
    rows = dict(db.execute("SELECT id, local_day FROM sessions WHERE id LIKE 'weekly_20261123_%'"))
    db.close()
    check_equal(rows, {'weekly_20261123_0': epoch_day(2026, 11, 23), 'weekly_20261123_1': epoch_day(2026, 11, 25)},
                'local days stored for the migrated sessions')
    check_equal(first_run(state), stamp, 'the first run of a migrated database: its earliest record')


def first_run(state):
    db = sqlite3.connect(os.path.join(state, 'limber.db'))
    rows = db.execute("SELECT value FROM meta WHERE key = 'first-run'").fetchall()
    db.close()
    return int(rows[0][0]) if len(rows) == 1 else rows


def test_first_week(ctx, libfaketime):
    """Thursday 26 Nov 2026, 10:00 in Berlin, a fresh state, the default SMR and cardio
    rules: 4 of 7 days are left. 2 x 4/7 = 1.14: one SMR session, Thursday 18:30.
    150 x 4/7 = 85.7: 86 min, 3 walks of 30, Thursday to Saturday 12:00. Nothing is
    unplaced, where the full week would leave a fifth walk without a day."""
    berlin = 'Europe/Berlin'
    thursday = at(berlin, 2026, 11, 26, 10, 0)
    clock = harness.FrozenClock(ctx, libfaketime, thursday)
    config = '[schedule]\ntimezone = Europe/Berlin\n[mobility]\nnotify = false\n[feed]\nhttp = off\n'
    bus = ctx.bus()
    d = ctx.daemon(bus, config=config, command_prefix=clock.prefix(berlin)).start()
    state = d.state_dir

    def week(what):
        check_equal((d.get_property('WeekSmrTarget'), d.get_property('WeekCardioTarget'),
                     [tuple(u) for u in d.get_property('Unplaced')]), what[0], f'{what[1]}: targets and Unplaced')
        this_week = {k: v[2] for k, v in sessions(d).items()
                     if k.endswith(tuple(f'_20261123_{n}' for n in range(9))) and v[1] == 'planned'}
        check_equal(this_week, what[2], f'{what[1]}: the week\'s planned sessions')

    first = {'weekly_20261123_0': at(berlin, 2026, 11, 26, 18, 30),
             'cardio_20261123_0': at(berlin, 2026, 11, 26, 12, 0),
             'cardio_20261123_1': at(berlin, 2026, 11, 27, 12, 0),
             'cardio_20261123_2': at(berlin, 2026, 11, 28, 12, 0)}
    week(((1, 86, []), 'a first run on Thursday', first))
    check_equal(first_run(state), thursday, 'the first run kept in the database')
    check_equal(d.call('GetSession', 's', 'cardio_20261123_0')[0]['Reason']['data'], "week's cardio 0/86 min",
                'the reason of a walk in the first week')
    check_equal(d.stop(), 0, 'exit status')

    # Friday 10:00, a restart: the first run stays Thursday's, and so does the share
    # (from Friday it would be 150 x 3/7 = 64 min). Thursday's session and walk were
    # missed: the SMR session's stand-in goes on Saturday, 2 days on; the walk's on
    # Sunday, as Friday and Saturday have theirs.
    clock.set(at(berlin, 2026, 11, 27, 10, 0))
    d = ctx.daemon(bus, config=config, state_dir=state, command_prefix=clock.prefix(berlin)).start()
    week(((1, 86, []), 'Friday, after a restart',
          {'cardio_20261123_1': at(berlin, 2026, 11, 27, 12, 0),
           'cardio_20261123_2': at(berlin, 2026, 11, 28, 12, 0),
           'weekly_20261123_1': at(berlin, 2026, 11, 28, 18, 30),
           'cardio_20261123_3': at(berlin, 2026, 11, 29, 12, 0)}))
    check_equal(first_run(state), thursday, 'the first run after a restart')

    # Monday 30 Nov: a week in full, 2 SMR sessions and 150 min.
    clock.set(at(berlin, 2026, 11, 30, 10, 0))
    d.call('Replan')
    check_equal((d.get_property('WeekSmrTarget'), d.get_property('WeekCardioTarget')), (2, 150),
                'the targets of the week after the first')
    check_equal(d.stop(), 0, 'exit status after the restart')


def test_travel(ctx, libfaketime):
    berlin, tokyo = 'Europe/Berlin', 'Asia/Tokyo'
    # Sunday 29 Nov, 18:05 in Berlin, limber's first run: the week of 23 Nov asks for
    # 2 x 1/7 sessions, none, so rule 1 plans Monday 30 Nov and Wednesday 2 Dec, then
    # Monday 7 and Wednesday 9. Then a 10 km run 17:00-18:00 (Monday 01:00-02:00 in
    # Tokyo): rule 2 plans 18:30 tonight, a day before Monday, whose session moves to
    # Friday 4 Dec, the first evening 2 days from Wednesday's (SEQUENCE 1).
    clock = harness.FrozenClock(ctx, libfaketime, at(berlin, 2026, 11, 29, 18, 5))
    bus = ctx.bus()
    d = start_daemon(ctx, bus, clock, berlin)
    check_equal(starting(d, 'weekly_20261130_'),
                {'weekly_20261130_0': ('smr', 'planned', at(berlin, 2026, 11, 30, 18, 30), 0),
                 'weekly_20261130_1': ('smr', 'planned', at(berlin, 2026, 12, 2, 18, 30), 0)},
                'next week in Berlin before the run')
    d.call('LogActivity', 'sttda{sv}', 'run', at(berlin, 2026, 11, 29, 17, 0), 60 * MIN, 10000.0, 0)
    want = {
        'workout_20261129_0': ('smr', 'planned', at(berlin, 2026, 11, 29, 18, 30), 0),
        'weekly_20261130_0': ('smr', 'planned', at(berlin, 2026, 12, 4, 18, 30), 1),
        'weekly_20261130_1': ('smr', 'planned', at(berlin, 2026, 12, 2, 18, 30), 0),
        'weekly_20261207_0': ('smr', 'planned', at(berlin, 2026, 12, 7, 18, 30), 0),
        'weekly_20261207_1': ('smr', 'planned', at(berlin, 2026, 12, 9, 18, 30), 0),
    }
    check_equal(sessions(d), want, 'the plan in Berlin')
    d.call('CompleteSession', 's', 'workout_20261129_0')

    # Monday 30 Nov, 10:00 in Tokyo: the zone changes. The run is today there, and its
    # session is done: no second one. Each weekly session stays on its local evening,
    # 18:30 in Tokyo, moved (SEQUENCE up by 1).
    clock.set(at(tokyo, 2026, 11, 30, 10, 0))
    d.write_config(CONFIG.format(zone=tokyo))
    d.call('Reload')
    want = {
        'workout_20261129_0': ('smr', 'completed', at(berlin, 2026, 11, 29, 18, 30), 0),
        'weekly_20261130_0': ('smr', 'planned', at(tokyo, 2026, 12, 4, 18, 30), 2),
        'weekly_20261130_1': ('smr', 'planned', at(tokyo, 2026, 12, 2, 18, 30), 1),
        'weekly_20261207_0': ('smr', 'planned', at(tokyo, 2026, 12, 7, 18, 30), 1),
        'weekly_20261207_1': ('smr', 'planned', at(tokyo, 2026, 12, 9, 18, 30), 1),
    }
    check_equal(sessions(d), want, 'the plan in Tokyo')

    # A restart in Tokyo finds the same plan in the database.
    state = d.state_dir
    check_equal(d.stop(), 0, 'exit status')
    d = start_daemon(ctx, bus, clock, tokyo, state_dir=state)
    check_equal(sessions(d), want, 'the plan in Tokyo after a restart')
    check_equal(d.stop(), 0, 'exit status after the restart')


def test_nobody_answers(ctx, libfaketime):
    berlin = 'Europe/Berlin'
    monday = at(berlin, 2026, 11, 23, 0, 0)
    clock = harness.FrozenClock(ctx, libfaketime, at(berlin, 2026, 11, 23, 10, 0))
    bus = ctx.bus()
    d = start_daemon(ctx, bus, clock, berlin)
    check_equal(starting(d, 'weekly_20261123_'),
                {'weekly_20261123_0': ('smr', 'planned', at(berlin, 2026, 11, 23, 18, 30), 0),
                 'weekly_20261123_1': ('smr', 'planned', at(berlin, 2026, 11, 25, 18, 30), 0)},
                'the week on Monday morning')

    # Each evening at 19:50, past 18:45 and the hour of grace, nobody has answered.
    # Monday's stand-in goes on Friday (the first evening 2 days from Wednesday),
    # Wednesday's on Sunday (2 days from Friday); Friday's stand-in is not replaced.
    steps = [
        ((2026, 11, 23), {'weekly_20261123_0': ('smr', 'missed', at(berlin, 2026, 11, 23, 18, 30), 0),
                          'weekly_20261123_1': ('smr', 'planned', at(berlin, 2026, 11, 25, 18, 30), 0),
                          'weekly_20261123_2': ('smr', 'planned', at(berlin, 2026, 11, 27, 18, 30), 0)}),
        ((2026, 11, 25), {'weekly_20261123_0': ('smr', 'missed', at(berlin, 2026, 11, 23, 18, 30), 0),
                          'weekly_20261123_1': ('smr', 'missed', at(berlin, 2026, 11, 25, 18, 30), 0),
                          'weekly_20261123_2': ('smr', 'planned', at(berlin, 2026, 11, 27, 18, 30), 0),
                          'weekly_20261123_3': ('smr', 'planned', at(berlin, 2026, 11, 29, 18, 30), 0)}),
        ((2026, 11, 27), {'weekly_20261123_0': ('smr', 'missed', at(berlin, 2026, 11, 23, 18, 30), 0),
                          'weekly_20261123_1': ('smr', 'missed', at(berlin, 2026, 11, 25, 18, 30), 0),
                          'weekly_20261123_2': ('smr', 'missed', at(berlin, 2026, 11, 27, 18, 30), 0),
                          'weekly_20261123_3': ('smr', 'planned', at(berlin, 2026, 11, 29, 18, 30), 0)}),
    ]
    for (y, m, day), want in steps:
        clock.set(at(berlin, y, m, day, 19, 50))
        d.call('Replan')
        check_equal(starting(d, 'weekly_20261123_'), want, f'the week on {y}-{m:02}-{day:02} at 19:50')

    reasons = {sid: d.call('GetSession', 's', sid)[0]['Reason']['data']
               for sid in ('weekly_20261123_2', 'weekly_20261123_3')}
    check_equal(reasons, {'weekly_20261123_2': 'in place of the SMR session missed on 23 Nov',
                          'weekly_20261123_3': 'in place of the SMR session missed on 25 Nov'},
                'the reasons of the stand-ins')
    unplaced = [tuple(u) for u in d.get_property('Unplaced')]
    check_equal(unplaced, [('smr', 'weekly', monday, 'week of 23 Nov: 1 of 2 SMR sessions not asked again: '
                                                     'one that did not happen is replaced only once')],
                'Unplaced on Friday evening')

    # After a restart the stand-ins are still known as such: still nothing more.
    state = d.state_dir
    check_equal(d.stop(), 0, 'exit status')
    d = start_daemon(ctx, bus, clock, berlin, state_dir=state)
    check_equal(starting(d, 'weekly_20261123_'), steps[-1][1], 'the week after a restart')
    check_equal([tuple(u) for u in d.get_property('Unplaced')], unplaced, 'Unplaced after a restart')
    check_equal(d.stop(), 0, 'exit status after the restart')


def test(ctx):
    libfaketime = harness.find_libfaketime()
    if not libfaketime:
        raise harness.Skip('libfaketime is not installed (Debian package faketime)')
    test_migration(ctx, libfaketime)
    test_travel(ctx, libfaketime)
    test_nobody_answers(ctx, libfaketime)
    test_first_week(ctx, libfaketime)


if __name__ == '__main__':
    harness.main(test)
