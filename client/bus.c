/* limberctl's side of the bus: connecting, starting limberd when it is not running,
 * calling it, turning its errors into exit statuses, and reading its properties and
 * sessions into structs.
 *
 * No call to limberd asks the bus to start it (auto-start is off on every message):
 * a unit that cannot start would make each call wait for the bus's 25 s timeout.
 * Starting is one StartServiceByName with a timeout of a few seconds, before the first
 * call, and its failure is said in one line. */
#include "limberctl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define LIMBER_NAME "io.github.limber.Limber1"
#define LIMBER_PATH "/io/github/limber/Limber1"
#define LIMBER_INTERFACE "io.github.limber.Limber1"
#define LIMBER_ERROR_NO_SUCH_SESSION "io.github.limber.Limber1.Error.NoSuchSession"

#define DBUS_NAME "org.freedesktop.DBus"
#define DBUS_PATH "/org/freedesktop/DBus"

/* How long D-Bus activation may take: limberd is ready within a second when it can
 * start at all. */
#define START_TIMEOUT (5 * USEC_PER_SEC)

static int not_running(void) {
        fputs("limberctl: " CTL_NOT_RUNNING " (" CTL_SEE_STATUS ")\n", stderr);
        return CTL_EXIT_NOT_RUNNING;
}

static int start_failed(const char *why) {
        fprintf(stderr, "limberctl: limberd could not be started: %s (" CTL_SEE_STATUS ")\n", why);
        return CTL_EXIT_NOT_RUNNING;
}

int ctl_bus_connect(sd_bus **ret) {
        sd_bus *bus = NULL;
        const char *unique;
        int r;

        r = sd_bus_open_user(&bus);
        /* The connection is set up lazily: asking for our own name waits for the bus to
         * answer Hello, so a bus that is not there shows now and not on the first call. */
        if (r >= 0)
                r = sd_bus_get_unique_name(bus, &unique);
        if (r < 0) {
                sd_bus_unref(bus);
                if (r == -ENOMEDIUM)
                        fputs("limberctl: no session bus: neither DBUS_SESSION_BUS_ADDRESS nor "
                              "XDG_RUNTIME_DIR is set\n", stderr);
                else
                        fprintf(stderr, "limberctl: cannot connect to the session bus: %s\n", strerror(-r));
                return not_running();
        }
        *ret = bus;
        return CTL_EXIT_OK;
}

int ctl_bus_has_limberd(sd_bus *bus, bool *ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int has = 0, r;

        r = sd_bus_call_method(bus, DBUS_NAME, DBUS_PATH, DBUS_NAME, "NameHasOwner", &error, &reply, "s",
                               LIMBER_NAME);
        if (r >= 0)
                r = sd_bus_message_read(reply, "b", &has);
        sd_bus_message_unref(reply);
        if (r < 0) {
                fprintf(stderr, "limberctl: cannot ask the bus about limberd: %s\n",
                        sd_bus_error_is_set(&error) ? error.message : strerror(-r));
                sd_bus_error_free(&error);
                return CTL_EXIT_NOT_RUNNING;
        }
        *ret = has;
        return CTL_EXIT_OK;
}

int ctl_bus_start(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        bool running;
        char why[64];
        int r;

        r = ctl_bus_has_limberd(bus, &running);
        if (r != CTL_EXIT_OK || running)
                return r;

        r = sd_bus_message_new_method_call(bus, &m, DBUS_NAME, DBUS_PATH, DBUS_NAME, "StartServiceByName");
        if (r >= 0)
                r = sd_bus_message_append(m, "su", LIMBER_NAME, 0);
        if (r >= 0)
                r = sd_bus_call(bus, m, START_TIMEOUT, &error, &reply);
        if (r >= 0)
                return CTL_EXIT_OK;

        if (sd_bus_error_has_name(&error, SD_BUS_ERROR_SERVICE_UNKNOWN))
                r = not_running();
        else if (r == -ETIMEDOUT) {
                snprintf(why, sizeof why, "no answer within %llu s",
                         (unsigned long long) (START_TIMEOUT / USEC_PER_SEC));
                r = start_failed(why);
        } else
                r = start_failed(sd_bus_error_is_set(&error) && error.message ? error.message : strerror(-r));
        sd_bus_error_free(&error);
        return r;
}

