/* Tests for busy times (busy.h): the calendars in tests/data/busy, read with the process
 * in Europe/Berlin, against intervals worked out by hand; and the files a user may get
 * wrong, each reported with its place and skipped.
 *
 * Berlin is UTC+1 (CET) until 2024-03-31 02:00 and UTC+2 (CEST) after; New York went to
 * EDT (UTC-4) on 2024-03-10; Tokyo is UTC+9. The window is four weeks from Monday
 * 2024-03-18 00:00 UTC.
 *
 * The Google Calendar export and the one-event calendars after it lie in December 2026,
 * when Berlin is UTC+1 (CET): 18:00 local is 17:00Z, local midnight 23:00Z the day
 * before. */
#include <errno.h>
#include <fcntl.h>
#include <libical/ical.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "busy.h"
#include "check.h"
#include "log.h"
#include "util.h"

#define OWN_SUFFIX "@limber-abc123"

static char data_dir[PATH_MAX];

/* Days from 1970-01-01 to a date of the Gregorian calendar (year > 0), as a constant
 * expression (Howard Hinnant's days_from_civil), so tables can hold instants. */
#define Y_(y, m) ((y) - ((m) <= 2))
#define DAYS(y, m, d)                                                                        \
        ((Y_(y, m) / 400) * 146097 + (Y_(y, m) % 400) * 365 + (Y_(y, m) % 400) / 4 -          \
         (Y_(y, m) % 400) / 100 + (153 * ((m) > 2 ? (m) - 3 : (m) + 9) + 2) / 5 + (d) - 1 - 719468)

/* An instant written as a UTC calendar time. */
#define U(y, mo, d, h, mi) \
        ((usec_t) ((int64_t) DAYS(y, mo, d) * 86400 + (h) * 3600 + (mi) * 60) * USEC_PER_SEC)

#define FROM U(2024, 3, 18, 0, 0)
#define UNTIL U(2024, 4, 15, 0, 0)

struct reports {
        struct {
                char *path;
                unsigned line;
                char *message;
        } v[32];
        size_t n;
};

static void collect(const char *path, unsigned line, const char *message, void *userdata) {
        struct reports *r = userdata;

        if (r->n < ELEMENTSOF(r->v)) {
                r->v[r->n].path = strdup(path);
                r->v[r->n].line = line;
                r->v[r->n].message = strdup(message);
        }
        r->n++;
}

static void reports_clear(struct reports *r) {
        for (size_t i = 0; i < r->n && i < ELEMENTSOF(r->v); i++) {
                free(r->v[i].path);
                free(r->v[i].message);
        }
        r->n = 0;
}

struct expected_report {
        const char *path;       /* under data_dir, or absolute */
        unsigned line;
        const char *message;    /* a trailing '*' matches any rest: libical's own wording */
};

static void check_reports(const struct reports *got, const struct expected_report *want, size_t n_want) {
        CHECK_INT(got->n, n_want);
        for (size_t i = 0; i < got->n && i < n_want && i < ELEMENTSOF(got->v); i++) {
                char path[PATH_MAX * 2];
                size_t len = strlen(want[i].message);

                CHECK_CONTEXT("report %zu: %s:%u: %s", i, got->v[i].path, got->v[i].line, got->v[i].message);
                if (want[i].path[0] == '/')
                        snprintf(path, sizeof path, "%s", want[i].path);
                else
                        snprintf(path, sizeof path, "%s/%s", data_dir, want[i].path);
                CHECK_STR(got->v[i].path, path);
                CHECK_INT(got->v[i].line, want[i].line);
                if (len > 0 && want[i].message[len - 1] == '*')
                        CHECK(strncmp(got->v[i].message, want[i].message, len - 1) == 0);
                else
                        CHECK_STR(got->v[i].message, want[i].message);
        }
        CHECK_CONTEXT_CLEAR();
}

static void check_intervals(const char *name, const struct limber_interval *got, size_t n_got,
                            const struct limber_interval *want, size_t n_want) {
        CHECK_CONTEXT("%s", name);
        CHECK_INT(n_got, n_want);
        CHECK(n_got > 0 || got == NULL);
        for (size_t i = 0; i < n_got && i < n_want; i++) {
                CHECK_CONTEXT("%s: interval %zu", name, i);
                CHECK_U64(got[i].start, want[i].start);
                CHECK_U64(got[i].end, want[i].end);
        }
        CHECK_CONTEXT_CLEAR();
}

