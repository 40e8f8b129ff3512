/* Daemon logging: one line per event, levels, key=value identities. */
#ifndef KM_LOG_H
#define KM_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the minimum level printed (default LOG_INFO). */
void log_set_level(enum log_level level);

/* Parses "debug", "info", "warn" or "error"; KM_EINVAL otherwise. */
int log_parse_level(const char *name, enum log_level *out);

/*
 * Prints "TIME level=L MESSAGE" to stderr. Messages carry identities as
 * key=value ("run=42 job=7 took=3.1s"); build and QEMU output never goes here.
 */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
