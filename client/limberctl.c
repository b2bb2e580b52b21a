/* limberctl: the command line of limber. It reads the command line, checks it, connects
 * to the session bus and runs one command against limberd (io.github.limber.Limber1).
 * The commands live in show.c, list.c, waybar.c and act.c; the calls in bus.c.
 *
 * Exit status (limberctl(1) says the same):
 *   0  success
 *   1  limberd answered with an error, which is printed (or a call failed otherwise)
 *   2  bad usage: what is wrong is printed, with a hint
 *   3  limberd is not running on the session bus and could not be started, or there
 *      is no session bus
 */
#include "limberctl.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "version.h"

enum {
        OPT_JSON = 1 << 0,
        OPT_FROM = 1 << 1,
        OPT_UNTIL = 1 << 2,
        OPT_AT = 1 << 3,
        OPT_DISTANCE = 1 << 4,
        OPT_TITLE = 1 << 5,
        OPT_FOLLOW = 1 << 6,
};

enum {
        DEFAULT_FROM_NONE,
        DEFAULT_FROM_TODAY,             /* the start of today */
        DEFAULT_FROM_WEEK,              /* 7 days ago */
};

struct command {
        const char *name;
        const char *synopsis;
        unsigned min_args, max_args;
        unsigned options;
        int default_from;
        int (*check)(const struct ctl_options *o, char **args);
        int (*run)(sd_bus *bus, const struct ctl_options *o, char **args);
};

static const struct command commands[] = {
        { "status", "status", 0, 0, OPT_JSON, DEFAULT_FROM_NONE, NULL, ctl_cmd_status },
        { "next", "next", 0, 0, OPT_JSON, DEFAULT_FROM_NONE, NULL, ctl_cmd_next },
        { "list", "list [--from TIME] [--until TIME]", 0, 0, OPT_JSON | OPT_FROM | OPT_UNTIL, DEFAULT_FROM_TODAY,
          NULL, ctl_cmd_list },
        { "activities", "activities [--from TIME] [--until TIME]", 0, 0, OPT_JSON | OPT_FROM | OPT_UNTIL,
          DEFAULT_FROM_WEEK, NULL, ctl_cmd_activities },
        { "complete", "complete ID", 1, 1, 0, DEFAULT_FROM_NONE, NULL, ctl_cmd_complete },
        { "skip", "skip ID", 1, 1, 0, DEFAULT_FROM_NONE, NULL, ctl_cmd_skip },
        { "snooze", "snooze ID [DURATION]", 1, UINT_MAX, 0, DEFAULT_FROM_NONE, ctl_check_snooze, ctl_cmd_snooze },
        { "log", "log KIND DURATION [--distance KM] [--at TIME] [--title TEXT]", 2, UINT_MAX,
          OPT_AT | OPT_DISTANCE | OPT_TITLE, DEFAULT_FROM_NONE, ctl_check_log, ctl_cmd_log },
        { "idle", "idle on|off", 1, 1, 0, DEFAULT_FROM_NONE, ctl_check_idle, ctl_cmd_idle },
        { "feed", "feed", 0, 0, 0, DEFAULT_FROM_NONE, NULL, ctl_cmd_feed },
        { "waybar", "waybar [--follow]", 0, 0, OPT_FOLLOW, DEFAULT_FROM_NONE, NULL, ctl_cmd_waybar },
};

static const char *const option_names[] = { "--json", "--from", "--until", "--at", "--distance", "--title",
                                            "--follow" };

