/* Tests for loading limber.conf (config.h) from real files: the built-in defaults, every
 * key, paths under ~/, plugin sections, and the exact "FILE:LINE: message" a person
 * sees for each kind of mistake. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "util.h"

#define HOME "/home/tester"

static const char *tmp_dir(void) {
        const char *d = getenv("TMPDIR");
        return d && d[0] ? d : "/tmp";
}

/* Writes TEXT to a new file in the temporary directory; returns its path, or NULL. */
static char *write_temp(const char *text) {
        char *path;

        if (asprintf(&path, "%s/limber-test-config-XXXXXX", tmp_dir()) < 0)
                return NULL;
        int fd = mkstemp(path);
        if (fd < 0) {
                fprintf(stderr, "mkstemp(%s): %s\n", path, strerror(errno));
                free(path);
                return NULL;
        }
        size_t len = strlen(text), done = 0;
        while (done < len) {
                ssize_t n = write(fd, text + done, len - done);
                if (n <= 0) {
                        fprintf(stderr, "write(%s): %s\n", path, strerror(errno));
                        close(fd);
                        unlink(path);
                        free(path);
                        return NULL;
                }
                done += (size_t) n;
        }
        close(fd);
        return path;
}

/* The expected messages spell the file as '@': the temporary name is known only at run time. */
static char *with_path(const char *template, const char *path) {
        size_t n = 0, plen = strlen(path);
        for (const char *p = template; *p; p++)
                n += *p == '@' ? plen : 1;

        char *s = malloc(n + 1), *q = s;
        if (!s)
                return NULL;
        for (const char *p = template; *p; p++)
                if (*p == '@') {
                        memcpy(q, path, plen);
                        q += plen;
                } else
                        *q++ = *p;
        *q = '\0';
        return s;
}

/* Loads TEXT from a temporary file, which is removed again before returning. */
static int load_text(const char *text, const char *home, char **ret_path,
                     struct limber_config **ret, char **ret_errors) {
        *ret = NULL;
        *ret_errors = NULL;
        *ret_path = write_temp(text);
        if (!*ret_path)
                return -EIO;
        int r = limber_config_load(*ret_path, true, home, ret, ret_errors);
        unlink(*ret_path);
        return r;
}

static void check_window(const char *what, struct limber_window w, unsigned start, unsigned end) {
        CHECK_CONTEXT("%s", what);
        CHECK_INT(w.start, start);
        CHECK_INT(w.end, end);
        CHECK_CONTEXT_CLEAR();
}

/* The values DESIGN.md lists under "Configuration", which every installation starts from. */
static void check_defaults(const struct limber_config *c) {
        CHECK_STR(c->schedule.timezone, NULL);
        check_window("quiet_hours", c->schedule.quiet_hours, 22 * 60, 7 * 60);
        CHECK_U64(c->schedule.horizon, 14 * USEC_PER_DAY);
        CHECK_U64(c->schedule.history, 8 * USEC_PER_WEEK);
        CHECK_U64(c->schedule.grace, USEC_PER_HOUR);
        CHECK(c->schedule.busy != NULL);
        if (c->schedule.busy)
                CHECK_STR(c->schedule.busy[0], NULL);

        CHECK_INT(c->smr.per_week, 2);
        CHECK_U64(c->smr.duration, 15 * USEC_PER_MIN);
        check_window("smr.window", c->smr.window, 18 * 60 + 30, 21 * 60);
        check_window("smr.morning", c->smr.morning, 7 * 60, 9 * 60);
        CHECK_U64(c->smr.min_gap, 2 * USEC_PER_DAY);
        CHECK_U64(c->smr.after_workout, 30 * USEC_PER_MIN);
        CHECK_DOUBLE(c->smr.spike_single, 0.10);
        CHECK_DOUBLE(c->smr.spike_weekly, 1.3);

        CHECK_U64(c->mobility.max_sitting, 30 * USEC_PER_MIN);
        CHECK_U64(c->mobility.natural_break, 5 * USEC_PER_MIN);
        CHECK_U64(c->mobility.duration, 3 * USEC_PER_MIN);
        CHECK_U64(c->mobility.snooze, 10 * USEC_PER_MIN);
        CHECK_INT(c->mobility.notify, true);

        CHECK_INT(c->cardio.weekly_minutes, 150);
        CHECK_U64(c->cardio.session, 30 * USEC_PER_MIN);
        check_window("cardio.window", c->cardio.window, 12 * 60, 13 * 60 + 30);
        /* No weekday has a window of its own. */
        for (unsigned i = 0; i < 7; i++) {
                CHECK_CONTEXT("weekday %u", i);
                CHECK(!c->schedule.quiet_hours_on[i].set);
                CHECK(!c->smr.window_on[i].set);
                CHECK(!c->cardio.window_on[i].set);
        }
        CHECK_CONTEXT_CLEAR();

        /* NULL: the daemon puts the feed at $XDG_DATA_HOME/limber/limber.ics */
        CHECK_STR(c->feed.path, NULL);
        CHECK_INT(c->feed.http.enabled, true);
        CHECK_STR(c->feed.http.host, "127.0.0.1");
        CHECK_INT(c->feed.http.own_port, true);
        CHECK_INT(c->feed.http.port, 0);
        CHECK_U64(c->feed.alarm, 10 * USEC_PER_MIN);
        CHECK_STR(c->feed.name, "Limber");

        CHECK_INT(c->n_plugins, 0);
}

static void test_no_file(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = NULL;
        char *errors = NULL, *path = NULL;

        CHECK(asprintf(&path, "%s/limber-test-config-does-not-exist/limber.conf", tmp_dir()) >= 0);

        /* The default location may hold no file at all: the built-in defaults serve. */
        CHECK_INT(limber_config_load(path, false, HOME, &c, &errors), 0);
        CHECK_STR(errors, NULL);
        CHECK(c != NULL);
        if (c) {
                CHECK_STR(c->path, NULL);
                check_defaults(c);
        }

        /* A file named on the command line must be there. */
        struct limber_config *c2 = (struct limber_config *) 1;
        char *expected = with_path("@: cannot read: No such file or directory\n", path);
        CHECK_INT(limber_config_load(path, true, HOME, &c2, &errors), -ENOENT);
        CHECK(c2 == NULL);
        CHECK_STR(errors, expected);
        free(expected);
        free(errors);
        free(path);
}

