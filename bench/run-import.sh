#!/bin/sh
# The import benchmark: limber's parsers and gpsbabel read the same generated corpus
# (2,000 GPX tracks, 2 million points by default), side by side; prints both times and
# their ratio. Usage: bench/run-import.sh [BUILD_DIR [FILES [POINTS]]]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
files=${2:-2000}
points=${3:-1000}
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT

echo "Generating $files files of $points points in $corpus ..."
python3 "$src/bench/make-import-corpus.py" "$corpus" "$files" "$points"
cat "$corpus"/*.gpx > /dev/null     # both start with the files in the page cache

start=$(date +%s.%N)
"$build/bench/bench-import" "$corpus"
end=$(date +%s.%N)
limber=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')

# gpsbabel reads every file into its tracks and writes them to /dev/null in its
# simplest text form: the least work it can be asked to do with a track.
set --
for f in "$corpus"/*.gpx; do set -- "$@" -f "$f"; done
start=$(date +%s.%N)
gpsbabel -i gpx "$@" -o unicsv -F /dev/null
end=$(date +%s.%N)
babel=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')

printf 'limber:   %.2f s (whole process)\ngpsbabel: %.2f s\nratio:    gpsbabel takes %.1fx as long (target: at least 2x)\n' \
        "$limber" "$babel" "$(awk -v a="$limber" -v b="$babel" 'BEGIN { print b / a }')"
