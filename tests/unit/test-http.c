/* Tests for the feed over HTTP (http.h): a real server in a real sd-event loop, with
 * Debian's curl (or, where curl hides the bytes, a raw socket) as the client in a child
 * process while the parent runs the loop. Each request is one step with its checks. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "http.h"
#include "util.h"

#define TOKEN "0123456789abcdef0123456789abcdef"
/* 2024-01-01T00:00:00.5Z: Last-Modified drops the fraction. */
#define MTIME1 (UINT64_C(1704067200) * USEC_PER_SEC + 500 * USEC_PER_MSEC)
#define LAST_MODIFIED1 "Mon, 01 Jan 2024 00:00:00 GMT"
#define MTIME2 (UINT64_C(1704153600) * USEC_PER_SEC)
#define LAST_MODIFIED2 "Tue, 02 Jan 2024 00:00:00 GMT"

static const char feed1[] =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//limber//test//EN\r\nEND:VCALENDAR\r\n";
static const char feed2[] =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//limber//test//EN\r\nNAME:changed\r\nEND:VCALENDAR\r\n";

static char tmpdir[] = "/tmp/limber-test-http-XXXXXX";
static char head_path[256], body_path[256], upload_path[256], upload_small_path[256];

struct reply {
        int exit_status;        /* of the client process; -1 if it did not exit normally */
        unsigned status;        /* HTTP status of the last response, 0 if none */
        char head[8192];        /* the last response's header block */
        char *body;
        size_t body_size;
};

static void reply_done(struct reply *r) {
        free(r->body);
        *r = (struct reply) { 0 };
}

static char *read_file(const char *path, size_t *ret_size) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t size = 0, n;
        char chunk[65536];

        if (!f) {
                *ret_size = 0;
                return calloc(1, 1);
        }
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
                char *p = realloc(buf, size + n + 1);
                if (!p)
                        abort();
                buf = p;
                memcpy(buf + size, chunk, n);
                size += n;
        }
        fclose(f);
        if (!buf)
                buf = calloc(1, 1);
        buf[size] = '\0';
        *ret_size = size;
        return buf;
}

/* Keeps the last response of a header dump (curl writes a 100 Continue first, say). */
static void set_head(struct reply *r, const char *text, size_t size) {
        const char *last = text;

        for (const char *p = text; p && p < text + size; p = strstr(p + 1, "\nHTTP/"))
                last = p == text ? p : p + 1;
        snprintf(r->head, sizeof r->head, "%.*s", (int) (text + size - last), last);
        if (sscanf(r->head, "HTTP/%*s %u", &r->status) != 1)
                r->status = 0;
}

/* A header's value from the last response, or NULL. */
static const char *header(const struct reply *r, const char *name) {
        static char value[1024];
        size_t n = strlen(name);

        for (const char *line = strchr(r->head, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
                line++;
                if (strncasecmp(line, name, n) != 0 || line[n] != ':')
                        continue;
                const char *v = line + n + 1;
                v += strspn(v, " \t");
                size_t len = strcspn(v, "\r\n");
                snprintf(value, sizeof value, "%.*s", (int) len, v);
                return value;
        }
        return NULL;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        int *status = userdata;

        *status = si->si_code == CLD_EXITED ? si->si_status : -1;
        return 0;
}

/* Runs the loop, serving, until the child exits. */
static int wait_child(sd_event *e, pid_t pid) {
        _cleanup_(sd_event_source_unrefp) sd_event_source *s = NULL;
        int status = -2;

        if (sd_event_add_child(e, &s, pid, WEXITED, on_child, &status) < 0)
                abort();
        while (status == -2)
                if (sd_event_run(e, UINT64_MAX) < 0)
                        abort();
        return status;
}

/* curl -sS ARGS... URL, headers and body kept apart. */
static void curl(sd_event *e, struct reply *r, const char *url, const char *const *args) {
        const char *argv[64] = {
                "curl", "-sS", "--noproxy", "*", "--max-time", "10",
                "-D", head_path, "-o", body_path,
        };
        size_t n = 10;
        pid_t pid;

        for (; args && *args && n < ELEMENTSOF(argv) - 2; args++)
                argv[n++] = *args;
        argv[n++] = url;
        argv[n] = NULL;

        unlink(head_path);
        unlink(body_path);
        pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                execvp("curl", (char **) argv);
                _exit(127);
        }
        *r = (struct reply) { 0 };
        r->exit_status = wait_child(e, pid);

        size_t size;
        char *head = read_file(head_path, &size);
        set_head(r, head, size);
        free(head);
        r->body = read_file(body_path, &r->body_size);
}

