/* Serving the feed over HTTP as [feed] http asks.
 *
 * A calendar subscribes to a URL once and polls it for years, and every user of the
 * machine has a limberd of their own. So the default is not one fixed port, which only
 * the first user would get, but a port of each user's own: chosen free at the first
 * start, kept in the state database next to the token, and asked for again at every
 * start. When another program holds it at a later start, the feed is served on a free
 * port until the next start, with a warning, and the kept port stays: the next start
 * takes it back and the subscribed URL works again. An explicit HOST:PORT is taken as
 * it stands: when that port is taken, nothing is served and FeedError says why. */
#include "serve.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "bus.h"
#include "http.h"
#include "log.h"

#define PORT_KEY        "feed-port"
/* Own ports are drawn from below Linux's default range for outgoing connections
 * (32768-60999), so that no client socket holds one by chance when limberd starts,
 * and above most fixed services. */
#define OWN_PORT_MIN    20000u
#define OWN_PORT_MAX    32767u
#define OWN_PORT_TRIES  32

static unsigned stored_port(struct limber_daemon *d) {
        char buf[16], *end;
        int r = limber_store_get_meta(d->store, PORT_KEY, buf, sizeof buf);
        if (r < 0) {
                if (r != -ENOENT)
                        log_warning_errno(r, "Cannot read the feed's port from the state database: %s",
                                          limber_store_error(d->store));
                return 0;
        }
        errno = 0;
        unsigned long port = strtoul(buf, &end, 10);
        if (errno != 0 || end == buf || *end != '\0' || port == 0 || port > 65535) {
                log_warning("The feed's port in the state database is not a port: '%s'; choosing a new one", buf);
                return 0;
        }
        return (unsigned) port;
}

static void store_port(struct limber_daemon *d, unsigned port) {
        char buf[16];
        snprintf(buf, sizeof buf, "%u", port);
        int r = limber_store_set_meta(d->store, PORT_KEY, buf);
        if (r < 0)
                log_warning_errno(r, "Cannot keep the feed's port %u in the state database (the next start "
                                  "will choose another): %s", port, limber_store_error(d->store));
}

/* A first start: a free port of the user's own, kept for the next starts. */
static int start_on_new_port(struct limber_daemon *d, struct limber_listen *l) {
        int r = -EADDRINUSE;

        for (int i = 0; i < OWN_PORT_TRIES && r == -EADDRINUSE; i++) {
                uint32_t x;
                if (getrandom(&x, sizeof x, 0) != sizeof x)
                        x = (uint32_t) i * 7919u;
                l->port = OWN_PORT_MIN + x % (OWN_PORT_MAX - OWN_PORT_MIN + 1);
                r = limber_http_start(d->event, l, d->feed_token, &d->http);
        }
        if (r >= 0)
                store_port(d, l->port);
        return r;
}

static void set_error(struct limber_daemon *d, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct limber_daemon *d, const char *format, ...) {
        va_list ap;
        char *s;

        va_start(ap, format);
        if (vasprintf(&s, format, ap) >= 0) {
                free(d->feed_error);
                d->feed_error = s;
        }
        va_end(ap);
}

/* "127.0.0.1:8737", "[::1]:8737": the host, in brackets when IPv6, and port. */
#define ADDRESS_MAX (sizeof ((struct limber_listen *) NULL)->host + sizeof "[]:65535")
static const char *address(const struct limber_listen *l, unsigned port, char buf[static ADDRESS_MAX]) {
        bool v6 = strchr(l->host, ':');
        snprintf(buf, ADDRESS_MAX, "%s%s%s:%u", v6 ? "[" : "", l->host, v6 ? "]" : "", port);
        return buf;
}

static void start(struct limber_daemon *d, const struct limber_listen *configured) {
        struct limber_listen l = *configured;
        char where[ADDRESS_MAX];
        int r;

        if (!l.enabled)
                return;

        if (l.own_port && (l.port = stored_port(d)) != 0) {
                r = limber_http_start(d->event, &l, d->feed_token, &d->http);
                if (r == -EADDRINUSE) {
                        unsigned own = l.port;
                        l.port = 0;
                        r = limber_http_start(d->event, &l, d->feed_token, &d->http);
                        if (r >= 0) {
                                set_error(d, "port %u, limber's own, is taken by another program: the feed is "
                                          "on port %u until limberd restarts", own, limber_http_port(d->http));
                                log_warning("The feed's port %u is taken by another program; serving the feed on "
                                            "port %u until limberd restarts. Calendars subscribed to port %u get "
                                            "it again once that program lets the port go and limberd restarts",
                                            own, limber_http_port(d->http), own);
                        }
                }
        } else if (l.own_port)
                r = start_on_new_port(d, &l);
        else
                r = limber_http_start(d->event, &l, d->feed_token, &d->http);

        if (r == -EADDRINUSE) {
                set_error(d, "port %u is taken by another program", l.port);
                log_warning("Cannot serve the feed on %s: the port is taken by another program; "
                            "the feed file still works", address(&l, l.port, where));
                return;
        }
        if (r < 0) {
                set_error(d, "cannot serve the feed on %s: %s", address(&l, l.port, where), strerror(-r));
                log_warning_errno(r, "Cannot serve the feed on %s; the feed file still works", where);
                return;
        }

        char *url;
        if (asprintf(&url, "http://%s/%s/limber.ics", address(&l, limber_http_port(d->http), where),
                     d->feed_token) >= 0) {
                free(d->feed_url);
                d->feed_url = url;
        }
        log_info("Serving the feed at %s", d->feed_url);
}

void limber_serve_start(struct limber_daemon *d) {
        const struct limber_listen *l = &d->config->feed.http;

        /* Subscribers keep their URL: a reload that leaves [feed] http alone keeps the
         * server, and with it a port that was picked at random. One that could not
         * serve tries again. */
        if (d->feed_url && (d->http || !l->enabled) && memcmp(l, &d->http_listen, sizeof *l) == 0)
                return;
        d->http_listen = *l;

        char *old_url = d->feed_url, *old_error = d->feed_error;
        limber_http_free(d->http);
        d->http = NULL;
        d->feed_url = strdup("");
        d->feed_error = strdup("");

        start(d, l);

        /* At the first start there is nothing to tell: the properties are read after. */
        if (old_url && (!d->feed_url || strcmp(old_url, d->feed_url) != 0))
                limber_bus_properties_changed(d, "FeedUrl", NULL);
        if (old_error && (!d->feed_error || strcmp(old_error, d->feed_error) != 0))
                limber_bus_properties_changed(d, "FeedError", NULL);
        free(old_url);
        free(old_error);
}

void limber_serve_stop(struct limber_daemon *d) {
        limber_http_free(d->http);
        d->http = NULL;
        free(d->feed_url);
        free(d->feed_error);
        d->feed_url = d->feed_error = NULL;
}
