#!/usr/bin/python3
"""A damaged database: limberd refuses to run on a limber.db that is not a database,
says which file and why, leaves the file exactly as it was and never takes the bus
name."""

import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_equal, check_in  # noqa: E402


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def test(ctx):
    bus = ctx.bus()
    state_dir = os.path.join(ctx.root, 'corrupt-state')
    os.makedirs(state_dir)
    db = os.path.join(state_dir, 'limber.db')
    # Larger than a page, and nothing like SQLite's header.
    garbage = b''.join(f'line {i}: this is not an SQLite database\n'.encode() for i in range(400))
    with open(db, 'wb') as f:
        f.write(garbage)
    os.chmod(db, 0o600)
    before = (digest(db), os.stat(db).st_size, os.stat(db).st_mtime_ns)

    d = ctx.daemon(bus, state_dir=state_dir).start(wait_ready=False)
    check_equal(d.wait_exit(), 1, 'exit status on a corrupt database')
    err = d.stderr()
    check_in(db, err, 'stderr on a corrupt database')
    check_in('not a database', err, 'stderr on a corrupt database')
    check(any(line.startswith('<3>') and db in line for line in err.splitlines()),
          'the database error is not logged as an error (<3>)')
    check(not any('READY=1' in n for n in d.notifications), 'limberd reported READY=1 on a corrupt database')
    check_equal(bus.name_owner_pid(), None, 'owner of the bus name')

    after = (digest(db), os.stat(db).st_size, os.stat(db).st_mtime_ns)
    check_equal(after, before, '(sha256, size, mtime) of the corrupt database')

    # A second attempt finds the same file, untouched by the first.
    d2 = ctx.daemon(bus, state_dir=state_dir).start(wait_ready=False)
    check_equal(d2.wait_exit(), 1, 'exit status on the second attempt')
    check_equal(digest(db), before[0], 'sha256 of the database after two attempts')


if __name__ == '__main__':
    harness.main(test)
