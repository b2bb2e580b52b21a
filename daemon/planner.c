/* The planner: rules 1 to 8 of the design, as a pure function.
 *
 * Stored sessions that already happened, have an outcome, were snoozed or are under
 * way stay as they are. Every other future session is derived again from the rules,
 * in order of precedence (after a workout, load spike, weekly SMR, weekly cardio),
 * each into the earliest free slot of its window. A derived session keeps the id of
 * (rule, day, slot), so one that was planned before is found again: its SEQUENCE rises
 * only when its time moves, its LAST-MODIFIED only when anything about it changes.
 * A stored future session no rule asks for any more is cancelled.
 *
 * Windows and quiet hours are those of the day's weekday: [smr] window.sat replaces
 * [smr] window on Saturdays. Quiet hours belong to the day they start on, so
 * quiet_hours.fri = 23:30-09:00 keeps Friday night and Saturday morning free.
 *
 * The first week. limber asks nothing of the days before it first ran (in->first_run):
 * the ISO week in which it did asks for its share of the days from that day to Sunday,
 * that day included (4 of 7 on a Thursday, 1 of 7 on a Sunday): per_week x days / 7 SMR
 * sessions and weekly_minutes x days / 7 minutes of cardio, each rounded to the nearest
 * whole number, and never more than the windows still ahead of the first run can hold
 * (SMR sessions min_gap apart, one walk a day). So on a Thursday the defaults ask for 1
 * SMR session and 86 minutes, on a Sunday for no SMR session and 21 minutes, and
 * nothing the week could not hold is reported unplaced. Every later week asks in full,
 * and so does every week when the first run lies after now: the clock was set back
 * since, and the first run is not to be believed. */
#include "planner.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "localtime.h"
#include "util.h"

#define SLOT_STEP (5 * USEC_PER_MIN)    /* sessions start on the 5-minute grid */
#define SPIKE_LOOKBACK (30 * USEC_PER_DAY)
#define ACUTE_DAYS 7
#define CHRONIC_DAYS 28

struct ctx {
        const struct limber_plan_input *in;
        const struct limber_config *c;
        usec_t now;
        usec_t not_before;              /* now, on the slot grid */
        int today;
        int last_day;                   /* the horizon's last day */
        int week0;                      /* this week's Monday */
        int first_day;                  /* the local day limber first ran; INT_MIN: unknown */
        bool oom;

        struct limber_plan_session *out;
        size_t n_out, allocated_out;
        /* Stored future sessions that the rules may derive again; consumed by emit(). */
        struct limber_session *open;
        bool *open_used;
        size_t n_open;
        struct limber_interval *occupied;
        size_t n_occupied, allocated_occupied;
        struct limber_unplaced *unplaced;
        size_t n_unplaced, allocated_unplaced;
};

static void occupy(struct ctx *x, usec_t start, usec_t end) {
        if (end <= start)
                return;
        if (!limber_grow((void **) &x->occupied, &x->allocated_occupied, x->n_occupied, sizeof *x->occupied)) {
                x->oom = true;
                return;
        }
        x->occupied[x->n_occupied++] = (struct limber_interval) { start, end };
}

static bool occupies_time(const struct limber_session *s) {
        return s->status == LIMBER_STATUS_PLANNED || s->status == LIMBER_STATUS_SNOOZED ||
               s->status == LIMBER_STATUS_COMPLETED;
}

/* Whether s did not happen: skipped, or missed. */
static bool lost(const struct limber_session *s) {
        return s->status == LIMBER_STATUS_SKIPPED || s->status == LIMBER_STATUS_MISSED;
}

/* Whether s keeps its day from the rules' one-a-day and gap checks: a skipped or missed
 * session too, so that what replaces it takes another evening, not the one the user
 * just declined or let pass. */
static bool holds_day(const struct limber_session *s) {
        return occupies_time(s) || lost(s);
}

static usec_t round_up(usec_t t, usec_t step) {
        return (t + step - 1) / step * step;
}

/* The earliest start in window w of day, at or after not_before, where a session of
 * length dur overlaps nothing occupied. */
static bool place(struct ctx *x, int day, struct limber_window w, usec_t dur, usec_t not_before, usec_t *ret) {
        usec_t ws = limber_local_time(day, w.start);
        usec_t we = limber_local_time(day, w.end);
        usec_t t = round_up(ws > not_before ? ws : not_before, SLOT_STEP);

        while (t + dur <= we) {
                usec_t conflict_end = 0;
                for (size_t i = 0; i < x->n_occupied; i++)
                        if (x->occupied[i].start < t + dur && x->occupied[i].end > t &&
                            x->occupied[i].end > conflict_end)
                                conflict_end = x->occupied[i].end;
                if (conflict_end == 0) {
                        *ret = t;
                        return true;
                }
                t = round_up(conflict_end, SLOT_STEP);
        }
        return false;
}

static struct limber_plan_session *find_out(struct ctx *x, const char *id) {
        for (size_t i = 0; i < x->n_out; i++)
                if (strcmp(x->out[i].session.id, id) == 0)
                        return &x->out[i];
        return NULL;
}

/* Whether id is taken by a session the rules must not derive again. */
static bool id_fixed(struct ctx *x, const char *id) {
        struct limber_plan_session *p = find_out(x, id);
        return p && p->session.status != LIMBER_STATUS_CANCELLED;
}

static void push_out(struct ctx *x, const struct limber_session *s, bool changed) {
        if (!limber_grow((void **) &x->out, &x->allocated_out, x->n_out, sizeof *x->out)) {
                x->oom = true;
                return;
        }
        x->out[x->n_out++] = (struct limber_plan_session) { .session = *s, .changed = changed };
}

