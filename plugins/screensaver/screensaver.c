/* screensaver.c: the screensaver idle source: org.freedesktop.ScreenSaver on the session
 * bus, as Plasma, LXQt and Xfce offer it.
 *
 * What the interface can tell, and how this plugin uses it:
 *   - ActiveChanged(b), and GetActive() at start: the screen saver or locker is up
 *     (LOCKED) or was just put away (ACTIVE: unlocking is being at the desk).
 *   - GetSessionIdleTime(), where it works: how long since the last input. It has no
 *     signal, so the plugin keeps ONE CLOCK_MONOTONIC timer, armed for the moment the
 *     idle time would reach idle_after if no input came, and asks again then. Input in
 *     between moves that moment later, so while the user is active the plugin wakes up
 *     about once per idle_after, each time at a moment computed from the last answer.
 *     Once the answer reaches idle_after, it reports IDLE since the last input.
 *
 * The limit: the interface has no way to say that the user is back. Asking again while
 * the user is away would be polling, which limberd never does (an idle desk lets the
 * process sleep). So after reporting IDLE this source reports GONE, "cannot tell any
 * more", and stays out of limberd's merge until the screen saver speaks again:
 * ActiveChanged(true) reports LOCKED, ActiveChanged(false) reports ACTIVE and starts the
 * timer again from a fresh answer. Meanwhile the other idle sources decide the way back;
 * with none, limberd keeps the desk idle, so a short absence that never brought up the
 * screen saver is followed by a desk limber believes idle until the next lock and unlock.
 * Where the idle time is refused (Plasma on Wayland answers NotSupported; GNOME's proxy
 * implements Inhibit alone) the plugin says so at debug level and follows ActiveChanged
 * only: LOCKED while the screen saver is up; ACTIVE at the moment it goes away, then
 * GONE for the same reason as above.
 *
 * Units: the freedesktop interface counts GetSessionIdleTime in seconds (LXQt, Xfce,
 * Lomiri do); Plasma's kscreenlocker answers KIdleTime's milliseconds. With the default
 * idle_time_unit = auto, the answer is taken as milliseconds when the service's owner also
 * owns org.kde.screensaver, which kscreenlocker does, and as seconds otherwise.
 *
 * The object is /org/freedesktop/ScreenSaver, or /ScreenSaver where only that exists.
 * Plasma serves both; ActiveChanged is taken from either, and a repeat changes nothing.
 * When the service leaves the bus the plugin reports GONE; a new owner starts it all
 * over. Absent at start is not an error: the plugin waits for the name.
 *
 * Configuration, in [plugin.screensaver]:
 *   idle_after = DURATION          no input for this long counts as idle (default 60s;
 *                                  from 1s to 24h)
 *   idle_time_unit = auto|s|ms     the unit of GetSessionIdleTime's answer (default auto) */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "limber-plugin.h"

#define SCREENSAVER "org.freedesktop.ScreenSaver"
#define SCREENSAVER_PATH "/org/freedesktop/ScreenSaver"
#define SCREENSAVER_PATH_OLD "/ScreenSaver"
#define SCREENSAVER_INTERFACE "org.freedesktop.ScreenSaver"
#define KSCREENLOCKER "org.kde.screensaver"

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)
#define IDLE_AFTER_DEFAULT (60 * USEC_PER_SEC)
#define IDLE_AFTER_MIN (1 * USEC_PER_SEC)
#define IDLE_AFTER_MAX (24 * 3600 * USEC_PER_SEC)

enum idle_time {
        IDLE_TIME_UNKNOWN,              /* not asked yet */
        IDLE_TIME_YES,
        IDLE_TIME_NO,                   /* refused: ActiveChanged only */
};

struct screensaver {
        const struct limber_host *host;
        sd_bus *bus;
        uint64_t idle_after;            /* µs */
        uint64_t unit_setting;          /* µs per unit of the idle time; 0: auto */
        uint64_t unit;                  /* µs per unit, for the current owner */
        sd_bus_slot *owner_match;       /* NameOwnerChanged of org.freedesktop.ScreenSaver */
        sd_bus_slot *active_match;      /* ActiveChanged, on either path */
        sd_bus_slot *probe_call;        /* GetActive, then GetNameOwner(org.kde.screensaver) */
        sd_bus_slot *idle_call;         /* GetSessionIdleTime */
        sd_event_source *timer;         /* when the idle time would reach idle_after */
        const char *path;
        char *owner;
        enum idle_time idle_time;
        bool locked;
        bool reported;
        enum limber_idle_state last_state;
};

