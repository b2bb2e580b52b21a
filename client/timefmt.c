/* Times as limberctl reads them on the command line and prints them: local time, as
 * TZ says, through localtime_r and mktime. Day and month names are the C locale's,
 * so the columns they sit in keep their width. */
#include "limberctl.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>

static bool to_local(usec_t t, struct tm *tm) {
        time_t s = (time_t) (t / USEC_PER_SEC);
        return localtime_r(&s, tm) != NULL;
}

/* mktime of a local date and time; false for a date that does not exist (Feb 30). */
static bool from_local(int year, int mon, int mday, int hour, int min, usec_t *ret) {
        struct tm tm = {
                .tm_year = year - 1900,
                .tm_mon = mon - 1,
                .tm_mday = mday,
                .tm_hour = hour,
                .tm_min = min,
                .tm_isdst = -1,
        };
        time_t s = mktime(&tm);
        /* mktime normalises: a changed date means there was no such day. A time in the
         * gap of a DST change moves by an hour, as date(1) and systemd do. */
        if (s == (time_t) -1 || s < 0 || tm.tm_year != year - 1900 || tm.tm_mon != mon - 1 || tm.tm_mday != mday)
                return false;
        *ret = (usec_t) s * USEC_PER_SEC;
        return true;
}

/* Exactly n digits at s. */
static bool digits(const char *s, size_t n, int *ret) {
        int v = 0;
        for (size_t i = 0; i < n; i++) {
                if (!isdigit((unsigned char) s[i]))
                        return false;
                v = v * 10 + (s[i] - '0');
        }
        *ret = v;
        return true;
}

/* "HH:MM" (or "H:MM") filling all of s. */
static bool parse_clock(const char *s, int *hour, int *min) {
        size_t len = strlen(s);
        if ((len != 4 && len != 5) || s[len - 3] != ':')
                return false;
        if (!digits(s, len - 3, hour) || !digits(s + len - 2, 2, min))
                return false;
        return *hour <= 23 && *min <= 59;
}

/* "YYYY-MM-DD" at the start of s; the rest, if any, in *rest. */
static bool parse_date(const char *s, int *year, int *mon, int *mday, const char **rest) {
        if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
                return false;
        if (!digits(s, 4, year) || !digits(s + 5, 2, mon) || !digits(s + 8, 2, mday))
                return false;
        if (*year < 1970 || *mon < 1 || *mon > 12 || *mday < 1 || *mday > 31)
                return false;
        *rest = s + 10;
        return true;
}

static usec_t day_offset(usec_t now, int days, bool *ok) {
        struct tm tm;
        usec_t t = 0;
        *ok = to_local(now, &tm) && from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 0, 0, &t);
        if (*ok && days != 0) {
                /* Through mktime, not 24 h steps, so a DST change keeps midnight. */
                struct tm d = { .tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday + days,
                                .tm_isdst = -1 };
                time_t s = mktime(&d);
                *ok = s != (time_t) -1 && s >= 0;
                t = (usec_t) s * USEC_PER_SEC;
        }
        return t;
}

usec_t ctl_start_of_day(usec_t t) {
        bool ok;
        usec_t d = day_offset(t, 0, &ok);
        return ok ? d : t - t % USEC_PER_DAY;
}

int ctl_parse_time(const char *s, usec_t now, usec_t *ret) {
        static const struct {
                const char *word;
                int days;
        } words[] = {
                { "today", 0 },
                { "yesterday", -1 },
                { "tomorrow", 1 },
        };
        int year, mon, mday, hour = 0, min = 0;
        const char *rest;
        bool ok;

        if (strcmp(s, "now") == 0) {
                *ret = now;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (strcmp(s, words[i].word) == 0) {
                        usec_t t = day_offset(now, words[i].days, &ok);
                        if (!ok)
                                return -EINVAL;
                        *ret = t;
                        return 0;
                }

        if (parse_clock(s, &hour, &min)) {
                struct tm tm;
                if (!to_local(now, &tm) || !from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, hour, min, ret))
                        return -EINVAL;
                return 0;
        }

        if (!parse_date(s, &year, &mon, &mday, &rest))
                return -EINVAL;
        if (*rest != '\0') {
                if (*rest != ' ' && *rest != 'T')
                        return -EINVAL;
                if (!parse_clock(rest + 1, &hour, &min))
                        return -EINVAL;
        }
        return from_local(year, mon, mday, hour, min, ret) ? 0 : -EINVAL;
}

