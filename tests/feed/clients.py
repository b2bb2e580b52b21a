"""Reads a feed with the parsers of real calendar clients and says what each saw.

parse_all(path) returns {client: [(uid, start_utc_iso, end_utc_iso, summary), ...]}
for ical.js (Thunderbird), python icalendar, vobject, khal and libical, and raises
ClientError naming the client when one refuses the file or reports an error."""

import datetime
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


class ClientError(Exception):
    pass


def _utc(dt):
    if not isinstance(dt, datetime.datetime) or dt.tzinfo is None:
        raise ClientError(f'not a zoned date-time: {dt!r}')
    return dt.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _run(client, cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kw)
    if r.returncode != 0:
        raise ClientError(f'{client}: {" ".join(cmd)} exited {r.returncode}:\n{r.stdout}{r.stderr}')
    return r.stdout


def python_icalendar(path):
    import icalendar
    with open(path, 'rb') as f:
        cal = icalendar.Calendar.from_ical(f.read())
    events = []
    for ev in cal.walk('VEVENT'):
        if ev.errors:
            raise ClientError(f'python icalendar: {ev.errors}')
        events.append((str(ev['UID']), _utc(ev.decoded('DTSTART')), _utc(ev.decoded('DTEND')), str(ev['SUMMARY'])))
    if cal.errors:
        raise ClientError(f'python icalendar: {cal.errors}')
    return events


def python_vobject(path):
    import vobject
    with open(path) as f:
        cal = vobject.readOne(f.read(), validate=True)
    return [(ev.uid.value, _utc(ev.dtstart.value), _utc(ev.dtend.value), ev.summary.value)
            for ev in getattr(cal, 'vevent_list', [])]


def icaljs(path):
    out = _run('ical.js', ['node', os.path.join(HERE, 'check-icaljs.mjs'), path])
    data = json.loads(out)
    fmt = lambda s: s.replace('.000Z', 'Z')
    return [(e['uid'], fmt(e['start']), fmt(e['end']), e['summary']) for e in data['events']]


def khal(path, tmp):
    # khal wants a configuration even to print a file; a minimal one, in tmp.
    conf = os.path.join(tmp, 'khal.conf')
    os.makedirs(os.path.join(tmp, 'khal-cal'), exist_ok=True)
    with open(conf, 'w') as f:
        f.write(f'[calendars]\n[[limber]]\npath = {tmp}/khal-cal\n'
                '[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\n'
                'longdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\n'
                'longdatetimeformat = %Y-%m-%d %H:%M\n')
    env = dict(os.environ, XDG_CONFIG_HOME=tmp, XDG_DATA_HOME=tmp, HOME=tmp)
    out = _run('khal', ['khal', '-c', conf, 'printics', '--format', '{start-long}|{end-long}|{title}', path],
               env=env)
    lines = [l for l in out.splitlines() if l.strip()]
    if not lines or 'events found' not in lines[0]:
        raise ClientError(f'khal printics: unexpected output:\n{out}')
    return lines[1:]


def libical(path, lint):
    out = _run('libical', [lint, path])
    return int(out.split()[0])


def parse_all(path, lint, tmp):
    """Every client's view of the feed; they must agree on UIDs and times."""
    seen = {
        'python icalendar': python_icalendar(path),
        'vobject': python_vobject(path),
        'ical.js': icaljs(path),
    }
    reference = sorted(seen['python icalendar'])
    for client, events in seen.items():
        if sorted(events) != reference:
            raise ClientError(f'{client} disagrees with python icalendar:\n{sorted(events)}\nvs\n{reference}')
    khal_lines = khal(path, tmp)
    if len(khal_lines) != len(reference):
        raise ClientError(f'khal printed {len(khal_lines)} events, expected {len(reference)}:\n{khal_lines}')
    n = libical(path, lint)
    if n != len(reference):
        raise ClientError(f'libical counted {n} events, expected {len(reference)}')
    return reference
