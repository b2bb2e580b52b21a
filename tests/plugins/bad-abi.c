/* A plugin built for another ABI version: limberd must refuse it before calling it. */
#include <stdlib.h>

#include "limber-plugin.h"

static int start(const struct limber_host *host, void **ret_state) {
        abort();        /* never called */
}

static void stop(void *state) {
        abort();
}

__attribute__((visibility("default"))) extern const struct limber_plugin limber_plugin;
const struct limber_plugin limber_plugin = {
        .abi_version = LIMBER_PLUGIN_ABI_VERSION + 41,
        .name = "bad-abi",
        .start = start,
        .stop = stop,
};