static void help(void) {
        printf("Usage: limberctl [OPTION]... [COMMAND [ARGUMENT]...]\n"
               "Ask limberd about sessions and activities, and tell it what happened.\n"
               "\n"
               "Commands:\n"
               "  status                  the desk, the next session and the week (the default)\n"
               "  next                    the session under way or coming next, with its steps\n"
               "  list                    sessions from the start of today on\n"
               "  activities              activities of the last 7 days\n"
               "  complete ID             mark a session done (ID 'due': the one under way)\n"
               "  skip ID                 skip a session\n"
               "  snooze ID [DURATION]    put a session off (by default as long as limberd says)\n"
               "  log KIND DURATION       record an activity that just ended\n"
               "  idle on|off             tell limberd you went idle or came back\n"
               "  feed                    the calendar feed's file and webcal:// URL\n"
               "  waybar                  one line of JSON for a waybar custom module\n"
               "  waybar --follow         a line at start and one on every change, until stopped\n"
               "\n"
               "Options:\n"
               "      --json              print JSON, keys in snake_case (status, next, list,\n"
               "                          activities)\n"
               "      --from=TIME         list from TIME (list, activities)\n"
               "      --until=TIME        list up to TIME, excluded (list, activities)\n"
               "      --at=TIME           when the activity began (log)\n"
               "      --distance=KM       how far, in kilometres (log)\n"
               "      --title=TEXT        a title for the activity (log)\n"
               "      --follow            keep printing as things change (waybar)\n"
               "  -h, --help              print this help and exit\n"
               "      --version           print the version and exit\n"
               "\n"
               "ID is a session id from 'limberctl list', 'due' (the session under way, an error\n"
               "when there is none) or 'next' (the session under way or coming next).\n"
               "TIME is now, today, yesterday, tomorrow, HH:MM, YYYY-MM-DD or 'YYYY-MM-DD HH:MM',\n"
               "in local time. DURATION is such as 45s, 10min or '1h 30min'.\n"
               "KIND is run, walk, ride, swim, hike, strength, yoga or other.\n"
               "\n"
               "Exit status: 0 success, 1 limberd answered with an error, 2 bad usage,\n"
               "3 limberd is not running. See limberctl(1).\n");
}

int ctl_usage_error(const char *fmt, ...) {
        va_list ap;

        fputs("limberctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nTry 'limberctl --help' for more information.\n", stderr);
        return CTL_EXIT_USAGE;
}

static int parse_time_option(const char *option, const char *value, usec_t now, usec_t *ret) {
        if (ctl_parse_time(value, now, ret) < 0)
                return ctl_usage_error("invalid time '%s' for %s: use now, today, HH:MM, YYYY-MM-DD or "
                                       "'YYYY-MM-DD HH:MM'", value, option);
        return CTL_EXIT_OK;
}

static int parse_distance(const char *value, double *ret) {
        char *end;
        errno = 0;
        double d = strtod(value, &end);
        if (end == value || *end != '\0' || errno != 0 || !isfinite(d) || d < 0 || d > 10000)
                return ctl_usage_error("invalid distance '%s': a number of kilometres, 0 to 10000", value);
        *ret = d;
        return CTL_EXIT_OK;
}

static bool use_color(void) {
        const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
        return isatty(STDOUT_FILENO) && !(no_color && no_color[0]) && !(term && strcmp(term, "dumb") == 0);
}

static usec_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* Parses the options into o and the bits of those given into *given; leaves the
 * positional arguments in argv[optind..]. Returns an exit status, or -1 to go on. */
static int parse_options(int argc, char *argv[], struct ctl_options *o, unsigned *given) {
        enum { ARG_VERSION = 0x100, ARG_JSON, ARG_FROM, ARG_UNTIL, ARG_AT, ARG_DISTANCE, ARG_TITLE, ARG_FOLLOW };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", no_argument, NULL, ARG_JSON },
                { "from", required_argument, NULL, ARG_FROM },
                { "until", required_argument, NULL, ARG_UNTIL },
                { "at", required_argument, NULL, ARG_AT },
                { "distance", required_argument, NULL, ARG_DISTANCE },
                { "title", required_argument, NULL, ARG_TITLE },
                { "follow", no_argument, NULL, ARG_FOLLOW },
                { 0 },
        };
        int c, r;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
                r = CTL_EXIT_OK;
                switch (c) {
                case 'h':
                        help();
                        return CTL_EXIT_OK;
                case ARG_VERSION:
                        fputs(LIMBER_VERSION_TEXT("limberctl"), stdout);
                        return CTL_EXIT_OK;
                case ARG_JSON:
                        o->json = true;
                        *given |= OPT_JSON;
                        break;
                case ARG_FROM:
                        r = parse_time_option("--from", optarg, o->now, &o->from);
                        o->have_from = true;
                        *given |= OPT_FROM;
                        break;
                case ARG_UNTIL:
                        r = parse_time_option("--until", optarg, o->now, &o->until);
                        o->have_until = true;
                        *given |= OPT_UNTIL;
                        break;
                case ARG_AT:
                        r = parse_time_option("--at", optarg, o->now, &o->at);
                        o->have_at = true;
                        *given |= OPT_AT;
                        break;
                case ARG_DISTANCE:
                        r = parse_distance(optarg, &o->distance_km);
                        o->have_distance = true;
                        *given |= OPT_DISTANCE;
                        break;
                case ARG_TITLE:
                        if (optarg[0] == '\0')
                                r = ctl_usage_error("the --title is empty");
                        o->title = optarg;
                        *given |= OPT_TITLE;
                        break;
                case ARG_FOLLOW:
                        o->follow = true;
                        *given |= OPT_FOLLOW;
                        break;
                case ':':
                        return ctl_usage_error("option '%s' needs a value", argv[optind - 1]);
                default:
                        if (optopt)
                                return ctl_usage_error("unknown option '-%c'", optopt);
                        return ctl_usage_error("unknown option '%s'", argv[optind - 1]);
                }
                if (r != CTL_EXIT_OK)
                        return r;
        }
        return -1;
}

