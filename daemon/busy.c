/* Busy times from the user's calendars: local .ics files and vdir folders, read with
 * libical.
 *
 * Each VEVENT is walked on its own with icalcomponent_foreach_recurrence, which applies
 * RRULE, RDATE, EXDATE and EXRULE (icalspanlist on a one-VCALENDAR file counted only its
 * first event). libical 3.0 reads floating times as UTC and stretches all-day spans by
 * a day, so only the instants at which instances start are taken from it; durations,
 * local times and the window are worked out here. */
#include "busy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libical/ical.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* More than years of a busy work calendar; a guard against a wrong path. */
#define MAX_FILE_SIZE ((off_t) 64 << 20)
/* libical skips ahead to the window only in recurrences without COUNT; one with COUNT is
 * walked from its first instance. One that needs more steps than this to pass the window
 * (every minute for years) is reported and skipped rather than stall the daemon. */
#define MAX_COUNT_STEPS 100000
#define DAY_SEC ((time_t) 24 * 60 * 60)
/* Floating times lie within 14 hours of their reading as UTC: libical is asked for a
 * window a day wider on each side, and instances are held to the real one here. */
#define SLACK_SEC DAY_SEC
/* icaltimetype holds four-digit years: 9999-12-31 23:59:59 UTC. */
#define MAX_SEC ((time_t) INT64_C(253402300799))

struct loader {
        usec_t from, until;
        time_t lim_start, lim_end;      /* the window in seconds, widened by SLACK_SEC */
        const char *own_suffix;
        size_t own_suffix_len;
        limber_busy_report_t report;
        void *userdata;

        struct limber_interval *v;
        size_t n, cap;
};

/* A RECURRENCE-ID component: the instance of its UID it replaces. */
struct override {
        const char *uid;
        time_t recurrence_id;   /* as libical's spans count: floating wall clock read as UTC */
};

/* The file being read: its text for line numbers, its overrides sorted by UID. */
struct file {
        struct loader *l;
        const char *path;
        const char *text;
        struct override *overrides;
        size_t n_overrides;
        size_t n_events;        /* VEVENTs met so far, in file order */
        size_t n_ignored;       /* harmless parse errors, logged once at the end */
        char first_ignored[256];
};

struct event {
        struct loader *l;
        const struct override *overrides;       /* those of this event's UID */
        size_t n_overrides;
        time_t duration;
        bool local;             /* floating or DATE: libical's instants are wall clock as UTC */
        int r;
};

static void freep(void *p) {
        free(*(void **) p);
}

static void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

