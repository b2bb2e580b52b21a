/* limberctl list and limberctl activities: the sessions and the activities in a time
 * range, as aligned columns or as JSON. */
#include "limberctl.h"
#include "table.h"

#include <inttypes.h>
#include <string.h>

#define ANSI_GREEN "\x1b[32m"
#define ANSI_YELLOW "\x1b[33m"
#define ANSI_RED "\x1b[31m"
#define ANSI_DIM "\x1b[2m"

static const char *status_color(const char *status) {
        if (strcmp(status, "completed") == 0)
                return ANSI_GREEN;
        if (strcmp(status, "snoozed") == 0)
                return ANSI_YELLOW;
        if (strcmp(status, "missed") == 0)
                return ANSI_RED;
        if (strcmp(status, "skipped") == 0)
                return ANSI_DIM;
        return NULL;
}

static int out_of_memory(void) {
        fputs("limberctl: out of memory\n", stderr);
        return CTL_EXIT_DAEMON;
}

static int bad_reply(const char *method, int r) {
        fprintf(stderr, "limberctl: cannot read the reply of %s: %s\n", method, strerror(-r));
        return CTL_EXIT_DAEMON;
}

int ctl_cmd_list(sd_bus *bus, const struct ctl_options *o, char **args) {
        static const char *const headers[] = { "WHEN", "KIND", "STATUS", "ID", "TITLE" };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct ctl_table *table = NULL;
        const char *id, *kind, *status, *title;
        uint64_t start, end, sequence;
        size_t n = 0;
        int r;

        r = ctl_call(bus, "ListSessions", &reply, "tt", o->from, o->until);
        if (r != CTL_EXIT_OK)
                return r;

        r = sd_bus_message_enter_container(reply, 'a', "(ssssttt)");
        if (r < 0)
                return bad_reply("ListSessions", r);

        if (o->json)
                fputs("[", stdout);
        else if (!(table = ctl_table_new(headers, ELEMENTSOF(headers))))
                return out_of_memory();

        while ((r = sd_bus_message_read(reply, "(ssssttt)", &id, &kind, &status, &title, &start, &end,
                                        &sequence)) > 0) {
                if (o->json) {
                        fputs(n ? ",\n  {\"id\": " : "\n  {\"id\": ", stdout);
                        ctl_json_string(stdout, id);
                        fputs(", \"kind\": ", stdout);
                        ctl_json_string(stdout, kind);
                        fputs(", \"status\": ", stdout);
                        ctl_json_string(stdout, status);
                        fputs(", \"title\": ", stdout);
                        ctl_json_string(stdout, title);
                        printf(", \"start\": %" PRIu64 ", \"end\": %" PRIu64 ", \"sequence\": %" PRIu64 "}",
                               start, end, sequence);
                } else {
                        char when[CTL_TIME_MAX];
                        if (ctl_table_cell(table, NULL, "%s", ctl_format_range(start, end, when)) < 0 ||
                            ctl_table_cell(table, NULL, "%s", kind) < 0 ||
                            ctl_table_cell(table, status_color(status), "%s", status) < 0 ||
                            ctl_table_cell(table, NULL, "%s", id) < 0 ||
                            ctl_table_cell(table, NULL, "%s", title) < 0) {
                                ctl_table_free(table);
                                return out_of_memory();
                        }
                }
                n++;
        }
        if (r < 0) {
                ctl_table_free(table);
                return bad_reply("ListSessions", r);
        }

        if (o->json)
                fputs(n ? "\n]\n" : "]\n", stdout);
        else if (n == 0)
                puts("No sessions.");
        else
                ctl_table_print(table, stdout, o->color);
        ctl_table_free(table);
        return CTL_EXIT_OK;
}

int ctl_cmd_activities(sd_bus *bus, const struct ctl_options *o, char **args) {
        static const char *const headers[] = { "WHEN", "KIND", "DURATION", "DISTANCE", "SOURCE", "ID" };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct ctl_table *table = NULL;
        const char *id, *source, *kind;
        uint64_t start, duration;
        double distance;
        size_t n = 0;
        int r;

        r = ctl_call(bus, "ListActivities", &reply, "tt", o->from, o->until);
        if (r != CTL_EXIT_OK)
                return r;

        r = sd_bus_message_enter_container(reply, 'a', "(sssttd)");
        if (r < 0)
                return bad_reply("ListActivities", r);

        if (o->json)
                fputs("[", stdout);
        else if (!(table = ctl_table_new(headers, ELEMENTSOF(headers))))
                return out_of_memory();
        else {
                ctl_table_align_right(table, 2);
                ctl_table_align_right(table, 3);
        }

        while ((r = sd_bus_message_read(reply, "(sssttd)", &id, &source, &kind, &start, &duration, &distance)) > 0) {
                if (o->json) {
                        fputs(n ? ",\n  {\"id\": " : "\n  {\"id\": ", stdout);
                        ctl_json_string(stdout, id);
                        fputs(", \"source\": ", stdout);
                        ctl_json_string(stdout, source);
                        fputs(", \"kind\": ", stdout);
                        ctl_json_string(stdout, kind);
                        printf(", \"start\": %" PRIu64 ", \"duration\": %" PRIu64 ", \"distance_m\": ",
                               start, duration);
                        ctl_json_double(stdout, distance);
                        fputs("}", stdout);
                } else {
                        char when[CTL_TIME_MAX], length[CTL_TIME_MAX];
                        /* Whole seconds: a tracker's milliseconds are noise here. */
                        usec_t d = duration - duration % USEC_PER_SEC;
                        if (ctl_table_cell(table, NULL, "%s", ctl_format_range(start, start + duration, when)) < 0 ||
                            ctl_table_cell(table, NULL, "%s", kind) < 0 ||
                            ctl_table_cell(table, NULL, "%s",
                                           d ? limber_format_duration(d, length, sizeof length) : "<1s") < 0 ||
                            (distance > 0 ? ctl_table_cell(table, NULL, "%.2f km", distance / 1000.0)
                                          : ctl_table_cell(table, NULL, "-")) < 0 ||
                            ctl_table_cell(table, NULL, "%s", source) < 0 ||
                            ctl_table_cell(table, NULL, "%s", id) < 0) {
                                ctl_table_free(table);
                                return out_of_memory();
                        }
                }
                n++;
        }
        if (r < 0) {
                ctl_table_free(table);
                return bad_reply("ListActivities", r);
        }

        if (o->json)
                fputs(n ? "\n]\n" : "]\n", stdout);
        else if (n == 0)
                puts("No activities.");
        else
                ctl_table_print(table, stdout, o->color);
        ctl_table_free(table);
        return CTL_EXIT_OK;
}
