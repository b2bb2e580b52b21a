/* Parsers for the value types of limber.conf. Pure: no I/O, no global state. */
#include "parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_space(const char *s) {
        while (*s == ' ' || *s == '\t')
                s++;
        return s;
}

static const struct {
        const char *suffix;
        usec_t factor;
} duration_units[] = {
        /* Longest first, so "min" wins over "m..." and "ms" over "s". */
        { "msec", USEC_PER_MSEC },
        { "ms",   USEC_PER_MSEC },
        { "min",  USEC_PER_MIN },
        { "sec",  USEC_PER_SEC },
        { "s",    USEC_PER_SEC },
        { "h",    USEC_PER_HOUR },
        { "d",    USEC_PER_DAY },
        { "w",    USEC_PER_WEEK },
};

int limber_parse_duration(const char *s, usec_t *ret, const char **why) {
        usec_t total = 0;
        const char *p = skip_space(s);

        if (*p == '\0') {
                *why = "empty value";
                return -EINVAL;
        }

        while (*p != '\0') {
                if (!isdigit((unsigned char) *p)) {
                        *why = "expected a number followed by a unit (ms, s, min, h, d, w)";
                        return -EINVAL;
                }
                errno = 0;
                char *end;
                unsigned long long n = strtoull(p, &end, 10);
                if (errno == ERANGE) {
                        *why = "number too large";
                        return -ERANGE;
                }
                p = skip_space(end);

                size_t len = strcspn(p, " \t0123456789");
                usec_t factor = 0;
                for (size_t i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++)
                        if (strlen(duration_units[i].suffix) == len &&
                            strncmp(p, duration_units[i].suffix, len) == 0) {
                                factor = duration_units[i].factor;
                                break;
                        }
                /* Zero needs no unit, as in systemd: "0" is what limber itself writes
                 * for a zero duration. */
                if (factor == 0 && len == 0 && n == 0 && total == 0 && *skip_space(p) == '\0')
                        factor = 1;
                if (factor == 0) {
                        *why = len == 0 ? "missing unit (ms, s, min, h, d or w)"
                                        : "unknown unit (use ms, s, min, h, d or w)";
                        return -EINVAL;
                }
                if (n > (UINT64_MAX - total) / factor) {
                        *why = "duration too long";
                        return -ERANGE;
                }
                total += n * factor;
                p = skip_space(p + len);
        }

        *ret = total;
        return 0;
}

static int parse_hhmm(const char *s, size_t len, unsigned *ret) {
        /* Exactly H:MM or HH:MM, 00:00 to 24:00. */
        if (len < 4 || len > 5 || s[len - 3] != ':')
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (i != len - 3 && !isdigit((unsigned char) s[i]))
                        return -EINVAL;
        unsigned h = (unsigned) atoi(s), m = (unsigned) atoi(s + len - 2);
        if (m > 59 || h > 24 || (h == 24 && m != 0))
                return -EINVAL;
        *ret = h * 60 + m;
        return 0;
}

int limber_parse_window(const char *s, struct limber_window *ret, const char **why) {
        const char *p = skip_space(s);
        const char *dash = strchr(p, '-');
        if (!dash) {
                *why = "expected HH:MM-HH:MM";
                return -EINVAL;
        }

        size_t len1 = (size_t) (dash - p);
        while (len1 > 0 && isspace((unsigned char) p[len1 - 1]))
                len1--;
        const char *q = skip_space(dash + 1);
        size_t len2 = strlen(q);
        while (len2 > 0 && isspace((unsigned char) q[len2 - 1]))
                len2--;

        struct limber_window w;
        if (parse_hhmm(p, len1, &w.start) < 0 || parse_hhmm(q, len2, &w.end) < 0) {
                *why = "expected HH:MM-HH:MM with hours 00-24 and minutes 00-59";
                return -EINVAL;
        }
        if (w.start == 24 * 60)
                w.start = 0;
        if (w.start == w.end) {
                *why = "the window is empty";
                return -EINVAL;
        }
        *ret = w;
        return 0;
}

int limber_parse_double(const char *s, double min, double max, double *ret, const char **why) {
        const char *p = skip_space(s);
        if (*p == '\0') {
                *why = "empty value";
                return -EINVAL;
        }
        errno = 0;
        char *end;
        double d = strtod(p, &end);
        if (end == p || *skip_space(end) != '\0' || !isfinite(d)) {
                *why = "not a number";
                return -EINVAL;
        }
        if (errno == ERANGE || d < min || d > max) {
                *why = "out of range";
                return -ERANGE;
        }
        *ret = d;
        return 0;
}

int limber_parse_percent(const char *s, double *ret, const char **why) {
        char buf[64];
        size_t len = strlen(s);
        while (len > 0 && isspace((unsigned char) s[len - 1]))
                len--;
        if (len == 0 || s[len - 1] != '%' || len >= sizeof buf) {
                *why = "expected a percentage such as 10%";
                return -EINVAL;
        }
        memcpy(buf, s, len - 1);
        buf[len - 1] = '\0';

        double d;
        int r = limber_parse_double(buf, 0, 1000, &d, why);
        if (r < 0) {
                if (r == -ERANGE)
                        *why = "out of range (0% to 1000%)";
                return r;
        }
        *ret = d / 100.0;
        return 0;
}

