#!/usr/bin/python3
"""The gadgetbridge plugin against Gadgetbridge database exports built with
Gadgetbridge's own tables (tests/data/gadgetbridge/make-export.py).

At start limberd lists every finished workout of the export with its kind, start,
duration and distance, source "gadgetbridge"; rows ending before they start or in the
future are skipped, broken SUMMARY_DATA only loses the distance. Copying the same
export over the file changes nothing; an export with one more workout renamed over it
adds exactly that one.

A database of another schema (or not a database at all) is named in the log and read
as nothing; the plugin stays running and reads the next export that is right. Without
the file the plugin waits for it; without its folder, without the key or with a
relative path, it does not start, says why, and limberd serves as usual.

Skipped (77) when the plugin is not built (LIMBER_GADGETBRIDGE_PLUGIN)."""

import importlib.util
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_equal  # noqa: E402

DATA = os.path.join(os.environ.get('LIMBER_SOURCE_ROOT', ''), 'tests', 'data', 'gadgetbridge')
MAKE_EXPORT = os.path.join(DATA, 'make-export.py')
BASE = '[feed]\nhttp = off\n'
# ~/ in the setting: expanded with limberd's $HOME, the context's home.
CONFIG = '[plugin.gadgetbridge]\ndatabase = ~/{}\n' + BASE
READ = r'<6>plugin gadgetbridge: read {}: {} new, {} known already, {} skipped$'


def read_line(path, new, known, skipped):
    return READ.format(re.escape(path), new, known, skipped)


