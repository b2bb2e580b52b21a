/* gadgetbridge.c: the gadgetbridge activity source: reports the workouts of a
 * Gadgetbridge database export (the SQLite file that Gadgetbridge's "Export DB" writes
 * and a sync tool copies to the desktop) to limberd, and again whenever the file is
 * replaced.
 *
 * What it reads: BASE_ACTIVITY_SUMMARY, one row per workout: _id, NAME, START_TIME and
 * END_TIME (ms since the epoch), ACTIVITY_KIND (one of Gadgetbridge's ActivityKind
 * codes, mapped by the table below) and SUMMARY_DATA, JSON whose
 * {"distanceMeters":{"value":N,"unit":"meters"}} is the distance. A database without
 * that table and those columns is another schema: it is said once per change of the
 * file and nothing is guessed from it. Missing or malformed JSON means an unknown
 * distance (0), never a lost workout. Rows ending before they start, or ending in the
 * future, are skipped (logged at debug).
 *
 * Each workout is reported with external_id "row-<_id>-<START_TIME>", so limberd keeps
 * each row once however often the file is read: a re-read of the same rows changes
 * nothing. The start time is part of it because Gadgetbridge's _id has no
 * AUTOINCREMENT: SQLite may give a new workout the id of a deleted last one.
 *
 * How it watches: the export is replaced whole (written in place by cp, or renamed
 * over by a sync tool) and never appended to, so the plugin watches the database's
 * folder with inotify for that one name and reads the file once it has been quiet for
 * SETTLE_USEC; every write re-arms the timer, so a file still being copied is not read
 * half-way. Each read opens the file anew, read-only and with immutable=1: no lock, no
 * -shm or -wal file next to an export the plugin does not own (a WAL-mode export in a
 * read-only folder could not be opened otherwise), and no connection kept across a
 * replacement. immutable holds because a read comes only once the file has settled,
 * and a replacement is a new file that the next read opens; it also ignores a -wal file
 * beside the export, which an export (a checkpointed copy) does not have.
 *
 * Configuration, in [plugin.gadgetbridge]:
 *   database = PATH   the export; absolute or starting with ~/. No default: without
 *                     it the plugin has nothing to read and does not start.
 * The file need not exist yet (the plugin waits for it); its folder must. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include <json.h>
#include <sqlite3.h>

#include "limber-plugin.h"

#define USEC_PER_MSEC INT64_C(1000)

/* Long enough for a copy to finish between two writes, short enough to feel immediate. */
#define SETTLE_USEC (500 * UINT64_C(1000))
/* A phone's clock a few minutes ahead must not lose the workout just synced. */
#define FUTURE_SLACK_MSEC (5 * 60 * INT64_C(1000))

/* Gadgetbridge's ActivityKind codes (app/.../model/ActivityKind.java) and limber's kind
 * for each. A summary holds exactly one code, not a mask; every code not listed here
 * is "other". */
static const struct {
        int64_t code;
        const char *kind;
} kinds[] = {
        { 0x00000010, "run" },          /* RUNNING */
        { 0x00000020, "walk" },         /* WALKING */
        { 0x00000040, "swim" },         /* SWIMMING */
        { 0x00000080, "ride" },         /* CYCLING */
        { 0x00000100, "run" },          /* TREADMILL */
        { 0x00000400, "swim" },         /* SWIMMING_OPENWATER */
        { 0x00000800, "ride" },         /* INDOOR_CYCLING */
        { 0x00004000, "yoga" },         /* YOGA */
        { 0x00200000, "strength" },     /* STRENGTH_TRAINING */
        { 0x00400000, "hike" },         /* HIKING */
        { 0x0400000a, "swim" },         /* POOL_SWIM */
        { 0x04000012, "walk" },         /* INDOOR_WALKING */
        { 0x040000b0, "run" },          /* INDOOR_RUNNING */
        { 0x040000b1, "run" },          /* OUTDOOR_RUNNING */
        { 0x040000b2, "walk" },         /* OUTDOOR_WALKING */
        { 0x040000b3, "ride" },         /* OUTDOOR_CYCLING */
        { 0x040000e2, "hike" },         /* MOUNTAIN_HIKE */
};

static const char *kind_of(int64_t code) {
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
                if (kinds[i].code == code)
                        return kinds[i].kind;
        return "other";
}

struct gadgetbridge {
        const struct limber_host *host;
        char *path;                     /* the export, as configured (~/ expanded) */
        char *uri;                      /* file:PATH?immutable=1 */
        const char *name;               /* its file name, within path */
        sd_event_source *watch;
        sd_event_source *settle;
};

/* One row of BASE_ACTIVITY_SUMMARY; the strings belong to the statement. */
struct row {
        int64_t id;
        int64_t start_ms;
        int64_t end_ms;
        int64_t kind;
        const char *name;
        const char *summary;
};

