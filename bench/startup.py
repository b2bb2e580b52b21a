#!/usr/bin/python3
"""Start-up: how long limberd takes from exec to owning its bus name, and to its first
feed on disk, over N runs, each on a fresh private session bus with a fresh state.

Usage: bench/startup.py [--runs N] [--build DIR]

Each run: a new dbus-daemon, new home and XDG folders (so a new database and a first
plan), the build's plugins and an Xvfb display (one for all runs) so the x11 plugin
starts as on a desktop, and limber.conf with only the feed's HTTP server on a free
port. Before the exec the benchmark is already on the bus with a match for
NameOwnerChanged of io.github.limber.Limber1, watches the data folder with inotify and
listens on a NOTIFY_SOCKET; it reads CLOCK_MONOTONIC just before posix_spawn() and when
each of the three arrives. limberd plans and writes the feed before it takes the name,
and starts its plugins after, then sends READY=1. Target: 50 ms to the bus name."""

import argparse
import ctypes
import os
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile

import benchenv
from benchenv import Failure, now_ns

TARGET_MS = 50.0

IN_CLOSE_WRITE = 0x008
IN_MOVED_TO = 0x080
IN_CLOEXEC = 0o2000000
IN_NONBLOCK = 0o4000

_libc = ctypes.CDLL(None, use_errno=True)


def inotify(folder):
    fd = _libc.inotify_init1(IN_CLOEXEC | IN_NONBLOCK)
    if fd < 0 or _libc.inotify_add_watch(fd, folder.encode(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0:
        raise Failure(f'inotify on {folder}: {os.strerror(ctypes.get_errno())}')
    return fd


def inotify_names(fd):
    names = []
    try:
        data = os.read(fd, 65536)
    except BlockingIOError:
        return names
    off = 0
    while off + 16 <= len(data):
        _wd, _mask, _cookie, length = struct.unpack_from('iIII', data, off)
        names.append(data[off + 16:off + 16 + length].rstrip(b'\0').decode())
        off += 16 + length
    return names


def one_run(build, plugin_dir, display, root, timeout=10):
    """Times one start; returns (feed, bus name, ready) in ms after the exec."""
    env = benchenv.base_env()
    env.update(benchenv.home_env(root))
    os.makedirs(os.path.join(env['XDG_CONFIG_HOME'], 'limber'))
    with open(os.path.join(env['XDG_CONFIG_HOME'], 'limber', 'limber.conf'), 'w') as f:
        f.write(benchenv.LIMBER_CONFIG)
    data_dir = os.path.join(env['XDG_DATA_HOME'], 'limber')
    os.makedirs(data_dir)

    bus = benchenv.PrivateBus(os.path.join(root, 'bus'))
    client = notify = None
    ino = -1
    pid = None
    try:
        client = benchenv.DBusClient(bus.address)
        client.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'AddMatch',
                    "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                    f"member='NameOwnerChanged',arg0='{benchenv.BUS_NAME}'")
        ino = inotify(data_dir)
        notify_path = os.path.join(root, 'notify')
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        notify.bind(notify_path)
        env.update(DBUS_SESSION_BUS_ADDRESS=bus.address, DISPLAY=display, NOTIFY_SOCKET=notify_path)

        cmd = benchenv.limberd_command(build, plugin_dir)
        log = os.path.join(root, 'limberd.log')
        actions = [(os.POSIX_SPAWN_OPEN, 0, '/dev/null', os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 1, log, os.O_WRONLY | os.O_CREAT, 0o600),
                   (os.POSIX_SPAWN_DUP2, 1, 2)]
        t0 = now_ns()
        pid = os.posix_spawn(cmd[0], cmd, env, file_actions=actions)

        feed = name = ready = None
        deadline = t0 + timeout * 1_000_000_000
        while feed is None or name is None or ready is None:
            left = (deadline - now_ns()) / 1e9
            if left <= 0:
                raise Failure(f'limberd did not start within {timeout} s '
                              f'(feed {feed}, name {name}, ready {ready}):\n{benchenv.read_text(log)}')
            r, _, _ = select.select([client, ino, notify], [], [], left)
            t = now_ns()
            if client in r:
                for m in client.receive():
                    if (m.get('member') == 'NameOwnerChanged' and m['args'][:1] == [benchenv.BUS_NAME]
                            and m['args'][2] and name is None):
                        name = t
            if ino in r and 'limber.ics' in inotify_names(ino) and feed is None:
                feed = t
            if notify in r:
                if 'READY=1' in notify.recv(4096).decode(errors='replace').split('\n') and ready is None:
                    ready = t
            wpid, status = os.waitpid(pid, os.WNOHANG)
            if wpid:
                pid = None
                raise Failure(f'limberd exited ({status}) during start-up:\n{benchenv.read_text(log)}')
        return tuple((t - t0) / 1e6 for t in (feed, name, ready))
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        if client:
            client.close()
        if notify:
            notify.close()
        if ino >= 0:
            os.close(ino)
        bus.close()


def percentile(values, p):
    """Nearest-rank percentile."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, -(-len(s) * p // 100) - 1))
    return s[int(k)]


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def main():
    ap = argparse.ArgumentParser(description='Time from exec of limberd to its bus name and first feed.')
    ap.add_argument('--runs', type=int, default=20, help='number of starts (default 20)')
    ap.add_argument('--build', help='the build folder (default: build/ in the source tree)')
    args = ap.parse_args()
    if args.runs < 1:
        ap.error('--runs must be at least 1')

    try:
        missing = benchenv.have('dbus-daemon', 'Xvfb')
        if missing:
            raise Failure(f'{missing} is not installed')
        build = benchenv.find_build(args.build)
        top = tempfile.mkdtemp(prefix='limber-startup-', dir='/tmp')
        xvfb = None
        try:
            plugins = benchenv.collect_plugins(build, os.path.join(top, 'plugins'))
            xvfb = benchenv.Xvfb()
            print(f'limberd {build}/daemon/limberd ({benchenv.build_type(build)}); plugins: {", ".join(plugins) or "none"}; '
                  f'display {xvfb.display}; load average {os.getloadavg()[0]:.2f}')
            results = []
            for i in range(args.runs):
                root = os.path.join(top, f'run{i + 1}')
                os.makedirs(root)
                results.append(one_run(build, os.path.join(top, 'plugins'), xvfb.display, root))
                shutil.rmtree(root, ignore_errors=True)
        finally:
            if xvfb:
                xvfb.close()
            shutil.rmtree(top, ignore_errors=True)
    except Failure as e:
        print(f'startup: {e}', file=sys.stderr)
        return 1

    print(f'{args.runs} starts, each on a fresh bus with a fresh state; ms after the exec:')
    print(f'{"":24}{"median":>8}{"p90":>8}{"min":>8}{"max":>8}')
    for i, what in enumerate(('first feed written', 'bus name owned', 'READY=1 (plugins up)')):
        v = [r[i] for r in results]
        print(f'{what:24}{median(v):8.1f}{percentile(v, 90):8.1f}{min(v):8.1f}{max(v):8.1f}')
    m = median([r[1] for r in results])
    print(f'target: bus name in {TARGET_MS:.0f} ms; {"met" if m <= TARGET_MS else "missed"} '
          f'(median {m:.1f} ms, p90 {percentile([r[1] for r in results], 90):.1f} ms)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
