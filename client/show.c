/* limberctl status, next and feed: what limberd knows now, said for a person (labels
 * aligned on the colon, as timedatectl does) or as JSON in the D-Bus names. */
#include "limberctl.h"

#include <string.h>

#define ANSI_BOLD "\x1b[1m"
#define ANSI_RESET "\x1b[0m"

/* The width of the widest label of status. */
#define LABEL_WIDTH 12

static void label(const char *name) {
        printf("%*s: ", LABEL_WIDTH, name);
}

/* A continuation line under the last label. */
static void indent(void) {
        printf("%*s  ", LABEL_WIDTH, "");
}

usec_t ctl_sitting_limit(const struct ctl_status *s) {
        return s->has_sitting_limit && s->sitting_limit > 0 ? s->sitting_limit : CTL_DEFAULT_SITTING_LIMIT;
}

static void print_desk(const struct ctl_status *s, usec_t now) {
        char span[CTL_TIME_MAX], since[CTL_TIME_MAX], limit[CTL_TIME_MAX];

        label("Desk");
        if (s->sitting_since == 0) {
                puts(s->idle ? "idle" : "not sitting");
                return;
        }
        usec_t sitting = now > s->sitting_since ? now - s->sitting_since : 0;
        printf("sitting for %s since %s", ctl_format_minutes(sitting, span),
               ctl_format_when(s->sitting_since, now, since));
        ctl_format_minutes(ctl_sitting_limit(s), limit);
        if (sitting >= ctl_sitting_limit(s))
                printf(": time for a break (limit %s)", limit);
        else
                printf(" (limit %s)", limit);
        puts(s->idle ? ", idle now" : "");
}

/* The next session, with its end, which only GetSession tells. */
static int print_next_line(sd_bus *bus, const struct ctl_status *s, usec_t now) {
        struct ctl_session session;
        char when[CTL_TIME_MAX];
        bool found;
        int r;

        label("Next");
        if (s->next_id[0] == '\0') {
                puts("nothing planned");
                return CTL_EXIT_OK;
        }
        r = ctl_find_session(bus, s->next_id, &session, &found);
        if (r != CTL_EXIT_OK)
                return r;
        if (!found) {
                /* Re-planned between the two calls: what the properties said will do. */
                printf("%s %s (%s)\n", ctl_format_time(s->next_start, when), s->next_title, s->next_kind);
                return CTL_EXIT_OK;
        }
        if (session.start <= now && now < session.end)
                printf("under way until %s: %s (%s)\n", ctl_format_clock(session.end, when), session.title,
                       session.kind);
        else
                printf("%s %s (%s)\n", ctl_format_range(session.start, session.end, when), session.title,
                       session.kind);
        ctl_session_done(&session);
        return CTL_EXIT_OK;
}

static void print_feed_url(const char *url) {
        if (url[0] == '\0')
                puts("not served over HTTP (see [feed] http in limber.conf(5))");
        else if (strncmp(url, "http://", 7) == 0)
                printf("webcal://%s\n", url + 7);
        else
                puts(url);
}

