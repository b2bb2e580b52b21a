/* x11.c: the x11 idle source: tells limberd when the user stops and starts using the
 * keyboard and mouse of the X display in $DISPLAY.
 *
 * Mechanism: the X server's SYNC extension offers the system counter IDLETIME, the
 * milliseconds since the last input on any device (the same clock that
 * XScreenSaverQueryInfo()->idle reads). Two alarms on it send events on the X
 * connection whenever the idle time crosses idle_after:
 *   - "idle": PositiveTransition at idle_after: the idle time reaches it;
 *   - "back": NegativeTransition at idle_after - 1 ms: it falls back below it, which
 *     only input can do.
 * The server itself wakes up at the threshold, so the plugin needs no timer at all: it
 * watches the connection's file descriptor in sd-event and sleeps until one of the two
 * crossings happens or the server goes away. Input while active crosses nothing and
 * costs limberd no wakeup. The XScreenSaver extension (libXss) is not used: it can only
 * be queried, its one event (ScreenSaverNotify) comes when the server's screen saver
 * starts, so it would need a timer while active and a tick while idle.
 *
 * Configuration, in [plugin.x11]:
 *   idle_after = DURATION   no input for this long counts as idle (default 60s; from 1s
 *                           to 24h). It only says "idle"; limberd's natural_break
 *                           decides on top of it whether the break ends a sitting streak.
 *
 * Reports: the state at start (idle since the last input, or active), then every
 * crossing; LIMBER_IDLE_GONE when the server goes away, after which the plugin stays
 * quiet until limberd restarts it. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <syslog.h>
#include <time.h>

#include <X11/Xlib.h>
#include <X11/extensions/sync.h>

#include "limber-plugin.h"

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)

#define IDLE_AFTER_DEFAULT (60 * USEC_PER_SEC)
#define IDLE_AFTER_MIN (1 * USEC_PER_SEC)
#define IDLE_AFTER_MAX (24 * 3600 * USEC_PER_SEC)

struct x11 {
        const struct limber_host *host;
        Display *dpy;
        char *display_name;
        sd_event_source *io;
        int sync_event_base;
        XSyncCounter idletime;
        XSyncAlarm idle_alarm;
        XSyncAlarm back_alarm;
        uint64_t idle_after;            /* ms */
        enum limber_idle_state state;
        bool reported;
        bool broken;                    /* Xlib saw the connection fail */
};

/* Xlib's error handlers are per process and its defaults exit(). The ones here take
 * care of this plugin's display and hand every other display to the handler they
 * replaced; stop() puts that one back. A plugin's descriptor is loaded once, so one
 * running instance at a time. */
static struct x11 *current;
static XErrorHandler previous_error_handler;
static XIOErrorHandler previous_io_error_handler;

static int on_x_error(Display *dpy, XErrorEvent *e) {
        if (!current || dpy != current->dpy)
                return previous_error_handler(dpy, e);
        /* No Xlib call in here (XGetErrorText): the display is locked. */
        current->host->log(current->host, LOG_WARNING, "X protocol error %u on request %u.%u",
                           (unsigned) e->error_code, (unsigned) e->request_code, (unsigned) e->minor_code);
        return 0;
}

static int on_x_io_error(Display *dpy) {
        if (!current || dpy != current->dpy)
                return previous_io_error_handler(dpy);
        /* Quiet: on_x_io_error_exit() returns instead of exiting, and the plugin reports
         * the loss once the Xlib call that met it has returned. */
        return 0;
}

static void on_x_io_error_exit(Display *dpy, void *userdata) {
        struct x11 *x = userdata;
        x->broken = true;
}

static void install_handlers(struct x11 *x) {
        current = x;
        previous_error_handler = XSetErrorHandler(on_x_error);
        previous_io_error_handler = XSetIOErrorHandler(on_x_io_error);
}

