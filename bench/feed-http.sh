#!/bin/sh
# The feed over HTTP: limberd on a private bus with a realistic plan and its feed on
# 127.0.0.1 at a free port, then wrk for DURATION seconds (default 10) with 2
# connections, first full GETs (200 and the whole feed), then conditional GETs with
# If-None-Match: the feed's ETag (304, no body), as a subscribed calendar polls.
# Usage: bench/feed-http.sh [BUILD_DIR [DURATION]]
#
# Loopback only: the URL is the FeedUrl limberd reports, refused unless on 127.0.0.1.
# wrk runs one thread (two connections): limberd serves from its one event-loop thread,
# and on a 2-CPU machine a second wrk thread would take CPU time from it. With two CPUs
# or more, limberd and wrk are pinned to one each, as a calendar client on another core
# would be: left to the scheduler, the same run gave 85,000 to 150,000 requests/s. Run
# it on an otherwise idle machine (it prints the load average): a pinned process cannot
# move away from other load, and the tail then shows that load's time slices.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
duration=${2:-10}
[ -x "$build/daemon/limberd" ] || { echo "$0: $build/daemon/limberd is missing: build first" >&2; exit 1; }
command -v wrk > /dev/null || { echo "$0: wrk is missing (Debian package wrk)" >&2; exit 1; }
command -v curl > /dev/null || { echo "$0: curl is missing" >&2; exit 1; }
. "$src/bench/private-session.sh"

bench_start_bus
bench_start_limberd '[feed]\nhttp = 127.0.0.1:0\n'
bench_log_activities

url=$(busctl --user get-property io.github.limber.Limber1 /io/github/limber/Limber1 \
        io.github.limber.Limber1 FeedUrl | sed -n 's/^s "\(.*\)"$/\1/p')
case "$url" in
http://127.0.0.1:[0-9]*/*) ;;
*) bench_die "FeedUrl '$url' is not on 127.0.0.1" ;;
esac

# The feed as a client sees it: 200 with an ETag, then 304 for that ETag.
curl -sS --noproxy '*' --max-time 5 -D "$bench_tmp/headers" -o "$bench_tmp/feed.ics" "$url"
etag=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *\([^\r]*\)\r*$/\1/p' "$bench_tmp/headers")
[ -n "$etag" ] || bench_die "no ETag in the response: $(cat "$bench_tmp/headers")"
status=$(curl -sS --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url")
[ "$status" = 304 ] || bench_die "If-None-Match: $etag got $status, not 304"
sessions=$(grep -c '^BEGIN:VEVENT' "$bench_tmp/feed.ics" || :)
echo "feed: $(wc -c < "$bench_tmp/feed.ics") bytes, $sessions events, ETag $etag"

cpus=$(taskset -c -p $$ | sed 's/.*: //' | tr ',' '\n' |
        awk -F- '{ for (c = $1; c <= ($2 == "" ? $1 : $2); c++) print c }')
cpu0=$(echo "$cpus" | sed -n 1p)
cpu1=$(echo "$cpus" | sed -n 2p)
echo "$(echo "$cpus" | wc -l) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
pin=
if [ -n "$cpu1" ]; then
        taskset -p -c "$cpu1" "$limberd_pid" > /dev/null
        pin="taskset -c $cpu0"
        echo "limberd on CPU $cpu1, wrk on CPU $cpu0"
fi

# run TITLE [WRK OPTION]...: wrk's summary and latency percentiles, nothing else.
run() {
        echo
        echo "$1"
        shift
        # $pin is empty or "taskset -c N": split on purpose.
        # shellcheck disable=SC2086
        timeout $((duration + 30)) $pin wrk -t1 -c2 -d"${duration}s" --timeout 5s --latency "$@" "$url" |
                sed -n -e '/Thread Stats/,/Req\/Sec/p' -e '/Latency Distribution/,/99%/p' \
                       -e '/requests in/p' -e '/Non-2xx/p' -e '/Socket errors/p' -e '/Requests\/sec/p' \
                       -e '/Transfer\/sec/p'
}

run "full GET (200):"
run "conditional GET, If-None-Match: the ETag (304):" -H "If-None-Match: $etag"
