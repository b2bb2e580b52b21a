#!/usr/bin/python3
"""Crash loop: limberd killed with SIGKILL at random moments while a client keeps
calling it, and restarted on the same state directory and feed file, for up to ROUNDS
rounds or SECONDS seconds.

A worker thread, on its own bus connection (python3-dbus), sends LogActivity calls
without pause, each with a unique external_id, now and then gives an outcome
(CompleteSession or SkipSession) to a session the plan has planned, and snoozes one
session by a minute again and again; walks and snoozes change the feed, so that kills
hit feed writes too. It records every call that got a reply. Calls cut off by the kill (NoReply) or sent while limberd was
down (ServiceUnknown) may or may not have taken effect: that is fine. The kill comes
0-150 ms after limberd is ready, and in every fourth round 0-150 ms after it was
spawned, whether or not it is ready by then.

Checked: the feed file, whenever it exists (after each kill, after each start), is a
whole calendar that python icalendar parses (it is written to a temporary file and
renamed: never half-written); every kill finds limberd still running (it never died by
itself) and it exits by the SIGKILL; afterwards every replied activity is listed by
ListActivities with the id and fields it was given, no external_id is stored twice,
every replied outcome is the session's status (and in the feed), and the database left
by a SIGKILL passes PRAGMA integrity_check, opened read-only. A last clean stop exits
with 0 (under ASan: no leak found at exit), and no temporary feed file of a write that
a kill cut short is left next to the feed after the restarts."""

import os
import random
import re
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (BUS_NAME, INTERFACE, OBJECT_PATH, USEC_PER_SEC, TestFailure, check,  # noqa: E402
                     check_equal)

sys.path.insert(0, os.path.join(os.environ['LIMBER_SOURCE_ROOT'], 'tests', 'feed'))
import clients  # noqa: E402

ROUNDS = 100
SECONDS = 30
MAX_KILL_DELAY = 0.150
SOURCE = 'crash-loop'
# Short and not cardio: they leave the plan as it is, so the sessions the worker gives
# outcomes to mostly stay there (a long workout would add SMR sessions).
KINDS = ['yoga', 'strength', 'other']
# Every WALK_EVERY-th call is a one-minute walk that just ended: each adds a minute to
# the week's cardio, which every planned walk's reason quotes, so the feed is rewritten
# and a kill may hit a feed write. The weekly target is out of reach (the most the
# config allows), so walks stay planned all along.
WALK_EVERY = 3
# Walks are planned only while the week has a midday window ahead. Whatever the day,
# every SNOOZE_EVERY-th call snoozes one session (the latest planned SMR session, left
# out of the outcomes) by a minute, which moves it in the feed.
SNOOZE_EVERY = 5
MIN = 60 * USEC_PER_SEC


def require_dbus():
    try:
        import dbus  # noqa: F401
        import dbus.bus  # noqa: F401
    except ImportError as e:
        raise harness.Skip(f'python3-dbus is missing for the calling thread: {e}')