static void restore_handlers(void) {
        /* Only when nobody replaced them since: theirs stay. */
        XErrorHandler e = XSetErrorHandler(previous_error_handler);
        if (e != on_x_error)
                XSetErrorHandler(e);
        XIOErrorHandler io = XSetIOErrorHandler(previous_io_error_handler);
        if (io != on_x_io_error)
                XSetIOErrorHandler(io);
        current = NULL;
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static uint64_t sync_value(XSyncValue v) {
        if (XSyncValueIsNegative(v))
                return 0;
        return (uint64_t) XSyncValueHigh32(v) << 32 | XSyncValueLow32(v);
}

static void set_state(struct x11 *x, enum limber_idle_state state, uint64_t idle_msec) {
        if (x->reported && x->state == state)
                return;
        x->state = state;
        x->reported = true;
        /* Idle since the last input, not since the threshold: natural_break counts from
         * there. Back to active: since the input that ended the idle time. */
        uint64_t now = now_usec(), ago = idle_msec * USEC_PER_MSEC;
        x->host->report_idle(x->host, state, ago < now ? now - ago : 0);
}

static void handle_event(struct x11 *x, XEvent *e) {
        if (e->type != x->sync_event_base + XSyncAlarmNotify)
                return;
        const XSyncAlarmNotifyEvent *a = (const XSyncAlarmNotifyEvent *) e;
        /* Inactive or destroyed: not a crossing. */
        if (a->state != XSyncAlarmActive)
                return;
        if (a->alarm == x->idle_alarm)
                set_state(x, LIMBER_IDLE_IDLE, sync_value(a->counter_value));
        else if (a->alarm == x->back_alarm)
                set_state(x, LIMBER_IDLE_ACTIVE, sync_value(a->counter_value));
}

static void server_gone(struct x11 *x) {
        /* Notice, not warning: the X server goes away at every logout. */
        x->host->log(x->host, LOG_NOTICE, "lost the connection to the X server %s; no more idle reports from it",
                     x->display_name);
        x->io = sd_event_source_disable_unref(x->io);
        /* After an I/O error XCloseDisplay() only frees. After a bare hang-up its XSync()
         * meets the error first, and the handlers above return instead of exiting. */
        XCloseDisplay(x->dpy);
        x->dpy = NULL;
        x->host->report_idle(x->host, LIMBER_IDLE_GONE, 0);
}

/* Handles what Xlib has queued or can read now, without blocking. Xlib may also queue
 * events while it waits for a reply, so this runs after every round trip too. */
static void dispatch(struct x11 *x) {
        while (!x->broken && XPending(x->dpy) > 0) {
                XEvent e;
                XNextEvent(x->dpy, &e);
                handle_event(x, &e);
        }
}

static int on_x_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct x11 *x = userdata;

        dispatch(x);
        /* A hang-up that Xlib did not notice would wake the loop forever. */
        if (x->broken || (revents & (EPOLLHUP | EPOLLERR)))
                server_gone(x);
        return 0;
}

static XSyncAlarm create_alarm(Display *dpy, XSyncCounter counter, XSyncTestType test, uint64_t msec) {
        XSyncAlarmAttributes a = {
                .trigger = {
                        .counter = counter,
                        .value_type = XSyncAbsolute,
                        .test_type = test,
                },
                .events = True,
        };
        /* msec <= IDLE_AFTER_MAX fits in 32 bits. */
        XSyncIntToValue(&a.trigger.wait_value, (int) msec);
        /* Transitions with delta 0 stay active after they fire: one event per crossing. */
        XSyncIntToValue(&a.delta, 0);
        return XSyncCreateAlarm(dpy,
                                XSyncCACounter | XSyncCAValueType | XSyncCATestType | XSyncCAValue |
                                XSyncCADelta | XSyncCAEvents,
                                &a);
}

static XSyncCounter find_idletime(Display *dpy) {
        int n = 0;
        XSyncSystemCounter *counters = XSyncListSystemCounters(dpy, &n);
        XSyncCounter found = None;

        for (int i = 0; counters && i < n; i++)
                if (strcmp(counters[i].name, "IDLETIME") == 0)
                        found = counters[i].counter;
        if (counters)
                XSyncFreeSystemCounterList(counters);
        return found;
}

static void x11_free(struct x11 *x) {
        if (!x)
                return;
        sd_event_source_disable_unref(x->io);
        /* Closing frees the alarms on the server with the rest of this client's resources. */
        if (x->dpy)
                XCloseDisplay(x->dpy);
        if (current == x)
                restore_handlers();
        free(x->display_name);
        free(x);
}

