#!/usr/bin/python3
"""The plan across changes of time: a wall-clock jump forward and one back, a change of
[schedule] timezone with Reload, a change of the system zone (TZ) across a restart, and
a suspend and resume reported by logind with the clock moved by hours in between.

limberd runs under libfaketime with the timerfd shim (as in test-limberctl) and a clock
frozen at what the test writes to a file, as seconds since the epoch
(FAKETIME_FMT=%s), so the instant does not depend on the TZ limberd sets for itself.
Moving the clock does not wake limberd; its timers that came due run on the next call
it gets, so the test makes one (poke) before looking. After the jump back, nothing is
due; the plan made at the later time must still hold, and so must the one Replan()
makes from the earlier time.

After each change, from the rules (window 18:30-21:00, quiet hours 22:00-07:00,
per_week 2, min_gap 2d, horizon 14d, grace 1h, cardio window 12:00-13:30, 30 min walks)
and the clock the test set, never from what limberd says:
  - no planned session lies in the past beyond its grace (its end is after now - grace),
    and every session whose end + grace has passed without an outcome is missed;
  - planned sessions keep out of quiet hours, in the configured zone, and out of each
    other's way; walks lie in their window, and a weekly SMR session starts at 18:30
    local;
  - each ISO week (local) of the horizon has as many weekly SMR sessions as per_week
    and min_gap allow on its days still ahead: distinct days, at least 2 days apart;
  - NextSessionStart is the start of the first planned session and in the future;
  - the feed parses, its one VTIMEZONE and every DTSTART/DTEND TZID name the configured
    zone, and its events are the listed sessions at the same instants.

The suspend needs the logind plugin and the login1 stand-in (python3-dbus, python3-gi)
on a private system bus; without them that part is skipped, the rest still runs."""

import datetime
import os
import sys
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import plugintest  # noqa: E402
from harness import USEC_PER_SEC, at, TestFailure, check, check_equal  # noqa: E402

sys.path.insert(0, os.path.join(os.environ['LIMBER_SOURCE_ROOT'], 'tests', 'feed'))
import clients  # noqa: E402

MIN = 60 * USEC_PER_SEC
HOUR = 60 * MIN
DAY = 24 * HOUR

# The rules, as the built-in defaults have them (DESIGN.md, conf/limber.conf).
SMR_WINDOW = (18 * 60 + 30, 21 * 60)
SMR_DURATION = 15 * MIN
CARDIO_WINDOW = (12 * 60, 13 * 60 + 30)
CARDIO_DURATION = 30 * MIN
QUIET = (22 * 60, 7 * 60)
PER_WEEK = 2
MIN_GAP_DAYS = 2
HORIZON_DAYS = 14
GRACE = HOUR
SLOT = 5 * MIN

BASE = '[feed]\nhttp = off\n[mobility]\nnotify = false\n'



def local(t, zone):
    return datetime.datetime.fromtimestamp(t / USEC_PER_SEC, zoneinfo.ZoneInfo(zone))


def minute_of(dt):
    return dt.hour * 60 + dt.minute


def fmt(t, zone):
    return local(t, zone).strftime('%a %Y-%m-%d %H:%M %Z')


def poke(d):
    """A call, so limberd runs what came due when the clock moved; the second one is
    answered after that work."""
    d.get_property('Version')
    d.get_property('Version')


