/* wayland.c: the Wayland idle source. The compositor itself says when the seat has had
 * no input for idle_after and when input comes back, through ext-idle-notify-v1 or,
 * where only that is offered (sway 1.7), KDE's org_kde_kwin_idle. The connection lives
 * on limberd's sd-event loop: its fd is read and dispatched when readable, and flushed
 * by a prepare callback before the loop sleeps. */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <syslog.h>
#include <time.h>
#include <wayland-client.h>

#include "ext-idle-notify-v1-client-protocol.h"
#include "kde-idle-client-protocol.h"
#include "limber-plugin.h"

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC (1000 * USEC_PER_MSEC)
#define DEFAULT_IDLE_AFTER_USEC (60 * USEC_PER_SEC)
/* The protocols take the timeout in milliseconds, as a uint32. */
#define MIN_IDLE_AFTER_USEC USEC_PER_MSEC
#define MAX_IDLE_AFTER_USEC (UINT32_MAX * USEC_PER_MSEC)

struct wayland {
        const struct limber_host *host;
        uint64_t idle_after_usec;
        struct wl_display *display;
        struct wl_seat *seat;
        struct ext_idle_notifier_v1 *notifier;
        struct ext_idle_notification_v1 *notification;
        struct org_kde_kwin_idle *kde_idle;
        struct org_kde_kwin_idle_timeout *kde_timeout;
        sd_event_source *io;
        bool gone;
};

/* The globals the compositor offers, noted during the first roundtrip and bound after
 * it, so that only the protocol in use is bound. */
struct globals {
        bool seat, notifier, kde_idle;
        uint32_t seat_name, notifier_name, kde_idle_name;
};

static void lost(struct wayland *w) {
        /* The compositor went away or broke the connection: say so once and stop
         * watching; limberd runs on with its other sources. */
        if (w->gone)
                return;
        w->gone = true;

        const struct wl_interface *interface = NULL;
        uint32_t id = 0;
        int error = wl_display_get_error(w->display);
        if (error == EPROTO) {
                uint32_t code = wl_display_get_protocol_error(w->display, &interface, &id);
                w->host->log(w->host, LOG_WARNING, "Wayland protocol error %u on %s@%u; no longer watching",
                             code, interface ? interface->name : "an unknown object", id);
        } else
                w->host->log(w->host, LOG_WARNING, "lost the Wayland connection: %s",
                             strerror(error > 0 ? error : EPIPE));

        (void) sd_event_source_set_enabled(w->io, SD_EVENT_OFF);
        w->host->report_idle(w->host, LIMBER_IDLE_GONE, 0);
}

static void became_idle(struct wayland *w) {
        uint64_t now;
        if (sd_event_now(w->host->event, CLOCK_REALTIME, &now) < 0)
                now = 0;
        /* The compositor waited idle_after without input before it said so. */
        w->host->report_idle(w->host, LIMBER_IDLE_IDLE, now > w->idle_after_usec ? now - w->idle_after_usec : 0);
}

static void became_active(struct wayland *w) {
        w->host->report_idle(w->host, LIMBER_IDLE_ACTIVE, 0);
}

static void handle_ext_idled(void *data, struct ext_idle_notification_v1 *notification) {
        became_idle(data);
}

static void handle_ext_resumed(void *data, struct ext_idle_notification_v1 *notification) {
        became_active(data);
}

static const struct ext_idle_notification_v1_listener ext_notification_listener = {
        .idled = handle_ext_idled,
        .resumed = handle_ext_resumed,
};

static void handle_kde_idle(void *data, struct org_kde_kwin_idle_timeout *timeout) {
        became_idle(data);
}

static void handle_kde_resumed(void *data, struct org_kde_kwin_idle_timeout *timeout) {
        became_active(data);
}

static const struct org_kde_kwin_idle_timeout_listener kde_timeout_listener = {
        .idle = handle_kde_idle,
        .resumed = handle_kde_resumed,
};