/* Checks the command line against the command: counts, options, the range. */
static int check_command(const struct command *cmd, unsigned given, unsigned n_args, struct ctl_options *o) {
        for (size_t i = 0; i < ELEMENTSOF(option_names); i++)
                if ((given & (1u << i)) && !(cmd->options & (1u << i)))
                        return ctl_usage_error("option %s does not apply to '%s'", option_names[i], cmd->name);
        if (n_args < cmd->min_args)
                return ctl_usage_error("'%s' needs more: limberctl %s", cmd->name, cmd->synopsis);
        if (n_args > cmd->max_args)
                return ctl_usage_error("too many arguments for '%s': limberctl %s", cmd->name, cmd->synopsis);

        if (!o->have_from && cmd->default_from == DEFAULT_FROM_TODAY)
                o->from = ctl_start_of_day(o->now);
        else if (!o->have_from && cmd->default_from == DEFAULT_FROM_WEEK)
                o->from = o->now > 7 * USEC_PER_DAY ? o->now - 7 * USEC_PER_DAY : 0;
        if (!o->have_until)
                o->until = 0;   /* no upper bound */
        else if (o->until < o->from)
                return ctl_usage_error("--until is before %s", o->have_from ? "--from" : "the default start");
        return CTL_EXIT_OK;
}

int main(int argc, char *argv[]) {
        struct ctl_options o = { 0 };
        const struct command *cmd = NULL;
        unsigned given = 0;
        sd_bus *bus = NULL;
        int r;

        tzset();
        o.now = now_usec();
        o.color = use_color();

        r = parse_options(argc, argv, &o, &given);
        if (r >= 0)
                return r;

        char **args = argv + optind;
        const char *name = args[0] ? *args++ : "status";
        if (strcmp(name, "help") == 0) {
                help();
                return CTL_EXIT_OK;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands) && !cmd; i++)
                if (strcmp(commands[i].name, name) == 0)
                        cmd = &commands[i];
        if (!cmd)
                return ctl_usage_error("unknown command '%s'", name);

        unsigned n_args = 0;
        while (args[n_args])
                n_args++;
        r = check_command(cmd, given, n_args, &o);
        if (r == CTL_EXIT_OK && cmd->check)
                r = cmd->check(&o, args);
        if (r != CTL_EXIT_OK)
                return r;

        r = ctl_bus_connect(&bus);
        if (r != CTL_EXIT_OK)
                return r;
        /* --follow waits for limberd rather than giving up on it. */
        if (!o.follow)
                r = ctl_bus_start(bus);
        if (r == CTL_EXIT_OK)
                r = cmd->run(bus, &o, args);
        if (fflush(stdout) != 0 && r == CTL_EXIT_OK) {
                fprintf(stderr, "limberctl: cannot write the output: %s\n", strerror(errno));
                r = CTL_EXIT_DAEMON;
        }
        sd_bus_flush_close_unref(bus);
        return r;
}
