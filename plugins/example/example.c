/* An example limber plugin, built out of tree against the installed interface:
 *
 *   cc -shared -fPIC -o example.so example.c $(pkg-config --cflags --libs limber-plugin)
 *   cp example.so "$(pkg-config --variable=plugindir limber-plugin)"
 *
 * It reports the desk as idle when it starts, or active with [plugin.example]
 * start = active, and logs through limberd. A real idle source would watch something
 * on limberd's event loop (host->event) or a bus (host->session_bus) instead. */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <limber-plugin.h>

static int example_start(const struct limber_host *host, void **ret_state) {
        const char *start = host->config_get(host, "start");
        bool active = start && strcmp(start, "active") == 0;

        if (start && !active && strcmp(start, "idle") != 0) {
                host->log(host, LOG_ERR, "%s:%u: 'start' must be idle or active", host->config_path,
                          host->config_line(host, "start"));
                return -EINVAL;
        }
        host->log(host, LOG_INFO, "reporting the desk %s", active ? "active" : "idle");
        host->report_idle(host, active ? LIMBER_IDLE_ACTIVE : LIMBER_IDLE_IDLE, 0);
        *ret_state = NULL;
        return 0;
}

static void example_stop(void *state) {
}

LIMBER_PLUGIN_DEFINE(
        .name = "example",
        .description = "an example that reports the desk idle or active once",
        .idle_rank = LIMBER_IDLE_RANK_DISPLAY,
        .start = example_start,
        .stop = example_stop,
);