enum shape {
        SHAPE_TIME,             /* Mon 23 Nov 18:30 */
        SHAPE_DATE,             /* Mon 23 Nov */
        SHAPE_CLOCK,            /* 18:30 */
        SHAPE_WEEKDAY_CLOCK,    /* Mon 18:30 */
};

static char *format(usec_t t, enum shape shape, char buf[static CTL_TIME_MAX]) {
        struct tm tm;
        size_t n = 0;

        /* Literal formats, so the compiler checks them. */
        if (to_local(t, &tm))
                switch (shape) {
                case SHAPE_TIME:
                        n = strftime(buf, CTL_TIME_MAX, "%a %d %b %H:%M", &tm);
                        break;
                case SHAPE_DATE:
                        n = strftime(buf, CTL_TIME_MAX, "%a %d %b", &tm);
                        break;
                case SHAPE_CLOCK:
                        n = strftime(buf, CTL_TIME_MAX, "%H:%M", &tm);
                        break;
                case SHAPE_WEEKDAY_CLOCK:
                        n = strftime(buf, CTL_TIME_MAX, "%a %H:%M", &tm);
                        break;
                }
        if (n == 0)
                snprintf(buf, CTL_TIME_MAX, "@%llu", (unsigned long long) (t / USEC_PER_SEC));
        return buf;
}

char *ctl_format_time(usec_t t, char buf[static CTL_TIME_MAX]) {
        return format(t, SHAPE_TIME, buf);
}

char *ctl_format_date(usec_t t, char buf[static CTL_TIME_MAX]) {
        return format(t, SHAPE_DATE, buf);
}

char *ctl_format_clock(usec_t t, char buf[static CTL_TIME_MAX]) {
        return format(t, SHAPE_CLOCK, buf);
}

char *ctl_format_range(usec_t start, usec_t end, char buf[static CTL_TIME_MAX]) {
        char a[CTL_TIME_MAX], b[CTL_TIME_MAX];

        ctl_format_time(start, a);
        /* The end is exclusive: a session that ends at midnight ends that day, at 24:00. */
        if (end > start && ctl_start_of_day(end - 1) == ctl_start_of_day(start)) {
                if (ctl_start_of_day(end) != ctl_start_of_day(start))
                        snprintf(b, sizeof b, "24:00");
                else
                        ctl_format_clock(end, b);
        } else
                ctl_format_time(end, b);
        /* Two times of at most 17 bytes each: the check is for the compiler. */
        if (snprintf(buf, CTL_TIME_MAX, "%s-%s", a, b) >= CTL_TIME_MAX)
                buf[CTL_TIME_MAX - 1] = '\0';
        return buf;
}

char *ctl_format_when(usec_t t, usec_t now, char buf[static CTL_TIME_MAX]) {
        usec_t today = ctl_start_of_day(now), day = ctl_start_of_day(t);

        if (day == today)
                return ctl_format_clock(t, buf);
        if (day > today && day - today < 6 * USEC_PER_DAY + USEC_PER_DAY / 2)
                return format(t, SHAPE_WEEKDAY_CLOCK, buf);
        return ctl_format_time(t, buf);
}

char *ctl_format_minutes(usec_t d, char buf[static CTL_TIME_MAX]) {
        return limber_format_span(d, buf, CTL_TIME_MAX);
}
