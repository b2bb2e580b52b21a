/* limber-plugin.h: the interface between limberd and its plugins.
 *
 * A plugin is a shared object in limberd's plugin folder that exports one constant
 * descriptor named `limber_plugin` (see LIMBER_PLUGIN_DEFINE). limberd checks its ABI
 * version before it touches anything else, calls start() with a host that offers the
 * event loop, the buses, the plugin's own configuration section and the calls below,
 * and stop() when it shuts down or the plugin is disabled. A plugin runs on limberd's
 * event loop: it must never block and never poll on a fixed tick; it watches file
 * descriptors, timers and bus signals through sd-event and sd-bus.
 *
 * Build against it with `pkg-config --cflags --libs limber-plugin libsystemd`; install
 * the .so into `pkg-config --variable=plugindir limber-plugin`. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Raised whenever struct limber_plugin or struct limber_host changes incompatibly;
 * limberd loads only plugins built for its own version. */
#define LIMBER_PLUGIN_ABI_VERSION 1

/* What an idle source saw. Locked and suspended always count as idle. */
enum limber_idle_state {
        LIMBER_IDLE_ACTIVE = 0,         /* input at the desk */
        LIMBER_IDLE_IDLE = 1,           /* no input for a while */
        LIMBER_IDLE_LOCKED = 2,         /* the screen is locked */
        LIMBER_IDLE_SUSPENDED = 3,      /* the machine goes to sleep */
        LIMBER_IDLE_GONE = 4,           /* the source cannot tell any more (its service went away) */
};

/* How directly a source sees input, to merge several: the most direct live source
 * decides between idle and active. */
enum limber_idle_rank {
        LIMBER_IDLE_RANK_SESSION = 10,  /* a session manager's hint (logind IdleHint) */
        LIMBER_IDLE_RANK_DESKTOP = 20,  /* a desktop service (ScreenSaver, Mutter IdleMonitor) */
        LIMBER_IDLE_RANK_DISPLAY = 30,  /* the display server itself (X server, Wayland compositor) */
};

/* An activity a plugin found (a workout file, a tracker's database). Strings are
 * copied; the plugin keeps ownership. */
struct limber_activity_report {
        const char *kind;               /* run, walk, ride, swim, hike, strength, yoga, other */
        uint64_t start_usec;            /* CLOCK_REALTIME µs */
        uint64_t duration_usec;
        double distance_m;              /* 0 when unknown */
        const char *external_id;        /* makes the report idempotent; NULL for none */
        const char *title;              /* NULL for none */
};

struct limber_host {
        unsigned abi_version;
        const char *plugin_name;        /* NAME of [plugin.NAME] */
        sd_event *event;
        sd_bus *session_bus;
        sd_bus *system_bus;             /* NULL when there is none */

        /* The plugin's setting in [plugin.NAME], or NULL when unset. The string lives
         * until stop(). */
        const char *(*config_get)(const struct limber_host *host, const char *key);
        /* The line of that setting in limber.conf, to name it in errors; 0 when unset. */
        unsigned (*config_line)(const struct limber_host *host, const char *key);
        /* Setting key as a duration in µs, in limber.conf's syntax ("90s", "1min 30s"),
         * or def when unset. A value that does not parse or lies outside [min, max] is
         * logged with its FILE:LINE and gives -EINVAL. */
        int (*config_get_duration)(const struct limber_host *host, const char *key, uint64_t def,
                                   uint64_t min, uint64_t max, uint64_t *ret);
        /* The path of limber.conf, for messages; "built-in defaults" without one. */
        const char *config_path;

        /* A new idle state, seen since since_usec (CLOCK_REALTIME µs; 0 for now). */
        void (*report_idle)(const struct limber_host *host, enum limber_idle_state state, uint64_t since_usec);
        /* A new activity; returns 1 when stored, 0 when known already, negative errno
         * for a report limberd refuses (and logs). */
        int (*report_activity)(const struct limber_host *host, const struct limber_activity_report *a);
        /* A file or record the plugin refused, and why, for limberd's Rejected property;
         * a NULL reason takes `what` off the list again (fixed or removed). */
        void (*report_rejected)(const struct limber_host *host, const char *what, const char *reason);
        /* Logs through limberd, prefixed with the plugin's name. priority as in syslog.h. */
        void (*log)(const struct limber_host *host, int priority, const char *format, ...)
                __attribute__((format(printf, 3, 4)));

        void *host_data;                /* limberd's; plugins leave it alone */
};

struct limber_plugin {
        unsigned abi_version;           /* LIMBER_PLUGIN_ABI_VERSION */
        const char *name;               /* matches [plugin.NAME]; a-z, 0-9, '_' and '-' */
        const char *description;
        enum limber_idle_rank idle_rank; /* for idle sources; 0 for others */
        /* Starts the plugin; *ret_state is handed back to stop(). A negative errno
         * means the plugin cannot run here (limberd logs it and runs on). */
        int (*start)(const struct limber_host *host, void **ret_state);
        void (*stop)(void *state);
};

#define LIMBER_PLUGIN_SYMBOL "limber_plugin"

/* LIMBER_PLUGIN_DEFINE(.name = "x11", .description = "...", .start = ..., .stop = ...); */
#define LIMBER_PLUGIN_DEFINE(...)                                                        \
        __attribute__((visibility("default"))) extern const struct limber_plugin limber_plugin; \
        const struct limber_plugin limber_plugin = {                                     \
                .abi_version = LIMBER_PLUGIN_ABI_VERSION, __VA_ARGS__                    \
        }

#ifdef __cplusplus
}
#endif