static void report(struct screensaver *s, enum limber_idle_state state, uint64_t since) {
        if (s->reported && s->last_state == state)
                return;
        s->reported = true;
        s->last_state = state;
        s->host->report_idle(s->host, state, since);
}

static uint64_t now_usec(struct screensaver *s, clockid_t clock) {
        uint64_t now;
        if (sd_event_now(s->host->event, clock, &now) < 0) {
                struct timespec ts;
                clock_gettime(clock, &ts);
                now = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
        }
        return now;
}

static bool error_is_absent(const sd_bus_error *e) {
        return sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
}

/* The answers of a service that lacks a method, as opposed to one that failed. */
static bool error_is_unsupported(const sd_bus_error *e) {
        return sd_bus_error_has_name(e, SD_BUS_ERROR_NOT_SUPPORTED) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_METHOD) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_INTERFACE) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_OBJECT);
}

static int read_config(struct screensaver *s) {
        const struct limber_host *host = s->host;
        const char *v;
        int r;

        r = host->config_get_duration(host, "idle_after", IDLE_AFTER_DEFAULT, IDLE_AFTER_MIN, IDLE_AFTER_MAX,
                                      &s->idle_after);
        if (r < 0)
                return r;

        v = host->config_get(host, "idle_time_unit");
        if (!v || strcmp(v, "auto") == 0)
                s->unit_setting = 0;
        else if (strcmp(v, "s") == 0)
                s->unit_setting = USEC_PER_SEC;
        else if (strcmp(v, "ms") == 0)
                s->unit_setting = USEC_PER_MSEC;
        else {
                host->log(host, LOG_ERR,
                          "%s:%u: invalid value '%s' for 'idle_time_unit' in [plugin.%s]: expected auto, s or ms",
                          host->config_path, host->config_line(host, "idle_time_unit"), v, host->plugin_name);
                return -EINVAL;
        }
        return 0;
}

static void timer_off(struct screensaver *s) {
        if (s->timer)
                (void) sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata);

