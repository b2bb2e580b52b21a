/* Desktop notifications through org.freedesktop.Notifications, with Done, Snooze and Skip actions.
 *
 * The notifier keeps the set of notifications limberd wants on screen, one per session,
 * and follows whichever process owns org.freedesktop.Notifications: the server may
 * start after limberd, restart, or be replaced by another. Its ids mean nothing to the
 * next server, so when the owner changes every notification still wanted is sent again
 * to the new one. Every call is asynchronous with a slot of its own: a slow or hung
 * server never holds up the loop.
 *
 * Do-not-disturb has no standard property. KDE Plasma has Inhibited on the
 * notifications interface; dunst 1.9 (Debian 12) has paused on org.dunstproject.cmd0,
 * with PropertiesChanged for both. GNOME Shell and mako expose nothing on the bus, so
 * there limber cannot tell and shows reminders; those servers then hold them back
 * themselves. */
#include "notify.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define NOTIFICATIONS_NAME      "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH      "/org/freedesktop/Notifications"
#define NOTIFICATIONS_INTERFACE "org.freedesktop.Notifications"
#define DUNST_INTERFACE         "org.dunstproject.cmd0"
#define PROPERTIES_INTERFACE    "org.freedesktop.DBus.Properties"

#define APP_NAME "limber"
/* From the icon naming spec, so every icon theme has one. */
#define APP_ICON "appointment-soon"
/* Vendor categories are x-VENDOR.CLASS; a user can write rules for it (dunst, mako). */
#define CATEGORY "x-limber.reminder"
/* Never expire: a reminder waits for an answer, and limberd itself closes it once the
 * session has an outcome or is no longer due. GNOME ignores the value, dunst honours it. */
#define EXPIRE_NEVER 0
#define URGENCY_NORMAL 1

/* Sessions due at once are few (a break, an SMR session); the bound only guards against
 * a caller that never closes: the oldest notification then makes way. */
#define SHOWN_MAX 32

struct shown {
        struct limber_notifier *notifier;
        char *session_id;
        char *summary;
        char *body;
        uint32_t id;                    /* the current server's id, 0 while none */
        sd_bus_slot *call;              /* the Notify call in flight */
        bool dirty;                     /* to be sent (again) to the current server */
        bool closing;                   /* closed while Notify was in flight: close on its reply */
};

struct limber_notifier {
        sd_bus *bus;
        limber_notify_action_t on_action;
        limber_notify_resumed_t on_resumed;
        void *userdata;

        sd_bus_slot *owner_match;
        sd_bus_slot *owner_call;
        sd_bus_slot *action_match;
        sd_bus_slot *closed_match;
        sd_bus_slot *properties_match;
        sd_bus_slot *capabilities_call;
        sd_bus_slot *inhibited_call;
        sd_bus_slot *paused_call;

        bool owner_known;               /* GetNameOwner or NameOwnerChanged has answered */
        char *owner;                    /* the server's unique name; NULL: no server */
        bool capabilities_known;
        bool markup;                    /* the server reads body markup: escape the body */
        bool inhibited;                 /* org.freedesktop.Notifications.Inhibited */
        bool paused;                    /* org.dunstproject.cmd0.paused */
        bool told_no_server;

        struct shown **shown;           /* oldest first */
        size_t n_shown;
        size_t allocated;
};

static bool streq_ptr(const char *a, const char *b) {
        return a == b || (a && b && strcmp(a, b) == 0);
}

/* D-Bus strings must be UTF-8, and sd-bus refuses others only when the message is built,
 * which may be much later: check up front so show() can say so. */
static bool utf8_is_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        while (*p) {
                uint32_t c;
                size_t len;

                if (*p < 0x80) {
                        p++;
                        continue;
                } else if ((*p & 0xe0) == 0xc0) {
                        c = *p & 0x1f;
                        len = 2;
                } else if ((*p & 0xf0) == 0xe0) {
                        c = *p & 0x0f;
                        len = 3;
                } else if ((*p & 0xf8) == 0xf0) {
                        c = *p & 0x07;
                        len = 4;
                } else
                        return false;
                for (size_t i = 1; i < len; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        c = (c << 6) | (p[i] & 0x3f);
                }
                if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
                    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                        return false;
                p += len;
        }
        return true;
}

