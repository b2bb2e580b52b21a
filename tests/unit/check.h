/* The assertions the unit tests share: each failure prints file:line, the expression,
 * what was expected and what came instead, and the test keeps going so one run shows
 * every failure. check_summary() prints the one-line tally and gives main's status.
 *
 * Table rows set a context (CHECK_CONTEXT) so a failure says which row it came from. */
#pragma once

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned check_count;
static unsigned check_failures;
static char check_context_buf[512];

static inline void check_context(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void check_context(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(check_context_buf, sizeof check_context_buf, fmt, ap);
        va_end(ap);
}

static inline void check_fail_head(const char *file, int line, const char *expr) {
        check_failures++;
        fprintf(stderr, "%s:%d: FAIL: %s", file, line, expr);
        if (check_context_buf[0])
                fprintf(stderr, "  [%s]", check_context_buf);
        fputc('\n', stderr);
}

static inline bool check_true(const char *file, int line, const char *expr, bool ok) {
        check_count++;
        if (!ok)
                check_fail_head(file, line, expr);
        return ok;
}

static inline bool check_int(const char *file, int line, const char *expr, long long actual, long long expected) {
        check_count++;
        if (actual == expected)
                return true;
        check_fail_head(file, line, expr);
        fprintf(stderr, "    expected: %lld\n    actual:   %lld\n", expected, actual);
        return false;
}

static inline bool check_u64(const char *file, int line, const char *expr, uint64_t actual, uint64_t expected) {
        check_count++;
        if (actual == expected)
                return true;
        check_fail_head(file, line, expr);
        fprintf(stderr, "    expected: %" PRIu64 "\n    actual:   %" PRIu64 "\n", expected, actual);
        return false;
}

/* Exact: the values under test are either copied or computed the same way on both sides. */
static inline bool check_double(const char *file, int line, const char *expr, double actual, double expected) {
        check_count++;
        if (actual == expected)
                return true;
        check_fail_head(file, line, expr);
        fprintf(stderr, "    expected: %.17g\n    actual:   %.17g\n", expected, actual);
        return false;
}

static inline bool check_str(const char *file, int line, const char *expr, const char *actual, const char *expected) {
        check_count++;
        if (actual == expected || (actual && expected && strcmp(actual, expected) == 0))
                return true;
        check_fail_head(file, line, expr);
        fprintf(stderr, "    expected: %s%s%s\n    actual:   %s%s%s\n",
                expected ? "\"" : "", expected ? expected : "NULL", expected ? "\"" : "",
                actual ? "\"" : "", actual ? actual : "NULL", actual ? "\"" : "");
        return false;
}

#define CHECK(expr) check_true(__FILE__, __LINE__, #expr, (expr))
#define CHECK_INT(actual, expected) check_int(__FILE__, __LINE__, #actual, (actual), (expected))
#define CHECK_U64(actual, expected) check_u64(__FILE__, __LINE__, #actual, (actual), (expected))
#define CHECK_DOUBLE(actual, expected) check_double(__FILE__, __LINE__, #actual, (actual), (expected))
#define CHECK_STR(actual, expected) check_str(__FILE__, __LINE__, #actual, (actual), (expected))
#define CHECK_CONTEXT(...) check_context(__VA_ARGS__)
#define CHECK_CONTEXT_CLEAR() (check_context_buf[0] = '\0')

/* Prints "NAME: N checks, F failed" and returns main's exit status. A program that ran
 * no checks fails too: it would otherwise pass while testing nothing. */
static inline int check_summary(const char *name) {
        printf("%s: %u checks, %u failed\n", name, check_count, check_failures);
        return check_failures == 0 && check_count > 0 ? 0 : 1;
}