def in_quiet_hours(start, end, zone):
    """Whether [start, end) meets the quiet hours of any local day around it."""
    day = local(start, zone).date() - datetime.timedelta(days=1)
    for _ in range(3):
        q0 = at(zone, day.year, day.month, day.day, QUIET[0] // 60, QUIET[0] % 60)
        nxt = day + datetime.timedelta(days=1)
        q1 = at(zone, nxt.year, nxt.month, nxt.day, QUIET[1] // 60, QUIET[1] % 60)
        if start < q1 and end > q0:
            return True
        day = nxt
    return False


def weekly_capacity(days, now, zone):
    """How many weekly SMR sessions per_week and min_gap allow on these days: those whose
    window still holds a session after now (on the 5-minute grid), greedily spaced."""
    ahead = []
    not_before = -(-now // SLOT) * SLOT
    for day in days:
        w0 = at(zone, day.year, day.month, day.day, SMR_WINDOW[0] // 60, SMR_WINDOW[0] % 60)
        w1 = at(zone, day.year, day.month, day.day, SMR_WINDOW[1] // 60, SMR_WINDOW[1] % 60)
        if max(w0, not_before) + SMR_DURATION <= w1:
            ahead.append(day)
    n, last = 0, None
    for day in ahead:
        if last is None or (day - last).days >= MIN_GAP_DAYS:
            n, last = n + 1, day
    return min(PER_WEEK, n), ahead


def check_plan(d, now, zone, what, missed_before=()):
    """The plan at now in zone, as the rules have it. missed_before: ids that must be
    missed (they passed without an outcome). Returns the sessions."""
    sessions = d.call('ListSessions', 'tt', 0, 0)[0]
    harness.log(f'--- {what}: now {fmt(now, zone)}')
    for s in sessions:
        harness.log(f'    {s[0]:22} {s[2]:9} {fmt(s[4], zone)} - {local(s[5], zone).strftime("%H:%M")}')
    by_id = {s[0]: s for s in sessions}
    check(sessions, f'{what}: no sessions at all')

    for sid, kind, status, _title, start, end, _seq in sessions:
        label = f'{what}: {sid} ({status}, {fmt(start, zone)})'
        if status in ('planned', 'snoozed'):
            check(end > now - GRACE, f'{label} is still {status} though it ended more than the grace ago')
        if end + GRACE <= now:
            check_equal(status, 'missed', f'{label}: status of a session that passed without an outcome')
        if status != 'planned':
            continue
        check(not in_quiet_hours(start, end, zone), f'{label} lies in the quiet hours 22:00-07:00 of {zone}')
        s_local, e_local = local(start, zone), local(end, zone)
        if sid.startswith('weekly_'):
            check_equal((kind, minute_of(s_local), end - start), ('smr', SMR_WINDOW[0], SMR_DURATION),
                        f'{label}: kind, local start (minute of the day) and length of a weekly SMR session')
        elif sid.startswith('cardio_'):
            check_equal((kind, end - start), ('cardio', CARDIO_DURATION), f'{label}: kind and length of a walk')
            check(CARDIO_WINDOW[0] <= minute_of(s_local) and minute_of(e_local) <= CARDIO_WINDOW[1]
                  and s_local.date() == e_local.date(), f'{label}: a walk outside 12:00-13:30 local')
    busy = sorted((s[4], s[5], s[0]) for s in sessions if s[2] in ('planned', 'snoozed', 'completed'))
    for (s0, e0, a), (s1, _e1, b) in zip(busy, busy[1:]):
        check(s1 >= e0, f'{what}: {a} and {b} overlap')
    for sid in missed_before:
        check(sid in by_id, f'{what}: {sid} is gone from the plan')
        check_equal(by_id[sid][2], 'missed', f'{what}: status of {sid}, which passed without an outcome')

    # The weekly SMR sessions of each ISO week of the horizon, on its days still ahead.
    today = local(now, zone).date()
    last_day = today + datetime.timedelta(days=HORIZON_DAYS - 1)
    monday = today - datetime.timedelta(days=today.weekday())
    while monday <= last_day:
        days = [monday + datetime.timedelta(days=k) for k in range(7)]
        days = [x for x in days if today <= x <= last_day]
        want, ahead = weekly_capacity(days, now, zone)
        planned = sorted(local(s[4], zone).date() for s in sessions
                         if s[0].startswith('weekly_') and s[2] == 'planned' and local(s[4], zone).date() in days)
        label = f'{what}: weekly SMR sessions of the week of {monday} (days ahead: {[str(x) for x in ahead]})'
        check_equal(len(planned), want, f'{label}: how many, on {[str(x) for x in planned]}')
        check_equal(len(set(planned)), len(planned), f'{label}: distinct days')
        for a, b in zip(planned, planned[1:]):
            check((b - a).days >= MIN_GAP_DAYS, f'{label}: {a} and {b} are less than {MIN_GAP_DAYS} days apart')
        check(all(x in ahead for x in planned), f'{label}: a session on a day whose evening has passed')
        monday += datetime.timedelta(days=7)

    planned = sorted((s[4], s[0]) for s in sessions if s[2] == 'planned' and s[5] > now)
    check(planned, f'{what}: nothing planned')
    next_start = d.get_property('NextSessionStart')
    check(next_start > now, f'{what}: NextSessionStart {fmt(next_start, zone)} is not after now {fmt(now, zone)}')
    check_equal((d.get_property('NextSessionId'), next_start), (planned[0][1], planned[0][0]),
                f'{what}: NextSessionId and NextSessionStart against the earliest planned session')
    check_feed(d, sessions, zone, what)
    return sessions


def check_feed(d, sessions, zone, what):
    path = d.get_property('FeedPath')
    try:
        clients.python_icalendar(path)
    except Exception as e:
        raise TestFailure(f'{what}: python icalendar refuses the feed: {e}')
    import icalendar
    with open(path, 'rb') as f:
        text = f.read()
    cal = icalendar.Calendar.from_ical(text)
    tzids = [str(c['TZID']) for c in cal.walk('VTIMEZONE')]
    check_equal(tzids, [zone], f'{what}: TZID of the feed\'s VTIMEZONE')
    events = {}
    for ev in cal.walk('VEVENT'):
        for prop in ('DTSTART', 'DTEND'):
            check_equal(ev[prop].params.get('TZID'), zone, f'{what}: TZID of the {prop} of {ev["UID"]}')
        events[str(ev['UID']).split('@')[0]] = (int(ev.decoded('DTSTART').timestamp()) * USEC_PER_SEC,
                                                int(ev.decoded('DTEND').timestamp()) * USEC_PER_SEC)
    listed = {s[0]: (s[4], s[5]) for s in sessions}
    check_equal(events, listed, f'{what}: the feed\'s events (id: start, end) against ListSessions')


def check_suspend(ctx, clock, d, logind, zone, resume_at):
    """PrepareForSleep(true), the clock moves to resume_at, PrepareForSleep(false)."""
    logind.control('PrepareForSleep', 'b', True)
    plugintest.wait_idle(d, streak_over=True, what='Idle after PrepareForSleep(true)')
    before = d.call('ListSessions', 'tt', 0, 0)[0]
    passed = [s[0] for s in before if s[2] == 'planned' and s[5] + GRACE <= resume_at]
    check(passed, 'the suspend lets no planned session pass: choose a longer one')
    clock.set(resume_at)
    logind.control('PrepareForSleep', 'b', False)
    harness.wait_until(lambda: not d.get_property('Idle'), 10, what='active again after PrepareForSleep(false)')
    poke(d)
    return passed


def test(ctx):
    libfaketime = harness.find_libfaketime()
    if not libfaketime:
        raise harness.Skip('libfaketime is not installed (Debian package faketime)')
    berlin, new_york, tokyo = 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'
    bus = ctx.bus()
    state_dir = os.path.join(ctx.root, 'shared-state')

    # Monday 23 November 2026, 10:00 in Berlin: the week's evenings are all ahead.
    clock = harness.FrozenClock(ctx, libfaketime, at(berlin, 2026, 11, 23, 10, 0))
    config = f'[schedule]\ntimezone = {berlin}\n' + BASE
    d = ctx.daemon(bus, config=config, state_dir=state_dir, env=clock.env(berlin)).start()
    first = check_plan(d, clock.now, berlin, 'at the start')

    # +3 days: Thursday 10:00. What passed on Monday to Wednesday is missed; the week's
    # two sessions go on the evenings left.
    clock.move(3 * DAY)
    poke(d)
    passed = [s[0] for s in first if s[5] + GRACE <= clock.now]
    check(any(p.startswith('weekly_') for p in passed), f'no weekly session passed in the jump: {passed}')
    check_plan(d, clock.now, berlin, 'after a jump of +3 days', missed_before=passed)

    # -1 day: Wednesday 10:00.
    clock.move(-DAY)
    poke(d)
    check_plan(d, clock.now, berlin, 'after a jump of -1 day', missed_before=passed)
    # Planned again from here, with sessions marked missed that are ahead of the clock.
    d.call('Replan')
    check_plan(d, clock.now, berlin, 'after a jump of -1 day and Replan()', missed_before=passed)

    # The configured zone changes: Wednesday 04:00 in New York.
    d.write_config(f'[schedule]\ntimezone = {new_york}\n' + BASE)
    d.call('Reload')
    poke(d)
    check_plan(d, clock.now, new_york, f'after [schedule] timezone {berlin} -> {new_york} and Reload',
               missed_before=passed)
    check_equal(d.stop(), 0, 'exit status of limberd')

    # The system zone, with none configured: Wednesday 18:00 in Tokyo. With the logind
    # plugin, for the suspend below, when it and the stand-in are there.
    suspend = True
    try:
        plugintest.require_standins()
        plugin_dir = plugintest.plugin_dir('logind')
    except (harness.Skip, TestFailure) as e:
        harness.log(f'no suspend: {e}')
        suspend = False
    env = clock.env(tokyo)
    kwargs = {}
    if suspend:
        system = ctx.bus()
        logind = plugintest.StandIn(ctx, system, 'login1', 'org.freedesktop.login1')
        env['DBUS_SYSTEM_BUS_ADDRESS'] = system.address
        kwargs['plugin_dir'] = plugin_dir
    d = ctx.daemon(bus, config=BASE, state_dir=state_dir, env=env, **kwargs).start()
    check_plan(d, clock.now, tokyo, f'after a restart with TZ={tokyo} and no zone configured',
               missed_before=passed)

    if suspend:
        check_equal(plugintest.plugins(d), {'logind': 'running'}, 'Plugins')
        plugintest.wait_active(d, what='the desk active with the logind session')
        # Asleep from Wednesday 18:00 to Friday 23:00 in Tokyo, 29 hours.
        resume_at = at(tokyo, 2026, 11, 27, 23, 0)
        slept = check_suspend(ctx, clock, d, logind, tokyo, resume_at)
        check_plan(d, clock.now, tokyo, 'after a suspend of 29 hours', missed_before=passed + slept)
    check_equal(d.stop(), 0, 'exit status of limberd')


if __name__ == '__main__':
    harness.main(test)
