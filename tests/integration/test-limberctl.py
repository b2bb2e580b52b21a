#!/usr/bin/python3
"""limberctl against a real limberd: each command's output compared with a golden file
in tests/data/limberctl/, the JSON outputs parsed, limberd's errors passed on with exit
status 1, bad usage exit status 2, and no limberd exit status 3, within seconds even
when D-Bus activation fails. waybar --follow prints a line on every change: a signal,
limberd leaving and coming back, and the clock alone.

The plan depends on the day and the hour, so limberd and limberctl both run under
libfaketime with TZ=Europe/Berlin and a clock frozen at an instant the test sets
through a file (FAKETIME_TIMESTAMP_FILE): the same clock for both processes, moved
only when the test says. Moving it does not wake limberd; its timers that came due
run on the next call it gets, so the test makes one (poke) before looking.

Set LIMBER_UPDATE_GOLDEN=1 to rewrite the golden files from what limberctl prints;
check each by hand before committing it.
"""

import difflib
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import TestFailure, at, check, check_equal, check_in  # noqa: E402

SOURCE_ROOT = os.environ['LIMBER_SOURCE_ROOT']
GOLDEN_DIR = os.path.join(SOURCE_ROOT, 'tests', 'data', 'limberctl')
UPDATE_GOLDEN = os.environ.get('LIMBER_UPDATE_GOLDEN') == '1'

TZ = 'Europe/Berlin'
# No HTTP (tests run in parallel), no desktop notifications (none on a private bus).
CONFIG = f'[schedule]\ntimezone = {TZ}\n[feed]\nhttp = off\n[mobility]\nnotify = false\n'

SEE_STATUS = '(see: systemctl --user status limberd; journalctl --user -u limberd)'
NOT_RUNNING = f'limberctl: limberd is not running on the session bus {SEE_STATUS}\n'
VERSION = ('limberctl (limber) 0.1.0\n'
           'Copyright (C) 2026 the limber authors.\n'
           'License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n'
           'This is free software: you are free to change and redistribute it.\n'
           'There is NO WARRANTY, to the extent permitted by law.\n')
USAGE_HINT = "Try 'limberctl --help' for more information.\n"

# 2026-11-23 00:00 in Berlin (23:00 UTC the day before), in microseconds.
MONDAY_MIDNIGHT = 1795388400 * 10**6

# One valid invocation of each command, for the checks that do not need limberd.
EVERY_COMMAND = [
    ['status'], ['next'], ['list'], ['activities'], ['complete', 'weekly_20261123_0'],
    ['skip', 'weekly_20261123_0'], ['snooze', 'weekly_20261123_0', '10min'], ['log', 'run', '30min'],
    ['idle', 'on'], ['feed'], ['waybar'], ['status', '--json'], ['list', '--json'], ['complete', 'due'],
]


def limberctl_path():
    path = os.environ.get('LIMBERCTL') or os.path.join(os.environ.get('LIMBER_BUILD_ROOT', ''), 'client',
                                                       'limberctl')
    if not os.access(path, os.X_OK):
        raise TestFailure(f'limberctl not found: set LIMBERCTL (got {path!r})')
    return path


def run(ctx, bus, *args, clock=None, env=None, stdout=None):
    """Runs limberctl; returns the CompletedProcess (stdout and stderr as text)."""
    e = bus.env() if bus else harness._base_env()
    e.update(ctx.xdg_env())
    e['TZ'] = TZ
    e.pop('NO_COLOR', None)
    # Without a clock of this test's own, the suite's (LIMBER_TEST_NOW, if set).
    e.update(clock.env(TZ) if clock else harness.clock_env(e))
    if env:
        e.update(env)
    try:
        return subprocess.run([limberctl_path()] + list(args), env=e, stdin=subprocess.DEVNULL,
                              stdout=stdout if stdout is not None else subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=harness.scaled(30),
                              preexec_fn=harness._die_with_parent)
    except subprocess.TimeoutExpired:
        raise TestFailure(f'limberctl {args} did not exit in time')


