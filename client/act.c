/* The commands that tell limberd something: complete, skip, snooze, log and idle, and
 * the checks of their arguments, which run before limberctl connects so that a bad
 * command line is exit status 2 whether limberd runs or not. */
#include "limberctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const activity_kinds[] = { "run", "walk", "ride", "swim", "hike", "strength", "yoga", "other" };

/* The arguments from args on, joined by spaces: "1h" "30min" reads as "1h 30min". */
static char *join(char **args) {
        size_t len = 1;
        for (char **a = args; *a; a++)
                len += strlen(*a) + 1;
        char *s = malloc(len), *p = s;
        if (!s)
                return NULL;
        *p = '\0';
        for (char **a = args; *a; a++)
                p += sprintf(p, "%s%s", a == args ? "" : " ", *a);
        return s;
}

static int parse_duration_args(char **args, const char *what, bool allow_zero, usec_t *ret) {
        const char *why;
        char *text = join(args);
        if (!text) {
                fputs("limberctl: out of memory\n", stderr);
                return CTL_EXIT_DAEMON;
        }
        int r = limber_parse_duration(text, ret, &why);
        if (r < 0)
                r = ctl_usage_error("invalid %s '%s': %s", what, text, why);
        else if (*ret == 0 && !allow_zero)
                r = ctl_usage_error("invalid %s '%s': must be longer than zero", what, text);
        else
                r = CTL_EXIT_OK;
        free(text);
        return r;
}

int ctl_check_snooze(const struct ctl_options *o, char **args) {
        usec_t by;
        return args[1] ? parse_duration_args(args + 1, "duration", true, &by) : CTL_EXIT_OK;
}

static bool known_kind(const char *kind) {
        for (size_t i = 0; i < ELEMENTSOF(activity_kinds); i++)
                if (strcmp(activity_kinds[i], kind) == 0)
                        return true;
        return false;
}

int ctl_check_log(const struct ctl_options *o, char **args) {
        usec_t duration;
        int r;

        if (!known_kind(args[0]))
                return ctl_usage_error("unknown activity kind '%s' (known: run, walk, ride, swim, hike, strength, "
                                       "yoga, other)", args[0]);
        r = parse_duration_args(args + 1, "duration", false, &duration);
        if (r != CTL_EXIT_OK)
                return r;
        if (!o->have_at && duration > o->now)
                return ctl_usage_error("the duration reaches back before 1970: use --at");
        return CTL_EXIT_OK;
}

static int parse_idle(const char *s, bool *ret) {
        if (strcmp(s, "on") == 0 || strcmp(s, "true") == 0)
                *ret = true;
        else if (strcmp(s, "off") == 0 || strcmp(s, "false") == 0)
                *ret = false;
        else
                return ctl_usage_error("expected 'on' or 'off' after idle, not '%s'", s);
        return CTL_EXIT_OK;
}

int ctl_check_idle(const struct ctl_options *o, char **args) {
        bool idle = false;
        return parse_idle(args[0], &idle);
}

/* CompleteSession and SkipSession: no reply, nothing printed. */
static int outcome(sd_bus *bus, usec_t now, const char *method, const char *id_arg) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char *id = NULL;
        int r;

        r = ctl_resolve_id(bus, id_arg, now, &id);
        if (r != CTL_EXIT_OK)
                return r;
        r = ctl_call(bus, method, &reply, "s", id);
        free(id);
        return r;
}

int ctl_cmd_complete(sd_bus *bus, const struct ctl_options *o, char **args) {
        return outcome(bus, o->now, "CompleteSession", args[0]);
}

int ctl_cmd_skip(sd_bus *bus, const struct ctl_options *o, char **args) {
        return outcome(bus, o->now, "SkipSession", args[0]);
}

int ctl_cmd_snooze(sd_bus *bus, const struct ctl_options *o, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct ctl_session session;
        char when[CTL_TIME_MAX];
        usec_t by = 0;
        char *id = NULL;
        bool found;
        int r;

        if (args[1]) {
                r = parse_duration_args(args + 1, "duration", true, &by);
                if (r != CTL_EXIT_OK)
                        return r;
        }
        r = ctl_resolve_id(bus, args[0], o->now, &id);
        if (r != CTL_EXIT_OK)
                return r;
        r = ctl_call(bus, "SnoozeSession", &reply, "st", id, (uint64_t) by);
        /* Say where it went; a session gone in between is not worth an error. */
        if (r == CTL_EXIT_OK)
                r = ctl_find_session(bus, id, &session, &found);
        if (r == CTL_EXIT_OK && found) {
                printf("Snoozed '%s' to %s\n", session.title, ctl_format_range(session.start, session.end, when));
                ctl_session_done(&session);
        }
        free(id);
        return r;
}

int ctl_cmd_log(sd_bus *bus, const struct ctl_options *o, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        usec_t duration;
        const char *id;
        int r;

        r = parse_duration_args(args + 1, "duration", false, &duration);
        if (r != CTL_EXIT_OK)
                return r;
        /* Without --at, the activity just ended. */
        usec_t start = o->have_at ? o->at : o->now - duration;
        double distance_m = o->have_distance ? o->distance_km * 1000.0 : 0.0;

        if (o->title)
                r = ctl_call(bus, "LogActivity", &reply, "sttda{sv}", args[0], start, duration, distance_m, 2,
                             "source", "s", "limberctl", "title", "s", o->title);
        else
                r = ctl_call(bus, "LogActivity", &reply, "sttda{sv}", args[0], start, duration, distance_m, 1,
                             "source", "s", "limberctl");
        if (r != CTL_EXIT_OK)
                return r;
        r = sd_bus_message_read(reply, "s", &id);
        if (r < 0) {
                fprintf(stderr, "limberctl: cannot read the reply of LogActivity: %s\n", strerror(-r));
                return CTL_EXIT_DAEMON;
        }
        puts(id);
        return CTL_EXIT_OK;
}

int ctl_cmd_idle(sd_bus *bus, const struct ctl_options *o, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool idle = false;
        int r = parse_idle(args[0], &idle);
        if (r != CTL_EXIT_OK)
                return r;
        return ctl_call(bus, "ReportIdle", &reply, "b", (int) idle);
}
