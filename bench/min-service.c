/* The least a service on the session bus can be: one name, one object, one constant
 * property, an sd-event loop. A call to any service crosses the bus twice (caller to
 * bus, bus to service, and back), so this round trip is the floor that
 * bench/dbus-latency.sh measures limberd against. Stops on SIGTERM or SIGINT. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#define MIN_NAME "org.limber.Bench.Min"
#define MIN_PATH "/org/limber/Bench/Min"

/* A uint64 like limberd's NextSessionStart, from a getter, so both replies are built
 * the same way. */
static int get_value(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", UINT64_C(1700000000000000));
}

static const sd_bus_vtable min_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Value", "t", get_value, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END,
};

int main(void) {
        sd_event *event = NULL;
        sd_bus *bus = NULL;
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_bus_open_user(&bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, MIN_PATH, MIN_NAME, min_vtable, NULL);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_request_name(bus, MIN_NAME, 0);
        if (r >= 0)
                r = sd_event_loop(event);
        if (r < 0)
                fprintf(stderr, "min-service: %s\n", strerror(-r));

        sd_bus_flush_close_unref(bus);
        sd_event_unref(event);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