/* Sends request as is and keeps every byte until the server closes (or 5 s pass). */
static void raw(sd_event *e, struct reply *r, unsigned port, const char *request) {
        pid_t pid = fork();

        if (pid < 0)
                abort();
        if (pid == 0) {
                struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
                struct timeval tv = { .tv_sec = 5 };
                char buf[65536];
                ssize_t k;
                int fd = socket(AF_INET, SOCK_STREAM, 0);
                int out = open(body_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

                a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                if (fd < 0 || out < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
                    connect(fd, (struct sockaddr *) &a, sizeof a) < 0 ||
                    write(fd, request, strlen(request)) != (ssize_t) strlen(request))
                        _exit(2);
                while ((k = read(fd, buf, sizeof buf)) > 0)
                        if (write(out, buf, (size_t) k) != k)
                                _exit(2);
                _exit(k == 0 ? 0 : 3);
        }
        *r = (struct reply) { 0 };
        r->exit_status = wait_child(e, pid);

        size_t size;
        char *all = read_file(body_path, &size);
        char *end = strstr(all, "\r\n\r\n");
        size_t head_size = end ? (size_t) (end - all) + 4 : size;
        set_head(r, all, head_size);
        r->body_size = size - head_size;
        r->body = malloc(r->body_size + 1);
        memcpy(r->body, all + head_size, r->body_size);
        r->body[r->body_size] = '\0';
        free(all);
}

/* A strong entity tag: a quoted string without the W/ of a weak one. */
static bool is_strong_etag(const char *etag) {
        size_t n = strlen(etag);
        return n >= 3 && etag[0] == '"' && strchr(etag + 1, '"') == etag + n - 1;
}

/* Runs the loop until nothing happens for a while: with no client, nothing may wake it. */
static bool loop_goes_quiet(sd_event *e) {
        for (int i = 0; i < 100; i++) {
                int r = sd_event_run(e, 300 * USEC_PER_MSEC);
                if (r < 0)
                        return false;
                if (r == 0)
                        return true;
        }
        return false;
}

static unsigned count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        if (!d)
                return 0;
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static void test_feed(sd_event *e) {
        _cleanup_(limber_http_freep) struct limber_http *h = NULL;
        struct limber_listen l = { .enabled = true, .host = "127.0.0.1", .port = 0 };
        char base[64], url[128], other[256], etag1[128], etag2[128], header_line[300];
        struct reply r;
        unsigned port;

        CHECK_CONTEXT("serving 127.0.0.1");
        if (!CHECK_INT(limber_http_start(e, &l, TOKEN, &h), 0))
                return;
        port = limber_http_port(h);
        CHECK(port > 0 && port < 65536);
        snprintf(base, sizeof base, "http://127.0.0.1:%u", port);
        snprintf(url, sizeof url, "%s/" TOKEN "/limber.ics", base);

        CHECK_CONTEXT("before any feed");
        curl(e, &r, url, NULL);
        CHECK_INT(r.exit_status, 0);
        CHECK_INT(r.status, 503);
        CHECK(header(&r, "Retry-After") != NULL);
        CHECK(header(&r, "ETag") == NULL);
        reply_done(&r);
        curl(e, &r, url, (const char *[]) { "-I", NULL });
        CHECK_INT(r.status, 503);
        reply_done(&r);
        curl(e, &r, url, (const char *[]) { "-X", "PUT", "--data-binary", "x", NULL });
        CHECK_INT(r.status, 405);
        reply_done(&r);

        CHECK_CONTEXT("empty feed refused");
        CHECK_INT(limber_http_set_feed(h, "", 0, MTIME1), -EINVAL);
        curl(e, &r, url, NULL);
        CHECK_INT(r.status, 503);
        reply_done(&r);

        CHECK_CONTEXT("GET");
        CHECK_INT(limber_http_set_feed(h, feed1, strlen(feed1), MTIME1), 0);
        curl(e, &r, url, NULL);
        CHECK_INT(r.exit_status, 0);
        CHECK_INT(r.status, 200);
        CHECK_STR(header(&r, "Content-Type"), "text/calendar; charset=utf-8");
        CHECK_STR(header(&r, "Last-Modified"), LAST_MODIFIED1);
        CHECK_STR(header(&r, "Cache-Control"), "no-cache");
        CHECK_STR(header(&r, "Content-Disposition"), "inline; filename=\"limber.ics\"");
        CHECK(header(&r, "Date") != NULL);
        CHECK_U64(r.body_size, strlen(feed1));
        CHECK_STR(r.body, feed1);
        snprintf(etag1, sizeof etag1, "%s", header(&r, "ETag") ? header(&r, "ETag") : "");
        CHECK(is_strong_etag(etag1));
        reply_done(&r);

        CHECK_CONTEXT("GET with a query string, as cache-busting clients send");
        snprintf(other, sizeof other, "%s?t=1", url);
        curl(e, &r, other, NULL);
        CHECK_INT(r.status, 200);
        CHECK_STR(r.body, feed1);
        reply_done(&r);

        CHECK_CONTEXT("HEAD through curl");
        curl(e, &r, url, (const char *[]) { "-I", NULL });
        CHECK_INT(r.status, 200);
        CHECK_STR(header(&r, "ETag"), etag1);
        CHECK_STR(header(&r, "Content-Type"), "text/calendar; charset=utf-8");
        CHECK_STR(header(&r, "Last-Modified"), LAST_MODIFIED1);
        reply_done(&r);

        CHECK_CONTEXT("HEAD on the wire: headers and Content-Length, no body");
        raw(e, &r, port, "HEAD /" TOKEN "/limber.ics HTTP/1.0\r\n\r\n");
        CHECK_INT(r.exit_status, 0);
        CHECK_INT(r.status, 200);
        snprintf(header_line, sizeof header_line, "%zu", strlen(feed1));
        CHECK_STR(header(&r, "Content-Length"), header_line);
        CHECK_STR(header(&r, "ETag"), etag1);
        CHECK_U64(r.body_size, 0);
        reply_done(&r);

        static const struct {
                const char *if_none_match;
                const char *if_modified_since;
                unsigned status;
        } conditional[] = {
                { "ETAG",                NULL,                           304 },
                { "\"other\", ETAG",     NULL,                           304 },
                { "W/ETAG",              NULL,                           304 },
                { "*",                   NULL,                           304 },
                { "\"other\"",           NULL,                           200 },
                { "\"other\"",           LAST_MODIFIED1,                 200 },  /* If-None-Match decides */
                { NULL,                  LAST_MODIFIED1,                 304 },
                { NULL,                  "Mon, 01 Jan 2024 00:00:01 GMT", 304 },
                { NULL,                  "Sun, 31 Dec 2023 23:59:59 GMT", 200 },
                { NULL,                  "Monday, 01-Jan-24 00:00:00 GMT", 304 },
                { NULL,                  "Mon Jan  1 00:00:00 2024",      304 },
                { NULL,                  "yesterday",                     200 },
        };
        for (size_t i = 0; i < ELEMENTSOF(conditional); i++) {
                char inm[300], ims[300];
                const char *args[8];
                size_t n = 0;

                CHECK_CONTEXT("conditional GET, If-None-Match: %s, If-Modified-Since: %s",
                              conditional[i].if_none_match ? conditional[i].if_none_match : "(none)",
                              conditional[i].if_modified_since ? conditional[i].if_modified_since : "(none)");
                if (conditional[i].if_none_match) {
                        const char *t = conditional[i].if_none_match, *at = strstr(t, "ETAG");
                        if (at)
                                snprintf(inm, sizeof inm, "If-None-Match: %.*s%s%s", (int) (at - t), t, etag1, at + 4);
                        else
                                snprintf(inm, sizeof inm, "If-None-Match: %s", t);
                        args[n++] = "-H";
                        args[n++] = inm;
                }
                if (conditional[i].if_modified_since) {
                        snprintf(ims, sizeof ims, "If-Modified-Since: %s", conditional[i].if_modified_since);
                        args[n++] = "-H";
                        args[n++] = ims;
                }
                args[n] = NULL;
                curl(e, &r, url, args);
                CHECK_INT(r.status, conditional[i].status);
                if (conditional[i].status == 304) {
                        CHECK_STR(header(&r, "ETag"), etag1);
                        CHECK_U64(r.body_size, 0);
                } else
                        CHECK_STR(r.body, feed1);
                reply_done(&r);
        }

        static const char *const methods[] = { "PUT", "POST", "DELETE", "OPTIONS", "PROPFIND", "PATCH" };
        for (size_t i = 0; i < ELEMENTSOF(methods); i++) {
                CHECK_CONTEXT("%s on the feed", methods[i]);
                curl(e, &r, url, (const char *[]) { "-X", methods[i], "--data-binary", "BEGIN:VCALENDAR", NULL });
                CHECK_INT(r.status, 405);
                CHECK_STR(header(&r, "Allow"), "GET, HEAD");
                CHECK(r.body_size > 0);
                reply_done(&r);
        }

        /* Not read, a body still gets its 405 while it fits in the socket buffers; a
         * larger one sent without waiting for 100 Continue may see the connection
         * closed under it, which is the price of never reading it. */
        CHECK_CONTEXT("PUT of a calendar-sized file sent at once, as Thunderbird writes back");
        curl(e, &r, url, (const char *[]) { "-H", "Expect:", "-T", upload_small_path, NULL });
        CHECK_INT(r.exit_status, 0);
        CHECK_INT(r.status, 405);
        CHECK_STR(header(&r, "Allow"), "GET, HEAD");
        reply_done(&r);

        CHECK_CONTEXT("PUT of a large file with Expect: 100-continue: refused before the body");
        curl(e, &r, url, (const char *[]) { "--expect100-timeout", "30", "-T", upload_path, NULL });
        CHECK_INT(r.exit_status, 0);
        CHECK_INT(r.status, 405);
        CHECK_STR(header(&r, "Allow"), "GET, HEAD");
        reply_done(&r);

        CHECK_CONTEXT("PUT announcing 100 MB: answered without waiting for the body");
        raw(e, &r, port, "PUT /" TOKEN "/limber.ics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
        CHECK_INT(r.exit_status, 0);
        CHECK_INT(r.status, 405);
        reply_done(&r);

        CHECK_CONTEXT("two requests on one kept-alive connection, the second waiting in MHD's buffer");
        raw(e, &r, port, "GET /" TOKEN "/limber.ics HTTP/1.1\r\nHost: x\r\n\r\n"
                         "GET /" TOKEN "/limber.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        CHECK_INT(r.exit_status, 0);
        CHECK_INT(r.status, 200);
        CHECK(strstr(r.body, "HTTP/1.1 200") != NULL);
        reply_done(&r);

        CHECK_CONTEXT("the feed is unchanged after the writes");
        curl(e, &r, url, NULL);
        CHECK_INT(r.status, 200);
        CHECK_STR(r.body, feed1);
        CHECK_STR(header(&r, "ETag"), etag1);
        reply_done(&r);

        static const char *const wrong[] = {
                "/" TOKEN "x/limber.ics",
                "/0123456789abcdef0123456789abcdeF/limber.ics",         /* same length, one byte off */
                "/0123456789abcdef/limber.ics",
                "/" TOKEN "/other.ics",
                "/" TOKEN "/limber.ics/",
                "/" TOKEN "/",
                "/" TOKEN,
                "/limber.ics",
                "/",
        };
        for (size_t i = 0; i < ELEMENTSOF(wrong); i++) {
                CHECK_CONTEXT("GET %s", wrong[i]);
                snprintf(other, sizeof other, "%s%s", base, wrong[i]);
                curl(e, &r, other, NULL);
                CHECK_INT(r.status, 404);
                CHECK(r.body_size > 0);
                CHECK(header(&r, "ETag") == NULL);
                reply_done(&r);
        }
        CHECK_CONTEXT("PUT on a wrong path");
        snprintf(other, sizeof other, "%s/0123456789abcdef0123456789abcdeF/limber.ics", base);
        curl(e, &r, other, (const char *[]) { "-X", "PUT", "--data-binary", "x", NULL });
        CHECK_INT(r.status, 404);
        reply_done(&r);

        CHECK_CONTEXT("a client that stalls mid-request does not hold up others");
        {
                struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
                static const char partial[] = "GET /" TOKEN "/limber.ics HTTP/1.1\r\nHost: x\r\n";
                int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

                a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                CHECK(fd >= 0 && connect(fd, (struct sockaddr *) &a, sizeof a) == 0);
                CHECK(write(fd, partial, strlen(partial)) == (ssize_t) strlen(partial));
                curl(e, &r, url, NULL);
                CHECK_INT(r.status, 200);
                CHECK_STR(r.body, feed1);
                reply_done(&r);
                if (fd >= 0)
                        close(fd);
        }

        CHECK_CONTEXT("a new feed");
        CHECK_INT(limber_http_set_feed(h, feed2, strlen(feed2), MTIME2), 0);
        curl(e, &r, url, NULL);
        CHECK_INT(r.status, 200);
        CHECK_STR(r.body, feed2);
        CHECK_STR(header(&r, "Last-Modified"), LAST_MODIFIED2);
        snprintf(etag2, sizeof etag2, "%s", header(&r, "ETag") ? header(&r, "ETag") : "");
        CHECK(is_strong_etag(etag2));
        CHECK(strcmp(etag1, etag2) != 0);
        reply_done(&r);

        CHECK_CONTEXT("the old ETag now gets the new feed");
        snprintf(header_line, sizeof header_line, "If-None-Match: %s", etag1);
        curl(e, &r, url, (const char *[]) { "-H", header_line, NULL });
        CHECK_INT(r.status, 200);
        CHECK_STR(r.body, feed2);
        reply_done(&r);
        snprintf(header_line, sizeof header_line, "If-None-Match: %s", etag2);
        curl(e, &r, url, (const char *[]) { "-H", header_line, NULL });
        CHECK_INT(r.status, 304);
        reply_done(&r);

        CHECK_CONTEXT("the same bytes again keep their ETag");
        CHECK_INT(limber_http_set_feed(h, feed2, strlen(feed2), MTIME2), 0);
        curl(e, &r, url, NULL);
        CHECK_STR(header(&r, "ETag"), etag2);
        reply_done(&r);

        CHECK_CONTEXT("an empty feed keeps the last good one");
        CHECK_INT(limber_http_set_feed(h, "", 0, MTIME2), -EINVAL);
        CHECK_INT(limber_http_set_feed(h, NULL, 10, MTIME2), -EINVAL);
        curl(e, &r, url, NULL);
        CHECK_INT(r.status, 200);
        CHECK_STR(r.body, feed2);
        reply_done(&r);

        CHECK_CONTEXT("a feed larger than the socket buffers");
        {
                size_t size = 3 * 1024 * 1024;
                char *big = malloc(size);
                for (size_t i = 0; i < size; i++)
                        big[i] = (char) ('A' + i % 23);
                CHECK_INT(limber_http_set_feed(h, big, size, MTIME2), 0);
                curl(e, &r, url, NULL);
                CHECK_INT(r.status, 200);
                CHECK(r.body_size == size && memcmp(r.body, big, size) == 0);
                reply_done(&r);
                free(big);
        }

        CHECK_CONTEXT("idle: nothing wakes the loop");
        CHECK(loop_goes_quiet(e));
        CHECK_CONTEXT_CLEAR();
}

static void test_port_in_use(sd_event *e) {
        _cleanup_(limber_http_freep) struct limber_http *a = NULL;
        _cleanup_(limber_http_freep) struct limber_http *b = NULL;
        struct limber_listen l = { .enabled = true, .host = "127.0.0.1", .port = 0 };
        unsigned fds = count_fds();

        CHECK_CONTEXT("a second server on the same port");
        if (!CHECK_INT(limber_http_start(e, &l, TOKEN, &a), 0))
                return;
        l.port = limber_http_port(a);
        CHECK_INT(limber_http_start(e, &l, TOKEN, &b), -EADDRINUSE);
        CHECK(b == NULL);

        CHECK_CONTEXT("the port is free again after limber_http_free, and no fd leaks");
        limber_http_free(a);
        a = NULL;
        CHECK_INT(count_fds(), fds);
        CHECK_INT(limber_http_start(e, &l, TOKEN, &b), 0);
        CHECK_CONTEXT_CLEAR();
}

static void test_bad_arguments(sd_event *e) {
        struct limber_http *h = NULL;
        static const struct {
                struct limber_listen l;
                const char *token;
        } rows[] = {
                { { true, "127.0.0.1", 0 },     "" },
                { { true, "127.0.0.1", 0 },     "a/b" },
                { { true, "127.0.0.1", 0 },     "a b" },
                { { true, "127.0.0.1", 0 },     "%41" },
                { { true, "localhost", 0 },     TOKEN },
                { { true, "[::1]", 0 },         TOKEN },
                { { true, "127.0.0.1", 65536 }, TOKEN },
                { { false, "127.0.0.1", 0 },    TOKEN },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                CHECK_CONTEXT("row %zu: %s port %u token '%s'", i, rows[i].l.host, rows[i].l.port, rows[i].token);
                CHECK_INT(limber_http_start(e, &rows[i].l, rows[i].token, &h), -EINVAL);
                CHECK(h == NULL);
        }
        CHECK_CONTEXT_CLEAR();
}

static void test_ipv6(sd_event *e) {
        _cleanup_(limber_http_freep) struct limber_http *h = NULL;
        struct limber_listen l = { .enabled = true, .host = "::1", .port = 0 };
        char url[256];
        struct reply r;
        int k;

        CHECK_CONTEXT("serving ::1");
        k = limber_http_start(e, &l, TOKEN, &h);
        if (k == -EADDRNOTAVAIL || k == -EAFNOSUPPORT) {
                printf("test-http: no IPv6 loopback here, ::1 not tested\n");
                return;
        }
        if (!CHECK_INT(k, 0))
                return;
        CHECK_INT(limber_http_set_feed(h, feed1, strlen(feed1), MTIME1), 0);
        snprintf(url, sizeof url, "http://[::1]:%u/" TOKEN "/limber.ics", limber_http_port(h));
        curl(e, &r, url, (const char *[]) { "-g", NULL });
        CHECK_INT(r.status, 200);
        CHECK_STR(r.body, feed1);
        reply_done(&r);
        CHECK_CONTEXT_CLEAR();
}

/* Any address but loopback is allowed, since the config asked for it, and warned about. */
static void test_not_loopback_warns(sd_event *e) {
        _cleanup_(limber_http_freep) struct limber_http *h = NULL;
        struct limber_listen l = { .enabled = true, .host = "0.0.0.0", .port = 0 };
        char log_path[300];
        int saved, fd;
        size_t size;

        CHECK_CONTEXT("listening on 0.0.0.0");
        snprintf(log_path, sizeof log_path, "%s/stderr", tmpdir);
        fflush(stderr);
        saved = dup(STDERR_FILENO);
        fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (saved < 0 || fd < 0)
                abort();
        dup2(fd, STDERR_FILENO);
        close(fd);
        CHECK_INT(limber_http_start(e, &l, TOKEN, &h), 0);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);

        char *log = read_file(log_path, &size);
        CHECK(strstr(log, "<4>") != NULL);
        CHECK(strstr(log, "not loopback") != NULL);
        CHECK(strstr(log, "reachable from the network") != NULL);
        free(log);
        CHECK_CONTEXT_CLEAR();
}

static void write_upload(const char *path, size_t size) {
        FILE *f = fopen(path, "we");

        if (!f)
                abort();
        for (size_t i = 0; i < size / 1024; i++)
                fprintf(f, "%01023zu\n", i);
        fclose(f);
}

int main(void) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        sigset_t mask;

        /* sd_event_add_child wants SIGCHLD blocked before any child exists. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        if (!mkdtemp(tmpdir) || sd_event_new(&e) < 0) {
                perror("test-http: setup");
                return 1;
        }
        snprintf(head_path, sizeof head_path, "%s/head", tmpdir);
        snprintf(body_path, sizeof body_path, "%s/body", tmpdir);
        snprintf(upload_path, sizeof upload_path, "%s/upload.ics", tmpdir);
        snprintf(upload_small_path, sizeof upload_small_path, "%s/upload-small.ics", tmpdir);
        write_upload(upload_path, 8 * 1024 * 1024);
        write_upload(upload_small_path, 200 * 1024);

        test_bad_arguments(e);
        test_feed(e);
        test_port_in_use(e);
        test_ipv6(e);
        test_not_loopback_warns(e);

        unlink(head_path);
        unlink(body_path);
        unlink(upload_path);
        unlink(upload_small_path);
        {
                char p[300];
                snprintf(p, sizeof p, "%s/stderr", tmpdir);
                unlink(p);
        }
        rmdir(tmpdir);
        return check_summary("test-http");
}
