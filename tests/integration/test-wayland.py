#!/usr/bin/python3
"""The wayland plugin against a real compositor: sway in headless mode, with keyboard
input made by wtype through the virtual-keyboard protocol. With idle_after = 2s,
typing keeps the desk active past idle_after, 2 s without input make it idle (and end
the streak at once: natural_break = 2s and the break began when the input stopped), a
key makes it active again, and when sway goes away limberd runs on. Outside a Wayland
session (no WAYLAND_DISPLAY), or with a bad idle_after, the plugin does not start and
says why.

The plugin must use the idle protocol that sway offers: ext-idle-notify-v1 where there
is one, otherwise org_kde_kwin_idle (Debian 12's sway 1.7); WAYLAND_DEBUG shows what is
offered.

sway refuses to run as root, and a Wayland client must run as the compositor's user: as
root the test runs sway, wtype and limberd as an unprivileged system user (created when
missing). It skips (77) with the reason when sway or wtype is missing or sway cannot
start here."""

import glob
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_equal  # noqa: E402
import plugintest  # noqa: E402
from plugintest import NOT_A_DURATION, invalid_value  # noqa: E402

TEST_USER = 'limber-test'
IDLE_AFTER = 2.0
CONFIG = '''\
[plugin.wayland]
idle_after = 2s

[mobility]
natural_break = 2s
max_sitting = 1h

[feed]
http = off
'''
# No bar, no background, no Xwayland: nothing but the compositor.
SWAY_CONFIG = 'xwayland disable\n'


def plugin_path():
    path = os.environ.get('LIMBER_WAYLAND_PLUGIN') or os.path.join(
        os.environ.get('LIMBER_BUILD_ROOT', ''), 'plugins', 'wayland', 'wayland.so')
    check(os.path.isfile(path), f'the wayland plugin is not built: {path}')
    return path


def test_user():
    """The user to run everything as: None for this one when not root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        pass
    p = subprocess.run(['useradd', '--system', '--create-home', '--shell', '/usr/sbin/nologin', TEST_USER],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    try:
        return pwd.getpwnam(TEST_USER)     # created now, or by another run meanwhile
    except KeyError:
        raise harness.Skip(f'running as root, and cannot create the user {TEST_USER} for sway '
                           f'(which refuses root): useradd: {p.stderr.strip()}')


class Desk:
    """Runs programs as the test user (or as this one) in the context's folders."""

    def __init__(self, ctx, user):
        self.ctx = ctx
        self.user = user
        self.popen_user = dict(user=user.pw_uid, group=user.pw_gid, extra_groups=[]) if user else {}
        self.runtime = ctx.xdg_env()['XDG_RUNTIME_DIR']
        self.display = None
        if user:
            for d in [ctx.root] + [ctx.xdg_env()[k] for k in ('HOME', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME',
                                                              'XDG_DATA_HOME', 'XDG_RUNTIME_DIR')]:
                os.chown(d, user.pw_uid, user.pw_gid)

    def env(self):
        env = harness._base_env()
        for k in ('WAYLAND_DISPLAY', 'WAYLAND_SOCKET', 'DISPLAY', 'SWAYSOCK', 'I3SOCK', 'WAYLAND_DEBUG'):
            env.pop(k, None)
        env.update(self.ctx.xdg_env())
        if self.display:
            env['WAYLAND_DISPLAY'] = self.display
        return env

    def run(self, *cmd):
        try:
            return subprocess.run(list(cmd), env=self.env(), stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=harness.scaled(20), preexec_fn=harness._die_with_parent,
                                  **self.popen_user)
        except subprocess.TimeoutExpired:
            raise harness.TestFailure(f'{cmd} did not return in time')

    def copy_in(self, *paths):
        """Copies of paths that the test user can read, in the context: the build tree may
        lie in a folder only root can enter (mktemp -d)."""
        copies = []
        for path in paths:
            copy = os.path.join(self.ctx.root, 'bin', os.path.basename(path))
            if os.path.isdir(path):
                shutil.copytree(path, copy)
            else:
                os.makedirs(os.path.dirname(copy), exist_ok=True)
                shutil.copy2(path, copy)
            copies.append(copy)
        for top, dirs, files in os.walk(os.path.join(self.ctx.root, 'bin')):
            for p in [top] + [os.path.join(top, n) for n in dirs + files]:
                os.chown(p, self.user.pw_uid, self.user.pw_gid)
        return copies

    def start_sway(self):
        conf = os.path.join(self.ctx.root, 'sway.conf')
        with open(conf, 'w') as f:
            f.write(SWAY_CONFIG)
        self.sway_log = os.path.join(self.ctx.root, 'sway.log')
        env = self.env()
        env.update(WLR_BACKENDS='headless', WLR_LIBINPUT_NO_DEVICES='1', WLR_RENDERER='pixman')
        with open(self.sway_log, 'wb') as log:
            self.sway = subprocess.Popen(['sway', '-c', conf], env=env, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=log, preexec_fn=harness._die_with_parent, **self.popen_user)
        self.ctx.cleanups.append(self.stop_sway)

        def socket_or_exit():
            if self.sway.poll() is not None:
                return True
            for path in glob.glob(os.path.join(self.runtime, 'wayland-*')):
                if stat.S_ISSOCK(os.stat(path).st_mode):
                    return path
            return None
        try:
            found = harness.wait_until(socket_or_exit, 20, what='the Wayland socket of sway')
        except harness.TestFailure as e:
            raise harness.Skip(f'sway cannot run here: {e}; its log:\n{self.sway_log_tail()}')
        if found is True:
            raise harness.Skip(f'sway cannot run here: it exited with status {self.sway.returncode}; '
                               f'its log:\n{self.sway_log_tail()}')
        self.display = os.path.basename(found)
        harness.log(f'sway runs on {self.display} as {self.user.pw_name if self.user else "this user"}')

    def sway_log_tail(self, lines=15):
        return '\n'.join(harness.read_text(self.sway_log).splitlines()[-lines:])

    def stop_sway(self):
        if self.sway.poll() is None:
            self.sway.terminate()
            try:
                self.sway.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.sway.kill()
                self.sway.wait()

    def key(self):
        """A key press and release, as from a keyboard; returns when the compositor has it."""
        p = self.run('wtype', '-k', 'space')
        if p.returncode != 0:
            raise harness.TestFailure(f'wtype failed ({p.returncode}): {p.stderr}')


