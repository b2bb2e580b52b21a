/* Tests for the planner (planner.h) and the local calendar arithmetic under it
 * (localtime.h). Every expected time is worked out by hand from the rules (DESIGN.md,
 * "The planner", and planner.c's comments), with the reasoning next to it; none is
 * copied from the planner's output. Local times are Europe/Berlin unless a test says
 * otherwise; the configuration is the built-in default with the fields a test names
 * changed. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "config.h"
#include "localtime.h"
#include "planner.h"
#include "session.h"
#include "util.h"

#define MIN USEC_PER_MIN
#define HOUR USEC_PER_HOUR

static void set_zone(const char *tz) {
        setenv("TZ", tz, 1);
        tzset();
}

static int day(int y, unsigned m, unsigned d) {
        return limber_days_from_civil(y, m, d);
}

/* A local wall-clock time, through limber_local_time (which test_local_time checks). */
static usec_t at(int y, unsigned m, unsigned d, unsigned h, unsigned min) {
        return limber_local_time(day(y, m, d), h * 60 + min);
}

/* A UTC time by plain arithmetic: the yardstick for the time zone tests. */
static usec_t utc(int y, unsigned m, unsigned d, unsigned h, unsigned min) {
        return ((usec_t) day(y, m, d) * 86400 + h * 3600 + min * 60) * USEC_PER_SEC;
}

static struct limber_activity activity(enum limber_activity_kind kind, usec_t start, unsigned minutes,
                                       double metres) {
        return (struct limber_activity) { .kind = kind, .start = start, .duration = minutes * MIN,
                                          .distance_m = metres };
}

static struct limber_config *config(void) {
        struct limber_config *c = limber_config_new_default();
        if (!c)
                abort();
        return c;
}

/* Plans; on failure the plan is empty, so the checks that follow fail too. */
static struct limber_plan plan(struct limber_plan_input in) {
        struct limber_plan p = { 0 };
        if (!CHECK_INT(limber_plan(&in, &p), 0))
                p = (struct limber_plan) { 0 };
        return p;
}

static const struct limber_plan_session *find(const struct limber_plan *p, const char *id) {
        for (size_t i = 0; i < p->n_sessions; i++)
                if (strcmp(p->sessions[i].session.id, id) == 0)
                        return &p->sessions[i];
        return NULL;
}

static void sessions_freep(struct limber_session **s) {
        free(*s);
}

/* The plan's sessions as the store would hand them back. */
static struct limber_session *stored(const struct limber_plan *p) {
        struct limber_session *s = calloc(p->n_sessions + 1, sizeof *s);
        if (!s)
                abort();
        for (size_t i = 0; i < p->n_sessions; i++)
                s[i] = p->sessions[i].session;
        return s;
}

static void dump(const char *name, const struct limber_plan *p) {
        fprintf(stderr, "    plan '%s':\n", name);
        for (size_t i = 0; i < p->n_sessions; i++) {
                const struct limber_session *s = &p->sessions[i].session;
                time_t t = (time_t) (s->start / USEC_PER_SEC);
                struct tm tm;
                char when[32];
                localtime_r(&t, &tm);
                strftime(when, sizeof when, "%a %Y-%m-%d %H:%M %Z", &tm);
                fprintf(stderr, "      %-24s %s %-9s seq %u%s  %s | %s\n", s->id, when,
                        limber_session_status_to_string(s->status), s->sequence,
                        p->sessions[i].changed ? " changed" : "", s->routine, s->reason);
        }
        for (size_t i = 0; i < p->n_unplaced; i++)
                fprintf(stderr, "      unplaced %s/%s: %s\n", limber_session_kind_to_string(p->unplaced[i].kind),
                        limber_rule_to_string(p->unplaced[i].rule), p->unplaced[i].reason);
}

struct want {
        const char *id;
        enum limber_session_kind kind;
        enum limber_rule rule;
        usec_t start;
        const char *routine;
        const char *reason;
};

#define WEEKLY(id, t, why)              { id, LIMBER_SESSION_SMR, LIMBER_RULE_WEEKLY, t, "weekly", why }
#define WORKOUT(id, t, routine, why)    { id, LIMBER_SESSION_SMR, LIMBER_RULE_WORKOUT, t, routine, why }
#define SPIKE(id, t, why)               { id, LIMBER_SESSION_SMR, LIMBER_RULE_SPIKE, t, "spike", why }
#define WALK(id, t, why)                { id, LIMBER_SESSION_CARDIO, LIMBER_RULE_CARDIO, t, "brisk-walk", why }

#define FIRST "1st SMR session of the week"
#define SECOND "2nd SMR session of the week"

/* Checks a plan made from no stored sessions: exactly the wanted sessions, in order
 * of start, each new (changed, SEQUENCE 0, LAST-MODIFIED now) and planned. */
static void check_new_plan(const char *name, const struct limber_plan *p, const struct limber_config *c, usec_t now,
                           const struct want *w, size_t n) {
        unsigned failures = check_failures;

        CHECK_CONTEXT("%s", name);
        CHECK_INT(p->n_sessions, n);
        for (size_t i = 0; i < n && i < p->n_sessions; i++) {
                const struct limber_session *s = &p->sessions[i].session;
                char id[LIMBER_SESSION_ID_MAX];

                CHECK_CONTEXT("%s, session %zu (%s)", name, i, w[i].id);
                CHECK_STR(s->id, w[i].id);
                CHECK_INT(s->kind, w[i].kind);
                CHECK_INT(s->rule, w[i].rule);
                CHECK_INT(s->status, LIMBER_STATUS_PLANNED);
                CHECK_U64(s->start, w[i].start);
                CHECK_U64(s->end, w[i].start + (w[i].kind == LIMBER_SESSION_CARDIO ? c->cardio.session
                                                                                   : c->smr.duration));
                CHECK_STR(s->routine, w[i].routine);
                CHECK_STR(s->reason, w[i].reason);
                CHECK_INT(s->sequence, 0);
                CHECK_U64(s->last_modified, now);
                CHECK(p->sessions[i].changed);
                /* The id is (rule, day, slot), as rule 8 asks. */
                limber_session_make_id(id, s->rule, s->day, s->slot);
                CHECK_STR(id, s->id);
        }
        CHECK_CONTEXT_CLEAR();
        if (check_failures != failures)
                dump(name, p);
}

struct want_unplaced {
        enum limber_session_kind kind;
        enum limber_rule rule;
        int day;
        const char *reason;
};

static void check_unplaced(const char *name, const struct limber_plan *p, const struct want_unplaced *w, size_t n) {
        CHECK_CONTEXT("%s: unplaced", name);
        CHECK_INT(p->n_unplaced, n);
        for (size_t i = 0; i < n && i < p->n_unplaced; i++) {
                CHECK_INT(p->unplaced[i].kind, w[i].kind);
                CHECK_INT(p->unplaced[i].rule, w[i].rule);
                CHECK_INT(p->unplaced[i].day, w[i].day);
                CHECK_STR(p->unplaced[i].reason, w[i].reason);
        }
        CHECK_CONTEXT_CLEAR();
}

/* ---- localtime.h ---- */

static void test_civil(void) {
        static const struct {
                int y;
                unsigned m, d;
                int days;
                unsigned weekday;       /* 0 Monday */
                int iso_year;
                unsigned iso_week;
        } tests[] = {
                { 1970, 1, 1, 0, 3, 1970, 1 },
                { 1969, 12, 31, -1, 2, 1970, 1 },
                { 2000, 1, 1, 10957, 5, 1999, 52 },       /* a Saturday: the last week of 1999 */
                { 2000, 3, 1, 11017, 2, 2000, 9 },        /* after a 400-year leap day */
                { 1600, 2, 29, -135081, 1, 1600, 9 },
                { 2400, 12, 31, 157419, 6, 2400, 52 },
                { 2026, 3, 8, 20520, 6, 2026, 10 },
                { 2026, 10, 25, 20751, 6, 2026, 43 },
                { 2026, 11, 23, 20780, 0, 2026, 48 },
                { 2026, 12, 28, 20815, 0, 2026, 53 },     /* 2026 starts on a Thursday: 53 weeks */
                { 2026, 12, 31, 20818, 3, 2026, 53 },
                { 2027, 1, 1, 20819, 4, 2026, 53 },       /* a Friday: still 2026's week 53 */
                { 2021, 1, 3, 18630, 6, 2020, 53 },       /* a Sunday ending 2020-W53 */
                { 2021, 1, 4, 18631, 0, 2021, 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                int y, iso_year;
                unsigned m, d, iso_week;

                CHECK_CONTEXT("%04d-%02u-%02u", tests[i].y, tests[i].m, tests[i].d);
                CHECK_INT(limber_days_from_civil(tests[i].y, tests[i].m, tests[i].d), tests[i].days);
                limber_civil_from_days(tests[i].days, &y, &m, &d);
                CHECK_INT(y, tests[i].y);
                CHECK_INT(m, tests[i].m);
                CHECK_INT(d, tests[i].d);
                CHECK_INT(limber_weekday(tests[i].days), tests[i].weekday);
                CHECK_INT(limber_week_monday(tests[i].days), tests[i].days - (int) tests[i].weekday);
                limber_iso_week(tests[i].days, &iso_year, &iso_week);
                CHECK_INT(iso_year, tests[i].iso_year);
                CHECK_INT(iso_week, tests[i].iso_week);
        }
        CHECK_CONTEXT_CLEAR();

        /* Round trip over ±2700 years: each day is the day after the one before it in
         * the calendar, and a weekday later. */
        unsigned bad = 0;
        int py;
        unsigned pm, pd;
        limber_civil_from_days(-1000001, &py, &pm, &pd);
        for (int z = -1000000; z <= 1000000; z++) {
                int y;
                unsigned m, d;
                limber_civil_from_days(z, &y, &m, &d);
                bool next = (y == py && m == pm && d == pd + 1) ||
                            (d == 1 && ((y == py && m == pm + 1) || (y == py + 1 && m == 1 && pm == 12)));
                if (!next || limber_days_from_civil(y, m, d) != z || d > 31 ||
                    limber_weekday(z) != (limber_weekday(z - 1) + 1) % 7)
                        bad++;
                py = y, pm = m, pd = d;
        }
        CHECK_INT(bad, 0);

        char buf[9];
        limber_format_day(day(2026, 11, 23), buf);
        CHECK_STR(buf, "20261123");
        limber_format_day(-1, buf);
        CHECK_STR(buf, "19691231");
}

static void test_local_time(void) {
        set_zone("Europe/Berlin");
        /* CET is UTC+1, CEST UTC+2; summer time ends on 2026-10-25 at 03:00 CEST (01:00 UTC). */
        CHECK_U64(at(2026, 11, 23, 18, 30), utc(2026, 11, 23, 17, 30));
        CHECK_U64(at(2026, 7, 1, 18, 30), utc(2026, 7, 1, 16, 30));
        CHECK_U64(limber_local_time(day(2026, 10, 25), 0), utc(2026, 10, 24, 22, 0));
        CHECK_U64(limber_local_time(day(2026, 10, 26), 0), utc(2026, 10, 25, 23, 0));      /* a 25-hour day */
        CHECK_U64(limber_local_time(day(2026, 10, 25), 3 * 60), utc(2026, 10, 25, 2, 0));
        CHECK_U64(limber_local_time(day(2026, 10, 24), 1440), limber_local_time(day(2026, 10, 25), 0));
        CHECK_INT(limber_local_day(utc(2026, 10, 24, 21, 59)), day(2026, 10, 24));
        CHECK_INT(limber_local_minute(utc(2026, 10, 24, 21, 59)), 23 * 60 + 59);
        CHECK_INT(limber_local_day(utc(2026, 10, 24, 22, 30)), day(2026, 10, 25));
        CHECK_INT(limber_local_minute(utc(2026, 10, 24, 22, 30)), 30);
        /* 02:30 happens twice that night, at 00:30 and at 01:30 UTC. */
        CHECK_INT(limber_local_minute(utc(2026, 10, 25, 0, 30)), 150);
        CHECK_INT(limber_local_minute(utc(2026, 10, 25, 1, 30)), 150);
        CHECK_INT(limber_local_day(utc(2026, 10, 25, 22, 59)), day(2026, 10, 25));
        CHECK_INT(limber_local_day(utc(2026, 10, 25, 23, 0)), day(2026, 10, 26));

        set_zone("America/New_York");
        /* EST is UTC-5, EDT UTC-4; summer time starts on 2026-03-08 at 02:00 EST (07:00 UTC). */
        CHECK_U64(limber_local_time(day(2026, 3, 8), 90), utc(2026, 3, 8, 6, 30));
        CHECK_U64(limber_local_time(day(2026, 3, 8), 150), utc(2026, 3, 8, 7, 30));       /* 02:30 is skipped: 03:30 */
        CHECK_U64(limber_local_time(day(2026, 3, 8), 18 * 60 + 30), utc(2026, 3, 8, 22, 30));
        CHECK_U64(limber_local_time(day(2026, 3, 9), 0) - limber_local_time(day(2026, 3, 8), 0), 23 * HOUR);
        CHECK_INT(limber_local_minute(utc(2026, 3, 8, 6, 59)), 1 * 60 + 59);
        CHECK_INT(limber_local_minute(utc(2026, 3, 8, 7, 0)), 3 * 60);
        CHECK_INT(limber_local_day(utc(2026, 3, 8, 4, 59)), day(2026, 3, 7));
        CHECK_INT(limber_local_day(utc(2026, 3, 8, 5, 0)), day(2026, 3, 8));

        set_zone("Europe/Berlin");
}

/* ---- the planner ---- */

/* Monday 2026-11-23 10:00, ISO week 48: the "now" of most tests. */
#define MON_10 at(2026, 11, 23, 10, 0)

static void test_plain_week(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        const usec_t now = MON_10;

        /* The horizon is 14 days: Monday 23 Nov to Sunday 6 Dec.
         * Rule 1: two SMR sessions in each ISO week, 18:30-21:00, at least 2 days apart, the
         * earliest evenings: Monday 18:30 (today's window is still ahead), Tuesday is one day
         * after it, so Wednesday 18:30. Next week: Monday 30 Nov (5 days after Wednesday)
         * and Wednesday 2 Dec.
         * Rule 5: no cardio this week and none in the 7 days before today (pace 0): 150 min
         * short, 150 / 30 = 5 walks, one a day from today, at the window's start 12:00. */
        static const char *why_walk = "week's cardio 0/150 min";
        const struct want want[] = {
                WALK("cardio_20261123_0", at(2026, 11, 23, 12, 0), why_walk),
                WEEKLY("weekly_20261123_0", at(2026, 11, 23, 18, 30), FIRST),
                WALK("cardio_20261123_1", at(2026, 11, 24, 12, 0), why_walk),
                WALK("cardio_20261123_2", at(2026, 11, 25, 12, 0), why_walk),
                WEEKLY("weekly_20261123_1", at(2026, 11, 25, 18, 30), SECOND),
                WALK("cardio_20261123_3", at(2026, 11, 26, 12, 0), why_walk),
                WALK("cardio_20261123_4", at(2026, 11, 27, 12, 0), why_walk),
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 2, 18, 30), SECOND),
        };

        struct limber_plan p = plan((struct limber_plan_input) { .config = c, .now = now });
        check_new_plan("plain week", &p, c, now, want, ELEMENTSOF(want));
        check_unplaced("plain week", &p, NULL, 0);
        CHECK_INT(p.week_smr_done, 0);
        CHECK_INT(p.week_smr_target, 2);
        CHECK_INT(p.week_cardio_minutes, 0);
        CHECK_INT(p.week_cardio_target, 150);
        CHECK_DOUBLE(p.load_ratio, 0);
        /* The weekly sessions carry the week's Monday as their day, the walks too. */
        const struct limber_plan_session *s = find(&p, "weekly_20261130_1");
        CHECK(s && s->session.day == day(2026, 11, 30) && s->session.slot == 1);
        s = find(&p, "cardio_20261123_4");
        CHECK(s && s->session.day == day(2026, 11, 23) && s->session.slot == 4);
        /* Nothing starts beyond the horizon: the Monday two weeks on (7 Dec) is not planned. */
        for (size_t i = 0; i < p.n_sessions; i++)
                CHECK(p.sessions[i].session.start < now + c->schedule.horizon);
        limber_plan_free(&p);

        /* Planning is pure: the same input, the same plan. */
        struct limber_plan a = plan((struct limber_plan_input) { .config = c, .now = now });
        struct limber_plan b = plan((struct limber_plan_input) { .config = c, .now = now });
        CHECK_INT(a.n_sessions, b.n_sessions);
        for (size_t i = 0; i < a.n_sessions && i < b.n_sessions; i++) {
                const struct limber_session *x = &a.sessions[i].session, *y = &b.sessions[i].session;
                CHECK_CONTEXT("twice: %s", x->id);
                CHECK_STR(x->id, y->id);
                CHECK_U64(x->start, y->start);
                CHECK_U64(x->end, y->end);
                CHECK_INT(x->sequence, y->sequence);
                CHECK_U64(x->last_modified, y->last_modified);
                CHECK_STR(x->reason, y->reason);
        }
        CHECK_CONTEXT_CLEAR();
        limber_plan_free(&a);
        limber_plan_free(&b);
}