static void reportf(struct loader *l, const char *path, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void reportf(struct loader *l, const char *path, unsigned line, const char *fmt, ...) {
        char msg[512];
        va_list ap;

        if (!l->report)
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        l->report(path, line, msg, l->userdata);
}

/* The line of the index'th BEGIN:VEVENT: libical keeps no line numbers, but keeps the
 * components in file order. 0 if the text has fewer. */
static unsigned vevent_line(const char *text, size_t index) {
        static const char tag[] = "BEGIN:VEVENT";
        unsigned line = 1;

        for (const char *p = text; p; line++) {
                if (strncasecmp(p, tag, sizeof tag - 1) == 0 && strchr("\r\n", p[sizeof tag - 1]) &&
                    index-- == 0)
                        return line;
                p = strchr(p, '\n');
                if (p)
                        p++;
        }
        return 0;
}

static void report_event(struct file *f, size_t index, const char *uid, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void report_event(struct file *f, size_t index, const char *uid, const char *fmt, ...) {
        char msg[448];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (uid)
                reportf(f->l, f->path, vevent_line(f->text, index), "event '%.60s': %s", uid, msg);
        else
                reportf(f->l, f->path, vevent_line(f->text, index), "event: %s", msg);
}

static int cmp_interval(const void *a, const void *b) {
        const struct limber_interval *x = a, *y = b;

        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        return (x->end > y->end) - (x->end < y->end);
}

static void merge(struct loader *l) {
        size_t k = 0;

        if (l->n == 0)
                return;
        qsort(l->v, l->n, sizeof *l->v, cmp_interval);
        for (size_t i = 1; i < l->n; i++) {
                if (l->v[i].start <= l->v[k].end) {
                        if (l->v[i].end > l->v[k].end)
                                l->v[k].end = l->v[i].end;
                } else
                        l->v[++k] = l->v[i];
        }
        l->n = k + 1;
}

static int add_interval(struct loader *l, usec_t start, usec_t end) {
        if (l->n == l->cap) {
                /* A dense recurrence (every few minutes for weeks) merges into few
                 * intervals: compact before growing. */
                merge(l);
                if (l->n >= l->cap / 2) {
                        size_t cap = l->cap ? 2 * l->cap : 64;
                        struct limber_interval *v = reallocarray(l->v, cap, sizeof *v);
                        if (!v)
                                return -ENOMEM;
                        l->v = v;
                        l->cap = cap;
                }
        }
        l->v[l->n++] = (struct limber_interval) { .start = start, .end = end };
        return 0;
}

/* libical's instant of t: exact with a zone, the wall clock read as UTC without one. */
static time_t ical_instant(struct icaltimetype t) {
        return icaltime_as_timet_with_zone(t, t.zone ? t.zone : icaltimezone_get_utc_timezone());
}

/* The instant at which the local wall clock shows what wall shows in UTC. A time a DST
 * change skips moves forward with it, as in localtime.c. */
static bool wall_to_local(time_t wall, time_t *ret) {
        struct tm tm;

        if (!gmtime_r(&wall, &tm))
                return false;
        tm.tm_isdst = -1;
        *ret = mktime(&tm);
        return true;
}

static void on_instance(icalcomponent *comp, struct icaltime_span *span, void *userdata) {
        struct event *e = userdata;
        time_t start = span->start, end = span->start + e->duration;

        if (e->r < 0)
                return;
        for (size_t i = 0; i < e->n_overrides; i++)
                if (e->overrides[i].recurrence_id == span->start)
                        return;
        if (e->local && (!wall_to_local(span->start, &start) ||
                         !wall_to_local(span->start + e->duration, &end)))
                return;
        if (end <= start || end <= 0)
                return;
        if (start < 0)
                start = 0;

        usec_t s = (usec_t) start * USEC_PER_SEC, t = (usec_t) end * USEC_PER_SEC;
        if (s >= e->l->until || t <= e->l->from)
                return;
        e->r = add_interval(e->l, s, t);
}

/* The TZID of p if neither the file nor tzdata defines it. */
static const char *unknown_tzid(icalproperty *p, struct icaltimetype t) {
        icalparameter *tzid = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);

        if (!tzid || t.zone || t.is_date)
                return NULL;
        return icalparameter_get_tzid(tzid);
}

/* Whether libical, walking a COUNT recurrence from its first instance, passes end (or
 * the last instance) within MAX_COUNT_STEPS. */
static bool count_walk_is_short(struct icalrecurrencetype recur, struct icaltimetype dtstart,
                                struct icaltimetype end) {
        if (recur.count <= MAX_COUNT_STEPS)
                return true;

        icalrecur_iterator *it = icalrecur_iterator_new(recur, dtstart);
        bool ok = false;

        if (!it)
                return true;    /* libical cannot walk it either */
        for (int i = 0; i < MAX_COUNT_STEPS; i++) {
                struct icaltimetype t = icalrecur_iterator_next(it);
                if (icaltime_is_null_time(t) || icaltime_compare(t, end) > 0) {
                        ok = true;
                        break;
                }
        }
        icalrecur_iterator_free(it);
        return ok;
}

static int cmp_override(const void *a, const void *b) {
        const struct override *x = a, *y = b;
        return strcmp(x->uid, y->uid);
}

static void find_overrides(struct file *f, const char *uid, struct event *e) {
        size_t lo = 0, hi = f->n_overrides, first;

        if (f->n_overrides == 0)
                return;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(f->overrides[mid].uid, uid) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (first = lo; lo < f->n_overrides && strcmp(f->overrides[lo].uid, uid) == 0; lo++)
                ;
        e->overrides = f->overrides + first;
        e->n_overrides = lo - first;
}

/* What limber needs to place an event: without one of these, or with one misread, the
 * event would block the wrong time (a lost RRULE, EXDATE or STATUS turns it into
 * something else). */
static bool needed_to_place(icalproperty_kind kind) {
        static const icalproperty_kind needed[] = {
                ICAL_DTSTART_PROPERTY, ICAL_DTEND_PROPERTY, ICAL_DURATION_PROPERTY,
                ICAL_RRULE_PROPERTY, ICAL_RDATE_PROPERTY, ICAL_EXDATE_PROPERTY, ICAL_EXRULE_PROPERTY,
                ICAL_RECURRENCEID_PROPERTY, ICAL_STATUS_PROPERTY, ICAL_TRANSP_PROPERTY,
        };

        for (size_t i = 0; i < ELEMENTSOF(needed); i++)
                if (needed[i] == kind)
                        return true;
        return false;
}

static icalparameter_xlicerrortype error_type(icalproperty *err) {
        icalparameter *t = icalproperty_get_first_parameter(err, ICAL_XLICERRORTYPE_PARAMETER);
        return t ? icalparameter_get_xlicerrortype(t) : ICAL_XLICERRORTYPE_NONE;
}

/* The property a value error names, as libical 3.0 words them: "No value for LOCATION
 * property. ..." or "Can't parse as DATE-TIME value in DTSTART property. ...". */
static bool value_error_subject(const char *text, icalproperty_kind *ret) {
        char kind[64], name[64];
        int n = -1;

        if (sscanf(text, "No value for %63s property%n", name, &n) != 1 || n < 0) {
                n = -1;
                if (sscanf(text, "Can't parse as %63s value in %63s property%n", kind, name, &n) != 2 || n < 0)
                        return false;
        }
        *ret = icalproperty_string_to_kind(name);
        return true;
}

/* Whether an X-LIC-ERROR libical left in a component is about something limber needs.
 * libical 3.0 adds them in file order: a value it cannot read removes its property and
 * names it in the error, which an empty TEXT value (DESCRIPTION: and LOCATION: in
 * Google's and Apple's exports, valid in RFC 5545) also gets; a parameter it cannot
 * read, or a line with no property name (a fold that lost its leading space), comes
 * right after the property it belongs to, which stays; a property name it does not
 * know is nothing limber reads. before: the last other property ahead of err. */
static bool error_matters(icalproperty *err, icalproperty *before) {
        icalproperty_kind kind;

        switch (error_type(err)) {
        case ICAL_XLICERRORTYPE_VALUEPARSEERROR:
                /* Worded otherwise, it cannot be told apart: keep to the safe side. */
                return !value_error_subject(icalproperty_get_xlicerror(err), &kind) || needed_to_place(kind);
        case ICAL_XLICERRORTYPE_PROPERTYPARSEERROR:
                return false;
        default:
                return before && needed_to_place(icalproperty_isa(before));
        }
}

/* A parse error that did not matter: counted, and the first kept for one debug line at
 * the end of the file. index: the event's, or SIZE_MAX for the calendar's own. */
static void note_ignored(struct file *f, size_t index, const char *uid, const char *message) {
        if (f->n_ignored++ > 0)
                return;
        if (index == SIZE_MAX)
                snprintf(f->first_ignored, sizeof f->first_ignored, "%s", message);
        else
                snprintf(f->first_ignored, sizeof f->first_ignored, "line %u, event '%.60s': %s",
                         vevent_line(f->text, index), uid ? uid : "", message);
}

static int load_event(struct file *f, icalcomponent *ev, size_t index) {
        struct loader *l = f->l;
        const char *uid = icalcomponent_get_uid(ev), *tz;
        icalproperty *p, *before = NULL;

        /* libical drops what it cannot parse and leaves an X-LIC-ERROR in its place. */
        for (p = icalcomponent_get_first_property(ev, ICAL_ANY_PROPERTY); p;
             p = icalcomponent_get_next_property(ev, ICAL_ANY_PROPERTY)) {
                if (icalproperty_isa(p) != ICAL_XLICERROR_PROPERTY) {
                        before = p;
                        continue;
                }
                if (error_matters(p, before)) {
                        report_event(f, index, uid, "%s", icalproperty_get_xlicerror(p));
                        return 0;
                }
                note_ignored(f, index, uid, icalproperty_get_xlicerror(p));
        }

        if (uid && l->own_suffix_len > 0) {
                size_t n = strlen(uid);
                if (n >= l->own_suffix_len && strcmp(uid + n - l->own_suffix_len, l->own_suffix) == 0)
                        return 0;
        }
        if (icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED)
                return 0;
        p = icalcomponent_get_first_property(ev, ICAL_TRANSP_PROPERTY);
        enum icalproperty_transp transp = p ? icalproperty_get_transp(p) : ICAL_TRANSP_NONE;
        if (transp == ICAL_TRANSP_TRANSPARENT || transp == ICAL_TRANSP_TRANSPARENTNOCONFLICT)
                return 0;

        p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
        if (!p) {
                report_event(f, index, uid, "no DTSTART");
                return 0;
        }
        struct icaltimetype dtstart = icalproperty_get_datetime_with_component(p, ev);
        if ((tz = unknown_tzid(p, dtstart))) {
                report_event(f, index, uid, "unknown time zone '%.60s' (no VTIMEZONE in the file, none in tzdata)", tz);
                return 0;
        }
        if (dtstart.is_date && transp != ICAL_TRANSP_OPAQUE && transp != ICAL_TRANSP_OPAQUENOCONFLICT)
                return 0;

        time_t duration;
        if ((p = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY))) {
                struct icaltimetype dtend = icalproperty_get_datetime_with_component(p, ev);
                if ((tz = unknown_tzid(p, dtend))) {
                        report_event(f, index, uid, "unknown time zone '%.60s' (no VTIMEZONE in the file, none in tzdata)", tz);
                        return 0;
                }
                duration = ical_instant(dtend) - ical_instant(dtstart);
        } else if ((p = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY)))
                duration = icaldurationtype_as_int(icalproperty_get_duration(p));
        else
                /* RFC 5545 3.6.1: a date lasts the day, a date-time no time at all. */
                duration = dtstart.is_date ? DAY_SEC : 0;
        if (duration < 0) {
                report_event(f, index, uid, "ends before it starts");
                return 0;
        }
        if (duration == 0)
                return 0;

        time_t lim_start = l->lim_start > duration ? l->lim_start - duration : 0;
        struct icaltimetype from = icaltime_from_timet_with_zone(lim_start, 0, icaltimezone_get_utc_timezone());
        struct icaltimetype until = icaltime_from_timet_with_zone(l->lim_end, 0, icaltimezone_get_utc_timezone());

        for (p = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY); p;
             p = icalcomponent_get_next_property(ev, ICAL_RRULE_PROPERTY)) {
                struct icalrecurrencetype recur = icalproperty_get_rrule(p);
                if (!count_walk_is_short(recur, dtstart, until)) {
                        report_event(f, index, uid, "RRULE with COUNT=%d is too long to expand (more than %d occurrences)",
                                     recur.count, MAX_COUNT_STEPS);
                        return 0;
                }
        }

        struct event e = {
                .l = l,
                .duration = duration,
                .local = !dtstart.zone,
        };
        if (uid && !icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY))
                find_overrides(f, uid, &e);
        icalcomponent_foreach_recurrence(ev, from, until, on_instance, &e);
        return e.r;
}

