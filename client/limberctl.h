/* What limberctl's files share: exit statuses, the options of the command line, the
 * daemon's state as read over the bus, and the helpers for times and JSON. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-bus.h>

#include "parse.h"

#define _cleanup_(f) __attribute__((cleanup(f)))
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* The exit statuses, documented in limberctl(1). */
enum {
        CTL_EXIT_OK = 0,
        CTL_EXIT_DAEMON = 1,            /* limberd answered with an error, or the call failed */
        CTL_EXIT_USAGE = 2,             /* a bad command line */
        CTL_EXIT_NOT_RUNNING = 3,       /* no limberd on the session bus, nor a way to start one */
};

/* What limberctl says when limberd is not there, and where to look. */
#define CTL_NOT_RUNNING "limberd is not running on the session bus"
#define CTL_SEE_STATUS "see: systemctl --user status limberd; journalctl --user -u limberd"

/* The built-in [mobility] max_sitting, for a limberd too old to publish SittingLimit. */
#define CTL_DEFAULT_SITTING_LIMIT (30 * USEC_PER_MIN)

struct ctl_options {
        bool json;
        bool color;
        bool follow;
        bool have_from, have_until, have_at;
        usec_t from, until, at;
        bool have_distance;
        double distance_km;
        const char *title;
        usec_t now;
};

/* Prints "limberctl: MESSAGE" and a hint to stderr; returns CTL_EXIT_USAGE. */
int ctl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- bus.c: calls to limberd and what they return --- */

struct ctl_pair {
        const char *a, *b;
};

struct ctl_unplaced {
        const char *kind, *rule, *reason;
        usec_t day;
};

/* The properties of io.github.limber.Limber1, from one GetAll. Strings point into the
 * reply, which the struct keeps. has_* is false for what an older limberd lacks. */
struct ctl_status {
        sd_bus_message *reply;
        const char *version;
        int idle;
        usec_t sitting_since;
        usec_t sitting_limit;
        bool has_sitting_limit;
        const char *next_id, *next_kind, *next_title;
        usec_t next_start;
        uint32_t smr_done, smr_target, cardio_minutes, cardio_target;
        double load_ratio;
        const char *feed_path, *feed_url;
        const char *feed_error;         /* "" from a limberd without FeedError */
        struct ctl_unplaced *unplaced;
        size_t n_unplaced;
        struct ctl_pair *plugins;
        size_t n_plugins;
        bool has_plugins;
};

/* One session, from GetSession. */
struct ctl_session {
        sd_bus_message *reply;
        const char *id, *kind, *rule, *status, *title, *reason, *routine, *regions, *day;
        char **steps;
        usec_t start, end, last_modified;
        uint32_t sequence;
};

/* Each returns an exit status, having printed what went wrong. */
int ctl_bus_connect(sd_bus **ret);
/* Whether limberd owns its name on the bus now. */
int ctl_bus_has_limberd(sd_bus *bus, bool *ret);
/* Starts limberd through D-Bus activation unless it runs, waiting a few seconds at most. */
int ctl_bus_start(sd_bus *bus);
int ctl_call(sd_bus *bus, const char *method, sd_bus_message **reply, const char *types, ...);
int ctl_get_status(sd_bus *bus, struct ctl_status *ret);
int ctl_get_session(sd_bus *bus, const char *id, struct ctl_session *ret);
/* Like ctl_get_session, but *found is false, and nothing printed, when the id is unknown. */
int ctl_find_session(sd_bus *bus, const char *id, struct ctl_session *ret, bool *found);
/* The session under way or next (NextSessionId); *found is false when there is none. */
int ctl_get_next_session(sd_bus *bus, struct ctl_session *ret, bool *found);
/* Resolves the id "next" to the session under way or next, and "due" to the session
 * under way (an error when none is); other ids stay as they are. */
int ctl_resolve_id(sd_bus *bus, const char *id, usec_t now, char **ret);
/* Whether the session is under way at now and has no outcome yet. */
bool ctl_session_due(const struct ctl_session *s, usec_t now);

