/* limber.conf: the configuration model, its built-in defaults, and loading it with libinih.
 *
 * Every key is described once in a table (section, name, type, bounds, place in the
 * struct); the ini handler looks the key up and parses it. Every problem is collected
 * as "FILE:LINE: message", so one run of --check-config shows them all.
 *
 * A window key may also be given for one weekday, KEY.mon to KEY.sun, which replaces
 * the plain key's window on that day wherever the keys stand in the file. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum value_type {
        T_DURATION,
        T_DURATION_OR_OFF,      /* "off" stores 0 */
        T_WINDOW,
        T_WINDOW_NO_WRAP,       /* a window in which sessions are placed: may not cross midnight */
        T_DAY_WINDOW,           /* KEY.mon ... KEY.sun: a struct limber_day_window */
        T_DAY_WINDOW_NO_WRAP,
        T_PERCENT,
        T_BOOL,
        T_UINT,
        T_DOUBLE,
        T_NAME,
        T_TIMEZONE,
        T_PATH,
        T_PATHS,                /* appends, so 'busy' may be repeated or continued */
        T_LISTEN,
};

struct key_def {
        const char *section;
        const char *name;
        enum value_type type;
        size_t offset;
        double min, max;        /* T_UINT, T_DOUBLE, T_PERCENT (fraction) */
        usec_t dmin, dmax;      /* T_DURATION* */
};

#define OFF(field) offsetof(struct limber_config, field)
#define DUR(sec, key, field, lo, hi) { sec, key, T_DURATION, OFF(field), 0, 0, lo, hi }
/* KEY.mon to KEY.sun, indexed as limber_weekday() counts: 0 for Monday. */
#define DAY(sec, key, field, type, i, wd) { sec, key "." wd, type, OFF(field[i]), 0, 0, 0, 0 }
#define WEEKDAYS(sec, key, field, type) \
        DAY(sec, key, field, type, 0, "mon"), DAY(sec, key, field, type, 1, "tue"), \
        DAY(sec, key, field, type, 2, "wed"), DAY(sec, key, field, type, 3, "thu"), \
        DAY(sec, key, field, type, 4, "fri"), DAY(sec, key, field, type, 5, "sat"), \
        DAY(sec, key, field, type, 6, "sun")

