/* gnome.c: the gnome idle source: Mutter's idle monitor, on the session bus.
 *
 * org.gnome.Mutter.IdleMonitor (/org/gnome/Mutter/IdleMonitor/Core) counts the time
 * since the last input in GNOME Shell, on X11 and Wayland alike, and sends WatchFired(id)
 * to the client that added a watch:
 *   - AddIdleWatch(idle_after) fires each time the idle time reaches idle_after: the desk
 *     is idle since idle_after ago;
 *   - AddUserActiveWatch() fires once, at the next input: the desk is active. One is
 *     added each time the idle watch fires.
 * GetIdletime (ms) at start, and whenever Mutter comes back, tells the state in between.
 * Mutter wakes limberd only at those two crossings; there is no timer here.
 *
 * Mutter drops a client's watches when the client leaves the bus, and its own when it
 * restarts (gnome-shell --replace, a crash, logging in again): NameOwnerChanged for
 * org.gnome.Mutter.IdleMonitor reports GONE and forgets the watch ids when the name is
 * left, and adds the watches again for a new owner. Absent at start is not an error:
 * the plugin waits for the name. stop() removes its watches (fire and forget).
 *
 * Configuration, in [plugin.gnome]:
 *   idle_after = DURATION   no input for this long counts as idle (default 60s; from 1s
 *                           to 24h). limberd's natural_break decides on top of it whether
 *                           the break ends a sitting streak. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "limber-plugin.h"

#define MUTTER "org.gnome.Mutter.IdleMonitor"
#define MUTTER_PATH "/org/gnome/Mutter/IdleMonitor/Core"
#define MUTTER_INTERFACE "org.gnome.Mutter.IdleMonitor"

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)
#define IDLE_AFTER_DEFAULT (60 * USEC_PER_SEC)
#define IDLE_AFTER_MIN (1 * USEC_PER_SEC)
#define IDLE_AFTER_MAX (24 * 3600 * USEC_PER_SEC)

struct gnome {
        const struct limber_host *host;
        sd_bus *bus;
        uint64_t idle_after;                    /* ms */
        sd_bus_slot *owner_match;               /* NameOwnerChanged of the idle monitor */
        sd_bus_slot *fired_match;               /* WatchFired */
        sd_bus_slot *idle_watch_call;           /* AddIdleWatch in flight */
        sd_bus_slot *idletime_call;             /* GetIdletime in flight */
        sd_bus_slot *active_watch_call;         /* AddUserActiveWatch in flight */
        char *owner;                            /* the unique name that holds our watches */
        uint32_t idle_watch;                    /* 0: none */
        uint32_t active_watch;
        bool idle;
        bool reported;
        enum limber_idle_state last_state;
};

static void report(struct gnome *g, enum limber_idle_state state, uint64_t since) {
        if (g->reported && g->last_state == state)
                return;
        g->reported = true;
        g->last_state = state;
        g->host->report_idle(g->host, state, since);
}

static uint64_t now_usec(struct gnome *g) {
        uint64_t now;
        if (sd_event_now(g->host->event, CLOCK_REALTIME, &now) < 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                now = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
        }
        return now;
}

static bool error_is_absent(const sd_bus_error *e) {
        return sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
}

/* Everything that lived in the Mutter instance that is gone. */
static void forget(struct gnome *g) {
        g->idle_watch_call = sd_bus_slot_unref(g->idle_watch_call);
        g->idletime_call = sd_bus_slot_unref(g->idletime_call);
        g->active_watch_call = sd_bus_slot_unref(g->active_watch_call);
        free(g->owner);
        g->owner = NULL;
        g->idle_watch = 0;
        g->active_watch = 0;
        g->idle = false;
}

