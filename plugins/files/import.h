/* What the activity file parsers make of a file: one activity, in limber's terms.
 * Pure: the parsers take bytes and return a result or the reason for refusing them. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct limber_import {
        char kind[16];                  /* limber's: run, walk, ride, swim, hike, other */
        char sport[64];                 /* what the file said, for messages */
        uint64_t start_usec;            /* CLOCK_REALTIME µs of the first timestamp */
        uint64_t duration_usec;         /* elapsed: first to last timestamp, pauses included */
        double distance_m;              /* 0 when the file gives none and no track */
};

/* Each returns 0 and fills *ret, or -EINVAL (or -ENOMEM) and writes the reason into
 * why ("no track points with a time", "XML error at line 12: ..."). size is the whole
 * file; data need not be NUL-terminated. */
int limber_parse_gpx(const char *data, size_t size, struct limber_import *ret, char *why, size_t why_size);
int limber_parse_tcx(const char *data, size_t size, struct limber_import *ret, char *why, size_t why_size);
int limber_parse_fit(const uint8_t *data, size_t size, struct limber_import *ret, char *why, size_t why_size);

/* Maps a sport name as GPX <type>, TCX Sport or Gadgetbridge name it (case-insensitive:
 * "running", "Running", "run", "Biking", "cycling", ...) to limber's kind; "other"
 * when unknown. The table is documented in the README. */
const char *limber_import_kind(const char *sport);