int ctl_cmd_status(sd_bus *bus, const struct ctl_options *o, char **args) {
        struct ctl_status s;
        char day[CTL_TIME_MAX];
        int r;

        r = ctl_get_status(bus, &s);
        if (r != CTL_EXIT_OK)
                return r;

        if (o->json) {
                r = ctl_json_message(stdout, s.reply);
                fputc('\n', stdout);
                ctl_status_done(&s);
                if (r < 0) {
                        fprintf(stderr, "limberctl: cannot read limberd's properties: %s\n", strerror(-r));
                        return CTL_EXIT_DAEMON;
                }
                return CTL_EXIT_OK;
        }

        print_desk(&s, o->now);
        r = print_next_line(bus, &s, o->now);
        if (r != CTL_EXIT_OK) {
                ctl_status_done(&s);
                return r;
        }
        label("Foam rolling");
        printf("%u of %u sessions this week\n", s.smr_done, s.smr_target);
        label("Cardio");
        printf("%u of %u min this week\n", s.cardio_minutes, s.cardio_target);
        label("Load");
        if (s.load_ratio > 0)
                printf("%.2f (the last 7 days over the weekly mean of the 28 days before)\n", s.load_ratio);
        else
                puts("not enough history yet");
        for (size_t i = 0; i < s.n_unplaced; i++) {
                if (i == 0)
                        label("Unplaced");
                else
                        indent();
                printf("%s (%s, %s): %s\n", ctl_format_date(s.unplaced[i].day, day), s.unplaced[i].kind,
                       s.unplaced[i].rule, s.unplaced[i].reason);
        }
        if (s.has_plugins) {
                label("Plugins");
                if (s.n_plugins == 0)
                        puts("none");
                for (size_t i = 0; i < s.n_plugins; i++)
                        printf("%s%s (%s)%s", i ? ", " : "", s.plugins[i].a, s.plugins[i].b,
                               i + 1 == s.n_plugins ? "\n" : "");
        }
        label("Feed");
        puts(s.feed_path);
        indent();
        print_feed_url(s.feed_url);
        label("limberd");
        puts(s.version);

        ctl_status_done(&s);
        return CTL_EXIT_OK;
}

int ctl_cmd_next(sd_bus *bus, const struct ctl_options *o, char **args) {
        struct ctl_session session;
        char when[CTL_TIME_MAX];
        bool found;
        int r;

        r = ctl_get_next_session(bus, &session, &found);
        if (r != CTL_EXIT_OK)
                return r;

        if (o->json) {
                if (found)
                        r = ctl_json_message(stdout, session.reply);
                else
                        fputs("null", stdout);
                fputc('\n', stdout);
                if (found)
                        ctl_session_done(&session);
                if (r < 0) {
                        fprintf(stderr, "limberctl: cannot read the session: %s\n", strerror(-r));
                        return CTL_EXIT_DAEMON;
                }
                return CTL_EXIT_OK;
        }

        if (!found) {
                puts("Nothing planned.");
                return CTL_EXIT_OK;
        }

        printf("%s%s%s\n", o->color ? ANSI_BOLD : "", session.title, o->color ? ANSI_RESET : "");
        printf("%9s: %s%s\n", "When", ctl_format_range(session.start, session.end, when),
               session.start <= o->now && o->now < session.end ? " (under way)" : "");
        printf("%9s: %s (%s rule)\n", "Kind", session.kind, session.rule);
        printf("%9s: %s\n", "Status", session.status);
        if (session.reason[0])
                printf("%9s: %s\n", "Why", session.reason);
        if (session.regions[0])
                printf("%9s: %s\n", "Regions", session.regions);
        for (size_t i = 0; session.steps && session.steps[i]; i++)
                printf("%9s%c %zu. %s\n", i ? "" : "Steps", i ? ' ' : ':', i + 1, session.steps[i]);
        printf("%9s: %s\n", "Id", session.id);

        ctl_session_done(&session);
        return CTL_EXIT_OK;
}

int ctl_cmd_feed(sd_bus *bus, const struct ctl_options *o, char **args) {
        struct ctl_status s;
        int r;

        r = ctl_get_status(bus, &s);
        if (r != CTL_EXIT_OK)
                return r;
        printf("File: %s\n", s.feed_path);
        printf(" URL: ");
        /* FeedError says what stands in the way (a port taken by another program); with
         * none, an empty URL means [feed] http = off. */
        if (s.feed_url[0] == '\0' && s.feed_error[0] != '\0')
                printf("not served over HTTP: %s\n", s.feed_error);
        else {
                print_feed_url(s.feed_url);
                if (s.feed_error[0] != '\0')
                        printf("Note: %s\n", s.feed_error);
        }
        ctl_status_done(&s);
        return CTL_EXIT_OK;
}
