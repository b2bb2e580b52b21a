"""What the stand-in services share: the bus they serve on, their name, the control
interface a test drives them with, and a GLib main loop.

A stand-in implements a real service's interface exactly (names, paths, signatures,
error names) on a private bus, plus org.limber.Test.Control at /org/limber/Test, through
which the test changes the state the real service would see (input, locks, sleep) and
makes the service quit. Run with /usr/bin/python3 (python3-dbus, python3-gi)."""

import argparse
import signal
import sys
import time

import dbus
import dbus.bus
import dbus.lowlevel
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

CONTROL_INTERFACE = 'org.limber.Test.Control'
CONTROL_PATH = '/org/limber/Test'


def realtime_usec():
    return time.time_ns() // 1000


def monotonic_usec():
    return time.monotonic_ns() // 1000


def monotonic_msec():
    return time.monotonic_ns() // 1_000_000


def error(name):
    """A D-Bus error class with that name, for raising from a method."""
    return type(name.rsplit('.', 1)[-1], (dbus.DBusException,), {'_dbus_error_name': name})


def arguments(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument('--address', required=True, help='the bus to serve on')
    return p


class Service:
    """The bus connection, the loop, and the control object's common methods."""

    def __init__(self, address):
        dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
        self.loop = GLib.MainLoop()
        self.bus = dbus.bus.BusConnection(address)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, self.loop.quit)

    def own(self, *names):
        """Takes the well-known names once every object is exported, as real services do,
        so that a client that sees the name can call at once."""
        for name in names:
            r = self.bus.request_name(name, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
            if r != dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER:
                sys.exit(f'cannot own {name}: {r}')

    def run(self):
        self.loop.run()

    def send_signal_to(self, destination, path, interface, member, signature, *args):
        """A unicast signal, as GDBus sends with a destination."""
        msg = dbus.lowlevel.SignalMessage(path, interface, member)
        msg.set_destination(destination)
        msg.append(*args, signature=signature)
        self.bus.send_message(msg)


class Control(dbus.service.Object):
    """org.limber.Test.Control; each stand-in adds its own methods."""

    def __init__(self, service):
        super().__init__(service.bus, CONTROL_PATH)
        self.service = service

    @dbus.service.method(CONTROL_INTERFACE, in_signature='', out_signature='')
    def Quit(self):
        # Answer first, then leave the bus (the name goes with the connection).
        GLib.idle_add(self.service.loop.quit)
