/* Benchmark: a full re-plan and feed write over a year of history.
 *
 * Builds a state database with a year of activities and sessions and a calendar
 * with 2,000 busy events in a temporary folder, then times what limberd does on
 * every re-plan: read the activities and sessions from SQLite, plan, store what
 * changed, render the feed and write it. The busy calendar is timed apart, since
 * limberd reads it only when it changes.
 *
 * Usage: bench-replan [ROUTINE_DIR [ITERATIONS]] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "busy.h"
#include "config.h"
#include "feed.h"
#include "localtime.h"
#include "planner.h"
#include "routines.h"
#include "store.h"

#define N_ACTIVITIES 500
#define N_SESSIONS 300
#define N_BUSY 2000

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int compare_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

static void die(const char *what, int r) {
        fprintf(stderr, "bench-replan: %s: %s\n", what, strerror(r < 0 ? -r : r));
        exit(1);
}

static void fill_store(struct limber_store *store, usec_t now) {
        static const enum limber_activity_kind kinds[] = { LIMBER_ACTIVITY_RUN, LIMBER_ACTIVITY_WALK,
                                                           LIMBER_ACTIVITY_RIDE, LIMBER_ACTIVITY_SWIM };
        srand(42);
        for (int i = 0; i < N_ACTIVITIES; i++) {
                struct limber_activity a = {
                        .source = (char *) "bench",
                        .kind = kinds[i % 4],
                        .start = now - (usec_t) (365 - i * 365 / N_ACTIVITIES) * USEC_PER_DAY + 7 * USEC_PER_HOUR,
                        .duration = (usec_t) (20 + rand() % 100) * USEC_PER_MIN,
                        .distance_m = 2000 + rand() % 20000,
                };
                int r = limber_store_add_activity(store, &a, now);
                if (r < 0)
                        die("storing an activity", r);
        }

        struct limber_plan_session *past = calloc(N_SESSIONS, sizeof *past);
        int today = limber_local_day(now);
        for (int i = 0; i < N_SESSIONS; i++) {
                struct limber_session *s = &past[i].session;
                int day = today - 365 + i * 365 / N_SESSIONS;
                *s = (struct limber_session) {
                        .kind = LIMBER_SESSION_SMR, .rule = LIMBER_RULE_WEEKLY, .day = limber_week_monday(day),
                        .slot = (unsigned) i % 7, .start = limber_local_time(day, 18 * 60 + 30),
                        .status = i % 5 == 0 ? LIMBER_STATUS_MISSED : i % 7 == 0 ? LIMBER_STATUS_SKIPPED
                                                                                 : LIMBER_STATUS_COMPLETED,
                        .last_modified = now - USEC_PER_DAY,
                };
                s->end = s->start + 15 * USEC_PER_MIN;
                limber_session_make_id(s->id, s->rule, s->day, s->slot);
                snprintf(s->routine, sizeof s->routine, "weekly");
                snprintf(s->reason, sizeof s->reason, "1st SMR session of the week");
                past[i].changed = true;
        }
        int r = limber_store_save_sessions(store, past, N_SESSIONS, NULL, NULL, now);
        free(past);
        if (r < 0)
                die("storing sessions", r);
}

static char *write_busy_calendar(const char *dir, usec_t now) {
        char *path;
        if (asprintf(&path, "%s/busy.ics", dir) < 0)
                die("asprintf", ENOMEM);
        FILE *f = fopen(path, "we");
        if (!f)
                die(path, errno);
        fputs("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//bench//EN\r\n", f);
        for (int i = 0; i < N_BUSY; i++) {
                /* Over the year around now: meetings in office hours, some in the evening. */
                time_t t = (time_t) (now / USEC_PER_SEC) - 300 * 86400 + (time_t) i * 13 * 3600;
                struct tm tm;
                gmtime_r(&t, &tm);
                char start[32], end[32];
                strftime(start, sizeof start, "%Y%m%dT%H%M%SZ", &tm);
                t += 45 * 60;
                gmtime_r(&t, &tm);
                strftime(end, sizeof end, "%Y%m%dT%H%M%SZ", &tm);
                fprintf(f, "BEGIN:VEVENT\r\nUID:bench-%d@example.org\r\nDTSTAMP:%s\r\nDTSTART:%s\r\n"
                        "DTEND:%s\r\nSUMMARY:Meeting %d\r\nEND:VEVENT\r\n", i, start, start, end, i);
        }
        fputs("END:VCALENDAR\r\n", f);
        fclose(f);
        return path;
}