def without_display(ctx, plugin):
    """Outside a Wayland session the plugin does not start and says why; limberd runs on.
    A bad idle_after is named first, with its place and the range the protocols can take
    (1 ms to 2^32 - 1 ms)."""
    bus = ctx.bus()
    d = ctx.daemon(bus, config=CONFIG, name='no-display', env={'WAYLAND_DISPLAY': ''})
    os.symlink(plugin, os.path.join(d.plugin_dir, 'wayland.so'))
    d.start()
    d.wait_stderr(r'plugin wayland: WAYLAND_DISPLAY is not set')
    check_equal(d.get_property('Plugins'), [['wayland', 'failed']], 'Plugins without WAYLAND_DISPLAY')
    check_equal(d.stop(), 0, 'exit status of limberd without WAYLAND_DISPLAY')

    range_why = 'must be from 1ms to 7w 17h 2min 47s 295ms'
    for value, why in (('soon', NOT_A_DURATION), ('0s', range_why), ('50d', range_why)):
        config = CONFIG.replace('idle_after = 2s', f'idle_after = {value}')
        d = ctx.daemon(bus, config=config, env={'WAYLAND_DISPLAY': ''})
        os.symlink(plugin, os.path.join(d.plugin_dir, 'wayland.so'))
        d.start()
        d.wait_stderr(invalid_value(config, 'wayland', 'idle_after', value, why))
        check_equal(d.get_property('Plugins'), [['wayland', 'failed']], f'Plugins with idle_after = {value}')
        check('WAYLAND_DISPLAY is not set' not in d.stderr(), f'the plugin went on after idle_after = {value}')
        check_equal(d.stop(), 0, f'exit status of limberd with idle_after = {value}')


def display_appears(ctx, desk, user, plugin, args):
    """A limberd started before the compositor exported WAYLAND_DISPLAY (at login, or by a
    bus call) starts its wayland plugin once the user manager has it: at once where the
    manager announces its Environment (PropertiesChanged), and on Reload where it does
    not (systemd 252). The manager is a stand-in; the compositor is the real sway."""
    try:
        plugintest.require_standins()
    except harness.Skip as e:
        harness.log(f'not checked: a display that appears later ({e})')
        return
    for announce in (True, False):
        bus = ctx.bus(all_users=user is not None)
        manager = plugintest.StandIn(ctx, bus, 'systemd1', 'org.freedesktop.systemd1')
        d = ctx.daemon(bus, config=CONFIG, args=args, user=user.pw_name if user else None,
                       env={'WAYLAND_DISPLAY': ''})
        os.symlink(plugin, os.path.join(d.plugin_dir, 'wayland.so'))
        d.start()
        d.wait_stderr(r'plugin wayland: WAYLAND_DISPLAY is not set')
        harness.wait_until(lambda: manager.control('Calls', 's', 'Get') == [1], 10,
                           what='limberd to read the manager\'s Environment at start')
        check_equal(d.get_property('Plugins'), [['wayland', 'failed']], 'Plugins before the session has a display')

        manager.control('SetEnvironment', 'asb', 1, f'WAYLAND_DISPLAY={desk.display}', announce)
        how = 'PropertiesChanged' if announce else 'Reload'
        if not announce:
            check_equal(d.call('Reload'), [], 'Reload once the session has a display')
        harness.wait_until(lambda: d.get_property('Plugins') == [['wayland', 'running']], 10,
                           what=f'the wayland plugin to run after {how} with WAYLAND_DISPLAY')
        d.wait_stderr(rf'The session\'s WAYLAND_DISPLAY is now {re.escape(desk.display)}')
        d.wait_stderr(r'plugin wayland: watching the seat through')
        check_equal(d.stop(), 0, f'exit status of limberd after {how}')


