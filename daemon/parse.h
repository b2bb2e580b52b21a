/* Parsers for the value types of limber.conf: durations, day windows, percentages,
 * booleans, numbers and listen addresses. Pure: no I/O, no global state.
 *
 * Each returns 0 on success or -EINVAL/-ERANGE, and on failure points *why at a
 * static phrase that completes "invalid <type> '<value>': ...". */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t usec_t;

#define USEC_PER_SEC  UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_MIN  (UINT64_C(60) * USEC_PER_SEC)
#define USEC_PER_HOUR (UINT64_C(60) * USEC_PER_MIN)
#define USEC_PER_DAY  (UINT64_C(24) * USEC_PER_HOUR)
#define USEC_PER_WEEK (UINT64_C(7) * USEC_PER_DAY)

/* A time of day range, in minutes after local midnight. end < start wraps past midnight. */
struct limber_window {
        unsigned start;
        unsigned end;
};

struct limber_listen {
        bool enabled;
        char host[64];          /* numeric IPv4 or IPv6 address, without brackets */
        unsigned port;          /* 0: any free port */
        bool own_port;          /* no port given: one of limber's own, chosen once and kept */
};

/* "45s", "30min", "2h", "2d", "8w", "250ms", also sums such as "1h 30min". */
int limber_parse_duration(const char *s, usec_t *ret, const char **why);
int limber_parse_window(const char *s, struct limber_window *ret, const char **why);
/* "10%" -> 0.10; the percent sign is required. */
int limber_parse_percent(const char *s, double *ret, const char **why);
int limber_parse_bool(const char *s, bool *ret, const char **why);
int limber_parse_uint(const char *s, unsigned min, unsigned max, unsigned *ret, const char **why);
int limber_parse_double(const char *s, double min, double max, double *ret, const char **why);
/* "off", "HOST:PORT" or "[V6HOST]:PORT" with a numeric address, or the address alone
 * ("127.0.0.1", "::1", "[::1]") for a port of limber's own. */
int limber_parse_listen(const char *s, struct limber_listen *ret, const char **why);
/* Whether a listen address is on the loopback interface (127.0.0.0/8 or ::1). */
bool limber_listen_is_loopback(const struct limber_listen *l);

/* Formats a duration the way limber.conf spells it ("1h 30min"), for messages and limberctl. */
char *limber_format_duration(usec_t d, char *buf, unsigned size);
/* A span of time as a person reads it: whole minutes ("12min", "1h 5min"), and whole
 * seconds under a minute ("45s"), so that a short span never reads "0min". */
char *limber_format_span(usec_t d, char *buf, unsigned size);