def ok(ctx, bus, *args, clock=None):
    """Runs limberctl and requires exit status 0 and nothing on stderr; returns stdout."""
    p = run(ctx, bus, *args, clock=clock)
    if p.returncode != 0 or p.stderr:
        raise TestFailure(f'limberctl {" ".join(args)}: exit status {p.returncode}\nstdout:\n{p.stdout}\n'
                          f'stderr:\n{p.stderr}')
    return p.stdout


class Golden:
    def __init__(self, daemon):
        self.daemon = daemon
        self.names = []

    def normalise(self, text):
        # Activity ids are random; the feed's directory is this run's.
        text = re.sub(r'\b[0-9a-f]{32}\b', '<id>', text)
        return text.replace(self.daemon.data_dir, '<data-dir>')

    def check(self, name, text):
        check(name not in self.names, f'golden file {name} used twice')
        self.names.append(name)
        text = self.normalise(text)
        path = os.path.join(GOLDEN_DIR, name + '.txt')
        if UPDATE_GOLDEN:
            os.makedirs(GOLDEN_DIR, exist_ok=True)
            with open(path, 'w') as f:
                f.write(text)
            return
        try:
            with open(path) as f:
                expected = f.read()
        except FileNotFoundError:
            raise TestFailure(f'{path} is missing (LIMBER_UPDATE_GOLDEN=1 writes it); the output was:\n{text}')
        if text != expected:
            diff = ''.join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                                f'{name}.txt (expected)', f'{name} (limberctl)'))
            raise TestFailure(f'limberctl output differs from {path}:\n{diff}')


class Follower:
    """limberctl waybar --follow, read line by line as it prints them."""

    def __init__(self, ctx, bus, clock=None, env=None):
        e = bus.env()
        e.update(ctx.xdg_env())
        e['TZ'] = TZ
        e.update(clock.env(TZ) if clock else harness.clock_env(e))
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        self.stderr_path = os.path.join(ctx.root, f'follow-{time.monotonic_ns()}.stderr')
        with open(self.stderr_path, 'w') as err:
            self.proc = subprocess.Popen([limberctl_path(), 'waybar', '--follow'], env=e, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=err, preexec_fn=harness._die_with_parent)
        ctx.cleanups.append(self.kill)
        self.buf = b''
        self.lines = []

    def read_line(self, timeout=10):
        """The next line; fails when none comes in time."""
        deadline = time.monotonic() + harness.scaled(timeout)
        while b'\n' not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure(f'waybar --follow printed no line within {timeout} s; so far {self.lines}\n'
                                  f'stderr: {harness.read_text(self.stderr_path)}')
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    raise TestFailure(f'waybar --follow exited ({self.proc.wait()}) after {self.lines}\n'
                                      f'stderr: {harness.read_text(self.stderr_path)}')
                self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        text = line.decode() + '\n'
        self.lines.append(text)
        return text

    def wait_for(self, expected, timeout=10):
        """Reads lines until one is expected; returns the lines read before it."""
        before = []
        while True:
            line = self.read_line(timeout)
            if line == expected:
                return before
            before.append(line)

    def quiet(self, seconds):
        """Fails if a line comes within seconds."""
        r, _, _ = select.select([self.proc.stdout], [], [], seconds)
        if r or b'\n' in self.buf:
            raise TestFailure(f'waybar --follow printed a line with nothing changed: '
                              f'{self.buf or os.read(self.proc.stdout.fileno(), 4096)!r}')

    def stderr(self):
        return harness.read_text(self.stderr_path)

    def terminate(self):
        """SIGTERM; returns the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=harness.scaled(5))
        except subprocess.TimeoutExpired:
            raise TestFailure('waybar --follow did not exit on SIGTERM')

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def not_running_line():
    return ('{"text": "not running", "alt": "not-running", "tooltip": "limberd is not running on the session bus\\n'
            'see: systemctl --user status limberd; journalctl --user -u limberd", "class": "not-running", '
            '"percentage": 0}\n')


def check_failed_activation(ctx):
    """A limberd that cannot start (its unit failed with 78, bad config) or does not answer:
    limberctl says so in one line and exits 3 within seconds, not after the bus's 25 s."""
    for name, exec_line, reason in (
            ('exit78', "/bin/sh -c 'exit 78'", 'Process io.github.limber.Limber1 exited with status 78'),
            ('hangs', '/bin/sleep 600', 'no answer within 5 s')):
        commands = (['status'], ['waybar'], ['complete', 'due']) if name == 'exit78' else (['status'],)
        services = os.path.join(ctx.root, f'services-{name}')
        os.makedirs(services)
        with open(os.path.join(services, 'io.github.limber.Limber1.service'), 'w') as f:
            f.write(f'[D-BUS Service]\nName=io.github.limber.Limber1\nExec={exec_line}\n')
        bus = ctx.bus(servicedir=services)
        for args in commands:
            t0 = time.monotonic()
            p = run(ctx, bus, *args)
            elapsed = time.monotonic() - t0
            what = f'limberctl {" ".join(args)} with an activation that {name}'
            check_equal((p.returncode, p.stdout), (3, ''), f'exit status and stdout of {what}')
            check_equal(p.stderr, f'limberctl: limberd could not be started: {reason} {SEE_STATUS}\n',
                        f'stderr of {what}')
            check(elapsed < harness.scaled(8), f'{what} took {elapsed:.1f} s')
        # --follow says so on the bar and waits.
        f = Follower(ctx, bus)
        check_equal(f.read_line(harness.scaled(10)), not_running_line(), f'waybar --follow with an activation that {name}')
        check_equal(f.terminate(), 0, 'exit status of waybar --follow on SIGTERM')
        check_in(reason, f.stderr(), 'stderr of waybar --follow')


