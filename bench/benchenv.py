"""What the process benchmarks (footprint.py, startup.py) share: the build's limberd and
plugins, temporary home and XDG folders, private D-Bus daemons, Xvfb displays, and a
minimal D-Bus client that sees a signal the moment the bus sends it.

Only the Python standard library; the programs are dbus-daemon, Xvfb and busctl."""

import ctypes
import glob
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import time

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUS_NAME = 'io.github.limber.Limber1'
OBJECT_PATH = '/io/github/limber/Limber1'
INTERFACE = 'io.github.limber.Limber1'

# The one setting the benchmarks change: the feed's HTTP server on a free loopback
# port, so that it runs (as it does by default) without competing for the default one.
LIMBER_CONFIG = '[feed]\nhttp = 127.0.0.1:0\n'


class Failure(Exception):
    """Something the benchmark needs did not work; the message says what."""


try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def die_with_parent():
    """preexec_fn: the child is killed if the benchmark dies, so nothing outlives it."""
    if _prctl is not None:
        PR_SET_PDEATHSIG = 1
        _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


def find_build(build):
    """The build folder (default: build/ in the source tree) holding daemon/limberd."""
    build = os.path.abspath(build or os.path.join(SOURCE_ROOT, 'build'))
    limberd = os.path.join(build, 'daemon', 'limberd')
    if not os.access(limberd, os.X_OK):
        raise Failure(f'{limberd} not found: build first, or pass --build DIR')
    return build


def build_type(build):
    """The build's buildtype, and its sanitizers if any: benchmarks mean a release build."""
    try:
        with open(os.path.join(build, 'meson-info', 'intro-buildoptions.json')) as f:
            options = {o['name']: o['value'] for o in json.load(f)}
    except (OSError, ValueError, KeyError):
        return 'unknown buildtype'
    kind = str(options.get('buildtype', 'unknown'))
    if options.get('b_sanitize', 'none') not in ('none', ''):
        kind += f', sanitize={options["b_sanitize"]}'
    return kind


def collect_plugins(build, folder):
    """Links every plugin the build made (BUILD/plugins/*/NAME.so) into one folder, the
    way they sit side by side once installed; returns their names."""
    os.makedirs(folder, exist_ok=True)
    names = []
    for so in sorted(glob.glob(os.path.join(build, 'plugins', '*', '*.so'))):
        os.symlink(so, os.path.join(folder, os.path.basename(so)))
        names.append(os.path.splitext(os.path.basename(so))[0])
    return names


def limberd_command(build, plugin_dir, *args):
    return [os.path.join(build, 'daemon', 'limberd'), '--plugin-dir', plugin_dir,
            '--routine-dir', os.path.join(SOURCE_ROOT, 'conf', 'routines'), *args]


def base_env():
    """The benchmark's environment without anything of the user's session."""
    env = dict(os.environ)
    for k in list(env):
        if k.startswith('XDG_') or k in ('DBUS_SESSION_BUS_ADDRESS', 'DBUS_SYSTEM_BUS_ADDRESS', 'DISPLAY',
                                          'WAYLAND_DISPLAY', 'NOTIFY_SOCKET', 'LISTEN_FDS', 'LISTEN_PID',
                                          'WATCHDOG_USEC', 'WATCHDOG_PID', 'INVOCATION_ID',
                                          'JOURNAL_STREAM', 'SESSION_MANAGER', 'DESKTOP_SESSION'):
            del env[k]
    return env


def home_env(root):
    """A home and the XDG folders in root, created empty."""
    dirs = {'HOME': 'home', 'XDG_CONFIG_HOME': 'home/.config', 'XDG_DATA_HOME': 'home/.local/share',
            'XDG_STATE_HOME': 'home/.local/state', 'XDG_CACHE_HOME': 'home/.cache', 'XDG_RUNTIME_DIR': 'runtime'}
    env = {}
    for var, rel in dirs.items():
        path = os.path.join(root, rel)
        os.makedirs(path, mode=0o700, exist_ok=True)
        env[var] = path
    return env


