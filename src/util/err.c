/* err.c - building and freeing the error value of err.h. */
#include "util/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

int err_vset(tote_err **err, int errnum, const char *fmt, va_list ap) {
  if (err == NULL)
    return -1;
  char *text = xvasprintf(fmt, ap);
  tote_err *e = xmalloc(sizeof *e);
  e->errnum = errnum;
  if (errnum != 0)
    e->msg = xasprintf("%s: %s", text, strerror(errnum));
  else
    e->msg = text, text = NULL;
  free(text);
  err_free(err);
  *err = e;
  return -1;
}

int err_set(tote_err **err, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  err_vset(err, errnum, fmt, ap);
  va_end(ap);
  return -1;
}

int err_sys(tote_err **err, const char *fmt, ...) {
  int saved = errno;
  va_list ap;
  va_start(ap, fmt);
  err_vset(err, saved, fmt, ap);
  va_end(ap);
  errno = saved;
  return -1;
}

int err_wrap(tote_err **err, const char *fmt, ...) {
  if (err == NULL || *err == NULL)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  char *ctx = xvasprintf(fmt, ap);
  va_end(ap);
  char *msg = xasprintf("%s: %s", ctx, (*err)->msg);
  free(ctx);
  free((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

void err_free(tote_err **err) {
  if (err == NULL || *err == NULL)
    return;
  free((*err)->msg);
  free(*err);
  *err = NULL;
}
