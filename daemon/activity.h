/* Activities (workouts and other training): kinds, and the checks every new one passes. Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "parse.h"

enum limber_activity_kind {
        LIMBER_ACTIVITY_RUN,
        LIMBER_ACTIVITY_WALK,
        LIMBER_ACTIVITY_RIDE,
        LIMBER_ACTIVITY_SWIM,
        LIMBER_ACTIVITY_HIKE,
        LIMBER_ACTIVITY_STRENGTH,
        LIMBER_ACTIVITY_YOGA,
        LIMBER_ACTIVITY_OTHER,
        _LIMBER_ACTIVITY_KIND_MAX,
};

#define LIMBER_ID_LEN 32        /* 128 random bits in hex */
#define LIMBER_SOURCE_MAX 64
#define LIMBER_EXTERNAL_ID_MAX 256
#define LIMBER_TITLE_MAX 256

/* Bounds on what a tracker may report. */
#define LIMBER_ACTIVITY_MAX_DURATION (7 * USEC_PER_DAY)
#define LIMBER_ACTIVITY_MAX_DISTANCE_M 1e7       /* 10,000 km */
#define LIMBER_ACTIVITY_FUTURE_SLACK (15 * USEC_PER_MIN)
#define LIMBER_ACTIVITY_EARLIEST (UINT64_C(946684800) * USEC_PER_SEC) /* 2000-01-01 */

struct limber_activity {
        char id[LIMBER_ID_LEN + 1];
        char *source;           /* "dbus" when the caller names none */
        char *external_id;      /* NULL when none */
        char *title;            /* NULL when none */
        enum limber_activity_kind kind;
        usec_t start;
        usec_t duration;
        double distance_m;      /* 0 when unknown */
};

const char *limber_activity_kind_to_string(enum limber_activity_kind k);
/* Returns the kind, or -EINVAL. */
int limber_activity_kind_from_string(const char *s);
/* "run, walk, ride, ..." for error messages. */
const char *limber_activity_kinds_list(void);

/* Whether the kind counts toward weekly cardio minutes, and as a training load for SMR. */
bool limber_activity_kind_is_cardio(enum limber_activity_kind k);

/* Checks start, duration and distance against now. On failure returns -EINVAL, and
 * sets *arg to the argument's name and *why to a phrase saying what is wrong. */
int limber_activity_check(usec_t start, usec_t duration, double distance_m, usec_t now,
                          const char **arg, const char **why);

void limber_activity_clear(struct limber_activity *a);
void limber_activity_array_free(struct limber_activity *a, size_t n);
