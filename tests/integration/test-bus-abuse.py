#!/usr/bin/python3
"""Bus abuse: every method and property of limberd called with what a broken or hostile
client sends, then thousands of calls in flight from several clients at once.

1. Wrong types: a few through busctl as a person would type them, then every method of
   the main object and of a session object (found by introspection, so a new method is
   covered too) called with a wrong signature, with no arguments and with one argument
   too many: org.freedesktop.DBus.Error.InvalidArgs, saying what was expected.
   Properties: Get/Set/GetAll with wrong signatures, unknown properties and interfaces,
   Set of a read-only property.
2. Empty and huge strings: a 1 MiB kind, title and source, a 100 kB session id to every
   method that takes one, an a{sv} of 10000 entries (unknown keys: ignored, the call
   succeeds), a value nested in 32 variants, a known key with the wrong type.
3. Invalid UTF-8 and other malformed messages, sent over a raw socket (this file
   marshals them itself, as no D-Bus library sends them): the bus daemon refuses them
   and drops the sender's connection, limberd never receives them (busctl monitor sees
   none) and answers on; the same raw client's well-formed call is answered, which
   shows the raw client itself works, and so is one whose a{sv} repeats its keys 1000
   times (the last value of each counts).
4. Out-of-range times for every t argument (0, 2^64-1, before 2000, the year 9999,
   2^63) and NaN/inf/negative/huge doubles: InvalidArgs naming the argument where the
   value is wrong, correct results where it is a valid bound; nothing bad is stored.
5. Session objects that do not exist (/io/github/limber/Limber1/session/does_not_exist,
   deeper paths, a 60 kB path): UnknownObject. A path over sd-bus's 64 KiB limit is
   dropped by sd-bus unanswered (its CVE-2019-6454 hardening; not limberd's to
   change): the caller's timeout ends it, limberd runs on.
6. A flood: CLIENTS processes each send CALLS asynchronous calls without waiting
   (python3-dbus with a GLib loop): Get, GetAll, ListSessions, ListActivities,
   GetSession of good, unknown and malformed ids, a session object's property, an
   unknown object, Introspect, GetManagedObjects. Every call is answered, with the
   result or the error its arguments deserve; limberd keeps running. Three floods:
   VmRSS a few seconds after the first is near the baseline, and after the third not
   above the first plus SLACK (a leak per call would show). A clean stop then exits
   with 0 (under ASan, LeakSanitizer finds no leak at exit).

The bus has the session bus's limit of replies in flight per connection (50000, as
dbus's session.conf sets it); the built-in 128 would have the bus daemon, not limberd,
refuse most of a flood."""

import json
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (BUS_NAME, ERROR_INVALID_ARGS, INTERFACE, OBJECT_PATH, USEC_PER_SEC, TestFailure,  # noqa: E402
                     check, check_equal, check_in)

SESSION_INTERFACE = 'io.github.limber.Limber1.Session'
SESSION_PREFIX = OBJECT_PATH + '/session'
PROPERTIES = 'org.freedesktop.DBus.Properties'
ERROR = 'org.freedesktop.DBus.Error.'
NO_SUCH_SESSION = 'io.github.limber.Limber1.Error.NoSuchSession'
MIB = 1 << 20
DAY = 86400 * USEC_PER_SEC
U64_MAX = 2**64 - 1

CLIENTS = 4
CALLS = 2000
FLOODS = 3
SLACK_KIB = 2048            # or SLACK_FRACTION of the baseline, whichever is larger
SLACK_FRACTION = 0.20


class SessionLimitsBus(harness.PrivateBus):
    CONFIG = harness.PrivateBus.CONFIG.replace(
        '</busconfig>', '  <limit name="max_replies_per_connection">50000</limit>\n</busconfig>')