static void test_workout_today(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        const usec_t now = MON_10;
        const struct limber_activity acts[] = {
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 23, 7, 0), 95, 18400),
        };

        /* Rule 2: 95 min >= 30 min, ended 08:35: SMR this evening at the window's start.
         * Rule 1: that session counts, so one weekly session is left, two days away or
         * more: Wednesday, the week's 2nd. Next week as usual.
         * Rule 5: 95 min done, pace 0: 55 min short, ceil(55 / 30) = 2 walks. No spike:
         * there is no earlier run to compare with. */
        static const char *why_walk = "week's cardio 95/150 min";
        const struct want want[] = {
                WALK("cardio_20261123_0", at(2026, 11, 23, 12, 0), why_walk),
                WORKOUT("workout_20261123_0", at(2026, 11, 23, 18, 30), "after-run", "18.4 km run today"),
                WALK("cardio_20261123_1", at(2026, 11, 24, 12, 0), why_walk),
                WEEKLY("weekly_20261123_0", at(2026, 11, 25, 18, 30), SECOND),
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 2, 18, 30), SECOND),
        };

        struct limber_plan p = plan((struct limber_plan_input) {
                .config = c, .now = now, .activities = acts, .n_activities = ELEMENTSOF(acts) });
        check_new_plan("run today", &p, c, now, want, ELEMENTSOF(want));
        check_unplaced("run today", &p, NULL, 0);
        CHECK_INT(p.week_cardio_minutes, 95);
        CHECK_INT(p.week_smr_target, 2);
        limber_plan_free(&p);
}

static void test_workout_kinds(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        const usec_t now = MON_10;

        c->smr.per_week = 0;
        c->cardio.weekly_minutes = 0;

        /* One activity at 07:00 today; rule 2 alone. */
        static const struct {
                enum limber_activity_kind kind;
                unsigned minutes;
                double metres;
                const char *routine;    /* NULL: no session */
                const char *reason;
        } tests[] = {
                { LIMBER_ACTIVITY_RUN, 30, 5000, "after-run", "5.0 km run today" },     /* exactly after_workout */
                { LIMBER_ACTIVITY_RUN, 29, 5000, NULL, NULL },
                { LIMBER_ACTIVITY_WALK, 90, 7000, NULL, NULL },                         /* not a training load */
                { LIMBER_ACTIVITY_YOGA, 60, 0, NULL, NULL },
                { LIMBER_ACTIVITY_RIDE, 60, 25000, "after-ride", "25.0 km ride today" },
                { LIMBER_ACTIVITY_HIKE, 120, 8200, "after-run", "8.2 km hike today" },
                { LIMBER_ACTIVITY_SWIM, 40, 1500, "after-workout", "1.5 km swim today" },
                { LIMBER_ACTIVITY_STRENGTH, 45, 0, "after-workout", "45 min strength workout today" },
                { LIMBER_ACTIVITY_OTHER, 30, 0, "after-workout", "30 min workout today" },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                const struct limber_activity a = activity(tests[i].kind, at(2026, 11, 23, 7, 0), tests[i].minutes,
                                                          tests[i].metres);
                const struct want want[] = {
                        WORKOUT("workout_20261123_0", at(2026, 11, 23, 18, 30), tests[i].routine, tests[i].reason),
                };
                char name[64];
                snprintf(name, sizeof name, "%u min %s", tests[i].minutes,
                         limber_activity_kind_to_string(tests[i].kind));

                struct limber_plan p = plan((struct limber_plan_input) {
                        .config = c, .now = now, .activities = &a, .n_activities = 1 });
                check_new_plan(name, &p, c, now, want, tests[i].routine ? 1 : 0);
                limber_plan_free(&p);
        }

        /* Two workouts today: one session, after the later one ends (19:02, so 19:05 on
         * the 5-minute grid), for the longer one. */
        const struct limber_activity two[] = {
                activity(LIMBER_ACTIVITY_RIDE, at(2026, 11, 23, 7, 0), 40, 15000),
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 23, 17, 30), 92, 16000),
        };
        const usec_t later = at(2026, 11, 23, 19, 3);
        const struct want want_two[] = {
                WORKOUT("workout_20261123_0", at(2026, 11, 23, 19, 5), "after-run", "16.0 km run today"),
        };
        struct limber_plan p = plan((struct limber_plan_input) {
                .config = c, .now = later, .activities = two, .n_activities = ELEMENTSOF(two) });
        check_new_plan("two workouts", &p, c, later, want_two, ELEMENTSOF(want_two));
        limber_plan_free(&p);

        /* A tracker whose clock runs ahead reports a run ending at 18:40 at 18:00: the
         * session waits for the run's end. */
        const usec_t six = at(2026, 11, 23, 18, 0);
        const struct limber_activity ahead = activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 23, 17, 0), 100, 16000);
        const struct want want_ahead[] = {
                WORKOUT("workout_20261123_0", at(2026, 11, 23, 18, 40), "after-run", "16.0 km run today"),
        };
        p = plan((struct limber_plan_input) { .config = c, .now = six, .activities = &ahead, .n_activities = 1 });
        check_new_plan("a run ending after now", &p, c, six, want_ahead, ELEMENTSOF(want_ahead));
        limber_plan_free(&p);
}

static void test_workout_late(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        const usec_t now = at(2026, 11, 23, 21, 45);
        const struct limber_activity acts[] = {
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 23, 20, 0), 90, 15000),
        };

        /* The run ends at 21:30, after the evening window: the session goes to the next
         * morning's window, 07:00 (quiet hours end then), and says "the day before" as it will
         * be read then. Its id keeps the run's day.
         * Rule 1: it falls on Tuesday and counts for this week; Monday, Tuesday and
         * Wednesday are within a day of it, so Thursday.
         * Rule 5: 90 min done, pace 0, 60 min short: 2 walks, from Tuesday (today's
         * midday is past). */
        static const char *why_walk = "week's cardio 90/150 min";
        const struct want want[] = {
                WORKOUT("workout_20261123_0", at(2026, 11, 24, 7, 0), "after-run", "15.0 km run the day before"),
                WALK("cardio_20261123_0", at(2026, 11, 24, 12, 0), why_walk),
                WALK("cardio_20261123_1", at(2026, 11, 25, 12, 0), why_walk),
                WEEKLY("weekly_20261123_0", at(2026, 11, 26, 18, 30), SECOND),
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 2, 18, 30), SECOND),
        };

        struct limber_plan p = plan((struct limber_plan_input) {
                .config = c, .now = now, .activities = acts, .n_activities = ELEMENTSOF(acts) });
        check_new_plan("run until 21:30", &p, c, now, want, ELEMENTSOF(want));

        /* Re-planned after midnight, Tuesday 06:00: the run is yesterday's now, and the
         * session is found again unchanged. The walks are not: the pace is now the last 7
         * days' 90 min / 7 a day, times 6 days left, plus 90 done: 167 >= 150, so they
         * are cancelled. The horizon now reaches Monday 7 Dec, which gets its first
         * weekly session. */
        const usec_t tue = at(2026, 11, 24, 6, 0);
        _cleanup_(sessions_freep) struct limber_session *s = stored(&p);
        struct limber_plan q = plan((struct limber_plan_input) {
                .config = c, .now = tue, .activities = acts, .n_activities = ELEMENTSOF(acts),
                .sessions = s, .n_sessions = p.n_sessions });
        CHECK_INT(q.n_sessions, 7);
        static const struct {
                const char *id;
                enum limber_session_status status;
                bool changed;
        } after[] = {
                { "workout_20261123_0", LIMBER_STATUS_PLANNED, false },
                { "cardio_20261123_0", LIMBER_STATUS_CANCELLED, true },
                { "cardio_20261123_1", LIMBER_STATUS_CANCELLED, true },
                { "weekly_20261123_0", LIMBER_STATUS_PLANNED, false },
                { "weekly_20261130_0", LIMBER_STATUS_PLANNED, false },
                { "weekly_20261130_1", LIMBER_STATUS_PLANNED, false },
                { "weekly_20261207_0", LIMBER_STATUS_PLANNED, true },
        };
        for (size_t i = 0; i < ELEMENTSOF(after); i++) {
                const struct limber_plan_session *x = find(&q, after[i].id);
                CHECK_CONTEXT("run until 21:30, re-planned: %s", after[i].id);
                if (!CHECK(x))
                        continue;
                CHECK_INT(x->session.status, after[i].status);
                CHECK_INT(x->changed, after[i].changed);
                CHECK_INT(x->session.sequence, 0);
                CHECK_U64(x->session.last_modified, after[i].changed ? tue : now);
        }
        CHECK_CONTEXT_CLEAR();
        const struct limber_plan_session *w = find(&q, "workout_20261123_0");
        CHECK(w && w->session.start == at(2026, 11, 24, 7, 0) &&
              strcmp(w->session.reason, "15.0 km run the day before") == 0);
        w = find(&q, "weekly_20261207_0");
        CHECK(w && w->session.start == at(2026, 12, 7, 18, 30));
        limber_plan_free(&q);
        limber_plan_free(&p);
}