def check_usage(ctx, bus):
    """Bad command lines: exit status 2, what is wrong and the hint, whether or not
    limberd runs (bus has none)."""
    cases = [
        (['frobnicate'], "unknown command 'frobnicate'"),
        (['--frobnicate'], "unknown option '--frobnicate'"),
        (['-x'], "unknown option '-x'"),
        (['complete'], "'complete' needs more: limberctl complete ID"),
        (['skip', 'a', 'b'], "too many arguments for 'skip'"),
        (['status', 'now'], "too many arguments for 'status'"),
        (['status', '--from', 'today'], "option --from does not apply to 'status'"),
        (['waybar', '--json'], "option --json does not apply to 'waybar'"),
        (['feed', '--json'], "option --json does not apply to 'feed'"),
        (['status', '--follow'], "option --follow does not apply to 'status'"),
        (['list', '--from'], "option '--from' needs a value"),
        (['list', '--from', 'someday'], "invalid time 'someday' for --from"),
        (['list', '--until', '2026-02-30'], "invalid time '2026-02-30' for --until"),
        (['list', '--until', '25:00'], "invalid time '25:00' for --until"),
        (['activities', '--from', '2026-11-23', '--until', '2026-11-20'], '--until is before --from'),
        (['log', 'run'], "'log' needs more"),
        (['log', 'skydiving', '10min'], "unknown activity kind 'skydiving' (known: run, walk, ride"),
        (['log', 'run', '10'], "invalid duration '10': missing unit"),
        (['log', 'run', '10parsecs'], "invalid duration '10parsecs': unknown unit"),
        (['log', 'run', '0min'], "invalid duration '0min': must be longer than zero"),
        (['log', 'run', '10min', '--distance', '-3'], "invalid distance '-3'"),
        (['log', 'run', '10min', '--distance', 'far'], "invalid distance 'far'"),
        (['log', 'run', '10min', '--at', '2026-11-23 7'], "invalid time '2026-11-23 7' for --at"),
        (['log', 'run', '10min', '--title', ''], 'the --title is empty'),
        (['snooze', 'next', 'soon'], "invalid duration 'soon'"),
        (['idle', 'maybe'], "expected 'on' or 'off' after idle, not 'maybe'"),
        (['idle'], "'idle' needs more: limberctl idle on|off"),
    ]
    for args, message in cases:
        p = run(ctx, bus, *args)
        what = f'limberctl {" ".join(args)}'
        check_equal(p.returncode, 2, f'exit status of {what}')
        check_equal(p.stdout, '', f'stdout of {what}')
        check(p.stderr.startswith('limberctl: ') and p.stderr.endswith(USAGE_HINT),
              f'{what}: no message and hint on stderr: {p.stderr!r}')
        check_in(message, p.stderr, f'stderr of {what}')

    for args in (['--help'], ['help'], ['-h'], ['list', '--help']):
        p = run(ctx, bus, *args)
        check_equal(p.returncode, 0, f'exit status of limberctl {" ".join(args)}')
        check(p.stdout.startswith('Usage: limberctl '), f'limberctl {" ".join(args)} printed no usage')
        for word in ('status', 'next', 'list', 'activities', 'complete', 'skip', 'snooze', 'log', 'idle', 'feed',
                     'waybar', '--json', 'Exit status'):
            check_in(word, p.stdout, 'the help')
    p = run(ctx, bus, '--version')
    check_equal((p.returncode, p.stdout, p.stderr), (0, VERSION, ''), 'limberctl --version')
    p = harness.run_limberd(ctx, '--version')
    check_equal((p.returncode, p.stdout, p.stderr), (0, VERSION.replace('limberctl', 'limberd'), ''),
                'limberd --version')