static int timer_in(struct screensaver *s, uint64_t delay) {
        uint64_t when = now_usec(s, CLOCK_MONOTONIC) + delay;
        int r;

        if (!s->timer) {
                r = sd_event_add_time(s->host->event, &s->timer, CLOCK_MONOTONIC, when, 0, on_timer, s);
                if (r >= 0)
                        (void) sd_event_source_set_description(s->timer, "screensaver-idle");
        } else {
                r = sd_event_source_set_time(s->timer, when);
                if (r >= 0)
                        r = sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                s->host->log(s->host, LOG_WARNING, "cannot arm the idle timer: %s", strerror(-r));
        return r;
}

/* Everything that belonged to the owner that is gone. */
static void forget(struct screensaver *s) {
        s->probe_call = sd_bus_slot_unref(s->probe_call);
        s->idle_call = sd_bus_slot_unref(s->idle_call);
        timer_off(s);
        free(s->owner);
        s->owner = NULL;
        s->path = SCREENSAVER_PATH;
        s->unit = s->unit_setting ? s->unit_setting : USEC_PER_SEC;
        s->idle_time = IDLE_TIME_UNKNOWN;
        s->locked = false;
}

static void set_owner(struct screensaver *s, sd_bus_message *m) {
        const char *sender = sd_bus_message_get_sender(m);

        if (!sender || (s->owner && strcmp(s->owner, sender) == 0))
                return;
        free(s->owner);
        s->owner = strdup(sender);
}

static int on_idle_time(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct screensaver *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        uint64_t idle, now;
        uint32_t n;

        s->idle_call = sd_bus_slot_unref(s->idle_call);
        if (e) {
                if (error_is_unsupported(e)) {
                        s->idle_time = IDLE_TIME_NO;
                        s->host->log(s->host, LOG_DEBUG, "no idle time from %s (%s: %s); following ActiveChanged only",
                                     SCREENSAVER, e->name, e->message);
                } else
                        /* Asking again on a timer would be polling: the next unlock asks. */
                        s->host->log(s->host, LOG_WARNING, "cannot read the idle time (%s); asking again after "
                                     "the next unlock", e->message);
                if (!s->locked)
                        report(s, LIMBER_IDLE_GONE, 0);
                return 0;
        }
        if (sd_bus_message_read(m, "u", &n) < 0) {
                s->host->log(s->host, LOG_WARNING, "cannot parse the answer to GetSessionIdleTime");
                return 0;
        }
        s->idle_time = IDLE_TIME_YES;
        /* Locked since it was asked: LOCKED stands until ActiveChanged(false). */
        if (s->locked)
                return 0;

        idle = (uint64_t) n * s->unit;
        if (idle >= s->idle_after) {
                now = now_usec(s, CLOCK_REALTIME);
                report(s, LIMBER_IDLE_IDLE, now > idle ? now - idle : 0);
                /* Nothing here can see the user come back (see the top of the file). */
                report(s, LIMBER_IDLE_GONE, 0);
                s->host->log(s->host, LOG_DEBUG, "idle; only ActiveChanged can tell the return from here");
                return 0;
        }
        report(s, LIMBER_IDLE_ACTIVE, 0);
        /* The answer may lag the truth by up to one unit: never sooner than that. */
        (void) timer_in(s, s->idle_after - idle > s->unit ? s->idle_after - idle : s->unit);
        return 0;
}

static void check_idle(struct screensaver *s) {
        int r;

        if (s->idle_time == IDLE_TIME_NO || s->locked || s->probe_call)
                return;
        s->idle_call = sd_bus_slot_unref(s->idle_call);
        r = sd_bus_call_method_async(s->bus, &s->idle_call, SCREENSAVER, s->path, SCREENSAVER_INTERFACE,
                                     "GetSessionIdleTime", on_idle_time, s, "");
        if (r < 0)
                s->host->log(s->host, LOG_WARNING, "cannot ask for the idle time: %s", strerror(-r));
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        check_idle(userdata);
        return 0;
}

static int on_kscreenlocker_owner(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct screensaver *s = userdata;
        const char *owner;

        s->probe_call = sd_bus_slot_unref(s->probe_call);
        if (!sd_bus_message_is_method_error(m, NULL) && sd_bus_message_read(m, "s", &owner) >= 0 && s->owner &&
            strcmp(owner, s->owner) == 0) {
                s->unit = USEC_PER_MSEC;
                s->host->log(s->host, LOG_DEBUG, "%s is Plasma's kscreenlocker: idle time in milliseconds",
                             SCREENSAVER);
        }
        check_idle(s);
        return 0;
}

static int on_get_active(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

static int probe(struct screensaver *s) {
        int r;

        s->probe_call = sd_bus_slot_unref(s->probe_call);
        r = sd_bus_call_method_async(s->bus, &s->probe_call, SCREENSAVER, s->path, SCREENSAVER_INTERFACE,
                                     "GetActive", on_get_active, s, "");
        if (r < 0)
                s->host->log(s->host, LOG_WARNING, "cannot ask %s: %s", SCREENSAVER, strerror(-r));
        return r;
}

static int on_get_active(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct screensaver *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        int active, r;

        s->probe_call = sd_bus_slot_unref(s->probe_call);
        if (e && error_is_absent(e)) {
                s->host->log(s->host, LOG_INFO, "%s is not on the session bus; waiting for it", SCREENSAVER);
                return 0;
        }
        set_owner(s, m);
        /* No such object (Qt's answer) or no such method there (libdbus's and GDBus's,
         * for a path they do not serve): the older path, or neither. */
        if (e && error_is_unsupported(e) && !sd_bus_error_has_name(e, SD_BUS_ERROR_NOT_SUPPORTED)) {
                if (strcmp(s->path, SCREENSAVER_PATH) == 0) {
                        s->path = SCREENSAVER_PATH_OLD;
                        return probe(s);
                }
                s->path = SCREENSAVER_PATH;
        }
        if (e)
                /* GNOME's proxy, for one: ActiveChanged may still come. */
                s->host->log(s->host, error_is_unsupported(e) ? LOG_DEBUG : LOG_WARNING, "GetActive failed: %s",
                             e->message);
        else if (sd_bus_message_read(m, "b", &active) >= 0 && active) {
                s->locked = true;
                report(s, LIMBER_IDLE_LOCKED, 0);
        }

        if (s->unit_setting == 0 && s->owner) {
                r = sd_bus_call_method_async(s->bus, &s->probe_call, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "GetNameOwner", on_kscreenlocker_owner, s, "s",
                                             KSCREENLOCKER);
                if (r >= 0)
                        return 0;
        }
        check_idle(s);
        return 0;
}

static int on_active_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct screensaver *s = userdata;
        int active;

        if (sd_bus_message_read(m, "b", &active) < 0)
                return 0;
        /* The same signal on the other path, or news that changes nothing. */
        if ((bool) active == s->locked)
                return 0;
        s->locked = active;
        if (active) {
                timer_off(s);
                report(s, LIMBER_IDLE_LOCKED, 0);
                return 0;
        }
        report(s, LIMBER_IDLE_ACTIVE, 0);
        if (s->idle_time == IDLE_TIME_NO)
                report(s, LIMBER_IDLE_GONE, 0);
        else
                check_idle(s);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct screensaver *s = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || strcmp(name, SCREENSAVER) != 0)
                return 0;
        if (new_owner[0] == '\0') {
                s->host->log(s->host, LOG_NOTICE, "%s left the session bus", SCREENSAVER);
                forget(s);
                report(s, LIMBER_IDLE_GONE, 0);
                return 0;
        }
        /* The first probe already reached this owner. */
        if (s->owner && strcmp(s->owner, new_owner) == 0)
                return 0;
        s->host->log(s->host, LOG_INFO, "%s is on the session bus (%s)", SCREENSAVER, new_owner);
        forget(s);
        (void) probe(s);
        return 0;
}

