/* Tests for limberctl's pure parts: the TIME arguments it reads (in Europe/Berlin,
 * across both DST changes), the local times it prints, and its JSON and Pango
 * escaping. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "limberctl.h"

#define S(x) ((usec_t) (x) * USEC_PER_SEC)

/* Monday 23 November 2026, 10:00 in Berlin (CET). */
#define MONDAY_10 S(1795424400)

static void test_parse_time(void) {
        static const struct {
                const char *s;
                usec_t now;
                int r;
                usec_t value;
        } tests[] = {
                { "now",              MONDAY_10, 0, MONDAY_10 },
                { "today",            MONDAY_10, 0, S(1795388400) },
                { "yesterday",        MONDAY_10, 0, S(1795302000) },
                { "tomorrow",         MONDAY_10, 0, S(1795474800) },
                { "18:30",            MONDAY_10, 0, S(1795455000) },
                { "7:05",             MONDAY_10, 0, S(1795413900) },
                { "07:05",            MONDAY_10, 0, S(1795413900) },
                { "00:00",            MONDAY_10, 0, S(1795388400) },
                { "2026-11-22",       MONDAY_10, 0, S(1795302000) },
                { "2026-11-22 09:00", MONDAY_10, 0, S(1795334400) },
                { "2026-11-22T09:00", MONDAY_10, 0, S(1795334400) },
                /* The spring change: the day has 23 hours, midnight is still midnight. */
                { "tomorrow",         S(1774695600), 0, S(1774738800) },
                { "2026-03-29 12:00", MONDAY_10, 0, S(1774778400) },
                { "2026-03-29 03:00", MONDAY_10, 0, S(1774746000) },
                /* The autumn change: 25 hours. */
                { "tomorrow",         S(1792879200) + S(12 * 3600), 0, S(1792969200) },
                /* What is not a time. */
                { "",                 MONDAY_10, -1, 0 },
                { "noon",             MONDAY_10, -1, 0 },
                { "Now",              MONDAY_10, -1, 0 },
                { "24:00",            MONDAY_10, -1, 0 },
                { "9:60",             MONDAY_10, -1, 0 },
                { "10:0",             MONDAY_10, -1, 0 },
                { "100:00",           MONDAY_10, -1, 0 },
                { "2026-02-30",       MONDAY_10, -1, 0 },
                { "2026-13-01",       MONDAY_10, -1, 0 },
                { "2026-00-10",       MONDAY_10, -1, 0 },
                { "2026-11-22 25:00", MONDAY_10, -1, 0 },
                { "2026-11-22  09:00", MONDAY_10, -1, 0 },
                { "2026-11-22 09:00x", MONDAY_10, -1, 0 },
                { "2026-11-22 9",     MONDAY_10, -1, 0 },
                { "2026-11-22x",      MONDAY_10, -1, 0 },
                { "26-11-22",         MONDAY_10, -1, 0 },
                { "2026-1-22",        MONDAY_10, -1, 0 },
                { "1969-12-31",       MONDAY_10, -1, 0 },
                { " today",           MONDAY_10, -1, 0 },
        };

        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
                usec_t value = 12345;
                CHECK_CONTEXT("ctl_parse_time(\"%s\")", tests[i].s);
                int r = ctl_parse_time(tests[i].s, tests[i].now, &value);
                CHECK_INT(r < 0 ? -1 : 0, tests[i].r);
                CHECK_U64(value, tests[i].r == 0 ? tests[i].value : 12345);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_format(void) {
        char buf[CTL_TIME_MAX];

        CHECK_STR(ctl_format_time(S(1795455000), buf), "Mon 23 Nov 18:30");
        CHECK_STR(ctl_format_date(S(1795455000), buf), "Mon 23 Nov");
        CHECK_STR(ctl_format_clock(S(1795455000), buf), "18:30");
        CHECK_STR(ctl_format_range(S(1795455000), S(1795455000 + 900), buf), "Mon 23 Nov 18:30-18:45");
        /* Ending at midnight is ending that day; later is another day. */
        CHECK_STR(ctl_format_range(S(1795473000), S(1795474800), buf), "Mon 23 Nov 23:30-24:00");
        CHECK_STR(ctl_format_range(S(1795473000), S(1795475700), buf), "Mon 23 Nov 23:30-Tue 24 Nov 00:15");

        CHECK_STR(ctl_format_when(S(1795455000), MONDAY_10, buf), "18:30");
        CHECK_STR(ctl_format_when(S(1795455000 + 86400), MONDAY_10, buf), "Tue 18:30");
        CHECK_STR(ctl_format_when(S(1795973400), MONDAY_10, buf), "Sun 18:30");
        CHECK_STR(ctl_format_when(S(1796059800), MONDAY_10, buf), "Mon 30 Nov 18:30");
        CHECK_STR(ctl_format_when(S(1795455000 - 86400), MONDAY_10, buf), "Sun 22 Nov 18:30");

        /* Under a minute in seconds, never "0min". */
        CHECK_STR(ctl_format_minutes(0, buf), "0s");
        CHECK_STR(ctl_format_minutes(S(59) + 999999, buf), "59s");
        CHECK_STR(ctl_format_minutes(S(60), buf), "1min");
        CHECK_STR(ctl_format_minutes(S(119), buf), "1min");
        CHECK_STR(ctl_format_minutes(S(12 * 60 + 30), buf), "12min");
        CHECK_STR(ctl_format_minutes(S(65 * 60), buf), "1h 5min");

        CHECK_U64(ctl_start_of_day(MONDAY_10), S(1795388400));
}

static char *json_string(const char *s) {
        static char buf[256];
        FILE *f = fmemopen(buf, sizeof buf, "w");
        ctl_json_string(f, s);
        fclose(f);
        return buf;
}

static char *json_double(double d) {
        static char buf[64];
        FILE *f = fmemopen(buf, sizeof buf, "w");
        ctl_json_double(f, d);
        fclose(f);
        return buf;
}

static char *json_key(const char *s) {
        static char buf[256];
        FILE *f = fmemopen(buf, sizeof buf, "w");
        ctl_json_key(f, s);
        fclose(f);
        return buf;
}

static void test_json(void) {
        /* One key style in every --json: the D-Bus names in snake_case. */
        CHECK_STR(json_key("NextSessionId"), "\"next_session_id\"");
        CHECK_STR(json_key("Version"), "\"version\"");
        CHECK_STR(json_key("WeekSmrDone"), "\"week_smr_done\"");
        CHECK_STR(json_key("LastModified"), "\"last_modified\"");
        CHECK_STR(json_key("FeedURLPath"), "\"feed_url_path\"");
        CHECK_STR(json_key("Week2Minutes"), "\"week2_minutes\"");
        CHECK_STR(json_key("distance_m"), "\"distance_m\"");
        CHECK_STR(json_key("a\"b"), "\"a_b\"");

        CHECK_STR(json_string(""), "\"\"");
        CHECK_STR(json_string("Brisk walk"), "\"Brisk walk\"");
        CHECK_STR(json_string("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
        CHECK_STR(json_string("1\n2\t3\r\b\f"), "\"1\\n2\\t3\\r\\b\\f\"");
        CHECK_STR(json_string("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
        CHECK_STR(json_string("Bäume – 18:30"), "\"Bäume – 18:30\"");

        CHECK_STR(json_double(8400), "8400");
        CHECK_STR(json_double(10000.5), "10000.5");
        CHECK_STR(json_double(0.1), "0.1");
        CHECK_STR(json_double(0), "0");
        CHECK_STR(json_double(1.0 / 3), "0.3333333333333333");
        CHECK(strtod(json_double(6.6), NULL) == 6.6);
        CHECK_STR(json_double(NAN), "null");
        CHECK_STR(json_double(INFINITY), "null");

        char *e = ctl_markup_escape("Back & legs <now>");
        CHECK_STR(e, "Back &amp; legs &lt;now&gt;");
        free(e);
        e = ctl_markup_escape("");
        CHECK_STR(e, "");
        free(e);
}

int main(void) {
        setenv("TZ", "Europe/Berlin", 1);
        tzset();

        test_parse_time();
        test_format();
        test_json();
        return check_summary("limberctl");
}