static void test_spike_single(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        const usec_t now = MON_10;

        c->smr.per_week = 0;
        c->cardio.weekly_minutes = 0;
        c->smr.spike_weekly = 10;       /* the weekly spike is tested on its own */

        /* An earlier activity, and one at 07:00 today. A spike (more than 10% past the
         * longest of the same kind in the 30 days before) adds one SMR session from
         * tomorrow, on a day without one: Tuesday 18:30. Distance where known, else time. */
        static const struct {
                const char *name;
                enum limber_activity_kind before_kind;
                int before_month, before_day;
                unsigned before_minutes;
                double before_metres;
                enum limber_activity_kind kind;
                unsigned minutes;
                double metres;
                const char *workout;
                const char *spike;      /* NULL: none */
        } tests[] = {
                { "up 23%", LIMBER_ACTIVITY_RUN, 11, 8, 80, 15000, LIMBER_ACTIVITY_RUN, 95, 18400,
                  "18.4 km run today", "longest run in 30 days: 18.4 km, up 23%" },
                { "up 9.5%", LIMBER_ACTIVITY_RUN, 11, 8, 80, 16800, LIMBER_ACTIVITY_RUN, 95, 18400,
                  "18.4 km run today", NULL },
                { "up exactly 10%", LIMBER_ACTIVITY_RUN, 11, 8, 80, 16000, LIMBER_ACTIVITY_RUN, 95, 17600,
                  "17.6 km run today", NULL },
                { "longest 32 days ago", LIMBER_ACTIVITY_RUN, 10, 22, 80, 15000, LIMBER_ACTIVITY_RUN, 95, 18400,
                  "18.4 km run today", NULL },
                { "by time", LIMBER_ACTIVITY_RUN, 11, 8, 60, 0, LIMBER_ACTIVITY_RUN, 70, 0,
                  "70 min run today", "longest run in 30 days: 70 min, up 17%" },
                { "by time, earlier with distance", LIMBER_ACTIVITY_RUN, 11, 8, 80, 15000, LIMBER_ACTIVITY_RUN, 95, 0,
                  "95 min run today", "longest run in 30 days: 95 min, up 19%" },
                { "ride", LIMBER_ACTIVITY_RIDE, 11, 8, 90, 40000, LIMBER_ACTIVITY_RIDE, 110, 50000,
                  "50.0 km ride today", "longest ride in 30 days: 50.0 km, up 25%" },
                { "a ride is no run", LIMBER_ACTIVITY_RIDE, 11, 8, 90, 15000, LIMBER_ACTIVITY_RUN, 95, 18400,
                  "18.4 km run today", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                const struct limber_activity acts[] = {
                        activity(tests[i].before_kind, at(2026, (unsigned) tests[i].before_month,
                                                          (unsigned) tests[i].before_day, 9, 0),
                                 tests[i].before_minutes, tests[i].before_metres),
                        activity(tests[i].kind, at(2026, 11, 23, 7, 0), tests[i].minutes, tests[i].metres),
                };
                const char *routine = tests[i].kind == LIMBER_ACTIVITY_RIDE ? "after-ride" : "after-run";
                const struct want want[] = {
                        WORKOUT("workout_20261123_0", at(2026, 11, 23, 18, 30), routine, tests[i].workout),
                        SPIKE("spike_20261123_0", at(2026, 11, 24, 18, 30), tests[i].spike),
                };

                struct limber_plan p = plan((struct limber_plan_input) {
                        .config = c, .now = now, .activities = acts, .n_activities = ELEMENTSOF(acts) });
                check_new_plan(tests[i].name, &p, c, now, want, tests[i].spike ? 2 : 1);
                CHECK_CONTEXT("%s", tests[i].name);
                CHECK_INT(p.week_smr_target, tests[i].spike ? 1 : 0);
                CHECK_CONTEXT_CLEAR();
                limber_plan_free(&p);
        }

        /* With the weekly rule on: the workout session (Monday) counts toward the week,
         * the spike session takes Tuesday, so the one weekly session left goes two days
         * after Tuesday, to Thursday. The week's target is 2 + 1.
         * The load ratio now: the last 7 days hold the 95 min run, the 28 days before
         * them the 80 min one, a weekly mean of 20 min: 95 / 20 = 4.75. That is a weekly
         * spike too, but the single run's reason is the one given. */
        c->smr.per_week = 2;
        c->smr.spike_weekly = 1.3;
        const struct limber_activity acts[] = {
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 8, 9, 0), 80, 15000),
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 23, 7, 0), 95, 18400),
        };
        const struct want want[] = {
                WORKOUT("workout_20261123_0", at(2026, 11, 23, 18, 30), "after-run", "18.4 km run today"),
                SPIKE("spike_20261123_0", at(2026, 11, 24, 18, 30), "longest run in 30 days: 18.4 km, up 23%"),
                WEEKLY("weekly_20261123_0", at(2026, 11, 26, 18, 30), SECOND),
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 2, 18, 30), SECOND),
        };
        struct limber_plan p = plan((struct limber_plan_input) {
                .config = c, .now = now, .activities = acts, .n_activities = ELEMENTSOF(acts) });
        check_new_plan("spike with weekly", &p, c, now, want, ELEMENTSOF(want));
        check_unplaced("spike with weekly", &p, NULL, 0);
        CHECK_INT(p.week_smr_target, 3);
        CHECK_DOUBLE(p.load_ratio, 4.75);
        limber_plan_free(&p);

        /* A session the user skipped on Tuesday keeps that evening: the spike goes to
         * Wednesday. */
        c->smr.per_week = 0;
        const struct limber_session skipped = {
                .id = "weekly_20261123_0", .kind = LIMBER_SESSION_SMR, .rule = LIMBER_RULE_WEEKLY,
                .day = day(2026, 11, 23), .slot = 0, .start = at(2026, 11, 24, 18, 30),
                .end = at(2026, 11, 24, 18, 45), .status = LIMBER_STATUS_SKIPPED,
                .last_modified = at(2026, 11, 23, 9, 0), .routine = "weekly", .reason = FIRST,
        };
        p = plan((struct limber_plan_input) {
                .config = c, .now = now, .activities = acts, .n_activities = ELEMENTSOF(acts),
                .sessions = &skipped, .n_sessions = 1 });
        const struct limber_plan_session *x = find(&p, "spike_20261123_0");
        CHECK(x && x->session.start == at(2026, 11, 25, 18, 30));
        limber_plan_free(&p);

        /* A spike on Sunday: the week has no later evening, so the spike takes Sunday's
         * own evening, after the after-run session: 18:45. */
        const usec_t sun = at(2026, 11, 29, 10, 0);
        const struct limber_activity sunday[] = {
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 8, 9, 0), 80, 15000),
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 29, 7, 0), 95, 18400),
        };
        const struct want want_sun[] = {
                WORKOUT("workout_20261129_0", at(2026, 11, 29, 18, 30), "after-run", "18.4 km run today"),
                SPIKE("spike_20261123_0", at(2026, 11, 29, 18, 45), "longest run in 30 days: 18.4 km, up 23%"),
        };
        p = plan((struct limber_plan_input) {
                .config = c, .now = sun, .activities = sunday, .n_activities = ELEMENTSOF(sunday) });
        check_new_plan("spike on Sunday", &p, c, sun, want_sun, ELEMENTSOF(want_sun));
        check_unplaced("spike on Sunday", &p, NULL, 0);
        limber_plan_free(&p);
}

static void test_spike_weekly(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        const usec_t now = at(2026, 11, 25, 10, 0);      /* Wednesday */

        c->cardio.weekly_minutes = 0;

        /* Four Saturdays of 50 min runs, then 25 min runs (short of after_workout, and no
         * single-run spike) on Monday, Tuesday and Wednesday at 07:00. At the end of each
         * of this week's runs the last 7 days hold 25, 50, 75 min, the 28 days before them
         * the four Saturdays, 200 min, a weekly mean of 50: ratios 0.5, 1.0 and 1.5.
         * Wednesday's 1.5 is over 1.3: a spike from Thursday, 18:30.
         * Rule 1: today is within a day of Thursday, so is Friday; Saturday 18:30. Sunday
         * is within a day of Saturday: the week's second session has no evening, and is
         * reported for min_gap, the limit that kept it out. Next week Monday (2 days after Saturday) and Wednesday; the horizon
         * (25 Nov to 8 Dec) reaches Monday 7 Dec, whose week is not whole: no report for
         * its second session. */
        const struct limber_activity acts[] = {
                activity(LIMBER_ACTIVITY_RUN, at(2026, 10, 24, 9, 0), 50, 0),
                activity(LIMBER_ACTIVITY_RUN, at(2026, 10, 31, 9, 0), 50, 0),
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 7, 9, 0), 50, 0),
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 14, 9, 0), 50, 0),
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 23, 7, 0), 25, 0),
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 24, 7, 0), 25, 0),
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 25, 7, 0), 25, 0),
        };
        const struct want want[] = {
                SPIKE("spike_20261123_0", at(2026, 11, 26, 18, 30),
                      "7-day training volume 1.50 times the weekly mean of the 4 weeks before"),
                WEEKLY("weekly_20261123_0", at(2026, 11, 28, 18, 30), FIRST),
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 2, 18, 30), SECOND),
                WEEKLY("weekly_20261207_0", at(2026, 12, 7, 18, 30), FIRST),
        };
        const struct want_unplaced unplaced[] = {
                { LIMBER_SESSION_SMR, LIMBER_RULE_WEEKLY, day(2026, 11, 23),
                  "week of 23 Nov: 1 of 2 SMR sessions found no evening at least 2 days from another" },
        };

        struct limber_plan p = plan((struct limber_plan_input) {
                .config = c, .now = now, .activities = acts, .n_activities = ELEMENTSOF(acts) });
        check_new_plan("weekly spike", &p, c, now, want, ELEMENTSOF(want));
        check_unplaced("weekly spike", &p, unplaced, ELEMENTSOF(unplaced));
        CHECK_INT(p.week_smr_target, 3);
        /* Now: the 7 days before hold 75 min, the 28 before those 200. */
        CHECK_DOUBLE(p.load_ratio, 1.5);
        limber_plan_free(&p);

        /* 20 min runs instead: 60 / 50 = 1.2, no spike. The weekly sessions take the
         * earliest evenings again: today and Friday. */
        struct limber_activity less[ELEMENTSOF(acts)];
        memcpy(less, acts, sizeof acts);
        for (size_t i = 4; i < ELEMENTSOF(less); i++)
                less[i].duration = 20 * MIN;
        const struct want want_less[] = {
                WEEKLY("weekly_20261123_0", at(2026, 11, 25, 18, 30), FIRST),
                WEEKLY("weekly_20261123_1", at(2026, 11, 27, 18, 30), SECOND),
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 2, 18, 30), SECOND),
                WEEKLY("weekly_20261207_0", at(2026, 12, 7, 18, 30), FIRST),
        };
        p = plan((struct limber_plan_input) {
                .config = c, .now = now, .activities = less, .n_activities = ELEMENTSOF(less) });
        check_new_plan("no weekly spike", &p, c, now, want_less, ELEMENTSOF(want_less));
        check_unplaced("no weekly spike", &p, NULL, 0);
        CHECK_INT(p.week_smr_target, 2);
        CHECK_DOUBLE(p.load_ratio, 1.2);
        limber_plan_free(&p);
}

static void test_cardio(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        const usec_t now = at(2026, 11, 26, 10, 0);      /* Thursday */

        c->smr.per_week = 0;

        /* Walks last Friday and Saturday (35 min each) and this Tuesday (40 min).
         * done 40; pace: the 7 days before today (19-25 Nov) hold 110 min, 110/7 a day;
         * Thursday to Sunday is 4 days: 40 + 440/7 = 102.9, 47.1 min short: 2 walks,
         * today and Friday at 12:00. */
        const struct limber_activity walks[] = {
                activity(LIMBER_ACTIVITY_WALK, at(2026, 11, 20, 18, 0), 35, 3000),
                activity(LIMBER_ACTIVITY_WALK, at(2026, 11, 21, 10, 0), 35, 3000),
                activity(LIMBER_ACTIVITY_WALK, at(2026, 11, 24, 12, 0), 40, 3500),
        };
        const struct want want[] = {
                WALK("cardio_20261123_0", at(2026, 11, 26, 12, 0), "week's cardio 40/150 min"),
                WALK("cardio_20261123_1", at(2026, 11, 27, 12, 0), "week's cardio 40/150 min"),
        };
        struct limber_plan p = plan((struct limber_plan_input) {
                .config = c, .now = now, .activities = walks, .n_activities = ELEMENTSOF(walks) });
        check_new_plan("cardio at last week's pace", &p, c, now, want, ELEMENTSOF(want));
        check_unplaced("cardio at last week's pace", &p, NULL, 0);
        CHECK_INT(p.week_cardio_minutes, 40);
        limber_plan_free(&p);

        /* A 30 min walk every day from 19 to 25 Nov: 90 done this week, pace 30 a day,
         * 90 + 4 * 30 = 210 >= 150: no walk needed. */
        struct limber_activity daily[7];
        for (unsigned i = 0; i < 7; i++)
                daily[i] = activity(LIMBER_ACTIVITY_WALK, at(2026, 11, 19 + i, 12, 0), 30, 2500);
        p = plan((struct limber_plan_input) {
                .config = c, .now = now, .activities = daily, .n_activities = ELEMENTSOF(daily) });
        check_new_plan("cardio on pace", &p, c, now, NULL, 0);
        CHECK_INT(p.week_cardio_minutes, 90);
        limber_plan_free(&p);

        /* A walk session completed on Monday that no tracker logged counts as its 30 min:
         * 70 + 440/7 = 132.9, 17.1 short: one walk, today. Slot 0 is taken by Monday's. */
        struct limber_session done = {
                .id = "cardio_20261123_0", .kind = LIMBER_SESSION_CARDIO, .rule = LIMBER_RULE_CARDIO,
                .day = day(2026, 11, 23), .slot = 0, .start = at(2026, 11, 23, 12, 0),
                .end = at(2026, 11, 23, 12, 30), .status = LIMBER_STATUS_COMPLETED, .sequence = 0,
                .last_modified = at(2026, 11, 23, 12, 31), .routine = "brisk-walk",
                .reason = "week's cardio 0/150 min",
        };
        p = plan((struct limber_plan_input) {
                .config = c, .now = now, .activities = walks, .n_activities = ELEMENTSOF(walks),
                .sessions = &done, .n_sessions = 1 });
        CHECK_INT(p.n_sessions, 2);
        if (p.n_sessions == 2) {
                CHECK_STR(p.sessions[0].session.id, "cardio_20261123_0");
                CHECK_INT(p.sessions[0].session.status, LIMBER_STATUS_COMPLETED);
                CHECK(!p.sessions[0].changed);
                CHECK_STR(p.sessions[1].session.id, "cardio_20261123_1");
                CHECK_U64(p.sessions[1].session.start, at(2026, 11, 26, 12, 0));
                CHECK_STR(p.sessions[1].session.reason, "week's cardio 70/150 min");
        }
        CHECK_INT(p.week_cardio_minutes, 70);
        limber_plan_free(&p);

        /* The same walk completed on Tuesday 12:00, which the tracker also logged
         * (12:00-12:40): it counts once, so two walks as in the first case, slots 1 and 2. */
        done.start = at(2026, 11, 24, 12, 0);
        done.end = at(2026, 11, 24, 12, 30);
        p = plan((struct limber_plan_input) {
                .config = c, .now = now, .activities = walks, .n_activities = ELEMENTSOF(walks),
                .sessions = &done, .n_sessions = 1 });
        CHECK_INT(p.n_sessions, 3);
        const struct limber_plan_session *s = find(&p, "cardio_20261123_1");
        CHECK(s && s->session.start == at(2026, 11, 26, 12, 0) &&
              strcmp(s->session.reason, "week's cardio 40/150 min") == 0);
        s = find(&p, "cardio_20261123_2");
        CHECK(s && s->session.start == at(2026, 11, 27, 12, 0));
        CHECK_INT(p.week_cardio_minutes, 40);
        limber_plan_free(&p);

        /* The pace counts local days. Summer time starts on Sunday 29 Mar 2026, so the 7
         * days before Thursday 2 Apr, 26 Mar to 1 Apr, are 167 hours: a run on Wednesday
         * 25 Mar until 23:30 is not in them. Pace 0, 150 min short: 5 walks, 4 days left
         * (12:00 CEST Thursday to Sunday), one reported. */
        const usec_t april = at(2026, 4, 2, 10, 0);
        const struct limber_activity late = activity(LIMBER_ACTIVITY_RUN, at(2026, 3, 25, 22, 30), 60, 10000);
        const struct want want_april[] = {
                WALK("cardio_20260330_0", at(2026, 4, 2, 12, 0), "week's cardio 0/150 min"),
                WALK("cardio_20260330_1", at(2026, 4, 3, 12, 0), "week's cardio 0/150 min"),
                WALK("cardio_20260330_2", at(2026, 4, 4, 12, 0), "week's cardio 0/150 min"),
                WALK("cardio_20260330_3", at(2026, 4, 5, 12, 0), "week's cardio 0/150 min"),
        };
        const struct want_unplaced unplaced_april[] = {
                { LIMBER_SESSION_CARDIO, LIMBER_RULE_CARDIO, day(2026, 3, 30),
                  "week's cardio 0/150 min: 1 of 5 walks do not fit in the 4 days left, at one walk a day" },
        };
        p = plan((struct limber_plan_input) { .config = c, .now = april, .activities = &late, .n_activities = 1 });
        check_new_plan("pace over the start of summer time", &p, c, april, want_april, ELEMENTSOF(want_april));
        check_unplaced("pace over the start of summer time", &p, unplaced_april, ELEMENTSOF(unplaced_april));
        limber_plan_free(&p);
}