def check_feed(path, what, seen_text):
    """The feed, when it exists, is a whole calendar that python icalendar parses."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except FileNotFoundError:
        return False
    text = data.decode('utf-8', errors='strict')
    check(text.startswith('BEGIN:VCALENDAR\r\n') and text.endswith('END:VCALENDAR\r\n'),
          f'{what}: the feed is not a whole calendar ({len(data)} bytes; ends with {text[-60:]!r})')
    if text not in seen_text:
        try:
            events = clients.python_icalendar(path)
        except Exception as e:
            raise TestFailure(f'{what}: python icalendar refuses the feed: {e}\n{text[:2000]}')
        check(events, f'{what}: the feed has no events')
        seen_text.add(text)
    return True


class Worker(threading.Thread):
    """Calls limberd without pause on its own connection and records what got a reply."""

    def __init__(self, address, base):
        super().__init__(name='crash-loop-worker', daemon=True)
        import dbus
        import dbus.bus
        self.dbus = dbus
        self.conn = dbus.bus.BusConnection(address)
        self.base = base
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.candidates = []        # session ids the next outcome may go to
        self.outcome_budget = 0     # outcomes left to give this round
        self.n = 0
        self.activities = {}        # external_id -> (id, row ListActivities must show)
        self.outcomes = {}          # session id -> status it must have
        self.churn = None           # the session the snoozes move, and its start then
        self.churn_start = 0
        self.snoozed = 0            # snoozes replied
        self.snoozes_unanswered = 0  # cut off by a kill: may or may not have been stored
        self.sent = 0
        self.errors = {}            # error name -> count
        self.failure = None

    def give(self, candidates):
        with self.lock:
            if self.churn is None and candidates:
                self.churn, self.churn_start = candidates[-1]
            self.candidates = [c for c, _ in candidates if c not in self.outcomes and c != self.churn]
            random.shuffle(self.candidates)
            self.outcome_budget = 1

    def _outcome(self):
        with self.lock:
            if self.outcome_budget == 0 or not self.candidates:
                return None
            self.outcome_budget -= 1
            return self.candidates.pop()

    def _call(self, method, signature, args):
        self.sent += 1
        return self.conn.call_blocking(BUS_NAME, OBJECT_PATH, INTERFACE, method, signature, args, timeout=20)

    def _error(self, e):
        name = e.get_dbus_name() or 'unknown'
        self.errors[name] = self.errors.get(name, 0) + 1
        # What a kill or a restart may cause; anything else is limberd refusing a
        # good call.
        if name not in ('org.freedesktop.DBus.Error.NoReply', 'org.freedesktop.DBus.Error.ServiceUnknown',
                        'org.freedesktop.DBus.Error.NameHasNoOwner',
                        'io.github.limber.Limber1.Error.NoSuchSession'):
            raise TestFailure(f'a call got {name}: {e.get_dbus_message()}')
        if name != 'org.freedesktop.DBus.Error.NoReply':
            time.sleep(0.005)   # limberd is down: do not spin

    def run(self):
        dbus = self.dbus
        try:
            while not self.stop.is_set():
                if self.churn and self.sent % SNOOZE_EVERY == 0:
                    try:
                        self._call('SnoozeSession', 'st', (self.churn, dbus.UInt64(MIN)))
                        self.snoozed += 1
                    except dbus.DBusException as e:
                        self._error(e)
                        if e.get_dbus_name() == 'org.freedesktop.DBus.Error.NoReply':
                            self.snoozes_unanswered += 1
                    continue
                session = self._outcome() if random.random() < 0.2 else None
                if session:
                    method = random.choice(['CompleteSession', 'SkipSession'])
                    try:
                        self._call(method, 's', (session,))
                    except dbus.DBusException as e:
                        self._error(e)
                        continue
                    self.outcomes[session] = 'completed' if method == 'CompleteSession' else 'skipped'
                    continue

                i = self.n
                self.n += 1
                external_id = f'call-{i}'
                if i % WALK_EVERY == 0:
                    kind, start, duration = 'walk', harness.now_usec() // USEC_PER_SEC * USEC_PER_SEC - 2 * MIN, MIN
                else:
                    kind, start, duration = KINDS[i % len(KINDS)], self.base + i * MIN, (10 + i % 15) * MIN
                distance = float(i % 7) * 100.5
                extra = {'source': SOURCE, 'external_id': external_id}
                try:
                    reply = self._call('LogActivity', 'sttda{sv}', (kind, start, duration, distance, extra))
                except dbus.DBusException as e:
                    self._error(e)
                    continue
                activity_id = str(reply)
                self.activities[external_id] = (activity_id, [activity_id, SOURCE, kind, start, duration, distance])
        except BaseException as e:     # handed to the main thread
            self.failure = e
        finally:
            self.conn.close()


def planned_smr_sessions(d):
    """Outcome candidates, (id, start), earliest first. Not the walks: while one is
    planned, its reason quotes the week's cardio minutes, which the walks change."""
    return [(s[0], s[4]) for s in d.call('ListSessions', 'tt', 0, 0)[0]
            if s[1] == 'smr' and s[2] in ('planned', 'snoozed')]