def test(ctx):
    plugin = plugin_path()
    without_display(ctx, plugin)

    for tool in ('sway', 'wtype'):
        if not shutil.which(tool):
            raise harness.Skip(f'{tool} not found (Debian package {tool})')
    user = test_user()
    desk = Desk(ctx, user)
    args = []
    if user:
        limberd, plugin, routines = desk.copy_in(harness.limberd_path(), plugin,
                                                 os.path.join(os.environ['LIMBER_SOURCE_ROOT'], 'conf', 'routines'))
        os.environ['LIMBERD'] = limberd     # what the harness runs
        args = ['--routine-dir', routines]  # the last one counts
        # On a fixed clock (LIMBER_TEST_NOW) the user's limberd preloads the timerfd shim.
        if os.environ.get('LIMBER_FAKETIME_TIMERFD'):
            os.environ['LIMBER_FAKETIME_TIMERFD'] = desk.copy_in(os.environ['LIMBER_FAKETIME_TIMERFD'])[0]
    desk.start_sway()
    display_appears(ctx, desk, user, plugin, args)

    bus = ctx.bus(all_users=user is not None)
    monitor = ctx.monitor(bus)
    d = ctx.daemon(bus, config=CONFIG, args=args, user=user.pw_name if user else None,
                   env={'WAYLAND_DISPLAY': desk.display, 'WAYLAND_DEBUG': 'client'})
    os.symlink(plugin, os.path.join(d.plugin_dir, 'wayland.so'))
    d.start()

    # WAYLAND_DEBUG lists the globals the compositor announced.
    offered = set(re.findall(r'wl_registry@\d+\.global\(\d+, "(\w+)", \d+\)', d.stderr()))
    check('wl_seat' in offered, f'no wl_seat among the globals sway announced:\n{d.stderr()}')
    expected = 'ext_idle_notifier_v1' if 'ext_idle_notifier_v1' in offered else 'org_kde_kwin_idle'
    harness.log(f'sway offers: {", ".join(p for p in ("ext_idle_notifier_v1", "org_kde_kwin_idle") if p in offered)}')
    d.wait_stderr(rf'plugin wayland: watching the seat through {expected}: idle after 2000 ms')
    check_equal(d.get_property('Plugins'), [['wayland', 'running']], 'Plugins')

    # Input: active, sitting since about now.
    desk.key()
    check_equal(d.get_property('Idle'), False, 'Idle after a key')
    since = d.get_property('SittingSince')
    check(since != 0, 'SittingSince is not set after a key')

    # Typing for longer than idle_after keeps the desk active: the compositor sees the keys.
    t_end = time.monotonic() + 1.5 * IDLE_AFTER
    last = time.monotonic()
    while time.monotonic() < t_end:
        time.sleep(0.4)
        desk.key()
        gap = time.monotonic() - last
        last = time.monotonic()
        if gap < IDLE_AFTER * 0.75:
            check_equal((d.get_property('Idle'), d.get_property('SittingSince')), (False, since),
                        '(Idle, SittingSince) while typing')
        else:
            harness.log(f'a key took {gap:.2f} s after the previous one: too slow to tell, not checked')

    # No input: idle idle_after after the last key, and the streak ends with it, since
    # the break began with the last key and natural_break = idle_after.
    t0 = time.monotonic()
    harness.wait_until(lambda: d.get_property('Idle'), 10, interval=0.1, what='Idle to become true')
    elapsed = time.monotonic() - t0
    check(elapsed >= IDLE_AFTER - 0.5, f'Idle after {elapsed:.2f} s without input, before idle_after')
    went_idle = [c for c in monitor.properties_changed() if c.get('Idle') is True]
    check(went_idle, 'no PropertiesChanged with Idle true')
    check_equal(went_idle[0].get('SittingSince'), 0, 'SittingSince in the PropertiesChanged that set Idle true')

    # A key: active again, a new streak.
    desk.key()
    harness.wait_until(lambda: d.get_property('Idle') is False, 10, interval=0.1, what='Idle to become false')
    new_since = d.get_property('SittingSince')
    check(new_since > since, f'SittingSince {new_since} after the break is not later than {since}')

    # The compositor goes away: the plugin says so, limberd runs on.
    desk.sway.send_signal(signal.SIGTERM)
    desk.sway.wait(timeout=harness.scaled(10))
    d.wait_stderr(r'plugin wayland: lost the Wayland connection', 10)
    check(d.running, 'limberd exited when sway went away')
    check_equal(d.get_property('Idle'), False, 'Idle once sway is gone (the last state known)')
    check_equal(d.stop(), 0, 'exit status of limberd')


if __name__ == '__main__':
    harness.main(test)