static int64_t now_msec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "~/x" with $HOME, or an absolute path as it is; NULL for anything else. */
static char *expand_path(const char *p) {
        char *r;

        if (p[0] == '~' && p[1] == '/') {
                const char *home = getenv("HOME");
                if (!home || home[0] != '/')
                        return NULL;
                return asprintf(&r, "%s%s", home, p + 1) < 0 ? NULL : r;
        }
        return p[0] == '/' ? strdup(p) : NULL;
}

/* An SQLite URI for path: '?', '#' and '%' would end or change the path, so they are
 * escaped; an empty authority keeps a path that starts with "//" a path. */
static char *database_uri(const char *path) {
        static const char suffix[] = "?immutable=1";
        size_t n = strlen("file://") + 3 * strlen(path) + sizeof suffix;
        char *uri = malloc(n), *q;

        if (!uri)
                return NULL;
        q = uri + sprintf(uri, "file://");
        for (const char *p = path; *p; p++) {
                if (*p == '?' || *p == '#' || *p == '%')
                        q += sprintf(q, "%%%02X", (unsigned) (unsigned char) *p);
                else
                        *q++ = *p;
        }
        memcpy(q, suffix, sizeof suffix);
        return uri;
}

/* The distance in SUMMARY_DATA, or 0 with the reason in *why. */
static double summary_distance(const char *summary, const char **why) {
        struct json_object *root, *distance, *value, *unit;
        double m = 0;

        *why = NULL;
        if (!summary) {
                *why = "no SUMMARY_DATA";
                return 0;
        }
        root = json_tokener_parse(summary);
        if (!root) {
                *why = "SUMMARY_DATA is not JSON";
                return 0;
        }
        if (!json_object_object_get_ex(root, "distanceMeters", &distance)) {
                *why = "no distanceMeters in SUMMARY_DATA";
        } else if (!json_object_object_get_ex(distance, "value", &value) ||
                   !(json_object_is_type(value, json_type_double) || json_object_is_type(value, json_type_int))) {
                *why = "distanceMeters has no numeric value";
        } else if (!json_object_object_get_ex(distance, "unit", &unit) ||
                   !json_object_is_type(unit, json_type_string) ||
                   strcmp(json_object_get_string(unit), "meters") != 0) {
                *why = "distanceMeters is not in meters";
        } else {
                m = json_object_get_double(value);
                /* limberd refuses a negative or absurd distance and the workout with it. */
                if (!(m >= 0 && m <= 1e7)) {
                        *why = "distanceMeters is out of range";
                        m = 0;
                }
        }
        json_object_put(root);
        return m;
}

enum outcome {
        ROW_SKIPPED,
        ROW_KNOWN,
        ROW_STORED,
};

/* Reports one row to limberd, unless it cannot be a finished workout. */
static enum outcome report_row(struct gadgetbridge *g, const struct row *w, int64_t now_ms) {
        const struct limber_host *host = g->host;
        const char *why;
        char id[32];

        if (w->start_ms <= 0 || w->end_ms <= w->start_ms) {
                host->log(host, LOG_DEBUG,
                          "%s: workout %" PRId64 " skipped: it does not end after it starts (START_TIME %" PRId64
                          ", END_TIME %" PRId64 ")",
                          g->path, w->id, w->start_ms, w->end_ms);
                return ROW_SKIPPED;
        }
        /* Also keeps the µs below from overflowing. */
        if (w->end_ms > now_ms + FUTURE_SLACK_MSEC) {
                host->log(host, LOG_DEBUG, "%s: workout %" PRId64 " skipped: it ends in the future (%" PRId64 ")",
                          g->path, w->id, w->end_ms);
                return ROW_SKIPPED;
        }

        double distance = summary_distance(w->summary, &why);
        if (why)
                host->log(host, LOG_DEBUG, "%s: workout %" PRId64 ": distance unknown: %s", g->path, w->id, why);

        snprintf(id, sizeof id, "row-%" PRId64 "-%" PRId64, w->id, w->start_ms);
        struct limber_activity_report a = {
                .kind = kind_of(w->kind),
                .start_usec = (uint64_t) (w->start_ms * USEC_PER_MSEC),
                .duration_usec = (uint64_t) ((w->end_ms - w->start_ms) * USEC_PER_MSEC),
                .distance_m = distance,
                .external_id = id,
                .title = w->name && w->name[0] ? w->name : NULL,
        };
        int r = host->report_activity(host, &a);
        if (r < 0) {
                /* limberd said why; this says which. */
                host->log(host, LOG_WARNING, "%s: workout %" PRId64 " refused by limberd", g->path, w->id);
                return ROW_SKIPPED;
        }
        return r > 0 ? ROW_STORED : ROW_KNOWN;
}

