/* The planner: from configuration, activity history, stored sessions, busy times and
 * the time now, the sessions of the planning horizon. A pure function: no I/O, no
 * clock of its own; local times follow the process's time zone (TZ). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "activity.h"
#include "config.h"
#include "session.h"

struct limber_interval {
        usec_t start;
        usec_t end;
};

struct limber_plan_input {
        const struct limber_config *config;
        usec_t now;
        /* When limber first ran with this state: the week it fell in asks only for
         * the share of its days from then on (planner.c); 0 when unknown, or later
         * than now, and every week asks in full. */
        usec_t first_run;
        /* Activities of at least the last 44 days (the 30-day spike look-back from any
         * day of this week and the last, the 28-day one from any day of this week), any
         * order. */
        const struct limber_activity *activities;
        size_t n_activities;
        /* Stored sessions, any order, each id once. */
        const struct limber_session *sessions;
        size_t n_sessions;
        /* Busy times from the user's calendars, any order. */
        const struct limber_interval *busy;
        size_t n_busy;
};

/* A session a rule asked for that found no free slot. */
struct limber_unplaced {
        enum limber_session_kind kind;
        enum limber_rule rule;
        int day;                        /* the week's Monday, or the day, it was meant for */
        char reason[LIMBER_REASON_MAX];
};

struct limber_plan_session {
        struct limber_session session;
        bool changed;                   /* differs from the stored one, or is new: store it */
};

struct limber_plan {
        /* Every stored session and every new one, by start time then id: history,
         * outcomes, the planned ones, and those cancelled now (status CANCELLED). */
        struct limber_plan_session *sessions;
        size_t n_sessions;
        struct limber_unplaced *unplaced;
        size_t n_unplaced;

        /* This week's figures, for the bus. */
        unsigned week_smr_done;
        unsigned week_smr_target;
        unsigned week_cardio_minutes;
        unsigned week_cardio_target;
        double load_ratio;              /* 7-day volume over the 28-day weekly mean; 0 without history */
};

int limber_plan(const struct limber_plan_input *in, struct limber_plan *ret);
void limber_plan_free(struct limber_plan *p);

/* The next instant after now at which the plan changes by itself (a session starts,
 * ends, passes its grace period, or the local day changes); the caller re-plans then. */
usec_t limber_plan_next_wakeup(const struct limber_plan *p, const struct limber_config *c, usec_t now);
