/* Desktop notifications through org.freedesktop.Notifications, with Done, Snooze and Skip actions. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

struct limber_notifier;

/* A button pressed on a session's notification: action is "done", "snooze" or "skip".
 * The notification is already closed and forgotten when this is called. */
typedef void (*limber_notify_action_t)(const char *session_id, const char *action, void *userdata);

/* Do-not-disturb ended (limber_notifier_inhibited() went from true to false, because the
 * user turned it off or the server that said so went away): held reminders may be shown. */
typedef void (*limber_notify_resumed_t)(void *userdata);

/* Follows whichever process owns org.freedesktop.Notifications on bus (which must be
 * attached to an event loop), now or later. Never blocks: all calls are asynchronous.
 * Returns a negative errno only when bus cannot take the matches or out of memory. */
int limber_notifier_new(sd_bus *bus, limber_notify_action_t on_action, limber_notify_resumed_t on_resumed,
                        void *userdata, struct limber_notifier **ret);

/* Shows a notification for the session, or replaces the one already shown for it.
 * Returns at once. With no notification server on the bus it returns 0 (and logs that
 * once, at debug level); the notification is then shown when a server appears. It does
 * not look at do-not-disturb: callers hold reminders while limber_notifier_inhibited().
 * -EINVAL for an empty session id or text that is not UTF-8. */
int limber_notifier_show(struct limber_notifier *n, const char *session_id, const char *summary,
                         const char *body);

/* Closes the session's notification if one is shown (after an outcome given elsewhere,
 * or when the session is no longer due). */
void limber_notifier_close(struct limber_notifier *n, const char *session_id);

/* Whether the current notification server says notifications are inhibited (do not
 * disturb): the Inhibited property KDE Plasma has, or dunst's paused. False with no server. */
bool limber_notifier_inhibited(const struct limber_notifier *n);

/* Closes the notifications still shown (their buttons would reach no one) and frees. */
void limber_notifier_free(struct limber_notifier *n);

static inline void limber_notifier_freep(struct limber_notifier **n) {
        limber_notifier_free(*n);
}
