/* A plugin whose start fails, as one whose service is missing does. */
#include <errno.h>
#include <syslog.h>

#include "limber-plugin.h"

static int start(const struct limber_host *host, void **ret_state) {
        host->log(host, LOG_ERR, "the thing this plugin needs is not here");
        return -EIO;
}

static void stop(void *state) {
}

LIMBER_PLUGIN_DEFINE(.name = "fails-start", .description = "fails", .start = start, .stop = stop);
