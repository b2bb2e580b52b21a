/* The iCalendar feed: sessions rendered with libical, and the file written atomically.
 *
 * Byte-stable by construction: DTSTAMP is the session's LAST-MODIFIED, not the time of
 * writing, and nothing else in the output depends on the clock, so a re-plan that
 * changes nothing writes nothing. libical 3.0 quirks handled here: TZIDs come out as
 * /freeassociation.sourceforge.net/Zone, which python icalendar and khal reject, so the
 * VTIMEZONE and every TZID parameter carry the plain Olson name; the system's VTIMEZONE
 * goes back to 1893 and is truncated to the feed's range.
 *
 * The feed carries what is planned ahead: SMR sessions and walks. Mobility breaks are
 * nudges at the desk, not appointments: they stay on the bus, in notifications and in
 * the state's history, and are left out here.
 *
 * A VALARM never triggers before the event, as published, existed: a planned session
 * gets one only when its trigger, [feed] alarm before the start, is no earlier than the
 * session's LAST-MODIFIED, the moment this version of it was published (and so never
 * before its first publication). A session planned, moved or changed less than alarm
 * before its start gets none, where a client would otherwise ring at once for a time
 * already past; a snoozed one gets none either, as limberd reminds the user at its new
 * start. Both follow from what the session stores, so a re-plan that leaves a session
 * as it was leaves its event, alarm and all, byte for byte. */
#include "feed.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define PRODID "-//limber//limber//EN"
#define COLOR "mediumseagreen"
#define REFRESH_MINUTES 60

const char *limber_feed_title(const struct limber_session *s, const struct limber_routines *routines) {
        const struct limber_routine *r = routines ? limber_routines_find(routines, s->routine) : NULL;
        if (r)
                return r->title;
        switch (s->kind) {
        case LIMBER_SESSION_SMR: return "Foam rolling";
        case LIMBER_SESSION_MOBILITY: return "Stand up and move";
        case LIMBER_SESSION_CARDIO: return "Brisk walk";
        default: return "limber session";
        }
}

static const char *category(enum limber_session_kind k) {
        switch (k) {
        case LIMBER_SESSION_SMR: return "Foam rolling";
        case LIMBER_SESSION_MOBILITY: return "Mobility";
        case LIMBER_SESSION_CARDIO: return "Cardio";
        default: return "limber";
        }
}

static const char *outcome_suffix(enum limber_session_status s) {
        switch (s) {
        case LIMBER_STATUS_COMPLETED: return " (done)";
        case LIMBER_STATUS_SKIPPED: return " (skipped)";
        case LIMBER_STATUS_MISSED: return " (missed)";
        case LIMBER_STATUS_SNOOZED: return " (snoozed)";
        default: return "";
        }
}

