/* limberctl waybar: one line of JSON for a waybar custom module ("return-type": "json"),
 * with text, tooltip, class and percentage. waybar reads text and tooltip as Pango
 * markup, so both are escaped for it before they are escaped for JSON. */
#include "limberctl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int out_of_memory(void) {
        fputs("limberctl: out of memory\n", stderr);
        return CTL_EXIT_DAEMON;
}

/* Writes "key": "markup-escaped value". */
static int markup_field(const char *key, const char *value) {
        char *escaped = ctl_markup_escape(value);
        if (!escaped)
                return -1;
        printf("\"%s\": ", key);
        ctl_json_string(stdout, escaped);
        free(escaped);
        return 0;
}

int ctl_cmd_waybar(sd_bus *bus, const struct ctl_options *o, char **args) {
        struct ctl_status s;
        struct ctl_session session = { 0 };
        char text[512], tooltip[1024], when[CTL_TIME_MAX], span[CTL_TIME_MAX], limit[CTL_TIME_MAX];
        const char *class;
        bool found = false;
        usec_t now = o->now;
        int r;

        r = ctl_get_status(bus, &s);
        if (r != CTL_EXIT_OK)
                return r;
        if (s.next_id[0] != '\0') {
                r = ctl_find_session(bus, s.next_id, &session, &found);
                if (r != CTL_EXIT_OK) {
                        ctl_status_done(&s);
                        return r;
                }
        }

        usec_t sitting = s.sitting_since > 0 && now > s.sitting_since ? now - s.sitting_since : 0;
        usec_t max_sitting = ctl_sitting_limit(&s);
        unsigned percentage = sitting >= max_sitting ? 100 : (unsigned) (sitting * 100 / max_sitting);
        bool due = found && session.start <= now && now < session.end;
        ctl_format_minutes(sitting, span);
        ctl_format_minutes(max_sitting, limit);

        if (due) {
                class = "due";
                snprintf(text, sizeof text, "%s until %s", session.title, ctl_format_clock(session.end, when));
        } else if (s.sitting_since > 0) {
                class = "sitting";
                snprintf(text, sizeof text, "sitting %s", span);
        } else {
                class = s.idle ? "idle" : "ok";
                if (found)
                        snprintf(text, sizeof text, "%s %s", ctl_format_when(session.start, now, when), session.title);
                else
                        snprintf(text, sizeof text, "nothing planned");
        }

        int n = 0;
        if (found)
                n = snprintf(tooltip, sizeof tooltip, "%s: %s %s\n", due ? "Now" : "Next",
                             ctl_format_range(session.start, session.end, when), session.title);
        else
                n = snprintf(tooltip, sizeof tooltip, "Nothing planned\n");
        if (n >= 0 && (size_t) n < sizeof tooltip) {
                if (s.sitting_since > 0)
                        n += snprintf(tooltip + n, sizeof tooltip - (size_t) n, "Sitting for %s of %s%s\n", span,
                                      limit, s.idle ? ", idle now" : "");
                else
                        n += snprintf(tooltip + n, sizeof tooltip - (size_t) n, "%s\n",
                                      s.idle ? "Idle" : "Not sitting");
        }
        if (n >= 0 && (size_t) n < sizeof tooltip)
                snprintf(tooltip + n, sizeof tooltip - (size_t) n,
                         "Foam rolling: %" PRIu32 " of %" PRIu32 " this week\n"
                         "Cardio: %" PRIu32 " of %" PRIu32 " min this week",
                         s.smr_done, s.smr_target, s.cardio_minutes, s.cardio_target);

        fputs("{", stdout);
        r = markup_field("text", text);
        if (r >= 0) {
                fputs(", ", stdout);
                r = markup_field("tooltip", tooltip);
        }
        if (r >= 0)
                printf(", \"class\": \"%s\", \"percentage\": %u}\n", class, percentage);

        if (found)
                ctl_session_done(&session);
        ctl_status_done(&s);
        return r < 0 ? out_of_memory() : CTL_EXIT_OK;
}
