/* Reminders: the sitting limit and session starts become SessionDue signals and desktop
 * notifications, held while notifications are inhibited or the user is in a busy slot;
 * outcomes come back from the bus or a notification's buttons. */
#pragma once

#include <systemd/sd-bus.h>

#include "daemon.h"

int limber_reminders_start(struct limber_daemon *d);
void limber_reminders_stop(struct limber_daemon *d);

/* After the desk state or the configuration changed: re-arms the sitting limit. */
void limber_reminders_desk_changed(struct limber_daemon *d);

/* After a re-plan: announces the sessions that started since the last one. */
void limber_reminders_plan_changed(struct limber_daemon *d);

/* Gives session id an outcome: completed, skipped, or snoozed by `by` (0: the configured
 * snooze). Stores it before returning, then re-plans. Returns -ENOENT for an unknown
 * id, -EPERM for a snooze of a session that is over; on other failures, negative errno. */
int limber_reminders_outcome(struct limber_daemon *d, const char *id, enum limber_session_status status,
                             usec_t by);
