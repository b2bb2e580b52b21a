/* Busy times from the user's calendars: local .ics files and vdir folders, read with
 * libical. The rest of limberd sees only intervals; no libical type leaves busy.c. */
#pragma once

#include <stddef.h>

#include "parse.h"
#include "planner.h"

/* Called once for each file or event that was skipped: line is that of the event's
 * BEGIN:VEVENT, or 0 for the whole file. message names what was wrong ("cannot open:
 * Permission denied", "event 'x@example.com': unknown time zone 'Foo/Bar'"). */
typedef void (*limber_busy_report_t)(const char *path, unsigned line, const char *message, void *userdata);

/* Reads the busy intervals that overlap [from, until) from each of paths (NULL-terminated;
 * NULL for none): an .ics file, or a vdir folder, whose every *.ics entry directly
 * inside is read (hidden entries and other names are ignored, and symlinks are followed
 * to regular files only). Recurrences are expanded, an instance overridden by a
 * RECURRENCE-ID component gives way to it, and times resolve through the file's
 * VTIMEZONEs, then tzdata; floating times are in the process's time zone (TZ).
 *
 * Not busy: TRANSPARENT and CANCELLED events, events whose UID ends with own_uid_suffix
 * (limber's own feed; NULL or "" skips none), events that take no time, and all-day
 * (DATE) events unless marked TRANSP:OPAQUE. Clients give all-day events no TRANSP or
 * TRANSPARENT for birthdays, holidays and "working from home" alike, and treating those
 * as busy would leave no free slot on the day; an all-day event the user marks busy
 * blocks its days from local midnight to local midnight. TENTATIVE events are busy.
 *
 * A file that cannot be read or parsed, or an event that is malformed (an X-LIC-ERROR
 * libical adds about what places it: DTSTART, DTEND, DURATION, RRULE, RDATE, EXDATE,
 * EXRULE, RECURRENCE-ID, STATUS or TRANSP; no DTSTART, an end before its start, an
 * unknown TZID, a COUNT recurrence too long to expand) is reported through report() and
 * skipped; the rest still count. report may be NULL. Other errors libical adds (an
 * empty DESCRIPTION or LOCATION, valid in RFC 5545, which libical 3.0 cannot hold; a
 * bad parameter of a property limber does not read) do not matter: the event counts,
 * and one debug line per file says how many there were.
 *
 * Returns 0 and a malloc'd array (NULL when empty) of whole intervals, not clipped to
 * the window, sorted by start, overlapping and touching ones merged; or -ENOMEM. */
int limber_busy_load(char *const *paths, usec_t from, usec_t until, const char *own_uid_suffix,
                     limber_busy_report_t report, void *userdata,
                     struct limber_interval **ret, size_t *ret_n);
