/* Tests for activities (activity.h): the kind names LogActivity and the store use, and
 * the bounds every reported activity is checked against, with the argument each names. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "check.h"
#include "util.h"

#define NOW (UINT64_C(1704067200) * USEC_PER_SEC)     /* 2024-01-01 00:00 UTC */

#define WHY_EARLY   "is before the year 2000 (expected microseconds since the epoch)"
#define WHY_FUTURE  "is in the future"
#define WHY_ZERO    "is zero"
#define WHY_LONG    "is longer than 7 days (expected microseconds)"
#define WHY_FINITE  "is not a finite number"
#define WHY_DIST    "is out of range (0 for unknown, up to 10,000 km in metres)"

static void test_kinds(void) {
        static const struct {
                enum limber_activity_kind kind;
                const char *name;
                bool cardio;
        } tests[] = {
                { LIMBER_ACTIVITY_RUN, "run", true },
                { LIMBER_ACTIVITY_WALK, "walk", true },
                { LIMBER_ACTIVITY_RIDE, "ride", true },
                { LIMBER_ACTIVITY_SWIM, "swim", true },
                { LIMBER_ACTIVITY_HIKE, "hike", true },
                { LIMBER_ACTIVITY_STRENGTH, "strength", false },
                { LIMBER_ACTIVITY_YOGA, "yoga", false },
                { LIMBER_ACTIVITY_OTHER, "other", false },
        };

        /* A kind added to the enum without a row here would go untested. */
        CHECK_INT(ELEMENTSOF(tests), _LIMBER_ACTIVITY_KIND_MAX);

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                CHECK_CONTEXT("kind '%s'", tests[i].name);
                CHECK_STR(limber_activity_kind_to_string(tests[i].kind), tests[i].name);
                CHECK_INT(limber_activity_kind_from_string(tests[i].name), tests[i].kind);
                CHECK_INT(limber_activity_kind_is_cardio(tests[i].kind), tests[i].cardio);
        }
        CHECK_CONTEXT_CLEAR();

        /* The list in error messages names every kind, in enum order. */
        CHECK_STR(limber_activity_kinds_list(), "run, walk, ride, swim, hike, strength, yoga, other");

        CHECK_STR(limber_activity_kind_to_string(_LIMBER_ACTIVITY_KIND_MAX), NULL);
        CHECK_STR(limber_activity_kind_to_string((enum limber_activity_kind) -1), NULL);
}

static void test_unknown_kinds(void) {
        /* Names are exact: D-Bus clients must send them as documented. */
        static const char *const tests[] = { "", "Run", "RUN", "running", "bike", " run", "run ", "cycling" };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                CHECK_CONTEXT("kind '%s'", tests[i]);
                CHECK_INT(limber_activity_kind_from_string(tests[i]), -EINVAL);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_check(void) {
        static const struct {
                const char *name;
                usec_t start, duration;
                double distance_m;
                const char *arg;        /* NULL: accepted */
                const char *why;
        } tests[] = {
                { "an hour's run",       NOW - USEC_PER_HOUR, USEC_PER_HOUR, 10000, NULL, NULL },
                { "unknown distance",    NOW - USEC_PER_HOUR, USEC_PER_HOUR, 0, NULL, NULL },
                { "starts right now",    NOW, 1, 0, NULL, NULL },

                /* start */
                { "the first of 2000",   LIMBER_ACTIVITY_EARLIEST, USEC_PER_HOUR, 0, NULL, NULL },
                { "just before 2000",    LIMBER_ACTIVITY_EARLIEST - 1, USEC_PER_HOUR, 0, "start", WHY_EARLY },
                { "seconds, not usec",   UINT64_C(1704067200), USEC_PER_HOUR, 0, "start", WHY_EARLY },
                { "start 0",             0, USEC_PER_HOUR, 0, "start", WHY_EARLY },
                { "within the clock slack", NOW + LIMBER_ACTIVITY_FUTURE_SLACK, USEC_PER_HOUR, 0, NULL, NULL },
                { "beyond the clock slack", NOW + LIMBER_ACTIVITY_FUTURE_SLACK + 1, USEC_PER_HOUR, 0, "start", WHY_FUTURE },
                { "tomorrow",            NOW + USEC_PER_DAY, USEC_PER_HOUR, 0, "start", WHY_FUTURE },

                /* duration */
                { "duration 0",          NOW - USEC_PER_HOUR, 0, 0, "duration", WHY_ZERO },
                { "duration 1 usec",     NOW - USEC_PER_HOUR, 1, 0, NULL, NULL },
                { "duration 7 days",     NOW - USEC_PER_HOUR, 7 * USEC_PER_DAY, 0, NULL, NULL },
                { "duration 7 days + 1", NOW - USEC_PER_HOUR, 7 * USEC_PER_DAY + 1, 0, "duration", WHY_LONG },
                { "a negative int64",    NOW - USEC_PER_HOUR, (usec_t) INT64_C(-1), 0, "duration", WHY_LONG },

                /* distance_m */
                { "NaN",                 NOW - USEC_PER_HOUR, USEC_PER_HOUR, NAN, "distance_m", WHY_FINITE },
                { "+inf",                NOW - USEC_PER_HOUR, USEC_PER_HOUR, INFINITY, "distance_m", WHY_FINITE },
                { "-inf",                NOW - USEC_PER_HOUR, USEC_PER_HOUR, -INFINITY, "distance_m", WHY_FINITE },
                { "negative",            NOW - USEC_PER_HOUR, USEC_PER_HOUR, -1, "distance_m", WHY_DIST },
                { "barely negative",     NOW - USEC_PER_HOUR, USEC_PER_HOUR, -1e-9, "distance_m", WHY_DIST },
                { "10,000 km",           NOW - USEC_PER_HOUR, USEC_PER_HOUR, 1e7, NULL, NULL },
                { "beyond 10,000 km",    NOW - USEC_PER_HOUR, USEC_PER_HOUR, 1e7 + 1, "distance_m", WHY_DIST },
                { "astronomical",        NOW - USEC_PER_HOUR, USEC_PER_HOUR, 1e300, "distance_m", WHY_DIST },

                /* several bad arguments: the first, in signature order, is named */
                { "all wrong",           0, 0, NAN, "start", WHY_EARLY },
                { "duration and distance", NOW, 0, -1, "duration", WHY_ZERO },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                const char *arg = NULL, *why = NULL;

                CHECK_CONTEXT("check: %s", tests[i].name);
                CHECK_INT(limber_activity_check(tests[i].start, tests[i].duration, tests[i].distance_m, NOW,
                                                &arg, &why),
                          tests[i].arg ? -EINVAL : 0);
                CHECK_STR(arg, tests[i].arg);
                CHECK_STR(why, tests[i].why);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_clear(void) {
        /* Clearing frees the strings (ASan would report a leak) and leaves a reusable value. */
        struct limber_activity *a = calloc(2, sizeof *a);

        CHECK(a != NULL);
        if (!a)
                return;
        a[0].source = strdup("dbus");
        a[0].title = strdup("Morning run");
        a[0].duration = USEC_PER_HOUR;
        limber_activity_clear(&a[0]);
        CHECK_STR(a[0].source, NULL);
        CHECK_STR(a[0].title, NULL);
        CHECK_U64(a[0].duration, 0);

        a[1].source = strdup("gadgetbridge");
        a[1].external_id = strdup("42");
        limber_activity_array_free(a, 2);
}

int main(void) {
        test_kinds();
        test_unknown_kinds();
        test_check();
        test_clear();
        return check_summary("test-activity");
}
