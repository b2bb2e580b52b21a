#!/usr/bin/python3
"""A stand-in for the systemd user manager on a private session bus: the Manager's
Environment property at /org/freedesktop/systemd1, interface
org.freedesktop.systemd1.Manager, read through org.freedesktop.DBus.Properties.

org.limber.Test.Control at /org/limber/Test:
  SetEnvironment(as assignments, b announce)  NAME=VALUE entries to set; with announce,
                        PropertiesChanged carries the new Environment (as a manager that
                        announces it would); without, nothing is sent (systemd 252)
  Calls(s method) -> u  how often Get was called for Environment ("Get")
  Quit()                leaves the bus"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dbus  # noqa: E402
import dbus.service  # noqa: E402
import standin  # noqa: E402

NAME = 'org.freedesktop.systemd1'
PATH = '/org/freedesktop/systemd1'
MANAGER = 'org.freedesktop.systemd1.Manager'
PROPERTIES = 'org.freedesktop.DBus.Properties'


class Manager(dbus.service.Object):
    def __init__(self, service, environment):
        super().__init__(service.bus, PATH)
        self.environment = list(environment)
        self.calls = {}

    def _environment(self):
        return dbus.Array(self.environment, signature='s')

    @dbus.service.method(PROPERTIES, in_signature='ss', out_signature='v')
    def Get(self, interface, name):
        self.calls['Get'] = self.calls.get('Get', 0) + 1
        if interface != MANAGER or name != 'Environment':
            raise standin.error('org.freedesktop.DBus.Error.UnknownProperty')(f'Unknown property {name}')
        return self._environment()

    @dbus.service.method(PROPERTIES, in_signature='s', out_signature='a{sv}')
    def GetAll(self, interface):
        return {'Environment': self._environment()} if interface == MANAGER else {}

    @dbus.service.signal(PROPERTIES, signature='sa{sv}as')
    def PropertiesChanged(self, interface, changed, invalidated):
        pass

    def set(self, assignments, announce):
        for a in assignments:
            name = a.split('=', 1)[0]
            self.environment = [e for e in self.environment if e.split('=', 1)[0] != name] + [str(a)]
        if announce:
            self.PropertiesChanged(MANAGER, {'Environment': self._environment()}, dbus.Array([], signature='s'))


class Control(standin.Control):
    def __init__(self, service, manager):
        super().__init__(service)
        self.manager = manager

    @dbus.service.method(standin.CONTROL_INTERFACE, in_signature='asb', out_signature='')
    def SetEnvironment(self, assignments, announce):
        self.manager.set(assignments, announce)

    @dbus.service.method(standin.CONTROL_INTERFACE, in_signature='s', out_signature='u')
    def Calls(self, method):
        return self.manager.calls.get(method, 0)


def main():
    p = standin.arguments(__doc__)
    p.add_argument('--env', action='append', default=[], help='NAME=VALUE in the environment at start')
    a = p.parse_args()
    service = standin.Service(a.address)
    manager = Manager(service, ['HOME=/nonexistent', 'PATH=/usr/bin:/bin'] + a.env)
    Control(service, manager)
    service.own(NAME)
    service.run()


if __name__ == '__main__':
    main()