int main(int argc, char **argv) {
        const char *routine_dir = argc > 1 ? argv[1] : "conf/routines";
        int iterations = argc > 2 ? atoi(argv[2]) : 50;
        char dir[] = "/tmp/limber-bench-XXXXXX";
        char *error = NULL, *db = NULL, *feed = NULL;
        struct limber_store *store;
        int r;

        if (iterations < 1 || !mkdtemp(dir))
                die("setup", errno ? errno : EINVAL);
        setenv("TZ", "Europe/Berlin", 1);
        tzset();

        struct limber_config *config = limber_config_new_default();
        config->schedule.history = 52 * USEC_PER_WEEK;   /* the whole year stays in the feed */
        if (asprintf(&db, "%s/limber.db", dir) < 0 || asprintf(&feed, "%s/limber.ics", dir) < 0)
                die("asprintf", ENOMEM);
        r = limber_store_open(db, &store, &error);
        if (r < 0) {
                fprintf(stderr, "%s\n", error);
                return 1;
        }

        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        usec_t now = (usec_t) ts.tv_sec * USEC_PER_SEC;
        fill_store(store, now);

        const char *dirs[] = { routine_dir, NULL };
        struct limber_routines routines;
        limber_routines_load(dirs, &routines);

        char *busy_path = write_busy_calendar(dir, now);
        char *busy_paths[] = { busy_path, NULL };
        struct limber_interval *busy;
        size_t n_busy;
        double t0 = now_ms();
        r = limber_busy_load(busy_paths, now - USEC_PER_DAY, now + config->schedule.horizon + 2 * USEC_PER_DAY,
                             "@bench", NULL, NULL, &busy, &n_busy);
        double busy_ms = now_ms() - t0;
        if (r < 0)
                die("reading the busy calendar", r);

        double *times = calloc((size_t) iterations, sizeof *times);
        size_t feed_size = 0, n_sessions = 0;
        for (int i = 0; i < iterations; i++) {
                /* Each iteration is a later moment, so the plan is made anew, as after an event. */
                usec_t at = now + (usec_t) i * USEC_PER_SEC;
                struct limber_activity *activities;
                struct limber_session *sessions;
                size_t n_activities, n_stored;
                struct limber_plan plan;
                char *text;

                t0 = now_ms();
                r = limber_store_list_activities(store, at - 40 * USEC_PER_DAY, 0, &activities, &n_activities);
                if (r >= 0)
                        r = limber_store_load_sessions(store, at - config->schedule.history, &sessions, &n_stored);
                if (r < 0)
                        die("reading the store", r);
                struct limber_plan_input in = {
                        .config = config, .now = at,
                        .activities = activities, .n_activities = n_activities,
                        .sessions = sessions, .n_sessions = n_stored,
                        .busy = busy, .n_busy = n_busy,
                };
                if ((r = limber_plan(&in, &plan)) < 0 ||
                    (r = limber_store_save_sessions(store, plan.sessions, plan.n_sessions, NULL, NULL, at)) < 0)
                        die("planning", r);
                struct limber_feed_options o = {
                        .name = "Limber", .tzid = "Europe/Berlin", .alarm = 10 * USEC_PER_MIN,
                        .since = at - config->schedule.history, .until = at + config->schedule.horizon,
                        .uid_domain = "limber-bench",
                };
                if ((r = limber_feed_render(plan.sessions, plan.n_sessions, &routines, &o, &text)) < 0 ||
                    (r = limber_feed_write(feed, text, strlen(text))) < 0)
                        die("writing the feed", r);
                times[i] = now_ms() - t0;

                feed_size = strlen(text);
                n_sessions = plan.n_sessions;
                free(text);
                limber_plan_free(&plan);
                limber_activity_array_free(activities, n_activities);
                free(sessions);
        }

        qsort(times, (size_t) iterations, sizeof *times, compare_double);
        printf("history: %d activities, %d past sessions, %d busy events (%zu in the horizon)\n",
               N_ACTIVITIES, N_SESSIONS, N_BUSY, n_busy);
        printf("busy calendar read:   %8.2f ms (once per change of the calendar)\n", busy_ms);
        printf("re-plan + feed write: %8.2f ms median, %.2f ms min, %.2f ms max over %d runs\n",
               times[iterations / 2], times[0], times[iterations - 1], iterations);
        printf("plan: %zu sessions; feed: %zu bytes\n", n_sessions, feed_size);
        printf("target: 20 ms; %s\n", times[iterations / 2] <= 20 ? "met" : "NOT met");

        free(times);
        free(busy);
        limber_routines_clear(&routines);
        limber_store_close(store);
        limber_config_free(config);
        char *wal, *shm;
        if (asprintf(&wal, "%s-wal", db) >= 0 && asprintf(&shm, "%s-shm", db) >= 0) {
                const char *files[] = { db, wal, shm, feed, busy_path };
                for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
                        (void) unlink(files[i]);
                free(wal);
                free(shm);
        }
        (void) rmdir(dir);
        free(db);
        free(feed);
        free(busy_path);
        free(error);
        return 0;
}