def test(ctx):
    require_dbus()
    bus = ctx.bus()
    state_dir = os.path.join(ctx.root, 'shared-state')
    feed_dir = os.path.join(ctx.root, 'shared-feed')
    feed = os.path.join(feed_dir, 'limber.ics')
    config = f'[feed]\nhttp = off\npath = {feed}\n[mobility]\nnotify = false\n[cardio]\nweekly_minutes = 10080\n'
    seed = int(os.environ.get('LIMBER_CRASH_LOOP_SEED', str(time.time_ns() % 2**32)))
    random.seed(seed)
    harness.log(f'random seed {seed} (LIMBER_CRASH_LOOP_SEED repeats it)')

    # Activities start 5 days ago, one minute apart: never in the future, all distinct.
    base = (harness.now_usec() // USEC_PER_SEC) * USEC_PER_SEC - 5 * 86400 * USEC_PER_SEC
    worker = Worker(bus.address, base)
    seen_feeds = set()
    kills_checked = feeds_after_kill = 0
    started = time.monotonic()
    deadline = started + harness.scaled(SECONDS)
    worker.start()
    try:
        for i in range(ROUNDS):
            if time.monotonic() > deadline:
                break
            d = ctx.daemon(bus, config=config, state_dir=state_dir, name=f'limberd-round-{i}')
            early = i % 4 == 3
            d.start(wait_ready=not early)
            if not early:
                check(check_feed(feed, f'round {i}: after the start', seen_feeds), f'round {i}: no feed at {feed}')
                worker.give(planned_smr_sessions(d))
            time.sleep(random.uniform(0, MAX_KILL_DELAY))
            if worker.failure:
                raise worker.failure
            # Never dead before the kill: kill9 fails on a limberd that is not running.
            check_equal(d.kill9(), -9, f'round {i}: status of the killed limberd')
            kills_checked += 1
            if check_feed(feed, f'round {i}: after the SIGKILL', seen_feeds):
                feeds_after_kill += 1
    finally:
        worker.stop.set()
        worker.join(timeout=30)
    check(not worker.is_alive(), 'the worker thread did not stop')
    if worker.failure:
        raise worker.failure
    elapsed = time.monotonic() - started
    harness.log(f'{kills_checked} rounds in {elapsed:.1f} s; {worker.sent} calls, '
                f'{len(worker.activities)} activities, {len(worker.outcomes)} outcomes and {worker.snoozed} snoozes '
                f'replied; '
                f'errors {worker.errors}; {len(seen_feeds)} distinct feeds parsed')
    check(kills_checked >= 10, f'only {kills_checked} rounds ran')
    check(len(worker.activities) >= 20, f'only {len(worker.activities)} LogActivity calls got a reply')
    check(worker.outcomes, 'no outcome call got a reply')
    check(feeds_after_kill >= kills_checked - 1, 'the feed was missing after a kill')

    # A kill in the middle of a feed write leaves its temporary file (mkostemp's
    # limber.ics.XXXXXX) next to the feed; the last check below wants them gone.
    leftovers = sorted(f for f in os.listdir(feed_dir) if f != 'limber.ics')
    harness.log(f'left next to the feed by the kills: {leftovers}')

    d = ctx.daemon(bus, config=config, state_dir=state_dir, name='limberd-final').start()
    check_feed(feed, 'after the last start', seen_feeds)
    listed = d.call('ListActivities', 'tt', 0, 0)[0]
    ids = [a[0] for a in listed]
    check_equal(len(ids), len(set(ids)), 'distinct ids in ListActivities')
    by_id = {a[0]: a for a in listed}
    lost = [(ext, row) for ext, (aid, row) in sorted(worker.activities.items()) if by_id.get(aid) != row]
    check(not lost, f'{len(lost)} replied activities are not listed as given, e.g. {lost[:3]}\n'
          f'(listed: {len(listed)})')
    mine = [a for a in listed if a[1] == SOURCE]
    check(len(mine) <= worker.n, f'{len(mine)} activities listed from {worker.n} LogActivity calls')
    harness.log(f'{len(mine)} activities stored, {len(worker.activities)} of them replied')

    for session, status in sorted(worker.outcomes.items()):
        got = d.call('GetSession', 's', session)[0]['Status']['data']
        check_equal(got, status, f'status of {session}, whose outcome was replied')
    # Each snooze moves a session that lies ahead by its minute: every replied one is
    # in its start, and of those a kill cut off, some may be.
    if worker.snoozed:
        churn = d.call('GetSession', 's', worker.churn)[0]
        check_equal(churn['Status']['data'], 'snoozed', f'status of {worker.churn}, snoozed {worker.snoozed} times')
        moved = (churn['Start']['data'] - worker.churn_start) // MIN
        check(worker.snoozed <= moved <= worker.snoozed + worker.snoozes_unanswered,
              f'{worker.churn} moved by {moved} min with {worker.snoozed} snoozes of a minute replied '
              f'and {worker.snoozes_unanswered} cut off')
    # A replied outcome is in the feed too.
    with open(feed) as f:
        text = f.read()
    for session, status in worker.outcomes.items():
        m = re.search(rf'UID:{re.escape(session)}@.*?X-LIMBER-STATUS:(\w+)', text, re.S)
        check(m and m.group(1) == status, f'the feed shows {session} as {m and m.group(1)!r}, not {status}')
    check_equal(d.kill9(), -9, 'status of the last killed limberd')

    db = os.path.join(state_dir, 'limber.db')
    conn = sqlite3.connect(f'file:{db}?mode=ro', uri=True, timeout=10)
    try:
        check_equal(conn.execute('PRAGMA integrity_check').fetchall(), [('ok',)], 'PRAGMA integrity_check')
        dups = conn.execute('SELECT source, external_id, COUNT(*) FROM activities WHERE external_id IS NOT NULL '
                            'GROUP BY source, external_id HAVING COUNT(*) > 1').fetchall()
        check_equal(dups, [], 'external_ids stored more than once')
        stored = dict(conn.execute('SELECT external_id, id FROM activities WHERE source = ?', (SOURCE,)).fetchall())
        for ext, (aid, _row) in worker.activities.items():
            check_equal(stored.get(ext), aid, f'stored id of {ext}')
        check_equal(conn.execute('PRAGMA journal_mode').fetchone()[0], 'wal', 'PRAGMA journal_mode')
    finally:
        conn.close()

    # And it still starts and stops cleanly on what the kills left.
    d = ctx.daemon(bus, config=config, state_dir=state_dir, name='limberd-clean').start()
    check_equal(len(d.call('ListActivities', 'tt', 0, 0)[0]), len(listed), 'activities after the last restart')
    check_equal(d.stop(), 0, 'exit status of a clean stop')

    # Last, so that it hides nothing else: a restart leaves no temporary feed file of a
    # write a kill cut short. Each is a whole copy of the feed, and they pile up in
    # ~/.local/share/limber with every crash that hits a write.
    stale = sorted(f for f in os.listdir(feed_dir) if re.fullmatch(r'limber\.ics\.[A-Za-z0-9]{6}', f))
    check(not stale, f'temporary feed files left by killed writes are still there after restarts: {stale}')


if __name__ == '__main__':
    harness.main(test)
