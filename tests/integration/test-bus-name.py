#!/usr/bin/python3
"""The bus name: limberd takes io.github.limber.Limber1, exports the documented
interface, refuses a second instance unless --replace, hands over to one with
--replace, stops cleanly on SIGTERM and logs with <N> syslog prefixes."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BUS_NAME, INTERFACE, OBJECT_PATH, check, check_equal, check_in  # noqa: E402

EXPECTED_MEMBERS = {
    # name: (type, signature, result)
    'LogActivity': ('method', 'sttda{sv}', 's'),
    'ListActivities': ('method', 'tt', 'a(sssttd)'),
    'ReportIdle': ('method', 'b', '-'),
    'Reload': ('method', '-', '-'),
    'Version': ('property', 's', None),
    'Idle': ('property', 'b', None),
    'SittingSince': ('property', 't', None),
    # The rest of the API the design fixes, which other tools rely on.
    'ListSessions': ('method', 'tt', 'a(ssssttt)'),
    'GetSession': ('method', 's', 'a{sv}'),
    'CompleteSession': ('method', 's', '-'),
    'SkipSession': ('method', 's', '-'),
    'SnoozeSession': ('method', 'st', '-'),
    'Replan': ('method', '-', '-'),
    'SessionDue': ('signal', 'ssss', '-'),
    'SessionsChanged': ('signal', '-', '-'),
    'NextSessionId': ('property', 's', None),
    'NextSessionStart': ('property', 't', None),
    'NextSessionKind': ('property', 's', None),
    'NextSessionTitle': ('property', 's', None),
    'WeekSmrDone': ('property', 'u', None),
    'WeekSmrTarget': ('property', 'u', None),
    'WeekCardioMinutes': ('property', 'u', None),
    'WeekCardioTarget': ('property', 'u', None),
    'LoadRatio': ('property', 'd', None),
    'FeedPath': ('property', 's', None),
    'FeedUrl': ('property', 's', None),
    'Plugins': ('property', 'a(ss)', None),
    'Unplaced': ('property', 'a(ssts)', None),
}


def introspect_members(bus):
    """busctl introspect's table for limber's interface: {name: (type, signature, result)}."""
    p = bus.busctl('introspect', BUS_NAME, OBJECT_PATH, INTERFACE)
    members = {}
    for line in p.stdout.splitlines():
        cols = line.split()
        if len(cols) >= 4 and cols[0].startswith('.'):
            members[cols[0][1:]] = (cols[1], cols[2], cols[3])
    check(members, f'busctl introspect listed no members:\n{p.stdout}')
    return members, p.stdout


def test(ctx):
    bus = ctx.bus()
    check_equal(bus.name_owner_pid(), None, 'owner of the name before limberd starts')

    first = ctx.daemon(bus).start()
    # The name appears, owned by this very process.
    check_equal(bus.name_owner_pid(), first.pid, 'pid owning the name')
    names = bus.dbus_call('ListNames')[0]
    check_in(BUS_NAME, names, 'ListNames')

    members, table = introspect_members(bus)
    for name, (kind, sig, result) in EXPECTED_MEMBERS.items():
        check(name in members, f'{name} missing from busctl introspect:\n{table}')
        check_equal(members[name][0], kind, f'type of {name}')
        check_equal(members[name][1], sig, f'signature of {name}')
        if result is not None:
            check_equal(members[name][2], result, f'result of {name}')
    check(members['Version'][2].strip('"'), 'Version is empty')

    # The live interface matches its documentation, argument names included.
    live_xml = bus.call_full(BUS_NAME, OBJECT_PATH, 'org.freedesktop.DBus.Introspectable', 'Introspect')[0]
    harness.check_documented(live_xml, os.path.join(os.environ['LIMBER_SOURCE_ROOT'], 'doc',
                                                    'io.github.limber.Limber1.xml'), INTERFACE)

    # A second instance without --replace leaves the first alone and says what to do.
    second = ctx.daemon(bus, state_dir=first.state_dir).start(wait_ready=False)
    status = second.wait_exit()
    check_equal(status, 1, 'exit status of a second limberd without --replace')
    err = second.stderr()
    check_in(BUS_NAME, err, 'stderr of the second limberd')
    check_in('--replace', err, 'stderr of the second limberd')
    check(not any(n.split('\n').count('READY=1') for n in second.notifications),
          'the refused limberd reported READY=1')
    check(first.running, 'the first limberd died when a second one was refused')
    check_equal(bus.name_owner_pid(), first.pid, 'owner after the refused second instance')

    # A third with --replace takes the name; the first stops cleanly.
    third = ctx.daemon(bus, state_dir=first.state_dir, args=['--replace']).start()
    check_equal(first.wait_exit(), 0, 'exit status of the replaced limberd')
    check_equal(bus.name_owner_pid(), third.pid, 'owner after --replace')
    check(third.get_property('Version'), 'Version after --replace')

    # SIGTERM: exit 0 and the name goes away.
    check_equal(third.stop(), 0, 'exit status after SIGTERM')
    check_equal(bus.name_owner_pid(), None, 'owner of the name after SIGTERM')

    # Every line limberd logged carries a syslog priority prefix.
    for d in (first, second, third):
        lines = [line for line in d.stderr().splitlines() if line.strip()]
        check(lines, f'{d.name} logged nothing')
        for line in lines:
            check(re.match(r'^<[0-7]>\S', line), f'{d.name}: stderr line without a <N> prefix: {line!r}')
    check(any(line.startswith('<3>') and BUS_NAME in line for line in second.stderr().splitlines()),
          'the refusal is not logged as an error (<3>)')


if __name__ == '__main__':
    harness.main(test)