static void test_quiet_hours(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        const usec_t now = MON_10;

        c->cardio.weekly_minutes = 0;
        c->smr.window = (struct limber_window) { 21 * 60, 23 * 60 };

        /* Quiet hours 22:00-07:00 leave 21:00-22:00 of the window. Busy 21:00-21:45 on
         * Monday: 21:45 still ends by 22:00. Busy 21:00-21:50 on Wednesday: 21:50 would end
         * in quiet hours, so Wednesday has no slot, and the second session is Thursday. */
        const struct limber_interval busy[] = {
                { at(2026, 11, 23, 21, 0), at(2026, 11, 23, 21, 45) },
                { at(2026, 11, 25, 21, 0), at(2026, 11, 25, 21, 50) },
        };
        const struct want want[] = {
                WEEKLY("weekly_20261123_0", at(2026, 11, 23, 21, 45), FIRST),
                WEEKLY("weekly_20261123_1", at(2026, 11, 26, 21, 0), SECOND),
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 21, 0), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 2, 21, 0), SECOND),
        };
        struct limber_plan p = plan((struct limber_plan_input) {
                .config = c, .now = now, .busy = busy, .n_busy = ELEMENTSOF(busy) });
        check_new_plan("window into quiet hours", &p, c, now, want, ELEMENTSOF(want));
        for (size_t i = 0; i < p.n_sessions; i++)
                CHECK(limber_local_minute(p.sessions[i].session.end) <= 22 * 60);
        limber_plan_free(&p);

        /* Quiet hours that do not cross midnight, 18:00-19:00: the default window's
         * sessions start at 19:00. */
        c->smr.window = (struct limber_window) { 18 * 60 + 30, 21 * 60 };
        c->schedule.quiet_hours = (struct limber_window) { 18 * 60, 19 * 60 };
        const struct want want_day[] = {
                WEEKLY("weekly_20261123_0", at(2026, 11, 23, 19, 0), FIRST),
                WEEKLY("weekly_20261123_1", at(2026, 11, 25, 19, 0), SECOND),
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 19, 0), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 2, 19, 0), SECOND),
        };
        p = plan((struct limber_plan_input) { .config = c, .now = now });
        check_new_plan("quiet hours 18:00-19:00", &p, c, now, want_day, ELEMENTSOF(want_day));
        limber_plan_free(&p);
}

static void test_busy(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        const usec_t now = MON_10;

        c->cardio.weekly_minutes = 0;

        /* Busy times, and where this week's two weekly sessions go. Next week's are
         * Monday 30 Nov and Wednesday 2 Dec in every case (two days or more after
         * Thursday at the latest). */
        static const struct {
                const char *name;
                struct { int d1; unsigned h1, m1; int d2; unsigned h2, m2; } busy;
                int first_day;
                unsigned first_h, first_m;
                int second_day;
        } tests[] = {
                /* The next free start on the grid after the busy time. */
                { "busy 18:30-19:10", { 23, 18, 30, 23, 19, 10 }, 23, 19, 10, 25 },
                /* A busy end off the grid rounds up to it. */
                { "busy 18:00-19:12", { 23, 18, 0, 23, 19, 12 }, 23, 19, 15, 25 },
                /* Starting at the busy time's end does not overlap it; 15 min before its
                 * start does not either. */
                { "busy 18:45-21:00", { 23, 18, 45, 23, 21, 0 }, 23, 18, 30, 25 },
                /* The whole evening: Tuesday, then Thursday (2 days later). */
                { "busy all evening", { 23, 18, 0, 23, 21, 30 }, 24, 18, 30, 26 },
                /* A busy time over two days. */
                { "busy Monday 17:00 to Tuesday 20:02", { 23, 17, 0, 24, 20, 2 }, 24, 20, 5, 26 },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                const struct limber_interval busy = {
                        at(2026, 11, (unsigned) tests[i].busy.d1, tests[i].busy.h1, tests[i].busy.m1),
                        at(2026, 11, (unsigned) tests[i].busy.d2, tests[i].busy.h2, tests[i].busy.m2),
                };
                const struct want want[] = {
                        WEEKLY("weekly_20261123_0",
                               at(2026, 11, (unsigned) tests[i].first_day, tests[i].first_h, tests[i].first_m), FIRST),
                        WEEKLY("weekly_20261123_1", at(2026, 11, (unsigned) tests[i].second_day, 18, 30), SECOND),
                        WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                        WEEKLY("weekly_20261130_1", at(2026, 12, 2, 18, 30), SECOND),
                };
                struct limber_plan p = plan((struct limber_plan_input) {
                        .config = c, .now = now, .busy = &busy, .n_busy = 1 });
                check_new_plan(tests[i].name, &p, c, now, want, ELEMENTSOF(want));
                check_unplaced(tests[i].name, &p, NULL, 0);
                limber_plan_free(&p);
        }

        /* Every evening of this week busy: both of its sessions are reported, with the
         * week they were for; next week is planned as usual. */
        struct limber_interval evenings[7];
        for (unsigned i = 0; i < 7; i++)
                evenings[i] = (struct limber_interval) { at(2026, 11, 23 + i, 18, 0), at(2026, 11, 23 + i, 21, 30) };
        const struct want want[] = {
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 2, 18, 30), SECOND),
        };
        const struct want_unplaced unplaced[] = {
                { LIMBER_SESSION_SMR, LIMBER_RULE_WEEKLY, day(2026, 11, 23),
                  "week of 23 Nov: 2 of 2 SMR sessions found no free evening" },
        };
        struct limber_plan p = plan((struct limber_plan_input) {
                .config = c, .now = now, .busy = evenings, .n_busy = ELEMENTSOF(evenings) });
        check_new_plan("busy every evening", &p, c, now, want, ELEMENTSOF(want));
        check_unplaced("busy every evening", &p, unplaced, ELEMENTSOF(unplaced));
        CHECK_INT(p.week_smr_target, 2);
        limber_plan_free(&p);

        /* Every midday busy: the 5 walks the week needs are reported. */
        c->smr.per_week = 0;
        c->cardio.weekly_minutes = 150;
        struct limber_interval middays[7];
        for (unsigned i = 0; i < 7; i++)
                middays[i] = (struct limber_interval) { at(2026, 11, 23 + i, 11, 0), at(2026, 11, 23 + i, 14, 0) };
        const struct want_unplaced unplaced_walks[] = {
                { LIMBER_SESSION_CARDIO, LIMBER_RULE_CARDIO, day(2026, 11, 23),
                  "week's cardio 0/150 min: 5 of 5 walks found no free midday slot" },
        };
        p = plan((struct limber_plan_input) {
                .config = c, .now = now, .busy = middays, .n_busy = ELEMENTSOF(middays) });
        check_new_plan("busy every midday", &p, c, now, NULL, 0);
        check_unplaced("busy every midday", &p, unplaced_walks, ELEMENTSOF(unplaced_walks));
        limber_plan_free(&p);

        /* A workout with no free evening nor next morning is reported too. */
        c->cardio.weekly_minutes = 0;
        const struct limber_activity run = activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 23, 7, 0), 95, 18400);
        const struct limber_interval away = { at(2026, 11, 23, 18, 0), at(2026, 11, 24, 10, 0) };
        const struct want_unplaced unplaced_run[] = {
                { LIMBER_SESSION_SMR, LIMBER_RULE_WORKOUT, day(2026, 11, 23),
                  "no free slot this evening or next morning after the workout" },
        };
        p = plan((struct limber_plan_input) {
                .config = c, .now = now, .activities = &run, .n_activities = 1, .busy = &away, .n_busy = 1 });
        check_new_plan("workout, busy until next morning", &p, c, now, NULL, 0);
        check_unplaced("workout, busy until next morning", &p, unplaced_run, ELEMENTSOF(unplaced_run));
        limber_plan_free(&p);
}

static void test_dst(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();

        /* Europe/Berlin, Thursday 2026-10-22 10:00 CEST; summer time ends on Sunday 25 Oct.
         * Rule 1: Thursday and Saturday 18:30 CEST (16:30 UTC); Monday 26 Oct is two days
         * after Saturday: Monday and Wednesday 18:30 CET (17:30 UTC); the horizon ends on
         * Wednesday 4 Nov: Monday 2 and Wednesday 4 Nov.
         * Rule 5: 5 walks needed, 4 days left: 12:00 Thursday to Saturday (10:00 UTC),
         * Sunday 12:00 CET (11:00 UTC); one is reported, for the limit of one a day. */
        set_zone("Europe/Berlin");
        usec_t now = utc(2026, 10, 22, 8, 0);
        static const char *why_walk = "week's cardio 0/150 min";
        const struct want berlin[] = {
                WALK("cardio_20261019_0", utc(2026, 10, 22, 10, 0), why_walk),
                WEEKLY("weekly_20261019_0", utc(2026, 10, 22, 16, 30), FIRST),
                WALK("cardio_20261019_1", utc(2026, 10, 23, 10, 0), why_walk),
                WALK("cardio_20261019_2", utc(2026, 10, 24, 10, 0), why_walk),
                WEEKLY("weekly_20261019_1", utc(2026, 10, 24, 16, 30), SECOND),
                WALK("cardio_20261019_3", utc(2026, 10, 25, 11, 0), why_walk),
                WEEKLY("weekly_20261026_0", utc(2026, 10, 26, 17, 30), FIRST),
                WEEKLY("weekly_20261026_1", utc(2026, 10, 28, 17, 30), SECOND),
                WEEKLY("weekly_20261102_0", utc(2026, 11, 2, 17, 30), FIRST),
                WEEKLY("weekly_20261102_1", utc(2026, 11, 4, 17, 30), SECOND),
        };
        const struct want_unplaced berlin_unplaced[] = {
                { LIMBER_SESSION_CARDIO, LIMBER_RULE_CARDIO, day(2026, 10, 19),
                  "week's cardio 0/150 min: 1 of 5 walks do not fit in the 4 days left, at one walk a day" },
        };
        struct limber_plan p = plan((struct limber_plan_input) { .config = c, .now = now });
        check_new_plan("Berlin, end of summer time", &p, c, now, berlin, ELEMENTSOF(berlin));
        check_unplaced("Berlin, end of summer time", &p, berlin_unplaced, ELEMENTSOF(berlin_unplaced));
        limber_plan_free(&p);

        /* A run on Saturday evening until 21:30 CEST: Sunday's morning window opens at
         * 07:00 CET, 06:00 UTC. */
        c->smr.per_week = 0;
        c->cardio.weekly_minutes = 0;
        now = utc(2026, 10, 24, 19, 45);
        const struct limber_activity late_berlin = activity(LIMBER_ACTIVITY_RUN, utc(2026, 10, 24, 18, 0), 90, 15000);
        const struct want berlin_morning[] = {
                WORKOUT("workout_20261024_0", utc(2026, 10, 25, 6, 0), "after-run", "15.0 km run the day before"),
        };
        p = plan((struct limber_plan_input) { .config = c, .now = now, .activities = &late_berlin, .n_activities = 1 });
        check_new_plan("Berlin, the morning after the change", &p, c, now, berlin_morning, ELEMENTSOF(berlin_morning));
        limber_plan_free(&p);

        /* America/New_York, Friday 2026-03-06 10:00 EST; summer time starts on Sunday 8 Mar.
         * Rule 1: Friday 18:30 EST (23:30 UTC), Sunday 18:30 EDT (22:30 UTC). Monday 9 Mar is
         * a day after Sunday: Tuesday and Thursday. The horizon ends on Thursday 19 Mar:
         * Monday 16 (4 days after Thursday 12) and Wednesday 18.
         * Rule 5: 3 days left: Friday and Saturday 12:00 EST (17:00 UTC), Sunday 12:00 EDT
         * (16:00 UTC); 2 of 5 reported. */
        c->smr.per_week = 2;
        c->cardio.weekly_minutes = 150;
        set_zone("America/New_York");
        now = utc(2026, 3, 6, 15, 0);
        const struct want new_york[] = {
                WALK("cardio_20260302_0", utc(2026, 3, 6, 17, 0), why_walk),
                WEEKLY("weekly_20260302_0", utc(2026, 3, 6, 23, 30), FIRST),
                WALK("cardio_20260302_1", utc(2026, 3, 7, 17, 0), why_walk),
                WALK("cardio_20260302_2", utc(2026, 3, 8, 16, 0), why_walk),
                WEEKLY("weekly_20260302_1", utc(2026, 3, 8, 22, 30), SECOND),
                WEEKLY("weekly_20260309_0", utc(2026, 3, 10, 22, 30), FIRST),
                WEEKLY("weekly_20260309_1", utc(2026, 3, 12, 22, 30), SECOND),
                WEEKLY("weekly_20260316_0", utc(2026, 3, 16, 22, 30), FIRST),
                WEEKLY("weekly_20260316_1", utc(2026, 3, 18, 22, 30), SECOND),
        };
        const struct want_unplaced new_york_unplaced[] = {
                { LIMBER_SESSION_CARDIO, LIMBER_RULE_CARDIO, day(2026, 3, 2),
                  "week's cardio 0/150 min: 2 of 5 walks do not fit in the 3 days left, at one walk a day" },
        };
        p = plan((struct limber_plan_input) { .config = c, .now = now });
        check_new_plan("New York, start of summer time", &p, c, now, new_york, ELEMENTSOF(new_york));
        check_unplaced("New York, start of summer time", &p, new_york_unplaced, ELEMENTSOF(new_york_unplaced));
        limber_plan_free(&p);

        /* A run on Saturday evening until 21:30 EST: Sunday 07:00 is EDT, 11:00 UTC. */
        c->smr.per_week = 0;
        c->cardio.weekly_minutes = 0;
        now = utc(2026, 3, 8, 2, 45);
        const struct limber_activity late_ny = activity(LIMBER_ACTIVITY_RUN, utc(2026, 3, 8, 1, 0), 90, 15000);
        const struct want ny_morning[] = {
                WORKOUT("workout_20260307_0", utc(2026, 3, 8, 11, 0), "after-run", "15.0 km run the day before"),
        };
        p = plan((struct limber_plan_input) { .config = c, .now = now, .activities = &late_ny, .n_activities = 1 });
        check_new_plan("New York, the morning after the change", &p, c, now, ny_morning, ELEMENTSOF(ny_morning));
        limber_plan_free(&p);

        set_zone("Europe/Berlin");
}

