#!/usr/bin/python3
"""The logind plugin against a stand-in logind on a second private bus that limberd
takes for the system bus (DBUS_SYSTEM_BUS_ADDRESS): the session's IdleHint (with its
IdleSinceHint), LockedHint and the Manager's PrepareForSleep reach Idle and SittingSince;
lock and suspend end the streak at once; logind leaving makes the plugin report GONE
while limberd runs on, and a new logind is picked up; a session that appears later is
found; without a system bus the plugin fails to start and limberd runs without it."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import plugintest  # noqa: E402
from harness import USEC_PER_SEC, check, check_equal, check_in  # noqa: E402
from plugintest import CONFIG, desk, wait_active, wait_break_at_once, wait_idle  # noqa: E402

LOGIN1 = 'org.freedesktop.login1'
SESSION_PATH = '/org/freedesktop/login1/session/_32'
SESSION_INTERFACE = 'org.freedesktop.login1.Session'


def start_logind(ctx, system, *args):
    return plugintest.StandIn(ctx, system, 'login1', LOGIN1, *args)


def set_idle_hint(logind, idle):
    """As gnome-session and swayidle do it."""
    logind.call(SESSION_PATH, SESSION_INTERFACE, 'SetIdleHint', 'b', idle)


def set_locked_hint(logind, locked):
    logind.call(SESSION_PATH, SESSION_INTERFACE, 'SetLockedHint', 'b', locked)


def transitions(d, logind, monitor):
    """Idle, active, locked, suspended, with the desk as limberd sees it. The session is
    active when called; returns with it active."""
    since = wait_active(d, what='the desk active with the session')

    # IdleHint with an IdleSinceHint longer ago than natural_break: the break began
    # then, so the streak is over at once.
    logind.control('SetIdle', 'bt', True, harness.now_usec() - 10 * USEC_PER_SEC)
    wait_idle(d, streak_over=True, timeout=plugintest.NATURAL_BREAK * 0.9,
              what='Idle with the streak over, from an IdleSinceHint 10 s ago')

    before = harness.now_usec()
    set_idle_hint(logind, False)
    since = wait_active(d, after=before, what='a new streak after IdleHint false')

    # A fresh idle: the streak holds for natural_break, then ends on limberd's timer.
    set_idle_hint(logind, True)
    wait_idle(d, what='Idle after IdleHint true')
    check_equal(d.get_property('SittingSince'), since, 'SittingSince right after going idle')
    wait_idle(d, streak_over=True, timeout=10, what='the streak to end after natural_break')

    before = harness.now_usec()
    set_idle_hint(logind, False)
    wait_active(d, after=before, what='active again after IdleHint false')

    # A lock ends the streak at once; unlocking starts a new one.
    wait_break_at_once(d, lambda: set_locked_hint(logind, True), 'LockedHint true')
    before = harness.now_usec()
    set_locked_hint(logind, False)
    wait_active(d, after=before, what='active after LockedHint false')

    # A suspend too; waking up is a fresh streak.
    wait_break_at_once(d, lambda: logind.control('PrepareForSleep', 'b', True), 'PrepareForSleep(true)')
    before = harness.now_usec()
    logind.control('PrepareForSleep', 'b', False)
    wait_active(d, after=before, what='active after PrepareForSleep(false)')

    # Locked on the way down: waking up is active for a moment, then the session is
    # read again, and it is locked.
    logind.control('PrepareForSleep', 'b', True)
    wait_idle(d, streak_over=True, what='Idle after the second PrepareForSleep(true)')
    set_locked_hint(logind, True)
    mark = len(monitor.properties_changed())
    logind.control('PrepareForSleep', 'b', False)

    def active_then_locked():
        idles = [c['Idle'] for c in monitor.properties_changed()[mark:] if 'Idle' in c]
        return idles[-2:] == [False, True]
    harness.wait_until(active_then_locked, 10, what='Idle false, then true again (locked) after waking up')
    check_equal(desk(d), (True, 0), '(Idle, SittingSince) after waking up locked')
    before = harness.now_usec()
    set_locked_hint(logind, False)
    return wait_active(d, after=before, what='active after unlocking')


def test(ctx):
    plugintest.require_standins()
    system = ctx.bus()
    session = ctx.bus()
    env = {'DBUS_SYSTEM_BUS_ADDRESS': system.address}
    plugin_dir = plugintest.plugin_dir('logind')

    logind = start_logind(ctx, system)
    monitor = ctx.monitor(session)
    d = ctx.daemon(session, config=CONFIG, plugin_dir=plugin_dir, env=env).start()
    check_equal(plugintest.plugins(d), {'logind': 'running'}, 'Plugins')
    d.wait_stderr(r'plugin logind: following session /org/freedesktop/login1/session/_32')
    transitions(d, logind, monitor)

    # logind leaves: the plugin says GONE, limberd runs on and keeps the desk as it was.
    logind.quit()
    d.wait_stderr(r'plugin logind: logind left the system bus')
    check(d.running, 'limberd exited when logind left')
    idle, since = desk(d)
    check_equal(idle, False, 'Idle after logind left (no other source: kept)')
    check(since > 0, 'SittingSince after logind left (kept)')
    check_equal(plugintest.plugins(d), {'logind': 'running'}, 'Plugins after logind left')

    # A new logind, with the session idle: looked up again and followed.
    logind = start_logind(ctx, system, '--idle')
    d.wait_stderr(r'plugin logind: logind is on the system bus')
    wait_idle(d, what='Idle from the new logind')
    before = harness.now_usec()
    set_idle_hint(logind, False)
    wait_active(d, after=before, what='active from the new logind')
    wait_break_at_once(d, lambda: set_locked_hint(logind, True), 'LockedHint true on the new logind')
    set_locked_hint(logind, False)
    wait_active(d, what='active after unlocking on the new logind')

    # The session ends: GONE, and a session that starts later is found through SessionNew.
    logind.control('RemoveSession')
    d.wait_stderr(r'plugin logind: session 2 ended')
    d.wait_stderr(r'plugin logind: no session to follow')
    logind.control('AddSession')
    harness.wait_until(lambda: d.stderr().count('following session /org/freedesktop/login1/session/_32') >= 3,
                       10, what='the new session to be followed')
    wait_break_at_once(d, lambda: set_locked_hint(logind, True), 'LockedHint true on the new session')
    set_locked_hint(logind, False)
    wait_active(d, what='active on the new session')

    check_equal(d.stop(), 0, 'exit status')

    # Started without a session and without logind: waits for both.
    logind.quit()
    d2 = ctx.daemon(session, config=CONFIG, plugin_dir=plugin_dir, env=env).start()
    d2.wait_stderr(r'plugin logind: logind is not on the system bus; waiting for it')
    check_equal(plugintest.plugins(d2), {'logind': 'running'}, 'Plugins without logind')
    check_equal(desk(d2), (False, 0), 'the desk before logind came')
    logind = start_logind(ctx, system, '--no-session')
    d2.wait_stderr(r'plugin logind: no session to follow \(Caller does not belong to any known session')
    logind.control('AddSession')
    wait_active(d2, what='active once the session appeared')
    check_equal(d2.stop(), 0, 'exit status')

    # No system bus at all: the plugin cannot start; limberd runs without it.
    d3 = ctx.daemon(session, config=CONFIG, plugin_dir=plugin_dir,
                    env={'DBUS_SYSTEM_BUS_ADDRESS': f'unix:path={ctx.root}/no-such-bus'}).start()
    check_equal(plugintest.plugins(d3), {'logind': 'failed'}, 'Plugins without a system bus')
    check_in('no system bus', d3.stderr(), 'limberd stderr without a system bus')
    check_equal(d3.stop(), 0, 'exit status')


if __name__ == '__main__':
    harness.main(test)