def check_not_running(ctx, bus):
    """A bus without limberd, and no bus at all: exit status 3 and the message."""
    for args in EVERY_COMMAND:
        p = run(ctx, bus, *args)
        what = f'limberctl {" ".join(args)} without limberd'
        check_equal(p.returncode, 3, f'exit status of {what}')
        check_equal(p.stdout, '', f'stdout of {what}')
        check_equal(p.stderr, NOT_RUNNING, f'stderr of {what}')

    # --follow waits for limberd, saying on the bar that it is not running.
    f = Follower(ctx, bus)
    check_equal(f.read_line(), not_running_line(), 'waybar --follow without limberd')
    f.quiet(1)
    check_equal(f.terminate(), 0, 'exit status of waybar --follow on SIGTERM')
    check_equal(f.stderr(), NOT_RUNNING, 'stderr of waybar --follow without limberd')

    nowhere = os.path.join(ctx.root, 'no-such-bus')
    p = run(ctx, None, 'status', env={'DBUS_SESSION_BUS_ADDRESS': f'unix:path={nowhere}'})
    check_equal(p.returncode, 3, 'exit status without a bus')
    check(p.stderr.startswith('limberctl: cannot connect to the session bus: ') and p.stderr.endswith(NOT_RUNNING),
          f'stderr without a bus: {p.stderr!r}')
    # Neither variable: sd-bus has nowhere to look.
    env = harness._base_env()
    env.pop('XDG_RUNTIME_DIR', None)
    p = subprocess.run([limberctl_path(), 'waybar'], env=env, capture_output=True, text=True,
                       timeout=harness.scaled(30))
    check_equal(p.returncode, 3, 'exit status without DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR')
    check_in('no session bus', p.stderr, 'stderr without DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR')


def check_waybar(text, klass, percentage):
    """One line of JSON with the four keys waybar reads, of their types."""
    check(text.endswith('\n') and text.count('\n') == 1, f'waybar output is not one line: {text!r}')
    data = json.loads(text)
    check_equal(list(data), ['text', 'alt', 'tooltip', 'class', 'percentage'], 'the keys of the waybar JSON')
    check_equal(data['alt'], klass, 'waybar alt, the state for format-icons')
    check(isinstance(data['text'], str) and data['text'], f'waybar text: {data["text"]!r}')
    check(isinstance(data['tooltip'], str) and 'this week' in data['tooltip'], f'waybar tooltip: {data["tooltip"]!r}')
    check_equal(data['class'], klass, 'waybar class')
    check(isinstance(data['percentage'], int) and not isinstance(data['percentage'], bool),
          f'waybar percentage is not an integer: {data["percentage"]!r}')
    check_equal(data['percentage'], percentage, 'waybar percentage')