static void test_week_boundary(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        const usec_t now = at(2026, 11, 29, 22, 30);     /* Sunday, in quiet hours */

        /* Nothing tonight: the evening window is past and quiet hours last until 07:00.
         * This week's two SMR sessions and five walks can no longer be placed, but no
         * window is ahead, so no slot was lost to anything: not reported.
         * Next week (ISO week 49) starts Monday 30 Nov: Monday and Wednesday 18:30, and the
         * week after (horizon to Saturday 12 Dec) Monday 7 and Wednesday 9 Dec. Cardio is
         * planned for the current week only: next week's walks come at midnight. */
        const struct want want[] = {
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 2, 18, 30), SECOND),
                WEEKLY("weekly_20261207_0", at(2026, 12, 7, 18, 30), FIRST),
                WEEKLY("weekly_20261207_1", at(2026, 12, 9, 18, 30), SECOND),
        };
        struct limber_plan p = plan((struct limber_plan_input) { .config = c, .now = now });
        check_new_plan("Sunday night", &p, c, now, want, ELEMENTSOF(want));
        check_unplaced("Sunday night", &p, NULL, 0);
        CHECK_U64(limber_plan_next_wakeup(&p, c, now), at(2026, 11, 30, 0, 0));
        limber_plan_free(&p);

        /* At midnight, Monday 30 Nov is this week: its walks, Monday to Friday. */
        const usec_t midnight = at(2026, 11, 30, 0, 0);
        p = plan((struct limber_plan_input) { .config = c, .now = midnight });
        const struct limber_plan_session *s = find(&p, "cardio_20261130_0");
        CHECK(s && s->session.start == at(2026, 11, 30, 12, 0));
        s = find(&p, "cardio_20261130_4");
        CHECK(s && s->session.start == at(2026, 12, 4, 12, 0));
        check_unplaced("Monday midnight", &p, NULL, 0);
        limber_plan_free(&p);
}

/* The plain week of test_plain_week, planned on Monday at 10:00: the stored state the
 * stability tests start from. */
static struct limber_plan plain_week(const struct limber_config *c) {
        return plan((struct limber_plan_input) { .config = c, .now = MON_10 });
}

struct want_state {
        const char *id;
        enum limber_session_status status;
        usec_t start;
        unsigned sequence;
        bool changed;                   /* then last_modified is the new now, else 10:00 */
        const char *reason;             /* NULL: not checked */
};

static void check_states(const char *name, const struct limber_plan *p, usec_t now,
                         const struct want_state *w, size_t n) {
        unsigned failures = check_failures;

        CHECK_CONTEXT("%s", name);
        CHECK_INT(p->n_sessions, n);
        for (size_t i = 0; i < n; i++) {
                const struct limber_plan_session *s = find(p, w[i].id);
                CHECK_CONTEXT("%s: %s", name, w[i].id);
                if (!CHECK(s))
                        continue;
                CHECK_INT(s->session.status, w[i].status);
                CHECK_U64(s->session.start, w[i].start);
                CHECK_INT(s->session.sequence, w[i].sequence);
                CHECK_INT(s->changed, w[i].changed);
                CHECK_U64(s->session.last_modified, w[i].changed ? now : MON_10);
                if (w[i].reason)
                        CHECK_STR(s->session.reason, w[i].reason);
        }
        CHECK_CONTEXT_CLEAR();
        if (check_failures != failures)
                dump(name, p);
}

#define PLANNED LIMBER_STATUS_PLANNED

static void test_stability(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        struct limber_plan first = plain_week(c);
        _cleanup_(sessions_freep) struct limber_session *s = stored(&first);
        const size_t n = first.n_sessions;

        /* The same inputs an hour later, before anything starts: nothing changes, nothing
         * is to be stored, SEQUENCE and LAST-MODIFIED stay. */
        usec_t now = at(2026, 11, 23, 11, 0);
        struct limber_plan p = plan((struct limber_plan_input) {
                .config = c, .now = now, .sessions = s, .n_sessions = n });
        CHECK_INT(p.n_sessions, n);
        for (size_t i = 0; i < p.n_sessions && i < n; i++) {
                const struct limber_session *x = &p.sessions[i].session;
                CHECK_CONTEXT("an hour later: %s", x->id);
                CHECK(!p.sessions[i].changed);
                CHECK_STR(x->id, s[i].id);
                CHECK_U64(x->start, s[i].start);
                CHECK_INT(x->status, LIMBER_STATUS_PLANNED);
                CHECK_INT(x->sequence, 0);
                CHECK_U64(x->last_modified, MON_10);
                CHECK_STR(x->reason, s[i].reason);
        }
        CHECK_CONTEXT_CLEAR();
        limber_plan_free(&p);

        /* A busy time on Wednesday 18:00-19:00 moves Wednesday's session to 19:00: it alone
         * changes, SEQUENCE 1, LAST-MODIFIED now. */
        const struct limber_interval busy = { at(2026, 11, 25, 18, 0), at(2026, 11, 25, 19, 0) };
        const struct want_state moved[] = {
                { "cardio_20261123_0", PLANNED, at(2026, 11, 23, 12, 0), 0, false, NULL },
                { "weekly_20261123_0", PLANNED, at(2026, 11, 23, 18, 30), 0, false, NULL },
                { "cardio_20261123_1", PLANNED, at(2026, 11, 24, 12, 0), 0, false, NULL },
                { "cardio_20261123_2", PLANNED, at(2026, 11, 25, 12, 0), 0, false, NULL },
                { "weekly_20261123_1", PLANNED, at(2026, 11, 25, 19, 0), 1, true, SECOND },
                { "cardio_20261123_3", PLANNED, at(2026, 11, 26, 12, 0), 0, false, NULL },
                { "cardio_20261123_4", PLANNED, at(2026, 11, 27, 12, 0), 0, false, NULL },
                { "weekly_20261130_0", PLANNED, at(2026, 11, 30, 18, 30), 0, false, NULL },
                { "weekly_20261130_1", PLANNED, at(2026, 12, 2, 18, 30), 0, false, NULL },
        };
        p = plan((struct limber_plan_input) {
                .config = c, .now = now, .sessions = s, .n_sessions = n, .busy = &busy, .n_busy = 1 });
        check_states("busy on Wednesday", &p, now, moved, ELEMENTSOF(moved));

        /* The busy time gone again, half an hour later: back to 18:30, SEQUENCE 2. */
        _cleanup_(sessions_freep) struct limber_session *s2 = stored(&p);
        const size_t n2 = p.n_sessions;
        limber_plan_free(&p);
        const usec_t later = at(2026, 11, 23, 11, 30);
        p = plan((struct limber_plan_input) { .config = c, .now = later, .sessions = s2, .n_sessions = n2 });
        const struct limber_plan_session *x = find(&p, "weekly_20261123_1");
        CHECK(x && x->changed && x->session.start == at(2026, 11, 25, 18, 30) && x->session.sequence == 2 &&
              x->session.last_modified == later);
        x = find(&p, "weekly_20261123_0");
        CHECK(x && !x->changed && x->session.sequence == 0 && x->session.last_modified == MON_10);
        limber_plan_free(&p);

        /* A run logged at 11:00 (08:00-09:35): its session takes this evening and counts
         * for the week, so one weekly session is left. Planned sessions keep their day
         * while it works: Monday's (slot 0) is now too close to the workout's and is
         * cancelled where it was; Wednesday's (slot 1) stays as it was, still the 2nd of
         * the week: unchanged. 95 min done: 2 walks; the first two keep their times but say 95/150
         * (LAST-MODIFIED now, SEQUENCE 0), the other three are cancelled. */
        const struct limber_activity run = activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 23, 8, 0), 95, 18400);
        const struct want_state workout[] = {
                { "cardio_20261123_0", PLANNED, at(2026, 11, 23, 12, 0), 0, true, "week's cardio 95/150 min" },
                { "workout_20261123_0", PLANNED, at(2026, 11, 23, 18, 30), 0, true, "18.4 km run today" },
                { "cardio_20261123_1", PLANNED, at(2026, 11, 24, 12, 0), 0, true, "week's cardio 95/150 min" },
                { "cardio_20261123_2", LIMBER_STATUS_CANCELLED, at(2026, 11, 25, 12, 0), 0, true, NULL },
                { "weekly_20261123_0", LIMBER_STATUS_CANCELLED, at(2026, 11, 23, 18, 30), 0, true, NULL },
                { "weekly_20261123_1", PLANNED, at(2026, 11, 25, 18, 30), 0, false, SECOND },
                { "cardio_20261123_3", LIMBER_STATUS_CANCELLED, at(2026, 11, 26, 12, 0), 0, true, NULL },
                { "cardio_20261123_4", LIMBER_STATUS_CANCELLED, at(2026, 11, 27, 12, 0), 0, true, NULL },
                { "weekly_20261130_0", PLANNED, at(2026, 11, 30, 18, 30), 0, false, NULL },
                { "weekly_20261130_1", PLANNED, at(2026, 12, 2, 18, 30), 0, false, NULL },
        };
        p = plan((struct limber_plan_input) {
                .config = c, .now = now, .activities = &run, .n_activities = 1, .sessions = s, .n_sessions = n });
        check_states("a run logged", &p, now, workout, ELEMENTSOF(workout));
        limber_plan_free(&p);

        /* Monday 12:10, the first walk under way: it stays, and its 30 min count as
         * planned, so 120 min are left: the walks Tuesday to Friday, and no fifth. */
        now = at(2026, 11, 23, 12, 10);
        p = plan((struct limber_plan_input) { .config = c, .now = now, .sessions = s, .n_sessions = n });
        CHECK_INT(p.n_sessions, n);
        for (size_t i = 0; i < p.n_sessions; i++) {
                CHECK_CONTEXT("walk under way: %s", p.sessions[i].session.id);
                CHECK(!p.sessions[i].changed);
        }
        CHECK_CONTEXT_CLEAR();
        limber_plan_free(&p);

        /* Monday 19:44: this evening's session (18:30-18:45) is within its hour of grace:
         * kept as it is. Today's walk (12:00-12:30) is past its grace: missed. */
        now = at(2026, 11, 23, 19, 44);
        p = plan((struct limber_plan_input) { .config = c, .now = now, .sessions = s, .n_sessions = n });
        x = find(&p, "weekly_20261123_0");
        CHECK(x && !x->changed && x->session.status == LIMBER_STATUS_PLANNED);
        x = find(&p, "weekly_20261123_1");
        CHECK(x && !x->changed && x->session.start == at(2026, 11, 25, 18, 30));
        x = find(&p, "cardio_20261123_0");
        CHECK(x && x->changed && x->session.status == LIMBER_STATUS_MISSED && x->session.last_modified == now);
        limber_plan_free(&p);

        /* 19:45, its end + grace: missed. */
        now = at(2026, 11, 23, 19, 45);
        p = plan((struct limber_plan_input) { .config = c, .now = now, .sessions = s, .n_sessions = n });
        x = find(&p, "weekly_20261123_0");
        CHECK(x && x->changed && x->session.status == LIMBER_STATUS_MISSED && x->session.last_modified == now);
        limber_plan_free(&p);

        /* Tuesday 10:00, no outcome given: Monday's session and walk are missed. Rule 1
         * re-plans: no session counts this week. Wednesday's (slot 1) keeps its day, now
         * the 1st of the week (its reason changed, its time did not: SEQUENCE 0); the
         * replacement goes on the earliest evening 2 days from it, Friday, in the lowest
         * free slot, 2 (slot 0 is the missed one), and says whose place it takes. The
         * horizon now reaches Monday 7 Dec. Rule 5: still 0 done: 5 walks from today,
         * Tuesday to Friday as before and, standing in for Monday's, one on Saturday. */
        now = at(2026, 11, 24, 10, 0);
        const struct want_state missed[] = {
                { "cardio_20261123_0", LIMBER_STATUS_MISSED, at(2026, 11, 23, 12, 0), 0, true, NULL },
                { "weekly_20261123_0", LIMBER_STATUS_MISSED, at(2026, 11, 23, 18, 30), 0, true, NULL },
                { "cardio_20261123_1", PLANNED, at(2026, 11, 24, 12, 0), 0, false, NULL },
                { "weekly_20261123_1", PLANNED, at(2026, 11, 25, 18, 30), 0, true, FIRST },
                { "cardio_20261123_2", PLANNED, at(2026, 11, 25, 12, 0), 0, false, NULL },
                { "cardio_20261123_3", PLANNED, at(2026, 11, 26, 12, 0), 0, false, NULL },
                { "weekly_20261123_2", PLANNED, at(2026, 11, 27, 18, 30), 0, true,
                  "in place of the SMR session missed on 23 Nov" },
                { "cardio_20261123_4", PLANNED, at(2026, 11, 27, 12, 0), 0, false, NULL },
                { "cardio_20261123_5", PLANNED, at(2026, 11, 28, 12, 0), 0, true, "in place of the walk missed on 23 Nov" },
                { "weekly_20261130_0", PLANNED, at(2026, 11, 30, 18, 30), 0, false, NULL },
                { "weekly_20261130_1", PLANNED, at(2026, 12, 2, 18, 30), 0, false, NULL },
                { "weekly_20261207_0", PLANNED, at(2026, 12, 7, 18, 30), 0, true, FIRST },
        };
        p = plan((struct limber_plan_input) { .config = c, .now = now, .sessions = s, .n_sessions = n });
        check_states("missed", &p, now, missed, ELEMENTSOF(missed));
        CHECK_INT(p.week_smr_done, 0);
        limber_plan_free(&p);

        /* The same with Monday's session completed: it stays, counts, and Wednesday's is
         * found again unchanged. */
        for (size_t i = 0; i < n; i++)
                if (strcmp(s[i].id, "weekly_20261123_0") == 0)
                        s[i].status = LIMBER_STATUS_COMPLETED;
        p = plan((struct limber_plan_input) { .config = c, .now = now, .sessions = s, .n_sessions = n });
        x = find(&p, "weekly_20261123_0");
        CHECK(x && !x->changed && x->session.status == LIMBER_STATUS_COMPLETED);
        x = find(&p, "weekly_20261123_1");
        CHECK(x && !x->changed && x->session.start == at(2026, 11, 25, 18, 30) && x->session.sequence == 0);
        CHECK(!find(&p, "weekly_20261123_2"));
        CHECK_INT(p.week_smr_done, 1);
        limber_plan_free(&p);

        /* Monday's session and walk skipped, seen at 11:00: they stay as the user's
         * answer. They do not count, so replacements are planned, but not where the user
         * just declined: a skipped session keeps its day for the one-a-day and gap checks.
         * Rule 1: slot 0 is taken, so slot 1: Monday and Tuesday are within a day of the
         * skipped one, Wednesday 18:30 (where it was; now the 1st); slot 2 on Friday
         * (Thursday is a day after Wednesday), in the skipped one's place, and so is the
         * new walk. Next week's stay (Monday 30 is 3 days after
         * Friday). Rule 5: still 0 of 150, 5 walks, not today: Tuesday to Saturday, the
         * first four as before, slots 1 to 4, and slot 5 on Saturday. */
        for (size_t i = 0; i < n; i++)
                if (strcmp(s[i].id, "weekly_20261123_0") == 0 || strcmp(s[i].id, "cardio_20261123_0") == 0)
                        s[i].status = LIMBER_STATUS_SKIPPED;
        now = at(2026, 11, 23, 11, 0);
        const struct want_state skipped[] = {
                { "cardio_20261123_0", LIMBER_STATUS_SKIPPED, at(2026, 11, 23, 12, 0), 0, false, NULL },
                { "weekly_20261123_0", LIMBER_STATUS_SKIPPED, at(2026, 11, 23, 18, 30), 0, false, NULL },
                { "cardio_20261123_1", PLANNED, at(2026, 11, 24, 12, 0), 0, false, NULL },
                { "cardio_20261123_2", PLANNED, at(2026, 11, 25, 12, 0), 0, false, NULL },
                { "weekly_20261123_1", PLANNED, at(2026, 11, 25, 18, 30), 0, true, FIRST },
                { "cardio_20261123_3", PLANNED, at(2026, 11, 26, 12, 0), 0, false, NULL },
                { "cardio_20261123_4", PLANNED, at(2026, 11, 27, 12, 0), 0, false, NULL },
                { "weekly_20261123_2", PLANNED, at(2026, 11, 27, 18, 30), 0, true,
                  "in place of the SMR session skipped on 23 Nov" },
                { "cardio_20261123_5", PLANNED, at(2026, 11, 28, 12, 0), 0, true, "in place of the walk skipped on 23 Nov" },
                { "weekly_20261130_0", PLANNED, at(2026, 11, 30, 18, 30), 0, false, NULL },
                { "weekly_20261130_1", PLANNED, at(2026, 12, 2, 18, 30), 0, false, NULL },
        };
        p = plan((struct limber_plan_input) { .config = c, .now = now, .sessions = s, .n_sessions = n });
        check_states("skipped", &p, now, skipped, ELEMENTSOF(skipped));
        limber_plan_free(&p);

        /* Monday's session snoozed to 20:00, seen at 19:00: it stays, holds its time and
         * counts; Wednesday's is found again unchanged. */
        now = at(2026, 11, 23, 19, 0);
        for (size_t i = 0; i < n; i++)
                if (strcmp(s[i].id, "weekly_20261123_0") == 0) {
                        s[i].status = LIMBER_STATUS_SNOOZED;
                        s[i].start = at(2026, 11, 23, 20, 0);
                        s[i].end = s[i].start + 15 * MIN;
                }
        p = plan((struct limber_plan_input) { .config = c, .now = now, .sessions = s, .n_sessions = n });
        x = find(&p, "weekly_20261123_0");
        CHECK(x && !x->changed && x->session.status == LIMBER_STATUS_SNOOZED);
        x = find(&p, "weekly_20261123_1");
        CHECK(x && !x->changed && x->session.start == at(2026, 11, 25, 18, 30));
        CHECK(!find(&p, "weekly_20261123_2"));
        limber_plan_free(&p);

        limber_plan_free(&first);
}

