/* ctrlog.h - a container's log, ROOT/containers/<id>/ctr.log, in docker's
 * json-file format: one JSON object per line,
 *
 *   {"log":"hello\n","stream":"stdout","time":"2026-11-29T23:33:55.123456789Z"}
 *
 * A line of the container's output is one entry, its newline kept; a line
 * longer than ENG_LOG_LINE_MAX, or one the container ends without a
 * newline, is split or flushed as an entry without one (docker's partial
 * entries).  The file is capped: an entry that would take it past the cap
 * renames it to ctr.log.1 (replacing the older one) and starts a new
 * ctr.log, so the log takes at most twice the cap. */
#ifndef TOTE_ENGINE_CTRLOG_H
#define TOTE_ENGINE_CTRLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ENG_LOG_FILE "ctr.log"
#define ENG_LOG_OLD "ctr.log.1"
/* The default cap (--log-opt max-size). */
#define ENG_LOG_MAX_SIZE (10LL * 1024 * 1024)
/* The longest entry: longer lines are split, as docker's 16 KiB buffer does. */
#define ENG_LOG_LINE_MAX 16384

/* One entry as a JSON line with its newline: malloc'd, *outlen its length.
 * Bytes that are not UTF-8 become U+FFFD, as in docker's encoder. */
char *eng_log_encode(const char *stream, const char *data, size_t len, const char *time,
                     size_t *outlen);

/* The output of one stream cut into entries. */
typedef void (*eng_line_fn)(void *arg, const char *data, size_t len);
struct eng_linebuf {
  char buf[ENG_LOG_LINE_MAX];
  size_t n;
};
/* Emit every complete line of what came (with the partial line kept
 * before it), and a full buffer as a partial entry. */
void eng_linebuf_feed(struct eng_linebuf *lb, const char *data, size_t len, eng_line_fn fn,
                      void *arg);
/* At EOF: the partial line that is left, if any. */
void eng_linebuf_flush(struct eng_linebuf *lb, eng_line_fn fn, void *arg);

/* The writer: the container's directory, the open ctr.log and its size. */
struct eng_log {
  int dirfd;
  int fd;
  off_t size, max;
};
/* Open (append) ctr.log in the container's directory dirfd (not owned). */
int eng_log_open(struct eng_log *l, int dirfd, off_t max);
/* Append one entry (rotating first when it would pass the cap). */
int eng_log_write(struct eng_log *l, const char *stream, const char *data, size_t len);
void eng_log_close(struct eng_log *l);

#endif
