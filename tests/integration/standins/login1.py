#!/usr/bin/python3
"""A stand-in for systemd-logind (org.freedesktop.login1) on a private "system" bus.

The Manager at /org/freedesktop/login1 answers GetSession and ListSessions and sends
SessionNew, SessionRemoved and PrepareForSleep. One display session, id "2", lives at
/org/freedesktop/login1/session/_32 (logind escapes the id in the path) with the
Session interface's properties, among them IdleHint, IdleSinceHint (CLOCK_REALTIME µs),
IdleSinceHintMonotonic and LockedHint, announced with PropertiesChanged on that path
only; SetIdleHint and SetLockedHint work as in logind. GetSession("auto") returns that
session (the caller, a user service, is in none); "self" fails with NoSessionForPID.

org.limber.Test.Control at /org/limber/Test:
  SetIdle(b idle, t since)   IdleHint and IdleSinceHint (since 0: now), in one signal
  PrepareForSleep(b start)   sends the Manager's PrepareForSleep
  AddSession(), RemoveSession()   the display session comes (active, unlocked) and
                             goes (SessionNew, SessionRemoved)
  Quit()                     leaves the bus

Options: --no-session (start without the session), --idle, --locked."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dbus  # noqa: E402
import dbus.service  # noqa: E402
import standin  # noqa: E402

NAME = 'org.freedesktop.login1'
MANAGER_PATH = '/org/freedesktop/login1'
MANAGER_INTERFACE = 'org.freedesktop.login1.Manager'
SESSION_INTERFACE = 'org.freedesktop.login1.Session'
PROPERTIES_INTERFACE = 'org.freedesktop.DBus.Properties'
SESSION_ID = '2'
SESSION_PATH = '/org/freedesktop/login1/session/_32'
USER_PATH = f'/org/freedesktop/login1/user/_{os.getuid()}'

NoSessionForPID = standin.error('org.freedesktop.login1.NoSessionForPID')
NoSuchSession = standin.error('org.freedesktop.login1.NoSuchSession')
UnknownInterface = standin.error('org.freedesktop.DBus.Error.UnknownInterface')
UnknownProperty = standin.error('org.freedesktop.DBus.Error.UnknownProperty')
PropertyReadOnly = standin.error('org.freedesktop.DBus.Error.PropertyReadOnly')


class Session(dbus.service.Object):
    def __init__(self, bus, idle, locked):
        super().__init__(bus, SESSION_PATH)
        now, mono = standin.realtime_usec(), standin.monotonic_usec()
        self.props = {
            'Id': dbus.String(SESSION_ID),
            'User': dbus.Struct((dbus.UInt32(os.getuid()), dbus.ObjectPath(USER_PATH)), signature='uo'),
            'Name': dbus.String('user'),
            'Timestamp': dbus.UInt64(now),
            'TimestampMonotonic': dbus.UInt64(mono),
            'VTNr': dbus.UInt32(2),
            'Seat': dbus.Struct(('seat0', dbus.ObjectPath('/org/freedesktop/login1/seat/seat0')), signature='so'),
            'TTY': dbus.String('tty2'),
            'Display': dbus.String(''),
            'Remote': dbus.Boolean(False),
            'Service': dbus.String('gdm-password'),
            'Desktop': dbus.String('GNOME'),
            'Scope': dbus.String('session-2.scope'),
            'Leader': dbus.UInt32(1234),
            'Type': dbus.String('wayland'),
            'Class': dbus.String('user'),
            'Active': dbus.Boolean(True),
            'State': dbus.String('active'),
            'IdleHint': dbus.Boolean(idle),
            'IdleSinceHint': dbus.UInt64(now if idle else 0),
            'IdleSinceHintMonotonic': dbus.UInt64(mono if idle else 0),
            'LockedHint': dbus.Boolean(locked),
        }

    def set(self, **changes):
        for k, v in changes.items():
            self.props[k] = type(self.props[k])(v)
        self.PropertiesChanged(SESSION_INTERFACE, {k: self.props[k] for k in changes}, dbus.Array([], 's'))

    def set_idle(self, idle, since=0):
        since = since or standin.realtime_usec()
        mono = standin.monotonic_usec() - max(0, standin.realtime_usec() - since)
        self.set(IdleHint=idle, IdleSinceHint=since, IdleSinceHintMonotonic=mono)

    # org.freedesktop.DBus.Properties

    @dbus.service.method(PROPERTIES_INTERFACE, in_signature='ss', out_signature='v')
    def Get(self, interface, name):
        if interface != SESSION_INTERFACE:
            raise UnknownInterface(f'Unknown interface {interface}.')
        if name not in self.props:
            raise UnknownProperty(f'Unknown property {name}.')
        return self.props[name]

    @dbus.service.method(PROPERTIES_INTERFACE, in_signature='s', out_signature='a{sv}')
    def GetAll(self, interface):
        if interface not in ('', SESSION_INTERFACE):
            raise UnknownInterface(f'Unknown interface {interface}.')
        return dbus.Dictionary(self.props, signature='sv')

    @dbus.service.method(PROPERTIES_INTERFACE, in_signature='ssv', out_signature='')
    def Set(self, interface, name, value):
        raise PropertyReadOnly(f'Property {name} is read-only.')

    @dbus.service.signal(PROPERTIES_INTERFACE, signature='sa{sv}as')
    def PropertiesChanged(self, interface, changed, invalidated):
        pass

    # org.freedesktop.login1.Session

    @dbus.service.method(SESSION_INTERFACE, in_signature='b', out_signature='')
    def SetIdleHint(self, idle):
        if bool(idle) != bool(self.props['IdleHint']):
            self.set_idle(bool(idle))

    @dbus.service.method(SESSION_INTERFACE, in_signature='b', out_signature='')
    def SetLockedHint(self, locked):
        if bool(locked) != bool(self.props['LockedHint']):
            self.set(LockedHint=bool(locked))


class Manager(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, MANAGER_PATH)
        self.session = None

    @dbus.service.method(MANAGER_INTERFACE, in_signature='s', out_signature='o')
    def GetSession(self, session_id):
        if session_id == 'self' or (session_id == 'auto' and not self.session):
            raise NoSessionForPID("Caller does not belong to any known session and doesn't own any "
                                  "suitable session.")
        if session_id in ('auto', SESSION_ID) and self.session:
            return dbus.ObjectPath(SESSION_PATH)
        raise NoSuchSession(f"No session '{session_id}' known")

    @dbus.service.method(MANAGER_INTERFACE, in_signature='', out_signature='a(susso)')
    def ListSessions(self):
        if not self.session:
            return dbus.Array([], signature='(susso)')
        return [(SESSION_ID, dbus.UInt32(os.getuid()), 'user', 'seat0', dbus.ObjectPath(SESSION_PATH))]

    @dbus.service.signal(MANAGER_INTERFACE, signature='so')
    def SessionNew(self, session_id, path):
        pass

    @dbus.service.signal(MANAGER_INTERFACE, signature='so')
    def SessionRemoved(self, session_id, path):
        pass

    @dbus.service.signal(MANAGER_INTERFACE, signature='b')
    def PrepareForSleep(self, start):
        pass

    @dbus.service.signal(MANAGER_INTERFACE, signature='b')
    def PrepareForShutdown(self, start):
        pass


class Control(standin.Control):
    def __init__(self, service, manager):
        super().__init__(service)
        self.manager = manager

    @dbus.service.method(standin.CONTROL_INTERFACE, in_signature='bt', out_signature='')
    def SetIdle(self, idle, since):
        self.manager.session.set_idle(bool(idle), int(since))

    @dbus.service.method(standin.CONTROL_INTERFACE, in_signature='b', out_signature='')
    def PrepareForSleep(self, start):
        self.manager.PrepareForSleep(bool(start))

    @dbus.service.method(standin.CONTROL_INTERFACE, in_signature='', out_signature='')
    def AddSession(self):
        if not self.manager.session:
            self.manager.session = Session(self.service.bus, idle=False, locked=False)
            self.manager.SessionNew(SESSION_ID, dbus.ObjectPath(SESSION_PATH))

    @dbus.service.method(standin.CONTROL_INTERFACE, in_signature='', out_signature='')
    def RemoveSession(self):
        if self.manager.session:
            self.manager.session.remove_from_connection()
            self.manager.session = None
            self.manager.SessionRemoved(SESSION_ID, dbus.ObjectPath(SESSION_PATH))


def main():
    p = standin.arguments('A stand-in for systemd-logind.')
    p.add_argument('--no-session', action='store_true')
    p.add_argument('--idle', action='store_true')
    p.add_argument('--locked', action='store_true')
    args = p.parse_args()

    service = standin.Service(args.address)
    manager = Manager(service.bus)
    if not args.no_session:
        manager.session = Session(service.bus, args.idle, args.locked)
    Control(service, manager)
    service.own(NAME)
    service.run()


if __name__ == '__main__':
    main()
