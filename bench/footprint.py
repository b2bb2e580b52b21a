#!/usr/bin/python3
"""Footprint at rest: limberd, Workrave and Safe Eyes side by side in one run, each left
alone (no input, nothing due), measured from /proc the same way for all three.

Usage: bench/footprint.py [--seconds N] [--warmup N] [--build DIR]

Each program gets an Xvfb display, a private session bus and a private system bus
(dbus-daemon with an allow-all policy and no service files) and a home with XDG folders
in a temporary folder of its own. limberd runs from the build with every plugin the
build made and no configuration but the feed's HTTP server on a free loopback port.

The three start together and warm up for --warmup seconds (default 30), and longer if
limberd has not yet settled: with no input the x11 plugin reports idle 60 s after the
display's last input and the sitting streak ends after the 5-minute natural break, each
one wake-up of limberd, so the window starts once limberd says Idle and no sitting
streak. Then nothing touches the programs for --seconds (default 600) while the
benchmark reads /proc once a second. Reported for each program and every process
descended from it:

  RSS, PSS      VmRSS of /proc/PID/status and Pss of /proc/PID/smaps_rollup at the end,
                summed over the processes alive then;
  CPU           utime + stime of every thread during the window;
  wake-ups/min  voluntary + involuntary context switches of every thread (from
                /proc/PID/task/TID/status), end minus start, per minute;
  processes     alive at the end, and started during the window.

Safe Eyes runs once per machine (it looks for another Safe Eyes among all processes and
hands over to it through loopback port 7200): with another Safe Eyes running, or a
second footprint run at the same time, it exits, and the benchmark says so and measures
the other two.

Threads and child processes that start and end between two readings are not lost: as
root the benchmark follows the kernel's fork events (the netlink process connector) and
takes each ending task's own CPU time and context switches from the kernel's exit
accounting (taskstats). Without those it falls back to the once-a-second readings and
says so: a child living less than a second is then missed."""

import argparse
import errno
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import benchenv
from benchenv import Failure

TARGET_RSS_KIB = 8 * 1024
CLK_TCK = os.sysconf('SC_CLK_TCK')


# /proc ----------------------------------------------------------------------------

def read(path):
    try:
        with open(path, 'rb') as f:
            return f.read().decode(errors='replace')
    except OSError:
        return None


def stat_fields(path):
    """The fields of a stat file after the command name (index 0 is the state)."""
    text = read(path)
    return text[text.rindex(')') + 2:].split() if text else None


def parent_map():
    out = {}
    for name in os.listdir('/proc'):
        if name.isdigit():
            f = stat_fields(f'/proc/{name}/stat')
            if f:
                out[int(name)] = int(f[1])
    return out


def descendants(root, parents):
    """root and every process below it."""
    children = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in parents:
            out.append(pid)
            todo.extend(children.get(pid, ()))
    return out


def status_value(text, key):
    for line in text.splitlines():
        if line.startswith(key + ':'):
            return int(line.split()[1])
    return 0


