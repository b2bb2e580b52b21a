/* Keeping the plan current: gathers the planner's inputs, re-plans, stores what
 * changed, publishes the feed (file and HTTP), tells the bus, and wakes at the next
 * moment the plan changes by itself (a session starts or ends, the day turns). There
 * is no tick: between those moments and outside events, the daemon sleeps. */
#include "schedule.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "busy.h"
#include "feed.h"
#include "http.h"
#include "limber-build.h"
#include "localtime.h"
#include "log.h"
#include "paths.h"
#include "reminders.h"
#include "serve.h"
#include "util.h"

/* How far back activities matter: the 30-day spike look-back from any day of this
 * week and the last (whose spike may still want its session), and the 28 days before
 * the last 7. */
#define ACTIVITY_LOOKBACK (45 * USEC_PER_DAY)

/* The zone the process started with, before limber set TZ: the system's. */
static char *system_tzid;

static char *find_system_tzid(void) {
        const char *tz = getenv("TZ");
        char buf[4096];

        if (tz && tz[0]) {
                if (tz[0] == ':')
                        tz++;
                const char *z = strstr(tz, "zoneinfo/");
                return strdup(z ? z + 9 : tz);
        }
        ssize_t n = readlink("/etc/localtime", buf, sizeof buf - 1);
        if (n > 0) {
                buf[n] = '\0';
                const char *z = strstr(buf, "zoneinfo/");
                if (z)
                        return strdup(z + 9);
        }
        FILE *f = fopen("/etc/timezone", "re");
        if (f) {
                char *line = fgets(buf, sizeof buf, f);
                fclose(f);
                if (line) {
                        line[strcspn(line, " \t\n")] = '\0';
                        if (line[0])
                                return strdup(line);
                }
        }
        return strdup("UTC");
}

static int apply_timezone(struct limber_daemon *d) {
        if (!system_tzid && !(system_tzid = find_system_tzid()))
                return -ENOMEM;

        const char *zone = d->config->schedule.timezone ? d->config->schedule.timezone : system_tzid;
        char *copy = strdup(zone);
        if (!copy)
                return -ENOMEM;
        free(d->tzid);
        d->tzid = copy;

        /* Local days and windows follow TZ from here on (localtime_r, mktime). */
        if (setenv("TZ", zone, 1) < 0)
                return -errno;
        tzset();
        log_debug("Time zone %s", zone);
        return 0;
}

static int load_routines(struct limber_daemon *d) {
        char *user = limber_xdg_path("XDG_CONFIG_HOME", ".config", "limber/routines");
        const char *dirs[] = { d->routine_dir ? d->routine_dir : LIMBER_DATA_DIR "/routines", user, NULL };

        limber_routines_clear(&d->routines);
        int r = limber_routines_load(dirs, &d->routines);
        free(user);
        if (r < 0)
                return r;
        if (d->routines.n == 0)
                log_warning("No routines found in %s; sessions get generic titles and no steps", dirs[0]);
        return 0;
}

static void report_busy_problem(const char *path, unsigned line, const char *message, void *userdata) {
        if (line > 0)
                log_warning("%s:%u: %s; skipped", path, line, message);
        else
                log_warning("%s: %s; skipped", path, message);
}

static int load_busy(struct limber_daemon *d) {
        usec_t now = limber_daemon_now(d);
        struct limber_interval *busy = NULL;
        size_t n = 0;
        char suffix[sizeof d->uid_domain + 1];

        snprintf(suffix, sizeof suffix, "@%s", d->uid_domain);
        int r = limber_busy_load(d->config->schedule.busy, now - USEC_PER_DAY,
                                 now + d->config->schedule.horizon + 2 * USEC_PER_DAY, suffix,
                                 report_busy_problem, d, &busy, &n);
        if (r < 0)
                return log_error_errno(r, "Failed to read the busy calendars");
        free(d->busy);
        d->busy = busy;
        d->n_busy = n;
        return 0;
}

/* A calendar changes in bursts (an editor's temporary file, a sync tool's many
 * files): re-read once things have been quiet this long. */
#define BUSY_SETTLE (250 * USEC_PER_MSEC)

struct limber_busy_watch {
        struct limber_daemon *d;
        sd_event_source *source;
        char *name;             /* the file watched in its folder; NULL: the whole folder */
};

static int on_busy_settled(sd_event_source *s, uint64_t usec, void *userdata) {
        struct limber_daemon *d = userdata;
        if (load_busy(d) >= 0)
                (void) limber_schedule_replan(d, "a busy calendar changed");
        return 0;
}

