/* Tests for the limber.conf value parsers (parse.h): what each accepts, what it
 * stores, and the error code and phrase a user sees for what it refuses. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "check.h"
#include "parse.h"
#include "util.h"

/* The phrases users see after "invalid <type> '<value>': ". */
#define WHY_DUR_EMPTY    "empty value"
#define WHY_DUR_NUMBER   "expected a number followed by a unit (ms, s, min, h, d, w)"
#define WHY_DUR_MISSING  "missing unit (ms, s, min, h, d or w)"
#define WHY_DUR_UNKNOWN  "unknown unit (use ms, s, min, h, d or w)"
#define WHY_DUR_BIGNUM   "number too large"
#define WHY_DUR_TOOLONG  "duration too long"
#define WHY_WIN_SHAPE    "expected HH:MM-HH:MM"
#define WHY_WIN_RANGE    "expected HH:MM-HH:MM with hours 00-24 and minutes 00-59"
#define WHY_WIN_EMPTY    "the window is empty"
#define WHY_PCT_SHAPE    "expected a percentage such as 10%"
#define WHY_PCT_RANGE    "out of range (0% to 1000%)"
#define WHY_NAN          "not a number"
#define WHY_EMPTY        "empty value"
#define WHY_RANGE        "out of range"
#define WHY_BOOL         "expected true or false"
#define WHY_UINT         "expected a whole number"
#define WHY_LISTEN_SHAPE "expected ADDRESS, ADDRESS:PORT or off"
#define WHY_LISTEN_V6    "expected [ADDRESS]:PORT"
#define WHY_LISTEN_NOHOST "expected a numeric address before the port"
#define WHY_LISTEN_ADDR  "the address must be a numeric IPv4 or IPv6 address"
#define WHY_LISTEN_PORT  "the port must be a number from 0 to 65535"

/* A sentinel the parsers must leave alone when they refuse a value. */
#define UNTOUCHED UINT64_C(0xdeadbeef)