/* Loads paths (relative to data_dir unless absolute) and checks the intervals; the
 * reports are left in *reports. */
static void load(const char *name, const char *const *rel, usec_t from, usec_t until, const char *suffix,
                 const struct limber_interval *want, size_t n_want, struct reports *reports) {
        char *paths[16] = { NULL };
        struct limber_interval *busy = NULL;
        size_t n = 0, k = 0;

        for (; rel[k] && k < ELEMENTSOF(paths) - 1; k++) {
                int r = rel[k][0] == '/' ? asprintf(&paths[k], "%s", rel[k]) :
                                           asprintf(&paths[k], "%s/%s", data_dir, rel[k]);
                if (r < 0)
                        paths[k] = NULL;
        }

        CHECK_CONTEXT("%s", name);
        CHECK_INT(limber_busy_load(paths, from, until, suffix, collect, reports, &busy, &n), 0);
        check_intervals(name, busy, n, want, n_want);

        free(busy);
        for (size_t i = 0; i < k; i++)
                free(paths[i]);
}

/* The work calendar: one VCALENDAR of many events, two VTIMEZONEs. */
static const struct limber_interval work[] = {
        /* "Night release" 23:30Z-00:30Z overlaps the window's start: given whole. */
        { U(2024, 3, 17, 23, 30), U(2024, 3, 18, 0, 30) },
        /* "Team sync", Mondays 10:00-11:00 Europe/Berlin: 10:00 CET = 09:00Z. The
         * 03-25 instance has an EXDATE; the 04-01 one is moved (below). */
        { U(2024, 3, 18, 9, 0), U(2024, 3, 18, 10, 0) },
        /* "Call with New York", 09:00-10:00 in the file's own "Eastern Standard Time"
         * (an Outlook name tzdata lacks): 09:00 EDT = 13:00Z. Not 08:00Z (local) or
         * 14:00Z (EST without its DST rule). 03-19 13:00-15:00Z "Focus time" is
         * TRANSPARENT, 03-20 "Cancelled review" CANCELLED, 03-21 17:00Z limber's own,
         * and 03-22 "Conference" all day without TRANSP: none of them busy. */
        { U(2024, 3, 19, 13, 0), U(2024, 3, 19, 14, 0) },
        /* "Call with Tokyo", 16:00 Asia/Tokyo (no VTIMEZONE: tzdata) = 07:00Z, with
         * DURATION:PT1H30M rather than DTEND. */
        { U(2024, 3, 27, 7, 0), U(2024, 3, 27, 8, 30) },
        /* The 04-01 team sync moved by RECURRENCE-ID to 04-02 14:00-15:00 CEST =
         * 12:00-13:00Z, and "Debrief" 13:00-13:30Z right after it: touching, merged. */
        { U(2024, 4, 2, 12, 0), U(2024, 4, 2, 13, 30) },
        /* "Lunch", floating 12:00-13:00: local time, 12:00 CEST = 10:00Z. */
        { U(2024, 4, 3, 10, 0), U(2024, 4, 3, 11, 0) },
        /* Team sync 10:00 CEST = 08:00-09:00Z, and "Review" 08:30-09:30Z: merged. */
        { U(2024, 4, 8, 8, 0), U(2024, 4, 8, 9, 30) },
        /* "Vacation", all day 04-10 and 04-11 with TRANSP:OPAQUE: local midnight to
         * local midnight, 00:00 CEST = 22:00Z the day before. */
        { U(2024, 4, 9, 22, 0), U(2024, 4, 11, 22, 0) },
        /* "Moving day", all day 04-13, OPAQUE, with neither DTEND nor DURATION: the one
         * day. (The plumber's DTSTART 03-26 08:00Z alone takes no time.) The team sync
         * of 04-15 08:00Z starts after the window. */
        { U(2024, 4, 12, 22, 0), U(2024, 4, 13, 22, 0) },
};

static void test_work(void) {
        static const char *const paths[] = { "work.ics", NULL };
        struct reports r = { .n = 0 };

        load("work", paths, FROM, UNTIL, OWN_SUFFIX, work, ELEMENTSOF(work), &r);
        check_reports(&r, NULL, 0);
        reports_clear(&r);
}

