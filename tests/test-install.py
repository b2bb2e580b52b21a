#!/usr/bin/python3
"""Installs limber into a temporary prefix, the way a packager would, and checks
what landed there: the files, the systemd user unit (systemd-analyze verify), the
D-Bus activation file (a private bus starts limberd from it), and the annotated
limber.conf (every key in it, uncommented, is a valid configuration that the man
page documents)."""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SRC = os.environ["LIMBER_SOURCE_ROOT"]


def run(*cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {r.returncode}:\n{r.stdout}")
    return r.stdout


def check(cond, msg):
    if not cond:
        sys.exit(f"FAIL: {msg}")


def main():
    if not shutil.which("systemd-analyze"):
        print("SKIP: systemd-analyze is missing")
        return 77

    tmp = tempfile.mkdtemp(prefix="limber-install-")
    try:
        prefix = os.path.join(tmp, "prefix")
        build = os.path.join(tmp, "build")
        run("meson", "setup", build, SRC, f"--prefix={prefix}", "-Dtests=false", "-Dman=enabled")
        run("meson", "install", "-C", build)

        expected = [
            "bin/limberd",
            "bin/limberctl",
            "lib/systemd/user/limberd.service",
            "share/dbus-1/services/io.github.limber.Limber1.service",
            "share/dbus-1/interfaces/io.github.limber.Limber1.xml",
            "share/man/man1/limberd.1",
            "share/man/man1/limberctl.1",
            "share/man/man5/limber.conf.5",
            "share/limber/limber.conf",
        ]
        for f in expected:
            check(os.path.exists(os.path.join(prefix, f)), f"{f} was not installed")
        limberd = os.path.join(prefix, "bin/limberd")
        for page, path in (("man5/limber.conf.5", "share/limber/limber.conf"),
                           ("man1/limberd.1", "share/dbus-1/interfaces/io.github.limber.Limber1.xml")):
            text = open(os.path.join(prefix, "share/man", page)).read().replace("\\&", "")  # scdoc's \& after dots
            check(os.path.join(prefix, path) in text, f"{page} does not name {path} under the prefix")
            check("/usr/share/" not in text, f"{page} names /usr/share whatever the prefix")

        unit = open(os.path.join(prefix, "lib/systemd/user/limberd.service")).read()
        check(f"ExecStart={limberd}\n" in unit, "the unit's ExecStart does not honour the prefix")
        check("Type=dbus\n" in unit and "BusName=io.github.limber.Limber1\n" in unit,
              "the unit is not Type=dbus with the bus name")

        runtime = os.path.join(tmp, "run")
        os.mkdir(runtime, 0o700)
        env = dict(os.environ, XDG_RUNTIME_DIR=runtime, MANPATH=os.path.join(prefix, "share/man"))
        out = run("systemd-analyze", "--user", "verify",
                  os.path.join(prefix, "lib/systemd/user/limberd.service"), env=env)
        check(out.strip() == "", f"systemd-analyze verify printed warnings:\n{out}")

        activation = open(os.path.join(prefix, "share/dbus-1/services/io.github.limber.Limber1.service")).read()
        check(f"Exec={limberd}\n" in activation, "the activation file's Exec does not honour the prefix")
        check("SystemdService=limberd.service\n" in activation, "the activation file names no SystemdService")
        build_example_plugin(tmp, prefix)
        check_activation(tmp, prefix)

        check_annotated_config(tmp, limberd, os.path.join(prefix, "share/limber/limber.conf"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS: install")
    return 0


def build_example_plugin(tmp, prefix):
    """plugins/example, built out of tree as a third party would: from the installed
    header and limber-plugin.pc alone, into the plugin folder the .pc names."""
    pcs = glob.glob(os.path.join(prefix, '**', 'pkgconfig', 'limber-plugin.pc'), recursive=True)
    check(len(pcs) == 1, f'limber-plugin.pc installed {len(pcs)} times')
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]))
    flags = run('pkg-config', '--cflags', '--libs', 'limber-plugin', env=env).split()
    plugindir = run('pkg-config', '--variable=plugindir', 'limber-plugin', env=env).strip()
    check(plugindir.startswith(prefix + '/'), f'plugindir {plugindir} is not under the prefix')
    os.makedirs(plugindir, exist_ok=True)
    src = os.path.join(tmp, 'example.c')
    shutil.copy(os.path.join(SRC, 'plugins', 'example', 'example.c'), src)
    run('cc', '-std=c11', '-Wall', '-Werror', '-shared', '-fPIC', '-o', os.path.join(plugindir, 'example.so'),
        src, *flags)


