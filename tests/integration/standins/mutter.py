#!/usr/bin/python3
"""A stand-in for Mutter's idle monitor (org.gnome.Mutter.IdleMonitor) on a private
session bus.

/org/gnome/Mutter/IdleMonitor/Core, interface org.gnome.Mutter.IdleMonitor, as Mutter
has it: GetIdletime() -> t (ms), AddIdleWatch(t interval) -> u, AddUserActiveWatch() -> u,
RemoveWatch(u), ResetIdletime(), and WatchFired(u) sent to the watch's owner alone. An
idle watch fires each time the idle time reaches its interval (at once when added past
it); a user-active watch fires once, at the next input, and is gone. A client's watches
go when it leaves the bus.

Input is faked: the user is typing (idle time 0, every moment is input) or away since a
moment (idle time counts from it).

org.limber.Test.Control at /org/limber/Test:
  SetTyping(b)          start or stop typing (stopping starts the idle time)
  SetIdletime(t ms)     away since ms ago
  Watches() -> a(usst)  every watch: id, kind (idle, active), owner, interval ms
  Quit()                leaves the bus

Options: --idle-ms N (start away since N ms ago; default: typing)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dbus  # noqa: E402
import dbus.service  # noqa: E402
import standin  # noqa: E402
from gi.repository import GLib  # noqa: E402

NAME = 'org.gnome.Mutter.IdleMonitor'
PATH = '/org/gnome/Mutter/IdleMonitor/Core'
INTERFACE = 'org.gnome.Mutter.IdleMonitor'

InvalidArgs = standin.error('org.freedesktop.DBus.Error.InvalidArgs')


class Watch:
    def __init__(self, wid, kind, owner, interval):
        self.id, self.kind, self.owner, self.interval = wid, kind, owner, interval
        self.fired = False      # idle watches: fired in this idle period
        self.source = 0


class IdleMonitor(dbus.service.Object):
    def __init__(self, service, idle_ms):
        super().__init__(service.bus, PATH)
        self.service = service
        self.watches = {}
        self.next_id = 1
        self.owner_matches = {}
        self.typing = idle_ms is None
        self.last_input = standin.monotonic_msec() - (idle_ms or 0)

    def idletime(self):
        return 0 if self.typing else max(0, standin.monotonic_msec() - self.last_input)

    def fire(self, w):
        w.source = 0
        if w.id not in self.watches:
            return False
        self.service.send_signal_to(w.owner, PATH, INTERFACE, 'WatchFired', 'u', dbus.UInt32(w.id))
        if w.kind == 'active':
            self.remove(w.id)
        else:
            w.fired = True
        return False

    def schedule(self, w):
        if w.source:
            GLib.source_remove(w.source)
            w.source = 0
        if w.kind != 'idle' or self.typing or w.fired:
            return
        w.source = GLib.timeout_add(max(0, w.interval - self.idletime()), self.fire, w)

    def input(self):
        """One input event: the active watches fire, the idle period starts over."""
        self.last_input = standin.monotonic_msec()
        for w in list(self.watches.values()):
            if w.kind == 'active':
                self.fire(w)
            else:
                w.fired = False
                self.schedule(w)

    def remove(self, wid):
        w = self.watches.pop(wid, None)
        if w and w.source:
            GLib.source_remove(w.source)

    def add(self, kind, owner, interval):
        w = Watch(self.next_id, kind, owner, interval)
        self.next_id += 1
        self.watches[w.id] = w
        if owner not in self.owner_matches:
            self.owner_matches[owner] = self.service.bus.watch_name_owner(
                owner, lambda new, owner=owner: self.owner_changed(owner, new))
        return w

    def owner_changed(self, owner, new):
        if new:
            return
        for w in [w for w in self.watches.values() if w.owner == owner]:
            self.remove(w.id)
        m = self.owner_matches.pop(owner, None)
        if m:
            m.cancel()

    @dbus.service.method(INTERFACE, in_signature='', out_signature='t')
    def GetIdletime(self):
        return dbus.UInt64(self.idletime())

    @dbus.service.method(INTERFACE, in_signature='t', out_signature='u', sender_keyword='sender')
    def AddIdleWatch(self, interval, sender=None):
        if interval == 0:
            raise InvalidArgs('Invalid interval')
        w = self.add('idle', sender, int(interval))
        self.schedule(w)
        return dbus.UInt32(w.id)

    @dbus.service.method(INTERFACE, in_signature='', out_signature='u', sender_keyword='sender')
    def AddUserActiveWatch(self, sender=None):
        w = self.add('active', sender, 0)
        if self.typing:
            # The next input comes at once.
            w.source = GLib.timeout_add(20, self.fire, w)
        return dbus.UInt32(w.id)

    @dbus.service.method(INTERFACE, in_signature='u', out_signature='')
    def RemoveWatch(self, wid):
        self.remove(int(wid))

    @dbus.service.method(INTERFACE, in_signature='', out_signature='')
    def ResetIdletime(self):
        self.input()

    @dbus.service.signal(INTERFACE, signature='u')
    def WatchFired(self, wid):
        """Declared for introspection; sent with a destination by fire()."""


class Control(standin.Control):
    def __init__(self, service, monitor):
        super().__init__(service)
        self.monitor = monitor

    @dbus.service.method(standin.CONTROL_INTERFACE, in_signature='b', out_signature='')
    def SetTyping(self, typing):
        m = self.monitor
        if bool(typing) == m.typing:
            return
        if typing:
            m.input()
            m.typing = True
            for w in m.watches.values():
                m.schedule(w)
        else:
            m.typing = False
            m.last_input = standin.monotonic_msec()
            for w in m.watches.values():
                m.schedule(w)

    @dbus.service.method(standin.CONTROL_INTERFACE, in_signature='t', out_signature='')
    def SetIdletime(self, ms):
        m = self.monitor
        m.typing = False
        m.last_input = standin.monotonic_msec() - int(ms)
        for w in m.watches.values():
            m.schedule(w)

    @dbus.service.method(standin.CONTROL_INTERFACE, in_signature='', out_signature='a(usst)')
    def Watches(self):
        return dbus.Array([(dbus.UInt32(w.id), w.kind, w.owner, dbus.UInt64(w.interval))
                           for w in self.monitor.watches.values()], signature='(usst)')


def main():
    p = standin.arguments("A stand-in for Mutter's idle monitor.")
    p.add_argument('--idle-ms', type=int, default=None)
    args = p.parse_args()

    service = standin.Service(args.address)
    monitor = IdleMonitor(service, args.idle_ms)
    Control(service, monitor)
    service.own(NAME)
    service.run()


if __name__ == '__main__':
    main()