/* Whether BASE_ACTIVITY_SUMMARY has the columns the plugin needs, and which optional
 * ones. An SQLite error code; SQLITE_OK with what is missing in why ("no such table",
 * "no column END_TIME") when the database is of another schema, with why empty when
 * it is Gadgetbridge's. */
static int check_schema(sqlite3 *db, bool *has_name, bool *has_summary, char *why, size_t why_size) {
        static const char *const required[] = { "_id", "START_TIME", "END_TIME", "ACTIVITY_KIND" };
        bool found[4] = { false };
        sqlite3_stmt *st;
        int r, n = 0;

        *has_name = *has_summary = false;
        r = sqlite3_prepare_v2(db, "PRAGMA table_info(BASE_ACTIVITY_SUMMARY)", -1, &st, NULL);
        if (r != SQLITE_OK)
                return r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                const char *col = (const char *) sqlite3_column_text(st, 1);
                n++;
                if (!col)
                        continue;
                for (size_t i = 0; i < 4; i++)
                        if (strcasecmp(col, required[i]) == 0)
                                found[i] = true;
                if (strcasecmp(col, "NAME") == 0)
                        *has_name = true;
                if (strcasecmp(col, "SUMMARY_DATA") == 0)
                        *has_summary = true;
        }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
                return r;

        why[0] = '\0';
        if (n == 0)
                snprintf(why, why_size, "no such table");
        for (size_t i = 0; i < 4 && n > 0 && !why[0]; i++)
                if (!found[i])
                        snprintf(why, why_size, "no column %s", required[i]);
        return SQLITE_OK;
}

static bool integer_column(sqlite3_stmt *st, int i, int64_t *ret) {
        if (sqlite3_column_type(st, i) != SQLITE_INTEGER)
                return false;
        *ret = sqlite3_column_int64(st, i);
        return true;
}

/* Reads the export and reports every workout in it. Problems with the file are the
 * user's to fix and are logged; the plugin reads again at the next change. */
static void read_database(struct gadgetbridge *g) {
        const struct limber_host *host = g->host;
        unsigned stored = 0, known = 0, skipped = 0;
        bool has_name, has_summary;
        char missing[64] = "";
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        struct stat s;
        char sql[160];
        int r;

        if (stat(g->path, &s) < 0) {
                if (errno == ENOENT)
                        host->log(host, LOG_INFO, "%s does not exist (yet); reading it once it appears", g->path);
                else
                        host->log(host, LOG_WARNING, "cannot read %s: %s", g->path, strerror(errno));
                return;
        }
        if (!S_ISREG(s.st_mode)) {
                host->log(host, LOG_WARNING, "%s is not a file", g->path);
                return;
        }

        r = sqlite3_open_v2(g->uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
        if (r == SQLITE_OK)
                r = check_schema(db, &has_name, &has_summary, missing, sizeof missing);
        if (r != SQLITE_OK) {
                host->log(host, LOG_WARNING, "cannot read %s: %s", g->path, db ? sqlite3_errmsg(db) : sqlite3_errstr(r));
                goto finish;
        }
        if (missing[0]) {
                host->log(host, LOG_WARNING,
                          "%s: database of another schema: no BASE_ACTIVITY_SUMMARY with START_TIME, END_TIME, "
                          "ACTIVITY_KIND (%s); nothing read from it",
                          g->path, missing);
                goto finish;
        }

        snprintf(sql, sizeof sql,
                 "SELECT _id, %s, START_TIME, END_TIME, ACTIVITY_KIND, %s FROM BASE_ACTIVITY_SUMMARY "
                 "ORDER BY START_TIME, _id",
                 has_name ? "NAME" : "NULL", has_summary ? "SUMMARY_DATA" : "NULL");
        r = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        if (r != SQLITE_OK) {
                host->log(host, LOG_WARNING, "cannot read %s: %s", g->path, sqlite3_errmsg(db));
                goto finish;
        }

        int64_t now = now_msec();
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                struct row w = {
                        .name = (const char *) sqlite3_column_text(st, 1),
                        .summary = (const char *) sqlite3_column_text(st, 5),
                };
                if (!integer_column(st, 0, &w.id) || !integer_column(st, 2, &w.start_ms) ||
                    !integer_column(st, 3, &w.end_ms) || !integer_column(st, 4, &w.kind)) {
                        host->log(host, LOG_DEBUG, "%s: a workout without integer _id, times and kind skipped", g->path);
                        skipped++;
                        continue;
                }
                switch (report_row(g, &w, now)) {
                case ROW_STORED: stored++; break;
                case ROW_KNOWN: known++; break;
                case ROW_SKIPPED: skipped++; break;
                }
        }
        if (r != SQLITE_DONE)
                host->log(host, LOG_WARNING, "%s: reading stopped early: %s", g->path, sqlite3_errmsg(db));

        host->log(host, LOG_INFO, "read %s: %u new, %u known already, %u skipped", g->path, stored, known, skipped);
finish:
        sqlite3_finalize(st);
        sqlite3_close(db);
}

