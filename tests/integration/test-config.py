#!/usr/bin/python3
"""Configuration: a bad file stops limberd with 78 and file:line before it touches the
bus; --check-config validates; a missing --config file is an error while a missing
default file means built-in defaults; SIGHUP and Reload() with a bad file keep the
running configuration, which is shown by behaviour, and a good file reloads."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (BUS_NAME, ERROR_INVALID_CONFIG, check, check_equal, check_in,  # noqa: E402
                     run_limberd)

EX_CONFIG = 78

GOOD = '''\
[feed]
http = off

[mobility]
natural_break = 2s
max_sitting = 10s
'''

# Line 3: an unknown key. The other lines are valid, and natural_break differs from
# GOOD's: had any of this file been applied, a 2 s break would no longer end a streak.
UNKNOWN_KEY = '''\
[mobility]
natural_break = 5min
sesions_per_week = 3
max_sitting = 30min
[feed]
http = off
'''

# Two problems, lines 3 and 7, for the reloads; natural_break differs from GOOD's.
BAD_RELOAD = UNKNOWN_KEY + 'alarm = sometimes\n'

# One problem on each of lines 2, 4, 6 and 9: an unknown section is reported once, at
# its header, not again for its key on line 7.
SEVERAL = '''\
[smr]
per_weak = 2
[mobility]
natural_break = soon
max_sitting = 30min
[nonsense]
key = value
[cardio]
this line has no equals sign
'''


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)
    return path


def start_unknown_key_daemon(ctx, bus):
    d = ctx.daemon(bus, config=UNKNOWN_KEY).start(wait_ready=False)
    check_equal(d.wait_exit(), EX_CONFIG, 'exit status with an unknown key')
    err = d.stderr()
    check_in("limber.conf:3: unknown key 'sesions_per_week' in [mobility]", err, 'stderr')
    check(any(line.startswith('<3>') and 'limber.conf:3:' in line for line in err.splitlines()),
          'the config error is not logged as an error (<3>)')
    check(not d.notifications, f'a limberd with a bad config notified {d.notifications!r}')
    return d


def test_refuses_bad_config(ctx):
    bus = ctx.bus()
    monitor = ctx.monitor(bus)

    start_unknown_key_daemon(ctx, bus)
    # It never took the name: no NameOwnerChanged for it while it ran.
    taken = [m for m in monitor.signals('NameOwnerChanged') if m['payload']['data'][0] == BUS_NAME]
    check_equal(taken, [], 'NameOwnerChanged for the bus name from a limberd with a bad config')
    check_equal(bus.name_owner_pid(), None, 'owner of the name')

    # The monitor does see a limberd that does take it.
    good = ctx.daemon(bus).start()
    harness.wait_until(lambda: [m for m in monitor.signals('NameOwnerChanged')
                                if m['payload']['data'][0] == BUS_NAME],
                       10, what='NameOwnerChanged for a good limberd')
    check_equal(good.stop(), 0, 'exit status of the good limberd')


def test_check_config(ctx):
    conf_dir = os.path.join(ctx.root, 'check')
    good = write(os.path.join(conf_dir, 'good', 'limber.conf'), GOOD)
    p = run_limberd(ctx, '--config', good, '--check-config')
    check_equal(p.returncode, 0, f'--check-config on a good file (stderr: {p.stderr!r})')
    check_in(good, p.stdout, '--check-config output')
    check_in('valid', p.stdout, '--check-config output')

    bad = write(os.path.join(conf_dir, 'bad', 'limber.conf'), SEVERAL)
    p = run_limberd(ctx, '--config', bad, '--check-config')
    check_equal(p.returncode, EX_CONFIG, '--check-config on a bad file')
    for line, words in ((2, ["unknown key 'per_weak'", '[smr]']),
                        (4, ["'natural_break'", "'soon'"]),
                        (6, ['unknown section [nonsense]']),
                        (9, ['syntax error'])):
        entries = [e for e in p.stderr.splitlines() if e.startswith(f'{bad}:{line}: ')]
        check(entries, f'--check-config does not report {bad}:{line}:\n{p.stderr}')
        for w in words:
            check_in(w, entries[0], f'report for line {line}')
    reported = sorted({int(e[len(bad) + 1:].split(':', 1)[0]) for e in p.stderr.splitlines()
                       if e.startswith(f'{bad}:')})
    check_equal(reported, [2, 4, 6, 9], 'lines reported by --check-config')
    check_equal(p.stdout, '', '--check-config stdout on a bad file')

    # A --config file that does not exist is an error, not the defaults.
    missing = os.path.join(conf_dir, 'missing.conf')
    p = run_limberd(ctx, '--config', missing, '--check-config')
    check_equal(p.returncode, EX_CONFIG, '--check-config with a missing --config file')
    check_in(missing, p.stderr, 'stderr for a missing --config file')

    # Without --config: $XDG_CONFIG_HOME/limber/limber.conf if there is one...
    xdg_conf = os.path.join(ctx.xdg_env()['XDG_CONFIG_HOME'], 'limber', 'limber.conf')
    write(xdg_conf, SEVERAL)
    p = run_limberd(ctx, '--check-config')
    check_equal(p.returncode, EX_CONFIG, '--check-config with a bad file in $XDG_CONFIG_HOME')
    check_in(f'{xdg_conf}:2: ', p.stderr, 'stderr for the $XDG_CONFIG_HOME file')
    # ...and the built-in defaults when there is none.
    os.unlink(xdg_conf)
    p = run_limberd(ctx, '--check-config')
    check_equal(p.returncode, 0, f'--check-config without any file (stderr {p.stderr!r})')
    check_in('built-in defaults', p.stdout, '--check-config output without any file')


def test_missing_config_file(ctx):
    bus = ctx.bus()
    d = ctx.daemon(bus, config=None, args=['--config', os.path.join(ctx.root, 'nowhere', 'limber.conf')])
    d.start(wait_ready=False)
    check_equal(d.wait_exit(), EX_CONFIG, 'exit status of limberd with a missing --config file')
    check_in('nowhere/limber.conf', d.stderr(), 'stderr for a missing --config file')

    # No file at all and no --config: it runs on the defaults.
    d = ctx.daemon(bus, config=None, args=['--verbose']).start()
    check(d.get_property('Version'), 'Version of limberd on defaults')
    check_equal(d.get_property('SittingSince'), 0, 'SittingSince at start')
    check_in('using the built-in defaults', d.stderr(), 'stderr of limberd on defaults')
    check_equal(d.stop(), 0, 'exit status of limberd on defaults')


def sitting_streak_ends(d, wait):
    """Starts a streak, goes idle and says whether the streak has ended within wait s."""
    d.call('ReportIdle', 'b', False)
    since = d.get_property('SittingSince')
    check(since > 0, 'no sitting streak after ReportIdle(false)')
    d.call('ReportIdle', 'b', True)
    check_equal(d.get_property('SittingSince'), since, 'SittingSince right after ReportIdle(true)')
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if d.get_property('SittingSince') == 0:
            return True
        time.sleep(0.1)
    return False


def test_reload(ctx):
    bus = ctx.bus()
    d = ctx.daemon(bus, config=GOOD).start()
    path = d.config_path

    # SIGHUP with a bad file: still running, each error logged with file:line.
    d.write_config(BAD_RELOAD)
    d.reload_signal()
    check(d.running, 'limberd stopped on SIGHUP with a bad config')
    d.wait_stderr(rf"^<3>{path}:3: unknown key 'sesions_per_week'")
    d.wait_stderr(rf"^<3>{path}:7: invalid duration 'sometimes' for 'alarm'")
    d.wait_stderr(r'^<3>.*running configuration stays')

    # Reload() with the bad file: InvalidConfig naming each file:line.
    mark = len(d.stderr())
    e = d.call_error('Reload')
    check_equal(e.name, ERROR_INVALID_CONFIG, 'error name of Reload() with a bad config')
    check_in(f"{path}:3: unknown key 'sesions_per_week'", e.message, 'error message of Reload()')
    check_in(f"{path}:7: invalid duration 'sometimes'", e.message, 'error message of Reload()')
    check(d.running, 'limberd stopped on Reload() with a bad config')
    logged = d.stderr()[mark:]
    check_in(f'{path}:7:', logged, 'stderr after Reload() with a bad config')
    # Several problems are several log lines, each with its priority for the journal.
    for line in d.stderr().splitlines():
        check(line.startswith('<'), f'stderr line without a <N> prefix: {line!r}')

    # The old configuration is in force: its 2 s natural break still ends a streak (the
    # bad file's 5 min would not).
    check(sitting_streak_ends(d, harness.scaled(10)),
          'a 2 s idle no longer ends the sitting streak after a failed reload')

    # A good file reloads: with a 1 min natural break, 4 s of idle keep the streak.
    d.write_config(GOOD.replace('natural_break = 2s', 'natural_break = 1min')
                       .replace('max_sitting = 10s', 'max_sitting = 30min'))
    check_equal(d.call('Reload'), [], 'reply of Reload() with a good config')
    d.wait_stderr(rf'^<6>Configuration reloaded from {path}$')
    check(not sitting_streak_ends(d, 4), 'the reloaded natural_break (1 min) is not in force')

    # SIGHUP with a good file works too, and a failed reload did not leave limberd
    # in a state where it cannot stop.
    d.write_config(GOOD)
    d.reload_signal()
    check(sitting_streak_ends(d, harness.scaled(10)), 'natural_break = 2s not in force after SIGHUP')
    check_equal(d.stop(), 0, 'exit status after the reloads')


def test(ctx):
    test_refuses_bad_config(ctx)
    test_check_config(ctx)
    test_missing_config_file(ctx)
    test_reload(ctx)


if __name__ == '__main__':
    harness.main(test)
