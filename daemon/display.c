/* Following the display the user manager knows of.
 *
 * On compositors without graphical-session.target (sway, river, Hyprland) limberd may
 * start before the compositor has imported WAYLAND_DISPLAY into the user manager, and
 * its display plugins then find no display. The manager's Environment property holds
 * what the session imported: limberd reads it at start and after every reload, and
 * follows its PropertiesChanged where the manager emits one (systemd 252 does not, so
 * the README has the session reload limberd once it imported its environment). A
 * display variable that appears or changes goes into limberd's own environment, where
 * the plugins read it, and the display plugins start again. */
#include "display.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plugins.h"
#include "util.h"

#define MANAGER_NAME      "org.freedesktop.systemd1"
#define MANAGER_PATH      "/org/freedesktop/systemd1"
#define MANAGER_INTERFACE "org.freedesktop.systemd1.Manager"

static const char *const display_variables[] = { "WAYLAND_DISPLAY", "DISPLAY", "XAUTHORITY" };

/* Reads an "as" of NAME=VALUE and takes the display variables that differ. */
static int apply_environment(struct limber_daemon *d, sd_bus_message *m) {
        bool changed = false;
        const char *entry;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "s");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "s", &entry)) > 0)
                for (size_t i = 0; i < ELEMENTSOF(display_variables); i++) {
                        size_t n = strlen(display_variables[i]);
                        if (strncmp(entry, display_variables[i], n) != 0 || entry[n] != '=' || entry[n + 1] == '\0')
                                continue;
                        const char *old = getenv(display_variables[i]);
                        if (old && strcmp(old, entry + n + 1) == 0)
                                continue;
                        log_info("The session's %s is now %s", display_variables[i], entry + n + 1);
                        if (setenv(display_variables[i], entry + n + 1, 1) < 0)
                                return -errno;
                        changed = true;
                }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        if (changed)
                limber_plugins_display_changed(d);
        return 0;
}

static int on_environment(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        struct limber_daemon *d = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int r;

        d->display_get_slot = sd_bus_slot_unref(d->display_get_slot);
        if (e) {
                /* No user manager on this bus (limberd started outside systemd): nothing to follow. */
                log_debug("No environment from the user manager: %s", e->message ? e->message : e->name);
                return 0;
        }
        r = sd_bus_message_enter_container(reply, 'v', "as");
        if (r >= 0)
                r = apply_environment(d, reply);
        if (r < 0)
                log_warning_errno(r, "Cannot read the user manager's environment");
        return 0;
}

void limber_display_refresh(struct limber_daemon *d) {
        int r;

        if (!d->bus)
                return;
        d->display_get_slot = sd_bus_slot_unref(d->display_get_slot);
        r = sd_bus_call_method_async(d->bus, &d->display_get_slot, MANAGER_NAME, MANAGER_PATH,
                                     "org.freedesktop.DBus.Properties", "Get", on_environment, d, "ss",
                                     MANAGER_INTERFACE, "Environment");
        if (r < 0)
                log_warning_errno(r, "Cannot ask the user manager for its environment");
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct limber_daemon *d = userdata;
        const char *interface, *name;
        bool invalidated = false;
        int r;

        r = sd_bus_message_read(m, "s", &interface);
        if (r < 0 || strcmp(interface, MANAGER_INTERFACE) != 0)
                return 0;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r > 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &name);
                if (r >= 0 && strcmp(name, "Environment") == 0) {
                        r = sd_bus_message_enter_container(m, 'v', "as");
                        if (r >= 0)
                                r = apply_environment(d, m);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                } else if (r >= 0)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "s");
        while (r > 0 && (r = sd_bus_message_read(m, "s", &name)) > 0)
                invalidated = invalidated || strcmp(name, "Environment") == 0;
        if (r < 0)
                log_debug("A malformed PropertiesChanged from the user manager: %s", strerror(-r));
        if (invalidated)
                limber_display_refresh(d);
        return 0;
}

int limber_display_start(struct limber_daemon *d) {
        int r;

        if (!d->bus)
                return 0;
        r = sd_bus_match_signal_async(d->bus, &d->display_match_slot, MANAGER_NAME, MANAGER_PATH,
                                      "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                      on_properties_changed, NULL, d);
        if (r < 0)
                return log_warning_errno(r, "Cannot follow the user manager's environment");
        limber_display_refresh(d);
        return 0;
}

void limber_display_stop(struct limber_daemon *d) {
        d->display_match_slot = sd_bus_slot_unref(d->display_match_slot);
        d->display_get_slot = sd_bus_slot_unref(d->display_get_slot);
}
