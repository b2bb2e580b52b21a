#!/usr/bin/python3
"""A stand-in for org.freedesktop.ScreenSaver on a private session bus, in the flavours
the desktops offer.

Interface org.freedesktop.ScreenSaver as Plasma's kscreenlocker has it: Lock(),
SimulateUserActivity(), GetActive() -> b, GetActiveTime() -> u, GetSessionIdleTime() -> u,
SetActive(b) -> b, Inhibit(s, s) -> u, UnInhibit(u), Throttle(s, s) -> u, UnThrottle(u),
and the signal ActiveChanged(b), sent on every path the object is at.

--flavour:
  freedesktop   /org/freedesktop/ScreenSaver; idle time in seconds, as the
                specification says (LXQt, Xfce)
  old           the same at /ScreenSaver only
  plasma-x11    both paths, idle time in milliseconds (KIdleTime), and the connection
                also owns org.kde.screensaver
  plasma-wayland  both paths, org.kde.screensaver; GetSessionIdleTime answers
                org.freedesktop.DBus.Error.NotSupported
  gnome         GNOME's proxy: /org/freedesktop/ScreenSaver with Inhibit and UnInhibit
                only (anything else is an unknown method), and no ActiveChanged
Input is faked: typing (idle time 0) or away since a moment.

org.limber.Test.Control at /org/limber/Test:
  SetTyping(b)          start or stop typing
  SetIdletime(t ms)     away since ms ago
  SetActive(b)          the screen saver comes up or goes away (ActiveChanged)
  Calls(s method) -> u  how often a method of the interface was called
  Quit()                leaves the bus

Options: --active (the screen saver is up at start), --idle-ms N (away at start)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dbus  # noqa: E402
import dbus.service  # noqa: E402
import standin  # noqa: E402

NAME = 'org.freedesktop.ScreenSaver'
KDE_NAME = 'org.kde.screensaver'
INTERFACE = 'org.freedesktop.ScreenSaver'
PATHS = {
    'freedesktop': ['/org/freedesktop/ScreenSaver'],
    'old': ['/ScreenSaver'],
    'plasma-x11': ['/ScreenSaver', '/org/freedesktop/ScreenSaver'],
    'plasma-wayland': ['/ScreenSaver', '/org/freedesktop/ScreenSaver'],
    'gnome': ['/org/freedesktop/ScreenSaver'],
}

NotSupported = standin.error('org.freedesktop.DBus.Error.NotSupported')


class State:
    def __init__(self, flavour, active, idle_ms):
        self.flavour = flavour
        self.active = active
        self.active_since = standin.monotonic_msec()
        self.typing = idle_ms is None
        self.last_input = standin.monotonic_msec() - (idle_ms or 0)
        self.calls = {}

    def count(self, method):
        self.calls[method] = self.calls.get(method, 0) + 1

    def idle_ms(self):
        return 0 if self.typing else max(0, standin.monotonic_msec() - self.last_input)


class ScreenSaver(dbus.service.Object):
    SUPPORTS_MULTIPLE_OBJECT_PATHS = True

    def __init__(self, bus, state):
        super().__init__()
        self.state = state
        self.cookie = 7000
        for path in PATHS[state.flavour]:
            self.add_to_connection(bus, path)

    @dbus.service.method(INTERFACE, in_signature='', out_signature='')
    def Lock(self):
        self.state.count('Lock')
        self.set_active(True)

    @dbus.service.method(INTERFACE, in_signature='', out_signature='')
    def SimulateUserActivity(self):
        self.state.count('SimulateUserActivity')
        self.state.last_input = standin.monotonic_msec()

    @dbus.service.method(INTERFACE, in_signature='', out_signature='b')
    def GetActive(self):
        self.state.count('GetActive')
        return dbus.Boolean(self.state.active)

    @dbus.service.method(INTERFACE, in_signature='', out_signature='u')
    def GetActiveTime(self):
        self.state.count('GetActiveTime')
        if not self.state.active:
            return dbus.UInt32(0)
        ms = standin.monotonic_msec() - self.state.active_since
        return dbus.UInt32(ms if self.state.flavour.startswith('plasma') else ms // 1000)

    @dbus.service.method(INTERFACE, in_signature='', out_signature='u')
    def GetSessionIdleTime(self):
        self.state.count('GetSessionIdleTime')
        if self.state.flavour == 'plasma-wayland':
            raise NotSupported('GetSessionIdleTime is not supported on this platform')
        ms = self.state.idle_ms()
        return dbus.UInt32(ms if self.state.flavour == 'plasma-x11' else ms // 1000)

    @dbus.service.method(INTERFACE, in_signature='b', out_signature='b')
    def SetActive(self, active):
        self.state.count('SetActive')
        if active:
            self.set_active(True)
            return True
        return False

    @dbus.service.method(INTERFACE, in_signature='ss', out_signature='u')
    def Inhibit(self, application_name, reason_for_inhibit):
        self.state.count('Inhibit')
        self.cookie += 1
        return dbus.UInt32(self.cookie)

    @dbus.service.method(INTERFACE, in_signature='u', out_signature='')
    def UnInhibit(self, cookie):
        self.state.count('UnInhibit')

    @dbus.service.method(INTERFACE, in_signature='ss', out_signature='u')
    def Throttle(self, application_name, reason_for_inhibit):
        self.state.count('Throttle')
        return dbus.UInt32(0)

    @dbus.service.method(INTERFACE, in_signature='u', out_signature='')
    def UnThrottle(self, cookie):
        self.state.count('UnThrottle')

    @dbus.service.signal(INTERFACE, signature='b')
    def ActiveChanged(self, active):
        pass

    def set_active(self, active):
        if active == self.state.active:
            return
        self.state.active = active
        self.state.active_since = standin.monotonic_msec()
        if not active:
            # Unlocking is input.
            self.state.last_input = standin.monotonic_msec()
        self.ActiveChanged(dbus.Boolean(active))


class GnomeProxy(dbus.service.Object):
    """gsd-screensaver-proxy: Inhibit and UnInhibit, nothing else."""

    def __init__(self, bus, state):
        super().__init__(bus, PATHS['gnome'][0])
        self.state = state
        self.cookie = 0

    @dbus.service.method(INTERFACE, in_signature='ss', out_signature='u')
    def Inhibit(self, application_name, reason_for_inhibit):
        self.state.count('Inhibit')
        self.cookie += 1
        return dbus.UInt32(self.cookie)

    @dbus.service.method(INTERFACE, in_signature='u', out_signature='')
    def UnInhibit(self, cookie):
        self.state.count('UnInhibit')

    def set_active(self, active):
        self.state.active = active      # GNOME's proxy sends no ActiveChanged


class Control(standin.Control):
    def __init__(self, service, state, saver):
        super().__init__(service)
        self.state = state
        self.saver = saver

    @dbus.service.method(standin.CONTROL_INTERFACE, in_signature='b', out_signature='')
    def SetTyping(self, typing):
        if bool(typing) != self.state.typing:
            self.state.typing = bool(typing)
            self.state.last_input = standin.monotonic_msec()

    @dbus.service.method(standin.CONTROL_INTERFACE, in_signature='t', out_signature='')
    def SetIdletime(self, ms):
        self.state.typing = False
        self.state.last_input = standin.monotonic_msec() - int(ms)

    @dbus.service.method(standin.CONTROL_INTERFACE, in_signature='b', out_signature='')
    def SetActive(self, active):
        self.saver.set_active(bool(active))

    @dbus.service.method(standin.CONTROL_INTERFACE, in_signature='s', out_signature='u')
    def Calls(self, method):
        return dbus.UInt32(self.state.calls.get(method, 0))


def main():
    p = standin.arguments('A stand-in for org.freedesktop.ScreenSaver.')
    p.add_argument('--flavour', choices=sorted(PATHS), default='freedesktop')
    p.add_argument('--active', action='store_true')
    p.add_argument('--idle-ms', type=int, default=None)
    args = p.parse_args()

    service = standin.Service(args.address)
    state = State(args.flavour, args.active, args.idle_ms)
    saver = (GnomeProxy if args.flavour == 'gnome' else ScreenSaver)(service.bus, state)
    Control(service, state, saver)
    if args.flavour.startswith('plasma'):
        service.own(NAME, KDE_NAME)
    else:
        service.own(NAME)
    service.run()


if __name__ == '__main__':
    main()
