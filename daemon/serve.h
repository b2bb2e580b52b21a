/* Serving the feed over HTTP as [feed] http asks: which port, the URL subscribers keep,
 * and what stands in the way when the feed cannot be served as configured. */
#pragma once

#include "daemon.h"

/* (Re)starts the HTTP server for the configuration in force and sets d->feed_url and
 * d->feed_error; emits FeedUrl and FeedError when they change. A reload that leaves
 * [feed] http alone keeps the running server. Never fails: the feed file works without
 * HTTP, and what went wrong is logged and kept in FeedError. */
void limber_serve_start(struct limber_daemon *d);

void limber_serve_stop(struct limber_daemon *d);
