/* The plugin host: loads plugins from the plugin folder, checks each against the ABI
 * it was built for, starts the enabled ones with a struct limber_host, and keeps going
 * whatever one of them does at load or start.
 *
 * A plugin gets copies of its [plugin.NAME] settings, so a reload never pulls strings
 * from under it; a reload that changes them restarts the plugin. */
#include "plugins.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "activity.h"
#include "bus.h"
#include "log.h"
#include "parse.h"
#include "schedule.h"

enum plugin_state {
        PLUGIN_RUNNING,
        PLUGIN_DISABLED,
        PLUGIN_FAILED,
};

struct plugin {
        struct limber_daemon *d;
        char *name;
        char *path;
        enum plugin_state state;
        bool display;                   /* it watches the display server (its idle rank) */
        void *dl;
        const struct limber_plugin *desc;
        void *plugin_state;
        struct limber_host host;
        struct limber_plugin_setting *settings;
        size_t n_settings;
};

struct rejection {
        char *what;
        char *reason;
};

struct limber_plugin_host {
        struct plugin *plugins;
        size_t n;
        sd_bus *system_bus;
        struct rejection *rejected;     /* for the Rejected property, oldest first */
        size_t n_rejected;
        sd_event_source *replan;        /* a re-plan after new activities, pending */
};

static struct plugin *plugin_of(const struct limber_host *host) {
        return host->host_data;
}

static const char *host_config_get(const struct limber_host *host, const char *key) {
        struct plugin *p = plugin_of(host);
        for (size_t i = 0; i < p->n_settings; i++)
                if (strcmp(p->settings[i].key, key) == 0)
                        return p->settings[i].value;
        return NULL;
}

static unsigned host_config_line(const struct limber_host *host, const char *key) {
        struct plugin *p = plugin_of(host);
        for (size_t i = 0; i < p->n_settings; i++)
                if (strcmp(p->settings[i].key, key) == 0)
                        return p->settings[i].line;
        return 0;
}

static void host_log(const struct limber_host *host, int priority, const char *format, ...)
        __attribute__((format(printf, 3, 4)));

/* limberd's own parser, so that a plugin's durations are spelled as in the rest of
 * limber.conf and a bad one gets the same message whichever plugin reads it. */
static int host_config_get_duration(const struct limber_host *host, const char *key, uint64_t def,
                                    uint64_t min, uint64_t max, uint64_t *ret) {
        const char *v = host_config_get(host, key), *why;
        char range[128], lo[64], hi[64];
        usec_t d;

        if (!v) {
                *ret = def;
                return 0;
        }
        int r = limber_parse_duration(v, &d, &why);
        if (r >= 0 && (d < min || d > max)) {
                snprintf(range, sizeof range, "must be from %s to %s", limber_format_duration(min, lo, sizeof lo),
                         limber_format_duration(max, hi, sizeof hi));
                why = range;
                r = -EINVAL;
        }
        if (r < 0) {
                host_log(host, LOG_ERR, "%s:%u: invalid value '%s' for '%s' in [plugin.%s]: %s", host->config_path,
                         host_config_line(host, key), v, key, plugin_of(host)->name, why);
                return -EINVAL;
        }
        *ret = d;
        return 0;
}

static void host_report_idle(const struct limber_host *host, enum limber_idle_state state, uint64_t since) {
        struct plugin *p = plugin_of(host);
        if ((unsigned) state > LIMBER_IDLE_GONE) {
                log_warning("plugin %s: reported an unknown idle state %d", p->name, (int) state);
                return;
        }
        (void) limber_daemon_idle_report(p->d, p->name, p->desc->idle_rank, state, since);
}

static int on_replan(sd_event_source *s, void *userdata) {
        struct limber_daemon *d = userdata;
        d->plugins->replan = sd_event_source_unref(d->plugins->replan);
        (void) limber_schedule_replan(d, "new activities from plugins");
        return 0;
}

/* A first import may bring hundreds of activities in one go: plan once after them,
 * when the loop comes round, not once for each. */
static void replan_soon(struct limber_daemon *d) {
        if (d->plugins->replan)
                return;
        if (sd_event_add_defer(d->event, &d->plugins->replan, on_replan, d) < 0)
                (void) limber_schedule_replan(d, "new activity from a plugin");
}

