/* Tests for the feed writer (feed.h), in the text libical writes: which sessions are
 * calendar events (not mobility breaks), which get a VALARM (never one that triggers
 * before the event as published existed), and that a plan re-made with no change
 * renders byte for byte as before. Local times are Europe/Berlin. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "config.h"
#include "feed.h"
#include "localtime.h"
#include "planner.h"
#include "routines.h"
#include "util.h"

#define MIN USEC_PER_MIN
#define DOMAIN "limber-test"

static usec_t at(int y, unsigned m, unsigned d, unsigned h, unsigned min) {
        return limber_local_time(limber_days_from_civil(y, m, d), h * 60 + min);
}

static const struct limber_routines no_routines = { 0 };

static char *render(const struct limber_plan_session *sessions, size_t n, usec_t alarm) {
        const struct limber_feed_options o = {
                .name = "Limber",
                .tzid = "Europe/Berlin",
                .alarm = alarm,
                .since = at(2026, 9, 28, 0, 0),
                .until = at(2026, 12, 8, 0, 0),
                .uid_domain = DOMAIN,
        };
        char *text = NULL;
        if (!CHECK_INT(limber_feed_render(sessions, n, &no_routines, &o, &text), 0))
                return NULL;
        return text;
}

/* The VEVENT of session id in text, as a new string, or NULL when there is none. */
static char *event(const char *text, const char *id) {
        char uid[128];
        snprintf(uid, sizeof uid, "\r\nUID:%s@" DOMAIN "\r\n", id);
        const char *u = text ? strstr(text, uid) : NULL;
        if (!u)
                return NULL;
        const char *begin = u, *end = strstr(u, "END:VEVENT\r\n");
        while (begin > text && strncmp(begin, "BEGIN:VEVENT", 12) != 0)
                begin--;
        return end ? strndup(begin, (size_t) (end - begin)) : NULL;
}