/* The spec's markup is a subset of XML: a step like "hips < knees" must not become a tag. */
static char *escape_markup(const char *s) {
        size_t n = 0;

        for (const char *p = s; *p; p++)
                n += *p == '&' ? 5 : *p == '<' || *p == '>' ? 4 : 1;
        char *out = malloc(n + 1), *q = out;
        if (!out)
                return NULL;
        for (const char *p = s; *p; p++) {
                const char *e = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : NULL;
                if (e) {
                        memcpy(q, e, strlen(e));
                        q += strlen(e);
                } else
                        *q++ = *p;
        }
        *q = '\0';
        return out;
}

static struct shown *find_session(struct limber_notifier *n, const char *session_id) {
        for (size_t i = 0; i < n->n_shown; i++)
                if (strcmp(n->shown[i]->session_id, session_id) == 0)
                        return n->shown[i];
        return NULL;
}

static struct shown *find_id(struct limber_notifier *n, uint32_t id) {
        if (id == 0)
                return NULL;
        for (size_t i = 0; i < n->n_shown; i++)
                if (n->shown[i]->id == id)
                        return n->shown[i];
        return NULL;
}

static void shown_free(struct shown *e) {
        sd_bus_slot_unref(e->call);
        free(e->session_id);
        free(e->summary);
        free(e->body);
        free(e);
}

/* Forgets e (cancelling its call in flight, if any). */
static void shown_remove(struct limber_notifier *n, struct shown *e) {
        for (size_t i = 0; i < n->n_shown; i++)
                if (n->shown[i] == e) {
                        memmove(n->shown + i, n->shown + i + 1, (n->n_shown - i - 1) * sizeof *n->shown);
                        n->n_shown--;
                        break;
                }
        shown_free(e);
}

/* Fire and forget: no reply is asked for, and a server that has gone needs no closing. */
static void send_close(struct limber_notifier *n, uint32_t id) {
        int r;

        if (!n->owner || id == 0)
                return;
        r = sd_bus_call_method_async(n->bus, NULL, n->owner, NOTIFICATIONS_PATH, NOTIFICATIONS_INTERFACE,
                                     "CloseNotification", NULL, NULL, "u", id);
        if (r < 0)
                limber_log_errno(LOG_DEBUG, r, "Could not close notification %" PRIu32, id);
}

static void note_no_server(struct limber_notifier *n) {
        if (n->told_no_server)
                return;
        n->told_no_server = true;
        log_debug("No notification server on the bus (%s): notifications wait for one", NOTIFICATIONS_NAME);
}

static int on_notify_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

static int send_notify(struct limber_notifier *n, struct shown *e) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        char *escaped = NULL;
        int r;

        if (n->markup) {
                escaped = escape_markup(e->body);
                if (!escaped)
                        return -ENOMEM;
        }

        /* To the well-known name, not to n->owner: with no server yet, that lets the bus
         * start an activatable one, as notify-send would. */
        r = sd_bus_message_new_method_call(n->bus, &m, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                           NOTIFICATIONS_INTERFACE, "Notify");
        if (r >= 0)
                r = sd_bus_message_append(m, "susss", APP_NAME, e->id, APP_ICON, e->summary,
                                          escaped ? escaped : e->body);
        /* No "default" action: a click on the body answers nothing, and dunst invokes a
         * default in place of offering the buttons. No desktop-entry hint: limberd has no
         * .desktop file for a server to look up. resident=false (the spec's default,
         * spelled out) lets a server remove the notification once a button is pressed. */
        if (r >= 0)
                r = sd_bus_message_append(m, "as", 6, "done", "Done", "snooze", "Snooze", "skip", "Skip");
        if (r >= 0)
                r = sd_bus_message_append(m, "a{sv}", 3,
                                          "urgency", "y", URGENCY_NORMAL,
                                          "category", "s", CATEGORY,
                                          "resident", "b", 0);
        if (r >= 0)
                r = sd_bus_message_append(m, "i", EXPIRE_NEVER);
        free(escaped);
        if (r < 0)
                return r;

        r = sd_bus_call_async(n->bus, &e->call, m, on_notify_reply, e, 0);
        if (r < 0)
                return r;
        (void) sd_bus_slot_set_description(e->call, "notify");
        e->dirty = false;
        return 0;
}

