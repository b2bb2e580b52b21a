#!/usr/bin/python3
"""Sitting breaks and outcomes, on a private bus with short limits
(max_sitting = 3s, natural_break = 2s): sitting for 3 s makes a mobility session due
(SessionDue, an object, a stored row), which is no event in the calendar feed; 2 s of
idle end the streak; a break nobody answered is missed once the next one is due, on the
bus and in the stored outcomes; a busy calendar slot holds a break until it ends;
outcomes are stored before the reply, survive a kill, and show on the session object;
the session objects follow the plan through the ObjectManager; bad arguments get errors
and limberd runs on."""

import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (BUS_NAME, ERROR_INVALID_ARGS, INTERFACE, OBJECT_PATH, USEC_PER_SEC,  # noqa: E402
                     check, check_equal, check_in)

SESSION_INTERFACE = 'io.github.limber.Limber1.Session'
NO_SUCH_SESSION = 'io.github.limber.Limber1.Error.NoSuchSession'
CONFIG = ('[schedule]\ntimezone = Europe/Berlin\n{busy}\n[mobility]\nmax_sitting = 3s\nnatural_break = 2s\n'
          'duration = 1min\nnotify = false\n[feed]\nhttp = off\n')


def managed(d):
    objects = d.bus.call_full(BUS_NAME, OBJECT_PATH, 'org.freedesktop.DBus.ObjectManager',
                              'GetManagedObjects')[0]
    return {path: {k: v['data'] for k, v in ifaces[SESSION_INTERFACE].items()}
            for path, ifaces in objects.items() if SESSION_INTERFACE in ifaces}


def session_call(d, sid, method, signature='', *args):
    return d.bus.call_full(BUS_NAME, f'{OBJECT_PATH}/session/{sid}', SESSION_INTERFACE, method, signature, *args)


def due(monitor, kind=None):
    out = []
    for m in monitor.signals('SessionDue', INTERFACE, OBJECT_PATH):
        sid, k, title, description = m['payload']['data']
        if kind is None or k == kind:
            out.append((sid, k, title, description))
    return out


def check_no_breaks_in_feed(d, what):
    feed = harness.read_text(d.get_property('FeedPath'))
    check(not re.search(r'^UID:sitting_', feed, re.M) and 'X-LIMBER-KIND:mobility' not in feed,
          f'a mobility break in the feed {what}:\n{feed}')


