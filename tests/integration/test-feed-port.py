#!/usr/bin/python3
"""The feed's port is each user's own. With [feed] http = 127.0.0.1 (the default), two
limberd with their own state (two users of one machine) each serve their feed on a port
of their own, each under its own token; a restart keeps the URL. When another program
holds the kept port at a later start, the feed is served on a free port until the next
start, with a warning and FeedError, and the start after takes the kept port back. An
explicit port that another program holds is reported as such: FeedUrl is empty, FeedError
and `limberctl feed` say that the port is taken, and a reload once it is free serves."""

import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_equal, check_in  # noqa: E402

OWN = '[feed]\nhttp = 127.0.0.1\n'
URL = re.compile(r'http://127\.0\.0\.1:(\d+)/([A-Za-z0-9_-]+)/limber\.ics')


def get(url):
    """The status and body of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=harness.scaled(10)) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ''


def serving(d, what):
    """FeedUrl, checked to answer with a calendar; returns (url, port, token)."""
    url = d.get_property('FeedUrl')
    m = URL.fullmatch(url)
    check(m, f'{what}: FeedUrl {url!r}')
    status, body = get(url)
    check_equal(status, 200, f'{what}: status of GET {url}')
    check(body.startswith('BEGIN:VCALENDAR'), f'{what}: GET {url} gave no calendar')
    return url, int(m.group(1)), m.group(2)


def hold_port(port):
    """A listener of another program on the port."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)     # past limberd's TIME_WAIT
    s.bind(('127.0.0.1', port))
    s.listen()
    return s


def limberctl(bus, *args):
    path = os.environ.get('LIMBERCTL') or os.path.join(os.environ.get('LIMBER_BUILD_ROOT', ''), 'client',
                                                       'limberctl')
    env = dict(harness._base_env(), DBUS_SESSION_BUS_ADDRESS=bus.address)
    env.update(harness.clock_env(env))
    p = subprocess.run([path] + list(args), env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=harness.scaled(30))
    check_equal((p.returncode, p.stderr), (0, ''), f'limberctl {" ".join(args)}: exit status and stderr')
    return p.stdout


def two_users(ctx):
    """Two state databases, two ports, two tokens; each restart keeps its URL."""
    bus_a, bus_b = ctx.bus(), ctx.bus()
    a = ctx.daemon(bus_a, config=OWN, name='user-a').start()
    b = ctx.daemon(bus_b, config=OWN, name='user-b').start()
    url_a, port_a, token_a = serving(a, 'first user')
    url_b, port_b, token_b = serving(b, 'second user')
    check(port_a != port_b, f'both users got port {port_a}')
    check(token_a != token_b, 'both users got the same token')
    check_equal(a.get_property('FeedError'), '', 'FeedError of the first user')
    check_equal(b.get_property('FeedError'), '', 'FeedError of the second user')
    # Each port serves its own user's feed only.
    check_equal(get(f'http://127.0.0.1:{port_b}/{token_a}/limber.ics')[0], 404,
                "status of the first user's token on the second user's port")

    for d, url in ((a, url_a), (b, url_b)):
        check_equal(d.stop(), 0, f'exit status of {d.name}')
    a = ctx.daemon(bus_a, config=OWN, state_dir=a.state_dir, name='user-a-again').start()
    check_equal(serving(a, 'the first user, restarted')[0], url_a, 'FeedUrl after a restart')
    check_equal(a.stop(), 0, 'exit status of the restarted limberd')
    return bus_a, a.state_dir, url_a, port_a


def own_port_taken(ctx, bus, state_dir, url, port):
    """Another program on the kept port: served elsewhere for now, the port kept."""
    holder = hold_port(port)
    try:
        d = ctx.daemon(bus, config=OWN, state_dir=state_dir, name='own-port-taken').start()
        now_url, now_port, _ = serving(d, 'own port taken')
        check(now_port != port, f'served on the taken port {port}')
        error = d.get_property('FeedError')
        check_equal(error, f"port {port}, limber's own, is taken by another program: the feed is on port "
                    f"{now_port} until limberd restarts", 'FeedError with the own port taken')
        d.wait_stderr(rf"^<4>The feed's port {port} is taken by another program; serving the feed on port "
                      rf"{now_port} until limberd restarts")
        out = limberctl(bus, 'feed')
        check_in(f"Note: {error}\n", out, 'limberctl feed with the own port taken')
        check_equal(d.stop(), 0, 'exit status with the own port taken')
    finally:
        holder.close()
    d = ctx.daemon(bus, config=OWN, state_dir=state_dir, name='own-port-back').start()
    check_equal(serving(d, 'own port free again')[0], url, 'FeedUrl once the own port is free again')
    check_equal(d.get_property('FeedError'), '', 'FeedError once the own port is free again')
    check_equal(d.stop(), 0, 'exit status with the own port back')


def explicit_port_taken(ctx):
    """An explicit port held by another program is reported as taken, not as a config problem."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.listen()
    bus = ctx.bus()
    config = f'[feed]\nhttp = 127.0.0.1:{port}\n'
    try:
        d = ctx.daemon(bus, config=config).start()
        check_equal(d.get_property('FeedUrl'), '', 'FeedUrl with the explicit port taken')
        check_equal(d.get_property('FeedError'), f'port {port} is taken by another program',
                    'FeedError with the explicit port taken')
        d.wait_stderr(rf'^<4>Cannot serve the feed on 127\.0\.0\.1:{port}: the port is taken by another program')
        out = limberctl(bus, 'feed')
        check_equal(out.splitlines()[1], f' URL: not served over HTTP: port {port} is taken by another program',
                    'limberctl feed with the explicit port taken')
    finally:
        probe.close()

    # Once the port is free, a reload with the same file serves, and says so.
    monitor = ctx.monitor(bus)
    check_equal(d.call('Reload'), [], 'Reload once the port is free')
    url, served_port, _ = serving(d, 'explicit port, free again')
    check_equal(served_port, port, 'the port served after the reload')
    check_equal(d.get_property('FeedError'), '', 'FeedError after the reload')
    harness.wait_until(lambda: any(c.get('FeedError') == '' for c in monitor.properties_changed()), 10,
                       what='PropertiesChanged with FeedError ""')
    check(any(c.get('FeedUrl') == url for c in monitor.properties_changed()), 'no PropertiesChanged with FeedUrl')
    check_equal(d.stop(), 0, 'exit status after the reload')


def test(ctx):
    bus, state_dir, url, port = two_users(ctx)
    own_port_taken(ctx, bus, state_dir, url, port)
    explicit_port_taken(ctx)


if __name__ == '__main__':
    harness.main(test)
