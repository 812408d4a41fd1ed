/* xalloc.h - allocation that cannot fail, and cleanup attributes.
 *
 * Out of memory aborts with a message: no caller handles NULL from these.
 * Every owned resource is declared with a cleanup attribute and handed on
 * with steal_ptr()/steal_fd(). */
#ifndef TOTE_UTIL_XALLOC_H
#define TOTE_UTIL_XALLOC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
void *xcalloc_array(size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* A string built by printing to a stream (open_memstream): linear, where
 * appending with xasprintf("%s%s") copies everything each time.
 * xmemstream_done closes it and returns the text. */
FILE *xmemstream(char **buf, size_t *len);
char *xmemstream_done(FILE *f, char **buf);

void cleanup_freep(void *p);
void cleanup_closep(int *fd);
void cleanup_strvp(char ***v);
void strv_free(char **v);
size_t strv_len(char *const *v);

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_strv_ __attribute__((cleanup(cleanup_strvp)))

static inline void *steal_ptr_impl(void *pp) {
  void **p = pp;
  void *v = *p;
  *p = NULL;
  return v;
}
#define steal_ptr(pp) steal_ptr_impl(pp)

static inline int steal_fd(int *fd) {
  int v = *fd;
  *fd = -1;
  return v;
}

#endif
