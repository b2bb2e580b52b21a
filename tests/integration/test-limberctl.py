#!/usr/bin/python3
"""limberctl against a real limberd: each command's output compared with a golden file
in tests/data/limberctl/, the JSON outputs parsed, limberd's errors passed on with exit
status 1, bad usage exit status 2, and no limberd exit status 3.

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
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import TestFailure, check, check_equal, check_in  # noqa: E402

SOURCE_ROOT = os.environ['LIMBER_SOURCE_ROOT']
GOLDEN_DIR = os.path.join(SOURCE_ROOT, 'tests', 'data', 'limberctl')
UPDATE_GOLDEN = os.environ.get('LIMBER_UPDATE_GOLDEN') == '1'

TZ = 'Europe/Berlin'
# No HTTP (tests run in parallel), no desktop notifications (none on a private bus).
CONFIG = f'[schedule]\ntimezone = {TZ}\n[feed]\nhttp = off\n[mobility]\nnotify = false\n'

NOT_RUNNING = ('limberctl: limberd is not running on the session bus '
               '(start it with: systemctl --user start limberd)\n')
USAGE_HINT = "Try 'limberctl --help' for more information.\n"

# 2026-11-23 00:00 in Berlin (23:00 UTC the day before), in microseconds.
MONDAY_MIDNIGHT = 1795388400 * 10**6

# One valid invocation of each command, for the checks that do not need limberd.
EVERY_COMMAND = [
    ['status'], ['next'], ['list'], ['activities'], ['complete', 'weekly_20261123_0'],
    ['skip', 'weekly_20261123_0'], ['snooze', 'weekly_20261123_0', '10min'], ['log', 'run', '30min'],
    ['idle', 'on'], ['feed'], ['waybar'], ['status', '--json'], ['list', '--json'],
]


def limberctl_path():
    path = os.environ.get('LIMBERCTL') or os.path.join(os.environ.get('LIMBER_BUILD_ROOT', ''), 'client',
                                                       'limberctl')
    if not os.access(path, os.X_OK):
        raise TestFailure(f'limberctl not found: set LIMBERCTL (got {path!r})')
    return path


class Clock:
    """The fake time of limberd and limberctl, frozen at what set() last wrote."""

    def __init__(self, ctx, libfaketime, when):
        self.path = os.path.join(ctx.root, 'clock')
        self.libfaketime = libfaketime
        self.set(when)

    def set(self, when):
        """when: 'YYYY-MM-DD HH:MM:SS' in TZ."""
        tmp = self.path + '.tmp'
        with open(tmp, 'w') as f:
            f.write(when + '\n')
        os.rename(tmp, self.path)

    def env(self):
        preload = [self.libfaketime]
        shim = os.environ.get('LIMBER_FAKETIME_TIMERFD')
        if shim:
            preload.insert(0, shim)
        asan = os.environ.get('ASAN_OPTIONS', '')
        return {
            'LD_PRELOAD': ':'.join(preload),
            'FAKETIME_TIMESTAMP_FILE': self.path,
            'FAKETIME_NO_CACHE': '1',
            'FAKETIME_DONT_FAKE_MONOTONIC': '1',
            # libfaketime comes before the ASan runtime in the preload list.
            'ASAN_OPTIONS': (asan + ':' if asan else '') + 'verify_asan_link_order=0',
            'TZ': TZ,
        }


def run(ctx, bus, *args, clock=None, env=None, stdout=None):
    """Runs limberctl; returns the CompletedProcess (stdout and stderr as text)."""
    e = bus.env() if bus else harness._base_env()
    e.update(ctx.xdg_env())
    e['TZ'] = TZ
    e.pop('NO_COLOR', None)
    # Without a clock of this test's own, the suite's (LIMBER_TEST_NOW, if set).
    e.update(clock.env() if clock else harness.clock_env(e))
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
    check_equal((p.returncode, p.stdout), (0, 'limberctl 0.1.0\n'), 'limberctl --version')


def check_not_running(ctx, bus):
    """A bus without limberd, and no bus at all: exit status 3 and the message."""
    for args in EVERY_COMMAND:
        p = run(ctx, bus, *args)
        what = f'limberctl {" ".join(args)} without limberd'
        check_equal(p.returncode, 3, f'exit status of {what}')
        check_equal(p.stdout, '', f'stdout of {what}')
        check_equal(p.stderr, NOT_RUNNING, f'stderr of {what}')

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
    check_equal(sorted(data), ['class', 'percentage', 'text', 'tooltip'], 'the keys of the waybar JSON')
    check(isinstance(data['text'], str) and data['text'], f'waybar text: {data["text"]!r}')
    check(isinstance(data['tooltip'], str) and 'this week' in data['tooltip'], f'waybar tooltip: {data["tooltip"]!r}')
    check_equal(data['class'], klass, 'waybar class')
    check(isinstance(data['percentage'], int) and not isinstance(data['percentage'], bool),
          f'waybar percentage is not an integer: {data["percentage"]!r}')
    check_equal(data['percentage'], percentage, 'waybar percentage')


def check_json(ctx, bus, clock, d):
    status = json.loads(ok(ctx, bus, 'status', '--json', clock=clock))
    types = {'Version': str, 'Idle': bool, 'SittingSince': int, 'SittingLimit': int, 'NextSessionId': str,
             'NextSessionStart': int, 'NextSessionKind': str, 'NextSessionTitle': str, 'WeekSmrDone': int,
             'WeekSmrTarget': int, 'WeekCardioMinutes': int, 'WeekCardioTarget': int, 'LoadRatio': (int, float),
             'FeedPath': str, 'FeedUrl': str, 'Unplaced': list, 'Plugins': list}
    for key, t in types.items():
        check(key in status and isinstance(status[key], t), f'status --json: {key} missing or not {t}: {status}')
    # The same values as busctl reads.
    for key in ('NextSessionId', 'NextSessionStart', 'WeekCardioMinutes', 'SittingLimit', 'FeedPath'):
        check_equal(status[key], d.get_property(key), f'status --json {key} against the property')

    sessions = json.loads(ok(ctx, bus, 'list', '--json', clock=clock))
    check(isinstance(sessions, list) and sessions, f'list --json: {sessions!r}')
    via_bus = d.call('ListSessions', 'tt', MONDAY_MIDNIGHT, 0)[0]
    check_equal([[s['id'], s['kind'], s['status'], s['title'], s['start'], s['end'], s['sequence']]
                 for s in sessions], via_bus, 'list --json against ListSessions from the start of the day')

    activities = json.loads(ok(ctx, bus, 'activities', '--json', '--from', '2026-01-01', clock=clock))
    check_equal([[a['id'], a['source'], a['kind'], a['start'], a['duration'], a['distance_m']] for a in activities],
                d.call('ListActivities', 'tt', 0, 0)[0], 'activities --json against ListActivities')

    session = json.loads(ok(ctx, bus, 'next', '--json', clock=clock))
    check_equal(session['Id'], status['NextSessionId'], 'next --json Id')
    check(isinstance(session['Steps'], list) and all(isinstance(s, str) for s in session['Steps']),
          f'next --json Steps: {session["Steps"]!r}')
    check(isinstance(session['Sequence'], int), 'next --json Sequence')


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


def poke(d):
    """A call, so limberd runs what came due when the clock moved; the second one is
    answered after that work."""
    d.get_property('Version')
    d.get_property('Version')


def test(ctx):
    empty_bus = ctx.bus()
    check_usage(ctx, empty_bus)
    check_not_running(ctx, empty_bus)
    check_feed_served(ctx)

    libfaketime = harness.find_libfaketime()
    if not libfaketime:
        raise harness.Skip('libfaketime is not installed (Debian package faketime); '
                           'usage and not-running checks passed')

    # Monday 23 November 2026, 10:00 in Berlin.
    clock = Clock(ctx, libfaketime, '2026-11-23 10:00:00')
    bus = ctx.bus()
    prefix = ['env'] + [f'{k}={v}' for k, v in clock.env().items()]
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
    check_json(ctx, bus, clock, d)
    check_color(ctx, bus, clock)

    # At the desk from 10:00; at 10:12, 12 of the 30 minutes.
    check_equal(ok(ctx, bus, 'idle', 'off', clock=clock), '', 'output of idle off')
    check_equal(d.get_property('Idle'), False, 'Idle after limberctl idle off')
    clock.set('2026-11-23 10:12:00')
    golden.check('status-sitting', ok(ctx, bus, 'status', clock=clock))
    waybar = ok(ctx, bus, 'waybar', clock=clock)
    check_waybar(waybar, 'sitting', 40)
    golden.check('waybar-sitting', waybar)

    # Away from 10:12; at 10:20 the 5-minute natural break has ended the streak.
    check_equal(ok(ctx, bus, 'idle', 'on', clock=clock), '', 'output of idle on')
    check_equal(d.get_property('Idle'), True, 'Idle after limberctl idle on')
    clock.set('2026-11-23 10:20:00')
    poke(d)
    check_equal(d.get_property('SittingSince'), 0, 'SittingSince after the natural break')
    waybar = ok(ctx, bus, 'waybar', clock=clock)
    check_waybar(waybar, 'idle', 0)
    golden.check('waybar-idle', waybar)

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

    next_id = d.get_property('NextSessionId')
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
    clock.set('2026-11-24 18:55:00')
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
    check_equal(ok(ctx, bus, 'complete', 'next', clock=clock), '', 'output of complete next')
    check_equal(d.call('GetSession', 's', next_id)[0]['Status']['data'], 'completed', 'status after complete next')
    p = run(ctx, bus, 'snooze', next_id, clock=clock)
    check_equal(p.returncode, 1, 'exit status of snoozing a completed session')
    check_in("only a planned session can be snoozed", p.stderr, 'snoozing a completed session')
    golden.check('status-completed', ok(ctx, bus, 'status', clock=clock))
    golden.check('list-completed', ok(ctx, bus, 'list', '--until', 'tomorrow', clock=clock))

    if UPDATE_GOLDEN:
        harness.log(f'golden files written to {GOLDEN_DIR}: {", ".join(golden.names)}')
    check_equal(d.stop(), 0, 'limberd exit status')


if __name__ == '__main__':
    harness.main(test)