static void test_own_uid(void) {
        static const char *const paths[] = { "work.ics", NULL };
        struct limber_interval with_own[ELEMENTSOF(work) + 1];
        struct reports r = { .n = 0 };

        /* Without a suffix, limber's own session 03-21 17:00-17:20Z is busy like any other. */
        memcpy(with_own, work, 3 * sizeof work[0]);
        with_own[3] = (struct limber_interval) { U(2024, 3, 21, 17, 0), U(2024, 3, 21, 17, 20) };
        memcpy(with_own + 4, work + 3, (ELEMENTSOF(work) - 3) * sizeof work[0]);

        load("no suffix", paths, FROM, UNTIL, NULL, with_own, ELEMENTSOF(with_own), &r);
        load("empty suffix", paths, FROM, UNTIL, "", with_own, ELEMENTSOF(with_own), &r);
        /* A suffix is matched at the end of the UID only. */
        load("other suffix", paths, FROM, UNTIL, "@limber-abc", with_own, ELEMENTSOF(with_own), &r);
        check_reports(&r, NULL, 0);
        reports_clear(&r);
}

static void test_window(void) {
        static const char *const paths[] = { "work.ics", NULL };
        static const struct limber_interval night_and_sync[] = {
                { U(2024, 3, 17, 23, 30), U(2024, 3, 18, 0, 30) },
                { U(2024, 3, 18, 9, 0), U(2024, 3, 18, 10, 0) },
        };
        static const struct limber_interval sync_0415[] = {
                /* beyond the work window: the recurrence goes on */
                { U(2024, 4, 15, 8, 0), U(2024, 4, 15, 9, 0) },
        };
        struct reports r = { .n = 0 };

        /* Half-open: the night release ends as the window starts, the team sync starts
         * as it ends. */
        load("between", paths, U(2024, 3, 18, 0, 30), U(2024, 3, 18, 9, 0), OWN_SUFFIX, NULL, 0, &r);
        /* One microsecond more on each side takes both, whole. */
        load("touching", paths, U(2024, 3, 18, 0, 30) - 1, U(2024, 3, 18, 9, 0) + 1, OWN_SUFFIX,
             night_and_sync, ELEMENTSOF(night_and_sync), &r);
        /* The Monday after the EXDATE: nothing on 03-25, and the window asks for no
         * more than it holds. */
        load("exdate", paths, U(2024, 3, 25, 0, 0), U(2024, 3, 26, 0, 0), OWN_SUFFIX, NULL, 0, &r);
        load("later", paths, U(2024, 4, 15, 0, 0), U(2024, 4, 16, 0, 0), OWN_SUFFIX,
             sync_0415, ELEMENTSOF(sync_0415), &r);
        load("empty window", paths, FROM, FROM, OWN_SUFFIX, NULL, 0, &r);
        /* No end: held to what libical can count (year 9999) without overflowing. The
         * gym's last instance is its RDATE, 04-05 18:00 CEST. */
        load("no end", (const char *const[]) { "vdir/a.ics", NULL }, U(2024, 4, 4, 0, 0), UINT64_MAX,
             OWN_SUFFIX, (const struct limber_interval[]) { { U(2024, 4, 5, 16, 0), U(2024, 4, 5, 17, 0) } }, 1, &r);
        check_reports(&r, NULL, 0);
        reports_clear(&r);
}

static void test_vdir(void) {
        static const char *const paths[] = { "vdir/", NULL };
        static const struct limber_interval want[] = {
                /* a.ics "Gym": floating 18:00-19:00, weekly from 03-20, COUNT=3, and an
                 * RDATE 04-05. 18:00 CET = 17:00Z; 18:00 CEST = 16:00Z. */
                { U(2024, 3, 20, 17, 0), U(2024, 3, 20, 18, 0) },
                /* b.ics "Choir": floating Thursdays 19:00-21:00 since 2000. */
                { U(2024, 3, 21, 18, 0), U(2024, 3, 21, 20, 0) },
                { U(2024, 3, 27, 17, 0), U(2024, 3, 27, 18, 0) },
                /* The 03-28 choir is overridden by a CANCELLED RECURRENCE-ID in b.ics's
                 * second VCALENDAR; "Doctor" 08:00-09:00Z is in that one too. */
                { U(2024, 3, 29, 8, 0), U(2024, 3, 29, 9, 0) },
                { U(2024, 4, 3, 16, 0), U(2024, 4, 3, 17, 0) },
                { U(2024, 4, 4, 17, 0), U(2024, 4, 4, 19, 0) },
                { U(2024, 4, 5, 16, 0), U(2024, 4, 5, 17, 0) },
                { U(2024, 4, 11, 17, 0), U(2024, 4, 11, 19, 0) },
                /* notes.txt (03-26 10:00Z) and .pending.ics (03-26 12:00Z) are not read. */
        };
        struct reports r = { .n = 0 };

        load("vdir", paths, FROM, UNTIL, OWN_SUFFIX, want, ELEMENTSOF(want), &r);
        check_reports(&r, NULL, 0);
        reports_clear(&r);
}