void ctl_status_done(struct ctl_status *s);
/* SittingLimit, or the built-in default when limberd does not say. */
usec_t ctl_sitting_limit(const struct ctl_status *s);
void ctl_session_done(struct ctl_session *s);

/* Writes the a{sv} (or any value) at the read position of m as JSON. */
int ctl_json_message(FILE *f, sd_bus_message *m);

/* --- timefmt.c: times on the command line and in the output, in local time --- */

/* "now", "today", "yesterday", "tomorrow", "HH:MM" (today), "YYYY-MM-DD" and
 * "YYYY-MM-DD HH:MM" (or with a T). 0, or -EINVAL. */
int ctl_parse_time(const char *s, usec_t now, usec_t *ret);
/* Local midnight of the day of t. */
usec_t ctl_start_of_day(usec_t t);

#define CTL_TIME_MAX 64
/* "Mon 23 Nov 18:30" */
char *ctl_format_time(usec_t t, char buf[static CTL_TIME_MAX]);
/* "Mon 23 Nov" */
char *ctl_format_date(usec_t t, char buf[static CTL_TIME_MAX]);
/* "18:30" */
char *ctl_format_clock(usec_t t, char buf[static CTL_TIME_MAX]);
/* "Mon 23 Nov 18:30-18:45", or "Mon 23 Nov 23:30-Tue 24 Nov 00:15" across midnight. */
char *ctl_format_range(usec_t start, usec_t end, char buf[static CTL_TIME_MAX]);
/* When the next session starts, as short as it can be said from now: "18:30" today,
 * "Tue 18:30" within a week, else "Mon 30 Nov 18:30". */
char *ctl_format_when(usec_t t, usec_t now, char buf[static CTL_TIME_MAX]);
/* A span the way limber.conf spells it, in whole minutes ("45min", "1h 5min"), or in
 * whole seconds under a minute ("0s", "45s"). */
char *ctl_format_minutes(usec_t d, char buf[static CTL_TIME_MAX]);

/* --- json.c: writing JSON --- */

/* A string with its quotes, escaped as JSON requires. */
void ctl_json_string(FILE *f, const char *s);
/* A D-Bus name as a JSON object key in snake_case, as every --json of limberctl spells
 * them: "NextSessionId" is "next_session_id", "distance_m" stays as it is. */
void ctl_json_key(FILE *f, const char *name);
/* A finite number in the shortest form that reads back the same; null otherwise. */
void ctl_json_double(FILE *f, double d);
/* Escapes &, < and > for Pango markup, as waybar reads its text; the caller frees. */
char *ctl_markup_escape(const char *s);

/* --- show.c and act.c: the commands --- */

int ctl_cmd_status(sd_bus *bus, const struct ctl_options *o, char **args);
int ctl_cmd_next(sd_bus *bus, const struct ctl_options *o, char **args);
int ctl_cmd_list(sd_bus *bus, const struct ctl_options *o, char **args);
int ctl_cmd_activities(sd_bus *bus, const struct ctl_options *o, char **args);
int ctl_cmd_feed(sd_bus *bus, const struct ctl_options *o, char **args);
int ctl_cmd_waybar(sd_bus *bus, const struct ctl_options *o, char **args);
int ctl_cmd_complete(sd_bus *bus, const struct ctl_options *o, char **args);
int ctl_cmd_skip(sd_bus *bus, const struct ctl_options *o, char **args);
int ctl_cmd_snooze(sd_bus *bus, const struct ctl_options *o, char **args);
int ctl_cmd_log(sd_bus *bus, const struct ctl_options *o, char **args);
int ctl_cmd_idle(sd_bus *bus, const struct ctl_options *o, char **args);

/* Checks the arguments of a command before limberctl connects: exit status. */
int ctl_check_snooze(const struct ctl_options *o, char **args);
int ctl_check_log(const struct ctl_options *o, char **args);
int ctl_check_idle(const struct ctl_options *o, char **args);