/* The VCALENDARs and stray components at the top of what the parser returned. */
static icalcomponent *first_top(icalcomponent *root) {
        if (icalcomponent_isa(root) == ICAL_XROOT_COMPONENT)
                return icalcomponent_get_first_component(root, ICAL_ANY_COMPONENT);
        return root;
}

static icalcomponent *next_top(icalcomponent *root, icalcomponent *c) {
        if (icalcomponent_isa(root) == ICAL_XROOT_COMPONENT)
                return icalcomponent_get_next_component(root, ICAL_ANY_COMPONENT);
        return NULL;
}

static int collect_overrides(struct file *f, icalcomponent *root) {
        size_t cap = 0;

        for (icalcomponent *cal = first_top(root); cal; cal = next_top(root, cal)) {
                if (icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT)
                        continue;
                for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
                     ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
                        icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
                        const char *uid = icalcomponent_get_uid(ev);
                        if (!p || !uid)
                                continue;
                        struct icaltimetype rid = icalproperty_get_datetime_with_component(p, ev);
                        if (icaltime_is_null_time(rid))
                                continue;
                        if (f->n_overrides == cap) {
                                size_t c = cap ? 2 * cap : 8;
                                struct override *o = reallocarray(f->overrides, c, sizeof *o);
                                if (!o)
                                        return -ENOMEM;
                                f->overrides = o;
                                cap = c;
                        }
                        f->overrides[f->n_overrides++] = (struct override) {
                                .uid = uid,
                                .recurrence_id = ical_instant(rid),
                        };
                }
        }
        if (f->n_overrides > 0)
                qsort(f->overrides, f->n_overrides, sizeof *f->overrides, cmp_override);
        return 0;
}

