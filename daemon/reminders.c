/* Reminders: the sitting limit and session starts become SessionDue signals and desktop
 * notifications, held while notifications are inhibited or the user is in a busy slot;
 * outcomes come back from the bus or a notification's buttons.
 *
 * One timer serves the sitting limit: armed for the moment the streak reaches
 * [mobility] max_sitting (or max_sitting after the last break of the same streak), or
 * for the end of the busy slot that holds a break back. Session starts need no timer of
 * their own: the plan timer wakes limberd at each one, and the re-plan announces them. */
#include "reminders.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "feed.h"
#include "localtime.h"
#include "log.h"
#include "notify.h"
#include "schedule.h"
#include "util.h"

static usec_t now_of(struct limber_daemon *d) {
        return limber_daemon_now(d);
}

/* The end of the busy slot now falls in, or 0. */
static usec_t busy_until(struct limber_daemon *d, usec_t now) {
        for (size_t i = 0; i < d->n_busy; i++)
                if (d->busy[i].start <= now && now < d->busy[i].end)
                        return d->busy[i].end;
        return 0;
}

static char *describe(struct limber_daemon *d, const struct limber_session *s) {
        const struct limber_routine *r = limber_routines_find(&d->routines, s->routine);
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        if (s->reason[0])
                fprintf(f, "%s.", s->reason);
        for (size_t i = 0; r && i < r->n_steps; i++)
                fprintf(f, "\n%zu. %s", i + 1, r->steps[i]);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static void hold(struct limber_daemon *d, const char *id) {
        for (size_t i = 0; i < d->n_held; i++)
                if (strcmp(d->held[i], id) == 0)
                        return;
        char **n = realloc(d->held, (d->n_held + 1) * sizeof *n);
        if (!n)
                return;
        d->held = n;
        if ((n[d->n_held] = strdup(id)))
                d->n_held++;
}

static void notify_session(struct limber_daemon *d, const struct limber_session *s, const char *body) {
        if (!d->config->mobility.notify || !d->notifier)
                return;
        if (limber_notifier_inhibited(d->notifier)) {
                log_debug("Notifications are inhibited: holding %s", s->id);
                hold(d, s->id);
                return;
        }
        char summary[256];
        snprintf(summary, sizeof summary, "%s", limber_feed_title(s, &d->routines));
        (void) limber_notifier_show(d->notifier, s->id, summary, body);
}

/* SessionDue on the bus, and a notification unless notifications are off or held. */
static void announce(struct limber_daemon *d, const struct limber_session *s) {
        char *body = describe(d, s);
        const char *title = limber_feed_title(s, &d->routines);

        log_info("Due now: %s (%s)", title, s->id);
        if (d->bus)
                (void) sd_bus_emit_signal(d->bus, LIMBER_BUS_PATH, LIMBER_BUS_INTERFACE, "SessionDue", "ssss",
                                          s->id, limber_session_kind_to_string(s->kind), title, body ? body : "");
        notify_session(d, s, body ? body : "");
        free(body);
}

static int arm_break_timer(struct limber_daemon *d, usec_t when);

/* Creates the mobility break of rule 4, stores it, and announces it. */
static int break_due(struct limber_daemon *d, usec_t now) {
        const struct limber_config *c = d->config;
        int today = limber_local_day(now);
        unsigned slot = 0;

        for (size_t i = 0; i < d->plan.n_sessions; i++) {
                const struct limber_session *s = &d->plan.sessions[i].session;
                if (s->rule == LIMBER_RULE_SITTING && s->day == today && s->slot >= slot)
                        slot = s->slot + 1;
        }

        struct limber_session s = {
                .kind = LIMBER_SESSION_MOBILITY, .rule = LIMBER_RULE_SITTING, .day = today, .slot = slot,
                .start = now, .end = now + c->mobility.duration, .status = LIMBER_STATUS_PLANNED,
                .last_modified = now,
        };
        limber_session_make_id(s.id, s.rule, s.day, s.slot);
        snprintf(s.routine, sizeof s.routine, "desk-break");
        char sat[32];
        snprintf(s.reason, sizeof s.reason, "sitting for %s",
                 limber_format_span(now - d->tracker.sitting_since, sat, sizeof sat));

        int r = limber_store_add_session(d->store, &s, limber_feed_title(&s, &d->routines), now);
        if (r < 0)
                return log_error_errno(r, "Failed to store the mobility break: %s", limber_store_error(d->store));

        d->break_streak = d->tracker.sitting_since;
        d->last_break = now;
        d->break_held = false;
        announce(d, &s);
        /* The plan takes the break in as a fixed session (the bus shows it, the feed
         * does not), and an earlier one nobody answered ends as missed. */
        (void) limber_schedule_replan(d, "a mobility break is due");
        return 0;
}

static usec_t break_deadline(struct limber_daemon *d) {
        if (d->tracker.state != LIMBER_DESK_ACTIVE || d->tracker.sitting_since == 0)
                return 0;
        usec_t from = d->tracker.sitting_since;
        if (d->break_streak == d->tracker.sitting_since && d->last_break > from)
                from = d->last_break;
        return from + d->config->mobility.max_sitting;
}

static void check_break(struct limber_daemon *d) {
        usec_t now = now_of(d), when = break_deadline(d);

        if (when == 0) {
                d->break_held = false;
                (void) arm_break_timer(d, 0);
                return;
        }
        if (when > now) {
                (void) arm_break_timer(d, when);
                return;
        }

        /* Due. In a busy slot (a meeting), wait for its end; with notifications
         * inhibited, wait for them to resume. */
        usec_t busy_end = busy_until(d, now);
        bool inhibited = d->notifier && limber_notifier_inhibited(d->notifier);
        if (busy_end > 0 || inhibited) {
                if (!d->break_held)
                        log_info("A mobility break is due, held back %s",
                                 busy_end > 0 ? "until the busy slot ends" : "while notifications are inhibited");
                d->break_held = true;
                (void) arm_break_timer(d, busy_end);
                return;
        }

        (void) break_due(d, now);
        (void) arm_break_timer(d, break_deadline(d));
}

static int on_break_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        check_break(userdata);
        return 0;
}