/* ---- weeks as people live them ---- */

/* A Sunday long run with no room that evening: the spike takes the first free evening
 * after the week, and keeps it when the week has turned; with no free evening in the
 * whole plan it is reported, never dropped. */
static void test_spike_sunday_busy(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        c->smr.per_week = 0;
        c->cardio.weekly_minutes = 0;

        /* Sunday 29 Nov, 10:00: a run at 07:00, 18.4 km against 15 km on 8 Nov (up 23%).
         * The evening is busy 18:00-21:30. Rule 2: no evening slot, so Monday morning
         * 07:00 ("the day before"). Rule 3: no later evening in the week, Sunday's is
         * busy; after the week Monday holds the after-run session: Tuesday 1 Dec 18:30. */
        const usec_t sun = at(2026, 11, 29, 10, 0);
        struct limber_activity acts[] = {
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 8, 9, 0), 80, 15000),
                activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 29, 7, 0), 95, 18400),
        };
        snprintf(acts[0].id, sizeof acts[0].id, "run-8-nov");
        snprintf(acts[1].id, sizeof acts[1].id, "run-29-nov");
        const struct limber_interval busy = { at(2026, 11, 29, 18, 0), at(2026, 11, 29, 21, 30) };
        const struct want want[] = {
                WORKOUT("workout_20261129_0", at(2026, 11, 30, 7, 0), "after-run", "18.4 km run the day before"),
                SPIKE("spike_20261123_0", at(2026, 12, 1, 18, 30), "longest run in 30 days: 18.4 km, up 23%"),
        };
        struct limber_plan p = plan((struct limber_plan_input) {
                .config = c, .now = sun, .activities = acts, .n_activities = ELEMENTSOF(acts),
                .busy = &busy, .n_busy = 1 });
        check_new_plan("spike on a busy Sunday", &p, c, sun, want, ELEMENTSOF(want));
        check_unplaced("spike on a busy Sunday", &p, NULL, 0);
        CHECK_INT(p.week_smr_target, 1);

        /* Monday 10:00, the after-run session done: the spike of last week keeps its
         * Tuesday, unchanged; this week has no spike of its own. */
        _cleanup_(sessions_freep) struct limber_session *s = stored(&p);
        const size_t n = p.n_sessions;
        limber_plan_free(&p);
        for (size_t i = 0; i < n; i++)
                if (strcmp(s[i].id, "workout_20261129_0") == 0)
                        s[i].status = LIMBER_STATUS_COMPLETED;
        const usec_t mon = at(2026, 11, 30, 10, 0);
        p = plan((struct limber_plan_input) {
                .config = c, .now = mon, .activities = acts, .n_activities = ELEMENTSOF(acts),
                .sessions = s, .n_sessions = n });
        CHECK_INT(p.n_sessions, 2);
        const struct limber_plan_session *x = find(&p, "spike_20261123_0");
        CHECK(x && !x->changed && x->session.status == LIMBER_STATUS_PLANNED &&
              x->session.start == at(2026, 12, 1, 18, 30) && x->session.last_modified == sun);
        CHECK_INT(p.week_smr_target, 0);
        check_unplaced("last week's spike on Monday", &p, NULL, 0);
        limber_plan_free(&p);

        /* Every evening of the 14 days busy 18:00-21:30: the spike has nowhere to go, and
         * says so; the after-run session still has Monday morning. */
        struct limber_interval evenings[14];
        for (int i = 0; i < 14; i++)
                evenings[i] = (struct limber_interval) { at(2026, 11, (unsigned) (29 + i), 18, 0),
                                                          at(2026, 11, (unsigned) (29 + i), 21, 30) };
        const struct want_unplaced unplaced[] = {
                { LIMBER_SESSION_SMR, LIMBER_RULE_SPIKE, day(2026, 11, 23),
                  "load spike (longest run in 30 days: 18.4 km, up 23%): no free evening in the plan's 14 days" },
        };
        p = plan((struct limber_plan_input) {
                .config = c, .now = sun, .activities = acts, .n_activities = ELEMENTSOF(acts),
                .busy = evenings, .n_busy = ELEMENTSOF(evenings) });
        check_new_plan("spike with every evening busy", &p, c, sun, want, 1);
        check_unplaced("spike with every evening busy", &p, unplaced, ELEMENTSOF(unplaced));
        CHECK_INT(p.week_smr_target, 1);
        limber_plan_free(&p);
}

/* A trip from Berlin to Tokyo: a done after-run session is not asked for again when
 * the run falls on another local day there, and next week's sessions stay on their
 * local evenings, now in the new zone. */
static void test_zone_change(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        c->cardio.weekly_minutes = 0;

        /* Berlin, Sunday 29 Nov 18:05: a 10 km run 17:00-18:00 (Monday 01:00-02:00 in
         * Tokyo). Rule 2: 18:30 tonight. Rule 1: this week has no evening 2 days from it;
         * next week Tuesday 1 and Thursday 3 Dec (Monday is a day after Sunday), the week
         * after Monday 7 and Wednesday 9; the horizon ends on Saturday 12 Dec. */
        set_zone("Europe/Berlin");
        const usec_t before = at(2026, 11, 29, 18, 5);
        struct limber_activity run = activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 29, 17, 0), 60, 10000);
        snprintf(run.id, sizeof run.id, "0123456789abcdef0123456789abcdef");
        struct limber_plan p = plan((struct limber_plan_input) {
                .config = c, .now = before, .activities = &run, .n_activities = 1 });
        const struct want berlin[] = {
                WORKOUT("workout_20261129_0", at(2026, 11, 29, 18, 30), "after-run", "10.0 km run today"),
                WEEKLY("weekly_20261130_0", at(2026, 12, 1, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 3, 18, 30), SECOND),
                WEEKLY("weekly_20261207_0", at(2026, 12, 7, 18, 30), FIRST),
                WEEKLY("weekly_20261207_1", at(2026, 12, 9, 18, 30), SECOND),
        };
        check_new_plan("before the trip", &p, c, before, berlin, ELEMENTSOF(berlin));
        _cleanup_(sessions_freep) struct limber_session *s = stored(&p);
        const size_t n = p.n_sessions;
        limber_plan_free(&p);
        s[0].status = LIMBER_STATUS_COMPLETED;

        /* Tokyo, Monday 30 Nov 10:00 (UTC+9): the run is on Monday now, today, but its
         * session is done: none is added. Each weekly session keeps its local day and
         * window, 18:30 in Tokyo (09:30 UTC): moved, so SEQUENCE 1 and LAST-MODIFIED now;
         * the ids stay. The week of 14 Dec is outside the horizon (30 Nov to 13 Dec). */
        set_zone("Asia/Tokyo");
        const usec_t now = utc(2026, 11, 30, 1, 0);
        p = plan((struct limber_plan_input) {
                .config = c, .now = now, .activities = &run, .n_activities = 1, .sessions = s, .n_sessions = n });
        static const struct {
                const char *id;
                usec_t start;
        } tokyo[] = {
                { "workout_20261129_0", 0 },
                { "weekly_20261130_0", 0 },
                { "weekly_20261130_1", 0 },
                { "weekly_20261207_0", 0 },
                { "weekly_20261207_1", 0 },
        };
        const usec_t starts[] = { utc(2026, 11, 29, 17, 30), utc(2026, 12, 1, 9, 30), utc(2026, 12, 3, 9, 30),
                                  utc(2026, 12, 7, 9, 30), utc(2026, 12, 9, 9, 30) };
        CHECK_INT(p.n_sessions, ELEMENTSOF(tokyo));
        for (size_t i = 0; i < ELEMENTSOF(tokyo); i++) {
                const struct limber_plan_session *x = find(&p, tokyo[i].id);
                CHECK_CONTEXT("in Tokyo: %s", tokyo[i].id);
                if (!CHECK(x))
                        continue;
                CHECK_U64(x->session.start, starts[i]);
                CHECK_INT(x->session.status, i == 0 ? LIMBER_STATUS_COMPLETED : LIMBER_STATUS_PLANNED);
                CHECK_INT(x->session.sequence, i == 0 ? 0 : 1);
                CHECK_U64(x->session.last_modified, i == 0 ? before : now);
        }
        CHECK_CONTEXT_CLEAR();
        limber_plan_free(&p);
        set_zone("Europe/Berlin");
}

/* A user who answers nothing for a week: planning every 15 minutes from Monday 10:00
 * to Sunday midnight, each plan stored and read back as limberd does. Each session
 * that passes unanswered is replaced once, on another day; a stand-in is not replaced;
 * then Unplaced says the week is not asked for again. */