/* Adds a derived session, carrying over what the stored one with its id had. */
static void emit(struct ctx *x, struct limber_session *s) {
        const struct limber_session *stored = NULL;
        struct limber_plan_session *cancelled = find_out(x, s->id);

        for (size_t i = 0; i < x->n_open && !stored; i++)
                if (!x->open_used[i] && strcmp(x->open[i].id, s->id) == 0) {
                        x->open_used[i] = true;
                        stored = &x->open[i];
                }
        if (!stored && cancelled)
                stored = &cancelled->session;

        bool changed = true;
        s->status = LIMBER_STATUS_PLANNED;
        s->sequence = 0;
        s->last_modified = x->now;
        if (stored) {
                bool moved = stored->start != s->start || stored->end != s->end;
                /* What the feed shows raises LAST-MODIFIED; what only the planner keeps
                 * is stored without it, so the event stays byte for byte. */
                bool shown = moved || stored->status != s->status || strcmp(stored->routine, s->routine) != 0 ||
                             strcmp(stored->reason, s->reason) != 0;
                changed = shown || stored->local_day != s->local_day || strcmp(stored->activity, s->activity) != 0 ||
                          strcmp(stored->replaces, s->replaces) != 0;
                s->sequence = stored->sequence + (moved ? 1 : 0);
                if (!shown)
                        s->last_modified = stored->last_modified;
        }

        occupy(x, s->start, s->end);
        if (cancelled) {
                cancelled->session = *s;
                cancelled->changed = changed;
        } else
                push_out(x, s, changed);
}