static void test_new_default(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = limber_config_new_default();

        CHECK(c != NULL);
        if (c) {
                CHECK_STR(c->path, NULL);
                check_defaults(c);
        }
}

static void test_directory(void) {
        /* A directory is not a configuration: it must not pass as an empty file. */
        struct limber_config *c = NULL;
        char *errors = NULL, *dir = NULL;

        CHECK(asprintf(&dir, "%s/limber-test-config-XXXXXX", tmp_dir()) >= 0);
        CHECK(mkdtemp(dir) != NULL);

        char *expected = with_path("@: cannot read: Is a directory\n", dir);
        CHECK_INT(limber_config_load(dir, false, HOME, &c, &errors), -EISDIR);
        CHECK(c == NULL);
        CHECK_STR(errors, expected);
        limber_config_free(c);
        free(expected);
        free(errors);
        rmdir(dir);
        free(dir);
}

static void test_empty_file(void) {
        _cleanup_(limber_config_freep) struct limber_config *c = NULL;
        char *errors = NULL, *path = NULL;

        CHECK_INT(load_text("", HOME, &path, &c, &errors), 0);
        CHECK_STR(errors, NULL);
        CHECK(c != NULL);
        if (c) {
                CHECK_STR(c->path, path);
                check_defaults(c);
        }
        free(errors);
        free(path);
}

static void test_every_key(void) {
        static const char text[] =
                "# every key, none at its default\n"
                "; both comment styles\n"
                "[schedule]\n"
                "timezone = Europe/Berlin\n"
                "quiet_hours = 23:00-06:30\n"
                "horizon = 3w\n"
                "    ; an indented comment continues nothing\n"
                "history = 1d\n"
                "grace = 30min\n"
                "busy = ~/cal/work.ics\t/srv/cal/team.ics\n"
                "busy = ~/.local/share/vdir/work\n"
                "\n"
                "[smr]\n"
                "per_week = 3\n"
                "duration = 20min\n"
                "window = 07:00-08:00\n"
                "morning = 06:00-06:45\n"
                "min_gap = 1d 12h\n"
                "after_workout = 45min\n"
                "spike_single = 12.5%\n"
                "spike_weekly = 1.5\n"
                "\n"
                "[mobility]\n"
                "max_sitting = 45min\n"
                "natural_break = 2min\n"
                "duration = 4min\n"
                "snooze = 15min\n"
                "notify = false\n"
                "\n"
                "[cardio]\n"
                "weekly_minutes = 300\n"
                "session = 1h30min\n"
                "window = 17:00-18:30\n"
                "\n"
                "[feed]\n"
                "path = ~/feeds/limber.ics\n"
                "http = [::1]:0\n"
                "alarm = 1h\n"
                "name = My training ; an inline comment is not part of the name\n";
        _cleanup_(limber_config_freep) struct limber_config *c = NULL;
        char *errors = NULL, *path = NULL;

        CHECK_INT(load_text(text, HOME, &path, &c, &errors), 0);
        CHECK_STR(errors, NULL);
        CHECK(c != NULL);
        if (!c)
                goto out;

        CHECK_STR(c->path, path);
        CHECK_STR(c->schedule.timezone, "Europe/Berlin");
        check_window("quiet_hours", c->schedule.quiet_hours, 23 * 60, 6 * 60 + 30);
        CHECK_U64(c->schedule.horizon, 3 * USEC_PER_WEEK);
        CHECK_U64(c->schedule.history, USEC_PER_DAY);
        CHECK_U64(c->schedule.grace, 30 * USEC_PER_MIN);
        size_t n_busy = 0;
        while (c->schedule.busy[n_busy])
                n_busy++;
        CHECK_INT(n_busy, 3);
        if (n_busy == 3) {
                CHECK_STR(c->schedule.busy[0], HOME "/cal/work.ics");
                CHECK_STR(c->schedule.busy[1], "/srv/cal/team.ics");
                CHECK_STR(c->schedule.busy[2], HOME "/.local/share/vdir/work");
        }

        CHECK_INT(c->smr.per_week, 3);
        CHECK_U64(c->smr.duration, 20 * USEC_PER_MIN);
        check_window("smr.window", c->smr.window, 7 * 60, 8 * 60);
        check_window("smr.morning", c->smr.morning, 6 * 60, 6 * 60 + 45);
        CHECK_U64(c->smr.min_gap, 36 * USEC_PER_HOUR);
        CHECK_U64(c->smr.after_workout, 45 * USEC_PER_MIN);
        CHECK_DOUBLE(c->smr.spike_single, 0.125);
        CHECK_DOUBLE(c->smr.spike_weekly, 1.5);

        CHECK_U64(c->mobility.max_sitting, 45 * USEC_PER_MIN);
        CHECK_U64(c->mobility.natural_break, 2 * USEC_PER_MIN);
        CHECK_U64(c->mobility.duration, 4 * USEC_PER_MIN);
        CHECK_U64(c->mobility.snooze, 15 * USEC_PER_MIN);
        CHECK_INT(c->mobility.notify, false);

        CHECK_INT(c->cardio.weekly_minutes, 300);
        CHECK_U64(c->cardio.session, 90 * USEC_PER_MIN);
        check_window("cardio.window", c->cardio.window, 17 * 60, 18 * 60 + 30);

        CHECK_STR(c->feed.path, HOME "/feeds/limber.ics");
        CHECK_INT(c->feed.http.enabled, true);
        CHECK_STR(c->feed.http.host, "::1");
        CHECK_INT(c->feed.http.port, 0);
        CHECK_U64(c->feed.alarm, USEC_PER_HOUR);
        CHECK_STR(c->feed.name, "My training");

        CHECK_INT(c->n_plugins, 0);
out:
        free(errors);
        free(path);
}

