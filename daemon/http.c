/* The feed over HTTP on loopback, with libmicrohttpd driven by the sd-event loop.
 *
 * MHD runs without a thread of its own: its epoll fd sits in the sd-event loop, and a
 * one-shot timer follows MHD_get_timeout() so idle connections still time out. With no
 * client connected the timer is off and nothing wakes up.
 *
 * Calendar clients are not forgiving: Thunderbird empties the calendar on an empty 200
 * and, taking a plain HTTP calendar for writable, PUTs the file back unless refused. So
 * the feed is only ever the last good body, 503 until there is one, and every method
 * but GET and HEAD gets 405 before its request body is read. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define CONNECTION_TIMEOUT_SEC 30u
#define CONNECTION_LIMIT       64u
#define FEED_NAME              "limber.ics"
#define TOKEN_MAX              128
#define RETRY_AFTER_SEC        "5"

struct limber_http {
        struct MHD_Daemon *daemon;
        sd_event_source *io;
        sd_event_source *timer;
        unsigned port;

        char *path;                     /* "/TOKEN/limber.ics" */
        size_t path_len;

        /* The last good feed and its 304, both holding the headers a cache needs.
         * Connections still sending an older feed keep their own reference. */
        struct MHD_Response *feed;
        struct MHD_Response *not_modified;
        char etag[48];
        time_t mtime;

        struct MHD_Response *not_found;
        struct MHD_Response *not_allowed;
        struct MHD_Response *unavailable;
};

