/* Tests for the sitting tracker (tracker.h): each scenario is a list of reports and
 * timer runs, with the exact state, streak start and timer deadline after each step. */
#include "check.h"
#include "tracker.h"
#include "util.h"

/* A realistic wall clock (2024-01-01), so no step lands on 0, which means "no streak". */
#define T0 (UINT64_C(1704067200) * USEC_PER_SEC)
#define NB (5 * USEC_PER_MIN)   /* natural_break */

enum op {
        OP_END,
        OP_ACTIVE,      /* limber_tracker_report(idle = false) */
        OP_IDLE,        /* limber_tracker_report(idle = true) */
        OP_ADVANCE,     /* limber_tracker_advance(), as the timer does */
};

struct step {
        enum op op;
        usec_t now;
        bool ret;
        enum limber_desk_state state;
        usec_t state_since;
        usec_t sitting_since;
        usec_t deadline;
};

#define A LIMBER_DESK_ACTIVE
#define I LIMBER_DESK_IDLE
#define U LIMBER_DESK_UNKNOWN

static const struct {
        const char *name;
        struct step steps[8];
} scenarios[] = {
        { "the first active report starts the streak; repeats change nothing", {
                { OP_ADVANCE, T0,                       false, U, 0, 0, 0 },
                { OP_ACTIVE,  T0,                       true,  A, T0, T0, 0 },
                { OP_ACTIVE,  T0 + 10 * USEC_PER_MIN,   false, A, T0, T0, 0 },
                { OP_ADVANCE, T0 + 10 * USEC_PER_HOUR,  false, A, T0, T0, 0 },
        } },
        { "a first idle report starts no streak", {
                { OP_IDLE,    T0,                       true,  I, T0, 0, 0 },
                { OP_IDLE,    T0 + USEC_PER_HOUR,       false, I, T0, 0, 0 },
                { OP_ADVANCE, T0 + USEC_PER_HOUR,       false, I, T0, 0, 0 },
                { OP_ACTIVE,  T0 + USEC_PER_HOUR,       true,  A, T0 + USEC_PER_HOUR, T0 + USEC_PER_HOUR, 0 },
        } },
        { "idle shorter than natural_break keeps the streak", {
                { OP_ACTIVE,  T0,                       true,  A, T0, T0, 0 },
                { OP_IDLE,    T0 + 20 * USEC_PER_MIN,   true,  I, T0 + 20 * USEC_PER_MIN, T0, T0 + 20 * USEC_PER_MIN + NB },
                { OP_IDLE,    T0 + 21 * USEC_PER_MIN,   false, I, T0 + 20 * USEC_PER_MIN, T0, T0 + 20 * USEC_PER_MIN + NB },
                { OP_ADVANCE, T0 + 20 * USEC_PER_MIN + NB - 1, false, I, T0 + 20 * USEC_PER_MIN, T0, T0 + 20 * USEC_PER_MIN + NB },
                { OP_ACTIVE,  T0 + 20 * USEC_PER_MIN + NB - 1, true, A, T0 + 20 * USEC_PER_MIN + NB - 1, T0, 0 },
        } },
        { "idle reaching natural_break ends the streak when the timer runs", {
                { OP_ACTIVE,  T0,                       true,  A, T0, T0, 0 },
                { OP_IDLE,    T0 + 20 * USEC_PER_MIN,   true,  I, T0 + 20 * USEC_PER_MIN, T0, T0 + 20 * USEC_PER_MIN + NB },
                { OP_ADVANCE, T0 + 20 * USEC_PER_MIN + NB, true, I, T0 + 20 * USEC_PER_MIN, 0, 0 },
                { OP_ADVANCE, T0 + 30 * USEC_PER_MIN,   false, I, T0 + 20 * USEC_PER_MIN, 0, 0 },
                { OP_ACTIVE,  T0 + 40 * USEC_PER_MIN,   true,  A, T0 + 40 * USEC_PER_MIN, T0 + 40 * USEC_PER_MIN, 0 },
        } },
        { "a late active report ends the streak even if no timer ran", {
                { OP_ACTIVE,  T0,                       true,  A, T0, T0, 0 },
                { OP_IDLE,    T0 + 20 * USEC_PER_MIN,   true,  I, T0 + 20 * USEC_PER_MIN, T0, T0 + 20 * USEC_PER_MIN + NB },
                { OP_ACTIVE,  T0 + 20 * USEC_PER_MIN + NB, true, A, T0 + 20 * USEC_PER_MIN + NB, T0 + 20 * USEC_PER_MIN + NB, 0 },
        } },
        { "a repeated idle report after natural_break ends the streak but reports no change", {
                { OP_ACTIVE,  T0,                       true,  A, T0, T0, 0 },
                { OP_IDLE,    T0 + 20 * USEC_PER_MIN,   true,  I, T0 + 20 * USEC_PER_MIN, T0, T0 + 20 * USEC_PER_MIN + NB },
                { OP_IDLE,    T0 + 2 * USEC_PER_HOUR,   false, I, T0 + 20 * USEC_PER_MIN, 0, 0 },
        } },
        { "several short breaks never end the streak", {
                { OP_ACTIVE,  T0,                       true,  A, T0, T0, 0 },
                { OP_IDLE,    T0 + USEC_PER_HOUR,       true,  I, T0 + USEC_PER_HOUR, T0, T0 + USEC_PER_HOUR + NB },
                { OP_ACTIVE,  T0 + USEC_PER_HOUR + NB - USEC_PER_SEC, true, A, T0 + USEC_PER_HOUR + NB - USEC_PER_SEC, T0, 0 },
                { OP_IDLE,    T0 + 2 * USEC_PER_HOUR,   true,  I, T0 + 2 * USEC_PER_HOUR, T0, T0 + 2 * USEC_PER_HOUR + NB },
                { OP_ACTIVE,  T0 + 2 * USEC_PER_HOUR + 1, true, A, T0 + 2 * USEC_PER_HOUR + 1, T0, 0 },
        } },
};

