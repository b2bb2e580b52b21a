#!/usr/bin/python3
"""Durability: an activity whose LogActivity was answered survives a SIGKILL right
after the reply. Several rounds on one state directory; afterwards the database left
by the last kill passes SQLite's integrity check and is still in WAL mode."""

import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import USEC_PER_SEC, check, check_equal, extra_args  # noqa: E402

ROUNDS = 5
KINDS = ['run', 'walk', 'ride', 'swim', 'hike', 'strength', 'yoga', 'other']


def test(ctx):
    bus = ctx.bus()
    state_dir = os.path.join(ctx.root, 'shared-state')
    base = (harness.now_usec() // USEC_PER_SEC) * USEC_PER_SEC - 2 * 86400 * USEC_PER_SEC
    logged = []     # what ListActivities must return, oldest first

    for i in range(ROUNDS):
        d = ctx.daemon(bus, state_dir=state_dir).start()
        # Everything from the earlier rounds is there after their SIGKILL.
        check_equal(d.call('ListActivities', 'tt', 0, 0)[0], logged, f'activities at the start of round {i}')

        kind = KINDS[i % len(KINDS)]
        start = base + i * 3600 * USEC_PER_SEC
        duration = (20 + i) * 60 * USEC_PER_SEC
        distance = 1000.25 * (i + 1)
        extra = {'source': ('s', 'crash-test'), 'external_id': ('s', f'round-{i}')}
        activity_id = d.call('LogActivity', 'sttda{sv}', kind, start, duration, distance,
                             *extra_args(extra))[0]
        # No grace at all: the reply is the promise.
        status = d.kill9()
        check_equal(status, -9, f'status of the killed limberd in round {i}')
        logged.append([activity_id, 'crash-test', kind, start, duration, distance])

    d = ctx.daemon(bus, state_dir=state_dir).start()
    check_equal(d.call('ListActivities', 'tt', 0, 0)[0], logged, 'activities after the last restart')
    # Idempotency holds across restarts too.
    again = d.call('LogActivity', 'sttda{sv}', KINDS[0], base, 20 * 60 * USEC_PER_SEC, 1000.25,
                   *extra_args({'source': ('s', 'crash-test'), 'external_id': ('s', 'round-0')}))[0]
    check_equal(again, logged[0][0], 'id of a repeated external_id after restarts')
    d.kill9()

    db = os.path.join(state_dir, 'limber.db')
    check(os.path.exists(db), f'{db} missing')
    conn = sqlite3.connect(f'file:{db}?mode=rw', uri=True, timeout=10)
    try:
        check_equal(conn.execute('PRAGMA integrity_check').fetchall(), [('ok',)], 'PRAGMA integrity_check')
        check_equal(conn.execute('PRAGMA journal_mode').fetchone()[0], 'wal', 'PRAGMA journal_mode')
    finally:
        conn.close()


if __name__ == '__main__':
    harness.main(test)