static const char *const weekday_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static const struct key_def keys[] = {
        { "schedule", "timezone", T_TIMEZONE, OFF(schedule.timezone), 0, 0, 0, 0 },
        { "schedule", "quiet_hours", T_WINDOW, OFF(schedule.quiet_hours), 0, 0, 0, 0 },
        WEEKDAYS("schedule", "quiet_hours", schedule.quiet_hours_on, T_DAY_WINDOW),
        DUR("schedule", "horizon", schedule.horizon, USEC_PER_DAY, 366 * USEC_PER_DAY),
        DUR("schedule", "history", schedule.history, USEC_PER_DAY, 520 * USEC_PER_WEEK),
        DUR("schedule", "grace", schedule.grace, USEC_PER_MIN, USEC_PER_DAY),
        { "schedule", "busy", T_PATHS, OFF(schedule.busy), 0, 0, 0, 0 },

        { "smr", "per_week", T_UINT, OFF(smr.per_week), 0, 14, 0, 0 },
        DUR("smr", "duration", smr.duration, USEC_PER_MIN, 4 * USEC_PER_HOUR),
        { "smr", "window", T_WINDOW_NO_WRAP, OFF(smr.window), 0, 0, 0, 0 },
        WEEKDAYS("smr", "window", smr.window_on, T_DAY_WINDOW_NO_WRAP),
        { "smr", "morning", T_WINDOW_NO_WRAP, OFF(smr.morning), 0, 0, 0, 0 },
        DUR("smr", "min_gap", smr.min_gap, 0, USEC_PER_WEEK),
        DUR("smr", "after_workout", smr.after_workout, USEC_PER_MIN, USEC_PER_DAY),
        { "smr", "spike_single", T_PERCENT, OFF(smr.spike_single), 0, 10, 0, 0 },
        { "smr", "spike_weekly", T_DOUBLE, OFF(smr.spike_weekly), 1, 10, 0, 0 },

        DUR("mobility", "max_sitting", mobility.max_sitting, USEC_PER_SEC, 24 * USEC_PER_HOUR),
        DUR("mobility", "natural_break", mobility.natural_break, USEC_PER_SEC, 24 * USEC_PER_HOUR),
        DUR("mobility", "duration", mobility.duration, USEC_PER_SEC, 4 * USEC_PER_HOUR),
        DUR("mobility", "snooze", mobility.snooze, USEC_PER_SEC, 24 * USEC_PER_HOUR),
        { "mobility", "notify", T_BOOL, OFF(mobility.notify), 0, 0, 0, 0 },

        { "cardio", "weekly_minutes", T_UINT, OFF(cardio.weekly_minutes), 0, 7 * 24 * 60, 0, 0 },
        DUR("cardio", "session", cardio.session, USEC_PER_MIN, 4 * USEC_PER_HOUR),
        { "cardio", "window", T_WINDOW_NO_WRAP, OFF(cardio.window), 0, 0, 0, 0 },
        WEEKDAYS("cardio", "window", cardio.window_on, T_DAY_WINDOW_NO_WRAP),

        { "feed", "path", T_PATH, OFF(feed.path), 0, 0, 0, 0 },
        { "feed", "http", T_LISTEN, OFF(feed.http), 0, 0, 0, 0 },
        { "feed", "alarm", T_DURATION_OR_OFF, OFF(feed.alarm), 0, 0, 0, USEC_PER_DAY },
        { "feed", "name", T_NAME, OFF(feed.name), 0, 0, 0, 0 },
};

#define N_KEYS (sizeof keys / sizeof keys[0])

struct parse_state {
        struct limber_config *config;
        const char *path;
        const char *home;
        FILE *file;
        unsigned line;          /* line the reader returned last */
        char *pending;          /* a copy of that line, until it is known whether inih took it */
        unsigned handled_line;  /* line the handler was called for last */
        unsigned key_line[N_KEYS];
        FILE *errors;           /* open_memstream */
        char *errors_buf;
        size_t errors_size;
        unsigned n_errors;
};