def task_counters(pid):
    """{tid: (context switches, CPU µs)} for each thread of pid."""
    out = {}
    try:
        tids = os.listdir(f'/proc/{pid}/task')
    except OSError:
        return out
    for tid in tids:
        status = read(f'/proc/{pid}/task/{tid}/status')
        f = stat_fields(f'/proc/{pid}/task/{tid}/stat')
        if status is None or f is None:
            continue
        csw = status_value(status, 'voluntary_ctxt_switches') + status_value(status, 'nonvoluntary_ctxt_switches')
        out[int(tid)] = (csw, (int(f[11]) + int(f[12])) * 1_000_000 // CLK_TCK)
    return out


def memory_kib(pid):
    """(VmRSS, Pss) in KiB, or None when the process is gone."""
    status, rollup = read(f'/proc/{pid}/status'), read(f'/proc/{pid}/smaps_rollup')
    if status is None or rollup is None:
        return None
    return status_value(status, 'VmRSS'), status_value(rollup, 'Pss')


def rss_by_file(pid):
    """{mapped file or '[anonymous]': resident KiB} from /proc/PID/smaps."""
    out, name = {}, None
    for line in (read(f'/proc/{pid}/smaps') or '').splitlines():
        parts = line.split()
        if parts and not parts[0].endswith(':'):
            name = parts[5] if len(parts) > 5 and parts[5].startswith('/') else '[anonymous]'
        elif parts and parts[0] == 'Rss:':
            out[name] = out.get(name, 0) + int(parts[1])
    return out


def reaped_children_us(pid):
    f = stat_fields(f'/proc/{pid}/stat')
    return (int(f[13]) + int(f[14])) * 1_000_000 // CLK_TCK if f else 0


# The kernel's process events ------------------------------------------------------

NETLINK_CONNECTOR, NETLINK_GENERIC = 11, 16
CN_IDX_PROC = CN_VAL_PROC = 1
PROC_CN_MCAST_LISTEN = 1
PROC_EVENT_FORK = 1
GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 0x10, 3, 1, 2
TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK = 1, 3
TASKSTATS_TYPE_STATS, TASKSTATS_TYPE_AGGR_PID = 3, 4
NLM_F_REQUEST = 1


def _nlattr(kind, payload):
    a = struct.pack('HH', 4 + len(payload), kind) + payload
    return a + b'\0' * (-len(a) % 4)


def _nlattrs(data, off, end):
    while off + 4 <= end:
        length, kind = struct.unpack_from('HH', data, off)
        if length < 4:
            return
        yield kind, off + 4, off + length
        off += (length + 3) & ~3


class KernelEvents:
    """Fork events from the process connector and per-task exit accounting from
    taskstats: every thread and process that starts, and what each one used when it
    ends. Needs root; raises OSError when the kernel sends them nothing."""

    def __init__(self):
        self.forks = []         # (parent tgid, child pid, child tgid), in order
        self.exits = {}         # pid -> (context switches, CPU µs, command name)
        self.lost = False       # the socket overflowed: some events are missing
        self.cn = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC, NETLINK_CONNECTOR)
        self.ts = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, NETLINK_GENERIC)
        try:
            for s in (self.cn, self.ts):
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            self.cn.bind((os.getpid(), CN_IDX_PROC))
            op = struct.pack('I', PROC_CN_MCAST_LISTEN)
            cn_msg = struct.pack('IIIIHH', CN_IDX_PROC, CN_VAL_PROC, 0, 0, len(op), 0) + op
            self.cn.send(struct.pack('IHHII', 16 + len(cn_msg), 3, 0, 0, os.getpid()) + cn_msg)

            self.ts.bind((0, 0))
            self.family = self._taskstats_family()
            cpus = f'0-{os.cpu_count() - 1}\0'.encode()
            self._genl(self.family, TASKSTATS_CMD_GET, _nlattr(TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, cpus))
            self.cn.setblocking(False)
            self.ts.setblocking(False)
            self._check()
        except OSError:
            self.close()
            raise

    def _check(self):
        """A child of the benchmark's own must show up in both, or the kernel does not
        send them here (without privilege it may take the requests and send nothing)."""
        child = subprocess.Popen(['true'])
        child.wait()
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            select.select(self.fds(), [], [], 0.1)
            self.drain()
            forked = any(cpid == child.pid for _, cpid, _ in self.forks)
            if forked and child.pid in self.exits:
                self.forks.clear()
                self.exits.clear()
                return
        raise OSError(errno.EPERM, 'the kernel sends no fork or exit events here (they need root)')

    def _genl(self, family, cmd, attrs):
        body = struct.pack('BBH', cmd, 1, 0) + attrs
        self.ts.send(struct.pack('IHHII', 16 + len(body), family, NLM_F_REQUEST, 1, 0) + body)

    def _taskstats_family(self):
        self._genl(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, _nlattr(CTRL_ATTR_FAMILY_NAME, b'TASKSTATS\0'))
        data = self.ts.recv(65536)
        for kind, start, _ in _nlattrs(data, 20, len(data)):
            if kind == CTRL_ATTR_FAMILY_ID:
                return struct.unpack_from('H', data, start)[0]
        raise OSError('no taskstats in this kernel')

    def fds(self):
        return [self.cn, self.ts]

    def drain(self):
        while True:
            try:
                data = self.cn.recv(65536)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno != errno.ENOBUFS:
                    raise
                self.lost = True
                continue
            # nlmsghdr (16), cn_msg (20), proc_event: what, cpu, timestamp, then the data.
            if len(data) >= 68 and struct.unpack_from('I', data, 36)[0] == PROC_EVENT_FORK:
                _ppid, ptgid, cpid, ctgid = struct.unpack_from('IIII', data, 52)
                self.forks.append((ptgid, cpid, ctgid))
        while True:
            try:
                data = self.ts.recv(65536)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno != errno.ENOBUFS:
                    raise
                self.lost = True
                continue
            if struct.unpack_from('H', data, 4)[0] != self.family:
                continue
            for kind, start, end in _nlattrs(data, 20, len(data)):
                if kind != TASKSTATS_TYPE_AGGR_PID:
                    continue
                for inner, s, e in _nlattrs(data, start, end):
                    if inner == TASKSTATS_TYPE_STATS and e - s >= 288:
                        # struct taskstats: ac_pid at 128, ac_utime and ac_stime (µs)
                        # at 152, nvcsw and nivcsw at 272.
                        pid, = struct.unpack_from('I', data, s + 128)
                        utime, stime = struct.unpack_from('QQ', data, s + 152)
                        nvcsw, nivcsw = struct.unpack_from('QQ', data, s + 272)
                        comm = data[s + 80:s + 112].split(b'\0')[0].decode(errors='replace')
                        self.exits[pid] = (nvcsw + nivcsw, utime + stime, comm)

    def close(self):
        self.cn.close()
        self.ts.close()