static char *describe(const struct limber_session *s, const struct limber_routine *r) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return NULL;

        if (s->reason[0])
                fprintf(f, "Why: %s.\n", s->reason);
        if (r) {
                if (r->regions)
                        fprintf(f, "Regions: %s.\n", r->regions);
                fputc('\n', f);
                for (size_t i = 0; i < r->n_steps; i++)
                        fprintf(f, "%zu. %s\n", i + 1, r->steps[i]);
        }
        fputs("\nlimber plans and reminds; it gives no medical advice.", f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static struct icaltimetype utc_time(usec_t t) {
        return icaltime_from_timet_with_zone((time_t) (t / USEC_PER_SEC), 0, icaltimezone_get_utc_timezone());
}

/* A date-time in zone, written with TZID=<plain name>; in UTC when zone is NULL. */
static void set_time(icalproperty *p, usec_t t, icaltimezone *zone, const char *tzid) {
        if (!zone) {
                icalproperty_set_value(p, icalvalue_new_datetime(utc_time(t)));
                return;
        }
        struct icaltimetype local = icaltime_from_timet_with_zone((time_t) (t / USEC_PER_SEC), 0, zone);
        local.zone = NULL;      /* floating in the value; the TZID parameter names the zone */
        icalproperty_set_value(p, icalvalue_new_datetime(local));
        icalproperty_add_parameter(p, icalparameter_new_tzid(tzid));
}

static icalcomponent *make_vtimezone(icaltimezone *zone, const char *tzid, usec_t since, usec_t until) {
        icalcomponent *vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
        if (!vtz)
                return NULL;

        /* Whole years, so the VTIMEZONE's bytes change once a year, not with each plan. */
        struct icaltimetype from = utc_time(since), to = utc_time(until);
        from.month = from.day = to.month = to.day = 1;
        from.hour = from.minute = from.second = to.hour = to.minute = to.second = 0;
        to.year++;
        icaltimezone_truncate_vtimezone(vtz, from, to, 0);

        icalproperty *p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
        if (p)
                icalproperty_set_tzid(p, tzid);
        else
                icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
        return vtz;
}

static icalcomponent *make_event(const struct limber_session *s, const struct limber_routines *routines,
                                 const struct limber_feed_options *o, icaltimezone *zone) {
        const struct limber_routine *r = limber_routines_find(routines, s->routine);
        char uid[LIMBER_SESSION_ID_MAX + 128], summary[512];
        icalproperty *p;

        snprintf(uid, sizeof uid, "%s@%s", s->id, o->uid_domain);
        snprintf(summary, sizeof summary, "%s%s", limber_feed_title(s, routines), outcome_suffix(s->status));
        char *description = describe(s, r);
        if (!description)
                return NULL;

        icalcomponent *ev = icalcomponent_new_vevent();
        icalcomponent_add_property(ev, icalproperty_new_uid(uid));
        icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc_time(s->last_modified)));
        p = icalproperty_new(ICAL_DTSTART_PROPERTY);
        set_time(p, s->start, zone, o->tzid);
        icalcomponent_add_property(ev, p);
        p = icalproperty_new(ICAL_DTEND_PROPERTY);
        set_time(p, s->end, zone, o->tzid);
        icalcomponent_add_property(ev, p);
        icalcomponent_add_property(ev, icalproperty_new_sequence((int) s->sequence));
        icalcomponent_add_property(ev, icalproperty_new_lastmodified(utc_time(s->last_modified)));
        icalcomponent_add_property(ev, icalproperty_new_status(ICAL_STATUS_CONFIRMED));
        icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
        icalcomponent_add_property(ev, icalproperty_new_summary(summary));
        icalcomponent_add_property(ev, icalproperty_new_description(description));
        icalcomponent_add_property(ev, icalproperty_new_categories(category(s->kind)));

        p = icalproperty_new_x(limber_session_kind_to_string(s->kind));
        icalproperty_set_x_name(p, "X-LIMBER-KIND");
        icalcomponent_add_property(ev, p);
        p = icalproperty_new_x(limber_session_status_to_string(s->status));
        icalproperty_set_x_name(p, "X-LIMBER-STATUS");
        icalcomponent_add_property(ev, p);

        if (o->alarm > 0 && s->status == LIMBER_STATUS_PLANNED && s->start >= s->last_modified + o->alarm) {
                icalcomponent *alarm = icalcomponent_new_valarm();
                struct icaltriggertype trigger = { .time = icaltime_null_time(),
                                                   .duration = icaldurationtype_from_int(-(int) (o->alarm / USEC_PER_SEC)) };
                icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
                icalcomponent_add_property(alarm, icalproperty_new_trigger(trigger));
                icalcomponent_add_property(alarm, icalproperty_new_description(limber_feed_title(s, routines)));
                icalcomponent_add_component(ev, alarm);
        }

        free(description);
        return ev;
}