static int load_calendar(struct file *f, icalcomponent *cal) {
        /* Lines libical could not place anywhere (what a lost BEGIN:VEVENT leaves) are
         * reported; the events around them still count. A calendar property with a value
         * it could not read (an empty X-WR-CALDESC) is nothing limber uses. */
        for (icalproperty *p = icalcomponent_get_first_property(cal, ICAL_XLICERROR_PROPERTY); p;
             p = icalcomponent_get_next_property(cal, ICAL_XLICERROR_PROPERTY)) {
                if (error_type(p) == ICAL_XLICERRORTYPE_VALUEPARSEERROR && !error_matters(p, NULL))
                        note_ignored(f, SIZE_MAX, NULL, icalproperty_get_xlicerror(p));
                else
                        reportf(f->l, f->path, 0, "%s", icalproperty_get_xlicerror(p));
        }

        for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
             ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
                int r = load_event(f, ev, f->n_events++);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int load_text(struct loader *l, const char *path, const char *text) {
        struct file f = { .l = l, .path = path, .text = text };
        bool calendars = false;
        int r;

        icalcomponent *root = icalparser_parse_string(text);
        if (!root) {
                reportf(l, path, 0, "no complete VCALENDAR (BEGIN:VCALENDAR to END:VCALENDAR)");
                return 0;
        }

        r = collect_overrides(&f, root);
        for (icalcomponent *c = first_top(root); c && r >= 0; c = next_top(root, c)) {
                switch (icalcomponent_isa(c)) {
                case ICAL_VCALENDAR_COMPONENT:
                        calendars = true;
                        r = load_calendar(&f, c);
                        break;
                case ICAL_VEVENT_COMPONENT:
                        report_event(&f, f.n_events++, icalcomponent_get_uid(c), "outside a VCALENDAR");
                        break;
                default:
                        break;
                }
        }
        if (r >= 0 && !calendars && f.n_events == 0)
                reportf(l, path, 0, "no VCALENDAR");
        if (f.n_ignored > 0)
                log_debug("%s: ignored %zu unreadable propert%s that limber does not use (first: %s)", path,
                          f.n_ignored, f.n_ignored == 1 ? "y" : "ies", f.first_ignored);

        free(f.overrides);
        icalcomponent_free(root);
        return r;
}

static int load_file(struct loader *l, const char *path) {
        _cleanup_(closep) int fd = -1;
        _cleanup_(freep) char *text = NULL;
        struct stat st;
        size_t n = 0;

        /* O_NONBLOCK: a FIFO named like a calendar must not hang the daemon. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                reportf(l, path, 0, "cannot open: %s", strerror(errno));
                return 0;
        }
        if (fstat(fd, &st) < 0) {
                reportf(l, path, 0, "cannot read: %s", strerror(errno));
                return 0;
        }
        if (!S_ISREG(st.st_mode)) {
                reportf(l, path, 0, "not a regular file");
                return 0;
        }
        if (st.st_size > MAX_FILE_SIZE) {
                reportf(l, path, 0, "larger than %d MiB", (int) (MAX_FILE_SIZE >> 20));
                return 0;
        }

        size_t size = (size_t) st.st_size;
        text = malloc(size + 1);
        if (!text)
                return -ENOMEM;
        while (n < size) {
                ssize_t k = read(fd, text + n, size - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        reportf(l, path, 0, "cannot read: %s", strerror(errno));
                        return 0;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        text[n] = '\0';
        /* libical reads up to the first NUL and would drop the rest without a word. */
        if (memchr(text, '\0', n)) {
                reportf(l, path, 0, "not a text file (it contains NUL bytes)");
                return 0;
        }
        return load_text(l, path, text);
}

static int ics_entry(const struct dirent *de) {
        size_t n = strlen(de->d_name);
        return de->d_name[0] != '.' && n > 4 && strcmp(de->d_name + n - 4, ".ics") == 0;
}

/* A vdir collection: one file per item, directly inside. Sorted, so reports come in a
 * stable order. */
static int load_folder(struct loader *l, const char *path) {
        struct dirent **entries;
        size_t len = strlen(path);
        int n, r = 0;

        n = scandir(path, &entries, ics_entry, alphasort);
        if (n < 0) {
                if (errno == ENOMEM)
                        return -ENOMEM;
                reportf(l, path, 0, "cannot read the folder: %s", strerror(errno));
                return 0;
        }
        while (len > 1 && path[len - 1] == '/')
                len--;
        for (int i = 0; i < n; i++) {
                char *child;
                if (r >= 0) {
                        if (asprintf(&child, "%.*s/%s", (int) len, path, entries[i]->d_name) < 0)
                                r = -ENOMEM;
                        else {
                                r = load_file(l, child);
                                free(child);
                        }
                }
                free(entries[i]);
        }
        free(entries);
        return r;
}

int limber_busy_load(char *const *paths, usec_t from, usec_t until, const char *own_uid_suffix,
                     limber_busy_report_t report, void *userdata,
                     struct limber_interval **ret, size_t *ret_n) {
        struct loader l = {
                .from = from,
                .until = until,
                .own_suffix = own_uid_suffix,
                .own_suffix_len = own_uid_suffix ? strlen(own_uid_suffix) : 0,
                .report = report,
                .userdata = userdata,
        };
        time_t from_sec = (time_t) (from / USEC_PER_SEC), until_sec;

        *ret = NULL;
        *ret_n = 0;
        if (from >= until)
                return 0;

        until_sec = until / USEC_PER_SEC >= (usec_t) (MAX_SEC - SLACK_SEC) ? MAX_SEC - SLACK_SEC :
                (time_t) (until / USEC_PER_SEC) + 1;
        if (from_sec > MAX_SEC - SLACK_SEC)
                from_sec = MAX_SEC - SLACK_SEC;
        l.lim_start = from_sec > SLACK_SEC ? from_sec - SLACK_SEC : 0;
        l.lim_end = until_sec + SLACK_SEC;

        for (char *const *p = paths; p && *p; p++) {
                struct stat st;
                int r;

                if (stat(*p, &st) < 0) {
                        reportf(&l, *p, 0, "cannot open: %s", strerror(errno));
                        continue;
                }
                r = S_ISDIR(st.st_mode) ? load_folder(&l, *p) : load_file(&l, *p);
                if (r < 0) {
                        free(l.v);
                        return r;
                }
        }

        merge(&l);
        if (l.n == 0) {
                free(l.v);
                l.v = NULL;
        }
        *ret = l.v;
        *ret_n = l.n;
        return 0;
}
