/* Sport names as activity files spell them, mapped to limber's kinds of activity.
 *
 * Names compare case-insensitively, with '_', '-' and runs of spaces alike, so
 * "Running", "TRAIL_RUNNING" and "road-biking" match too. Anything else is "other".
 *
 *   run    running, run, trail running, treadmill, treadmill running, indoor running
 *   walk   walking, walk
 *   ride   biking, cycling, ride, bike, road biking, mountain biking, e-biking,
 *          indoor cycling
 *   swim   swimming, swim, pool swimming, lap swimming, open water,
 *          open water swimming
 *   hike   hiking, hike
 *
 * Where they come from: GPX <type> as Garmin Connect and OpenTracks write it
 * ("running", "road_biking"), TCX Activity@Sport ("Running", "Biking", "Other"), and
 * Gadgetbridge's activity kinds ("walking", "treadmill", "hiking"). */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>

#include "import.h"

static const struct {
        const char *name;
        const char *kind;
} kinds[] = {
        { "running",             "run" },
        { "run",                 "run" },
        { "trail running",       "run" },
        { "treadmill",           "run" },
        { "treadmill running",   "run" },
        { "indoor running",      "run" },
        { "walking",             "walk" },
        { "walk",                "walk" },
        { "biking",              "ride" },
        { "cycling",             "ride" },
        { "ride",                "ride" },
        { "bike",                "ride" },
        { "road biking",         "ride" },
        { "mountain biking",     "ride" },
        { "e-biking",            "ride" },
        { "indoor cycling",      "ride" },
        { "swimming",            "swim" },
        { "swim",                "swim" },
        { "pool swimming",       "swim" },
        { "lap swimming",        "swim" },
        { "open water",          "swim" },
        { "open water swimming", "swim" },
        { "hiking",              "hike" },
        { "hike",                "hike" },
};

static bool is_gap(char c) {
        return c == ' ' || c == '_' || c == '-' || c == '\t' || c == '\n' || c == '\r';
}

/* The next character of a name with gaps folded to one space and ends trimmed, or
 * '\0' at its end. */
static char next_char(const char **p) {
        const char *s = *p;

        if (is_gap(*s)) {
                while (is_gap(*s))
                        s++;
                if (!*s) {
                        *p = s;
                        return '\0';
                }
                *p = s;
                return ' ';
        }
        if (!*s)
                return '\0';
        *p = s + 1;
        return (char) tolower((unsigned char) *s);
}

static bool same_name(const char *a, const char *b) {
        while (is_gap(*a))
                a++;
        while (is_gap(*b))
                b++;
        for (;;) {
                char ca = next_char(&a), cb = next_char(&b);

                if (ca != cb)
                        return false;
                if (!ca)
                        return true;
        }
}

const char *limber_import_kind(const char *sport) {
        if (sport)
                for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
                        if (same_name(sport, kinds[i].name))
                                return kinds[i].kind;
        return "other";
}