# The programs -----------------------------------------------------------------------

class Program:
    """One program under test, in its own display, buses and home."""

    def __init__(self, name, command, root, env=None):
        self.name = name
        self.command = command
        self.root = root
        self.extra_env = env or {}
        self.proc = None
        self.problem = None         # why it is not measured
        self.resources = []
        self.log_path = os.path.join(root, 'output.log')

    def start(self):
        missing = benchenv.have(self.command[0])
        if missing:
            self.problem = f'{missing} is not installed'
            return
        try:
            xvfb = benchenv.Xvfb()
            self.resources.append(xvfb)
            session = benchenv.PrivateBus(os.path.join(self.root, 'session-bus'), 'session')
            self.resources.append(session)
            system = benchenv.PrivateBus(os.path.join(self.root, 'system-bus'), 'system')
            self.resources.append(system)
        except Failure as e:
            self.problem = str(e)
            return
        self.bus = session
        env = benchenv.base_env()
        env.update(benchenv.home_env(self.root))
        env.update(DISPLAY=xvfb.display, DBUS_SESSION_BUS_ADDRESS=session.address,
                   DBUS_SYSTEM_BUS_ADDRESS=system.address)
        env.update(self.extra_env)
        self.env = env
        self.prepare()
        with open(self.log_path, 'wb') as log:
            self.proc = subprocess.Popen(self.command, env=env, cwd=env['HOME'], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, preexec_fn=benchenv.die_with_parent)
        self.pid = self.proc.pid

    def prepare(self):
        pass

    def check_alive(self):
        if self.problem is None and self.proc.poll() is not None:
            lines = benchenv.read_text(self.log_path).strip().splitlines()
            self.problem = f'exited with status {self.proc.returncode}' + (f': {lines[-1].strip()}' if lines else '')
        return self.problem is None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            left = descendants(self.proc.pid, parent_map())
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            for pid in left[1:]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for r in reversed(self.resources):
            r.close()


class Limberd(Program):
    def __init__(self, build, root):
        self.plugin_dir = os.path.join(root, 'plugins')
        os.makedirs(root)
        self.plugins = benchenv.collect_plugins(build, self.plugin_dir)
        super().__init__('limberd', benchenv.limberd_command(build, self.plugin_dir), root)

    def prepare(self):
        conf = os.path.join(self.env['XDG_CONFIG_HOME'], 'limber')
        os.makedirs(conf)
        with open(os.path.join(conf, 'limber.conf'), 'w') as f:
            f.write(benchenv.LIMBER_CONFIG)

    def settled(self):
        """Idle with no sitting streak: nothing left for limberd's desk timers."""
        try:
            return self.bus.get_property('Idle') is True and self.bus.get_property('SittingSince') == 0
        except (Failure, subprocess.TimeoutExpired):
            return False

    def next_plan_moment(self, now):
        """When limberd's plan timer fires next (seconds since the epoch): the next local
        midnight, or the start, end or end + grace (1 h) of a planned session."""
        lt = time.localtime(now)
        nxt = time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday + 1, 0, 0, 0, 0, 0, -1))
        why = 'midnight: the plan moves on a day'
        rows = self.bus.busctl('call', benchenv.BUS_NAME, benchenv.OBJECT_PATH, benchenv.INTERFACE,
                               'ListSessions', 'tt', 0, 0)[0]['data'][0]
        for row in rows:
            sid, status = row[0], row[2]
            start, end = (v / 1e6 for v in row[4:6])
            if status not in ('planned', 'snoozed'):
                continue
            for t, what in ((start, 'starts'), (end, 'ends'), (end + 3600, 'is marked missed')):
                if now < t < nxt:
                    nxt, why = t, f'{sid} {what}'
        return nxt, why


# Measuring --------------------------------------------------------------------------

