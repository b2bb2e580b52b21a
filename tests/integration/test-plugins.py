#!/usr/bin/python3
"""The plugin host survives every way a plugin can be wrong: built for another ABI, a
shared object with no descriptor, a start that fails; each is logged, listed in the
Plugins property as failed, and limberd runs on with the good one, whose idle report
moves Idle. [plugin.NAME] enabled = false leaves a plugin unloaded, and a reload that
enables it starts it."""

import glob
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_equal  # noqa: E402

BASE = '[feed]\nhttp = off\n[mobility]\nnatural_break = 2s\nmax_sitting = 1h\n'


def test(ctx):
    built = os.path.join(os.environ['LIMBER_BUILD_ROOT'], 'tests', 'plugins')
    bus = ctx.bus()
    d = ctx.daemon(bus, config=BASE)
    for so in glob.glob(os.path.join(built, '*.so')):
        shutil.copy(so, d.plugin_dir)
    d.start()

    check_equal(sorted(map(tuple, d.get_property('Plugins'))),
                [('bad-abi', 'failed'), ('example', 'running'), ('fails-start', 'failed'),
                 ('no-descriptor', 'failed')], 'Plugins')
    err = d.stderr()
    for line in (r'<4>Plugin bad-abi \(.*bad-abi\.so\) skipped: built for plugin ABI 42; limberd speaks 1',
                 r"<4>Plugin no-descriptor \(.*\) skipped: no 'limber_plugin' descriptor",
                 r'<3>plugin fails-start: the thing this plugin needs is not here',
                 r'<4>Plugin fails-start \(.*\) skipped: start failed: Input/output error',
                 r'<6>plugin example: reporting the desk idle'):
        d.wait_stderr(line)
    check(d.running, 'limberd died loading plugins')
    check_equal(d.get_property('Idle'), True, 'Idle after the example plugin reported idle')

    # Disabled, it is not loaded; the D-Bus source then decides alone.
    d.write_config(BASE + '[plugin.example]\nenabled = false\n')
    d.call('Reload')
    check_equal(dict(map(tuple, d.get_property('Plugins')))['example'], 'disabled', 'example after disabling it')
    d.call('ReportIdle', 'b', False)
    check_equal(d.get_property('Idle'), False, 'Idle from ReportIdle with the plugin disabled')

    # Enabled again with a setting: started with it, and its report is the newest.
    d.write_config(BASE + '[plugin.example]\nenabled = true\nstart = idle\n')
    d.call('Reload')
    check_equal(dict(map(tuple, d.get_property('Plugins')))['example'], 'running', 'example after enabling it')
    check_equal(d.get_property('Idle'), True, 'Idle after the plugin started again')

    # A bad setting: the plugin names the line and fails; limberd runs on.
    d.write_config(BASE + '[plugin.example]\nstart = sideways\n')
    d.call('Reload')
    d.wait_stderr(r'plugin example: .*limber\.conf:7: .start. must be idle or active')
    check_equal(dict(map(tuple, d.get_property('Plugins')))['example'], 'failed', 'example with a bad setting')
    check_equal(d.stop(), 0, 'exit status')


if __name__ == '__main__':
    harness.main(test)
