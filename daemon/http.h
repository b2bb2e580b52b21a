/* The feed over HTTP on loopback, with libmicrohttpd driven by the sd-event loop. */
#pragma once

#include <stddef.h>
#include <systemd/sd-event.h>

#include "parse.h"

struct limber_http;

/* Listens on l (port 0: any free port) and serves the feed at /TOKEN/limber.ics. The
 * token is the secret part of the URL: [A-Za-z0-9_-] only. An address other than
 * loopback is allowed, with a warning that the feed is then reachable from the network.
 * Failure returns a negative errno (-EADDRINUSE, -EADDRNOTAVAIL, -EINVAL for a bad
 * address or token, ...) and logs nothing: the caller logs it and runs on without HTTP. */
int limber_http_start(sd_event *event, const struct limber_listen *l, const char *token,
                      struct limber_http **ret);

/* Replaces the feed served; the copy is the http module's, and requests already being
 * answered finish with the bytes they started with. mtime is the feed's last change
 * (CLOCK_REALTIME µs) for Last-Modified. An empty body is refused with -EINVAL and the
 * last good feed stays; until a feed is set, GET answers 503 with Retry-After. */
int limber_http_set_feed(struct limber_http *h, const char *data, size_t size, usec_t mtime);

/* The port bound, which is the one to put in the URL when l->port was 0. */
unsigned limber_http_port(const struct limber_http *h);

void limber_http_free(struct limber_http *h);

static inline void limber_http_freep(struct limber_http **h) {
        limber_http_free(*h);
}