static int on_active_watch_added(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct gnome *g = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        uint32_t id;

        g->active_watch_call = sd_bus_slot_unref(g->active_watch_call);
        if (e) {
                /* Without it, only Mutter coming back can tell that the user is. */
                g->host->log(g->host, LOG_WARNING, "cannot watch for the user's return: %s", e->message);
                return 0;
        }
        if (sd_bus_message_read(m, "u", &id) < 0) {
                g->host->log(g->host, LOG_WARNING, "cannot parse Mutter's answer to AddUserActiveWatch");
                return 0;
        }
        g->active_watch = id;
        return 0;
}

static void go_idle(struct gnome *g, uint64_t idle_msec) {
        uint64_t now = now_usec(g), idle_usec = idle_msec * USEC_PER_MSEC;
        int r;

        if (g->idle)
                return;
        g->idle = true;
        /* Idle since the last input, not since the threshold: natural_break counts from
         * there. */
        report(g, LIMBER_IDLE_IDLE, now > idle_usec ? now - idle_usec : 0);
        if (g->active_watch || g->active_watch_call)
                return;
        r = sd_bus_call_method_async(g->bus, &g->active_watch_call, MUTTER, MUTTER_PATH, MUTTER_INTERFACE,
                                     "AddUserActiveWatch", on_active_watch_added, g, "");
        if (r < 0)
                g->host->log(g->host, LOG_WARNING, "cannot ask Mutter for a user-active watch: %s", strerror(-r));
}

static int on_idletime(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct gnome *g = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        uint64_t idle_msec;

        g->idletime_call = sd_bus_slot_unref(g->idletime_call);
        if (e) {
                /* The watch still tells the next time the user leaves. */
                g->host->log(g->host, LOG_WARNING, "cannot read Mutter's idle time: %s", e->message);
                return 0;
        }
        if (sd_bus_message_read(m, "t", &idle_msec) < 0) {
                g->host->log(g->host, LOG_WARNING, "cannot parse Mutter's answer to GetIdletime");
                return 0;
        }
        if (idle_msec >= g->idle_after)
                go_idle(g, idle_msec);
        else if (!g->idle)
                report(g, LIMBER_IDLE_ACTIVE, 0);
        return 0;
}

static int on_idle_watch_added(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct gnome *g = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        const char *sender;
        uint32_t id;
        int r;

        g->idle_watch_call = sd_bus_slot_unref(g->idle_watch_call);
        if (e) {
                if (error_is_absent(e))
                        g->host->log(g->host, LOG_INFO, "%s is not on the session bus; waiting for it", MUTTER);
                else
                        g->host->log(g->host, LOG_WARNING, "cannot add an idle watch to Mutter: %s", e->message);
                return 0;
        }
        if (sd_bus_message_read(m, "u", &id) < 0) {
                g->host->log(g->host, LOG_WARNING, "cannot parse Mutter's answer to AddIdleWatch");
                return 0;
        }
        g->idle_watch = id;
        free(g->owner);
        sender = sd_bus_message_get_sender(m);
        g->owner = sender ? strdup(sender) : NULL;

        /* Asked only now, so that an idle time past idle_after is seen by one of the two
         * (the watch may fire at once for it) and not missed between them. */
        r = sd_bus_call_method_async(g->bus, &g->idletime_call, MUTTER, MUTTER_PATH, MUTTER_INTERFACE,
                                     "GetIdletime", on_idletime, g, "");
        if (r < 0)
                g->host->log(g->host, LOG_WARNING, "cannot ask Mutter for the idle time: %s", strerror(-r));
        return 0;
}

static int arm(struct gnome *g) {
        int r;

        forget(g);
        r = sd_bus_call_method_async(g->bus, &g->idle_watch_call, MUTTER, MUTTER_PATH, MUTTER_INTERFACE,
                                     "AddIdleWatch", on_idle_watch_added, g, "t", g->idle_after);
        if (r < 0)
                g->host->log(g->host, LOG_WARNING, "cannot ask Mutter for an idle watch: %s", strerror(-r));
        return r;
}

