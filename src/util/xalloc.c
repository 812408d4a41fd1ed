/* xalloc.c - allocation wrappers that abort on exhaustion, and cleanups. */
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void *oom(void) {
  static const char msg[] = "tote: out of memory\n";
  (void)!write(2, msg, sizeof msg - 1);
  abort();
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  return p ? p : oom();
}

void *xzalloc(size_t n) {
  void *p = calloc(1, n ? n : 1);
  return p ? p : oom();
}

void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  return q ? q : oom();
}

FILE *xmemstream(char **buf, size_t *len) {
  FILE *f = open_memstream(buf, len);
  return f ? f : oom();
}

char *xmemstream_done(FILE *f, char **buf) {
  if (fclose(f) != 0) {
    free(*buf);
    oom();
  }
  return steal_ptr(buf);
}

void *xcalloc_array(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  return p ? p : oom();
}

char *xstrdup(const char *s) {
  char *p = strdup(s);
  return p ? p : oom();
}

char *xstrndup(const char *s, size_t n) {
  char *p = strndup(s, n);
  return p ? p : oom();
}

char *xvasprintf(const char *fmt, va_list ap) {
  char *p = NULL;
  if (vasprintf(&p, fmt, ap) < 0)
    return oom();
  return p;
}

char *xasprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = xvasprintf(fmt, ap);
  va_end(ap);
  return p;
}

void cleanup_freep(void *p) { free(*(void **)p); }

void cleanup_closep(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}

void strv_free(char **v) {
  if (v == NULL)
    return;
  for (char **i = v; *i; i++)
    free(*i);
  free(v);
}

void cleanup_strvp(char ***v) { strv_free(*v); }

size_t strv_len(char *const *v) {
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}
