#!/usr/bin/python3
"""limberd under valgrind through a short life that touches every handler and the
error paths: no memory errors and no definite leaks, and a clean exit on SIGTERM.

Skipped (77) without valgrind or on a sanitized build (LIMBER_SANITIZED=1, set by
meson from b_sanitize), where valgrind cannot run the binary."""

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (ERROR_INVALID_ARGS, ERROR_INVALID_CONFIG, USEC_PER_SEC, check,  # noqa: E402
                     check_equal, check_in, extra_args)

VALGRIND_ERROR = 99
GOOD = '[feed]\nhttp = 127.0.0.1:0\n[mobility]\nnatural_break = 2s\nmax_sitting = 10s\n'
BAD = '[feed]\nhttp = off\n[mobility]\nnatural_break = 5min\nbogus = 1\n'


def test(ctx):
    if os.environ.get('LIMBER_SANITIZED') == '1':
        raise harness.Skip('limberd is built with sanitizers; valgrind needs a plain build')
    valgrind = os.environ.get('VALGRIND') or shutil.which('valgrind')
    if not valgrind or not os.access(valgrind, os.X_OK):
        raise harness.Skip('valgrind not found')
    # Never wait on the network for debug symbols.
    os.environ.pop('DEBUGINFOD_URLS', None)

    log_path = os.path.join(ctx.root, 'valgrind.log')
    prefix = [valgrind, '--leak-check=full', '--errors-for-leak-kinds=definite',
              f'--error-exitcode={VALGRIND_ERROR}', '--track-fds=no', f'--log-file={log_path}']
    bus = ctx.bus()
    d = ctx.daemon(bus, config=GOOD, command_prefix=prefix)
    try:
        d.start(timeout=90)
        base = (harness.now_usec() // USEC_PER_SEC) * USEC_PER_SEC - 86400 * USEC_PER_SEC
        extra = {'source': ('s', 'valgrind'), 'external_id': ('s', 'v-1'), 'title': ('s', 'A run')}
        aid = d.call('LogActivity', 'sttda{sv}', 'run', base, 1800 * USEC_PER_SEC, 5000.0,
                     *extra_args(extra), timeout=60)[0]
        check_equal(d.call('LogActivity', 'sttda{sv}', 'run', base, 1800 * USEC_PER_SEC, 5000.0,
                           *extra_args(extra), timeout=60)[0], aid, 'id of the repeated activity')
        # Error paths that have allocated something by the time they fail.
        e = d.call_error('LogActivity', 'sttda{sv}', 'run', base, 60 * USEC_PER_SEC, 0.0,
                         *extra_args({'source': ('s', 'x'), 'title': ('s', '')}), timeout=60)
        check_equal(e.name, ERROR_INVALID_ARGS, 'error for an empty title')
        e = d.call_error('LogActivity', 'sttda{sv}', 'walk', base, 0, 0.0, 0, timeout=60)
        check_equal(e.name, ERROR_INVALID_ARGS, 'error for a zero duration')
        listed = d.call('ListActivities', 'tt', 0, 0, timeout=60)[0]
        check_equal([a[0] for a in listed], [aid], 'ids listed')

        d.call('ReportIdle', 'b', False, timeout=60)
        d.call('ReportIdle', 'b', True, timeout=60)
        d.call('ReportIdle', 'b', False, timeout=60)

        # The plan, its objects, an outcome, the feed over HTTP.
        sessions = d.call('ListSessions', 'tt', 0, 0, timeout=60)[0]
        check(sessions, 'no sessions planned')
        d.call('GetSession', 's', sessions[0][0], timeout=60)
        d.bus.call_full(harness.BUS_NAME, harness.OBJECT_PATH, 'org.freedesktop.DBus.ObjectManager',
                        'GetManagedObjects', timeout=60)
        d.call('SnoozeSession', 'st', sessions[0][0], 0, timeout=60)
        d.call('CompleteSession', 's', sessions[-1][0], timeout=60)
        e = d.call_error('SkipSession', 's', 'weekly_20000103_0', timeout=60)
        check_equal(e.name, 'io.github.limber.Limber1.Error.NoSuchSession', 'error for an unknown session')
        d.call('Replan', timeout=60)
        import subprocess
        url = d.get_property('FeedUrl', timeout=60)
        subprocess.run(['curl', '-sS', '-o', '/dev/null', url], check=True, timeout=60)
        subprocess.run(['curl', '-sS', '-o', '/dev/null', '-X', 'PUT', url], check=True, timeout=60)

        d.write_config(BAD)
        e = d.call_error('Reload', timeout=60)
        check_equal(e.name, ERROR_INVALID_CONFIG, 'error of Reload() with a bad config')
        d.reload_signal(timeout=60)
        # limberd logs the problems after the READY=1 that ends the reload.
        harness.wait_until(lambda: d.stderr().count('running configuration stays') == 2, 30,
                           what='both failed reloads (Reload() and SIGHUP) in the log')
        d.write_config(GOOD)
        check_equal(d.call('Reload', timeout=60), [], 'Reload() with a good config')
        check(d.get_property('Version', timeout=60), 'Version')

        status = d.stop(timeout=90)
    except BaseException:
        print(f'----- {log_path} -----\n{harness.read_text(log_path)}')
        raise

    report = harness.read_text(log_path)
    if status != 0:
        print(f'----- {log_path} -----\n{report}')
    check(status != VALGRIND_ERROR, 'valgrind found errors or definite leaks (exit status 99)')
    check_equal(status, 0, 'exit status under valgrind after SIGTERM')
    check_in('ERROR SUMMARY: 0 errors', report, 'valgrind error summary')
    for m in re.finditer(r'definitely lost: ([\d,]+) bytes', report):
        check_equal(m.group(1), '0', 'bytes definitely lost')
    check(re.search(r'definitely lost: 0 bytes|no leaks are possible', report),
          f'valgrind printed no leak summary:\n{report}')


if __name__ == '__main__':
    harness.main(test)