static void test_duration(void) {
        static const struct {
                const char *s;
                int r;
                usec_t value;
                const char *why;
        } tests[] = {
                /* every unit and its long spelling */
                { "250ms",              0, 250 * USEC_PER_MSEC, NULL },
                { "250msec",            0, 250 * USEC_PER_MSEC, NULL },
                { "45s",                0, 45 * USEC_PER_SEC, NULL },
                { "45sec",              0, 45 * USEC_PER_SEC, NULL },
                { "30min",              0, 30 * USEC_PER_MIN, NULL },
                { "2h",                 0, 2 * USEC_PER_HOUR, NULL },
                { "2d",                 0, 2 * USEC_PER_DAY, NULL },
                { "8w",                 0, 8 * USEC_PER_WEEK, NULL },
                { "0s",                 0, 0, NULL },
                /* zero alone needs no unit */
                { "0",                  0, 0, NULL },
                { " 0 ",                0, 0, NULL },
                { "00",                 0, 0, NULL },
                /* sums, with and without spaces, as systemd spells them */
                { "1h 30min",           0, 90 * USEC_PER_MIN, NULL },
                { "1h30min",            0, 90 * USEC_PER_MIN, NULL },
                { "1w 1d 1h 1min 1s 1ms", 0, USEC_PER_WEEK + USEC_PER_DAY + USEC_PER_HOUR +
                                             USEC_PER_MIN + USEC_PER_SEC + USEC_PER_MSEC, NULL },
                { "2h 2h",              0, 4 * USEC_PER_HOUR, NULL },
                { "5 min",              0, 5 * USEC_PER_MIN, NULL },
                { "  1h\t30min  ",      0, 90 * USEC_PER_MIN, NULL },
                /* the largest value that still fits, one unit below the overflow */
                { "18446744073709551ms", 0, UINT64_C(18446744073709551) * USEC_PER_MSEC, NULL },
                { "30500568w",          0, UINT64_C(30500568) * USEC_PER_WEEK, NULL },

                { "",                   -EINVAL, 0, WHY_DUR_EMPTY },
                { "   ",                -EINVAL, 0, WHY_DUR_EMPTY },
                { "30",                 -EINVAL, 0, WHY_DUR_MISSING },
                { "30 ",                -EINVAL, 0, WHY_DUR_MISSING },
                { "1h 30",              -EINVAL, 0, WHY_DUR_MISSING },
                { "1h 0",               -EINVAL, 0, WHY_DUR_MISSING },
                { "0 1h",               -EINVAL, 0, WHY_DUR_MISSING },
                { "1",                  -EINVAL, 0, WHY_DUR_MISSING },
                { "5m",                 -EINVAL, 0, WHY_DUR_UNKNOWN },
                { "5 minutes",          -EINVAL, 0, WHY_DUR_UNKNOWN },
                { "5H",                 -EINVAL, 0, WHY_DUR_UNKNOWN },
                { "5us",                -EINVAL, 0, WHY_DUR_UNKNOWN },
                { "1.5h",               -EINVAL, 0, WHY_DUR_UNKNOWN },
                { "h",                  -EINVAL, 0, WHY_DUR_NUMBER },
                { "min5",               -EINVAL, 0, WHY_DUR_NUMBER },
                { "-5s",                -EINVAL, 0, WHY_DUR_NUMBER },
                { "+5s",                -EINVAL, 0, WHY_DUR_NUMBER },
                { "1h, 30min",          -EINVAL, 0, WHY_DUR_UNKNOWN },
                { "18446744073709551616s", -ERANGE, 0, WHY_DUR_BIGNUM },
                { "18446744073709551ms 1ms", -ERANGE, 0, WHY_DUR_TOOLONG },
                { "18446744073709552ms", -ERANGE, 0, WHY_DUR_TOOLONG },
                { "30500569w",          -ERANGE, 0, WHY_DUR_TOOLONG },
                { "30500568w 30500568w", -ERANGE, 0, WHY_DUR_TOOLONG },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                usec_t v = UNTOUCHED;
                const char *why = NULL;

                CHECK_CONTEXT("duration '%s'", tests[i].s);
                CHECK_INT(limber_parse_duration(tests[i].s, &v, &why), tests[i].r);
                CHECK_U64(v, tests[i].r == 0 ? tests[i].value : UNTOUCHED);
                if (tests[i].r < 0)
                        CHECK_STR(why, tests[i].why);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_window(void) {
        static const struct {
                const char *s;
                int r;
                unsigned start, end;
                const char *why;
        } tests[] = {
                { "09:00-17:30",        0, 9 * 60, 17 * 60 + 30, NULL },
                { "9:00-17:30",         0, 9 * 60, 17 * 60 + 30, NULL },
                { "18:30-21:00",        0, 18 * 60 + 30, 21 * 60, NULL },
                { " 08:00 - 12:00 ",    0, 8 * 60, 12 * 60, NULL },
                /* end before start: the window wraps past midnight */
                { "22:00-07:00",        0, 22 * 60, 7 * 60, NULL },
                { "23:59-00:00",        0, 23 * 60 + 59, 0, NULL },
                /* 24:00 ends a day; as a start it is the next midnight */
                { "18:30-24:00",        0, 18 * 60 + 30, 24 * 60, NULL },
                { "00:00-24:00",        0, 0, 24 * 60, NULL },
                { "24:00-07:00",        0, 0, 7 * 60, NULL },

                { "",                   -EINVAL, 0, 0, WHY_WIN_SHAPE },
                { "08:00",              -EINVAL, 0, 0, WHY_WIN_SHAPE },
                { "08:00 12:00",        -EINVAL, 0, 0, WHY_WIN_SHAPE },
                { "25:00-07:00",        -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "24:01-07:00",        -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "07:00-24:30",        -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "08:60-09:00",        -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "08:00-09:99",        -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "8-9",                -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "0800-0900",          -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "08:0-09:00",         -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "008:00-09:00",       -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "+8:00-09:00",        -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "8h-9h",              -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "08:00-",             -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "-08:00",             -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "08:00-09:00-10:00",  -EINVAL, 0, 0, WHY_WIN_RANGE },
                { "08:00-08:00",        -EINVAL, 0, 0, WHY_WIN_EMPTY },
                { "00:00-00:00",        -EINVAL, 0, 0, WHY_WIN_EMPTY },
                { "24:00-00:00",        -EINVAL, 0, 0, WHY_WIN_EMPTY },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                struct limber_window w = { 9999, 9999 };
                const char *why = NULL;

                CHECK_CONTEXT("window '%s'", tests[i].s);
                CHECK_INT(limber_parse_window(tests[i].s, &w, &why), tests[i].r);
                CHECK_INT(w.start, tests[i].r == 0 ? tests[i].start : 9999);
                CHECK_INT(w.end, tests[i].r == 0 ? tests[i].end : 9999);
                if (tests[i].r < 0)
                        CHECK_STR(why, tests[i].why);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_percent(void) {
        static const struct {
                const char *s;
                int r;
                double value;
                const char *why;
        } tests[] = {
                { "10%",        0, 0.10, NULL },
                { "0%",         0, 0.0, NULL },
                { "12.5%",      0, 0.125, NULL },
                { "1000%",      0, 10.0, NULL },
                { "10 %",       0, 0.10, NULL },
                { " 10% ",      0, 0.10, NULL },

                /* the sign is what tells 10% from a ratio of 10 */
                { "10",         -EINVAL, 0, WHY_PCT_SHAPE },
                { "0.1",        -EINVAL, 0, WHY_PCT_SHAPE },
                { "",           -EINVAL, 0, WHY_PCT_SHAPE },
                { "%10",        -EINVAL, 0, WHY_PCT_SHAPE },
                { "%",          -EINVAL, 0, WHY_EMPTY },
                { "ten%",       -EINVAL, 0, WHY_NAN },
                { "10%%",       -EINVAL, 0, WHY_NAN },
                { "nan%",       -EINVAL, 0, WHY_NAN },
                { "inf%",       -EINVAL, 0, WHY_NAN },
                { "1000.1%",    -ERANGE, 0, WHY_PCT_RANGE },
                { "-1%",        -ERANGE, 0, WHY_PCT_RANGE },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                double d = -42;
                const char *why = NULL;

                CHECK_CONTEXT("percent '%s'", tests[i].s);
                CHECK_INT(limber_parse_percent(tests[i].s, &d, &why), tests[i].r);
                CHECK_DOUBLE(d, tests[i].r == 0 ? tests[i].value : -42);
                if (tests[i].r < 0)
                        CHECK_STR(why, tests[i].why);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_bool(void) {
        static const struct {
                const char *s;
                int r;
                bool value;
        } tests[] = {
                { "1", 0, true }, { "yes", 0, true }, { "y", 0, true }, { "true", 0, true }, { "on", 0, true },
                { "TRUE", 0, true }, { "Yes", 0, true }, { "ON", 0, true },
                { "0", 0, false }, { "no", 0, false }, { "n", 0, false }, { "false", 0, false }, { "off", 0, false },
                { "FALSE", 0, false }, { "Off", 0, false },

                { "", -EINVAL, false }, { "2", -EINVAL, false }, { "yess", -EINVAL, false },
                { "enabled", -EINVAL, false }, { " yes", -EINVAL, false }, { "t", -EINVAL, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                /* Start from the opposite, so a parser that stores nothing is caught. */
                bool b = !tests[i].value;
                const char *why = NULL;

                CHECK_CONTEXT("bool '%s'", tests[i].s);
                CHECK_INT(limber_parse_bool(tests[i].s, &b, &why), tests[i].r);
                if (tests[i].r == 0)
                        CHECK_INT(b, tests[i].value);
                else {
                        CHECK_INT(b, !tests[i].value);
                        CHECK_STR(why, WHY_BOOL);
                }
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_uint(void) {
        static const struct {
                const char *s;
                unsigned min, max;
                int r;
                unsigned value;
                const char *why;
        } tests[] = {
                { "0",          0, 14, 0, 0, NULL },
                { "14",         0, 14, 0, 14, NULL },
                { "10",         10, 20, 0, 10, NULL },
                { " 7 ",        0, 14, 0, 7, NULL },
                { "007",        0, 14, 0, 7, NULL },
                { "4294967295", 0, UINT_MAX, 0, UINT_MAX, NULL },

                { "15",         0, 14, -ERANGE, 0, WHY_RANGE },
                { "9",          10, 20, -ERANGE, 0, WHY_RANGE },
                { "4294967296", 0, UINT_MAX, -ERANGE, 0, WHY_RANGE },
                { "99999999999999999999999", 0, UINT_MAX, -ERANGE, 0, WHY_RANGE },

                { "",           0, 14, -EINVAL, 0, WHY_UINT },
                { "-1",         0, 14, -EINVAL, 0, WHY_UINT },
                { "+1",         0, 14, -EINVAL, 0, WHY_UINT },
                { "1.5",        0, 14, -EINVAL, 0, WHY_UINT },
                { "12abc",      0, 14, -EINVAL, 0, WHY_UINT },
                { "0x10",       0, 100, -EINVAL, 0, WHY_UINT },
                { "two",        0, 14, -EINVAL, 0, WHY_UINT },
                { "1 2",        0, 14, -EINVAL, 0, WHY_UINT },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                unsigned u = 4242;
                const char *why = NULL;

                CHECK_CONTEXT("uint '%s' in %u..%u", tests[i].s, tests[i].min, tests[i].max);
                CHECK_INT(limber_parse_uint(tests[i].s, tests[i].min, tests[i].max, &u, &why), tests[i].r);
                CHECK_U64(u, tests[i].r == 0 ? tests[i].value : 4242);
                if (tests[i].r < 0)
                        CHECK_STR(why, tests[i].why);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_double(void) {
        static const struct {
                const char *s;
                double min, max;
                int r;
                double value;
                const char *why;
        } tests[] = {
                { "1.3",        1, 10, 0, 1.3, NULL },
                { "1",          1, 10, 0, 1.0, NULL },
                { "10",         1, 10, 0, 10.0, NULL },
                { " 2.5 ",      1, 10, 0, 2.5, NULL },
                { "-0.5",       -1, 1, 0, -0.5, NULL },
                { "1e1",        1, 10, 0, 10.0, NULL },

                { "0.99",       1, 10, -ERANGE, 0, WHY_RANGE },
                { "10.01",      1, 10, -ERANGE, 0, WHY_RANGE },
                { "-1",         0, 10, -ERANGE, 0, WHY_RANGE },

                /* not finite: rejected even though the bounds are the widest possible */
                { "nan",        -1e308, 1e308, -EINVAL, 0, WHY_NAN },
                { "NaN",        -1e308, 1e308, -EINVAL, 0, WHY_NAN },
                { "inf",        -1e308, 1e308, -EINVAL, 0, WHY_NAN },
                { "-inf",       -1e308, 1e308, -EINVAL, 0, WHY_NAN },
                { "infinity",   -1e308, 1e308, -EINVAL, 0, WHY_NAN },
                { "1e999",      -1e308, 1e308, -EINVAL, 0, WHY_NAN },

                { "",           1, 10, -EINVAL, 0, WHY_EMPTY },
                { "  ",         1, 10, -EINVAL, 0, WHY_EMPTY },
                { "abc",        1, 10, -EINVAL, 0, WHY_NAN },
                { "1.5x",       1, 10, -EINVAL, 0, WHY_NAN },
                { "1,5",        1, 10, -EINVAL, 0, WHY_NAN },
                { "1.3 2",      1, 10, -EINVAL, 0, WHY_NAN },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                double d = -42;
                const char *why = NULL;

                CHECK_CONTEXT("double '%s' in %g..%g", tests[i].s, tests[i].min, tests[i].max);
                CHECK_INT(limber_parse_double(tests[i].s, tests[i].min, tests[i].max, &d, &why), tests[i].r);
                CHECK_DOUBLE(d, tests[i].r == 0 ? tests[i].value : -42);
                if (tests[i].r < 0)
                        CHECK_STR(why, tests[i].why);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_listen(void) {
        static const struct {
                const char *s;
                int r;
                bool enabled;
                const char *host;
                unsigned port;
                bool loopback;
                const char *why;
        } tests[] = {
                { "off",                0, false, "", 0, false, NULL },
                { "OFF",                0, false, "", 0, false, NULL },
                { "no",                 0, false, "", 0, false, NULL },
                { "false",              0, false, "", 0, false, NULL },
                { "127.0.0.1:8737",     0, true, "127.0.0.1", 8737, true, NULL },
                { "127.1.2.3:80",       0, true, "127.1.2.3", 80, true, NULL },
                { "127.0.0.1:65535",    0, true, "127.0.0.1", 65535, true, NULL },
                { "[::1]:0",            0, true, "::1", 0, true, NULL },
                { "[::1]:8737",         0, true, "::1", 8737, true, NULL },
                /* accepted, but not loopback: the daemon decides what to do with those */
                { "0.0.0.0:8737",       0, true, "0.0.0.0", 8737, false, NULL },
                { "192.168.1.10:8080",  0, true, "192.168.1.10", 8080, false, NULL },
                { "[::]:8737",          0, true, "::", 8737, false, NULL },
                { "[fe80::1]:8737",     0, true, "fe80::1", 8737, false, NULL },

                { "",                   -EINVAL, false, NULL, 0, false, WHY_LISTEN_SHAPE },
                { "on",                 -EINVAL, false, NULL, 0, false, WHY_LISTEN_SHAPE },
                { "8737",               -EINVAL, false, NULL, 0, false, WHY_LISTEN_SHAPE },
                { ":8737",              -EINVAL, false, NULL, 0, false, WHY_LISTEN_NOHOST },
                { "[]:8737",            -EINVAL, false, NULL, 0, false, WHY_LISTEN_NOHOST },
                { "[127.0.0.1]",        -EINVAL, false, NULL, 0, false, WHY_LISTEN_V6 },
                { "[::1",               -EINVAL, false, NULL, 0, false, WHY_LISTEN_V6 },
                { "127.0.0.1x",         -EINVAL, false, NULL, 0, false, WHY_LISTEN_SHAPE },
                { "[::1]8737",          -EINVAL, false, NULL, 0, false, WHY_LISTEN_V6 },
                { "[::1:8737",          -EINVAL, false, NULL, 0, false, WHY_LISTEN_V6 },
                { "localhost:8737",     -EINVAL, false, NULL, 0, false, WHY_LISTEN_ADDR },
                { "example.org:80",     -EINVAL, false, NULL, 0, false, WHY_LISTEN_ADDR },
                { "[localhost]:80",     -EINVAL, false, NULL, 0, false, WHY_LISTEN_ADDR },
                { "256.0.0.1:80",       -EINVAL, false, NULL, 0, false, WHY_LISTEN_ADDR },
                { "127.0.0.1:65536",    -EINVAL, false, NULL, 0, false, WHY_LISTEN_PORT },
                { "127.0.0.1:",         -EINVAL, false, NULL, 0, false, WHY_LISTEN_PORT },
                { "127.0.0.1:-1",       -EINVAL, false, NULL, 0, false, WHY_LISTEN_PORT },
                { "127.0.0.1:http",     -EINVAL, false, NULL, 0, false, WHY_LISTEN_PORT },
                { "[::1]:99999",        -EINVAL, false, NULL, 0, false, WHY_LISTEN_PORT },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                struct limber_listen l = { .enabled = true, .host = "sentinel", .port = 4242 };
                const char *why = NULL;

                CHECK_CONTEXT("listen '%s'", tests[i].s);
                CHECK_INT(limber_parse_listen(tests[i].s, &l, &why), tests[i].r);
                if (tests[i].r == 0) {
                        CHECK_INT(l.enabled, tests[i].enabled);
                        CHECK_STR(l.host, tests[i].host);
                        CHECK_INT(l.port, tests[i].port);
                        CHECK_INT(limber_listen_is_loopback(&l), tests[i].loopback);
                } else {
                        CHECK_STR(why, tests[i].why);
                        /* a refused value leaves the previous setting in place */
                        CHECK_STR(l.host, "sentinel");
                        CHECK_INT(l.port, 4242);
                }
        }
        CHECK_CONTEXT_CLEAR();
}

/* An address alone asks for a port of limber's own; with a port it is used as given. */
static void test_listen_own_port(void) {
        static const struct {
                const char *s;
                const char *host;
                bool own;
                bool loopback;
        } tests[] = {
                { "127.0.0.1",          "127.0.0.1", true, true },
                { "127.0.0.2",          "127.0.0.2", true, true },
                { "::1",                "::1", true, true },
                { "[::1]",              "::1", true, true },
                { "0.0.0.0",            "0.0.0.0", true, false },
                { "fe80::8737",         "fe80::8737", true, false },
                { "127.0.0.1:8737",     "127.0.0.1", false, true },
                { "127.0.0.1:0",        "127.0.0.1", false, true },
                { "[::1]:8737",         "::1", false, true },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                struct limber_listen l = { .enabled = false, .host = "sentinel", .port = 4242, .own_port = true };
                const char *why = NULL;

                CHECK_CONTEXT("listen '%s'", tests[i].s);
                CHECK_INT(limber_parse_listen(tests[i].s, &l, &why), 0);
                CHECK_INT(l.enabled, true);
                CHECK_STR(l.host, tests[i].host);
                CHECK_INT(l.own_port, tests[i].own);
                if (tests[i].own)
                        CHECK_INT(l.port, 0);
                CHECK_INT(limber_listen_is_loopback(&l), tests[i].loopback);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_loopback(void) {
        static const struct {
                const char *host;
                bool loopback;
        } tests[] = {
                { "127.0.0.1", true },
                { "127.0.0.0", true },
                { "127.255.255.255", true },
                { "::1", true },
                { "126.255.255.255", false },
                { "128.0.0.1", false },
                { "0.0.0.0", false },
                { "10.0.0.1", false },
                { "::", false },
                { "::2", false },
                { "", false },
                { "localhost", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                struct limber_listen l = { .enabled = true, .port = 8737 };

                CHECK_CONTEXT("loopback '%s'", tests[i].host);
                snprintf(l.host, sizeof l.host, "%s", tests[i].host);
                CHECK_INT(limber_listen_is_loopback(&l), tests[i].loopback);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_format_duration(void) {
        static const struct {
                usec_t d;
                const char *s;
        } tests[] = {
                { 0, "0s" },
                { USEC_PER_MSEC, "1ms" },
                { 250 * USEC_PER_MSEC, "250ms" },
                { USEC_PER_SEC, "1s" },
                { 45 * USEC_PER_SEC, "45s" },
                { 90 * USEC_PER_SEC, "1min 30s" },
                { 30 * USEC_PER_MIN, "30min" },
                { 90 * USEC_PER_MIN, "1h 30min" },
                { USEC_PER_DAY, "1d" },
                { 14 * USEC_PER_DAY, "2w" },
                { 366 * USEC_PER_DAY, "52w 2d" },
                { USEC_PER_WEEK + USEC_PER_DAY + USEC_PER_HOUR + USEC_PER_MIN + USEC_PER_SEC + USEC_PER_MSEC,
                  "1w 1d 1h 1min 1s 1ms" },
                { 2 * USEC_PER_HOUR + 5 * USEC_PER_SEC, "2h 5s" },
        };

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                char buf[64];
                usec_t back = UNTOUCHED;
                const char *why = NULL;

                CHECK_CONTEXT("format %" PRIu64, tests[i].d);
                CHECK(limber_format_duration(tests[i].d, buf, sizeof buf) == buf);
                CHECK_STR(buf, tests[i].s);
                /* What limberctl and the messages print must read back as the same value. */
                CHECK_INT(limber_parse_duration(buf, &back, &why), 0);
                CHECK_U64(back, tests[i].d);
        }
        CHECK_CONTEXT_CLEAR();

        /* A short buffer is truncated, terminated, and never overrun. */
        char small[16];
        memset(small, 'X', sizeof small);
        CHECK_STR(limber_format_duration(90 * USEC_PER_MIN, small, 8), "1h 30mi");
        CHECK_INT(small[8], 'X');

        memset(small, 'X', sizeof small);
        CHECK_STR(limber_format_duration(USEC_PER_WEEK + USEC_PER_DAY, small, 3), "1w");
        CHECK_INT(small[3], 'X');

        memset(small, 'X', sizeof small);
        CHECK_STR(limber_format_duration(0, small, 2), "0");
        CHECK_INT(small[2], 'X');
}

/* Spans as a person reads them: whole minutes, and whole seconds under a minute. */
static void test_format_span(void) {
        static const struct {
                usec_t d;
                const char *s;
        } tests[] = {
                { 0, "0s" },
                { 400 * USEC_PER_MSEC, "0s" },
                { 3 * USEC_PER_SEC + 500 * USEC_PER_MSEC, "3s" },
                { 59 * USEC_PER_SEC, "59s" },
                { USEC_PER_MIN, "1min" },
                { 12 * USEC_PER_MIN + 59 * USEC_PER_SEC, "12min" },
                { 65 * USEC_PER_MIN + 30 * USEC_PER_SEC, "1h 5min" },
        };
        char buf[64];

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                CHECK_CONTEXT("%s", tests[i].s);
                CHECK_STR(limber_format_span(tests[i].d, buf, sizeof buf), tests[i].s);
        }
        CHECK_CONTEXT_CLEAR();
}

int main(void) {
        test_duration();
        test_window();
        test_percent();
        test_bool();
        test_uint();
        test_double();
        test_listen();
        test_listen_own_port();
        test_loopback();
        test_format_duration();
        test_format_span();
        return check_summary("test-parse");
}
