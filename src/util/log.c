/* log.c - stderr and --log file output, text or runc's JSON lines. */
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/xalloc.h"

static int g_fd = -1;
static enum log_format g_format = LOG_FORMAT_TEXT;
static bool g_debug = false;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int log_init(const char *path, enum log_format fmt, bool debug, tote_err **err) {
  g_format = fmt;
  g_debug = debug;
  if (path == NULL || *path == '\0')
    return 0;
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    return err_sys(err, "opening log file %s", path);
  g_fd = fd;
  return 0;
}

int log_fd(void) { return g_fd; }

long monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void rfc3339_now(char *buf, size_t len) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

static void write_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return;
    s += w, n -= (size_t)w;
  }
}

static void log_to_file(enum log_level level, const char *msg) {
  char ts[64];
  rfc3339_now(ts, sizeof ts);
  _cleanup_free_ char *line = NULL;
  if (g_format == LOG_FORMAT_JSON) {
    json_t *o = json_pack("{s:s, s:s, s:s}", "level", level_names[level], "msg", msg, "time", ts);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (s == NULL)
      return;
    line = xasprintf("%s\n", s);
    free(s);
  } else {
    line = xasprintf("time=\"%s\" level=%s msg=\"%s\"\n", ts, level_names[level], msg);
  }
  write_all(g_fd, line, strlen(line));
}

static const char *g_prog = "tote-oci";

void log_set_prog(const char *prog) { g_prog = prog; }

void log_msg(enum log_level level, const char *fmt, ...) {
  if (level == LOG_LEVEL_DEBUG && !g_debug)
    return;
  int saved = errno;
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  if (g_fd >= 0)
    log_to_file(level, msg);
  if (g_fd < 0 || g_debug || level == LOG_LEVEL_WARN) {
    _cleanup_free_ char *line = xasprintf("%s: %s%s\n", g_prog,
                                          level == LOG_LEVEL_WARN ? "warning: " : "", msg);
    write_all(2, line, strlen(line));
  }
  errno = saved;
}

void log_error_exit_msg(const char *prog, const char *msg) {
  if (g_fd >= 0)
    log_to_file(LOG_LEVEL_ERROR, msg);
  _cleanup_free_ char *line = xasprintf("%s: %s\n", prog, msg);
  write_all(2, line, strlen(line));
}