/* Brings one notification in line with what is wanted, if nothing is in flight for it.
 * May free e. */
static void sync_shown(struct limber_notifier *n, struct shown *e) {
        int r;

        if (e->call)
                return;
        if (e->closing) {
                send_close(n, e->id);
                shown_remove(n, e);
                return;
        }
        if (!e->dirty)
                return;
        /* Until the owner and its capabilities are known, their replies sync. */
        if (!n->owner_known || (n->owner && !n->capabilities_known))
                return;
        r = send_notify(n, e);
        if (r < 0)
                log_warning_errno(r, "Could not send the notification for %s", e->session_id);
}

static void sync_all(struct limber_notifier *n) {
        /* Backwards: sync_shown may remove the entry it is given, and only that one. */
        for (size_t i = n->n_shown; i > 0; i--)
                sync_shown(n, n->shown[i - 1]);
}

static int on_notify_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct shown *e = userdata;
        struct limber_notifier *n = e->notifier;
        const sd_bus_error *error = sd_bus_message_get_error(m);
        bool from_owner = n->owner && streq_ptr(sd_bus_message_get_sender(m), n->owner);
        uint32_t id;
        int r;

        e->call = sd_bus_slot_unref(e->call);

        if (error) {
                if (sd_bus_error_has_name(error, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                    sd_bus_error_has_name(error, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                        e->id = 0;
                        if (n->owner)
                                e->dirty = true;        /* a server has come since */
                        else
                                note_no_server(n);
                } else
                        log_warning("The notification server did not show the notification for %s: %s",
                                    e->session_id, error->message ? error->message : error->name);
        } else if ((r = sd_bus_message_read(m, "u", &id)) < 0)
                log_warning_errno(r, "Bad reply to Notify from the notification server");
        else if (from_owner)
                e->id = id;
        else {
                /* Answered by a server that has gone since: the id means nothing now. */
                e->id = 0;
                e->dirty = true;
        }

        if (e->closing || n->owner)
                sync_shown(n, e);
        return 0;
}

static void set_inhibited(struct limber_notifier *n, bool inhibited, bool paused) {
        bool was = n->inhibited || n->paused, now = inhibited || paused;

        n->inhibited = inhibited;
        n->paused = paused;
        if (was == now)
                return;
        log_debug("Notifications %s", now ? "inhibited (do not disturb)" : "no longer inhibited");
        if (!now && n->on_resumed)
                n->on_resumed(n->userdata);
}

/* Reads the "v" of a Get reply holding a boolean. A server without the property (every
 * one but the kind it belongs to) answers with an error, which means not inhibited. */
static bool read_bool_reply(sd_bus_message *m, const char *property) {
        const sd_bus_error *error = sd_bus_message_get_error(m);
        int b = 0, r;

        if (error) {
                log_debug("The notification server has no %s: %s", property,
                          error->message ? error->message : error->name);
                return false;
        }
        r = sd_bus_message_read(m, "v", "b", &b);
        if (r < 0) {
                limber_log_errno(LOG_DEBUG, r, "The notification server's %s is not a boolean", property);
                return false;
        }
        return b;
}

static int on_inhibited_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct limber_notifier *n = userdata;

        n->inhibited_call = sd_bus_slot_unref(n->inhibited_call);
        set_inhibited(n, read_bool_reply(m, "Inhibited"), n->paused);
        return 0;
}

static int on_paused_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct limber_notifier *n = userdata;

        n->paused_call = sd_bus_slot_unref(n->paused_call);
        set_inhibited(n, n->inhibited, read_bool_reply(m, "paused"));
        return 0;
}