static bool has_prefix(const char *s, const char *prefix) {
        return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Prints what a failed call means and returns the exit status. */
static int call_failed(const char *method, int r, const sd_bus_error *error) {
        if (sd_bus_error_has_name(error, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
            sd_bus_error_has_name(error, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return not_running();
        /* D-Bus activation found a service file, but limberd did not come up. */
        if (has_prefix(error->name, "org.freedesktop.DBus.Error.Spawn."))
                return start_failed(error->message ? error->message : error->name);
        if (sd_bus_error_has_name(error, SD_BUS_ERROR_UNKNOWN_METHOD))
                fprintf(stderr, "limberctl: limberd does not offer %s: it is older than limberctl (%s)\n",
                        method, error->message ? error->message : error->name);
        else if (sd_bus_error_is_set(error))
                fprintf(stderr, "limberctl: %s\n", error->message ? error->message : error->name);
        else
                fprintf(stderr, "limberctl: %s failed: %s\n", method, strerror(-r));
        return CTL_EXIT_DAEMON;
}

/* A call to limberd that never starts it. */
static int new_call(sd_bus *bus, sd_bus_message **ret, const char *interface, const char *method) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, LIMBER_NAME, LIMBER_PATH, interface, method);
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r < 0)
                return r;
        *ret = m;
        m = NULL;
        return 0;
}

static int call_va(sd_bus *bus, const char *interface, const char *method, sd_bus_error *error,
                   sd_bus_message **reply, const char *types, va_list ap) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = new_call(bus, &m, interface, method);
        if (r >= 0 && types)
                r = sd_bus_message_appendv(m, types, ap);
        if (r < 0)
                return r;
        return sd_bus_call(bus, m, 0, error, reply);
}

static int call_interface(sd_bus *bus, const char *interface, const char *method, sd_bus_error *error,
                          sd_bus_message **reply, const char *types, ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = call_va(bus, interface, method, error, reply, types, ap);
        va_end(ap);
        return r;
}

int ctl_call(sd_bus *bus, const char *method, sd_bus_message **reply, const char *types, ...) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        va_start(ap, types);
        r = call_va(bus, LIMBER_INTERFACE, method, &error, reply, types, ap);
        va_end(ap);
        if (r < 0)
                r = call_failed(method, r, &error);
        else
                r = CTL_EXIT_OK;
        sd_bus_error_free(&error);
        return r;
}

/* --- reading an a{sv} into a struct --- */

struct field {
        const char *name;
        const char *signature;
        size_t offset;
        /* Where to note that the key was there, or 0 for nowhere. */
        size_t has_offset;
        int (*read)(sd_bus_message *m, void *obj);
};

static bool grow(void **array, size_t *allocated, size_t n, size_t size) {
        if (n < *allocated)
                return true;
        size_t na = *allocated ? *allocated * 2 : 8;
        void *p = realloc(*array, na * size);
        if (!p)
                return false;
        *array = p;
        *allocated = na;
        return true;
}