static int x11_start(const struct limber_host *host, void **ret_state) {
        struct x11 *x;
        uint64_t idle_after_usec, idle_after;
        int r, event_base, error_base, major, minor;

        r = host->config_get_duration(host, "idle_after", IDLE_AFTER_DEFAULT, IDLE_AFTER_MIN, IDLE_AFTER_MAX,
                                      &idle_after_usec);
        if (r < 0)
                return r;
        idle_after = idle_after_usec / USEC_PER_MSEC;   /* IDLETIME counts milliseconds */

        const char *display = getenv("DISPLAY");
        if (!display || *display == '\0') {
                host->log(host, LOG_INFO, "DISPLAY is not set: there is no X server to watch");
                return -ENXIO;
        }
        if (current) {
                host->log(host, LOG_ERR, "already running");
                return -EBUSY;
        }

        x = calloc(1, sizeof *x);
        if (!x)
                return -ENOMEM;
        x->host = host;
        x->idle_after = idle_after;
        x->display_name = strdup(display);
        if (!x->display_name) {
                free(x);
                return -ENOMEM;
        }

        x->dpy = XOpenDisplay(display);
        if (!x->dpy) {
                host->log(host, LOG_WARNING, "cannot open the X display '%s'", display);
                x11_free(x);
                return -ECONNREFUSED;
        }
        install_handlers(x);
        XSetIOErrorExitHandler(x->dpy, on_x_io_error_exit, x);

        if (!XSyncQueryExtension(x->dpy, &event_base, &error_base) ||
            !XSyncInitialize(x->dpy, &major, &minor)) {
                host->log(host, LOG_WARNING, "the X server %s has no SYNC extension: cannot watch its idle time",
                          display);
                x11_free(x);
                return -EOPNOTSUPP;
        }
        x->sync_event_base = event_base;
        x->idletime = find_idletime(x->dpy);
        if (x->idletime == None) {
                host->log(host, LOG_WARNING, "the X server %s offers no IDLETIME counter: cannot watch its idle time",
                          display);
                x11_free(x);
                return -EOPNOTSUPP;
        }

        x->idle_alarm = create_alarm(x->dpy, x->idletime, XSyncPositiveTransition, idle_after);
        x->back_alarm = create_alarm(x->dpy, x->idletime, XSyncNegativeTransition, idle_after - 1);

        /* After the alarms: any crossing from here on is an event, handled after this. */
        XSyncValue value;
        if (!XSyncQueryCounter(x->dpy, x->idletime, &value) || x->broken) {
                host->log(host, LOG_WARNING, "cannot read the idle time of the X server %s", display);
                x11_free(x);
                return -EIO;
        }

        r = sd_event_add_io(host->event, &x->io, ConnectionNumber(x->dpy), EPOLLIN, on_x_readable, x);
        if (r < 0) {
                host->log(host, LOG_ERR, "cannot watch the X connection: %s", strerror(-r));
                x11_free(x);
                return r;
        }
        (void) sd_event_source_set_description(x->io, "x11-idle");

        uint64_t idle = sync_value(value);
        host->log(host, LOG_INFO, "watching the idle time of the X server %s (SYNC %d.%d): idle after %llu ms",
                  display, major, minor, (unsigned long long) idle_after);
        set_state(x, idle >= idle_after ? LIMBER_IDLE_IDLE : LIMBER_IDLE_ACTIVE, idle);
        dispatch(x);
        if (x->broken) {
                host->log(host, LOG_WARNING, "lost the X server %s while starting", display);
                x11_free(x);
                return -ECONNRESET;
        }

        *ret_state = x;
        return 0;
}

static void x11_stop(void *state) {
        x11_free(state);
}

LIMBER_PLUGIN_DEFINE(
        .name = "x11",
        .description = "idle time of the X server (SYNC IDLETIME alarms)",
        .idle_rank = LIMBER_IDLE_RANK_DISPLAY,
        .start = x11_start,
        .stop = x11_stop,
);
