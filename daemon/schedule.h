/* Keeping the plan current: gathers the planner's inputs, re-plans, stores what
 * changed, publishes the feed (file and HTTP), tells the bus, and wakes at the next
 * moment the plan changes by itself. */
#pragma once

#include "daemon.h"

/* Applies the configuration (time zone, routines, busy calendars, feed, HTTP) and
 * makes the first plan. */
int limber_schedule_start(struct limber_daemon *d);

/* After a reload: applies what the new configuration changed and re-plans. */
int limber_schedule_reconfigure(struct limber_daemon *d);

/* Re-plans now; why is for the debug log. */
int limber_schedule_replan(struct limber_daemon *d, const char *why);

void limber_schedule_stop(struct limber_daemon *d);

/* The session under way or coming next, or NULL. */
const struct limber_session *limber_schedule_next(const struct limber_daemon *d);

/* The plan's session with this id, or NULL. */
const struct limber_session *limber_schedule_find(const struct limber_daemon *d, const char *id);