def require_dbus():
    p = subprocess.run([sys.executable, '-c', 'import dbus, dbus.mainloop.glib; from gi.repository import GLib'],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise harness.Skip(f'{sys.executable} lacks python3-dbus or python3-gi: {p.stderr.strip()[-200:]}')


class Client:
    """Blocking calls on a connection of our own; answers ('ok', value) or
    ('error', name, message)."""

    def __init__(self, address):
        import dbus
        import dbus.bus
        self.dbus = dbus
        self.conn = dbus.bus.BusConnection(address)

    def call(self, path, interface, method, signature='', args=(), timeout=20):
        try:
            return ('ok', self.conn.call_blocking(BUS_NAME, path, interface, method, signature, args,
                                                  timeout=timeout))
        except self.dbus.DBusException as e:
            return ('error', e.get_dbus_name(), e.get_dbus_message() or '')

    def main(self, method, signature='', *args, timeout=20):
        return self.call(OBJECT_PATH, INTERFACE, method, signature, args, timeout=timeout)

    def close(self):
        self.conn.close()


def expect_error(reply, name, what, arg=None):
    """reply is the error name (and the message names arg, when given)."""
    if reply[0] != 'error':
        raise TestFailure(f'{what}: expected {name}, got the result {str(reply[1])[:200]!r}')
    check_equal(reply[1], name, f'error of {what} (message: {reply[2][:200]!r})')
    if arg:
        check_in(f"'{arg}'", reply[2][:500], f'message of {what}')


def expect_ok(reply, what):
    if reply[0] != 'ok':
        raise TestFailure(f'{what}: expected a result, got {reply[1]}: {reply[2][:300]}')
    return reply[1]


def alive(c, d, what):
    check(d.running, f'limberd exited after {what} (status {d.proc.poll()})')
    check_equal(str(expect_ok(c.call(OBJECT_PATH, PROPERTIES, 'Get', 'ss', (INTERFACE, 'Version'), timeout=10),
                              f'Get Version after {what}')), '0.1.0', f'Version after {what}')


# 1. Wrong types ----------------------------------------------------------------------

def methods_of(c, path, interface):
    import xml.etree.ElementTree as ET
    xml = str(expect_ok(c.call(path, 'org.freedesktop.DBus.Introspectable', 'Introspect'), f'Introspect {path}'))
    for iface in ET.fromstring(xml).iter('interface'):
        if iface.get('name') == interface:
            return {m.get('name'): ''.join(a.get('type') for a in m.findall('arg') if a.get('direction', 'in') == 'in')
                    for m in iface.findall('method')}
    raise TestFailure(f'{interface} not in the introspection of {path}')


# One value for each single-type signature the wrong calls use.
SAMPLE = {'s': 'x', 'u': 7, 't': 7, 'b': True, 'd': 1.5, 'i': -7, 'o': '/x', 'as': ['x'], 'a{ss}': {'a': 'b'}}


def wrong_signatures(signature):
    """Calls that do not match signature: another type, nothing, one argument more."""
    out = []
    other = 'u' if signature != 'u' else 's'
    out.append((other, [SAMPLE[other]]))
    if signature:
        out.append(('', []))
    if signature in ('s', 'st', 'tt', 'b', ''):
        extra = {'s': ['x'], 'st': ['x', 1], 'tt': [1, 2], 'b': [True], '': []}[signature]
        sig = signature + 's'
        out.append((sig, extra + ['surplus']))
    if signature == 'tt':
        out.append(('ss', ['a', 'b']))            # ListSessions with strings
        out.append(('ii', [-1, -2]))
    if signature.startswith('sttd'):
        out.append(('s', ['run']))                # LogActivity with 's' only
        out.append(('sttd', ['run', 1, 2, 3.0]))
        out.append(('sttda{ss}', ['run', 1, 2, 3.0, {'source': 'x'}]))
        out.append(('ttdsa{sv}', [1, 2, 3.0, 'run', {}]))
    return out


def check_wrong_types(c, d, session_path):
    # As a person at a shell would get it wrong.
    for method, sig, args in (('LogActivity', 's', ['run']), ('ListSessions', 'ss', ['today', 'tomorrow']),
                              ('GetSession', 't', [5]), ('SnoozeSession', 's', ['x']), ('ReportIdle', 's', ['yes'])):
        e = d.call_error(method, sig, *args)
        check_equal(e.name, ERROR_INVALID_ARGS, f'busctl call {method} {sig} {args}: error')
        check_in("expecting '", e.message, f'busctl call {method} {sig} {args}: message')

    main = methods_of(c, OBJECT_PATH, INTERFACE)
    check('LogActivity' in main and 'ListSessions' in main, f'methods found by introspection: {sorted(main)}')
    session = methods_of(c, session_path, SESSION_INTERFACE)
    check(session, f'no methods on {session_path}')
    n = 0
    for path, interface, methods in ((OBJECT_PATH, INTERFACE, main), (session_path, SESSION_INTERFACE, session)):
        for method, signature in sorted(methods.items()):
            for sig, args in wrong_signatures(signature):
                what = f'{method}({sig}) on {path} (expects {signature!r})'
                expect_error(c.call(path, interface, method, sig, args), ERROR + 'InvalidArgs', what)
                n += 1
    harness.log(f'{n} calls with wrong signatures: InvalidArgs each')

    for path, interface, prop in ((OBJECT_PATH, INTERFACE, 'Version'), (session_path, SESSION_INTERFACE, 'Id')):
        expect_error(c.call(path, PROPERTIES, 'Get', 's', (interface,)), ERROR + 'InvalidArgs', f'Get(s) on {path}')
        expect_error(c.call(path, PROPERTIES, 'Get', 'su', (interface, 1)), ERROR + 'InvalidArgs',
                     f'Get(su) on {path}')
        expect_error(c.call(path, PROPERTIES, 'Get', 'ss', (interface, 'NoSuchProperty')),
                     ERROR + 'UnknownProperty', f'Get of an unknown property on {path}')
        expect_error(c.call(path, PROPERTIES, 'Get', 'ss', ('org.example.Nope', 'Id')),
                     ERROR + 'UnknownProperty', f'Get on an unknown interface on {path}')
        expect_error(c.call(path, PROPERTIES, 'GetAll', 's', ('org.example.Nope',)), ERROR + 'UnknownInterface',
                     f'GetAll of an unknown interface on {path}')
        expect_error(c.call(path, PROPERTIES, 'GetAll', 'u', (1,)), ERROR + 'InvalidArgs', f'GetAll(u) on {path}')
        # Every property is read-only, which sd-bus says before it looks at the value.
        expect_error(c.call(path, PROPERTIES, 'Set', 'ss', (interface, prop)), ERROR + 'PropertyReadOnly',
                     f'Set(ss) of {prop} on {path}')
        expect_error(c.call(path, PROPERTIES, 'Set', 'ssu', (interface, prop, 1)), ERROR + 'PropertyReadOnly',
                     f'Set(ssu) of {prop} on {path}')
        expect_error(c.call(path, interface, 'NoSuchMethod'), ERROR + 'UnknownMethod', f'an unknown method on {path}')
    import dbus
    expect_error(c.call(OBJECT_PATH, PROPERTIES, 'Set', 'ssv',
                        (INTERFACE, 'Version', dbus.String('9', variant_level=1))),
                 ERROR + 'PropertyReadOnly', 'Set of Version')
    expect_error(c.call(OBJECT_PATH, PROPERTIES, 'Set', 'ssv', (INTERFACE, 'Idle', dbus.UInt32(1, variant_level=1))),
                 ERROR + 'PropertyReadOnly', 'Set of Idle with a u')
    expect_error(c.call(session_path, PROPERTIES, 'Set', 'ssv',
                        (SESSION_INTERFACE, 'Status', dbus.String('completed', variant_level=1))),
                 ERROR + 'PropertyReadOnly', 'Set of a session Status')
    check_equal(str(expect_ok(c.call(session_path, PROPERTIES, 'Get', 'ss', (SESSION_INTERFACE, 'Status')),
                              'Status after the Set')), 'planned', 'Status after a refused Set')
    alive(c, d, 'the calls with wrong types')


# 2. Empty and huge strings -----------------------------------------------------------

def check_strings(c, d, now, session_id):
    import dbus
    start, duration = now - DAY, 30 * 60 * USEC_PER_SEC
    big = 'r' * MIB

    def log(kind='run', extra=None, **kw):
        return c.main('LogActivity', 'sttda{sv}', kind, kw.get('start', start), kw.get('duration', duration),
                      kw.get('distance', 0.0), dbus.Dictionary(extra or {}, signature='sv'))

    expect_error(log(''), ERROR_INVALID_ARGS, 'LogActivity with an empty kind', 'kind')
    expect_error(log(big), ERROR_INVALID_ARGS, 'LogActivity with a 1 MiB kind', 'kind')
    for key in ('source', 'external_id', 'title'):
        expect_error(log(extra={key: ''}), ERROR_INVALID_ARGS, f'LogActivity with an empty {key}', 'extra')
        expect_error(log(extra={key: big}), ERROR_INVALID_ARGS, f'LogActivity with a 1 MiB {key}', 'extra')
        expect_error(log(extra={key: dbus.UInt32(5)}), ERROR_INVALID_ARGS, f'LogActivity with a u as {key}', 'extra')
        expect_error(log(extra={key: dbus.Array(['a'], signature='s')}), ERROR_INVALID_ARGS,
                     f'LogActivity with an as as {key}', 'extra')

    for method, sig, args in (('GetSession', 's', ()), ('CompleteSession', 's', ()), ('SkipSession', 's', ()),
                              ('SnoozeSession', 'st', (0,))):
        for value, what in (('', 'an empty id'), ('x' * 100_000, 'a 100 kB id'), (big, 'a 1 MiB id'),
                            ('../../etc/passwd', 'a path as id'), ("'; DROP TABLE sessions; --", 'SQL as id')):
            expect_error(c.main(method, sig, value, *args), ERROR_INVALID_ARGS, f'{method} with {what}', 'id')
        expect_error(c.main(method, sig, session_id + 'x' * 100_000, *args), ERROR_INVALID_ARGS,
                     f'{method} with a good id and 100 kB more', 'id')

    # Unknown keys are ignored, however many: the activity is stored.
    many = {f'key{i}': f'value{i}' for i in range(10_000)}
    ids = [str(expect_ok(log(extra=dict(many, source='abuse', external_id='many-keys'), start=start),
                         'LogActivity with 10000 entries in extra'))]
    deep = {'nested': dbus.String('deep', variant_level=32), 'source': 'abuse', 'external_id': 'deep'}
    ids.append(str(expect_ok(log(extra=deep, start=start + 3600 * USEC_PER_SEC),
                             'LogActivity with a value 32 variants deep')))
    huge_keys = {('k' * 1000) + str(i): 'v' * 100 for i in range(1000)}
    ids.append(str(expect_ok(log(extra=dict(huge_keys, source='abuse', external_id='huge-keys'),
                                 start=start + 7200 * USEC_PER_SEC),
                             'LogActivity with 1000 keys of 1 kB')))
    alive(c, d, 'the empty and huge strings')
    return ids


# 3. Invalid UTF-8 over a raw socket ---------------------------------------------------

class Marshal:
    """Little-endian D-Bus marshalling of the few types needed, bytes as given."""

    def __init__(self):
        self.b = bytearray()

    def align(self, n):
        self.b += b'\0' * (-len(self.b) % n)

    def byte(self, v):
        self.b.append(v)

    def u32(self, v):
        self.align(4)
        self.b += struct.pack('<I', v)

    def u64(self, v):
        self.align(8)
        self.b += struct.pack('<Q', v)

    def double(self, v):
        self.align(8)
        self.b += struct.pack('<d', v)

    def string(self, raw):
        self.u32(len(raw))
        self.b += raw + b'\0'

    def signature(self, raw):
        self.byte(len(raw))
        self.b += raw + b'\0'


def method_call(serial, dest, path, interface, member, signature, body):
    m = Marshal()
    m.b += b'l' + bytes([1, 0, 1])
    m.u32(len(body))
    m.u32(serial)
    fields_at = len(m.b)
    m.u32(0)
    start = len(m.b)
    for code, sig, value in ((1, b'o', path), (2, b's', interface), (3, b's', member), (6, b's', dest)):
        m.align(8)
        m.byte(code)
        m.signature(sig)
        m.string(value.encode())
    if signature:
        m.align(8)
        m.byte(8)
        m.signature(b'g')
        m.signature(signature.encode())
    m.b[fields_at:fields_at + 4] = struct.pack('<I', len(m.b) - start)
    m.align(8)
    return bytes(m.b) + body


class RawConnection:
    """A D-Bus connection on a bare socket: EXTERNAL auth, Hello, then any bytes."""

    def __init__(self, address, timeout):
        spec = dict(kv.split('=', 1) for kv in address.split(':', 1)[1].split(','))
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(spec['path'] if 'path' in spec else '\0' + spec['abstract'])
        self.buf = b''
        self.serial = 0
        self.sock.sendall(b'\0AUTH EXTERNAL ' + str(os.getuid()).encode().hex().encode() + b'\r\n')
        line = self._line()
        check(line.startswith(b'OK '), f'raw client: auth answered {line!r}')
        self.sock.sendall(b'BEGIN\r\n')
        kind, _, body = self.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'Hello')
        check_equal(kind, 'return', 'raw client: Hello')
        self.name = body[4:4 + struct.unpack('<I', body[:4])[0]].decode()

    def _line(self):
        while b'\r\n' not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise TestFailure('raw client: the bus closed the connection during auth')
            self.buf += chunk
        line, self.buf = self.buf.split(b'\r\n', 1)
        return line

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _message(self):
        """(type, fields {code: value}, body), or None when the bus closed the socket."""
        head = self._read(16)
        if head is None:
            return None
        check_equal(head[:1], b'l', 'raw client: byte order of a message from the bus')
        body_len, _serial, fields_len = struct.unpack('<III', head[4:16])
        rest = self._read(fields_len + (-(16 + fields_len) % 8) + body_len)
        if rest is None:
            return None
        fields, i = {}, 0
        raw = rest[:fields_len]
        while i < len(raw):
            i += -i % 8
            code, slen = raw[i], raw[i + 1]
            sig = raw[i + 2:i + 2 + slen]
            i += 3 + slen
            if sig in (b's', b'o'):
                i += -(i + 16) % 4
                n = struct.unpack('<I', raw[i:i + 4])[0]
                fields[code] = raw[i + 4:i + 4 + n].decode(errors='replace')
                i += 5 + n
            elif sig == b'g':
                n = raw[i]
                fields[code] = raw[i + 1:i + 1 + n].decode()
                i += 2 + n
            elif sig == b'u':
                i += -(i + 16) % 4
                fields[code] = struct.unpack('<I', raw[i:i + 4])[0]
                i += 4
            else:
                raise TestFailure(f'raw client: header field type {sig!r}')
        body = rest[fields_len + (-(16 + fields_len) % 8):]
        return {1: 'call', 2: 'return', 3: 'error', 4: 'signal'}.get(head[1], '?'), fields, body

    def send(self, dest, path, interface, member, signature='', body=b''):
        self.serial += 1
        self.sock.sendall(method_call(self.serial, dest, path, interface, member, signature, body))
        return self.serial

    def reply(self, serial):
        """The reply to serial: (type, fields, body), or None when the bus hung up."""
        while True:
            try:
                m = self._message()
            except (ConnectionResetError, socket.timeout) as e:
                if isinstance(e, socket.timeout):
                    raise TestFailure(f'raw client: no reply to {serial} and no hang-up')
                return None
            if m is None:
                return None
            if m[0] in ('return', 'error') and m[1].get(5) == serial:
                return m

    def call(self, dest, path, interface, member, signature='', body=b''):
        return self.reply(self.send(dest, path, interface, member, signature, body))

    def close(self):
        self.sock.close()


