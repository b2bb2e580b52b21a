/* The sitting tracker: folds idle/active reports into the current sitting streak. Pure:
 * times come in as arguments; the caller arms a timer for limber_tracker_deadline(). */
#pragma once

#include <stdbool.h>

#include "parse.h"

enum limber_desk_state {
        LIMBER_DESK_UNKNOWN,    /* no report yet */
        LIMBER_DESK_ACTIVE,
        LIMBER_DESK_IDLE,
};

struct limber_tracker {
        enum limber_desk_state state;
        usec_t state_since;     /* when the current state began */
        usec_t sitting_since;   /* start of the sitting streak; 0: none */
};

const char *limber_desk_state_to_string(enum limber_desk_state s);

/* Applies a report. Idle for less than natural_break does not end a streak. Returns
 * true when the state changed (not a repeated report). */
bool limber_tracker_report(struct limber_tracker *t, bool idle, usec_t now, usec_t natural_break);

/* A lock or a suspend: idle, and the streak ends at once, however short the break.
 * Returns true when the state or SittingSince changed. */
bool limber_tracker_break(struct limber_tracker *t, usec_t now);

/* Ends the streak when the user has been idle for natural_break by now. Returns true
 * when SittingSince changed. */
bool limber_tracker_advance(struct limber_tracker *t, usec_t now, usec_t natural_break);

/* When limber_tracker_advance() next has something to do; 0 for never. */
usec_t limber_tracker_deadline(const struct limber_tracker *t, usec_t natural_break);
