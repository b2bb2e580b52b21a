/* limber.conf: the configuration model, its built-in defaults, and loading it with libinih. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "parse.h"

struct limber_plugin_setting {
        char *key;
        char *value;
        unsigned line;
};

struct limber_plugin_config {
        char *name;                     /* NAME of [plugin.NAME] */
        bool enabled;
        struct limber_plugin_setting *settings; /* keys other than 'enabled', for the plugin */
        size_t n_settings;
};

/* The window one weekday has of its own ([smr] window.sat): set, it replaces the plain
 * key's window on that day. Indexed 0 for Monday to 6 for Sunday. */
struct limber_day_window {
        bool set;
        struct limber_window window;
};

struct limber_config {
        char *path;                     /* the file read, NULL for built-in defaults */

        struct {
                char *timezone;         /* Olson name; NULL: the system zone */
                struct limber_window quiet_hours;
                /* quiet_hours.mon ... .sun: the quiet hours that start on that day, so
                 * quiet_hours.fri = 23:30-09:00 is Friday night into Saturday morning. */
                struct limber_day_window quiet_hours_on[7];
                usec_t horizon;
                usec_t history;
                usec_t grace;           /* a session this long past its end with no outcome is missed */
                char **busy;            /* absolute paths, NULL-terminated; never NULL */
        } schedule;

        struct {
                unsigned per_week;
                usec_t duration;
                struct limber_window window;
                struct limber_day_window window_on[7];  /* window.mon ... window.sun */
                struct limber_window morning;   /* after a late workout: the next morning */
                usec_t min_gap;
                usec_t after_workout;
                double spike_single;    /* fraction: 0.10 for 10% */
                double spike_weekly;    /* ratio of the 7-day volume to the 28-day weekly mean */
        } smr;

        struct {
                usec_t max_sitting;
                usec_t natural_break;
                usec_t duration;
                usec_t snooze;
                bool notify;
        } mobility;

        struct {
                unsigned weekly_minutes;
                usec_t session;
                struct limber_window window;
                struct limber_day_window window_on[7];  /* window.mon ... window.sun */
        } cardio;

        struct {
                char *path;             /* NULL: DATA_DIR/limber.ics */
                struct limber_listen http;
                usec_t alarm;           /* 0: no VALARM */
                char *name;
        } feed;

        struct limber_plugin_config *plugins;
        size_t n_plugins;
};

/* A configuration holding the built-in defaults. Returns NULL on allocation failure. */
struct limber_config *limber_config_new_default(void);

/* Reads and validates PATH. With must_exist false a missing file yields the defaults.
 * home expands a leading '~/' in paths. On success returns 0 and *ret. On failure
 * returns negative errno and sets *ret_errors to one or more lines
 * "FILE:LINE: message", which the caller frees. */
int limber_config_load(const char *path, bool must_exist, const char *home,
                       struct limber_config **ret, char **ret_errors);

void limber_config_free(struct limber_config *c);

/* The window of weekday (0 Monday .. 6 Sunday): its own key's, else the plain key's. */
static inline struct limber_window limber_config_day_window(struct limber_window plain,
                                                            const struct limber_day_window on[static 7],
                                                            unsigned weekday) {
        return on[weekday].set ? on[weekday].window : plain;
}

const struct limber_plugin_config *limber_config_get_plugin(const struct limber_config *c, const char *name);

static inline void limber_config_freep(struct limber_config **c) {
        limber_config_free(*c);
}