static void test_malformed(void) {
        static const char *const paths[] = {
                "bad.ics", "garbage.ics", "truncated.ics", "missing.ics", NULL,
        };
        static const struct limber_interval want[] = {
                /* "weekly-for-ever": COUNT=200000 from 03-04, but the window is reached
                 * in a few steps: Mondays 06:00-06:15Z. */
                { U(2024, 3, 18, 6, 0), U(2024, 3, 18, 6, 15) },
                { U(2024, 3, 25, 6, 0), U(2024, 3, 25, 6, 15) },
                /* "good": still read after all that went wrong before it */
                { U(2024, 3, 25, 14, 0), U(2024, 3, 25, 15, 0) },
                { U(2024, 4, 1, 6, 0), U(2024, 4, 1, 6, 15) },
                { U(2024, 4, 8, 6, 0), U(2024, 4, 8, 6, 15) },
        };
        static const struct expected_report reports[] = {
                { "bad.ics", 0, "Got a data line, but could not find a property name*" },
                { "bad.ics", 5, "event 'bad-dtstart@example.com': Can't parse as DATE-TIME value in DTSTART*" },
                { "bad.ics", 11, "event 'bad-rrule@example.com': Can't parse as RECUR value in RRULE*" },
                { "bad.ics", 18, "event 'mars@example.com': unknown time zone 'Mars/Olympus_Mons' "
                                 "(no VTIMEZONE in the file, none in tzdata)" },
                { "bad.ics", 24, "event 'backwards@example.com': ends before it starts" },
                { "bad.ics", 30, "event 'no-start@example.com': no DTSTART" },
                { "bad.ics", 35, "event 'every-minute@example.com': RRULE with COUNT=100000000 is too long "
                                 "to expand (more than 100000 occurrences)" },
                { "bad.ics", 42, "event: Can't parse as DURATION value in DURATION*" },
                { "garbage.ics", 0, "no complete VCALENDAR (BEGIN:VCALENDAR to END:VCALENDAR)" },
                { "truncated.ics", 0, "no complete VCALENDAR (BEGIN:VCALENDAR to END:VCALENDAR)" },
                { "missing.ics", 0, "cannot open: No such file or directory" },
        };
        struct reports r = { .n = 0 };

        load("malformed", paths, FROM, UNTIL, OWN_SUFFIX, want, ELEMENTSOF(want), &r);
        check_reports(&r, reports, ELEMENTSOF(reports));
        reports_clear(&r);
}

