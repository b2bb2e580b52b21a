"""Shared by the tests of the D-Bus idle plugins (logind, gnome, screensaver): the
stand-in services of tests/integration/standins/, limberd with one plugin's build
folder, and limberd's view of the desk (Idle, SittingSince). The x11 and wayland tests
use the message for a bad setting too.

The stand-ins need python3-dbus and python3-gi for /usr/bin/python3; without them the
tests skip."""

import os
import re
import subprocess
import time

import harness
from harness import USEC_PER_SEC, check, wait_until

STANDINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'standins')
PYTHON = '/usr/bin/python3'
CONTROL_PATH = '/org/limber/Test'
CONTROL_INTERFACE = 'org.limber.Test.Control'

# Lock and suspend end the streak at once; an idle of natural_break ends it by a timer.
NATURAL_BREAK = 2.0
CONFIG = '''\
[mobility]
natural_break = 2s
max_sitting = 1h

[feed]
http = off
'''
CLOCK_SLACK = 5 * USEC_PER_SEC     # between the test's clock and limberd's

# Why limberd refuses a duration (limber_parse_duration's phrases), and the bounds of
# idle_after in x11, gnome and screensaver, as limber.conf spells durations.
NOT_A_DURATION = 'expected a number followed by a unit (ms, s, min, h, d, w)'
UNKNOWN_UNIT = 'unknown unit (use ms, s, min, h, d or w)'
IDLE_AFTER_RANGE = 'must be from 1s to 1d'


def require_standins():
    p = subprocess.run([PYTHON, '-c', 'import dbus, dbus.mainloop.glib; from gi.repository import GLib'],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise harness.Skip(f'{PYTHON} lacks python3-dbus or python3-gi for the stand-in services: '
                           f'{p.stderr.strip().splitlines()[-1] if p.stderr.strip() else p.returncode}')


def plugin_dir(name):
    """The build folder that holds NAME.so (and nothing else limberd would load)."""
    root = os.environ.get('LIMBER_PLUGIN_BUILD_DIR') or os.path.join(os.environ['LIMBER_BUILD_ROOT'], 'plugins')
    d = os.path.join(root, name)
    check(os.path.isfile(os.path.join(d, name + '.so')), f'{name}.so is not built in {d}')
    return d


class StandIn:
    """One stand-in service process on a private bus, owning name."""

    def __init__(self, ctx, bus, script, name, *args):
        self.bus = bus
        self.name = name
        self.script = script
        n = sum(1 for f in os.listdir(ctx.root) if f.startswith(script)) + 1
        self.stderr_path = os.path.join(ctx.root, f'{script}-{n}.stderr')
        with open(self.stderr_path, 'wb') as err:
            self.proc = subprocess.Popen([PYTHON, os.path.join(STANDINS, script + '.py'), '--address', bus.address]
                                         + [str(a) for a in args],
                                         stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                         preexec_fn=harness._die_with_parent, env=self._env())
        ctx.cleanups.append(self.kill)
        ctx.cleanups.append(self.dump_stderr)
        wait_until(lambda: self._exited() or self.has_name(), 20, what=f'{script} to own {name}')
        check(self.proc.poll() is None, f'{script} exited ({self.proc.returncode}):\n{self.stderr()}')

    @staticmethod
    def _env():
        """The stand-in reports times (IdleSinceHint) on the test's clock, as limberd reads it."""
        env = harness._base_env()
        env.update(harness.clock_env(env))
        return env

    def _exited(self):
        return self.proc.poll() is not None

    def has_name(self):
        return self.bus.dbus_call('NameHasOwner', 's', self.name)[0]

    def stderr(self):
        return harness.read_text(self.stderr_path)

    def dump_stderr(self):
        text = self.stderr()
        if text.strip():
            print(f'----- {self.script} stderr -----\n{text}')

    def control(self, method, signature='', *args):
        return self.bus.call_full(self.name, CONTROL_PATH, CONTROL_INTERFACE, method, signature, *args)

    def call(self, path, interface, method, signature='', *args):
        return self.bus.call_full(self.name, path, interface, method, signature, *args)

    def quit(self):
        """Leaves the bus the way a service that stops does, and waits until it is gone."""
        self.control('Quit')
        self.proc.wait(timeout=harness.scaled(10))
        wait_until(lambda: not self.has_name(), 10, what=f'{self.name} to leave the bus')

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def desk(d):
    return d.get_property('Idle'), d.get_property('SittingSince')


def wait_active(d, after=0, timeout=10, what='the desk to be active'):
    """Waits for Idle false with a streak that began at after or later; returns
    SittingSince."""
    def ok():
        idle, since = desk(d)
        return since if not idle and since >= max(after - CLOCK_SLACK, 1) else None
    return wait_until(ok, timeout, what=what)


def wait_idle(d, streak_over=None, timeout=10, what='the desk to be idle'):
    """Waits for Idle true (and SittingSince 0 when streak_over, nonzero when False)."""
    def ok():
        idle, since = desk(d)
        if not idle:
            return False
        return streak_over is None or (since == 0) == streak_over
    wait_until(ok, timeout, what=what)


def wait_break_at_once(d, action, what):
    """Does action, then waits for Idle true with SittingSince 0 sooner than a natural
    break could end the streak: a lock or a suspend ends it at once."""
    t0 = time.monotonic()
    action()
    wait_idle(d, streak_over=True, timeout=NATURAL_BREAK * 3, what=what)
    elapsed = time.monotonic() - t0
    check(elapsed < NATURAL_BREAK, f'{what}: the streak ended after {elapsed:.2f} s, '
          f'not at once (natural_break is {NATURAL_BREAK} s)')


def plugins(d):
    return {name: state for name, state in d.get_property('Plugins')}


def invalid_value(config, plugin, key, value, why):
    """A pattern for the one message limberd logs for a [plugin.NAME] setting it
    refuses: FILE:LINE of `key = value` in the text of limber.conf, the value, the key,
    the section and why."""
    line = config.splitlines().index(f'{key} = {value}') + 1
    return (rf"^<3>plugin {re.escape(plugin)}: \S*/limber\.conf:{line}: "
            rf"invalid value '{re.escape(value)}' for '{re.escape(key)}' in \[plugin\.{re.escape(plugin)}\]: "
            rf"{re.escape(why)}$")
