/* ctrlog.c - the json-file log of a container (see ctrlog.h). */
#include "engine/ctrlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

/* The length of the valid UTF-8 sequence at p (n bytes left), 0 if none. */
static size_t utf8_len(const unsigned char *p, size_t n) {
  unsigned c = p[0];
  size_t len;
  unsigned min;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    len = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef)
    len = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4)
    len = 4, min = 0x10000;
  else
    return 0;
  if (n < len)
    return 0;
  unsigned cp = c & (0x3f >> (len - 1));
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

struct sbuf {
  char *p;
  size_t n, cap;
};

static void put(struct sbuf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    b->p = xrealloc(b->p, b->cap);
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static void puts_(struct sbuf *b, const char *s) { put(b, s, strlen(s)); }

/* data as the inside of a JSON string, escaped as docker's encoder does
 * (also <, > and & and the line separators U+2028 and U+2029). */
static void put_escaped(struct sbuf *b, const char *data, size_t len) {
  const unsigned char *p = (const unsigned char *)data;
  for (size_t i = 0; i < len;) {
    unsigned char c = p[i];
    char esc[8];
    if (c == '"' || c == '\\') {
      esc[0] = '\\', esc[1] = (char)c;
      put(b, esc, 2);
    } else if (c == '\n') {
      puts_(b, "\\n");
    } else if (c == '\r') {
      puts_(b, "\\r");
    } else if (c == '\t') {
      puts_(b, "\\t");
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      puts_(b, esc);
    } else if (c < 0x80) {
      put(b, (const char *)p + i, 1);
    } else {
      size_t n = utf8_len(p + i, len - i);
      if (n == 0) {
        puts_(b, "\\ufffd");
        i++;
        continue;
      }
      if (n == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
        puts_(b, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
      else
        put(b, (const char *)p + i, n);
      i += n;
      continue;
    }
    i++;
  }
}

char *eng_log_encode(const char *stream, const char *data, size_t len, const char *time,
                     size_t *outlen) {
  struct sbuf b = {0};
  puts_(&b, "{\"log\":\"");
  put_escaped(&b, data, len);
  puts_(&b, "\",\"stream\":\"");
  puts_(&b, stream);
  puts_(&b, "\",\"time\":\"");
  puts_(&b, time);
  puts_(&b, "\"}\n");
  if (outlen)
    *outlen = b.n;
  return b.p;
}

void eng_linebuf_feed(struct eng_linebuf *lb, const char *data, size_t len, eng_line_fn fn,
                      void *arg) {
  while (len > 0) {
    const char *nl = memchr(data, '\n', len);
    size_t take = nl ? (size_t)(nl - data) + 1 : len;
    size_t room = sizeof lb->buf - lb->n;
    if (take > room)
      take = room;
    memcpy(lb->buf + lb->n, data, take);
    lb->n += take;
    data += take;
    len -= take;
    if (lb->buf[lb->n - 1] == '\n' || lb->n == sizeof lb->buf) {
      fn(arg, lb->buf, lb->n);
      lb->n = 0;
    }
  }
}

void eng_linebuf_flush(struct eng_linebuf *lb, eng_line_fn fn, void *arg) {
  if (lb->n > 0)
    fn(arg, lb->buf, lb->n);
  lb->n = 0;
}

int eng_log_open(struct eng_log *l, int dirfd, off_t max) {
  l->dirfd = dirfd;
  l->max = max > 0 ? max : ENG_LOG_MAX_SIZE;
  l->fd = openat(dirfd, ENG_LOG_FILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  struct stat st;
  if (l->fd < 0 || fstat(l->fd, &st) < 0)
    return -1;
  l->size = st.st_size;
  return 0;
}

static int rotate(struct eng_log *l) {
  if (renameat(l->dirfd, ENG_LOG_FILE, l->dirfd, ENG_LOG_OLD) < 0)
    return -1;
  int fd = openat(l->dirfd, ENG_LOG_FILE, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC,
                  0640);
  if (fd < 0)
    return -1;
  close(l->fd);
  l->fd = fd;
  l->size = 0;
  return 0;
}

int eng_log_write(struct eng_log *l, const char *stream, const char *data, size_t len) {
  if (l->fd < 0)
    return -1;
  char now[64];
  rfc3339_now(now, sizeof now);
  size_t n;
  _cleanup_free_ char *line = eng_log_encode(stream, data, len, now, &n);
  if (l->size > 0 && l->size + (off_t)n > l->max && rotate(l) < 0)
    log_warn("rotating %s: %s", ENG_LOG_FILE, strerror(errno));
  if (write_all_fd(l->fd, line, n) < 0)
    return -1;
  l->size += (off_t)n;
  return 0;
}

void eng_log_close(struct eng_log *l) {
  if (l->fd >= 0)
    close(l->fd);
  l->fd = -1;
}