/* A window for one weekday replaces the plain key's on that day only, whichever of the
 * two comes first in the file; the quiet hours of a day may cross midnight, the
 * windows sessions go in may not. */
static void test_weekday_windows(void) {
        static const char text[] =
                "[schedule]\n"
                "quiet_hours.fri = 23:30-09:00\n"
                "quiet_hours = 22:30-06:30\n"
                "quiet_hours.sat = 23:30-09:00\n"
                "[smr]\n"
                "window.sat = 10:00-12:00\n"
                "window.sun = 10:00-12:00\n"
                "window = 19:00-21:30\n"
                "[cardio]\n"
                "window.mon = 17:00-18:00\n"
                "window.sun = 11:00-13:00\n";
        _cleanup_(limber_config_freep) struct limber_config *c = NULL;
        char *errors = NULL, *path = NULL;

        CHECK_INT(load_text(text, HOME, &path, &c, &errors), 0);
        CHECK_STR(errors, NULL);
        if (c) {
                static const struct {
                        unsigned quiet_start, quiet_end, smr_start, smr_end, cardio_start, cardio_end;
                } want[7] = {
                        /* Monday: its own walk window */
                        { 22 * 60 + 30, 6 * 60 + 30, 19 * 60, 21 * 60 + 30, 17 * 60, 18 * 60 },
                        { 22 * 60 + 30, 6 * 60 + 30, 19 * 60, 21 * 60 + 30, 12 * 60, 13 * 60 + 30 },
                        { 22 * 60 + 30, 6 * 60 + 30, 19 * 60, 21 * 60 + 30, 12 * 60, 13 * 60 + 30 },
                        { 22 * 60 + 30, 6 * 60 + 30, 19 * 60, 21 * 60 + 30, 12 * 60, 13 * 60 + 30 },
                        /* Friday and Saturday nights: quiet from 23:30 to 09:00 */
                        { 23 * 60 + 30, 9 * 60, 19 * 60, 21 * 60 + 30, 12 * 60, 13 * 60 + 30 },
                        { 23 * 60 + 30, 9 * 60, 10 * 60, 12 * 60, 12 * 60, 13 * 60 + 30 },
                        /* Sunday: both session windows its own */
                        { 22 * 60 + 30, 6 * 60 + 30, 10 * 60, 12 * 60, 11 * 60, 13 * 60 },
                };
                for (unsigned i = 0; i < 7; i++) {
                        CHECK_CONTEXT("weekday %u", i);
                        struct limber_window q = limber_config_day_window(c->schedule.quiet_hours,
                                                                          c->schedule.quiet_hours_on, i);
                        struct limber_window smr = limber_config_day_window(c->smr.window, c->smr.window_on, i);
                        struct limber_window walk = limber_config_day_window(c->cardio.window, c->cardio.window_on, i);
                        CHECK_INT(q.start, want[i].quiet_start);
                        CHECK_INT(q.end, want[i].quiet_end);
                        CHECK_INT(smr.start, want[i].smr_start);
                        CHECK_INT(smr.end, want[i].smr_end);
                        CHECK_INT(walk.start, want[i].cardio_start);
                        CHECK_INT(walk.end, want[i].cardio_end);
                }
                CHECK_CONTEXT_CLEAR();
                /* The plain keys keep their own values. */
                check_window("quiet_hours", c->schedule.quiet_hours, 22 * 60 + 30, 6 * 60 + 30);
                check_window("smr.window", c->smr.window, 19 * 60, 21 * 60 + 30);
                check_window("cardio.window", c->cardio.window, 12 * 60, 13 * 60 + 30);
        }
        free(errors);
        free(path);
}