static void test_ignored_week(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        struct limber_session *s = NULL;
        size_t n = 0;
        unsigned most_smr = 0;
        bool two_a_day = false;
        struct limber_plan p = { 0 };

        for (usec_t now = MON_10; now < at(2026, 11, 30, 0, 0); now += 15 * MIN) {
                limber_plan_free(&p);
                p = plan((struct limber_plan_input) { .config = c, .now = now, .sessions = s, .n_sessions = n });
                free(s);
                s = stored(&p);
                n = p.n_sessions;

                unsigned smr = 0;
                for (size_t i = 0; i < n; i++) {
                        if (s[i].kind != LIMBER_SESSION_SMR || s[i].status == LIMBER_STATUS_CANCELLED ||
                            limber_local_day(s[i].start) > day(2026, 11, 29))
                                continue;
                        smr++;
                        for (size_t j = 0; j < i; j++)
                                two_a_day = two_a_day || (s[j].kind == s[i].kind && s[j].status != LIMBER_STATUS_CANCELLED &&
                                                          limber_local_day(s[j].start) == limber_local_day(s[i].start));
                }
                if (smr > most_smr)
                        most_smr = smr;

                if (now == at(2026, 11, 28, 10, 0)) {
                        /* Saturday: Friday's stand-in passed, and each of Monday's and
                         * Wednesday's sessions has had its one: Sunday's stand-in is all
                         * that is left, and the week says so. Walks: 150 min short, 5 walks;
                         * Saturday and Sunday each hold a stand-in, Wednesday's to Friday's
                         * are owed one but find no day. */
                        const struct want_unplaced saturday[] = {
                                { LIMBER_SESSION_SMR, LIMBER_RULE_WEEKLY, day(2026, 11, 23),
                                  "week of 23 Nov: 1 of 2 SMR sessions not asked again: "
                                  "one that did not happen is replaced only once" },
                                { LIMBER_SESSION_CARDIO, LIMBER_RULE_CARDIO, day(2026, 11, 23),
                                  "week's cardio 0/150 min: 3 of 5 walks do not fit in the 2 days left, "
                                  "at one walk a day" },
                        };
                        check_unplaced("ignored week, Saturday", &p, saturday, ELEMENTSOF(saturday));
                }
        }

        /* Rule 1 asked for Monday and Wednesday 18:30; Monday's stand-in went to Friday
         * (the first evening 2 days from Wednesday), Wednesday's to Sunday (2 days from
         * Friday): four asks for a target of two, and never two on one evening. Rule 5:
         * five walks Monday to Friday; Monday's stand-in on Saturday, Tuesday's on
         * Sunday, and no day left for the rest. */
        static const struct {
                const char *id;
                unsigned d, h, m;
                const char *replaces;
        } want[] = {
                { "cardio_20261123_0", 23, 12, 0, "" },
                { "weekly_20261123_0", 23, 18, 30, "" },
                { "cardio_20261123_1", 24, 12, 0, "" },
                { "cardio_20261123_2", 25, 12, 0, "" },
                { "weekly_20261123_1", 25, 18, 30, "" },
                { "cardio_20261123_3", 26, 12, 0, "" },
                { "cardio_20261123_4", 27, 12, 0, "" },
                { "weekly_20261123_2", 27, 18, 30, "weekly_20261123_0" },
                { "cardio_20261123_5", 28, 12, 0, "cardio_20261123_0" },
                { "cardio_20261123_6", 29, 12, 0, "cardio_20261123_1" },
                { "weekly_20261123_3", 29, 18, 30, "weekly_20261123_1" },
        };
        size_t in_week = 0;
        for (size_t i = 0; i < n; i++)
                if (s[i].status != LIMBER_STATUS_CANCELLED && limber_local_day(s[i].start) <= day(2026, 11, 29))
                        in_week++;
        CHECK_INT(in_week, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                const struct limber_plan_session *x = find(&p, want[i].id);
                CHECK_CONTEXT("ignored week: %s", want[i].id);
                if (!CHECK(x))
                        continue;
                CHECK_INT(x->session.status, LIMBER_STATUS_MISSED);
                CHECK_U64(x->session.start, at(2026, 11, want[i].d, want[i].h, want[i].m));
                CHECK_STR(x->session.replaces, want[i].replaces);
        }
        CHECK_CONTEXT_CLEAR();
        CHECK_INT(most_smr, 4);
        CHECK(!two_a_day);
        free(s);
        limber_plan_free(&p);
}

/* Each reason names the limit that kept a session out. */
static void test_reasons(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        c->smr.per_week = 0;

        /* Saturday 28 Nov 10:00, nothing done, an empty calendar: 5 walks needed, one a
         * day on Saturday and Sunday; the other 3 are kept out by that limit. */
        const usec_t sat = at(2026, 11, 28, 10, 0);
        const struct want walks[] = {
                WALK("cardio_20261123_0", at(2026, 11, 28, 12, 0), "week's cardio 0/150 min"),
                WALK("cardio_20261123_1", at(2026, 11, 29, 12, 0), "week's cardio 0/150 min"),
        };
        const struct want_unplaced limit[] = {
                { LIMBER_SESSION_CARDIO, LIMBER_RULE_CARDIO, day(2026, 11, 23),
                  "week's cardio 0/150 min: 3 of 5 walks do not fit in the 2 days left, at one walk a day" },
        };
        struct limber_plan p = plan((struct limber_plan_input) { .config = c, .now = sat });
        check_new_plan("walks on Saturday", &p, c, sat, walks, ELEMENTSOF(walks));
        check_unplaced("walks on Saturday", &p, limit, ELEMENTSOF(limit));
        limber_plan_free(&p);

        /* Sunday's midday busy as well: both limits applied. */
        const struct limber_interval busy = { at(2026, 11, 29, 11, 0), at(2026, 11, 29, 14, 0) };
        const struct want_unplaced both[] = {
                { LIMBER_SESSION_CARDIO, LIMBER_RULE_CARDIO, day(2026, 11, 23),
                  "week's cardio 0/150 min: 4 of 5 walks found no free midday slot in the 2 days left, "
                  "at one walk a day" },
        };
        p = plan((struct limber_plan_input) { .config = c, .now = sat, .busy = &busy, .n_busy = 1 });
        check_new_plan("walks on Saturday, Sunday busy", &p, c, sat, walks, 1);
        check_unplaced("walks on Saturday, Sunday busy", &p, both, ELEMENTSOF(both));
        limber_plan_free(&p);

        /* min_gap = 0 still keeps one SMR session an evening: on Saturday, 3 a week
         * find Saturday and Sunday, and the third is kept out by that, not by a busy
         * evening. */
        c->smr.per_week = 3;
        c->smr.min_gap = 0;
        c->cardio.weekly_minutes = 0;
        const struct want smr[] = {
                WEEKLY("weekly_20261123_0", at(2026, 11, 28, 18, 30), FIRST),
                WEEKLY("weekly_20261123_1", at(2026, 11, 29, 18, 30), SECOND),
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 1, 18, 30), SECOND),
                WEEKLY("weekly_20261130_2", at(2026, 12, 2, 18, 30), "3rd SMR session of the week"),
                WEEKLY("weekly_20261207_0", at(2026, 12, 7, 18, 30), FIRST),
                WEEKLY("weekly_20261207_1", at(2026, 12, 8, 18, 30), SECOND),
                WEEKLY("weekly_20261207_2", at(2026, 12, 9, 18, 30), "3rd SMR session of the week"),
        };
        const struct want_unplaced gap[] = {
                { LIMBER_SESSION_SMR, LIMBER_RULE_WEEKLY, day(2026, 11, 23),
                  "week of 23 Nov: 1 of 3 SMR sessions found no evening without another" },
        };
        p = plan((struct limber_plan_input) { .config = c, .now = sat });
        check_new_plan("3 a week from Saturday", &p, c, sat, smr, ELEMENTSOF(smr));
        check_unplaced("3 a week from Saturday", &p, gap, ELEMENTSOF(gap));
        limber_plan_free(&p);
}

/* Windows and quiet hours of a weekday of their own ([smr] window.sat, quiet_hours.fri).
 * Friday 27 Nov 10:00; 3 SMR sessions a week, min_gap 1d (another evening each); 60 min
 * of cardio, none done, pace 0. */
static void test_weekday_windows(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        const usec_t now = at(2026, 11, 27, 10, 0);
        enum { MON, TUE, WED, THU, FRI, SAT, SUN };

        c->smr.per_week = 3;
        c->smr.min_gap = USEC_PER_DAY;
        c->cardio.weekly_minutes = 60;
        c->smr.window_on[FRI] = (struct limber_day_window) { true, { 22 * 60, 24 * 60 } };
        c->smr.window_on[SAT] = (struct limber_day_window) { true, { 10 * 60, 12 * 60 } };
        c->smr.window_on[SUN] = (struct limber_day_window) { true, { 10 * 60, 12 * 60 } };
        c->cardio.window_on[SAT] = (struct limber_day_window) { true, { 9 * 60, 11 * 60 } };
        c->cardio.window_on[SUN] = (struct limber_day_window) { true, { 15 * 60, 16 * 60 } };
        c->schedule.quiet_hours_on[FRI] = (struct limber_day_window) { true, { 23 * 60 + 30, 10 * 60 + 30 } };

        /* Rule 1, this week (Friday to Sunday):
         * - Friday's window is 22:00-24:00, and Friday's quiet hours start at 23:30, not
         *   the plain key's 22:00: Friday 22:00.
         * - Saturday's window is 10:00-12:00, but Friday's quiet hours run on into
         *   Saturday until 10:30: Saturday 10:30.
         * - Sunday's window is 10:00-12:00; Saturday's quiet hours are the plain
         *   22:00-07:00, over by then: Sunday 10:00.
         * Next week and the one after, up to the horizon's last day, Thursday 10 Dec:
         * the plain evening window on Monday, Tuesday and Wednesday.
         * Rule 5: 60 min short, 2 walks over the 3 days left. Friday: the plain
         * 12:00-13:30, 12:00. Saturday: 09:00-11:00, quiet until 10:30, the SMR session
         * 10:30-10:45, and 10:45 + 30 min ends after 11:00: no room. Sunday: 15:00-16:00,
         * 15:00. */
        static const char *why_walk = "week's cardio 0/60 min";
        static const char *third = "3rd SMR session of the week";
        const struct want want[] = {
                WALK("cardio_20261123_0", at(2026, 11, 27, 12, 0), why_walk),
                WEEKLY("weekly_20261123_0", at(2026, 11, 27, 22, 0), FIRST),
                WEEKLY("weekly_20261123_1", at(2026, 11, 28, 10, 30), SECOND),
                WEEKLY("weekly_20261123_2", at(2026, 11, 29, 10, 0), third),
                WALK("cardio_20261123_1", at(2026, 11, 29, 15, 0), why_walk),
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 1, 18, 30), SECOND),
                WEEKLY("weekly_20261130_2", at(2026, 12, 2, 18, 30), third),
                WEEKLY("weekly_20261207_0", at(2026, 12, 7, 18, 30), FIRST),
                WEEKLY("weekly_20261207_1", at(2026, 12, 8, 18, 30), SECOND),
                WEEKLY("weekly_20261207_2", at(2026, 12, 9, 18, 30), third),
        };
        struct limber_plan p = plan((struct limber_plan_input) { .config = c, .now = now });
        check_new_plan("weekday windows", &p, c, now, want, ELEMENTSOF(want));
        check_unplaced("weekday windows", &p, NULL, 0);
        limber_plan_free(&p);

        /* Rule 2 after a long run late on Sunday: the evening window of Sunday is its
         * own, 10:00-12:00, long past at 21:00, so the session goes the next morning,
         * 07:00-09:00. Sunday's quiet hours of its own, 21:00-08:00, keep Monday free
         * until 08:00: Monday 08:00. */
        c->smr.per_week = 0;
        c->cardio.weekly_minutes = 0;
        c->schedule.quiet_hours_on[SUN] = (struct limber_day_window) { true, { 21 * 60, 8 * 60 } };
        const usec_t sunday = at(2026, 11, 29, 21, 0);
        const struct limber_activity run = activity(LIMBER_ACTIVITY_RUN, at(2026, 11, 29, 19, 0), 90, 15000);
        const struct want morning[] = {
                WORKOUT("workout_20261129_0", at(2026, 11, 30, 8, 0), "after-run", "15.0 km run the day before"),
        };
        p = plan((struct limber_plan_input) { .config = c, .now = sunday, .activities = &run, .n_activities = 1 });
        check_new_plan("a Sunday run, Sunday's quiet hours", &p, c, sunday, morning, ELEMENTSOF(morning));
        check_unplaced("a Sunday run, Sunday's quiet hours", &p, NULL, 0);
        limber_plan_free(&p);
}

/* The first week asks for its share of the days from limber's first run to Sunday, and
 * for no more than the windows ahead of that run can hold (planner.c, the top). */