def body_s(raw):
    m = Marshal()
    m.string(raw)
    return bytes(m.b)


def body_log_activity(kind, key=b'source', start=0, entries=None):
    """LogActivity's body; extra holds entries, a list of (key, string value), which
    may repeat a key as no library would."""
    m = Marshal()
    m.string(kind)
    m.u64(start)
    m.u64(1800 * USEC_PER_SEC)
    m.double(0.0)
    dict_entries = Marshal()
    dict_entries.b = bytearray(b'\0' * (len(m.b) + 4 + (-(len(m.b) + 4) % 8)))   # positions as in the body
    head = len(dict_entries.b)
    for k, v in entries if entries is not None else [(key, b'x')]:
        dict_entries.align(8)
        dict_entries.string(k)
        dict_entries.signature(b's')
        dict_entries.string(v)
    entries = dict_entries
    m.u32(len(entries.b) - head)
    m.align(8)
    m.b += entries.b[head:]
    return bytes(m.b)


def check_raw(ctx, bus, d, c, now):
    monitor = ctx.monitor(bus)
    good = RawConnection(bus.address, harness.scaled(10))
    # The control: a well-formed call from the raw client is answered by limberd.
    kind, fields, _ = good.call(BUS_NAME, OBJECT_PATH, INTERFACE, 'GetSession', 's', body_s(b'no_such_session'))
    check_equal((kind, fields.get(4)), ('error', NO_SUCH_SESSION), 'raw client: GetSession of an unknown id')
    kind, fields, body = good.call(BUS_NAME, OBJECT_PATH, INTERFACE, 'LogActivity', 'sttda{sv}',
                                   body_log_activity(b'walk', start=now - 2 * DAY))
    check_equal(kind, 'return', f'raw client: a well-formed LogActivity ({fields.get(4)})')
    raw_ids = [body[4:4 + struct.unpack('<I', body[:4])[0]].decode()]
    # The same keys 1000 times over: the last of each counts.
    repeated = [(k, f'{k.decode()}-{i}'.encode()) for i in range(1000) for k in (b'source', b'external_id', b'title')]
    kind, fields, body = good.call(BUS_NAME, OBJECT_PATH, INTERFACE, 'LogActivity', 'sttda{sv}',
                                   body_log_activity(b'ride', start=now - 3 * DAY, entries=repeated))
    check_equal(kind, 'return', f'raw client: LogActivity with keys repeated 1000 times ({fields.get(4)})')
    raw_ids.append(body[4:4 + struct.unpack('<I', body[:4])[0]].decode())
    listed = {a[0]: a for a in expect_ok(c.main('ListActivities', 'tt', 0, 0), 'ListActivities')}
    check_equal(str(listed[raw_ids[1]][1]), 'source-999', 'source of the activity whose keys were repeated')
    good.close()

    cases = [
        ('GetSession', 's', body_s(b'\xff\xfe'), 'bytes that are never UTF-8'),
        ('GetSession', 's', body_s(b'weekly_\xc0\x80'), 'an overlong NUL'),
        ('GetSession', 's', body_s(b'\xed\xa0\x80'), 'a UTF-16 surrogate'),
        ('GetSession', 's', body_s(b'a\0b'), 'a NUL inside a string'),
        ('GetSession', 's', body_s(b'\xf4\x90\x80\x80'), 'a code point above U+10FFFF'),
        ('GetSession', 's', body_s(b'x')[:-1], 'a string without its NUL'),
        ('GetSession', 's', body_s(b'x') + b'\0' * 8, 'bytes after the arguments'),
        ('GetSession', 's', struct.pack('<I', 1 << 30) + b'x\0', 'a length beyond the body'),
        ('LogActivity', 'sttda{sv}', body_log_activity(b'r\xfcn', start=now - DAY), 'Latin-1 in the kind'),
        ('LogActivity', 'sttda{sv}', body_log_activity(b'run', key=b'sour\xe7e', start=now - DAY),
         'Latin-1 in an a{sv} key'),
        ('GetSession', 'u', body_s(b'x'), 'a body that does not match its signature'),
    ]
    outcomes = {}
    for member, sig, body, what in cases:
        raw = RawConnection(bus.address, harness.scaled(10))
        reply = raw.call(BUS_NAME, OBJECT_PATH, INTERFACE, member, sig, body)
        raw.close()
        if reply is None:
            outcomes[what] = 'disconnected by the bus'
        elif reply[0] == 'error' and reply[1].get(7) == 'org.freedesktop.DBus':
            outcomes[what] = f'error {reply[1].get(4)} from the bus'
        else:
            raise TestFailure(f'raw client, {what}: limberd answered {reply[0]} {reply[1]}')
        check(d.running, f'limberd exited after a message with {what}')
    harness.log('malformed messages: ' + '; '.join(f'{k}: {v}' for k, v in outcomes.items()))
    alive(c, d, 'the malformed messages')

    # What reached limberd: the well-formed calls, none of the malformed ones. The
    # monitor writes what it sees a little after it happens: wait for the last one.
    def payloads():
        to_limberd = [m for m in monitor.messages() if m.get('type') == 'method_call'
                      and m.get('path') == OBJECT_PATH and m.get('member') in ('GetSession', 'LogActivity')
                      and m.get('sender', '').startswith(':')]
        return [m.get('payload', {}).get('data', [None])[0] for m in to_limberd]
    harness.wait_until(lambda: {'no_such_session', 'walk', 'ride'} <= set(payloads()), 10,
                       what=f'busctl monitor to see the raw client\'s well-formed calls')
    payloads = payloads()
    bad = [p for p in payloads if p not in ('no_such_session', 'walk', 'ride')]
    check(not bad, f'malformed messages reached limberd: {bad}')
    monitor.close()
    return raw_ids, outcomes


