/* Logging to stderr with <N> syslog prefixes, which the journal reads as priorities. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool verbose;

void limber_log_set_verbose(bool v) {
        verbose = v;
}

bool limber_log_get_verbose(void) {
        return verbose;
}

static void log_va(int priority, int err, const char *fmt, va_list ap) {
        if (priority >= LOG_DEBUG && !verbose)
                return;

        /* One buffer and one write, so lines from concurrent writers do not interleave. */
        char buf[2048];
        int n = snprintf(buf, sizeof buf, "<%d>", priority);
        n += vsnprintf(buf + n, sizeof buf - (size_t) n, fmt, ap);
        if (err != 0 && n > 0 && (size_t) n < sizeof buf)
                n += snprintf(buf + n, sizeof buf - (size_t) n, ": %s", strerror(abs(err)));
        if (n < 0)
                return;
        if ((size_t) n >= sizeof buf - 1)
                n = (int) sizeof buf - 2;
        buf[n++] = '\n';
        fwrite(buf, 1, (size_t) n, stderr);
}

void limber_log(int priority, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_va(priority, 0, fmt, ap);
        va_end(ap);
}

int limber_log_errno(int priority, int err, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_va(priority, err, fmt, ap);
        va_end(ap);
        return -abs(err);
}