static int on_busy_event(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        struct limber_busy_watch *w = userdata;
        struct limber_daemon *d = w->d;
        int r;

        if (w->name && (ev->len == 0 || strcmp(ev->name, w->name) != 0))
                return 0;

        uint64_t now;
        (void) sd_event_now(d->event, CLOCK_MONOTONIC, &now);
        if (!d->busy_settle_timer) {
                r = sd_event_add_time(d->event, &d->busy_settle_timer, CLOCK_MONOTONIC, now + BUSY_SETTLE, 0,
                                      on_busy_settled, d);
                if (r >= 0)
                        (void) sd_event_source_set_description(d->busy_settle_timer, "busy-settle");
        } else {
                r = sd_event_source_set_time(d->busy_settle_timer, now + BUSY_SETTLE);
                if (r >= 0)
                        r = sd_event_source_set_enabled(d->busy_settle_timer, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                log_warning_errno(r, "Failed to arm the busy calendar timer");
        return 0;
}

static void unwatch_busy(struct limber_daemon *d) {
        for (size_t i = 0; i < d->n_busy_watches; i++) {
                sd_event_source_unref(d->busy_watches[i].source);
                free(d->busy_watches[i].name);
        }
        free(d->busy_watches);
        d->busy_watches = NULL;
        d->n_busy_watches = 0;
}

/* Watches each busy calendar: a folder itself, a file through its folder, so that a
 * file replaced by rename (as editors and sync tools do) is seen too. */
static void watch_busy(struct limber_daemon *d) {
        const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE;
        size_t n = 0;

        unwatch_busy(d);
        for (char **p = d->config->schedule.busy; *p; p++)
                n++;
        if (n == 0)
                return;
        d->busy_watches = calloc(n, sizeof *d->busy_watches);
        if (!d->busy_watches)
                return;

        for (char **p = d->config->schedule.busy; *p; p++) {
                struct limber_busy_watch *w = &d->busy_watches[d->n_busy_watches];
                struct stat st;
                char *dir;
                int r;

                *w = (struct limber_busy_watch) { .d = d };
                if (stat(*p, &st) == 0 && S_ISDIR(st.st_mode))
                        dir = strdup(*p);
                else {
                        const char *slash = strrchr(*p, '/');
                        dir = strndup(*p, slash && slash != *p ? (size_t) (slash - *p) : 1);
                        w->name = strdup(slash ? slash + 1 : *p);
                }
                if (!dir)
                        continue;
                r = sd_event_add_inotify(d->event, &w->source, dir, mask, on_busy_event, w);
                if (r < 0)
                        log_warning_errno(r, "Cannot watch %s for changes to %s", dir, *p);
                else
                        d->n_busy_watches++;
                free(dir);
                if (r < 0)
                        free(w->name);
        }
}

static int resolve_feed_path(struct limber_daemon *d) {
        char *path;
        if (d->config->feed.path)
                path = strdup(d->config->feed.path);
        else if (asprintf(&path, "%s/limber.ics", d->data_dir) < 0)
                path = NULL;
        if (!path)
                return -ENOMEM;
        free(d->feed_path);
        d->feed_path = path;

        char *dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                int r = limber_mkdir_p(dir);
                if (r < 0)
                        log_warning_errno(r, "Failed to create %s", dir);
        }
        free(dir);
        limber_feed_remove_stale(d->feed_path);
        return 0;
}

const struct limber_session *limber_schedule_next(const struct limber_daemon *d) {
        usec_t now;
        if (sd_event_now(d->event, CLOCK_REALTIME, &now) < 0)
                return NULL;
        for (size_t i = 0; i < d->plan.n_sessions; i++) {
                const struct limber_session *s = &d->plan.sessions[i].session;
                if ((s->status == LIMBER_STATUS_PLANNED || s->status == LIMBER_STATUS_SNOOZED) && s->end > now)
                        return s;
        }
        return NULL;
}

const struct limber_session *limber_schedule_find(const struct limber_daemon *d, const char *id) {
        for (size_t i = 0; i < d->plan.n_sessions; i++)
                if (strcmp(d->plan.sessions[i].session.id, id) == 0)
                        return &d->plan.sessions[i].session;
        return NULL;
}

/* What the bus shows of the plan, to tell which properties changed. */
struct snapshot {
        char next_id[LIMBER_SESSION_ID_MAX];
        usec_t next_start;
        enum limber_session_kind next_kind;
        const char *next_title;
        unsigned smr_done, smr_target, cardio_minutes, cardio_target;
        double load_ratio;
        size_t n_unplaced;
        char unplaced_first[LIMBER_REASON_MAX];
};

static void take_snapshot(const struct limber_daemon *d, struct snapshot *s) {
        const struct limber_session *next = limber_schedule_next(d);
        *s = (struct snapshot) {
                .next_start = next ? next->start : 0,
                .next_kind = next ? next->kind : LIMBER_SESSION_SMR,
                .next_title = next ? limber_feed_title(next, &d->routines) : "",
                .smr_done = d->plan.week_smr_done,
                .smr_target = d->plan.week_smr_target,
                .cardio_minutes = d->plan.week_cardio_minutes,
                .cardio_target = d->plan.week_cardio_target,
                .load_ratio = d->plan.load_ratio,
                .n_unplaced = d->plan.n_unplaced,
        };
        snprintf(s->next_id, sizeof s->next_id, "%s", next ? next->id : "");
        if (d->plan.n_unplaced > 0)
                snprintf(s->unplaced_first, sizeof s->unplaced_first, "%s", d->plan.unplaced[0].reason);
}

static void announce(struct limber_daemon *d, const struct snapshot *a, const struct snapshot *b, bool sessions_changed) {
        const char *names[16];
        size_t n = 0;

        if (strcmp(a->next_id, b->next_id) != 0)
                names[n++] = "NextSessionId";
        if (a->next_start != b->next_start)
                names[n++] = "NextSessionStart";
        if (a->next_kind != b->next_kind)
                names[n++] = "NextSessionKind";
        if (strcmp(a->next_title, b->next_title) != 0)
                names[n++] = "NextSessionTitle";
        if (a->smr_done != b->smr_done)
                names[n++] = "WeekSmrDone";
        if (a->smr_target != b->smr_target)
                names[n++] = "WeekSmrTarget";
        if (a->cardio_minutes != b->cardio_minutes)
                names[n++] = "WeekCardioMinutes";
        if (a->cardio_target != b->cardio_target)
                names[n++] = "WeekCardioTarget";
        if (a->load_ratio != b->load_ratio)
                names[n++] = "LoadRatio";
        if (a->n_unplaced != b->n_unplaced || strcmp(a->unplaced_first, b->unplaced_first) != 0)
                names[n++] = "Unplaced";
        names[n] = NULL;

        if (n > 0)
                limber_bus_properties_changed_strv(d, names);
        if (sessions_changed)
                limber_bus_emit_sessions_changed(d);
}

static int on_plan_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct limber_daemon *d = userdata;
        (void) limber_schedule_replan(d, "a planned moment came");
        return 0;
}

