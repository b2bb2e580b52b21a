#!/usr/bin/python3
"""The x11 idle plugin against a real X server: Xvfb, with keyboard and pointer input
from xdotool (XTEST). With idle_after = 2s and natural_break = 2s: a key press makes
the desk active and starts a sitting streak; 2 s without input make it idle (not
sooner), announced with PropertiesChanged; pointer motion makes it active again; an
idle of natural_break ends the streak and the next key press starts a new one. When
the X server goes away, limberd logs it and runs on.

Where the plugin cannot run (no such display, DISPLAY empty, a bad idle_after), limberd
names the reason, lists x11 as failed in Plugins, and serves as usual.

Skipped (77) when Xvfb or xdotool are not installed."""

import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import USEC_PER_SEC, check, check_equal  # noqa: E402
from plugintest import IDLE_AFTER_RANGE, UNKNOWN_UNIT, invalid_value  # noqa: E402

IDLE_AFTER = 2.0
BASE = '[mobility]\nnatural_break = 2s\nmax_sitting = 1h\n[feed]\nhttp = off\n'
CONFIG = '[plugin.x11]\nidle_after = 2s\n' + BASE
CLOCK_SLACK = 5 * USEC_PER_SEC     # between the test's clock and limberd's


def start_x(ctx):
    """Xvfb on a free display; returns (DISPLAY, process)."""
    r, w = os.pipe()
    x = subprocess.Popen(['Xvfb', '-displayfd', str(w), '-nolisten', 'tcp', '-screen', '0', '800x600x24'],
                         pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         preexec_fn=harness._die_with_parent)
    os.close(w)
    with os.fdopen(r) as f:
        number = f.readline().strip()
    check(number, 'Xvfb gave no display')
    ctx.cleanups.append(lambda: (x.terminate(), x.wait()))
    return f':{number}', x


def unused_display():
    for n in range(4242, 4342):
        if not os.path.exists(f'/tmp/.X11-unix/X{n}') and not os.path.exists(f'/tmp/.X{n}-lock'):
            return f':{n}'
    raise harness.Skip('no unused X display number')


def plugins(d):
    return dict(map(tuple, d.get_property('Plugins')))


def daemon_with_plugin(ctx, bus, plugin, display, config):
    d = ctx.daemon(bus, config=config, env={'DISPLAY': display})
    shutil.copy(plugin, d.plugin_dir)
    return d.start()


def cannot_run(ctx, plugin, display):
    """limberd runs on without the plugin wherever it cannot run."""
    bus = ctx.bus()
    # No DISPLAY at all is normal (a Wayland desktop): said at info level, not as a warning.
    unparsable = '[plugin.x11]\nidle_after = 2 parsecs\n' + BASE
    too_short = '[plugin.x11]\nidle_after = 500ms\n' + BASE
    cases = (
        (unused_display(), CONFIG, r"<4>plugin x11: cannot open the X display ':\d+'", 4),
        ('', CONFIG, r'<6>plugin x11: DISPLAY is not set', 6),
        (display, unparsable, invalid_value(unparsable, 'x11', 'idle_after', '2 parsecs', UNKNOWN_UNIT), 4),
        (display, too_short, invalid_value(too_short, 'x11', 'idle_after', '500ms', IDLE_AFTER_RANGE), 4),
    )
    for display_value, config, message, level in cases:
        d = daemon_with_plugin(ctx, bus, plugin, display_value, config)
        d.wait_stderr(message)
        d.wait_stderr(rf'<{level}>Plugin x11 \(.*x11\.so\) skipped: start failed')
        check_equal(plugins(d), {'x11': 'failed'}, f'Plugins with DISPLAY={display_value!r}')
        check_equal(d.get_property('Idle'), False, 'Idle without the plugin')
        d.call('ReportIdle', 'b', True)
        check_equal(d.get_property('Idle'), True, 'Idle from ReportIdle without the plugin')
        check_equal(d.stop(), 0, f'exit status with DISPLAY={display_value!r}')


