/* Activities (workouts and other training): kinds, and the checks every new one passes. Pure. */
#include "activity.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[_LIMBER_ACTIVITY_KIND_MAX] = {
        [LIMBER_ACTIVITY_RUN] = "run",
        [LIMBER_ACTIVITY_WALK] = "walk",
        [LIMBER_ACTIVITY_RIDE] = "ride",
        [LIMBER_ACTIVITY_SWIM] = "swim",
        [LIMBER_ACTIVITY_HIKE] = "hike",
        [LIMBER_ACTIVITY_STRENGTH] = "strength",
        [LIMBER_ACTIVITY_YOGA] = "yoga",
        [LIMBER_ACTIVITY_OTHER] = "other",
};

const char *limber_activity_kind_to_string(enum limber_activity_kind k) {
        return (unsigned) k < _LIMBER_ACTIVITY_KIND_MAX ? kind_names[k] : NULL;
}

int limber_activity_kind_from_string(const char *s) {
        for (int k = 0; k < _LIMBER_ACTIVITY_KIND_MAX; k++)
                if (strcmp(s, kind_names[k]) == 0)
                        return k;
        return -EINVAL;
}

const char *limber_activity_kinds_list(void) {
        return "run, walk, ride, swim, hike, strength, yoga, other";
}

bool limber_activity_kind_is_cardio(enum limber_activity_kind k) {
        /* The moderate aerobic activities of the WHO guideline. */
        return k == LIMBER_ACTIVITY_RUN || k == LIMBER_ACTIVITY_WALK || k == LIMBER_ACTIVITY_RIDE ||
               k == LIMBER_ACTIVITY_SWIM || k == LIMBER_ACTIVITY_HIKE;
}

int limber_activity_check(usec_t start, usec_t duration, double distance_m, usec_t now,
                          const char **arg, const char **why) {
        if (start < LIMBER_ACTIVITY_EARLIEST) {
                *arg = "start";
                *why = "is before the year 2000 (expected microseconds since the epoch)";
                return -EINVAL;
        }
        if (start > now + LIMBER_ACTIVITY_FUTURE_SLACK) {
                *arg = "start";
                *why = "is in the future";
                return -EINVAL;
        }
        if (duration == 0) {
                *arg = "duration";
                *why = "is zero";
                return -EINVAL;
        }
        /* A negative int64 sent as 't' arrives as a huge value. */
        if (duration > LIMBER_ACTIVITY_MAX_DURATION) {
                *arg = "duration";
                *why = "is longer than 7 days (expected microseconds)";
                return -EINVAL;
        }
        if (!isfinite(distance_m)) {
                *arg = "distance_m";
                *why = "is not a finite number";
                return -EINVAL;
        }
        if (distance_m < 0 || distance_m > LIMBER_ACTIVITY_MAX_DISTANCE_M) {
                *arg = "distance_m";
                *why = "is out of range (0 for unknown, up to 10,000 km in metres)";
                return -EINVAL;
        }
        return 0;
}

void limber_activity_clear(struct limber_activity *a) {
        free(a->source);
        free(a->external_id);
        free(a->title);
        *a = (struct limber_activity) { 0 };
}

void limber_activity_array_free(struct limber_activity *a, size_t n) {
        for (size_t i = 0; i < n; i++)
                limber_activity_clear(&a[i]);
        free(a);
}