# 4. Out-of-range times and doubles ---------------------------------------------------

def check_ranges(c, d, now, session_id, stored_ids):
    import dbus
    before_2000 = 946684800 * USEC_PER_SEC - 1
    year_9999 = 253402300799 * USEC_PER_SEC
    start, duration = now - DAY, 1800 * USEC_PER_SEC

    def log(start=start, duration=duration, distance=0.0, kind='run'):
        return c.main('LogActivity', 'sttda{sv}', kind, dbus.UInt64(start), dbus.UInt64(duration),
                      dbus.Double(distance), dbus.Dictionary({}, signature='sv'))

    for value, what in ((0, '0'), (1, '1 µs after 1970'), (before_2000, 'before 2000'), (now + DAY, 'tomorrow'),
                        (year_9999, 'the year 9999'), (2**63, '2^63'), (U64_MAX, '2^64-1')):
        expect_error(log(start=value), ERROR_INVALID_ARGS, f'LogActivity starting at {what}', 'start')
    for value, what in ((0, '0'), (7 * DAY + 1, 'a week and 1 µs'), (2**63, '2^63'), (U64_MAX, '2^64-1')):
        expect_error(log(duration=value), ERROR_INVALID_ARGS, f'LogActivity lasting {what}', 'duration')
    for value in (float('nan'), float('inf'), float('-inf'), -1.0, -1e-300, 1e308, 1.7976931348623157e308):
        expect_error(log(distance=value), ERROR_INVALID_ARGS, f'LogActivity with distance {value!r}', 'distance_m')

    # Valid bounds give results; a range that ends before it starts is refused.
    all_sessions = expect_ok(c.main('ListSessions', 'tt', 0, 0), 'ListSessions(0, 0)')
    check(all_sessions, 'no sessions planned')
    all_activities = expect_ok(c.main('ListActivities', 'tt', 0, 0), 'ListActivities(0, 0)')
    check_equal(sorted(str(a[0]) for a in all_activities), sorted(stored_ids), 'activities stored by the abuse')
    for method, everything in (('ListSessions', all_sessions), ('ListActivities', all_activities)):
        for frm, until, expected, what in ((0, U64_MAX, everything, '0, 2^64-1'), (U64_MAX, 0, [], '2^64-1, 0'),
                                           (U64_MAX, U64_MAX, [], '2^64-1, 2^64-1'), (2**63, 0, [], '2^63, 0'),
                                           (year_9999, 0, [], '9999, 0'), (0, 1, [], '0, 1'),
                                           (1, 2**63, everything, '1, 2^63')):
            got = expect_ok(c.main(method, 'tt', dbus.UInt64(frm), dbus.UInt64(until)), f'{method}({what})')
            check_equal(len(got), len(expected), f'length of {method}({what})')
            check_equal(got, expected, f'{method}({what})')
        for frm, until, what in ((U64_MAX, 1, '2^64-1, 1'), (now, now - 1, 'now, now-1'),
                                 (2**63, 2**63 - 1, '2^63, 2^63-1')):
            expect_error(c.main(method, 'tt', dbus.UInt64(frm), dbus.UInt64(until)), ERROR_INVALID_ARGS,
                         f'{method}({what})', 'until')

    path = f'{SESSION_PREFIX}/{session_id}'
    for value, what in ((24 * 3600 * USEC_PER_SEC + 1, 'a day and 1 µs'), (2**63, '2^63'), (U64_MAX, '2^64-1')):
        expect_error(c.main('SnoozeSession', 'st', session_id, dbus.UInt64(value)), ERROR_INVALID_ARGS,
                     f'SnoozeSession by {what}', 'by')
        expect_error(c.call(path, SESSION_INTERFACE, 'Snooze', 't', (dbus.UInt64(value),)), ERROR_INVALID_ARGS,
                     f'Snooze by {what} on the session object', 'by')
    status = str(expect_ok(c.main('GetSession', 's', session_id), 'GetSession')['Status'])
    check_equal(status, 'planned', f'status of {session_id} after the refused snoozes')
    check_equal(expect_ok(c.main('ListActivities', 'tt', 0, 0), 'ListActivities after the bad times'),
                all_activities, 'activities after the bad times and doubles (none stored)')
    alive(c, d, 'the out-of-range times')


