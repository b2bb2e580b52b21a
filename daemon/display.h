/* Following the display the user manager knows of: a limberd started before the
 * compositor (at login, or by a bus call) learns WAYLAND_DISPLAY and DISPLAY once the
 * session imports them into the user manager, and restarts its display plugins. */
#pragma once

#include "daemon.h"

/* Watches org.freedesktop.systemd1's Environment on the session bus and reads it once. */
int limber_display_start(struct limber_daemon *d);

/* Reads the user manager's Environment again (after a reload: systemd 252 does not
 * announce changes to it, so `systemctl --user reload` is the way to tell limberd). */
void limber_display_refresh(struct limber_daemon *d);

void limber_display_stop(struct limber_daemon *d);