static int arm_plan_timer(struct limber_daemon *d, usec_t when) {
        int r;
        if (!d->plan_timer) {
                r = sd_event_add_time(d->event, &d->plan_timer, CLOCK_REALTIME, when, USEC_PER_SEC, on_plan_timer, d);
                if (r >= 0)
                        (void) sd_event_source_set_description(d->plan_timer, "plan");
        } else {
                r = sd_event_source_set_time(d->plan_timer, when);
                if (r >= 0)
                        r = sd_event_source_set_enabled(d->plan_timer, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to arm the plan timer");
        return 0;
}

static const char *title_of(const struct limber_session *s, void *userdata) {
        struct limber_daemon *d = userdata;
        return limber_feed_title(s, &d->routines);
}

static int publish(struct limber_daemon *d, usec_t now) {
        const struct limber_config *c = d->config;
        struct limber_feed_options o = {
                .name = c->feed.name,
                .tzid = d->tzid,
                .alarm = c->feed.alarm,
                .since = now > c->schedule.history ? now - c->schedule.history : 0,
                .until = now + c->schedule.horizon + USEC_PER_DAY,
                .uid_domain = d->uid_domain,
        };
        char *text = NULL;

        int r = limber_feed_render(d->plan.sessions, d->plan.n_sessions, &d->routines, &o, &text);
        if (r < 0)
                return log_error_errno(r, "Failed to render the feed");

        size_t size = strlen(text);
        r = limber_feed_write(d->feed_path, text, size);
        if (r < 0)
                log_error_errno(r, "Failed to write the feed %s; the last one stays", d->feed_path);
        else if (r > 0)
                log_debug("Feed written to %s", d->feed_path);

        if (d->http && limber_http_set_feed(d->http, text, size, now) < 0)
                log_warning("Failed to update the served feed; the last one stays");
        free(text);
        return 0;
}

int limber_schedule_replan(struct limber_daemon *d, const char *why) {
        const struct limber_config *c = d->config;
        struct limber_activity *activities = NULL;
        struct limber_session *stored = NULL;
        size_t n_activities = 0, n_stored = 0;
        struct limber_plan plan;
        usec_t now;
        int r;

        r = sd_event_now(d->event, CLOCK_REALTIME, &now);
        if (r < 0)
                return r;
        /* The loop's cached time may be seconds old after a long callback. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        now = (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;

        log_debug("Re-planning: %s", why);

        r = limber_store_list_activities(d->store, now > ACTIVITY_LOOKBACK ? now - ACTIVITY_LOOKBACK : 0, 0,
                                         &activities, &n_activities);
        if (r >= 0)
                r = limber_store_load_sessions(d->store, now > c->schedule.history ? now - c->schedule.history : 0,
                                               &stored, &n_stored);
        if (r < 0) {
                log_error_errno(r, "Failed to read the state for planning: %s", limber_store_error(d->store));
                goto finish;
        }

        struct limber_plan_input in = {
                .config = c,
                .now = now,
                .first_run = d->first_run,
                .activities = activities,
                .n_activities = n_activities,
                .sessions = stored,
                .n_sessions = n_stored,
                .busy = d->busy,
                .n_busy = d->n_busy,
        };
        r = limber_plan(&in, &plan);
        if (r < 0) {
                log_error_errno(r, "Planning failed");
                goto finish;
        }

        bool changed = false;
        for (size_t i = 0; i < plan.n_sessions; i++)
                changed = changed || plan.sessions[i].changed;

        if (changed) {
                r = limber_store_save_sessions(d->store, plan.sessions, plan.n_sessions, title_of, d, now);
                if (r < 0) {
                        /* Publish nothing the store does not hold. */
                        log_error_errno(r, "Failed to store the plan: %s", limber_store_error(d->store));
                        limber_plan_free(&plan);
                        goto finish;
                }
        }
        for (size_t i = 0; i < plan.n_unplaced; i++)
                if (!d->have_plan || i >= d->plan.n_unplaced || strcmp(d->plan.unplaced[i].reason, plan.unplaced[i].reason))
                        log_notice("Could not place a session: %s", plan.unplaced[i].reason);

        /* The first plan is made before the loop answers anyone: nobody has seen a
         * value change, so nothing is announced. */
        bool first = !d->have_plan;
        struct snapshot before, after;
        take_snapshot(d, &before);
        if (!first)
                limber_bus_sessions_removed(d, &plan);
        struct limber_plan old = d->plan;
        d->plan = plan;
        d->have_plan = true;
        if (!first)
                limber_bus_sessions_added_changed(d, &old);
        limber_plan_free(&old);
        take_snapshot(d, &after);

        (void) publish(d, now);
        if (!first)
                announce(d, &before, &after, changed);
        limber_reminders_plan_changed(d);
        (void) arm_plan_timer(d, limber_plan_next_wakeup(&d->plan, c, now));
        r = 0;

finish:
        limber_activity_array_free(activities, n_activities);
        free(stored);
        return r;
}