# 5. Object paths ---------------------------------------------------------------------

def check_paths(c, d, session_id):
    good = f'{SESSION_PREFIX}/{session_id}'
    for path, what in ((f'{SESSION_PREFIX}/does_not_exist', 'an unknown session'),
                       (f'{SESSION_PREFIX}/{session_id}/deeper', 'a path below a session'),
                       (f'{SESSION_PREFIX}/a/b/c', 'a deep unknown path'),
                       (f'{SESSION_PREFIX}/_2e_2e', 'an escaped ..'),
                       (f'{SESSION_PREFIX}/{"x" * 60_000}', 'a 60 kB path')):
        expect_error(c.call(path, PROPERTIES, 'Get', 'ss', (SESSION_INTERFACE, 'Status')),
                     ERROR + 'UnknownObject', f'Get Status of {what}')
        expect_error(c.call(path, PROPERTIES, 'GetAll', 's', (SESSION_INTERFACE,)),
                     ERROR + 'UnknownObject', f'GetAll of {what}')
        expect_error(c.call(path, SESSION_INTERFACE, 'Complete'), ERROR + 'UnknownObject', f'Complete of {what}')
    expect_error(c.call(good, PROPERTIES, 'Get', 'ss', (SESSION_INTERFACE, 'NoSuchProperty')),
                 ERROR + 'UnknownProperty', 'Get of an unknown session property')
    expect_error(c.call(OBJECT_PATH, PROPERTIES, 'Get', 'ss', (SESSION_INTERFACE, 'Status')),
                 ERROR + 'UnknownProperty', "Get of a session's property on the main object")
    # The folder is a node (it lists the sessions), with no Session interface of its own.
    expect_error(c.call(SESSION_PREFIX, SESSION_INTERFACE, 'Complete'), ERROR + 'UnknownMethod',
                 'Complete on the session folder')

    # Beyond BUS_PATH_SIZE_MAX (64 KiB) sd-bus drops the message as invalid, unanswered.
    t0 = time.monotonic()
    reply = c.call(f'{SESSION_PREFIX}/{"x" * 100_000}', PROPERTIES, 'Get', 'ss', (SESSION_INTERFACE, 'Status'),
                   timeout=2)
    check(reply[0] == 'error', f'a 100 kB path got a result: {reply}')
    harness.log(f'a 100 kB object path: {reply[1]} after {time.monotonic() - t0:.1f} s '
                '(sd-bus drops paths over 64 KiB unanswered)')
    alive(c, d, 'the bad object paths')


