#!/usr/bin/python3
"""Each plugin exports its descriptor, limber_plugin, and nothing else: its own code
and the code it links in (the files plugin's parsers) stay its own, so no two plugins,
nor a plugin and limberd, can ever bind to each other's functions by name."""

import subprocess
import sys

# What the linker defines in every shared object. Names that begin with two
# underscores are the toolchain's (the sanitizers' __odr_asan.* among them): C
# reserves them, so no plugin's own code defines one.
LINKER = {'_edata', '_end', '_init', '_fini'}


def exported(path):
    out = subprocess.run(['nm', '-D', '--defined-only', path], capture_output=True, text=True, check=True).stdout
    names = {line.split()[-1] for line in out.splitlines() if line.strip()}
    return {n for n in names if not n.startswith('__')} - LINKER


def main(paths):
    if not paths:
        print('SKIP: no plugin was built')
        return 77
    failed = False
    for path in paths:
        extra = sorted(exported(path) - {'limber_plugin'})
        if extra or 'limber_plugin' not in exported(path):
            print(f'FAIL: {path} exports {sorted(exported(path))}, not limber_plugin alone')
            failed = True
    if failed:
        return 1
    print(f'PASS: {len(paths)} plugins export limber_plugin alone')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
