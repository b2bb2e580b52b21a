/* limberctl waybar: JSON for a waybar custom module ("return-type": "json"), with text,
 * alt, tooltip, class and percentage. waybar reads text and tooltip as Pango markup,
 * so both are escaped for it before they are escaped for JSON.
 *
 * With --follow, one line at start and one whenever it would read differently: on any
 * signal from limberd (PropertiesChanged, SessionDue, SessionsChanged), when limberd
 * leaves or comes back on the bus, and at the next instant the text itself changes (a
 * sitting minute, the start or end of a session, midnight), for which one timer is
 * armed. Nothing runs in between. */
#include "limberctl.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-event.h>

#define LIMBER_NAME "io.github.limber.Limber1"

static int out_of_memory(void) {
        fputs("limberctl: out of memory\n", stderr);
        return CTL_EXIT_DAEMON;
}

/* Writes ", "key": "markup-escaped value"" to f. */
static int markup_field(FILE *f, const char *key, const char *value) {
        char *escaped = ctl_markup_escape(value);
        if (!escaped)
                return -ENOMEM;
        fprintf(f, "\"%s\": ", key);
        ctl_json_string(f, escaped);
        free(escaped);
        return 0;
}

/* The line as waybar reads it; the caller frees it. */
static char *line_new(const char *text, const char *state, const char *tooltip, unsigned percentage) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        int r;

        if (!f)
                return NULL;
        fputs("{", f);
        r = markup_field(f, "text", text);
        if (r >= 0) {
                fprintf(f, ", \"alt\": \"%s\", ", state);
                r = markup_field(f, "tooltip", tooltip);
        }
        if (r >= 0)
                fprintf(f, ", \"class\": \"%s\", \"percentage\": %u}\n", state, percentage);
        if (fclose(f) != 0 || r < 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static char *line_not_running(void) {
        return line_new("not running", "not-running", CTL_NOT_RUNNING "\n" CTL_SEE_STATUS, 0);
}

static void earliest(usec_t *next, usec_t t, usec_t now) {
        if (t > now && (*next == 0 || t < *next))
                *next = t;
}

/* The line for now, and in *ret_next the next instant at which it may read otherwise
 * by the clock alone. session is NULL when nothing is planned. */
static char *line_for(const struct ctl_status *s, const struct ctl_session *session, usec_t now, usec_t *ret_next) {
        char text[512], tooltip[1024], when[CTL_TIME_MAX], span[CTL_TIME_MAX], limit[CTL_TIME_MAX];
        const char *state;
        usec_t next = 0, t;

        usec_t sitting = s->sitting_since > 0 && now > s->sitting_since ? now - s->sitting_since : 0;
        usec_t max_sitting = ctl_sitting_limit(s);
        unsigned percentage = sitting >= max_sitting ? 100 : (unsigned) (sitting * 100 / max_sitting);
        bool due = session && ctl_session_due(session, now);
        ctl_format_minutes(sitting, span);
        ctl_format_minutes(max_sitting, limit);

        if (due) {
                state = "due";
                snprintf(text, sizeof text, "%s until %s", session->title, ctl_format_clock(session->end, when));
        } else if (s->sitting_since > 0) {
                state = "sitting";
                snprintf(text, sizeof text, "sitting %s", span);
        } else {
                state = s->idle ? "idle" : "ok";
                if (session)
                        snprintf(text, sizeof text, "%s %s", ctl_format_when(session->start, now, when), session->title);
                else
                        snprintf(text, sizeof text, "nothing planned");
        }

        int n = 0;
        if (session)
                n = snprintf(tooltip, sizeof tooltip, "%s: %s %s\n", due ? "Now" : "Next",
                             ctl_format_range(session->start, session->end, when), session->title);
        else
                n = snprintf(tooltip, sizeof tooltip, "Nothing planned\n");
        if (n >= 0 && (size_t) n < sizeof tooltip) {
                if (s->sitting_since > 0)
                        n += snprintf(tooltip + n, sizeof tooltip - (size_t) n, "Sitting for %s of %s%s\n", span,
                                      limit, s->idle ? ", idle now" : "");
                else
                        n += snprintf(tooltip + n, sizeof tooltip - (size_t) n, "%s\n",
                                      s->idle ? "Idle" : "Not sitting");
        }
        if (n >= 0 && (size_t) n < sizeof tooltip)
                snprintf(tooltip + n, sizeof tooltip - (size_t) n,
                         "Foam rolling: %" PRIu32 " of %" PRIu32 " this week\n"
                         "Cardio: %" PRIu32 " of %" PRIu32 " min this week",
                         s->smr_done, s->smr_target, s->cardio_minutes, s->cardio_target);

        /* When what was just written changes with the clock alone. */
        if (session) {
                earliest(&next, session->start, now);
                earliest(&next, session->end, now);
        }
        if (ctl_parse_time("tomorrow", now, &t) == 0)
                earliest(&next, t, now);        /* "Tue 18:30" becomes "18:30" */
        if (s->sitting_since > 0 && now >= s->sitting_since) {
                /* The span is said in seconds under a minute, in minutes after. */
                usec_t unit = sitting < USEC_PER_MIN ? USEC_PER_SEC : USEC_PER_MIN;
                earliest(&next, s->sitting_since + (sitting / unit + 1) * unit, now);
                if (percentage < 100)
                        earliest(&next, s->sitting_since + ((percentage + 1) * max_sitting + 99) / 100, now);
        } else if (s->sitting_since > now)
                earliest(&next, s->sitting_since, now);
        *ret_next = next;

        return line_new(text, state, tooltip, percentage);
}

/* Asks limberd and builds the line; *ret_line NULL means limberd is not there. */
static int query(sd_bus *bus, usec_t now, char **ret_line, usec_t *ret_next) {
        struct ctl_status s;
        struct ctl_session session = { 0 };
        bool found = false;
        int r;

        *ret_line = NULL;
        *ret_next = 0;
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
        *ret_line = line_for(&s, found ? &session : NULL, now, ret_next);
        if (found)
                ctl_session_done(&session);
        ctl_status_done(&s);
        return *ret_line ? CTL_EXIT_OK : out_of_memory();
}

static usec_t now_realtime(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

static int waybar_once(sd_bus *bus, usec_t now) {
        char *line;
        usec_t next;
        int r = query(bus, now, &line, &next);
        if (r == CTL_EXIT_OK)
                fputs(line, stdout);
        free(line);
        return r;
}

/* --- --follow --- */

struct follow {
        sd_event *event;
        sd_bus *bus;
        sd_event_source *timer, *refresh;
        sd_bus_slot *signals, *owner;
        bool running;           /* limberd owns its name */
        char *last;             /* the line printed last */
        int status;             /* the exit status when the loop ends */
};

static void stop(struct follow *f, int status) {
        f->status = status;
        (void) sd_event_exit(f->event, 0);
}

/* Prints the line unless it is the one printed last. A reader that went away (waybar
 * restarted, the pipe closed) ends limberctl quietly. */
static void emit(struct follow *f, char *line) {
        if (f->last && strcmp(f->last, line) == 0) {
                free(line);
                return;
        }
        free(f->last);
        f->last = line;
        if (fputs(line, stdout) < 0 || fflush(stdout) != 0) {
                if (errno != EPIPE)
                        fprintf(stderr, "limberctl: cannot write the output: %s\n", strerror(errno));
                stop(f, errno == EPIPE ? CTL_EXIT_OK : CTL_EXIT_DAEMON);
        }
}

static void update(struct follow *f) {
        char *line = NULL;
        usec_t next = 0;

        if (f->running && query(f->bus, now_realtime(), &line, &next) != CTL_EXIT_OK)
                line = NULL;    /* what went wrong is on stderr; the bar says limberd is not there */
        if (!line && !(line = line_not_running())) {
                stop(f, out_of_memory());
                return;
        }
        emit(f, line);

        if (next > 0 && sd_event_source_set_time(f->timer, next) >= 0)
                (void) sd_event_source_set_enabled(f->timer, SD_EVENT_ONESHOT);
        else
                (void) sd_event_source_set_enabled(f->timer, SD_EVENT_OFF);
}

/* Several signals come together (a replan sends a few): one update after them all. */
static void schedule_update(struct follow *f) {
        (void) sd_event_source_set_enabled(f->refresh, SD_EVENT_ONESHOT);
}

static int on_refresh(sd_event_source *source, void *userdata) {
        update(userdata);
        return 0;
}

static int on_timer(sd_event_source *source, usec_t usec, void *userdata) {
        update(userdata);
        return 0;
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        schedule_update(userdata);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct follow *f = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        f->running = new_owner[0] != '\0';
        schedule_update(f);
        return 0;
}

static int on_unix_signal(sd_event_source *source, const struct signalfd_siginfo *si, void *userdata) {
        stop(userdata, CTL_EXIT_OK);
        return 0;
}

static int follow(sd_bus *bus) {
        struct follow f = { .bus = bus, .status = CTL_EXIT_OK };
        sd_event_source *term = NULL, *intr = NULL;
        sigset_t mask;
        int r;

        /* A closed pipe is an error from write, handled in emit, not a signal. */
        signal(SIGPIPE, SIG_IGN);
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&f.event);
        if (r >= 0)
                r = sd_bus_attach_event(bus, f.event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_event_add_signal(f.event, &term, SIGTERM, on_unix_signal, &f);
        if (r >= 0)
                r = sd_event_add_signal(f.event, &intr, SIGINT, on_unix_signal, &f);
        if (r >= 0)
                r = sd_event_add_time(f.event, &f.timer, CLOCK_REALTIME, 0, 1, on_timer, &f);
        if (r >= 0)
                r = sd_event_source_set_enabled(f.timer, SD_EVENT_OFF);
        /* After the bus's own messages, so a burst of signals is read before the update. */
        if (r >= 0)
                r = sd_event_add_defer(f.event, &f.refresh, on_refresh, &f);
        if (r >= 0)
                r = sd_event_source_set_priority(f.refresh, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_source_set_enabled(f.refresh, SD_EVENT_OFF);
        /* The matches come before the first look, so that no change falls between. */
        if (r >= 0)
                r = sd_bus_add_match(bus, &f.signals, "type='signal',sender='" LIMBER_NAME "'", on_signal, &f);
        if (r >= 0)
                r = sd_bus_add_match(bus, &f.owner,
                                     "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                     "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                     "arg0='" LIMBER_NAME "'",
                                     on_owner_changed, &f);
        if (r < 0) {
                fprintf(stderr, "limberctl: cannot follow limberd: %s\n", strerror(-r));
                f.status = CTL_EXIT_DAEMON;
                goto finish;
        }

        /* Started when it can be; else the bar says so and waits for it to appear. */
        r = ctl_bus_start(bus);
        if (r == CTL_EXIT_OK || r == CTL_EXIT_NOT_RUNNING) {
                f.running = false;
                r = ctl_bus_has_limberd(bus, &f.running);
        }
        if (r != CTL_EXIT_OK) {
                f.status = r;
                goto finish;
        }
        update(&f);
        if (sd_event_get_exit_code(f.event, &r) >= 0)
                goto finish;    /* the first line could not be written */

        r = sd_event_loop(f.event);
        if (r < 0) {
                fprintf(stderr, "limberctl: the event loop failed: %s\n", strerror(-r));
                f.status = CTL_EXIT_DAEMON;
        }

finish:
        sd_bus_slot_unref(f.signals);
        sd_bus_slot_unref(f.owner);
        sd_event_source_unref(f.timer);
        sd_event_source_unref(f.refresh);
        sd_event_source_unref(term);
        sd_event_source_unref(intr);
        sd_bus_detach_event(bus);
        sd_event_unref(f.event);
        free(f.last);
        return f.status;
}

int ctl_cmd_waybar(sd_bus *bus, const struct ctl_options *o, char **args) {
        return o->follow ? follow(bus) : waybar_once(bus, o->now);
}
