/* The io.github.limber.Limber1.Session objects, one per session of the plan at
 * /io/github/limber/Limber1/session/<id>, and the ObjectManager over them on the main
 * object, so a widget gets everything with one GetManagedObjects and follows the plan
 * through InterfacesAdded, InterfacesRemoved and PropertiesChanged. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "feed.h"
#include "localtime.h"
#include "log.h"
#include "schedule.h"
#include "util.h"

static bool exported(const struct limber_session *s) {
        return s->status != LIMBER_STATUS_CANCELLED;
}

static const struct limber_session *session_of_path(struct limber_daemon *d, const char *path) {
        size_t n = strlen(LIMBER_BUS_SESSION_PREFIX);
        if (strncmp(path, LIMBER_BUS_SESSION_PREFIX, n) != 0 || path[n] != '/')
                return NULL;
        const struct limber_session *s = limber_schedule_find(d, path + n + 1);
        return s && exported(s) ? s : NULL;
}

static int find_session(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                        sd_bus_error *error) {
        if (!session_of_path(userdata, path))
                return 0;
        *found = userdata;
        return 1;
}

static int enumerate_sessions(sd_bus *bus, const char *prefix, void *userdata, char ***nodes, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        char **l = calloc(d->plan.n_sessions + 1, sizeof *l);
        size_t n = 0;

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < d->plan.n_sessions; i++) {
                const struct limber_session *s = &d->plan.sessions[i].session;
                if (!exported(s))
                        continue;
                if (asprintf(&l[n], "%s/%s", LIMBER_BUS_SESSION_PREFIX, s->id) < 0) {
                        for (size_t j = 0; j < n; j++)
                                free(l[j]);
                        free(l);
                        return -ENOMEM;
                }
                n++;
        }
        *nodes = l;
        return 0;
}

/* A session's fields, by name: the properties of its object and the keys of GetSession. */
static const struct {
        const char *name;
        const char *signature;
} fields[] = {
        { "Id", "s" }, { "Kind", "s" }, { "Rule", "s" }, { "Status", "s" }, { "Title", "s" },
        { "Reason", "s" }, { "Routine", "s" }, { "Regions", "s" }, { "Steps", "as" }, { "Start", "t" },
        { "End", "t" }, { "Day", "s" }, { "Sequence", "u" }, { "LastModified", "t" },
};

static int append_field(sd_bus_message *reply, struct limber_daemon *d, const struct limber_session *s,
                        const char *name) {
        const struct limber_routine *r = limber_routines_find(&d->routines, s->routine);

        if (strcmp(name, "Id") == 0)
                return sd_bus_message_append(reply, "s", s->id);
        if (strcmp(name, "Kind") == 0)
                return sd_bus_message_append(reply, "s", limber_session_kind_to_string(s->kind));
        if (strcmp(name, "Rule") == 0)
                return sd_bus_message_append(reply, "s", limber_rule_to_string(s->rule));
        if (strcmp(name, "Status") == 0)
                return sd_bus_message_append(reply, "s", limber_session_status_to_string(s->status));
        if (strcmp(name, "Title") == 0)
                return sd_bus_message_append(reply, "s", limber_feed_title(s, &d->routines));
        if (strcmp(name, "Reason") == 0)
                return sd_bus_message_append(reply, "s", s->reason);
        if (strcmp(name, "Routine") == 0)
                return sd_bus_message_append(reply, "s", s->routine);
        if (strcmp(name, "Regions") == 0)
                return sd_bus_message_append(reply, "s", r && r->regions ? r->regions : "");
        if (strcmp(name, "Steps") == 0)
                return sd_bus_message_append_strv(reply, r ? r->steps : (char *[]) { NULL });
        if (strcmp(name, "Start") == 0)
                return sd_bus_message_append(reply, "t", (uint64_t) s->start);
        if (strcmp(name, "End") == 0)
                return sd_bus_message_append(reply, "t", (uint64_t) s->end);
        if (strcmp(name, "Day") == 0) {
                char day[9];
                limber_format_day(s->day, day);
                return sd_bus_message_append(reply, "s", day);
        }
        if (strcmp(name, "Sequence") == 0)
                return sd_bus_message_append(reply, "u", s->sequence);
        if (strcmp(name, "LastModified") == 0)
                return sd_bus_message_append(reply, "t", (uint64_t) s->last_modified);
        return -ENOENT;
}

