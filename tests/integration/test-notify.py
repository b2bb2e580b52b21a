#!/usr/bin/python3
"""limberd and a real notification server: dunst on Xvfb, on the test's private bus.
A mobility break falls due after 3 s of sitting; dunst shows it with Done, Snooze and
Skip; pressing Done the way dunst offers it from the command line (dunstctl action
opens the context menu in dmenu; the dmenu here is a script that picks the line a user
would) marks the session completed. With dunst paused (do not disturb) the next break
waits, and comes when the pause ends.

Skipped (77) when Xvfb or dunst are not installed."""

import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import INTERFACE, OBJECT_PATH, check, check_equal, check_in  # noqa: E402

CONFIG = ('[schedule]\ntimezone = Europe/Berlin\n[mobility]\nmax_sitting = 3s\nnatural_break = 2s\n'
          'duration = 1min\nnotify = true\n[feed]\nhttp = off\n')


def start_x(ctx):
    r, w = os.pipe()
    x = subprocess.Popen(['Xvfb', '-displayfd', str(w), '-nolisten', 'tcp', '-screen', '0', '800x600x24'],
                         pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         preexec_fn=harness._die_with_parent)
    os.close(w)
    with os.fdopen(r) as f:
        number = f.readline().strip()
    check(number, 'Xvfb gave no display')
    ctx.cleanups.append(lambda: (x.terminate(), x.wait()))
    return f':{number}'


def test(ctx):
    for program in ('Xvfb', 'dunst', 'dunstctl'):
        if not shutil.which(program):
            raise harness.Skip(f'{program} is not installed')

    bus = ctx.bus()
    env = bus.env()
    env['DISPLAY'] = start_x(ctx)

    # dunst's context menu pipes "#Label (summary) [id,key]" lines to dmenu and invokes
    # the line dmenu prints: this one picks the action named in a file.
    pick = os.path.join(ctx.root, 'pick')
    choice = os.path.join(ctx.root, 'choice')
    menu = os.path.join(ctx.root, 'menu')
    with open(pick, 'w') as f:
        f.write(f"#!/bin/sh\ncat > '{menu}.tmp'\ngrep -m1 \",$(cat '{choice}')]\\$\" '{menu}.tmp'\n"
                f"mv '{menu}.tmp' '{menu}'\n")
    os.chmod(pick, 0o700)
    dunstrc = os.path.join(ctx.root, 'dunstrc')
    with open(dunstrc, 'w') as f:
        f.write(f'[global]\n    markup = full\n    dmenu = {pick}\n')
    dunst = subprocess.Popen(['dunst', '-config', dunstrc], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, preexec_fn=harness._die_with_parent)
    ctx.cleanups.append(lambda: (dunst.terminate(), dunst.wait()))
    harness.wait_until(lambda: bus.name_owner_pid('org.freedesktop.Notifications') == dunst.pid, 10,
                       what='dunst on the bus')

    def dunstctl(*args):
        return subprocess.run(['dunstctl', *args], env=env, capture_output=True, text=True, timeout=30)

    d = ctx.daemon(bus, config=CONFIG).start()
    monitor = harness.Monitor(bus, ctx.root)

    d.call('ReportIdle', 'b', False)
    harness.wait_until(lambda: int(dunstctl('count', 'displayed').stdout or 0) == 1, 15,
                       what='the break shown by dunst')
    due = monitor.signals('SessionDue', INTERFACE, OBJECT_PATH)
    check_equal(len(due), 1, 'SessionDue signals')
    sid = due[0]['payload']['data'][0]

    # The buttons, as dunst offers them.
    with open(choice, 'w') as f:
        f.write('done')
    check_equal(dunstctl('action', '0').returncode, 0, 'dunstctl action')
    harness.wait_until(lambda: os.path.exists(menu), 10, what='dunst\'s menu of actions')
    offered = harness.read_text(menu)
    for label, key in (('Done', 'done'), ('Snooze', 'snooze'), ('Skip', 'skip')):
        check_in(f'#{label} ', offered, 'the actions dunst offered')
        check_in(f',{key}]', offered, 'the action keys dunst offered')
    harness.wait_until(lambda: d.call('GetSession', 's', sid)[0]['Status']['data'] == 'completed', 10,
                       what=f'{sid} completed from the notification')
    harness.wait_until(lambda: int(dunstctl('count', 'displayed').stdout or 0) == 0, 10,
                       what='the answered notification closed')

    # Do not disturb: the next break waits for it to end.
    check_equal(dunstctl('set-paused', 'true').returncode, 0, 'dunstctl set-paused true')
    time.sleep(0.5)
    d.wait_stderr(r'held back while notifications are inhibited', timeout=15)
    check_equal(len(monitor.signals('SessionDue', INTERFACE, OBJECT_PATH)), 1, 'breaks due while paused')
    check_equal(dunstctl('set-paused', 'false').returncode, 0, 'dunstctl set-paused false')
    harness.wait_until(lambda: len(monitor.signals('SessionDue', INTERFACE, OBJECT_PATH)) == 2, 10,
                       what='the held break after the pause')
    harness.wait_until(lambda: int(dunstctl('count', 'displayed').stdout or 0) == 1, 10,
                       what='the held break shown')

    check_equal(d.stop(), 0, 'exit status')
    monitor.close()


if __name__ == '__main__':
    harness.main(test)
