#!/usr/bin/python3
"""The screensaver plugin against stand-ins for org.freedesktop.ScreenSaver on limberd's
session bus, in the flavours the desktops offer:
  - the specification's (idle time in seconds): absent at start (the plugin waits); idle
    once GetSessionIdleTime reaches idle_after, since the last input; then no call at all
    while the user is away, so the return is not seen (the documented limit) until the
    screen saver comes and goes; ActiveChanged(true) ends the streak at once,
    ActiveChanged(false) starts one and the idle timer again; the service leaving is
    GONE, and a new one (already active) is followed from scratch;
  - Plasma on Wayland (NotSupported): quietly ActiveChanged only, asked once;
  - Plasma on X11 (milliseconds, recognised by org.kde.screensaver);
  - the object at /ScreenSaver only;
  - GNOME's proxy (Inhibit only): nothing to report, and no warning;
and a bad idle_after, which the plugin does not start with, named with its place."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import plugintest  # noqa: E402
from harness import check, check_equal  # noqa: E402
from plugintest import (CONFIG, IDLE_AFTER_RANGE, NOT_A_DURATION, desk, invalid_value, wait_active,  # noqa: E402
                        wait_break_at_once, wait_idle)

SCREENSAVER = 'org.freedesktop.ScreenSaver'
# Longer than natural_break, so that idle since the last input ends the streak at once.
IDLE_AFTER = 3.0
SS_CONFIG = CONFIG + '\n[plugin.screensaver]\nidle_after = 3s\n'


def start_screensaver(ctx, bus, *args):
    return plugintest.StandIn(ctx, bus, 'screensaver', SCREENSAVER, *args)


def calls(ss, method):
    return ss.control('Calls', 's', method)[0]


def plugin_warnings(d):
    return [line for line in d.stderr().splitlines()
            if line.startswith(('<0>', '<1>', '<2>', '<3>', '<4>')) and 'screensaver' in line]


def go_idle(d, ss, monitor, what):
    """The user stops typing; the desk turns idle once the idle time reaches idle_after,
    idle since the last input (so the streak ends with the same change)."""
    mark = len(monitor.properties_changed())
    t0 = time.monotonic()
    ss.control('SetTyping', 'b', False)
    wait_idle(d, timeout=IDLE_AFTER + 5, what=what)
    elapsed = time.monotonic() - t0
    check(elapsed >= IDLE_AFTER * 0.9, f'{what}: idle after {elapsed:.2f} s, before idle_after ({IDLE_AFTER} s)')
    change = [c for c in monitor.properties_changed()[mark:] if c.get('Idle') is True]
    check(change and change[0].get('SittingSince') == 0,
          f'{what}: going idle did not end the streak at once: {monitor.properties_changed()[mark:]}')


def unlock(d, ss, what):
    before = harness.now_usec()
    ss.control('SetActive', 'b', False)
    return wait_active(d, after=before, what=what)


def specification(ctx):
    bus = ctx.bus()
    monitor = ctx.monitor(bus)
    d = ctx.daemon(bus, config=SS_CONFIG, plugin_dir=plugintest.plugin_dir('screensaver')).start()
    d.wait_stderr(r'plugin screensaver: org\.freedesktop\.ScreenSaver is not on the session bus; waiting for it')
    check_equal(plugintest.plugins(d), {'screensaver': 'running'}, 'Plugins')
    check_equal(desk(d), (False, 0), 'the desk before the screen saver came')

    ss = start_screensaver(ctx, bus)
    wait_active(d, what='active once the screen saver appeared (idle time 0)')
    go_idle(d, ss, monitor, 'Idle from GetSessionIdleTime')

    # Away: nothing asks the screen saver anything, so the user's return goes unseen.
    asked = calls(ss, 'GetSessionIdleTime')
    ss.control('SetTyping', 'b', True)
    time.sleep(IDLE_AFTER + 1)
    check_equal(calls(ss, 'GetSessionIdleTime'), asked, 'GetSessionIdleTime calls while away (no polling)')
    check_equal(desk(d), (True, 0), 'the desk while away (the return is not seen)')

    # The screen saver comes and goes: the way back, and the timer again.
    ss.control('SetActive', 'b', True)
    unlock(d, ss, 'active after ActiveChanged(false)')
    harness.wait_until(lambda: calls(ss, 'GetSessionIdleTime') > asked, 5,
                       what='GetSessionIdleTime asked again after the unlock')
    go_idle(d, ss, monitor, 'Idle again after the unlock')
    ss.control('SetActive', 'b', True)
    ss.control('SetTyping', 'b', True)
    unlock(d, ss, 'active after the second unlock')

    # A lock while active ends the streak at once.
    wait_break_at_once(d, lambda: ss.control('SetActive', 'b', True), 'ActiveChanged(true)')
    unlock(d, ss, 'active after unlocking')

    # The service leaves: GONE; limberd runs on with the desk as it was.
    ss.quit()
    d.wait_stderr(r'plugin screensaver: org\.freedesktop\.ScreenSaver left the session bus')
    check(d.running, 'limberd exited when the screen saver left')
    idle, since = desk(d)
    check(not idle and since > 0, f'the desk after the screen saver left (kept): {(idle, since)}')

    # A new one, locked already: followed from scratch.
    ss = start_screensaver(ctx, bus, '--active')
    d.wait_stderr(r'plugin screensaver: org\.freedesktop\.ScreenSaver is on the session bus')
    wait_idle(d, streak_over=True, what='locked from the new screen saver')
    unlock(d, ss, 'active after unlocking the new screen saver')
    go_idle(d, ss, monitor, 'Idle from the new screen saver')
    check_equal(plugin_warnings(d), [], 'warnings from the plugin')
    check_equal(d.stop(), 0, 'exit status')


def plasma_wayland(ctx):
    bus = ctx.bus()
    ss = start_screensaver(ctx, bus, '--flavour', 'plasma-wayland')
    d = ctx.daemon(bus, config=SS_CONFIG, plugin_dir=plugintest.plugin_dir('screensaver'), args=['--verbose']).start()
    d.wait_stderr(r'<7>plugin screensaver: no idle time from org\.freedesktop\.ScreenSaver '
                  r'\(org\.freedesktop\.DBus\.Error\.NotSupported')
    check_equal(desk(d), (False, 0), 'the desk (nothing to tell while the screen saver is away)')
    wait_break_at_once(d, lambda: ss.control('SetActive', 'b', True), 'ActiveChanged(true) on Plasma/Wayland')
    unlock(d, ss, 'active after ActiveChanged(false) on Plasma/Wayland')
    wait_break_at_once(d, lambda: ss.control('SetActive', 'b', True), 'a second lock on Plasma/Wayland')
    unlock(d, ss, 'active after the second unlock on Plasma/Wayland')
    check_equal(calls(ss, 'GetSessionIdleTime'), 1, 'GetSessionIdleTime calls (asked once)')
    check_equal(plugin_warnings(d), [], 'warnings from the plugin on Plasma/Wayland')
    check_equal(d.stop(), 0, 'exit status')


def plasma_x11(ctx):
    # Away for 0.5 s at start, with idle_after = 5s: 500 read as seconds would be idle at
    # once.
    bus = ctx.bus()
    start_screensaver(ctx, bus, '--flavour', 'plasma-x11', '--idle-ms', 500)
    t0 = time.monotonic()
    config = CONFIG + '\n[plugin.screensaver]\nidle_after = 5s\n'
    d = ctx.daemon(bus, config=config, plugin_dir=plugintest.plugin_dir('screensaver'), args=['--verbose']).start()
    d.wait_stderr(r"plugin screensaver: org\.freedesktop\.ScreenSaver is Plasma's kscreenlocker")
    wait_active(d, what='active on Plasma/X11 (idle time in milliseconds)')
    check(time.monotonic() - t0 < 4, 'too slow to tell milliseconds from seconds')
    wait_idle(d, streak_over=True, timeout=10, what='idle on Plasma/X11 once 5 s passed')
    check_equal(d.stop(), 0, 'exit status')


def old_path(ctx):
    bus = ctx.bus()
    ss = start_screensaver(ctx, bus, '--flavour', 'old', '--active')
    d = ctx.daemon(bus, config=SS_CONFIG, plugin_dir=plugintest.plugin_dir('screensaver')).start()
    wait_idle(d, what='locked, from the object at /ScreenSaver')
    unlock(d, ss, 'active after unlocking at /ScreenSaver')
    check(calls(ss, 'GetSessionIdleTime') >= 1, 'GetSessionIdleTime asked at /ScreenSaver')
    check_equal(d.stop(), 0, 'exit status')


def gnome_proxy(ctx):
    bus = ctx.bus()
    start_screensaver(ctx, bus, '--flavour', 'gnome')
    d = ctx.daemon(bus, config=SS_CONFIG, plugin_dir=plugintest.plugin_dir('screensaver'), args=['--verbose']).start()
    d.wait_stderr(r'<7>plugin screensaver: no idle time from org\.freedesktop\.ScreenSaver '
                  r'\(org\.freedesktop\.DBus\.Error\.UnknownMethod')
    check_equal(desk(d), (False, 0), 'the desk with GNOME\'s proxy (nothing to tell)')
    check_equal(plugin_warnings(d), [], 'warnings from the plugin with GNOME\'s proxy')
    check_equal(plugintest.plugins(d), {'screensaver': 'running'}, 'Plugins with GNOME\'s proxy')
    check_equal(d.stop(), 0, 'exit status')


def bad_idle_after(ctx):
    """The plugin does not start with a bad idle_after, and says where and why."""
    bus = ctx.bus()
    for value, why in (('a minute', NOT_A_DURATION), ('0s', IDLE_AFTER_RANGE), ('2d', IDLE_AFTER_RANGE)):
        config = CONFIG + f'\n[plugin.screensaver]\nidle_after = {value}\n'
        d = ctx.daemon(bus, config=config, plugin_dir=plugintest.plugin_dir('screensaver')).start()
        d.wait_stderr(invalid_value(config, 'screensaver', 'idle_after', value, why))
        check_equal(plugintest.plugins(d), {'screensaver': 'failed'}, f'Plugins with idle_after = {value}')
        check_equal(d.stop(), 0, f'exit status with idle_after = {value}')


def test(ctx):
    plugintest.require_standins()
    specification(ctx)
    plasma_wayland(ctx)
    plasma_x11(ctx)
    old_path(ctx)
    gnome_proxy(ctx)
    bad_idle_after(ctx)


if __name__ == '__main__':
    harness.main(test)
