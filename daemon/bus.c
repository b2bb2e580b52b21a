/* The io.github.limber.Limber1 interface on the session bus: the vtable, its method
 * handlers and property getters, and taking the well-known name. */
#include "bus.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "feed.h"
#include "limber-build.h"
#include "localtime.h"
#include "log.h"
#include "plugins.h"
#include "reminders.h"
#include "schedule.h"
#include "util.h"

#define ERROR_INVALID_CONFIG LIMBER_BUS_ERROR_PREFIX "InvalidConfig"

void limber_bus_properties_changed(struct limber_daemon *d, ...) {
        const char *names[16];
        size_t n = 0;
        va_list ap;

        if (!d->bus)
                return;

        va_start(ap, d);
        for (const char *p; (p = va_arg(ap, const char *)) && n < sizeof names / sizeof names[0] - 1;)
                names[n++] = p;
        va_end(ap);
        names[n] = NULL;

        limber_bus_properties_changed_strv(d, names);
}

void limber_bus_properties_changed_strv(struct limber_daemon *d, const char *const *names) {
        if (d->bus && names[0])
                (void) sd_bus_emit_properties_changed_strv(d->bus, LIMBER_BUS_PATH, LIMBER_BUS_INTERFACE,
                                                           (char **) names);
}

void limber_bus_emit_sessions_changed(struct limber_daemon *d) {
        if (d->bus)
                (void) sd_bus_emit_signal(d->bus, LIMBER_BUS_PATH, LIMBER_BUS_INTERFACE, "SessionsChanged", NULL);
}

/* Reads the a{sv} of LogActivity. Known keys must have their type; others are ignored,
 * so trackers may send more than this version uses. */
static int read_extra(sd_bus_message *m, struct limber_activity *a, sd_bus_error *error) {
        static const struct {
                const char *key;
                size_t max;
                size_t offset;
        } known[] = {
                { "source", LIMBER_SOURCE_MAX, offsetof(struct limber_activity, source) },
                { "external_id", LIMBER_EXTERNAL_ID_MAX, offsetof(struct limber_activity, external_id) },
                { "title", LIMBER_TITLE_MAX, offsetof(struct limber_activity, title) },
        };
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;

        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;
                size_t i;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;

                for (i = 0; i < sizeof known / sizeof known[0]; i++)
                        if (strcmp(known[i].key, key) == 0)
                                break;

                if (i == sizeof known / sizeof known[0]) {
                        r = sd_bus_message_skip(m, "v");
                        if (r < 0)
                                return r;
                } else {
                        const char *value;
                        r = sd_bus_message_read(m, "v", "s", &value);
                        if (r == -ENXIO || r == -EINVAL)
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Invalid argument 'extra': '%s' must be a string", key);
                        if (r < 0)
                                return r;
                        if (value[0] == '\0' || strlen(value) > known[i].max)
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Invalid argument 'extra': '%s' must be 1 to %zu bytes",
                                                         key, known[i].max);
                        char **field = (char **) ((char *) a + known[i].offset);
                        free(*field);
                        *field = strdup(value);
                        if (!*field)
                                return -ENOMEM;
                }

                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;

        return sd_bus_message_exit_container(m);
}