static int read_unplaced(sd_bus_message *m, void *obj) {
        struct ctl_status *s = obj;
        size_t allocated = 0;
        struct ctl_unplaced u;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(ssts)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "(ssts)", &u.kind, &u.rule, &u.day, &u.reason)) > 0) {
                if (!grow((void **) &s->unplaced, &allocated, s->n_unplaced, sizeof u))
                        return -ENOMEM;
                s->unplaced[s->n_unplaced++] = u;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int read_plugins(sd_bus_message *m, void *obj) {
        struct ctl_status *s = obj;
        size_t allocated = 0;
        struct ctl_pair p;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(ss)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "(ss)", &p.a, &p.b)) > 0) {
                if (!grow((void **) &s->plugins, &allocated, s->n_plugins, sizeof p))
                        return -ENOMEM;
                s->plugins[s->n_plugins++] = p;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int read_steps(sd_bus_message *m, void *obj) {
        struct ctl_session *s = obj;
        return sd_bus_message_read_strv(m, &s->steps);
}

/* Reads the keys the table knows, when their type is the one expected; skips the
 * rest, so a newer limberd with more keys, or other types, does no harm. */
static int read_dict(sd_bus_message *m, const struct field *fields, size_t n_fields, void *obj) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const struct field *f = NULL;
                const char *key, *contents = NULL;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n_fields && !f; i++)
                        if (strcmp(fields[i].name, key) == 0)
                                f = &fields[i];
                if (f) {
                        r = sd_bus_message_peek_type(m, NULL, &contents);
                        if (r < 0)
                                return r;
                }
                if (!f || strcmp(contents, f->signature) != 0)
                        r = sd_bus_message_skip(m, "v");
                else {
                        r = sd_bus_message_enter_container(m, 'v', contents);
                        if (r < 0)
                                return r;
                        if (f->read)
                                r = f->read(m, obj);
                        else
                                r = sd_bus_message_read_basic(m, contents[0], (char *) obj + f->offset);
                        if (r < 0)
                                return r;
                        if (f->has_offset)
                                *(bool *) ((char *) obj + f->has_offset) = true;
                        r = sd_bus_message_exit_container(m);
                }
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

#define STATUS(name, sig, member) { name, sig, offsetof(struct ctl_status, member), 0, NULL }
#define SESSION(name, sig, member) { name, sig, offsetof(struct ctl_session, member), 0, NULL }

static const struct field status_fields[] = {
        STATUS("Version", "s", version),
        STATUS("Idle", "b", idle),
        STATUS("SittingSince", "t", sitting_since),
        { "SittingLimit", "t", offsetof(struct ctl_status, sitting_limit),
          offsetof(struct ctl_status, has_sitting_limit), NULL },
        STATUS("NextSessionId", "s", next_id),
        STATUS("NextSessionStart", "t", next_start),
        STATUS("NextSessionKind", "s", next_kind),
        STATUS("NextSessionTitle", "s", next_title),
        STATUS("WeekSmrDone", "u", smr_done),
        STATUS("WeekSmrTarget", "u", smr_target),
        STATUS("WeekCardioMinutes", "u", cardio_minutes),
        STATUS("WeekCardioTarget", "u", cardio_target),
        STATUS("LoadRatio", "d", load_ratio),
        STATUS("FeedPath", "s", feed_path),
        STATUS("FeedUrl", "s", feed_url),
        STATUS("FeedError", "s", feed_error),
        { "Unplaced", "a(ssts)", 0, 0, read_unplaced },
        { "Plugins", "a(ss)", 0, offsetof(struct ctl_status, has_plugins), read_plugins },
};

static const struct field session_fields[] = {
        SESSION("Id", "s", id),
        SESSION("Kind", "s", kind),
        SESSION("Rule", "s", rule),
        SESSION("Status", "s", status),
        SESSION("Title", "s", title),
        SESSION("Reason", "s", reason),
        SESSION("Routine", "s", routine),
        SESSION("Regions", "s", regions),
        SESSION("Day", "s", day),
        SESSION("Start", "t", start),
        SESSION("End", "t", end),
        SESSION("Sequence", "u", sequence),
        SESSION("LastModified", "t", last_modified),
        { "Steps", "as", 0, 0, read_steps },
};

static void set_empty_strings(const char **fields[], size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!*fields[i])
                        *fields[i] = "";
}

