/* Round-trip latency of limberd's D-Bus interface against the floor: the minimal
 * service of bench/min-service.c and the bus daemon itself, on the bus in
 * DBUS_SESSION_BUS_ADDRESS. Run by bench/dbus-latency.sh, which starts all three.
 *
 * Usage: dbus-latency [N [WARMUP]]
 *
 * Each round makes the four calls one after the other, blocking, in an order that
 * rotates from round to round, so every target sees the same machine state (CPU
 * frequency, cache, other load, which call came before) and the ratios stay fair even
 * when the machine is noisy. A call is timed from building the message to having
 * parsed the reply, as a client sees it. Exit status: 0 measured, 1 a call failed,
 * 64 bad arguments. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <systemd/sd-bus.h>

#define LIMBER_NAME "io.github.limber.Limber1"
#define LIMBER_PATH "/io/github/limber/Limber1"
#define MIN_NAME    "org.limber.Bench.Min"      /* bench/min-service.c */
#define MIN_PATH    "/org/limber/Bench/Min"

enum target { LIMBER_GET, LIMBER_LIST, MIN_GET, BUS_GETID, N_TARGETS };

static const char *const target_names[N_TARGETS] = {
        [LIMBER_GET] = "limberd Get(NextSessionStart)",
        [LIMBER_LIST] = "limberd ListSessions(0, 0)",
        [MIN_GET] = "min-service Get(Value)",
        [BUS_GETID] = "dbus-daemon GetId()",
};

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int get_u64(sd_bus *bus, const char *dest, const char *path, const char *interface,
                   const char *property, sd_bus_error *error) {
        uint64_t v;
        return sd_bus_get_property_trivial(bus, dest, path, interface, property, error, 't', &v);
}

/* One call of the target, reply read. Returns the number of sessions for
 * ListSessions, 0 for the others, or a negative errno. */
static int call(sd_bus *bus, enum target t, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        const char *id, *kind, *status, *title;
        uint64_t start, end, sequence;
        int r, n = 0;

        switch (t) {
        case LIMBER_GET:
                return get_u64(bus, LIMBER_NAME, LIMBER_PATH, LIMBER_NAME, "NextSessionStart", error);
        case MIN_GET:
                return get_u64(bus, MIN_NAME, MIN_PATH, MIN_NAME, "Value", error);
        case LIMBER_LIST:
                r = sd_bus_call_method(bus, LIMBER_NAME, LIMBER_PATH, LIMBER_NAME, "ListSessions", error,
                                       &reply, "tt", UINT64_C(0), UINT64_C(0));
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "(ssssttt)");
                while (r >= 0 && (r = sd_bus_message_read(reply, "(ssssttt)", &id, &kind, &status, &title,
                                                          &start, &end, &sequence)) > 0)
                        n++;
                break;
        case BUS_GETID:
                r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetId", error, &reply, NULL);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "s", &id);
                break;
        default:
                r = -EINVAL;
        }
        sd_bus_message_unref(reply);
        return r < 0 ? r : n;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return (x > y) - (x < y);
}

struct stats {
        double p50, p90, p99, mean;
};

/* Sorts v. Nearest-rank percentiles, in microseconds. */
static struct stats summarize(uint64_t *v, size_t n) {
        double sum = 0;
        qsort(v, n, sizeof *v, cmp_u64);
        for (size_t i = 0; i < n; i++)
                sum += (double) v[i];
        return (struct stats) {
                .p50 = (double) v[(n * 50 - 1) / 100] / 1000.0,
                .p90 = (double) v[(n * 90 - 1) / 100] / 1000.0,
                .p99 = (double) v[(n * 99 - 1) / 100] / 1000.0,
                .mean = sum / (double) n / 1000.0,
        };
}

static int parse_count(const char *s, unsigned long *ret) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 10000000)
                return -EINVAL;
        *ret = v;
        return 0;
}

int main(int argc, char **argv) {
        unsigned long n = 20000, warmup = 2000;
        sd_bus *bus = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t *samples[N_TARGETS] = { NULL };
        struct stats st[N_TARGETS];
        int r, sessions = 0, status = EXIT_FAILURE;

        if (argc > 3 || (argc > 1 && parse_count(argv[1], &n) < 0) ||
            (argc > 2 && parse_count(argv[2], &warmup) < 0)) {
                fprintf(stderr, "Usage: %s [N [WARMUP]] (counts from 1 to 10000000)\n", argv[0]);
                return EX_USAGE;
        }

        r = sd_bus_open_user(&bus);
        if (r < 0) {
                fprintf(stderr, "Failed to connect to the session bus: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        for (int t = 0; t < N_TARGETS; t++)
                if (!(samples[t] = malloc(n * sizeof *samples[t]))) {
                        fprintf(stderr, "Out of memory\n");
                        goto finish;
                }

        for (unsigned long i = 0; i < warmup + n; i++)
                for (int k = 0; k < N_TARGETS; k++) {
                        /* Each round starts with the next target, so that none always
                         * follows the same one. */
                        int t = (int) ((i + (unsigned long) k) % N_TARGETS);
                        uint64_t start = now_ns();
                        r = call(bus, (enum target) t, &error);
                        uint64_t took = now_ns() - start;
                        if (r < 0) {
                                fprintf(stderr, "%s failed: %s\n", target_names[t],
                                        error.message ? error.message : strerror(-r));
                                goto finish;
                        }
                        if (t == LIMBER_LIST)
                                sessions = r;
                        if (i >= warmup)
                                samples[t][i - warmup] = took;
                }

        printf("%lu round trips per call after %lu of warm-up, interleaved in rotating order; ListSessions returned %d sessions\n",
               n, warmup, sessions);
        printf("%-32s %9s %9s %9s %9s\n", "call (us)", "p50", "p90", "p99", "mean");
        for (int t = 0; t < N_TARGETS; t++) {
                st[t] = summarize(samples[t], n);
                printf("%-32s %9.1f %9.1f %9.1f %9.1f\n", target_names[t], st[t].p50, st[t].p90, st[t].p99,
                       st[t].mean);
        }
        printf("ratio to min-service Get (p50, mean): Get %.2fx %.2fx, ListSessions %.2fx %.2fx\n",
               st[LIMBER_GET].p50 / st[MIN_GET].p50, st[LIMBER_GET].mean / st[MIN_GET].mean,
               st[LIMBER_LIST].p50 / st[MIN_GET].p50, st[LIMBER_LIST].mean / st[MIN_GET].mean);
        printf("target: limberd Get at most 1.15x min-service Get (p50); %s\n",
               st[LIMBER_GET].p50 <= 1.15 * st[MIN_GET].p50 ? "met" : "NOT met");
        status = EXIT_SUCCESS;

finish:
        for (int t = 0; t < N_TARGETS; t++)
                free(samples[t]);
        sd_bus_error_free(&error);
        sd_bus_flush_close_unref(bus);
        return status;
}