static void handle_global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
                          uint32_t version) {
        struct globals *g = data;

        /* The first seat is the desk; a second one is rare and would be someone else's. */
        if (!g->seat && strcmp(interface, wl_seat_interface.name) == 0) {
                g->seat = true;
                g->seat_name = name;
        } else if (!g->notifier && strcmp(interface, ext_idle_notifier_v1_interface.name) == 0) {
                g->notifier = true;
                g->notifier_name = name;
        } else if (!g->kde_idle && strcmp(interface, org_kde_kwin_idle_interface.name) == 0) {
                g->kde_idle = true;
                g->kde_idle_name = name;
        }
}

static void handle_global_remove(void *data, struct wl_registry *registry, uint32_t name) {
}

static const struct wl_registry_listener registry_listener = {
        .global = handle_global,
        .global_remove = handle_global_remove,
};

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct wayland *w = userdata;

        /* Writable again after a short write: on_prepare() flushes the rest. */
        if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                return 0;

        /* Read without blocking: epoll said there is something, or the peer hung up, in
         * which case reading returns the end of the stream and an error. */
        while (wl_display_prepare_read(w->display) != 0)
                if (wl_display_dispatch_pending(w->display) < 0) {
                        lost(w);
                        return 0;
                }
        if (wl_display_read_events(w->display) < 0 || wl_display_dispatch_pending(w->display) < 0)
                lost(w);
        return 0;
}

static int on_prepare(sd_event_source *s, void *userdata) {
        struct wayland *w = userdata;
        uint32_t events = EPOLLIN;

        /* Requests wait in libwayland's buffer until flushed: send them before the loop
         * sleeps. */
        if (wl_display_flush(w->display) < 0) {
                if (errno == EAGAIN)
                        /* The socket is full: flush the rest once it drains. */
                        events |= EPOLLOUT;
                else if (errno != EPIPE) {
                        lost(w);
                        return 0;
                }
                /* EPIPE: the compositor hung up; reading says so, with its last error. */
        }
        return sd_event_source_set_io_events(s, events);
}

static void wayland_stop(void *state) {
        struct wayland *w = state;

        if (!w)
                return;
        sd_event_source_disable_unref(w->io);
        if (w->notification)
                ext_idle_notification_v1_destroy(w->notification);
        if (w->notifier)
                ext_idle_notifier_v1_destroy(w->notifier);
        if (w->kde_timeout)
                org_kde_kwin_idle_timeout_release(w->kde_timeout);
        if (w->kde_idle)
                org_kde_kwin_idle_destroy(w->kde_idle);
        if (w->seat)
                wl_seat_destroy(w->seat);
        if (w->display) {
                (void) wl_display_flush(w->display);
                wl_display_disconnect(w->display);
        }
        free(w);
}

static int connect_display(struct wayland *w) {
        const struct limber_host *host = w->host;
        const char *name = getenv("WAYLAND_DISPLAY");

        if ((!name || !*name) && !getenv("WAYLAND_SOCKET")) {
                host->log(host, LOG_INFO, "WAYLAND_DISPLAY is not set: not in a Wayland session");
                return -ENXIO;
        }

        w->display = wl_display_connect(NULL);
        if (!w->display) {
                int r = errno > 0 ? -errno : -ECONNREFUSED;
                host->log(host, LOG_WARNING, "cannot connect to the Wayland display %s: %s",
                          name && *name ? name : "from WAYLAND_SOCKET", strerror(-r));
                return r;
        }
        return 0;
}