int limber_schedule_start(struct limber_daemon *d) {
        char domain_key[LIMBER_ID_LEN + 1];
        int r;

        r = apply_timezone(d);
        if (r < 0)
                return log_error_errno(r, "Failed to set the time zone");

        r = limber_store_random_value(d->store, "feed-token", d->feed_token);
        if (r >= 0)
                r = limber_store_random_value(d->store, "uid-domain", domain_key);
        if (r < 0)
                return log_error_errno(r, "Failed to read the feed token: %s", limber_store_error(d->store));
        /* Per installation, so two users' feeds never share a UID. */
        snprintf(d->uid_domain, sizeof d->uid_domain, "limber-%.12s", domain_key);
        r = limber_store_first_run(d->store, limber_daemon_now(d), &d->first_run);
        if (r < 0)
                return log_error_errno(r, "Failed to read when limber first ran: %s", limber_store_error(d->store));

        if ((r = resolve_feed_path(d)) < 0 || (r = load_routines(d)) < 0)
                return log_error_errno(r, "Failed to prepare the feed");
        (void) load_busy(d);
        watch_busy(d);
        limber_serve_start(d);

        return limber_schedule_replan(d, "start");
}

int limber_schedule_reconfigure(struct limber_daemon *d) {
        int r = apply_timezone(d);
        if (r < 0)
                return log_error_errno(r, "Failed to set the time zone");

        char *old_path = d->feed_path ? strdup(d->feed_path) : NULL;
        r = resolve_feed_path(d);
        if (r >= 0 && (!old_path || strcmp(old_path, d->feed_path) != 0))
                limber_bus_properties_changed(d, "FeedPath", NULL);
        free(old_path);
        if (r < 0)
                return r;
        (void) load_routines(d);
        (void) load_busy(d);
        watch_busy(d);

        limber_serve_start(d);

        return limber_schedule_replan(d, "configuration reloaded");
}

void limber_schedule_stop(struct limber_daemon *d) {
        d->plan_timer = sd_event_source_unref(d->plan_timer);
        d->busy_settle_timer = sd_event_source_unref(d->busy_settle_timer);
        unwatch_busy(d);
        limber_serve_stop(d);
        limber_plan_free(&d->plan);
        limber_routines_clear(&d->routines);
        free(d->busy);
        d->busy = NULL;
        free(d->feed_path);
        free(d->tzid);
        d->feed_path = d->tzid = NULL;
}
