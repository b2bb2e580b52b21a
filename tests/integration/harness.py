"""Integration test harness for limberd: a private dbus-daemon, limberd in temporary
directories, and busctl to talk to it.

Only the Python standard library plus busctl and dbus-daemon. Each test script calls
harness.main(test): test(ctx) gets a Context that owns a temporary root and every bus,
daemon and monitor started through it, and tears them all down afterwards. Exit status:
0 pass, 77 skip, 1 failure (with the stderr of every limberd printed).

Environment (set by tests/integration/meson.build):
  LIMBERD               the limberd binary
  LIMBER_SOURCE_ROOT    the source tree (for doc/ and conf/)
  LIMBER_BUILD_ROOT     the build tree
  LIMBER_TIMEOUT_SCALE  optional factor for every timeout (slow machines, valgrind)
  LIMBER_KEEP_TMP=1     keep the temporary root for a post-mortem
  LIMBER_TEST_NOW       optional: run the test at that moment instead of now (see below)
  LIMBER_FAKETIME_TIMERFD  the timerfd shim (faketime-timerfd.c), for LIMBER_TEST_NOW

LIMBER_TEST_NOW is 'YYYY-MM-DD HH:MM[:SS]', local time in Europe/Berlin, or an ISO 8601
instant with its offset ('2027-10-31T02:30+01:00'). The test's clock is then shifted by
one offset, computed once when this module loads, so that it starts at that moment and
keeps running: now_usec() and the other helpers here, and every limberd, stand-in
service and limberctl started through this module (under libfaketime, with the timerfd
shim ahead of it so that sd-event's timers keep working). A daemon given a FAKETIME
variable of its own keeps that clock. The meson test setups (tests/meson.build) run the
suite so on chosen days.
"""

import ctypes
import datetime
import json
import os
import pwd
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

BUS_NAME = 'io.github.limber.Limber1'
OBJECT_PATH = '/io/github/limber/Limber1'
INTERFACE = 'io.github.limber.Limber1'
ERROR_INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'
ERROR_INVALID_CONFIG = 'io.github.limber.Limber1.Error.InvalidConfig'

EXIT_SKIP = 77
USEC_PER_SEC = 1_000_000

# A config for daemons that need no particular settings. The feed's HTTP listener is
# off so that tests running in parallel never compete for the default port.
BASE_CONFIG = '[feed]\nhttp = off\n'

TIMEOUT_SCALE = float(os.environ.get('LIMBER_TIMEOUT_SCALE', '1') or '1')


def scaled(seconds):
    return seconds * TIMEOUT_SCALE


def _clock_offset(when):
    """Whole seconds from the real clock to LIMBER_TEST_NOW (0 without it)."""
    if not when:
        return 0
    import zoneinfo
    try:
        t = datetime.datetime.fromisoformat(when)
    except ValueError:
        raise SystemExit(f"LIMBER_TEST_NOW={when!r}: expected 'YYYY-MM-DD HH:MM' (Europe/Berlin) "
                         "or an ISO 8601 instant with its offset")
    if t.tzinfo is None:
        t = t.replace(tzinfo=zoneinfo.ZoneInfo('Europe/Berlin'))
    return round(t.timestamp() - time.time())


TEST_NOW = os.environ.get('LIMBER_TEST_NOW') or None
CLOCK_OFFSET = _clock_offset(TEST_NOW)


def now_usec():
    """The test's wall clock: the real one, or shifted to LIMBER_TEST_NOW."""
    return time.time_ns() // 1000 + CLOCK_OFFSET * USEC_PER_SEC