static unsigned count(const char *text, const char *needle) {
        unsigned n = 0;
        for (const char *p = text; p && (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

static struct limber_plan_session session(const char *id, enum limber_session_kind kind, usec_t start, usec_t length,
                                          enum limber_session_status status, usec_t last_modified) {
        struct limber_plan_session p = { .session = {
                .kind = kind, .start = start, .end = start + length, .status = status,
                .last_modified = last_modified,
        } };
        snprintf(p.session.id, sizeof p.session.id, "%s", id);
        return p;
}

/* Each kind and status once; what the feed shows of each. */
static void test_events_and_alarms(void) {
        const struct limber_plan_session sessions[] = {
                /* Done on Sunday evening: history, no alarm. */
                session("workout_20261122_0", LIMBER_SESSION_SMR, at(2026, 11, 22, 18, 30), 15 * MIN,
                        LIMBER_STATUS_COMPLETED, at(2026, 11, 22, 18, 50)),
                /* Breaks, one done and one due now: nudges at the desk, no events. */
                session("sitting_20261123_0", LIMBER_SESSION_MOBILITY, at(2026, 11, 23, 9, 30), 3 * MIN,
                        LIMBER_STATUS_COMPLETED, at(2026, 11, 23, 9, 31)),
                session("sitting_20261123_1", LIMBER_SESSION_MOBILITY, at(2026, 11, 23, 10, 0), 3 * MIN,
                        LIMBER_STATUS_PLANNED, at(2026, 11, 23, 10, 0)),
                /* Published at 11:55 for 12:00: 10 min before would be 11:50, before it
                 * existed. No alarm. */
                session("cardio_20261123_0", LIMBER_SESSION_CARDIO, at(2026, 11, 23, 12, 0), 30 * MIN,
                        LIMBER_STATUS_PLANNED, at(2026, 11, 23, 11, 55)),
                /* Published at 10:00 for 18:30: an alarm at 18:20. */
                session("weekly_20261123_0", LIMBER_SESSION_SMR, at(2026, 11, 23, 18, 30), 15 * MIN,
                        LIMBER_STATUS_PLANNED, at(2026, 11, 23, 10, 0)),
                /* Published at 11:50 on Tuesday for 12:00: the alarm at the very moment. */
                session("cardio_20261123_1", LIMBER_SESSION_CARDIO, at(2026, 11, 24, 12, 0), 30 * MIN,
                        LIMBER_STATUS_PLANNED, at(2026, 11, 24, 11, 50)),
                /* Snoozed: limberd reminds at its new start; no alarm. */
                session("weekly_20261123_1", LIMBER_SESSION_SMR, at(2026, 11, 25, 18, 40), 15 * MIN,
                        LIMBER_STATUS_SNOOZED, at(2026, 11, 23, 10, 0)),
                /* No rule asks for it any more: gone. */
                session("weekly_20261130_2", LIMBER_SESSION_SMR, at(2026, 12, 2, 18, 30), 15 * MIN,
                        LIMBER_STATUS_CANCELLED, at(2026, 11, 23, 10, 0)),
        };
        static const struct {
                const char *id;
                bool shown, alarm;
        } want[] = {
                { "workout_20261122_0", true, false },
                { "sitting_20261123_0", false, false },
                { "sitting_20261123_1", false, false },
                { "cardio_20261123_0", true, false },
                { "weekly_20261123_0", true, true },
                { "cardio_20261123_1", true, true },
                { "weekly_20261123_1", true, false },
                { "weekly_20261130_2", false, false },
        };

        char *text = render(sessions, ELEMENTSOF(sessions), 10 * MIN);
        CHECK_INT(count(text, "BEGIN:VEVENT\r\n"), 5);
        CHECK_INT(count(text, "BEGIN:VALARM\r\n"), 2);
        CHECK_INT(count(text, "X-LIMBER-KIND:mobility"), 0);
        CHECK_INT(count(text, "Stand up and move"), 0);
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                CHECK_CONTEXT("%s", want[i].id);
                char *ev = event(text, want[i].id);
                CHECK_INT(ev != NULL, want[i].shown);
                if (ev) {
                        CHECK_INT(strstr(ev, "BEGIN:VALARM\r\n") != NULL, want[i].alarm);
                        if (want[i].alarm)
                                CHECK(strstr(ev, "\r\nTRIGGER:-PT10M\r\n") != NULL);
                }
                free(ev);
        }
        CHECK_CONTEXT_CLEAR();
        free(text);

        /* [feed] alarm = off: the same events, no alarm at all. */
        text = render(sessions, ELEMENTSOF(sessions), 0);
        CHECK_INT(count(text, "BEGIN:VEVENT\r\n"), 5);
        CHECK_INT(count(text, "BEGIN:VALARM\r\n"), 0);
        free(text);

        /* A 1 h alarm: the 18:30 session published at 10:00 keeps one; Tuesday's walk,
         * published 10 min before, gets none. */
        text = render(sessions, ELEMENTSOF(sessions), 60 * MIN);
        char *ev = event(text, "weekly_20261123_0");
        CHECK(ev && strstr(ev, "\r\nTRIGGER:-PT1H\r\n"));
        free(ev);
        ev = event(text, "cardio_20261123_1");
        CHECK(ev && !strstr(ev, "BEGIN:VALARM"));
        free(ev);
        CHECK_INT(count(text, "BEGIN:VALARM\r\n"), 1);
        free(text);
}

/* Through the planner: Monday 23 Nov, 11:55, on the defaults. The walk at 12:00 is
 * planned 5 min before its start and has no alarm; every other planned session has
 * one. Re-planned from the stored plan at 11:58, at 12:10 with the walk under way, and
 * at 12:25 with a break due at 12:20, the feed is byte for byte what it was. */
static void test_replan_bytes(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = limber_config_new_default();
        if (!CHECK(c))
                return;
        const usec_t now = at(2026, 11, 23, 11, 55);
        struct limber_plan p = { 0 };
        if (!CHECK_INT(limber_plan(&(struct limber_plan_input) { .config = c, .now = now }, &p), 0))
                return;
        char *first = render(p.sessions, p.n_sessions, c->feed.alarm);

        unsigned planned = 0;
        for (size_t i = 0; i < p.n_sessions; i++) {
                const struct limber_session *s = &p.sessions[i].session;
                CHECK_CONTEXT("%s", s->id);
                char *ev = event(first, s->id);
                if (CHECK(ev)) {
                        bool early = s->start < s->last_modified + c->feed.alarm;
                        CHECK_INT(strstr(ev, "BEGIN:VALARM") != NULL, !early);
                        CHECK_INT(early, strcmp(s->id, "cardio_20261123_0") == 0);
                }
                free(ev);
                planned += s->status == LIMBER_STATUS_PLANNED;
        }
        CHECK_CONTEXT_CLEAR();
        CHECK_INT(count(first, "BEGIN:VALARM\r\n"), planned - 1);

        static const unsigned minutes[][2] = { { 11, 58 }, { 12, 10 }, { 12, 25 } };
        for (size_t k = 0; k < ELEMENTSOF(minutes); k++) {
                const usec_t later = at(2026, 11, 23, minutes[k][0], minutes[k][1]);
                struct limber_session *stored = calloc(p.n_sessions + 1, sizeof *stored);
                if (!stored)
                        abort();
                size_t n = 0;
                for (; n < p.n_sessions; n++)
                        stored[n] = p.sessions[n].session;
                if (minutes[k][0] == 12 && minutes[k][1] == 25) {
                        struct limber_session *b = &stored[n++];
                        *b = (struct limber_session) {
                                .kind = LIMBER_SESSION_MOBILITY, .rule = LIMBER_RULE_SITTING,
                                .day = limber_local_day(now), .start = at(2026, 11, 23, 12, 20),
                                .end = at(2026, 11, 23, 12, 23), .status = LIMBER_STATUS_PLANNED,
                                .last_modified = at(2026, 11, 23, 12, 20), .routine = "desk-break",
                        };
                        limber_session_make_id(b->id, b->rule, b->day, 0);
                }
                struct limber_plan q = { 0 };
                CHECK_CONTEXT("re-planned at %02u:%02u", minutes[k][0], minutes[k][1]);
                if (CHECK_INT(limber_plan(&(struct limber_plan_input) {
                                .config = c, .now = later, .sessions = stored, .n_sessions = n }, &q), 0)) {
                        char *again = render(q.sessions, q.n_sessions, c->feed.alarm);
                        CHECK_STR(again, first);
                        free(again);
                        limber_plan_free(&q);
                }
                free(stored);
        }
        CHECK_CONTEXT_CLEAR();
        free(first);
        limber_plan_free(&p);
}

int main(void) {
        setenv("TZ", "Europe/Berlin", 1);
        tzset();

        test_events_and_alarms();
        test_replan_bytes();
        return check_summary("test-feed");
}