static void get_property(struct limber_notifier *n, sd_bus_slot **slot, const char *interface,
                         const char *property, sd_bus_message_handler_t callback) {
        int r;

        *slot = sd_bus_slot_unref(*slot);
        r = sd_bus_call_method_async(n->bus, slot, n->owner, NOTIFICATIONS_PATH, PROPERTIES_INTERFACE, "Get",
                                     callback, n, "ss", interface, property);
        if (r < 0)
                limber_log_errno(LOG_DEBUG, r, "Could not ask the notification server for %s", property);
}

static void get_inhibited(struct limber_notifier *n) {
        get_property(n, &n->inhibited_call, NOTIFICATIONS_INTERFACE, "Inhibited", on_inhibited_reply);
}

static void get_paused(struct limber_notifier *n) {
        get_property(n, &n->paused_call, DUNST_INTERFACE, "paused", on_paused_reply);
}

static int on_capabilities_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct limber_notifier *n = userdata;
        const char *cap;
        int r;

        n->capabilities_call = sd_bus_slot_unref(n->capabilities_call);
        n->capabilities_known = true;
        n->markup = false;
        if (sd_bus_message_is_method_error(m, NULL))
                log_debug("The notification server did not tell its capabilities: %s",
                          sd_bus_message_get_error(m)->name);
        else {
                r = sd_bus_message_enter_container(m, 'a', "s");
                while (r > 0 && (r = sd_bus_message_read(m, "s", &cap)) > 0)
                        if (strcmp(cap, "body-markup") == 0)
                                n->markup = true;
                if (r < 0)
                        limber_log_errno(LOG_DEBUG, r, "Bad reply to GetCapabilities");
        }
        sync_all(n);
        return 0;
}

static void set_owner(struct limber_notifier *n, const char *owner) {
        int r;

        if (owner && !*owner)
                owner = NULL;
        if (n->owner_known && streq_ptr(n->owner, owner))
                return;

        free(n->owner);
        n->owner = NULL;
        if (owner && !(n->owner = strdup(owner))) {
                log_warning("Out of memory: notifications are off until the server changes");
                owner = NULL;
        }
        n->owner_known = true;
        n->capabilities_known = false;
        n->markup = false;
        n->capabilities_call = sd_bus_slot_unref(n->capabilities_call);
        n->inhibited_call = sd_bus_slot_unref(n->inhibited_call);
        n->paused_call = sd_bus_slot_unref(n->paused_call);

        /* What the last server showed is gone with it, or at least its ids are: send
         * again what is still wanted. A call in flight is left to its reply, which
         * tells by its sender whether it reached the new server. */
        for (size_t i = 0; i < n->n_shown; i++)
                if (!n->shown[i]->call) {
                        n->shown[i]->id = 0;
                        n->shown[i]->dirty = true;
                }

        if (!owner) {
                log_debug("The notification server left the bus");
                /* Nobody inhibits now. The next server is waited for rather than started
                 * by sending again: a user who stopped one may be starting another. */
                set_inhibited(n, false, false);
                return;
        }

        log_debug("Notification server: %s", owner);
        n->told_no_server = false;
        /* Do-not-disturb stays as it was until the new server says otherwise, so that
         * a server replacing another does not let held reminders out for a moment. */
        get_inhibited(n);
        get_paused(n);
        r = sd_bus_call_method_async(n->bus, &n->capabilities_call, n->owner, NOTIFICATIONS_PATH,
                                     NOTIFICATIONS_INTERFACE, "GetCapabilities", on_capabilities_reply, n, NULL);
        if (r < 0) {
                limber_log_errno(LOG_DEBUG, r, "Could not ask the notification server for its capabilities");
                n->capabilities_known = true;
                sync_all(n);
        }
}

static int on_name_owner(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct limber_notifier *n = userdata;
        const char *owner = NULL;

        n->owner_call = sd_bus_slot_unref(n->owner_call);
        if (!sd_bus_message_is_method_error(m, NULL) && sd_bus_message_read(m, "s", &owner) < 0)
                owner = NULL;
        set_owner(n, owner);
        return 0;
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct limber_notifier *n = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 ||
            strcmp(name, NOTIFICATIONS_NAME) != 0)
                return 0;
        set_owner(n, new_owner);
        return 0;
}

