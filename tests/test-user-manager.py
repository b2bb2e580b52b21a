#!/usr/bin/python3
"""limber installed the way a user without root installs it, --prefix=~/.local, and run by
a real systemd user manager:

- the unit and the activation file land where the user's systemd and dbus-daemon look
  (~/.local/share/systemd/user, ~/.local/share/dbus-1/services): systemd-analyze lists
  that folder among the unit paths, `systemctl --user enable limberd` and `start` work,
  and the first D-Bus call starts limberd through systemd;
- `systemctl --user reload limberd` fails when the new configuration is rejected, and
  the reload command's output (which the journal gets) names file:line; it succeeds
  with a good file;
- on a compositor without graphical-session.target, the README's line for its config
  starts limberd at login with the display in its environment, and only reloads it
  when run again.

The manager is /lib/systemd/systemd --user, run as an unprivileged user (created when
missing) in a home folder of the test's own. It needs a cgroup of its own and a
/run/systemd/system in a private mount namespace where the machine was not booted with
systemd: the test makes both, so it runs as root, and skips (77) otherwise."""

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SRC = os.environ["LIMBER_SOURCE_ROOT"]
TEST_USER = "limber-test"
MANAGER = "/lib/systemd/systemd"
BUS = "io.github.limber.Limber1"
OBJECT = "/io/github/limber/Limber1"
BAD_CONFIG = "[smr]\nper_week = lots\n"


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        sys.exit(f"FAIL: {msg}")


def run(*cmd, env=None, user=None, ok=True, timeout=600):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                       stdin=subprocess.DEVNULL, timeout=timeout,
                       **(dict(user=user.pw_uid, group=user.pw_gid, extra_groups=[]) if user else {}))
    if ok and r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
    return r


def test_user():
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        pass
    subprocess.run(["useradd", "--system", "--create-home", "--shell", "/usr/sbin/nologin", TEST_USER],
                   stdin=subprocess.DEVNULL, capture_output=True)
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        raise Skip(f"cannot create the user {TEST_USER} (systemd --user does not run as root)")


def cgroup_roots():
    """The cgroup hierarchies systemd uses, each with this process's place in it."""
    roots = []
    for line in open("/proc/self/cgroup").read().splitlines():
        hid, controllers, path = line.split(":", 2)
        if hid == "0" and controllers == "":
            base = "/sys/fs/cgroup/unified" if os.path.isdir("/sys/fs/cgroup/unified") else "/sys/fs/cgroup"
            roots.append(base + path)
        elif controllers == "name=systemd":
            roots.append("/sys/fs/cgroup/systemd" + path)
    return roots


def remove_cgroup(path):
    for top, dirs, _ in os.walk(path, topdown=False):
        for d in dirs:
            try:
                os.rmdir(os.path.join(top, d))
            except OSError:
                pass
    try:
        os.rmdir(path)
    except OSError:
        pass