static void test_first_week(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        const usec_t thu = at(2026, 11, 26, 10, 0);
        static const char *why_86 = "week's cardio 0/86 min";

        /* First run on Thursday 26 Nov, 10:00: Thursday to Sunday, 4 of 7 days.
         * Rule 1: 2 x 4/7 = 1.14, 1 session; the earliest evening, Thursday 18:30. Next
         * week asks in full: Monday 30 Nov and Wednesday 2 Dec, then Monday 7 and
         * Wednesday 9 Dec, the horizon's last day.
         * Rule 5: 150 x 4/7 = 85.7, 86 min; the 4 middays ahead hold 4 x 30 = 120 of
         * them. None done, pace 0: 86 / 30 = 2.9, 3 walks, Thursday to Saturday 12:00. */
        const struct want thursday[] = {
                WALK("cardio_20261123_0", at(2026, 11, 26, 12, 0), why_86),
                WEEKLY("weekly_20261123_0", at(2026, 11, 26, 18, 30), FIRST),
                WALK("cardio_20261123_1", at(2026, 11, 27, 12, 0), why_86),
                WALK("cardio_20261123_2", at(2026, 11, 28, 12, 0), why_86),
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 2, 18, 30), SECOND),
                WEEKLY("weekly_20261207_0", at(2026, 12, 7, 18, 30), FIRST),
                WEEKLY("weekly_20261207_1", at(2026, 12, 9, 18, 30), SECOND),
        };
        struct limber_plan p = plan((struct limber_plan_input) { .config = c, .now = thu, .first_run = thu });
        check_new_plan("first run on Thursday", &p, c, thu, thursday, ELEMENTSOF(thursday));
        check_unplaced("first run on Thursday", &p, NULL, 0);
        CHECK_INT(p.week_smr_target, 1);
        CHECK_INT(p.week_cardio_target, 86);
        limber_plan_free(&p);

        /* The same Thursday with limber running since before the week: the week asks in
         * full, and 5 walks do not fit in 4 days. */
        const struct want_unplaced full[] = {
                { LIMBER_SESSION_CARDIO, LIMBER_RULE_CARDIO, day(2026, 11, 23),
                  "week's cardio 0/150 min: 1 of 5 walks do not fit in the 4 days left, at one walk a day" },
        };
        p = plan((struct limber_plan_input) { .config = c, .now = thu, .first_run = at(2026, 11, 22, 10, 0) });
        check_unplaced("Thursday, first run the week before", &p, full, ELEMENTSOF(full));
        CHECK_INT(p.week_smr_target, 2);
        CHECK_INT(p.week_cardio_target, 150);
        limber_plan_free(&p);

        /* Saturday with the plan made on Thursday stored: the share follows the first
         * run, not now, and the week is as it was. Thursday's walk and session are past
         * (missed); Friday's walk too. 86 min short still, pace 0, 2 days left: 3 walks
         * would be needed, Saturday's is the week's third and the walks that did not
         * happen are owed a stand-in each: Sunday's, in place of Thursday's. */
        const usec_t sat = at(2026, 11, 28, 10, 0);
        _cleanup_(sessions_freep) struct limber_session *s = NULL;
        p = plan((struct limber_plan_input) { .config = c, .now = thu, .first_run = thu });
        s = stored(&p);
        size_t n = p.n_sessions;
        limber_plan_free(&p);
        p = plan((struct limber_plan_input) { .config = c, .now = sat, .first_run = thu, .sessions = s,
                                              .n_sessions = n });
        CHECK_INT(p.week_smr_target, 1);
        CHECK_INT(p.week_cardio_target, 86);
        const struct limber_plan_session *walk = find(&p, "cardio_20261123_2");
        CHECK(walk && walk->session.status == LIMBER_STATUS_PLANNED && !walk->changed);
        const struct limber_plan_session *stand_in = find(&p, "cardio_20261123_3");
        CHECK(stand_in && stand_in->session.start == at(2026, 11, 29, 12, 0) &&
              strcmp(stand_in->session.replaces, "cardio_20261123_0") == 0);
        limber_plan_free(&p);

        /* First run on Thursday at 21:30: Thursday's evening and midday are past.
         * Rule 1: still 1 of the share; the first evening, Friday 18:30.
         * Rule 5: still 86 min; Friday to Sunday hold 3 x 30 = 90: 3 walks. */
        const usec_t late = at(2026, 11, 26, 21, 30);
        const struct want thursday_late[] = {
                WALK("cardio_20261123_0", at(2026, 11, 27, 12, 0), why_86),
                WEEKLY("weekly_20261123_0", at(2026, 11, 27, 18, 30), FIRST),
                WALK("cardio_20261123_1", at(2026, 11, 28, 12, 0), why_86),
                WALK("cardio_20261123_2", at(2026, 11, 29, 12, 0), why_86),
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 2, 18, 30), SECOND),
                WEEKLY("weekly_20261207_0", at(2026, 12, 7, 18, 30), FIRST),
                WEEKLY("weekly_20261207_1", at(2026, 12, 9, 18, 30), SECOND),
        };
        p = plan((struct limber_plan_input) { .config = c, .now = late, .first_run = late });
        check_new_plan("first run on Thursday evening", &p, c, late, thursday_late, ELEMENTSOF(thursday_late));
        check_unplaced("first run on Thursday evening", &p, NULL, 0);
        limber_plan_free(&p);

        /* First run on Sunday 29 Nov, 10:00: 1 of 7 days.
         * Rule 1: 2 x 1/7 = 0.29, no session this week. Next week: Monday 30 Nov and
         * Wednesday 2 Dec; then Monday 7 and Wednesday 9 Dec.
         * Rule 5: 150 x 1/7 = 21.4, 21 min: one walk, Sunday 12:00. */
        const usec_t sun = at(2026, 11, 29, 10, 0);
        const struct want sunday[] = {
                WALK("cardio_20261123_0", at(2026, 11, 29, 12, 0), "week's cardio 0/21 min"),
                WEEKLY("weekly_20261130_0", at(2026, 11, 30, 18, 30), FIRST),
                WEEKLY("weekly_20261130_1", at(2026, 12, 2, 18, 30), SECOND),
                WEEKLY("weekly_20261207_0", at(2026, 12, 7, 18, 30), FIRST),
                WEEKLY("weekly_20261207_1", at(2026, 12, 9, 18, 30), SECOND),
        };
        p = plan((struct limber_plan_input) { .config = c, .now = sun, .first_run = sun });
        check_new_plan("first run on Sunday", &p, c, sun, sunday, ELEMENTSOF(sunday));
        check_unplaced("first run on Sunday", &p, NULL, 0);
        CHECK_INT(p.week_smr_target, 0);
        CHECK_INT(p.week_cardio_target, 21);
        limber_plan_free(&p);

        /* The room limits the share. 7 sessions a week, min_gap 1d, no cardio; first run
         * on Thursday at 21:30: 7 x 4/7 = 4, but only Friday to Sunday are ahead: 3, and
         * nothing unplaced. Next week, Monday to Sunday; the one after, Monday to
         * Wednesday 9 Dec, the horizon's last day. */
        c->smr.per_week = 7;
        c->smr.min_gap = USEC_PER_DAY;
        c->cardio.weekly_minutes = 0;
        p = plan((struct limber_plan_input) { .config = c, .now = late, .first_run = late });
        CHECK_INT(p.n_sessions, 3 + 7 + 3);
        for (unsigned i = 0; i < 3 && i < p.n_sessions; i++) {
                CHECK_CONTEXT("a week of 7 from Thursday evening, session %u", i);
                CHECK_U64(p.sessions[i].session.start, at(2026, 11, 27 + i, 18, 30));
                CHECK_INT(p.sessions[i].session.day, day(2026, 11, 23));
        }
        CHECK_CONTEXT_CLEAR();
        check_unplaced("a week of 7 from Thursday evening", &p, NULL, 0);
        CHECK_INT(p.week_smr_target, 3);
        limber_plan_free(&p);

        /* With the clock set back before the first run (Monday 23 Nov 10:00, first run
         * on Thursday 3 Dec), the first run is not believed: the week asks in full,
         * Monday to Sunday. */
        p = plan((struct limber_plan_input) { .config = c, .now = MON_10, .first_run = at(2026, 12, 3, 10, 0) });
        CHECK_INT(p.week_smr_target, 7);
        const struct limber_plan_session *sunday_7th = find(&p, "weekly_20261123_6");
        CHECK(sunday_7th && sunday_7th->session.start == at(2026, 11, 29, 18, 30));
        check_unplaced("the clock set back before the first run", &p, NULL, 0);
        limber_plan_free(&p);
}

static struct limber_session desk_break(unsigned slot, usec_t start, enum limber_session_status status) {
        struct limber_session s = {
                .kind = LIMBER_SESSION_MOBILITY, .rule = LIMBER_RULE_SITTING, .day = day(2026, 11, 23),
                .slot = slot, .start = start, .end = start + 3 * MIN, .status = status,
                .last_modified = start, .routine = "desk-break", .reason = "sitting for 30min",
        };
        limber_session_make_id(s.id, s.rule, s.day, s.slot);
        return s;
}

/* Rule 4's breaks, as the reminders store them: a break nobody answered is missed once
 * the next one is due, or at its end + grace; none is planned again, moved, or replaced. */
static void test_breaks(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();
        c->smr.per_week = 0;
        c->cardio.weekly_minutes = 0;

        /* Monday: a break at 09:00 nobody answered, one at 09:30 done, one at 09:40
         * snoozed to 10:20, and one due now, at 10:00. */
        struct limber_session breaks[] = {
                desk_break(0, at(2026, 11, 23, 9, 0), LIMBER_STATUS_PLANNED),
                desk_break(1, at(2026, 11, 23, 9, 30), LIMBER_STATUS_COMPLETED),
                desk_break(2, at(2026, 11, 23, 10, 20), LIMBER_STATUS_SNOOZED),
                desk_break(3, MON_10, LIMBER_STATUS_PLANNED),
        };
        static const struct {
                unsigned h, m;
                enum limber_session_status status[4];
                bool changed[4];
        } tests[] = {
                /* 10:00: 09:00's is missed now; the snoozed one waits for 10:20. */
                { 10, 0, { LIMBER_STATUS_MISSED, LIMBER_STATUS_COMPLETED, LIMBER_STATUS_SNOOZED, LIMBER_STATUS_PLANNED },
                  { true, false, false, false } },
                /* 10:30: the snoozed one came at 10:20, and a later break was made: missed. */
                { 10, 30, { LIMBER_STATUS_MISSED, LIMBER_STATUS_COMPLETED, LIMBER_STATUS_MISSED, LIMBER_STATUS_PLANNED },
                  { true, false, true, false } },
                /* 11:02: the last one is within its hour of grace after 10:03. */
                { 11, 2, { LIMBER_STATUS_MISSED, LIMBER_STATUS_COMPLETED, LIMBER_STATUS_MISSED, LIMBER_STATUS_PLANNED },
                  { true, false, true, false } },
                /* 11:03: its grace is over. */
                { 11, 3, { LIMBER_STATUS_MISSED, LIMBER_STATUS_COMPLETED, LIMBER_STATUS_MISSED, LIMBER_STATUS_MISSED },
                  { true, false, true, true } },
        };
        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                usec_t now = at(2026, 11, 23, tests[i].h, tests[i].m);
                struct limber_plan p = plan((struct limber_plan_input) {
                        .config = c, .now = now, .sessions = breaks, .n_sessions = ELEMENTSOF(breaks) });
                CHECK_CONTEXT("breaks at %02u:%02u", tests[i].h, tests[i].m);
                CHECK_INT(p.n_sessions, ELEMENTSOF(breaks));
                for (size_t j = 0; j < ELEMENTSOF(breaks); j++) {
                        const struct limber_plan_session *x = find(&p, breaks[j].id);
                        CHECK_CONTEXT("breaks at %02u:%02u: %s", tests[i].h, tests[i].m, breaks[j].id);
                        if (!CHECK(x))
                                continue;
                        CHECK_INT(x->session.status, tests[i].status[j]);
                        CHECK_INT(x->changed, tests[i].changed[j]);
                        CHECK_U64(x->session.start, breaks[j].start);
                        CHECK_U64(x->session.last_modified, tests[i].changed[j] ? now : breaks[j].last_modified);
                }
                check_unplaced("breaks", &p, NULL, 0);
                limber_plan_free(&p);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_next_wakeup(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = config();

        /* The plain week at 10:00: the first walk's start. */
        struct limber_plan p = plain_week(c);
        CHECK_U64(limber_plan_next_wakeup(&p, c, MON_10), at(2026, 11, 23, 12, 0));
        limber_plan_free(&p);

        /* One session 12:00-12:30 with an hour's grace: its start, end, end + grace, then
         * local midnight. Sessions with an outcome wake nothing. */
        struct limber_plan_session s[] = {
                { .session = { .id = "cardio_20261123_0", .start = at(2026, 11, 23, 12, 0),
                               .end = at(2026, 11, 23, 12, 30), .status = LIMBER_STATUS_PLANNED } },
                { .session = { .id = "weekly_20261123_0", .start = at(2026, 11, 23, 11, 0),
                               .end = at(2026, 11, 23, 11, 15), .status = LIMBER_STATUS_COMPLETED } },
                { .session = { .id = "weekly_20261123_1", .start = at(2026, 11, 23, 10, 30),
                               .end = at(2026, 11, 23, 10, 45), .status = LIMBER_STATUS_CANCELLED } },
        };
        p = (struct limber_plan) { .sessions = s, .n_sessions = ELEMENTSOF(s) };
        static const struct {
                unsigned h, m;
                unsigned wh, wm;
        } tests[] = {
                { 10, 0, 12, 0 },
                { 12, 0, 12, 30 },
                { 12, 10, 12, 30 },
                { 12, 30, 13, 30 },
                { 13, 30, 24, 0 },
                { 23, 59, 24, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                CHECK_CONTEXT("wakeup at %02u:%02u", tests[i].h, tests[i].m);
                CHECK_U64(limber_plan_next_wakeup(&p, c, at(2026, 11, 23, tests[i].h, tests[i].m)),
                          at(2026, 11, 23, tests[i].wh, tests[i].wm));
        }
        CHECK_CONTEXT_CLEAR();

        /* Snoozed sessions wake too; missed ones do not. */
        s[0].session.status = LIMBER_STATUS_SNOOZED;
        CHECK_U64(limber_plan_next_wakeup(&p, c, MON_10), at(2026, 11, 23, 12, 0));
        s[0].session.status = LIMBER_STATUS_MISSED;
        CHECK_U64(limber_plan_next_wakeup(&p, c, MON_10), at(2026, 11, 24, 0, 0));

        /* Local midnight across the end of summer time: Sunday 25 Oct starts at 22:00 UTC
         * on Saturday, Monday 26 Oct at 23:00 UTC on Sunday. */
        p = (struct limber_plan) { 0 };
        CHECK_U64(limber_plan_next_wakeup(&p, c, utc(2026, 10, 24, 21, 30)), utc(2026, 10, 24, 22, 0));
        CHECK_U64(limber_plan_next_wakeup(&p, c, utc(2026, 10, 25, 9, 0)), utc(2026, 10, 25, 23, 0));
        CHECK_U64(limber_plan_next_wakeup(&p, c, utc(2026, 10, 25, 22, 59)), utc(2026, 10, 25, 23, 0));
}

int main(void) {
        set_zone("Europe/Berlin");

        test_civil();
        test_local_time();
        test_plain_week();
        test_workout_today();
        test_workout_kinds();
        test_workout_late();
        test_spike_single();
        test_spike_weekly();
        test_cardio();
        test_quiet_hours();
        test_busy();
        test_dst();
        test_week_boundary();
        test_stability();
        test_spike_sunday_busy();
        test_zone_change();
        test_ignored_week();
        test_reasons();
        test_weekday_windows();
        test_first_week();
        test_breaks();
        test_next_wakeup();
        return check_summary("test-planner");
}
