# Sourced by bench/dbus-latency.sh and bench/feed-http.sh, not run: a private
# dbus-daemon and a limberd in temporary XDG folders with a realistic plan, the way
# tests/integration/harness.py starts them, so a benchmark never touches the user's
# session, files or port 8737. Everything started here is stopped by the EXIT trap.
#
# Needs: $src (the source tree) and $build (the build tree) set by the caller.
# shellcheck disable=SC2154

bench_tmp=$(mktemp -d /tmp/limber-bench.XXXXXX)
bench_pids=
bench_cleanup() {
        for pid in $bench_pids; do
                kill "$pid" 2>/dev/null || :
        done
        for pid in $bench_pids; do
                wait "$pid" 2>/dev/null || :
        done
        rm -rf "$bench_tmp"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# Nothing of the user's session leaks in.
unset DBUS_SESSION_BUS_ADDRESS NOTIFY_SOCKET LISTEN_FDS LISTEN_PID WATCHDOG_USEC SYSTEMD_LOG_LEVEL
for d in home config state data runtime plugins; do
        mkdir -m 0700 "$bench_tmp/$d"
done
export HOME="$bench_tmp/home" XDG_CONFIG_HOME="$bench_tmp/config" XDG_STATE_HOME="$bench_tmp/state" \
        XDG_DATA_HOME="$bench_tmp/data" XDG_RUNTIME_DIR="$bench_tmp/runtime"

# Fails the benchmark with a message.
bench_die() {
        echo "$0: $*" >&2
        exit 1
}

# Starts a dbus-daemon of type session listening in the temporary folder, and exports
# its address.
bench_start_bus() {
        cat > "$bench_tmp/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=$bench_tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
        dbus-daemon --config-file="$bench_tmp/bus.conf" --nofork --nopidfile --print-address=3 \
                3> "$bench_tmp/bus.address" 2> "$bench_tmp/dbus-daemon.stderr" < /dev/null &
        bus_pid=$!
        bench_pids="$bench_pids $bus_pid"
        bench_wait 10 test -s "$bench_tmp/bus.address" ||
                bench_die "dbus-daemon printed no address: $(cat "$bench_tmp/dbus-daemon.stderr")"
        DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$bench_tmp/bus.address")
        export DBUS_SESSION_BUS_ADDRESS
}

# bench_wait SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds; fails
# after SECONDS.
bench_wait() {
        limit=$(($1 * 20))
        shift
        i=0
        until "$@" > /dev/null 2>&1; do
                i=$((i + 1))
                [ "$i" -lt "$limit" ] || return 1
                sleep 0.05
        done
}

bench_has_owner() {
        busctl --user call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
                NameHasOwner s "$1" | grep -q true
}

# bench_start_limberd CONFIG_TEXT: limberd on the private bus with that limber.conf
# and no plugins, waited for until it owns its name.
bench_start_limberd() {
        printf '%b' "$1" > "$bench_tmp/limber.conf"
        "$build/daemon/limberd" --config "$bench_tmp/limber.conf" --state-dir "$bench_tmp/state/limber" \
                --data-dir "$bench_tmp/data/limber" --plugin-dir "$bench_tmp/plugins" \
                --routine-dir "$src/conf/routines" < /dev/null > "$bench_tmp/limberd.log" 2>&1 &
        limberd_pid=$!
        bench_pids="$bench_pids $limberd_pid"
        bench_wait 10 bench_has_owner io.github.limber.Limber1 ||
                bench_die "limberd did not start: $(cat "$bench_tmp/limberd.log")"
}

# Two weeks of training, as a tracker would log it: the plan then holds SMR sessions
# after the long efforts, brisk walks, a spike session and the week's history.
bench_log_activities() {
        now=$(date +%s)
        day=86400
        for a in "run 1 5400 16500" "walk 2 1800 2600" "ride 3 7200 52000" "strength 4 3600 0" \
                 "run 6 2700 8200" "walk 7 2400 3300" "run 8 4800 14000" "yoga 9 1800 0" \
                 "ride 10 5400 40000" "run 12 3000 9000" "hike 13 14400 18000"; do
                # shellcheck disable=SC2086
                set -- $a       # the fields: kind, days ago, seconds, metres
                start=$(((now - $2 * day - 7 * 3600) * 1000000))
                busctl --user call io.github.limber.Limber1 /io/github/limber/Limber1 \
                        io.github.limber.Limber1 LogActivity 'sttda{sv}' "$1" "$start" \
                        "$(($3 * 1000000))" "$4" 0 > /dev/null ||
                        bench_die "LogActivity $a failed"
        done
}