/* Signals are matched on the well-known name; a stale one from a server that has just
 * lost it must not be taken for the current server's. */
static bool from_server(struct limber_notifier *n, sd_bus_message *m) {
        return n->owner && streq_ptr(sd_bus_message_get_sender(m), n->owner);
}

static int on_action_invoked(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct limber_notifier *n = userdata;
        const char *key;
        uint32_t id;
        struct shown *e;

        if (!from_server(n, m) || sd_bus_message_read(m, "us", &id, &key) < 0)
                return 0;
        e = find_id(n, id);
        if (!e || e->closing)
                return 0;

        const char *action = strcmp(key, "done") == 0 ? "done" :
                             strcmp(key, "snooze") == 0 ? "snooze" :
                             strcmp(key, "skip") == 0 ? "skip" : NULL;
        char *session_id = e->session_id;

        /* Answered: close it (dunst leaves it up after an action) and forget it before
         * telling the caller, who may show or close notifications from the callback. */
        e->session_id = NULL;
        send_close(n, id);
        shown_remove(n, e);
        if (action) {
                log_debug("Notification for %s: %s", session_id, action);
                if (n->on_action)
                        n->on_action(session_id, action, n->userdata);
        } else
                log_debug("Notification for %s: action '%s' means nothing, closed", session_id, key);
        free(session_id);
        return 0;
}

static int on_notification_closed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct limber_notifier *n = userdata;
        uint32_t id, reason;
        struct shown *e;

        if (!from_server(n, m) || sd_bus_message_read(m, "uu", &id, &reason) < 0)
                return 0;
        e = find_id(n, id);
        if (!e)
                return 0;
        /* Dismissed or expired. A replacement in flight makes a new notification. */
        log_debug("Notification for %s closed (reason %" PRIu32 ")", e->session_id, reason);
        e->id = 0;
        if (!e->call)
                shown_remove(n, e);
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct limber_notifier *n = userdata;
        const char *interface, *name;
        bool inhibited = n->inhibited, paused = n->paused;
        bool is_fdo, is_dunst;
        int r, b;

        if (!from_server(n, m) || !streq_ptr(sd_bus_message_get_path(m), NOTIFICATIONS_PATH) ||
            sd_bus_message_read(m, "s", &interface) < 0)
                return 0;
        is_fdo = strcmp(interface, NOTIFICATIONS_INTERFACE) == 0;
        is_dunst = strcmp(interface, DUNST_INTERFACE) == 0;
        if (!is_fdo && !is_dunst)
                return 0;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r > 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &name);
                if (r >= 0 && ((is_fdo && strcmp(name, "Inhibited") == 0) || (is_dunst && strcmp(name, "paused") == 0))) {
                        r = sd_bus_message_read(m, "v", "b", &b);
                        if (r >= 0)
                                *(is_fdo ? &inhibited : &paused) = b;
                } else if (r >= 0)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        /* A property changed without its value: read it. */
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "s");
        while (r > 0 && (r = sd_bus_message_read(m, "s", &name)) > 0) {
                if (is_fdo && strcmp(name, "Inhibited") == 0)
                        get_inhibited(n);
                else if (is_dunst && strcmp(name, "paused") == 0)
                        get_paused(n);
        }
        if (r < 0) {
                limber_log_errno(LOG_DEBUG, r, "Bad PropertiesChanged from the notification server");
                return 0;
        }
        set_inhibited(n, inhibited, paused);
        return 0;
}

/* The default install callback would close limberd's bus connection on a failure, for
 * something limberd can do without. */
static int on_match_installed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *error = sd_bus_message_get_error(m);

        if (error)
                log_warning("Could not watch the notification server: %s",
                            error->message ? error->message : error->name);
        return 0;
}

