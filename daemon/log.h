/* Logging to stderr with <N> syslog prefixes, which the journal reads as priorities. */
#pragma once

#include <stdbool.h>
#include <syslog.h>

void limber_log_set_verbose(bool verbose);
bool limber_log_get_verbose(void);

void limber_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs and returns -abs(err), so callers can write `return log_errno(r, ...)`. */
int limber_log_errno(int priority, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_debug(...)   limber_log(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    limber_log(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  limber_log(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) limber_log(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   limber_log(LOG_ERR, __VA_ARGS__)
#define log_error_errno(err, ...)   limber_log_errno(LOG_ERR, (err), __VA_ARGS__)
#define log_warning_errno(err, ...) limber_log_errno(LOG_WARNING, (err), __VA_ARGS__)