static void add_error(struct parse_state *st, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void add_error(struct parse_state *st, unsigned line, const char *fmt, ...) {
        va_list ap;

        fprintf(st->errors, "%s:%u: ", st->path, line);
        va_start(ap, fmt);
        vfprintf(st->errors, fmt, ap);
        va_end(ap);
        fputc('\n', st->errors);
        st->n_errors++;
}

struct limber_config *limber_config_new_default(void) {
        struct limber_config *c = calloc(1, sizeof *c);
        if (!c)
                return NULL;

        c->schedule.quiet_hours = (struct limber_window) { 22 * 60, 7 * 60 };
        c->schedule.horizon = 14 * USEC_PER_DAY;
        c->schedule.history = 8 * USEC_PER_WEEK;
        c->schedule.grace = USEC_PER_HOUR;
        c->schedule.busy = calloc(1, sizeof(char *));

        c->smr.per_week = 2;
        c->smr.duration = 15 * USEC_PER_MIN;
        c->smr.window = (struct limber_window) { 18 * 60 + 30, 21 * 60 };
        c->smr.morning = (struct limber_window) { 7 * 60, 9 * 60 };
        c->smr.min_gap = 2 * USEC_PER_DAY;
        c->smr.after_workout = 30 * USEC_PER_MIN;
        c->smr.spike_single = 0.10;
        c->smr.spike_weekly = 1.3;

        c->mobility.max_sitting = 30 * USEC_PER_MIN;
        c->mobility.natural_break = 5 * USEC_PER_MIN;
        c->mobility.duration = 3 * USEC_PER_MIN;
        c->mobility.snooze = 10 * USEC_PER_MIN;
        c->mobility.notify = true;

        c->cardio.weekly_minutes = 150;
        c->cardio.session = 30 * USEC_PER_MIN;
        c->cardio.window = (struct limber_window) { 12 * 60, 13 * 60 + 30 };

        c->feed.http = (struct limber_listen) { .enabled = true, .host = "127.0.0.1", .own_port = true };
        c->feed.alarm = 10 * USEC_PER_MIN;
        c->feed.name = strdup("Limber");

        if (!c->schedule.busy || !c->feed.name) {
                limber_config_free(c);
                return NULL;
        }
        return c;
}

void limber_config_free(struct limber_config *c) {
        if (!c)
                return;
        free(c->path);
        free(c->schedule.timezone);
        for (char **p = c->schedule.busy; p && *p; p++)
                free(*p);
        free(c->schedule.busy);
        free(c->feed.path);
        free(c->feed.name);
        for (size_t i = 0; i < c->n_plugins; i++) {
                struct limber_plugin_config *pc = &c->plugins[i];
                free(pc->name);
                for (size_t j = 0; j < pc->n_settings; j++) {
                        free(pc->settings[j].key);
                        free(pc->settings[j].value);
                }
                free(pc->settings);
        }
        free(c->plugins);
        free(c);
}

const struct limber_plugin_config *limber_config_get_plugin(const struct limber_config *c, const char *name) {
        for (size_t i = 0; i < c->n_plugins; i++)
                if (strcmp(c->plugins[i].name, name) == 0)
                        return &c->plugins[i];
        return NULL;
}

/* Expands '~/' and requires an absolute result. */
static char *expand_path(const char *home, const char *p, size_t len) {
        char *r;

        if (len >= 2 && p[0] == '~' && p[1] == '/') {
                if (!home || home[0] != '/')
                        return NULL;
                if (asprintf(&r, "%s%.*s", home, (int) len - 1, p + 1) < 0)
                        return NULL;
                return r;
        }
        if (p[0] != '/')
                return NULL;
        return strndup(p, len);
}

static bool timezone_exists(const char *name) {
        /* Olson names only: letters, digits, '_', '-', '+', '/'; no '..' and no leading '/'. */
        if (name[0] == '\0' || name[0] == '/' || strstr(name, ".."))
                return false;
        for (const char *p = name; *p; p++)
                if (!isalnum((unsigned char) *p) && !strchr("_-+/", *p))
                        return false;

        const char *dir = getenv("TZDIR");
        char *file;
        if (asprintf(&file, "%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo", name) < 0)
                return false;

        bool ok = false;
        FILE *f = fopen(file, "re");
        if (f) {
                char magic[4];
                ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
                fclose(f);
        }
        free(file);
        return ok;
}

static struct limber_plugin_config *plugin_section(struct parse_state *st, const char *name) {
        struct limber_config *c = st->config;

        for (size_t i = 0; i < c->n_plugins; i++)
                if (strcmp(c->plugins[i].name, name) == 0)
                        return &c->plugins[i];

        struct limber_plugin_config *n = realloc(c->plugins, (c->n_plugins + 1) * sizeof *n);
        if (!n)
                return NULL;
        c->plugins = n;
        n = &c->plugins[c->n_plugins];
        *n = (struct limber_plugin_config) { .name = strdup(name), .enabled = true };
        if (!n->name)
                return NULL;
        c->n_plugins++;
        return n;
}

static bool valid_plugin_name(const char *s) {
        if (*s == '\0')
                return false;
        for (; *s; s++)
                if (!islower((unsigned char) *s) && !isdigit((unsigned char) *s) && *s != '_' && *s != '-')
                        return false;
        return true;
}

/* Returns 0, or -ENOMEM; value errors are recorded, not returned. */
static int handle_plugin_key(struct parse_state *st, const char *plugin, const char *name, const char *value) {
        if (!valid_plugin_name(plugin))
                return 0;       /* reported at the section header */
        struct limber_plugin_config *pc = plugin_section(st, plugin);
        if (!pc)
                return -ENOMEM;

        if (strcmp(name, "enabled") == 0) {
                const char *why;
                if (limber_parse_bool(value, &pc->enabled, &why) < 0)
                        add_error(st, st->line, "invalid value '%s' for 'enabled' in [plugin.%s]: %s",
                                  value, plugin, why);
                return 0;
        }

        struct limber_plugin_setting *s = realloc(pc->settings, (pc->n_settings + 1) * sizeof *s);
        if (!s)
                return -ENOMEM;
        pc->settings = s;
        s[pc->n_settings] = (struct limber_plugin_setting) {
                .key = strdup(name), .value = strdup(value), .line = st->line,
        };
        pc->n_settings++;
        if (!s[pc->n_settings - 1].key || !s[pc->n_settings - 1].value)
                return -ENOMEM;
        return 0;
}

static const char *type_name(enum value_type t) {
        switch (t) {
        case T_DURATION: return "duration";
        case T_DURATION_OR_OFF: return "duration";
        case T_WINDOW:
        case T_WINDOW_NO_WRAP:
        case T_DAY_WINDOW:
        case T_DAY_WINDOW_NO_WRAP: return "window";
        case T_PERCENT: return "percentage";
        case T_BOOL: return "boolean";
        case T_UINT: return "number";
        case T_DOUBLE: return "number";
        case T_NAME: return "name";
        case T_TIMEZONE: return "time zone";
        case T_PATH:
        case T_PATHS: return "path";
        case T_LISTEN: return "address";
        }
        return "value";
}

static int set_value(struct parse_state *st, const struct key_def *k, const char *value, const char **why) {
        void *field = (char *) st->config + k->offset;

        switch (k->type) {
        case T_DURATION_OR_OFF:
                if (strcasecmp(value, "off") == 0) {
                        *(usec_t *) field = 0;
                        return 0;
                }
                /* fall through */
        case T_DURATION: {
                usec_t d;
                int r = limber_parse_duration(value, &d, why);
                if (r == -EINVAL && k->type == T_DURATION_OR_OFF)
                        *why = "expected a duration such as 10min, or off";
                if (r < 0)
                        return r;
                if (d < k->dmin || d > k->dmax) {
                        static char range[128];
                        char lo[32], hi[32];
                        snprintf(range, sizeof range, "must be from %s to %s",
                                 limber_format_duration(k->dmin, lo, sizeof lo),
                                 limber_format_duration(k->dmax, hi, sizeof hi));
                        *why = range;
                        return -ERANGE;
                }
                *(usec_t *) field = d;
                return 0;
        }
        case T_WINDOW:
        case T_WINDOW_NO_WRAP:
        case T_DAY_WINDOW:
        case T_DAY_WINDOW_NO_WRAP: {
                struct limber_window w;
                int r = limber_parse_window(value, &w, why);
                if (r < 0)
                        return r;
                if ((k->type == T_WINDOW_NO_WRAP || k->type == T_DAY_WINDOW_NO_WRAP) && w.end < w.start) {
                        *why = "the window may not cross midnight";
                        return -EINVAL;
                }
                if (k->type == T_DAY_WINDOW || k->type == T_DAY_WINDOW_NO_WRAP)
                        *(struct limber_day_window *) field = (struct limber_day_window) { .set = true, .window = w };
                else
                        *(struct limber_window *) field = w;
                return 0;
        }
        case T_PERCENT:
        case T_DOUBLE: {
                double d;
                /* A number's bounds are checked below, where the message can name them. */
                int r = k->type == T_PERCENT ? limber_parse_percent(value, &d, why)
                                             : limber_parse_double(value, -DBL_MAX, DBL_MAX, &d, why);
                if (r < 0)
                        return r;
                if (d < k->min || d > k->max) {
                        static char range[96];
                        if (k->type == T_PERCENT)
                                snprintf(range, sizeof range, "must be from %g%% to %g%%", k->min * 100, k->max * 100);
                        else
                                snprintf(range, sizeof range, "must be from %g to %g", k->min, k->max);
                        *why = range;
                        return -ERANGE;
                }
                *(double *) field = d;
                return 0;
        }
        case T_BOOL:
                return limber_parse_bool(value, (bool *) field, why);
        case T_UINT: {
                int r = limber_parse_uint(value, (unsigned) k->min, (unsigned) k->max, (unsigned *) field, why);
                if (r == -ERANGE) {
                        static char range[64];
                        snprintf(range, sizeof range, "must be from %u to %u", (unsigned) k->min, (unsigned) k->max);
                        *why = range;
                }
                return r;
        }
        case T_NAME:
                if (value[0] == '\0' || strlen(value) > 200) {
                        *why = "must be 1 to 200 characters";
                        return -EINVAL;
                }
                break;
        case T_TIMEZONE:
                if (!timezone_exists(value)) {
                        *why = "no such time zone in the system's tzdata (expected a name such as Europe/Berlin)";
                        return -EINVAL;
                }
                break;
        case T_PATH: {
                char *p = expand_path(st->home, value, strlen(value));
                if (!p) {
                        *why = "expected an absolute path or one starting with ~/";
                        return -EINVAL;
                }
                free(*(char **) field);
                *(char **) field = p;
                return 0;
        }
        case T_PATHS: {
                char ***list = (char ***) field;
                size_t n = 0;
                while ((*list)[n])
                        n++;
                for (const char *p = value; *p;) {
                        p += strspn(p, " \t");
                        size_t len = strcspn(p, " \t");
                        if (len == 0)
                                break;
                        char *e = expand_path(st->home, p, len);
                        if (!e) {
                                *why = "each path must be absolute or start with ~/";
                                return -EINVAL;
                        }
                        char **nl = realloc(*list, (n + 2) * sizeof(char *));
                        if (!nl) {
                                free(e);
                                return -ENOMEM;
                        }
                        nl[n++] = e;
                        nl[n] = NULL;
                        *list = nl;
                        p += len;
                }
                return 0;
        }
        case T_LISTEN:
                return limber_parse_listen(value, (struct limber_listen *) field, why);
        }

        /* T_NAME and T_TIMEZONE: a plain copy. */
        char *copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        free(*(char **) field);
        *(char **) field = copy;
        return 0;
}

static int handler(void *user, const char *section, const char *name, const char *value) {
        struct parse_state *st = user;

        st->handled_line = st->line;
        if (strncmp(section, "plugin.", 7) == 0)
                return handle_plugin_key(st, section + 7, name, value) < 0 ? 0 : 1;

        bool section_known = false;
        for (size_t i = 0; i < N_KEYS; i++) {
                const struct key_def *k = &keys[i];
                if (strcmp(k->section, section) != 0)
                        continue;
                section_known = true;
                if (strcmp(k->name, name) != 0)
                        continue;

                if (st->key_line[i] != 0 && k->type != T_PATHS) {
                        add_error(st, st->line, "'%s' in [%s] is already set on line %u",
                                  name, section, st->key_line[i]);
                        return 1;
                }
                st->key_line[i] = st->line;

                const char *why = "out of memory";
                int r = set_value(st, k, value, &why);
                if (r < 0)
                        add_error(st, st->line, "invalid %s '%s' for '%s' in [%s]: %s",
                                  type_name(k->type), value, name, section, why);
                return r == -ENOMEM ? 0 : 1;
        }

        /* An unknown section was reported at its header, once, not for each key. */
        if (section[0] == '\0')
                add_error(st, st->line, "key '%s' outside any section", name);
        else if (section_known)
                add_error(st, st->line, "unknown key '%s' in [%s]", name, section);
        return 1;
}

static int accept_any(void *user, const char *section, const char *name, const char *value) {
        return 1;
}

static bool section_known(const char *name) {
        for (size_t i = 0; i < N_KEYS; i++)
                if (strcmp(keys[i].section, name) == 0)
                        return true;
        return false;
}

/* Checks a "[name]" line where it stands, so that an unknown section is reported at
 * its header, once, even when it holds no keys. */
static void check_section_header(struct parse_state *st, const char *line) {
        const char *p = line;

        if (st->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
                p += 3;
        p += strspn(p, " \t");
        if (*p != '[')
                return;
        const char *end = strchr(p, ']');
        if (!end)
                return;         /* a syntax error, reported as such */

        char *name = strndup(p + 1, (size_t) (end - p - 1));
        if (!name)
                return;
        if (strncmp(name, "plugin.", 7) == 0) {
                if (!valid_plugin_name(name + 7))
                        add_error(st, st->line, "invalid plugin name '%s' in [%s]: use a-z, 0-9, '_' and '-'",
                                  name + 7, name);
        } else if (!section_known(name))
                add_error(st, st->line, "unknown section [%s]", name);
        free(name);
}

/* inih returns only the first line it could not parse, and only at the end. So a line
 * the handler was not called for is parsed again on its own: if inih refuses it there
 * too, it is a syntax error, recorded now so that all of them appear, in line order. */
static void check_pending_line(struct parse_state *st) {
        if (st->pending && st->handled_line != st->line &&
            ini_parse_string(st->pending, accept_any, NULL) > 0)
                add_error(st, st->line, "syntax error: expected [section] or key = value");
        free(st->pending);
        st->pending = NULL;
}

/* Reads one line for inih and keeps the line number; a line too long for inih's
 * buffer is consumed whole and reported, instead of being split into two lines. */
static char *reader(char *str, int num, void *stream) {
        struct parse_state *st = stream;

        /* inih asks for the next line only when it is done with this one. */
        check_pending_line(st);

        if (!fgets(str, num, st->file))
                return NULL;
        st->line++;

        size_t len = strlen(str);
        if (len == (size_t) num - 1 && str[len - 1] != '\n' && !feof(st->file)) {
                int ch;
                while ((ch = fgetc(st->file)) != EOF && ch != '\n')
                        ;
                add_error(st, st->line, "line longer than %d characters", num - 2);
                str[0] = '\0';
        }
        check_section_header(st, str);
        st->pending = strdup(str);
        return str;
}

static const struct key_def *find_key(const char *section, const char *name, unsigned *index) {
        for (size_t i = 0; i < N_KEYS; i++)
                if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0) {
                        *index = (unsigned) i;
                        return &keys[i];
                }
        return NULL;
}

static unsigned line_of(const struct parse_state *st, const char *section, const char *name) {
        unsigned i;
        return find_key(section, name, &i) ? st->key_line[i] : 0;
}

static unsigned window_minutes(struct limber_window w) {
        return w.end >= w.start ? w.end - w.start : 24 * 60 - w.start + w.end;
}

static void fit_error(struct parse_state *st, unsigned line, usec_t length, const char *section,
                      const char *length_key, const char *window_key) {
        char a[32];
        add_error(st, line, "'%s' (%s) does not fit in '%s' in [%s]", length_key,
                  limber_format_duration(length, a, sizeof a), window_key, section);
}

/* A session length must fit its window; the message names the line of whichever of
 * the two keys the file set. */
static void check_fits(struct parse_state *st, usec_t length, struct limber_window w, const char *section,
                       const char *length_key, const char *window_key) {
        if (length <= window_minutes(w) * USEC_PER_MIN)
                return;
        unsigned l = line_of(st, section, length_key);
        if (l == 0)
                l = line_of(st, section, window_key);
        fit_error(st, l, length, section, length_key, window_key);
}

/* The same on each weekday that has a window of its own, which is what the file set
 * for that day: the message names its line. */
static void check_day_fits(struct parse_state *st, usec_t length, const struct limber_day_window on[static 7],
                           const char *section, const char *length_key, const char *window_key) {
        for (unsigned i = 0; i < 7; i++) {
                char key[32];
                if (!on[i].set || length <= window_minutes(on[i].window) * USEC_PER_MIN)
                        continue;
                snprintf(key, sizeof key, "%s.%s", window_key, weekday_names[i]);
                fit_error(st, line_of(st, section, key), length, section, length_key, key);
        }
}

/* Checks between keys; each names the line of the key that was set. */
static void check_consistency(struct parse_state *st) {
        const struct limber_config *c = st->config;
        char a[32], b[32];

        if (c->mobility.natural_break >= c->mobility.max_sitting) {
                unsigned l = line_of(st, "mobility", "natural_break");
                if (l == 0)
                        l = line_of(st, "mobility", "max_sitting");
                add_error(st, l, "'natural_break' (%s) must be shorter than 'max_sitting' (%s) in [mobility]",
                          limber_format_duration(c->mobility.natural_break, a, sizeof a),
                          limber_format_duration(c->mobility.max_sitting, b, sizeof b));
        }
        check_fits(st, c->smr.duration, c->smr.window, "smr", "duration", "window");
        check_day_fits(st, c->smr.duration, c->smr.window_on, "smr", "duration", "window");
        check_fits(st, c->smr.duration, c->smr.morning, "smr", "duration", "morning");
        check_fits(st, c->cardio.session, c->cardio.window, "cardio", "session", "window");
        check_day_fits(st, c->cardio.session, c->cardio.window_on, "cardio", "session", "window");
}

int limber_config_load(const char *path, bool must_exist, const char *home,
                       struct limber_config **ret, char **ret_errors) {
        struct parse_state st = { .path = path, .home = home };
        int r;

        *ret = NULL;
        *ret_errors = NULL;

        st.file = fopen(path, "re");
        r = st.file ? 0 : -errno;
        if (st.file) {
                /* fopen() opens a directory too, which would then read as an empty file. */
                struct stat stb;
                if (fstat(fileno(st.file), &stb) >= 0 && S_ISDIR(stb.st_mode)) {
                        fclose(st.file);
                        st.file = NULL;
                        r = -EISDIR;
                }
        }
        if (!st.file) {
                if (r == -ENOENT && !must_exist) {
                        *ret = limber_config_new_default();
                        return *ret ? 0 : -ENOMEM;
                }
                if (asprintf(ret_errors, "%s: cannot read: %s\n", path, strerror(-r)) < 0)
                        *ret_errors = NULL;
                return r;
        }

        st.config = limber_config_new_default();
        st.errors = open_memstream(&st.errors_buf, &st.errors_size);
        if (!st.config || !st.errors || !(st.config->path = strdup(path))) {
                r = -ENOMEM;
                goto finish;
        }

        int e = ini_parse_stream(reader, &st, handler, &st);
        check_pending_line(&st);
        if (e > 0) {
                /* inih reports the first line it refused. Lines our handler refused and
                 * syntax errors are already recorded, unless a line could not be copied. */
                char *probe = NULL;
                fflush(st.errors);
                if (asprintf(&probe, "%s:%d: ", path, e) >= 0 &&
                    (!st.errors_buf || !strstr(st.errors_buf, probe)))
                        add_error(&st, (unsigned) e, "syntax error: expected [section] or key = value");
                free(probe);
        } else if (e == -2) {
                r = -ENOMEM;
                goto finish;
        }

        if (st.n_errors == 0)
                check_consistency(&st);

        r = 0;
finish:
        if (st.errors)
                fclose(st.errors);
        fclose(st.file);
        free(st.pending);

        if (r == 0 && st.n_errors > 0)
                r = -EINVAL;
        if (r == 0) {
                *ret = st.config;
                free(st.errors_buf);
        } else {
                limber_config_free(st.config);
                if (r == -ENOMEM && st.n_errors == 0) {
                        free(st.errors_buf);
                        st.errors_buf = NULL;
                }
                *ret_errors = st.errors_buf;
        }
        return r;
}