/* Single keys whose accepted spellings matter to users: each row is one small file. */
static void test_values(void) {
        static const struct {
                const char *text;
                size_t offset;          /* of the field in struct limber_config */
                enum { V_USEC, V_BOOL, V_STR, V_LISTEN_OFF } kind;
                usec_t usec;            /* V_USEC; V_BOOL: nonzero for true */
                const char *str;        /* V_STR */
        } tests[] = {
                { "[feed]\nalarm = off\n", offsetof(struct limber_config, feed.alarm), V_USEC, 0, NULL },
                { "[feed]\nalarm = OFF\n", offsetof(struct limber_config, feed.alarm), V_USEC, 0, NULL },
                { "[feed]\nalarm = 0s\n", offsetof(struct limber_config, feed.alarm), V_USEC, 0, NULL },
                { "[feed]\nalarm = 1d\n", offsetof(struct limber_config, feed.alarm), V_USEC, USEC_PER_DAY, NULL },
                { "[feed]\nhttp = off\n", offsetof(struct limber_config, feed.http), V_LISTEN_OFF, 0, NULL },
                { "[feed]\npath = /var/tmp/limber.ics\n", offsetof(struct limber_config, feed.path), V_STR, 0,
                  "/var/tmp/limber.ics" },
                { "[schedule]\ntimezone = UTC\n", offsetof(struct limber_config, schedule.timezone), V_STR, 0, "UTC" },
                { "[schedule]\ntimezone = America/Argentina/Buenos_Aires\n",
                  offsetof(struct limber_config, schedule.timezone), V_STR, 0, "America/Argentina/Buenos_Aires" },
                { "[schedule]\ntimezone = Etc/GMT+5\n", offsetof(struct limber_config, schedule.timezone), V_STR, 0,
                  "Etc/GMT+5" },
                /* the bounds themselves are allowed */
                { "[schedule]\nhorizon = 1d\n", offsetof(struct limber_config, schedule.horizon), V_USEC, USEC_PER_DAY, NULL },
                { "[schedule]\nhorizon = 366d\n", offsetof(struct limber_config, schedule.horizon), V_USEC,
                  366 * USEC_PER_DAY, NULL },
                { "[schedule]\nhistory = 520w\n", offsetof(struct limber_config, schedule.history), V_USEC,
                  520 * USEC_PER_WEEK, NULL },
                { "[smr]\nmin_gap = 0s\n", offsetof(struct limber_config, smr.min_gap), V_USEC, 0, NULL },
                { "[smr]\nmin_gap = 0\n", offsetof(struct limber_config, smr.min_gap), V_USEC, 0, NULL },
                { "[smr]\nmin_gap = 1w\n", offsetof(struct limber_config, smr.min_gap), V_USEC, USEC_PER_WEEK, NULL },
                { "[mobility]\nnotify = yes\n", offsetof(struct limber_config, mobility.notify), V_BOOL, true, NULL },
                { "[mobility]\nnotify = off\n", offsetof(struct limber_config, mobility.notify), V_BOOL, false, NULL },
                /* inih also takes ':' between key and value */
                { "[feed]\nname: Desk\n", offsetof(struct limber_config, feed.name), V_STR, 0, "Desk" },
                { "[feed]\nname = Ünïcödé 🏃\n", offsetof(struct limber_config, feed.name), V_STR, 0, "Ünïcödé 🏃" },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                _cleanup_(limber_config_freep) struct limber_config *c = NULL;
                char *errors = NULL, *path = NULL;

                CHECK_CONTEXT("%s", tests[i].text);
                CHECK_INT(load_text(tests[i].text, HOME, &path, &c, &errors), 0);
                CHECK_STR(errors, NULL);
                if (c) {
                        const char *field = (const char *) c + tests[i].offset;
                        switch (tests[i].kind) {
                        case V_USEC:
                                CHECK_U64(*(const usec_t *) (const void *) field, tests[i].usec);
                                break;
                        case V_BOOL:
                                CHECK_INT(*(const bool *) field, tests[i].usec != 0);
                                break;
                        case V_STR:
                                CHECK_STR(*(char *const *) (const void *) field, tests[i].str);
                                break;
                        case V_LISTEN_OFF:
                                CHECK_INT(((const struct limber_listen *) (const void *) field)->enabled, false);
                                break;
                        }
                }
                free(errors);
                free(path);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_busy(void) {
        static const struct {
                const char *text;
                const char *home;
                const char *paths[5];
        } tests[] = {
                { "[schedule]\nbusy = ~/a.ics\n", HOME, { HOME "/a.ics" } },
                { "[schedule]\nbusy = /a.ics /b.ics   ~/c\n", HOME, { "/a.ics", "/b.ics", HOME "/c" } },
                /* repeated keys add to the list instead of replacing it */
                { "[schedule]\nbusy = /a.ics\nbusy = /b.ics\n[smr]\n[schedule]\nbusy = /c.ics\n", HOME,
                  { "/a.ics", "/b.ics", "/c.ics" } },
                /* an indented line continues the value (inih's multi-line entries) */
                { "[schedule]\nbusy = /a.ics\n  ~/b.ics\n  /c.ics /d.ics\n", HOME,
                  { "/a.ics", HOME "/b.ics", "/c.ics", "/d.ics" } },
                /* only a leading "~/" means home */
                { "[schedule]\nbusy = /x/~/y\n", HOME, { "/x/~/y" } },
                { "[schedule]\nbusy =\n", HOME, { NULL } },
                { "[schedule]\nbusy = /a.ics\n", NULL, { "/a.ics" } },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                _cleanup_(limber_config_freep) struct limber_config *c = NULL;
                char *errors = NULL, *path = NULL;

                CHECK_CONTEXT("%s", tests[i].text);
                CHECK_INT(load_text(tests[i].text, tests[i].home, &path, &c, &errors), 0);
                CHECK_STR(errors, NULL);
                if (c) {
                        size_t n = 0, expected_n = 0;
                        while (c->schedule.busy[n])
                                n++;
                        while (expected_n < ELEMENTSOF(tests[i].paths) && tests[i].paths[expected_n])
                                expected_n++;
                        CHECK_INT(n, expected_n);
                        for (size_t j = 0; j < n && j < expected_n; j++)
                                CHECK_STR(c->schedule.busy[j], tests[i].paths[j]);
                }
                free(errors);
                free(path);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_plugins(void) {
        static const char text[] =
                "[plugin.files]\n"              /* 1 */
                "enabled = false\n"             /* 2 */
                "folder = ~/Tracks\n"           /* 3 */
                "\n"                            /* 4 */
                "[plugin.logind]\n"             /* 5 */
                "[plugin.gnome-idle_2]\n"       /* 6 */
                "enabled = yes\n"               /* 7 */
                "[smr]\n"                       /* 8 */
                "per_week = 1\n"                /* 9 */
                "[plugin.files]\n"              /* 10 */
                "interval = 5min\n"             /* 11 */
                "folder = /srv/tracks\n";       /* 12 */
        _cleanup_(limber_config_freep) struct limber_config *c = NULL;
        char *errors = NULL, *path = NULL;

        CHECK_INT(load_text(text, HOME, &path, &c, &errors), 0);
        CHECK_STR(errors, NULL);
        CHECK(c != NULL);
        if (!c)
                goto out;

        /* a section with no keys configures nothing */
        CHECK_INT(c->n_plugins, 2);
        CHECK(limber_config_get_plugin(c, "logind") == NULL);
        CHECK(limber_config_get_plugin(c, "nope") == NULL);

        const struct limber_plugin_config *files = limber_config_get_plugin(c, "files");
        CHECK(files != NULL);
        if (files) {
                CHECK_STR(files->name, "files");
                CHECK_INT(files->enabled, false);
                /* Keys are the plugin's to interpret: kept verbatim, in order, with their
                 * lines so the plugin's own messages can name them. */
                CHECK_INT(files->n_settings, 3);
                if (files->n_settings == 3) {
                        CHECK_STR(files->settings[0].key, "folder");
                        CHECK_STR(files->settings[0].value, "~/Tracks");
                        CHECK_INT(files->settings[0].line, 3);
                        CHECK_STR(files->settings[1].key, "interval");
                        CHECK_STR(files->settings[1].value, "5min");
                        CHECK_INT(files->settings[1].line, 11);
                        CHECK_STR(files->settings[2].key, "folder");
                        CHECK_STR(files->settings[2].value, "/srv/tracks");
                        CHECK_INT(files->settings[2].line, 12);
                }
        }

        const struct limber_plugin_config *gnome = limber_config_get_plugin(c, "gnome-idle_2");
        CHECK(gnome != NULL);
        if (gnome) {
                CHECK_INT(gnome->enabled, true);
                CHECK_INT(gnome->n_settings, 0);
        }
        CHECK_INT(c->smr.per_week, 1);
out:
        free(errors);
        free(path);
}

static void test_timezone_dir(void) {
        /* TZDIR moves the zone database, as it does for glibc. */
        _cleanup_(limber_config_freep) struct limber_config *c = NULL;
        char *errors = NULL, *path = NULL;

        setenv("TZDIR", "/usr/share/zoneinfo/Europe", 1);
        CHECK_INT(load_text("[schedule]\ntimezone = Berlin\n", HOME, &path, &c, &errors), 0);
        CHECK_STR(errors, NULL);
        CHECK_STR(c ? c->schedule.timezone : NULL, "Berlin");
        unsetenv("TZDIR");
        free(errors);
        free(path);
}

#define TZ_WHY "no such time zone in the system's tzdata (expected a name such as Europe/Berlin)"
#define SYNTAX "syntax error: expected [section] or key = value"

static void test_errors(void) {
        static const struct {
                const char *name;
                const char *text;
                const char *home;
                const char *errors;     /* '@' stands for the file's path */
        } tests[] = {
                { "unknown key",
                  "[smr]\nper_week = 3\nsesions_per_week = 3\n", HOME,
                  "@:3: unknown key 'sesions_per_week' in [smr]\n" },
                { "keys are case-sensitive",
                  "[mobility]\nNotify = true\n", HOME,
                  "@:2: unknown key 'Notify' in [mobility]\n" },
                { "a plugin key in a built-in section",
                  "[feed]\nenabled = false\n", HOME,
                  "@:2: unknown key 'enabled' in [feed]\n" },
                { "unknown section, reported once for all its keys",
                  "[smr]\nper_week = 3\n[smrr]\nper_week = 3\nduration = 10min\n", HOME,
                  "@:3: unknown section [smrr]\n" },
                { "an unknown section with no keys",
                  "[smr]\nper_week = 3\n[cardoi]\n", HOME,
                  "@:3: unknown section [cardoi]\n" },
                { "a key before any section",
                  "per_week = 3\n[smr]\n", HOME,
                  "@:1: key 'per_week' outside any section\n" },
                { "sections are case-sensitive",
                  "[SMR]\nper_week = 3\n", HOME,
                  "@:1: unknown section [SMR]\n" },

                /* a bad value of each type */
                { "duration: unknown unit",
                  "[schedule]\nhorizon = 2 weeks\n", HOME,
                  "@:2: invalid duration '2 weeks' for 'horizon' in [schedule]: unknown unit (use ms, s, min, h, d or w)\n" },
                { "duration: missing unit",
                  "[mobility]\nsnooze = 10\n", HOME,
                  "@:2: invalid duration '10' for 'snooze' in [mobility]: missing unit (ms, s, min, h, d or w)\n" },
                { "duration: below the minimum",
                  "[schedule]\nhorizon = 12h\n", HOME,
                  "@:2: invalid duration '12h' for 'horizon' in [schedule]: must be from 1d to 52w 2d\n" },
                { "duration: above the maximum",
                  "[schedule]\nhistory = 521w\n", HOME,
                  "@:2: invalid duration '521w' for 'history' in [schedule]: must be from 1d to 520w\n" },
                { "duration: zero where a minimum applies",
                  "[mobility]\nduration = 0s\n", HOME,
                  "@:2: invalid duration '0s' for 'duration' in [mobility]: must be from 1s to 4h\n" },
                { "duration: after_workout",
                  "[smr]\nafter_workout = 2d\n", HOME,
                  "@:2: invalid duration '2d' for 'after_workout' in [smr]: must be from 1min to 1d\n" },
                { "duration or off: too long",
                  "[feed]\nalarm = 2d\n", HOME,
                  "@:2: invalid duration '2d' for 'alarm' in [feed]: must be from 0s to 1d\n" },
                { "duration or off: neither",
                  "[feed]\nalarm = never\n", HOME,
                  "@:2: invalid duration 'never' for 'alarm' in [feed]: "
                  "expected a duration such as 10min, or off\n" },
                { "window: not HH:MM",
                  "[schedule]\nquiet_hours = 22-07\n", HOME,
                  "@:2: invalid window '22-07' for 'quiet_hours' in [schedule]: "
                  "expected HH:MM-HH:MM with hours 00-24 and minutes 00-59\n" },
                { "window: empty",
                  "[cardio]\nwindow = 12:00-12:00\n", HOME,
                  "@:2: invalid window '12:00-12:00' for 'window' in [cardio]: the window is empty\n" },
                { "window: sessions may not cross midnight",
                  "[smr]\nwindow = 22:00-02:00\n", HOME,
                  "@:2: invalid window '22:00-02:00' for 'window' in [smr]: the window may not cross midnight\n" },
                { "window: cardio may not cross midnight either",
                  "[cardio]\nwindow = 23:30-00:30\n", HOME,
                  "@:2: invalid window '23:30-00:30' for 'window' in [cardio]: the window may not cross midnight\n" },
                { "window for a weekday: sessions may not cross midnight",
                  "[smr]\nwindow.sat = 22:00-02:00\n", HOME,
                  "@:2: invalid window '22:00-02:00' for 'window.sat' in [smr]: the window may not cross midnight\n" },
                { "window for a weekday: not HH:MM",
                  "[schedule]\nquiet_hours.fri = 23-09\n", HOME,
                  "@:2: invalid window '23-09' for 'quiet_hours.fri' in [schedule]: "
                  "expected HH:MM-HH:MM with hours 00-24 and minutes 00-59\n" },
                { "window for a weekday: empty",
                  "[cardio]\nwindow.sun = 12:00-12:00\n", HOME,
                  "@:2: invalid window '12:00-12:00' for 'window.sun' in [cardio]: the window is empty\n" },
                { "window for a weekday: not a weekday",
                  "[smr]\nwindow.sa = 10:00-12:00\nwindow.saturday = 10:00-12:00\n", HOME,
                  "@:2: unknown key 'window.sa' in [smr]\n@:3: unknown key 'window.saturday' in [smr]\n" },
                { "window for a weekday: only the window keys have them",
                  "[smr]\nmorning.sat = 08:00-10:00\n[mobility]\nduration.mon = 5min\n", HOME,
                  "@:2: unknown key 'morning.sat' in [smr]\n@:4: unknown key 'duration.mon' in [mobility]\n" },
                { "window for a weekday: set twice",
                  "[cardio]\nwindow.sat = 10:00-11:00\nwindow = 12:00-13:00\nwindow.sat = 11:00-12:00\n", HOME,
                  "@:4: 'window.sat' in [cardio] is already set on line 2\n" },
                { "percentage: no sign",
                  "[smr]\nspike_single = 10\n", HOME,
                  "@:2: invalid percentage '10' for 'spike_single' in [smr]: expected a percentage such as 10%\n" },
                { "percentage: out of range",
                  "[smr]\nspike_single = 1001%\n", HOME,
                  "@:2: invalid percentage '1001%' for 'spike_single' in [smr]: out of range (0% to 1000%)\n" },
                { "number: below the minimum",
                  "[smr]\nspike_weekly = 0.5\n", HOME,
                  "@:2: invalid number '0.5' for 'spike_weekly' in [smr]: must be from 1 to 10\n" },
                { "number: above the maximum",
                  "[smr]\nspike_weekly = 11\n", HOME,
                  "@:2: invalid number '11' for 'spike_weekly' in [smr]: must be from 1 to 10\n" },
                { "number: not finite",
                  "[smr]\nspike_weekly = inf\n", HOME,
                  "@:2: invalid number 'inf' for 'spike_weekly' in [smr]: not a number\n" },
                { "whole number: out of range",
                  "[smr]\nper_week = 15\n", HOME,
                  "@:2: invalid number '15' for 'per_week' in [smr]: must be from 0 to 14\n" },
                { "whole number: a week of minutes is the most",
                  "[cardio]\nweekly_minutes = 10081\n", HOME,
                  "@:2: invalid number '10081' for 'weekly_minutes' in [cardio]: must be from 0 to 10080\n" },
                { "whole number: not a number",
                  "[cardio]\nweekly_minutes = lots\n", HOME,
                  "@:2: invalid number 'lots' for 'weekly_minutes' in [cardio]: expected a whole number\n" },
                { "whole number: a fraction",
                  "[smr]\nper_week = 2.5\n", HOME,
                  "@:2: invalid number '2.5' for 'per_week' in [smr]: expected a whole number\n" },
                { "boolean",
                  "[mobility]\nnotify = maybe\n", HOME,
                  "@:2: invalid boolean 'maybe' for 'notify' in [mobility]: expected true or false\n" },
                { "name: empty",
                  "[feed]\nname =\n", HOME,
                  "@:2: invalid name '' for 'name' in [feed]: must be 1 to 200 characters\n" },
                { "time zone: no such zone",
                  "[schedule]\ntimezone = Mars/Olympus_Mons\n", HOME,
                  "@:2: invalid time zone 'Mars/Olympus_Mons' for 'timezone' in [schedule]: " TZ_WHY "\n" },
                { "time zone: a directory of zones",
                  "[schedule]\ntimezone = Europe\n", HOME,
                  "@:2: invalid time zone 'Europe' for 'timezone' in [schedule]: " TZ_WHY "\n" },
                { "time zone: a file outside the database",
                  "[schedule]\ntimezone = ../../../etc/passwd\n", HOME,
                  "@:2: invalid time zone '../../../etc/passwd' for 'timezone' in [schedule]: " TZ_WHY "\n" },
                { "time zone: an absolute path",
                  "[schedule]\ntimezone = /usr/share/zoneinfo/Europe/Berlin\n", HOME,
                  "@:2: invalid time zone '/usr/share/zoneinfo/Europe/Berlin' for 'timezone' in [schedule]: "
                  TZ_WHY "\n" },
                { "time zone: a POSIX TZ string",
                  "[schedule]\ntimezone = CET-1CEST,M3.5.0,M10.5.0/3\n", HOME,
                  "@:2: invalid time zone 'CET-1CEST,M3.5.0,M10.5.0/3' for 'timezone' in [schedule]: " TZ_WHY "\n" },
                { "path: relative",
                  "[feed]\npath = limber.ics\n", HOME,
                  "@:2: invalid path 'limber.ics' for 'path' in [feed]: expected an absolute path or one starting with ~/\n" },
                { "path: another user's home",
                  "[feed]\npath = ~bob/limber.ics\n", HOME,
                  "@:2: invalid path '~bob/limber.ics' for 'path' in [feed]: "
                  "expected an absolute path or one starting with ~/\n" },
                { "path: ~/ without a home",
                  "[feed]\npath = ~/limber.ics\n", NULL,
                  "@:2: invalid path '~/limber.ics' for 'path' in [feed]: expected an absolute path or one starting with ~/\n" },
                { "path: ~/ with a relative home",
                  "[feed]\npath = ~/limber.ics\n", "home/tester",
                  "@:2: invalid path '~/limber.ics' for 'path' in [feed]: expected an absolute path or one starting with ~/\n" },
                { "paths: one relative among several",
                  "[schedule]\nbusy = ~/a.ics cal/b.ics\n", HOME,
                  "@:2: invalid path '~/a.ics cal/b.ics' for 'busy' in [schedule]: each path must be absolute or start with ~/\n" },
                { "address: a host name",
                  "[feed]\nhttp = localhost:8737\n", HOME,
                  "@:2: invalid address 'localhost:8737' for 'http' in [feed]: "
                  "the address must be a numeric IPv4 or IPv6 address\n" },
                { "address: bad port",
                  "[feed]\nhttp = 127.0.0.1:80000\n", HOME,
                  "@:2: invalid address '127.0.0.1:80000' for 'http' in [feed]: the port must be a number from 0 to 65535\n" },
                { "plugin: enabled is a boolean",
                  "[plugin.foo]\nenabled = sometimes\n", HOME,
                  "@:2: invalid value 'sometimes' for 'enabled' in [plugin.foo]: expected true or false\n" },
                { "plugin: upper case name",
                  "[plugin.Foo]\nenabled = true\n", HOME,
                  "@:1: invalid plugin name 'Foo' in [plugin.Foo]: use a-z, 0-9, '_' and '-'\n" },
                { "plugin: a path as name",
                  "[plugin.../evil]\nenabled = true\n", HOME,
                  "@:1: invalid plugin name '../evil' in [plugin.../evil]: use a-z, 0-9, '_' and '-'\n" },
                { "plugin: empty name",
                  "[plugin.]\nenabled = true\n", HOME,
                  "@:1: invalid plugin name '' in [plugin.]: use a-z, 0-9, '_' and '-'\n" },

                /* the same key twice; 'busy' alone may repeat */
                { "duplicate key",
                  "[smr]\nper_week = 3\n\nper_week = 4\n", HOME,
                  "@:4: 'per_week' in [smr] is already set on line 2\n" },
                { "duplicate key in a reopened section",
                  "[feed]\nname = A\n[smr]\nper_week = 3\n[feed]\nname = B\n", HOME,
                  "@:6: 'name' in [feed] is already set on line 2\n" },
                { "duplicate key, the second also invalid",
                  "[mobility]\nnotify = true\nnotify = maybe\n", HOME,
                  "@:3: 'notify' in [mobility] is already set on line 2\n" },
                { "an indented line continues the key above",
                  "[feed]\nname = A\n  B\n", HOME,
                  "@:3: 'name' in [feed] is already set on line 2\n" },

                /* lines that are not INI */
                { "no '='",
                  "[smr]\nper_week = 3\nthis line has no equals sign\n", HOME,
                  "@:3: " SYNTAX "\n" },
                { "an unclosed section",
                  "[smr]\nper_week = 3\n[mobility\n", HOME,
                  "@:3: " SYNTAX "\n" },
                { "two syntax errors in a row, both reported",
                  "[smr]\njunk\nmore junk\nper_week = 3\n", HOME,
                  "@:2: " SYNTAX "\n@:3: " SYNTAX "\n" },
                { "indented junk under a section header",
                  "[smr]\n  junk\n", HOME,
                  "@:2: " SYNTAX "\n" },
                { "a syntax error in an unknown section",
                  "[wat]\njunk\na = 1\n", HOME,
                  "@:1: unknown section [wat]\n@:2: " SYNTAX "\n" },
                { "a byte order mark is not a mistake",
                  "\xEF\xBB\xBF[smr]\nper_week = 3\nbogus = 1\n", HOME,
                  "@:3: unknown key 'bogus' in [smr]\n" },
                { "a syntax error on the last line without a newline",
                  "[smr]\nper_week = 3\njunk", HOME,
                  "@:3: " SYNTAX "\n" },

                /* checks between keys name the key that was set */
                { "natural_break as long as max_sitting",
                  "[mobility]\nmax_sitting = 30min\nnatural_break = 30min\n", HOME,
                  "@:3: 'natural_break' (30min) must be shorter than 'max_sitting' (30min) in [mobility]\n" },
                { "natural_break longer than max_sitting",
                  "[mobility]\nnatural_break = 1h\n", HOME,
                  "@:2: 'natural_break' (1h) must be shorter than 'max_sitting' (30min) in [mobility]\n" },
                { "max_sitting below the default natural_break",
                  "[mobility]\nmax_sitting = 4min\n", HOME,
                  "@:2: 'natural_break' (5min) must be shorter than 'max_sitting' (4min) in [mobility]\n" },
                { "smr duration longer than its window",
                  "[smr]\nwindow = 20:00-21:00\nduration = 1h 30min\n", HOME,
                  "@:3: 'duration' (1h 30min) does not fit in 'window' in [smr]\n" },
                { "smr window shorter than the default duration",
                  "[smr]\nwindow = 18:30-18:40\n", HOME,
                  "@:2: 'duration' (15min) does not fit in 'window' in [smr]\n" },
                { "cardio session longer than the default window",
                  "[cardio]\nsession = 2h\n", HOME,
                  "@:2: 'session' (2h) does not fit in 'window' in [cardio]\n" },
                { "cardio window shorter than the session",
                  "[cardio]\nwindow = 12:00-12:29\nsession = 30min\n", HOME,
                  "@:3: 'session' (30min) does not fit in 'window' in [cardio]\n" },
                { "a weekday's smr window shorter than the default duration: that day's line",
                  "[smr]\nwindow = 18:00-21:00\nwindow.sat = 10:00-10:10\nwindow.sun = 10:00-12:00\n", HOME,
                  "@:3: 'duration' (15min) does not fit in 'window.sat' in [smr]\n" },
                { "a session longer than two weekdays' windows: each day's line",
                  "[cardio]\nwindow.wed = 12:00-12:45\nsession = 45min\nwindow.fri = 12:00-12:40\n"
                  "window.mon = 12:00-12:20\n", HOME,
                  "@:5: 'session' (45min) does not fit in 'window.mon' in [cardio]\n"
                  "@:4: 'session' (45min) does not fit in 'window.fri' in [cardio]\n" },
                { "all three checks at once, in file order of the checks",
                  "[cardio]\nsession = 3h\n[smr]\nduration = 4h\n[mobility]\nnatural_break = 2h\n", HOME,
                  "@:6: 'natural_break' (2h) must be shorter than 'max_sitting' (30min) in [mobility]\n"
                  "@:4: 'duration' (4h) does not fit in 'window' in [smr]\n"
                  "@:4: 'duration' (4h) does not fit in 'morning' in [smr]\n"
                  "@:2: 'session' (3h) does not fit in 'window' in [cardio]\n" },
                /* a file that already has mistakes is not checked against half-applied values */
                { "value errors hide checks between keys",
                  "[mobility]\nnatural_break = 40min\nnotify = maybe\n", HOME,
                  "@:3: invalid boolean 'maybe' for 'notify' in [mobility]: expected true or false\n" },

                { "several mistakes, all reported, in line order",
                  "[smr]\n"                             /* 1 */
                  "sesions_per_week = 3\n"              /* 2 */
                  "per_week = 3\n"                      /* 3 */
                  "oops\n"                              /* 4 */
                  "per_week = 4\n"                      /* 5 */
                  "[feed]\n"                            /* 6 */
                  "http = localhost:1\n"                /* 7 */
                  "[wat]\n"                             /* 8 */
                  "a = 1\n"                             /* 9 */
                  "b = 2\n"                             /* 10 */
                  "[mobility\n"                         /* 11 */
                  "[mobility]\n"                        /* 12 */
                  "notify = maybe\n"                    /* 13 */
                  "max_sitting = 1s\n",                 /* 14 */
                  HOME,
                  "@:2: unknown key 'sesions_per_week' in [smr]\n"
                  "@:4: " SYNTAX "\n"
                  "@:5: 'per_week' in [smr] is already set on line 3\n"
                  "@:7: invalid address 'localhost:1' for 'http' in [feed]: "
                  "the address must be a numeric IPv4 or IPv6 address\n"
                  "@:8: unknown section [wat]\n"
                  "@:11: " SYNTAX "\n"
                  "@:13: invalid boolean 'maybe' for 'notify' in [mobility]: expected true or false\n" },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                struct limber_config *c = NULL;
                char *errors = NULL, *path = NULL;

                CHECK_CONTEXT("%s", tests[i].name);
                int r = load_text(tests[i].text, tests[i].home, &path, &c, &errors);
                CHECK_INT(r, -EINVAL);
                CHECK(c == NULL);
                if (path) {
                        char *expected = with_path(tests[i].errors, path);
                        CHECK_STR(errors, expected);
                        free(expected);
                }
                limber_config_free(c);
                free(errors);
                free(path);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_long_lines(void) {
        /* inih reads lines into a 200-byte buffer: 198 characters, the newline and the NUL. */
        static const struct {
                size_t name_len;        /* length of the value in a "name = ..." line */
                const char *errors;
        } tests[] = {
                { 198 - 7, NULL },
                { 199 - 7, "@:2: line longer than 198 characters\n" },
                { 1000, "@:2: line longer than 198 characters\n" },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                struct limber_config *c = NULL;
                char *errors = NULL, *path = NULL, *text = NULL, *value = malloc(tests[i].name_len + 1);

                CHECK_CONTEXT("a name of %zu characters", tests[i].name_len);
                CHECK(value != NULL);
                if (!value)
                        continue;
                memset(value, 'x', tests[i].name_len);
                value[tests[i].name_len] = '\0';
                /* the line after a long one is read whole, under its own number */
                CHECK(asprintf(&text, "[feed]\nname = %s\nalarm = 5min\n", value) >= 0);

                int r = load_text(text, HOME, &path, &c, &errors);
                CHECK_INT(r, tests[i].errors ? -EINVAL : 0);
                if (!tests[i].errors) {
                        CHECK_STR(errors, NULL);
                        CHECK_STR(c ? c->feed.name : NULL, value);
                        CHECK_U64(c ? c->feed.alarm : 0, 5 * USEC_PER_MIN);
                } else if (path) {
                        char *expected = with_path(tests[i].errors, path);
                        CHECK_STR(errors, expected);
                        free(expected);
                }
                limber_config_free(c);
                free(errors);
                free(path);
                free(text);
                free(value);
        }
        CHECK_CONTEXT_CLEAR();

        /* A long line does not hide the mistakes after it, nor shift their line numbers. */
        char *text = NULL, *errors = NULL, *path = NULL;
        struct limber_config *c = NULL;
        CHECK(asprintf(&text, "[feed]\n; %0300d\nname = %0250d\nbogus = 1\n", 0, 0) >= 0);
        CHECK_INT(load_text(text, HOME, &path, &c, &errors), -EINVAL);
        if (path) {
                char *expected = with_path("@:2: line longer than 198 characters\n"
                                           "@:3: line longer than 198 characters\n"
                                           "@:4: unknown key 'bogus' in [feed]\n", path);
                CHECK_STR(errors, expected);
                free(expected);
        }
        limber_config_free(c);
        free(errors);
        free(path);
        free(text);
}

int main(void) {
        /* The zone database is the system's unless a test moves it. */
        unsetenv("TZDIR");

        test_new_default();
        test_no_file();
        test_directory();
        test_empty_file();
        test_every_key();
        test_weekday_windows();
        test_values();
        test_busy();
        test_plugins();
        test_timezone_dir();
        test_errors();
        test_long_lines();
        return check_summary("test-config");
}