static int on_match_installed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct screensaver *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        /* Without this handler sd-bus would close limberd's session bus connection. */
        if (e)
                s->host->log(s->host, LOG_WARNING, "cannot follow %s's signals: %s", SCREENSAVER, e->message);
        return 0;
}

static void screensaver_free(struct screensaver *s) {
        if (!s)
                return;
        forget(s);
        sd_event_source_disable_unref(s->timer);
        sd_bus_slot_unref(s->owner_match);
        sd_bus_slot_unref(s->active_match);
        sd_bus_unref(s->bus);
        free(s);
}

static int screensaver_start(const struct limber_host *host, void **ret_state) {
        struct screensaver *s;
        int r;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->host = host;
        r = read_config(s);
        if (r < 0) {
                free(s);
                return r;
        }
        s->bus = sd_bus_ref(host->session_bus);
        forget(s);

        r = sd_bus_add_match_async(s->bus, &s->owner_match,
                                   "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                   "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                   "arg0='" SCREENSAVER "'",
                                   on_owner_changed, on_match_installed, s);
        /* No path: Plasma sends it on /ScreenSaver and /org/freedesktop/ScreenSaver. */
        if (r >= 0)
                r = sd_bus_add_match_async(s->bus, &s->active_match,
                                           "type='signal',sender='" SCREENSAVER "',"
                                           "interface='" SCREENSAVER_INTERFACE "',member='ActiveChanged'",
                                           on_active_changed, on_match_installed, s);
        if (r >= 0)
                r = probe(s);
        if (r < 0) {
                host->log(host, LOG_ERR, "cannot watch %s: %s", SCREENSAVER, strerror(-r));
                screensaver_free(s);
                return r;
        }
        *ret_state = s;
        return 0;
}

static void screensaver_stop(void *state) {
        screensaver_free(state);
}

LIMBER_PLUGIN_DEFINE(
        .name = "screensaver",
        .description = "screen saver lock, and idle time where offered, from org.freedesktop.ScreenSaver",
        .idle_rank = LIMBER_IDLE_RANK_DESKTOP,
        .start = screensaver_start,
        .stop = screensaver_stop,
);