static int host_report_activity(const struct limber_host *host, const struct limber_activity_report *r) {
        struct plugin *p = plugin_of(host);
        struct limber_daemon *d = p->d;
        const char *arg, *why;
        int kind;

        if (!r || !r->kind || (kind = limber_activity_kind_from_string(r->kind)) < 0) {
                log_warning("plugin %s: activity of unknown kind '%s' refused", p->name, r && r->kind ? r->kind : "");
                return -EINVAL;
        }
        if (limber_activity_check(r->start_usec, r->duration_usec, r->distance_m, limber_daemon_now(d), &arg,
                                  &why) < 0) {
                log_warning("plugin %s: activity refused: %s %s", p->name, arg, why);
                return -EINVAL;
        }

        struct limber_activity a = {
                .source = p->name, .external_id = (char *) r->external_id, .title = (char *) r->title,
                .kind = (enum limber_activity_kind) kind, .start = r->start_usec,
                .duration = r->duration_usec, .distance_m = r->distance_m,
        };
        int k = limber_store_add_activity(d->store, &a, limber_daemon_now(d));
        if (k < 0)
                return log_error_errno(k, "plugin %s: failed to store an activity: %s", p->name,
                                       limber_store_error(d->store));
        if (k > 0) {
                log_info("Activity %s from %s: %s, %.0f min", a.id, p->name, r->kind,
                         (double) r->duration_usec / USEC_PER_MIN);
                replan_soon(d);
        }
        return k;
}

static void host_report_rejected(const struct limber_host *host, const char *what, const char *reason) {
        struct plugin *p = plugin_of(host);
        struct limber_plugin_host *h = p->d->plugins;
        size_t i;

        if (!what)
                return;
        for (i = 0; i < h->n_rejected; i++)
                if (strcmp(h->rejected[i].what, what) == 0)
                        break;

        if (!reason) {
                if (i == h->n_rejected)
                        return;
                free(h->rejected[i].what);
                free(h->rejected[i].reason);
                memmove(&h->rejected[i], &h->rejected[i + 1], (h->n_rejected - i - 1) * sizeof *h->rejected);
                h->n_rejected--;
        } else if (i < h->n_rejected) {
                char *r = strdup(reason);
                if (!r || strcmp(r, h->rejected[i].reason) == 0) {
                        free(r);
                        return;
                }
                free(h->rejected[i].reason);
                h->rejected[i].reason = r;
        } else {
                struct rejection *n = realloc(h->rejected, (h->n_rejected + 1) * sizeof *n);
                if (!n)
                        return;
                h->rejected = n;
                n[h->n_rejected] = (struct rejection) { .what = strdup(what), .reason = strdup(reason) };
                if (!n[h->n_rejected].what || !n[h->n_rejected].reason) {
                        free(n[h->n_rejected].what);
                        free(n[h->n_rejected].reason);
                        return;
                }
                h->n_rejected++;
        }
        limber_bus_properties_changed(p->d, "Rejected", NULL);
}

bool limber_plugins_rejected(const struct limber_daemon *d, size_t i, const char **what, const char **reason) {
        if (!d->plugins || i >= d->plugins->n_rejected)
                return false;
        *what = d->plugins->rejected[i].what;
        *reason = d->plugins->rejected[i].reason;
        return true;
}

static void host_log(const struct limber_host *host, int priority, const char *format, ...) {
        char buf[1024];
        va_list ap;
        va_start(ap, format);
        vsnprintf(buf, sizeof buf, format, ap);
        va_end(ap);
        limber_log(priority, "plugin %s: %s", plugin_of(host)->name, buf);
}

static void free_settings(struct plugin *p) {
        for (size_t i = 0; i < p->n_settings; i++) {
                free(p->settings[i].key);
                free(p->settings[i].value);
        }
        free(p->settings);
        p->settings = NULL;
        p->n_settings = 0;
}

static int copy_settings(struct plugin *p, const struct limber_plugin_config *pc) {
        free_settings(p);
        if (!pc || pc->n_settings == 0)
                return 0;
        p->settings = calloc(pc->n_settings, sizeof *p->settings);
        if (!p->settings)
                return -ENOMEM;
        for (size_t i = 0; i < pc->n_settings; i++) {
                p->settings[i] = (struct limber_plugin_setting) {
                        .key = strdup(pc->settings[i].key), .value = strdup(pc->settings[i].value),
                        .line = pc->settings[i].line,
                };
                p->n_settings++;
                if (!p->settings[i].key || !p->settings[i].value)
                        return -ENOMEM;
        }
        return 0;
}