def test(ctx):
    bus = ctx.bus()
    d = ctx.daemon(bus, config=CONFIG.format(busy='')).start()
    monitor = harness.Monitor(bus, ctx.root)

    # Every planned session is an object; GetManagedObjects has them all.
    sessions = d.call('ListSessions', 'tt', 0, 0)[0]
    objects = managed(d)
    check_equal(sorted(objects), sorted(f'{OBJECT_PATH}/session/{s[0]}' for s in sessions),
                'session objects against ListSessions')
    for sid, kind, status, title, start, end, seq in sessions:
        o = objects[f'{OBJECT_PATH}/session/{sid}']
        check_equal((o['Id'], o['Kind'], o['Status'], o['Title'], o['Start'], o['End'], o['Sequence']),
                    (sid, kind, status, title, start, end, seq), f'properties of {sid}')
        check(o['Steps'] and o['Reason'], f'{sid} has no steps or reason')
    live_xml = d.bus.call_full(BUS_NAME, f'{OBJECT_PATH}/session/{sessions[0][0]}',
                               'org.freedesktop.DBus.Introspectable', 'Introspect')[0]
    harness.check_documented(live_xml, os.path.join(os.environ['LIMBER_SOURCE_ROOT'], 'doc',
                                                    'io.github.limber.Limber1.Session.xml'), SESSION_INTERFACE)
    check_equal(d.get_property('SittingLimit'), 3 * USEC_PER_SEC, 'SittingLimit')
    check_equal(d.get_property('Plugins'), [], 'Plugins')

    # Sitting for 3 s: a mobility break is due.
    t0 = harness.now_usec()
    d.call('ReportIdle', 'b', False)
    harness.wait_until(lambda: due(monitor, 'mobility'), 10, what='SessionDue for a mobility break')
    sid, kind, title, description = due(monitor, 'mobility')[0]
    elapsed = harness.now_usec() - t0
    check(elapsed >= 3 * USEC_PER_SEC - 200000, f'the break came after {elapsed / 1e6:.1f} s, before 3 s')
    check(re.fullmatch(r'sitting_\d{8}_0', sid), f'break id {sid!r}')
    check_in('Cat-cow', description, 'the break\'s description')
    session = {k: v['data'] for k, v in d.call('GetSession', 's', sid)[0].items()}
    check_equal((session['Kind'], session['Rule'], session['Status']), ('mobility', 'sitting', 'planned'),
                'the break from GetSession')
    harness.wait_until(lambda: f'{OBJECT_PATH}/session/{sid}' in managed(d), 5, what='the break\'s object')
    added = [m for m in monitor.signals('InterfacesAdded', 'org.freedesktop.DBus.ObjectManager', OBJECT_PATH)
             if m['payload']['data'][0] == f'{OBJECT_PATH}/session/{sid}']
    check(added, 'no InterfacesAdded for the break')
    # A break is a nudge at the desk, not an appointment: no calendar event.
    check_no_breaks_in_feed(d, 'once it is due')

    # The break taken from its object: stored, shown, and the streak starts again.
    before_done = harness.now_usec()
    session_call(d, sid, 'Complete')
    check_equal(managed(d)[f'{OBJECT_PATH}/session/{sid}']['Status'], 'completed', 'the break\'s Status')
    changed = [m for m in monitor.signals('PropertiesChanged', 'org.freedesktop.DBus.Properties',
                                          f'{OBJECT_PATH}/session/{sid}')]
    check(changed and any('Status' in m['payload']['data'][1] for m in changed),
          'no PropertiesChanged for the break\'s Status')
    check(d.get_property('SittingSince') >= before_done, 'the streak did not start again after the break')
    check_no_breaks_in_feed(d, 'once it is done')

    # Idle for 2 s ends the streak; back at the desk, a new one starts and no break
    # comes within 2 s.
    d.call('ReportIdle', 'b', True)
    harness.wait_until(lambda: d.get_property('SittingSince') == 0, 10, what='the streak to end after 2 s idle')
    n_due = len(due(monitor))
    d.call('ReportIdle', 'b', False)
    time.sleep(2)
    check_equal(len(due(monitor)), n_due, 'breaks due 2 s into a new streak')
    harness.wait_until(lambda: len(due(monitor, 'mobility')) == 2, 10, what='the second break')
    second = due(monitor, 'mobility')[1][0]
    check(second != sid and second.endswith('_1'), f'second break id {second!r}')

    # Outcomes: a skip and a snooze; wrong ids and arguments; the daemon runs on.
    d.call('SkipSession', 's', second)

    # Still sitting: a third break, left unanswered, is missed once the fourth is due.
    harness.wait_until(lambda: len(due(monitor, 'mobility')) >= 4, 15, what='a third and a fourth break')
    third, fourth = due(monitor, 'mobility')[2][0], due(monitor, 'mobility')[3][0]
    status = lambda x: d.call('GetSession', 's', x)[0]['Status']['data']
    check_equal(status(third), 'missed', f'status of {third}, unanswered when {fourth} came due')
    check_equal(managed(d)[f'{OBJECT_PATH}/session/{third}']['Status'], 'missed', f'the Status of {third}\'s object')
    for method, sig, args, name, text in [
            ('CompleteSession', 's', ('weekly_20000103_9',), NO_SUCH_SESSION, 'weekly_20000103_9'),
            ('SkipSession', 's', ('no such id!',), ERROR_INVALID_ARGS, "'id'"),
            ('SnoozeSession', 'st', (second, 0), ERROR_INVALID_ARGS, 'only a planned session'),
            ('SnoozeSession', 'st', (sessions[0][0], 2 * 86400 * USEC_PER_SEC), ERROR_INVALID_ARGS, "'by'"),
            ('GetSession', 's', ('',), ERROR_INVALID_ARGS, "'id'"),
            ('ListSessions', 'tt', (5, 4), ERROR_INVALID_ARGS, "'until'")]:
        e = d.call_error(method, sig, *args)
        check_equal(e.name, name, f'error of {method}{args}')
        check_in(text, e.message, f'message of {method}{args}')
    check(d.running, 'limberd died on bad arguments')

    planned = [s for s in d.call('ListSessions', 'tt', 0, 0)[0] if s[2] == 'planned' and s[1] == 'smr']
    target = planned[0]
    d.call('SnoozeSession', 'st', target[0], 600 * USEC_PER_SEC)
    snoozed = {k: v['data'] for k, v in d.call('GetSession', 's', target[0])[0].items()}
    check_equal((snoozed['Status'], snoozed['Start'], snoozed['Sequence']),
                ('snoozed', target[4] + 600 * USEC_PER_SEC, target[6] + 1), 'the snoozed session')

    # Outcomes were on disk before the replies: a kill and a restart keep them.
    d.kill9()
    d2 = ctx.daemon(bus, config=CONFIG.format(busy=''), state_dir=d.state_dir).start()
    statuses = {s[0]: s[2] for s in d2.call('ListSessions', 'tt', 0, 0)[0]}
    check_equal((statuses.get(sid), statuses.get(second), statuses.get(third), statuses.get(target[0])),
                ('completed', 'skipped', 'missed', 'snoozed'), 'outcomes after a kill and a restart')
    check_no_breaks_in_feed(d2, 'after a restart')
    check_equal(d2.stop(), 0, 'exit status')
    # The history has each outcome once, missed too: the one nobody gave.
    db = sqlite3.connect(os.path.join(d.state_dir, 'limber.db'))
    history = db.execute('SELECT session_id, outcome FROM outcomes WHERE session_id IN (?, ?, ?) ORDER BY id',
                         (sid, second, third)).fetchall()
    db.close()
    check_equal(history, [(sid, 'completed'), (second, 'skipped'), (third, 'missed')], 'stored outcomes of the breaks')
    monitor.close()
    test_busy_holds_break(ctx)