class Manager:
    """systemd --user for the test user, with home and runtime folders of the test's own."""

    def __init__(self, tmp, user, home):
        self.user = user
        self.runtime = os.path.join(tmp, "runtime")
        os.mkdir(self.runtime, 0o700)
        os.chown(self.runtime, user.pw_uid, user.pw_gid)
        # dbus-daemon finds the home folder in the passwd entry, not in $HOME: name the
        # folder the XDG way, which both it and systemd read, as its default would.
        self.env = {"HOME": home, "XDG_DATA_HOME": os.path.join(home, ".local/share"),
                    "USER": user.pw_name, "LOGNAME": user.pw_name,
                    "XDG_RUNTIME_DIR": self.runtime, "PATH": "/usr/local/bin:/usr/bin:/bin",
                    "DBUS_SESSION_BUS_ADDRESS": f"unix:path={self.runtime}/bus", "SYSTEMD_COLORS": "0"}
        self.cgroups = []
        for root in cgroup_roots():
            cg = os.path.join(root, f"limber-test-{os.getpid()}")
            try:
                os.mkdir(cg)
                for top, dirs, files in os.walk(cg):
                    for p in [top] + [os.path.join(top, n) for n in files]:
                        os.chown(p, user.pw_uid, user.pw_gid)
            except OSError as e:
                for made in self.cgroups + [cg]:
                    remove_cgroup(made)
                raise Skip(f"cannot make a cgroup for the user manager in {root}: {e}")
            self.cgroups.append(cg)
        self.log = os.path.join(tmp, "manager.log")
        script = "".join(f"echo $$ > {cg}/cgroup.procs && " for cg in self.cgroups)
        # Only in this mount namespace does the machine look booted with systemd.
        script += ("mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && "
                   f"exec setpriv --reuid={user.pw_uid} --regid={user.pw_gid} --clear-groups "
                   f"env -i {' '.join(f'{k}={v}' for k, v in self.env.items())} {MANAGER} --user")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         start_new_session=True)
        try:
            self._wait_started()
        except BaseException:
            self.stop()
            raise

    def _wait_started(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Skip(f"systemd --user cannot run here (exit status {self.proc.returncode}):\n"
                           + open(self.log).read()[-2000:])
            # Not is-system-running: outside the namespace the machine looks not booted
            # with systemd, and that answers "offline" whatever the manager's state.
            r = self.systemctl("show", "--property=SystemState", "--value", ok=False)
            if r.stdout.strip() in ("running", "degraded"):
                return
            time.sleep(0.1)
        raise Skip(f"systemd --user did not finish starting: {r.stdout.strip()}")

    def systemctl(self, *args, ok=True):
        return run("systemctl", "--user", *args, env=self.env, user=self.user, ok=ok, timeout=60)

    def busctl(self, *args, ok=True):
        return run("busctl", "--user", *args, env=self.env, user=self.user, ok=ok, timeout=60)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        for cg in self.cgroups:
            remove_cgroup(cg)


def install(tmp, user, home):
    """meson install --prefix=~/.local, built as the packager would but for that home."""
    prefix = os.path.join(home, ".local")
    build = os.path.join(tmp, "build")
    env = dict(os.environ, HOME=home)
    run("meson", "setup", build, SRC, f"--prefix={prefix}", "-Dtests=false", "-Dman=disabled", env=env)
    run("meson", "install", "-C", build, "--quiet", env=env)
    for top, dirs, files in os.walk(home):
        for p in [top] + [os.path.join(top, n) for n in dirs + files]:
            os.lchown(p, user.pw_uid, user.pw_gid)
    for f in ("share/systemd/user/limberd.service", "share/dbus-1/services/io.github.limber.Limber1.service"):
        check(os.path.exists(os.path.join(prefix, f)), f"~/.local/{f} was not installed")
    check(not os.path.exists(os.path.join(prefix, "lib/systemd/user/limberd.service")),
          "the unit went to ~/.local/lib/systemd/user, where systemd never looks")
    return prefix


def reload_command(prefix):
    """The unit's ExecReload= command line, as the manager runs it."""
    for line in open(os.path.join(prefix, "share/systemd/user/limberd.service")):
        if line.startswith("ExecReload="):
            return line[len("ExecReload="):].split()
    sys.exit("FAIL: the unit has no ExecReload=")


def main():
    if os.geteuid() != 0:
        print("SKIP: a private systemd user manager needs root here (a cgroup and a mount namespace)")
        return 77
    for tool in ("systemd-analyze", "unshare", "setpriv", "meson", "busctl"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is missing")
            return 77
    if not os.access(MANAGER, os.X_OK):
        print(f"SKIP: {MANAGER} is missing")
        return 77
    try:
        user = test_user()
    except Skip as e:
        print(f"SKIP: {e}")
        return 77

    tmp = tempfile.mkdtemp(prefix="limber-user-manager-")
    os.chmod(tmp, 0o755)
    manager = None
    try:
        home = os.path.join(tmp, "home")
        os.mkdir(home)
        prefix = install(tmp, user, home)

        env = {"HOME": home, "XDG_RUNTIME_DIR": tmp, "PATH": "/usr/bin:/bin"}
        paths = run("systemd-analyze", "--user", "unit-paths", env=env).stdout.split()
        check(os.path.join(home, ".local/share/systemd/user") in paths,
              f"systemd-analyze --user unit-paths does not list ~/.local/share/systemd/user:\n{paths}")

        try:
            manager = Manager(tmp, user, home)
        except Skip as e:
            print(f"SKIP: {e}")
            return 77

        manager.systemctl("enable", "limberd")
        manager.systemctl("start", "limberd")
        check(manager.systemctl("is-active", "limberd", ok=False).stdout.strip() == "active",
              "limberd.service is not active after start")
        out = manager.busctl("get-property", BUS, OBJECT, BUS, "Version").stdout
        check(out.startswith('s "'), f"no Version from the started limberd: {out}")

        # Activation: with limberd stopped, the first call starts the unit.
        manager.systemctl("stop", "limberd")
        manager.busctl("get-property", BUS, OBJECT, BUS, "Version")
        check(manager.systemctl("is-active", "limberd", ok=False).stdout.strip() == "active",
              "the D-Bus call did not start limberd.service")

        # A rejected configuration fails the reload; the reload command says where.
        config_dir = os.path.join(home, ".config", "limber")
        os.makedirs(config_dir)
        config = os.path.join(config_dir, "limber.conf")
        with open(config, "w") as f:
            f.write(BAD_CONFIG)
        os.chown(config_dir, user.pw_uid, user.pw_gid)
        os.chown(os.path.dirname(config_dir), user.pw_uid, user.pw_gid)
        r = manager.systemctl("reload", "limberd", ok=False)
        check(r.returncode != 0, f"systemctl --user reload limberd succeeded with a bad config:\n{r.stdout}")
        check(manager.systemctl("is-active", "limberd", ok=False).stdout.strip() == "active",
              "limberd stopped after a rejected reload")
        r = run(*reload_command(prefix), env=manager.env, user=user, ok=False, timeout=60)
        check(r.returncode != 0, "the unit's reload command succeeded with a bad config")
        check(f"{config}:2:" in r.stderr, f"the reload command's output does not name {config}:2:\n{r.stderr}")

        with open(config, "w") as f:
            f.write("[mobility]\nmax_sitting = 45min\n")
        manager.systemctl("reload", "limberd")
        out = manager.busctl("get-property", BUS, OBJECT, BUS, "SittingLimit").stdout.split()
        check(out == ["t", str(45 * 60 * 10**6)], f"the reloaded max_sitting = 45min is not in force: {out}")
        manager.systemctl("stop", "limberd")

        # A compositor without graphical-session.target (sway, river, Hyprland): the
        # README's line in its config starts limberd at login with the display in its
        # environment, and run again (the compositor's config reloaded) only reloads it.
        exec_line = next(line[len("exec "):] for line in open(os.path.join(SRC, "README.md"))
                         if line.startswith("exec systemctl --user import-environment"))
        compositor_env = dict(manager.env, WAYLAND_DISPLAY="wayland-limber-test", SWAYSOCK="/nonexistent")
        run("sh", "-c", exec_line, env=compositor_env, user=user)
        check(manager.systemctl("is-active", "limberd", ok=False).stdout.strip() == "active",
              f"the compositor's line did not start limberd: {exec_line}")
        pid = manager.systemctl("show", "--property=MainPID", "--value", "limberd").stdout.strip()
        with open(f"/proc/{pid}/environ", "rb") as f:
            environ = f.read().split(b"\0")
        check(b"WAYLAND_DISPLAY=wayland-limber-test" in environ,
              "limberd started by the compositor's line has no WAYLAND_DISPLAY")
        run("sh", "-c", exec_line, env=compositor_env, user=user)
        again = manager.systemctl("show", "--property=MainPID", "--value", "limberd").stdout.strip()
        check(again == pid, f"the compositor's line run again restarted limberd ({pid} -> {again})")
        manager.systemctl("stop", "limberd")
    finally:
        if manager:
            manager.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS: user-manager")
    return 0


if __name__ == "__main__":
    sys.exit(main())