def test(ctx):
    for program in ('Xvfb', 'xdotool'):
        if not shutil.which(program):
            raise harness.Skip(f'{program} is not installed')
    plugin = os.environ.get('LIMBER_X11_PLUGIN')
    if not plugin or not os.path.exists(plugin):
        raise harness.Skip('the x11 plugin is not built (LIMBER_X11_PLUGIN)')

    display, xvfb = start_x(ctx)
    x_env = harness._base_env()
    x_env['DISPLAY'] = display

    def xdotool(*args):
        p = subprocess.run(['xdotool', *args], env=x_env, capture_output=True, text=True, timeout=30)
        check_equal(p.returncode, 0, f'xdotool {" ".join(args)} ({p.stderr.strip()})')

    cannot_run(ctx, plugin, display)

    bus = ctx.bus()
    monitor = ctx.monitor(bus)
    d = daemon_with_plugin(ctx, bus, plugin, display, CONFIG)
    d.wait_stderr(r'<6>plugin x11: watching the idle time of the X server :\d+ .*idle after 2000 ms')
    check_equal(plugins(d), {'x11': 'running'}, 'Plugins')

    # Nobody has touched the new X server: idle within idle_after, and whatever streak
    # the start counted ends after natural_break.
    harness.wait_until(lambda: d.get_property('Idle') is True, 10, what='Idle with no input')
    harness.wait_until(lambda: d.get_property('SittingSince') == 0, 10, what='no sitting streak with no input')

    # A key press: active, and a streak starts at about that time.
    before = harness.now_usec()
    pressed = time.monotonic()
    xdotool('key', 'shift')
    harness.wait_until(lambda: d.get_property('Idle') is False, 5, what='Idle false after a key press')
    after = harness.now_usec()
    first = d.get_property('SittingSince')
    check(before - CLOCK_SLACK <= first <= after + CLOCK_SLACK,
          f'SittingSince {first} not close to the key press ({before}..{after})')

    # No input: idle again once idle_after has passed since the key press, not before.
    harness.wait_until(lambda: d.get_property('Idle') is True, 10, interval=0.1, what='Idle after 2 s without input')
    waited = time.monotonic() - pressed
    check(waited >= IDLE_AFTER - 0.1, f'idle {waited:.2f} s after the key press, before idle_after')

    # Pointer motion counts as input too.
    xdotool('mousemove', '100', '100')
    harness.wait_until(lambda: d.get_property('Idle') is False, 5, what='Idle false after moving the pointer')

    # Idle for natural_break: the streak ends, and the next key press starts a new one.
    harness.wait_until(lambda: d.get_property('Idle') is True, 10, interval=0.1, what='Idle after the pointer')
    harness.wait_until(lambda: d.get_property('SittingSince') == 0, 10, interval=0.1,
                       what='the streak ended by a natural break')
    xdotool('key', 'shift')
    harness.wait_until(lambda: d.get_property('Idle') is False, 5, what='Idle false after the last key press')
    second = d.get_property('SittingSince')
    check(second > first, f'a new streak after the natural break: SittingSince {second}, the first {first}')

    # Each change came with PropertiesChanged: idle, active (key), idle, active (pointer),
    # idle, active (key), in that order.
    seen = [c['Idle'] for c in monitor.properties_changed() if 'Idle' in c]
    expected = [True, False, True, False, True, False]
    it = iter(seen)
    check(all(v in it for v in expected), f'PropertiesChanged Idle: {seen}, expected {expected} in order')

    # The X server goes away: limberd says so and runs on.
    xvfb.send_signal(signal.SIGTERM)
    xvfb.wait(timeout=30)
    d.wait_stderr(r'<5>plugin x11: lost the connection to the X server :\d+; no more idle reports from it')
    check(d.running, 'limberd exited with the X server')
    d.call('ReportIdle', 'b', True)
    check_equal(d.get_property('Idle'), True, 'Idle from ReportIdle after the X server left')
    check_equal(d.stop(), 0, 'exit status')


if __name__ == '__main__':
    harness.main(test)