def check_activation(tmp, prefix):
    """A bus with the installed service directory starts limberd on the first call."""
    home = os.path.join(tmp, "home")
    os.mkdir(home)
    conf = os.path.join(tmp, "bus.conf")
    with open(conf, "w") as f:
        f.write(f"""<busconfig>
  <type>session</type>
  <listen>unix:dir={tmp}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{prefix}/share/dbus-1/services</servicedir>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
""")
    # The activated limberd inherits the bus daemon's environment: keep it in tmp.
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=f"{home}/.config",
               XDG_STATE_HOME=f"{home}/.local/state", XDG_DATA_HOME=f"{home}/.local/share")
    bus = subprocess.Popen(["dbus-daemon", f"--config-file={conf}", "--nofork", "--nopidfile",
                            "--print-address=1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True, env=env)
    try:
        address = bus.stdout.readline().strip()
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        out = run("busctl", "--user", "get-property", "io.github.limber.Limber1",
                  "/io/github/limber/Limber1", "io.github.limber.Limber1", "Version", env=env)
        check(out.startswith('s "'), f"activation gave no Version: {out}")
        # The example plugin from the installed plugin folder is running and said "idle".
        props = run("busctl", "--user", "get-property", "io.github.limber.Limber1",
                    "/io/github/limber/Limber1", "io.github.limber.Limber1", "Plugins", "Idle", env=env)
        check('"example" "running"' in props and props.rstrip().endswith('b true'),
              f'the out-of-tree example plugin did not load and report idle:\n{props}')
        pid = int(run("busctl", "--user", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                      "org.freedesktop.DBus", "GetConnectionUnixProcessID", "s",
                      "io.github.limber.Limber1", env=env).split()[1])
        check(os.path.exists(f"{home}/.local/state/limber/limber.db"),
              "the activated limberd did not use the XDG state directory")
    finally:
        bus.terminate()
        bus.wait()
    # With its bus gone, limberd stops by itself.
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.05)
    check(not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z",
          "limberd kept running after its bus went away")


def check_annotated_config(tmp, limberd, path):
    """Uncommenting every key of the installed example gives a valid file, and each
    key is documented in limber.conf(5)."""
    lines = open(path).read().splitlines()
    out, keys, section = [], set(), None
    for line in lines:
        m = re.fullmatch(r"\[([a-z]+)\]", line)
        if m:
            section = m.group(1)
        m = re.fullmatch(r"#([a-z_]+) = .*", line)
        if m and section:
            keys.add((section, m.group(1)))
            line = line[1:]
        if line.startswith("#[plugin."):
            section = None
        out.append(line)
    check(len(keys) >= 20, f"only {len(keys)} keys found in the annotated limber.conf")
    full = os.path.join(tmp, "full.conf")
    with open(full, "w") as f:
        f.write("\n".join(out) + "\n")
    run(limberd, "--check-config", "--config", full, env=dict(os.environ, HOME=tmp))

    man = open(os.path.join(SRC, "doc/limber.conf.5.scd")).read()
    for sec, key in sorted(keys):
        part = man.split(f"# [{sec}]", 1)
        check(len(part) == 2 and f"*{key}* =" in part[1].split("\n# ", 1)[0],
              f"[{sec}] {key} is not documented in limber.conf(5)")


if __name__ == "__main__":
    sys.exit(main())