static int write_file(const char *dir, const char *name, const void *data, size_t size) {
        char path[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof path, "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f)
                return -errno;
        fwrite(data, 1, size, f);
        return fclose(f) == 0 ? 0 : -errno;
}

/* What is written to stderr while fn runs, malloc'd; NULL if it cannot be caught. */
static char *stderr_of(void (*fn)(void)) {
        FILE *f = tmpfile();
        int saved = -1;
        char *text = NULL;

        if (!CHECK(f != NULL))
                return NULL;
        fflush(stderr);
        saved = dup(STDERR_FILENO);
        if (CHECK(saved >= 0) && CHECK(dup2(fileno(f), STDERR_FILENO) >= 0)) {
                fn();
                fflush(stderr);
                CHECK(dup2(saved, STDERR_FILENO) >= 0);
        }
        if (saved >= 0)
                close(saved);

        long size = ftell(f);
        if (CHECK(size >= 0) && (text = calloc(1, (size_t) size + 1))) {
                rewind(f);
                if (fread(text, 1, (size_t) size, f) != (size_t) size)
                        text[0] = '\0';
        }
        fclose(f);
        return text;
}

/* A Google Calendar export (tests/data/busy/google-export.ics), as Google writes it: its
 * own VTIMEZONE, events with TZID or in UTC, and an empty DESCRIPTION and LOCATION on
 * nearly every event, which libical 3.0 marks with an X-LIC-ERROR each. The window is
 * two weeks from Monday 2026-12-07 00:00 Berlin. */
#define G_FROM U(2026, 12, 6, 23, 0)
#define G_UNTIL U(2026, 12, 20, 23, 0)

static const struct limber_interval google[] = {
        /* "Dinner with Anna", Monday 18:30-20:30 Berlin. */
        { U(2026, 12, 7, 17, 30), U(2026, 12, 7, 19, 30) },
        /* "Spanish B1 evening class", Tuesdays and Thursdays 18:00-20:00 Berlin since
         * 11-03. Tuesday 12-08 has an EXDATE; Wednesday's "Maybe cinema" 18:00-21:00 is
         * TRANSPARENT. */
        { U(2026, 12, 10, 17, 0), U(2026, 12, 10, 19, 0) },
        /* "Team lunch" 11:00-12:00Z, in UTC as Google writes one-off events; the "Team
         * Christmas dinner" that evening is CANCELLED. */
        { U(2026, 12, 11, 11, 0), U(2026, 12, 11, 12, 0) },
        /* "Ski day in Garmisch", all day Saturday, TRANSP:OPAQUE: local midnight to local
         * midnight. Sunday's birthday (all day, yearly) is TRANSPARENT. */
        { U(2026, 12, 11, 23, 0), U(2026, 12, 12, 23, 0) },
        /* The class of Tuesday 12-15 moved by RECURRENCE-ID to Wednesday 12-16
         * 18:15-20:15 Berlin; nothing is left at its own time. */
        { U(2026, 12, 16, 17, 15), U(2026, 12, 16, 19, 15) },
        { U(2026, 12, 17, 17, 0), U(2026, 12, 17, 19, 0) },
        /* The dentist of 11-20 lies before the window. */
};

/* What one reading of the export gave, kept for checks made after stderr is back. */
static struct {
        int r;
        struct limber_interval *busy;
        size_t n;
        struct reports reports;
} google_read;

static void read_google(void) {
        char path[PATH_MAX + 32];
        char *paths[] = { path, NULL };

        snprintf(path, sizeof path, "%s/google-export.ics", data_dir);
        google_read.r = limber_busy_load(paths, G_FROM, G_UNTIL, OWN_SUFFIX, collect, &google_read.reports,
                                         &google_read.busy, &google_read.n);
}

/* Every event counts, none is reported, and nothing is logged above debug. */
static void test_google(void) {
        for (int verbose = 0; verbose <= 1; verbose++) {
                char *log, *nl;

                limber_log_set_verbose(verbose);
                log = stderr_of(read_google);
                limber_log_set_verbose(false);

                CHECK_CONTEXT("google, verbose %d", verbose);
                CHECK_INT(google_read.r, 0);
                check_intervals("google", google_read.busy, google_read.n, google, ELEMENTSOF(google));
                check_reports(&google_read.reports, NULL, 0);
                reports_clear(&google_read.reports);
                free(google_read.busy);

                if (!CHECK(log != NULL))
                        continue;
                CHECK_CONTEXT("google, verbose %d: %s", verbose, log);
                if (!verbose)
                        CHECK(log[0] == '\0');
                else {
                        /* One debug line for the whole file, for whoever wonders. */
                        CHECK(strncmp(log, "<7>", 3) == 0);
                        CHECK(strstr(log, "/tests/data/busy/google-export.ics: ") != NULL);
                        nl = strchr(log, '\n');
                        CHECK(nl != NULL && nl[1] == '\0');
                }
                CHECK_CONTEXT_CLEAR();
                free(log);
        }
}

/* One event of a calendar, with what libical 3.0 makes of it. Unless a case says
 * otherwise the event is Monday 2026-12-07 18:00-19:00 Berlin, 17:00-18:00Z. */
struct one_event {
        const char *name;
        const char *properties;         /* CRLF-terminated lines, UID and DTSTAMP given */
        bool busy;
        const char *report;             /* for an event skipped: as in expected_report */
};

#define TIMES "DTSTART;TZID=Europe/Berlin:20261207T180000\r\nDTEND;TZID=Europe/Berlin:20261207T190000\r\n"

static const struct one_event one_events[] = {
        /* Valid RFC 5545 that libical 3.0 cannot hold: harmless. */
        { "empty DESCRIPTION and LOCATION", TIMES "DESCRIPTION:\r\nLOCATION:\r\nSTATUS:CONFIRMED\r\n"
          "TRANSP:OPAQUE\r\n", true, NULL },
        { "empty SUMMARY, CLASS and X- property", TIMES "SUMMARY:\r\nCLASS:\r\nX-GOOGLE-CONFERENCE:\r\n",
          true, NULL },
        /* Broken, but in what limber does not read. */
        { "bad parameter of LOCATION", TIMES "LOCATION;=x:Room 1\r\n", true, NULL },
        { "unknown property name", TIMES "FOO:bar\r\n", true, NULL },
        { "fold without its space in SUMMARY", TIMES "SUMMARY:Weekly\r\nsync\r\n", true, NULL },
        { "empty DESCRIPTION before the times", "DESCRIPTION:\r\n" TIMES, true, NULL },

        /* What places the event: skipped, and said so. */
        { "garbled DTSTART", "DESCRIPTION:\r\nLOCATION:\r\nDTSTART:tomorrow\r\n"
          "DTEND;TZID=Europe/Berlin:20261207T190000\r\n", false,
          "event 'x@google.com': Can't parse as DATE-TIME value in DTSTART property*" },
        { "empty DTSTART", "DTSTART:\r\nDTEND;TZID=Europe/Berlin:20261207T190000\r\nDESCRIPTION:\r\n", false,
          "event 'x@google.com': No value for DTSTART property*" },
        { "bad VALUE of DTSTART", "DTSTART;VALUE=SOON:20261207T170000Z\r\nDTEND:20261207T180000Z\r\n", false,
          "event 'x@google.com': Invalid VALUE type for property DTSTART*" },
        { "bad parameter of DTEND", "DTSTART:20261207T170000Z\r\nDTEND;=x:20261207T180000Z\r\nLOCATION:\r\n",
          false, "event 'x@google.com': Can't parse parameter name*" },
        { "garbled DURATION", "DTSTART:20261207T170000Z\r\nDURATION:an hour\r\n", false,
          "event 'x@google.com': Can't parse as DURATION value in DURATION property*" },
        { "fold without its space in RRULE", TIMES "RRULE:FREQ=WEEKLY;BYDAY=MO\r\n,TU\r\n", false,
          "event 'x@google.com': Got a data line, but could not find a property name*" },
        { "garbled EXDATE", TIMES "RRULE:FREQ=DAILY\r\nEXDATE;TZID=Europe/Berlin:someday\r\n", false,
          "event 'x@google.com': Can't parse as DATE-TIME value in EXDATE property*" },
        { "empty RDATE", TIMES "RDATE:\r\n", false, "event 'x@google.com': No value for RDATE property*" },
        { "garbled RECURRENCE-ID", TIMES "RECURRENCE-ID;TZID=Europe/Berlin:soon\r\n", false,
          "event 'x@google.com': Can't parse as DATE-TIME value in RECURRENCE-ID property*" },
        { "empty STATUS", TIMES "STATUS:\r\n", false, "event 'x@google.com': No value for STATUS property*" },
        { "empty TRANSP", TIMES "TRANSP:\r\n", false, "event 'x@google.com': No value for TRANSP property*" },
};

static void test_one_events(void) {
        static const struct limber_interval monday[] = { { U(2026, 12, 7, 17, 0), U(2026, 12, 7, 18, 0) } };
        char dir[] = "/tmp/test-busy-XXXXXX", path[PATH_MAX];
        const char *paths[] = { path, NULL };

        if (!CHECK(mkdtemp(dir) != NULL))
                return;
        snprintf(path, sizeof path, "%s/one.ics", dir);

        for (size_t i = 0; i < ELEMENTSOF(one_events); i++) {
                const struct one_event *c = &one_events[i];
                struct reports r = { .n = 0 };
                char *ics;

                if (asprintf(&ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//limber//test//EN\r\n"
                             "BEGIN:VEVENT\r\nUID:x@google.com\r\nDTSTAMP:20261201T120000Z\r\n%s"
                             "END:VEVENT\r\nEND:VCALENDAR\r\n", c->properties) < 0)
                        continue;
                CHECK_INT(write_file(dir, "one.ics", ics, strlen(ics)), 0);
                free(ics);

                load(c->name, paths, G_FROM, G_UNTIL, OWN_SUFFIX, c->busy ? monday : NULL, c->busy ? 1 : 0, &r);
                if (c->report) {
                        const struct expected_report want = { path, 4, c->report };
                        check_reports(&r, &want, 1);
                } else
                        check_reports(&r, NULL, 0);
                reports_clear(&r);
        }

        CHECK_INT(unlink(path), 0);
        CHECK_INT(rmdir(dir), 0);
}

/* All-day events as Google writes them: DATE values, TRANSP always given, an empty
 * DESCRIPTION and LOCATION. Busy when marked so (OPAQUE), for every local day they
 * cover; free when TRANSPARENT; and, as for other clients, free without TRANSP. The
 * calendar's empty description is no problem either. */
static void test_all_day(void) {
        static const char ics[] =
                "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\n"
                "X-WR-CALNAME:Jane\r\nX-WR-CALDESC:\r\n"
                "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261212\r\nDTEND;VALUE=DATE:20261214\r\n"
                "DTSTAMP:20261201T120000Z\r\nUID:ski-weekend@google.com\r\nDESCRIPTION:\r\nLOCATION:\r\n"
                "SEQUENCE:0\r\nSTATUS:CONFIRMED\r\nSUMMARY:Ski weekend\r\nTRANSP:OPAQUE\r\nEND:VEVENT\r\n"
                "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261216\r\nDTEND;VALUE=DATE:20261217\r\n"
                "DTSTAMP:20261201T120000Z\r\nUID:home-office@google.com\r\nDESCRIPTION:\r\nLOCATION:\r\n"
                "SEQUENCE:0\r\nSTATUS:CONFIRMED\r\nSUMMARY:Working from home\r\nTRANSP:TRANSPARENT\r\n"
                "END:VEVENT\r\n"
                "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261218\r\nDTSTAMP:20261201T120000Z\r\n"
                "UID:holiday@example.com\r\nDESCRIPTION:\r\nSUMMARY:Holiday\r\nEND:VEVENT\r\n"
                "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261219\r\nDTSTAMP:20261201T120000Z\r\n"
                "UID:move@google.com\r\nDESCRIPTION:\r\nLOCATION:\r\nSUMMARY:Moving day\r\n"
                "TRANSP:OPAQUE\r\nEND:VEVENT\r\n"
                "END:VCALENDAR\r\n";
        static const struct limber_interval want[] = {
                /* Saturday and Sunday: 00:00 CET 12-12 to 00:00 CET 12-14. */
                { U(2026, 12, 11, 23, 0), U(2026, 12, 13, 23, 0) },
                /* Without DTEND a date lasts its day. */
                { U(2026, 12, 18, 23, 0), U(2026, 12, 19, 23, 0) },
        };
        char dir[] = "/tmp/test-busy-XXXXXX", path[PATH_MAX];
        const char *paths[] = { path, NULL };
        struct reports r = { .n = 0 };

        if (!CHECK(mkdtemp(dir) != NULL))
                return;
        snprintf(path, sizeof path, "%s/all-day.ics", dir);
        CHECK_INT(write_file(dir, "all-day.ics", ics, sizeof ics - 1), 0);

        load("all day", paths, G_FROM, G_UNTIL, OWN_SUFFIX, want, ELEMENTSOF(want), &r);
        check_reports(&r, NULL, 0);
        reports_clear(&r);

        CHECK_INT(unlink(path), 0);
        CHECK_INT(rmdir(dir), 0);
}

/* What may sit in a vdir folder besides calendars, made in a temporary one. */
static void test_entries(void) {
        static const char nul[] = "BEGIN:VCALENDAR\nVERSION:2.0\n\0BEGIN:VEVENT\n";
        static const char *const names[] = {
                "a-link.ics", "b-folder.ics", "c-dangling.ics", "d-fifo.ics", "e-nul.ics", "f-empty.ics",
                "g-bare.ics",
        };
        static const char bare[] = "BEGIN:VEVENT\nUID:bare@example.com\nDTSTART:20240320T090000Z\n"
                                   "DURATION:PT1H\nEND:VEVENT\n";
        char dir[] = "/tmp/test-busy-XXXXXX", p[ELEMENTSOF(names)][PATH_MAX], target[PATH_MAX + 16];
        const char *paths[3] = { dir, p[3], NULL };
        struct reports r = { .n = 0 };

        if (!CHECK(mkdtemp(dir) != NULL))
                return;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);

        snprintf(target, sizeof target, "%s/work.ics", data_dir);
        CHECK_INT(symlink(target, p[0]), 0);
        CHECK_INT(symlink(data_dir, p[1]), 0);
        CHECK_INT(symlink("/nonexistent/limber/calendar.ics", p[2]), 0);
        CHECK_INT(mkfifo(p[3], 0600), 0);
        CHECK_INT(write_file(dir, names[4], nul, sizeof nul - 1), 0);
        CHECK_INT(write_file(dir, names[5], "", 0), 0);
        CHECK_INT(write_file(dir, names[6], bare, sizeof bare - 1), 0);

        const struct expected_report want[] = {
                { p[1], 0, "not a regular file" },
                { p[2], 0, "cannot open: No such file or directory" },
                { p[3], 0, "not a regular file" },
                { p[4], 0, "not a text file (it contains NUL bytes)" },
                { p[5], 0, "no complete VCALENDAR (BEGIN:VCALENDAR to END:VCALENDAR)" },
                { p[6], 1, "event 'bare@example.com': outside a VCALENDAR" },
                /* The FIFO named directly must not hang the daemon either. */
                { p[3], 0, "not a regular file" },
        };

        /* The symlink to a regular file is followed: the work calendar, whole. */
        load("entries", paths, FROM, UNTIL, OWN_SUFFIX, work, ELEMENTSOF(work), &r);
        check_reports(&r, want, ELEMENTSOF(want));
        reports_clear(&r);

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                CHECK_INT(unlink(p[i]), 0);
        CHECK_INT(rmdir(dir), 0);
}