# 6. The flood ------------------------------------------------------------------------

def flood_calls(session_id):
    """(name, path, interface, method, signature, args, expected error or None)."""
    p = f'{SESSION_PREFIX}/{session_id}'
    return [
        ('Get Version', OBJECT_PATH, PROPERTIES, 'Get', 'ss', [INTERFACE, 'Version'], None),
        ('Get NextSessionId', OBJECT_PATH, PROPERTIES, 'Get', 'ss', [INTERFACE, 'NextSessionId'], None),
        ('GetAll', OBJECT_PATH, PROPERTIES, 'GetAll', 's', [INTERFACE], None),
        ('ListSessions', OBJECT_PATH, INTERFACE, 'ListSessions', 'tt', [0, 0], None),
        ('ListActivities', OBJECT_PATH, INTERFACE, 'ListActivities', 'tt', [0, 0], None),
        ('GetSession', OBJECT_PATH, INTERFACE, 'GetSession', 's', [session_id], None),
        ('GetSession unknown', OBJECT_PATH, INTERFACE, 'GetSession', 's', ['weekly_20000103_0'], NO_SUCH_SESSION),
        ('GetSession malformed', OBJECT_PATH, INTERFACE, 'GetSession', 's', ['not an id'], ERROR_INVALID_ARGS),
        ('ListSessions backwards', OBJECT_PATH, INTERFACE, 'ListSessions', 'tt', [2, 1], ERROR_INVALID_ARGS),
        ('session Status', p, PROPERTIES, 'Get', 'ss', [SESSION_INTERFACE, 'Status'], None),
        ('unknown object', f'{SESSION_PREFIX}/does_not_exist', PROPERTIES, 'Get', 'ss',
         [SESSION_INTERFACE, 'Status'], ERROR + 'UnknownObject'),
        ('Introspect', OBJECT_PATH, 'org.freedesktop.DBus.Introspectable', 'Introspect', '', [], None),
        ('GetManagedObjects', OBJECT_PATH, 'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects', '', [], None),
    ]


