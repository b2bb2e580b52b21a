/* The iCalendar feed: sessions rendered with libical, and the file written atomically. */
#pragma once

#include <stddef.h>

#include "planner.h"
#include "routines.h"

struct limber_feed_options {
        const char *name;               /* the calendar's name */
        const char *tzid;               /* Olson name of the local zone, or "UTC" */
        usec_t alarm;                   /* a display alarm this long before; 0 for none */
        usec_t since;                   /* sessions starting earlier are left out */
        usec_t until;                   /* the plan's end, for the VTIMEZONE's range */
        const char *uid_domain;         /* UID = id@uid_domain */
};

/* Renders every SMR session and walk that is not cancelled and starts after o->since, in
 * order; mobility breaks are no calendar events. A planned session gets a VALARM
 * o->alarm before its start when that is no earlier than its LAST-MODIFIED. The same
 * sessions give the same bytes. On success *ret is a NUL-terminated string the caller
 * frees. */
int limber_feed_render(const struct limber_plan_session *sessions, size_t n, const struct limber_routines *routines,
                       const struct limber_feed_options *o, char **ret);

/* Replaces path with data (temporary file, fsync, rename, fsync of the folder) unless
 * it holds these bytes already. Returns 1 when written, 0 when unchanged. */
int limber_feed_write(const char *path, const char *data, size_t size);

/* Removes temporary files that limber_feed_write() left beside path when the process
 * was killed between writing and renaming (path.XXXXXX). */
void limber_feed_remove_stale(const char *path);

/* The title a session shows: its routine's, or a generic one by kind. */
const char *limber_feed_title(const struct limber_session *s, const struct limber_routines *routines);