def read_text(path):
    try:
        with open(path, errors='replace') as f:
            return f.read()
    except OSError:
        return ''


class PrivateBus:
    """A dbus-daemon listening in a folder of its own, with a policy that allows
    everything and no service files, so nothing is activated behind the benchmark's back.
    kind: 'session' or 'system'."""

    CONFIG = ('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
              ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
              '<busconfig>\n'
              '  <type>{kind}</type>\n'
              '  <listen>unix:dir={dir}</listen>\n'
              '  <auth>EXTERNAL</auth>\n'
              '  <policy context="default">\n'
              '    <allow send_destination="*" eavesdrop="true"/>\n'
              '    <allow eavesdrop="true"/>\n'
              '    <allow own="*"/>\n'
              '  </policy>\n'
              '</busconfig>\n')

    def __init__(self, directory, kind='session', timeout=10):
        os.makedirs(directory, exist_ok=True)
        config = os.path.join(directory, 'bus.conf')
        with open(config, 'w') as f:
            f.write(self.CONFIG.format(kind=kind, dir=directory))
        self.stderr_path = os.path.join(directory, 'dbus-daemon.stderr')
        r, w = os.pipe()
        try:
            with open(self.stderr_path, 'wb') as err:
                self.proc = subprocess.Popen(['dbus-daemon', f'--config-file={config}', '--nofork', '--nopidfile',
                                              f'--print-address={w}'],
                                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                             pass_fds=(w,), preexec_fn=die_with_parent, env=base_env())
        finally:
            os.close(w)
        with os.fdopen(r, 'rb') as f:
            ready, _, _ = select.select([f], [], [], timeout)
            line = f.readline().decode().strip() if ready else ''
        if not line:
            self.close()
            raise Failure(f'dbus-daemon gave no address:\n{read_text(self.stderr_path)}')
        self.address = line

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

    def busctl(self, *args, timeout=30):
        """busctl --user on this bus; the parsed --json=short output, or raises Failure."""
        env = base_env()
        env.update(DBUS_SESSION_BUS_ADDRESS=self.address, SYSTEMD_COLORS='0', SYSTEMD_PAGER='cat')
        p = subprocess.run(['busctl', '--user', '--no-pager', '--json=short', *map(str, args)], env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        if p.returncode != 0:
            raise Failure(f'busctl {" ".join(map(str, args))}: {p.stderr.strip()}')
        return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]

    def get_property(self, name):
        return self.busctl('get-property', BUS_NAME, OBJECT_PATH, INTERFACE, name)[0]['data']