def now_datetime():
    """now_usec() as an aware datetime in UTC, to whole seconds."""
    return datetime.datetime.fromtimestamp(now_usec() // USEC_PER_SEC, datetime.timezone.utc)


def at(zone, *fields):
    """µs since the epoch of a wall-clock time (year, month, day, hour, minute...) in zone."""
    import zoneinfo
    return int(datetime.datetime(*fields, tzinfo=zoneinfo.ZoneInfo(zone)).timestamp()) * USEC_PER_SEC


def log(msg):
    print(msg, flush=True)


class Skip(Exception):
    """Raised to skip the test (exit 77)."""


class TestFailure(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def check_equal(actual, expected, what):
    if actual != expected:
        raise TestFailure(f'{what}: expected {expected!r}, got {actual!r}')


def check_in(needle, haystack, what):
    if needle not in haystack:
        raise TestFailure(f'{what}: {needle!r} not found in:\n{haystack}')


def wait_until(predicate, timeout, interval=0.05, what='condition'):
    """Polls predicate until it returns a true value, which is returned."""
    deadline = time.monotonic() + scaled(timeout)
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TestFailure(f'timed out after {scaled(timeout):.1f} s waiting for {what}')
        time.sleep(interval)


try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def _die_with_parent():
    """preexec_fn: a child gets SIGKILL if the test process dies (e.g. killed by meson's
    timeout), so no dbus-daemon or limberd outlives its test."""
    if _prctl is not None:
        PR_SET_PDEATHSIG = 1
        _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)



def interface_xml(root, name):
    """The <interface> element called name in an introspection document."""
    for iface in root.iter('interface'):
        if iface.get('name') == name:
            return iface
    raise TestFailure(f'interface {name} missing')


def signature_of(element):
    """(kind, name) -> description of every method argument, property and signal, to
    compare a live introspection with the documented one in doc/."""
    out = {}
    for m in element.findall('method'):
        out[('method', m.get('name'))] = [(a.get('name'), a.get('type'), a.get('direction') or 'in')
                                          for a in m.findall('arg')]
    for p in element.findall('property'):
        out[('property', p.get('name'))] = (p.get('type'), p.get('access'))
    for s in element.findall('signal'):
        out[('signal', s.get('name'))] = [(a.get('name'), a.get('type')) for a in s.findall('arg')]
    return out


def check_documented(live_xml, doc_path, name):
    """The live interface matches its documentation exactly, argument names included."""
    import xml.etree.ElementTree as ET
    live = signature_of(interface_xml(ET.fromstring(live_xml), name))
    documented = signature_of(interface_xml(ET.parse(doc_path).getroot(), name))
    for key, value in documented.items():
        check(key in live, f'{key[0]} {key[1]} is documented but not exported')
        check_equal(live[key], value, f'{key[0]} {key[1]} (live vs {doc_path})')
    for key in live:
        check(key in documented, f'{key[0]} {key[1]} is exported but not documented in {doc_path}')


def find_libfaketime():
    """Debian's libfaketime, for tests that run limberd on a clock of their own; None
    when it is not installed."""
    import glob
    for pattern in ('/usr/lib/*/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1',
                    '/usr/lib64/faketime/libfaketime.so.1'):
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


class FrozenClock:
    """A clock of the test's own for limberd (and limberctl), under libfaketime: frozen at
    the instant set() last wrote, in µs since the epoch, and moved only by the test.
    Moving it wakes nothing; a call to limberd runs what came due. The timerfd shim
    (LIMBER_FAKETIME_TIMERFD) keeps sd-event's timers working under it."""

    def __init__(self, ctx, libfaketime, when):
        self.path = os.path.join(ctx.root, 'clock')
        self.libfaketime = libfaketime
        self.set(when)

    def set(self, when):
        check(when % USEC_PER_SEC == 0, 'the clock moves in whole seconds')
        self.now = when
        tmp = self.path + '.tmp'
        with open(tmp, 'w') as f:
            f.write(f'{when // USEC_PER_SEC}\n')
        os.rename(tmp, self.path)

    def move(self, delta):
        self.set(self.now + delta)

    def env(self, tz):
        preload = [self.libfaketime]
        shim = os.environ.get('LIMBER_FAKETIME_TIMERFD')
        if shim:
            preload.insert(0, shim)
        asan = os.environ.get('ASAN_OPTIONS', '')
        return {
            'LD_PRELOAD': ':'.join(preload),
            'FAKETIME_TIMESTAMP_FILE': self.path,
            'FAKETIME_FMT': '%s',
            'FAKETIME_NO_CACHE': '1',
            'FAKETIME_DONT_FAKE_MONOTONIC': '1',
            # libfaketime comes before the ASan runtime in the preload list.
            'ASAN_OPTIONS': (asan + ':' if asan else '') + 'verify_asan_link_order=0',
            'TZ': tz,
        }

    def prefix(self, tz):
        """A command prefix that runs a program on this clock."""
        return ['env'] + [f'{k}={v}' for k, v in self.env(tz).items()]


def clock_env(base=None):
    """The variables that put a child process on the test's clock, to add to its
    environment base, whose LD_PRELOAD and ASAN_OPTIONS they extend; none on the real
    clock."""
    if not TEST_NOW:
        return {}
    base = base if base is not None else os.environ
    preload = [os.environ['LIMBER_FAKETIME_TIMERFD'], find_libfaketime()]
    if base.get('LD_PRELOAD'):
        preload.append(base['LD_PRELOAD'])
    asan = base.get('ASAN_OPTIONS', '')
    return {
        'LD_PRELOAD': ':'.join(preload),
        'FAKETIME': f'{CLOCK_OFFSET:+d}',
        # sd-event's relative timers and the tests' timeouts stay on the real clock.
        'FAKETIME_DONT_FAKE_MONOTONIC': '1',
        # libfaketime comes before the ASan runtime in the preload list.
        'ASAN_OPTIONS': (asan + ':' if asan else '') + 'verify_asan_link_order=0',
    }


def _check_clock():
    """What LIMBER_TEST_NOW needs: libfaketime and the timerfd shim."""
    if not TEST_NOW:
        return
    if not find_libfaketime():
        raise TestFailure(f'LIMBER_TEST_NOW={TEST_NOW!r} needs libfaketime (Debian package faketime)')
    shim = os.environ.get('LIMBER_FAKETIME_TIMERFD')
    if not shim or not os.path.exists(shim):
        raise TestFailure(f'LIMBER_TEST_NOW={TEST_NOW!r} needs LIMBER_FAKETIME_TIMERFD, the timerfd shim '
                          f'(got {shim!r}); run the test through meson')
    log(f'clock: {TEST_NOW} ({CLOCK_OFFSET:+d} s from the real clock)')


def _own_clock(env, args):
    """Whether a daemon's environment or command prefix sets a libfaketime clock itself."""
    return any(k.startswith('FAKETIME') for k in env) or any(str(a).startswith('FAKETIME') for a in args)


def read_text(path):
    try:
        with open(path, 'r', errors='replace') as f:
            return f.read()
    except FileNotFoundError:
        return ''


class DBusError(Exception):
    """A method call answered with a D-Bus error."""

    def __init__(self, name, message, stderr=''):
        super().__init__(f'{name}: {message}')
        self.name = name
        self.message = message
        self.stderr = stderr


class PrivateBus:
    """A dbus-daemon of type session that listens in a temporary directory, with a
    minimal configuration so the host's session.conf and service files do not matter."""

    CONFIG = ('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
              ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
              '<busconfig>\n'
              '  <type>session</type>\n'
              '  <listen>unix:tmpdir={dir}</listen>\n'
              '  <auth>EXTERNAL</auth>\n'
              '{servicedir}'
              '  <policy context="default">\n'
              '    <allow send_destination="*" eavesdrop="true"/>\n'
              '    <allow eavesdrop="true"/>\n'
              '    <allow own="*"/>\n'
              '{users}'
              '  </policy>\n'
              '</busconfig>\n')

    def __init__(self, directory, timeout=10, all_users=False, servicedir=None):
        """all_users: let every user connect, not only the one running the bus (for a
        limberd run as another user). servicedir: a folder of D-Bus service files the bus
        activates from; none by default, so that nothing is started behind a test's back."""
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.config_path = os.path.join(directory, 'bus.conf')
        with open(self.config_path, 'w') as f:
            f.write(self.CONFIG.format(dir=directory, users='    <allow user="*"/>\n' if all_users else '',
                                       servicedir=f'  <servicedir>{servicedir}</servicedir>\n' if servicedir else ''))
        self.stderr_path = os.path.join(directory, 'dbus-daemon.stderr')

        rfd, wfd = os.pipe()
        try:
            with open(self.stderr_path, 'wb') as err:
                self.proc = subprocess.Popen(
                    ['dbus-daemon', f'--config-file={self.config_path}', '--nofork', '--nopidfile',
                     f'--print-address={wfd}'],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                    pass_fds=(wfd,), preexec_fn=_die_with_parent, env=_base_env())
        finally:
            os.close(wfd)
        try:
            self.address = self._read_address(rfd, timeout)
        except BaseException:
            os.close(rfd)
            self.close()
            raise
        os.close(rfd)

    def _read_address(self, fd, timeout):
        buf = b''
        deadline = time.monotonic() + scaled(timeout)
        while b'\n' not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure('dbus-daemon did not print its address in time:\n' +
                                  read_text(self.stderr_path))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    raise TestFailure(f'dbus-daemon exited ({self.proc.poll()}) without an address:\n' +
                                      read_text(self.stderr_path))
                buf += chunk
        return buf.split(b'\n', 1)[0].decode().strip()

    def env(self):
        env = _base_env()
        env['DBUS_SESSION_BUS_ADDRESS'] = self.address
        return env

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    # busctl, bound to this bus --------------------------------------------------------

    def busctl(self, *args, timeout=30, debug=False, check_rc=True):
        """Runs busctl --user on this bus; returns the CompletedProcess."""
        env = self.env()
        env['SYSTEMD_COLORS'] = '0'
        env['SYSTEMD_PAGER'] = 'cat'
        if debug:
            env['SYSTEMD_LOG_LEVEL'] = 'debug'
        cmd = ['busctl', '--user', '--no-pager', f'--timeout={int(scaled(timeout))}'] + [str(a) for a in args]
        try:
            p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=scaled(timeout) + 5, preexec_fn=_die_with_parent)
        except subprocess.TimeoutExpired:
            raise TestFailure(f'busctl did not return in time: {cmd}')
        if check_rc and p.returncode != 0:
            raise TestFailure(f'{cmd} failed ({p.returncode}):\n{p.stderr}')
        return p

    def call_full(self, dest, path, interface, method, signature='', *args, timeout=30):
        """Calls a method; returns the reply's data as a list, or raises DBusError with the
        error's name and message."""
        # '--' so that a negative number is an argument, not an option.
        cmd = ['--json=short', '--', 'call', dest, path, interface, method]
        if signature:
            cmd += [signature] + [_busctl_arg(a) for a in args]
        # At debug level sd-bus logs every message it receives, with the error name,
        # which busctl's own "Call failed: MESSAGE" leaves out.
        p = self.busctl(*cmd, timeout=timeout, debug=True, check_rc=False)
        if p.returncode == 0:
            out = p.stdout.strip()
            if not out:
                return []
            return json.loads(out)['data']
        m = re.search(r'^Got message type=error .*? error-name=(\S+) error-message=(.*?)\nCall failed: ',
                      p.stderr, re.M | re.S)
        if not m:
            raise TestFailure(f'busctl call {method} failed without a D-Bus error reply '
                              f'({p.returncode}):\n{p.stderr}')
        raise DBusError(m.group(1), m.group(2), p.stderr)

    def get_property_full(self, dest, path, interface, name, timeout=30):
        p = self.busctl('--json=short', 'get-property', dest, path, interface, name, timeout=timeout)
        return json.loads(p.stdout)['data']

    def call(self, method, signature='', *args, timeout=30):
        return self.call_full(BUS_NAME, OBJECT_PATH, INTERFACE, method, signature, *args, timeout=timeout)

    def call_error(self, method, signature='', *args, timeout=30):
        """Calls a method that must fail; returns the DBusError."""
        try:
            reply = self.call(method, signature, *args, timeout=timeout)
        except DBusError as e:
            return e
        raise TestFailure(f'{method}{args!r} succeeded with {reply!r}, expected an error')

    def get_property(self, name, timeout=30):
        return self.get_property_full(BUS_NAME, OBJECT_PATH, INTERFACE, name, timeout=timeout)

    def dbus_call(self, method, signature='', *args):
        """A call to the bus driver itself."""
        return self.call_full('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                              method, signature, *args)

    def name_owner_pid(self, name=BUS_NAME):
        """The pid of the name's owner, or None when the name has no owner."""
        try:
            return self.dbus_call('GetConnectionUnixProcessID', 's', name)[0]
        except DBusError as e:
            if e.name == 'org.freedesktop.DBus.Error.NameHasNoOwner':
                return None
            raise


def _busctl_arg(a):
    """busctl's textual form of one argument."""
    if isinstance(a, bool):
        return 'true' if a else 'false'
    if isinstance(a, float):
        return repr(a)
    return str(a)


def extra_args(d):
    """The busctl arguments for an a{sv} from a dict of key -> (signature, value)."""
    args = [len(d)]
    for key, (sig, value) in d.items():
        args += [key, sig, value]
    return args


def _base_env():
    """The environment for every child: nothing of the user's session leaks in."""
    env = dict(os.environ)
    for k in ('DBUS_SESSION_BUS_ADDRESS', 'NOTIFY_SOCKET', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES',
              'WATCHDOG_USEC', 'WATCHDOG_PID', 'INVOCATION_ID', 'JOURNAL_STREAM', 'SYSTEMD_LOG_LEVEL'):
        env.pop(k, None)
    return env


class Monitor:
    """busctl monitor on a bus, writing one JSON message per line to a file."""

    def __init__(self, bus, directory, name='monitor'):
        self.bus = bus
        self.out_path = os.path.join(directory, f'{name}.out')
        self.err_path = os.path.join(directory, f'{name}.stderr')
        env = bus.env()
        env['SYSTEMD_COLORS'] = '0'
        with open(self.out_path, 'wb') as out, open(self.err_path, 'wb') as err:
            self.proc = subprocess.Popen(['busctl', '--user', '--json=short', 'monitor'], env=env,
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         preexec_fn=_die_with_parent)
        self._sync()

    def _sync(self):
        """Waits until the monitor sees traffic: a harmless call with a unique argument,
        repeated until it shows up."""
        marker = f'org.limber.Test.Marker{os.getpid()}x{time.monotonic_ns()}'
        deadline = time.monotonic() + scaled(15)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure('busctl monitor exited:\n' + read_text(self.err_path))
            self.bus.dbus_call('NameHasOwner', 's', marker)
            t = time.monotonic() + 0.5
            while time.monotonic() < t:
                if marker in read_text(self.out_path):
                    return
                time.sleep(0.02)
        raise TestFailure('busctl monitor never showed any traffic:\n' + read_text(self.err_path))

    def messages(self):
        out = []
        for line in read_text(self.out_path).splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except ValueError:
                pass    # a line still being written
        return out

    def signals(self, member, interface=None, path=None):
        return [m for m in self.messages()
                if m.get('type') == 'signal' and m.get('member') == member and
                (interface is None or m.get('interface') == interface) and
                (path is None or m.get('path') == path)]

    def properties_changed(self):
        """Every PropertiesChanged of limber's interface, as a list of {name: value}."""
        out = []
        for m in self.signals('PropertiesChanged', 'org.freedesktop.DBus.Properties', OBJECT_PATH):
            iface, changed, _invalidated = m['payload']['data']
            if iface == INTERFACE:
                out.append({k: v['data'] for k, v in changed.items()})
        return out

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Daemon:
    """One limberd in temporary directories on a private bus.

    config: the text of limber.conf passed with --config; None passes no --config, so
    limberd looks in $XDG_CONFIG_HOME (an empty temporary directory unless the test
    puts a file there). state_dir may be shared between daemons to restart on the same
    database."""

    _count = 0

    def __init__(self, ctx, bus, config=BASE_CONFIG, state_dir=None, args=(), command_prefix=(),
                 name=None, env=None, user=None, plugin_dir=None):
        Daemon._count += 1
        self.ctx = ctx
        self.bus = bus
        self.name = name or f'limberd-{Daemon._count}'
        self.dir = os.path.join(ctx.root, self.name)
        os.makedirs(self.dir)
        self.home = ctx.home
        self.state_dir = state_dir or os.path.join(self.dir, 'state')
        self.data_dir = os.path.join(self.dir, 'data')
        # plugin_dir: load the plugins there (e.g. one plugin's build folder), not from
        # an empty folder of the daemon's own.
        self.plugin_dir = plugin_dir or os.path.join(self.dir, 'plugins')
        os.makedirs(self.plugin_dir, exist_ok=True)
        self.config_path = None
        if config is not None:
            self.config_path = os.path.join(self.dir, 'limber.conf')
            self.write_config(config)
        self.args = list(args)
        self.command_prefix = list(command_prefix)
        # env: more environment for limberd. user: run limberd as that user (the test
        # being root); its own folders and notify socket are handed to that user, the
        # context's are the test's business.
        self.extra_env = dict(env or {})
        self.user = pwd.getpwnam(user) if user else None
        self.stderr_path = os.path.join(self.dir, 'stderr')
        self.notify_path = os.path.join(self.dir, 'notify')
        self.proc = None
        self.returncode = None
        self.notifications = []
        self._pidfd = None
        self._sock = None
        ctx.daemons.append(self)

    def write_config(self, text):
        # Write and rename, so a reload never reads a half-written file.
        tmp = self.config_path + '.tmp'
        with open(tmp, 'w') as f:
            f.write(text)
        os.rename(tmp, self.config_path)

    def command(self):
        cmd = self.command_prefix + [limberd_path()]
        if self.config_path:
            cmd += ['--config', self.config_path]
        cmd += ['--state-dir', self.state_dir, '--data-dir', self.data_dir, '--plugin-dir', self.plugin_dir,
                '--routine-dir', os.path.join(os.environ['LIMBER_SOURCE_ROOT'], 'conf', 'routines')]
        return cmd + self.args

    def start(self, wait_ready=True, timeout=20):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        if os.path.exists(self.notify_path):
            os.unlink(self.notify_path)
        self._sock.bind(self.notify_path)
        env = self.bus.env() if self.bus else _base_env()
        env.update(self.ctx.xdg_env())
        env['NOTIFY_SOCKET'] = self.notify_path
        env.update(self.extra_env)
        # After the test's own variables, so that an ASAN_OPTIONS of its own is extended.
        if not _own_clock(self.extra_env, self.command_prefix):
            env.update(clock_env(env))
        as_user = {}
        if self.user:
            uid, gid = self.user.pw_uid, self.user.pw_gid
            for top, dirs, files in os.walk(self.dir):
                for p in [top] + [os.path.join(top, n) for n in dirs + files]:
                    os.chown(p, uid, gid, follow_symlinks=False)
            # Popen changes the user before preexec_fn, which must come after: a change
            # of user clears the parent-death signal.
            as_user = dict(user=uid, group=gid, extra_groups=[])
        with open(self.stderr_path, 'ab') as err:
            self.proc = subprocess.Popen(self.command(), env=env, stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err, preexec_fn=_die_with_parent, **as_user)
        self.pid = self.proc.pid
        try:
            self._pidfd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            self._pidfd = None
        if wait_ready:
            self.wait_ready(timeout)
        return self

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def _receive(self, timeout):
        """Waits up to timeout for one notification or the process's exit. Returns the
        datagram's text, or None on exit or timeout."""
        fds = [self._sock] + ([self._pidfd] if self._pidfd is not None else [])
        # Without a pidfd, wake up now and then to look at the process.
        r, _, _ = select.select(fds, [], [], timeout if self._pidfd is not None else min(timeout, 0.1))
        if self._sock in r:
            data = self._sock.recv(4096).decode(errors='replace')
            self.notifications.append(data)
            return data
        return None

    def wait_notify(self, state='READY=1', timeout=20, since=0):
        """Waits for a notification datagram holding the line state, counting from
        notification index since; returns the index of that datagram. Fails if limberd
        exits first."""
        deadline = time.monotonic() + scaled(timeout)

        def find():
            for i in range(since, len(self.notifications)):
                if state in self.notifications[i].split('\n'):
                    return i
            return None

        while True:
            i = find()
            if i is not None:
                return i
            if self.proc.poll() is not None:
                # Collect what it sent before it died.
                while self._receive(0):
                    pass
                i = find()
                if i is not None:
                    return i
                raise TestFailure(f'{self.name} exited with status {self.proc.returncode} '
                                  f'before sending {state}')
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure(f'{self.name} did not send {state} within {scaled(timeout):.0f} s')
            self._receive(left)

    def wait_ready(self, timeout=20):
        self.wait_notify('READY=1', timeout)

    def wait_exit(self, timeout=20):
        """Waits for the process to exit; returns the exit status (negative: signal)."""
        try:
            self.returncode = self.proc.wait(timeout=scaled(timeout))
        except subprocess.TimeoutExpired:
            raise TestFailure(f'{self.name} did not exit within {scaled(timeout):.0f} s')
        # Keep what it notified before it went, for the test to look at.
        while self._sock is not None and self._receive(0):
            pass
        self._close_fds()
        return self.returncode

    def signal(self, sig):
        check(self.running, f'{self.name} is not running (status {self.proc.poll()})')
        os.kill(self.pid, sig)

    def stop(self, timeout=20):
        """SIGTERM; returns the exit status."""
        self.signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def kill9(self):
        self.signal(signal.SIGKILL)
        return self.wait_exit(10)

    def reload_signal(self, timeout=20):
        """SIGHUP, then waits for the READY=1 that ends the reload."""
        # Notifications already sent (a Reload() over D-Bus also sends RELOADING=1 and
        # READY=1) must not be taken for this reload's.
        while self._receive(0):
            pass
        mark = len(self.notifications)
        self.signal(signal.SIGHUP)
        i = self.wait_notify('RELOADING=1', timeout, since=mark)
        self.wait_notify('READY=1', timeout, since=i + 1)

    def stderr(self):
        return read_text(self.stderr_path)

    def wait_stderr(self, pattern, timeout=10):
        """Waits until stderr matches the regular expression; returns the match."""
        rx = re.compile(pattern, re.M)
        return wait_until(lambda: rx.search(self.stderr()), timeout, what=f'{self.name} stderr to match {pattern!r}')

    # The bus helpers, for convenience.
    def call(self, method, signature='', *args, timeout=30):
        return self.bus.call(method, signature, *args, timeout=timeout)

    def call_error(self, method, signature='', *args, timeout=30):
        return self.bus.call_error(method, signature, *args, timeout=timeout)

    def get_property(self, name, timeout=30):
        return self.bus.get_property(name, timeout=timeout)

    def _close_fds(self):
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_fds()


def limberd_path():
    path = os.environ.get('LIMBERD')
    if not path:
        build = os.environ.get('LIMBER_BUILD_ROOT')
        path = os.path.join(build, 'daemon', 'limberd') if build else None
    if not path or not os.access(path, os.X_OK):
        raise TestFailure(f'limberd not found: set LIMBERD (got {path!r})')
    return path


def run_limberd(ctx, *args, env=None, timeout=20):
    """Runs limberd to completion (e.g. --check-config); returns the CompletedProcess."""
    e = _base_env()
    e.update(ctx.xdg_env())
    if env:
        e.update(env)
    if not _own_clock(env or {}, ()):
        e.update(clock_env(e))
    try:
        return subprocess.run([limberd_path()] + list(args), env=e, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=scaled(timeout),
                              preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired:
        raise TestFailure(f'limberd {args} did not exit within {scaled(timeout):.0f} s')


class Context:
    def __init__(self, name):
        self.name = name
        # Short paths under /tmp: unix socket paths are limited to 108 bytes.
        self.root = tempfile.mkdtemp(prefix=f'limber-{name}-', dir='/tmp')
        self.home = os.path.join(self.root, 'home')
        for d in ('home', 'config', 'state', 'data', 'runtime'):
            os.makedirs(os.path.join(self.root, d), mode=0o700)
        self.daemons = []
        self.buses = []
        self.monitors = []
        self.cleanups = []      # callables for the test's own helpers (servers it started)

    def xdg_env(self):
        """Never the user's real directories."""
        return {
            'HOME': self.home,
            'XDG_CONFIG_HOME': os.path.join(self.root, 'config'),
            'XDG_STATE_HOME': os.path.join(self.root, 'state'),
            'XDG_DATA_HOME': os.path.join(self.root, 'data'),
            'XDG_RUNTIME_DIR': os.path.join(self.root, 'runtime'),
        }

    def bus(self, all_users=False, servicedir=None):
        b = PrivateBus(os.path.join(self.root, f'bus{len(self.buses) + 1}'), all_users=all_users,
                       servicedir=servicedir)
        self.buses.append(b)
        return b

    def daemon(self, bus, **kwargs):
        return Daemon(self, bus, **kwargs)

    def monitor(self, bus):
        m = Monitor(bus, self.root, name=f'monitor{len(self.monitors) + 1}')
        self.monitors.append(m)
        return m

    def cleanup(self):
        for d in self.daemons:
            d.cleanup()
        for f in reversed(self.cleanups):
            try:
                f()
            except Exception as e:  # a cleanup never hides the test's own failure
                log(f'cleanup failed: {e}')
        for m in self.monitors:
            m.close()
        for b in self.buses:
            b.close()

    def dump(self):
        for d in self.daemons:
            text = d.stderr()
            if d.proc is None:
                print(f'----- {d.name}: never started -----')
                continue
            print(f'----- {d.name} ({" ".join(d.proc.args)}) status {d.proc.poll()} stderr -----')
            print(text if text else '(empty)')
        for b in self.buses:
            text = read_text(b.stderr_path)
            if text.strip():
                print(f'----- dbus-daemon stderr -----\n{text}')


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt(f'signal {signum}')


def main(test):
    """Runs test(ctx) and exits with the automake/meson status."""
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    signal.signal(signal.SIGTERM, _on_sigterm)
    for tool in ('dbus-daemon', 'busctl'):
        if not shutil.which(tool):
            log(f'SKIP: {tool} not found')
            sys.exit(EXIT_SKIP)
    ctx = Context(name)
    status = 1
    try:
        _check_clock()
        test(ctx)
        status = 0
        log(f'PASS: {name}')
    except Skip as e:
        status = EXIT_SKIP
        log(f'SKIP: {e}')
    except BaseException:
        traceback.print_exc(file=sys.stdout)
        ctx.dump()
        log(f'FAIL: {name}')
    finally:
        ctx.cleanup()
        if os.environ.get('LIMBER_KEEP_TMP') == '1':
            log(f'temporary files kept in {ctx.root}')
        else:
            shutil.rmtree(ctx.root, ignore_errors=True)
    sys.stdout.flush()
    sys.exit(status)