/* A recurrence far older than the window is expanded from the window on, and dense
 * instances merge. */
static void test_dense(void) {
        static const char ics[] =
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//limber//test//EN\r\n"
                "BEGIN:VEVENT\r\nUID:every-minute@example.com\r\nDTSTAMP:19900101T000000Z\r\n"
                "DTSTART:19900101T000000Z\r\nDURATION:PT1M\r\nRRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\n"
                "BEGIN:VEVENT\r\nUID:every-other-minute@example.com\r\nDTSTAMP:19900101T000000Z\r\n"
                "DTSTART:19900101T000000Z\r\nDURATION:PT1M\r\nRRULE:FREQ=MINUTELY;INTERVAL=2\r\nEND:VEVENT\r\n"
                "END:VCALENDAR\r\n";
        char dir[] = "/tmp/test-busy-XXXXXX", path[PATH_MAX];
        const char *paths[] = { path, NULL };
        /* 1440 touching minutes; the instance 23:59 on 03-17 ends as the window starts. */
        static const struct limber_interval want[] = {
                { U(2024, 3, 18, 0, 0), U(2024, 3, 19, 0, 0) },
        };
        struct reports r = { .n = 0 };
        struct timespec t0, t1;

        if (!CHECK(mkdtemp(dir) != NULL))
                return;
        snprintf(path, sizeof path, "%s/dense.ics", dir);
        CHECK_INT(write_file(dir, "dense.ics", ics, sizeof ics - 1), 0);

        clock_gettime(CLOCK_MONOTONIC, &t0);
        load("dense", paths, U(2024, 3, 18, 0, 0), U(2024, 3, 19, 0, 0), OWN_SUFFIX, want, ELEMENTSOF(want), &r);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        check_reports(&r, NULL, 0);
        reports_clear(&r);
        /* 34 years of minutes walked one by one would take minutes. */
        CHECK(t1.tv_sec - t0.tv_sec < 5);

        CHECK_INT(unlink(path), 0);
        CHECK_INT(rmdir(dir), 0);
}