static int on_watch_fired(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct gnome *g = userdata;
        uint32_t id;

        if (sd_bus_message_read(m, "u", &id) < 0 || id == 0)
                return 0;
        if (id == g->idle_watch)
                go_idle(g, g->idle_after);
        else if (id == g->active_watch) {
                /* A user-active watch fires once; Mutter has removed it already. */
                g->active_watch = 0;
                g->idle = false;
                report(g, LIMBER_IDLE_ACTIVE, 0);
        }
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct gnome *g = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || strcmp(name, MUTTER) != 0)
                return 0;
        if (new_owner[0] == '\0') {
                g->host->log(g->host, LOG_NOTICE, "%s left the session bus", MUTTER);
                forget(g);
                report(g, LIMBER_IDLE_GONE, 0);
                return 0;
        }
        /* Already armed with this owner: it appeared while the first watch was being added. */
        if (g->owner && strcmp(g->owner, new_owner) == 0)
                return 0;
        g->host->log(g->host, LOG_INFO, "%s is on the session bus (%s)", MUTTER, new_owner);
        (void) arm(g);
        return 0;
}

static int on_match_installed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct gnome *g = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        /* Without this handler sd-bus would close limberd's session bus connection. */
        if (e)
                g->host->log(g->host, LOG_WARNING, "cannot follow Mutter's signals: %s", e->message);
        return 0;
}

static void gnome_free(struct gnome *g) {
        if (!g)
                return;
        forget(g);
        sd_bus_slot_unref(g->owner_match);
        sd_bus_slot_unref(g->fired_match);
        sd_bus_unref(g->bus);
        free(g);
}

static int gnome_start(const struct limber_host *host, void **ret_state) {
        struct gnome *g;
        uint64_t idle_after_usec;
        int r;

        g = calloc(1, sizeof *g);
        if (!g)
                return -ENOMEM;
        g->host = host;
        r = host->config_get_duration(host, "idle_after", IDLE_AFTER_DEFAULT, IDLE_AFTER_MIN, IDLE_AFTER_MAX,
                                      &idle_after_usec);
        if (r < 0) {
                free(g);
                return r;
        }
        g->idle_after = idle_after_usec / USEC_PER_MSEC;
        g->bus = sd_bus_ref(host->session_bus);

        r = sd_bus_add_match_async(g->bus, &g->owner_match,
                                   "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                   "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                   "arg0='" MUTTER "'",
                                   on_owner_changed, on_match_installed, g);
        /* Mutter sends WatchFired to its watch's owner alone; sd-bus still hands a
         * message only to the matches it has. */
        if (r >= 0)
                r = sd_bus_match_signal_async(g->bus, &g->fired_match, MUTTER, MUTTER_PATH, MUTTER_INTERFACE,
                                              "WatchFired", on_watch_fired, on_match_installed, g);
        if (r >= 0)
                r = arm(g);
        if (r < 0) {
                host->log(host, LOG_ERR, "cannot watch Mutter's idle monitor: %s", strerror(-r));
                gnome_free(g);
                return r;
        }
        *ret_state = g;
        return 0;
}

static void remove_watch(struct gnome *g, uint32_t id) {
        /* No reply wanted: limberd may be on its way out, and Mutter drops the watches of
         * a client that leaves the bus anyway. */
        if (id != 0)
                (void) sd_bus_call_method_async(g->bus, NULL, MUTTER, MUTTER_PATH, MUTTER_INTERFACE, "RemoveWatch",
                                                NULL, NULL, "u", id);
}

static void gnome_stop(void *state) {
        struct gnome *g = state;

        if (!g)
                return;
        remove_watch(g, g->idle_watch);
        remove_watch(g, g->active_watch);
        gnome_free(g);
}

LIMBER_PLUGIN_DEFINE(
        .name = "gnome",
        .description = "idle and active from GNOME's Mutter idle monitor",
        .idle_rank = LIMBER_IDLE_RANK_DESKTOP,
        .start = gnome_start,
        .stop = gnome_stop,
);