int limber_parse_bool(const char *s, bool *ret, const char **why) {
        static const char *const yes[] = { "1", "yes", "y", "true", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "off" };

        for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        *why = "expected true or false";
        return -EINVAL;
}

int limber_parse_uint(const char *s, unsigned min, unsigned max, unsigned *ret, const char **why) {
        const char *p = skip_space(s);
        if (!isdigit((unsigned char) *p)) {
                *why = "expected a whole number";
                return -EINVAL;
        }
        errno = 0;
        char *end;
        unsigned long n = strtoul(p, &end, 10);
        if (*skip_space(end) != '\0') {
                *why = "expected a whole number";
                return -EINVAL;
        }
        if (errno == ERANGE || n < min || n > max) {
                *why = "out of range";
                return -ERANGE;
        }
        *ret = (unsigned) n;
        return 0;
}

int limber_parse_listen(const char *s, struct limber_listen *ret, const char **why) {
        struct limber_listen l = { .enabled = true };
        const char *colon;

        if (strcasecmp(s, "off") == 0 || strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0) {
                *ret = (struct limber_listen) { .enabled = false };
                return 0;
        }

        /* The address alone. An IPv6 address followed by a port needs brackets, so an
         * unbracketed one is always the address itself. */
        unsigned char addr[16];
        size_t n = strlen(s);
        if (s[0] == '[' && n > 2 && s[n - 1] == ']' && n - 2 < sizeof l.host) {
                memcpy(l.host, s + 1, n - 2);
                l.host[n - 2] = '\0';
        } else if (n < sizeof l.host)
                memcpy(l.host, s, n + 1);
        if ((s[0] != '[' && inet_pton(AF_INET, l.host, addr) == 1) || inet_pton(AF_INET6, l.host, addr) == 1) {
                l.own_port = true;
                *ret = l;
                return 0;
        }

        size_t hostlen;
        const char *host = s;
        if (s[0] == '[') {
                const char *close = strchr(s, ']');
                if (!close || close[1] != ':') {
                        *why = "expected [ADDRESS]:PORT";
                        return -EINVAL;
                }
                host = s + 1;
                hostlen = (size_t) (close - host);
                colon = close + 1;
        } else {
                colon = strrchr(s, ':');
                if (!colon) {
                        *why = "expected ADDRESS, ADDRESS:PORT or off";
                        return -EINVAL;
                }
                hostlen = (size_t) (colon - s);
        }
        if (hostlen == 0 || hostlen >= sizeof l.host) {
                *why = "expected a numeric address before the port";
                return -EINVAL;
        }
        memcpy(l.host, host, hostlen);
        l.host[hostlen] = '\0';

        if (inet_pton(AF_INET, l.host, addr) != 1 && inet_pton(AF_INET6, l.host, addr) != 1) {
                *why = "the address must be a numeric IPv4 or IPv6 address";
                return -EINVAL;
        }
        if (limber_parse_uint(colon + 1, 0, 65535, &l.port, why) < 0) {
                *why = "the port must be a number from 0 to 65535";
                return -EINVAL;
        }
        *ret = l;
        return 0;
}

bool limber_listen_is_loopback(const struct limber_listen *l) {
        struct in_addr a4;
        struct in6_addr a6;

        if (inet_pton(AF_INET, l->host, &a4) == 1)
                return (ntohl(a4.s_addr) >> 24) == 127;
        if (inet_pton(AF_INET6, l->host, &a6) == 1)
                return memcmp(&a6, &in6addr_loopback, sizeof a6) == 0;
        return false;
}

char *limber_format_duration(usec_t d, char *buf, unsigned size) {
        static const struct {
                const char *unit;
                usec_t factor;
        } units[] = {
                { "w", USEC_PER_WEEK }, { "d", USEC_PER_DAY }, { "h", USEC_PER_HOUR },
                { "min", USEC_PER_MIN }, { "s", USEC_PER_SEC }, { "ms", USEC_PER_MSEC },
        };
        size_t n = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < sizeof units / sizeof units[0] && n < size; i++) {
                if (d < units[i].factor)
                        continue;
                int k = snprintf(buf + n, size - n, "%s%llu%s", n ? " " : "",
                                 (unsigned long long) (d / units[i].factor), units[i].unit);
                if (k < 0)
                        break;
                n += (size_t) k;
                d %= units[i].factor;
        }
        if (n == 0)
                snprintf(buf, size, "0s");
        return buf;
}

char *limber_format_span(usec_t d, char *buf, unsigned size) {
        return limber_format_duration(d - d % (d < USEC_PER_MIN ? USEC_PER_SEC : USEC_PER_MIN), buf, size);
}