static void test_none(void) {
        static char *const none[] = { NULL };
        static struct limber_interval stale;
        struct limber_interval *busy = &stale;
        size_t n = 1;

        CHECK_INT(limber_busy_load(NULL, FROM, UNTIL, NULL, NULL, NULL, &busy, &n), 0);
        CHECK(busy == NULL);
        CHECK_INT(n, 0);
        busy = &stale;
        n = 1;
        CHECK_INT(limber_busy_load(none, FROM, UNTIL, NULL, NULL, NULL, &busy, &n), 0);
        CHECK(busy == NULL);
        CHECK_INT(n, 0);
}

int main(void) {
        const char *root = getenv("LIMBER_SOURCE_ROOT");

        if (!root) {
                fprintf(stderr, "LIMBER_SOURCE_ROOT is not set\n");
                return 1;
        }
        snprintf(data_dir, sizeof data_dir, "%s/tests/data/busy", root);
        setenv("TZ", "Europe/Berlin", 1);
        tzset();

        test_work();
        test_own_uid();
        test_window();
        test_vdir();
        test_malformed();
        test_google();
        test_one_events();
        test_all_day();
        test_entries();
        test_dense();
        test_none();

        /* The daemon does this at exit; here it keeps LeakSanitizer to real leaks. */
        icaltimezone_free_builtin_timezones();
        return check_summary("test-busy");
}