def fixture():
    spec = importlib.util.spec_from_file_location('make_export', MAKE_EXPORT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def start(ctx, bus, plugin, config):
    d = ctx.daemon(bus, config=config, args=['--verbose'])
    shutil.copy(plugin, d.plugin_dir)
    return d.start()


def plugins(d):
    return dict(map(tuple, d.get_property('Plugins')))


def activities(d):
    """(source, kind, start µs, duration µs, distance m) of every activity, oldest first."""
    return [tuple(a[1:]) for a in d.call('ListActivities', 'tt', 0, 0)[0]]


def expected(workouts):
    return [('gadgetbridge', kind, start * 1000, duration * 1000, distance)
            for kind, start, duration, distance in workouts]


def replace(path, write):
    """Writes a new export next to path with write(tmp) and renames it over path, as
    sync tools do."""
    tmp = os.path.join(os.path.dirname(path), '.' + os.path.basename(path) + '.part')
    write(tmp)
    os.rename(tmp, path)


def copy_slowly(source, path, pause=0.1):
    """Writes source to path as cp does (created or truncated, then written) in 4 KiB
    pieces, with pauses shorter than the plugin's settle time (0.5 s) between them and
    longer than it in all."""
    with open(source, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as out:
        for i in range(0, len(data), 4096):
            out.write(data[i:i + 4096])
            out.flush()
            time.sleep(pause)


def make_export(*args):
    p = subprocess.run([sys.executable, MAKE_EXPORT, *args], capture_output=True, text=True, timeout=60)
    check_equal(p.returncode, 0, f'make-export.py {" ".join(args)} ({p.stderr.strip()})')


def count(d, pattern):
    return len(re.findall(pattern, d.stderr(), re.M))


def reads_and_rereads(ctx, bus, plugin, fx):
    folder = os.path.join(ctx.home, 'sync')
    os.makedirs(folder)
    path = os.path.join(folder, 'Gadgetbridge.db')
    shutil.copyfile(os.path.join(DATA, 'export.db'), path)
    n_valid, n_skipped = len(fx.WORKOUTS), len(fx.SKIPPED_IDS)

    d = start(ctx, bus, plugin, CONFIG.format('sync/Gadgetbridge.db'))
    d.wait_stderr(read_line(path, n_valid, 0, n_skipped))
    check_equal(plugins(d), {'gadgetbridge': 'running'}, 'Plugins')
    check_equal(activities(d), expected(fx.WORKOUTS), 'ListActivities after the first read')

    # Why each skipped row was skipped, and why one distance is unknown.
    for row in (13, 14):
        d.wait_stderr(rf'<7>plugin gadgetbridge: .*: workout {row} skipped: it does not end after it starts '
                      r'\(START_TIME \d+, END_TIME \d+\)$')
    d.wait_stderr(r'<7>plugin gadgetbridge: .*: workout 15 skipped: it ends in the future')
    d.wait_stderr(r'<7>plugin gadgetbridge: .*: workout 11: distance unknown: SUMMARY_DATA is not JSON')
    d.wait_stderr(r'<7>plugin gadgetbridge: .*: workout 12: distance unknown: distanceMeters is not in meters')

    # The same export copied over the file in place, slowly, as a copy over a network
    # does: read once it is complete (a read half-way would find a broken file), and
    # nothing new in it.
    copy_slowly(os.path.join(DATA, 'export.db'), path)
    d.wait_stderr(read_line(path, 0, n_valid, n_skipped))
    check_equal(activities(d), expected(fx.WORKOUTS), 'ListActivities after re-reading the same export')

    # A new export with one more workout, renamed over the file.
    replace(path, lambda tmp: make_export('--export', tmp, '--new'))
    d.wait_stderr(read_line(path, 1, n_valid, n_skipped))
    now = expected(sorted(fx.WORKOUTS + [fx.NEW_WORKOUT[6]], key=lambda w: w[1]))
    check_equal(activities(d), now, 'ListActivities after a new export')
    check_equal(len(activities(d)), n_valid + 1, 'activities after a new export (none duplicated)')

    # One read per replacement, not one per write or per file the writer made
    # (the temporary export's own -wal and -shm files included), and none of a file
    # half-written.
    check_equal(count(d, r'<6>plugin gadgetbridge: read '), 3, 'reads of the export')
    check_equal(count(d, r'<4>plugin gadgetbridge: '), 0, 'warnings')
    check(d.running, 'limberd exited')
    check_equal(d.stop(), 0, 'exit status')


def other_schema(ctx, bus, plugin, fx):
    folder = os.path.join(ctx.home, 'other')
    os.makedirs(folder)
    path = os.path.join(folder, 'Gadgetbridge.db')
    shutil.copyfile(os.path.join(DATA, 'other-schema.db'), path)

    d = start(ctx, bus, plugin, CONFIG.format('other/Gadgetbridge.db'))
    # Running with nothing: the next export may be the right one.
    d.wait_stderr(rf'<4>plugin gadgetbridge: {re.escape(path)}: database of another schema: no BASE_ACTIVITY_SUMMARY '
                  r'with START_TIME, END_TIME, ACTIVITY_KIND \(no such table\); nothing read from it$')
    check_equal(plugins(d), {'gadgetbridge': 'running'}, 'Plugins with a database of another schema')
    check_equal(activities(d), [], 'ListActivities with a database of another schema')

    # The table, but not Gadgetbridge's columns.
    def without_end_time(tmp):
        db = sqlite3.connect(tmp)
        db.execute('CREATE TABLE BASE_ACTIVITY_SUMMARY (_id INTEGER PRIMARY KEY, START_TIME INTEGER, '
                   'ACTIVITY_KIND INTEGER, DURATION INTEGER)')
        db.execute('INSERT INTO BASE_ACTIVITY_SUMMARY VALUES (1, 1714978800000, 16, 2700000)')
        db.commit()
        db.close()
    replace(path, without_end_time)
    d.wait_stderr(r'<4>plugin gadgetbridge: .*: database of another schema: .*\(no column END_TIME\)')

    # Not a database at all.
    def text(tmp):
        with open(tmp, 'w') as f:
            f.write('these are not the workouts you are looking for\n' * 100)
    replace(path, text)
    d.wait_stderr(rf'<4>plugin gadgetbridge: cannot read {re.escape(path)}: file is not a database$')
    check_equal(activities(d), [], 'ListActivities after a file that is not a database')
    check(d.running, 'limberd exited over a bad database')
    check_equal(plugins(d), {'gadgetbridge': 'running'}, 'Plugins after a bad database')

    # The right export at last.
    replace(path, lambda tmp: shutil.copyfile(os.path.join(DATA, 'export.db'), tmp))
    d.wait_stderr(read_line(path, len(fx.WORKOUTS), 0, len(fx.SKIPPED_IDS)))
    check_equal(activities(d), expected(fx.WORKOUTS), 'ListActivities after the right export')
    check_equal(d.stop(), 0, 'exit status')


def missing(ctx, bus, plugin, fx):
    # The file is not there yet: the plugin waits for it.
    folder = os.path.join(ctx.home, 'later')
    os.makedirs(folder)
    path = os.path.join(folder, 'Gadgetbridge.db')
    d = start(ctx, bus, plugin, CONFIG.format('later/Gadgetbridge.db'))
    d.wait_stderr(rf'<6>plugin gadgetbridge: {re.escape(path)} does not exist \(yet\); reading it once it appears$')
    check_equal(plugins(d), {'gadgetbridge': 'running'}, 'Plugins while the file is missing')
    # It appears, written slowly: read once, when complete.
    copy_slowly(os.path.join(DATA, 'export.db'), path)
    d.wait_stderr(read_line(path, len(fx.WORKOUTS), 0, len(fx.SKIPPED_IDS)))
    check_equal(count(d, r'<6>plugin gadgetbridge: read '), 1, 'reads of the export that appeared')
    check_equal(count(d, r'<4>plugin gadgetbridge: '), 0, 'warnings')
    check_equal(d.stop(), 0, 'exit status')

    # Cases where the plugin does not start; limberd runs on and says so quietly.
    nowhere = os.path.join(ctx.home, 'not-mounted')
    cases = (
        (CONFIG.format('not-mounted/Gadgetbridge.db'),
         rf'<4>plugin gadgetbridge: .*limber\.conf:2: cannot watch the folder {re.escape(nowhere)} of '
         rf'{re.escape(nowhere)}/Gadgetbridge\.db: No such file or directory$', 6),
        ('[plugin.gadgetbridge]\n' + BASE,
         r'<6>plugin gadgetbridge: nothing to read: no \'database\' in \[plugin\.gadgetbridge\]', 6),
        ('[plugin.gadgetbridge]\ndatabase = Gadgetbridge.db\n' + BASE,
         r"<3>plugin gadgetbridge: .*limber\.conf:2: invalid value 'Gadgetbridge\.db' for 'database' in "
         r'\[plugin\.gadgetbridge\]: expected an absolute path or one starting with ~/', 4),
    )
    for config, message, level in cases:
        d = start(ctx, bus, plugin, config)
        d.wait_stderr(message)
        d.wait_stderr(rf'<{level}>Plugin gadgetbridge \(.*gadgetbridge\.so\) skipped: start failed')
        check_equal(plugins(d), {'gadgetbridge': 'failed'}, f'Plugins with {config!r}')
        check_equal(activities(d), [], f'ListActivities with {config!r}')
        check_equal(d.stop(), 0, f'exit status with {config!r}')


def test(ctx):
    plugin = os.environ.get('LIMBER_GADGETBRIDGE_PLUGIN')
    if not plugin or not os.path.exists(plugin):
        raise harness.Skip('the gadgetbridge plugin is not built (LIMBER_GADGETBRIDGE_PLUGIN)')
    fx = fixture()
    bus = ctx.bus()
    reads_and_rereads(ctx, bus, plugin, fx)
    other_schema(ctx, bus, plugin, fx)
    missing(ctx, bus, plugin, fx)


if __name__ == '__main__':
    harness.main(test)