def check_json(ctx, bus, clock, d):
    """Every --json spells its keys in snake_case, the D-Bus names turned so."""
    status = json.loads(ok(ctx, bus, 'status', '--json', clock=clock))
    types = {'version': str, 'idle': bool, 'sitting_since': int, 'sitting_limit': int, 'next_session_id': str,
             'next_session_start': int, 'next_session_kind': str, 'next_session_title': str, 'week_smr_done': int,
             'week_smr_target': int, 'week_cardio_minutes': int, 'week_cardio_target': int,
             'load_ratio': (int, float), 'feed_path': str, 'feed_url': str, 'unplaced': list, 'plugins': list}
    for key, t in types.items():
        check(key in status and isinstance(status[key], t), f'status --json: {key} missing or not {t}: {status}')
    # The same values as busctl reads.
    for key, prop in (('next_session_id', 'NextSessionId'), ('next_session_start', 'NextSessionStart'),
                      ('week_cardio_minutes', 'WeekCardioMinutes'), ('sitting_limit', 'SittingLimit'),
                      ('feed_path', 'FeedPath')):
        check_equal(status[key], d.get_property(prop), f'status --json {key} against the property {prop}')

    sessions = json.loads(ok(ctx, bus, 'list', '--json', clock=clock))
    check(isinstance(sessions, list) and sessions, f'list --json: {sessions!r}')
    via_bus = d.call('ListSessions', 'tt', MONDAY_MIDNIGHT, 0)[0]
    check_equal([[s['id'], s['kind'], s['status'], s['title'], s['start'], s['end'], s['sequence']]
                 for s in sessions], via_bus, 'list --json against ListSessions from the start of the day')

    activities = json.loads(ok(ctx, bus, 'activities', '--json', '--from', '2026-01-01', clock=clock))
    check_equal([[a['id'], a['source'], a['kind'], a['start'], a['duration'], a['distance_m']] for a in activities],
                d.call('ListActivities', 'tt', 0, 0)[0], 'activities --json against ListActivities')

    session = json.loads(ok(ctx, bus, 'next', '--json', clock=clock))
    check_equal(session['id'], status['next_session_id'], 'next --json id')
    check(isinstance(session['steps'], list) and all(isinstance(s, str) for s in session['steps']),
          f'next --json steps: {session["steps"]!r}')
    check(isinstance(session['sequence'], int) and isinstance(session['last_modified'], int),
          f'next --json sequence and last_modified: {session}')

    for what, data in (('status', status), ('next', session), ('list', sessions[0]), ('activities', activities[0])):
        for key in data:
            check(re.fullmatch(r'[a-z][a-z0-9]*(_[a-z0-9]+)*', key), f'{what} --json key {key!r} is not snake_case')


def check_color(ctx, bus, clock):
    """Colour on a terminal, none through a pipe or with NO_COLOR."""
    def listing(env):
        master, slave = pty.openpty()
        try:
            p = run(ctx, bus, 'list', clock=clock, env=env, stdout=slave)
            os.close(slave)
            slave = None
            out = b''
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:     # EIO: the other side is closed
                    break
                if not chunk:
                    break
                out += chunk
        finally:
            os.close(master)
            if slave is not None:
                os.close(slave)
        check_equal(p.returncode, 0, 'exit status of limberctl list on a terminal')
        return out.decode()

    check_in('\x1b[1mWHEN\x1b[0m', listing({'TERM': 'xterm'}), 'the header on a terminal')
    check('\x1b[' not in listing({'TERM': 'xterm', 'NO_COLOR': '1'}), 'colour with NO_COLOR set')
    check('\x1b[' not in listing({'TERM': 'dumb'}), 'colour with TERM=dumb')
    check('\x1b[' not in ok(ctx, bus, 'list', clock=clock), 'colour through a pipe')