def test_busy_holds_break(ctx):
    """A break that falls due in a busy calendar slot waits for the slot's end."""
    now = harness.now_usec() // USEC_PER_SEC
    busy = os.path.join(ctx.root, 'meeting.ics')
    fmt = lambda t: time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(t))
    end = now + 6
    with open(busy, 'w') as f:
        f.write('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\nBEGIN:VEVENT\r\n'
                f'UID:meeting@test\r\nDTSTAMP:{fmt(now)}\r\nDTSTART:{fmt(now - 60)}\r\nDTEND:{fmt(end)}\r\n'
                'SUMMARY:Meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n')
    bus = ctx.bus()
    d = ctx.daemon(bus, config=CONFIG.format(busy=f'busy = {busy}')).start()
    monitor = harness.Monitor(bus, ctx.root, name='monitor-busy')
    d.call('ReportIdle', 'b', False)
    d.wait_stderr(r'held back until the busy slot ends', timeout=10)
    check_equal(due(monitor), [], 'breaks due inside the busy slot')
    harness.wait_until(lambda: due(monitor, 'mobility'), 15, what='the held break after the slot')
    check(harness.now_usec() // USEC_PER_SEC >= end - 1, 'the held break came before the busy slot ended')
    check_equal(d.stop(), 0, 'exit status')
    monitor.close()


if __name__ == '__main__':
    harness.main(test)