class Tally:
    """What one program's process tree did during the window."""

    def __init__(self, program, events):
        self.program = program
        self.events = events
        parents = parent_map()
        self.procs = set(descendants(program.pid, parents))
        self.start = {}
        for pid in self.procs:
            self.start.update(task_counters(pid))
        self.start_reaped = {pid: reaped_children_us(pid) for pid in self.procs}
        self.last = dict(self.start)
        self.last_reaped = dict(self.start_reaped)
        self.seen = set(self.procs)
        self.members = set(self.start)          # every task of the tree, threads too
        self.started = set()                    # processes started in the window
        self.names = {}                         # their command names, as last seen
        self.fork_index = 0

    def follow_forks(self):
        """Adds the tasks the kernel says were created in the tree."""
        if not self.events:
            return
        forks = self.events.forks
        for ptgid, cpid, ctgid in forks[self.fork_index:]:
            if cpid != ctgid:
                if ctgid in self.procs:             # a thread of a process in the tree
                    self.members.add(cpid)
            elif ptgid in self.procs:               # a process forked from one in it
                self.procs.add(cpid)
                self.members.add(cpid)
                if cpid not in self.seen:
                    self.started.add(cpid)
        self.fork_index = len(forks)

    def sample(self, parents):
        self.follow_forks()
        for pid in descendants(self.program.pid, parents):
            if pid not in self.seen:
                self.seen.add(pid)
                self.started.add(pid)
            if pid in self.started:
                self.names[pid] = (read(f'/proc/{pid}/comm') or '?').strip()
            self.procs.add(pid)
            counters = task_counters(pid)
            self.last.update(counters)
            self.members.update(counters)
            self.last_reaped[pid] = reaped_children_us(pid)

    def finish(self):
        parents = parent_map()
        self.sample(parents)
        alive = descendants(self.program.pid, parents)
        self.rss = self.pss = 0
        self.alive = 0
        for pid in alive:
            m = memory_kib(pid)
            if m:
                self.rss += m[0]
                self.pss += m[1]
                self.alive += 1
        exits = self.events.exits if self.events else {}
        self.csw = self.cpu_us = 0
        for tid in self.members:
            end = exits.get(tid, self.last.get(tid))
            if end is None:
                continue
            begin = self.start.get(tid, (0, 0))
            self.csw += end[0] - begin[0]
            self.cpu_us += end[1] - begin[1]
        for pid in self.started:
            if pid in exits:
                self.names[pid] = exits[pid][2]
        if not self.events:
            # Children reaped in the window: their CPU is only in the parents' cutime.
            self.cpu_us += sum(self.last_reaped[p] - self.start_reaped.get(p, 0) for p in self.last_reaped)


def mib(kib):
    return f'{kib / 1024:.1f} MiB'


