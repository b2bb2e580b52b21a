/* logind.c: the logind idle source: what systemd-logind knows about the user's
 * display session, on the system bus.
 *
 * limberd runs as a user service, which belongs to no session, so the session is the one
 * Manager.GetSession("auto") names: the user's display session. Its IdleHint,
 * IdleSinceHint (CLOCK_REALTIME µs) and LockedHint are read once with GetAll and then
 * followed through PropertiesChanged, matched on the session's real object path (the
 * one GetSession returned; logind sends nothing on the "auto" alias). The Manager's
 * PrepareForSleep(true) reports a suspend; PrepareForSleep(false) reports the desk active
 * (waking the machine is being at it: a fresh streak), then the session is read again, as
 * it may have been locked on the way down.
 *
 * IdleHint is only as good as whoever sets it: gnome-session and swayidle's idlehint do,
 * KDE Plasma does not. Hence the lowest rank: any desktop or display source overrides it,
 * while LockedHint and a suspend count as a break whatever the others say.
 *
 * Reports: LOCKED when LockedHint, IDLE (since IdleSinceHint) when IdleHint, else ACTIVE;
 * SUSPENDED between the two PrepareForSleep signals; GONE when logind leaves the bus or
 * the session ends. A new logind owner is looked up from scratch, and so is the session
 * when a new one starts while none is known.
 *
 * No configuration keys. Without a system bus the plugin cannot start. Every call is
 * asynchronous: replies and signals arrive on limberd's event loop. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "limber-plugin.h"

#define LOGIN1 "org.freedesktop.login1"
#define LOGIN1_PATH "/org/freedesktop/login1"
#define MANAGER_INTERFACE "org.freedesktop.login1.Manager"
#define SESSION_INTERFACE "org.freedesktop.login1.Session"
#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

struct session_state {
        bool idle;
        bool locked;
        uint64_t idle_since;
};

struct logind {
        const struct limber_host *host;
        sd_bus *bus;
        sd_bus_slot *owner_match;       /* NameOwnerChanged of org.freedesktop.login1 */
        sd_bus_slot *manager_match;     /* the Manager's signals */
        sd_bus_slot *session_match;     /* PropertiesChanged on the session's path */
        sd_bus_slot *call;              /* the call in flight: GetSession, then GetAll */
        char *session_path;
        struct session_state session;
        bool sleeping;
        bool reported;
        enum limber_idle_state last_state;
        uint64_t last_since;
};

static void report(struct logind *l, enum limber_idle_state state, uint64_t since) {
        /* logind also sends PropertiesChanged for what limber ignores (Active, the
         * monotonic twin of IdleSinceHint): repeat nothing. */
        if (l->reported && l->last_state == state && l->last_since == since)
                return;
        l->reported = true;
        l->last_state = state;
        l->last_since = since;
        l->host->report_idle(l->host, state, since);
}

static void report_session(struct logind *l) {
        /* A lock on the way into a suspend must not end SUSPENDED early. */
        if (l->sleeping)
                return;
        if (l->session.locked)
                report(l, LIMBER_IDLE_LOCKED, 0);
        else if (l->session.idle)
                report(l, LIMBER_IDLE_IDLE, l->session.idle_since);
        else
                report(l, LIMBER_IDLE_ACTIVE, 0);
}

static bool error_is_absent(const sd_bus_error *e) {
        return sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
}

static void forget_session(struct logind *l) {
        l->call = sd_bus_slot_unref(l->call);
        l->session_match = sd_bus_slot_unref(l->session_match);
        free(l->session_path);
        l->session_path = NULL;
        l->session = (struct session_state) { 0 };
}

static int on_match_installed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct logind *l = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        /* Without this handler sd-bus would close limberd's system bus connection. */
        if (e)
                l->host->log(l->host, LOG_WARNING, "cannot follow logind's signals: %s", e->message);
        return 0;
}

/* Reads IdleHint, IdleSinceHint and LockedHint from an a{sv}, leaving the others; on
 * success *s holds the old values updated by what the dictionary says. */