static bool same_settings(const struct plugin *p, const struct limber_plugin_config *pc) {
        size_t n = pc ? pc->n_settings : 0;
        if (n != p->n_settings)
                return false;
        for (size_t i = 0; i < n; i++)
                if (strcmp(p->settings[i].key, pc->settings[i].key) != 0 ||
                    strcmp(p->settings[i].value, pc->settings[i].value) != 0)
                        return false;
        return true;
}

static sd_bus *system_bus(struct limber_daemon *d) {
        struct limber_plugin_host *h = d->plugins;
        if (!h->system_bus) {
                int r = sd_bus_open_system_with_description(&h->system_bus, "limberd-system");
                if (r >= 0)
                        r = sd_bus_attach_event(h->system_bus, d->event, SD_EVENT_PRIORITY_NORMAL);
                if (r < 0) {
                        log_debug("No system bus for plugins: %s", strerror(-r));
                        h->system_bus = sd_bus_flush_close_unref(h->system_bus);
                }
        }
        return h->system_bus;
}

static void fail(struct plugin *p, int priority, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(struct plugin *p, int priority, const char *fmt, ...) {
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        limber_log(priority, "Plugin %s (%s) skipped: %s", p->name, p->path, buf);
        p->state = PLUGIN_FAILED;
        p->desc = NULL;
        if (p->dl)
                dlclose(p->dl);
        p->dl = NULL;
}

static void start_plugin(struct plugin *p) {
        struct limber_daemon *d = p->d;
        const struct limber_plugin_config *pc = limber_config_get_plugin(d->config, p->name);

        if (pc && !pc->enabled) {
                p->state = PLUGIN_DISABLED;
                log_info("Plugin %s is disabled in the configuration", p->name);
                return;
        }

        p->dl = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
        if (!p->dl) {
                fail(p, LOG_WARNING, "cannot load: %s", dlerror());
                return;
        }
        p->desc = dlsym(p->dl, LIMBER_PLUGIN_SYMBOL);
        if (!p->desc) {
                fail(p, LOG_WARNING, "no '%s' descriptor", LIMBER_PLUGIN_SYMBOL);
                return;
        }
        /* The version first: nothing else in the descriptor can be trusted before it. */
        if (p->desc->abi_version != LIMBER_PLUGIN_ABI_VERSION) {
                fail(p, LOG_WARNING, "built for plugin ABI %u; limberd speaks %u", p->desc->abi_version, LIMBER_PLUGIN_ABI_VERSION);
                return;
        }
        if (!p->desc->name || strcmp(p->desc->name, p->name) != 0 || !p->desc->start || !p->desc->stop) {
                fail(p, LOG_WARNING, "its descriptor is incomplete or names another plugin ('%s')",
                     p->desc->name ? p->desc->name : "");
                return;
        }
        p->display = p->desc->idle_rank == LIMBER_IDLE_RANK_DISPLAY;
        if (copy_settings(p, pc) < 0) {
                fail(p, LOG_WARNING, "out of memory");
                return;
        }

        p->host = (struct limber_host) {
                .abi_version = LIMBER_PLUGIN_ABI_VERSION,
                .plugin_name = p->name,
                .event = d->event,
                .session_bus = d->bus,
                .system_bus = system_bus(d),
                .config_get = host_config_get,
                .config_line = host_config_line,
                .config_get_duration = host_config_get_duration,
                .config_path = d->config->path ? d->config->path : "built-in defaults",
                .report_idle = host_report_idle,
                .report_activity = host_report_activity,
                .report_rejected = host_report_rejected,
                .log = host_log,
                .host_data = p,
        };
        p->state = PLUGIN_RUNNING;      /* reports during start() count */
        int r = p->desc->start(&p->host, &p->plugin_state);
        if (r < 0) {
                /* What it watches is not here (no X display on a Wayland desktop, no
                 * such service): normal, and said quietly. */
                bool absent = r == -ENXIO || r == -ENODEV || r == -EOPNOTSUPP || r == -ENOENT;
                fail(p, absent ? LOG_INFO : LOG_WARNING, "start failed: %s", strerror(-r));
                /* A source that never ran says nothing. */
                (void) limber_idle_merge_report(&d->idle_sources, p->name, 0, LIMBER_IDLE_GONE, 0);
                return;
        }
        log_info("Plugin %s started: %s", p->name, p->desc->description ? p->desc->description : "");
}

/* forget: the plugin's idle reports stop counting (not at shutdown, when nothing may
 * be re-armed on the finished loop). */
static void stop_plugin(struct plugin *p, bool forget) {
        if (p->state == PLUGIN_RUNNING && p->desc) {
                p->desc->stop(p->plugin_state);
                if (forget)
                        (void) limber_daemon_idle_report(p->d, p->name, p->desc->idle_rank, LIMBER_IDLE_GONE, 0);
        }
        p->plugin_state = NULL;
        p->desc = NULL;
        if (p->dl)
                dlclose(p->dl);
        p->dl = NULL;
        free_settings(p);
}

static int is_plugin_file(const struct dirent *de) {
        size_t len = strlen(de->d_name);
        return de->d_name[0] != '.' && len > 3 && strcmp(de->d_name + len - 3, ".so") == 0;
}

static void emit_plugins_changed(struct limber_daemon *d) {
        limber_bus_properties_changed(d, "Plugins", NULL);
}

int limber_plugins_start(struct limber_daemon *d) {
        struct dirent **names;
        int n;

        d->plugins = calloc(1, sizeof *d->plugins);
        if (!d->plugins)
                return -ENOMEM;

        n = scandir(d->plugin_dir, &names, is_plugin_file, alphasort);
        if (n < 0) {
                if (errno != ENOENT)
                        log_warning_errno(errno, "Cannot read the plugin folder %s", d->plugin_dir);
                return 0;
        }
        d->plugins->plugins = calloc((size_t) n, sizeof(struct plugin));
        for (int i = 0; i < n; i++) {
                if (d->plugins->plugins) {
                        struct plugin *p = &d->plugins->plugins[d->plugins->n];
                        *p = (struct plugin) { .d = d, .state = PLUGIN_FAILED };
                        p->name = strndup(names[i]->d_name, strlen(names[i]->d_name) - 3);
                        if (p->name && asprintf(&p->path, "%s/%s", d->plugin_dir, names[i]->d_name) >= 0) {
                                d->plugins->n++;
                                start_plugin(p);
                        } else
                                free(p->name);
                }
                free(names[i]);
        }
        free(names);
        if (d->plugins->n > 0)
                emit_plugins_changed(d);
        return 0;
}

void limber_plugins_reconfigure(struct limber_daemon *d) {
        bool changed = false;

        for (size_t i = 0; d->plugins && i < d->plugins->n; i++) {
                struct plugin *p = &d->plugins->plugins[i];
                const struct limber_plugin_config *pc = limber_config_get_plugin(d->config, p->name);
                bool want = !pc || pc->enabled;

                if (p->state == PLUGIN_RUNNING && want && same_settings(p, pc))
                        continue;
                if (p->state == PLUGIN_DISABLED && !want)
                        continue;
                if (p->state == PLUGIN_FAILED && want)
                        continue;       /* a reload does not retry what failed; a restart does */
                stop_plugin(p, true);
                start_plugin(p);
                changed = true;
        }
        if (changed)
                emit_plugins_changed(d);
}

void limber_plugins_display_changed(struct limber_daemon *d) {
        bool changed = false;

        for (size_t i = 0; d->plugins && i < d->plugins->n; i++) {
                struct plugin *p = &d->plugins->plugins[i];
                if (p->state == PLUGIN_DISABLED || !p->display)
                        continue;
                log_info("Restarting plugin %s for the new display", p->name);
                stop_plugin(p, true);
                start_plugin(p);
                changed = true;
        }
        if (changed)
                emit_plugins_changed(d);
}

void limber_plugins_stop(struct limber_daemon *d) {
        if (!d->plugins)
                return;
        for (size_t i = 0; i < d->plugins->n; i++) {
                struct plugin *p = &d->plugins->plugins[i];
                stop_plugin(p, false);
                free(p->name);
                free(p->path);
        }
        free(d->plugins->plugins);
        for (size_t i = 0; i < d->plugins->n_rejected; i++) {
                free(d->plugins->rejected[i].what);
                free(d->plugins->rejected[i].reason);
        }
        free(d->plugins->rejected);
        sd_event_source_unref(d->plugins->replan);
        sd_bus_flush_close_unref(d->plugins->system_bus);
        free(d->plugins);
        d->plugins = NULL;
}

const char *limber_plugins_name(const struct limber_daemon *d, size_t i) {
        return d->plugins && i < d->plugins->n ? d->plugins->plugins[i].name : NULL;
}

const char *limber_plugins_state(const struct limber_daemon *d, size_t i) {
        static const char *const names[] = {
                [PLUGIN_RUNNING] = "running",
                [PLUGIN_DISABLED] = "disabled",
                [PLUGIN_FAILED] = "failed",
        };
        return d->plugins && i < d->plugins->n ? names[d->plugins->plugins[i].state] : NULL;
}