class Xvfb:
    """An X server of its own: the display number it picked itself."""

    def __init__(self, timeout=15):
        r, w = os.pipe()
        self.proc = subprocess.Popen(['Xvfb', '-displayfd', str(w), '-nolisten', 'tcp', '-screen', '0',
                                      '1280x800x24'],
                                     pass_fds=(w,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, preexec_fn=die_with_parent, env=base_env())
        os.close(w)
        with os.fdopen(r, 'rb') as f:
            ready, _, _ = select.select([f], [], [], timeout)
            number = f.readline().decode().strip() if ready else ''
        if not number:
            self.close()
            raise Failure('Xvfb did not start')
        self.display = f':{number}'

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


def have(*programs):
    """The first of programs not on PATH, or None."""
    for p in programs:
        if not shutil.which(p):
            return p
    return None


# A minimal D-Bus client ------------------------------------------------------------

def _pad(buf, n):
    buf.extend(b'\0' * (-len(buf) % n))


def _string(buf, s, sig='s'):
    b = s.encode()
    if sig == 'g':
        buf.append(len(b))
    else:
        _pad(buf, 4)
        buf.extend(struct.pack('<I', len(b)))
    buf.extend(b + b'\0')


def _read_string(data, off, sig='s'):
    if sig == 'g':
        n = data[off]
        return data[off + 1:off + 1 + n].decode(), off + 2 + n
    off += -off % 4
    n, = struct.unpack_from('<I', data, off)
    return data[off + 4:off + 4 + n].decode(), off + 5 + n


class DBusClient:
    """Just enough D-Bus to call the bus driver with string arguments and to receive
    signals: the benchmark reads the bus socket itself, so it sees a message as soon as
    the bus writes it, with no helper process in between."""

    FIELDS = {1: 'path', 2: 'interface', 3: 'member', 4: 'error_name', 5: 'reply_serial', 6: 'destination',
              7: 'sender', 8: 'signature'}

    def __init__(self, address, timeout=10):
        params = dict(kv.split('=', 1) for kv in address.split(':', 1)[1].split(';')[0].split(','))
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        self.sock.settimeout(timeout)
        if 'path' in params:
            self.sock.connect(params['path'])
        elif 'abstract' in params:
            self.sock.connect('\0' + params['abstract'])
        else:
            raise Failure(f'cannot connect to {address}')
        self.sock.sendall(b'\0AUTH EXTERNAL ' + str(os.getuid()).encode().hex().encode() + b'\r\n')
        reply = b''
        while not reply.endswith(b'\r\n'):
            chunk = self.sock.recv(256)
            if not chunk:
                raise Failure('the bus closed the connection during authentication')
            reply += chunk
        if not reply.startswith(b'OK '):
            raise Failure(f'the bus refused authentication: {reply!r}')
        self.sock.sendall(b'BEGIN\r\n')
        self.serial = 0
        self.buf = b''
        self.pending = []
        self.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'Hello')

    def fileno(self):
        return self.sock.fileno()

    def close(self):
        self.sock.close()

    def send_call(self, dest, path, interface, member, *strings):
        self.serial += 1
        body = bytearray()
        for s in strings:
            _string(body, s)
        fields = bytearray()
        for code, sig, value in ((1, 'o', path), (2, 's', interface), (3, 's', member), (6, 's', dest),
                                 (8, 'g', 's' * len(strings))):
            if sig == 'g' and not value:
                continue
            _pad(fields, 8)
            fields.append(code)
            _string(fields, sig, 'g')
            _string(fields, value, sig)
        msg = bytearray(struct.pack('<cBBBIII', b'l', 1, 0, 1, len(body), self.serial, len(fields)))
        msg.extend(fields)
        _pad(msg, 8)
        msg.extend(body)
        self.sock.sendall(msg)
        return self.serial

    def call(self, dest, path, interface, member, *strings):
        """Calls and waits for the reply; returns it. Other messages wait in pending."""
        serial = self.send_call(dest, path, interface, member, *strings)
        while True:
            for m in self._read():
                if m.get('reply_serial') == serial:
                    if m['type'] == 3:
                        raise Failure(f'{member}: {m.get("error_name")}')
                    return m
                self.pending.append(m)

    def receive(self):
        """The messages that arrived: reads once from the socket (call after select)."""
        out, self.pending = self.pending, []
        return out + self._read()

    def _read(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Failure('the bus closed the connection')
        self.buf += chunk
        out = []
        while len(self.buf) >= 16:
            body_len, serial, fields_len = struct.unpack_from('<III', self.buf, 4)
            start = 16 + fields_len + (-(16 + fields_len) % 8)
            if len(self.buf) < start + body_len:
                break
            out.append(self._parse(self.buf[:start + body_len], start))
            self.buf = self.buf[start + body_len:]
        return out

    def _parse(self, data, body_start):
        m = {'type': data[1]}
        _, _, fields_len = struct.unpack_from('<III', data, 4)
        off, end = 16, 16 + fields_len
        while off < end:
            off += -off % 8
            code = data[off]
            sig, off = _read_string(data, off + 1, 'g')
            if sig == 'u':
                off += -off % 4
                value, = struct.unpack_from('<I', data, off)
                off += 4
            else:
                value, off = _read_string(data, off, sig)
            m[self.FIELDS.get(code, code)] = value
        # Bodies the benchmarks read are strings only (NameOwnerChanged: sss).
        args, off = [], body_start
        for sig in m.get('signature', ''):
            if sig not in 'sog':
                break
            value, off = _read_string(data, off, sig)
            args.append(value)
        m['args'] = args
        return m


def now_ns():
    return time.monotonic_ns()