int limber_bus_append_session_dict(sd_bus_message *reply, struct limber_daemon *d, const struct limber_session *s) {
        int r = sd_bus_message_open_container(reply, 'a', "{sv}");
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(fields); i++) {
                r = sd_bus_message_open_container(reply, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", fields[i].name);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'v', fields[i].signature);
                if (r >= 0)
                        r = append_field(reply, d, s, fields[i].name);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int get_property(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        const struct limber_session *s = session_of_path(d, path);
        if (!s)
                return sd_bus_error_setf(error, LIMBER_BUS_ERROR_PREFIX "NoSuchSession", "No session at %s", path);
        int r = append_field(reply, d, s, property);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "Unknown property %s", property);
        return r;
}

static int handle_session_outcome(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct limber_daemon *d = userdata;
        const char *member = sd_bus_message_get_member(m);
        const struct limber_session *s = session_of_path(d, sd_bus_message_get_path(m));
        uint64_t by = 0;
        int r;

        if (strcmp(member, "Snooze") == 0 && (r = sd_bus_message_read(m, "t", &by)) < 0)
                return r;
        if (!s)
                return sd_bus_error_setf(error, LIMBER_BUS_ERROR_PREFIX "NoSuchSession", "No session at %s",
                                         sd_bus_message_get_path(m));

        char id[LIMBER_SESSION_ID_MAX];
        snprintf(id, sizeof id, "%s", s->id);
        enum limber_session_status status = strcmp(member, "Complete") == 0 ? LIMBER_STATUS_COMPLETED
                                            : strcmp(member, "Skip") == 0   ? LIMBER_STATUS_SKIPPED
                                                                            : LIMBER_STATUS_SNOOZED;
        return limber_bus_give_outcome(m, d, id, status, by, error);
}

#define SESSION_PROPERTY(name, sig) \
        SD_BUS_PROPERTY(name, sig, get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable session_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Kind", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Rule", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SESSION_PROPERTY("Status", "s"),
        SESSION_PROPERTY("Title", "s"),
        SESSION_PROPERTY("Reason", "s"),
        SESSION_PROPERTY("Routine", "s"),
        SESSION_PROPERTY("Regions", "s"),
        SESSION_PROPERTY("Steps", "as"),
        SESSION_PROPERTY("Start", "t"),
        SESSION_PROPERTY("End", "t"),
        SD_BUS_PROPERTY("Day", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SESSION_PROPERTY("Sequence", "u"),
        SESSION_PROPERTY("LastModified", "t"),
        SD_BUS_METHOD_WITH_ARGS("Complete", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, handle_session_outcome,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Skip", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, handle_session_outcome,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Snooze", SD_BUS_ARGS("t", by), SD_BUS_NO_RESULT, handle_session_outcome,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int limber_bus_session_objects_add(struct limber_daemon *d) {
        int r;

        r = sd_bus_add_object_manager(d->bus, &d->object_manager_slot, LIMBER_BUS_PATH);
        if (r < 0)
                return log_error_errno(r, "Failed to add the object manager");
        r = sd_bus_add_fallback_vtable(d->bus, &d->session_vtable_slot, LIMBER_BUS_SESSION_PREFIX,
                                       LIMBER_BUS_SESSION_INTERFACE, session_vtable, find_session, d);
        if (r < 0)
                return log_error_errno(r, "Failed to export the session objects");
        r = sd_bus_add_node_enumerator(d->bus, &d->session_enumerator_slot, LIMBER_BUS_SESSION_PREFIX,
                                       enumerate_sessions, d);
        if (r < 0)
                return log_error_errno(r, "Failed to list the session objects");
        return 0;
}

void limber_bus_session_objects_remove(struct limber_daemon *d) {
        d->session_enumerator_slot = sd_bus_slot_unref(d->session_enumerator_slot);
        d->session_vtable_slot = sd_bus_slot_unref(d->session_vtable_slot);
        d->object_manager_slot = sd_bus_slot_unref(d->object_manager_slot);
}

static const struct limber_session *find_in(const struct limber_plan *p, const char *id) {
        for (size_t i = 0; p && i < p->n_sessions; i++)
                if (strcmp(p->sessions[i].session.id, id) == 0)
                        return &p->sessions[i].session;
        return NULL;
}

static void session_path(const struct limber_session *s, char *buf, size_t size) {
        snprintf(buf, size, "%s/%s", LIMBER_BUS_SESSION_PREFIX, s->id);
}

void limber_bus_sessions_removed(struct limber_daemon *d, const struct limber_plan *next) {
        char path[sizeof LIMBER_BUS_SESSION_PREFIX + LIMBER_SESSION_ID_MAX + 1];

        if (!d->bus)
                return;
        /* Before the plan changes: the objects must still be there to be described. */
        for (size_t i = 0; i < d->plan.n_sessions; i++) {
                const struct limber_session *s = &d->plan.sessions[i].session, *n;
                if (!exported(s) || ((n = find_in(next, s->id)) && exported(n)))
                        continue;
                session_path(s, path, sizeof path);
                (void) sd_bus_emit_object_removed(d->bus, path);
        }
}

void limber_bus_sessions_added_changed(struct limber_daemon *d, const struct limber_plan *old) {
        char path[sizeof LIMBER_BUS_SESSION_PREFIX + LIMBER_SESSION_ID_MAX + 1];

        if (!d->bus)
                return;
        for (size_t i = 0; i < d->plan.n_sessions; i++) {
                const struct limber_session *s = &d->plan.sessions[i].session;
                const struct limber_session *o = find_in(old, s->id);
                if (!exported(s))
                        continue;
                session_path(s, path, sizeof path);
                if (!o || !exported(o)) {
                        (void) sd_bus_emit_object_added(d->bus, path);
                        continue;
                }

                const char *names[16];
                size_t n = 0;
                if (o->status != s->status)
                        names[n++] = "Status";
                if (strcmp(o->routine, s->routine) != 0) {
                        names[n++] = "Routine";
                        names[n++] = "Title";
                        names[n++] = "Regions";
                        names[n++] = "Steps";
                }
                if (strcmp(o->reason, s->reason) != 0)
                        names[n++] = "Reason";
                if (o->start != s->start)
                        names[n++] = "Start";
                if (o->end != s->end)
                        names[n++] = "End";
                if (o->sequence != s->sequence)
                        names[n++] = "Sequence";
                if (o->last_modified != s->last_modified)
                        names[n++] = "LastModified";
                names[n] = NULL;
                if (n > 0)
                        (void) sd_bus_emit_properties_changed_strv(d->bus, path, LIMBER_BUS_SESSION_INTERFACE,
                                                                   (char **) names);
        }
}