int limber_feed_render(const struct limber_plan_session *sessions, size_t n, const struct limber_routines *routines,
                       const struct limber_feed_options *o, char **ret) {
        icaltimezone *zone = NULL;

        if (strcmp(o->tzid, "UTC") != 0 && strcmp(o->tzid, "Etc/UTC") != 0) {
                zone = icaltimezone_get_builtin_timezone(o->tzid);
                if (!zone) {
                        log_warning("Time zone %s is unknown to libical (is tzdata installed?); the feed uses UTC",
                                    o->tzid);
                }
        }

        icalcomponent *cal = icalcomponent_new_vcalendar();
        icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
        icalcomponent_add_property(cal, icalproperty_new_prodid(PRODID));
        icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
        icalcomponent_add_property(cal, icalproperty_new_name(o->name));
        icalproperty *p = icalproperty_new_x(o->name);
        icalproperty_set_x_name(p, "X-WR-CALNAME");
        icalcomponent_add_property(cal, p);
        icalcomponent_add_property(cal, icalproperty_new_color(COLOR));
        icalcomponent_add_property(cal, icalproperty_new_refreshinterval(icaldurationtype_from_int(REFRESH_MINUTES * 60)));
        p = icalproperty_new_x("PT1H");
        icalproperty_set_x_name(p, "X-PUBLISHED-TTL");
        icalcomponent_add_property(cal, p);

        if (zone) {
                icalcomponent *vtz = make_vtimezone(zone, o->tzid, o->since, o->until);
                if (vtz)
                        icalcomponent_add_component(cal, vtz);
                else
                        zone = NULL;
        }

        for (size_t i = 0; i < n; i++) {
                const struct limber_session *s = &sessions[i].session;
                if (s->status == LIMBER_STATUS_CANCELLED || s->kind == LIMBER_SESSION_MOBILITY || s->start < o->since)
                        continue;
                icalcomponent *ev = make_event(s, routines, o, zone);
                if (!ev) {
                        icalcomponent_free(cal);
                        return -ENOMEM;
                }
                icalcomponent_add_component(cal, ev);
        }

        char *text = icalcomponent_as_ical_string_r(cal);
        icalcomponent_free(cal);
        if (!text)
                return -ENOMEM;
        *ret = text;
        return 0;
}

static int same_content(const char *path, const char *data, size_t size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;

        struct stat st;
        int same = 0;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t) st.st_size == size) {
                char *buf = malloc(size + 1);
                if (buf && read(fd, buf, size + 1) == (ssize_t) size && memcmp(buf, data, size) == 0)
                        same = 1;
                free(buf);
        }
        close(fd);
        return same;
}

void limber_feed_remove_stale(const char *path) {
        char *dir = strdup(path);
        if (!dir)
                return;
        char *slash = strrchr(dir, '/');
        const char *base = slash ? slash + 1 : path;
        if (slash)
                *(slash == dir ? slash + 1 : slash) = '\0';
        size_t len = strlen(base);

        DIR *d = opendir(slash ? dir : ".");
        if (d) {
                struct dirent *de;
                while ((de = readdir(d))) {
                        /* mkostemp's names: the feed's own name, a dot, six characters. */
                        if (strlen(de->d_name) == len + 7 && strncmp(de->d_name, base, len) == 0 &&
                            de->d_name[len] == '.' && unlinkat(dirfd(d), de->d_name, 0) == 0)
                                log_debug("Removed %s, left by an interrupted feed write", de->d_name);
                }
                closedir(d);
        }
        free(dir);
}

int limber_feed_write(const char *path, const char *data, size_t size) {
        if (same_content(path, data, size))
                return 0;

        char *tmp = NULL, *dir = NULL;
        int r = 0, fd = -1;
        if (asprintf(&tmp, "%s.XXXXXX", path) < 0 || !(dir = strdup(path))) {
                free(tmp);
                return -ENOMEM;
        }
        char *slash = strrchr(dir, '/');
        if (slash)
                *(slash == dir ? slash + 1 : slash) = '\0';

        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                goto finish;
        }
        /* The feed is the user's schedule: readable by them alone, as the state is. */
        (void) fchmod(fd, 0600);
        for (size_t done = 0; done < size;) {
                ssize_t k = write(fd, data + done, size - done);
                if (k < 0) {
                        r = -errno;
                        goto finish;
                }
                done += (size_t) k;
        }
        if (fsync(fd) < 0 || close(fd) < 0) {
                fd = -1;
                r = -errno;
                goto finish;
        }
        fd = -1;
        if (rename(tmp, path) < 0) {
                r = -errno;
                goto finish;
        }
        free(tmp);
        tmp = NULL;

        int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
                (void) fsync(dfd);
                close(dfd);
        }
        r = 1;

finish:
        if (fd >= 0)
                close(fd);
        if (tmp) {
                (void) unlink(tmp);
                free(tmp);
        }
        free(dir);
        return r;
}