def main():
    ap = argparse.ArgumentParser(description='limberd, Workrave and Safe Eyes at rest, side by side.')
    ap.add_argument('--seconds', type=float, default=600, help='length of the measured window (default 600)')
    ap.add_argument('--warmup', type=float, default=30, help='least warm-up before the window (default 30)')
    ap.add_argument('--build', help='the build folder (default: build/ in the source tree)')
    args = ap.parse_args()
    if args.seconds <= 0:
        ap.error('--seconds must be positive')

    try:
        missing = benchenv.have('dbus-daemon', 'Xvfb', 'busctl')
        if missing:
            raise Failure(f'{missing} is not installed')
        build = benchenv.find_build(args.build)
    except Failure as e:
        print(f'footprint: {e}', file=sys.stderr)
        return 1

    top = tempfile.mkdtemp(prefix='limber-footprint-', dir='/tmp')
    limberd = Limberd(build, os.path.join(top, 'limberd'))
    programs = [limberd]
    for name, command in (('Workrave', ['workrave']), ('Safe Eyes', ['safeeyes'])):
        root = os.path.join(top, name.lower().replace(' ', ''))
        os.makedirs(root)
        programs.append(Program(name, command, root))

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    events = None
    try:
        for p in programs:
            p.start()
        if limberd.problem:
            raise Failure(f'limberd did not start: {limberd.problem}')
        t_start = time.monotonic()
        print(f'limberd: {build}/daemon/limberd ({benchenv.build_type(build)}), '
              f'plugins: {", ".join(limberd.plugins)}', flush=True)

        # Warm-up: at least --warmup, and until limberd has settled.
        settled_at = None
        while True:
            time.sleep(1)
            for p in programs:
                p.check_alive()
            if limberd.problem:
                raise Failure(f'limberd stopped during the warm-up: {limberd.problem}')
            elapsed = time.monotonic() - t_start
            if settled_at is None and int(elapsed) % 5 == 0 and limberd.settled():
                settled_at = elapsed
            if settled_at is not None and elapsed >= max(args.warmup, settled_at + 5):
                break
            if elapsed > 900:
                raise Failure('limberd did not settle (Idle and no sitting streak) within 15 minutes')
        now = time.time()
        plan_at, plan_why = limberd.next_plan_moment(now)
        print(f'warm-up: {elapsed:.0f} s; limberd idle with no sitting streak after {settled_at:.0f} s')
        if plan_at < now + args.seconds:
            print(f'NOTE: limberd\'s plan timer fires in the window, at '
                  f'{time.strftime("%H:%M:%S", time.localtime(plan_at))} ({plan_why}): '
                  'expect one wake-up and a re-plan')
        else:
            print(f'limberd\'s next timer: {time.strftime("%Y-%m-%d %H:%M", time.localtime(plan_at))} '
                  f'({plan_why}), after the window')
        for p in programs:
            if p.problem:
                print(f'{p.name} not measured: {p.problem}')
        try:
            events = KernelEvents()
        except OSError as e:
            events_problem = e.strerror or str(e)
        print(f'measuring {args.seconds:.0f} s from {time.strftime("%H:%M:%S")}; '
              + ('threads and processes followed through the kernel\'s fork events and exit accounting'
                 if events else f'no kernel process events ({events_problem}): /proc read once a second, '
                 'children living less than a second are missed'), flush=True)

        measured = [p for p in programs if not p.problem]
        if events:
            events.drain()
            events.forks.clear()
            events.exits.clear()
        tallies = [Tally(p, events) for p in measured]
        t0 = time.monotonic()
        end = t0 + args.seconds
        tick = t0 + 1
        while True:
            now = time.monotonic()
            if now >= end:
                break
            if now >= tick:
                parents = parent_map()
                for t in tallies:
                    t.sample(parents)
                tick += 1
                continue
            # Events come from the whole system: keep reading them between readings.
            if events:
                select.select(events.fds(), [], [], min(tick, end) - now)
                events.drain()
            else:
                time.sleep(min(tick, end) - now)
        minutes = (time.monotonic() - t0) / 60
        if events:
            events.drain()
        for t in tallies:
            t.program.check_alive()
            t.finish()

        print()
        print(f'{"":12}{"RSS":>10}{"PSS":>10}{"CPU s":>8}{"wake-ups/min":>14}{"processes":>11}{"started":>9}')
        for t in tallies:
            print(f'{t.program.name:12}{mib(t.rss):>10}{mib(t.pss):>10}{t.cpu_us / 1e6:8.2f}'
                  f'{t.csw / minutes:14.1f}{t.alive:11d}{len(t.started):9d}'
                  + ('' if not t.program.problem else f'   (ended: {t.program.problem})'))
        for t in tallies:
            if t.started:
                names = {}
                for pid in t.started:
                    name = t.names.get(pid, '?')
                    names[name] = names.get(name, 0) + 1
                print(f'{t.program.name} started ' + ', '.join(f'{n} x{c}' for n, c in
                                                              sorted(names.items(), key=lambda kv: -kv[1])))
        if events and events.lost:
            print('WARNING: the kernel dropped process events (socket overflow): tasks may be missing')
        lt = tallies[0]
        wake_ok, rss_ok = lt.csw == 0, lt.rss <= TARGET_RSS_KIB
        print(f'target for limberd: 0 wake-ups, {"met" if wake_ok else f"missed ({lt.csw} in the window)"}; '
              f'RSS at most {mib(TARGET_RSS_KIB)}, {"met" if rss_ok else f"missed ({mib(lt.rss)})"}')
        if not rss_ok and lt.program.proc.poll() is None:
            files = rss_by_file(lt.program.pid)
            anon = files.pop('[anonymous]', 0)
            libs = sorted(files.items(), key=lambda kv: -kv[1])
            print(f'limberd\'s RSS: {mib(anon)} in anonymous mappings (heap, stack), '
                  f'{mib(sum(files.values()))} in {len(files)} mapped files, the largest:')
            print('  ' + ', '.join(f'{os.path.basename(f).split(".so")[0]} {kib:.0f}'
                                   for f, kib in libs[:12]) + ' (KiB)')
        return 0
    except Failure as e:
        print(f'footprint: {e}', file=sys.stderr)
        return 1
    finally:
        for p in programs:
            p.stop()
        if events:
            events.close()
        shutil.rmtree(top, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