def check_feed_served(ctx):
    """With the feed on HTTP (any free port), feed gives its webcal:// URL."""
    bus = ctx.bus()
    d = ctx.daemon(bus, config='[feed]\nhttp = 127.0.0.1:0\n').start()
    url, path = d.get_property('FeedUrl'), d.get_property('FeedPath')
    check(re.fullmatch(r'http://127\.0\.0\.1:\d+/\S+/limber\.ics', url), f'FeedUrl {url!r}')
    check_equal(ok(ctx, bus, 'feed'), f'File: {path}\n URL: webcal://{url[len("http://"):]}\n', 'limberctl feed')
    check_equal(d.stop(), 0, 'limberd exit status')


def check_follow_clock(ctx, bus, clock):
    """With nothing said on the bus, --follow prints again when its text changes with the
    clock: on a clock that runs from 10:12:58, "sitting 12min" turns "sitting 13min" at
    10:13:00, and nothing is printed in between."""
    running = {'FAKETIME_TIMESTAMP_FILE': None, 'FAKETIME_FMT': None, 'FAKETIME': '@2026-11-23 10:12:58'}
    f = Follower(ctx, bus, clock=clock, env=running)
    first = json.loads(f.read_line())
    check_equal((first['text'], first['percentage']), ('sitting 12min', 43), 'waybar --follow at 10:12:58')
    t0 = time.monotonic()
    second = json.loads(f.read_line(timeout=10))
    elapsed = time.monotonic() - t0
    check_equal((second['text'], second['percentage']), ('sitting 13min', 43), 'waybar --follow at 10:13:00')
    check(elapsed < harness.scaled(4), f'the line for 10:13 came after {elapsed:.1f} s')
    # The next change is 44% at 10:13:12.
    f.quiet(5)
    check_equal(f.terminate(), 0, 'exit status of waybar --follow on SIGTERM')
    check_equal(f.stderr(), '', 'stderr of waybar --follow')


def poke(d):
    """A call, so limberd runs what came due when the clock moved; the second one is
    answered after that work."""
    d.get_property('Version')
    d.get_property('Version')