static int read_properties(sd_bus_message *m, struct session_state *s, bool *ret_any) {
        struct session_state n = *s;
        bool any = false;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *name;
                int b;

                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        return r;
                if (strcmp(name, "IdleHint") == 0) {
                        r = sd_bus_message_read(m, "v", "b", &b);
                        n.idle = b;
                        any = true;
                } else if (strcmp(name, "LockedHint") == 0) {
                        r = sd_bus_message_read(m, "v", "b", &b);
                        n.locked = b;
                        any = true;
                } else if (strcmp(name, "IdleSinceHint") == 0) {
                        r = sd_bus_message_read(m, "v", "t", &n.idle_since);
                        any = true;
                } else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *s = n;
        if (ret_any)
                *ret_any = any;
        return 0;
}

static int on_get_all(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct logind *l = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        int r;

        l->call = sd_bus_slot_unref(l->call);
        if (e) {
                /* The session ended between GetSession and now, or logind left: the
                 * signals for either bring the next lookup. */
                l->host->log(l->host, LOG_WARNING, "cannot read session %s: %s", l->session_path,
                             e->message);
                return 0;
        }
        r = read_properties(m, &l->session, NULL);
        if (r < 0) {
                l->host->log(l->host, LOG_WARNING, "cannot parse the properties of session %s: %s",
                             l->session_path, strerror(-r));
                return 0;
        }
        report_session(l);
        return 0;
}

static int read_session(struct logind *l) {
        int r;

        l->call = sd_bus_slot_unref(l->call);
        r = sd_bus_call_method_async(l->bus, &l->call, LOGIN1, l->session_path, PROPERTIES_INTERFACE,
                                     "GetAll", on_get_all, l, "s", SESSION_INTERFACE);
        if (r < 0)
                l->host->log(l->host, LOG_WARNING, "cannot ask logind for session %s: %s", l->session_path,
                             strerror(-r));
        return r;
}

static int on_session_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct logind *l = userdata;
        const char *interface;
        bool any = false, invalidated = false;
        int r;

        r = sd_bus_message_read(m, "s", &interface);
        if (r < 0 || strcmp(interface, SESSION_INTERFACE) != 0)
                return 0;
        r = read_properties(m, &l->session, &any);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "s");
        if (r >= 0) {
                const char *name;
                while ((r = sd_bus_message_read(m, "s", &name)) > 0)
                        if (strcmp(name, "IdleHint") == 0 || strcmp(name, "IdleSinceHint") == 0 ||
                            strcmp(name, "LockedHint") == 0)
                                invalidated = true;
        }
        if (r < 0) {
                l->host->log(l->host, LOG_WARNING, "cannot parse PropertiesChanged of session %s: %s",
                             l->session_path, strerror(-r));
                return 0;
        }
        /* logind sends the values; a property announced without its value is read anew. */
        if (invalidated)
                (void) read_session(l);
        else if (any)
                report_session(l);
        return 0;
}

static int on_get_session(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct logind *l = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        const char *path;
        int r;

        l->call = sd_bus_slot_unref(l->call);
        if (e) {
                if (error_is_absent(e))
                        l->host->log(l->host, LOG_INFO, "logind is not on the system bus; waiting for it");
                else
                        /* e.g. NoSessionForPID: no display session yet. SessionNew brings one. */
                        l->host->log(l->host, LOG_NOTICE, "no session to follow (%s); waiting for one",
                                     e->message);
                return 0;
        }
        r = sd_bus_message_read(m, "o", &path);
        if (r < 0) {
                l->host->log(l->host, LOG_WARNING, "cannot parse logind's answer to GetSession: %s", strerror(-r));
                return 0;
        }

        forget_session(l);
        l->session_path = strdup(path);
        if (!l->session_path) {
                l->host->log(l->host, LOG_ERR, "out of memory");
                return 0;
        }
        /* The match goes out before GetAll, so no change can fall between the two. */
        r = sd_bus_match_signal_async(l->bus, &l->session_match, LOGIN1, l->session_path, PROPERTIES_INTERFACE,
                                      "PropertiesChanged", on_session_changed, on_match_installed, l);
        if (r < 0) {
                l->host->log(l->host, LOG_WARNING, "cannot follow session %s: %s", l->session_path, strerror(-r));
                return 0;
        }
        l->host->log(l->host, LOG_INFO, "following session %s", l->session_path);
        (void) read_session(l);
        return 0;
}

