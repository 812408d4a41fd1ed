/* log.h - the runtime's log: stderr, and optionally a file in runc's formats.
 *
 * `--log FILE --log-format json` writes one JSON object per line with
 * level, msg and time, as containerd's shim expects from runc. */
#ifndef TOTE_UTIL_LOG_H
#define TOTE_UTIL_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

struct tote_err;

/* Open the log file (append).  path NULL: errors go to stderr only. */
int log_init(const char *path, enum log_format fmt, bool debug, struct tote_err **err);
/* The name stderr lines start with ("tote-oci" unless set). */
void log_set_prog(const char *prog);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The error a command ends with: to stderr as "PROG: msg" and to the log. */
void log_error_exit_msg(const char *prog, const char *msg);
/* The fd of the log file, -1 if none (kept across fork, closed before exec). */
int log_fd(void);

/* Now as RFC 3339 UTC with nanoseconds, as runc writes times. */
void rfc3339_now(char *buf, size_t len);
/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
long monotonic_ms(void);

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)

#endif