def test(ctx):
    empty_bus = ctx.bus()
    check_usage(ctx, empty_bus)
    check_not_running(ctx, empty_bus)
    check_failed_activation(ctx)
    check_feed_served(ctx)

    libfaketime = harness.find_libfaketime()
    if not libfaketime:
        raise harness.Skip('libfaketime is not installed (Debian package faketime); '
                           'usage and not-running checks passed')

    # Monday 23 November 2026, 10:00 in Berlin.
    clock = harness.FrozenClock(ctx, libfaketime, at(TZ, 2026, 11, 23, 10, 0))
    bus = ctx.bus()
    prefix = clock.prefix(TZ)
    d = ctx.daemon(bus, config=CONFIG, command_prefix=prefix).start()
    golden = Golden(d)

    # Activities, logged with limberctl itself: two runs in the four weeks before last
    # week, a ride and a run last weekend, and a walk that just ended (no --at).
    for args in (['run', '50min', '--distance', '9', '--at', '2026-11-02 18:00'],
                 ['run', '50min', '--distance', '9', '--at', '2026-11-09 18:00'],
                 ['ride', '1h 30min', '--distance', '42.5', '--at', '2026-11-21 14:00', '--title', 'Saturday ride'],
                 ['run', '45min', '--distance', '8.4', '--at', '2026-11-22 09:00'],
                 ['walk', '30min']):
        out = ok(ctx, bus, 'log', *args, clock=clock)
        check(re.fullmatch(r'[0-9a-f]{32}\n', out), f'limberctl log {args} printed {out!r}, not an id')
    walk = d.call('ListActivities', 'tt', 0, 0)[0][-1]
    check_equal(walk[1:], ['limberctl', 'walk', 1795422600 * 10**6, 30 * 60 * 10**6, 0.0],
                'the walk without --at: it ended now, 10:00')

    golden.check('activities', ok(ctx, bus, 'activities', clock=clock))
    golden.check('activities-range', ok(ctx, bus, 'activities', '--from', '2026-11-01', '--until', '2026-11-15',
                                        clock=clock))
    golden.check('activities-empty', ok(ctx, bus, 'activities', '--from', '2026-10-01', '--until', '2026-10-02',
                                        clock=clock))
    golden.check('list', ok(ctx, bus, 'list', clock=clock))
    golden.check('list-range', ok(ctx, bus, 'list', '--from', 'tomorrow', '--until', '2026-11-26 12:00',
                                  clock=clock))
    golden.check('list-json', ok(ctx, bus, 'list', '--json', '--until', '2026-11-25', clock=clock))
    golden.check('next', ok(ctx, bus, 'next', clock=clock))
    status = ok(ctx, bus, 'status', clock=clock)
    golden.check('status', status)
    check_equal(ok(ctx, bus, clock=clock), status, 'limberctl without a command')
    golden.check('feed', ok(ctx, bus, 'feed', clock=clock))
    waybar = ok(ctx, bus, 'waybar', clock=clock)
    check_waybar(waybar, 'ok', 0)
    golden.check('waybar', waybar)
    # The same line from --follow, and then one on every change.
    follower = Follower(ctx, bus, clock=clock)
    check_equal(follower.read_line(), waybar, 'the first line of waybar --follow')
    check_json(ctx, bus, clock, d)
    check_color(ctx, bus, clock)

    # At the desk from 10:00; at 10:12, 12 of the 30 minutes.
    check_equal(ok(ctx, bus, 'idle', 'off', clock=clock), '', 'output of idle off')
    check_equal(d.get_property('Idle'), False, 'Idle after limberctl idle off')
    # The streak began now: 0 seconds of it, not "0min".
    waybar = ok(ctx, bus, 'waybar', clock=clock)
    check_waybar(waybar, 'sitting', 0)
    golden.check('waybar-sitting-start', waybar)
    follower.wait_for(waybar)
    clock.set(at(TZ, 2026, 11, 23, 10, 12))
    golden.check('status-sitting', ok(ctx, bus, 'status', clock=clock))
    waybar = ok(ctx, bus, 'waybar', clock=clock)
    check_waybar(waybar, 'sitting', 40)
    golden.check('waybar-sitting', waybar)
    check_follow_clock(ctx, bus, clock)

    # Away from 10:12; at 10:20 the 5-minute natural break has ended the streak.
    check_equal(ok(ctx, bus, 'idle', 'on', clock=clock), '', 'output of idle on')
    check_equal(d.get_property('Idle'), True, 'Idle after limberctl idle on')
    follower.wait_for(ok(ctx, bus, 'waybar', clock=clock))
    clock.set(at(TZ, 2026, 11, 23, 10, 20))
    poke(d)
    check_equal(d.get_property('SittingSince'), 0, 'SittingSince after the natural break')
    waybar = ok(ctx, bus, 'waybar', clock=clock)
    check_waybar(waybar, 'idle', 0)
    golden.check('waybar-idle', waybar)
    follower.wait_for(waybar)

    # Nothing has begun: a click on the bar (complete due) records nothing.
    next_id = d.get_property('NextSessionId')
    title = d.get_property('NextSessionTitle')
    for verb in ('complete', 'skip', 'snooze'):
        p = run(ctx, bus, verb, 'due', clock=clock)
        check_equal((p.returncode, p.stdout, p.stderr),
                    (1, '', f"limberctl: nothing is due now: the next session, '{title}', starts Tue 24 Nov 18:30\n"),
                    f'limberctl {verb} due with nothing under way')
    check_equal(d.call('GetSession', 's', next_id)[0]['Status']['data'], 'planned',
                'the next session after complete due with nothing due')

    # Outcomes. Unknown and malformed ids: limberd's error, exit status 1.
    for args in (['complete', 'no_such_session'], ['skip', 'no_such_session'],
                 ['snooze', 'no_such_session', '5min']):
        p = run(ctx, bus, *args, clock=clock)
        check_equal((p.returncode, p.stdout, p.stderr), (1, '', "limberctl: No session 'no_such_session'\n"),
                    f'limberctl {" ".join(args)}')
    p = run(ctx, bus, 'complete', 'not an id', clock=clock)
    check_equal((p.returncode, p.stdout, p.stderr),
                (1, '', "limberctl: Invalid argument 'id': 'not an id' is not a session id\n"),
                'limberctl complete with a malformed id')

    snoozed = ok(ctx, bus, 'snooze', 'next', '20min', clock=clock)
    golden.check('snooze', snoozed)
    check_equal(d.call('GetSession', 's', next_id)[0]['Status']['data'], 'snoozed', 'status after snooze next')
    sessions = d.call('ListSessions', 'tt', 0, 0)[0]
    later = [s for s in sessions if s[0] != next_id and s[2] == 'planned']
    check(later, f'no other planned session to skip: {sessions}')
    check_equal(ok(ctx, bus, 'skip', later[0][0], clock=clock), '', 'output of skip')
    # Without a duration, limberd's [mobility] snooze: 10 minutes.
    golden.check('snooze-default', ok(ctx, bus, 'snooze', later[1][0], clock=clock))
    golden.check('list-outcomes', ok(ctx, bus, 'list', clock=clock))

    # During the snoozed session: it is under way, and limberd said so when it began.
    monitor = harness.Monitor(bus, ctx.root, name='monitor-due')
    clock.set(at(TZ, 2026, 11, 24, 18, 55))
    poke(d)
    harness.wait_until(lambda: [m for m in monitor.signals('SessionDue', harness.INTERFACE, harness.OBJECT_PATH)
                                if m['payload']['data'][0] == next_id], 10,
                       what=f'SessionDue for {next_id} at its (snoozed) start')
    monitor.close()
    golden.check('status-due', ok(ctx, bus, 'status', clock=clock))
    golden.check('next-due', ok(ctx, bus, 'next', clock=clock))
    waybar = ok(ctx, bus, 'waybar', clock=clock)
    check_waybar(waybar, 'due', 0)
    golden.check('waybar-due', waybar)
    follower.wait_for(waybar)
    check_equal(ok(ctx, bus, 'complete', 'due', clock=clock), '', 'output of complete due')
    check_equal(d.call('GetSession', 's', next_id)[0]['Status']['data'], 'completed', 'status after complete due')
    waybar = ok(ctx, bus, 'waybar', clock=clock)
    check_waybar(waybar, 'idle', 0)
    follower.wait_for(waybar)
    p = run(ctx, bus, 'skip', 'due', clock=clock)
    check_equal(p.returncode, 1, 'exit status of skip due after the due session was completed')
    check(p.stderr.startswith('limberctl: nothing is due now: the next session, '),
          f'skip due with nothing due: {p.stderr!r}')
    p = run(ctx, bus, 'snooze', next_id, clock=clock)
    check_equal(p.returncode, 1, 'exit status of snoozing a completed session')
    check_in("only a planned session can be snoozed", p.stderr, 'snoozing a completed session')
    golden.check('status-completed', ok(ctx, bus, 'status', clock=clock))
    golden.check('list-completed', ok(ctx, bus, 'list', '--until', 'tomorrow', clock=clock))

    # limberd goes away: the bar says so; it comes back: the bar follows it again.
    check_equal(d.stop(), 0, 'limberd exit status')
    follower.wait_for(not_running_line())
    d = ctx.daemon(bus, config=CONFIG, command_prefix=prefix, state_dir=d.state_dir).start()
    follower.wait_for(ok(ctx, bus, 'waybar', clock=clock))
    # waybar went away: the next line finds the pipe closed, and limberctl ends quietly.
    follower.proc.stdout.close()
    ok(ctx, bus, 'idle', 'off', clock=clock)
    try:
        status = follower.proc.wait(timeout=harness.scaled(10))
    except subprocess.TimeoutExpired:
        raise TestFailure('waybar --follow kept running after its reader went away')
    check_equal((status, follower.stderr()), (0, ''), 'exit status and stderr of waybar --follow without a reader')

    if UPDATE_GOLDEN:
        harness.log(f'golden files written to {GOLDEN_DIR}: {", ".join(golden.names)}')
    check_equal(d.stop(), 0, 'limberd exit status')


if __name__ == '__main__':
    harness.main(test)