static int bind_globals(struct wayland *w) {
        const struct limber_host *host = w->host;
        struct globals g = { 0 };

        struct wl_registry *registry = wl_display_get_registry(w->display);
        if (!registry)
                return -ENOMEM;
        (void) wl_registry_add_listener(registry, &registry_listener, &g);
        /* Once, at start: the compositor answers at once, and start() must know whether
         * an idle protocol is offered. */
        if (wl_display_roundtrip(w->display) < 0) {
                int r = -wl_display_get_error(w->display);
                wl_registry_destroy(registry);
                host->log(host, LOG_WARNING, "Wayland registry: %s", strerror(-r));
                return r < 0 ? r : -EPIPE;
        }

        int r = 0;
        if (!g.notifier && !g.kde_idle) {
                host->log(host, LOG_WARNING, "the compositor offers neither %s nor %s: cannot tell idle time",
                          ext_idle_notifier_v1_interface.name, org_kde_kwin_idle_interface.name);
                r = -EOPNOTSUPP;
        } else if (!g.seat) {
                host->log(host, LOG_WARNING, "the compositor offers no seat");
                r = -ENODEV;
        } else {
                /* Version 1 of each: nothing newer is needed, and the seat's events are
                 * of no interest (an object without a listener drops them). */
                w->seat = wl_registry_bind(registry, g.seat_name, &wl_seat_interface, 1);
                /* ext-idle-notify-v1 is the standard one, and honours idle inhibitors:
                 * watching a video is still sitting. */
                if (g.notifier)
                        w->notifier = wl_registry_bind(registry, g.notifier_name, &ext_idle_notifier_v1_interface, 1);
                else
                        w->kde_idle = wl_registry_bind(registry, g.kde_idle_name, &org_kde_kwin_idle_interface, 1);
                if (!w->seat || (!w->notifier && !w->kde_idle))
                        r = -ENOMEM;
        }
        wl_registry_destroy(registry);
        return r;
}

static int watch_idle(struct wayland *w) {
        uint32_t timeout_ms = (uint32_t) (w->idle_after_usec / USEC_PER_MSEC);

        if (w->notifier) {
                w->notification = ext_idle_notifier_v1_get_idle_notification(w->notifier, timeout_ms, w->seat);
                if (!w->notification)
                        return -ENOMEM;
                (void) ext_idle_notification_v1_add_listener(w->notification, &ext_notification_listener, w);
        } else {
                /* Mind the order: (id, seat, timeout) here, (id, timeout, seat) above. */
                w->kde_timeout = org_kde_kwin_idle_get_idle_timeout(w->kde_idle, w->seat, timeout_ms);
                if (!w->kde_timeout)
                        return -ENOMEM;
                (void) org_kde_kwin_idle_timeout_add_listener(w->kde_timeout, &kde_timeout_listener, w);
        }
        w->host->log(w->host, LOG_INFO, "watching the seat through %s: idle after %" PRIu32 " ms without input",
                     w->notifier ? ext_idle_notifier_v1_interface.name : org_kde_kwin_idle_interface.name,
                     timeout_ms);
        return 0;
}

static int wayland_start(const struct limber_host *host, void **ret_state) {
        struct wayland *w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->host = host;

        int r = host->config_get_duration(host, "idle_after", DEFAULT_IDLE_AFTER_USEC, MIN_IDLE_AFTER_USEC,
                                          MAX_IDLE_AFTER_USEC, &w->idle_after_usec);
        if (r < 0)
                goto fail;
        r = connect_display(w);
        if (r < 0)
                goto fail;
        r = bind_globals(w);
        if (r < 0)
                goto fail;
        r = watch_idle(w);
        if (r < 0)
                goto fail;

        r = sd_event_add_io(host->event, &w->io, wl_display_get_fd(w->display), EPOLLIN, on_io, w);
        if (r < 0)
                goto fail;
        r = sd_event_source_set_prepare(w->io, on_prepare);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_description(w->io, "wayland");

        /* The compositor tells only changes, and a new notification starts out active
         * (its timer runs from now): say so, or a streak that starts now would not be
         * seen until the first pause. */
        became_active(w);

        *ret_state = w;
        return 0;

fail:
        wayland_stop(w);
        return r;
}

LIMBER_PLUGIN_DEFINE(
        .name = "wayland",
        .description = "idle time from the Wayland compositor (ext-idle-notify-v1 or org_kde_kwin_idle)",
        .idle_rank = LIMBER_IDLE_RANK_DISPLAY,
        .start = wayland_start,
        .stop = wayland_stop,
);
