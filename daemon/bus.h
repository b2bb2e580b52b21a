/* The io.github.limber.Limber1 interface on the session bus. */
#pragma once

#include "daemon.h"

#define LIMBER_BUS_NAME "io.github.limber.Limber1"
#define LIMBER_BUS_PATH "/io/github/limber/Limber1"
#define LIMBER_BUS_INTERFACE "io.github.limber.Limber1"
#define LIMBER_BUS_ERROR_PREFIX "io.github.limber.Limber1.Error."

/* Connects, exports the object, takes the name (with --replace, from another instance)
 * and attaches to the loop. Returns -EEXIST when another instance owns the name. */
int limber_bus_start(struct limber_daemon *d);
void limber_bus_stop(struct limber_daemon *d);

/* Emits PropertiesChanged for the named properties (NULL-terminated). */
void limber_bus_properties_changed(struct limber_daemon *d, ...) __attribute__((sentinel));
void limber_bus_properties_changed_strv(struct limber_daemon *d, const char *const *names);

/* Session objects at LIMBER_BUS_PATH/session/<id> and the ObjectManager over them
 * (bus-session.c). */
#define LIMBER_BUS_SESSION_PREFIX LIMBER_BUS_PATH "/session"
#define LIMBER_BUS_SESSION_INTERFACE "io.github.limber.Limber1.Session"
int limber_bus_session_objects_add(struct limber_daemon *d);
void limber_bus_session_objects_remove(struct limber_daemon *d);

/* How the plan changes, for the session objects: InterfacesRemoved for the sessions
 * next drops (called while the current plan still holds them), then, once next is the
 * plan, InterfacesAdded for new ones and PropertiesChanged for changed ones. */
void limber_bus_sessions_removed(struct limber_daemon *d, const struct limber_plan *next);
void limber_bus_sessions_added_changed(struct limber_daemon *d, const struct limber_plan *old);

/* A session's fields as an a{sv}, as GetSession returns them. */
int limber_bus_append_session_dict(sd_bus_message *reply, struct limber_daemon *d, const struct limber_session *s);

/* Completes, skips or snoozes, replying to m or setting error. */
int limber_bus_give_outcome(sd_bus_message *m, struct limber_daemon *d, const char *id,
                            enum limber_session_status status, uint64_t by, sd_bus_error *error);

/* Emits SessionsChanged(). */
void limber_bus_emit_sessions_changed(struct limber_daemon *d);
