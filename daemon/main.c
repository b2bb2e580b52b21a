/* limberd: the command line, then the daemon.
 *
 * Exit status: 0 on a clean stop; 1 on a failure at run time (no bus, a database that
 * cannot be opened, the name taken by another instance); 64 (EX_USAGE) on a bad command
 * line; 78 (EX_CONFIG) on a bad configuration. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "daemon.h"
#include "version.h"
#include "log.h"
#include "paths.h"

static void usage(FILE *f) {
        fprintf(f,
                "Usage: limberd [OPTION]...\n"
                "Plan foam-rolling and mobility sessions; answer on the session bus as "
                "io.github.limber.Limber1.\n\n"
                "  -c, --config=FILE      read FILE instead of $XDG_CONFIG_HOME/limber/limber.conf\n"
                "      --state-dir=DIR    keep the database in DIR (default $XDG_STATE_HOME/limber)\n"
                "      --data-dir=DIR     write the feed in DIR (default $XDG_DATA_HOME/limber)\n"
                "      --plugin-dir=DIR   load plugins from DIR (default %s)\n"
                "      --routine-dir=DIR  read the built-in routines from DIR (default %s)\n"
                "  -r, --replace          take the bus name over from a running limberd\n"
                "      --check-config     validate the configuration and exit (0 valid, 78 invalid)\n"
                "  -v, --verbose          log debug messages\n"
                "      --version          print the version and exit\n"
                "  -h, --help             print this help and exit\n\n"
                "See limberd(1) and limber.conf(5).\n", LIMBER_PLUGIN_DIR, LIMBER_DATA_DIR "/routines");
}

static char *xstrdup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

int main(int argc, char **argv) {
        enum { OPT_STATE_DIR = 256, OPT_DATA_DIR, OPT_PLUGIN_DIR, OPT_ROUTINE_DIR, OPT_CHECK_CONFIG, OPT_VERSION };
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "state-dir", required_argument, NULL, OPT_STATE_DIR },
                { "data-dir", required_argument, NULL, OPT_DATA_DIR },
                { "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
                { "routine-dir", required_argument, NULL, OPT_ROUTINE_DIR },
                { "replace", no_argument, NULL, 'r' },
                { "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
                { "verbose", no_argument, NULL, 'v' },
                { "version", no_argument, NULL, OPT_VERSION },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 }
        };
        const char *config_path = NULL, *state_dir = NULL, *data_dir = NULL, *plugin_dir = NULL,
                   *routine_dir = NULL;
        bool replace = false, check_config = false;
        int c;

        while ((c = getopt_long(argc, argv, "c:rvh", options, NULL)) >= 0)
                switch (c) {
                case 'c': config_path = optarg; break;
                case OPT_STATE_DIR: state_dir = optarg; break;
                case OPT_DATA_DIR: data_dir = optarg; break;
                case OPT_PLUGIN_DIR: plugin_dir = optarg; break;
                case OPT_ROUTINE_DIR: routine_dir = optarg; break;
                case 'r': replace = true; break;
                case OPT_CHECK_CONFIG: check_config = true; break;
                case 'v': limber_log_set_verbose(true); break;
                case OPT_VERSION:
                        fputs(LIMBER_VERSION_TEXT("limberd"), stdout);
                        return EXIT_SUCCESS;
                case 'h':
                        usage(stdout);
                        return EXIT_SUCCESS;
                default:
                        usage(stderr);
                        return EX_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "limberd: unexpected argument '%s'\n", argv[optind]);
                usage(stderr);
                return EX_USAGE;
        }

        struct limber_daemon_args args = {
                .config_must_exist = config_path != NULL,
                .config_path = config_path ? strdup(config_path)
                                           : limber_xdg_path("XDG_CONFIG_HOME", ".config", "limber/limber.conf"),
                .state_dir = state_dir ? strdup(state_dir)
                                       : limber_xdg_path("XDG_STATE_HOME", ".local/state", "limber"),
                .data_dir = data_dir ? strdup(data_dir)
                                     : limber_xdg_path("XDG_DATA_HOME", ".local/share", "limber"),
                .plugin_dir = xstrdup_or_null(plugin_dir ? plugin_dir : LIMBER_PLUGIN_DIR),
                .routine_dir = xstrdup_or_null(routine_dir),
                .home = limber_home(),
                .replace = replace,
        };
        int status = EXIT_FAILURE;

        if (!args.config_path || !args.state_dir || !args.data_dir || !args.plugin_dir) {
                log_error("Cannot find the home directory: set HOME, or pass --config, --state-dir and --data-dir");
                goto finish;
        }

        struct limber_config *config;
        char *errors = NULL;
        int r = limber_config_load(args.config_path, args.config_must_exist, args.home, &config, &errors);
        if (r < 0) {
                /* --check-config speaks to a person; the daemon to the journal. */
                if (check_config)
                        fputs(errors ? errors : strerror(-r), stderr);
                else
                        for (char *line = strtok(errors, "\n"); line; line = strtok(NULL, "\n"))
                                log_error("%s", line);
                free(errors);
                status = EX_CONFIG;
                goto finish;
        }
        if (check_config) {
                printf("%s: valid\n", config->path ? config->path : "built-in defaults (no configuration file)");
                limber_config_free(config);
                status = EXIT_SUCCESS;
                goto finish;
        }
        if (!config->path)
                log_debug("No %s, using the built-in defaults", args.config_path);

        struct limber_daemon *d;
        r = limber_daemon_new(&args, config, &d);
        if (r < 0)
                goto finish;

        r = limber_daemon_run(d);
        status = r < 0 ? EXIT_FAILURE : r;
        limber_daemon_free(d);

finish:
        free(args.config_path);
        free(args.state_dir);
        free(args.data_dir);
        free(args.plugin_dir);
        free(args.routine_dir);
        return status;
}
