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

/* Emits SessionsChanged(). */
void limber_bus_emit_sessions_changed(struct limber_daemon *d);