static int handle_log_activity(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        struct limber_activity a = { 0 };
        const char *kind, *arg, *why;
        uint64_t start, duration;
        double distance;
        int r, k;

        r = sd_bus_message_read(m, "sttd", &kind, &start, &duration, &distance);
        if (r < 0)
                return r;

        k = limber_activity_kind_from_string(kind);
        if (k < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid argument 'kind': unknown kind '%s' (known: %s)",
                                         kind, limber_activity_kinds_list());

        usec_t now = limber_daemon_now(d);
        if (limber_activity_check(start, duration, distance, now, &arg, &why) < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid argument '%s': %s", arg, why);

        r = read_extra(m, &a, error);
        if (r < 0 || sd_bus_error_is_set(error))
                goto finish;

        a.kind = (enum limber_activity_kind) k;
        a.start = start;
        a.duration = duration;
        a.distance_m = distance;
        if (!a.source && !(a.source = strdup("dbus"))) {
                r = -ENOMEM;
                goto finish;
        }

        r = limber_store_add_activity(d->store, &a, now);
        if (r < 0) {
                log_error_errno(r, "Failed to store an activity: %s", limber_store_error(d->store));
                r = sd_bus_error_set_errnof(error, -r, "Failed to store the activity");
                goto finish;
        }
        if (r > 0)
                log_info("Activity %s: %s, %.0f min, %.2f km, from %s", a.id, kind,
                         (double) duration / USEC_PER_MIN, distance / 1000.0, a.source);
        else
                log_debug("Activity %s from %s already stored", a.external_id, a.source);

        /* Stored: reply first, so the caller never waits on planning. */
        bool stored_new = r > 0;
        r = sd_bus_reply_method_return(m, "s", a.id);
        if (stored_new)
                (void) limber_schedule_replan(d, "new activity");
finish:
        limber_activity_clear(&a);
        return r;
}

/* The (t from, t until) of the listing methods; until 0 means no upper bound. */
static int read_range(sd_bus_message *m, uint64_t *from, uint64_t *until, sd_bus_error *error) {
        int r = sd_bus_message_read(m, "tt", from, until);
        if (r < 0)
                return r;
        if (*until != 0 && *until < *from)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid argument 'until': before 'from' (0 means no limit)");
        return 0;
}

static int handle_list_activities(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct limber_activity *list = NULL;
        size_t n = 0;
        uint64_t from, until;
        int r;

        r = read_range(m, &from, &until, error);
        if (r < 0)
                return r;

        r = limber_store_list_activities(d->store, from, until, &list, &n);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Failed to read activities: %s",
                                               limber_store_error(d->store));

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sssttd)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "(sssttd)", list[i].id, list[i].source,
                                          limber_activity_kind_to_string(list[i].kind),
                                          list[i].start, list[i].duration, list[i].distance_m);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        limber_activity_array_free(list, n);
        if (r < 0)
                return r;

        return sd_bus_send(NULL, reply, NULL);
}

static int handle_report_idle(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        int idle, r;

        r = sd_bus_message_read(m, "b", &idle);
        if (r < 0)
                return r;

        /* swayidle hooks and trackers that see input directly: as direct as a compositor. */
        r = limber_daemon_idle_report(d, "dbus", LIMBER_IDLE_RANK_DISPLAY,
                                      idle ? LIMBER_IDLE_IDLE : LIMBER_IDLE_ACTIVE, 0);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Failed to record the desk state");

        return sd_bus_reply_method_return(m, NULL);
}

static int handle_reload(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        char *errors = NULL;
        int r;

        r = limber_daemon_reload(d, &errors);
        if (r < 0) {
                size_t len = errors ? strlen(errors) : 0;
                if (len > 0 && errors[len - 1] == '\n')
                        errors[len - 1] = '\0';
                /* One log line per problem, so each carries its <N> prefix. */
                for (const char *p = errors ? errors : strerror(-r); *p;) {
                        size_t n = strcspn(p, "\n");
                        log_error("%.*s", (int) n, p);
                        p += n + (p[n] == '\n');
                }
                log_error("Configuration not reloaded; the running configuration stays");
                r = sd_bus_error_setf(error, ERROR_INVALID_CONFIG, "%s", errors ? errors : strerror(-r));
                free(errors);
                return r;
        }

        return sd_bus_reply_method_return(m, NULL);
}

static int get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", LIMBER_VERSION);
}

static int get_idle(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        return sd_bus_message_append(reply, "b", d->tracker.state == LIMBER_DESK_IDLE);
}

static int get_sitting_since(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        return sd_bus_message_append(reply, "t", (uint64_t) d->tracker.sitting_since);
}

