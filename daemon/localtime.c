/* Local calendar arithmetic: days, ISO weeks and times of day in the process's time zone. */
#include "localtime.h"

#include <stdio.h>
#include <time.h>

/* Howard Hinnant's days_from_civil and civil_from_days: exact for the proleptic
 * Gregorian calendar, no tables. */
int limber_days_from_civil(int y, unsigned m, unsigned d) {
        y -= m <= 2;
        const int era = (y >= 0 ? y : y - 399) / 400;
        const unsigned yoe = (unsigned) (y - era * 400);
        const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int) doe - 719468;
}

void limber_civil_from_days(int z, int *y, unsigned *m, unsigned *d) {
        z += 719468;
        const int era = (z >= 0 ? z : z - 146096) / 146097;
        const unsigned doe = (unsigned) (z - era * 146097);
        const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        const unsigned mp = (5 * doy + 2) / 153;
        *d = doy - (153 * mp + 2) / 5 + 1;
        *m = mp < 10 ? mp + 3 : mp - 9;
        *y = (int) yoe + era * 400 + (*m <= 2);
}

unsigned limber_weekday(int day) {
        /* 1970-01-01 was a Thursday (3). */
        return (unsigned) (((day % 7) + 7 + 3) % 7);
}

int limber_week_monday(int day) {
        return day - (int) limber_weekday(day);
}

void limber_iso_week(int day, int *year, unsigned *week) {
        int thursday = limber_week_monday(day) + 3;
        int y;
        unsigned m, d;
        limber_civil_from_days(thursday, &y, &m, &d);
        *year = y;
        *week = (unsigned) ((thursday - limber_days_from_civil(y, 1, 1)) / 7 + 1);
}

int limber_local_day(usec_t t) {
        time_t s = (time_t) (t / USEC_PER_SEC);
        struct tm tm;
        localtime_r(&s, &tm);
        return limber_days_from_civil(tm.tm_year + 1900, (unsigned) tm.tm_mon + 1, (unsigned) tm.tm_mday);
}

unsigned limber_local_minute(usec_t t) {
        time_t s = (time_t) (t / USEC_PER_SEC);
        struct tm tm;
        localtime_r(&s, &tm);
        return (unsigned) (tm.tm_hour * 60 + tm.tm_min);
}

usec_t limber_local_time(int day, unsigned minute) {
        int y;
        unsigned m, d;
        limber_civil_from_days(day + (int) (minute / 1440), &y, &m, &d);
        minute %= 1440;

        struct tm tm = {
                .tm_year = y - 1900,
                .tm_mon = (int) m - 1,
                .tm_mday = (int) d,
                .tm_hour = (int) (minute / 60),
                .tm_min = (int) (minute % 60),
                .tm_isdst = -1,
        };
        time_t s = mktime(&tm);
        return s < 0 ? 0 : (usec_t) s * USEC_PER_SEC;
}

void limber_format_day(int day, char *buf) {
        int y;
        unsigned m, d;
        limber_civil_from_days(day, &y, &m, &d);
        snprintf(buf, 9, "%04d%02u%02u", y, m, d);
}
