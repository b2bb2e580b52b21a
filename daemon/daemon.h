/* The daemon's state and life cycle: one sd-event loop, the store, the configuration,
 * the sitting tracker, signals and reload. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "idlemerge.h"
#include "planner.h"
#include "routines.h"
#include "store.h"
#include "tracker.h"

struct limber_http;
struct limber_busy_watch;
struct limber_notifier;
struct limber_plugin_host;

struct limber_daemon {
        sd_event *event;
        sd_bus *bus;
        sd_bus_slot *vtable_slot;
        sd_bus_slot *object_manager_slot;
        sd_bus_slot *session_vtable_slot;
        sd_bus_slot *session_enumerator_slot;
        sd_bus_slot *name_lost_slot;
        sd_bus_slot *display_match_slot;        /* display.c: the user manager's Environment */
        sd_bus_slot *display_get_slot;
        sd_event_source *sigterm_source;
        sd_event_source *sigint_source;
        sd_event_source *sighup_source;
        sd_event_source *tracker_timer;
        sd_event_source *plan_timer;

        char *config_path;
        bool config_must_exist;         /* given with --config */
        char *state_dir;
        char *data_dir;
        char *plugin_dir;
        char *routine_dir;              /* NULL: the installed routines */
        const char *home;
        bool replace;

        struct limber_config *config;
        struct limber_store *store;
        struct limber_tracker tracker;
        struct limber_idle_merge idle_sources;
        struct limber_plugin_host *plugins;     /* plugins.c */

        char *tzid;                     /* the zone in force, an Olson name or "UTC" */
        struct limber_routines routines;
        struct limber_interval *busy;
        size_t n_busy;
        struct limber_busy_watch *busy_watches;
        size_t n_busy_watches;
        sd_event_source *busy_settle_timer;
        struct limber_plan plan;
        bool have_plan;

        char feed_token[LIMBER_ID_LEN + 1];
        char uid_domain[64];
        usec_t first_run;                       /* when limber first ran with this state, for the planner */
        char *feed_path;
        char *feed_url;                 /* "" without HTTP */
        char *feed_error;               /* why the feed is not served as configured, or "" */
        struct limber_http *http;
        struct limber_listen http_listen;       /* what http listens on */

        /* Reminders: breaks from sitting, session starts, notifications. */
        struct limber_notifier *notifier;
        sd_event_source *break_timer;           /* the sitting limit, or the end of a busy slot */
        usec_t break_streak;                    /* the streak (its SittingSince) last_break belongs to */
        usec_t last_break;                      /* when this streak's last break was due */
        bool break_held;                        /* due, but do-not-disturb or a busy slot holds it */
        usec_t announced_until;                 /* session starts up to here were announced */
        char **held;                            /* sessions whose notification waits for do-not-disturb to end */
        size_t n_held;
};

struct limber_daemon_args {
        char *config_path;
        bool config_must_exist;
        char *state_dir;
        char *data_dir;
        char *plugin_dir;
        char *routine_dir;
        const char *home;
        bool replace;
};

/* Takes ownership of args' strings and of config. Opens the store; on failure returns
 * negative errno after logging why. */
int limber_daemon_new(struct limber_daemon_args *args, struct limber_config *config,
                      struct limber_daemon **ret);

/* Connects to the bus, takes the name and runs until told to stop. Returns the exit status. */
int limber_daemon_run(struct limber_daemon *d);

void limber_daemon_free(struct limber_daemon *d);

/* Re-reads the configuration. On a bad file the running configuration stays, and
 * *ret_errors (caller frees) says what is wrong. */
int limber_daemon_reload(struct limber_daemon *d, char **ret_errors);

/* A report from an idle source: a plugin, or ReportIdle on the bus (source "dbus").
 * The sources are merged (idlemerge.h) and the result moves the sitting tracker. */
int limber_daemon_idle_report(struct limber_daemon *d, const char *source, unsigned rank,
                              enum limber_idle_state state, usec_t since);

/* The loop's idea of the wall clock, in microseconds since the epoch. */
usec_t limber_daemon_now(struct limber_daemon *d);