static int handle_list_sessions(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t from, until;
        int r;

        r = read_range(m, &from, &until, error);
        if (r < 0)
                return r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssssttt)");
        for (size_t i = 0; r >= 0 && i < d->plan.n_sessions; i++) {
                const struct limber_session *s = &d->plan.sessions[i].session;
                /* Sessions that overlap [from, until). */
                if (s->status == LIMBER_STATUS_CANCELLED || s->end <= from || (until != 0 && s->start >= until))
                        continue;
                r = sd_bus_message_append(reply, "(ssssttt)", s->id, limber_session_kind_to_string(s->kind),
                                          limber_session_status_to_string(s->status),
                                          limber_feed_title(s, &d->routines), s->start, s->end,
                                          (uint64_t) s->sequence);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* A cancelled session is gone from the bus as from the feed: NoSuchSession, as for an id
 * never known, but saying what became of it, so a client holding its id learns why. */
static int no_such_session(sd_bus_error *error, const struct limber_daemon *d, const char *id) {
        const struct limber_session *s = limber_schedule_find(d, id);
        if (s && s->status == LIMBER_STATUS_CANCELLED)
                return sd_bus_error_setf(error, LIMBER_BUS_ERROR_PREFIX "NoSuchSession",
                                         "Session '%s' was cancelled: no rule plans it any more", id);
        return sd_bus_error_setf(error, LIMBER_BUS_ERROR_PREFIX "NoSuchSession", "No session '%s'", id);
}

static int handle_get_session(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *id;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r < 0)
                return r;
        if (!limber_session_id_valid(id))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid argument 'id': '%s' is not a session id", id);
        const struct limber_session *s = limber_schedule_find(d, id);
        if (!s || s->status == LIMBER_STATUS_CANCELLED)
                return no_such_session(error, d, id);

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = limber_bus_append_session_dict(reply, d, s);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int handle_replan(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        int r = limber_schedule_replan(d, "Replan() called");
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Re-planning failed");
        return sd_bus_reply_method_return(m, NULL);
}

static int get_string(sd_bus_message *reply, const char *s) {
        return sd_bus_message_append(reply, "s", s ? s : "");
}

static int get_plan_property(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        const struct limber_session *next = limber_schedule_next(d);

        if (strcmp(property, "NextSessionId") == 0)
                return get_string(reply, next ? next->id : "");
        if (strcmp(property, "NextSessionStart") == 0)
                return sd_bus_message_append(reply, "t", next ? next->start : UINT64_C(0));
        if (strcmp(property, "NextSessionKind") == 0)
                return get_string(reply, next ? limber_session_kind_to_string(next->kind) : "");
        if (strcmp(property, "NextSessionTitle") == 0)
                return get_string(reply, next ? limber_feed_title(next, &d->routines) : "");
        if (strcmp(property, "WeekSmrDone") == 0)
                return sd_bus_message_append(reply, "u", d->plan.week_smr_done);
        if (strcmp(property, "WeekSmrTarget") == 0)
                return sd_bus_message_append(reply, "u", d->plan.week_smr_target);
        if (strcmp(property, "WeekCardioMinutes") == 0)
                return sd_bus_message_append(reply, "u", d->plan.week_cardio_minutes);
        if (strcmp(property, "WeekCardioTarget") == 0)
                return sd_bus_message_append(reply, "u", d->plan.week_cardio_target);
        if (strcmp(property, "LoadRatio") == 0)
                return sd_bus_message_append(reply, "d", d->plan.load_ratio);
        if (strcmp(property, "FeedPath") == 0)
                return get_string(reply, d->feed_path);
        if (strcmp(property, "FeedUrl") == 0)
                return get_string(reply, d->feed_url);
        if (strcmp(property, "FeedError") == 0)
                return get_string(reply, d->feed_error);
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "Unknown property %s", property);
}