def flood_client(address, count, session_id):
    """Run as a separate process: sends count calls at once, then waits for every answer;
    prints {name: {'sent': n, 'ok': n, error name: n}}."""
    import dbus
    import dbus.bus
    import dbus.mainloop.glib
    from gi.repository import GLib

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    conn = dbus.bus.BusConnection(address)
    loop = GLib.MainLoop()
    calls = flood_calls(session_id)
    tally = {c[0]: {'sent': 0} for c in calls}
    left = [count]

    def answered(name, key):
        tally[name][key] = tally[name].get(key, 0) + 1
        left[0] -= 1
        if left[0] == 0:
            loop.quit()

    for i in range(count):
        name, path, interface, method, signature, args, _ = calls[i % len(calls)]
        tally[name]['sent'] += 1
        conn.call_async(BUS_NAME, path, interface, method, signature, args,
                        reply_handler=lambda *a, n=name: answered(n, 'ok'),
                        error_handler=lambda e, n=name: answered(n, e.get_dbus_name()),
                        timeout=120)
    GLib.timeout_add_seconds(int(harness.scaled(50)), loop.quit)
    loop.run()
    conn.close()
    print(json.dumps(tally))


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise TestFailure(f'no VmRSS for {pid}')


def settled_rss(d, c):
    """VmRSS once limberd has been quiet for a while: a few calls, then a pause."""
    for _ in range(3):
        alive(c, d, 'a flood')
    time.sleep(3)
    return rss_kib(d.pid)


