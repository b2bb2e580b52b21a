/* The plugin host: loads plugins from the plugin folder, checks each against the ABI
 * it was built for, starts the enabled ones with a struct limber_host, and keeps going
 * whatever one of them does at load or start. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "daemon.h"

int limber_plugins_start(struct limber_daemon *d);

/* After a reload: starts plugins newly enabled, stops those disabled, and restarts
 * those whose [plugin.NAME] settings changed. */
void limber_plugins_reconfigure(struct limber_daemon *d);

/* WAYLAND_DISPLAY or DISPLAY appeared or changed: restarts the enabled plugins that
 * watch the display server, those that failed without one and those bound to the old. */
void limber_plugins_display_changed(struct limber_daemon *d);

void limber_plugins_stop(struct limber_daemon *d);

/* For the Rejected property: the i-th input a plugin refused and why; false past the last. */
bool limber_plugins_rejected(const struct limber_daemon *d, size_t i, const char **what, const char **reason);

/* For the Plugins property: the i-th plugin's name and state ("running", "disabled"
 * or "failed"); NULL past the last. */
const char *limber_plugins_name(const struct limber_daemon *d, size_t i);
const char *limber_plugins_state(const struct limber_daemon *d, size_t i);