static int arm_break_timer(struct limber_daemon *d, usec_t when) {
        int r;

        if (when == 0)
                return d->break_timer ? sd_event_source_set_enabled(d->break_timer, SD_EVENT_OFF) : 0;
        if (!d->break_timer) {
                r = sd_event_add_time(d->event, &d->break_timer, CLOCK_REALTIME, when, USEC_PER_SEC,
                                      on_break_timer, d);
                if (r >= 0)
                        (void) sd_event_source_set_description(d->break_timer, "sitting-limit");
        } else {
                r = sd_event_source_set_time(d->break_timer, when);
                if (r >= 0)
                        r = sd_event_source_set_enabled(d->break_timer, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to arm the sitting-limit timer");
        return 0;
}

void limber_reminders_desk_changed(struct limber_daemon *d) {
        check_break(d);
}

void limber_reminders_plan_changed(struct limber_daemon *d) {
        usec_t now = now_of(d);

        for (size_t i = 0; i < d->plan.n_sessions; i++) {
                const struct limber_session *s = &d->plan.sessions[i].session;
                bool pending = s->status == LIMBER_STATUS_PLANNED || s->status == LIMBER_STATUS_SNOOZED;
                /* A reminder for a session that was missed or cancelled meanwhile goes away. */
                if (d->notifier && d->plan.sessions[i].changed && !pending)
                        limber_notifier_close(d->notifier, s->id);
                /* A new break was announced when it was made; a snoozed one is announced
                 * again at its new start, like every planned session. */
                if (!pending || (s->rule == LIMBER_RULE_SITTING && s->status == LIMBER_STATUS_PLANNED))
                        continue;
                if (s->start > d->announced_until && s->start <= now && now < s->end)
                        announce(d, s);
        }
        if (now > d->announced_until)
                d->announced_until = now;
}

static void on_resumed(void *userdata) {
        struct limber_daemon *d = userdata;
        usec_t now = now_of(d);

        /* Deliver what waited, if it is still to be done. */
        for (size_t i = 0; i < d->n_held; i++) {
                const struct limber_session *s = limber_schedule_find(d, d->held[i]);
                if (s && (s->status == LIMBER_STATUS_PLANNED || s->status == LIMBER_STATUS_SNOOZED) && now < s->end) {
                        char *body = describe(d, s);
                        (void) limber_notifier_show(d->notifier, s->id, limber_feed_title(s, &d->routines),
                                                    body ? body : "");
                        free(body);
                }
                free(d->held[i]);
        }
        free(d->held);
        d->held = NULL;
        d->n_held = 0;
        check_break(d);
}

static void on_action(const char *session_id, const char *action, void *userdata) {
        struct limber_daemon *d = userdata;
        enum limber_session_status status;

        if (strcmp(action, "done") == 0)
                status = LIMBER_STATUS_COMPLETED;
        else if (strcmp(action, "skip") == 0)
                status = LIMBER_STATUS_SKIPPED;
        else if (strcmp(action, "snooze") == 0)
                status = LIMBER_STATUS_SNOOZED;
        else
                return;

        log_info("Notification: %s for %s", action, session_id);
        int r = limber_reminders_outcome(d, session_id, status, 0);
        if (r < 0)
                log_warning_errno(r, "Could not record '%s' for %s", action, session_id);
}

int limber_reminders_outcome(struct limber_daemon *d, const char *id, enum limber_session_status status,
                             usec_t by) {
        const struct limber_session *s = limber_schedule_find(d, id);
        usec_t now = now_of(d), new_start = 0;
        int r;

        if (!s || s->status == LIMBER_STATUS_CANCELLED)
                return -ENOENT;
        if (status == LIMBER_STATUS_SNOOZED) {
                if (s->status != LIMBER_STATUS_PLANNED && s->status != LIMBER_STATUS_SNOOZED)
                        return -EPERM;
                new_start = (s->start > now ? s->start : now) + (by ? by : d->config->mobility.snooze);
        }
        bool was_break = s->rule == LIMBER_RULE_SITTING;
        char sid[LIMBER_SESSION_ID_MAX];
        snprintf(sid, sizeof sid, "%s", id);

        r = limber_store_set_outcome(d->store, sid, status, now, new_start);
        if (r < 0)
                return r;
        log_info("Session %s: %s", sid, limber_session_status_to_string(status));

        if (d->notifier)
                limber_notifier_close(d->notifier, sid);

        /* A break taken ends the streak: sitting starts again from now. */
        if (was_break && status == LIMBER_STATUS_COMPLETED && d->tracker.state == LIMBER_DESK_ACTIVE) {
                d->tracker.sitting_since = now;
                limber_bus_properties_changed(d, "SittingSince", NULL);
        }
        (void) limber_schedule_replan(d, "an outcome was given");
        check_break(d);
        return 0;
}

int limber_reminders_start(struct limber_daemon *d) {
        int r = limber_notifier_new(d->bus, on_action, on_resumed, d, &d->notifier);
        if (r < 0)
                log_warning_errno(r, "Desktop notifications are not available");
        check_break(d);
        return 0;
}

void limber_reminders_stop(struct limber_daemon *d) {
        d->break_timer = sd_event_source_unref(d->break_timer);
        limber_notifier_free(d->notifier);
        d->notifier = NULL;
        for (size_t i = 0; i < d->n_held; i++)
                free(d->held[i]);
        free(d->held);
        d->held = NULL;
        d->n_held = 0;
}