def flood(ctx, bus, d, session_id, round_no):
    me = os.path.abspath(__file__)
    procs = []
    t0 = time.monotonic()
    for k in range(CLIENTS):
        out = os.path.join(ctx.root, f'flood-{round_no}-{k}.json')
        err = os.path.join(ctx.root, f'flood-{round_no}-{k}.stderr')
        with open(out, 'wb') as o, open(err, 'wb') as e:
            procs.append((subprocess.Popen([sys.executable, me, '--flood', bus.address, str(CALLS), session_id],
                                           stdout=o, stderr=e, env=harness._base_env(),
                                           preexec_fn=harness._die_with_parent), out, err))
    peak = 0
    while any(p.poll() is None for p, _, _ in procs):
        if time.monotonic() - t0 > harness.scaled(55):
            for p, _, _ in procs:
                p.kill()
            raise TestFailure(f'flood {round_no}: the clients did not finish in time')
        if d.running:
            peak = max(peak, rss_kib(d.pid))
        time.sleep(0.05)
    elapsed = time.monotonic() - t0
    expected = {c[0]: c[6] for c in flood_calls(session_id)}
    total = 0
    for k, (p, out, err) in enumerate(procs):
        check_equal(p.returncode, 0, f'flood {round_no}: exit status of client {k}: {harness.read_text(err)}')
        tally = json.loads(harness.read_text(out))
        for name, t in tally.items():
            want = expected[name] or 'ok'
            answers = {key: n for key, n in t.items() if key != 'sent'}
            check_equal(answers, {want: t['sent']}, f'flood {round_no}, client {k}: answers to {name!r} '
                                                    f'({t["sent"]} sent)')
            total += t['sent']
    check_equal(total, CLIENTS * CALLS, f'flood {round_no}: calls sent')
    check(d.running, f'limberd exited during flood {round_no}')
    harness.log(f'flood {round_no}: {total} calls from {CLIENTS} clients answered in {elapsed:.1f} s, '
                f'peak VmRSS {peak} KiB')


def check_flood(ctx, bus, d, c, session_id):
    baseline = settled_rss(d, c)
    rss = []
    for i in range(1, FLOODS + 1):
        flood(ctx, bus, d, session_id, i)
        rss.append(settled_rss(d, c))
    harness.log(f'VmRSS: baseline {baseline} KiB, after the floods {rss} KiB')

    def slack(base):
        return max(SLACK_KIB, int(base * SLACK_FRACTION))
    check(rss[0] <= baseline + slack(baseline),
          f'VmRSS after the first flood: {rss[0]} KiB, more than the baseline {baseline} KiB + {slack(baseline)} KiB')
    check(rss[-1] <= rss[0] + slack(rss[0]),
          f'VmRSS grows with each flood: {rss} KiB (slack {slack(rss[0])} KiB): a leak per call?')


# -------------------------------------------------------------------------------------

def test(ctx):
    require_dbus()
    bus = SessionLimitsBus(os.path.join(ctx.root, 'bus'))
    ctx.buses.append(bus)
    # ASan's quarantine holds freed memory back (256 MiB by default), which VmRSS would
    # count as growth; a small one keeps use-after-free detection and a meaningful RSS.
    env = {'ASAN_OPTIONS': os.environ.get('ASAN_OPTIONS', '') + ':quarantine_size_mb=1'}
    d = ctx.daemon(bus, config='[feed]\nhttp = off\n[mobility]\nnotify = false\n', env=env).start()
    c = Client(bus.address)
    ctx.cleanups.append(c.close)
    now = harness.now_usec() // USEC_PER_SEC * USEC_PER_SEC

    sessions = expect_ok(c.main('ListSessions', 'tt', 0, 0), 'ListSessions')
    planned = [str(s[0]) for s in sessions if str(s[2]) == 'planned']
    check(planned, f'no planned session: {sessions}')
    session_id = planned[-1]
    session_path = f'{SESSION_PREFIX}/{session_id}'

    check_wrong_types(c, d, session_path)
    stored = check_strings(c, d, now, session_id)
    raw_ids, _ = check_raw(ctx, bus, d, c, now)
    stored += raw_ids
    check_ranges(c, d, now, session_id, stored)
    check_paths(c, d, session_id)
    check_flood(ctx, bus, d, c, session_id)

    check_equal(d.stop(), 0, 'exit status of limberd after the abuse (LeakSanitizer runs at exit)')
    check('ERROR: AddressSanitizer' not in d.stderr() and 'runtime error' not in d.stderr(),
          'sanitizer reports in limberd stderr')


if __name__ == '__main__':
    if len(sys.argv) == 5 and sys.argv[1] == '--flood':
        flood_client(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        harness.main(test)