static int get_unplaced(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "(ssts)");
        for (size_t i = 0; r >= 0 && i < d->plan.n_unplaced; i++) {
                const struct limber_unplaced *u = &d->plan.unplaced[i];
                r = sd_bus_message_append(reply, "(ssts)", limber_session_kind_to_string(u->kind),
                                          limber_rule_to_string(u->rule), limber_local_time(u->day, 0), u->reason);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

/* The outcome methods, on the main object (with the id) and on session objects. */
int limber_bus_give_outcome(sd_bus_message *m, struct limber_daemon *d, const char *id,
                            enum limber_session_status status, uint64_t by, sd_bus_error *error) {
        if (!limber_session_id_valid(id))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid argument 'id': '%s' is not a session id", id);
        if (status == LIMBER_STATUS_SNOOZED && by > 24 * USEC_PER_HOUR)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid argument 'by': longer than a day (expected microseconds)");

        int r = limber_reminders_outcome(d, id, status, by);
        if (r == -ENOENT)
                return no_such_session(error, d, id);
        if (r == -EPERM)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid argument 'id': session '%s' is over; only a planned session can be snoozed",
                                         id);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Failed to record the outcome of '%s'", id);
        return sd_bus_reply_method_return(m, NULL);
}

static int handle_outcome(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *member = sd_bus_message_get_member(m), *id;
        uint64_t by = 0;
        int r;

        if (strcmp(member, "SnoozeSession") == 0)
                r = sd_bus_message_read(m, "st", &id, &by);
        else
                r = sd_bus_message_read(m, "s", &id);
        if (r < 0)
                return r;

        enum limber_session_status status = strcmp(member, "CompleteSession") == 0 ? LIMBER_STATUS_COMPLETED
                                            : strcmp(member, "SkipSession") == 0   ? LIMBER_STATUS_SKIPPED
                                                                                   : LIMBER_STATUS_SNOOZED;
        return limber_bus_give_outcome(m, userdata, id, status, by, error);
}

static int get_sitting_limit(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        return sd_bus_message_append(reply, "t", (uint64_t) d->config->mobility.max_sitting);
}