static void test_scenarios(void) {
        for (size_t i = 0; i < ELEMENTSOF(scenarios); i++) {
                struct limber_tracker t = { 0 };

                CHECK_CONTEXT("%s: start", scenarios[i].name);
                CHECK_U64(limber_tracker_deadline(&t, NB), 0);

                for (size_t j = 0; j < ELEMENTSOF(scenarios[i].steps) && scenarios[i].steps[j].op != OP_END; j++) {
                        const struct step *s = &scenarios[i].steps[j];
                        bool r;

                        CHECK_CONTEXT("%s: step %zu", scenarios[i].name, j + 1);
                        if (s->op == OP_ADVANCE)
                                r = limber_tracker_advance(&t, s->now, NB);
                        else
                                r = limber_tracker_report(&t, s->op == OP_IDLE, s->now, NB);
                        CHECK_INT(r, s->ret);
                        CHECK_INT(t.state, s->state);
                        CHECK_U64(t.state_since, s->state_since);
                        CHECK_U64(t.sitting_since, s->sitting_since);
                        CHECK_U64(limber_tracker_deadline(&t, NB), s->deadline);
                }
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_natural_break_changes(void) {
        /* A reload may shorten natural_break: the deadline moves with it, and a break that
         * is already long enough under the new value ends the streak at once. */
        struct limber_tracker t = { 0 };

        CHECK(limber_tracker_report(&t, false, T0, NB));
        CHECK(limber_tracker_report(&t, true, T0 + USEC_PER_MIN, NB));
        CHECK_U64(limber_tracker_deadline(&t, NB), T0 + USEC_PER_MIN + NB);
        CHECK_U64(limber_tracker_deadline(&t, 10 * USEC_PER_MIN), T0 + 11 * USEC_PER_MIN);
        CHECK(!limber_tracker_advance(&t, T0 + 3 * USEC_PER_MIN, NB));
        CHECK(limber_tracker_advance(&t, T0 + 3 * USEC_PER_MIN, 2 * USEC_PER_MIN));
        CHECK_U64(t.sitting_since, 0);
        CHECK_U64(limber_tracker_deadline(&t, 2 * USEC_PER_MIN), 0);
}

static void test_state_names(void) {
        CHECK_STR(limber_desk_state_to_string(LIMBER_DESK_UNKNOWN), "unknown");
        CHECK_STR(limber_desk_state_to_string(LIMBER_DESK_ACTIVE), "active");
        CHECK_STR(limber_desk_state_to_string(LIMBER_DESK_IDLE), "idle");
}

/* A lock or a suspend ends the streak at once, however short; the next input starts a
 * new one. */
static void test_hard_break(void) {
        const usec_t nb = 5 * USEC_PER_MIN, t0 = 1000 * USEC_PER_SEC;
        struct limber_tracker t = { 0 };

        CHECK(limber_tracker_report(&t, false, t0, nb));
        CHECK_U64(t.sitting_since, t0);
        CHECK(limber_tracker_break(&t, t0 + 10 * USEC_PER_SEC));
        CHECK_INT(t.state, LIMBER_DESK_IDLE);
        CHECK_U64(t.sitting_since, 0);
        CHECK_U64(t.state_since, t0 + 10 * USEC_PER_SEC);
        CHECK_U64(limber_tracker_deadline(&t, nb), 0);
        CHECK(!limber_tracker_break(&t, t0 + 20 * USEC_PER_SEC));        /* locked again: nothing new */
        CHECK_U64(t.state_since, t0 + 10 * USEC_PER_SEC);
        CHECK(limber_tracker_report(&t, false, t0 + 30 * USEC_PER_SEC, nb));
        CHECK_U64(t.sitting_since, t0 + 30 * USEC_PER_SEC);

        /* Idle first, then locked: the streak ends at the lock, not after the break. */
        CHECK(limber_tracker_report(&t, true, t0 + 40 * USEC_PER_SEC, nb));
        CHECK_U64(t.sitting_since, t0 + 30 * USEC_PER_SEC);
        CHECK(limber_tracker_break(&t, t0 + 41 * USEC_PER_SEC));
        CHECK_U64(t.sitting_since, 0);
        CHECK_U64(t.state_since, t0 + 40 * USEC_PER_SEC);
}

int main(void) {
        test_state_names();
        test_scenarios();
        test_natural_break_changes();
        test_hard_break();
        return check_summary("test-tracker");
}
