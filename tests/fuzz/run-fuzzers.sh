#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz with clang, AddressSanitizer,
# UndefinedBehaviorSanitizer and LeakSanitizer, straight from limber's sources, and runs
# each on a copy of its seed corpus (tests/fuzz/corpus/TARGET) for a bounded time.
#
#   tests/fuzz/run-fuzzers.sh [TARGET...]       TARGET: fit gpx tcx config (default all)
#
# Environment: FUZZ_SECONDS, seconds per target (60); CC, the compiler (clang);
# FUZZ_KEEP=1 keeps the work directory. Exit status: 0 when every target ran its time
# without a finding; 1 on a crash, leak, timeout or sanitizer report, after printing
# the input that causes it (its path, hex dump and base64) and how to run it again;
# 2 when a target cannot be built.
set -eu
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-60}
cc=${CC:-clang}
targets=${*:-fit gpx tcx config}

work=$(mktemp -d "${TMPDIR:-/tmp}/limber-fuzz.XXXXXX")
keep=${FUZZ_KEEP:-0}
cleanup() {
        if [ "$keep" = 1 ]; then
                echo "run-fuzzers: work directory kept: $work"
        else
                rm -rf "$work"
        fi
}
trap cleanup EXIT

cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
        -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter
        -Iplugins -Iplugins/files -Idaemon $(pkg-config --cflags libxml-2.0 inih)"
libs="$(pkg-config --libs libxml-2.0 inih) -lm"

sources_of() {
        case $1 in
        fit)    echo plugins/files/fit.c plugins/files/kinds.c ;;
        gpx)    echo plugins/files/gpx.c plugins/files/kinds.c ;;
        tcx)    echo plugins/files/tcx.c plugins/files/kinds.c ;;
        config) echo daemon/config.c daemon/parse.c ;;
        *)      echo "run-fuzzers: unknown target '$1' (fit, gpx, tcx, config)" >&2; exit 2 ;;
        esac
}

mkdir -p "$work/bin" "$work/artifacts"
for t in $targets; do
        src=$(sources_of "$t")
        echo "run-fuzzers: building fuzz-$t"
        # shellcheck disable=SC2086 # word lists
        if ! $cc $cflags -o "$work/bin/fuzz-$t" "tests/fuzz/fuzz-$t.c" $src $libs; then
                echo "run-fuzzers: fuzz-$t does not build" >&2
                exit 2
        fi
done

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

failed=""
for t in $targets; do
        mkdir -p "$work/corpus/$t"
        cp tests/fuzz/corpus/"$t"/* "$work/corpus/$t/"
        echo "run-fuzzers: running fuzz-$t for ${seconds}s"
        if "$work/bin/fuzz-$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
                -detect_leaks=1 -print_final_stats=1 \
                -artifact_prefix="$work/artifacts/$t-" "$work/corpus/$t" >"$work/$t.log" 2>&1; then
                grep -E '^(Done|stat::number_of_executed_units|#[0-9]+[[:space:]]+DONE)' "$work/$t.log" || true
        else
                failed="$failed $t"
                echo "run-fuzzers: fuzz-$t FAILED; its log:" >&2
                tail -n 80 "$work/$t.log" >&2
                for a in "$work/artifacts/$t-"*; do
                        [ -e "$a" ] || continue
                        keep=1
                        echo "run-fuzzers: reproducer $a ($(wc -c <"$a") bytes):" >&2
                        od -A d -t x1z -v "$a" | head -n 64 >&2
                        echo "run-fuzzers: base64:" >&2
                        base64 "$a" >&2
                        echo "run-fuzzers: run it again with: $work/bin/fuzz-$t $a" >&2
                done
        fi
done

if [ -n "$failed" ]; then
        echo "run-fuzzers: findings in:$failed" >&2
        exit 1
fi
echo "run-fuzzers: no findings in $targets (${seconds}s each)"
