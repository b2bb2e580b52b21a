#!/bin/sh
# The D-Bus latency benchmark: a private dbus-daemon, limberd with a realistic plan and
# the minimal sd-bus service of bench/min-service.c on it, then bench/dbus-latency
# times N round trips of each call (default 20000) and compares limberd with the
# floor. Usage: bench/dbus-latency.sh [BUILD_DIR [N]]
#
# Where the scheduler puts each process decides more than either service does: a
# service on the other CPU than the bus daemon pays a cross-CPU wake-up both ways
# (about 15 us here), and left alone the scheduler places limberd and the minimal
# service differently from run to run, so their ratio swings from 0.6x to 1.8x. So
# every process is pinned, in two layouts: all on one CPU, and the client and the bus
# on one CPU with both services on another.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
n=${2:-20000}
for f in daemon/limberd bench/min-service bench/dbus-latency; do
        [ -x "$build/$f" ] || { echo "$0: $build/$f is missing: build first" >&2; exit 1; }
done
. "$src/bench/private-session.sh"

bench_start_bus
bench_start_limberd '[feed]\nhttp = off\n'
bench_log_activities
"$build/bench/min-service" < /dev/null > "$bench_tmp/min-service.log" 2>&1 &
min_pid=$!
bench_pids="$bench_pids $min_pid"
bench_wait 10 bench_has_owner org.limber.Bench.Min ||
        bench_die "min-service did not start: $(cat "$bench_tmp/min-service.log")"

# The CPUs this script may use, first and second.
cpus=$(taskset -c -p $$ | sed 's/.*: //' | tr ',' '\n' |
        awk -F- '{ for (c = $1; c <= ($2 == "" ? $1 : $2); c++) print c }')
cpu0=$(echo "$cpus" | sed -n 1p)
cpu1=$(echo "$cpus" | sed -n 2p)

# measure CLIENT_AND_BUS_CPU SERVICES_CPU
measure() {
        taskset -p -c "$1" "$bus_pid" > /dev/null
        taskset -p -c "$2" "$limberd_pid" > /dev/null
        taskset -p -c "$2" "$min_pid" > /dev/null
        echo "client and dbus-daemon on CPU $1, limberd and min-service on CPU $2:"
        timeout 600 taskset -c "$1" "$build/bench/dbus-latency" "$n"
}

echo "$(echo "$cpus" | wc -l) CPUs; $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
measure "$cpu0" "$cpu0"
if [ -n "$cpu1" ]; then
        echo
        measure "$cpu0" "$cpu1"
fi