static int lookup_session(struct logind *l) {
        int r;

        forget_session(l);
        r = sd_bus_call_method_async(l->bus, &l->call, LOGIN1, LOGIN1_PATH, MANAGER_INTERFACE, "GetSession",
                                     on_get_session, l, "s", "auto");
        if (r < 0)
                l->host->log(l->host, LOG_WARNING, "cannot ask logind for the session: %s", strerror(-r));
        return r;
}

static int on_manager_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct logind *l = userdata;
        int r;

        if (sd_bus_message_is_signal(m, MANAGER_INTERFACE, "PrepareForSleep")) {
                int start;
                r = sd_bus_message_read(m, "b", &start);
                if (r < 0)
                        return 0;
                l->sleeping = start;
                if (start)
                        report(l, LIMBER_IDLE_SUSPENDED, 0);
                else {
                        report(l, LIMBER_IDLE_ACTIVE, 0);
                        if (l->session_path)
                                (void) read_session(l);
                }
        } else if (sd_bus_message_is_signal(m, MANAGER_INTERFACE, "SessionNew")) {
                if (!l->session_path && !l->call)
                        (void) lookup_session(l);
        } else if (sd_bus_message_is_signal(m, MANAGER_INTERFACE, "SessionRemoved")) {
                const char *id, *path;
                r = sd_bus_message_read(m, "so", &id, &path);
                if (r < 0 || !l->session_path || strcmp(path, l->session_path) != 0)
                        return 0;
                l->host->log(l->host, LOG_INFO, "session %s ended", id);
                forget_session(l);
                report(l, LIMBER_IDLE_GONE, 0);
                /* "auto" may name another of the user's sessions. */
                (void) lookup_session(l);
        }
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct logind *l = userdata;
        const char *name, *old_owner, *new_owner;
        int r;

        r = sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner);
        if (r < 0 || strcmp(name, LOGIN1) != 0)
                return 0;
        forget_session(l);
        l->sleeping = false;
        if (new_owner[0] == '\0') {
                l->host->log(l->host, LOG_NOTICE, "logind left the system bus");
                report(l, LIMBER_IDLE_GONE, 0);
                return 0;
        }
        l->host->log(l->host, LOG_INFO, "logind is on the system bus (%s)", new_owner);
        (void) lookup_session(l);
        return 0;
}

static void logind_free(struct logind *l) {
        if (!l)
                return;
        forget_session(l);
        sd_bus_slot_unref(l->owner_match);
        sd_bus_slot_unref(l->manager_match);
        sd_bus_unref(l->bus);
        free(l);
}

static int logind_start(const struct limber_host *host, void **ret_state) {
        struct logind *l;
        int r;

        if (!host->system_bus) {
                host->log(host, LOG_ERR, "no system bus: logind cannot be reached");
                return -ENOTCONN;
        }
        l = calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        l->host = host;
        l->bus = sd_bus_ref(host->system_bus);

        /* arg0 keeps the system bus's other comings and goings away from limberd. */
        r = sd_bus_add_match_async(l->bus, &l->owner_match,
                                   "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                   "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                   "arg0='" LOGIN1 "'",
                                   on_owner_changed, on_match_installed, l);
        if (r >= 0)
                r = sd_bus_add_match_async(l->bus, &l->manager_match,
                                           "type='signal',sender='" LOGIN1 "',path='" LOGIN1_PATH "',"
                                           "interface='" MANAGER_INTERFACE "'",
                                           on_manager_signal, on_match_installed, l);
        if (r >= 0)
                r = lookup_session(l);
        if (r < 0) {
                host->log(host, LOG_ERR, "cannot watch logind: %s", strerror(-r));
                logind_free(l);
                return r;
        }
        *ret_state = l;
        return 0;
}

static void logind_stop(void *state) {
        logind_free(state);
}

LIMBER_PLUGIN_DEFINE(
        .name = "logind",
        .description = "idle and lock hints of the display session, and suspends, from systemd-logind",
        .idle_rank = LIMBER_IDLE_RANK_SESSION,
        .start = logind_start,
        .stop = logind_stop,
);