static int on_settled(sd_event_source *s, uint64_t usec, void *userdata) {
        read_database(userdata);
        return 0;
}

static int on_folder_event(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        struct gadgetbridge *g = userdata;
        uint64_t now;
        int r;

        /* An overflow may have hidden the one event that mattered. */
        if (!(ev->mask & IN_Q_OVERFLOW) && (ev->len == 0 || strcmp(ev->name, g->name) != 0))
                return 0;

        r = sd_event_now(sd_event_source_get_event(s), CLOCK_MONOTONIC, &now);
        if (r >= 0)
                r = sd_event_source_set_time(g->settle, now + SETTLE_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(g->settle, SD_EVENT_ONESHOT);
        if (r < 0)
                g->host->log(g->host, LOG_WARNING, "cannot arm the timer to read %s: %s", g->path, strerror(-r));
        return 0;
}

static void gadgetbridge_free(struct gadgetbridge *g) {
        if (!g)
                return;
        sd_event_source_disable_unref(g->watch);
        sd_event_source_disable_unref(g->settle);
        free(g->path);
        free(g->uri);
        free(g);
}

static int gadgetbridge_start(const struct limber_host *host, void **ret_state) {
        const char *v = host->config_get(host, "database");
        struct gadgetbridge *g;
        char *folder;
        int r;

        if (!v) {
                host->log(host, LOG_INFO, "nothing to read: no 'database' in [plugin.%s] of %s", host->plugin_name,
                          host->config_path);
                return -ENOENT;
        }

        g = calloc(1, sizeof *g);
        if (!g)
                return -ENOMEM;
        g->host = host;
        g->path = expand_path(v);
        if (!g->path) {
                host->log(host, LOG_ERR,
                          "%s:%u: invalid value '%s' for 'database' in [plugin.%s]: expected an absolute path or "
                          "one starting with ~/",
                          host->config_path, host->config_line(host, "database"), v, host->plugin_name);
                gadgetbridge_free(g);
                return -EINVAL;
        }
        g->uri = database_uri(g->path);
        if (!g->uri) {
                gadgetbridge_free(g);
                return -ENOMEM;
        }
        char *slash = strrchr(g->path, '/');
        g->name = slash + 1;
        if (g->name[0] == '\0') {
                host->log(host, LOG_ERR, "%s:%u: 'database' in [plugin.%s] names a folder, not a file: '%s'",
                          host->config_path, host->config_line(host, "database"), host->plugin_name, v);
                gadgetbridge_free(g);
                return -EINVAL;
        }
        folder = slash == g->path ? strdup("/") : strndup(g->path, (size_t) (slash - g->path));
        if (!folder) {
                gadgetbridge_free(g);
                return -ENOMEM;
        }

        r = sd_event_add_time(host->event, &g->settle, CLOCK_MONOTONIC, UINT64_MAX, 0, on_settled, g);
        if (r >= 0)
                r = sd_event_source_set_enabled(g->settle, SD_EVENT_OFF);
        if (r < 0) {
                host->log(host, LOG_ERR, "cannot create a timer: %s", strerror(-r));
                free(folder);
                gadgetbridge_free(g);
                return r;
        }
        (void) sd_event_source_set_description(g->settle, "gadgetbridge-settle");

        r = sd_event_add_inotify(host->event, &g->watch, folder,
                                 IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_ONLYDIR,
                                 on_folder_event, g);
        if (r < 0) {
                /* Missing is the likely case: a sync folder that is not mounted or not made yet. */
                host->log(host, r == -ENOENT ? LOG_WARNING : LOG_ERR, "%s:%u: cannot watch the folder %s of %s: %s",
                          host->config_path, host->config_line(host, "database"), folder, g->path, strerror(-r));
                free(folder);
                gadgetbridge_free(g);
                return r;
        }
        (void) sd_event_source_set_description(g->watch, "gadgetbridge-folder");

        host->log(host, LOG_INFO, "reading workouts from %s, and again whenever it is replaced", g->path);
        free(folder);
        read_database(g);
        *ret_state = g;
        return 0;
}

static void gadgetbridge_stop(void *state) {
        gadgetbridge_free(state);
}

LIMBER_PLUGIN_DEFINE(
        .name = "gadgetbridge",
        .description = "workouts from a Gadgetbridge database export",
        .start = gadgetbridge_start,
        .stop = gadgetbridge_stop,
);