int limber_notifier_new(sd_bus *bus, limber_notify_action_t on_action, limber_notify_resumed_t on_resumed,
                        void *userdata, struct limber_notifier **ret) {
        _cleanup_(limber_notifier_freep) struct limber_notifier *n = NULL;
        int r;

        if (!bus || !ret)
                return -EINVAL;
        n = calloc(1, sizeof *n);
        if (!n)
                return -ENOMEM;
        n->bus = sd_bus_ref(bus);
        n->on_action = on_action;
        n->on_resumed = on_resumed;
        n->userdata = userdata;

        /* arg0 keeps the bus from waking limberd for every other name on the bus. */
        r = sd_bus_add_match_async(bus, &n->owner_match,
                                   "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                   "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                   "arg0='" NOTIFICATIONS_NAME "'",
                                   on_name_owner_changed, on_match_installed, n);
        if (r < 0)
                return r;
        r = sd_bus_match_signal_async(bus, &n->action_match, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                      NOTIFICATIONS_INTERFACE, "ActionInvoked", on_action_invoked,
                                      on_match_installed, n);
        if (r < 0)
                return r;
        r = sd_bus_match_signal_async(bus, &n->closed_match, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                      NOTIFICATIONS_INTERFACE, "NotificationClosed", on_notification_closed,
                                      on_match_installed, n);
        if (r < 0)
                return r;
        r = sd_bus_match_signal_async(bus, &n->properties_match, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                      PROPERTIES_INTERFACE, "PropertiesChanged", on_properties_changed,
                                      on_match_installed, n);
        if (r < 0)
                return r;
        /* Sent after the AddMatch calls, so no change of owner falls between the two. */
        r = sd_bus_call_method_async(bus, &n->owner_call, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetNameOwner", on_name_owner, n, "s",
                                     NOTIFICATIONS_NAME);
        if (r < 0)
                return r;

        *ret = n;
        n = NULL;
        return 0;
}

int limber_notifier_show(struct limber_notifier *n, const char *session_id, const char *summary,
                         const char *body) {
        struct shown *e;
        char *s, *b;

        if (!n || !session_id || !*session_id || !summary || !body || !utf8_is_valid(session_id) ||
            !utf8_is_valid(summary) || !utf8_is_valid(body))
                return -EINVAL;

        s = strdup(summary);
        b = strdup(body);
        if (!s || !b) {
                free(s);
                free(b);
                return -ENOMEM;
        }

        e = find_session(n, session_id);
        if (!e) {
                if (n->n_shown >= SHOWN_MAX) {
                        log_debug("Too many notifications: closing the one for %s", n->shown[0]->session_id);
                        limber_notifier_close(n, n->shown[0]->session_id);
                }
                e = calloc(1, sizeof *e);
                if (!e || !(e->session_id = strdup(session_id)) ||
                    !limber_grow((void **) &n->shown, &n->allocated, n->n_shown, sizeof *n->shown)) {
                        if (e)
                                free(e->session_id);
                        free(e);
                        free(s);
                        free(b);
                        return -ENOMEM;
                }
                e->notifier = n;
                n->shown[n->n_shown++] = e;
        }

        free(e->summary);
        free(e->body);
        e->summary = s;
        e->body = b;
        e->dirty = true;
        e->closing = false;
        sync_shown(n, e);
        return 0;
}

void limber_notifier_close(struct limber_notifier *n, const char *session_id) {
        struct shown *e;

        if (!n || !session_id)
                return;
        e = find_session(n, session_id);
        if (!e)
                return;
        e->closing = true;
        sync_shown(n, e);
}

bool limber_notifier_inhibited(const struct limber_notifier *n) {
        return n && (n->inhibited || n->paused);
}

void limber_notifier_free(struct limber_notifier *n) {
        if (!n)
                return;
        for (size_t i = 0; i < n->n_shown; i++) {
                send_close(n, n->shown[i]->id);
                shown_free(n->shown[i]);
        }
        free(n->shown);
        sd_bus_slot_unref(n->owner_match);
        sd_bus_slot_unref(n->owner_call);
        sd_bus_slot_unref(n->action_match);
        sd_bus_slot_unref(n->closed_match);
        sd_bus_slot_unref(n->properties_match);
        sd_bus_slot_unref(n->capabilities_call);
        sd_bus_slot_unref(n->inhibited_call);
        sd_bus_slot_unref(n->paused_call);
        free(n->owner);
        sd_bus_unref(n->bus);
        free(n);
}