static void add_unplaced(struct ctx *x, enum limber_session_kind kind, enum limber_rule rule, int day,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_unplaced(struct ctx *x, enum limber_session_kind kind, enum limber_rule rule, int day,
                         const char *fmt, ...) {
        if (!limber_grow((void **) &x->unplaced, &x->allocated_unplaced, x->n_unplaced, sizeof *x->unplaced)) {
                x->oom = true;
                return;
        }
        struct limber_unplaced *u = &x->unplaced[x->n_unplaced++];
        *u = (struct limber_unplaced) { .kind = kind, .rule = rule, .day = day };
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(u->reason, sizeof u->reason, fmt, ap);
        va_end(ap);
}

static void init_session(struct limber_session *s, enum limber_session_kind kind, enum limber_rule rule,
                         int day, unsigned slot, usec_t start, usec_t duration, const char *routine) {
        *s = (struct limber_session) { .kind = kind, .rule = rule, .day = day, .slot = slot,
                                       .start = start, .end = start + duration,
                                       .local_day = limber_local_day(start) };
        limber_session_make_id(s->id, rule, day, slot);
        snprintf(s->routine, sizeof s->routine, "%s", routine);
}

/* The local day a session belongs to: where it was placed, whatever zone is in force. */
static int session_day(const struct limber_session *s) {
        return limber_session_local_day(s);
}

static void day_label(int day, char *buf, size_t size) {
        static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        int y;
        unsigned m, d;
        limber_civil_from_days(day, &y, &m, &d);
        snprintf(buf, size, "%u %s", d, months[m - 1]);
}

/* The windows and quiet hours of day, by its weekday. */
static struct limber_window smr_window(const struct ctx *x, int day) {
        return limber_config_day_window(x->c->smr.window, x->c->smr.window_on, limber_weekday(day));
}

static struct limber_window walk_window(const struct ctx *x, int day) {
        return limber_config_day_window(x->c->cardio.window, x->c->cardio.window_on, limber_weekday(day));
}

static struct limber_window quiet_hours(const struct ctx *x, int day) {
        return limber_config_day_window(x->c->schedule.quiet_hours, x->c->schedule.quiet_hours_on,
                                        limber_weekday(day));
}

/* Whether window w of day still has room for a session of length dur after now, were
 * nothing else there: only then is a failure to place worth reporting. */
static bool window_ahead(struct ctx *x, int day, struct limber_window w, usec_t dur) {
        return limber_local_time(day, w.end) >= x->not_before + dur;
}

/* Rule 2 treats these as a training load; walks and yoga are not. */
static bool is_load(const struct limber_activity *a) {
        return a->kind != LIMBER_ACTIVITY_WALK && a->kind != LIMBER_ACTIVITY_YOGA;
}

static const char *activity_noun(enum limber_activity_kind k) {
        switch (k) {
        case LIMBER_ACTIVITY_STRENGTH: return "strength workout";
        case LIMBER_ACTIVITY_OTHER: return "workout";
        default: return limber_activity_kind_to_string(k);
        }
}

static void describe_activity(const struct limber_activity *a, char *buf, size_t size) {
        if (a->distance_m > 0)
                snprintf(buf, size, "%.1f km %s", a->distance_m / 1000.0, activity_noun(a->kind));
        else
                snprintf(buf, size, "%llu min %s", (unsigned long long) (a->duration / USEC_PER_MIN),
                         activity_noun(a->kind));
}

static bool is_workout(const struct ctx *x, const struct limber_activity *a, int day) {
        return is_load(a) && a->duration >= x->c->smr.after_workout && limber_local_day(a->start) == day;
}

/* Whether s is rule 2's session for one of the workouts of day. */
static bool follows_workout_of(const struct ctx *x, const struct limber_session *s, int day) {
        if (s->rule != LIMBER_RULE_WORKOUT || s->activity[0] == '\0')
                return false;
        for (size_t i = 0; i < x->in->n_activities; i++) {
                const struct limber_activity *a = &x->in->activities[i];
                if (is_workout(x, a, day) && strcmp(a->id, s->activity) == 0)
                        return true;
        }
        return false;
}

/* The session rule 2 had for the workouts of day already, found by the workout it
 * follows, so that a change of time zone, which can move a workout to another local
 * day, neither repeats a session nor renames one: *ret_done when it is settled (done,
 * skipped, missed, under way), else *ret_open when it is planned. */
static void find_workout_session(struct ctx *x, int day, bool *ret_done, const struct limber_session **ret_open) {
        *ret_done = false;
        *ret_open = NULL;
        for (size_t i = 0; i < x->n_out; i++) {
                const struct limber_session *s = &x->out[i].session;
                if (!follows_workout_of(x, s, day))
                        continue;
                if (s->status != LIMBER_STATUS_CANCELLED) {
                        *ret_done = true;
                        return;
                }
                *ret_open = s;
        }
        for (size_t i = 0; i < x->n_open && !*ret_open; i++)
                if (!x->open_used[i] && follows_workout_of(x, &x->open[i], day))
                        *ret_open = &x->open[i];
}

/* Whether id is free for a new session of rule 2: not settled, and not the planned
 * session of another workout. */
static bool workout_id_free(struct ctx *x, const char *id) {
        if (id_fixed(x, id))
                return false;
        for (size_t i = 0; i < x->n_open; i++)
                if (!x->open_used[i] && x->open[i].activity[0] != '\0' && strcmp(x->open[i].id, id) == 0)
                        return false;
        return true;
}

/* Rule 2: a workout of after_workout or more gets an SMR session the same evening, or
 * the next morning when the evening is past. One per day, for the longest workout. */
static void rule_workout(struct ctx *x) {
        const struct limber_config *c = x->c;

        for (int day = x->today - 1; day <= x->today; day++) {
                const struct limber_activity *longest = NULL;
                usec_t last_end = 0;

                for (size_t i = 0; i < x->in->n_activities; i++) {
                        const struct limber_activity *a = &x->in->activities[i];
                        if (!is_workout(x, a, day))
                                continue;
                        if (!longest || a->duration > longest->duration)
                                longest = a;
                        if (a->start + a->duration > last_end)
                                last_end = a->start + a->duration;
                }
                if (!longest)
                        continue;

                bool done;
                const struct limber_session *known;
                find_workout_session(x, day, &done, &known);
                if (done)
                        continue;
                int id_day = known ? known->day : day;
                unsigned slot = known ? known->slot : 0;
                char id[LIMBER_SESSION_ID_MAX];
                if (!known) {
                        /* Sessions stored before they named their workout have slot 0. */
                        limber_session_make_id(id, LIMBER_RULE_WORKOUT, day, 0);
                        const struct limber_plan_session *old = find_out(x, id);
                        if (old && old->session.status != LIMBER_STATUS_CANCELLED && old->session.activity[0] == '\0')
                                continue;
                        for (;; slot++) {
                                limber_session_make_id(id, LIMBER_RULE_WORKOUT, day, slot);
                                if (workout_id_free(x, id))
                                        break;
                        }
                }

                usec_t not_before = last_end > x->not_before ? last_end : x->not_before;
                usec_t start;
                int on = day;
                if (!place(x, day, smr_window(x, day), c->smr.duration, not_before, &start)) {
                        on = day + 1;
                        if (!place(x, on, c->smr.morning, c->smr.duration, not_before, &start)) {
                                /* Only a slot that could still come is worth reporting. */
                                if (limber_local_time(on, c->smr.morning.end) > not_before + c->smr.duration)
                                        add_unplaced(x, LIMBER_SESSION_SMR, LIMBER_RULE_WORKOUT, day,
                                                     "no free slot this evening or next morning "
                                                     "after the workout");
                                continue;
                        }
                }

                const char *routine = longest->kind == LIMBER_ACTIVITY_RUN || longest->kind == LIMBER_ACTIVITY_HIKE
                                      ? "after-run"
                                      : longest->kind == LIMBER_ACTIVITY_RIDE ? "after-ride" : "after-workout";
                struct limber_session s;
                init_session(&s, LIMBER_SESSION_SMR, LIMBER_RULE_WORKOUT, id_day, slot, start, c->smr.duration, routine);
                snprintf(s.activity, sizeof s.activity, "%s", longest->id);
                char what[64];
                describe_activity(longest, what, sizeof what);
                snprintf(s.reason, sizeof s.reason, "%s %s", what, on == day ? "today" : "the day before");
                emit(x, &s);
        }
}

static bool counts_as_cardio(const struct limber_activity *a) {
        return limber_activity_kind_is_cardio(a->kind);
}

/* Minutes of cardio activity that ended in (from, until]. */
static double cardio_minutes(const struct ctx *x, usec_t from, usec_t until) {
        double total = 0;
        for (size_t i = 0; i < x->in->n_activities; i++) {
                const struct limber_activity *a = &x->in->activities[i];
                usec_t end = a->start + a->duration;
                if (counts_as_cardio(a) && end > from && end <= until)
                        total += (double) a->duration / USEC_PER_MIN;
        }
        return total;
}

/* The acute:chronic ratio at t: the last 7 days' volume over the weekly mean of the
 * 28 days before them; 0 when those 28 days hold nothing. */
static double load_ratio_at(const struct ctx *x, usec_t t) {
        usec_t acute = ACUTE_DAYS * USEC_PER_DAY, chronic = CHRONIC_DAYS * USEC_PER_DAY;
        if (t < acute + chronic)
                return 0;
        double a = cardio_minutes(x, t - acute, t);
        double c = cardio_minutes(x, t - acute - chronic, t - acute);
        return c > 0 ? a / (c * ACUTE_DAYS / CHRONIC_DAYS) : 0;
}

/* Rule 3's test on the ISO week from Monday week, up to now: the largest spike in it,
 * the local day and end of the activity that made it, and the reason to give. */
static bool find_spike(const struct ctx *x, int week, int *ret_day, usec_t *ret_end,
                       char reason[static LIMBER_REASON_MAX]) {
        const struct limber_config *c = x->c;
        double best_up = 0, best_ratio = 0;

        reason[0] = '\0';
        for (size_t i = 0; i < x->in->n_activities; i++) {
                const struct limber_activity *a = &x->in->activities[i];
                int day = limber_local_day(a->start);
                if (day < week || day >= week + 7 || a->start > x->now)
                        continue;

                if (a->kind == LIMBER_ACTIVITY_RUN || a->kind == LIMBER_ACTIVITY_RIDE) {
                        /* Distance where known; time otherwise. Compare like with like. */
                        bool by_distance = a->distance_m > 0;
                        double metric = by_distance ? a->distance_m : (double) a->duration;
                        double longest = 0;
                        for (size_t j = 0; j < x->in->n_activities; j++) {
                                const struct limber_activity *b = &x->in->activities[j];
                                if (b->kind != a->kind || b->start >= a->start ||
                                    b->start + SPIKE_LOOKBACK < a->start)
                                        continue;
                                double m = by_distance ? b->distance_m : (double) b->duration;
                                if (m > longest)
                                        longest = m;
                        }
                        if (longest > 0 && metric > longest * (1 + c->smr.spike_single)) {
                                double up = (metric / longest - 1) * 100;
                                if (up > best_up) {
                                        best_up = up;
                                        *ret_day = day;
                                        *ret_end = a->start + a->duration;
                                        if (by_distance)
                                                snprintf(reason, LIMBER_REASON_MAX,
                                                         "longest %s in 30 days: %.1f km, up %.0f%%",
                                                         activity_noun(a->kind), metric / 1000.0, up);
                                        else
                                                snprintf(reason, LIMBER_REASON_MAX,
                                                         "longest %s in 30 days: %.0f min, up %.0f%%",
                                                         activity_noun(a->kind), metric / USEC_PER_MIN, up);
                                }
                        }
                }

                if (counts_as_cardio(a) && best_up == 0) {
                        double r = load_ratio_at(x, a->start + a->duration);
                        if (r > c->smr.spike_weekly && r > best_ratio) {
                                best_ratio = r;
                                *ret_day = day;
                                *ret_end = a->start + a->duration;
                                snprintf(reason, LIMBER_REASON_MAX,
                                         "7-day training volume %.2f times the weekly mean of the 4 weeks before", r);
                        }
                }
        }
        return reason[0] != '\0';
}

static bool has_smr(struct ctx *x, int day) {
        for (size_t i = 0; i < x->n_out; i++) {
                const struct limber_session *s = &x->out[i].session;
                if (s->kind == LIMBER_SESSION_SMR && holds_day(s) && session_day(s) == day)
                        return true;
        }
        return false;
}

/* Places the spike session of week: the first later evening of its week without an
 * SMR session; else the spike's own evening, after its sessions there (a long run on
 * Sunday, the week's last day, gets it after its after-run session); else the first
 * free evening after the week. Reported when none of these has room. */
static void place_spike(struct ctx *x, int week, int spike_day, usec_t spike_end, const char *reason) {
        const struct limber_config *c = x->c;
        int week_last = week + 6 < x->last_day ? week + 6 : x->last_day;
        bool ahead = false;
        usec_t start = 0;
        bool placed = false;

        for (int day = spike_day + 1 > x->today ? spike_day + 1 : x->today; day <= week_last && !placed; day++) {
                ahead = ahead || window_ahead(x, day, smr_window(x, day), c->smr.duration);
                placed = !has_smr(x, day) && place(x, day, smr_window(x, day), c->smr.duration, x->not_before, &start);
        }
        if (!placed && spike_day >= x->today) {
                usec_t not_before = spike_end > x->not_before ? spike_end : x->not_before;
                ahead = ahead || window_ahead(x, spike_day, smr_window(x, spike_day), c->smr.duration);
                placed = place(x, spike_day, smr_window(x, spike_day), c->smr.duration, not_before, &start);
        }
        for (int day = week + 7 > x->today ? week + 7 : x->today; day <= x->last_day && !placed; day++) {
                ahead = ahead || window_ahead(x, day, smr_window(x, day), c->smr.duration);
                placed = !has_smr(x, day) && place(x, day, smr_window(x, day), c->smr.duration, x->not_before, &start);
        }

        if (placed) {
                struct limber_session s;
                init_session(&s, LIMBER_SESSION_SMR, LIMBER_RULE_SPIKE, week, 0, start, c->smr.duration, "spike");
                snprintf(s.reason, sizeof s.reason, "%s", reason);
                emit(x, &s);
        } else if (ahead)
                add_unplaced(x, LIMBER_SESSION_SMR, LIMBER_RULE_SPIKE, week,
                             "load spike (%s): no free evening in the plan's %d days", reason,
                             x->last_day - x->today + 1);
}

static bool is_open(const struct ctx *x, const char *id) {
        for (size_t i = 0; i < x->n_open; i++)
                if (!x->open_used[i] && strcmp(x->open[i].id, id) == 0)
                        return true;
        return false;
}

/* Whether an SMR session of rule 3 holds a day of the week from Monday week. */
static bool has_spike_session(const struct ctx *x, int week) {
        for (size_t i = 0; i < x->n_out; i++) {
                const struct limber_session *s = &x->out[i].session;
                int d = session_day(s);
                if (s->rule == LIMBER_RULE_SPIKE && holds_day(s) && d >= week && d < week + 7)
                        return true;
        }
        return false;
}

/* Rule 3: a run or ride more than spike_single longer than the longest of the 30 days
 * before it, or a 7-day volume over spike_weekly times the 28-day weekly mean, adds one
 * SMR session for its week. Last week's spike keeps the session it was given in this
 * week (a Sunday's, when Sunday evening had no room), and that one serves this week's
 * spike too. Returns whether this week has a spike. */
static bool rule_spike(struct ctx *x, double *ret_ratio) {
        bool this_week = false;

        *ret_ratio = load_ratio_at(x, x->now);
        for (int week = x->week0 - 7; week <= x->week0; week += 7) {
                char reason[LIMBER_REASON_MAX], id[LIMBER_SESSION_ID_MAX];
                int spike_day = 0;
                usec_t spike_end = 0;

                if (!find_spike(x, week, &spike_day, &spike_end, reason))
                        continue;
                limber_session_make_id(id, LIMBER_RULE_SPIKE, week, 0);
                if (week == x->week0) {
                        this_week = true;
                        if (!id_fixed(x, id) && !has_spike_session(x, week))
                                place_spike(x, week, spike_day, spike_end, reason);
                } else if (is_open(x, id))
                        place_spike(x, week, spike_day, spike_end, reason);
        }
        return this_week;
}

static bool week_smr(const struct limber_session *s) {
        return s->kind == LIMBER_SESSION_SMR && (s->rule == LIMBER_RULE_WEEKLY || s->rule == LIMBER_RULE_WORKOUT);
}

static bool counts_for_week(const struct limber_session *s) {
        return week_smr(s) && occupies_time(s);
}

static bool in_week(const struct limber_session *s, int week) {
        int d = session_day(s);
        return d >= week && d < week + 7;
}

/* Rule 7's one replacement. The sessions a rule asked for in the first place (of the
 * kind that is(), in week), whatever became of them; and the earliest of those that did
 * not happen and that no session stands in for yet: NULL when each has had its one. */
static unsigned first_asks(struct ctx *x, bool (*is)(const struct limber_session *), int week) {
        unsigned n = 0;
        for (size_t i = 0; i < x->n_out; i++) {
                const struct limber_session *s = &x->out[i].session;
                if (is(s) && in_week(s, week) && s->status != LIMBER_STATUS_CANCELLED && s->replaces[0] == '\0')
                        n++;
        }
        return n;
}

static const struct limber_session *owed_stand_in(struct ctx *x, bool (*is)(const struct limber_session *),
                                                  int week) {
        const struct limber_session *owed = NULL;
        for (size_t i = 0; i < x->n_out; i++) {
                const struct limber_session *s = &x->out[i].session;
                if (!is(s) || !in_week(s, week) || !lost(s) || s->replaces[0] != '\0' ||
                    (owed && owed->start <= s->start))
                        continue;
                bool replaced = false;
                for (size_t j = 0; j < x->n_out && !replaced; j++)
                        replaced = x->out[j].session.status != LIMBER_STATUS_CANCELLED &&
                                   strcmp(x->out[j].session.replaces, s->id) == 0;
                if (!replaced)
                        owed = s;
        }
        return owed;
}

static bool has_lost(struct ctx *x, bool (*is)(const struct limber_session *), int week) {
        for (size_t i = 0; i < x->n_out; i++)
                if (is(&x->out[i].session) && in_week(&x->out[i].session, week) && lost(&x->out[i].session))
                        return true;
        return false;
}

/* "in place of the session missed on 23 Nov" */
static void stand_in_reason(const struct limber_session *lost_one, const char *what, char *buf, size_t size) {
        char label[16];
        day_label(session_day(lost_one), label, sizeof label);
        snprintf(buf, size, "in place of the %s %s on %s", what,
                 lost_one->status == LIMBER_STATUS_SKIPPED ? "skipped" : "missed", label);
}

static unsigned lowest_free_slot(struct ctx *x, enum limber_rule rule, int week, unsigned from) {
        char id[LIMBER_SESSION_ID_MAX];
        for (unsigned k = from;; k++) {
                limber_session_make_id(id, rule, week, k);
                if (!id_fixed(x, id))
                        return k;
        }
}

static const char *ordinal(unsigned n) {
        static const char *const words[] = { "1st", "2nd", "3rd", "4th", "5th", "6th", "7th",
                                             "8th", "9th", "10th", "11th", "12th", "13th", "14th" };
        return n >= 1 && n <= ELEMENTSOF(words) ? words[n - 1] : "another";
}

static unsigned min_gap_days(const struct ctx *x) {
        unsigned gap_days = (unsigned) ((x->c->smr.min_gap + USEC_PER_DAY - 1) / USEC_PER_DAY);
        return gap_days ? gap_days : 1;
}

/* Whether an SMR session may go on day: no other SMR session that holds its day is
 * closer than min_gap (rounded up to whole days, at least a different day). */
static bool smr_day_free(struct ctx *x, int day) {
        for (size_t i = 0; i < x->n_out; i++) {
                const struct limber_session *s = &x->out[i].session;
                if (s->kind == LIMBER_SESSION_SMR && holds_day(s) && (unsigned) abs(session_day(s) - day) < min_gap_days(x))
                        return false;
        }
        return true;
}

static void emit_weekly(struct ctx *x, int week, unsigned slot, usec_t start, const struct limber_session *replaces) {
        struct limber_session s;
        init_session(&s, LIMBER_SESSION_SMR, LIMBER_RULE_WEEKLY, week, slot, start, x->c->smr.duration, "weekly");
        if (replaces) {
                snprintf(s.replaces, sizeof s.replaces, "%s", replaces->id);
                stand_in_reason(replaces, "SMR session", s.reason, sizeof s.reason);
        } else {
                unsigned before = 1;
                for (size_t i = 0; i < x->n_out; i++) {
                        const struct limber_session *o = &x->out[i].session;
                        if (counts_for_week(o) && in_week(o, week) && o->start < start)
                                before++;
                }
                snprintf(s.reason, sizeof s.reason, "%s SMR session of the week", ordinal(before));
        }
        emit(x, &s);
}

/* Why a rule's search of days found none: what refused the days that were still ahead. */
struct refusals {
        unsigned days_ahead;
        bool by_limit;          /* one a day, or min_gap, refused a day */
        bool by_busy;           /* the window of a day had no room */
};

/* The first week (see the top of this file): how many of the 7 days of the week from
 * Monday week lie on or after the day limber first ran, which is never after today. */
static unsigned days_since_first_run(const struct ctx *x, int week) {
        return x->first_day <= week ? 7 : (unsigned) (week + 7 - x->first_day);
}

/* How many sessions of length dur the windows of the week from Monday week still had
 * ahead of the first run, gap days apart. */
static unsigned first_week_room(const struct ctx *x, int week,
                                struct limber_window (*window)(const struct ctx *, int), usec_t dur, unsigned gap) {
        unsigned n = 0;
        int last = 0;
        for (int day = x->first_day; day <= week + 6; day++)
                if (limber_local_time(day, window(x, day).end) >= x->in->first_run + dur &&
                    (n == 0 || (unsigned) (day - last) >= gap)) {
                        n++;
                        last = day;
                }
        return n;
}

/* A weekly target's share of days of 7, to the nearest whole number (7 is odd: no
 * ties). */
static unsigned share_of_week(unsigned target, unsigned days) {
        return (target * days + 3) / 7;
}

/* Rule 1's ask for the week from Monday week. */
static unsigned smr_ask(const struct ctx *x, int week) {
        unsigned days = days_since_first_run(x, week), per_week = x->c->smr.per_week;
        if (days == 7)
                return per_week;
        unsigned share = share_of_week(per_week, days);
        unsigned room = first_week_room(x, week, smr_window, x->c->smr.duration, min_gap_days(x));
        return share < room ? share : room;
}

/* Rule 5's ask, in minutes, for this week. */
static unsigned cardio_ask(const struct ctx *x) {
        unsigned days = days_since_first_run(x, x->week0), minutes = x->c->cardio.weekly_minutes;
        if (days == 7)
                return minutes;
        unsigned share = share_of_week(minutes, days);
        unsigned room = (unsigned) (first_week_room(x, x->week0, walk_window, x->c->cardio.session, 1) *
                                    x->c->cardio.session / USEC_PER_MIN);
        return share < room ? share : room;
}

/* Rule 1: per_week SMR sessions each ISO week (the first week: its share), min_gap
 * apart; workouts' sessions and done ones count. Sessions planned before keep their
 * day while it still works, so a change elsewhere in the week moves as few of them as
 * it can; the rest go on the earliest free evenings. One that did not happen gets one
 * stand-in on another evening; a stand-in gets none. */
static void rule_weekly(struct ctx *x) {
        const struct limber_config *c = x->c;

        for (int week = x->week0; week <= x->last_day; week += 7) {
                int first = week > x->today ? week : x->today;
                int last = week + 6 < x->last_day ? week + 6 : x->last_day;
                unsigned n = 0, ask = smr_ask(x, week);
                usec_t start;

                for (size_t i = 0; i < x->n_out; i++)
                        if (counts_for_week(&x->out[i].session) && in_week(&x->out[i].session, week))
                                n++;

                for (size_t i = 0; i < x->n_open && n < ask; i++) {
                        const struct limber_session *o = &x->open[i];
                        int day = session_day(o);
                        if (x->open_used[i] || o->rule != LIMBER_RULE_WEEKLY || o->day != week ||
                            day < first || day > last || !smr_day_free(x, day) ||
                            !place(x, day, smr_window(x, day), c->smr.duration, x->not_before, &start))
                                continue;
                        const struct limber_plan_session *lost_one = o->replaces[0] ? find_out(x, o->replaces) : NULL;
                        emit_weekly(x, week, o->slot, start, lost_one ? &lost_one->session : NULL);
                        n++;
                }

                unsigned slot = 0;
                for (; n < ask; n++) {
                        const struct limber_session *replaces = NULL;
                        struct refusals why = { 0 };
                        bool placed = false;

                        if (first_asks(x, week_smr, week) >= ask) {
                                replaces = owed_stand_in(x, week_smr, week);
                                if (!replaces) {
                                        for (int day = first; day <= last; day++)
                                                why.days_ahead += window_ahead(x, day, smr_window(x, day),
                                                                               c->smr.duration);
                                        if (why.days_ahead > 0 && week + 6 <= x->last_day) {
                                                char label[16];
                                                day_label(week, label, sizeof label);
                                                add_unplaced(x, LIMBER_SESSION_SMR, LIMBER_RULE_WEEKLY, week,
                                                             "week of %s: %u of %u SMR sessions not asked again: "
                                                             "one that did not happen is replaced only once",
                                                             label, ask - n, ask);
                                        }
                                        break;
                                }
                        }
                        for (int day = first; day <= last && !placed; day++) {
                                if (!window_ahead(x, day, smr_window(x, day), c->smr.duration))
                                        continue;
                                why.days_ahead++;
                                if (!smr_day_free(x, day))
                                        why.by_limit = true;
                                else if (place(x, day, smr_window(x, day), c->smr.duration, x->not_before, &start))
                                        placed = true;
                                else
                                        why.by_busy = true;
                        }
                        if (!placed) {
                                char label[16], gap[48];
                                day_label(week, label, sizeof label);
                                if (min_gap_days(x) > 1)
                                        snprintf(gap, sizeof gap, " at least %u days from another", min_gap_days(x));
                                else
                                        snprintf(gap, sizeof gap, " without another");
                                if (why.days_ahead > 0 && week + 6 <= x->last_day)
                                        add_unplaced(x, LIMBER_SESSION_SMR, LIMBER_RULE_WEEKLY, week,
                                                     "week of %s: %u of %u SMR sessions found no %sevening%s", label,
                                                     ask - n, ask, why.by_busy ? "free " : "",
                                                     why.by_limit ? gap : "");
                                break;
                        }
                        slot = lowest_free_slot(x, LIMBER_RULE_WEEKLY, week, slot);
                        emit_weekly(x, week, slot, start, replaces);
                        slot++;
                }
        }
}

static bool is_walk(const struct limber_session *s) {
        return s->kind == LIMBER_SESSION_CARDIO;
}

static bool has_walk(struct ctx *x, int day) {
        for (size_t i = 0; i < x->n_out; i++) {
                const struct limber_session *s = &x->out[i].session;
                if (is_walk(s) && holds_day(s) && session_day(s) == day)
                        return true;
        }
        return false;
}

static void emit_walk(struct ctx *x, unsigned slot, usec_t start, double done, unsigned target,
                      const struct limber_session *replaces) {
        struct limber_session s;
        init_session(&s, LIMBER_SESSION_CARDIO, LIMBER_RULE_CARDIO, x->week0, slot, start, x->c->cardio.session,
                     "brisk-walk");
        if (replaces) {
                snprintf(s.replaces, sizeof s.replaces, "%s", replaces->id);
                stand_in_reason(replaces, "walk", s.reason, sizeof s.reason);
        } else
                snprintf(s.reason, sizeof s.reason, "week's cardio %u/%u min", (unsigned) done, target);
        emit(x, &s);
}

/* What kept walks out, naming the limit that applied: the one-a-day limit over the
 * days left, the busy middays, or both. */
static const char *describe_walk_refusals(const struct refusals *why, char *buf, size_t size) {
        if (!why->by_limit) {
                snprintf(buf, size, "found no free midday slot");
                return buf;
        }
        snprintf(buf, size, "%s in the %u day%s left, at one walk a day",
                 why->by_busy ? "found no free midday slot" : "do not fit", why->days_ahead,
                 why->days_ahead == 1 ? "" : "s");
        return buf;
}

/* Rule 5: when the week's remaining days cannot reach weekly_minutes (the first week:
 * its share) at the pace of the last 7 days, brisk walks in the midday window close
 * the gap, one a day. Once a walk of the week did not happen, the week asks only for
 * one stand-in for each. */
static unsigned rule_cardio(struct ctx *x) {
        const struct limber_config *c = x->c;
        usec_t week_start = limber_local_time(x->week0, 0);
        usec_t today_start = limber_local_time(x->today, 0);
        double done = cardio_minutes(x, week_start, x->now), planned = 0;
        unsigned target = cardio_ask(x);

        for (size_t i = 0; i < x->n_out; i++) {
                const struct limber_session *s = &x->out[i].session;
                if (!is_walk(s) || !in_week(s, x->week0))
                        continue;
                double minutes = (double) (s->end - s->start) / USEC_PER_MIN;
                if (s->status == LIMBER_STATUS_COMPLETED) {
                        /* A walk also logged by a tracker counts once. */
                        bool logged = false;
                        for (size_t j = 0; j < x->in->n_activities && !logged; j++) {
                                const struct limber_activity *a = &x->in->activities[j];
                                logged = counts_as_cardio(a) && a->start < s->end && a->start + a->duration > s->start;
                        }
                        if (!logged)
                                done += minutes;
                } else if (occupies_time(s))
                        planned += minutes;
        }

        if (target == 0)
                return (unsigned) done;

        /* The 7 local days before today, which a DST change makes 167 or 169 hours. */
        double pace = cardio_minutes(x, limber_local_time(x->today - 7, 0), today_start) / 7;
        unsigned days_left = (unsigned) (x->week0 + 7 - x->today);
        double projected = done + planned + pace * days_left;
        double session_minutes = (double) c->cardio.session / USEC_PER_MIN;
        if (projected >= target)
                return (unsigned) done;

        unsigned needed = (unsigned) ceil((target - projected) / session_minutes);
        unsigned slot = 0, placed = 0;
        int last = x->week0 + 6 < x->last_day ? x->week0 + 6 : x->last_day;
        struct refusals why = { 0 };
        bool capped = false;
        usec_t start;

        /* Walks planned before keep their day while it still works. */
        for (size_t i = 0; i < x->n_open && placed < needed; i++) {
                const struct limber_session *o = &x->open[i];
                int day = session_day(o);
                if (x->open_used[i] || o->rule != LIMBER_RULE_CARDIO || o->day != x->week0 ||
                    day < x->today || day > last || has_walk(x, day) ||
                    !place(x, day, walk_window(x, day), c->cardio.session, x->not_before, &start))
                        continue;
                const struct limber_plan_session *lost_one = o->replaces[0] ? find_out(x, o->replaces) : NULL;
                emit_walk(x, o->slot, start, done, target, lost_one ? &lost_one->session : NULL);
                placed++;
        }
        bool stand_ins_only = has_lost(x, is_walk, x->week0);
        char buf[96];
        for (int day = x->today; day <= last && placed < needed; day++) {
                if (!window_ahead(x, day, walk_window(x, day), c->cardio.session))
                        continue;
                why.days_ahead++;
                const struct limber_session *replaces = stand_ins_only ? owed_stand_in(x, is_walk, x->week0) : NULL;
                if (stand_ins_only && !replaces) {
                        capped = true;
                        break;
                }
                if (has_walk(x, day)) {
                        why.by_limit = true;
                        continue;
                }
                if (!place(x, day, walk_window(x, day), c->cardio.session, x->not_before, &start)) {
                        why.by_busy = true;
                        continue;
                }
                why.by_limit = true;    /* this day's one walk */
                slot = lowest_free_slot(x, LIMBER_RULE_CARDIO, x->week0, slot);
                emit_walk(x, slot, start, done, target, replaces);
                slot++;
                placed++;
        }
        if (placed < needed && capped)
                add_unplaced(x, LIMBER_SESSION_CARDIO, LIMBER_RULE_CARDIO, x->week0,
                             "week's cardio %u/%u min: %u of %u walks not asked again: "
                             "one that did not happen is replaced only once",
                             (unsigned) done, target, needed - placed, needed);
        else if (placed < needed && why.days_ahead > 0)
                add_unplaced(x, LIMBER_SESSION_CARDIO, LIMBER_RULE_CARDIO, x->week0,
                             "week's cardio %u/%u min: %u of %u walks %s", (unsigned) done,
                             target, needed - placed, needed,
                             describe_walk_refusals(&why, buf, sizeof buf));
        return (unsigned) done;
}

static int compare_plain_sessions(const void *a, const void *b) {
        const struct limber_session *x = a, *y = b;
        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        return strcmp(x->id, y->id);
}

static int compare_sessions(const void *a, const void *b) {
        const struct limber_session *x = &((const struct limber_plan_session *) a)->session;
        const struct limber_session *y = &((const struct limber_plan_session *) b)->session;
        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        return strcmp(x->id, y->id);
}

static int compare_intervals(const void *a, const void *b) {
        const struct limber_interval *x = a, *y = b;
        return x->start != y->start ? (x->start < y->start ? -1 : 1) : 0;
}

/* Whether s is a mobility break that came and went unanswered while a later one came
 * due: a break is a nudge at the desk, not an appointment, and the next nudge ends the
 * last. Breaks of a day are numbered by their slot as they come. A snoozed break whose
 * new start is still ahead waits for it. */
static bool break_superseded(const struct ctx *x, const struct limber_session *s) {
        if (s->rule != LIMBER_RULE_SITTING || s->start > x->now)
                return false;
        for (size_t i = 0; i < x->in->n_sessions; i++) {
                const struct limber_session *o = &x->in->sessions[i];
                if (o->rule == LIMBER_RULE_SITTING && (o->day > s->day || (o->day == s->day && o->slot > s->slot)))
                        return true;
        }
        return false;
}

/* Takes in the stored sessions: history and outcomes stay, late ones become missed,
 * future planned ones wait in x->open for the rules. */
static void load_sessions(struct ctx *x) {
        const struct limber_config *c = x->c;

        x->open = calloc(x->in->n_sessions + 1, sizeof *x->open);
        x->open_used = calloc(x->in->n_sessions + 1, sizeof *x->open_used);
        if (!x->open || !x->open_used) {
                x->oom = true;
                return;
        }

        for (size_t i = 0; i < x->in->n_sessions; i++) {
                struct limber_session s = x->in->sessions[i];
                bool pending = s.status == LIMBER_STATUS_PLANNED || s.status == LIMBER_STATUS_SNOOZED;

                if (pending && (s.end + c->schedule.grace <= x->now || break_superseded(x, &s))) {
                        s.status = LIMBER_STATUS_MISSED;
                        s.last_modified = x->now;
                        push_out(x, &s, true);
                } else if (s.status == LIMBER_STATUS_PLANNED && s.start > x->now && s.rule != LIMBER_RULE_SITTING)
                        x->open[x->n_open++] = s;
                else
                        push_out(x, &s, false);

                if (occupies_time(&s) && s.end > x->now && !(s.status == LIMBER_STATUS_PLANNED && s.start > x->now &&
                                                               s.rule != LIMBER_RULE_SITTING))
                        occupy(x, s.start, s.end);
        }
}

/* Quiet hours from yesterday's, which may reach into today, to those of the day after
 * the horizon; each day's start on it. */
static void occupy_quiet_hours_and_busy(struct ctx *x) {
        usec_t from = limber_local_time(x->today - 1, 0), until = limber_local_time(x->last_day + 2, 0);

        for (int day = x->today - 1; day <= x->last_day + 1; day++) {
                struct limber_window q = quiet_hours(x, day);
                occupy(x, limber_local_time(day, q.start), limber_local_time(q.end > q.start ? day : day + 1, q.end));
        }

        for (size_t i = 0; i < x->in->n_busy; i++) {
                const struct limber_interval *b = &x->in->busy[i];
                if (b->end > from && b->start < until)
                        occupy(x, b->start, b->end);
        }
}

int limber_plan(const struct limber_plan_input *in, struct limber_plan *ret) {
        struct ctx x = {
                .in = in,
                .c = in->config,
                .now = in->now,
                .not_before = round_up(in->now, SLOT_STEP),
                .today = limber_local_day(in->now),
                .first_day = in->first_run > 0 && in->first_run <= in->now ? limber_local_day(in->first_run) : INT_MIN,
        };
        /* The horizon counts whole local days from today: 14d is today and the 13 after
         * it, so that no session lies beyond now + horizon. */
        x.last_day = x.today + (int) ((in->config->schedule.horizon + USEC_PER_DAY - 1) / USEC_PER_DAY) - 1;
        x.week0 = limber_week_monday(x.today);

        load_sessions(&x);
        /* Earliest first, whatever order the store gave: the rules keep the earliest. */
        if (!x.oom && x.n_open > 0)
                qsort(x.open, x.n_open, sizeof *x.open, compare_plain_sessions);
        occupy_quiet_hours_and_busy(&x);
        if (!x.oom && x.n_occupied > 0)
                qsort(x.occupied, x.n_occupied, sizeof *x.occupied, compare_intervals);

        double ratio = 0;
        bool spike = false;
        unsigned cardio_done = 0;
        if (!x.oom) {
                rule_workout(&x);
                spike = rule_spike(&x, &ratio);
                rule_weekly(&x);
                cardio_done = rule_cardio(&x);
        }
        /* This week's targets, for the bus: the first week's are its share. */
        unsigned smr_target = smr_ask(&x, x.week0) + (spike ? 1 : 0), cardio_target = cardio_ask(&x);

        /* What no rule asked for again leaves the plan. */
        for (size_t i = 0; i < x.n_open && !x.oom; i++)
                if (!x.open_used[i]) {
                        struct limber_session s = x.open[i];
                        s.status = LIMBER_STATUS_CANCELLED;
                        s.last_modified = x.now;
                        push_out(&x, &s, true);
                }

        free(x.open);
        free(x.open_used);
        free(x.occupied);
        if (x.oom) {
                free(x.out);
                free(x.unplaced);
                return -ENOMEM;
        }

        /* qsort() must not be given NULL, which an empty plan has. */
        if (x.n_out > 0)
                qsort(x.out, x.n_out, sizeof *x.out, compare_sessions);

        *ret = (struct limber_plan) {
                .sessions = x.out,
                .n_sessions = x.n_out,
                .unplaced = x.unplaced,
                .n_unplaced = x.n_unplaced,
                .week_smr_target = smr_target,
                .week_cardio_minutes = cardio_done,
                .week_cardio_target = cardio_target,
                .load_ratio = ratio,
        };
        for (size_t i = 0; i < x.n_out; i++) {
                const struct limber_session *s = &x.out[i].session;
                if (s->kind == LIMBER_SESSION_SMR && s->status == LIMBER_STATUS_COMPLETED &&
                    session_day(s) >= x.week0 && session_day(s) < x.week0 + 7)
                        ret->week_smr_done++;
        }
        return 0;
}

void limber_plan_free(struct limber_plan *p) {
        free(p->sessions);
        free(p->unplaced);
        *p = (struct limber_plan) { 0 };
}

usec_t limber_plan_next_wakeup(const struct limber_plan *p, const struct limber_config *c, usec_t now) {
        usec_t next = limber_local_time(limber_local_day(now) + 1, 0);

        for (size_t i = 0; i < p->n_sessions; i++) {
                const struct limber_session *s = &p->sessions[i].session;
                if (s->status != LIMBER_STATUS_PLANNED && s->status != LIMBER_STATUS_SNOOZED)
                        continue;
                usec_t times[] = { s->start, s->end, s->end + c->schedule.grace };
                for (size_t j = 0; j < ELEMENTSOF(times); j++)
                        if (times[j] > now && times[j] < next)
                                next = times[j];
        }
        return next;
}
