#!/usr/bin/python3
"""The sitting tracker over D-Bus, with natural_break = 2s: ReportIdle starts a
streak, a short idle keeps it, an idle of natural_break ends it (by a timer, without
any further call), and Idle and SittingSince announce their changes with
PropertiesChanged."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import USEC_PER_SEC, check, check_equal  # noqa: E402

NATURAL_BREAK = 2.0
CONFIG = '''\
[feed]
http = off

[mobility]
natural_break = 2s
max_sitting = 10s
'''
CLOCK_SLACK = 5 * USEC_PER_SEC     # between the test's clock and limberd's event time


def report(d, idle):
    d.call('ReportIdle', 'b', idle)


def state(d):
    return d.get_property('Idle'), d.get_property('SittingSince')


def short_idle_keeps_streak(d, since):
    """Idle for 0.5 s, back: still the same streak. Returns False when the machine was
    too slow to tell (the round trip took close to natural_break)."""
    t0 = time.monotonic()
    report(d, True)
    check_equal(state(d), (True, since), '(Idle, SittingSince) after ReportIdle(true)')
    time.sleep(0.5)
    report(d, False)
    elapsed = time.monotonic() - t0
    if elapsed >= NATURAL_BREAK * 0.8:
        harness.log(f'short idle took {elapsed:.2f} s, too close to natural_break; trying again')
        return False
    check_equal(state(d), (False, since), '(Idle, SittingSince) after an idle of 0.5 s')
    return True


def test(ctx):
    bus = ctx.bus()
    monitor = ctx.monitor(bus)
    d = ctx.daemon(bus, config=CONFIG).start()

    check_equal(state(d), (False, 0), '(Idle, SittingSince) at start')

    before = harness.now_usec()
    report(d, False)
    after = harness.now_usec()
    idle, since = state(d)
    check_equal(idle, False, 'Idle after ReportIdle(false)')
    check(before - CLOCK_SLACK <= since <= after + CLOCK_SLACK,
          f'SittingSince {since} not close to the time of the call ({before}..{after})')

    # Active again while active: nothing changes.
    report(d, False)
    check_equal(state(d), (False, since), '(Idle, SittingSince) after a second ReportIdle(false)')

    for _attempt in range(3):
        if short_idle_keeps_streak(d, since):
            break
    else:
        raise harness.TestFailure('the machine is too slow to test a short idle')

    # A long idle: the streak ends natural_break after going idle, on its own.
    t0 = time.monotonic()
    report(d, True)
    check_equal(state(d), (True, since), '(Idle, SittingSince) right after going idle')
    harness.wait_until(lambda: d.get_property('SittingSince') == 0, 10, interval=0.1,
                       what='SittingSince to drop to 0 after natural_break')
    elapsed = time.monotonic() - t0
    check(elapsed >= NATURAL_BREAK * 0.9, f'the streak ended after {elapsed:.2f} s of idle, '
          f'before natural_break ({NATURAL_BREAK} s)')
    check_equal(d.get_property('Idle'), True, 'Idle after the natural break')

    # Back at the desk: a new streak, from now.
    before = harness.now_usec()
    report(d, False)
    idle, since2 = state(d)
    check_equal(idle, False, 'Idle after coming back')
    check(since2 >= before - CLOCK_SLACK and since2 > since, f'new SittingSince {since2} (old {since})')

    # PropertiesChanged for each change, with the values.
    def seen():
        changes = monitor.properties_changed()
        return (any(c.get('Idle') is True for c in changes) and
                any(c.get('Idle') is False for c in changes) and
                any(c.get('SittingSince') == 0 for c in changes) and
                any(c.get('SittingSince') == since2 for c in changes))
    harness.wait_until(seen, 5, what='PropertiesChanged for Idle true/false and SittingSince 0/new')
    changes = monitor.properties_changed()
    for c in changes:
        check(set(c) <= {'Idle', 'SittingSince'}, f'unexpected properties in PropertiesChanged: {c}')
    # Going idle changes Idle only, not SittingSince.
    check(any(c == {'Idle': True} for c in changes), f'no PropertiesChanged with Idle alone: {changes}')
    # The timer's change stands alone: no ReportIdle was involved.
    check({'SittingSince': 0} in changes, f'no PropertiesChanged from the natural-break timer: {changes}')

    check_equal(d.stop(), 0, 'exit status')


if __name__ == '__main__':
    harness.main(test)
