/* Local calendar arithmetic: days, ISO weeks and times of day in the process's time
 * zone (TZ, set from [schedule] timezone). Days are counted from 1970-01-01. Pure but
 * for the zone, which tests set through TZ. */
#pragma once

#include "parse.h"

int limber_days_from_civil(int y, unsigned m, unsigned d);
void limber_civil_from_days(int days, int *y, unsigned *m, unsigned *d);

/* 0 for Monday to 6 for Sunday. */
unsigned limber_weekday(int day);
/* The Monday of day's ISO week. */
int limber_week_monday(int day);
/* ISO 8601 week-numbering year and week of day. */
void limber_iso_week(int day, int *year, unsigned *week);

/* The local day t falls on. */
int limber_local_day(usec_t t);
/* The instant of minute (0..1440) on local day; a time that a DST change skips
 * moves forward with it. */
usec_t limber_local_time(int day, unsigned minute);
/* Minutes after local midnight of t. */
unsigned limber_local_minute(usec_t t);

/* "YYYYMMDD" into buf (at least 9 bytes). */
void limber_format_day(int day, char *buf);
