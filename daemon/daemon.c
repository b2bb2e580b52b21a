/* The daemon's state and life cycle: one sd-event loop, the store, the configuration,
 * the sitting tracker, signals and reload. */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "bus.h"
#include "display.h"
#include "limber-build.h"
#include "log.h"
#include "paths.h"
#include "plugins.h"
#include "reminders.h"
#include "schedule.h"

usec_t limber_daemon_now(struct limber_daemon *d) {
        uint64_t now;
        if (sd_event_now(d->event, CLOCK_REALTIME, &now) < 0)
                return 0;
        return now;
}

static int arm_tracker_timer(struct limber_daemon *d);

static int on_tracker_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct limber_daemon *d = userdata;

        if (limber_tracker_advance(&d->tracker, limber_daemon_now(d), d->config->mobility.natural_break)) {
                log_debug("natural break: the sitting streak ends");
                limber_bus_properties_changed(d, "SittingSince", NULL);
        }
        arm_tracker_timer(d);
        limber_reminders_desk_changed(d);
        return 0;
}

/* One timer, armed for the tracker's next deadline, or off when there is none. */
static int arm_tracker_timer(struct limber_daemon *d) {
        usec_t when = limber_tracker_deadline(&d->tracker, d->config->mobility.natural_break);
        int r;

        if (when == 0)
                return d->tracker_timer ? sd_event_source_set_enabled(d->tracker_timer, SD_EVENT_OFF) : 0;

        if (!d->tracker_timer) {
                r = sd_event_add_time(d->event, &d->tracker_timer, CLOCK_REALTIME, when,
                                      USEC_PER_SEC, on_tracker_timer, d);
                if (r < 0)
                        return log_error_errno(r, "Failed to add the sitting timer");
                (void) sd_event_source_set_description(d->tracker_timer, "sitting");
                return 0;
        }
        r = sd_event_source_set_time(d->tracker_timer, when);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->tracker_timer, SD_EVENT_ONESHOT);
        if (r < 0)
                return log_error_errno(r, "Failed to arm the sitting timer");
        return 0;
}

/* Applies the merged desk state to the tracker, the store and the bus. */
static int apply_desk_state(struct limber_daemon *d, enum limber_idle_state state, usec_t since) {
        usec_t now = limber_daemon_now(d);
        usec_t sitting_before = d->tracker.sitting_since;
        bool idle_before = d->tracker.state == LIMBER_DESK_IDLE;
        bool changed;
        int r = 0;

        /* A source may say it went idle some time ago: the break began then. */
        usec_t at = since > 0 && since <= now ? since : now;
        if (state == LIMBER_IDLE_LOCKED || state == LIMBER_IDLE_SUSPENDED)
                changed = limber_tracker_break(&d->tracker, at);
        else
                changed = limber_tracker_report(&d->tracker, state != LIMBER_IDLE_ACTIVE, at,
                                                d->config->mobility.natural_break);
        if (limber_tracker_advance(&d->tracker, now, d->config->mobility.natural_break))
                changed = true;

        if (changed && idle_before != (d->tracker.state == LIMBER_DESK_IDLE)) {
                log_debug("desk: %s", d->tracker.state == LIMBER_DESK_IDLE ? "idle" : "active");
                r = limber_store_desk_transition(d->store, d->tracker.state, at);
                if (r < 0)
                        log_warning_errno(r, "Failed to record the desk state: %s", limber_store_error(d->store));
        }

        bool idle_changed = idle_before != (d->tracker.state == LIMBER_DESK_IDLE);
        bool sitting_changed = sitting_before != d->tracker.sitting_since;
        if (idle_changed && sitting_changed)
                limber_bus_properties_changed(d, "Idle", "SittingSince", NULL);
        else if (idle_changed)
                limber_bus_properties_changed(d, "Idle", NULL);
        else if (sitting_changed)
                limber_bus_properties_changed(d, "SittingSince", NULL);

        (void) arm_tracker_timer(d);
        limber_reminders_desk_changed(d);
        return r;
}

int limber_daemon_idle_report(struct limber_daemon *d, const char *source, unsigned rank,
                              enum limber_idle_state state, usec_t since) {
        usec_t merged_since = 0;
        int r = limber_idle_merge_report(&d->idle_sources, source, rank, state, since);
        if (r < 0)
                return r;

        log_debug("idle source %s: state %d", source, (int) state);
        enum limber_idle_state merged = limber_idle_merge_state(&d->idle_sources, &merged_since);
        if (merged == LIMBER_IDLE_GONE)
                return 0;       /* nobody can tell: keep what was last known */
        return apply_desk_state(d, merged, merged_since);
}