int ctl_get_status(sd_bus *bus, struct ctl_status *ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        struct ctl_status s = { 0 };
        int r;

        r = call_interface(bus, "org.freedesktop.DBus.Properties", "GetAll", &error, &s.reply, "s",
                           LIMBER_INTERFACE);
        if (r < 0) {
                r = call_failed("GetAll", r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        r = read_dict(s.reply, status_fields, ELEMENTSOF(status_fields), &s);
        if (r < 0) {
                fprintf(stderr, "limberctl: cannot read limberd's properties: %s\n", strerror(-r));
                ctl_status_done(&s);
                return CTL_EXIT_DAEMON;
        }
        set_empty_strings((const char **[]) { &s.version, &s.next_id, &s.next_kind, &s.next_title,
                                              &s.feed_path, &s.feed_url, &s.feed_error }, 7);
        *ret = s;
        return CTL_EXIT_OK;
}

/* found NULL: an unknown id is an error like any other, printed in limberd's words. */
static int get_session(sd_bus *bus, const char *id, struct ctl_session *ret, bool *found) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        struct ctl_session s = { 0 };
        int r;

        if (found)
                *found = false;
        r = call_interface(bus, LIMBER_INTERFACE, "GetSession", &error, &s.reply, "s", id);
        if (r < 0) {
                r = found && sd_bus_error_has_name(&error, LIMBER_ERROR_NO_SUCH_SESSION)
                                ? CTL_EXIT_OK : call_failed("GetSession", r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        r = read_dict(s.reply, session_fields, ELEMENTSOF(session_fields), &s);
        if (r < 0) {
                fprintf(stderr, "limberctl: cannot read session '%s': %s\n", id, strerror(-r));
                ctl_session_done(&s);
                return CTL_EXIT_DAEMON;
        }
        set_empty_strings((const char **[]) { &s.id, &s.kind, &s.rule, &s.status, &s.title, &s.reason,
                                              &s.routine, &s.regions, &s.day }, 9);
        *ret = s;
        if (found)
                *found = true;
        return CTL_EXIT_OK;
}

int ctl_find_session(sd_bus *bus, const char *id, struct ctl_session *ret, bool *found) {
        return get_session(bus, id, ret, found);
}

int ctl_get_session(sd_bus *bus, const char *id, struct ctl_session *ret) {
        return get_session(bus, id, ret, NULL);
}

int ctl_get_next_session(sd_bus *bus, struct ctl_session *ret, bool *found) {
        struct ctl_status s;
        int r;

        *found = false;
        r = ctl_get_status(bus, &s);
        if (r != CTL_EXIT_OK)
                return r;
        if (s.next_id[0] != '\0')
                r = ctl_find_session(bus, s.next_id, ret, found);
        ctl_status_done(&s);
        return r;
}

bool ctl_session_due(const struct ctl_session *s, usec_t now) {
        return s->start <= now && now < s->end &&
               (strcmp(s->status, "planned") == 0 || strcmp(s->status, "snoozed") == 0);
}

/* "due": the session under way, never one still to come, so that a click on a status
 * bar cannot record an outcome for a session that has not begun. */
static int resolve_due(sd_bus *bus, usec_t now, char **ret) {
        struct ctl_session session;
        char when[CTL_TIME_MAX];
        bool found;
        int r;

        r = ctl_get_next_session(bus, &session, &found);
        if (r != CTL_EXIT_OK)
                return r;
        if (!found) {
                fputs("limberctl: nothing is due now: no session is under way or planned\n", stderr);
                return CTL_EXIT_DAEMON;
        }
        if (!ctl_session_due(&session, now)) {
                fprintf(stderr, "limberctl: nothing is due now: the next session, '%s', starts %s\n", session.title,
                        ctl_format_time(session.start, when));
                ctl_session_done(&session);
                return CTL_EXIT_DAEMON;
        }
        *ret = strdup(session.id);
        ctl_session_done(&session);
        return *ret ? CTL_EXIT_OK : CTL_EXIT_DAEMON;
}

int ctl_resolve_id(sd_bus *bus, const char *id, usec_t now, char **ret) {
        struct ctl_status s;
        int r;

        if (strcmp(id, "due") == 0)
                return resolve_due(bus, now, ret);
        if (strcmp(id, "next") != 0) {
                *ret = strdup(id);
                return *ret ? CTL_EXIT_OK : CTL_EXIT_DAEMON;
        }
        r = ctl_get_status(bus, &s);
        if (r != CTL_EXIT_OK)
                return r;
        if (s.next_id[0] == '\0') {
                ctl_status_done(&s);
                fputs("limberctl: no session is under way or planned\n", stderr);
                return CTL_EXIT_DAEMON;
        }
        *ret = strdup(s.next_id);
        ctl_status_done(&s);
        return *ret ? CTL_EXIT_OK : CTL_EXIT_DAEMON;
}

void ctl_status_done(struct ctl_status *s) {
        free(s->unplaced);
        free(s->plugins);
        sd_bus_message_unref(s->reply);
        *s = (struct ctl_status) { 0 };
}

void ctl_session_done(struct ctl_session *s) {
        if (s->steps)
                for (char **p = s->steps; *p; p++)
                        free(*p);
        free(s->steps);
        sd_bus_message_unref(s->reply);
        *s = (struct ctl_session) { 0 };
}

/* --- any value as JSON --- */

static int json_basic(FILE *f, sd_bus_message *m, char type) {
        union {
                uint8_t u8;
                int b;
                int16_t i16;
                uint16_t u16;
                int32_t i32;
                uint32_t u32;
                int64_t i64;
                uint64_t u64;
                double d;
                const char *s;
        } v;
        int r = sd_bus_message_read_basic(m, type, &v);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;

        switch (type) {
        case 'y': fprintf(f, "%u", v.u8); break;
        case 'b': fputs(v.b ? "true" : "false", f); break;
        case 'n': fprintf(f, "%d", v.i16); break;
        case 'q': fprintf(f, "%u", v.u16); break;
        case 'i': case 'h': fprintf(f, "%" PRId32, v.i32); break;
        case 'u': fprintf(f, "%" PRIu32, v.u32); break;
        case 'x': fprintf(f, "%" PRId64, v.i64); break;
        case 't': fprintf(f, "%" PRIu64, v.u64); break;
        case 'd': ctl_json_double(f, v.d); break;
        default: ctl_json_string(f, v.s); break;
        }
        return 0;
}

static int json_value(FILE *f, sd_bus_message *m);

/* The elements of the container just entered, up to its end, separated by commas. */
static int json_elements(FILE *f, sd_bus_message *m, bool dict) {
        bool first = true;
        int r;

        while ((r = sd_bus_message_at_end(m, false)) == 0) {
                fputs(first ? "" : ", ", f);
                first = false;
                if (!dict) {
                        r = json_value(f, m);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* An object key must be a string: keys of other types are written as one. */
                char type;
                const char *contents;
                r = sd_bus_message_enter_container(m, 'e', NULL);
                if (r >= 0)
                        r = sd_bus_message_peek_type(m, &type, &contents);
                if (r < 0)
                        return r;
                if (type == 's') {
                        const char *key;
                        r = sd_bus_message_read_basic(m, 's', &key);
                        if (r >= 0)
                                ctl_json_key(f, key);
                } else if (type == 'o' || type == 'g')
                        r = json_basic(f, m, type);
                else {
                        fputc('"', f);
                        r = json_basic(f, m, type);
                        fputc('"', f);
                }
                if (r < 0)
                        return r;
                fputs(": ", f);
                r = json_value(f, m);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        return r < 0 ? r : 0;
}

/* Arrays and structs as JSON arrays, dicts as objects (their D-Bus names in snake_case,
 * as every --json of limberctl spells its keys), variants as what they hold. */
static int json_value(FILE *f, sd_bus_message *m) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;

        if (type != 'a' && type != 'r' && type != 'v')
                return json_basic(f, m, type);

        r = sd_bus_message_enter_container(m, type, contents);
        if (r < 0)
                return r;
        if (type == 'v')
                r = json_value(f, m);
        else {
                bool dict = type == 'a' && contents[0] == '{';
                fputc(dict ? '{' : '[', f);
                r = json_elements(f, m, dict);
                fputc(dict ? '}' : ']', f);
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int ctl_json_message(FILE *f, sd_bus_message *m) {
        int r = sd_bus_message_rewind(m, true);
        if (r >= 0)
                r = json_value(f, m);
        return r;
}