static bool token_is_valid(const char *token) {
        size_t n = strlen(token);

        return n > 0 && n <= TOKEN_MAX &&
               strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Compares every byte whatever the first difference, so the response time does not
 * tell a guesser how much of the token was right. Only the length can leak. */
static bool path_is_feed(const struct limber_http *h, const char *url) {
        unsigned char diff = 0;

        if (strlen(url) != h->path_len)
                return false;
        for (size_t i = 0; i < h->path_len; i++)
                diff |= (unsigned char) (url[i] ^ h->path[i]);
        return diff == 0;
}

static const char weekdays[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* IMF-fixdate (RFC 9110 5.6.7), spelled out by hand: strftime's names follow the locale. */
static void format_http_date(time_t t, char buf[static 30]) {
        struct tm tm;

        if (!gmtime_r(&t, &tm)) {
                t = 0;
                (void) gmtime_r(&t, &tm);
        }
        /* Exactly 29 characters for years 1000-9999; the compiler cannot see that. */
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                 weekdays[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        snprintf(buf, 30, "%.29s", tmp);
}

/* A recipient must accept all three HTTP-date forms: IMF-fixdate, RFC 850 and asctime. */
static bool parse_http_date(const char *s, time_t *ret) {
        char wday[10], mon[4];
        unsigned day, year, hour, min, sec;
        int n = 0;

        if (sscanf(s, "%3s, %2u %3s %4u %2u:%2u:%2u GMT%n", wday, &day, mon, &year, &hour, &min, &sec, &n) == 7 &&
            n > 0 && s[n] == '\0')
                ;
        else if (sscanf(s, "%9[A-Za-z], %2u-%3[A-Za-z]-%2u %2u:%2u:%2u GMT%n",
                        wday, &day, mon, &year, &hour, &min, &sec, &n) == 7 && n > 0 && s[n] == '\0')
                year += year < 70 ? 2000 : 1900;
        else if (sscanf(s, "%3s %3s %2u %2u:%2u:%2u %4u%n", wday, mon, &day, &hour, &min, &sec, &year, &n) == 7 &&
                 n > 0 && s[n] == '\0')
                ;
        else
                return false;

        int m = -1;
        for (int i = 0; i < 12; i++)
                if (strcmp(mon, months[i]) == 0)
                        m = i;
        if (m < 0 || day < 1 || day > 31 || year < 1970 || hour > 23 || min > 59 || sec > 60)
                return false;

        struct tm tm = {
                .tm_year = (int) year - 1900, .tm_mon = m, .tm_mday = (int) day,
                .tm_hour = (int) hour, .tm_min = (int) min, .tm_sec = (int) sec,
        };
        time_t t = timegm(&tm);
        if (t == (time_t) -1)
                return false;
        *ret = t;
        return true;
}

/* A strong validator: the same bytes always give the same tag. FNV-1a is no defence
 * against a forger, but the feed's only author is limberd; the size makes an accidental
 * collision rarer still. */
static void format_etag(const char *data, size_t size, char buf[static 48]) {
        uint64_t hash = UINT64_C(0xcbf29ce484222325);

        for (size_t i = 0; i < size; i++) {
                hash ^= (unsigned char) data[i];
                hash *= UINT64_C(0x100000001b3);
        }
        snprintf(buf, 48, "\"%zx-%016" PRIx64 "\"", size, hash);
}

/* Whether an If-None-Match value names etag. RFC 9110 13.1.2 asks for the weak
 * comparison there, so W/"x" matches "x". */
static bool etag_list_matches(const char *list, const char *etag) {
        size_t n = strlen(etag);
        const char *p = list;

        for (;;) {
                p += strspn(p, " \t,");
                if (*p == '\0')
                        return false;
                if (*p == '*')
                        return true;
                if (strncmp(p, "W/", 2) == 0)
                        p += 2;
                if (*p != '"')
                        return false;
                const char *end = strchr(p + 1, '"');
                if (!end)
                        return false;
                if ((size_t) (end + 1 - p) == n && memcmp(p, etag, n) == 0)
                        return true;
                p = end + 1;
        }
}

struct conditions {
        const char *etag;
        bool have_none_match;
        bool none_match;
        const char *modified_since;
};

/* A header may come in several lines; If-None-Match lists are then to be joined. */
static enum MHD_Result collect_conditions(void *userdata, enum MHD_ValueKind kind, const char *key,
                                          const char *value) {
        struct conditions *c = userdata;

        if (!value)
                return MHD_YES;
        if (strcasecmp(key, MHD_HTTP_HEADER_IF_NONE_MATCH) == 0) {
                c->have_none_match = true;
                c->none_match = c->none_match || etag_list_matches(value, c->etag);
        } else if (strcasecmp(key, MHD_HTTP_HEADER_IF_MODIFIED_SINCE) == 0 && !c->modified_since)
                c->modified_since = value;
        return MHD_YES;
}

/* RFC 9110 13.2.2: If-None-Match decides when present; If-Modified-Since only without it. */
static bool not_modified(struct limber_http *h, struct MHD_Connection *connection) {
        struct conditions c = { .etag = h->etag };
        time_t since;

        (void) MHD_get_connection_values(connection, MHD_HEADER_KIND, collect_conditions, &c);
        if (c.have_none_match)
                return c.none_match;
        return c.modified_since && parse_http_date(c.modified_since, &since) && h->mtime <= since;
}

/* Whether the request announces a body. */
static bool has_body(struct MHD_Connection *connection) {
        const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

        return (length && strcmp(length, "0") != 0) ||
               MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

static enum MHD_Result on_request(void *userdata, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **request_state) {
        struct limber_http *h = userdata;
        struct MHD_Response *response;
        bool feed = path_is_feed(h, url);
        bool read_only = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
        unsigned status;

        /* MHD calls once the headers are in, then again once the request is complete. A
         * bodiless GET or HEAD is answered on the second call, which keeps the connection
         * open for the client's next request. Everything else (a PUT from a calendar
         * client that thinks the feed is writable) is answered on the first: its body is
         * never read, MHD drops it and closes the connection. */
        if (!*request_state) {
                *request_state = h;
                if (feed && read_only && !has_body(connection))
                        return MHD_YES;
        } else if (*upload_data_size != 0)
                return MHD_NO;

        if (!feed) {
                status = MHD_HTTP_NOT_FOUND;
                response = h->not_found;
        } else if (!read_only) {
                status = MHD_HTTP_METHOD_NOT_ALLOWED;
                response = h->not_allowed;
        } else if (!h->feed) {
                status = MHD_HTTP_SERVICE_UNAVAILABLE;
                response = h->unavailable;
        } else if (not_modified(h, connection)) {
                status = MHD_HTTP_NOT_MODIFIED;
                response = h->not_modified;
        } else {
                status = MHD_HTTP_OK;
                response = h->feed;
        }

        log_debug("http: %s %s: %u", method, feed ? "/TOKEN/" FEED_NAME : "(other path)", status);
        return MHD_queue_response(connection, status, response);
}

static int add_headers(struct MHD_Response *response, const char *const *headers) {
        for (; headers[0]; headers += 2)
                if (MHD_add_response_header(response, headers[0], headers[1]) != MHD_YES)
                        return -ENOMEM;
        return 0;
}

static struct MHD_Response *make_response(const char *body, const char *const *headers) {
        struct MHD_Response *response;

        response = MHD_create_response_from_buffer(strlen(body), (void *) body, MHD_RESPMEM_PERSISTENT);
        if (!response)
                return NULL;
        if (add_headers(response, headers) < 0) {
                MHD_destroy_response(response);
                return NULL;
        }
        return response;
}

int limber_http_set_feed(struct limber_http *h, const char *data, size_t size, usec_t mtime) {
        struct MHD_Response *feed = NULL, *unchanged = NULL;
        char etag[48], date[30];
        time_t t;

        if (!data || size == 0)
                return -EINVAL;

        t = (time_t) (mtime / USEC_PER_SEC);
        format_etag(data, size, etag);
        format_http_date(t, date);

        const char *const headers[] = {
                MHD_HTTP_HEADER_CONTENT_TYPE, "text/calendar; charset=utf-8",
                MHD_HTTP_HEADER_ETAG, etag,
                MHD_HTTP_HEADER_LAST_MODIFIED, date,
                /* Clients should revalidate on every poll: it is cheap with the ETag. */
                MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache",
                MHD_HTTP_HEADER_CONTENT_DISPOSITION, "inline; filename=\"" FEED_NAME "\"",
                NULL,
        };
        /* RFC 9110 15.4.5: a 304 carries the validators and Cache-Control a 200 would. */
        const char *const headers_304[] = {
                MHD_HTTP_HEADER_ETAG, etag,
                MHD_HTTP_HEADER_LAST_MODIFIED, date,
                MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache",
                NULL,
        };

        feed = MHD_create_response_from_buffer(size, (void *) data, MHD_RESPMEM_MUST_COPY);
        unchanged = MHD_create_response_from_buffer(0, (void *) "", MHD_RESPMEM_PERSISTENT);
        if (!feed || !unchanged || add_headers(feed, headers) < 0 || add_headers(unchanged, headers_304) < 0) {
                if (feed)
                        MHD_destroy_response(feed);
                if (unchanged)
                        MHD_destroy_response(unchanged);
                return -ENOMEM;
        }

        if (h->feed)
                MHD_destroy_response(h->feed);
        if (h->not_modified)
                MHD_destroy_response(h->not_modified);
        h->feed = feed;
        h->not_modified = unchanged;
        memcpy(h->etag, etag, sizeof etag);
        h->mtime = t;
        return 0;
}

static void arm_timer(struct limber_http *h) {
        MHD_UNSIGNED_LONG_LONG ms;
        uint64_t now;
        int r;

        if (MHD_get_timeout(h->daemon, &ms) != MHD_YES) {
                r = sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
        } else {
                r = sd_event_now(sd_event_source_get_event(h->timer), CLOCK_MONOTONIC, &now);
                if (r >= 0)
                        r = sd_event_source_set_time(h->timer,
                                                     ms > (UINT64_MAX - now) / USEC_PER_MSEC ? UINT64_MAX
                                                                                              : now + ms * USEC_PER_MSEC);
                if (r >= 0)
                        r = sd_event_source_set_enabled(h->timer, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                log_warning_errno(r, "http: failed to arm the connection timer");
}

/* Both handlers return 0 whatever happens: a negative return would make sd-event
 * disable the source and the feed would go silent. */
static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct limber_http *h = userdata;

        (void) MHD_run(h->daemon);
        arm_timer(h);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct limber_http *h = userdata;

        (void) MHD_run(h->daemon);
        arm_timer(h);
        return 0;
}

/* MHD's own messages are about single connections (a client hung up, a malformed
 * request): worth seeing with --verbose, not in the journal every time. */
__attribute__((format(printf, 2, 0)))
static void on_mhd_log(void *userdata, const char *fmt, va_list ap) {
        char buf[512];
        size_t n;

        if (!limber_log_get_verbose())
                return;
        vsnprintf(buf, sizeof buf, fmt, ap);
        n = strlen(buf);
        while (n > 0 && buf[n - 1] == '\n')
                buf[--n] = '\0';
        log_debug("http: %s", buf);
}

/* The socket is bound here rather than by MHD so that the caller gets the real errno
 * (EADDRINUSE, EADDRNOTAVAIL): MHD_start_daemon only returns NULL. */
static int open_listen_socket(const struct limber_listen *l, bool *ret_ipv6) {
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } addr;
        socklen_t len;
        int fd, one = 1;

        if (l->port > 65535)
                return -EINVAL;
        memset(&addr, 0, sizeof addr);
        if (inet_pton(AF_INET, l->host, &addr.in.sin_addr) == 1) {
                addr.in.sin_family = AF_INET;
                addr.in.sin_port = htons((uint16_t) l->port);
                len = sizeof addr.in;
        } else if (inet_pton(AF_INET6, l->host, &addr.in6.sin6_addr) == 1) {
                addr.in6.sin6_family = AF_INET6;
                addr.in6.sin6_port = htons((uint16_t) l->port);
                len = sizeof addr.in6;
        } else
                return -EINVAL;

        fd = socket(addr.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* SO_REUSEADDR lets a restarted limberd bind while old connections sit in
         * TIME_WAIT; it does not let two listeners share the port. */
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
            (addr.sa.sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) ||
            bind(fd, &addr.sa, len) < 0 ||
            listen(fd, SOMAXCONN) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        *ret_ipv6 = addr.sa.sa_family == AF_INET6;
        return fd;
}

static int start_daemon(struct limber_http *h, const struct limber_listen *l) {
        const union MHD_DaemonInfo *info;
        bool ipv6 = false;
        int fd;

        fd = open_listen_socket(l, &ipv6);
        if (fd < 0)
                return fd;

        h->daemon = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0),
                                     0, NULL, NULL, on_request, h,
                                     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
                                     MHD_OPTION_LISTEN_SOCKET, fd,
                                     MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_SEC,
                                     MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
                                     MHD_OPTION_END);
        if (!h->daemon) {
                /* Once started, MHD owns and closes the socket; after a failed start
                 * 0.9.75 leaves it open. Check rather than rely on that. limberd has
                 * one thread, so the number cannot have been reused meanwhile. */
                if (fcntl(fd, F_GETFD) >= 0)
                        close(fd);
                return -ENOMEM;
        }

        info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
        if (!info || info->port == 0)
                return -EADDRNOTAVAIL;
        h->port = info->port;
        return 0;
}

int limber_http_start(sd_event *event, const struct limber_listen *l, const char *token,
                      struct limber_http **ret) {
        _cleanup_(limber_http_freep) struct limber_http *h = NULL;
        const union MHD_DaemonInfo *info;
        int r;

        if (!event || !l || !l->enabled || !token || !token_is_valid(token) || !ret)
                return -EINVAL;

        h = calloc(1, sizeof *h);
        if (!h)
                return -ENOMEM;
        if (asprintf(&h->path, "/%s/" FEED_NAME, token) < 0) {
                h->path = NULL;
                return -ENOMEM;
        }
        h->path_len = strlen(h->path);

        h->not_found = make_response("Not found\n", (const char *const[]) {
                MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8", NULL });
        h->not_allowed = make_response("The feed is read-only\n", (const char *const[]) {
                MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8",
                MHD_HTTP_HEADER_ALLOW, "GET, HEAD", NULL });
        h->unavailable = make_response("The feed is not ready yet\n", (const char *const[]) {
                MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8",
                MHD_HTTP_HEADER_RETRY_AFTER, RETRY_AFTER_SEC,
                MHD_HTTP_HEADER_CACHE_CONTROL, "no-store", NULL });
        if (!h->not_found || !h->not_allowed || !h->unavailable)
                return -ENOMEM;

        r = start_daemon(h, l);
        if (r < 0)
                return r;

        info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        if (!info || info->epoll_fd < 0)
                return -EIO;
        r = sd_event_add_io(event, &h->io, info->epoll_fd, EPOLLIN, on_io, h);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(h->io, "http");

        /* Millisecond accuracy: MHD asks for 0 ms when it has buffered work left. */
        r = sd_event_add_time(event, &h->timer, CLOCK_MONOTONIC, 0, USEC_PER_MSEC, on_timer, h);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(h->timer, "http-timeout");
        arm_timer(h);

        if (!limber_listen_is_loopback(l))
                log_warning("http: listening on %s port %u, which is not loopback: the feed is reachable "
                            "from the network by anyone who learns its URL", l->host, h->port);

        *ret = h;
        h = NULL;
        return 0;
}

unsigned limber_http_port(const struct limber_http *h) {
        return h->port;
}

void limber_http_free(struct limber_http *h) {
        if (!h)
                return;
        sd_event_source_disable_unref(h->io);
        sd_event_source_disable_unref(h->timer);
        if (h->daemon)
                MHD_stop_daemon(h->daemon);
        if (h->feed)
                MHD_destroy_response(h->feed);
        if (h->not_modified)
                MHD_destroy_response(h->not_modified);
        if (h->not_found)
                MHD_destroy_response(h->not_found);
        if (h->not_allowed)
                MHD_destroy_response(h->not_allowed);
        if (h->unavailable)
                MHD_destroy_response(h->unavailable);
        free(h->path);
        free(h);
}