int limber_daemon_reload(struct limber_daemon *d, char **ret_errors) {
        struct limber_config *c;
        int r;

        (void) sd_notify(0, "RELOADING=1");
        /* Whatever the file holds: the session may reload only to say its display is up. */
        limber_display_refresh(d);
        r = limber_config_load(d->config_path, d->config_must_exist, d->home, &c, ret_errors);
        if (r < 0) {
                (void) sd_notify(0, "READY=1");
                return r;
        }

        limber_config_free(d->config);
        d->config = c;
        log_info("Configuration reloaded from %s", c->path ? c->path : "built-in defaults");
        (void) limber_schedule_reconfigure(d);
        limber_plugins_reconfigure(d);
        limber_bus_properties_changed(d, "SittingLimit", NULL);

        /* natural_break may have changed: the deadline moves with it. */
        if (limber_tracker_advance(&d->tracker, limber_daemon_now(d), c->mobility.natural_break))
                limber_bus_properties_changed(d, "SittingSince", NULL);
        (void) arm_tracker_timer(d);
        limber_reminders_desk_changed(d);

        (void) sd_notify(0, "READY=1");
        return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct limber_daemon *d = userdata;

        log_info("Received %s, stopping", strsignal((int) si->ssi_signo));
        (void) sd_notify(0, "STOPPING=1");
        return sd_event_exit(d->event, 0);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct limber_daemon *d = userdata;
        char *errors = NULL;

        if (limber_daemon_reload(d, &errors) < 0) {
                /* Each line already names the file and line. */
                for (char *line = strtok(errors, "\n"); line; line = strtok(NULL, "\n"))
                        log_error("%s", line);
                log_error("Configuration not reloaded; the running configuration stays");
        }
        free(errors);
        return 0;
}

int limber_daemon_new(struct limber_daemon_args *args, struct limber_config *config,
                      struct limber_daemon **ret) {
        struct limber_daemon *d;
        char *db_path = NULL, *error = NULL;
        int r;

        d = calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;

        d->config_path = args->config_path;
        d->config_must_exist = args->config_must_exist;
        d->state_dir = args->state_dir;
        d->data_dir = args->data_dir;
        d->plugin_dir = args->plugin_dir;
        d->routine_dir = args->routine_dir;
        d->home = args->home;
        d->replace = args->replace;
        d->config = config;
        *args = (struct limber_daemon_args) { 0 };

        r = sd_event_new(&d->event);
        if (r < 0) {
                log_error_errno(r, "Failed to create the event loop");
                goto fail;
        }

        r = limber_mkdir_p(d->state_dir);
        if (r < 0) {
                log_error_errno(r, "Failed to create the state directory %s", d->state_dir);
                goto fail;
        }
        if (asprintf(&db_path, "%s/limber.db", d->state_dir) < 0) {
                r = -ENOMEM;
                goto fail;
        }
        r = limber_store_open(db_path, &d->store, &error);
        if (r < 0) {
                log_error("%s", error ? error : strerror(-r));
                goto fail;
        }
        log_debug("State database %s (schema version %d)", db_path, limber_store_schema_version());

        /* A span left open by a previous run ended when that run did, at an unknown
         * time; close it where it began rather than invent a length. */
        r = limber_store_desk_transition(d->store, LIMBER_DESK_UNKNOWN, 0);
        if (r < 0) {
                log_error_errno(r, "Failed to close the previous run's desk span: %s",
                                limber_store_error(d->store));
                goto fail;
        }

        free(db_path);
        *ret = d;
        return 0;

fail:
        free(error);
        free(db_path);
        limber_daemon_free(d);
        return r;
}

static int add_signal(struct limber_daemon *d, sd_event_source **s, int sig,
                      sd_event_signal_handler_t handler) {
        int r = sd_event_add_signal(d->event, s, sig, handler, d);
        if (r < 0)
                return log_error_errno(r, "Failed to watch %s", strsignal(sig));
        return 0;
}

int limber_daemon_run(struct limber_daemon *d) {
        sigset_t mask;
        int r;

        /* sd-event takes signals through a signalfd, which needs them blocked. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals");

        if ((r = add_signal(d, &d->sigterm_source, SIGTERM, on_exit_signal)) < 0 ||
            (r = add_signal(d, &d->sigint_source, SIGINT, on_exit_signal)) < 0 ||
            (r = add_signal(d, &d->sighup_source, SIGHUP, on_sighup)) < 0)
                return r;

        /* Sessions that began before this start are not announced again. */
        d->announced_until = limber_daemon_now(d);

        /* The name first: a second instance stops here, before it writes the store or
         * the feed. Calls wait until the loop runs, after the first plan is made. */
        r = limber_bus_start(d);
        if (r < 0)
                return r;

        r = limber_schedule_start(d);
        if (r < 0)
                return r;
        (void) limber_reminders_start(d);
        (void) limber_plugins_start(d);
        (void) limber_display_start(d);

        log_info("limberd %s ready on %s, state in %s", LIMBER_VERSION, LIMBER_BUS_NAME, d->state_dir);
        (void) sd_notify(0, "READY=1");

        r = sd_event_loop(d->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed");

        /* Close the open desk span at shutdown, so it keeps its true length. */
        if (d->tracker.state != LIMBER_DESK_UNKNOWN)
                (void) limber_store_desk_transition(d->store, LIMBER_DESK_UNKNOWN, limber_daemon_now(d));
        return r;
}

void limber_daemon_free(struct limber_daemon *d) {
        if (!d)
                return;
        limber_display_stop(d);
        limber_plugins_stop(d);
        limber_reminders_stop(d);
        limber_bus_stop(d);
        limber_schedule_stop(d);
        sd_event_source_unref(d->tracker_timer);
        sd_event_source_unref(d->sigterm_source);
        sd_event_source_unref(d->sigint_source);
        sd_event_source_unref(d->sighup_source);
        sd_event_unref(d->event);
        limber_store_close(d->store);
        limber_idle_merge_clear(&d->idle_sources);
        limber_config_free(d->config);
        free(d->config_path);
        free(d->state_dir);
        free(d->data_dir);
        free(d->plugin_dir);
        free(d->routine_dir);
        free(d);
}