static int get_plugins(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "(ss)");
        for (size_t i = 0; r >= 0 && limber_plugins_name(d, i); i++)
                r = sd_bus_message_append(reply, "(ss)", limber_plugins_name(d, i), limber_plugins_state(d, i));
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int get_rejected(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        const char *what, *reason;
        int r = sd_bus_message_open_container(reply, 'a', "(ss)");
        for (size_t i = 0; r >= 0 && limber_plugins_rejected(d, i, &what, &reason); i++)
                r = sd_bus_message_append(reply, "(ss)", what, reason);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

#define PLAN_PROPERTY(name, sig) \
        SD_BUS_PROPERTY(name, sig, get_plan_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable limber_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Idle", "b", get_idle, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SittingSince", "t", get_sitting_since, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SittingLimit", "t", get_sitting_limit, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        PLAN_PROPERTY("NextSessionId", "s"),
        PLAN_PROPERTY("NextSessionStart", "t"),
        PLAN_PROPERTY("NextSessionKind", "s"),
        PLAN_PROPERTY("NextSessionTitle", "s"),
        PLAN_PROPERTY("WeekSmrDone", "u"),
        PLAN_PROPERTY("WeekSmrTarget", "u"),
        PLAN_PROPERTY("WeekCardioMinutes", "u"),
        PLAN_PROPERTY("WeekCardioTarget", "u"),
        PLAN_PROPERTY("LoadRatio", "d"),
        PLAN_PROPERTY("FeedPath", "s"),
        PLAN_PROPERTY("FeedUrl", "s"),
        PLAN_PROPERTY("FeedError", "s"),
        SD_BUS_PROPERTY("Unplaced", "a(ssts)", get_unplaced, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Plugins", "a(ss)", get_plugins, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Rejected", "a(ss)", get_rejected, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("LogActivity",
                                SD_BUS_ARGS("s", kind, "t", start, "t", duration, "d", distance_m,
                                            "a{sv}", extra),
                                SD_BUS_RESULT("s", id),
                                handle_log_activity, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListActivities",
                                SD_BUS_ARGS("t", from, "t", until),
                                SD_BUS_RESULT("a(sssttd)", activities),
                                handle_list_activities, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ReportIdle",
                                SD_BUS_ARGS("b", idle),
                                SD_BUS_NO_RESULT,
                                handle_report_idle, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListSessions",
                                SD_BUS_ARGS("t", from, "t", until),
                                SD_BUS_RESULT("a(ssssttt)", sessions),
                                handle_list_sessions, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetSession",
                                SD_BUS_ARGS("s", id),
                                SD_BUS_RESULT("a{sv}", session),
                                handle_get_session, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CompleteSession",
                                SD_BUS_ARGS("s", id),
                                SD_BUS_NO_RESULT,
                                handle_outcome, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SkipSession",
                                SD_BUS_ARGS("s", id),
                                SD_BUS_NO_RESULT,
                                handle_outcome, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SnoozeSession",
                                SD_BUS_ARGS("s", id, "t", by),
                                SD_BUS_NO_RESULT,
                                handle_outcome, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Replan",
                                SD_BUS_NO_ARGS,
                                SD_BUS_NO_RESULT,
                                handle_replan, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload",
                                SD_BUS_NO_ARGS,
                                SD_BUS_NO_RESULT,
                                handle_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("SessionDue",
                                SD_BUS_ARGS("s", id, "s", kind, "s", title, "s", description), 0),
        SD_BUS_SIGNAL("SessionsChanged", NULL, 0),
        SD_BUS_VTABLE_END,
};

static int on_name_lost(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        const char *name;

        if (sd_bus_message_read(m, "s", &name) < 0 || strcmp(name, LIMBER_BUS_NAME) != 0)
                return 0;
        log_notice("Another limberd took over %s (--replace), stopping", LIMBER_BUS_NAME);
        return sd_event_exit(d->event, 0);
}

int limber_bus_start(struct limber_daemon *d) {
        int r;

        r = sd_bus_open_user_with_description(&d->bus, "limberd");
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the session bus");

        /* When the bus goes, the session is over: stop with it. */
        (void) sd_bus_set_exit_on_disconnect(d->bus, true);

        r = sd_bus_add_object_vtable(d->bus, &d->vtable_slot, LIMBER_BUS_PATH, LIMBER_BUS_INTERFACE,
                                     limber_vtable, d);
        if (r < 0)
                return log_error_errno(r, "Failed to export %s", LIMBER_BUS_PATH);

        r = limber_bus_session_objects_add(d);
        if (r < 0)
                return r;

        r = sd_bus_match_signal(d->bus, &d->name_lost_slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                "org.freedesktop.DBus", "NameLost", on_name_lost, d);
        if (r < 0)
                return log_error_errno(r, "Failed to watch for NameLost");

        r = sd_bus_attach_event(d->bus, d->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop");

        /* Always let a later instance with --replace take over; take over ourselves only
         * when asked to. */
        uint64_t flags = SD_BUS_NAME_ALLOW_REPLACEMENT | (d->replace ? SD_BUS_NAME_REPLACE_EXISTING : 0);
        r = sd_bus_request_name(d->bus, LIMBER_BUS_NAME, flags);
        if (r == -EEXIST) {
                log_error("Another limberd already owns %s on this bus; use --replace to take over",
                          LIMBER_BUS_NAME);
                return r;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to acquire %s", LIMBER_BUS_NAME);
        return 0;
}

void limber_bus_stop(struct limber_daemon *d) {
        limber_bus_session_objects_remove(d);
        d->name_lost_slot = sd_bus_slot_unref(d->name_lost_slot);
        d->vtable_slot = sd_bus_slot_unref(d->vtable_slot);
        if (d->bus) {
                (void) sd_bus_flush(d->bus);
                d->bus = sd_bus_flush_close_unref(d->bus);
        }
}
