#!/usr/bin/python3
"""The gnome plugin against a stand-in for Mutter's idle monitor on limberd's session
bus: absent at start (the plugin waits), then idle and active through the idle watch and
a user-active watch added each time; idle since the last input; Mutter leaving makes the
plugin report GONE and forget its watches, and a new Mutter gets new ones (and an idle
time already past idle_after is idle at once); disabling the plugin on reload removes its
watches; a bad idle_after fails the plugin's start with file:line."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import plugintest  # noqa: E402
from harness import check, check_equal, check_in  # noqa: E402
from plugintest import (CONFIG, IDLE_AFTER_RANGE, NOT_A_DURATION, desk, invalid_value, wait_active,  # noqa: E402
                        wait_idle)

MUTTER = 'org.gnome.Mutter.IdleMonitor'
# Longer than natural_break, so that idle since the last input ends the streak at once.
IDLE_AFTER = 3.0
GNOME_CONFIG = CONFIG + '\n[plugin.gnome]\nidle_after = 3s\n'


def start_mutter(ctx, bus, *args):
    return plugintest.StandIn(ctx, bus, 'mutter', MUTTER, *args)


def watches(mutter):
    """{kind: [interval ms]} of the watches limberd holds."""
    out = {}
    for _id, kind, _owner, interval in mutter.control('Watches')[0]:
        out.setdefault(kind, []).append(interval)
    return out


def idle_and_back(d, mutter, monitor, rounds=2):
    """The user stops and comes back, rounds times; the desk is active when called."""
    for i in range(rounds):
        wait_active(d, what=f'active before round {i + 1}')
        mark = len(monitor.properties_changed())
        t0 = time.monotonic()
        mutter.control('SetTyping', 'b', False)
        wait_idle(d, what=f'Idle once idle_after passed (round {i + 1})')
        elapsed = time.monotonic() - t0
        check(elapsed >= IDLE_AFTER * 0.9, f'idle after {elapsed:.2f} s, before idle_after ({IDLE_AFTER} s)')
        # Idle since the last input, idle_after ago, which is longer than natural_break:
        # the streak ended with the same change, not natural_break later.
        change = [c for c in monitor.properties_changed()[mark:] if c.get('Idle') is True]
        check(change and change[0].get('SittingSince') == 0,
              f'going idle did not end the streak at once: {monitor.properties_changed()[mark:]}')
        check_equal(sorted(watches(mutter)), ['active', 'idle'], 'watches while idle')

        before = harness.now_usec()
        mutter.control('SetTyping', 'b', True)
        wait_active(d, after=before, what=f'active after typing again (round {i + 1})')
        harness.wait_until(lambda: sorted(watches(mutter)) == ['idle'], 5,
                           what='the user-active watch to be gone after it fired')
    check_equal(watches(mutter), {'idle': [int(IDLE_AFTER * 1000)]}, 'the idle watch, with idle_after in ms')


def test(ctx):
    plugintest.require_standins()
    bus = ctx.bus()
    plugin_dir = plugintest.plugin_dir('gnome')

    monitor = ctx.monitor(bus)

    # No Mutter yet: the plugin waits for it.
    d = ctx.daemon(bus, config=GNOME_CONFIG, plugin_dir=plugin_dir).start()
    d.wait_stderr(r'plugin gnome: org\.gnome\.Mutter\.IdleMonitor is not on the session bus; waiting for it')
    check_equal(plugintest.plugins(d), {'gnome': 'running'}, 'Plugins')
    check_equal(desk(d), (False, 0), 'the desk before Mutter came')

    mutter = start_mutter(ctx, bus)
    wait_active(d, what='active once Mutter appeared (GetIdletime 0)')
    idle_and_back(d, mutter, monitor)

    # Mutter goes: GONE, limberd runs on and keeps the desk as it was.
    mutter.quit()
    d.wait_stderr(r'plugin gnome: org\.gnome\.Mutter\.IdleMonitor left the session bus')
    check(d.running, 'limberd exited when Mutter left')
    idle, since = desk(d)
    check(not idle and since > 0, f'the desk after Mutter left (kept): {(idle, since)}')

    # A new Mutter while the user has been away for 10 min: idle at once, since then.
    mutter = start_mutter(ctx, bus, '--idle-ms', 600_000)
    wait_idle(d, streak_over=True, timeout=plugintest.NATURAL_BREAK * 0.9,
              what='Idle with the streak over from a new Mutter idle for 10 min')
    harness.wait_until(lambda: sorted(watches(mutter)) == ['active', 'idle'], 5,
                       what='an idle and a user-active watch on the new Mutter')
    before = harness.now_usec()
    mutter.control('SetTyping', 'b', True)
    wait_active(d, after=before, what='active after typing on the new Mutter')
    idle_and_back(d, mutter, monitor, rounds=1)

    # Disabled on reload: stop() removes its watches while limberd stays on the bus.
    d.write_config(CONFIG + '\n[plugin.gnome]\nidle_after = 3s\nenabled = false\n')
    d.reload_signal()
    check_equal(plugintest.plugins(d), {'gnome': 'disabled'}, 'Plugins after disabling')
    harness.wait_until(lambda: watches(mutter) == {}, 5, what="the plugin's watches to be removed")
    check(d.running, 'limberd exited')
    check_equal(d.stop(), 0, 'exit status')

    # A bad idle_after: the plugin does not start, and says where and why.
    for value, why in (('soon', NOT_A_DURATION), ('25h', IDLE_AFTER_RANGE)):
        bad = CONFIG + f'\n[plugin.gnome]\nidle_after = {value}\n'
        d2 = ctx.daemon(bus, config=bad, plugin_dir=plugin_dir).start()
        d2.wait_stderr(invalid_value(bad, 'gnome', 'idle_after', value, why))
        check_equal(plugintest.plugins(d2), {'gnome': 'failed'}, f'Plugins with idle_after = {value}')
        check_in('start failed', d2.stderr(), 'limberd stderr')
        check_equal(d2.stop(), 0, 'exit status')


if __name__ == '__main__':
    harness.main(test)
